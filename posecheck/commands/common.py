"""What every command shares: the exit codes, the pose-model options, the progress bar and
the end-of-run triage (how a run ended, said on stderr, as an exit code)."""

from __future__ import annotations

import argparse
import contextlib
import enum
import gc
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from posecheck.errors import HistoryError, ModelError, OutputError, PosecheckError, SourceError, SpecError


class ExitCode(enum.IntEnum):
    """Every exit code of `posecheck`; an error's code is the one its class carries.

    The README's exit-code table lists them; 2 is argparse's own code for a usage error.
    """

    OK = 0
    FAILED = PosecheckError.exit_code
    USAGE = 2  # no command, an unknown one, or a missing or invalid option (argparse)
    INVALID_SPEC = SpecError.exit_code  # also: $POSECHECK_SPECS_DIR is not a folder
    BAD_INPUT = SourceError.exit_code  # unreadable or truncated input (what could be read is kept)
    NO_MODEL = ModelError.exit_code
    CANNOT_WRITE = OutputError.exit_code  # --out not a folder, read-only, full, or in use by another run
    NO_PERSON = 7
    HISTORY_UNUSABLE = HistoryError.exit_code  # the history database is damaged, newer or locked
    INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2
    BROKEN_PIPE = 141  # the output's reader closed it (`| head`): 128 + SIGPIPE, as shell tools
    TERMINATED = 143  # SIGTERM: 128 + 15; outputs closed and marked partial as for Ctrl-C


def warn(text: str) -> None:
    """One line on stderr, in the form every posecheck message takes."""
    print(f"posecheck: {text}", file=sys.stderr)


@contextlib.contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """Keep the objects made before a run (modules, the spec, the pose model) out of the
    garbage collector's full passes while it runs. They live as long as the process; each full
    pass walked them all again, 20-70 ms a time, and one tended to land in the end-of-run plot."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # a caller that runs several commands in one process gets them back


def end_of_run(
    *,
    interrupted: bool = False,
    damage: str | None = None,
    person_found: bool = True,
    source: str | None = None,
    kept_partial: str = "",
    kept_damaged: str = "",
    stopped_by: str | None = None,
    note: str | None = None,
) -> ExitCode:
    """How a run ended: interrupted, damaged input, nobody seen, or fine.

    `damage` says what was wrong with the input; `kept_partial` / `kept_damaged` say what
    the written outputs hold in those cases. `stopped_by` names the signal that interrupted
    the run (SIGTERM has its own code). `note` is something the user should know about a
    run that is otherwise fine (skipped frames, a restarting clock): a warning line.
    """
    if interrupted:
        if stopped_by == "SIGTERM":
            warn(f"stopped by SIGTERM: {kept_partial}")
            return ExitCode.TERMINATED
        warn(f"interrupted: {kept_partial}")
        return ExitCode.INTERRUPTED
    if note and not damage:
        warn(f"warning: {note}")
    if damage:
        warn(f"error: {damage}; {kept_damaged}")
        return ExitCode.BAD_INPUT
    if not person_found:
        warn("no person found" + (f" in {source}" if source else ""))
        return ExitCode.NO_PERSON
    return ExitCode.OK


def print_outputs(outputs: Mapping[str, Path]) -> None:
    """The 'wrote:' line, and the report's file:// address (most terminals open it with one click)."""
    print("wrote: " + ", ".join(str(p) for k, p in outputs.items() if not k.startswith("photo:")))
    if "report" in outputs:
        print(f"report: {outputs['report'].resolve().as_uri()}")


STRETCH_HELP = "spec id (see 'posecheck specs') or spec file"


def judging_options(parser: argparse.ArgumentParser) -> None:
    """--stretch and --out, shared by the commands that judge an input against a spec."""
    parser.add_argument("--stretch", "-s", required=True, help=STRETCH_HELP)
    parser.add_argument("--out", "-o", default="results", help="output folder (default: %(default)s)")


def people_option(parser: argparse.ArgumentParser, default: int) -> None:
    """--people: how many people the model looks for; the first one seen stays coached."""
    parser.add_argument(
        "--people",
        type=int,
        choices=range(1, 5),
        default=default,
        metavar="N",
        help="how many people the pose model looks for (1-4, default: %(default)s); with 2 or more, "
        "the person seen first stays coached and nobody else inherits the hold (live also says "
        "when a second person is in view). Each extra person costs about one more model run per frame",
    )


def model_options(parser: argparse.ArgumentParser) -> None:
    """--model and --model-variant, shared by every command that runs the pose model."""
    group = parser.add_argument_group("pose model")
    group.add_argument("--model", metavar="PATH", help="pose_landmarker .task file (else $POSECHECK_MODEL)")
    group.add_argument(
        "--model-variant",
        choices=("lite", "full", "heavy"),
        default="full",
        help="which official model to download when none is given (default: %(default)s)",
    )


def resolve_model_arg(args: argparse.Namespace, *, download: bool = True) -> Path:
    """The model path from --model / $POSECHECK_MODEL / cache, downloading with a progress bar."""
    from posecheck.pose.model import resolve_model

    bar: Any = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            print("downloading the pose model (once)...", file=sys.stderr)
            bar = tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr)
        bar.update(done - bar.n)

    try:
        return resolve_model(args.model, args.model_variant, download=download, progress=progress)
    finally:
        if bar is not None:
            bar.close()


class FrameProgress:
    """A tqdm bar over frames (or a silent stand-in), as a context manager."""

    def __init__(self, source: Any, quiet: bool) -> None:
        self._bar: Any = None
        if not quiet:
            from tqdm import tqdm

            unit = "frame" if source.is_video else "photo"
            self._bar = tqdm(
                total=source.frame_count_hint, unit=unit, desc=source.name[:24], file=sys.stderr, leave=False
            )

    def step(self, frame: Any) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def __enter__(self) -> FrameProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
