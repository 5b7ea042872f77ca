"""The session history: one SQLite database per user, safe for two processes at once.

    HistoryStore.open(path) -> migrate (PRAGMA user_version) -> append(record) / sessions(...) / forget(ids)

The database runs in WAL mode (a reader never blocks the writer) with a busy timeout, and
every write is one `BEGIN IMMEDIATE` transaction, so two analyses finishing at the same
moment both get their session in. A file that is not a readable posecheck history is
never replaced or repaired: it gives one `HistoryError` line and the file stays as it is.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from posecheck.errors import HistoryError
from posecheck.history.record import MeasureRecord, RuleRecord, SessionRecord, SideRecord

# "PCHK": marks the file as a posecheck history (PRAGMA application_id).
APPLICATION_ID: Final = 0x5043484B
BUSY_TIMEOUT_MS: Final = 15_000

_SCHEMA_V1: Final = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,          -- ISO 8601 with the local UTC offset of the run
    started_utc_s REAL NOT NULL,       -- the same moment as seconds since 1970 (UTC), for ordering
    kind TEXT NOT NULL,                -- video | recording | live
    source TEXT NOT NULL,
    stretch_id TEXT NOT NULL,
    stretch_name TEXT NOT NULL,
    duration_s REAL NOT NULL,
    time_in_pose_s REAL NOT NULL,
    time_in_good_form_s REAL NOT NULL,
    complete INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    summary_json TEXT NOT NULL         -- the whole summary the session was made from
);
CREATE TABLE session_sides (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    target_s REAL NOT NULL,
    best_held_s REAL,
    reached INTEGER NOT NULL,
    time_in_pose_s REAL NOT NULL,
    time_in_good_form_s REAL NOT NULL,
    PRIMARY KEY (session_id, side)
);
CREATE TABLE session_rules (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    side TEXT NOT NULL,                -- a side of the spec, or '*' for the whole session
    severity TEXT NOT NULL,
    fail_s REAL NOT NULL,
    episodes INTEGER NOT NULL,
    PRIMARY KEY (session_id, rule_id, side)
);
CREATE TABLE session_measures (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    median REAL,
    best REAL,
    better TEXT,                       -- higher | lower | NULL (a two-sided range: no "best")
    allowed_min REAL,
    allowed_max REAL,
    PRIMARY KEY (session_id, measure_id)
);
"""

_SCHEMA_V2: Final = """
CREATE TABLE session_reps (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    target INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    PRIMARY KEY (session_id, side)
);
CREATE INDEX sessions_by_stretch ON sessions (stretch_id, started_utc_s);
CREATE INDEX sessions_by_time ON sessions (started_utc_s);
"""

# MIGRATIONS[i] takes the schema from version i to i + 1; never edit one that has shipped.
MIGRATIONS: Final[tuple[str, ...]] = (_SCHEMA_V1, _SCHEMA_V2)
SCHEMA_VERSION: Final = len(MIGRATIONS)


@dataclass(frozen=True)
class SessionFilter:
    """Which sessions a query or `forget` means: all by default."""

    stretch_id: str | None = None
    since_utc_s: float | None = None  # at or after this moment
    until_utc_s: float | None = None  # before this moment
    ids: tuple[int, ...] | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.stretch_id is not None:
            clauses.append("stretch_id = ?")
            params.append(self.stretch_id)
        if self.since_utc_s is not None:
            clauses.append("started_utc_s >= ?")
            params.append(self.since_utc_s)
        if self.until_utc_s is not None:
            clauses.append("started_utc_s < ?")
            params.append(self.until_utc_s)
        if self.ids is not None:
            clauses.append(f"id IN ({','.join('?' * len(self.ids))})" if self.ids else "0")
            params.extend(self.ids)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@dataclass(frozen=True)
class StoredSession:
    """A session as read back, with the id the database gave it."""

    id: int
    record: SessionRecord


def _damaged(path: Path, exc: BaseException) -> HistoryError:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return HistoryError(
        f"The history database {path} cannot be read ({reason}): it is left as it is; "
        "move it aside to start a new history, or choose another with --history PATH."
    )


