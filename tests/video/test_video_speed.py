"""The annotated video's fast path: the overlay drawn at output size on the encoder thread,
no copies of frames that keep their size, and the same picture as drawing it directly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from posecheck.checks.engine import Engine
from posecheck.overlay import Overlay
from posecheck.pose.detector import PoseDetector
from posecheck.session import analyze_video
from posecheck.spec import find_spec, load_spec
from posecheck.video.frame import Frame
from posecheck.video.sinks import VideoFileSink, fit_to, output_size
from posecheck.video.sources import FrameSource, open_source

HD_CLIP = Path("low_lunge") / "fitbod_kneeling-hip-flexor.mp4"  # 1920x1080, 60 fps


class _FirstFrames(FrameSource):
    """The first `limit` frames of a source."""

    def __init__(self, inner: FrameSource, limit: int) -> None:
        self._inner, self._limit = inner, limit
        self.name, self.size_wh, self.is_video = inner.name, inner.size_wh, inner.is_video
        self.fps_hint, self.frame_count_hint = inner.fps_hint, limit

    def __iter__(self) -> Iterator[Frame]:
        return islice(iter(self._inner), self._limit)

    def close(self) -> None:
        self._inner.close()


def _decoded(path: Path) -> list[npt.NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _psnr_db(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    return float(cv2.PSNR(a, b))


def test_fit_to_keeps_the_buffer_when_the_size_matches() -> None:
    image = np.zeros((720, 1280, 3), np.uint8)
    assert fit_to(image, (1280, 720)) is image
    smaller = fit_to(np.zeros((1080, 1920, 3), np.uint8), (1280, 720))
    assert smaller.shape == (720, 1280, 3)


def test_render_step_runs_on_the_encoder_thread(tmp_path: Path) -> None:
    seen_threads: list[str] = []

    def render(image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        seen_threads.append(threading.current_thread().name)
        scene = fit_to(image_bgr, (320, 240))
        scene[:64, :64] = 255  # a white block the decoded video must show
        return scene

    out = tmp_path / "rendered.mp4"
    with VideoFileSink(out, (320, 240), 30.0) as sink:
        for i in range(5):
            # Given at twice the size: the render step shrinks it, nothing else copies it.
            assert sink.write(np.zeros((480, 640, 3), np.uint8), i / 30, give=True, render=render)
    assert len(seen_threads) == 5
    assert all(name.startswith("posecheck-encode") for name in seen_threads)
    assert threading.current_thread().name not in seen_threads
    frames = _decoded(out)
    assert len(frames) == 5
    assert frames[0].shape == (240, 320, 3)
    assert frames[0][8:56, 8:56].mean() > 240 and frames[0][120:, 120:].mean() < 15


def test_analyze_draws_the_overlay_at_output_size(
    tmp_path: Path, model_path: Path, footage_dir: Path
) -> None:
    """The annotated 1080p clip is 1280x720 and shows what drawing the overlay on the shrunk
    frame shows, frame for frame (up to H.264's loss)."""
    spec = load_spec(find_spec("kneeling-hip-flexor"))
    frames_n = 12
    with (
        open_source(footage_dir / HD_CLIP) as source,
        PoseDetector(model_path) as detector,
    ):
        result = analyze_video(_FirstFrames(source, frames_n), spec, detector, tmp_path)
    annotated = _decoded(result.outputs["video"])
    assert len(annotated) == frames_n
    assert annotated[0].shape == (720, 1280, 3)

    # The same frames drawn directly, as the overlay's own API would.
    engine, overlay = Engine(spec), Overlay()
    with open_source(footage_dir / HD_CLIP) as source, PoseDetector(model_path) as detector:
        scene_wh = output_size(source.size_wh)
        for frame, decoded in zip(islice(iter(source), frames_n), annotated, strict=True):
            pose = detector.detect(frame.image_bgr, frame.timestamp_s)
            result_now = engine.step(pose, frame.timestamp_s, frame.index)
            plain = fit_to(frame.image_bgr, scene_wh).copy()
            expected = overlay.draw(fit_to(frame.image_bgr, scene_wh), result_now)
            assert _psnr_db(decoded, expected) > 34.0
            # ...and the overlay is really there: the plain frame differs much more.
            assert _psnr_db(decoded, plain) < _psnr_db(decoded, expected) - 3.0


@pytest.mark.parametrize(("size_wh", "expected_wh"), [((1920, 1080), (1280, 720)), ((768, 432), (768, 432))])
def test_video_size_is_the_display_size(size_wh: tuple[int, int], expected_wh: tuple[int, int]) -> None:
    assert output_size(size_wh) == expected_wh
