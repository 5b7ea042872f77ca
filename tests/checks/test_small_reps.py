"""Small side-lying leg lifts (16-22 deg) count as reps.

Real footage: fitbod_side-lying-leg-raise.mp4, six lifts of the left (top) leg reaching
50-68 deg. The same clip with every lift made a third as high (the top leg turned about
its hip in the picture, towards the bottom leg) reaches 16-22 deg: a careful small lift,
which the spec must still count, and resting legs (0-3 deg then) must not.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecheck.checks.engine import Engine
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.spec import find_spec, load_spec
from posecheck.spec.model import PhaseCondition, StretchSpec

CLIP = "side_lying_leg_lift/fitbod_side-lying-leg-raise.mp4"
SCALE = 0.32  # 50-68 deg lifts become 16-22 deg
TOP, BOTTOM = "left", "right"
LEG = ("knee", "ankle", "heel", "foot_index")


def _spread_deg(xy: np.ndarray) -> float:
    hip_t, ankle_t = xy[LANDMARK_INDEX[f"{TOP}_hip"]], xy[LANDMARK_INDEX[f"{TOP}_ankle"]]
    hip_b, ankle_b = xy[LANDMARK_INDEX[f"{BOTTOM}_hip"]], xy[LANDMARK_INDEX[f"{BOTTOM}_ankle"]]
    a, b = ankle_b - hip_b, ankle_t - hip_t
    return math.degrees(math.atan2(a[0] * b[1] - a[1] * b[0], float(np.dot(a, b))))


def _smaller_lift(pose: Pose) -> Pose:
    xy = pose.xy_px.copy()
    turn = math.radians(_spread_deg(xy) * (SCALE - 1.0))
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    hip = xy[LANDMARK_INDEX[f"{TOP}_hip"]].copy()
    for part in LEG:
        i = LANDMARK_INDEX[f"{TOP}_{part}"]
        xy[i] = hip + rotation @ (xy[i] - hip)
    return Pose(xy, pose.world_xyz_m, pose.visibility, pose.image_wh)


def _reps(spec: StretchSpec, frames: list[tuple[float, int, Pose | None]]) -> tuple[dict[str, int], float]:
    engine, peak = Engine(spec), 0.0
    result = None
    for t, i, pose in frames:
        result = engine.step(pose, t, i)
        peak = max(peak, result.measurements["leg_spread"].value if result.in_pose else 0.0)
    assert result is not None and result.reps is not None
    return result.reps.counts, peak


def _old_phases(spec: StretchSpec) -> StretchSpec:
    """The thresholds before small lifts were counted: down below 18 deg, up from 32."""
    down, up = spec.phases
    return spec.model_copy(
        update={
            "phases": (
                down.model_copy(update={"when": (PhaseCondition(measure="leg_spread", max=18),)}),
                up.model_copy(update={"when": (PhaseCondition(measure="leg_spread", min=32),)}),
            )
        }
    )


def test_the_full_lifts_count(footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]]) -> None:
    counts, peak = _reps(load_spec(find_spec("side-leg-lift")), footage_poses(CLIP))
    assert counts == {"left": 6, "right": 0}
    assert peak > 50


def test_lifts_of_16_to_22_degrees_count(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    small = [(t, i, _smaller_lift(p) if p is not None else None) for t, i, p in footage_poses(CLIP)]
    spec = load_spec(find_spec("side-leg-lift"))
    counts, peak = _reps(spec, small)
    assert 16 <= peak <= 23
    assert counts == {"left": 6, "right": 0}
    # As filed: with "up" from 32 deg none of them counted.
    old_counts, _ = _reps(_old_phases(spec), small)
    assert old_counts == {"left": 0, "right": 0}
