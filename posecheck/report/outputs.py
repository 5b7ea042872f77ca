"""Where a run's files go and the one finishing step that writes them.

Every output's file name is built here: `OUT/STEM` plus the suffix of its kind. The
finishing step is shared by video, recording and live runs: the summary JSON, then
(when any frame was judged) the timeline plot and report.html.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from posecheck.errors import OutputError
from posecheck.report.html import write_html_report
from posecheck.report.moments import FaultThumbnail, FormComparison
from posecheck.report.plot import plot_timeline
from posecheck.report.summary import SummaryBuilder, write_summary_json

SUFFIXES: Final[dict[str, str]] = {
    "csv": ".frames.csv",
    "summary": ".summary.json",
    "timeline": ".timeline.png",
    "report": ".report.html",
    "video": ".annotated.mp4",
    "pose recording": ".pose.jsonl",
    "photos csv": ".photos.csv",
    "photo": ".annotated.jpg",
    "tune plot": ".tune.png",
    "tune table": ".tune.csv",
}
# What a judged run (video, recording, live stretch) writes, in the order it is listed.
RUN_OUTPUTS: Final = ("csv", "summary", "timeline", "report")


def output_path(out_dir: Path, stem: str, kind: str) -> Path:
    """OUT/STEM.SUFFIX of an output kind (see `SUFFIXES`)."""
    return out_dir / f"{stem}{SUFFIXES[kind]}"


def run_outputs(out_dir: Path, stem: str, kinds: Iterable[str] = RUN_OUTPUTS) -> dict[str, Path]:
    """The paths of a run's outputs by kind, in listing order."""
    return {kind: output_path(out_dir, stem, kind) for kind in kinds}


def finish_run(
    builder: SummaryBuilder,
    paths: dict[str, Path],
    *,
    complete: bool,
    frames_total: int | None = None,
    problem: str | None = None,
    thumbnails: Sequence[FaultThumbnail] = (),
    subtitle: str | None = None,
    comparison: FormComparison | None = None,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Write the summary JSON, and the timeline and report.html when any frame was judged.

    `paths` are the run's outputs by kind (`run_outputs`, plus any the run wrote itself);
    returns the summary and the outputs actually written, in the same order. The timeline's
    subtitle is the verdict unless `subtitle` says otherwise.
    """
    summary = builder.summary(complete=complete, frames_total=frames_total, problem=problem)
    write_summary_json(paths["summary"], summary)
    judged = len(builder.series) > 0
    if judged:
        plot_timeline(paths["timeline"], builder.series, subtitle=subtitle or summary["verdict"])
        write_html_report(
            paths["report"], summary, builder.series, builder.ctx, thumbnails, comparison=comparison
        )
    written = {k: p for k, p in paths.items() if judged or k not in ("timeline", "report")}
    return summary, written


# --------------------------------------------------------------------------- staging

PARTIAL_MARK = ".partial"
# What one run of a stem writes; on publishing, those the run did not write this time are
# removed, so the folder never mixes two runs' files under one name.
STEM_OUTPUTS: Final = ("csv", "summary", "timeline", "report", "video")


def staged_path(final: Path) -> Path:
    """Where an output is written until its run ends: '.partial' after the stem, the suffix kept
    (so every writer still knows the format): OUT/take.frames.csv -> OUT/take.partial.frames.csv."""
    name = final.name
    for suffix in sorted(SUFFIXES.values(), key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return final.with_name(name[: -len(suffix)] + PARTIAL_MARK + suffix)
    return final.with_name(final.stem + PARTIAL_MARK + final.suffix)


class StagedOutputs:
    """A run's files, written under `staged_path` names and renamed into place when it ends.

    A run that dies (killed, or failing to write) leaves at most `.partial` files, never a
    new half-written file beside an old complete summary; `publish` renames everything, the
    summary last, and removes the stem's outputs this run did not write; `discard` deletes
    the staged files after a failure.
    """

    def __init__(self, out_dir: Path, stem: str, finals: dict[str, Path]) -> None:
        self.out_dir = out_dir
        self.stem = stem
        self.finals = dict(finals)
        self.staged = {kind: staged_path(path) for kind, path in self.finals.items()}
        for path in self.staged.values():
            path.unlink(missing_ok=True)  # left by a run that was killed

    def add(self, kind: str, final: Path) -> Path:
        """Stage one more output (a recording, a photo); returns where to write it."""
        self.finals[kind] = final
        self.staged[kind] = staged_path(final)
        return self.staged[kind]

    def publish(self, written: dict[str, Path]) -> dict[str, Path]:
        """Rename the written outputs (by kind, at their staged paths) to their final names."""
        finals: dict[str, Path] = {}
        order = sorted(written, key=lambda kind: kind == "summary")  # the summary last
        for kind in order:
            final = self.finals[kind]
            try:
                os.replace(written[kind], final)
            except OSError as exc:
                self.discard()
                raise OutputError(f"cannot write {final}: {exc.strerror or exc}") from None
            finals[kind] = final
        for kind in STEM_OUTPUTS:
            if kind not in written:
                output_path(self.out_dir, self.stem, kind).unlink(missing_ok=True)
        return {kind: finals[kind] for kind in written}

    def discard(self) -> None:
        """Delete every staged file (after a failure: nothing half-written stays behind)."""
        for path in self.staged.values():
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