class HistoryStore:
    """An open history database; use as a context manager, or call `close()`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # -- opening ------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | Path, *, create: bool = True, target_version: int = SCHEMA_VERSION
    ) -> HistoryStore:
        """Open (creating it and its folder with `create`) and bring the schema up to date.

        `target_version` below the latest is for tests of the migrations.
        """
        path = Path(path).expanduser()
        if not create and not path.exists():
            raise HistoryError(
                f"There is no history database at {path} yet: analyse or coach a stretch first."
            )
        if path.exists() and path.is_dir():
            raise HistoryError(
                f"The history path {path} is a folder: give a file name, e.g. {path / 'history.sqlite3'}."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"Cannot open the history database {path}: {exc}.") from exc
        store = cls(path, connection)
        try:
            store._prepare(target_version)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise HistoryError(
                    f"The history database {path} stayed locked by another posecheck for "
                    f"{BUSY_TIMEOUT_MS / 1000:g} s: try again when it has finished."
                ) from exc
            raise _damaged(path, exc) from exc
        except HistoryError:
            connection.close()
            raise
        return store

    def _prepare(self, target_version: int) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reading the header first: a file that is not SQLite fails here, before anything is written.
        # One read transaction, so the three reads see one snapshot: another process creating the
        # history between them must not look like "tables but no posecheck id".
        db.execute("BEGIN")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.execute("COMMIT")
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            raise HistoryError(
                f"{self.path} is an SQLite database but not a posecheck history: it is left as it is; "
                "choose another file with --history PATH."
            )
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"The history database {self.path} was written by a newer posecheck (schema {version}, "
                f"this one knows up to {SCHEMA_VERSION}): update posecheck to use it."
            )
        check = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise _damaged(self.path, sqlite3.DatabaseError(f"integrity check: {check}"))
        _switch_to_wal(db)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
        self._migrate(target_version)

    def _migrate(self, target_version: int) -> None:
        with self._write() as db:
            # Read again inside the write lock: another process may have migrated meanwhile.
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for step in range(version, target_version):
                for statement in _statements(MIGRATIONS[step]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {step + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock at once (no upgrade deadlock)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _guard(self, what: str) -> _Guard:
        return _Guard(self.path, what)

    # -- writing ------------------------------------------------------------------

    def append(self, record: SessionRecord) -> int:
        """Add one session; returns its id."""
        with self._guard("write to"), self._write() as db:
            cursor = db.execute(
                "INSERT INTO sessions (started_at, started_utc_s, kind, source, stretch_id, stretch_name,"
                " duration_s, time_in_pose_s, time_in_good_form_s, complete, verdict, summary_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.started_at,
                    record.started_utc_s,
                    record.kind,
                    record.source,
                    record.stretch_id,
                    record.stretch_name,
                    record.duration_s,
                    record.time_in_pose_s,
                    record.time_in_good_form_s,
                    int(record.complete),
                    record.verdict,
                    json.dumps(record.summary, ensure_ascii=False, allow_nan=False),
                ),
            )
            session_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO session_sides VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        session_id,
                        s.side,
                        s.target_s,
                        s.best_held_s,
                        int(s.reached),
                        s.time_in_pose_s,
                        s.time_in_good_form_s,
                    )
                    for s in record.sides
                ],
            )
            db.executemany(
                "INSERT INTO session_rules VALUES (?, ?, ?, ?, ?, ?)",
                [(session_id, r.rule_id, r.side, r.severity, r.fail_s, r.episodes) for r in record.rules],
            )
            db.executemany(
                "INSERT INTO session_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        session_id,
                        m.measure_id,
                        m.label,
                        m.unit,
                        m.median,
                        m.best,
                        m.better,
                        m.allowed_min,
                        m.allowed_max,
                    )
                    for m in record.measures
                ],
            )
            db.executemany(
                "INSERT INTO session_reps VALUES (?, ?, ?, ?, ?)",
                [
                    (session_id, side, target, counted, rejected)
                    for side, target, counted, rejected in record.reps
                ],
            )
        return session_id

    def forget(self, where: SessionFilter) -> list[int]:
        """Delete the sessions `where` selects (with their details); returns their ids."""
        clause, params = where.where()
        with self._guard("delete from"), self._write() as db:
            ids = [int(row[0]) for row in db.execute(f"SELECT id FROM sessions{clause} ORDER BY id", params)]
            db.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in ids])
        return ids

    # -- reading ------------------------------------------------------------------

    def count(self, where: SessionFilter = SessionFilter()) -> int:
        clause, params = where.where()
        with self._guard("read"):
            return int(self._db.execute(f"SELECT COUNT(*) FROM sessions{clause}", params).fetchone()[0])

    def sessions(
        self, where: SessionFilter = SessionFilter(), *, limit: int | None = None
    ) -> list[StoredSession]:
        """Sessions oldest first (with `limit`: the most recent `limit` of them)."""
        clause, params = where.where()
        order = " ORDER BY started_utc_s DESC, id DESC" + (
            f" LIMIT {int(limit)}" if limit is not None else ""
        )
        with self._guard("read"):
            rows = self._db.execute(
                "SELECT id, started_at, started_utc_s, kind, source, stretch_id, stretch_name, duration_s,"
                " time_in_pose_s, time_in_good_form_s, complete, verdict, summary_json"
                f" FROM sessions{clause}{order}",
                params,
            ).fetchall()
            rows.reverse()
            ids = [int(row[0]) for row in rows]
            sides = self._details(
                ids,
                "SELECT session_id, side, target_s, best_held_s, reached, time_in_pose_s,"
                " time_in_good_form_s FROM session_sides ORDER BY session_id, rowid",
            )
            rules = self._details(
                ids,
                "SELECT session_id, rule_id, side, severity, fail_s, episodes"
                " FROM session_rules ORDER BY session_id, rowid",
            )
            measures = self._details(
                ids,
                "SELECT session_id, measure_id, label, unit, median, best, better,"
                " allowed_min, allowed_max FROM session_measures ORDER BY session_id, rowid",
            )
            reps = self._details(
                ids,
                "SELECT session_id, side, target, counted, rejected"
                " FROM session_reps ORDER BY session_id, rowid",
            )
        out = []
        for row in rows:
            sid = int(row[0])
            out.append(
                StoredSession(
                    sid,
                    SessionRecord(
                        started_at=row[1],
                        started_utc_s=float(row[2]),
                        kind=row[3],
                        source=row[4],
                        stretch_id=row[5],
                        stretch_name=row[6],
                        duration_s=float(row[7]),
                        time_in_pose_s=float(row[8]),
                        time_in_good_form_s=float(row[9]),
                        complete=bool(row[10]),
                        verdict=row[11],
                        summary=json.loads(row[12]),
                        sides=tuple(
                            SideRecord(r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in sides.get(sid, [])
                        ),
                        rules=tuple(
                            RuleRecord(r[1], r[2], r[3], r[4], int(r[5])) for r in rules.get(sid, [])
                        ),
                        measures=tuple(
                            MeasureRecord(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
                            for r in measures.get(sid, [])
                        ),
                        reps=tuple((r[1], int(r[2]), int(r[3]), int(r[4])) for r in reps.get(sid, [])),
                    ),
                )
            )
        return out

    def _details(self, ids: Sequence[int], query: str) -> dict[int, list[tuple[Any, ...]]]:
        wanted = set(ids)
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        if not wanted:
            return grouped
        # One range scan of the (session_id, ...) primary key, not one query per session.
        ranged = query.replace(" ORDER BY", " WHERE session_id BETWEEN ? AND ? ORDER BY", 1)
        for row in self._db.execute(ranged, (min(wanted), max(wanted))):
            if row[0] in wanted:
                grouped.setdefault(int(row[0]), []).append(tuple(row))
        return grouped


class _Guard:
    """Turns SQLite errors in a block into one-line `HistoryError`s."""

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> Literal[False]:
        if exc is None or not isinstance(exc, sqlite3.Error):
            return False
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise HistoryError(
                f"Cannot {self.what} the history database {self.path}: another posecheck kept it locked "
                f"for {BUSY_TIMEOUT_MS / 1000:g} s; try again."
            ) from exc
        raise _damaged(self.path, exc) from exc


def _statements(script: str) -> list[str]:
    """A migration script split into statements (no semicolons inside the scripts' strings)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _switch_to_wal(db: sqlite3.Connection) -> None:
    """Put the database in WAL mode, waiting for other processes as a write would.

    SQLite answers "locked" at once, without its busy handler, when another connection holds
    the file while the journal mode changes: two analyses creating a new history race here.
    """
    deadline_s = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline_s:
                raise
            time.sleep(0.02)
