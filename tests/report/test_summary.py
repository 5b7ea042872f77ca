"""Reports from scripted frame sequences with known answers."""

from __future__ import annotations

import csv
import json
import math
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.poses import blank_pose

from posecheck.errors import OutputError
from posecheck.report.context import ReportContext
from posecheck.report.csv import FrameCsvWriter
from posecheck.report.plot import plot_timeline
from posecheck.report.series import SeriesRecorder
from posecheck.report.summary import SummaryBuilder, write_summary_json
from posecheck.report.text import format_summary
from posecheck.results import (
    Cue,
    FrameResult,
    HoldState,
    HoldStatus,
    Measurement,
    RuleCheck,
    Severity,
    Verdict,
)
from posecheck.timing import frame_durations_s

KNEE = "knee_over_ankle"  # critical, on shin_deg
HIPS = "hips_level"  # advisory, on tilt_ratio
PASS, LOW, HIGH, UNKNOWN = Verdict.PASS, Verdict.FAIL_LOW, Verdict.FAIL_HIGH, Verdict.UNKNOWN

POSE = blank_pose()


def make_ctx(sides: tuple[str, ...] = ("left", "right"), hold_target_s: float = 30.0) -> ReportContext:
    return ReportContext(
        source="clip.mp4",
        stretch_id="low_lunge",
        stretch_name="Kneeling lunge",
        sides=sides,
        hold_target_s=hold_target_s,
        measure_ids=("shin_deg", "tilt_ratio"),
        measure_units={"shin_deg": "deg", "tilt_ratio": "ratio"},
        rule_ids=(KNEE, HIPS),
        rule_severity={KNEE: "critical", HIPS: "advisory"},
        rule_cues={KNEE: "Front knee past the ankle", HIPS: "Keep your hips level"},
        rule_ranges={KNEE: (None, 10.0), HIPS: (-0.05, 0.05)},
        rule_measure={KNEE: "shin_deg", HIPS: "tilt_ratio"},
    )


def frame(
    index: int,
    t_s: float,
    *,
    in_pose: bool = True,
    person: bool = True,
    side: str | None = "left",
    verdicts: dict[str, Verdict] | None = None,
    values: dict[str, float] | None = None,
    holds: tuple[HoldStatus, ...] = (),
    hold: HoldStatus | None = None,
    cue: str | None = None,
) -> FrameResult:
    measure_of = {KNEE: "shin_deg", HIPS: "tilt_ratio"}
    units = {"shin_deg": "deg", "tilt_ratio": "ratio"}
    values = values or {}
    checks = tuple(
        RuleCheck(
            rule_id,
            measure_of[rule_id],
            values.get(measure_of[rule_id], math.nan),
            verdict,
            Severity.CRITICAL if rule_id == KNEE else Severity.ADVISORY,
            (),
        )
        for rule_id, verdict in (verdicts or {}).items()
    )
    measurements = {
        mid: Measurement(mid, mid.split("_")[0], value, units[mid], (), "") for mid, value in values.items()
    }
    return FrameResult(
        index=index,
        timestamp_s=t_s,
        pose=POSE if person else None,
        side=side if person else None,
        facing=1 if person else 0,
        in_pose=in_pose,
        measurements=measurements,
        checks=checks,
        hold=hold if hold is not None else (holds[0] if holds else None),
        holds=holds,
        cue=Cue(cue, "correction") if cue else None,
    )


def summarise(
    frames: Iterable[FrameResult], ctx: ReportContext | None = None, **kwargs: Any
) -> dict[str, Any]:
    builder = SummaryBuilder(ctx or make_ctx(), **kwargs)
    for result in frames:
        builder.add(result)
    return builder.summary(complete=True)


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("timestamps_s", "expected_s"),
    [
        ([], []),
        ([5.0], [0.0]),  # one frame: no interval to go by
        ([0.0, 0.1, 0.3, 0.35], [0.1, 0.2, 0.05, 0.1]),  # last = median of 0.1, 0.2, 0.05
        ([0.0, 0.1, 0.2, 5.0, 5.1], [0.1, 0.1, 0.0, 0.1, 0.1]),  # the 4.8 s gap counts nothing
        ([0.0, 0.2, 0.1, 0.3], [0.2, 0.0, 0.2, 0.2]),  # time going backwards counts 0
    ],
)
def test_frame_durations(timestamps_s: list[float], expected_s: list[float]) -> None:
    assert frame_durations_s(timestamps_s, max_gap_s=0.5).tolist() == pytest.approx(expected_s)


