"""The generator's own promises: rigid segments, feet on the floor, MediaPipe's conventions, frame times."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.checks.sides import facing_evidence, near_side_evidence
from posecheck.pose.landmarks import LANDMARK_INDEX
from posecheck.synth import BodyAngles, BodyProportions, Noise, Scene, presets
from posecheck.synth.body import blend, skeleton_m
from posecheck.synth.noise import frame_times_s

BODY = BodyProportions()
SEGMENTS = {
    ("hip", "knee"): BODY.thigh,
    ("knee", "ankle"): BODY.shank,
    ("shoulder", "elbow"): BODY.upper_arm,
    ("elbow", "wrist"): BODY.forearm,
}


def _at(points: np.ndarray, name: str) -> np.ndarray:
    return points[LANDMARK_INDEX[name]]


def _random_angles(rng: np.random.Generator) -> BodyAngles:
    angles = BodyAngles(trunk_lean_deg=rng.uniform(-30, 60), trunk_side_deg=rng.uniform(-20, 20))
    for side in ("left", "right"):
        angles = angles.with_leg(
            side,
            hip_flex_deg=rng.uniform(-30, 120),
            hip_abd_deg=rng.uniform(0, 40),
            hip_rot_deg=rng.uniform(-30, 60),
            knee_flex_deg=rng.uniform(0, 140),
            ankle_dorsi_deg=rng.uniform(-40, 20),
        )
        angles = angles.with_arm(
            side, shoulder_flex_deg=rng.uniform(-40, 150), shoulder_abd_deg=rng.uniform(0, 90)
        )
    return angles


@pytest.mark.parametrize("heading_deg", [0.0, 90.0, 180.0, 37.0])
def test_segments_keep_their_length_in_any_pose(heading_deg: float) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        points = skeleton_m(_random_angles(rng), BODY, heading_deg)
        for (a, b), fraction in SEGMENTS.items():
            for side in ("left", "right"):
                length = np.linalg.norm(_at(points, f"{side}_{a}") - _at(points, f"{side}_{b}"))
                assert length == pytest.approx(BODY.m(fraction), abs=1e-9)


@pytest.mark.parametrize("front", ["left", "right"])
@pytest.mark.parametrize("knee_flex_deg", [80.0, 88.0, 118.0])
def test_kneeling_lunge_rests_on_the_back_knee_and_the_front_foot(front: str, knee_flex_deg: float) -> None:
    back = "right" if front == "left" else "left"
    points = skeleton_m(presets.kneeling_lunge(front, front_knee_flex_deg=knee_flex_deg), BODY, 0.0)
    assert _at(points, f"{back}_knee")[1] == pytest.approx(BODY.m(BODY.knee_radius), abs=1e-3)
    assert _at(points, f"{front}_ankle")[1] == pytest.approx(BODY.m(BODY.ankle_height), abs=2e-3)


def test_standing_quad_stands_on_the_support_foot() -> None:
    points = skeleton_m(presets.standing_quad_good("left"), BODY, 0.0)
    lowest = min(_at(points, "right_heel")[1], _at(points, "right_foot_index")[1])
    assert lowest == pytest.approx(BODY.m(0.005), abs=1e-3)
    assert _at(points, "left_ankle")[1] > 0.3  # the working foot is up behind


def test_blend_and_mirror() -> None:
    a = BodyAngles(trunk_lean_deg=0.0).with_leg("left", knee_flex_deg=20.0)
    b = BodyAngles(trunk_lean_deg=10.0).with_leg("left", knee_flex_deg=60.0)
    mid = blend(a, b, 0.5)
    assert mid.trunk_lean_deg == 5.0 and mid.left_leg.knee_flex_deg == 40.0
    assert b.mirrored().right_leg.knee_flex_deg == 60.0 and b.mirrored().left_leg.knee_flex_deg == 0.0


@pytest.mark.parametrize(("view", "facing", "near"), [("side-right", 1, "right"), ("side-left", -1, "left")])
def test_side_views_follow_mediapipe_conventions(view: str, facing: int, near: str) -> None:
    pose = Scene(view=view).pose(presets.standing_quad_good("left"))
    mid_hip = (
        pose.world_xyz_m[LANDMARK_INDEX["left_hip"]] + pose.world_xyz_m[LANDMARK_INDEX["right_hip"]]
    ) / 2
    np.testing.assert_allclose(mid_hip, 0.0, atol=1e-12)  # hip-centred
    assert pose.world_xyz_m[LANDMARK_INDEX["nose"], 1] < -0.4  # y down: the head is "negative"
    assert facing_evidence(pose, 0.5) == facing
    assert near_side_evidence(pose, 0.5) == near  # z grows away from the camera
    far = "left" if near == "right" else "right"
    assert pose.visibility[LANDMARK_INDEX[f"{far}_knee"]] < pose.visibility[LANDMARK_INDEX[f"{near}_knee"]]
    assert pose.visibility[LANDMARK_INDEX[f"{far}_knee"]] >= 0.5  # partly hidden, still measurable
    assert pose.in_frame().all()


def test_variable_frame_rate_times_increase_and_average_the_rate() -> None:
    times = frame_times_s(60.0, 30.0, 0.15, np.random.default_rng(0))
    intervals = np.diff(times)
    assert (intervals > 0).all() and intervals.min() < 0.9 / 30 and intervals.max() > 1.1 / 30
    assert float(np.mean(intervals)) == pytest.approx(1 / 30, rel=0.01)


def test_no_noise_means_the_exact_projection() -> None:
    from posecheck.synth import render
    from posecheck.synth.script import hold

    angles = presets.kneeling_hip_flexor_good()
    clip = render(hold(angles, 0.5), Scene(), Noise.none(), seed=0)
    exact = Scene().pose(angles)
    for frame in clip.frames:
        assert frame.pose is not None
        np.testing.assert_array_equal(frame.pose.xy_px, exact.xy_px)
        np.testing.assert_array_equal(frame.pose.world_xyz_m, exact.world_xyz_m)
