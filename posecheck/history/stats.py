"""What the history says over days: streaks, sessions per week, and per stretch the trends.

Days are calendar days in the local time each session was recorded in (a session at
23:30 counts for that evening wherever the database travels later); weeks start on Monday.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from posecheck.history.record import ALL_SIDES, SessionRecord
from posecheck.history.store import StoredSession


def session_day(record: SessionRecord) -> dt.date:
    return record.started.date()


@dataclass(frozen=True)
class Streak:
    current_days: int  # consecutive days with a session, ending today (or yesterday: still alive today)
    longest_days: int
    last_day: dt.date | None


def streak(sessions: Sequence[StoredSession], today: dt.date) -> Streak:
    days = sorted({session_day(s.record) for s in sessions if session_day(s.record) <= today})
    if not days:
        return Streak(0, 0, None)
    longest = run = 1
    for before, after in itertools.pairwise(days):
        run = run + 1 if (after - before).days == 1 else 1
        longest = max(longest, run)
    current = 0
    if (today - days[-1]).days <= 1:
        current = 1
        for before, after in zip(reversed(days[:-1]), reversed(days[1:]), strict=False):
            if (after - before).days != 1:
                break
            current += 1
    return Streak(current, longest, days[-1])


@dataclass(frozen=True)
class WeekCount:
    week_start: dt.date  # a Monday
    sessions: int
    active_days: int


@dataclass(frozen=True)
class Adherence:
    weeks: tuple[WeekCount, ...]  # oldest first, the current week last
    sessions_per_week: float  # mean over the weeks shown
    active_days_per_week: float


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def adherence(sessions: Sequence[StoredSession], today: dt.date, n_weeks: int = 8) -> Adherence:
    """Sessions and active days in each of the last `n_weeks` weeks (the current one included)."""
    this_week = week_start(today)
    starts = [this_week - dt.timedelta(weeks=k) for k in range(n_weeks - 1, -1, -1)]
    per_week: Counter[dt.date] = Counter()
    days_per_week: dict[dt.date, set[dt.date]] = {}
    for s in sessions:
        day = session_day(s.record)
        if day > today:
            continue
        monday = week_start(day)
        per_week[monday] += 1
        days_per_week.setdefault(monday, set()).add(day)
    weeks = tuple(WeekCount(w, per_week[w], len(days_per_week.get(w, ()))) for w in starts)
    total = sum(w.sessions for w in weeks)
    active = sum(w.active_days for w in weeks)
    return Adherence(weeks, total / n_weeks if n_weeks else 0.0, active / n_weeks if n_weeks else 0.0)


@dataclass(frozen=True)
class TrendPoint:
    session_id: int
    started_at: str
    value: float


@dataclass(frozen=True)
class Trend:
    """One quantity over a stretch's sessions, with its least-squares change per week."""

    key: str
    label: str
    unit: str  # "deg" | "ratio" | "s" | "share"
    points: tuple[TrendPoint, ...]
    better: str | None = None  # "higher" | "lower" | None
    allowed_min: float | None = None
    allowed_max: float | None = None

    @property
    def change(self) -> float | None:
        """Last value minus first (None with fewer than two points)."""
        return self.points[-1].value - self.points[0].value if len(self.points) >= 2 else None

    @property
    def per_week(self) -> float | None:
        """Slope of a straight line through the points, per 7 days.

        None before there are sessions on two different days: minutes apart say nothing
        about a week (and would be extrapolated wildly).
        """
        if len({p.started_at[:10] for p in self.points}) < 2:
            return None
        t0 = dt.datetime.fromisoformat(self.points[0].started_at)
        x = [(dt.datetime.fromisoformat(p.started_at) - t0).total_seconds() / 86400.0 for p in self.points]
        y = [p.value for p in self.points]
        mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
        sxx = sum((xi - mean_x) ** 2 for xi in x)
        if sxx <= 1e-12:
            return None
        sxy = sum((xi - mean_x) * (yi - mean_y) for xi, yi in zip(x, y, strict=True))
        return 7.0 * sxy / sxx

    @property
    def improving(self) -> bool | None:
        slope = self.per_week
        if slope is None or self.better is None or slope == 0:
            return None
        return (slope > 0) == (self.better == "higher")