# --------------------------------------------------------------------------- rules


def test_rule_failing_seconds_use_variable_frame_intervals() -> None:
    times_s = [0.0, 0.1, 0.3, 0.35, 0.6, 0.7]
    # durations: 0.1 0.2 0.05 0.25 0.1 and the median 0.1 for the last frame
    verdicts = [PASS, HIGH, LOW, PASS, HIGH, PASS]
    summary = summarise(
        frame(i, t, verdicts={KNEE: v}) for i, (t, v) in enumerate(zip(times_s, verdicts, strict=True))
    )
    knee = summary["rules"][KNEE]
    assert knee["frames_evaluated"] == 6
    assert knee["frames_failing"] == 3
    assert knee["fail_s"] == pytest.approx(0.35)
    assert knee["fail_high_frames"] == 2
    assert knee["fail_high_s"] == pytest.approx(0.3)
    assert knee["fail_low_frames"] == 1
    assert knee["fail_low_s"] == pytest.approx(0.05)
    assert knee["first_fail_s"] == pytest.approx(0.1)
    assert knee["last_fail_s"] == pytest.approx(0.6)
    assert knee["episodes"] == 2
    assert summary["rules"][HIPS]["frames_evaluated"] == 0
    assert summary["rules"][HIPS]["first_fail_s"] is None
    assert summary["duration_s"] == pytest.approx(0.7)
    assert summary["time_in_pose_s"] == pytest.approx(0.8)


def test_a_gap_in_the_video_counts_nothing_and_ends_a_failure_episode() -> None:
    times_s = [0.0, 0.1, 0.2, 5.0, 5.1]
    verdicts = [PASS, PASS, HIGH, HIGH, PASS]
    frames = [frame(i, t, verdicts={KNEE: v}) for i, (t, v) in enumerate(zip(times_s, verdicts, strict=True))]

    capped = summarise(frames)
    assert capped["duration_s"] == pytest.approx(5.1)
    # As the hold timer: the frame before the gap counts nothing (posecheck.timing).
    assert capped["time_in_pose_s"] == pytest.approx(0.1 + 0.1 + 0.0 + 0.1 + 0.1)
    assert capped["rules"][KNEE]["fail_s"] == pytest.approx(0.0 + 0.1)
    assert capped["rules"][KNEE]["episodes"] == 2

    uncapped = summarise(frames, frame_interval_cap_s=10.0)
    assert uncapped["time_in_pose_s"] == pytest.approx(5.2)
    assert uncapped["rules"][KNEE]["fail_s"] == pytest.approx(4.8 + 0.1)
    assert uncapped["rules"][KNEE]["episodes"] == 1


def test_failures_outside_the_pose_are_not_counted() -> None:
    frames = [frame(i, i * 0.1, in_pose=i >= 2, verdicts={KNEE: HIGH}) for i in range(4)]
    knee = summarise(frames)["rules"][KNEE]
    assert knee["frames_failing"] == 2
    assert knee["first_fail_s"] == pytest.approx(0.2)
    assert knee["fail_s"] == pytest.approx(0.2)


# --------------------------------------------------------------------------- sides


def holds_at(left_s: float, left: HoldState, right_s: float, right: HoldState) -> tuple[HoldStatus, ...]:
    return (HoldStatus("left", left, left_s, 30.0), HoldStatus("right", right, right_s, 30.0))


