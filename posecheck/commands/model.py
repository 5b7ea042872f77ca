"""`posecheck model`: where the pose model is, downloading it if needed."""

from __future__ import annotations

import argparse
from typing import Any

from posecheck.commands.common import ExitCode, model_options, resolve_model_arg


def register(commands: Any) -> None:
    model = commands.add_parser(
        "model",
        help="show where the pose model is, downloading it if needed",
        description="Resolve the pose model: --model PATH, then $POSECHECK_MODEL, then the user cache; "
        "if absent, download the official MediaPipe bundle into the cache.",
    )
    model_options(model)
    model.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    model.set_defaults(run=run_model)


def run_model(args: argparse.Namespace) -> int:
    print(resolve_model_arg(args, download=not args.no_download))
    return ExitCode.OK
