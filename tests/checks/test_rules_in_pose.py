"""Rules are judged in the pose: what a person did while getting into it is forgotten.

Real footage: traj_weighted-glute-bridge_vertical.mp4, three dumbbell bridges from lying
(shoulder-hip-knee line about 135 deg, "sagging" by the rule's 155) up to a straight line
(167-178). On the way up the sag rule fails; the bridge is entered once the line has been
past 150 for 0.25 s, by when it reads 165+, and a verdict carried over from lying would
then wait out the rule's minimum duration in the pose: "sagging" on a straight bridge.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from posecheck.checks.engine import Engine
from posecheck.pose.landmarks import Pose
from posecheck.results import FrameResult, Verdict
from posecheck.spec import find_spec, load_spec

CLIP = "glute_bridge/traj_weighted-glute-bridge_vertical.mp4"


def _sag(result: FrameResult) -> Verdict:
    return next(c.verdict for c in result.checks if c.rule_id == "no-sagging")


def test_a_fault_seen_on_the_way_up_is_not_carried_into_the_bridge(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    engine = Engine(load_spec(find_spec("glute-bridge")))
    results = [engine.step(pose, t, i) for t, i, pose in footage_poses(CLIP)]
    entries = [now for before, now in pairwise(results) if now.in_pose and not before.in_pose]
    assert len(entries) == 3, [r.timestamp_s for r in entries]
    for entry in entries:
        line = entry.measurements["line"].value
        assert line >= 160, (entry.timestamp_s, line)
        # Lying just before, the rule was failing; in the bridge it starts afresh.
        assert _sag(results[results.index(entry) - 1]) is Verdict.FAIL_LOW
        assert _sag(entry) is Verdict.PASS, (entry.timestamp_s, line)
    # Every frame in the bridge with a straight line passes: no "sagging" shown on a straight bridge.
    assert all(_sag(r) is Verdict.PASS for r in results if r.in_pose and r.measurements["line"].value >= 160)
