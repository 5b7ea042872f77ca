"""The `posecheck` entry point: builds the parser from `posecheck.commands` and maps errors to exit codes.

The only place that turns a PosecheckError or Ctrl-C into one line on stderr and an exit code;
the commands themselves live in `posecheck/commands/`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from posecheck import __version__
from posecheck.commands import COMMANDS, command_module
from posecheck.commands.common import ExitCode
from posecheck.errors import PosecheckError


def run() -> NoReturn:
    """The `posecheck` console command: `main()`, then a quick exit.

    When `main` returns, every output is closed and every worker joined. Tearing down the
    interpreter's heap and the native libraries (MediaPipe, FFmpeg, OpenCV) after that costs
    about 0.2 s on every run and shows the user nothing, so the exit hooks run as in a
    normal exit (threads joined, atexit handlers, streams flushed) and the process ends there.
    `--help` and usage errors leave the normal way (argparse raises SystemExit). While the
    command runs, MediaPipe's native INFO/WARNING lines are kept off stderr
    (`pose/native_logs.py`).
    """
    from posecheck.pose.native_logs import NativeLogFilter

    native_logs = NativeLogFilter()
    native_logs.install()
    try:
        code = main()
    finally:
        sys.stderr.flush()
        native_logs.uninstall()
    _exit_after_hooks(code)


def _exit_after_hooks(code: int) -> NoReturn:
    join_threads = getattr(threading, "_shutdown", None)
    run_atexit = getattr(atexit, "_run_exitfuncs", None)
    if join_threads is None or run_atexit is None:  # not CPython: the normal, slower exit
        sys.exit(code)
    join_threads()
    run_atexit()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe has nobody left to tell
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`posecheck history | head`): stop quietly as shell tools do.
        # Point stdout at /dev/null so the interpreter's final flush does not complain too.
        devnull_fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull_fd, sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        # No command is a usage error (scripts must notice), with the help to fix it.
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(args.run(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (default: the process's arguments): with only that command's
    options when `argv` names a command, else with every command."""
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Camera coaching for hip and lower-back stretches: checks your form against a "
        "stretch spec and times your holds.",
        epilog="Run 'posecheck COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in _commands_for(sys.argv[1:] if argv is None else argv):
        command_module(name).register(subparsers)
    return parser


def _commands_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The commands whose modules parsing `argv` needs. The top level has no option that
    takes a value, so its first argument not starting with '-' is the command; anything else
    (no command, a mistyped one, `--help`) gets all commands, for the list and the error."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return (first,) if first in COMMANDS else COMMANDS
