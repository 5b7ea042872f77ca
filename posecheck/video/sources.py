"""Frame sources: video files (PyAV) and photos (OpenCV), all yielding upright BGR `Frame`s.

`open_source(path)` picks the right source for a path. Every source is a context
manager and an iterable of `Frame`; iterate it once, inside its `with` block.
"""

from __future__ import annotations

import os
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from fractions import Fraction
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import TypeVar, cast

import av
import av.container
import av.video
import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import SourceError
from posecheck.video.frame import Frame
from posecheck.video.sinks import output_size

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})

# Decoded 1080p BGR frames are ~6 MB each: a few are enough to keep the model fed
# while the decoder runs ahead on the other core.
_DECODE_QUEUE_FRAMES = 4
# How often a blocked producer re-checks whether the consumer has gone away.
_POLL_S = 0.05
# Decoding one frame takes milliseconds; this only guards against a wedged decoder.
_JOIN_TIMEOUT_S = 10.0
# A damaged stretch of a file makes the decoder reject packets one after another;
# past this many in a row the rest of the file is treated as unreadable.
_MAX_CONSECUTIVE_BAD_PACKETS = 50

# A timestamp this far behind the previous frame's (in frame intervals) is a restart of the
# clock, as in streams joined end to end; smaller steps back are repeated or stray frames.
_RESET_BACK_INTERVALS = 2.0
_RESET_BACK_MIN_S = 0.1

# Clockwise degrees -> the cv2.rotate code that turns the decoded picture upright.
_CLOCKWISE_ROTATE_CODES = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}

# FFmpeg renders .txt/.nfo files and the like as "ANSI art" video; nobody films a stretch
# in those, so they count as unreadable rather than as a one-frame picture of text.
_TEXT_ART_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})

# Video frames are analysed at most this big on the long side (1080p and 4K come out as
# 1280x720). The pose model looks at the whole picture at 224 px and at the person at
# 256 px, so a larger frame adds nothing it can see, only work: converting, copying and
# shrinking a 1080p frame costs the model ~20% more time than a 720p one (2.7 ms a frame),
# and decoding straight to the smaller size ~2.6 ms less. It is also the annotated video's
# size, so the overlay is drawn and encoded without another resize.
ANALYSIS_MAX_LONG_SIDE_PX = 1280

_SourceT = TypeVar("_SourceT", bound="FrameSource")


def is_photo_input(path: Path) -> bool:
    """Whether `open_source(path)` reads photos: a folder, or a photo file by its suffix."""
    return path.is_dir() or path.suffix.lower() in PHOTO_SUFFIXES


def open_source(path: str | os.PathLike[str]) -> FrameSource:
    """Open a video file, a photo, or a folder of photos as a `FrameSource`.

    Folders and photo files (.jpg .jpeg .png .webp .bmp) become an `ImageSource`;
    anything else is handed to PyAV as a video (GIFs included).
    """
    source_path = Path(path)
    if not source_path.exists():
        raise SourceError(f"Input {source_path} not found: check the path and try again.")
    if is_photo_input(source_path):
        return ImageSource(source_path)
    return VideoFileSource(source_path)


