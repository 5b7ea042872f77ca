"""Keep MediaPipe's native INFO and WARNING lines off a `posecheck` command's stderr.

The C++ side of MediaPipe (absl logging, TFLite, LiteRT) writes straight to file descriptor 2,
with no switch the Python API exposes. The detector silences its start and stop (see
`detector._quiet_stderr`), but some lines come mid-run, on whichever frame first meets a
condition ("Using NORM_RECT without IMAGE_DIMENSIONS ..." once the tracked region is not
square). A user asked for a one-line error or a progress bar should not get those.

For the command-line process only (`cli.run`), fd 2 is routed through a pipe; a thread copies
everything to the real stderr as it comes, except whole lines in absl's or LiteRT's INFO and
WARNING formats. Errors (E...), fatal lines (F...) and anything else always pass.
POSECHECK_MEDIAPIPE_LOGS=1 shows them all.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import threading

# Set to 1 to see MediaPipe's native log lines (useful when it crashes without a message).
SHOW_NATIVE_LOGS_ENV_VAR = "POSECHECK_MEDIAPIPE_LOGS"

_STDERR_FD = 2
# How often the copying thread looks whether it should stop when nothing is written.
_POLL_S = 0.05
# absl / glog line prefix: severity, MMDD, time, thread id, file:line]. INFO and WARNING only.
# Before logging is initialised the time reads "00:00:<seconds since 1970>.<micros>".
NATIVE_LOG_LINE = re.compile(rb"^[IW]\d{4} [\d:.]+ +\d+ [^ \]]+:\d+\] ")
# Printed once by absl before its first line when nobody initialised logging.
_PREAMBLES = (
    b"WARNING: Logging before InitGoogle() is written to STDERR",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
)


# LiteRT's own logger: "INFO: [environment.cc:36] ...", "WARNING: [model_load.cc:402] ...".
LITERT_LOG_LINE = re.compile(rb"^(?:VERBOSE|INFO|WARNING): \[[\w./-]+:\d+\] ")
_LITERT_PREFIXES = (b"VERBOSE: [", b"INFO: [", b"WARNING: [")
# The first bytes of an absl line, before the rest of it has come.
_ABSL_START = re.compile(rb"^[IW](\d|$)")


def is_native_log_line(line: bytes) -> bool:
    """Whether one line (with or without its newline) is a native INFO/WARNING log line."""
    return (
        bool(NATIVE_LOG_LINE.match(line) or LITERT_LOG_LINE.match(line)) or line.rstrip(b"\r\n") in _PREAMBLES
    )


class NativeLogFilter:
    """fd 2 through a pipe and a copying thread that drops native INFO/WARNING lines.

    `install()` and `uninstall()` are for one process's lifetime (the console command);
    `uninstall()` hands fd 2 back and waits until everything written so far is copied.
    """

    def __init__(self) -> None:
        self._terminal_fd: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def install(self) -> bool:
        """Route fd 2 through the filter; False (and nothing changed) where that cannot be done."""
        if os.name != "posix" or os.environ.get(SHOW_NATIVE_LOGS_ENV_VAR, "") not in ("", "0"):
            return False
        try:
            terminal_fd = os.dup(_STDERR_FD)
        except OSError:  # no stderr at all: nothing to filter
            return False
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, _STDERR_FD)
        os.close(write_fd)
        self._terminal_fd = terminal_fd
        self._stop.clear()
        self._thread = threading.Thread(target=self._copy, args=(read_fd, terminal_fd), daemon=True)
        self._thread.name = "posecheck-stderr"
        self._thread.start()
        return True

    def uninstall(self) -> None:
        """Give fd 2 back to the real stderr and copy what is still in the pipe."""
        if self._terminal_fd is None or self._thread is None:
            return
        os.dup2(self._terminal_fd, _STDERR_FD)
        # Not "read until the pipe ends": a helper process that outlives the command (the
        # resource tracker of a worker pool) holds a write end, so the end may never come.
        # What was written before fd 2 was pointed back is in the pipe: the thread empties it.
        self._stop.set()
        self._thread.join(timeout=5.0)
        os.close(self._terminal_fd)
        self._terminal_fd = self._thread = None

    def _copy(self, read_fd: int, terminal_fd: int) -> None:
        pending = b""
        with contextlib.suppress(OSError):
            while True:
                readable, _, _ = select.select([read_fd], [], [], _POLL_S)
                if not readable:
                    if self._stop.is_set():
                        break
                    continue
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break
                pending += chunk
                # Whole lines are judged; a partial one (a progress bar's "\r...") goes on at
                # once unless it may still become a native log line (they are written whole).
                lines = pending.splitlines(keepends=True)
                pending = b""
                if lines and not lines[-1].endswith((b"\n", b"\r")) and _may_be_log_start(lines[-1]):
                    pending = lines.pop()
                out = b"".join(line for line in lines if not is_native_log_line(line))
                if out:
                    _write_all(terminal_fd, out)
            if pending and not is_native_log_line(pending):
                _write_all(terminal_fd, pending)
        os.close(read_fd)


def _may_be_log_start(text: bytes) -> bool:
    """Whether `text` (no newline yet) could be the beginning of a native log line: held back
    until its newline says. Nothing posecheck prints starts with I or W and a digit."""
    for start in (*_PREAMBLES, *_LITERT_PREFIXES):
        if start.startswith(text) or text.startswith(start):
            return True
    return bool(_ABSL_START.match(text))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
