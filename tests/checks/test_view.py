"""The camera view per frame, and rules left unjudged (UNKNOWN, "Turn side-on") in a view they cannot see."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from posecheck.checks.engine import Engine
from posecheck.checks.view import classify_view, view_cue
from posecheck.pose.landmarks import Pose
from posecheck.results import HoldState, Verdict
from posecheck.spec import find_spec, load_spec
from posecheck.spec.model import StretchSpec

HIP_FLEXOR = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
# The camera turns from three-quarters (width ratio 0.52) to side-on (0.15-0.22) at about 6.5-7.5 s.
THREE_QUARTER_UNTIL_S, SIDE_FROM_S = 6.0, 8.0


@pytest.mark.parametrize(
    ("ratio", "yaw_3d_deg", "current", "expected"),
    [
        (0.10, 80.0, None, "side"),
        (0.10, 5.0, None, "side"),  # either cue seeing a profile is enough
        (0.62, 80.0, None, "side"),
        (0.62, 5.0, None, "front"),  # square-on needs both
        (0.50, 5.0, None, "three-quarter"),  # fitbod_kneeling-hip-flexor.mp4's first half
        (0.72, 40.0, None, "three-quarter"),  # a lying body filmed from a raised corner
        (0.62, 22.0, "front", "front"),  # hysteresis keeps a view near its border
        (0.62, 22.0, "three-quarter", "three-quarter"),
        (0.62, 57.0, "side", "side"),
        (0.62, 57.0, "three-quarter", "three-quarter"),
    ],
)
def test_view_from_the_picture_and_3d_cues_with_hysteresis(
    ratio: float, yaw_3d_deg: float, current: str | None, expected: str
) -> None:
    assert classify_view(ratio, yaw_3d_deg, 10.0, current) == expected


def test_looking_along_the_torso_is_from_above() -> None:
    assert classify_view(0.8, 5.0, 70.0) == "above"
    assert classify_view(0.8, 5.0, 57.0, "above") == "above"  # hysteresis
    assert classify_view(0.8, 5.0, 57.0, "front") == "front"


def test_view_cues_ask_for_a_view_the_rule_can_see() -> None:
    assert view_cue(("side", "three-quarter")) == "Turn side-on to the camera"
    assert view_cue(("front", "three-quarter", "above")) == "Face the camera"


def _side_only(spec: StretchSpec) -> StretchSpec:
    """The spec with every rule judged only side-on (three-quarters no longer counts)."""
    rules = tuple(r.model_copy(update={"views": ("side",)}) for r in spec.rules)
    return spec.model_copy(update={"rules": rules})


def test_the_turning_clip_reads_three_quarter_then_side(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    engine = Engine(load_spec(find_spec("kneeling-hip-flexor")))
    results = [engine.step(p, t, i) for t, i, p in footage_poses(HIP_FLEXOR)]
    early = {r.view for r in results if r.timestamp_s < THREE_QUARTER_UNTIL_S}
    late = {r.view for r in results if r.timestamp_s >= SIDE_FROM_S}
    assert early == {"three-quarter"} and late == {"side"}


def test_rules_outside_their_views_are_unknown_with_a_turn_cue(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    engine = Engine(_side_only(load_spec(find_spec("kneeling-hip-flexor"))))
    results = [engine.step(p, t, i) for t, i, p in footage_poses(HIP_FLEXOR)]
    early = [r for r in results if 1.0 <= r.timestamp_s < THREE_QUARTER_UNTIL_S]
    late = [r for r in results if r.timestamp_s >= SIDE_FROM_S + 1.0]
    assert early and late
    for r in early:
        # In the pose, but no fault it cannot see: UNKNOWN, the hold waits, and the cue asks to turn.
        assert r.in_pose
        assert {c.verdict for c in r.checks} == {Verdict.UNKNOWN}
        assert r.cue is not None and r.cue.text == "Turn side-on to the camera"
        assert r.hold is not None and r.hold.state is not HoldState.HOLDING
    # Side-on, the same rules are judged (good form: they pass) and the hold runs.
    knee = [next(c for c in r.checks if c.rule_id == "knee-past-toes") for r in late]
    assert {c.verdict for c in knee} == {Verdict.PASS}
    assert late[-1].hold is not None and late[-1].hold.state is HoldState.HOLDING


def test_the_bundled_spec_judges_the_three_quarter_view(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    """The catalog's lunge rules list three-quarters: the reference clip is judged from its start."""
    engine = Engine(load_spec(find_spec("kneeling-hip-flexor")))
    results = [engine.step(p, t, i) for t, i, p in footage_poses(HIP_FLEXOR)]
    early = [r for r in results if 1.0 <= r.timestamp_s < THREE_QUARTER_UNTIL_S]
    assert all(
        next(c for c in r.checks if c.rule_id == "knee-past-toes").verdict is Verdict.PASS for r in early
    )
