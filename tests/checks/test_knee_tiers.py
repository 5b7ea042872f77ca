"""The two-tier knee rule of the kneeling lunges: past the ankle is advised, past the toes is critical.

Generated half-kneels give the exact shin lean (the knee bent further puts it further
ahead); real footage gives good form (the hip-flexor clip) and a deep kneel with the
knee at the toe line (fedb photos): advised, never critical.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from posecheck.checks.engine import Engine
from posecheck.pose.landmarks import Pose
from posecheck.results import Severity, Verdict
from posecheck.spec import find_spec, load_spec
from posecheck.synth import Scene, presets
from posecheck.synth.samples import KNEELING_CAMERA

SPECS = ("kneeling-hip-flexor", "kneeling-lunge-twist")


def _verdicts(spec_id: str, pose: Pose) -> tuple[dict[str, Verdict], str | None, Severity | None]:
    result = Engine(load_spec(find_spec(spec_id)), still_images=True).step(pose, 0.0)
    assert result.in_pose
    by_id = {c.rule_id: c.verdict for c in result.checks}
    return by_id, result.cue.text if result.cue else None, result.cue.severity if result.cue else None


@pytest.mark.parametrize("spec_id", SPECS)
@pytest.mark.parametrize(
    ("knee_flex_deg", "over_ankle", "past_toes"),
    [
        (95.0, Verdict.PASS, Verdict.PASS),  # shin upright (lean ~1 deg)
        (110.0, Verdict.FAIL_HIGH, Verdict.PASS),  # knee a little past the ankle (~19 deg)
        (120.0, Verdict.FAIL_HIGH, Verdict.FAIL_HIGH),  # knee past the toes (~38 deg)
    ],
)
def test_the_tiers_on_generated_half_kneels(
    spec_id: str, knee_flex_deg: float, over_ankle: Verdict, past_toes: Verdict
) -> None:
    pose = Scene(view="side-right", camera=KNEELING_CAMERA).pose(
        presets.kneeling_lunge("left", front_knee_flex_deg=knee_flex_deg)
    )
    verdicts, cue, severity = _verdicts(spec_id, pose)
    assert verdicts["knee-over-ankle"] is over_ankle
    assert verdicts["knee-past-toes"] is past_toes
    if past_toes.failing:
        assert (cue, severity) == ("Knee past the toes - slide the front foot forward", Severity.CRITICAL)
    elif over_ankle.failing and spec_id == "kneeling-hip-flexor":
        assert (cue, severity) == ("Bring the knee back over the ankle", Severity.ADVISORY)


@pytest.mark.parametrize("spec_id", SPECS)
@pytest.mark.parametrize(
    "photo", ["low_lunge/fedb_kneeling-hip-flexor_0.jpg", "low_lunge/fedb_kneeling-hip-flexor_1.jpg"]
)
def test_a_knee_at_the_toe_line_is_advised_not_critical(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], spec_id: str, photo: str
) -> None:
    ((_, _, pose),) = footage_poses(photo)
    assert pose is not None
    verdicts, _, _ = _verdicts(spec_id, pose)
    assert verdicts["knee-over-ankle"] is Verdict.FAIL_HIGH
    assert verdicts["knee-past-toes"] is Verdict.PASS


@pytest.mark.parametrize("spec_id", SPECS)
def test_good_form_on_the_reference_clip_passes_both_tiers(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], spec_id: str
) -> None:
    engine = Engine(load_spec(find_spec(spec_id)))
    results = [engine.step(p, t, i) for t, i, p in footage_poses("low_lunge/fitbod_kneeling-hip-flexor.mp4")]
    in_pose = [r for r in results if r.in_pose]
    assert len(in_pose) >= 0.95 * len(results)
    for rule_id in ("knee-over-ankle", "knee-past-toes"):
        assert all(next(c for c in r.checks if c.rule_id == rule_id).verdict is Verdict.PASS for r in in_pose)
