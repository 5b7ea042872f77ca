"""Session reports: per-frame CSV, JSON summary, terminal text and a timeline plot.

Everything here consumes the engine's `FrameResult`s plus a `ReportContext`, a plain
description of the stretch, so reports do not depend on the spec package.

Time is always taken from frame timestamps: each frame accounts for the interval to
the next frame, capped so that a gap in the video (dropped frames, a paused camera)
does not count as time spent in the pose.
"""

from __future__ import annotations

import csv
import json
import math
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from posecheck.errors import OutputError
from posecheck.output import StreamedOutput
from posecheck.results import FrameResult, HoldState, RepStatus, Verdict

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

SEVERITIES: Final = ("critical", "advisory")
UNIT_DECIMALS: Final[dict[str, int]] = {"deg": 1, "ratio": 3}  # 0.1 deg, 0.001 ratio
DEFAULT_FRAME_INTERVAL_CAP_S: Final = 0.5
SUMMARY_FORMAT: Final = "posecheck-summary/1"

# Compact per-frame codes stored by `SeriesRecorder` (int8 arrays).
NOT_EVALUATED: Final = 0
VERDICT_CODES: Final[dict[Verdict, int]] = {
    Verdict.PASS: 1,
    Verdict.FAIL_LOW: 2,
    Verdict.FAIL_HIGH: 3,
    Verdict.UNKNOWN: 4,
}
NO_HOLD: Final = 0
HOLD_STATE_CODES: Final[dict[HoldState, int]] = {
    HoldState.WAITING: 1,
    HoldState.HOLDING: 2,
    HoldState.PAUSED: 3,
    HoldState.DONE: 4,
}
NO_SIDE: Final = -1

_FIXED_LEADING_COLUMNS: Final = ("index", "timestamp_s", "pose_found", "side", "facing", "in_pose")
_FIXED_TRAILING_COLUMNS: Final = ("hold_side", "hold_state", "held_s", "cue")
_FAIL_LOW: Final = VERDICT_CODES[Verdict.FAIL_LOW]
_FAIL_HIGH: Final = VERDICT_CODES[Verdict.FAIL_HIGH]
_UNKNOWN: Final = VERDICT_CODES[Verdict.UNKNOWN]
_DONE: Final = HOLD_STATE_CODES[HoldState.DONE]


@dataclass(frozen=True)
class ReportContext:
    """What a report needs to know about the stretch and the input, as plain values."""

    source: str  # input file name
    stretch_id: str
    stretch_name: str
    sides: tuple[str, ...]  # ("left", "right") or ("both",)
    hold_target_s: float
    measure_ids: tuple[str, ...]  # fixed column order
    measure_units: dict[str, str]  # "deg" | "ratio"
    rule_ids: tuple[str, ...]
    rule_severity: dict[str, str]  # "critical" | "advisory"
    rule_cues: dict[str, str]  # correction text per rule
    rule_ranges: dict[str, tuple[float | None, float | None]]  # allowed min/max, None = open
    rule_measure: dict[str, str]  # rule id -> measure id
    # Reps-mode specs: the sides reps are counted for; adds CSV columns after the fixed ones.
    rep_sides: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Built by code from an already validated spec, so a mismatch is a programming error.
        problems: list[str] = []
        if not self.sides or len(set(self.sides)) != len(self.sides):
            problems.append(f"sides must be non-empty and unique, got {self.sides!r}")
        for mid in self.measure_ids:
            if self.measure_units.get(mid) not in UNIT_DECIMALS:
                problems.append(
                    f"measure {mid!r} has unit {self.measure_units.get(mid)!r}, "
                    f"expected one of {sorted(UNIT_DECIMALS)}"
                )
        for rid in self.rule_ids:
            if self.rule_severity.get(rid) not in SEVERITIES:
                problems.append(
                    f"rule {rid!r} has severity {self.rule_severity.get(rid)!r}, "
                    f"expected one of {list(SEVERITIES)}"
                )
            if rid in self.rule_measure and self.rule_measure[rid] not in self.measure_ids:
                problems.append(
                    f"rule {rid!r} refers to measure {self.rule_measure[rid]!r}, which is not in measure_ids"
                )
        columns = self.csv_columns
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            problems.append(f"CSV column names collide: {duplicates} (measure/rule ids must differ)")
        if problems:
            raise ValueError("invalid ReportContext: " + "; ".join(problems))

    @property
    def csv_columns(self) -> tuple[str, ...]:
        reps = ("rep_phase", *(f"reps_{side}" for side in self.rep_sides)) if self.rep_sides else ()
        return _FIXED_LEADING_COLUMNS + self.measure_ids + self.rule_ids + _FIXED_TRAILING_COLUMNS + reps

    def is_critical(self, rule_id: str) -> bool:
        return self.rule_severity[rule_id] == "critical"

    def cue(self, rule_id: str) -> str:
        return self.rule_cues.get(rule_id) or _readable(rule_id)

    def allowed_range(self, rule_id: str) -> tuple[float | None, float | None]:
        return self.rule_ranges.get(rule_id, (None, None))


def _readable(identifier: str) -> str:
    """'knee-over-ankle' / 'knee_over_ankle' -> 'knee over ankle', for labels."""
    return identifier.replace("_", " ").replace("-", " ")


