"""What looking for more than one person costs the pose model, measured in one run.

    python bench/bench_num_poses.py [CLIP] [--frames N] [--rounds R]

Runs the model in video mode over the first N frames of a one-person clip, and over
the same frames put side by side with a mirrored copy (two people in view), with
num_poses = 1, 2 and 3. Prints the median model time per frame, the ratio to
num_poses=1 on the same scene, and how many people were found per frame.
Runs alternate (1, 2, 3, 1, 2, 3, ...) so a noisy shared machine affects all alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from itertools import islice
from pathlib import Path

import numpy as np
import numpy.typing as npt

from posecheck.pose.detector import PoseDetector
from posecheck.pose.model import resolve_model
from posecheck.video.sources import open_source

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = REPO.parent / "shared/data/footage/low_lunge/fitbod_kneeling-hip-flexor.mp4"
NUM_POSES = (1, 2, 3)


def _frames(clip: Path, limit: int) -> list[tuple[npt.NDArray[np.uint8], float]]:
    with open_source(clip) as source:
        return [(f.image_bgr, f.timestamp_s) for f in islice(source, limit)]


def _side_by_side(
    frames: list[tuple[npt.NDArray[np.uint8], float]],
) -> list[tuple[npt.NDArray[np.uint8], float]]:
    """Each frame beside its mirror image: two people, same size, facing each other."""
    return [(np.ascontiguousarray(np.hstack([image, image[:, ::-1]])), t_s) for image, t_s in frames]


def _run(
    model: Path, num_poses: int, frames: list[tuple[npt.NDArray[np.uint8], float]]
) -> tuple[float, float]:
    """(median model ms per frame, mean people found per frame)."""
    times_ms: list[float] = []
    people = 0
    with PoseDetector(model, mode="video", num_poses=num_poses) as detector:
        for image_bgr, t_s in frames:
            people += len(detector.detect_all(image_bgr, t_s))
            if detector.last_inference_ms is not None:
                times_ms.append(detector.last_inference_ms)
    return statistics.median(times_ms[1:]), people / len(frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    model = resolve_model(None)
    one = _frames(args.clip, args.frames)
    scenes = {"one person": one, "two people": _side_by_side(one)}
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for scene, frames in scenes.items():
            for n in NUM_POSES:
                results.setdefault((scene, n), []).append(_run(model, n, frames))
    print(f"{args.clip.name}: {len(one)} frames, {args.rounds} rounds, model {model.name}")
    print(f"{'scene':<12} {'num_poses':>9} {'ms/frame':>9} {'ratio':>6} {'people/frame':>13}")
    for scene in scenes:
        base_ms = statistics.median(ms for ms, _ in results[(scene, 1)])
        for n in NUM_POSES:
            ms = statistics.median(ms for ms, _ in results[(scene, n)])
            found = statistics.mean(p for _, p in results[(scene, n)])
            print(f"{scene:<12} {n:>9} {ms:>9.1f} {ms / base_ms:>6.2f} {found:>13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
