"""Streaks, weekly adherence and trends, with numbers worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from support.history import make_summary

from posecheck.history import HistoryStore, StoredSession, session_from_summary
from posecheck.history.export import CSV_COLUMNS, sessions_csv
from posecheck.history.stats import adherence, history_json, streak, stretch_trends

CET = dt.timezone(dt.timedelta(hours=1))
TODAY = dt.date(2026, 12, 3)  # a Thursday


def _at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CET)


def _store_sessions(
    tmp_path: Path, items: list[tuple[dt.datetime, dict[str, object]]]
) -> list[StoredSession]:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for when, kwargs in items:
            store.append(session_from_summary(make_summary(**kwargs), kind="video", started_at=when))  # type: ignore[arg-type]
        return store.sessions()


DAYS = [
    dt.date(2026, 11, 10),
    dt.date(2026, 11, 11),
    dt.date(2026, 11, 12),  # a 3-day run
    dt.date(2026, 11, 20),
    dt.date(2026, 11, 29),  # a Sunday: still the week of 23 Nov
    dt.date(2026, 11, 30),
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 2),
    dt.date(2026, 12, 2),  # twice on one day counts as one day
]


def test_streak_counts_days_up_to_yesterday_and_today(tmp_path: Path) -> None:
    sessions = _store_sessions(tmp_path, [(_at(d), {}) for d in DAYS])
    st = streak(sessions, TODAY)
    assert (st.current_days, st.longest_days, st.last_day) == (4, 4, dt.date(2026, 12, 2))
    # Nothing yesterday or today: the streak is broken.
    assert streak(sessions, dt.date(2026, 12, 4)).current_days == 0
    assert streak(sessions, dt.date(2026, 11, 12)).current_days == 3  # later sessions do not count yet
    assert streak([], TODAY).current_days == 0


def test_a_late_evening_session_counts_for_its_own_local_day(tmp_path: Path) -> None:
    sessions = _store_sessions(
        tmp_path, [(_at(dt.date(2026, 12, 1), 23, 30), {}), (_at(dt.date(2026, 12, 2), 0, 30), {})]
    )
    # 23:30 CET is 22:30 UTC on the same day; the two sessions are on two local days.
    assert streak(sessions, dt.date(2026, 12, 2)).current_days == 2


def test_weekly_adherence(tmp_path: Path) -> None:
    sessions = _store_sessions(tmp_path, [(_at(d), {}) for d in DAYS])
    ad = adherence(sessions, TODAY, n_weeks=4)
    assert [(w.week_start.isoformat(), w.sessions, w.active_days) for w in ad.weeks] == [
        ("2026-11-09", 3, 3),
        ("2026-11-16", 1, 1),
        ("2026-11-23", 1, 1),
        ("2026-11-30", 4, 3),
    ]
    assert ad.sessions_per_week == 9 / 4
    assert ad.active_days_per_week == 8 / 4
    two = adherence(sessions, TODAY, n_weeks=2)
    assert [w.sessions for w in two.weeks] == [1, 4] and two.sessions_per_week == 2.5


def test_trends_of_measurements_holds_and_asymmetry(tmp_path: Path) -> None:
    start = dt.date(2026, 11, 12)
    items = [
        (
            _at(start),
            {
                "measures": {"back_thigh": (4.0, 10.0, 15.0)},
                "held_s": {"left": 30.0, "right": 18.0},
                "good_s": {"left": 36.0, "right": 20.0},
            },
        ),
        (
            _at(start + dt.timedelta(days=7)),
            {"measures": {"back_thigh": (6.0, 13.0, 17.0)}, "held_s": {"left": 30.0, "right": 24.0}},
        ),
        (
            _at(start + dt.timedelta(days=14)),
            {"measures": {"back_thigh": (9.0, 19.0, 26.0)}, "held_s": {"left": 30.0, "right": 30.0}},
        ),
        (_at(start + dt.timedelta(days=3)), {"stretch_id": "cobra", "held_s": {"both": 12.0}}),
    ]
    (hip, cobra) = stretch_trends(_store_sessions(tmp_path, items))
    assert (hip.stretch_id, hip.sessions, cobra.stretch_id, cobra.sessions) == (
        "kneeling-hip-flexor",
        3,
        "cobra",
        1,
    )
    median = next(t for t in hip.measures if t.key == "back_thigh")
    assert [p.value for p in median.points] == [10.0, 13.0, 19.0]
    # Least squares through (0, 10), (7, 13), (14, 19) days: 63 / 98 per day = 4.5 a week.
    assert median.per_week == pytest.approx(4.5)
    assert median.change == 9.0 and median.improving is True and median.allowed_min == 0.0
    best = next(t for t in hip.bests if t.key == "back_thigh")
    assert [p.value for p in best.points] == [15.0, 17.0, 26.0]
    assert [t.key for t in hip.bests] == ["back_thigh"]  # torso lean has a two-sided range: no best
    right = next(t for t in hip.holds if t.key == "hold_right")
    assert [p.value for p in right.points] == pytest.approx([0.6, 0.8, 1.0])
    hold_diff = next(t for t in hip.asymmetry if t.key == "hold_left_minus_right")
    assert [p.value for p in hold_diff.points] == [12.0, 6.0, 0.0]
    assert hold_diff.per_week == pytest.approx(-6.0)
    form_diff = next(t for t in hip.asymmetry if t.key == "form_left_minus_right")
    assert form_diff.points[0].value == pytest.approx(36 / 40 - 20 / 40)
    assert cobra.asymmetry == () and cobra.measures[0].per_week is None  # one session: no slope


def test_no_weekly_rate_from_sessions_on_one_day(tmp_path: Path) -> None:
    day = dt.date(2026, 12, 1)
    items = [
        (_at(day, 8), {"measures": {"back_thigh": (4.0, 10.0, 15.0)}}),
        (_at(day, 8, 5), {"measures": {"back_thigh": (4.0, 12.0, 15.0)}}),
    ]
    (hip,) = stretch_trends(_store_sessions(tmp_path, items))
    median = next(t for t in hip.measures if t.key == "back_thigh")
    # Five minutes apart: +2 deg is a change, not a rate of thousands of degrees a week.
    assert median.change == 2.0 and median.per_week is None and median.improving is None


def test_json_and_csv(tmp_path: Path) -> None:
    reps = {"target": 10, "counted": {"left": 8, "right": 10}, "rejected": {"left": 1}}
    sessions = _store_sessions(
        tmp_path,
        [(_at(d), {}) for d in DAYS[-3:]] + [(_at(TODAY), {"stretch_id": "cat-cow", "reps": reps})],
    )
    data = history_json(sessions, TODAY, n_weeks=2)
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["streak"] == {"current_days": 3, "longest_days": 3, "last_day": "2026-12-03"}
    assert [w["sessions"] for w in data["adherence"]["weeks"]] == [0, 4]
    row = data["sessions"][0]
    assert row["sides"]["left"] == {
        "best_held_s": 30.0,
        "target_s": 30.0,
        "time_in_pose_s": 40.0,
        "reached": True,
        "good_form": 0.75,
    }
    assert row["main_fault"] == "cue for back-hip-extended"
    assert data["sessions"][-1]["reps"]["left"] == {"counted": 8, "target": 10, "rejected": 1}
    rows = list(csv.DictReader(io.StringIO(sessions_csv(sessions))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 8  # two sides for each of four sessions
    first = rows[0]
    assert (
        first["session_id"],
        first["side"],
        first["best_held_s"],
        first["reached"],
        first["good_form"],
    ) == ("1", "left", "30", "1", "0.75")
    assert first["faults"] == "back-hip-extended=1"
    assert first["measures"] == "back_thigh=12/20;torso_lean=4"
    assert rows[-1]["reps_counted"] == "10" and rows[-1]["reps_target"] == "10"