class FrameSource(ABC):
    """Something that yields upright BGR frames with strictly increasing timestamps.

    Attributes:
        name: stem used to name output files.
        size_wh: upright (width, height) in pixels of the first frame.
        is_video: True for moving pictures (timestamps are real time).
        fps_hint, frame_count_hint, duration_s_hint: container estimates for
            progress bars; None when unknown. Never use them for timing.
        rotation_deg: clockwise rotation applied to make pictures upright (0/90/180/270).
        truncated: after iteration, True if reading stopped before the end.
        problem: after iteration, why reading stopped early or what was skipped, as a
            clause without a final full stop (callers embed it in their own sentence).
    """

    name: str
    size_wh: tuple[int, int]
    is_video: bool
    fps_hint: float | None = None
    frame_count_hint: int | None = None
    duration_s_hint: float | None = None
    rotation_deg: int = 0
    truncated: bool = False
    problem: str | None = None

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Yield the frames in presentation order."""

    @abstractmethod
    def close(self) -> None:
        """Release files and threads; safe to call more than once."""

    def __enter__(self: _SourceT) -> _SourceT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _analysis_wh(size_wh: tuple[int, int], max_long_side_px: int | None) -> tuple[int, int]:
    """`size_wh` as analysed: kept when within `max_long_side_px` (or None), else shrunk to it
    on the long side like the annotated video (`output_size`)."""
    if max_long_side_px is None or max(size_wh) <= max_long_side_px:
        return size_wh
    return output_size(size_wh, max_long_side_px)


def _not_readable(path: Path, reason: str) -> SourceError:
    return SourceError(
        f"{path} is not a video or photo posecheck can read ({reason}); check that the "
        "file was copied completely and is a common format such as MP4, MOV, WebM, GIF, "
        "JPEG or PNG."
    )


class _End:
    """Queue marker: the decoder thread has finished (truncated/problem are set)."""


class _Failed:
    """Queue marker carrying an unexpected exception from the decoder thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class VideoFileSource(FrameSource):
    """A video file decoded by PyAV in a background thread.

    Timestamps come from the container (`pts * time_base`, first frame at 0.0), so
    variable frame rate files keep their real timing. Frames whose timestamp would
    not increase by a whole millisecond are dropped (counted in `frames_dropped`),
    so `round(timestamp_s * 1000)` and `int(timestamp_s * 1000)` are strictly
    increasing too, as MediaPipe's VIDEO mode requires.

    When the clock restarts (files joined end to end, a stream that starts its
    timestamps again), the timeline continues: the new stretch starts one frame
    interval after the last frame (counted in `timestamp_resets`). Both are reported
    in `problem`, as a warning: nothing is dropped silently.
    """

    is_video = True

    def __init__(
        self, path: str | os.PathLike[str], max_long_side_px: int | None = ANALYSIS_MAX_LONG_SIDE_PX
    ) -> None:
        self.path = Path(path)
        self.name = self.path.stem
        self._max_long_side_px = max_long_side_px
        self.frames_dropped = 0
        self.timestamp_resets = 0
        self._started = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._queue: queue.Queue[Frame | _End | _Failed] = queue.Queue(_DECODE_QUEUE_FRAMES)
        self._bad_packets = 0
        self._last_error: str | None = None
        self._fatal_error: str | None = None
        self._frames_decoded = 0
        try:
            # Odd tags in phone files must not stop us reading the pictures.
            self._container = av.open(str(self.path), metadata_errors="replace")
        except (av.FFmpegError, OSError, UnicodeDecodeError) as error:
            raise _not_readable(self.path, _reason(error)) from error
        try:
            self._init_stream()
        except BaseException:
            self._container.close()
            raise

    def _init_stream(self) -> None:
        container = self._container
        if not container.streams.video:
            raise _not_readable(self.path, "it has no video stream")
        stream = container.streams.video[0]
        if stream.codec_context.name in _TEXT_ART_CODECS:
            raise _not_readable(self.path, "it is text, not pictures")
        # Frame + slice threads: PyAV releases the GIL while decoding.
        stream.thread_type = "AUTO"
        self._stream = stream
        self._time_base = stream.time_base

        self.fps_hint = _positive_float(stream.average_rate) or _positive_float(stream.guessed_rate)
        self.duration_s_hint = None
        if stream.duration and stream.time_base:
            self.duration_s_hint = float(stream.duration * stream.time_base)
        elif container.duration:
            self.duration_s_hint = container.duration / av.time_base
        self.frame_count_hint = stream.frames or None
        if self.frame_count_hint is None and self.duration_s_hint and self.fps_hint:
            self.frame_count_hint = round(self.duration_s_hint * self.fps_hint)

        # Decode the first frame now: it proves the file is readable and carries
        # the display matrix, which decides the upright size.
        self._decoded = self._decode_all()
        first = next(self._decoded, None)
        if first is None:
            reason = self._fatal_error or self._last_error or "no frame could be decoded"
            raise SourceError(
                f"{self.path} has no picture that can be decoded ({reason}); "
                "the file may be damaged or incomplete, so copy or export it again."
            )
        self._first = first
        # PyAV reports the counterclockwise angle of the display matrix; phones
        # use +-90 for portrait. Snap odd angles to the nearest quarter turn.
        counterclockwise_deg = round(first.rotation / 90) * 90 % 360
        self.rotation_deg = -counterclockwise_deg % 360
        # Shrunk in the decoder's own colour conversion (one pass), in the stored orientation.
        self._decoded_wh = _analysis_wh((first.width, first.height), self._max_long_side_px)
        width_px, height_px = self._decoded_wh
        if self.rotation_deg in (90, 270):
            width_px, height_px = height_px, width_px
        self.size_wh = (width_px, height_px)
        self.stored_size_wh = (first.width, first.height)

    def _decode_all(self) -> Generator[av.VideoFrame, None, None]:
        """Yield decoded frames, skipping damaged packets and stopping at unreadable data."""
        consecutive_bad = 0
        try:
            for packet in self._container.demux(self._stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError as error:
                    # A cut-off last packet or a damaged stretch: skip it and see
                    # whether the decoder recovers at the next keyframe.
                    self._bad_packets += 1
                    self._last_error = _reason(error)
                    consecutive_bad += 1
                    if consecutive_bad > _MAX_CONSECUTIVE_BAD_PACKETS:
                        self._fatal_error = _reason(error)
                        return
                    continue
                consecutive_bad = 0
                for frame in frames:
                    self._frames_decoded += 1
                    yield frame
        except av.FFmpegError as error:
            self._fatal_error = _reason(error)

    def __iter__(self) -> Iterator[Frame]:
        if self._started or self._closed:
            raise RuntimeError("a VideoFileSource can be read only once; open the file again")
        self._started = True
        self._thread = threading.Thread(
            target=self._run_decoder, name=f"posecheck-decode-{self.name}", daemon=True
        )
        self._thread.start()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=_POLL_S)
                except queue.Empty:
                    if self._thread.is_alive():
                        continue
                    return  # close() stopped the decoder while this generator was parked
                if isinstance(item, _End):
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            # Runs on exhaustion, on error and when the consumer stops early.
            self._stop_decoder()

    def _run_decoder(self) -> None:
        """Decoder thread: convert frames to upright BGR and queue them."""
        try:
            first_pts: int | None = None
            last_timestamp_s: float | None = None
            offset_s = 0.0  # added after each clock restart so the timeline continues
            interval_s = 1.0 / (self.fps_hint or 30.0)
            index = 0
            for av_frame in chain([self._first], self._decoded):
                if self._stop.is_set():
                    return
                raw_s, first_pts = self._timestamp_s(av_frame, first_pts, last_timestamp_s)
                timestamp_s = raw_s + offset_s
                if last_timestamp_s is not None:
                    step_s = timestamp_s - last_timestamp_s
                    if -step_s > max(_RESET_BACK_INTERVALS * interval_s, _RESET_BACK_MIN_S):
                        offset_s += last_timestamp_s + interval_s - timestamp_s
                        timestamp_s = last_timestamp_s + interval_s
                        self.timestamp_resets += 1
                    elif 0.001 <= step_s <= 1.0:
                        interval_s = step_s  # follow the real rate (variable frame rate included)
                if last_timestamp_s is not None and not _advances_ms(last_timestamp_s, timestamp_s):
                    self.frames_dropped += 1
                    continue
                image_bgr = self._upright_bgr(av_frame)
                if not self._put(Frame(image_bgr, index, timestamp_s)):
                    return
                last_timestamp_s = timestamp_s
                index += 1
            self._finish_report()
            self._put(_End())
        except BaseException as error:  # hand anything unexpected to the consumer
            self._put(_Failed(error))

    def _timestamp_s(
        self, av_frame: av.VideoFrame, first_pts: int | None, last_timestamp_s: float | None
    ) -> tuple[float, int | None]:
        """Presentation time relative to the first frame, and the first frame's pts."""
        pts = av_frame.pts
        if pts is None:
            # Only raw elementary streams lack timestamps; nothing better exists.
            step_s = 1.0 / (self.fps_hint or 30.0)
            return (0.0 if last_timestamp_s is None else last_timestamp_s + step_s), first_pts
        if first_pts is None:
            first_pts = pts
        time_base = av_frame.time_base or self._time_base
        if time_base is None:
            raise SourceError(f"{self.path} has timestamps without a time base; re-export the video.")
        return float((pts - first_pts) * time_base), first_pts

    def _upright_bgr(self, av_frame: av.VideoFrame) -> npt.NDArray[np.uint8]:
        # A stream that changes resolution midway is scaled to its first frame's (capped) size
        # too, so every frame of a run has one size.
        width_px, height_px = self._decoded_wh
        if (av_frame.width, av_frame.height) == (width_px, height_px):
            image_bgr = cast("npt.NDArray[np.uint8]", av_frame.to_ndarray(format="bgr24"))
        else:
            image_bgr = cast(
                "npt.NDArray[np.uint8]",
                av_frame.to_ndarray(width=width_px, height=height_px, format="bgr24", interpolation="AREA"),
            )
        rotate_code = _CLOCKWISE_ROTATE_CODES.get(self.rotation_deg)
        if rotate_code is not None:
            return cast("npt.NDArray[np.uint8]", cv2.rotate(image_bgr, rotate_code))
        # Rows keep FFmpeg's alignment padding when width * 3 is not a multiple of 32;
        # MediaPipe and cv2 want packed rows, so copy only then.
        return np.ascontiguousarray(image_bgr)

    def _finish_report(self) -> None:
        """Decide whether reading stopped early, from errors and the container's frame count."""
        expected = self._stream.frames
        # A cut file often ends on a clean packet boundary without any error, so
        # compare with the count in the container index; allow a little slack for
        # frames an edit list hides.
        missing = expected - self._frames_decoded if expected else 0
        short = missing > max(2, expected // 100)
        if self._fatal_error is not None:
            self.truncated = True
            self.problem = (
                f"{self.path.name} could not be read past frame {self._frames_decoded} "
                f"({self._fatal_error}); the file may be damaged or incomplete"
            )
        elif short:
            self.truncated = True
            self.problem = (
                f"{self.path.name} ends early: {self._frames_decoded} of {expected} frames "
                "could be decoded; the file may be cut off or still being copied"
            )
        notes = [self.problem] if self.problem else []
        if self._bad_packets and self._fatal_error is None and not short:
            notes.append(
                f"{self.path.name} has {self._bad_packets} damaged packet(s) that were "
                f"skipped ({self._last_error})"
            )
        if self.timestamp_resets:
            notes.append(
                f"the timestamps in {self.path.name} start again {self.timestamp_resets} time(s) "
                "(joined recordings?); the timeline continues one frame after each restart"
            )
        if self.frames_dropped:
            notes.append(
                f"{self.frames_dropped} frame(s) without a time of their own (repeated, or under 1 ms "
                "after the previous frame) were skipped"
            )
        self.problem = "; ".join(notes) or None

    def _put(self, item: Frame | _End | _Failed) -> bool:
        """Queue an item unless the consumer has gone; False means stop decoding."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _stop_decoder(self) -> None:
        self._stop.set()
        # Free queue slots so a producer blocked in put() notices the stop at once.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT_S)

    def close(self) -> None:
        """Stop the decoder thread and close the file."""
        if self._closed:
            return
        self._closed = True
        self._stop_decoder()
        if self._thread is not None and self._thread.is_alive():
            return  # never close a container a wedged decoder is still using
        self._decoded.close()
        self._container.close()


def _reason(error: BaseException) -> str:
    """The human part of an FFmpeg/OS error, without errno numbers and repeated paths."""
    strerror = getattr(error, "strerror", None)
    return str(strerror) if strerror else str(error)


def _positive_float(value: Fraction | int | float | None) -> float | None:
    return float(value) if value else None


def _advances_ms(previous_s: float, current_s: float) -> bool:
    """True if `current_s` is later by enough that whole-millisecond stamps increase."""
    return (
        current_s > previous_s
        and round(current_s * 1000) > round(previous_s * 1000)
        and int(current_s * 1000) > int(previous_s * 1000)
    )


class ImageSource(FrameSource):
    """One photo, or every photo in a folder sorted by file name.

    Frame `index` i comes from `paths[i]`; `current_path` is the photo last yielded.
    Photos are read with EXIF orientation applied. `size_wh` is the first readable
    photo's size: photos in a folder may differ, so use each `Frame.size_wh`.

    In a folder, a photo that cannot be decoded or is cut off (a JPEG or PNG without
    its end marker) is skipped and listed in `skipped`; afterwards `truncated` is True
    and `problem` names it. A single photo like that is a SourceError.
    """

    is_video = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # A folder given as "." still needs a name for the output files.
        self.name = self.path.stem if self.path.is_file() else self.path.resolve().name
        self.skipped: list[tuple[Path, str]] = []
        if self.path.is_dir():
            try:
                children = list(self.path.iterdir())
            except OSError as error:
                raise SourceError(f"Folder {self.path} cannot be listed ({_reason(error)}).") from None
            self.paths = sorted(
                (
                    child
                    for child in children
                    # Dot files are editor and macOS metadata, not photos.
                    if child.suffix.lower() in PHOTO_SUFFIXES
                    and child.is_file()
                    and not child.name.startswith(".")
                ),
                key=lambda child: child.name,
            )
            if not self.paths:
                suffixes = " ".join(sorted(PHOTO_SUFFIXES))
                raise SourceError(
                    f"Folder {self.path} holds no photos ({suffixes}); "
                    "add photos to it or pass a video file instead."
                )
        else:
            self.paths = [self.path]
        self.current_path: Path | None = None
        self.frame_count_hint = len(self.paths)
        # The first readable photo gives the size; unreadable ones before it are skipped.
        self._first: tuple[int, npt.NDArray[np.uint8]] | None = None
        for index, photo_path in enumerate(self.paths):
            image_bgr = self._read_or_skip(photo_path)
            if image_bgr is not None:
                self._first = (index, image_bgr)
                break
        if self._first is None:
            first_path, reason = self.skipped[0]
            raise SourceError(
                f"None of the {len(self.paths)} photos in {self.path} can be read "
                f"({first_path.name}: {reason}); check that they were copied completely."
            )
        height_px, width_px = self._first[1].shape[:2]
        self.size_wh = (width_px, height_px)

    def _read_or_skip(self, photo_path: Path) -> npt.NDArray[np.uint8] | None:
        """The photo, or None after noting why it was skipped (a single photo raises instead)."""
        loaded = _load_photo(photo_path)
        if not isinstance(loaded, str):
            return loaded
        if len(self.paths) == 1:
            raise _not_readable(photo_path, loaded)
        self.skipped.append((photo_path, loaded))
        self.truncated = True
        count = len(self.skipped)
        first_path, first_reason = self.skipped[0]
        more = f" and {count - 1} more" if count > 1 else ""
        self.problem = (
            f"{count} photo(s) could not be read and were skipped ({first_path.name}: {first_reason}{more})"
        )
        return None

    def __iter__(self) -> Iterator[Frame]:
        first = self._first
        if first is None:
            return
        start, first_bgr = first
        self._first = None
        for index in range(start, len(self.paths)):
            photo_path = self.paths[index]
            image_bgr = first_bgr if index == start else self._read_or_skip(photo_path)
            if image_bgr is None:
                continue
            self.current_path = photo_path
            yield Frame(image_bgr, index, float(index))

    def close(self) -> None:
        """Drop the cached first photo; photos hold no open files."""
        self._first = None


def _load_photo(path: Path) -> npt.NDArray[np.uint8] | str:
    """The photo as upright BGR, or the reason it cannot be used."""
    cut_off = _cut_off_reason(path)
    if cut_off is not None:
        return cut_off
    # IMREAD_COLOR applies the EXIF orientation and drops alpha and 16-bit depth.
    image_bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image_bgr is None:
        return "the photo cannot be decoded"
    return cast("npt.NDArray[np.uint8]", image_bgr)


def _cut_off_reason(path: Path) -> str | None:
    """Why a JPEG or PNG file is incomplete, or None if it ends properly (or is another format).

    OpenCV decodes a cut-off JPEG without complaint and fills the missing rows with grey,
    which the model would happily score. A JPEG ends with the EOI marker after its last
    scan (SOS); entropy-coded data never contains either marker, so an embedded thumbnail
    (whose EOI comes before the main image's SOS) cannot hide a cut. A PNG ends with IEND.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        return f"it cannot be read: {_reason(error)}"
    if data[:3] == b"\xff\xd8\xff":
        last_scan = data.rfind(b"\xff\xda")
        if last_scan < 0 or data.rfind(b"\xff\xd9") < last_scan:
            return "the JPEG is cut off: it ends before its end-of-image marker"
    elif data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in data[-64:]:
        return "the PNG is cut off: it ends before its IEND chunk"
    return None
