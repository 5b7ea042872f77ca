"""Does `posecheck live` keep up with a camera? A real clip played at its native rate, headless.

    python bench/bench_live.py [CLIP] [--stretch ID] [--max-fps FPS] [--rounds R]

Plays the clip as if it were a 30 fps camera through the real live loop (capture thread,
newest frame wins, pose model, engine, overlay drawn at window size; only the window
itself is left out) and prints frames shown per second against the source rate, the
median and 95th-percentile latency from frame capture to overlay ready, the frames
dropped, and the model's own median inference time (measured alone, on the same frames)
with the ratio median latency / inference.
Targets (2 cores, full model): keeps up with a 30 fps source with at most 10% of frames
dropped; median latency under 1.5x the model's own inference time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from itertools import islice
from pathlib import Path

from _clips import SHARED

from posecheck.live.routine import plan_for_spec
from posecheck.live.session import LiveOptions, LiveSession, LiveStats
from posecheck.live.window import HeadlessDisplay
from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import resolve_model
from posecheck.spec import find_spec, load_spec
from posecheck.video.camera import FileAsCamera, LatestFrame, SessionClock
from posecheck.video.sources import open_source

DEFAULT_CLIP = SHARED / "data/footage/quad_stretch/traj_prone-quad-stretch_vertical.mp4"


def bare_inference_ms(clip: Path, model: Path, frames: int) -> float:
    """The model's own median time per frame, alone on the machine (frames decoded beforehand)."""
    with open_source(clip) as source:
        decoded = list(islice(iter(source), frames))
    times = []
    with PoseDetector(model) as detector:
        for frame in decoded:
            detector.detect(frame.image_bgr, frame.timestamp_s)
            if detector.last_inference_ms is not None:
                times.append(detector.last_inference_ms)
    return statistics.median(times[5:])  # the first calls warm up the graph


def live_run(clip: Path, model: Path, stretch: str, max_fps: float | None) -> LiveStats:
    spec_path = find_spec(stretch)
    plan = plan_for_spec(load_spec(spec_path), spec_path)
    clock = SessionClock()
    device = FileAsCamera(clip, clock, max_fps=max_fps)
    options = LiveOptions(countdown_s=0.0, finish_s=0.0)
    with PoseDetector(model) as detector:
        session = LiveSession(plan, LatestFrame(device), detector, HeadlessDisplay(), clock, options)
        result = session.run()
    return result.stats


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--stretch", default="standing-quad-stretch")
    parser.add_argument("--max-fps", type=float, default=30.0, help="source rate (default 30)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    model = resolve_model(args.model)
    clip = Path(args.clip)
    cores = os.cpu_count()
    print(f"clip: {clip.name}, played at up to {args.max_fps:g} fps, model: {model.name}, {cores} cores")
    inference = []
    runs: list[LiveStats] = []
    for round_index in range(args.rounds):
        inference.append(bare_inference_ms(clip, model, 150))
        stats = live_run(clip, model, args.stretch, args.max_fps)
        runs.append(stats)
        print(
            f"  round {round_index + 1}: model alone {inference[-1]:.1f} ms; live {stats.shown_fps:.1f} fps, "
            f"median latency {stats.median_latency_ms():.1f} ms, dropped {stats.frames_dropped}"
            f"/{stats.frames_captured}"
        )
    inference_ms = statistics.median(inference)
    source_fps = runs[0].source_fps or args.max_fps
    shown_fps = statistics.median(s.shown_fps for s in runs)
    latencies = [v for s in runs for v in s.latency_ms]
    median_ms, p95_ms = statistics.median(latencies), percentile(latencies, 0.95)
    dropped = sum(s.frames_dropped for s in runs)
    captured = sum(s.frames_captured for s in runs)
    in_loop_ms = statistics.median(v for s in runs for v in s.inference_ms)
    drop_fraction = dropped / captured if captured else 0.0
    ratio = median_ms / inference_ms
    print(f"source frame rate:        {source_fps:6.1f} fps")
    print(f"frames shown per second:  {shown_fps:6.1f} fps  ({shown_fps / source_fps:.0%} of the source)")
    print(f"latency capture->overlay: median {median_ms:.1f} ms, p95 {p95_ms:.1f} ms")
    print(f"frames dropped:           {dropped} of {captured} ({drop_fraction:.1%})")
    print(
        f"model inference:          {inference_ms:.1f} ms alone (median), {in_loop_ms:.1f} ms inside the loop"
    )
    print(f"median latency / model:   {ratio:.2f}x")
    print("target: at most 10% dropped: " + ("met" if drop_fraction <= 0.10 else "NOT met"))
    print("target: median latency under 1.5x inference: " + ("met" if ratio < 1.5 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