@dataclass(frozen=True)
class StretchTrends:
    stretch_id: str
    stretch_name: str
    sessions: int
    measures: tuple[Trend, ...]  # median of each key measurement per session
    bests: tuple[Trend, ...]  # best of each (only measurements with a direction)
    holds: tuple[Trend, ...]  # per side: hold achieved / target
    asymmetry: tuple[Trend, ...]  # left minus right: hold achieved (s) and good form (share)


def _point(s: StoredSession, value: float | None) -> TrendPoint | None:
    if value is None or not math.isfinite(value):
        return None
    return TrendPoint(s.id, s.record.started_at, value)


def _trend(key: str, label: str, unit: str, points: list[TrendPoint | None], **extra: Any) -> Trend:
    return Trend(key, label, unit, tuple(p for p in points if p is not None), **extra)


def stretch_trends(sessions: Sequence[StoredSession]) -> list[StretchTrends]:
    """Per stretch (in order of first appearance): trends of every key measurement, hold and asymmetry."""
    by_stretch: dict[str, list[StoredSession]] = {}
    for s in sessions:
        by_stretch.setdefault(s.record.stretch_id, []).append(s)
    out = []
    for stretch_id, group in by_stretch.items():
        group = sorted(group, key=lambda s: (s.record.started_utc_s, s.id))
        latest = group[-1].record
        measure_ids = list(dict.fromkeys(m.measure_id for s in group for m in s.record.measures))
        measures, bests = [], []
        for mid in measure_ids:
            info = next(m for s in reversed(group) for m in s.record.measures if m.measure_id == mid)
            extra = {"better": info.better, "allowed_min": info.allowed_min, "allowed_max": info.allowed_max}
            measures.append(
                _trend(mid, info.label, info.unit, [_point(s, _median(s, mid)) for s in group], **extra)
            )
            if info.better is not None:
                bests.append(
                    _trend(
                        mid,
                        f"{info.label} (best)",
                        info.unit,
                        [_point(s, _best(s, mid)) for s in group],
                        **extra,
                    )
                )
        side_names = list(dict.fromkeys(side.side for s in group for side in s.record.sides))
        holds = [
            _trend(
                f"hold_{side}",
                f"hold achieved, {side}",
                "share",
                [_point(s, _held_fraction(s.record, side)) for s in group if not s.record.reps],
                better="higher",
                allowed_min=1.0,
            )
            for side in side_names
        ]
        asymmetry: list[Trend] = []
        if {"left", "right"} <= set(side_names):
            asymmetry = [
                _trend(
                    "hold_left_minus_right",
                    "hold, left minus right",
                    "s",
                    [_point(s, _held_difference(s.record)) for s in group],
                ),
                _trend(
                    "form_left_minus_right",
                    "good form, left minus right",
                    "share",
                    [_point(s, _form_difference(s.record)) for s in group],
                ),
            ]
        out.append(
            StretchTrends(
                stretch_id,
                latest.stretch_name,
                len(group),
                tuple(measures),
                tuple(bests),
                tuple(holds),
                tuple(asymmetry),
            )
        )
    return out


def _median(s: StoredSession, mid: str) -> float | None:
    m = s.record.measure(mid)
    return m.median if m else None


def _best(s: StoredSession, mid: str) -> float | None:
    m = s.record.measure(mid)
    return m.best if m else None


def _held_fraction(record: SessionRecord, side: str) -> float | None:
    """Hold achieved over its target; None for a side not attempted (no time in the pose, no hold)."""
    info = record.side(side)
    if info is None or not (info.time_in_pose_s or info.best_held_s):
        return None
    return info.held_fraction


def _held_difference(record: SessionRecord) -> float | None:
    left, right = record.side("left"), record.side("right")
    if left is None or right is None or not (left.time_in_pose_s and right.time_in_pose_s):
        return None  # one side not done: no asymmetry to speak of
    return (left.best_held_s or 0.0) - (right.best_held_s or 0.0)


