"""The history database: schema and migrations, two writers at once, damaged files, forget."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.history import make_summary

from posecheck.history import (
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
    SessionFilter,
    history_path,
    session_from_summary,
)
from posecheck.history.record import ALL_SIDES
from posecheck.history.store import APPLICATION_ID

WHEN = dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _record(day: int = 0, **kwargs: object) -> object:
    return session_from_summary(
        make_summary(**kwargs), kind="video", started_at=WHEN + dt.timedelta(days=day)
    )  # type: ignore[arg-type]


def test_a_session_round_trips_with_every_detail(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.sqlite3"
    with HistoryStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        record = _record()
        session_id = store.append(record)  # type: ignore[arg-type]
        (back,) = store.sessions()
    assert back.id == session_id == 1
    assert back.record == record
    r = back.record
    assert r.started_at == "2026-11-30T08:15:00+01:00"
    assert r.started_utc_s == WHEN.timestamp()
    left = r.side("left")
    assert left is not None and left.reached and left.held_fraction == 1.0 and left.good_form_fraction == 0.75
    right = r.side("right")
    assert right is not None and not right.reached and right.held_fraction == pytest.approx(20 / 30)
    # Best is the end the rules push towards: back thigh only has a minimum, so higher is better.
    back_thigh = r.measure("back_thigh")
    assert back_thigh is not None and (back_thigh.median, back_thigh.best, back_thigh.better) == (
        12.0,
        20.0,
        "higher",
    )
    torso = r.measure("torso_lean")
    assert torso is not None and torso.best is None and torso.better is None  # two-sided range
    whole = {x.rule_id: x.fail_s for x in r.rules if x.side == ALL_SIDES}
    assert whole == {"back-hip-extended": 2.0, "torso-upright": 0.0}
    per_side = {(x.rule_id, x.side): x.fail_s for x in r.rules if x.side != ALL_SIDES}
    assert per_side[("back-hip-extended", "left")] == 1.0


def test_reps_are_kept(tmp_path: Path) -> None:
    reps = {"target": 10, "counted": {"left": 7, "right": 9}, "rejected": {"left": 2}}
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.append(_record(reps=reps))  # type: ignore[arg-type]
        (back,) = store.sessions()
    assert back.record.reps == (("left", 10, 7, 2), ("right", 10, 9, 0))


def test_wal_and_marks(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_migration_from_version_1_keeps_sessions(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path, target_version=1) as old:
        assert old.schema_version == 1
    # A version-1 database as an older posecheck left it (no reps table yet).
    raw = sqlite3.connect(path)
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "session_reps" not in tables and "sessions" in tables
    raw.execute(
        "INSERT INTO sessions VALUES (7, '2026-11-01T09:00:00+00:00', 1793523600.0, 'live', 'camera 0',"
        " 'cobra', 'Cobra', 60, 40, 35, 1, 'Target hold reached.', '{}')"
    )
    raw.execute("INSERT INTO session_sides VALUES (7, 'both', 30, 31.5, 1, 40, 35)")
    raw.commit()
    raw.close()
    with HistoryStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        (old_session,) = store.sessions()
        assert (
            old_session.id == 7 and old_session.record.stretch_id == "cobra" and old_session.record.reps == ()
        )
        both = old_session.record.side("both")
        assert both is not None and both.best_held_s == 31.5
        new_id = store.append(_record(reps={"target": 5, "counted": {"both": 5}, "rejected": {}}))  # type: ignore[arg-type]
        assert new_id == 8
        assert [s.record.reps for s in store.sessions()] == [(), (("both", 5, 5, 0),)]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(HistoryError, match="newer posecheck"):
        HistoryStore.open(path)


def _assert_one_line_and_untouched(
    path: Path, before: bytes, error: pytest.ExceptionInfo[HistoryError]
) -> None:
    message = str(error.value)
    assert "\n" not in message and str(path) in message
    assert error.value.exit_code == 8
    assert path.read_bytes() == before  # never replaced or repaired
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_a_file_that_is_not_a_database_gives_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is a shopping list, not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="cannot be read") as error:
        HistoryStore.open(path)
    _assert_one_line_and_untouched(path, before, error)


def test_a_damaged_page_is_found_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for day in range(40):
            store.append(_record(day))  # type: ignore[arg-type]
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page + 8 : 3 * page] = b"\xa5" * (page - 8)  # scribble over the third page
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="cannot be read") as error, HistoryStore.open(path) as store:
        store.sessions()
    _assert_one_line_and_untouched(path, before, error)


def test_another_sqlite_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE notes (text TEXT)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="not a posecheck history") as error:
        HistoryStore.open(path)
    assert str(error.value).count("\n") == 0
    assert path.read_bytes() == before


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is a folder"):
        HistoryStore.open(tmp_path)
    with pytest.raises(HistoryError, match="no history database"):
        HistoryStore.open(tmp_path / "none.sqlite3", create=False)
    assert not (tmp_path / "none.sqlite3").exists()


def test_filters_and_forget(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for day in range(6):
            store.append(_record(day, stretch_id="cobra" if day % 2 else "kneeling-hip-flexor"))  # type: ignore[arg-type]
        assert store.count() == 6
        assert store.count(SessionFilter(stretch_id="cobra")) == 3
        since = (WHEN + dt.timedelta(days=3)).timestamp()
        assert [s.id for s in store.sessions(SessionFilter(since_utc_s=since))] == [4, 5, 6]
        assert [s.id for s in store.sessions(limit=2)] == [5, 6]
        assert store.forget(SessionFilter(ids=(2, 5, 99))) == [2, 5]
        assert store.forget(SessionFilter(stretch_id="cobra")) == [4, 6]
        assert [s.id for s in store.sessions()] == [1, 3]
        raw_rows = store._db.execute("SELECT COUNT(*) FROM session_sides").fetchone()[0]
        assert raw_rows == 4  # the deleted sessions' details went with them
        assert store.forget(SessionFilter(ids=())) == []


def test_history_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSECHECK_HISTORY", str(tmp_path / "env.sqlite3"))
    assert history_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"
    assert history_path() == tmp_path / "env.sqlite3"
    monkeypatch.delenv("POSECHECK_HISTORY")
    assert history_path().name == "history.sqlite3" and "posecheck" in str(history_path())


_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    sys.path.insert(0, {factory_dir!r})
    from support.history import make_summary
    from posecheck.history import HistoryStore, session_from_summary
    path, name, n, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(n):
        record = session_from_summary(make_summary(source=f"{{name}}-{{i}}.mp4"), kind="video")
        with HistoryStore.open(path) as store:  # open per session, as each analysis does
            store.append(record)
    """
)


def test_two_processes_appending_at_once_keep_every_session(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "history.sqlite3"  # not there yet: both race to create and migrate it
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(factory_dir=str(Path(__file__).parents[1])))
    per_process = 25
    start_at = time.time() + 1.5  # after both interpreters have imported everything
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), name, str(per_process), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with HistoryStore.open(path) as store:
        sources = sorted(s.record.source for s in store.sessions())
        assert store.schema_version == SCHEMA_VERSION
    assert sources == sorted(f"{n}-{i}.mp4" for n in ("a", "b") for i in range(per_process))


_OPENER = textwrap.dedent(
    """
    import sys, time
    from posecheck.history import HistoryStore
    path, start_at = sys.argv[1], float(sys.argv[2])
    while time.time() < start_at:
        pass
    with HistoryStore.open(path):
        pass
    """
)


def test_three_processes_creating_one_new_history_all_open_it(tmp_path: Path) -> None:
    """Creating a history switches it to WAL, which SQLite refuses at once while another holds it."""
    failures = []
    for round_ in range(6):
        path = tmp_path / f"round-{round_}" / "history.sqlite3"
        start_at = time.time() + 1.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPENER, str(path), str(start_at)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                failures.append(err.strip().splitlines()[-1])
    assert failures == []
