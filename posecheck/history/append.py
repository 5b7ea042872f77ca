"""Adding a finished run to the history: the one call `analyze` and `live` make."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from posecheck.history.paths import history_path
from posecheck.history.record import session_from_summary
from posecheck.history.store import HistoryStore


def append_session(
    summary: dict[str, Any],
    *,
    kind: str,
    started_at: dt.datetime | None = None,
    path: str | os.PathLike[str] | None = None,
) -> tuple[Path, int]:
    """Record one session (from its summary dict); returns the database and the session id.

    Raises `HistoryError` (one line) when the database cannot be used; the run's own
    outputs are already written by then.
    """
    target = history_path(path)
    record = session_from_summary(summary, kind=kind, started_at=started_at)
    with HistoryStore.open(target) as store:
        return target, store.append(record)


def worth_keeping(summary: dict[str, Any]) -> bool:
    """A run in which nobody was ever in the pose is not a session (a camera left running)."""
    return bool(summary.get("frames_analysed")) and bool(summary.get("time_in_pose_s"))
