"""The tuning round trip on real footage: record a clip, tighten a rule on purpose, let `tune` suggest
and write a range, re-analyse, and check the verdicts change exactly as the written range says while
the spec file keeps every comment and every other line."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import SPECS_DIR

from posecheck.cli import main
from posecheck.spec import load_spec

pytestmark = pytest.mark.slow

CLIP = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
STEM = "fitbod_kneeling-hip-flexor"
RULE = "torso-upright"
BUNDLED = SPECS_DIR / "kneeling-hip-flexor.yaml"
# The clip leans back about 8 degrees for most of the hold: a lower limit of -5 fails those frames.
TIGHT, LOOSE = "    min: -5\n    max: 20\n", "    min: -15\n    max: 20\n"


@dataclass(frozen=True)
class RoundTrip:
    folder: Path
    spec_path: Path
    tight_text: str  # the spec file as tightened, before tune wrote into it
    recording: Path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _analyze(recording: Path, spec_path: Path, out: Path) -> list[dict[str, str]]:
    assert main(["analyze", str(recording), "--stretch", str(spec_path), "--out", str(out), "-q"]) == 0
    return _rows(out / f"{STEM}.frames.csv")


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory, footage_dir: Path, model_path: Path) -> RoundTrip:
    folder = tmp_path_factory.mktemp("tune-round-trip")
    spec_path = folder / "specs" / "kneeling-hip-flexor.yaml"
    spec_path.parent.mkdir()
    text = BUNDLED.read_text(encoding="utf-8")
    assert text.count(LOOSE) == 1
    spec_path.write_text(text.replace(LOOSE, TIGHT), encoding="utf-8")
    # A video as input: the model runs once and the recording is saved beside the outputs.
    out = folder / "tune"
    argv = ["tune", str(footage_dir / CLIP), "--stretch", str(spec_path), "--out", str(out)]
    code = main([*argv, "--model", str(model_path), "-q"])
    assert code == 0
    recording = out / f"{STEM}.pose.jsonl"
    assert recording.is_file()
    return RoundTrip(folder, spec_path, spec_path.read_text(encoding="utf-8"), recording)


def test_tune_round_trip_changes_the_verdicts_as_the_new_range_says(
    round_trip: RoundTrip, footage_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, spec_path = round_trip.folder, round_trip.spec_path
    before = _analyze(round_trip.recording, spec_path, folder / "before")
    tight_failing = [r for r in before if r["in_pose"] == "1" and r[RULE].startswith("fail")]
    assert len(tight_failing) > 300, "the tightened rule should fail most of the clip"

    # Tune the video again: its recording is reused (no model), and the range written.
    capsys.readouterr()
    argv = ["tune", str(footage_dir / CLIP), "--stretch", str(spec_path), "--out", str(folder / "tune")]
    code = main([*argv, "--suggest", "--write", "--rule", RULE])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"reusing {round_trip.recording}" in printed and f"into {spec_path}" in printed
    table = {r["rule"]: r for r in _rows(folder / "tune" / f"{STEM}.tune.csv")}
    spec = load_spec(spec_path)
    rule = next(r for r in spec.rules if r.id == RULE)
    assert (rule.min, rule.max) == (float(table[RULE]["suggested_min"]), float(table[RULE]["suggested_max"]))
    assert rule.max is not None and rule.min is not None
    # The written range is the in-pose p2..p98 widened by at least the 7 degree floor.
    assert float(table[RULE]["p5"]) - rule.min >= 7 and rule.max - float(table[RULE]["p95"]) >= 7

    after = _analyze(round_trip.recording, spec_path, folder / "after")
    assert len(after) == len(before)
    # What the new range predicts from the measured values: a frame fails only if its value is outside.
    values = [float(r["torso_lean"]) for r in after if r["in_pose"] == "1" and r["torso_lean"]]
    predicted_failing = sum(1 for v in values if not rule.min <= v <= rule.max)
    after_failing = [r for r in after if r["in_pose"] == "1" and r[RULE].startswith("fail")]
    predicted_by_tune = round(float(table[RULE]["suggested_fail_pct"]) * int(table[RULE]["in_pose_n"]) / 100)
    assert len(after_failing) == predicted_failing == predicted_by_tune
    # Every frame that failed before passes now, and no other rule's verdict moved.
    for old, new in zip(before, after, strict=True):
        if old in tight_failing:
            assert new[RULE] == "pass", new["index"]
        for other in ("knee-over-ankle", "back-hip-extended"):
            assert new[other] == old[other]
        assert new["torso_lean"] == old["torso_lean"]


def test_tune_write_touches_only_the_tuned_lines(round_trip: RoundTrip, footage_dir: Path) -> None:
    # Runs after the round trip when the module runs in order; writes again if run alone.
    spec_path = round_trip.spec_path
    if spec_path.read_text(encoding="utf-8") == round_trip.tight_text:
        argv = ["tune", str(round_trip.recording), "-s", str(spec_path), "-o", str(round_trip.folder / "t")]
        assert main([*argv, "--write", "--rule", RULE, "-q"]) == 0
    original, written = round_trip.tight_text, spec_path.read_text(encoding="utf-8")
    removed, added = [], []
    for line in difflib.unified_diff(original.splitlines(), written.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    assert removed == ["    min: -5", "    max: 20"]
    tuned = next(r for r in load_spec(spec_path).rules if r.id == RULE)
    assert [line.split("  #")[0] for line in added] == [f"    min: {tuned.min:g}", f"    max: {tuned.max:g}"]
    assert all("# tuned " in line and f"from {STEM}.pose.jsonl: p2..p98 = " in line for line in added)
    assert "margin 7 (was -5)" in added[0] and "(was 20)" in added[1]
    comments = [line for line in original.splitlines() if "#" in line]
    assert len(comments) > 5
    assert all(line in written.splitlines() for line in comments)
