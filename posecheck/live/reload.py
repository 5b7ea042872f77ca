"""Hot reload: notice when watched files are saved, by polling their modification stamps."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> _Stamp:
    # Size and inode too: editors that save by renaming a new file may keep the old mtime.
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class FileWatcher:
    """Polls files at most every `poll_s`; `changed()` lists those saved since the last call.

    A file that disappears is not reported (an editor mid-save); it is when it comes back.
    """

    def __init__(
        self, paths: Iterable[Path], poll_s: float = 0.5, time_fn: Callable[[], float] = time.monotonic
    ) -> None:
        self.poll_s = poll_s
        self._time_fn = time_fn
        self._stamps: dict[Path, _Stamp] = {}
        self._next_poll_s = time_fn() + poll_s
        for path in paths:
            self.watch(path)

    def watch(self, path: Path) -> None:
        if path not in self._stamps:
            self._stamps[path] = _stamp(path)

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(self._stamps)

    def changed(self) -> list[Path]:
        now = self._time_fn()
        if now < self._next_poll_s:
            return []
        self._next_poll_s = now + self.poll_s
        changed = []
        for path, old in self._stamps.items():
            new = _stamp(path)
            if new is not None and new != old:
                changed.append(path)
            if new is not None:
                self._stamps[path] = new
        return changed
