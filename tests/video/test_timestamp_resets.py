"""Streams whose clock starts again (files joined end to end): the timeline continues, nothing is lost."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.video.sources import open_source

FPS = 30


def _segment(path: Path, frames: int, first_pts: int = 0) -> bytes:
    """An MPEG-TS stream of `frames` pictures at 30 fps; each segment's clock starts at `first_pts`."""
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("mpeg2video", rate=FPS)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        for i in range(frames):
            image_bgr = np.full((48, 64, 3), (i * 7) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(image_bgr, format="bgr24")
            frame.pts = first_pts + i
            frame.time_base = Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path.read_bytes()


def _joined(tmp_path: Path, *segments: tuple[int, int]) -> Path:
    data = b"".join(_segment(tmp_path / f"part{i}.ts", n, start) for i, (n, start) in enumerate(segments))
    path = tmp_path / "joined.ts"
    path.write_bytes(data)
    return path


def test_a_restarting_clock_continues_the_timeline(tmp_path: Path) -> None:
    path = _joined(tmp_path, (180, 0), (120, 0))
    with open_source(path) as source:
        times_s = [frame.timestamp_s for frame in source]
        resets = source.timestamp_resets  # type: ignore[attr-defined]
        problem = source.problem
        truncated = source.truncated
    assert len(times_s) == 300  # not one frame dropped
    assert all(b > a for a, b in itertools.pairwise(times_s))
    # The second part starts one frame interval after the last frame of the first.
    assert times_s[180] - times_s[179] == pytest.approx(1 / FPS, abs=1e-6)
    assert times_s[-1] == pytest.approx(299 / FPS, abs=1e-6)
    assert resets == 1
    assert not truncated  # every frame was read: a warning, not a partial result
    assert problem is not None and "start again 1 time(s)" in problem


def test_two_restarts_to_an_earlier_but_nonzero_time(tmp_path: Path) -> None:
    path = _joined(tmp_path, (90, 300), (60, 30), (45, 0))
    with open_source(path) as source:
        times_s = [frame.timestamp_s for frame in source]
        resets = source.timestamp_resets  # type: ignore[attr-defined]
    assert len(times_s) == 195
    assert all(b > a for a, b in itertools.pairwise(times_s))
    assert resets == 2


def test_a_continuous_stream_reports_nothing(tmp_path: Path) -> None:
    path = _joined(tmp_path, (120, 0))
    with open_source(path) as source:
        times_s = [frame.timestamp_s for frame in source]
        assert source.problem is None
        assert source.timestamp_resets == 0  # type: ignore[attr-defined]
    assert len(times_s) == 120
