"""`posecheck record VIDEO -o NAME.pose.jsonl`: run the pose model over a video once, save the landmarks.

posecheck record clip.mp4 -o clip.pose.jsonl            # run the pose model once
posecheck analyze clip.pose.jsonl --stretch ID          # re-score it, many times, fast
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.commands.common import FrameProgress, end_of_run, model_options, resolve_model_arg
from posecheck.errors import OutputError, SourceError

if TYPE_CHECKING:
    from posecheck.session import RecordResult
    from posecheck.video.sources import FrameSource


def register(commands: Any) -> None:
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
    from posecheck.pose.recording import is_recording_path
    from posecheck.report.outputs import output_path

    if is_recording_path(args.input):
        raise SourceError(
            f"{args.input} is already a pose recording: analyze it with "
            f"posecheck analyze {args.input} --stretch ID"
        )
    output = (
        Path(args.output)
        if args.output
        else output_path(Path("results"), Path(args.input).stem, "pose recording")
    )
    if not is_recording_path(output):
        raise SourceError(f"the output {output} must end in .pose.jsonl (or .pose.jsonl.gz to compress)")
    result, source = record_pose(
        args,
        args.input,
        output,
        photos_error=f"{args.input} is a photo or a folder of photos; record takes a video. "
        "Photos are judged one by one: posecheck analyze PHOTOS --stretch ID",
    )
    if not args.quiet:
        print(
            f"wrote {result.path}: {result.frames} frames, a person found in {result.poses_found}; "
            f"re-score it with: posecheck analyze {result.path} --stretch ID"
        )
    return end_of_run(
        stopped_by=result.stopped_by,
        interrupted=result.interrupted,
        damage=f"{args.input} is truncated or damaged ({source.problem})" if source.truncated else None,
        person_found=result.poses_found > 0,
        source=args.input,
        kept_partial=f"{result.path} holds the first {result.frames} frames",
        kept_damaged=f"{result.path} holds the frames that could be read",
    )


def record_pose(
    args: argparse.Namespace, video: str, output: Path, *, photos_error: str
) -> tuple[RecordResult, FrameSource]:
    """Run the pose model (from `args`' model options) over `video` into the recording `output`."""
    from posecheck.commands.analyze import publish_staged
    from posecheck.output import OutputLock, prepare_out_dir
    from posecheck.pose.detector import PoseDetector
    from posecheck.pose.recording import PoseRecordingWriter
    from posecheck.report.outputs import staged_path
    from posecheck.session import record_video, recording_header
    from posecheck.video.sources import ImageSource, open_source

    # The video first, then the folder, then the model: the cheap checks come first.
    with open_source(video) as source:
        if isinstance(source, ImageSource):
            raise SourceError(photos_error)
        if output.is_dir():
            raise OutputError(f"{output} is a folder: give the recording's file name, ending in .pose.jsonl")
        with OutputLock(prepare_out_dir(output.parent, "the output folder")):
            model_path = resolve_model_arg(args)
            staged = staged_path(output)
            try:
                with (
                    PoseDetector(model_path, mode="video") as detector,
                    FrameProgress(source, args.quiet) as bar,
                    PoseRecordingWriter(staged, recording_header(source, model_path)) as writer,
                ):
                    result = record_video(source, detector, writer, progress=bar.step)
            except BaseException:
                staged.unlink(missing_ok=True)  # a failed recording leaves nothing behind
                raise
            result.path = publish_staged(staged)
    return result, source
