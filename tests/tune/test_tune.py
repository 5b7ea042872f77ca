"""`posecheck tune` on the synthetic samples: re-scoring, suggestions, the plot and table, in-place
writes that keep every other byte, and the interactive board without a screen."""

from __future__ import annotations

import csv
import difflib
import math
import queue
import shutil
from pathlib import Path

import numpy as np
import pytest
from support.paths import SAMPLES_DIR, SPECS_DIR

from posecheck.cli import main
from posecheck.errors import PosecheckError, SpecError
from posecheck.pose.recording import RecordedFrame, open_recording
from posecheck.spec import load_spec
from posecheck.spec.model import StretchSpec
from posecheck.tune.interactive import SliderScale, TuneBoard, render_board, run_interactive
from posecheck.tune.rescore import FAIL_CODES, RuleRescorer, score_recording, with_ranges
from posecheck.tune.specfile import RangeEdit, edit_rule_ranges, write_rule_ranges
from posecheck.tune.suggest import MARGIN_FLOOR, format_value, in_pose_values, suggest_range
from posecheck.tune.tuning import CSV_COLUMNS, tune_recording

SAMPLES = SAMPLES_DIR
SPECS = SPECS_DIR
HIP_FAULTY = SAMPLES / "kneeling-hip-flexor_faulty.pose.jsonl.gz"
HIP_GOOD = SAMPLES / "kneeling-hip-flexor_good.pose.jsonl.gz"
QUAD_FAULTY = SAMPLES / "standing-quad-stretch_faulty.pose.jsonl.gz"


@pytest.fixture(scope="module")
def hip_frames() -> list[RecordedFrame]:
    return open_recording(HIP_FAULTY).read_all()


@pytest.fixture
def hip_spec_path(tmp_path: Path) -> Path:
    path = tmp_path / "specs" / "kneeling-hip-flexor.yaml"
    path.parent.mkdir()
    shutil.copy(SPECS / "kneeling-hip-flexor.yaml", path)
    return path


def _in_pose_failing(codes: np.ndarray, in_pose: np.ndarray) -> int:
    return int(np.isin(codes, FAIL_CODES)[in_pose].sum())


# -- re-scoring ---------------------------------------------------------------------


def _cross_checked(spec: StretchSpec) -> StretchSpec:
    """The hip flexor spec with its torso measured on the near and far side (cross_check)."""
    data = spec.model_dump(exclude_unset=True)
    data["measurements"]["torso_lean"] = {
        "kind": "direction",
        "points": ["near_hip", "near_shoulder"],
        "cross_check": "either",
    }
    return StretchSpec.model_validate(data)


@pytest.mark.parametrize(
    ("recording", "spec_id", "cross_check"),
    [
        (HIP_FAULTY, "kneeling-hip-flexor", False),
        (HIP_FAULTY, "kneeling-hip-flexor", True),
        (QUAD_FAULTY, "standing-quad-stretch", False),
    ],
    ids=["hip-flexor", "hip-flexor-cross-check", "quad"],
)
def test_fast_rescore_gives_the_engines_verdicts(recording: Path, spec_id: str, cross_check: bool) -> None:
    frames = open_recording(recording).read_all()
    spec = load_spec(SPECS / f"{spec_id}.yaml")
    if cross_check:
        spec = _cross_checked(spec)
    scored = score_recording(frames, spec)
    for trace in scored.rules:
        rescorer = RuleRescorer(scored, trace.rule.id)
        _, codes = rescorer.verdicts(*trace.range)
        assert np.array_equal(codes, trace.verdicts)
        # Tighter on every side it limits: some verdicts change, exactly as the whole engine says.
        step = 8.0 if trace.unit == "deg" else 0.1
        low, high = trace.range
        tighter = (None if low is None else low + step, None if high is None else high - step)
        _, fast = rescorer.verdicts(*tighter)
        engine = score_recording(frames, with_ranges(spec, {trace.rule.id: tighter})).rule(trace.rule.id)
        assert np.array_equal(fast, engine.verdicts), trace.rule.id
        assert not np.array_equal(fast, trace.verdicts), f"{trace.rule.id}: tightening changed nothing"