def test_hold_achieved_per_side() -> None:
    W, H, P, D = HoldState.WAITING, HoldState.HOLDING, HoldState.PAUSED, HoldState.DONE
    script = [
        ("left", holds_at(0.0, W, 0.0, W)),
        ("left", holds_at(29.5, H, 0.0, W)),
        ("left", holds_at(30.0, D, 0.0, W)),
        ("right", holds_at(30.0, D, 12.0, H)),
        ("right", holds_at(30.0, D, 12.0, P)),
        ("right", holds_at(30.0, D, 0.0, W)),  # grace period over: the right hold reset
    ]
    summary = summarise(frame(i, 0.4 * i, side=side, holds=holds) for i, (side, holds) in enumerate(script))
    left, right = summary["sides"]["left"], summary["sides"]["right"]
    assert (left["best_held_s"], left["final_held_s"], left["reached"]) == (30.0, 30.0, True)
    assert (right["best_held_s"], right["final_held_s"], right["reached"]) == (12.0, 0.0, False)
    assert left["target_s"] == right["target_s"] == 30.0
    assert left["time_in_pose_s"] == pytest.approx(1.2)  # 3 frames, 0.4 s apart
    assert summary["verdict"] == (
        "Target hold reached on left, not reached on right (12.0 of 30 s); "
        "good form 100% of the time in pose."
    )


def test_a_side_without_hold_status_reports_nothing_held() -> None:
    summary = summarise([frame(0, 0.0), frame(1, 0.1)])
    right = summary["sides"]["right"]
    assert right["best_held_s"] is None
    assert right["reached"] is False
    assert right["time_in_pose_s"] == 0.0
    assert right["good_form_fraction"] is None


def test_good_form_needs_every_critical_rule_passing() -> None:
    knee = [PASS, PASS, HIGH, LOW, UNKNOWN, PASS, PASS, PASS, PASS, PASS]
    hips = [PASS, PASS, PASS, PASS, PASS, HIGH, PASS, PASS, PASS, PASS]  # advisory: still good
    frames = [
        frame(i, i * 0.1, verdicts={KNEE: k, HIPS: h})
        for i, (k, h) in enumerate(zip(knee, hips, strict=True))
    ]
    summary = summarise(frames)
    left = summary["sides"]["left"]
    assert left["time_in_pose_s"] == pytest.approx(1.0)
    assert left["time_in_good_form_s"] == pytest.approx(0.7)
    assert left["good_form_fraction"] == pytest.approx(0.7)
    assert left["fail_s_by_rule"] == {KNEE: pytest.approx(0.2), HIPS: pytest.approx(0.1)}
    assert list(left["fail_s_by_rule"]) == [KNEE, HIPS]  # most time first
    assert summary["time_in_good_form_s"] == pytest.approx(0.7)


def test_frames_count_for_the_hold_side_when_the_frame_side_is_unknown() -> None:
    hold = HoldStatus("right", HoldState.HOLDING, 1.0, 30.0)
    summary = summarise([frame(i, i * 0.1, side=None, hold=hold) for i in range(3)])
    assert summary["sides"]["right"]["time_in_pose_s"] == pytest.approx(0.3)
    assert summary["sides"]["left"]["time_in_pose_s"] == 0.0


def test_a_single_both_side_gets_every_frame() -> None:
    ctx = make_ctx(sides=("both",))
    summary = summarise([frame(i, i * 0.1, side="left") for i in range(4)], ctx)
    assert summary["sides"]["both"]["time_in_pose_s"] == pytest.approx(0.4)


# --------------------------------------------------------------------------- measures


def test_measure_statistics_cover_frames_in_pose_only() -> None:
    script = [(True, 10.0), (True, 30.0), (True, math.nan), (True, 20.0), (False, 99.0)]
    summary = summarise(
        frame(i, i * 0.1, in_pose=p, values={"shin_deg": v}) for i, (p, v) in enumerate(script)
    )
    shin = summary["measures"]["shin_deg"]
    assert (shin["min"], shin["median"], shin["max"]) == (10.0, 20.0, 30.0)
    assert shin["frames_in_pose"] == 3
    assert shin["unit"] == "deg"
    tilt = summary["measures"]["tilt_ratio"]
    assert (tilt["min"], tilt["median"], tilt["max"], tilt["frames_in_pose"]) == (None, None, None, 0)


# --------------------------------------------------------------------------- empty runs


def test_zero_frames_says_nothing_was_analysed() -> None:
    builder = SummaryBuilder(make_ctx())
    summary = builder.summary(complete=False, frames_total=900, problem="cannot decode frame 0")
    assert summary["frames_analysed"] == 0
    assert summary["frames_total"] == 900
    assert summary["duration_s"] == 0.0
    assert summary["complete"] is False
    assert summary["problem"] == "cannot decode frame 0"
    assert summary["verdict"] == ("Incomplete analysis: no frames were analysed (cannot decode frame 0).")
    json.dumps(summary, allow_nan=False)  # still valid JSON
    text = format_summary(summary)
    assert "Stopped early: cannot decode frame 0" in text
    assert text.splitlines()[-1].startswith("Verdict: Incomplete analysis")


