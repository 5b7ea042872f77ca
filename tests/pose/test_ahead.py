"""The model a frame ahead of the engine: order, errors in place, early exits that never hang."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from posecheck.pose.ahead import PosesAhead
from posecheck.pose.landmarks import Pose


@dataclass(frozen=True)
class _Frame:
    image_bgr: npt.NDArray[np.uint8]
    timestamp_s: float


class _Detector:
    """Finds nobody; remembers what it was asked, on which thread, and can fail on one frame."""

    def __init__(self, fail_at_s: float | None = None, delay_s: float = 0.0) -> None:
        self.asked_s: list[float] = []
        self.threads: set[int] = set()
        self.fail_at_s = fail_at_s
        self.delay_s = delay_s

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        self.threads.add(threading.get_ident())
        self.asked_s.append(timestamp_s)
        if timestamp_s == self.fail_at_s:
            raise RuntimeError(f"model failed at {timestamp_s}")
        time.sleep(self.delay_s)
        return None


def _frames(n: int) -> list[_Frame]:
    return [_Frame(np.zeros((4, 4, 3), np.uint8), i / 30) for i in range(n)]


def test_every_frame_comes_out_once_in_order_modelled_on_one_other_thread() -> None:
    detector = _Detector()
    with PosesAhead(_frames(50), detector) as ahead:
        out = [m.frame.timestamp_s for m in ahead]
    assert out == [i / 30 for i in range(50)]
    assert len(detector.threads) == 1 and threading.get_ident() not in detector.threads


def test_a_model_error_is_raised_at_its_frame_after_the_frames_before_it() -> None:
    detector = _Detector(fail_at_s=10 / 30)
    seen: list[float] = []
    with pytest.raises(RuntimeError, match="model failed"), PosesAhead(_frames(50), detector) as ahead:
        for m in ahead:
            seen.append(m.frame.timestamp_s)
    assert seen == [i / 30 for i in range(10)]


def test_a_source_error_is_raised_in_place_too() -> None:
    def frames() -> Iterator[_Frame]:
        yield from _frames(3)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"), PosesAhead(frames(), _Detector()) as ahead:
        assert len(list(ahead)) == 3


def test_leaving_early_stops_the_model_within_a_frame_or_two() -> None:
    detector = _Detector(delay_s=0.01)
    started = time.perf_counter()
    with PosesAhead(_frames(1000), detector) as ahead:
        for m in ahead:
            if m.frame.timestamp_s >= 5 / 30:
                break
    assert time.perf_counter() - started < 2.0
    # The frame being judged, the ones waiting (2) and the one in the model when told to stop.
    assert len(detector.asked_s) <= 6 + 3