def test_with_ranges_validates_like_a_file() -> None:
    spec = load_spec(SPECS / "kneeling-hip-flexor.yaml")
    tuned = with_ranges(spec, {"torso-upright": (-10, 25)})
    assert next(r for r in tuned.rules if r.id == "torso-upright").max == 25
    with pytest.raises(ValueError, match="impossible range"):
        with_ranges(spec, {"torso-upright": (30, 25)})


# -- suggestions ------------------------------------------------------------------


def test_suggestion_is_percentiles_plus_a_margin_no_tighter_than_the_floor(
    hip_frames: list[RecordedFrame],
) -> None:
    spec = load_spec(SPECS / "kneeling-hip-flexor.yaml")
    scored = score_recording(hip_frames, spec)
    for trace in scored.rules:
        suggestion = suggest_range(scored, trace)
        assert suggestion is not None
        values = in_pose_values(scored, trace)
        p2, p98 = np.percentile(values, [2, 98])
        assert suggestion.margin >= MARGIN_FLOOR[trace.unit]
        # Only the sides the rule limits, each at least a margin beyond the percentile.
        assert (suggestion.min is None) == (trace.rule.min is None)
        assert (suggestion.max is None) == (trace.rule.max is None)
        if suggestion.min is not None:
            assert p2 - suggestion.margin - 1.0 < suggestion.min <= p2 - suggestion.margin + 1e-9
        if suggestion.max is not None:
            assert p98 + suggestion.margin - 1e-9 <= suggestion.max < p98 + suggestion.margin + 1.0
    # The faulty sample leans forward 24-31 s: from it, the suggestion allows that lean.
    torso = suggest_range(scored, scored.rule("torso-upright"))
    assert torso is not None and torso.max is not None and torso.max > 34


