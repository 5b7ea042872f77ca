"""PoseDetector with the real model on real footage (read in place from ../shared)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest
from support.paths import REPO_DIR

from posecheck.errors import ModelError
from posecheck.pose.detector import DetectorInBackground, PoseDetector
from posecheck.pose.landmarks import LANDMARK_INDEX

pytestmark = pytest.mark.slow


def _y(pose_xy: npt.NDArray[np.float64], name: str) -> float:
    return float(pose_xy[LANDMARK_INDEX[name], 1])


@pytest.fixture(scope="module")
def kneeling_photo(footage_dir: Path) -> npt.NDArray[np.uint8]:
    path = footage_dir / "low_lunge" / "fedb_kneeling-hip-flexor_0.jpg"
    image = cv2.imread(str(path))
    assert image is not None, f"cannot read {path}"
    return np.asarray(image, dtype=np.uint8)


def _first_frames(path: Path, count: int) -> list[tuple[npt.NDArray[np.uint8], float]]:
    frames: list[tuple[npt.NDArray[np.uint8], float]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            image = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
            frames.append((image, float(frame.time)))
            if len(frames) == count:
                break
    return frames


def test_image_mode_finds_the_kneeling_person(
    model_path: Path, kneeling_photo: npt.NDArray[np.uint8]
) -> None:
    height_px, width_px = kneeling_photo.shape[:2]
    with PoseDetector(model_path, mode="image") as detector:
        pose = detector.detect(kneeling_photo, 0.0)
        assert detector.last_inference_ms is not None and detector.last_inference_ms > 0

    assert pose is not None
    assert pose.image_wh == (width_px, height_px)
    assert pose.xy_px.dtype == np.float64
    assert float(pose.visibility.mean()) > 0.6
    assert pose.in_frame().all()
    xy = pose.xy_px
    for side in ("left", "right"):
        assert _y(xy, f"{side}_shoulder") < _y(xy, f"{side}_hip")
        assert _y(xy, f"{side}_hip") < _y(xy, f"{side}_ankle")
    # The back leg kneels: hip above its knee above its ankle. (The front knee
    # is raised above the hip in this stretch, so it is not checked.)
    back = max(("left", "right"), key=lambda side: _y(xy, f"{side}_knee"))
    assert _y(xy, f"{back}_hip") < _y(xy, f"{back}_knee") < _y(xy, f"{back}_ankle")
    # World landmarks are metric and centred on the hips.
    mid_hip_m = pose.world_xyz_m[[LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]]].mean(0)
    assert np.isfinite(pose.world_xyz_m).all()
    assert np.abs(mid_hip_m).max() < 0.1
    assert 0.2 < np.ptp(pose.world_xyz_m[:, 1]) < 2.5  # a body spans metres, not pixels


def test_blank_image_gives_none(model_path: Path) -> None:
    with PoseDetector(model_path, mode="image") as detector:
        assert detector.detect(np.zeros((480, 640, 3), np.uint8), 0.0) is None
        assert detector.detect(np.full((480, 640), 255, np.uint8), 0.0) is None  # grayscale


def test_video_mode_survives_repeated_timestamps(model_path: Path, footage_dir: Path) -> None:
    frames = _first_frames(footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4", 30)
    assert len(frames) == 30
    found = 0
    with PoseDetector(model_path, mode="video") as detector:
        for index, (image, time_s) in enumerate(frames):
            # Every third frame repeats the previous time, and one even goes back: both
            # happen with variable-frame-rate phone footage and webcams.
            if index % 3 == 2:
                time_s = frames[index - 1][1]
            if index == 10:
                time_s = frames[5][1]
            pose = detector.detect(image, time_s)
            found += pose is not None
            if pose is not None:
                assert pose.image_wh == (image.shape[1], image.shape[0])
        # Sub-millisecond steps round to the same ms: also bumped, not rejected.
        detector.detect(frames[-1][0], frames[-1][1] + 0.0001)
    assert found >= 27


def test_garbage_model_file(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.task"
    garbage.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        PoseDetector(garbage)


def test_bundle_mediapipe_cannot_load(tmp_path: Path) -> None:
    fake = tmp_path / "fake.task"
    with zipfile.ZipFile(fake, "w") as bundle:
        bundle.writestr("pose_detector.tflite", b"\x00" * 1000)
    with pytest.raises(ModelError, match="MediaPipe cannot load") as info:
        PoseDetector(fake, mode="image")
    assert str(fake) in str(info.value)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        PoseDetector(tmp_path / "missing.task")


def test_close_is_idempotent_and_final(model_path: Path, kneeling_photo: npt.NDArray[np.uint8]) -> None:
    detector = PoseDetector(model_path, mode="image")
    detector.close()
    detector.close()
    assert detector.closed
    with pytest.raises(RuntimeError, match="after close"):
        detector.detect(kneeling_photo, 0.0)


def test_rejects_non_image_arrays(model_path: Path) -> None:
    with PoseDetector(model_path, mode="image") as detector, pytest.raises(ValueError):
        detector.detect(np.zeros((10, 10, 3), np.float32), 0.0)  # type: ignore[arg-type]


def test_native_log_lines_are_silenced(
    model_path: Path, kneeling_photo: npt.NDArray[np.uint8], capfd: pytest.CaptureFixture[str]
) -> None:
    # capfd reads file descriptors 1 and 2, where MediaPipe's C++ logging goes.
    with PoseDetector(model_path, mode="video") as detector:
        for index in range(3):
            detector.detect(kneeling_photo, index / 30)
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_unclosed_detector_exits_quietly(model_path: Path) -> None:
    """mediapipe's own __del__ raises TypeError at exit if nobody closed it."""
    script = textwrap.dedent(
        f"""
        import numpy as np
        from pathlib import Path
        from posecheck.pose.detector import DetectorInBackground, PoseDetector
        detector = PoseDetector(Path({str(model_path)!r}), mode="video")
        detector.detect(np.zeros((240, 320, 3), np.uint8), 0.0)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("POSECHECK_MEDIAPIPE_LOGS", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_detector_made_in_background_works_and_is_closed_when_not_taken(
    model_path: Path, kneeling_photo: npt.NDArray[np.uint8]
) -> None:
    with DetectorInBackground(model_path, "image") as loading:
        assert loading.made_for(model_path, "image", 1)
        assert not loading.made_for(model_path, "video", 1)
        with loading.take() as detector:
            assert detector.mode == "image"
            assert detector.detect(kneeling_photo, 0.0) is not None
        with pytest.raises(RuntimeError, match="twice"):
            loading.take()
    with DetectorInBackground(model_path) as untaken:
        pass
    assert untaken._made is None  # made, then closed on leaving the block


def test_detector_made_in_background_raises_on_take(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.task"
    garbage.write_bytes(b"not a model")
    with DetectorInBackground(garbage) as loading, pytest.raises(ModelError):
        loading.take()
