"""samples/: never stale, and the bundled specs judge each sample as its name says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from posecheck.checks.engine import Engine
from posecheck.cli import main
from posecheck.pose.recording import open_recording
from posecheck.results import FrameResult, HoldState, Verdict
from posecheck.spec import find_spec, load_spec
from posecheck.synth.samples import SAMPLES, SAMPLES_DIR, Sample, differences

# A fault shows once the smoothed value has crossed the limit and stayed past it for the
# rule's minimum duration: allow this long after the fault pose has settled.
FAULT_SHOWS_WITHIN_S = 1.0


def _judged(sample: Sample) -> Iterator[tuple[float, FrameResult]]:
    engine = Engine(load_spec(find_spec(sample.stretch)))
    for frame in open_recording(SAMPLES_DIR / sample.file_name):
        yield frame.timestamp_s, engine.step(frame.pose, frame.timestamp_s, frame.index)


def test_committed_samples_are_what_the_generator_makes() -> None:
    assert differences() == [], "samples/ is stale: run python -m posecheck.synth.samples"


def test_samples_readme_lists_every_sample() -> None:
    readme = (SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for sample in SAMPLES:
        assert sample.file_name in readme


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.name.endswith("_good")], ids=lambda s: s.name)
def test_good_sample_reaches_the_hold_in_good_form(sample: Sample) -> None:
    results = list(_judged(sample))
    in_pose = [r for _, r in results if r.in_pose]
    critical_faults = [
        r for r in in_pose if any(c.verdict.failing and c.severity.value == "critical" for c in r.checks)
    ]
    assert len(in_pose) > 0.85 * len(results)
    assert len(critical_faults) < 0.02 * len(in_pose)
    assert any(r.hold is not None and r.hold.state is HoldState.DONE for _, r in results)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.name.endswith("_faulty")], ids=lambda s: s.name)
def test_faulty_sample_fails_the_named_rule_in_each_fault_window(sample: Sample) -> None:
    header = open_recording(SAMPLES_DIR / sample.file_name).header
    assert header.synthetic is not None
    windows = [p for p in header.synthetic["phases"] if p["fault"]]
    assert len(windows) == 2
    results = list(_judged(sample))
    for window in windows:
        rule = window["fault"]
        inside = [
            r
            for t, r in results
            if window["settled_s"] + FAULT_SHOWS_WITHIN_S <= t < window["end_s"] and r.pose is not None
        ]
        verdicts = [next(c.verdict for c in r.checks if c.rule_id == rule) for r in inside if r.checks]
        failing = sum(v.failing for v in verdicts)
        assert failing >= 0.9 * len(inside), f"{rule} failed on {failing} of {len(inside)} frames"
    # Outside the fault windows (once settled into the hold) the named rules pass.
    fault_rules = {w["fault"] for w in windows}
    holds = [p for p in header.synthetic["phases"] if p["label"] == "hold"]
    for hold in holds:
        for t, r in results:
            if hold["settled_s"] + 1.5 <= t < hold["end_s"]:
                wrong = [c for c in r.checks if c.rule_id in fault_rules and c.verdict.failing]
                assert not wrong, f"{[c.rule_id for c in wrong]} failing at {t:.2f} s in a good hold"


def test_readme_command_runs_on_a_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = SAMPLES_DIR / "kneeling-hip-flexor_good.pose.jsonl.gz"
    code = main(["analyze", str(sample), "--stretch", "kneeling-hip-flexor", "--out", str(tmp_path), "-q"])
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = "kneeling-hip-flexor_good"
    assert names == [f"{stem}.{n}" for n in ("frames.csv", "report.html", "summary.json", "timeline.png")]


def test_unknown_never_counts_as_a_verdict_in_samples() -> None:
    # A frame without a pose gives no verdict at all, never a leftover one.
    for _, result in _judged(SAMPLES[1]):
        if result.pose is None:
            assert all(c.verdict is Verdict.UNKNOWN for c in result.checks)
