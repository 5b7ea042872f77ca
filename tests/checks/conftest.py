"""Real footage, run through the real pose model once per file for all the checks tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.pose.detector import PoseDetector
from posecheck.pose.landmarks import Pose
from posecheck.video.sources import PHOTO_SUFFIXES, open_source

# (timestamp_s, frame index, pose or None) per analysed frame.
Frames = list[tuple[float, int, Pose | None]]


@pytest.fixture(scope="session")
def footage_poses(footage_dir: Path, model_path: Path) -> Callable[[str], Frames]:
    """`footage_poses("low_lunge/x.mp4")`: the poses of a footage file, cached for the session.

    Clips are analysed at every second frame (the container timestamps are kept, so timing
    stays true); a photo is one frame at time 0.
    """
    cache: dict[str, Frames] = {}

    def get(relative: str) -> Frames:
        if relative not in cache:
            path = footage_dir / relative
            if not path.is_file():
                pytest.fail(f"required footage is missing: {path}")
            photo = path.suffix.lower() in PHOTO_SUFFIXES
            frames: Frames = []
            with (
                open_source(path) as source,
                PoseDetector(model_path, mode="image" if photo else "video") as detector,
            ):
                for frame in source:
                    if not photo and frame.index % 2:
                        continue
                    frames.append(
                        (frame.timestamp_s, frame.index, detector.detect(frame.image_bgr, frame.timestamp_s))
                    )
            cache[relative] = frames
        return cache[relative]

    return get


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that run the pose model on footage are slow (`pytest -m "not slow"` leaves them out)."""
    for item in items:
        if "footage_poses" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
