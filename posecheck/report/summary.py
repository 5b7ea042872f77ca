"""The JSON summary of a session: per side hold and form, per rule failures, per measure range,
and the one-line verdict.

Time is always taken from frame timestamps: each frame accounts for the interval to the
next frame, and a gap in the video (dropped frames, a paused camera) counts nothing
(`posecheck.timing`).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Final

import numpy as np

from posecheck.report.context import (
    HOLD_STATE_CODES,
    NOT_EVALUATED,
    UNIT_DECIMALS,
    VERDICT_CODES,
    ReportContext,
    readable,
    write_text_atomic,
)
from posecheck.report.series import BoolArray, FloatArray, SeriesRecorder
from posecheck.results import FrameResult, HoldState, RepStatus, Verdict
from posecheck.timing import MAX_FRAME_GAP_S, continues_previous, frame_durations_s

SUMMARY_FORMAT: Final = "posecheck-summary/1"
_FAIL_LOW: Final = VERDICT_CODES[Verdict.FAIL_LOW]
_FAIL_HIGH: Final = VERDICT_CODES[Verdict.FAIL_HIGH]
_UNKNOWN: Final = VERDICT_CODES[Verdict.UNKNOWN]
_DONE: Final = HOLD_STATE_CODES[HoldState.DONE]


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
        frame_interval_cap_s: float = MAX_FRAME_GAP_S,
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
        continues = continues_previous(t, self.frame_interval_cap_s)
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
                "label": s.measure_labels.get(mid, readable(mid)),
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


def main_fault(summary: dict[str, Any], faults: dict[str, float]) -> tuple[str, float] | None:
    if not faults:
        return None
    rule_id, seconds = max(faults.items(), key=lambda kv: kv[1])
    return summary["rules"][rule_id]["cue"], seconds


def held_text(held_s: float | None) -> str:
    # Rounded down, so 19.98 s of a 20 s target never reads "20.0 / 20 s (not reached)".
    return f"{math.floor((held_s or 0.0) * 10 + 1e-6) / 10:.1f}"


def attempted(side_info: dict[str, Any]) -> bool:
    return bool(side_info["time_in_pose_s"] or side_info["best_held_s"])


def side_label(side: str) -> str:
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
        return f"{held_text(info['best_held_s'])} of {info['target_s']:g} s"

    if not missed:
        text = "target hold reached" + (" on every side" if len(sides) > 1 else "")
    elif len(sides) == 1:
        text = f"target hold not reached ({held(next(iter(missed.values())))})"
    else:
        reached = [side for side, info in sides.items() if info["reached"]]
        short = [f"{side} ({held(info)})" for side, info in missed.items() if attempted(info)]
        skipped = [side for side, info in missed.items() if not attempted(info)]
        parts = []
        if reached:
            parts.append("reached on " + ", ".join(reached))
        if short:
            parts.append("not reached on " + ", ".join(short))
        text = "target hold " + ", ".join(parts) if parts else "no side was held"
        if skipped:
            text += ", " + " and ".join(skipped) + " not attempted"
    return text + _form_text(summary)


def _reps_verdict(summary: dict[str, Any]) -> str:
    """Reps-mode specs: the reps done against the target (per side), then form as for holds."""
    counted: dict[str, int] = summary["reps"]["counted"]
    target = summary["reps"]["target"]
    if list(counted) == ["both"]:
        text = f"{counted['both']} of {target} reps"
    else:
        text = "reps " + ", ".join(f"{side} {n} of {target}" for side, n in counted.items())
    return text + _form_text(summary)


def _form_text(summary: dict[str, Any]) -> str:
    """'; good form N% of the time in pose; main fault: ...' closing a verdict."""
    good_pct = 100.0 * (summary["time_in_good_form_s"] or 0.0) / summary["time_in_pose_s"]
    text = f"; good form {good_pct:.0f}% of the time in pose"
    totals = {rid: info["fail_s"] for rid, info in summary["rules"].items() if info["fail_s"]}
    fault = main_fault(summary, totals)
    if fault is not None:
        text += f"; main fault: '{fault[0]}' ({fault[1]:.1f} s)"
    return text + "."


def write_summary_json(path: str | os.PathLike[str], summary: dict[str, Any]) -> None:
    """Write the summary as JSON, replacing the file atomically (no half-written file)."""
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_text_atomic(path, text, "summary JSON")
