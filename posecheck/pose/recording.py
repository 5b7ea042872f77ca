"""Pose recordings: the landmarks of every frame of a video, saved once, re-scored many times.

A recording is JSON Lines (optionally gzip-compressed, by a `.gz` name): a header
line, then one line per frame::

    {"format": "posecheck-pose", "version": 1, "source": "clip.mp4", "size_wh": [1920, 1080], ...}
    {"i": 0, "t": 0.0, "pose": {"xy": [[x, y], ...], "world": [[x, y, z], ...], "vis": [...]}}
    {"i": 1, "t": 0.0167, "pose": null}

Values are rounded to 0.1 px, 0.1 mm and 0.001 visibility (far below the model's
own noise) and a missing value is `null` (NaN in the `Pose`). The writer flushes
every line, so an interrupted run leaves a valid prefix; the reader accepts a cut-off
last line and says so. The full description is in samples/README.md.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from posecheck import __version__
from posecheck.errors import OutputError, SourceError
from posecheck.output import StreamedOutput
from posecheck.pose.landmarks import LANDMARK_NAMES, NUM_LANDMARKS, Pose
from posecheck.pose.protocol import Detector

FORMAT_NAME = "posecheck-pose"
FORMAT_VERSION = 1
SUFFIXES = (".pose.jsonl", ".pose.jsonl.gz")
XY_DECIMALS = 1  # 0.1 px
WORLD_DECIMALS = 4  # 0.1 mm
VISIBILITY_DECIMALS = 3
UNITS = {"t": "s", "xy": "px, upright picture, y down", "world": "m, hip-centred, x right, y down, z away"}

_GZIP_MAGIC = b"\x1f\x8b"
# Compressed output is flushed less often: each flush costs compression, and a cut
# gzip stream still decompresses up to the last flush.
_GZIP_FLUSH_EVERY_FRAMES = 30


def is_recording_path(path: str | os.PathLike[str]) -> bool:
    """Whether a path names a pose recording (by its name: `.pose.jsonl` or `.pose.jsonl.gz`)."""
    return str(path).lower().endswith(SUFFIXES)


def recording_stem(path: str | os.PathLike[str]) -> str:
    """'clip.pose.jsonl.gz' -> 'clip': output files get the same names as the video's."""
    name = Path(path).name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return Path(path).stem


