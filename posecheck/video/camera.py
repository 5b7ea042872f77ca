"""Live video in: a camera, or a video file played as if it were one, behind a capture thread.

Timestamps: a camera frame is stamped with the moment it was grabbed, on the session's
monotonic clock (that is the frame's real time); a file frame keeps its container
timestamp and is released at that moment on the same clock (real-time pacing). Either
way `LatestFrame` keeps only the newest frame, so a slow consumer drops frames instead
of falling behind, and it notices a camera that stops delivering and tries to reopen it.
"""

from __future__ import annotations

import contextlib
import enum
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import SourceError
from posecheck.video.frame import Frame
from posecheck.video.sources import VideoFileSource

# A webcam that hiccups can fail a single read; this many failures in a row is a disconnect.
READ_FAILURES_FOR_DISCONNECT = 3
# Leave a frame this much earlier than its slot rather than skip it for float rounding.
_PACING_SLACK_S = 1e-3


class SessionClock:
    """Seconds since the session started, on the monotonic clock (never jumps with the wall clock)."""

    def __init__(self, time_fn: Callable[[], float] = time.monotonic) -> None:
        self._time_fn = time_fn
        self.start_s = time_fn()

    def now_s(self) -> float:
        return self._time_fn() - self.start_s


@dataclass(frozen=True)
class Captured:
    """A frame as it left the capture thread: `captured_s` (session clock) is when it arrived,
    the start of the latency the live loop measures."""

    frame: Frame
    captured_s: float


