"""The command line, one module per subcommand; each has `register(subparsers)`.

`common` holds what they share: the exit codes, the pose-model options, the progress bar
and the end-of-run triage. `posecheck.cli.main` builds the parser from `COMMANDS`.
"""

from posecheck.commands import analyze, eval, history, live, model, record, specs, tune

COMMANDS = (analyze, specs, model, record, live, tune, history, eval)

__all__ = ["COMMANDS"]
