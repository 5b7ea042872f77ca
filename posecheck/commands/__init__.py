"""The command line, one module per subcommand; each has `register(subparsers)`.

`common` holds what they share: the exit codes, the pose-model options, the progress bar
and the end-of-run triage. `posecheck.cli.main` builds the parser from `COMMANDS`, importing
only the module of the command being run (all of them for the list in `posecheck --help`),
so a run does not pay for importing the commands it does not run.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Final

# In the order `posecheck --help` lists them.
COMMANDS: Final = ("analyze", "specs", "model", "record", "live", "tune", "history", "eval")


def command_module(name: str) -> ModuleType:
    """The module of command `name` (one of `COMMANDS`), imported on first use."""
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name!r}")
    return importlib.import_module(f"posecheck.commands.{name}")


__all__ = ["COMMANDS", "command_module"]
