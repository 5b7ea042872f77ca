"""posecheck's own work per frame, without the pose model and the codecs, at 1280x720.

    python bench/bench_frame_work.py [CLIP] [--stretch ID] [--frames N] [--height 720]

The clip is scaled to --height (1280x720 for a 16:9 clip) in a temporary folder. A first
pass runs the pose model over the frames and keeps the poses; a second pass decodes the
frames again and times, frame by frame on one thread, the same calls `analyze` makes:

    judge    engine step, CSV row, summary, fault-moment check (the model's thread)
    draw     overlay drawn on the output-size picture (the encoder thread)
    convert  BGR -> I420 for the encoder (the encoder thread)
    encode   x264 itself, shown separately: it is the codec, like the decoder

Prints median and 95th percentile of each and of judge + draw + convert, in wall time and
in the thread's own CPU time (which a busy shared machine does not inflate).
Target: judge + draw + convert median under 2 ms at 1280x720.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from itertools import islice
from pathlib import Path
from typing import cast

import av
import cv2
import numpy as np
import numpy.typing as npt
from _clips import DEFAULT_CLIP, DEFAULT_STRETCH, derive_clip

from posecheck.checks.engine import Engine
from posecheck.overlay import Overlay
from posecheck.pose.detector import PoseDetector
from posecheck.pose.landmarks import Pose
from posecheck.pose.model import resolve_model
from posecheck.report.csv import FrameCsvWriter
from posecheck.report.moments import FaultMoments
from posecheck.report.summary import SummaryBuilder
from posecheck.session import report_context
from posecheck.spec import find_spec, load_spec
from posecheck.video.sinks import fit_to, output_size, x264_options
from posecheck.video.sources import open_source


def _quantiles(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[-1]
    return f"median {statistics.median(values):5.2f} ms   p95 {p95:5.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--stretch", default=DEFAULT_STRETCH)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    model = resolve_model(args.model)
    spec = load_spec(find_spec(args.stretch))
    with tempfile.TemporaryDirectory(prefix="posecheck-bench-") as tmp:
        tmp_dir = Path(tmp)
        clip = derive_clip(Path(args.clip), tmp_dir, height_px=args.height)
        poses: list[Pose | None] = []
        with open_source(clip) as source, PoseDetector(model) as detector:
            size_wh = source.size_wh
            for frame in islice(iter(source), args.frames):
                poses.append(detector.detect(frame.image_bgr, frame.timestamp_s))
        scene_wh = output_size(size_wh)
        sizes = f"{size_wh[0]}x{size_wh[1]} -> video {scene_wh[0]}x{scene_wh[1]}"
        print(f"{clip.name}: {sizes}, {len(poses)} frames")

        ctx = report_context(spec, clip.name)
        engine, overlay, summary, moments = Engine(spec), Overlay(), SummaryBuilder(ctx), FaultMoments(ctx)
        judge_ms: list[float] = []
        draw_ms: list[float] = []
        convert_ms: list[float] = []
        encode_ms: list[float] = []
        cpu_ms: list[float] = []  # judge + draw + convert, CPU time of this thread only
        stage_cpu_ms: list[tuple[float, float, float]] = []
        with (
            open_source(clip) as source,
            FrameCsvWriter(tmp_dir / "frames.csv", ctx) as csv_writer,
            av.open(str(tmp_dir / "video.mp4"), "w") as container,
        ):
            stream = container.add_stream("libx264", rate=Fraction(30), options=x264_options())
            stream.width, stream.height, stream.pix_fmt = scene_wh[0], scene_wh[1], "yuv420p"
            for frame, pose in zip(source, poses, strict=False):
                t0, c0 = time.perf_counter(), time.thread_time()
                result = engine.step(pose, frame.timestamp_s, frame.index)
                csv_writer.write(result)
                summary.add(result)
                due = moments.due(result)
                t1, c1 = time.perf_counter(), time.thread_time()
                scene = overlay.draw(fit_to(frame.image_bgr, scene_wh), result)
                if due:
                    moments.capture(due, result, scene)
                t2, c2 = time.perf_counter(), time.thread_time()
                i420 = cast("npt.NDArray[np.uint8]", cv2.cvtColor(scene, cv2.COLOR_BGR2YUV_I420))
                t3, c3 = time.perf_counter(), time.thread_time()
                video_frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
                video_frame.pts = frame.index
                container.mux(stream.encode(video_frame))
                t4 = time.perf_counter()
                cpu_ms.append((c3 - c0) * 1e3)
                stage_cpu_ms.append(((c1 - c0) * 1e3, (c2 - c1) * 1e3, (c3 - c2) * 1e3))
                judge_ms.append((t1 - t0) * 1e3)
                draw_ms.append((t2 - t1) * 1e3)
                convert_ms.append((t3 - t2) * 1e3)
                encode_ms.append((t4 - t3) * 1e3)
            container.mux(stream.encode(None))
    total_ms = [a + b + c for a, b, c in zip(judge_ms, draw_ms, convert_ms, strict=True)]
    print(f"  judge    {_quantiles(judge_ms)}")
    print(f"  draw     {_quantiles(draw_ms)}")
    print(f"  convert  {_quantiles(convert_ms)}")
    verdict = "met" if statistics.median(total_ms) < 2.0 else "NOT met"
    print(f"  total    {_quantiles(total_ms)}   (target median < 2 ms: {verdict})")
    print(f"  encode   {_quantiles(encode_ms)}   (x264 itself, for scale)")
    # Wall time above counts the moments the machine gave the core to someone else; the
    # thread's own CPU time does not (OpenCV may add a little on its worker threads).
    verdict = "met" if statistics.median(cpu_ms) < 2.0 else "NOT met"
    judge_cpu, draw_cpu, convert_cpu = (list(stage) for stage in zip(*stage_cpu_ms, strict=True))
    print("  this thread's CPU time:")
    print(f"    judge    {_quantiles(judge_cpu)}")
    print(f"    draw     {_quantiles(draw_cpu)}")
    print(f"    convert  {_quantiles(convert_cpu)}")
    print(f"    total    {_quantiles(cpu_ms)}   (target median < 2 ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