def _output_error(path: Path, what: str, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(
        f"Cannot write the {what} {path}: {reason}. "
        "Check that the folder exists, is writable and the disk is not full."
    )


def _person_seen(result: FrameResult) -> bool:
    # Being in the pose implies a person even if a caller dropped the landmarks.
    return result.pose is not None or result.in_pose


def _format_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return ""
    decimals = UNIT_DECIMALS.get(unit, 3)
    # "+ 0.0" turns a rounded -0.0 into 0.0 so the CSV never shows "-0.0".
    return f"{round(value, decimals) + 0.0:.{decimals}f}"


def _format_s(seconds: float, decimals: int = 3) -> str:
    return f"{seconds:.{decimals}f}" if math.isfinite(seconds) else ""


# --------------------------------------------------------------------------- CSV


class FrameCsvWriter(StreamedOutput):
    """Streams one CSV row per frame; opens the file on construction, like `open()`.

    Rows are flushed every `flush_every_frames` frames (and the header at once), so
    an interrupted run leaves a readable file holding what was done.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        ctx: ReportContext,
        *,
        flush_every_frames: int = 30,
    ) -> None:
        self.path = Path(path)
        self.rows_written = 0
        self._ctx = ctx
        self._flush_every_frames = max(1, flush_every_frames)
        self._rows_since_flush = 0
        try:
            self._file: IO[str] | None = self.path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise _output_error(self.path, "per-frame CSV", exc) from exc
        self._writer = csv.writer(self._file)
        try:
            self._writer.writerow(ctx.csv_columns)
            self._file.flush()
        except OSError as exc:
            self._close_quietly()
            raise _output_error(self.path, "per-frame CSV", exc) from exc

    def write(self, result: FrameResult) -> None:
        """Append the row for one frame."""
        if self._file is None:
            raise ValueError(f"FrameCsvWriter for {self.path} is closed")
        row = self._row(result)
        try:
            self._writer.writerow(row)
            self.rows_written += 1
            self._rows_since_flush += 1
            if self._rows_since_flush >= self._flush_every_frames:
                self._file.flush()
                self._rows_since_flush = 0
        except OSError as exc:
            self._close_quietly()
            raise _output_error(self.path, "per-frame CSV", exc) from exc

    def close(self) -> None:
        """Flush and close; closing twice is harmless."""
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            file.close()
        except OSError as exc:
            raise _output_error(self.path, "per-frame CSV", exc) from exc

    def _row(self, result: FrameResult) -> list[object]:
        ctx = self._ctx
        verdicts = {check.rule_id: check.verdict.value for check in result.checks}
        measures: list[object] = []
        for mid in ctx.measure_ids:
            measurement = result.measurements.get(mid)
            unit = ctx.measure_units[mid]
            measures.append("" if measurement is None else _format_value(measurement.value, unit))
        hold = result.hold
        return [
            result.index,
            _format_s(result.timestamp_s, 6),  # µs: keeps 59.94 fps steps exact
            int(_person_seen(result)),
            result.side or "",
            result.facing,
            int(result.in_pose),
            *measures,
            *(verdicts.get(rid, "") for rid in ctx.rule_ids),
            hold.side if hold else "",
            hold.state.value if hold else "",
            _format_s(hold.held_s) if hold else "",
            result.cue.text if result.cue else "",
            *self._rep_cells(result),
        ]

    def _rep_cells(self, result: FrameResult) -> list[object]:
        sides = self._ctx.rep_sides
        if not sides:
            return []
        reps = result.reps
        if reps is None:
            return [""] * (1 + len(sides))
        return [reps.phase or "", *(reps.counts.get(side, 0) for side in sides)]


# --------------------------------------------------------------------------- series


def frame_durations_s(timestamps_s: npt.ArrayLike, cap_s: float = DEFAULT_FRAME_INTERVAL_CAP_S) -> FloatArray:
    """Seconds each frame accounts for: the interval to the next frame, capped at `cap_s`.

    The last frame gets the median interval; timestamps going backwards count as 0 s.
    """
    t = np.asarray(timestamps_s, dtype=np.float64)
    if t.size == 0:
        return np.zeros(0)
    intervals = np.diff(t)
    forward = intervals[intervals > 0]
    last_s = float(np.median(forward)) if forward.size else 0.0
    durations_s: FloatArray = np.clip(np.append(intervals, last_s), 0.0, cap_s)
    return durations_s


def _continues_previous(timestamps_s: FloatArray, cap_s: float) -> BoolArray:
    """True where a frame follows the previous one without a gap (first frame: False)."""
    continues = np.zeros(timestamps_s.size, dtype=np.bool_)
    if timestamps_s.size > 1:
        intervals = np.diff(timestamps_s)
        continues[1:] = (intervals >= 0) & (intervals <= cap_s)
    return continues


class SeriesRecorder:
    """Compact per-frame arrays of a session, for summaries and plots.

    Buffers grow by doubling, so `add` is amortised O(1). One hour at 60 fps with
    ten measures and ten rules takes about 26 MB (twice that at worst after a
    doubling). Codes: `VERDICT_CODES` (0 = rule
    not evaluated), `HOLD_STATE_CODES` (0 = no status), side codes index
    `side_names` (-1 = unknown); the first `len(ctx.sides)` side codes are ctx.sides.
    """

    def __init__(self, ctx: ReportContext, *, initial_capacity: int = 1024) -> None:
        self.ctx = ctx
        self.measure_labels: dict[str, str] = {}  # first label seen per measure
        self.hold_targets_s: dict[str, float] = {side: ctx.hold_target_s for side in ctx.sides}
        self._side_names: list[str] = list(ctx.sides)
        self._side_codes: dict[str, int] = {side: i for i, side in enumerate(ctx.sides)}
        self._measure_columns = {mid: j for j, mid in enumerate(ctx.measure_ids)}
        self._rule_columns = {rid: j for j, rid in enumerate(ctx.rule_ids)}
        self._n = 0
        self._capacity = max(1, initial_capacity)
        n_measures, n_rules, n_sides = len(ctx.measure_ids), len(ctx.rule_ids), len(ctx.sides)
        cap = self._capacity
        self._t = np.zeros(cap, dtype=np.float64)
        self._person = np.zeros(cap, dtype=np.bool_)
        self._in_pose = np.zeros(cap, dtype=np.bool_)
        self._side = np.full(cap, NO_SIDE, dtype=np.int8)
        self._hold_side = np.full(cap, NO_SIDE, dtype=np.int8)
        self._facing = np.zeros(cap, dtype=np.int8)
        self._values = np.full((cap, n_measures), np.nan, dtype=np.float64)
        self._verdicts = np.full((cap, n_rules), NOT_EVALUATED, dtype=np.int8)
        self._held = np.full((cap, n_sides), np.nan, dtype=np.float64)
        self._hold_state = np.full((cap, n_sides), NO_HOLD, dtype=np.int8)

    def __len__(self) -> int:
        return self._n

    def add(self, result: FrameResult) -> None:
        """Record one frame."""
        if self._n == self._capacity:
            self._grow()
        i = self._n
        self._t[i] = result.timestamp_s
        self._person[i] = _person_seen(result)
        self._in_pose[i] = result.in_pose
        self._facing[i] = max(-1, min(1, result.facing))
        self._side[i] = self._side_code(result.side)
        for mid, measurement in result.measurements.items():
            j = self._measure_columns.get(mid)
            if j is not None:
                self._values[i, j] = measurement.value
                self.measure_labels.setdefault(mid, measurement.label)
        for check in result.checks:
            k = self._rule_columns.get(check.rule_id)
            if k is not None:
                self._verdicts[i, k] = VERDICT_CODES[check.verdict]
        if result.hold is not None:
            self._hold_side[i] = self._side_code(result.hold.side)
        statuses = result.holds or ((result.hold,) if result.hold is not None else ())
        for status in statuses:
            code = self._side_codes.get(status.side, NO_SIDE)
            if 0 <= code < len(self.ctx.sides):
                self._held[i, code] = status.held_s
                self._hold_state[i, code] = HOLD_STATE_CODES[status.state]
                self.hold_targets_s[status.side] = status.target_s
        self._n += 1

    def _side_code(self, side: str | None) -> int:
        if side is None:
            return NO_SIDE
        code = self._side_codes.get(side)
        if code is None:
            if len(self._side_names) >= 100:  # int8 codes; no real session has this many
                return NO_SIDE
            code = len(self._side_names)
            self._side_names.append(side)
            self._side_codes[side] = code
        return code

    def _grow(self) -> None:
        def grown(old: npt.NDArray[Any], fill: float) -> npt.NDArray[Any]:
            new = np.full((old.shape[0] * 2, *old.shape[1:]), fill, dtype=old.dtype)
            new[: old.shape[0]] = old
            return new

        self._t = grown(self._t, 0.0)
        self._person = grown(self._person, False)
        self._in_pose = grown(self._in_pose, False)
        self._side = grown(self._side, NO_SIDE)
        self._hold_side = grown(self._hold_side, NO_SIDE)
        self._facing = grown(self._facing, 0)
        self._values = grown(self._values, np.nan)
        self._verdicts = grown(self._verdicts, NOT_EVALUATED)
        self._held = grown(self._held, np.nan)
        self._hold_state = grown(self._hold_state, NO_HOLD)
        self._capacity *= 2

    # Read-only views of the recorded frames.
    @property
    def side_names(self) -> tuple[str, ...]:
        return tuple(self._side_names)

    @property
    def timestamps_s(self) -> FloatArray:
        return self._t[: self._n]

    @property
    def person(self) -> BoolArray:
        return self._person[: self._n]

    @property
    def in_pose(self) -> BoolArray:
        return self._in_pose[: self._n]

    @property
    def side_codes(self) -> CodeArray:
        return self._side[: self._n]

    @property
    def hold_side_codes(self) -> CodeArray:
        return self._hold_side[: self._n]

    @property
    def facing(self) -> CodeArray:
        return self._facing[: self._n]

    @property
    def values(self) -> FloatArray:
        """(frames, measures) in ctx.measure_ids order; NaN when unknown."""
        return self._values[: self._n]

    @property
    def verdict_codes(self) -> CodeArray:
        """(frames, rules) in ctx.rule_ids order."""
        return self._verdicts[: self._n]

    @property
    def held_s(self) -> FloatArray:
        """(frames, sides) in ctx.sides order; NaN when no status was reported."""
        return self._held[: self._n]

    @property
    def hold_state_codes(self) -> CodeArray:
        return self._hold_state[: self._n]

    def working_side_index(self) -> npt.NDArray[np.intp]:
        """Index into ctx.sides that each frame counts for (-1 = none).

        The frame's resolved side, else the hold timer's side; with a single side
        (e.g. "both") every frame counts for it.
        """
        n_sides = len(self.ctx.sides)
        if n_sides == 1:
            return np.zeros(self._n, dtype=np.intp)
        side = self.side_codes.astype(np.intp)
        hold_side = self.hold_side_codes.astype(np.intp)
        side_known = (side >= 0) & (side < n_sides)
        hold_known = (hold_side >= 0) & (hold_side < n_sides)
        return np.where(side_known, side, np.where(hold_known, hold_side, -1))


# --------------------------------------------------------------------------- summary


def _round(value: float | np.floating[Any] | None, decimals: int = 3) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), decimals) + 0.0


class SummaryBuilder:
    """Collects frames (`add`, amortised O(1)) and produces a JSON-ready summary."""

    def __init__(
        self,
        ctx: ReportContext,
        *,
        frame_interval_cap_s: float = DEFAULT_FRAME_INTERVAL_CAP_S,
    ) -> None:
        self.ctx = ctx
        self.frame_interval_cap_s = frame_interval_cap_s
        self.series = SeriesRecorder(ctx)
        self._reps: RepStatus | None = None  # the last rep count seen (reps-mode specs)

    def add(self, result: FrameResult) -> None:
        self.series.add(result)
        if result.reps is not None:
            self._reps = result.reps

    def summary(
        self,
        *,
        complete: bool,
        frames_total: int | None = None,
        problem: str | None = None,
    ) -> dict[str, Any]:
        """What was analysed and how it went; `complete=False` + `problem` for a partial run.

        Rule statistics and good form only count frames in the pose.
        """
        ctx, s = self.ctx, self.series
        t = s.timestamps_s
        dt = frame_durations_s(t, self.frame_interval_cap_s)
        continues = _continues_previous(t, self.frame_interval_cap_s)
        in_pose, person = s.in_pose, s.person
        codes = s.verdict_codes
        working = s.working_side_index()

        critical = np.array([ctx.is_critical(rid) for rid in ctx.rule_ids], dtype=np.bool_)
        # Unknown counts against good form: the form could not be confirmed.
        critical_bad = np.any(codes[:, critical] >= _FAIL_LOW, axis=1)
        good = in_pose & ~critical_bad
        failing = in_pose[:, None] & ((codes == _FAIL_LOW) | (codes == _FAIL_HIGH))

        rules: dict[str, Any] = {}
        for j, rid in enumerate(ctx.rule_ids):
            rules[rid] = self._rule_stats(j, rid, dt, continues, in_pose, failing[:, j])

        sides: dict[str, Any] = {}
        for k, side in enumerate(ctx.sides):
            on_side = working == k
            sides[side] = self._side_stats(k, side, dt, in_pose & on_side, good & on_side, failing)
            # Each rule's failures on this side alone: when, how long, how often.
            sides[side]["rules"] = {
                rid: {
                    key: stats[key]
                    for key in ("fail_s", "first_fail_s", "last_fail_s", "episodes", "frames_failing")
                }
                for j, rid in enumerate(ctx.rule_ids)
                for stats in [
                    self._rule_stats(j, rid, dt, continues, in_pose & on_side, failing[:, j] & on_side)
                ]
            }

        measures: dict[str, Any] = {}
        for j, mid in enumerate(ctx.measure_ids):
            unit = ctx.measure_units[mid]
            decimals = UNIT_DECIMALS[unit]
            values = s.values[in_pose, j]
            values = values[np.isfinite(values)]
            found = values.size > 0
            measures[mid] = {
                "label": s.measure_labels.get(mid, _readable(mid)),
                "unit": unit,
                "frames_in_pose": int(values.size),
                "min": _round(values.min(), decimals) if found else None,
                "median": _round(np.median(values), decimals) if found else None,
                "max": _round(values.max(), decimals) if found else None,
            }

        time_in_pose_s = float(dt[in_pose].sum())
        summary: dict[str, Any] = {
            "format": SUMMARY_FORMAT,
            "source": ctx.source,
            "stretch": {"id": ctx.stretch_id, "name": ctx.stretch_name},
            "complete": complete,
            "problem": problem,
            "frames_analysed": len(s),
            "frames_total": frames_total,
            "frames_with_person": int(person.sum()),
            "duration_s": _round(t[-1] - t[0]) if len(s) else 0.0,
            "time_with_person_s": _round(dt[person].sum()),
            "time_in_pose_s": _round(time_in_pose_s),
            "time_in_good_form_s": _round(dt[good].sum()),
            "frame_interval_cap_s": self.frame_interval_cap_s,
            "sides": sides,
            "rules": rules,
            "measures": measures,
        }
        if self._reps is not None:
            summary["reps"] = {
                "target": self._reps.target,
                "counted": dict(self._reps.counts),
                "rejected": dict(self._reps.rejected),
            }
        summary["verdict"] = _verdict_text(summary)
        return summary

    def _rule_stats(
        self,
        j: int,
        rule_id: str,
        dt: FloatArray,
        continues: BoolArray,
        in_pose: BoolArray,
        fail: BoolArray,
    ) -> dict[str, Any]:
        ctx = self.ctx
        codes = self.series.verdict_codes[:, j]
        low = fail & (codes == _FAIL_LOW)
        high = fail & (codes == _FAIL_HIGH)
        fail_times_s = self.series.timestamps_s[fail]
        # An episode is a run of failing frames; a frame gap ends it.
        starts = fail.copy()
        starts[1:] &= ~(fail[:-1] & continues[1:])
        allowed_min, allowed_max = ctx.allowed_range(rule_id)
        return {
            "severity": ctx.rule_severity[rule_id],
            "cue": ctx.cue(rule_id),
            "measure": ctx.rule_measure.get(rule_id),
            "allowed_min": allowed_min,
            "allowed_max": allowed_max,
            "frames_evaluated": int(np.count_nonzero(in_pose & (codes != NOT_EVALUATED))),
            "frames_unknown": int(np.count_nonzero(in_pose & (codes == _UNKNOWN))),
            "frames_failing": int(np.count_nonzero(fail)),
            "fail_s": _round(dt[fail].sum()),
            "fail_low_frames": int(np.count_nonzero(low)),
            "fail_high_frames": int(np.count_nonzero(high)),
            "fail_low_s": _round(dt[low].sum()),
            "fail_high_s": _round(dt[high].sum()),
            "first_fail_s": _round(fail_times_s[0]) if fail_times_s.size else None,
            "last_fail_s": _round(fail_times_s[-1]) if fail_times_s.size else None,
            "episodes": int(np.count_nonzero(starts)),
        }

    def _side_stats(
        self,
        k: int,
        side: str,
        dt: FloatArray,
        in_pose_on_side: BoolArray,
        good_on_side: BoolArray,
        failing: BoolArray,
    ) -> dict[str, Any]:
        s = self.series
        target_s = s.hold_targets_s.get(side, self.ctx.hold_target_s)
        held = s.held_s[:, k]
        reported = held[np.isfinite(held)]
        best_s = float(reported.max()) if reported.size else None
        final_s = float(reported[-1]) if reported.size else None
        done = bool(np.any(s.hold_state_codes[:, k] == _DONE))
        reached = done or (best_s is not None and best_s >= target_s - 1e-9)
        in_pose_s = float(dt[in_pose_on_side].sum())
        good_s = float(dt[good_on_side].sum())
        fail_s = {
            rid: float(dt[failing[:, j] & in_pose_on_side].sum()) for j, rid in enumerate(self.ctx.rule_ids)
        }
        faults = {rid: _round(v) for rid, v in sorted(fail_s.items(), key=lambda kv: -kv[1]) if v > 0}
        return {
            "target_s": _round(target_s),
            "best_held_s": _round(best_s),
            "final_held_s": _round(final_s),
            "reached": reached,
            "time_in_pose_s": _round(in_pose_s),
            "time_in_good_form_s": _round(good_s),
            "good_form_fraction": _round(good_s / in_pose_s) if in_pose_s > 0 else None,
            "fail_s_by_rule": faults,  # most time first
        }


def _main_fault(summary: dict[str, Any], faults: dict[str, float]) -> tuple[str, float] | None:
    if not faults:
        return None
    rule_id, seconds = max(faults.items(), key=lambda kv: kv[1])
    return summary["rules"][rule_id]["cue"], seconds


def _held_text(held_s: float | None) -> str:
    # Rounded down, so 19.98 s of a 20 s target never reads "20.0 / 20 s (not reached)".
    return f"{math.floor((held_s or 0.0) * 10 + 1e-6) / 10:.1f}"


def _attempted(side_info: dict[str, Any]) -> bool:
    return bool(side_info["time_in_pose_s"] or side_info["best_held_s"])


def _side_label(side: str) -> str:
    return "Hold" if side == "both" else side.capitalize()


def _verdict_text(summary: dict[str, Any]) -> str:
    """One line a coach would say about the session as a whole."""
    text = _verdict_body(summary)
    if not summary["complete"]:
        return f"Incomplete analysis: {text}"
    return text[0].upper() + text[1:]


def _verdict_body(summary: dict[str, Any]) -> str:
    if summary["frames_analysed"] == 0:
        problem = summary.get("problem")
        return "no frames were analysed" + (f" ({problem})." if problem else ".")
    if summary["frames_with_person"] == 0:
        return f"no person was seen in {summary['duration_s']:.1f} s of video."
    if not summary["time_in_pose_s"]:
        name = summary["stretch"]["name"]
        return f"a person was seen but never got into the {name} position."

    if summary.get("reps"):
        return _reps_verdict(summary)

    sides: dict[str, Any] = summary["sides"]
    missed = {side: info for side, info in sides.items() if not info["reached"]}

    def held(info: dict[str, Any]) -> str:
        return f"{_held_text(info['best_held_s'])} of {info['target_s']:g} s"

    if not missed:
        text = "target hold reached" + (" on every side" if len(sides) > 1 else "")
    elif len(sides) == 1:
        text = f"target hold not reached ({held(next(iter(missed.values())))})"
    else:
        reached = [side for side, info in sides.items() if info["reached"]]
        short = [f"{side} ({held(info)})" for side, info in missed.items() if _attempted(info)]
        skipped = [side for side, info in missed.items() if not _attempted(info)]
        parts = []
        if reached:
            parts.append("reached on " + ", ".join(reached))
        if short:
            parts.append("not reached on " + ", ".join(short))
        text = "target hold " + ", ".join(parts) if parts else "no side was held"
        if skipped:
            text += ", " + " and ".join(skipped) + " not attempted"
    good_pct = 100.0 * (summary["time_in_good_form_s"] or 0.0) / summary["time_in_pose_s"]
    text += f"; good form {good_pct:.0f}% of the time in pose"
    totals = {rid: info["fail_s"] for rid, info in summary["rules"].items() if info["fail_s"]}
    fault = _main_fault(summary, totals)
    if fault is not None:
        text += f"; main fault: '{fault[0]}' ({fault[1]:.1f} s)"
    return text + "."


def _reps_verdict(summary: dict[str, Any]) -> str:
    """Reps-mode specs: the reps done against the target (per side), then form as for holds."""
    counted: dict[str, int] = summary["reps"]["counted"]
    target = summary["reps"]["target"]
    if list(counted) == ["both"]:
        text = f"{counted['both']} of {target} reps"
    else:
        text = "reps " + ", ".join(f"{side} {n} of {target}" for side, n in counted.items())
    good_pct = 100.0 * (summary["time_in_good_form_s"] or 0.0) / summary["time_in_pose_s"]
    text += f"; good form {good_pct:.0f}% of the time in pose"
    totals = {rid: info["fail_s"] for rid, info in summary["rules"].items() if info["fail_s"]}
    fault = _main_fault(summary, totals)
    if fault is not None:
        text += f"; main fault: '{fault[0]}' ({fault[1]:.1f} s)"
    return text + "."


def write_summary_json(path: str | os.PathLike[str], summary: dict[str, Any]) -> None:
    """Write the summary as JSON, replacing the file atomically (no half-written file)."""
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _output_error(target, "summary JSON", exc) from exc


def format_summary(summary: dict[str, Any]) -> str:
    """A few lines for the terminal: per side hold, form and main fault, then the verdict."""
    lines = [f"{summary['stretch']['name']} - {summary['source']}"]
    frames = summary["frames_analysed"]
    if frames:
        lines.append(
            f"Analysed {frames} frames over {summary['duration_s']:.1f} s; "
            f"person in view {summary['time_with_person_s']:.1f} s, "
            f"in pose {summary['time_in_pose_s']:.1f} s."
        )
    if summary["time_in_pose_s"] and not summary.get("reps"):
        for side, info in summary["sides"].items():
            label = _side_label(side)
            if not _attempted(info):
                lines.append(f"{label}: not attempted.")
                continue
            reached = "reached" if info["reached"] else "not reached"
            line = f"{label}: held {_held_text(info['best_held_s'])} / {info['target_s']:g} s ({reached})"
            if info["good_form_fraction"] is not None:
                line += f"; good form {100 * info['good_form_fraction']:.0f}% of the time in pose"
            fault = _main_fault(summary, info["fail_s_by_rule"])
            line += f"; most common fault: '{fault[0]}' {fault[1]:.1f} s" if fault else "; no faults"
            lines.append(line)
    reps = summary.get("reps")
    if reps:
        for side, count in reps["counted"].items():
            spoilt = reps["rejected"].get(side, 0)
            extra = f" ({spoilt} more with a critical fault)" if spoilt else ""
            label = "Reps" if side == "both" else f"{side.capitalize()} side"
            lines.append(f"{label}: {count} of {reps['target']} reps{extra}.")
    if not summary["complete"] and summary.get("problem"):
        lines.append(f"Stopped early: {summary['problem']}")
    lines.append(f"Verdict: {summary['verdict']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- plot

_COLOR_PASS: Final = "#43a047"
_COLOR_FAIL: Final = {"critical": "#e53935", "advisory": "#fb8c00"}
_COLOR_UNKNOWN: Final = "#b0b0b0"
_COLOR_IN_POSE: Final = "#1e88e5"
_COLOR_PERSON: Final = "#d6dde3"
_COLOR_ALLOWED: Final = "#43a047"
_COLOR_VALUE: Final = "#263238"
_SIDE_COLORS: Final = ("#7e57c2", "#00897b", "#8d6e63", "#f06292")
_BAND_ROW_IN: Final = 0.30
_MEASURE_PANEL_IN: Final = 1.45
_HOLD_PANEL_IN: Final = 1.6


def _runs(
    codes: npt.NDArray[Any], start_s: FloatArray, end_s: FloatArray, continues: BoolArray
) -> tuple[npt.NDArray[Any], FloatArray, FloatArray]:
    """(codes, starts_s, ends_s) of the runs of equal codes on contiguous frames."""
    breaks = np.ones(codes.size, dtype=np.bool_)
    breaks[1:] = (codes[1:] != codes[:-1]) | ~continues[1:]
    first = np.flatnonzero(breaks)
    last = np.append(first[1:] - 1, codes.size - 1).astype(np.intp) if first.size else first
    return codes[first], start_s[first], end_s[last]


def _draw_band(
    ax: Axes,
    row: float,
    runs: tuple[npt.NDArray[Any], FloatArray, FloatArray],
    colors: dict[int, str],
    labels: dict[int, str] | None = None,
    min_label_s: float = 0.0,
) -> None:
    run_codes, starts_s, ends_s = runs
    for code, color in colors.items():
        mine = run_codes == code
        if not mine.any():
            continue
        # One collection per colour: a flickering hour has tens of thousands of runs.
        xranges = list(zip(starts_s[mine].tolist(), (ends_s - starts_s)[mine].tolist(), strict=True))
        ax.broken_barh(xranges, (row - 0.38, 0.76), facecolors=color, linewidth=0)
        if not labels or code not in labels:
            continue
        wide = mine & (ends_s - starts_s >= min_label_s)
        for start_s, end_s in zip(starts_s[wide].tolist(), ends_s[wide].tolist(), strict=True):
            ax.text(
                (start_s + end_s) / 2,
                row,
                labels[code],
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                fontweight="bold",
            )


def _with_gaps(t: FloatArray, y: FloatArray, continues: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Insert NaN where frames do not continue, so lines are not drawn across gaps."""
    gaps = np.flatnonzero(~continues[1:]) + 1
    return np.insert(t, gaps, np.nan), np.insert(y, gaps, np.nan)


def _place_panels(
    fig: Figure,
    axes: list[Axes],
    heights_in: list[float],
    *,
    top_in: float,
    gap_in: float = 0.32,
    bottom_in: float = 0.55,
    right_in: float = 0.15,
) -> None:
    """Stack the panels top to bottom with room for each one's title, left of them the widest y
    label. Done by hand because matplotlib's constrained layout measures every tick label of
    every panel twice and took longer than the whole rest of a short clip's finishing step."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    label_font = FontProperties(size=rcParams["ytick.labelsize"])
    widest_px = 0.0
    for ax in axes:
        axis = ax.yaxis
        texts = axis.get_major_formatter().format_ticks(list(axis.get_major_locator()()))
        for text in texts:
            width_px, _, _ = renderer.get_text_width_height_descent(text, label_font, ismath=False)
            widest_px = max(widest_px, float(width_px))
    dpi = fig.dpi
    width_in, height_in = (float(v) for v in fig.get_size_inches())
    left_in = widest_px / dpi + 0.18  # tick length and padding
    avail_in = height_in - top_in - bottom_in - gap_in * (len(axes) - 1)
    scale = max(0.1, avail_in / sum(heights_in))
    top = height_in - top_in
    for ax, panel_in in zip(axes, heights_in, strict=True):
        h_in = panel_in * scale
        box = (left_in, top - h_in, width_in - left_in - right_in, h_in)
        ax.set_position((box[0] / width_in, box[1] / height_in, box[2] / width_in, box[3] / height_in))
        top -= h_in + gap_in


def plot_timeline(
    path_png: str | os.PathLike[str],
    series: SeriesRecorder,
    *,
    subtitle: str | None = None,
    frame_interval_cap_s: float = DEFAULT_FRAME_INTERVAL_CAP_S,
    width_px: int = 1200,
    dpi: int = 100,
) -> tuple[int, int]:
    """Draw verdicts, in-pose, side, measurements and hold timers over time; returns (w, h) px."""
    # Imported here so CSV/JSON-only runs do not pay for matplotlib's import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    ctx = series.ctx
    t = series.timestamps_s
    dt = frame_durations_s(t, frame_interval_cap_s)
    end_s = t + dt
    continues = _continues_previous(t, frame_interval_cap_s)
    in_pose = series.in_pose

    n_band_rows = len(ctx.rule_ids) + 2
    span_s = float(end_s[-1] - t[0]) if t.size else 0.0
    # Text inside a bar only where it fits: about 3% of the width at 1200 px.
    min_label_s = max(1.0, 0.03 * span_s)
    heights_in = [
        _BAND_ROW_IN * n_band_rows + 0.25,
        *([_MEASURE_PANEL_IN] * len(ctx.measure_ids)),
        _HOLD_PANEL_IN,
    ]
    # About 7.6 px per character at 10.5 pt, starting where the axes start (~200 px in).
    subtitle_lines = textwrap.wrap(subtitle or "", width=max(40, int((width_px - 220) / 7.6)))
    title_in = 0.45 + 0.2 * len(subtitle_lines)
    legend_in = 0.35
    height_px = round((sum(heights_in) + title_in + legend_in + 0.45) * dpi)
    # Pixel sizes are chosen first so the PNG is exactly width_px x height_px.
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)  # explicit Agg: no pyplot, no global backend switch
    axes = fig.subplots(len(heights_in), 1, sharex=True)
    band_ax, measure_axes, hold_ax = axes[0], list(axes[1:-1]), axes[-1]

    fig.suptitle(
        f"{ctx.stretch_name} — {ctx.source}", fontsize=13, fontweight="bold", y=1 - 0.08 * dpi / height_px
    )
    if subtitle_lines:
        # Above the legend, which sits on top of the band panel.
        band_ax.set_title("\n".join(subtitle_lines), loc="left", fontsize=10.5, pad=30)

    # Stretches without frames (dropped or missing video) are hatched on every panel.
    gap_starts = np.flatnonzero(~continues[1:])
    for ax in axes:
        for i in gap_starts:
            ax.axvspan(end_s[i], t[i + 1], facecolor="none", edgecolor="#cfd8dc", hatch="///", linewidth=0)

    # Bands, top to bottom: rules, in pose, working side.
    side_names = series.side_names
    side_colors = {i: _SIDE_COLORS[i % len(_SIDE_COLORS)] for i in range(len(side_names))}
    row_labels: list[str] = []
    for j, rid in enumerate(ctx.rule_ids):
        codes = np.where(in_pose, series.verdict_codes[:, j], NOT_EVALUATED)
        fail_color = _COLOR_FAIL[ctx.rule_severity[rid]]
        colors = {
            VERDICT_CODES[Verdict.PASS]: _COLOR_PASS,
            _FAIL_LOW: fail_color,
            _FAIL_HIGH: fail_color,
            _UNKNOWN: _COLOR_UNKNOWN,
        }
        # "low"/"high" inside a fail bar says which way to correct.
        _draw_band(
            band_ax,
            j,
            _runs(codes, t, end_s, continues),
            colors,
            {_FAIL_LOW: "low", _FAIL_HIGH: "high"},
            min_label_s=min_label_s,
        )
        marker = " (!)" if ctx.is_critical(rid) else ""
        row_labels.append(_readable(rid) + marker)
    pose_codes = np.where(in_pose, 2, np.where(series.person, 1, 0))
    pose_row = len(ctx.rule_ids)
    _draw_band(
        band_ax,
        pose_row,
        _runs(pose_codes, t, end_s, continues),
        {2: _COLOR_IN_POSE, 1: _COLOR_PERSON},
    )
    row_labels.append("in pose")
    side_row = pose_row + 1
    _draw_band(
        band_ax,
        side_row,
        _runs(series.side_codes, t, end_s, continues),
        side_colors,
        dict(enumerate(side_names)),
        min_label_s=min_label_s,
    )
    row_labels.append("working side")
    band_ax.set_yticks(range(n_band_rows), row_labels)
    band_ax.set_ylim(n_band_rows - 0.5, -0.5)
    band_ax.tick_params(axis="y", length=0)
    band_ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    band_ax.set_axisbelow(True)
    for spine in ("top", "right", "left"):
        band_ax.spines[spine].set_visible(False)
    legend = [
        Patch(color=_COLOR_PASS, label="pass"),
        Patch(color=_COLOR_FAIL["critical"], label="fail, critical (!)"),
        Patch(color=_COLOR_FAIL["advisory"], label="fail, advisory"),
        Patch(color=_COLOR_UNKNOWN, label="not visible"),
        Patch(color=_COLOR_IN_POSE, label="in pose"),
        Patch(color=_COLOR_PERSON, label="person, not in pose"),
        Patch(facecolor="none", edgecolor="#b0bec5", hatch="///", label="no frames"),
    ]
    band_ax.legend(
        handles=legend,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(legend),
        frameon=False,
        fontsize=9,
        handlelength=1.2,
        columnspacing=1.2,
    )

    # One panel per measurement, its allowed range(s) shaded.
    for ax, (j, mid) in zip(measure_axes, enumerate(ctx.measure_ids), strict=True):
        values = series.values[:, j]
        unit = ctx.measure_units[mid]
        ranges = [ctx.allowed_range(rid) for rid in ctx.rule_ids if ctx.rule_measure.get(rid) == mid]
        limits = [v for lo_hi in ranges for v in lo_hi if v is not None]
        finite = values[np.isfinite(values)]
        data = np.concatenate([finite, np.asarray(limits, dtype=np.float64)])
        low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
        pad = 0.12 * (high - low) if high > low else max(1.0, abs(high) * 0.1)
        y_min, y_max = low - pad, high + pad
        for lo, hi in ranges:
            ax.axhspan(
                y_min if lo is None else lo,
                y_max if hi is None else hi,
                color=_COLOR_ALLOWED,
                alpha=0.13,
                linewidth=0,
            )
            for limit in (lo, hi):
                if limit is not None:
                    ax.axhline(limit, color=_COLOR_ALLOWED, linewidth=0.8, linestyle="--")
        # Out-of-pose values are faint: they are not judged.
        ax.plot(*_with_gaps(t, values, continues), color="#b0bec5", linewidth=1.0)
        in_pose_values = np.where(in_pose, values, np.nan)
        ax.plot(*_with_gaps(t, in_pose_values, continues), color=_COLOR_VALUE, linewidth=1.6)
        # Failing stretches in the rule's colour, critical drawn last so it wins.
        rules_here = [rid for rid in ctx.rule_ids if ctx.rule_measure.get(rid) == mid]
        for rid in sorted(rules_here, key=ctx.is_critical):
            codes = series.verdict_codes[:, ctx.rule_ids.index(rid)]
            fail = in_pose & ((codes == _FAIL_LOW) | (codes == _FAIL_HIGH))
            # Keep each failing run joined to its neighbours so short faults stay visible.
            fail_values = np.where(fail, values, np.nan)
            ax.plot(
                *_with_gaps(t, fail_values, continues),
                color=_COLOR_FAIL[ctx.rule_severity[rid]],
                linewidth=2.2,
            )
        ax.set_ylim(y_min, y_max)
        label = series.measure_labels.get(mid, _readable(mid))
        ax.set_title(f"{label} ({unit})", loc="left", fontsize=10, pad=3)
        ax.grid(color="#e6e6e6", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)

    # Hold timers, one line per side.
    for k, side in enumerate(ctx.sides):
        held = series.held_s[:, k]
        if np.isfinite(held).any():
            ax_t, ax_y = _with_gaps(t, held, continues)
            hold_ax.plot(ax_t, ax_y, color=side_colors[k], linewidth=2.0, label=side)
            done = np.flatnonzero(series.hold_state_codes[:, k] == _DONE)
            if done.size:
                hold_ax.plot(
                    t[done[0]],
                    held[done[0]],
                    marker="*",
                    markersize=14,
                    color=side_colors[k],
                    clip_on=False,
                )
    targets = set(series.hold_targets_s.values()) or {ctx.hold_target_s}
    for target_s in targets:
        hold_ax.axhline(target_s, color="#455a64", linewidth=1.0, linestyle="--")
    top_s = max(targets) if max(targets) > 0 else 1.0
    # A little below zero, so a timer that never started is visible above the axis.
    hold_ax.set_ylim(-0.04 * top_s, 1.12 * top_s)
    hold_ax.set_title("hold timer (s), target dashed", loc="left", fontsize=10, pad=3)
    if hold_ax.get_legend_handles_labels()[0]:
        hold_ax.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=9,
            frameon=False,
            ncols=len(ctx.sides),
            borderaxespad=0.0,
        )
    hold_ax.grid(color="#e6e6e6", linewidth=0.6)
    hold_ax.spines[["top", "right"]].set_visible(False)
    hold_ax.set_xlabel("time (s)")
    if t.size:
        hold_ax.set_xlim(float(t[0]), float(end_s[-1]))
    else:
        hold_ax.set_xlim(0.0, 1.0)
        band_ax.text(
            0.5,
            0.5,
            "no frames analysed",
            transform=band_ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#607d8b",
        )

    _place_panels(fig, list(axes), heights_in, top_in=title_in + legend_in - 0.05)
    path = Path(path_png)
    try:
        fig.savefig(path, dpi=dpi, format="png")
    except OSError as exc:
        raise _output_error(path, "timeline plot", exc) from exc
    # The Figure was never registered with pyplot, so dropping it frees it; nothing global to close.
    return width_px, height_px
