"""`posecheck record VIDEO`, and `posecheck analyze` of a pose recording (no model needed).

posecheck record clip.mp4 -o clip.pose.jsonl            # run the pose model once
posecheck analyze clip.pose.jsonl --stretch ID          # re-score it, many times, fast
posecheck analyze clip.mp4 --stretch ID --save-pose     # both from one model run
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from posecheck.errors import SourceError

EXIT_OK = 0
EXIT_NO_PERSON = 2
EXIT_INTERRUPTED = 130


def register(commands: Any) -> None:
    from posecheck.cli import model_options

    parser = commands.add_parser(
        "record",
        help="run the pose model over a video once and save every frame's landmarks",
        description="Save a video's pose landmarks (picture and 3D, visibility, frame times) to a "
        "pose recording. 'posecheck analyze REC.pose.jsonl --stretch ID' then re-scores it against "
        "any spec without the model, many times faster. The format is described in samples/README.md.",
    )
    parser.add_argument("input", help="video file")
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="recording to write, ending in .pose.jsonl (or .pose.jsonl.gz to compress); "
        "default: results/NAME.pose.jsonl",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary text")
    model_options(parser)
    parser.set_defaults(run=run_record)


def run_record(args: argparse.Namespace) -> int:
    from posecheck.cli import FrameProgress, resolve_model_arg
    from posecheck.pose.detector import PoseDetector
    from posecheck.pose.recording import PoseRecordingWriter, is_recording_path
    from posecheck.session import record_video, recording_header
    from posecheck.video.sources import ImageSource, open_source

    if is_recording_path(args.input):
        raise SourceError(
            f"{args.input} is already a pose recording: analyze it with "
            f"posecheck analyze {args.input} --stretch ID"
        )
    output = Path(args.output) if args.output else Path("results") / f"{Path(args.input).stem}.pose.jsonl"
    if not is_recording_path(output):
        raise SourceError(f"the output {output} must end in .pose.jsonl (or .pose.jsonl.gz to compress)")
    model_path = resolve_model_arg(args)
    with open_source(args.input) as source:
        if isinstance(source, ImageSource):
            raise SourceError(
                f"{args.input} is a photo or a folder of photos; record takes a video. "
                "Photos are judged one by one: posecheck analyze PHOTOS --stretch ID"
            )
        with (
            PoseDetector(model_path, mode="video") as detector,
            FrameProgress(source, args.quiet) as bar,
            PoseRecordingWriter(output, recording_header(source, model_path)) as writer,
        ):
            result = record_video(source, detector, writer, progress=bar.step)
    if not args.quiet:
        print(
            f"wrote {result.path}: {result.frames} frames, a person found in {result.poses_found}; "
            f"re-score it with: posecheck analyze {result.path} --stretch ID"
        )
    if result.interrupted:
        print(
            f"posecheck: interrupted: {result.path} holds the first {result.frames} frames",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if source.truncated:
        print(
            f"posecheck: error: {args.input} is truncated or damaged ({source.problem}); "
            f"{result.path} holds the frames that could be read",
            file=sys.stderr,
        )
        return SourceError.exit_code
    if result.poses_found == 0:
        print(f"posecheck: no person found in {args.input}", file=sys.stderr)
        return EXIT_NO_PERSON
    return EXIT_OK


def run_analyze_recording(args: argparse.Namespace) -> int:
    """`posecheck analyze REC.pose.jsonl --stretch ID`: the engine on recorded landmarks, no model."""
    from posecheck.cli import FrameProgress
    from posecheck.pose.recording import open_recording
    from posecheck.report import format_summary
    from posecheck.session import analyze_recording
    from posecheck.spec import find_spec, load_spec

    spec = load_spec(find_spec(args.stretch))
    out_dir = Path(args.out)
    with open_recording(args.input) as recording, FrameProgress(recording, args.quiet) as bar:
        result = analyze_recording(recording, spec, out_dir, progress=bar.step)
    if not args.quiet:
        print(format_summary(result.summary))
        print("wrote: " + ", ".join(str(p) for p in result.outputs.values()))
        print("       (no annotated video or fault pictures: a pose recording holds landmarks, not pictures)")
    if result.interrupted:
        print(f"posecheck: interrupted: partial results written to {out_dir}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if recording.truncated:
        print(
            f"posecheck: error: {recording.problem}; the results in {out_dir} cover those frames",
            file=sys.stderr,
        )
        return SourceError.exit_code
    if not result.person_found:
        print(f"posecheck: no person found in {args.input}", file=sys.stderr)
        return EXIT_NO_PERSON
    return EXIT_OK


def pose_writer_for(
    args: argparse.Namespace, source: Any, model_path: Path, out_dir: Path
) -> contextlib.AbstractContextManager[Any]:
    """For `analyze --save-pose`: a writer of OUT/NAME.pose.jsonl, or None when not asked (or photos)."""
    from posecheck.pose.recording import PoseRecordingWriter
    from posecheck.session import recording_header

    if not getattr(args, "save_pose", False):
        return contextlib.nullcontext(None)
    if not source.is_video:
        print("posecheck: --save-pose records videos only; photos are not recorded", file=sys.stderr)
        return contextlib.nullcontext(None)
    return PoseRecordingWriter(out_dir / f"{source.name}.pose.jsonl", recording_header(source, model_path))
