"""Re-scoring a pose recording vs running the pose model, measured in one run on one real clip.

    python bench/bench_rescore.py [CLIP] [--stretch ID] [--frames N]

Times `posecheck record` (decode + pose model + writing the recording) and then
`posecheck analyze REC.pose.jsonl` (reading the recording + engine + CSV, summary and
timeline plot) on the same frames, and prints both frames/s and their ratio. The
timeline plot costs about the same for any length, so reading and the engine are
also timed on their own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from _clips import DEFAULT_CLIP

from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import resolve_model
from posecheck.pose.recording import PoseRecordingWriter, open_recording
from posecheck.session import StageTimes, analyze_recording, record_video, recording_header
from posecheck.spec import find_spec, load_spec
from posecheck.video.frame import Frame
from posecheck.video.sources import FrameSource, open_source


class _FirstFrames(FrameSource):
    """The first `limit` frames of a source."""

    def __init__(self, inner: FrameSource, limit: int | None) -> None:
        self._inner, self._limit = inner, limit
        self.name, self.size_wh, self.is_video = inner.name, inner.size_wh, inner.is_video
        self.fps_hint, self.frame_count_hint = inner.fps_hint, limit or inner.frame_count_hint
        self.path = getattr(inner, "path", Path(inner.name))

    def __iter__(self) -> Iterator[Frame]:
        return islice(iter(self._inner), self._limit)

    def close(self) -> None:
        self._inner.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--stretch", default="kneeling-hip-flexor")
    parser.add_argument("--frames", type=int, default=None, help="first N frames only (default: all)")
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    model = resolve_model(args.model)
    spec = load_spec(find_spec(args.stretch))
    clip = Path(args.clip)
    with tempfile.TemporaryDirectory() as tmp:
        rec_path = Path(tmp) / f"{clip.stem}.pose.jsonl"
        with open_source(clip) as video, PoseDetector(model) as detector:
            source = _FirstFrames(video, args.frames)
            started = time.perf_counter()
            with PoseRecordingWriter(rec_path, recording_header(source, model)) as writer:
                recorded = record_video(source, detector, writer)
            record_s = time.perf_counter() - started
        size_kb = rec_path.stat().st_size / 1024

        started = time.perf_counter()
        open_recording(rec_path).read_all()
        read_s = time.perf_counter() - started

        times = StageTimes()
        started = time.perf_counter()
        result = analyze_recording(open_recording(rec_path), spec, Path(tmp) / "out", times=times)
        rescore_s = time.perf_counter() - started
    frames = recorded.frames
    assert int(result.summary["frames_analysed"]) == frames
    engine_s = sum(times.other_ms) / 1e3
    record_fps, rescore_fps = frames / record_s, frames / rescore_s
    print(f"clip: {clip.name}, {frames} frames, model: {model.name}, recording {size_kb:.0f} KB")
    print(f"record (decode + model + write):      {record_fps:8.1f} frames/s  ({record_s:.2f} s)")
    print(f"re-score (read + engine + reports):   {rescore_fps:8.1f} frames/s  ({rescore_s:.2f} s)")
    print(f"  reading the recording alone:        {frames / read_s:8.1f} frames/s")
    print(f"  engine + CSV alone:                 {frames / engine_s:8.1f} frames/s")
    print(f"  read + engine (no plot):            {frames / (read_s + engine_s):8.1f} frames/s")
    print(f"ratio re-score / record:              {rescore_fps / record_fps:8.1f}x faster")
    print(f"ratio read + engine / record:         {frames / (read_s + engine_s) / record_fps:8.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
