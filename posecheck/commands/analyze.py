"""`posecheck analyze INPUT --stretch ID`: judge a video, a pose recording, a photo or a folder of photos.

posecheck analyze clip.mp4 --stretch ID                 # annotated video, CSV, summary, timeline, report
posecheck analyze clip.pose.jsonl --stretch ID          # the same without the model (no pictures)
posecheck analyze clip.mp4 --stretch ID --save-pose     # and the pose recording, from one model run
posecheck analyze clips/ --stretch ID                   # every video in the folder, in parallel, and an index
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from posecheck.batch.jobs import is_batch
from posecheck.commands.batch import batch_options, run_batch
from posecheck.commands.common import (
    FrameProgress,
    end_of_run,
    judging_options,
    long_lived_objects_frozen,
    model_options,
    people_option,
    print_outputs,
    resolve_model_arg,
    warn,
)
from posecheck.commands.history import history_options, record_sessions
from posecheck.errors import OutputError
from posecheck.output import OutputLock, prepare_out_dir

if TYPE_CHECKING:
    from posecheck.pose.detector import DetectorInBackground  # imported at run time only with MediaPipe


def register(commands: Any) -> None:
    analyze = commands.add_parser(
        "analyze",
        help="judge a recorded video, a photo or a folder of photos",
        description="Judge a recorded stretch against a spec. A video gives an annotated H.264 video, "
        "a per-frame CSV, a JSON summary and a timeline plot; photos give annotated photos and "
        "their verdicts (no hold timer).",
    )
    analyze.add_argument(
        "input",
        nargs="+",
        help="video file, pose recording (.pose.jsonl, no model needed), photo, or folder of photos; "
        "several videos, a folder of videos or a glob are analysed in parallel, with an index",
    )
    judging_options(analyze)
    analyze.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    analyze.add_argument(
        "--save-pose",
        action="store_true",
        help="also save the landmarks to OUT/NAME.pose.jsonl, to re-score later without the model",
    )
    analyze.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary text")
    people_option(analyze, 1)
    history_options(analyze)
    analyze.add_argument(
        "--history-from-recording",
        action="store_true",
        help="add a re-scored pose recording to the history too (by default only videos are sessions)",
    )
    model_options(analyze)
    batch_options(analyze)
    analyze.set_defaults(run=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    from posecheck.pose.recording import is_recording_path

    inputs: list[str] = args.input
    if is_batch(inputs):
        return run_batch(args, inputs)
    if args.jobs is not None or args.ray:
        warn("note: --jobs and --ray apply to many videos; analysing the one given")
    args.input = inputs[0]
    if is_recording_path(args.input):
        return run_analyze_recording(args)
    with _model_loading(args) as early:
        return _analyze_media(args, early)


def _model_loading(
    args: argparse.Namespace,
) -> contextlib.AbstractContextManager[DetectorInBackground | None]:
    """The pose model loading on a thread while the rest of the pipeline is imported and the
    spec and input are checked, when the model is already on disk (a download waits for
    those checks, so a typo never costs one). The context gives None otherwise."""
    # MediaPipe only when the model runs: not for a recording.
    from posecheck.errors import ModelError
    from posecheck.pose.detector import DetectorInBackground
    from posecheck.video.sources import is_photo_input

    try:
        model_path = resolve_model_arg(args, download=False)
    except ModelError:
        return contextlib.nullcontext()
    mode: Literal["image", "video"] = "image" if is_photo_input(Path(args.input)) else "video"
    return DetectorInBackground(model_path, mode, getattr(args, "people", 1))


def _analyze_media(args: argparse.Namespace, early: DetectorInBackground | None) -> int:
    from posecheck.pose.detector import PoseDetector
    from posecheck.pose.protocol import Detector
    from posecheck.pose.recording import RecordingDetector
    from posecheck.report.outputs import output_path, staged_path
    from posecheck.report.text import format_photos, format_summary
    from posecheck.session import analyze_photos, analyze_video
    from posecheck.spec import find_spec, load_spec
    from posecheck.video.sources import ImageSource, open_source

    # Cheapest checks first: the spec, the input, the output folder, and only then the model
    # (loaded meanwhile when it is on disk: see _model_loading).
    spec = load_spec(find_spec(args.stretch))
    with open_source(args.input) as source:
        out_dir = prepare_out_dir(Path(args.out))
        photos = isinstance(source, ImageSource)
        people = getattr(args, "people", 1)
        mode: Literal["image", "video"] = "image" if photos else "video"
        with OutputLock(out_dir):
            model_path = resolve_model_arg(args)
            ready = early if early is not None and early.made_for(model_path, mode, people) else None
            saved_pose = staged_path(output_path(out_dir, source.name, "pose recording"))
            with (
                _deleted_on_error(saved_pose),
                (
                    ready.take()
                    if ready is not None
                    else PoseDetector(model_path, mode=mode, num_poses=people)
                ) as model,
                FrameProgress(source, args.quiet) as bar,
                pose_writer_for(args, source, model_path, out_dir) as pose_writer,
            ):
                detector: Detector = model
                if people > 1 and not photos:
                    from posecheck.pose.tracking import TrackingDetector

                    # Several people in a video: keep judging the one seen first (see pose.tracking).
                    detector = TrackingDetector(model)
                with long_lived_objects_frozen():
                    if isinstance(source, ImageSource):
                        result = analyze_photos(source, spec, detector, out_dir, progress=bar.step)
                    else:
                        recorder = (
                            detector if pose_writer is None else RecordingDetector(detector, pose_writer)
                        )
                        result = analyze_video(
                            source, spec, recorder, out_dir, write_video=not args.no_video, progress=bar.step
                        )
            if pose_writer is not None:
                result.outputs["pose recording"] = publish_staged(pose_writer.path)
    if not args.quiet:
        print(format_photos(result.summary) if photos else format_summary(result.summary))
        print_outputs(result.outputs)
        if photos:
            print(f"       {len(result.photo_results)} annotated photo(s) in {out_dir}")
    if not photos and not result.interrupted:
        record_sessions(args, [result.summary], kind="video")
    return end_of_run(
        interrupted=result.interrupted,
        damage=f"{args.input} is truncated or damaged ({source.problem})" if source.truncated else None,
        person_found=result.person_found,
        source=args.input,
        kept_partial=f"partial results written to {out_dir}",
        kept_damaged=f"the results in {out_dir} cover the frames that could be read",
        stopped_by=result.stopped_by,
        note=source.problem,
    )


def run_analyze_recording(args: argparse.Namespace) -> int:
    """`posecheck analyze REC.pose.jsonl --stretch ID`: the engine on recorded landmarks, no model."""
    from posecheck.pose.recording import open_recording
    from posecheck.report.text import format_summary
    from posecheck.session import analyze_recording
    from posecheck.spec import find_spec, load_spec

    spec = load_spec(find_spec(args.stretch))
    with open_recording(args.input) as recording:
        out_dir = prepare_out_dir(Path(args.out))
        with OutputLock(out_dir), FrameProgress(recording, args.quiet) as bar, long_lived_objects_frozen():
            result = analyze_recording(recording, spec, out_dir, progress=bar.step)
    if not args.quiet:
        print(format_summary(result.summary))
        print_outputs(result.outputs)
        print("       (no annotated video or fault pictures: a pose recording holds landmarks, not pictures)")
    if args.history_from_recording and not result.interrupted:
        record_sessions(args, [result.summary], kind="recording")
    return end_of_run(
        interrupted=result.interrupted,
        damage=recording.problem if recording.truncated else None,
        person_found=result.person_found,
        source=args.input,
        kept_partial=f"partial results written to {out_dir}",
        kept_damaged=f"the results in {out_dir} cover those frames",
        stopped_by=result.stopped_by,
    )


def pose_writer_for(
    args: argparse.Namespace, source: Any, model_path: Path, out_dir: Path
) -> contextlib.AbstractContextManager[Any]:
    """For `analyze --save-pose`: a writer of OUT/NAME.pose.jsonl, or None when not asked (or photos)."""
    from posecheck.pose.recording import PoseRecordingWriter
    from posecheck.report.outputs import output_path, staged_path
    from posecheck.session import recording_header

    if not getattr(args, "save_pose", False):
        return contextlib.nullcontext(None)
    if not source.is_video:
        print("posecheck: --save-pose records videos only; photos are not recorded", file=sys.stderr)
        return contextlib.nullcontext(None)
    path = staged_path(output_path(out_dir, source.name, "pose recording"))
    return PoseRecordingWriter(path, recording_header(source, model_path))


@contextlib.contextmanager
def _deleted_on_error(path: Path) -> Iterator[None]:
    """A run that fails leaves no half-written file at `path`."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def publish_staged(staged: Path) -> Path:
    """Rename a finished output from its '.partial' name to its final one; returns the final path."""
    from posecheck.report.outputs import PARTIAL_MARK

    final = staged.with_name(staged.name.replace(PARTIAL_MARK, "", 1))
    try:
        os.replace(staged, final)
    except OSError as exc:
        raise OutputError(f"cannot write {final}: {exc.strerror or exc}") from None
    return final
