"""One session as the history keeps it, made from the summary dict `SummaryBuilder` produces.

Nothing here looks at frames: the summary already holds per side the hold achieved and
its target, time in good form and each rule's failures, and per measurement the minimum,
median and maximum over the frames in the pose. "Best" is the end of that span the
measurement's rules push towards: the maximum when the rules only set a minimum (more hip
extension is better), the minimum when they only set a maximum, none for a two-sided range.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Final

KINDS: Final = ("video", "recording", "live")
ALL_SIDES: Final = "*"  # session_rules.side for the whole session


@dataclass(frozen=True)
class SideRecord:
    side: str  # "left" / "right" / "both"
    target_s: float
    best_held_s: float | None
    reached: bool
    time_in_pose_s: float
    time_in_good_form_s: float

    @property
    def held_fraction(self) -> float:
        """Hold achieved over its target, capped at 1."""
        return min(1.0, (self.best_held_s or 0.0) / self.target_s) if self.target_s > 0 else 0.0

    @property
    def good_form_fraction(self) -> float | None:
        return self.time_in_good_form_s / self.time_in_pose_s if self.time_in_pose_s > 0 else None


@dataclass(frozen=True)
class RuleRecord:
    rule_id: str
    side: str  # a side, or ALL_SIDES
    severity: str
    fail_s: float
    episodes: int


@dataclass(frozen=True)
class MeasureRecord:
    measure_id: str
    label: str
    unit: str
    median: float | None
    best: float | None
    better: str | None  # "higher" | "lower" | None
    allowed_min: float | None
    allowed_max: float | None


@dataclass(frozen=True)
class SessionRecord:
    started_at: str  # ISO 8601 with the run's local UTC offset
    started_utc_s: float
    kind: str
    source: str
    stretch_id: str
    stretch_name: str
    duration_s: float
    time_in_pose_s: float
    time_in_good_form_s: float
    complete: bool
    verdict: str
    summary: dict[str, Any]
    sides: tuple[SideRecord, ...]
    rules: tuple[RuleRecord, ...]
    measures: tuple[MeasureRecord, ...]
    reps: tuple[tuple[str, int, int, int], ...] = ()  # (side, target, counted, rejected)

    @property
    def started(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.started_at)

    def side(self, name: str) -> SideRecord | None:
        return next((s for s in self.sides if s.side == name), None)

    def measure(self, measure_id: str) -> MeasureRecord | None:
        return next((m for m in self.measures if m.measure_id == measure_id), None)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _better(rules: dict[str, Any], measure_id: str) -> tuple[str | None, float | None, float | None]:
    """Which way is better for a measurement, and its allowed range, from the rules that judge it."""
    lows = [_num(r.get("allowed_min")) for r in rules.values() if r.get("measure") == measure_id]
    highs = [_num(r.get("allowed_max")) for r in rules.values() if r.get("measure") == measure_id]
    low = max((v for v in lows if v is not None), default=None)
    high = min((v for v in highs if v is not None), default=None)
    if low is not None and high is None:
        return "higher", low, high
    if high is not None and low is None:
        return "lower", low, high
    return None, low, high


def session_from_summary(
    summary: dict[str, Any], *, kind: str, started_at: dt.datetime | None = None
) -> SessionRecord:
    """The history's record of one run; `started_at` is when the run began (default: now)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    when = started_at or dt.datetime.now()
    if when.tzinfo is None:  # a naive time is local time: keep its UTC offset with it
        when = when.astimezone()
    when = when.replace(microsecond=0)
    rules: dict[str, Any] = summary.get("rules", {})
    sides = tuple(
        SideRecord(
            side=side,
            target_s=float(info["target_s"]),
            best_held_s=_num(info.get("best_held_s")),
            reached=bool(info.get("reached")),
            time_in_pose_s=float(info.get("time_in_pose_s") or 0.0),
            time_in_good_form_s=float(info.get("time_in_good_form_s") or 0.0),
        )
        for side, info in summary.get("sides", {}).items()
    )
    rule_records = [
        RuleRecord(
            rid, ALL_SIDES, info["severity"], float(info.get("fail_s") or 0.0), int(info.get("episodes", 0))
        )
        for rid, info in rules.items()
    ]
    for side, info in summary.get("sides", {}).items():
        for rid, per_side in info.get("rules", {}).items():
            rule_records.append(
                RuleRecord(
                    rid,
                    side,
                    rules.get(rid, {}).get("severity", "advisory"),
                    float(per_side.get("fail_s") or 0.0),
                    int(per_side.get("episodes", 0)),
                )
            )
    measures = []
    for mid, info in summary.get("measures", {}).items():
        better, low, high = _better(rules, mid)
        best = (
            _num(info.get("max"))
            if better == "higher"
            else _num(info.get("min"))
            if better == "lower"
            else None
        )
        measures.append(
            MeasureRecord(
                mid,
                str(info.get("label") or mid),
                info["unit"],
                _num(info.get("median")),
                best,
                better,
                low,
                high,
            )
        )
    reps_info = summary.get("reps") or {}
    reps = tuple(
        (side, int(reps_info["target"]), int(count), int(reps_info.get("rejected", {}).get(side, 0)))
        for side, count in reps_info.get("counted", {}).items()
    )
    return SessionRecord(
        started_at=when.isoformat(timespec="seconds"),
        started_utc_s=when.timestamp(),
        kind=kind,
        source=str(summary["source"]),
        stretch_id=str(summary["stretch"]["id"]),
        stretch_name=str(summary["stretch"]["name"]),
        duration_s=float(summary.get("duration_s") or 0.0),
        time_in_pose_s=float(summary.get("time_in_pose_s") or 0.0),
        time_in_good_form_s=float(summary.get("time_in_good_form_s") or 0.0),
        complete=bool(summary.get("complete", True)),
        verdict=str(summary.get("verdict", "")),
        summary=summary,
        sides=sides,
        rules=tuple(rule_records),
        measures=tuple(measures),
        reps=reps,
    )
