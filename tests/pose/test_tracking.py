"""The person tracker: the coached person stays coached; nobody else inherits their hold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.pose.landmarks import NUM_LANDMARKS, Pose
from posecheck.pose.tracking import Box, PersonTracker, TrackingDetector

FPS = 30.0


def person(centre_x_px: float, height_px: float = 400.0, centre_y_px: float = 360.0) -> Pose:
    """A standing figure: landmarks spread over a box of the given height, half as wide."""
    rng = np.random.default_rng(int(centre_x_px * 10 + height_px))
    unit = rng.uniform(-0.5, 0.5, (NUM_LANDMARKS, 2))
    unit[0], unit[1] = (-0.5, -0.5), (0.5, 0.5)  # the box corners, so its size is exact
    xy_px = unit * np.array([height_px / 2, height_px]) + np.array([centre_x_px, centre_y_px])
    return Pose(xy_px, np.zeros((NUM_LANDMARKS, 3)), np.full(NUM_LANDMARKS, 0.9), (1280, 720))


def run(tracker: PersonTracker, frames: list[list[Pose]], start_s: float = 0.0) -> list:
    return [tracker.update(poses, start_s + i / FPS) for i, poses in enumerate(frames)]


def test_one_person_is_coached_and_nobody_else_is_reported() -> None:
    tracker = PersonTracker()
    updates = run(tracker, [[person(640 + i)] for i in range(60)])
    assert all(u.pose is not None for u in updates)
    assert [u.new_person for u in updates].count(True) == 1
    assert not any(u.switched for u in updates)
    assert all(u.others_in_view == 0 for u in updates)


def test_the_coached_person_stays_coached_whatever_the_model_order() -> None:
    tracker = PersonTracker()
    coached_x = []
    for i in range(90):
        left, right = person(300 + i), person(900 - i, height_px=380)
        poses = [left, right] if i % 2 else [right, left]  # the model's order is no promise
        update = tracker.update(poses, i / FPS)
        assert update.pose is not None
        box = Box.of(update.pose)
        assert box is not None
        coached_x.append(box.centre_xy_px[0])
    # The bigger person (left) was picked first and followed as they moved right.
    assert coached_x[0] < 640 and coached_x[-1] < 640
    assert np.all(np.diff(coached_x) > 0)


def test_a_second_person_counts_only_when_seen_steadily() -> None:
    tracker = PersonTracker(confirm_hits=5)
    frames = [[person(400)]] * 10 + [[person(400), person(1000)]] + [[person(400)]] * 10
    assert all(u.others_in_view == 0 for u in run(tracker, frames))
    steady = run(tracker, [[person(400), person(1000)]] * 10, start_s=1.0)
    assert steady[3].others_in_view == 0
    assert steady[-1].others_in_view == 1


def test_a_short_absence_pauses_and_the_same_person_comes_back() -> None:
    tracker = PersonTracker(lost_timeout_s=2.0)
    run(tracker, [[person(400), person(1000, height_px=300)]] * 30)
    away = run(tracker, [[person(1000, height_px=300)]] * 30, start_s=1.0)  # 1 s out of view
    assert all(u.pose is None for u in away)  # the other person is never coached meanwhile
    assert away[-1].lost_s == pytest.approx(1.0 - 0 / FPS, abs=0.05)
    back = tracker.update([person(1000, height_px=300), person(405)], 2.0)
    assert back.pose is not None and float(np.mean(back.pose.xy_px[:, 0])) < 640
    assert not back.new_person and not back.switched


def test_after_the_timeout_another_person_is_adopted_as_a_switch() -> None:
    tracker = PersonTracker(lost_timeout_s=2.0)
    run(tracker, [[person(400), person(1000, height_px=300)]] * 30)
    updates = run(tracker, [[person(1000, height_px=300)]] * 90, start_s=1.0)  # 3 s away
    waited = [u for u in updates if u.pose is None]
    assert waited and all(u.lost_s is not None and u.lost_s <= 2.0 + 1 / FPS for u in waited)
    adopted = [u for u in updates if u.new_person]
    assert len(adopted) == 1 and adopted[0].switched
    assert adopted[0].pose is not None
    assert tracker.switches == 1


def test_the_tracker_uses_frame_time_not_frame_count() -> None:
    # At 5 fps the same 2 s timeout is 10 frames, not 60.
    tracker = PersonTracker(lost_timeout_s=2.0)
    tracker.update([person(400)], 0.0)
    updates = [tracker.update([person(1000)], 0.2 * (i + 1)) for i in range(12)]
    assert [u.new_person for u in updates].index(True) == 10


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, 1e308],
    ids=["nan", "inf", "-inf", "huge"],
)
def test_garbage_coordinates_are_nobody(value: float) -> None:
    pose = Pose(
        np.full((NUM_LANDMARKS, 2), value), np.zeros((NUM_LANDMARKS, 3)), np.ones(NUM_LANDMARKS), (640, 480)
    )
    with np.errstate(all="raise"):
        update = PersonTracker().update([pose], 0.0)
    assert update.pose is None or value == 1e308
    assert Box.of(pose) is None or value == 1e308


def test_tracking_detector_returns_the_coached_person() -> None:
    class TwoPeople:
        last_inference_ms = 12.5

        def __init__(self) -> None:
            self.calls = 0

        def detect_all(self, image_bgr: np.ndarray, timestamp_s: float) -> list[Pose]:
            self.calls += 1
            return [person(1000, height_px=200), person(400)] if self.calls % 2 else [person(400)]

    detector = TrackingDetector(TwoPeople())
    image = np.zeros((720, 1280, 3), np.uint8)
    poses = [detector.detect(image, i / FPS) for i in range(10)]
    assert all(p is not None and float(np.mean(p.xy_px[:, 0])) < 640 for p in poses)
    assert detector.last_inference_ms == 12.5
    assert detector.last_update is not None and detector.last_update.people == 1


def test_a_lone_person_who_moves_a_lot_stays_coached() -> None:
    # Nobody else in view: a fast turn or lying down may move the box more than max_jump.
    tracker = PersonTracker(max_jump=0.35)
    tracker.update([person(400)], 0.0)
    update = tracker.update([person(650, height_px=300)], 1 / FPS)
    assert update.pose is not None and not update.new_person


def test_a_far_jump_with_one_detection_is_not_the_same_person() -> None:
    # A one-pose model that re-detects on someone else: they are far away, so not the coached one.
    tracker = PersonTracker(lost_timeout_s=1.0)
    tracker.update([person(200)], 0.0)
    updates = run(tracker, [[person(1100)]] * 45, start_s=1 / FPS)
    assert updates[0].pose is None
    assert [u.switched for u in updates].count(True) == 1
