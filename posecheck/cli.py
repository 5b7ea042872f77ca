"""Command line: `posecheck analyze | specs | model`. The only module that prints or exits."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.errors import PosecheckError, SourceError

# Subcommands kept in their own modules; each module has `register(commands)`,
# adding its parser with `set_defaults(run=...)`.
_COMMAND_MODULES: tuple[str, ...] = (
    "posecheck.record_command",
    "posecheck.live.command",
    "posecheck.tune.command",
    "posecheck.commands.eval",
)

EXIT_OK = 0
EXIT_NO_PERSON = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_OK
    try:
        return int(args.run(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Camera coaching for hip and lower-back stretches: checks your form against a "
        "stretch spec and times your holds.",
        epilog="Run 'posecheck COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze",
        help="judge a recorded video, a photo or a folder of photos",
        description="Judge a recorded stretch against a spec. A video gives an annotated H.264 video, "
        "a per-frame CSV, a JSON summary and a timeline plot; photos give annotated photos and "
        "their verdicts (no hold timer).",
    )
    analyze.add_argument(
        "input", help="video file, pose recording (.pose.jsonl, no model needed), photo, or folder of photos"
    )
    analyze.add_argument(
        "--stretch", "-s", required=True, help="spec id (see 'posecheck specs') or spec file"
    )
    analyze.add_argument("--out", "-o", default="results", help="output folder (default: %(default)s)")
    analyze.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    analyze.add_argument(
        "--save-pose",
        action="store_true",
        help="also save the landmarks to OUT/NAME.pose.jsonl, to re-score later without the model",
    )
    analyze.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary text")
    model_options(analyze)
    analyze.set_defaults(run=_run_analyze)

    specs = commands.add_parser(
        "specs",
        help="list, show or check stretch spec files",
        description="Stretch specs live in stretch_specs/ (or $POSECHECK_SPECS_DIR).",
    )
    specs_commands = specs.add_subparsers(title="actions", metavar="ACTION")
    specs.set_defaults(run=_run_specs_list)
    check = specs_commands.add_parser("check", help="validate spec files (default: all of them)")
    check.add_argument("files", nargs="*", help="spec files or ids (default: every spec)")
    check.set_defaults(run=_run_specs_check)
    show = specs_commands.add_parser("show", help="print a spec's rules and cues in plain words")
    show.add_argument("stretch", help="spec id or file")
    show.set_defaults(run=_run_specs_show)
    listing = specs_commands.add_parser("list", help="list the available specs (the default)")
    listing.set_defaults(run=_run_specs_list)
    schema = specs_commands.add_parser(
        "schema",
        help="print (or write) the JSON Schema of spec files, for editors",
        description="The JSON Schema of spec files, generated from the models the loader uses. Point "
        "an editor at it with '# yaml-language-server: $schema=./stretch-spec.schema.json' on a "
        "spec's first line.",
    )
    schema.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead of printing it")
    schema.set_defaults(run=_run_specs_schema)

    model = commands.add_parser(
        "model",
        help="show where the pose model is, downloading it if needed",
        description="Resolve the pose model: --model PATH, then $POSECHECK_MODEL, then the user cache; "
        "if absent, download the official MediaPipe bundle into the cache.",
    )
    model_options(model)
    model.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    model.set_defaults(run=_run_model)

    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


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


# -- commands -------------------------------------------------------------------


def _run_analyze(args: argparse.Namespace) -> int:
    from posecheck.pose.detector import PoseDetector
    from posecheck.pose.recording import RecordingDetector, is_recording_path
    from posecheck.record_command import pose_writer_for, run_analyze_recording
    from posecheck.report import format_summary
    from posecheck.session import analyze_photos, analyze_video
    from posecheck.spec import find_spec, load_spec
    from posecheck.video.sources import ImageSource, open_source

    if is_recording_path(args.input):
        return run_analyze_recording(args)
    spec = load_spec(find_spec(args.stretch))
    model_path = resolve_model_arg(args)
    out_dir = Path(args.out)
    with open_source(args.input) as source:
        photos = isinstance(source, ImageSource)
        with (
            PoseDetector(model_path, mode="image" if photos else "video") as detector,
            FrameProgress(source, args.quiet) as bar,
            pose_writer_for(args, source, model_path, out_dir) as pose_writer,
        ):
            if isinstance(source, ImageSource):
                result = analyze_photos(source, spec, detector, out_dir, progress=bar.step)
            else:
                recorder = detector if pose_writer is None else RecordingDetector(detector, pose_writer)
                result = analyze_video(
                    source, spec, recorder, out_dir, write_video=not args.no_video, progress=bar.step
                )
                if pose_writer is not None:
                    result.outputs["pose recording"] = pose_writer.path
    if not args.quiet:
        if photos:
            print(_format_photos(result.summary))
        else:
            print(format_summary(result.summary))
        print("wrote: " + ", ".join(str(p) for k, p in result.outputs.items() if not k.startswith("photo:")))
        if "report" in result.outputs:
            # A file:// address: most terminals open it in the browser with one click.
            print(f"report: {result.outputs['report'].resolve().as_uri()}")
        if photos:
            print(f"       {len(result.photo_results)} annotated photo(s) in {out_dir}")
    if result.interrupted:
        print(f"posecheck: interrupted: partial results written to {out_dir}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if source.truncated:
        print(
            f"posecheck: error: {args.input} is truncated or damaged ({source.problem}); "
            f"the results in {out_dir} cover the frames that could be read",
            file=sys.stderr,
        )
        return SourceError.exit_code
    if not result.person_found:
        print(f"posecheck: no person found in {args.input}", file=sys.stderr)
        return EXIT_NO_PERSON
    return EXIT_OK


def _format_photos(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['stretch']['name']}: {summary['photos_in_pose']} of "
        f"{summary['photos_analysed']} photo(s) in the pose"
    ]
    for photo in summary["photos"]:
        if not photo["person_found"]:
            state = "no person found"
        elif not photo["in_pose"]:
            state = "not in the pose"
        elif photo["faults"]:
            state = f"{photo['side'] or ''} side: " + (photo["cue"] or "faults")
        else:
            state = f"{photo['side'] or ''} side: good form"
        lines.append(f"  {photo['photo']}: {state}")
    return "\n".join(lines)


def _run_specs_list(args: argparse.Namespace) -> int:
    from posecheck.spec import list_specs, load_spec, specs_dir

    paths = list_specs()
    if not paths:
        print(f"no spec files in {specs_dir()}", file=sys.stderr)
        return 1
    print(f"{'ID':28} {'VIEW':6} {'MODE':5} {'HOLD / REPS':18} NAME")
    status = EXIT_OK
    for path in paths:
        try:
            spec = load_spec(path)
        except PosecheckError as exc:
            print(f"{path.stem:28} invalid: {exc}")
            status = 3
            continue
        sides = "per side" if spec.sides == ("left", "right") else spec.sides[0]
        if spec.mode == "reps" and spec.reps is not None:
            plan = f"{spec.reps.target:>3d} reps {sides}"
        else:
            plan = f"{spec.hold.target_s:>3g} s {sides}"
        print(f"{spec.id:28} {spec.view:6} {spec.mode:5} {plan:18} {spec.name}")
    return status


def _run_specs_check(args: argparse.Namespace) -> int:
    from posecheck.spec import find_spec, list_specs, load_spec

    paths = [find_spec(f) for f in args.files] if args.files else list_specs()
    failures = 0
    for path in paths:
        try:
            load_spec(path)
        except PosecheckError as exc:
            failures += 1
            print(str(exc))
        else:
            print(f"{path}: ok")
    if failures:
        print(f"{failures} of {len(paths)} spec file(s) invalid", file=sys.stderr)
        return 3
    return EXIT_OK


def _run_specs_show(args: argparse.Namespace) -> int:
    from posecheck.spec import find_spec, load_spec
    from posecheck.spec.describe import describe_spec

    print(describe_spec(load_spec(find_spec(args.stretch))))
    return EXIT_OK


def _run_specs_schema(args: argparse.Namespace) -> int:
    from posecheck.spec.schema import schema_text, write_schema

    if args.output:
        write_schema(Path(args.output))
        print(f"wrote {args.output}")
    else:
        print(schema_text(), end="")
    return EXIT_OK


def _run_model(args: argparse.Namespace) -> int:
    path = resolve_model_arg(args, download=not args.no_download)
    print(path)
    return EXIT_OK


# -- helpers --------------------------------------------------------------------


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
