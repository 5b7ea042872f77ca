"""Output file names come from one place, and a run's reports from one finishing step."""

from __future__ import annotations

from pathlib import Path

from support.contexts import bare_context

from posecheck.report.outputs import SUFFIXES, finish_run, output_path, run_outputs
from posecheck.report.summary import SummaryBuilder


def test_names() -> None:
    out = Path("results")
    assert run_outputs(out, "clip") == {
        "csv": out / "clip.frames.csv",
        "summary": out / "clip.summary.json",
        "timeline": out / "clip.timeline.png",
        "report": out / "clip.report.html",
    }
    assert output_path(out, "clip", "video") == out / "clip.annotated.mp4"
    assert output_path(out, "clip", "pose recording") == out / "clip.pose.jsonl"
    assert len(set(SUFFIXES.values())) == len(SUFFIXES)


def test_a_run_without_frames_writes_only_its_summary(tmp_path: Path) -> None:
    paths = run_outputs(tmp_path, "empty")
    summary, written = finish_run(
        SummaryBuilder(bare_context()), paths, complete=False, problem="no frame could be decoded"
    )
    assert list(written) == ["csv", "summary"]
    assert written["summary"].is_file()
    assert not paths["timeline"].exists() and not paths["report"].exists()
    assert summary["problem"] == "no frame could be decoded"