@dataclass(frozen=True)
class RecordingHeader:
    """What a recording says about where its poses came from (its first line)."""

    source: str  # file name of the video, or a description of what made the poses
    size_wh: tuple[int, int]  # upright picture size the pixel coordinates refer to
    model: str  # pose model file name, or "synthetic"
    rotation_deg: int = 0  # clockwise rotation the source needed to be upright (already applied)
    fps_hint: float | None = None  # container estimate; never used for timing
    frame_count_hint: int | None = None
    created_by: str = f"posecheck {__version__}"
    # Generator settings and ground truth (fault windows...) for synthetic recordings.
    synthetic: Mapping[str, Any] | None = None
    # Header keys this version does not know, kept so a copy loses nothing.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "source": self.source,
            "size_wh": list(self.size_wh),
            "rotation_deg": self.rotation_deg,
            "fps_hint": self.fps_hint,
            "frame_count_hint": self.frame_count_hint,
            "model": self.model,
            "created_by": self.created_by,
            "units": UNITS,
            "landmarks": list(LANDMARK_NAMES),
        }
        if self.synthetic is not None:
            data["synthetic"] = self.synthetic
        data.update({k: v for k, v in self.extra.items() if k not in data})
        return data

    @classmethod
    def from_json(cls, data: object, where: str) -> RecordingHeader:
        """Validate a parsed header line; `where` is 'file:1' for error messages."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise SourceError(
                f"{where}: not a posecheck pose recording (the first line must be a JSON object with "
                f'"format": "{FORMAT_NAME}"); make one with: posecheck record VIDEO -o NAME.pose.jsonl'
            )
        version = data.get("version")
        if not isinstance(version, int) or version < 1:
            raise SourceError(f'{where}: "version" must be a whole number >= 1, got {version!r}')
        if version > FORMAT_VERSION:
            raise SourceError(
                f"{where}: pose recording format version {version} is newer than this posecheck reads "
                f"(version {FORMAT_VERSION}): upgrade posecheck, or record the video again with this one"
            )
        size = data.get("size_wh")
        if not (
            isinstance(size, list)
            and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= _MAX_SIZE_PX for v in size)
        ):
            raise SourceError(f'{where}: "size_wh" must be [width, height] in pixels, got {size!r}')
        names = data.get("landmarks")
        if names != list(LANDMARK_NAMES):
            raise SourceError(
                f'{where}: "landmarks" must list the {NUM_LANDMARKS} MediaPipe pose landmark names in '
                "model order; this file holds other landmarks, so record the video again with posecheck"
            )
        for key in ("source", "model"):
            if not isinstance(data.get(key), str):
                raise SourceError(f'{where}: "{key}" must be a string, got {data.get(key)!r}')
        fps = _finite_float(data.get("fps_hint"))
        count = data.get("frame_count_hint")
        rotation = data.get("rotation_deg", 0)
        if rotation not in (0, 90, 180, 270):
            raise SourceError(f'{where}: "rotation_deg" must be 0, 90, 180 or 270, got {rotation!r}')
        synthetic = data.get("synthetic")
        known = {*cls.__dataclass_fields__, "format", "version", "units", "landmarks"}
        return cls(
            source=data["source"],
            size_wh=(size[0], size[1]),
            model=data["model"],
            rotation_deg=rotation,
            fps_hint=fps if fps is not None and fps > 0 else None,
            frame_count_hint=count if isinstance(count, int) and count >= 0 else None,
            created_by=str(data.get("created_by", "")),
            synthetic=synthetic if isinstance(synthetic, dict) else None,
            extra={k: v for k, v in data.items() if k not in known},
        )


@dataclass(frozen=True)
class RecordedFrame:
    """One frame of a recording: its time and the pose found (None: no person)."""

    index: int
    timestamp_s: float
    pose: Pose | None


# -- writing --------------------------------------------------------------------


def _rounded(values: npt.NDArray[np.float64], decimals: int) -> list[Any]:
    """Nested lists with NaN as None; `+ 0.0` turns -0.0 into 0.0."""
    rounded = np.round(values, decimals) + 0.0
    finite = np.isfinite(rounded)
    if finite.all():
        listed: list[Any] = rounded.tolist()
        return listed
    as_objects = rounded.astype(object)
    as_objects[~finite] = None
    with_nulls: list[Any] = as_objects.tolist()
    return with_nulls


def frame_line(index: int, timestamp_s: float, pose: Pose | None) -> str:
    """One frame as a JSON line (without the newline)."""
    body: dict[str, Any] = {"i": index, "t": round(timestamp_s, 6), "pose": None}
    if pose is not None:
        body["pose"] = {
            "xy": _rounded(pose.xy_px, XY_DECIMALS),
            "world": _rounded(pose.world_xyz_m, WORLD_DECIMALS),
            "vis": _rounded(pose.visibility, VISIBILITY_DECIMALS),
        }
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


class PoseRecordingWriter(StreamedOutput):
    """Streams a recording to `path`; opens the file on construction, like `open()`.

    Every frame is flushed (every 30th when compressing), so an interrupted run keeps
    a valid prefix. Use it as a context manager, or call `close()`.
    """

    def __init__(self, path: str | os.PathLike[str], header: RecordingHeader) -> None:
        self.path = Path(path)
        self.header = header
        self.frames_written = 0
        self._last_t_s = -math.inf
        self._compressed = self.path.name.lower().endswith(".gz")
        self._flush_every = _GZIP_FLUSH_EVERY_FRAMES if self._compressed else 1
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = _open_text_for_writing(self.path, self._compressed)
            self._file.write(json.dumps(header.to_json(), separators=(",", ":")) + "\n")
            self._file.flush()
        except OSError as exc:
            raise _output_error(self.path, exc) from exc

    def write(self, index: int, timestamp_s: float, pose: Pose | None) -> None:
        """Append one frame; timestamps must increase (they are the frames' presentation times)."""
        if self._file is None:
            raise ValueError(f"PoseRecordingWriter for {self.path} is closed")
        if not timestamp_s > self._last_t_s:
            raise ValueError(f"frame {index}: timestamp {timestamp_s} s does not increase")
        self._last_t_s = timestamp_s
        try:
            self._file.write(frame_line(index, timestamp_s, pose) + "\n")
            self.frames_written += 1
            if self.frames_written % self._flush_every == 0:
                self._file.flush()
        except OSError as exc:
            self._close_quietly()
            raise _output_error(self.path, exc) from exc

    def close(self) -> None:
        """Flush and close; closing twice is harmless."""
        file, self._file = self._file, None
        if file is None:
            return
        try:
            file.close()
        except OSError as exc:
            raise _output_error(self.path, exc) from exc


def _open_text_for_writing(path: Path, compressed: bool) -> IO[str]:
    if not compressed:
        return path.open("w", encoding="utf-8", newline="\n")
    raw = path.open("wb")
    # mtime=0 and no file name inside: the same poses give the same bytes.
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
    text = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
    # GzipFile does not close a fileobj it was given: close the file with the wrapper.
    original_close = text.close

    def close() -> None:
        try:
            original_close()
        finally:
            raw.close()

    text.close = close  # type: ignore[method-assign]
    return text


def _output_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(
        f"Cannot write the pose recording {path}: {reason}. "
        "Check that the folder is writable and the disk is not full."
    )


class RecordingDetector:
    """A detector that also writes every answer to a recording: one model run, both outputs.

    Frames must come in order from index 0, as every video source yields them.
    """

    def __init__(self, detector: Detector, writer: PoseRecordingWriter) -> None:
        self.detector = detector
        self.writer = writer
        self._index = 0

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        pose = self.detector.detect(image_bgr, timestamp_s)
        self.writer.write(self._index, timestamp_s, pose)
        self._index += 1
        return pose


# -- reading --------------------------------------------------------------------


class PoseRecording:
    """A recording opened for reading: `.header`, and iteration yielding `RecordedFrame`s.

    It mimics a video source where the pipeline needs it (`name`, `size_wh`,
    `fps_hint`, `frame_count_hint`, `truncated`, `problem`). The header is read and
    validated on opening; frames are parsed lazily, one line at a time, and each
    iteration reads the file from the start again.
    """

    is_video = True

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = recording_stem(self.path)
        self.truncated = False
        self.problem: str | None = None
        if not self.path.is_file():
            raise SourceError(f"Pose recording {self.path} not found: check the path and try again.")
        with self._open() as lines:
            try:
                first = _next_line(lines, self.path)
            except _CutOff as cut:
                raise SourceError(
                    f"{self.path}:1: the recording is cut off before the end of its header ({cut}); "
                    "copy or record it again"
                ) from None
            if first is None:
                raise SourceError(
                    f"{self.path}:1: the file is empty, not a pose recording; "
                    "make one with: posecheck record VIDEO -o NAME.pose.jsonl"
                )
            self.header = RecordingHeader.from_json(_parse(first, self.path, 1), f"{self.path}:1")
        self.size_wh = self.header.size_wh
        self.fps_hint = self.header.fps_hint
        self.rotation_deg = self.header.rotation_deg
        self.frame_count_hint = self.header.frame_count_hint

    def _open(self) -> IO[str]:
        try:
            with self.path.open("rb") as probe:
                compressed = probe.read(2) == _GZIP_MAGIC
            if compressed:
                return io.TextIOWrapper(gzip.open(self.path, "rb"), encoding="utf-8")
            return self.path.open("r", encoding="utf-8")
        except OSError as exc:
            raise SourceError(f"Cannot read the pose recording {self.path}: {exc.strerror or exc}.") from exc

    def __iter__(self) -> Iterator[RecordedFrame]:
        """Every readable frame. A damaged frame line is skipped and reported, never fatal:
        afterwards `truncated` is True (the result is partial) and `problem` names the first
        bad line and how many were skipped."""
        self.truncated, self.problem = False, None
        last_t_s = -math.inf
        skipped: list[str] = []  # one message per unreadable frame line
        ending: str | None = None  # why reading stopped before the end of the file
        frames = 0
        with self._open() as lines:
            line_no = 1
            try:
                _next_line(lines, self.path)  # the header, validated on opening
            except _CutOff as cut:  # the file changed since it was opened
                ending = f"{self.path.name} ends in the middle of its compressed data ({cut})"
            while ending is None:
                try:
                    line = _next_line(lines, self.path)
                except _CutOff as cut:
                    ending = f"{self.path.name} ends in the middle of its compressed data ({cut})"
                    break
                except SourceError as error:
                    reason = _reason_of(error, self.path)
                    ending = f"{self.path.name} cannot be read past line {line_no} ({reason})"
                    break
                if line is None:
                    break
                line_no += 1
                try:
                    frame = _parse_frame(line, self.path, line_no, last_t_s, self.size_wh)
                except SourceError as error:
                    # Only the last line can lack its newline: a run stopped while writing it.
                    if not line.endswith("\n"):
                        ending = (
                            f"{self.path.name}:{line_no}: the last line is cut off (the run was interrupted)"
                        )
                        break
                    skipped.append(f"line {line_no}: {_reason_of(error, self.path)}")
                    continue
                last_t_s = frame.timestamp_s
                frames += 1
                yield frame
        if ending is not None or skipped:
            self.truncated = True
            self.problem = _reading_problem(self.path.name, frames, skipped, ending)

    def read_all(self) -> list[RecordedFrame]:
        """Every frame, in a list (a recording of a minute at 30 fps takes about 2 MB)."""
        return list(self)

    def close(self) -> None:
        """Nothing stays open between iterations; here for symmetry with video sources."""

    def __enter__(self) -> PoseRecording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_recording(path: str | os.PathLike[str]) -> PoseRecording:
    """Open a `.pose.jsonl` (or `.pose.jsonl.gz`) recording; the header is validated now."""
    return PoseRecording(path)


def _reason_of(error: SourceError, path: Path) -> str:
    """A reader error without its leading 'path:line: ', for a message that names the line itself."""
    text = str(error)
    head, sep, rest = text.partition(": ")
    return rest if sep and head.startswith(str(path)) else text


def _reading_problem(name: str, frames: int, skipped: list[str], ending: str | None) -> str:
    """One clause saying what was read and what was not."""
    parts = []
    if skipped:
        more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
        parts.append(f"{name} has {len(skipped)} unreadable frame line(s), skipped ({skipped[0]}{more})")
    if ending is not None:
        parts.append(ending)
    return "; ".join(parts) + f"; the {frames} readable frames were read"


class _CutOff(Exception):
    """A compressed recording ends without its end-of-stream marker."""


def _next_line(lines: IO[str], path: Path) -> str | None:
    """The next non-blank line, keeping its newline (so a cut-off last line is recognisable)."""
    while True:
        try:
            line = lines.readline()
        except EOFError as exc:
            raise _CutOff(str(exc)) from None
        except (OSError, UnicodeDecodeError, gzip.BadGzipFile, zlib.error) as exc:
            raise SourceError(
                f"{path} cannot be read as a pose recording ({exc}); copy or record it again"
            ) from None
        if not line:
            return None
        if line.strip():
            return line


def _parse(text: str, path: Path, line_no: int) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise SourceError(
            f"{path}:{line_no}: not valid JSON for a pose recording (nested too deeply)"
        ) from None
    except ValueError as exc:
        raise SourceError(
            f"{path}:{line_no}: not valid JSON ({exc}); every line of a pose recording is one JSON object"
        ) from None


def _parse_frame(
    text: str, path: Path, line_no: int, last_t_s: float, image_wh: tuple[int, int]
) -> RecordedFrame:
    data = _parse(text, path, line_no)
    where = f"{path}:{line_no}"
    if not isinstance(data, dict):
        raise SourceError(f'{where}: a frame line must be a JSON object {{"i": ..., "t": ..., "pose": ...}}')
    index, raw_t = data.get("i"), data.get("t")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < _MAX_INDEX:
        raise SourceError(f'{where}: "i" (frame index) must be a whole number >= 0, got {_short(index)}')
    t_s = _finite_float(raw_t)
    if t_s is None:
        raise SourceError(f'{where}: "t" (timestamp in seconds) must be a number, got {_short(raw_t)}')
    if not t_s > last_t_s:
        raise SourceError(
            f"{where}: timestamp {t_s} s does not come after the previous frame's {last_t_s} s; "
            "frames must be in presentation order with increasing times"
        )
    raw_pose = data.get("pose")
    if raw_pose is None:
        return RecordedFrame(index, t_s, None)
    if not isinstance(raw_pose, dict):
        raise SourceError(f'{where}: "pose" must be null or an object with "xy", "world" and "vis"')
    pose = Pose(
        _array(raw_pose, "xy", (NUM_LANDMARKS, 2), where),
        _array(raw_pose, "world", (NUM_LANDMARKS, 3), where),
        _array(raw_pose, "vis", (NUM_LANDMARKS,), where),
        image_wh,
    )
    return RecordedFrame(index, t_s, pose)


def _array(raw_pose: dict[str, Any], key: str, shape: tuple[int, ...], where: str) -> npt.NDArray[np.float64]:
    """A pose field as a float array of `shape`; null entries become NaN, and so do infinities
    (a coordinate at infinity is as unknown as a missing one)."""
    raw = raw_pose.get(key)
    try:
        values = np.array(raw, dtype=np.float64)
    except OverflowError:
        raise SourceError(f'{where}: "pose.{key}" holds a number too large for a coordinate') from None
    except (TypeError, ValueError):
        values = np.empty(0)
    if values.dtype != np.float64 or _holds_bools(raw):
        values = np.empty(0)
    if values.shape != shape:
        expected = " x ".join(str(n) for n in shape)
        raise SourceError(
            f'{where}: "pose.{key}" must be {expected} numbers (or null), one per landmark in the '
            f"header's order; got shape {values.shape}"
        )
    values[~np.isfinite(values)] = np.nan
    return values


# Pictures are at most a few thousand pixels wide; a header claiming more is damaged.
_MAX_SIZE_PX = 1 << 16
# Larger frame indexes than this are garbage (a day of video at 1000 fps is 8.6e7 frames).
_MAX_INDEX = 2**53


def _finite_float(value: object) -> float | None:
    """The value as a finite float, or None for anything else (bools, huge ints, NaN, strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _short(value: object, limit: int = 40) -> str:
    """repr() for a message: shortened, and safe for ints too long for repr()."""
    try:
        text = repr(value)
    except ValueError:  # an int longer than Python converts to text
        text = "a very long integer"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _holds_bools(raw: object) -> bool:
    """True/false are not coordinates, though numpy would read them as 1 and 0."""
    if isinstance(raw, bool):
        return True
    if isinstance(raw, list):
        return any(_holds_bools(item) for item in raw)
    return False
