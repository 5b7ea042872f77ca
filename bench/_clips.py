"""Clips for the benchmarks: the real footage beside the checkout, and copies of it made smaller
or shorter in a temporary folder (never in the repository)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import cv2

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("POSECHECK_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_CLIP = SHARED / "data/footage/low_lunge/fitbod_kneeling-hip-flexor.mp4"
DEFAULT_STRETCH = "kneeling-hip-flexor"


def derive_clip(
    source: Path, out_dir: Path, *, height_px: int | None = None, seconds: float | None = None
) -> Path:
    """`source` scaled to `height_px` (aspect kept, even sizes) and/or cut to its first `seconds`,
    re-encoded as H.264 CRF 18 with the source's timestamps; the source itself when neither is asked."""
    if height_px is None and seconds is None:
        return source
    tag = f"{height_px or 'native'}p_{seconds or 'full'}s"
    target = out_dir / f"{source.stem}_{tag}.mp4"
    if target.exists():
        return target
    with av.open(str(source)) as reader, av.open(str(target), "w") as writer:
        stream = reader.streams.video[0]
        stream.thread_type = "AUTO"
        width_px, height0_px = stream.codec_context.width, stream.codec_context.height
        if height_px is not None:
            width_px = round(width_px * height_px / height0_px / 2) * 2
            height0_px = height_px
        out = writer.add_stream("libx264", rate=stream.average_rate or Fraction(30), options={"crf": "18"})
        out.width, out.height, out.pix_fmt = width_px, height0_px, "yuv420p"
        out.codec_context.time_base = stream.time_base
        first_pts: int | None = None
        for frame in reader.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            first_pts = frame.pts if first_pts is None else first_pts
            if seconds is not None and float((frame.pts - first_pts) * stream.time_base) >= seconds:
                break
            image = frame.to_ndarray(format="bgr24")
            if height_px is not None:
                image = cv2.resize(image, (width_px, height0_px), interpolation=cv2.INTER_AREA)
            encoded = av.VideoFrame.from_ndarray(image, format="bgr24")
            encoded.pts, encoded.time_base = frame.pts - first_pts, stream.time_base
            writer.mux(out.encode(encoded))
        writer.mux(out.encode(None))
    return target


def count_frames(clip: Path) -> int:
    with av.open(str(clip)) as container:
        return sum(1 for _ in container.decode(video=0))


def describe(clip: Path) -> str:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        known = stream.duration and stream.time_base
        duration_s = float(stream.duration * stream.time_base) if known else 0.0
        return f"{stream.codec_context.width}x{stream.codec_context.height}, {duration_s:.1f} s"
