"""Progress over days: every coached or analysed session kept in a local SQLite history.

summary dict (SummaryBuilder) -> session_from_summary -> HistoryStore.append
HistoryStore.sessions(filter) -> streak / adherence / stretch_trends -> table, JSON, CSV, progress.html
"""

from posecheck.errors import HistoryError
from posecheck.history.paths import ENV_VAR, default_history_path, history_path
from posecheck.history.record import SessionRecord, session_from_summary
from posecheck.history.store import SCHEMA_VERSION, HistoryStore, SessionFilter, StoredSession

__all__ = [
    "ENV_VAR",
    "SCHEMA_VERSION",
    "HistoryError",
    "HistoryStore",
    "SessionFilter",
    "SessionRecord",
    "StoredSession",
    "default_history_path",
    "history_path",
    "session_from_summary",
]
