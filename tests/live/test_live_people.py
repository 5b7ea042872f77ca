"""Live coaching with two people in view: who is coached is said, and nobody inherits the hold."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.live.routine import plan_for_spec
from posecheck.live.session import LiveOptions, LiveSession
from posecheck.live.window import HeadlessDisplay
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose
from posecheck.pose.tracking import TrackingDetector
from posecheck.spec import find_spec, load_spec
from posecheck.video.camera import FileAsCamera, LatestFrame, SessionClock

REPO = Path(__file__).resolve().parents[2]
FPS = 30


def _blank_clip(path: Path, seconds: float) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height = 128, 96
        stream.pix_fmt = "yuv420p"
        for i in range(round(seconds * FPS)):
            frame = av.VideoFrame.from_ndarray(np.zeros((96, 128, 3), np.uint8), format="bgr24")
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _person(centre_x_px: float, height_px: float) -> Pose:
    rng = np.random.default_rng(3)
    xy_px = rng.uniform(-0.5, 0.5, (NUM_LANDMARKS, 2)) * [height_px / 2, height_px] + [centre_x_px, 400]
    return Pose(xy_px, np.zeros((NUM_LANDMARKS, 3)), np.full(NUM_LANDMARKS, 0.9), (1280, 720))


class ScriptedPeople:
    """Two people for 1 s, then only the second one (the coached first person walked off)."""

    last_inference_ms = 5.0

    def detect_all(self, image_bgr: np.ndarray, timestamp_s: float) -> list[Pose]:
        second = _person(1000, 300)
        return [_person(400, 420), second] if timestamp_s < 1.0 else [second]


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_the_second_person_is_announced_and_takes_over_only_as_a_new_start(tmp_path: Path) -> None:
    clip = _blank_clip(tmp_path / "two.mp4", 4.0)
    clock = SessionClock()
    capture = LatestFrame(FileAsCamera(clip, clock, paced=False), keep_all=True)
    path = find_spec("kneeling-hip-flexor", REPO / "stretch_specs")
    notices: list[str] = []
    session = LiveSession(
        plan_for_spec(load_spec(path), path),
        capture,
        ScriptedPeople(),  # type: ignore[arg-type]
        HeadlessDisplay(),
        clock,
        LiveOptions(countdown_s=0.0),
        on_notice=notices.append,
    )
    assert isinstance(session.detector, TrackingDetector)
    session.run()
    text = "\n".join(notices)
    assert "2 people in view: coaching the one who was here first" in text
    assert "the person being coached left the view: hold paused" in text
    assert "a different person is coached now: the hold starts over" in text
    # In that order: the warning, the pause, then the new start after the timeout.
    order = [
        next(i for i, n in enumerate(notices) if key in n)
        for key in ("people in view", "left the view", "different person")
    ]
    assert order == sorted(order)
    assert session.detector.tracker.switches == 1