def test_no_person_says_so() -> None:
    summary = summarise(frame(i, i * 0.1, person=False, in_pose=False) for i in range(11))
    assert summary["frames_with_person"] == 0
    assert summary["time_in_pose_s"] == 0.0
    assert summary["verdict"] == "No person was seen in 1.0 s of video."
    assert "Left:" not in format_summary(summary)


def test_a_person_never_in_pose_says_so() -> None:
    summary = summarise(frame(i, i * 0.1, in_pose=False) for i in range(5))
    assert summary["frames_with_person"] == 5
    assert summary["verdict"] == ("A person was seen but never got into the Kneeling lunge position.")


def test_an_interrupted_analysis_is_marked() -> None:
    builder = SummaryBuilder(make_ctx())
    for i in range(3):
        builder.add(frame(i, i * 0.1, verdicts={KNEE: PASS}))
    summary = builder.summary(complete=False, frames_total=300, problem="interrupted by the user")
    assert summary["frames_analysed"] == 3
    assert summary["verdict"].startswith("Incomplete analysis: target hold not reached")


# --------------------------------------------------------------------------- text


def test_format_summary_reads_like_a_coach() -> None:
    frames = []
    for i in range(20):
        left_s = 0.1 * i
        frames.append(
            frame(
                i,
                i * 0.1,
                verdicts={KNEE: HIGH if 5 <= i < 8 else PASS, HIPS: PASS},
                holds=(
                    HoldStatus("left", HoldState.HOLDING, left_s, 30.0),
                    HoldStatus("right", HoldState.WAITING, 0.0, 30.0),
                ),
            )
        )
    text = format_summary(summarise(frames))
    lines = text.splitlines()
    assert len(lines) <= 12
    assert lines[0] == "Kneeling lunge - clip.mp4"
    assert lines[2] == (
        "Left: held 1.9 / 30 s (not reached); good form 85% of the time in pose; "
        "most common fault: 'Front knee past the ankle' 0.3 s"
    )
    assert lines[3] == "Right: not attempted."
    assert lines[-1] == (
        "Verdict: Target hold not reached on left (1.9 of 30 s), right not attempted; "
        "good form 85% of the time in pose; main fault: 'Front knee past the ankle' (0.3 s)."
    )


# --------------------------------------------------------------------------- CSV


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_csv_header_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "frames.csv"
    hold = HoldStatus("left", HoldState.HOLDING, 2.5, 30.0)
    with FrameCsvWriter(path, make_ctx()) as writer:
        writer.write(
            frame(
                0,
                1.0 / 30.0,
                values={"shin_deg": 12.345, "tilt_ratio": 0.12345},
                verdicts={KNEE: HIGH},
                hold=hold,
                cue="Front knee past the ankle, ease back",
            )
        )
        writer.write(frame(1, 0.0667, values={"shin_deg": math.nan, "tilt_ratio": -0.0004}))
        writer.write(frame(2, 0.1, person=False, in_pose=False))
    rows = read_csv(path)
    assert rows[0] == [
        "index", "timestamp_s", "pose_found", "side", "facing", "in_pose",
        "shin_deg", "tilt_ratio", KNEE, HIPS,
        "hold_side", "hold_state", "held_s", "cue",
    ]  # fmt: skip
    assert rows[1] == [
        "0", "0.033333", "1", "left", "1", "1",
        "12.3", "0.123", "fail_high", "",
        "left", "holding", "2.500", "Front knee past the ankle, ease back",
    ]  # fmt: skip
    # NaN -> empty, a rounded -0.000 -> 0.000, rules not evaluated -> empty
    assert rows[2][6:10] == ["", "0.000", "", ""]
    assert rows[3] == ["2", "0.100000", "0", "", "0", "0", "", "", "", "", "", "", "", ""]
    assert len(rows) == 4


def test_an_interrupted_writer_leaves_a_readable_csv(tmp_path: Path) -> None:
    path = tmp_path / "frames.csv"
    with pytest.raises(KeyboardInterrupt), FrameCsvWriter(path, make_ctx()) as writer:
        for i in range(3):
            writer.write(frame(i, i * 0.1))
        raise KeyboardInterrupt
    rows = read_csv(path)
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]


def test_rows_are_flushed_periodically_before_close(tmp_path: Path) -> None:
    path = tmp_path / "frames.csv"
    writer = FrameCsvWriter(path, make_ctx(), flush_every_frames=2)
    try:
        assert len(read_csv(path)) == 1  # the header is on disk at once
        for i in range(5):
            writer.write(frame(i, i * 0.1))
        # A crash now would keep the header and the 4 flushed rows.
        assert [row[0] for row in read_csv(path)[1:]] == ["0", "1", "2", "3"]
    finally:
        writer.close()
    assert len(read_csv(path)) == 6
    writer.close()  # twice is harmless
    with pytest.raises(ValueError, match="closed"):
        writer.write(frame(5, 0.5))


def test_unwritable_outputs_raise_output_error(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_dir"
    with pytest.raises(OutputError, match=r"per-frame CSV .*no_such_dir.*frames\.csv"):
        FrameCsvWriter(missing / "frames.csv", make_ctx())
    with pytest.raises(OutputError, match=r"summary JSON .*no_such_dir"):
        write_summary_json(missing / "summary.json", {"a": 1})
    with pytest.raises(OutputError, match="timeline plot"):
        plot_timeline(missing / "timeline.png", SeriesRecorder(make_ctx()))


def test_summary_json_round_trips(tmp_path: Path) -> None:
    summary = summarise([frame(i, i * 0.1, verdicts={KNEE: HIGH}) for i in range(3)])
    path = tmp_path / "summary.json"
    write_summary_json(path, summary)
    assert json.loads(path.read_text(encoding="utf-8")) == summary
    assert not (tmp_path / "summary.json.tmp").exists()


# --------------------------------------------------------------------------- context and series


def test_context_rejects_an_unknown_severity() -> None:
    ctx = make_ctx()
    with pytest.raises(ValueError, match="rule 'hips_level' has severity 'minor'"):
        ReportContext(**{**vars(ctx), "rule_severity": {KNEE: "critical", HIPS: "minor"}})


def test_context_rejects_colliding_column_names() -> None:
    ctx = make_ctx()
    with pytest.raises(ValueError, match="collide"):
        ReportContext(**{**vars(ctx), "rule_ids": (KNEE, "shin_deg")})


def test_series_grow_past_their_initial_capacity() -> None:
    series = SeriesRecorder(make_ctx(), initial_capacity=2)
    for i in range(5):
        series.add(frame(i, i * 0.1, values={"shin_deg": float(i)}, verdicts={KNEE: HIGH}))
    assert len(series) == 5
    assert series.timestamps_s.tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert series.values[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert np.isnan(series.values[:, 1]).all()
    assert series.verdict_codes[:, 0].tolist() == [3] * 5
    assert series.verdict_codes[:, 1].tolist() == [0] * 5


# --------------------------------------------------------------------------- plot


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("width_px", [1200, 800])
def test_plot_writes_a_png_of_the_expected_size(tmp_path: Path, width_px: int) -> None:
    builder = SummaryBuilder(make_ctx())
    for i in range(90):
        t_s = i / 30 + (2.0 if i >= 60 else 0.0)  # with a gap
        builder.add(
            frame(
                i,
                t_s,
                in_pose=i >= 10,
                side="left" if i < 60 else "right",
                values={"shin_deg": 5.0 + i % 12, "tilt_ratio": 0.01},
                verdicts={KNEE: HIGH if i % 12 > 5 else PASS, HIPS: PASS},
                holds=(HoldStatus("left", HoldState.HOLDING, i / 30, 30.0),),
            )
        )
    path = tmp_path / "timeline.png"
    summary = builder.summary(complete=True)
    size = plot_timeline(path, builder.series, subtitle=summary["verdict"], width_px=width_px)
    assert size[0] == width_px
    assert png_size(path) == size
    assert path.stat().st_size > 10_000


def test_plot_of_no_frames_still_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    size = plot_timeline(path, SeriesRecorder(make_ctx()))
    assert png_size(path) == size
