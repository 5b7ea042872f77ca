"""Simulated camera changes for `posecheck eval --camera`: mirror and roll of recorded landmarks."""

from __future__ import annotations

import numpy as np
import pytest
from support.poses import GOOD_FORM, kneeling_pose

from posecheck import geometry
from posecheck.checks.engine import Engine
from posecheck.evaluate.camera import mirrored, parse_camera_change, rolled
from posecheck.evaluate.labels import Item, Segment
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.pose.recording import RecordedFrame
from posecheck.spec import find_spec, load_spec


def _xy(pose: Pose, name: str) -> np.ndarray:
    return pose.xy_px[LANDMARK_INDEX[name]]


def test_a_mirror_flips_x_and_swaps_the_sides() -> None:
    pose = GOOD_FORM
    flipped = mirrored(pose)
    width_px = pose.image_wh[0]
    # The person's left knee is now their right knee, on the other side of the picture.
    assert _xy(flipped, "right_knee") == pytest.approx(
        [width_px - _xy(pose, "left_knee")[0], _xy(pose, "left_knee")[1]]
    )
    assert _xy(flipped, "nose") == pytest.approx([width_px - _xy(pose, "nose")[0], _xy(pose, "nose")[1]])
    assert (
        flipped.world_xyz_m[LANDMARK_INDEX["right_hip"], 0]
        == -pose.world_xyz_m[LANDMARK_INDEX["left_hip"], 0]
    )
    again = mirrored(flipped)
    assert np.array_equal(again.xy_px, pose.xy_px, equal_nan=True)
    assert np.array_equal(again.visibility, pose.visibility)


def test_a_mirrored_kneeling_lunge_is_the_same_pose_on_the_other_side() -> None:
    spec = load_spec(find_spec("kneeling-hip-flexor"))
    as_recorded = Engine(spec, still_images=True).step(GOOD_FORM, 0.0)
    flipped = Engine(spec, still_images=True).step(mirrored(GOOD_FORM), 0.0)
    assert as_recorded.in_pose and flipped.in_pose
    assert {as_recorded.side, flipped.side} == {"left", "right"}
    for measure_id, measurement in as_recorded.measurements.items():
        assert flipped.measurements[measure_id].value == pytest.approx(measurement.value, abs=1e-6), (
            measure_id
        )


def test_a_roll_keeps_joint_angles_and_turns_picture_directions() -> None:
    pose = kneeling_pose()
    turned = rolled(pose, 10.0)
    hip, knee, ankle = (_xy(pose, f"left_{p}") for p in ("hip", "knee", "ankle"))
    turned_hip, turned_knee, turned_ankle = (_xy(turned, f"left_{p}") for p in ("hip", "knee", "ankle"))
    assert geometry.joint_angle_deg(turned_hip, turned_knee, turned_ankle) == pytest.approx(
        geometry.joint_angle_deg(hip, knee, ankle)
    )
    before = geometry.inclination_deg(hip, knee, reference="horizontal")
    after = geometry.inclination_deg(turned_hip, turned_knee, reference="horizontal")
    assert abs(after - before) == pytest.approx(10.0, abs=1e-6)
    # Clockwise on screen for a positive angle: a point right of the centre moves down.
    right_of_centre = Pose(
        np.tile([pose.image_wh[0] / 2 + 100.0, pose.image_wh[1] / 2], (33, 1)),
        np.zeros((33, 3)),
        np.ones(33),
        pose.image_wh,
    )
    assert rolled(right_of_centre, 10.0).xy_px[0, 1] > pose.image_wh[1] / 2


def test_a_mirror_swaps_the_labelled_sides_and_keeps_the_frames() -> None:
    change = parse_camera_change("mirror")
    item = Item(
        file="x/clip.mp4",
        split="tune",
        spec="pigeon",
        view="side-on",
        segments=[
            Segment(from_s=0.0, to_s=1.0, pose="in", form="good", side="left"),
            Segment(from_s=1.0, to_s=2.0, pose="out"),
        ],
    )
    swapped = change.item(item)
    assert swapped.segments is not None
    assert [s.side for s in swapped.segments] == ["right", None]
    frames = [RecordedFrame(0, 0.0, GOOD_FORM), RecordedFrame(1, 0.1, None)]
    changed = change.frames(frames)
    assert [(f.index, f.timestamp_s) for f in changed] == [(0, 0.0), (1, 0.1)]
    assert changed[1].pose is None and changed[0].pose is not None
    assert parse_camera_change("roll:10").item(item) is item


@pytest.mark.parametrize("text", ["flip", "roll", "roll:0", "roll:90", "roll:ten", "mirror:2", "roll:nan"])
def test_an_unknown_camera_change_says_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="give 'mirror' or 'roll:DEG'"):
        parse_camera_change(text)


def test_roll_names_say_the_angle() -> None:
    assert parse_camera_change("roll:-7.5").name == "roll -7.5 deg"
    assert parse_camera_change(" roll:10 ").name == "roll +10 deg"
