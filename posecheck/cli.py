"""The `posecheck` entry point: builds the parser from `posecheck.commands` and maps errors to exit codes.

The only place that turns a PosecheckError or Ctrl-C into one line on stderr and an exit code;
the commands themselves live in `posecheck/commands/`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from posecheck import __version__
from posecheck.commands import COMMANDS
from posecheck.commands.common import ExitCode
from posecheck.errors import PosecheckError


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
    parser = build_parser()
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Camera coaching for hip and lower-back stretches: checks your form against a "
        "stretch spec and times your holds.",
        epilog="Run 'posecheck COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser
