"""Pose recordings of the labelled footage, made once and kept in a cache.

The pose model is the slow part of an evaluation; the engine is fast. So each clip or
photo is run through the model once and its landmarks are saved as a pose recording
(`.pose.jsonl.gz`, the format `posecheck record` writes), keyed by the file's content,
the model file's content, the frame rate the model saw and the largest picture size it
was given. Re-scoring after a spec edit then reads recordings only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

from posecheck.errors import OutputError, SourceError
from posecheck.evaluate import DEFAULT_MAX_FPS
from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import CACHE_ENV_VAR
from posecheck.pose.recording import PoseRecording, PoseRecordingWriter
from posecheck.session import recording_header
from posecheck.video.sources import ANALYSIS_MAX_LONG_SIDE_PX, PHOTO_SUFFIXES, ImageSource, open_source

# The model runs on at most DEFAULT_MAX_FPS frames per second of video: the live coach drops
# frames the same way when the model is slower than the camera, and verdicts use frame
# times, so a 60 fps clip judged at 10 fps behaves like a live session on a slower machine.

_CHUNK_BYTES = 1 << 20


def default_cache_dir() -> Path:
    """`$POSECHECK_CACHE_DIR/eval-poses`, else the user cache folder's."""
    root = os.environ.get(CACHE_ENV_VAR) or platformdirs.user_cache_dir("posecheck")
    return Path(root).expanduser() / "eval-poses"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


class PoseCache:
    """Recordings of footage files, made with one model at one frame-rate cap."""

    def __init__(self, cache_dir: Path, model_path: Path, max_fps: float = DEFAULT_MAX_FPS) -> None:
        if not max_fps > 0:
            raise ValueError("max_fps must be positive")
        self.cache_dir = cache_dir
        self.model_path = model_path
        self.max_fps = max_fps
        self._model_digest: str | None = None
        self.made = 0  # recordings made by this instance (cache misses)
        self.reused = 0

    @property
    def model_digest(self) -> str:
        if self._model_digest is None:
            self._model_digest = file_digest(self.model_path)
        return self._model_digest

    def path_for(self, media: Path) -> Path:
        """Where the recording of `media` lives (it may not exist yet)."""
        # A photo is one frame at its own size, whatever the caps; a video's key names both.
        rate = (
            "photo"
            if media.suffix.lower() in PHOTO_SUFFIXES
            else f"{self.max_fps:g}fps-{ANALYSIS_MAX_LONG_SIDE_PX}px"
        )
        key = f"{file_digest(media)[:20]}-{self.model_digest[:12]}-{rate}"
        return self.cache_dir / f"{media.stem}.{key}.pose.jsonl.gz"

    def recording(self, media: Path, progress: Callable[[], None] | None = None) -> PoseRecording:
        """The recording of a clip or photo, made now if the cache has none."""
        if not media.is_file():
            raise SourceError(f"footage file {media} not found: check the labels file's footage folder")
        target = self.path_for(media)
        if target.is_file():
            self.reused += 1
            return PoseRecording(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the cache folder {target.parent}: {exc}") from None
        # Written under a temporary name and renamed at the end: an interrupted run leaves
        # no half recording that a later run would take for a whole one.
        partial = target.with_name(f"{target.name}.{os.getpid()}.part.gz")
        try:
            self._record(media, partial, progress)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        self.made += 1
        return PoseRecording(target)

    def _record(self, media: Path, out: Path, progress: Callable[[], None] | None) -> None:
        with open_source(media) as source:
            photo = isinstance(source, ImageSource)
            with (
                PoseDetector(self.model_path, mode="image" if photo else "video") as detector,
                PoseRecordingWriter(out, recording_header(source, self.model_path)) as writer,
            ):
                min_gap_s = 1.0 / self.max_fps
                last_s: float | None = None
                for frame in source:
                    # A little slack so a 30 fps clip under a 15 fps cap keeps every other frame.
                    if last_s is not None and frame.timestamp_s - last_s < min_gap_s * 0.9:
                        continue
                    last_s = frame.timestamp_s
                    writer.write(
                        frame.index, frame.timestamp_s, detector.detect(frame.image_bgr, frame.timestamp_s)
                    )
                    if progress is not None:
                        progress()
            if source.problem and writer.frames_written == 0:
                raise SourceError(f"{media}: {source.problem}")
