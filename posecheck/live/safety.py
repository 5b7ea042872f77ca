"""The one-time safety note, shown on a user's first live session."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

# From STRETCHES.md, "Across all stretches".
SAFETY_NOTE = (
    "Before you start: stretching is not for everyone. Radiating leg pain, numbness or tingling, "
    "fever, recent trauma, or loss of bladder or bowel control call for a doctor first. "
    "Ease in, breathe, never bounce, and stop if it hurts. posecheck checks the shape of a "
    "stretch; it does not diagnose anything."
)

_FLAG_NAME = "safety-note-shown"


def config_dir() -> Path:
    """posecheck's per-user settings folder (platformdirs; honours $XDG_CONFIG_HOME on Linux)."""
    return Path(platformdirs.user_config_dir("posecheck"))


def first_start_note(folder: Path | None = None) -> str | None:
    """The safety note if this user has not seen it yet (and remember that they have), else None.

    A settings folder that cannot be written only means the note comes again next time.
    """
    flag = (folder or config_dir()) / _FLAG_NAME
    if flag.exists():
        return None
    try:
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text("The live safety note was shown.\n", encoding="utf-8")
    except OSError:
        pass
    return SAFETY_NOTE


def reset_note(folder: Path | None = None) -> None:
    """Forget that the note was shown (for tests and 'show it again')."""
    flag = (folder or config_dir()) / _FLAG_NAME
    if flag.exists():
        os.remove(flag)