def test_no_suggestion_from_too_few_in_pose_frames(hip_frames: list[RecordedFrame]) -> None:
    spec = load_spec(SPECS / "kneeling-hip-flexor.yaml")
    scored = score_recording(hip_frames[:20], spec)
    assert suggest_range(scored, scored.rules[0]) is None


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(104.4, "deg", "104"), (-15.5, "deg", "-16"), (-0.2, "deg", "0"), (0.2049, "ratio", "0.2"),
     (0.216, "ratio", "0.22"), (-0.001, "ratio", "0"), (1.0, "ratio", "1")],
)  # fmt: skip
def test_format_value(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


# -- writing the spec file --------------------------------------------------------

NOTE = "tuned 2026-11-23 from clip.pose.jsonl: p98 = 0.12 ratio, margin 0.05"
BLOCK = """\
# A spec fragment. Comments everywhere must survive.
rules:
  - id: knee-over-ankle   # the main fault
    measure: knee_ahead
    max: 0.15
    severity: critical
  - id: torso-upright
    measure: torso_lean
    min:   -15      # from the fitbod clip, frames 100-400
    max: 20
    severity: critical
  - {id: flow-rule, measure: m, min: 55, max: 150}   # flow style
  - id: quoted
    max: "0.3"
"""


def test_edit_replaces_only_the_numbers_and_adds_notes() -> None:
    edits = [
        RangeEdit("knee-over-ankle", "ratio", None, 0.2, NOTE),
        RangeEdit("torso-upright", "deg", -18.0, 27.0, "tuned X"),
        RangeEdit("flow-rule", "deg", 50.0, 160.0, "tuned Y"),
        RangeEdit("quoted", "ratio", None, 0.35, "tuned Z"),
    ]
    new = edit_rule_ranges(BLOCK, edits)
    assert (
        new
        == """\
# A spec fragment. Comments everywhere must survive.
rules:
  - id: knee-over-ankle   # the main fault
    measure: knee_ahead
    max: 0.2  # tuned 2026-11-23 from clip.pose.jsonl: p98 = 0.12 ratio, margin 0.05 (was 0.15)
    severity: critical
  - id: torso-upright
    measure: torso_lean
    # tuned X (was -15)
    min:   -18      # from the fitbod clip, frames 100-400
    max: 27  # tuned X (was 20)
    severity: critical
  # tuned Y (was 55..150)
  - {id: flow-rule, measure: m, min: 50, max: 160}   # flow style
  - id: quoted
    max: "0.35"  # tuned Z (was "0.3")
"""
    )
    # Tuning again updates the notes instead of piling them up.
    again = edit_rule_ranges(new, [RangeEdit("torso-upright", "deg", -20.0, 30.0, "tuned W")])
    diff = [
        line
        for line in difflib.unified_diff(new.splitlines(), again.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert diff == [
        "-    # tuned X (was -15)",
        "-    min:   -18      # from the fitbod clip, frames 100-400",
        "-    max: 27  # tuned X (was 20)",
        "+    # tuned W (was -18)",
        "+    min:   -20      # from the fitbod clip, frames 100-400",
        "+    max: 30  # tuned W (was 27)",
    ]


def test_edit_keeps_crlf_line_endings() -> None:
    text = BLOCK.replace("\n", "\r\n")
    new = edit_rule_ranges(text, [RangeEdit("torso-upright", "deg", -18.0, 27.0, "tuned X")])
    assert "\r\n    # tuned X (was -15)\r\n    min:   -18" in new
    assert new.count("\n") == new.count("\r\n") == text.count("\r\n") + 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (RangeEdit("no-such-rule", "deg", 1.0, None, "tuned"), "no rule with id 'no-such-rule'"),
        (RangeEdit("knee-over-ankle", "ratio", 0.1, None, "tuned"), "has no 'min' to tune"),
    ],
)
def test_edit_errors_say_what_to_do(edit: RangeEdit, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        edit_rule_ranges(BLOCK, [edit], "spec.yaml")


def test_an_edit_that_breaks_the_spec_is_not_written(hip_spec_path: Path) -> None:
    before = hip_spec_path.read_bytes()
    # 20..22 deg is narrower than twice the 5 deg hysteresis: the loader refuses it.
    with pytest.raises(
        SpecError, match=r"not written: .*kneeling-hip-flexor.yaml:\d+: rules\[2\].hysteresis"
    ):
        write_rule_ranges(hip_spec_path, [RangeEdit("torso-upright", "deg", 20.0, 22.0, "tuned X")])
    assert hip_spec_path.read_bytes() == before
    assert list(hip_spec_path.parent.iterdir()) == [hip_spec_path]


# -- the command ------------------------------------------------------------------


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def test_tune_suggest_write_then_analyze(
    tmp_path: Path, hip_spec_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    before = hip_spec_path.read_text(encoding="utf-8")
    code = main(
        ["tune", str(HIP_GOOD), "--stretch", str(hip_spec_path), "--out", str(out), "--suggest", "--write"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "knee-past-toes (!)" in printed and "suggested" in printed
    assert f"into {hip_spec_path}" in printed
    assert (out / "kneeling-hip-flexor_good.tune.png").stat().st_size > 20_000
    with (out / "kneeling-hip-flexor_good.tune.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["rule"]: row for row in csv.DictReader(handle)}
    assert list(next(iter(rows.values()))) == list(CSV_COLUMNS)
    assert set(rows) == {"knee-over-ankle", "knee-past-toes", "torso-upright", "back-hip-extended"}

    # Only min/max lines changed (plus notes); every original comment is still there.
    after = hip_spec_path.read_text(encoding="utf-8")
    removed, added = _changed_lines(before, after)
    assert removed and all(line.strip().startswith(("min:", "max:")) for line in removed)
    assert all(
        line.strip().startswith(("min:", "max:", "# tuned ")) and "from kneeling-hip-flexor_good" in line
        for line in added
    )
    for comment in (line for line in before.splitlines() if "#" in line):
        assert comment in after.splitlines() or comment.split("#", 1)[1] in after

    # The written ranges are the table's suggestions, and re-analysing fails as often as predicted.
    spec = load_spec(hip_spec_path)
    frames = open_recording(HIP_GOOD).read_all()
    scored = score_recording(frames, spec)
    for rule in spec.rules:
        row = rows[rule.id]
        assert (rule.min, rule.max) == (
            float(row["suggested_min"]) if row["suggested_min"] else None,
            float(row["suggested_max"]) if row["suggested_max"] else None,
        )
        n = int(row["in_pose_n"])
        failing = _in_pose_failing(scored.rule(rule.id).verdicts, scored.in_pose)
        assert failing == round(float(row["suggested_fail_pct"]) * n / 100)


def test_tune_without_suggest_writes_plot_and_table_only(tmp_path: Path, hip_spec_path: Path) -> None:
    before = hip_spec_path.read_bytes()
    assert main(["tune", str(HIP_FAULTY), "-s", str(hip_spec_path), "-o", str(tmp_path), "-q"]) == 0
    assert hip_spec_path.read_bytes() == before
    with (tmp_path / "kneeling-hip-flexor_faulty.tune.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["rule"]: row for row in csv.DictReader(handle)}
    # The faulty sample has the knee past the ankle 11-18 s: about a fifth of its time in the pose.
    assert 15 < float(rows["knee-over-ankle"]["fail_pct"]) < 25
    assert rows["knee-over-ankle"]["suggested_max"] == ""


def test_tune_only_the_rules_asked_for(tmp_path: Path, hip_spec_path: Path) -> None:
    code = main(
        ["tune", str(HIP_GOOD), "-s", str(hip_spec_path), "-o", str(tmp_path), "-q", "--write",
         "--rule", "torso-upright", "--margin", "deg=10"]
    )  # fmt: skip
    assert code == 0
    spec = load_spec(hip_spec_path)
    by_id = {r.id: r for r in spec.rules}
    assert by_id["knee-over-ankle"].max == 15 and by_id["back-hip-extended"].min == 0  # untouched
    assert "margin 10 (was -15)" in hip_spec_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--rule", "knee-over-ankel"], 1, "--rule knee-over-ankel: no such rule"),
        (["--margin", "deg=3"], 2, "below the measurement error (7 deg)"),
        (["--margin", "cm=3"], 2, "UNIT deg or ratio"),
    ],
)
def test_tune_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    argv = ["tune", str(HIP_GOOD), "-s", "kneeling-hip-flexor", "-o", str(tmp_path), *args]
    if code == 2:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    else:
        assert main(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1]


def test_tune_refuses_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tune", str(tmp_path / "nope.mp4"), "-s", "kneeling-hip-flexor", "-o", str(tmp_path)]) == 4
    assert "nope.mp4 not found" in capsys.readouterr().err


# -- interactive, without a screen ------------------------------------------------


@pytest.mark.parametrize(("unit", "value"), [("deg", -15.0), ("deg", 20.0), ("ratio", 0.15), ("ratio", -0.3)])
def test_slider_positions_map_back_to_the_same_thresholds(unit: str, value: float) -> None:
    scale = SliderScale.around(np.array([-0.2, 0.1, 5.0, 12.0]), [value], unit)
    position = scale.position(value)
    assert 0 <= position <= scale.count
    assert scale.value(position) == pytest.approx(value)
    assert scale.value(scale.position(value + scale.step)) == pytest.approx(value + scale.step)
    assert scale.position(scale.low - 100) == 0 and scale.position(1e9) == scale.count


def test_board_rescores_as_a_slider_moves(hip_frames: list[RecordedFrame], hip_spec_path: Path) -> None:
    spec = load_spec(hip_spec_path)
    board = TuneBoard(tune_recording(hip_frames, spec, HIP_FAULTY.name), hip_spec_path)
    assert [s.name for s in board.sliders] == [
        "knee-over-ankle max",
        "knee-past-toes max",
        "torso-upright min",
        "torso-upright max",
        "back-hip-extended min",
    ]
    knee = board.sliders[0]
    before = board.fail_pct("knee-over-ankle")
    assert board.set_bound(knee, 40.0)  # the faulty sample's shin leans at most ~36 deg
    assert board.fail_pct("knee-over-ankle") == 0.0 < before
    engine = score_recording(hip_frames, with_ranges(spec, {"knee-over-ankle": (None, 40.0)}))
    assert np.array_equal(board.codes["knee-over-ankle"], engine.rule("knee-over-ankle").verdicts)
    # An impossible range is shown, not scored, and cannot be saved.
    board.set_range("torso-upright", 10.0, 14.0)
    assert "min must be over 10 below max" in board.problems["torso-upright"]
    with pytest.raises(PosecheckError, match="torso-upright"):
        board.save("2026-11-23")
    board.set_range("torso-upright", -15.0, 20.0)
    assert board.save("2026-11-23") == "saved knee-over-ankle to kneeling-hip-flexor.yaml"
    text = hip_spec_path.read_text(encoding="utf-8")
    assert "max: 40  # tuned 2026-11-23 by hand (tune -i) on kneeling-hip-flexor_faulty" in text
    assert load_spec(hip_spec_path).rules[0].max == 40
    assert board.unsaved == []
    image = render_board(board, 400, np.zeros((360, 640, 3), np.uint8))
    assert image.shape[1] == 640 and image.shape[0] > 360 + 3 * 40


class FakeWindow:
    """Trackbars as a dict; keys and slider moves scripted per frame shown."""

    def __init__(self, script: dict[int, list[tuple[str, int] | int]]) -> None:
        self.bars: dict[str, tuple[int, int]] = {}
        self.script = script
        self.shown = 0
        self.keys: queue.Queue[int] = queue.Queue()
        self.closed = False

    def add_trackbar(self, name: str, count: int, position: int) -> None:
        self.bars[name] = (position, count)

    def get(self, name: str) -> int:
        return self.bars[name][0]

    def set(self, name: str, position: int) -> None:
        self.bars[name] = (min(max(position, 0), self.bars[name][1]), self.bars[name][1])

    def show(self, image_bgr: np.ndarray) -> None:
        assert image_bgr.ndim == 3
        for action in self.script.get(self.shown, []):
            if isinstance(action, int):
                self.keys.put(action)
            else:
                self.set(*action)
        self.shown += 1

    def poll_key(self, wait_ms: int) -> int:
        return -1 if self.keys.empty() else self.keys.get()

    def close(self) -> None:
        self.closed = True


def test_interactive_loop_drags_and_saves(hip_frames: list[RecordedFrame], hip_spec_path: Path) -> None:
    spec = load_spec(hip_spec_path)
    result = tune_recording(hip_frames, spec, HIP_FAULTY.name)
    board = TuneBoard(result, hip_spec_path)
    knee = board.sliders[0]
    window = FakeWindow(
        {
            1: [ord(" ")],  # pause
            2: [("frame", 500), (knee.name, knee.scale.position(38.0))],
            4: [ord("s")],
            6: [ord("q")],
        }
    )
    outcome = run_interactive(result, hip_spec_path, video=None, date="2026-11-23", window=window)
    assert window.closed and outcome.saved == ("saved knee-over-ankle to kneeling-hip-flexor.yaml",)
    assert outcome.unsaved == {}
    assert load_spec(hip_spec_path).rules[0].max == 38
    assert math.isclose(window.get("frame"), 500)


def test_interactive_without_a_screen_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    argv = ["tune", str(HIP_GOOD), "-s", "kneeling-hip-flexor", "-o", str(tmp_path), "-q", "--interactive"]
    assert main(argv) == 6
    assert "--interactive needs a screen" in capsys.readouterr().err
