"""The pose model a frame ahead of the engine, on a thread of its own.

After the model call, each frame still needs the engine, its CSV row and the hand-over to the
encoder: 1-2 ms on the caller's thread. Done in turn with the model they would add to every
frame's time; here the model already works on the next frame meanwhile (MediaPipe releases
the GIL in its native call). Frames come out in order, and only this thread calls the detector.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import Pose
from posecheck.pose.protocol import Detector


class Picture(Protocol):
    """What the model needs of a frame."""

    @property
    def image_bgr(self) -> npt.NDArray[np.uint8]: ...

    @property
    def timestamp_s(self) -> float: ...


FrameT = TypeVar("FrameT", bound=Picture)

# Frames modelled but not yet judged: one is enough to overlap the two; two ride out a
# slow engine step without holding more pictures in memory.
AHEAD_FRAMES = 2
_POLL_S = 0.1


@dataclass(frozen=True)
class Modelled(Generic[FrameT]):
    """A frame with its pose (None: nobody found) and the model call's wall time."""

    frame: FrameT
    pose: Pose | None
    model_ms: float


class _End:
    pass


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class PosesAhead(Generic[FrameT]):
    """`with PosesAhead(frames, detector) as ahead: for item in ahead: ...`

    An error of the source or the model is raised from the loop, at its place in the
    sequence. Leaving the `with` block early (a break, an interruption) stops the thread
    after its current frame.
    """

    def __init__(self, frames: Iterable[FrameT], detector: Detector, ahead: int = AHEAD_FRAMES) -> None:
        self._frames = frames
        self._detector = detector
        self._queue: queue.Queue[Modelled[FrameT] | _End | _Failed] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posecheck-model", daemon=True)

    def __enter__(self) -> PosesAhead[FrameT]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        while self._thread.is_alive():
            # Make room in case the thread waits to hand over a frame.
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=_POLL_S)
        self._thread.join()

    def __iter__(self) -> Iterator[Modelled[FrameT]]:
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def _run(self) -> None:
        try:
            for frame in self._frames:
                if self._stop.is_set():
                    return
                started = time.perf_counter()
                pose = self._detector.detect(frame.image_bgr, frame.timestamp_s)
                self._put(Modelled(frame, pose, (time.perf_counter() - started) * 1e3))
            self._put(_End())
        except BaseException as error:  # handed to the caller's thread, which raises it
            self._put(_Failed(error))

    def _put(self, item: Modelled[FrameT] | _End | _Failed) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue
