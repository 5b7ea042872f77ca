"""Video output: H.264 MP4 files that play in a browser and keep the source's timing."""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import av.container
import av.video
import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import OutputError
from posecheck.output import StreamedOutput

# 90 kHz is the usual video clock: fine enough that any real frame rate keeps its timing.
_TIME_BASE = Fraction(1, 90_000)
# Encoded frames waiting in memory (720p BGR is ~2.8 MB each); enough to ride out
# x264's bursts without letting a slow encoder hoard memory.
_ENCODE_QUEUE_FRAMES = 8
# How often a blocked writer re-checks whether the encoder thread died.
_POLL_S = 0.05
# x264 on the encoder thread alone: one core for drawing and encoding leaves the other to the
# pose model, and frame threads would only add sync overhead (720p encodes at ~4 ms a frame,
# far faster than the model). The diamond search with sub-pixel refinement 1 cuts veryfast's
# time by ~30% on real footage at the same PSNR for ~10% more bytes.
_X264_SPEED_OPTIONS = {"threads": "1", "x264-params": "me=dia:subme=1"}
# MP4 and friends take `movflags`; putting the index first lets browsers start playing at once.
_FASTSTART_SUFFIXES = frozenset({".mp4", ".m4v", ".mov"})

ImageBGR = npt.NDArray[np.uint8]
# Turns a queued picture into the one to encode (e.g. shrink it and draw the overlay on it).
RenderStep = Callable[[ImageBGR], ImageBGR]


