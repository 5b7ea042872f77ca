"""What every streamed output file (per-frame CSV, pose recording) shares, and the output
folder itself: created up front, and locked for one run at a time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import IO, TypeVar

from posecheck.errors import OutputError

_WriterT = TypeVar("_WriterT", bound="StreamedOutput")


class StreamedOutput:
    """A context manager around `close()`: on an error (or Ctrl-C) what was written is kept
    and closed, and a failure to close never hides the error that interrupted the run."""

    def close(self) -> None:
        raise NotImplementedError

    def _close_quietly(self) -> None:
        with contextlib.suppress(OutputError):
            self.close()

    def __enter__(self: _WriterT) -> _WriterT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._close_quietly()


# --------------------------------------------------------------------------- output folders

LOCK_NAME = ".posecheck.lock"


def prepare_out_dir(out_dir: Path, option: str = "--out") -> Path:
    """Create the output folder (and its parents); an OutputError when that is impossible.

    Checked before the pose model loads, so a typo'd or read-only --out costs nothing.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(
            f"{option} {out_dir} is a file, not a folder: choose a folder for the results"
        ) from None
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {out_dir}: {exc.strerror or exc}; choose another {option}"
        ) from None
    if not out_dir.is_dir():
        raise OutputError(f"{option} {out_dir} is not a folder: choose a folder for the results")
    return out_dir


class OutputLock:
    """An exclusive lock on an output folder for one run: a second run into the same folder
    gets a clear OutputError instead of interleaving its files with the first one's.

    The lock is an OS file lock on OUT/.posecheck.lock, so it goes away with the process
    that held it (a killed run never leaves the folder locked). Where the OS has no
    `fcntl` (Windows) the folder is not locked.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_NAME
        self._handle: IO[str] | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        try:
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise OutputError(
                f"cannot write into the output folder {out_dir}: {exc.strerror or exc}; choose another --out"
            ) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise OutputError(
                f"another posecheck run (process {holder}) is writing into {out_dir}: wait for it to "
                "finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Remove the lock file and drop the lock (a folder of results holds only results).

        Unlinking before closing is safe with non-blocking locks: a run that opened the old
        file meanwhile has already been told the folder is busy.
        """
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            handle.close()  # closing drops the lock

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
