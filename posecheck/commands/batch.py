"""`posecheck analyze` over many videos: the options it adds and the run itself.

posecheck analyze clips/ --stretch ID                  # every video in the folder
posecheck analyze a.mp4 b.mov "sessions/**/*.mp4" -s ID --jobs 2
posecheck analyze clips/ -s ID --ray ray://head:10001  # tasks on a Ray cluster
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.commands.common import ExitCode, resolve_model_arg, warn

if TYPE_CHECKING:
    from posecheck.batch.jobs import BatchOutcome


def batch_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("many videos (a folder, several paths or a glob)")
    group.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="videos analysed at once, each in its own process (default: one per core)",
    )
    group.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run each video as a task on the Ray cluster at ADDRESS (e.g. ray://head:10001, or "
        "'auto' on a cluster node; 'local' starts Ray on this machine); inputs and --out must be "
        "on storage every node mounts at the same path. Needs: pip install 'posecheck[ray]'",
    )


def _frame_count_hint(path: Path) -> int | None:
    """The container's frame count, for the progress bar (cheap: no decoding)."""
    import av

    try:
        with av.open(str(path)) as container:
            return int(container.streams.video[0].frames) or None
    except (av.FFmpegError, OSError, IndexError, ValueError):
        return None


def run_batch(args: argparse.Namespace, inputs: Sequence[str]) -> int:
    """Analyse every video `inputs` names; print a line per video and write the index.

    Returns 0 when every video was analysed and a person found; otherwise names the videos
    that were not on stderr and returns their exit code (1 when they differ).
    """
    from tqdm import tqdm

    from posecheck.batch.index import write_index
    from posecheck.batch.jobs import plan_jobs, video_inputs
    from posecheck.batch.runner import default_jobs, import_ray, run_local, run_ray
    from posecheck.spec import find_spec, load_spec

    if getattr(args, "save_pose", False):
        warn("error: --save-pose records one video at a time; run it on each video")
        return ExitCode.FAILED
    if args.jobs is not None and args.jobs < 1:
        warn("error: --jobs must be at least 1")
        return ExitCode.FAILED
    if args.ray:
        import_ray()  # fail now, with the install command, not after the first video
    videos = video_inputs(inputs)
    spec_path = find_spec(args.stretch)
    spec = load_spec(spec_path)  # an invalid spec stops the batch before any work
    model_path = resolve_model_arg(args)
    out_dir = Path(args.out)
    jobs = plan_jobs(videos, out_dir, spec_path, model_path, write_video=not args.no_video)
    workers = args.jobs or default_jobs()
    hints = [_frame_count_hint(v) for v in videos]
    # Files whose container gives no count (or that cannot be read) count as nothing.
    total = sum(h for h in hints if h) or None
    where = f"Ray at {args.ray}" if args.ray else f"{min(workers, len(jobs))} worker process(es)"
    if not args.quiet:
        print(f"{len(jobs)} video(s), {spec.name}, on {where}")
    bar: Any = tqdm(
        total=total, unit="frame", desc="all videos", file=sys.stderr, disable=args.quiet, leave=False
    )
    done_count = 0

    def on_frames(frames: int) -> None:
        bar.update(frames)

    def on_done(outcome: BatchOutcome) -> None:
        nonlocal done_count
        done_count += 1
        if args.quiet:
            return
        problem = f"{outcome.status.upper()}: {outcome.error or outcome.verdict}"
        text = outcome.verdict if outcome.ok else problem
        frames = f" ({outcome.frames} frames)" if outcome.frames else ""
        line = f"[{done_count}/{len(jobs)}] {outcome.input_path.name}: {text}{frames}"
        bar.write(line, file=sys.stdout)

    try:
        if args.ray:
            outcomes = run_ray(jobs, args.ray, on_frames, on_done, local_cpus=args.jobs)
        else:
            outcomes = run_local(jobs, workers, on_frames, on_done)
    finally:
        bar.close()
    csv_path, html_path = write_index(out_dir, outcomes, f"{spec.name}: {len(jobs)} video(s)")
    if not args.quiet:
        print(f"index: {csv_path}, {html_path.resolve().as_uri()}")
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return 0
    names = "; ".join(f"{o.input_path} ({o.error or o.status})" for o in failed)
    warn(f"{len(failed)} of {len(outcomes)} video(s) not analysed in full: {names}")
    codes = {o.exit_code for o in failed}
    return codes.pop() if len(codes) == 1 else ExitCode.FAILED
