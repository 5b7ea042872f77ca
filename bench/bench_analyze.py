"""How much posecheck adds to the bare pose model, measured in one run on one clip.

    python bench/bench_analyze.py [CLIP] [--frames N] [--rounds R]

Prints bare-model frames/s (decode + MediaPipe only), `posecheck analyze` frames/s
(everything: engine, overlay, CSV, summary, report, H.264 output) and the same with
--no-video, their ratios, and the median per-frame cost of everything except the model.
Runs alternate (bare, full, lean, bare, ...) so a noisy shared machine affects all alike.
Target: posecheck's non-model work adds under 10% to the bare model's time per frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from _clips import DEFAULT_CLIP

from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import resolve_model
from posecheck.session import StageTimes, analyze_video
from posecheck.spec import find_spec, load_spec
from posecheck.video.sources import FrameSource, open_source


class _FirstFrames(FrameSource):
    """The first `limit` frames of a source, so every round does the same work."""

    def __init__(self, inner: FrameSource, limit: int) -> None:
        self._inner, self._limit = inner, limit
        self.name, self.size_wh, self.is_video = inner.name, inner.size_wh, inner.is_video
        self.fps_hint, self.frame_count_hint = inner.fps_hint, limit

    def __iter__(self):  # type: ignore[no-untyped-def]
        return islice(iter(self._inner), self._limit)

    def close(self) -> None:
        self._inner.close()


def bare_model_fps(clip: Path, model: Path, frames: int) -> float:
    with open_source(clip) as source, PoseDetector(model) as detector:
        started = time.perf_counter()
        count = 0
        for frame in islice(iter(source), frames):
            detector.detect(frame.image_bgr, frame.timestamp_s)
            count += 1
        return count / (time.perf_counter() - started)


def posecheck_fps(
    clip: Path, model: Path, frames: int, spec_id: str, times: StageTimes, *, write_video: bool = True
) -> float:
    spec = load_spec(find_spec(spec_id))
    with tempfile.TemporaryDirectory() as out, open_source(clip) as source:
        limited = _FirstFrames(source, frames)
        with PoseDetector(model) as detector:
            started = time.perf_counter()
            result = analyze_video(limited, spec, detector, Path(out), write_video=write_video, times=times)
            elapsed = time.perf_counter() - started
    return int(result.summary["frames_analysed"]) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--stretch", default="kneeling-hip-flexor")
    parser.add_argument("--frames", type=int, default=300, help="frames per round (default 300)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    model = resolve_model(args.model)
    clip = Path(args.clip)
    print(f"clip: {clip.name}, {args.frames} frames x {args.rounds} rounds, model: {model.name}")
    bare: list[float] = []
    full: list[float] = []
    lean: list[float] = []
    times, lean_times = StageTimes(), StageTimes()
    for round_index in range(args.rounds):
        bare.append(bare_model_fps(clip, model, args.frames))
        full.append(posecheck_fps(clip, model, args.frames, args.stretch, times))
        lean.append(posecheck_fps(clip, model, args.frames, args.stretch, lean_times, write_video=False))
        print(
            f"  round {round_index + 1}: bare model {bare[-1]:.1f} fps, "
            f"posecheck analyze {full[-1]:.1f} fps, --no-video {lean[-1]:.1f} fps"
        )
    bare_fps = statistics.median(bare)
    print(f"bare model:                {bare_fps:6.1f} frames/s  ({1e3 / bare_fps:.1f} ms/frame)")
    for label, runs, stage in (("analyze", full, times), ("analyze --no-video", lean, lean_times)):
        fps = statistics.median(runs)
        added = bare_fps / fps - 1.0
        print(
            f"posecheck {label + ':':19} {fps:6.1f} frames/s  ({1e3 / fps:.1f} ms/frame), "
            f"ratio {fps / bare_fps:.3f}: adds {added:+.1%} per frame "
            f"(target under 10%: {'met' if added < 0.10 else 'NOT met'})"
        )
        print(
            f"    non-model work on the frame loop: median {statistics.median(stage.other_ms):.2f} ms/frame "
            f"(p95 {statistics.quantiles(stage.other_ms, n=20)[-1]:.2f} ms); "
            f"model call median {statistics.median(stage.model_ms):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
