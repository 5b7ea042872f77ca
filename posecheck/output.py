"""What every streamed output file (per-frame CSV, pose recording) shares."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import TypeVar

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
