"""Make docs/report.png, the README's picture of report.html, from the project's own samples.

    python docs/make_report_example.py [--html-out DIR]

No footage is involved (its rights do not allow publishing it): the two kneeling hip
flexor samples in samples/ (synthetic poses, made by posecheck.synth) are played one
after the other as one session, left side then right side, through the real
`analyze_video`. The pictures it annotates are plain drawn backdrops, so the report's
fault thumbnails show the skeleton, the highlighted joint and the cue. Headless
Chromium (Debian's `chromium`) renders the page; the screenshot is cut at the page end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import Pose
from posecheck.pose.recording import open_recording
from posecheck.session import analyze_video
from posecheck.spec import find_spec, load_spec
from posecheck.video.frame import Frame
from posecheck.video.sources import FrameSource

REPO = Path(__file__).resolve().parent.parent
SAMPLES = ("kneeling-hip-flexor_good.pose.jsonl.gz", "kneeling-hip-flexor_faulty.pose.jsonl.gz")
PAUSE_S = 2.0  # between the two sides, nobody in view
WIDTH_PX = 1280


def backdrop(size_wh: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """A quiet studio: a wall graded top to bottom and a floor."""
    width, height = size_wh
    shade = np.linspace(70, 112, height, dtype=np.float64)[:, None, None]
    scene = np.broadcast_to(shade * np.array([1.0, 0.97, 0.92]), (height, width, 3)).astype(np.uint8)
    floor_y = int(height * 0.9)
    scene[floor_y:] = (58, 64, 70)
    return np.ascontiguousarray(scene)


class SamplesSource(FrameSource):
    """The samples back to back as one 'video' of backdrops; `poses` maps time to the recorded pose."""

    is_video = True

    def __init__(self, paths: list[Path]) -> None:
        self.name = "kneeling-hip-flexor_samples"
        self.path = Path("samples: kneeling-hip-flexor_good + kneeling-hip-flexor_faulty")
        self.recordings = [open_recording(p) for p in paths]
        self.size_wh = self.recordings[0].size_wh
        self.fps_hint = self.recordings[0].fps_hint
        self.frame_count_hint = None
        self.poses: dict[float, Pose | None] = {}
        self._backdrop = backdrop(self.size_wh)

    def __iter__(self) -> Iterator[Frame]:
        offset_s, index = 0.0, 0
        for recording in self.recordings:
            last_s = 0.0
            for recorded in recording:
                t_s = round(offset_s + recorded.timestamp_s, 6)
                self.poses[t_s] = recorded.pose
                yield Frame(self._backdrop.copy(), index, t_s)
                index, last_s = index + 1, recorded.timestamp_s
            offset_s += last_s + PAUSE_S

    def close(self) -> None:
        pass


class RecordedPoses:
    """A 'detector' that returns the recorded pose of each frame."""

    def __init__(self, source: SamplesSource) -> None:
        self.source = source

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        return self.source.poses.pop(timestamp_s)


def screenshot(html: Path, png: Path) -> None:
    """Render `html` 1280 px wide in headless Chromium; keep the page down to its last content row."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is needed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={WIDTH_PX},6000",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    picture = cv2.imread(str(png), cv2.IMREAD_COLOR)
    background = picture[-1, 0].astype(np.int16)
    rows = np.flatnonzero(np.abs(picture.astype(np.int16) - background).max(axis=(1, 2)) > 6)
    bottom = min(picture.shape[0], int(rows[-1]) + 24) if rows.size else picture.shape[0]
    cv2.imwrite(str(png), picture[:bottom], [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-out", type=Path, help="keep the analysis outputs (report.html, ...) here")
    parser.add_argument("--png", type=Path, default=REPO / "docs" / "report.png")
    args = parser.parse_args()
    spec = load_spec(find_spec("kneeling-hip-flexor"))
    with tempfile.TemporaryDirectory() as scratch:
        out_dir = args.html_out or Path(scratch)
        source = SamplesSource([REPO / "samples" / name for name in SAMPLES])
        result = analyze_video(source, spec, RecordedPoses(source), out_dir, write_video=False)
        screenshot(result.outputs["report"], args.png)
    print(f"{args.png}: {result.summary['verdict']}")


if __name__ == "__main__":
    main()
