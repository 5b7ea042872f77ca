"""Near-miss cues, and the overlay drawing no rule fault while the person is not in the pose.

Real photos (low_lunge/): a high lunge (back knee up) is not a kneeling hip flexor stretch,
but it is one change away: the banner says which; a deep half-kneel with the knee ahead
of the ankle is in the pose with an advisory fault, drawn in the advisory colour only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from posecheck.checks.engine import Engine
from posecheck.overlay import CueMarkerAnnotator, Overlay, SkeletonAnnotator
from posecheck.palette import Palette
from posecheck.pose.landmarks import Pose
from posecheck.results import FrameResult, Severity, Verdict
from posecheck.spec import find_spec, load_spec

HIGH_LUNGE = "low_lunge/fedb_standing-hip-flexor_0.jpg"
DEEP_KNEEL = "low_lunge/fedb_kneeling-hip-flexor_0.jpg"
FRONT_LUNGE = "low_lunge/desklife_forward-lunge_front.jpg"


def _judge(footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], name: str) -> FrameResult:
    (t, i, pose), *_ = footage_poses(name)
    return Engine(load_spec(find_spec("kneeling-hip-flexor")), still_images=True).step(pose, t, i)


def _colour_pixels(image: np.ndarray, bgr: tuple[int, int, int]) -> int:
    return int(np.all(image == np.array(bgr, dtype=np.uint8), axis=2).sum())


def _annotated(footage_dir: Path, name: str, result: FrameResult) -> np.ndarray:
    image = cv2.imread(str(footage_dir / name))
    assert image is not None
    return Overlay().draw(image, result)


def test_a_high_lunge_is_not_in_pose_and_is_told_to_lower_the_back_knee(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], footage_dir: Path
) -> None:
    result = _judge(footage_poses, HIGH_LUNGE)
    assert not result.in_pose
    assert result.cue is not None and result.cue.kind == "entry"
    assert result.cue.text == "Lower your back knee to the floor"
    # Some rule fails on this frame (the back hip is not extended), yet nothing is drawn red
    # or amber on the body: out of the pose the entry cue alone says what is wrong.
    assert any(c.verdict.failing for c in result.checks)
    picture = _annotated(footage_dir, HIGH_LUNGE, result)
    palette = Palette()
    assert _colour_pixels(picture, palette.critical) == 0
    assert _colour_pixels(picture, palette.advisory) == 0


def test_far_from_the_pose_the_set_up_cue_is_given(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    """Standing square-on in a short split stance: the legs tell no front leg, nothing is near."""
    result = _judge(footage_poses, FRONT_LUNGE)
    spec = load_spec(find_spec("kneeling-hip-flexor"))
    assert not result.in_pose
    assert result.cue is not None and result.cue.text == spec.entry_cue


def test_an_advisory_fault_is_drawn_in_the_advisory_colour_only(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], footage_dir: Path
) -> None:
    result = _judge(footage_poses, DEEP_KNEEL)
    assert result.in_pose
    by_id = {c.rule_id: c for c in result.checks}
    assert by_id["knee-over-ankle"].verdict is Verdict.FAIL_HIGH
    assert by_id["knee-past-toes"].verdict is Verdict.PASS
    assert result.cue is not None and result.cue.severity is Severity.ADVISORY
    picture = _annotated(footage_dir, DEEP_KNEEL, result)
    palette = Palette()
    assert _colour_pixels(picture, palette.advisory) > 200  # banner accent, ring and shin
    assert _colour_pixels(picture, palette.critical) == 0


def test_a_correction_left_on_the_banner_is_not_ringed_on_the_body_out_of_the_pose(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]], footage_dir: Path
) -> None:
    """A cue stays its minimum time on the banner; if the person leaves the pose meanwhile,
    the ring on the body (and the failing limb) go at once."""
    result = _judge(footage_poses, DEEP_KNEEL)
    assert result.cue is not None and result.cue.kind == "correction" and result.cue.landmarks
    image = cv2.imread(str(footage_dir / DEEP_KNEEL))
    assert image is not None
    ringed = CueMarkerAnnotator().annotate(image.copy(), result)
    assert not np.array_equal(ringed, image)
    out_of_pose = replace(result, in_pose=False)
    assert np.array_equal(CueMarkerAnnotator().annotate(image.copy(), out_of_pose), image)
    assert np.array_equal(
        SkeletonAnnotator().annotate(image.copy(), out_of_pose),
        SkeletonAnnotator().annotate(image.copy(), replace(out_of_pose, checks=())),
    )
