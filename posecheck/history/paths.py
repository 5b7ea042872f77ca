"""Where the history lives: --history PATH, else $POSECHECK_HISTORY, else the user data folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import platformdirs

ENV_VAR: Final = "POSECHECK_HISTORY"
FILE_NAME: Final = "history.sqlite3"


def default_history_path() -> Path:
    """The per-user data folder's history.sqlite3 (e.g. ~/.local/share/posecheck/ on Linux)."""
    return Path(platformdirs.user_data_dir("posecheck", appauthor=False)) / FILE_NAME


def history_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database to use: the explicit path, then $POSECHECK_HISTORY, then the default."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return default_history_path()
