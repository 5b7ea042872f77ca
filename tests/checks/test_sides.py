"""Front leg and working side from the legs: a head turned with a twist must not swap them.

Real footage: fitbod_kneeling-hip-flexor.mp4, a right-leg-forward half-kneel facing
image-left, filmed at three-quarters and then side-on (the camera turns around her at
about 6.5 s). The twist is made on that footage: from 4 s to 10 s the head is turned to
look back over the back shoulder (nose, eyes, ears and mouth mirrored about the
shoulders' midpoint), as a lunge with a twist does when the gaze follows the chest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posecheck.checks.engine import Engine
from posecheck.checks.sides import (
    SideResolver,
    facing_evidence,
    front_leg_evidence,
    lunge_legs_evidence,
)
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.spec import find_spec, load_spec
from posecheck.synth import Scene, presets
from posecheck.synth.samples import KNEELING_CAMERA

HIP_FLEXOR = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
TWIST_FROM_S, TWIST_TO_S = 4.0, 10.0
HEAD = slice(0, 11)  # nose, eyes, ears, mouth


def _head_turned_back(pose: Pose) -> Pose:
    """The same body with the face turned to look the other way (mirrored about the shoulders)."""
    xy = pose.xy_px.copy()
    shoulders_x = (xy[LANDMARK_INDEX["left_shoulder"], 0] + xy[LANDMARK_INDEX["right_shoulder"], 0]) / 2
    xy[HEAD, 0] = 2 * shoulders_x - xy[HEAD, 0]
    return Pose(xy, pose.world_xyz_m.copy(), pose.visibility.copy(), pose.image_wh)


def _twisted(frames: list[tuple[float, int, Pose | None]]) -> list[tuple[float, int, Pose | None]]:
    return [
        (t, i, _head_turned_back(p) if p is not None and TWIST_FROM_S <= t < TWIST_TO_S else p)
        for t, i, p in frames
    ]


def test_a_head_turned_back_swaps_the_legs_for_the_head_based_detectors(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    """The perturbation is a real test: the nose-based facing flips, and with it the leg ahead."""
    flipped = 0
    twisted = [(t, p) for t, _, p in _twisted(footage_poses(HIP_FLEXOR)) if p is not None]
    inside = [(t, p) for t, p in twisted if TWIST_FROM_S <= t < TWIST_TO_S]
    for _, pose in inside:
        facing = facing_evidence(pose, 0.5)
        if facing == 1 and front_leg_evidence(pose, facing, 0.5) == "left":
            flipped += 1
    assert flipped >= 0.9 * len(inside)


def test_the_legs_keep_the_front_leg_and_facing_through_the_twist(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    spec = load_spec(find_spec("kneeling-lunge-twist"))
    resolver = SideResolver(spec)
    fronts, facings = [], []
    for t, _, pose in _twisted(footage_poses(HIP_FLEXOR)):
        assert pose is not None
        facing, sides = resolver.update(pose, t)
        fronts.append(sides.front)
        facings.append(facing)
    assert set(fronts) == {"right"}
    assert set(facings) == {-1}  # she travels towards image-left, whatever the head does


def test_the_twist_spec_measures_the_bent_front_knee_through_the_twist_and_the_turn(
    footage_poses: Callable[[str], list[tuple[float, int, Pose | None]]],
) -> None:
    """As filed: with the head turned the straight back leg was judged as the front knee (160 deg)."""
    spec = load_spec(find_spec("kneeling-lunge-twist"))
    engine = Engine(spec)
    results = [engine.step(p, t, i) for t, i, p in _twisted(footage_poses(HIP_FLEXOR))]
    assert {r.side for r in results} == {"right"}
    knees = np.array([r.measurements["front_knee"].value for r in results])
    assert np.nanmax(knees) < 125  # about a right angle throughout (the back knee reads 130-170)
    # The camera turns from three-quarters to side-on during the clip: both are judged.
    assert {r.view for r in results} == {"three-quarter", "side"}
    assert all(r.in_pose for r in results[len(results) // 10 :])


def test_lunge_legs_on_a_generated_half_kneel_from_either_side() -> None:
    """Generated poses with exact ground truth: either leg forward, filmed from either side."""
    for front in ("left", "right"):
        for view in ("side-right", "side-left"):
            pose = Scene(view=view, camera=KNEELING_CAMERA).pose(presets.kneeling_lunge(front))
            assert lunge_legs_evidence(pose, 0.5) == front, (front, view)
            resolver = SideResolver(load_spec(find_spec("kneeling-hip-flexor")))
            facing, sides = resolver.update(pose, 0.0)
            assert sides.front == front and sides.working == front
            assert facing == (1 if view == "side-right" else -1)


def test_standing_gives_no_leg_evidence() -> None:
    pose = Scene(view="side-right", camera=KNEELING_CAMERA).pose(
        presets.standing_quad("left", knee_flex_deg=0.0)
    )
    assert lunge_legs_evidence(pose, 0.5) is None


def _lying(lift_torsos: float) -> Pose:
    """Lying on the back side-on, shoulders level: the right hip `lift_torsos` higher than the left."""
    torso_px = 200.0
    xy = np.full((33, 2), 250.0)
    world = np.zeros((33, 3))
    for name, x, y in (
        ("left_shoulder", 100.0, 300.0),
        ("right_shoulder", 100.0, 300.0),
        ("left_hip", 300.0, 300.0 + lift_torsos * torso_px / 2),
        ("right_hip", 300.0, 300.0 - lift_torsos * torso_px / 2),
    ):
        xy[LANDMARK_INDEX[name]] = (x, y)
    return Pose(xy, world, np.ones(33), (640, 480))


def test_the_next_roll_names_its_side_at_once_once_the_knees_were_back_in_the_middle() -> None:
    """Knees rolled left, back to the middle, then right: right from the first tilted frame."""
    resolver = SideResolver(load_spec(find_spec("lower-back-rotation")))
    script = [0.08] * 10 + [0.0] * 10 + [-0.06] * 10  # 10 frames a second
    working = [resolver.update(_lying(lift), k / 10)[1].working for k, lift in enumerate(script)]
    assert working[:10] == ["left"] * 10
    assert working[10:20] == ["left"] * 10  # the rep closing in the middle keeps its side
    assert working[20:] == ["right"] * 10


def test_a_roll_held_still_needs_the_settle_to_change_side() -> None:
    """One frame tilted the other way in a held roll (no middle between) does not swap the side."""
    resolver = SideResolver(load_spec(find_spec("lower-back-rotation")))
    script = [0.08] * 10 + [-0.06] + [0.08] * 5
    working = [resolver.update(_lying(lift), k / 10)[1].working for k, lift in enumerate(script)]
    assert working == ["left"] * len(script)