def _form_difference(record: SessionRecord) -> float | None:
    left, right = record.side("left"), record.side("right")
    if left is None or right is None:
        return None
    lf, rf = left.good_form_fraction, right.good_form_fraction
    return lf - rf if lf is not None and rf is not None else None


# --------------------------------------------------------------------------- rows and JSON


def main_fault(record: SessionRecord) -> str | None:
    """The rule that failed longest in the session (its cue), or None."""
    whole = [r for r in record.rules if r.side == ALL_SIDES and r.fail_s > 0]
    if not whole:
        return None
    worst = max(whole, key=lambda r: r.fail_s)
    cue = record.summary.get("rules", {}).get(worst.rule_id, {}).get("cue")
    return str(cue or worst.rule_id)


def session_row(s: StoredSession) -> dict[str, Any]:
    """One session as plain values, for the table, JSON and CSV."""
    r = s.record
    good = r.time_in_good_form_s / r.time_in_pose_s if r.time_in_pose_s > 0 else None
    return {
        "id": s.id,
        "started_at": r.started_at,
        "kind": r.kind,
        "source": r.source,
        "stretch": r.stretch_id,
        "stretch_name": r.stretch_name,
        "duration_s": r.duration_s,
        "time_in_pose_s": r.time_in_pose_s,
        "good_form": None if good is None else round(good, 3),
        "sides": {
            side.side: {
                "best_held_s": side.best_held_s,
                "target_s": side.target_s,
                "time_in_pose_s": side.time_in_pose_s,
                "reached": side.reached,
                "good_form": None if side.good_form_fraction is None else round(side.good_form_fraction, 3),
            }
            for side in r.sides
        },
        "reps": {
            side: {"counted": counted, "target": target, "rejected": rejected}
            for side, target, counted, rejected in r.reps
        },
        "faults": {
            rule.rule_id: {"fail_s": rule.fail_s, "episodes": rule.episodes}
            for rule in r.rules
            if rule.side == ALL_SIDES and rule.fail_s > 0
        },
        "measures": {m.measure_id: {"median": m.median, "best": m.best, "unit": m.unit} for m in r.measures},
        "main_fault": main_fault(r),
        "complete": r.complete,
        "verdict": r.verdict,
    }


def _trend_json(trend: Trend) -> dict[str, Any]:
    per_week = trend.per_week
    change = trend.change
    return {
        "key": trend.key,
        "label": trend.label,
        "unit": trend.unit,
        "better": trend.better,
        "allowed_min": trend.allowed_min,
        "allowed_max": trend.allowed_max,
        "change": None if change is None else round(change, 4),
        "per_week": None if per_week is None else round(per_week, 4),
        "improving": trend.improving,
        "points": [
            {"session": p.session_id, "started_at": p.started_at, "value": p.value} for p in trend.points
        ],
    }


def history_json(sessions: Sequence[StoredSession], today: dt.date, n_weeks: int = 8) -> dict[str, Any]:
    """Everything `posecheck history --json` prints."""
    st = streak(sessions, today)
    ad = adherence(sessions, today, n_weeks)
    return {
        "format": "posecheck-history/1",
        "today": today.isoformat(),
        "sessions": [session_row(s) for s in sessions],
        "streak": {
            "current_days": st.current_days,
            "longest_days": st.longest_days,
            "last_day": st.last_day.isoformat() if st.last_day else None,
        },
        "adherence": {
            "sessions_per_week": round(ad.sessions_per_week, 3),
            "active_days_per_week": round(ad.active_days_per_week, 3),
            "weeks": [
                {"week_start": w.week_start.isoformat(), "sessions": w.sessions, "active_days": w.active_days}
                for w in ad.weeks
            ],
        },
        "stretches": [
            {
                "stretch": t.stretch_id,
                "name": t.stretch_name,
                "sessions": t.sessions,
                "measures": [_trend_json(x) for x in t.measures],
                "bests": [_trend_json(x) for x in t.bests],
                "holds": [_trend_json(x) for x in t.holds],
                "asymmetry": [_trend_json(x) for x in t.asymmetry],
            }
            for t in stretch_trends(sessions)
        ],
    }