class CaptureDevice(Protocol):
    """What `LatestFrame` reads from: a camera or a paced file."""

    name: str
    size_wh: tuple[int, int]
    fps_hint: float | None
    can_reconnect: bool  # a camera may come back; a file that fails is finished
    ended: bool  # True once a file has no more frames
    problem: str | None  # why reading stopped early, as a clause

    def read(self) -> Captured | None:
        """The next frame, blocking until it is due; None if reading failed or the file ended."""
        ...

    def reopen(self) -> bool:
        """Try to open the device again after a failure; True if it delivers frames again."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- camera


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV logs every backend it tries when a camera is missing; the caller reports one line."""
    from cv2.utils import logging as cv_logging

    previous = cv_logging.getLogLevel()
    cv_logging.setLogLevel(cv_logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv_logging.setLogLevel(previous)


def _device_exists(index: int) -> bool | None:
    """Whether the OS lists camera `index` (Linux only; None where it cannot be told)."""
    if sys.platform.startswith("linux"):
        return os.path.exists(f"/dev/video{index}")
    return None


def camera_open_error(index: int, *, opened: bool, device_exists: bool | None) -> SourceError:
    """The one-line error for a camera that would not open or would not deliver a first frame."""
    if device_exists is False:
        return SourceError(
            f"no camera at index {index}: plug one in, try another --camera index, or pass --source VIDEO"
        )
    if opened or device_exists:
        return SourceError(
            f"camera {index} is busy or not allowed: close other apps that use it (video calls, "
            "browsers) or allow this terminal to use the camera, then try again"
        )
    return SourceError(
        f"camera {index} cannot be opened: check it is plugged in, not in use by another app and "
        "allowed for this terminal, or pass --source VIDEO"
    )


class CameraSource:
    """A camera by index, through OpenCV. Each frame is stamped with its grab time."""

    can_reconnect = True

    def __init__(
        self,
        index: int,
        clock: SessionClock,
        *,
        capture_factory: Callable[[int], Any] = cv2.VideoCapture,
        device_exists: Callable[[int], bool | None] = _device_exists,
    ) -> None:
        self.index = index
        self.name = f"camera {index}"
        self.ended = False
        self.problem: str | None = None
        self._clock = clock
        self._factory = capture_factory
        self._frames_read = 0
        opened, capture, first = self._open()
        if capture is None or first is None:
            raise camera_open_error(index, opened=opened, device_exists=device_exists(index))
        self._capture: Any = capture
        self._first: npt.NDArray[np.uint8] | None = first
        height_px, width_px = first.shape[:2]
        self.size_wh = (int(width_px), int(height_px))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        # Drivers report 0 or nonsense when they do not know.
        self.fps_hint: float | None = fps if 1.0 <= fps <= 240.0 else None

    def _open(self) -> tuple[bool, Any, npt.NDArray[np.uint8] | None]:
        """Open the device and read one frame: (opened, capture, first frame), None when failed.

        A busy camera often opens but never delivers, so only a first frame counts.
        """
        with _quiet_opencv():
            capture = self._factory(self.index)
            opened = bool(capture.isOpened())
            ok, image = capture.read() if opened else (False, None)
            if not ok or image is None:
                capture.release()
                return opened, None, None
        return True, capture, np.ascontiguousarray(image, dtype=np.uint8)

    def read(self) -> Captured | None:
        if self._first is not None:
            image, self._first = self._first, None
            return self._stamp(image, self._clock.now_s())
        capture = self._capture
        if capture is None:
            return None
        if not capture.grab():
            return None
        # The grab is when the picture arrived; decoding it (retrieve) comes after.
        grabbed_s = self._clock.now_s()
        ok, image = capture.retrieve()
        if not ok or image is None:
            return None
        return self._stamp(np.ascontiguousarray(image, dtype=np.uint8), grabbed_s)

    def _stamp(self, image: npt.NDArray[np.uint8], grabbed_s: float) -> Captured:
        frame = Frame(image, self._frames_read, grabbed_s)
        self._frames_read += 1
        return Captured(frame, grabbed_s)

    def reopen(self) -> bool:
        self._release()
        _, capture, first = self._open()
        if first is None:
            return False
        self._capture, self._first = capture, first
        return True

    def _release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            with _quiet_opencv():
                capture.release()

    def close(self) -> None:
        self._release()


# --------------------------------------------------------------------------- file as camera


class FileAsCamera:
    """A video file played as if it were a camera: each frame is released at its container
    timestamp on the session clock, and keeps that timestamp.

    `max_fps` plays a faster file at a lower rate (a 60 fps clip as a 30 fps camera) by
    leaving out frames that come sooner than 1 / max_fps after the last one released;
    they are counted in `frames_skipped`, not as drops.
    """

    can_reconnect = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        clock: SessionClock,
        *,
        max_fps: float | None = None,
        paced: bool = True,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(f"video {self.path} not found: check the path and try again")
        self._source = VideoFileSource(self.path)
        self.name = self.path.name  # what reports call the source, as `analyze` does
        self.size_wh = self._source.size_wh
        fps = self._source.fps_hint
        self.fps_hint = min(fps, max_fps) if fps and max_fps else (fps or max_fps)
        self.ended = False
        self.problem: str | None = None
        self.frames_skipped = 0
        self._clock = clock
        self._min_step_s = 1.0 / max_fps - _PACING_SLACK_S if max_fps else 0.0
        self._paced = paced
        self._frames = iter(self._source)
        self._offset_s: float | None = None
        self._last_s: float | None = None
        self._closing = threading.Event()

    def read(self) -> Captured | None:
        try:
            for frame in self._frames:
                if self._last_s is not None and frame.timestamp_s - self._last_s < self._min_step_s:
                    self.frames_skipped += 1
                    continue
                self._last_s = frame.timestamp_s
                if self._offset_s is None:
                    # The first frame goes out at once; the rest follow at their own times.
                    self._offset_s = self._clock.now_s() - frame.timestamp_s
                wait_s = self._offset_s + frame.timestamp_s - self._clock.now_s()
                if self._paced and wait_s > 0 and self._closing.wait(wait_s):
                    break
                return Captured(frame, self._clock.now_s())
        except SourceError as error:
            self.problem = str(error).rstrip(".")
        self.ended = True
        if self._source.truncated and self.problem is None:
            self.problem = self._source.problem
        return None

    def reopen(self) -> bool:
        return False

    def close(self) -> None:
        self._closing.set()
        self._source.close()


# --------------------------------------------------------------------------- capture thread


class CaptureState(str, enum.Enum):
    LIVE = "live"  # frames are coming
    RECONNECTING = "reconnecting"  # the camera stopped; trying to reopen it
    ENDED = "ended"  # the file has no more frames
    LOST = "lost"  # the camera did not come back


class LatestFrame:
    """Reads a device on its own thread and hands over only the newest frame.

    A frame that is replaced before anyone took it counts in `frames_dropped`. With
    `keep_all=True` the thread waits for each frame to be taken instead (nothing is
    dropped; meant for files, where it makes a run deterministic; with a camera it
    lets latency grow). After `READ_FAILURES_FOR_DISCONNECT` failed reads of a device
    that can reconnect, the state is RECONNECTING and the device is reopened every
    `retry_every_s` for `reconnect_s`; then LOST.
    """

    def __init__(
        self,
        device: CaptureDevice,
        *,
        keep_all: bool = False,
        reconnect_s: float = 5.0,
        retry_every_s: float = 0.5,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.keep_all = keep_all
        self.reconnect_s = reconnect_s
        self.retry_every_s = retry_every_s
        self.frames_captured = 0
        self.frames_dropped = 0
        self.disconnects = 0
        self.problem: str | None = None
        self._time_fn = time_fn
        self._state = CaptureState.LIVE
        self._slot: Captured | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posecheck-capture", daemon=True)

    def start(self) -> LatestFrame:
        self._thread.start()
        return self

    @property
    def state(self) -> CaptureState:
        return self._state

    def get(self, timeout_s: float) -> Captured | None:
        """The newest frame not yet taken, waiting up to `timeout_s`; None if none came
        (then look at `state`: a finished or lost device delivers nothing more)."""
        with self._cond:
            if self._slot is None and self._state in (CaptureState.LIVE, CaptureState.RECONNECTING):
                # Wake for a frame or a change of state; waiting out a reconnect must not spin.
                entry_state = self._state
                self._cond.wait_for(
                    lambda: self._slot is not None or self._state is not entry_state, timeout_s
                )
            captured, self._slot = self._slot, None
            self._cond.notify_all()
            return captured

    def stop(self) -> None:
        """Stop the thread and close the device; safe to call twice."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self.device.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    def _set_state(self, state: CaptureState) -> None:
        with self._cond:
            self._state = state
            self._cond.notify_all()

    def _publish(self, captured: Captured) -> None:
        with self._cond:
            if self.keep_all:
                while self._slot is not None and not self._stop.is_set():
                    self._cond.wait(0.05)
            elif self._slot is not None:
                self.frames_dropped += 1
            self._slot = captured
            self.frames_captured += 1
            self._cond.notify_all()

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stop.is_set():
                captured = self.device.read()
                if captured is not None:
                    failures = 0
                    self._publish(captured)
                    continue
                if self.device.ended or self._stop.is_set():
                    self.problem = self.device.problem
                    self._set_state(CaptureState.ENDED)
                    return
                failures += 1
                if failures < READ_FAILURES_FOR_DISCONNECT:
                    self._stop.wait(0.01)
                    continue
                if not self.device.can_reconnect or not self._reconnect():
                    if not self._stop.is_set():
                        self.problem = self.problem or f"{self.device.name} stopped delivering frames"
                        self._set_state(CaptureState.LOST)
                    return
                failures = 0
        except Exception as error:  # a dead capture thread must not leave the loop waiting forever
            self.problem = f"reading {self.device.name} failed ({error})"
            self._set_state(CaptureState.LOST)

    def _reconnect(self) -> bool:
        self.disconnects += 1
        self._set_state(CaptureState.RECONNECTING)
        deadline = self._time_fn() + self.reconnect_s
        while self._time_fn() < deadline:
            if self._stop.wait(self.retry_every_s):
                return False
            if self.device.reopen():
                self._set_state(CaptureState.LIVE)
                return True
        return False
