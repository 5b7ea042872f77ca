"""Where a run's files go and the one finishing step that writes them.

Every output's file name is built here: `OUT/STEM` plus the suffix of its kind. The
finishing step is shared by video, recording and live runs: the summary JSON, then
(when any frame was judged) the timeline plot and report.html.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from posecheck.report.html import write_html_report
from posecheck.report.moments import FaultThumbnail
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
        write_html_report(paths["report"], summary, builder.series, builder.ctx, thumbnails)
    written = {k: p for k, p in paths.items() if judged or k not in ("timeline", "report")}
    return summary, written
