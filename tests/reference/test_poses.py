"""Every catalog spec has a reference pose, and the spec itself judges it good form."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.reference.figure import render_reference_figure, write_reference_figure
from posecheck.reference.poses import REFERENCE_POSES, judge, judged_rules, phase_holds, reference_pose
from posecheck.results import Verdict
from posecheck.spec import list_specs, load_spec

CATALOG = {path.stem: path for path in list_specs()}


def test_every_catalog_spec_has_a_reference_pose() -> None:
    assert len(CATALOG) >= 26
    assert set(CATALOG) == set(REFERENCE_POSES)


@pytest.mark.parametrize("spec_id", sorted(CATALOG))
def test_reference_pose_passes_its_own_spec(spec_id: str) -> None:
    spec = load_spec(CATALOG[spec_id])
    ref = reference_pose(spec_id)
    pose = ref
    result = judge(pose, spec)
    assert result.in_pose, f"{spec_id}: not in the pose"
    verdicts = {c.rule_id: c.verdict for c in result.checks}
    applying = judged_rules(spec, pose.phase)
    assert applying, f"{spec_id}: no rule is judged in the pose shown"
    assert {rid: verdicts[rid] for rid in applying} == {rid: Verdict.PASS for rid in applying}, spec_id
    if pose.phase is not None:
        assert phase_holds(result, spec, pose.phase), f"{spec_id}: not in the phase {pose.phase}"
    if spec.sides != ("both",) and pose.working is not None:
        assert result.side == pose.working, f"{spec_id}: the working side is not the one posed"
    # Everything the figure shows is inside the camera's picture.
    assert bool(pose.pose().in_frame().all()), f"{spec_id}: part of the body is outside the picture"


def test_figure_draws_the_body_in_good_form_colours(tmp_path: Path) -> None:
    spec = load_spec(CATALOG["kneeling-hip-flexor"])
    image = render_reference_figure(reference_pose("kneeling-hip-flexor"), spec, (800, 600))
    assert image.shape == (600, 800, 3)
    green = np.all(np.abs(image.astype(int) - np.array([120, 205, 80])) <= 20, axis=2)
    assert int(green.sum()) > 2000  # the body
    path = write_reference_figure(tmp_path / "ref.png", reference_pose("kneeling-hip-flexor"), spec)
    back = cv2.imread(str(path))
    assert back is not None and back.shape == (720, 960, 3)


def test_unknown_spec_has_no_reference() -> None:
    with pytest.raises(KeyError, match="no reference pose"):
        reference_pose("not-a-stretch")


def test_figure_for_a_spec_it_no_longer_passes_is_none() -> None:
    from posecheck.reference.figure import figure_for

    spec = load_spec(CATALOG["cobra"])
    assert figure_for(spec) is not None
    # An edited spec whose rule the reference pose breaks (elbows now must be straighter than posed).
    rules = tuple(r.model_copy(update={"min": 175.0}) if r.id == "arms-long" else r for r in spec.rules)
    assert figure_for(spec.model_copy(update={"rules": rules})) is None
    own = spec.model_copy(update={"id": "my-own-cobra"})
    assert figure_for(own) is None


def test_inset_sits_top_right_under_the_banner() -> None:
    from posecheck.reference.figure import figure_for, paste_inset

    figure = figure_for(load_spec(CATALOG["kneeling-hip-flexor"]))
    assert figure is not None
    scene = np.zeros((720, 1280, 3), np.uint8)
    paste_inset(scene, figure)
    lit = np.argwhere(scene.max(axis=2) > 0)
    (y0, x0), (y1, x1) = lit.min(axis=0), lit.max(axis=0)
    assert x1 >= 1280 - 20 and x0 > 1280 // 2  # the right side only
    assert y0 >= 80 and y1 < 720 - 200  # under the banner, above the hold card
