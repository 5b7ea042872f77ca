"""`posecheck tune REC --stretch ID [--suggest [--write]] [--interactive]`: rule ranges against a recording.

posecheck tune clip.pose.jsonl --stretch kneeling-hip-flexor                  # plot + table
posecheck tune clip.pose.jsonl --stretch kneeling-hip-flexor --suggest --write
posecheck tune clip.mp4 --stretch kneeling-hip-flexor --interactive          # sliders over the video
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from posecheck.commands.common import ExitCode, end_of_run, judging_options, model_options
from posecheck.errors import PosecheckError, SourceError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "tune",
        help="a spec's rule ranges against a recording: plot, table, suggested ranges",
        description="For each rule of the spec: the values it judged over the recording against its "
        "range, as a plot (NAME.tune.png) and a table (printed, and NAME.tune.csv). --suggest "
        "proposes ranges from the in-pose frames, taking the recording as good form: "
        "[p2 - margin, p98 + margin] on the sides each rule limits, the margin at least the "
        "measurement error (7 deg, 0.05 for ratios) and 3 sigma of the frame-to-frame jitter. "
        "--write puts them into the spec file, keeping its comments and layout.",
    )
    parser.add_argument(
        "input", help="pose recording (.pose.jsonl[.gz]), or a video (the model runs once, saved to OUT)"
    )
    judging_options(parser)
    parser.add_argument("--suggest", action="store_true", help="propose ranges from the in-pose frames")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the suggested ranges into the spec file in place (implies --suggest)",
    )
    parser.add_argument(
        "--rule",
        "-r",
        action="append",
        metavar="ID",
        help="suggest and write only this rule (repeat for more; default: every rule)",
    )
    parser.add_argument(
        "--margin",
        action="append",
        metavar="UNIT=VALUE",
        type=_margin_arg,
        help="a wider margin floor than the default deg=7, ratio=0.05 (e.g. --margin deg=10)",
    )
    parser.add_argument(
        "--interactive",
        "-i",
        action="store_true",
        help="sliders for every rule bound over the replayed video (or the skeleton); 's' saves",
    )
    parser.add_argument(
        "--video", metavar="FILE", help="with --interactive: the video a recording was made from"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    model_options(parser)
    parser.set_defaults(run=run_tune)


def _margin_arg(text: str) -> tuple[str, float]:
    from posecheck.tune.suggest import MARGIN_FLOOR

    unit, _, value = text.partition("=")
    if unit not in MARGIN_FLOOR:
        raise argparse.ArgumentTypeError(f"'{text}': write UNIT=VALUE with UNIT deg or ratio, e.g. deg=10")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': {value!r} is not a number") from None
    if not number >= MARGIN_FLOOR[unit]:
        raise argparse.ArgumentTypeError(
            f"'{text}': a margin below the measurement error ({MARGIN_FLOOR[unit]:g} {unit}) "
            "would mostly produce false corrections; use at least that"
        )
    return unit, number


def run_tune(args: argparse.Namespace) -> int:
    from posecheck.pose.recording import is_recording_path, open_recording
    from posecheck.spec import find_spec, load_spec
    from posecheck.tune.specfile import write_rule_ranges
    from posecheck.tune.suggest import MARGIN_FLOOR, MIN_FRAMES
    from posecheck.tune.tuning import format_table, range_edits, tune_recording, write_outputs

    spec_path = find_spec(args.stretch)
    spec = load_spec(spec_path)
    rule_ids = set(args.rule) if args.rule else None
    unknown = sorted((rule_ids or set()) - {r.id for r in spec.rules})
    if unknown:
        raise PosecheckError(
            f"--rule {unknown[0]}: no such rule in {spec_path.name}; its rules: "
            + ", ".join(r.id for r in spec.rules)
        )
    out_dir = Path(args.out)
    video: Path | None = Path(args.video) if args.video else None
    if is_recording_path(args.input):
        recording_path = Path(args.input)
    else:
        video = Path(args.input)
        recording_path = _record_once(args, video, out_dir)
    recording = open_recording(recording_path)
    frames = recording.read_all()
    if recording.truncated:
        print(f"posecheck: warning: {recording.problem}", file=sys.stderr)
    floors = dict(MARGIN_FLOOR)
    floors.update(dict(args.margin or ()))
    result = tune_recording(
        frames,
        spec,
        recording_path.name,
        suggest=args.suggest or args.write,
        rule_ids=rule_ids,
        floors=floors,
    )
    outputs = write_outputs(result, out_dir, recording.name)
    if not args.quiet:
        print(
            f"{spec.name} ({spec_path}) on {recording_path.name}: {len(frames)} frames, "
            f"{int(result.scored.in_pose.sum())} in the pose"
        )
        print(format_table(result))
        print("wrote: " + ", ".join(str(p) for p in outputs.values()))
    if not result.scored.person.any():
        return end_of_run(person_found=False, source=str(recording_path))
    date = datetime.date.today().isoformat()
    if args.write:
        edits = range_edits(result, date)
        if not edits:
            raise PosecheckError(
                f"nothing to write: no rule has {MIN_FRAMES} or more in-pose frames in "
                f"{recording_path.name}; "
                f"check the entry conditions with: posecheck specs show {spec.id}"
            )
        write_rule_ranges(spec_path, edits)
        changed = ", ".join(e.rule_id for e in edits)
        print(
            f"wrote the suggested ranges of {changed} into {spec_path}; re-analyse with: "
            f"posecheck analyze {recording_path} --stretch {spec_path}"
        )
    if args.interactive:
        from posecheck.tune.interactive import run_interactive

        outcome = run_interactive(result, spec_path, video=video, date=date)
        for line in outcome.saved:
            print(line)
        for rule_id, (low, high) in outcome.unsaved.items():
            print(f"not saved: {rule_id} min {low} max {high} (the sliders at quit)")
    return ExitCode.OK


def _record_once(args: argparse.Namespace, video: Path, out_dir: Path) -> Path:
    """Run the pose model over the video into OUT/NAME.pose.jsonl, unless a newer one is there."""
    from posecheck.commands.record import record_pose
    from posecheck.report.outputs import output_path

    if not video.is_file():
        raise SourceError(f"{video} not found: give a pose recording (.pose.jsonl) or a video")
    recording_path = output_path(out_dir, video.stem, "pose recording")
    if recording_path.is_file() and recording_path.stat().st_mtime >= video.stat().st_mtime:
        if not args.quiet:
            print(f"reusing {recording_path} (delete it to run the pose model again)")
        return recording_path
    recorded, _ = record_pose(
        args,
        str(video),
        recording_path,
        photos_error=f"{video} is a photo or a folder of photos; tune takes a video or a recording",
    )
    if recorded.interrupted:
        recording_path.unlink(missing_ok=True)  # a partial recording must not be reused next time
        raise KeyboardInterrupt
    if not args.quiet:
        print(f"recorded {recorded.frames} frames to {recording_path}: tune that next time, it is instant")
    return recording_path
