"""The bare pose model as a program: decode a clip and run MediaPipe on every frame, nothing else.

    python bench/bare_model.py CLIP [--model PATH]

The yardstick the other benchmarks compare `posecheck analyze` with: the same decoder
(PyAV on its own thread) and the same model call in VIDEO mode, with no engine, no
overlay and no output files. As any program using the model would, it loads the whole
mediapipe package and gives the model the frames at the size they were recorded
(posecheck loads only what pose landmarking needs and analyses at most 1280 px).
Prints the frames and the frame loop's frames/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import mediapipe  # noqa: F401  (the whole package, as `import mediapipe as mp` loads it)

from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import resolve_model
from posecheck.video.sources import VideoFileSource


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    model = resolve_model(args.model)
    frames = found = 0
    with VideoFileSource(Path(args.clip), max_long_side_px=None) as source, PoseDetector(model) as detector:
        started = time.perf_counter()
        for frame in source:
            found += detector.detect(frame.image_bgr, frame.timestamp_s) is not None
            frames += 1
        elapsed_s = time.perf_counter() - started
    print(f"{frames} frames, pose in {found}, {frames / elapsed_s:.1f} frames/s in the frame loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
