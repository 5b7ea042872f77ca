"""One video of a batch: what to do (`BatchJob`), doing it (`analyze_one`) and what came of it
(`BatchOutcome`). Everything here crosses process boundaries, so it is plain and picklable."""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError, SourceError

# What a folder given to a batch is searched for; anything else in it is left alone.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".gif"})
_GLOB_CHARS = frozenset("*?[")

# How many frames a worker counts before it reports them (one message per frame would cost
# more than the counting is worth).
PROGRESS_EVERY_FRAMES = 15

# The exit codes of posecheck's table (commands.common.ExitCode, which a test keeps in step)
# that a batch job can end with besides an error's own code.
EXIT_NO_PERSON = 7
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class BatchJob:
    """Analyse `input_path` into `out_dir`, naming the outputs `stem.*`. Paths are absolute, so
    a worker on another machine reads and writes the same (shared) storage."""

    input_path: Path
    out_dir: Path
    stem: str
    spec_path: Path
    model_path: Path
    write_video: bool = True


@dataclass
class BatchOutcome:
    """What one job produced, or why it did not."""

    input_path: Path
    stem: str
    exit_code: int
    status: str  # "ok", "no person", "damaged", "interrupted", "failed"
    verdict: str = ""
    frames: int = 0
    duration_s: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)
    error: str = ""
    elapsed_s: float = 0.0  # wall time of the job, for the per-file line only

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def video_inputs(arguments: Sequence[str]) -> list[Path]:
    """Every video named by `arguments` (files, folders of videos, globs), in the order given,
    each once. Raises SourceError naming the argument that matches nothing."""
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            matches = sorted(child for child in path.iterdir() if _is_video_file(child))
            if not matches:
                raise SourceError(f"Folder {path} holds no videos ({' '.join(sorted(VIDEO_SUFFIXES))}).")
        elif path.exists():
            matches = [path]
        elif _GLOB_CHARS & set(argument):
            # A quoted pattern (the shell did not expand it, or cannot, as on Windows).
            matches = sorted(Path(p) for p in glob.glob(argument, recursive=True) if Path(p).is_file())
            matches = [p for p in matches if p.suffix.lower() in VIDEO_SUFFIXES]
            if not matches:
                raise SourceError(f"No video matches {argument}: check the pattern and try again.")
        else:
            raise SourceError(f"Input {path} not found: check the path and try again.")
        found.extend(matches)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def is_video_folder(path: Path) -> bool:
    """A folder with at least one video in it (a folder of only photos is a photo check)."""
    return path.is_dir() and any(_is_video_file(child) for child in path.iterdir())


def _is_video_file(path: Path) -> bool:
    # Dot files are editor and macOS metadata, not videos.
    return path.suffix.lower() in VIDEO_SUFFIXES and path.is_file() and not path.name.startswith(".")


def is_batch(arguments: Sequence[str]) -> bool:
    """Whether `analyze` was given many videos (or a folder or pattern that may hold many)."""
    if len(arguments) > 1:
        return True
    path = Path(arguments[0])
    if path.is_dir():
        return is_video_folder(path)
    return not path.exists() and bool(_GLOB_CHARS & set(arguments[0]))


def plan_jobs(
    videos: Iterable[Path], out_dir: Path, spec_path: Path, model_path: Path, *, write_video: bool
) -> list[BatchJob]:
    """One job per video; two videos with the same name get `_2`, `_3`... so no outputs collide."""
    jobs: list[BatchJob] = []
    taken: set[str] = set()
    for video in videos:
        stem, n = video.stem, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{video.stem}_{n}"
        taken.add(stem.lower())
        jobs.append(
            BatchJob(
                input_path=video.resolve(),
                out_dir=out_dir.resolve(),
                stem=stem,
                spec_path=spec_path.resolve(),
                model_path=model_path.resolve(),
                write_video=write_video,
            )
        )
    return jobs


def analyze_one(job: BatchJob, progress: Callable[[int], None] | None = None) -> BatchOutcome:
    """Run one job to the end, never raising for a bad input: the outcome says what happened.

    `progress(frames)` is called every few frames with the frames done since the last call.
    """
    # Imported here: a worker process pays for the model and the pipeline, the parent does not.
    from posecheck.pose.detector import PoseDetector
    from posecheck.session import analyze_video
    from posecheck.spec import load_spec
    from posecheck.video.sources import PHOTO_SUFFIXES, open_source

    started = time.perf_counter()
    outcome = BatchOutcome(job.input_path, job.stem, exit_code=1, status="failed")
    pending = 0

    def count(_frame: Any) -> None:
        nonlocal pending
        pending += 1
        if progress is not None and pending >= PROGRESS_EVERY_FRAMES:
            progress(pending)
            pending = 0

    try:
        if job.input_path.suffix.lower() in PHOTO_SUFFIXES:
            raise SourceError(f"{job.input_path.name} is a photo; a batch analyses videos.")
        spec = load_spec(job.spec_path)
        with open_source(job.input_path) as source:
            source.name = job.stem
            with PoseDetector(job.model_path) as detector:
                result = analyze_video(
                    source, spec, detector, job.out_dir, write_video=job.write_video, progress=count
                )
        summary = result.summary
        outcome.outputs = dict(result.outputs)
        outcome.verdict = str(summary.get("verdict", ""))
        outcome.frames = int(summary.get("frames_analysed", 0))
        outcome.duration_s = float(summary.get("duration_s") or 0.0)
        if result.interrupted:
            outcome.exit_code, outcome.status = EXIT_INTERRUPTED, "interrupted"
            outcome.error = f"interrupted after {outcome.frames} frames"
        elif source.truncated:
            outcome.exit_code, outcome.status = SourceError.exit_code, "damaged"
            outcome.error = source.problem or "the file is truncated or damaged"
        elif not result.person_found:
            outcome.exit_code, outcome.status = EXIT_NO_PERSON, "no person"
            outcome.error = "no person found"
        else:
            outcome.exit_code, outcome.status = 0, "ok"
    except PosecheckError as error:
        outcome.exit_code, outcome.error = error.exit_code, str(error)
    except KeyboardInterrupt:  # Ctrl-C before or after the frame loop, which handles its own
        outcome.exit_code, outcome.status, outcome.error = EXIT_INTERRUPTED, "interrupted", "interrupted"
    except Exception as error:  # one broken file must not take the batch down
        outcome.exit_code, outcome.error = 1, f"{type(error).__name__}: {error}"
    finally:
        if progress is not None and pending:
            progress(pending)
    outcome.elapsed_s = time.perf_counter() - started
    return outcome