def output_size(size_wh: tuple[int, int], max_long_side: int = 1280) -> tuple[int, int]:
    """Shrink (never enlarge) to at most `max_long_side` px on the long side, keeping aspect.

    Both sides come out even, as yuv420p requires.
    """
    width_px, height_px = size_wh
    if width_px < 2 or height_px < 2:
        raise ValueError(f"cannot make a video of size {width_px}x{height_px}")
    long_px = max(width_px, height_px)
    if long_px > max_long_side:
        # Integer rounding so 1920x1080 -> 1280x720 exactly, with no float drift.
        width_px = (width_px * max_long_side + long_px // 2) // long_px
        height_px = (height_px * max_long_side + long_px // 2) // long_px
    return max(2, width_px - width_px % 2), max(2, height_px - height_px % 2)


def x264_options(crf: int = 23, preset: str = "veryfast") -> dict[str, str]:
    """The encoder options of every annotated video (also what the benchmarks encode with)."""
    return {"crf": str(crf), "preset": preset, **_X264_SPEED_OPTIONS}


def fit_to(image_bgr: ImageBGR, size_wh: tuple[int, int]) -> ImageBGR:
    """`image_bgr` itself when it already has `size_wh` (no copy), else a resized copy."""
    height_px, width_px = image_bgr.shape[:2]
    if (width_px, height_px) == size_wh:
        return image_bgr
    # INTER_AREA looks best when shrinking a lot but costs ~3.5 ms for 1080p -> 720p;
    # bilinear takes ~1 ms and is indistinguishable below a 2x shrink.
    much_smaller = width_px >= 2 * size_wh[0]
    interpolation = cv2.INTER_AREA if much_smaller else cv2.INTER_LINEAR
    return cast("ImageBGR", cv2.resize(image_bgr, size_wh, interpolation=interpolation))


def _reason(error: BaseException) -> str:
    """The human part of an FFmpeg/OS error, without errno numbers and repeated paths."""
    strerror = getattr(error, "strerror", None)
    return str(strerror) if strerror else str(error)


class _Close:
    """Queue marker: flush the encoder and close the file."""


class VideoFileSink(StreamedOutput):
    """Writes BGR frames to an H.264 (yuv420p, CRF 23) MP4 at their given timestamps.

    Encoding and muxing run in a background thread. Use as a context manager:
    leaving the block, even through an exception or Ctrl-C, flushes what was
    written so far into a playable file. If no frame was written, no file is left.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size_wh: tuple[int, int],
        fps_hint: float | None = None,
        *,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        self.path = Path(path)
        width_px, height_px = size_wh
        # yuv420p needs even sizes; trim a pixel rather than fail.
        self.size_wh = (width_px - width_px % 2, height_px - height_px % 2)
        if min(self.size_wh) < 2:
            raise ValueError(f"cannot make a video of size {width_px}x{height_px}")
        self.frames_written = 0
        self.frames_skipped = 0
        self._first_timestamp_s: float | None = None
        self._last_pts: int | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._queue: queue.Queue[tuple[ImageBGR, int, RenderStep | None] | _Close]
        self._queue = queue.Queue(_ENCODE_QUEUE_FRAMES)

        options = {"movflags": "+faststart"} if self.path.suffix.lower() in _FASTSTART_SUFFIXES else {}
        try:
            # PyAV creates the file only when the first frame is muxed; create it now so a
            # bad folder or permission fails here, not in the encoder thread.
            self.path.open("wb").close()
            self._container = av.open(str(self.path), mode="w", options=options)
        except (av.FFmpegError, OSError, ValueError) as error:
            raise OutputError(
                f"Cannot create video file {self.path} ({_reason(error)}); check that the folder "
                "exists, is writable and the name ends in .mp4."
            ) from error
        try:
            stream = self._add_stream(fps_hint, crf, preset)
        except (av.FFmpegError, ValueError) as error:
            self._container.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise OutputError(
                f"Cannot set up the H.264 encoder for {self.path} ({_reason(error)}); "
                "reinstall PyAV (pip install --force-reinstall av)."
            ) from error
        self._stream = stream
        self._thread = threading.Thread(
            target=self._run_encoder, name=f"posecheck-encode-{self.path.stem}", daemon=True
        )
        self._thread.start()

    def _add_stream(self, fps_hint: float | None, crf: int, preset: str) -> av.video.VideoStream:
        # The rate only fills in stream metadata (timing comes from the pts); clamp
        # bogus container values so x264 gets something sane.
        fps = min(max(fps_hint or 30.0, 1.0), 240.0)
        stream = self._container.add_stream(
            "libx264",
            rate=Fraction(fps).limit_denominator(1001),
            options=x264_options(crf, preset),
        )
        stream.width, stream.height = self.size_wh
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = _TIME_BASE
        stream.time_base = _TIME_BASE
        # cv2's BGR->I420 is BT.601 limited range: say so, or players guess BT.709 for HD.
        stream.codec_context.color_range = 1  # AVCOL_RANGE_MPEG
        stream.codec_context.colorspace = 6  # AVCOL_SPC_SMPTE170M
        return stream

    def write(
        self,
        image_bgr: ImageBGR,
        timestamp_s: float,
        *,
        give: bool = False,
        render: RenderStep | None = None,
    ) -> bool:
        """Queue one frame shown from `timestamp_s`; False if skipped as not later than the last.

        The image is copied, so the caller may reuse its buffer at once, unless
        `give=True` hands the buffer over (the caller must not touch it again).
        `render`, if given, runs on the encoder thread and returns the picture to encode
        (it may draw on the buffer it gets); the encoder thread then resizes to `size_wh`
        if the size still differs. Timestamps are relative to the first frame written,
        which lands at 0.
        """
        if self._closed:
            raise RuntimeError(f"write() after close() on the video sink for {self.path}")
        self._raise_if_failed()
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
            raise ValueError(f"expected a HxWx3 uint8 BGR image, got {image_bgr.shape} {image_bgr.dtype}")
        if self._first_timestamp_s is None:
            self._first_timestamp_s = timestamp_s
        pts = round((timestamp_s - self._first_timestamp_s) / _TIME_BASE)
        if self._last_pts is not None and pts <= self._last_pts:
            self.frames_skipped += 1
            return False
        self._last_pts = pts
        # The copy (0.1 ms at 720p, 1.5 ms at 1080p) frees the caller's buffer; the
        # resize and colour conversion happen on the encoder thread.
        self._put((image_bgr if give else image_bgr.copy(), pts, render))
        return True

    def close(self) -> None:
        """Flush the encoder and finish the file; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OutputError):  # a dead encoder is reported below
            self._put(_Close())
        self._thread.join()
        if self.frames_written == 0:
            # An MP4 without pictures will not play; leave nothing rather than a broken file.
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._raise_if_failed()

    def _put(self, item: tuple[ImageBGR, int, RenderStep | None] | _Close) -> None:
        """Queue for the encoder, waiting while it catches up; fail if it has died."""
        while True:
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    self._raise_if_failed()
                    return

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise OutputError(
                f"Writing video {self.path} failed ({_reason(self._error)}); check free disk space "
                "and that the file is not open elsewhere, then try again."
            ) from self._error

    def _run_encoder(self) -> None:
        """Encoder thread: convert, encode and mux until told to close."""
        stream = self._stream
        _yield_to_the_model()
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _Close):
                    break
                image_bgr, pts, render = item
                if render is not None:
                    image_bgr = render(image_bgr)
                image_bgr = fit_to(image_bgr, self.size_wh)
                # cv2 converts to planar I420 far faster than swscale does from bgr24.
                image_i420 = cast("npt.NDArray[np.uint8]", cv2.cvtColor(image_bgr, cv2.COLOR_BGR2YUV_I420))
                frame = av.VideoFrame.from_ndarray(image_i420, format="yuv420p")
                frame.pts = pts
                frame.time_base = _TIME_BASE
                self._container.mux(stream.encode(frame))
                self.frames_written += 1
        except BaseException as error:
            self._error = error
        # Always try to finish the file so the frames encoded so far stay playable.
        try:
            self._container.mux(stream.encode(None))
        except BaseException as error:
            self._error = self._error or error
        try:
            self._container.close()
        except BaseException as error:
            self._error = self._error or error


# How much lower than the model the encoder thread runs, in nice steps: 19, the lowest.
# Measured (432p, 845 frames, 2 cores): 0 -> 14.4-16.2 s, 19 -> 12.9-13.5 s; the bare model 12.5-12.8 s.
ENCODER_NICE = 19


def _yield_to_the_model() -> None:
    """Lower this thread's CPU priority (Linux): the pose model sets the pace of a run.

    With the model, the decoder and the encoder sharing a few cores, a fair scheduler slows
    the model call whenever the encoder runs. Niced, the encoder fills the cores' idle gaps
    and catches up while the model waits for the next frame; the queue above absorbs the lag.
    Elsewhere threads cannot be niced apart and this does nothing.
    """
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError):
        # On Linux a thread id is a valid PRIO_PROCESS target: it nices only this thread.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ENCODER_NICE)
