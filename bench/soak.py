"""Soak test of the live path: a pose recording replayed in a loop for an hour of frame time.

    python bench/soak.py [RECORDING] [--minutes 60] [--stretch ID] [--out DIR]

The whole live loop runs (routine runner, engine, overlay, HUD, per-frame CSV and
summary when --out is given) on a camera that replays the recording's frames over and
over with a timeline that keeps going, and a detector that hands back the recorded
poses (no model: the soak measures posecheck, not MediaPipe). Frames are delivered as
fast as the loop takes them (no pacing), so an hour of frame time takes minutes.

Reported:
- memory: resident set size at the end of each loop, while the session runs (writing
  the report at the end loads matplotlib, which is not growth); the growth from the
  first loop's end (warm) to the last one's, and per hour of frame time;
- hold-time drift: the seconds of hold gained in each loop, which must be the same
  in every loop (same poses, same frame intervals); the largest difference from the
  first loop, in ms;
- throughput: frames per second of wall time.

The hold target is set beyond the soak's length, so the hold never finishes and
the timer runs for the whole hour.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from posecheck.live.routine import plan_for_spec
from posecheck.live.session import FrameView, LiveOptions, LiveSession
from posecheck.live.window import HeadlessDisplay
from posecheck.pose.landmarks import Pose
from posecheck.pose.recording import open_recording
from posecheck.spec import find_spec, load_spec
from posecheck.video.camera import Captured, LatestFrame, SessionClock
from posecheck.video.frame import Frame

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RECORDING = REPO / "samples" / "kneeling-hip-flexor_good.pose.jsonl.gz"
# Pictures are drawn on at this width (the recorded poses are scaled to it): the overlay's
# cost scales with the picture, and a soak is about drift and leaks, not drawing speed.
PICTURE_WIDTH_PX = 640


def _rss_mb() -> float:
    """Resident set size of this process, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class LoopedRecording:
    """A capture device replaying a recording in a loop; its detector returns the recorded poses.

    Loop k's frames are at `t + k * (duration + interval)`, so the timeline continues as a
    camera's would. Frame `i` of the session carries pose `i mod n` of the recording.
    """

    can_reconnect = False

    def __init__(self, path: Path, duration_s: float) -> None:
        recording = open_recording(path)
        frames = recording.read_all()
        if not frames:
            raise SystemExit(f"{path} holds no frames")
        width, height = recording.size_wh
        scale = PICTURE_WIDTH_PX / width
        self.size_wh = (PICTURE_WIDTH_PX, round(height * scale))
        self.name = f"{recording.name} (looped)"
        self.fps_hint = recording.fps_hint
        self.ended = False
        self.problem: str | None = None
        times_s = [f.timestamp_s - frames[0].timestamp_s for f in frames]
        interval_s = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 1 / 30
        self.loop_s = times_s[-1] + interval_s
        self.frames_per_loop = len(frames)
        self.loops = max(1, round(duration_s / self.loop_s))
        self._times_s = times_s
        self._poses = [_scaled(f.pose, scale, self.size_wh) for f in frames]
        self._picture = np.full((self.size_wh[1], self.size_wh[0], 3), 90, np.uint8)
        self._frames = self._generate()
        self._clock = SessionClock()
        self.detector = _ReplayDetector(self._poses)

    def _generate(self) -> Iterator[Frame]:
        index = 0
        for loop in range(self.loops):
            for t_s in self._times_s:
                # A fresh picture each frame, as a camera delivers (the loop draws on a copy).
                yield Frame(self._picture.copy(), index, loop * self.loop_s + t_s)
                index += 1

    def read(self) -> Captured | None:
        frame = next(self._frames, None)
        if frame is None:
            self.ended = True
            return None
        return Captured(frame, self._clock.now_s())

    def reopen(self) -> bool:
        return False

    def close(self) -> None:
        self._frames.close()


class _ReplayDetector:
    """Hands back the recorded pose of each frame in turn (frames come in order, none dropped)."""

    def __init__(self, poses: list[Pose | None]) -> None:
        self._poses = poses
        self._next = 0
        self.last_inference_ms: float | None = 0.0

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        pose = self._poses[self._next % len(self._poses)]
        self._next += 1
        return pose


def _scaled(pose: Pose | None, scale: float, size_wh: tuple[int, int]) -> Pose | None:
    if pose is None:
        return None
    return Pose(pose.xy_px * scale, pose.world_xyz_m, pose.visibility, size_wh)


@dataclasses.dataclass
class SoakReport:
    frames: int
    loops: int
    frame_time_s: float
    wall_s: float
    rss_per_loop_mb: list[float]
    gained_per_loop_s: list[float]

    @property
    def rss_warm_mb(self) -> float:
        return self.rss_per_loop_mb[0]

    @property
    def rss_end_mb(self) -> float:
        return self.rss_per_loop_mb[-1]

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_warm_mb

    @property
    def rss_growth_mb_per_hour(self) -> float:
        warm_s = self.frame_time_s / self.loops  # growth is measured after the first loop
        span_s = max(self.frame_time_s - warm_s, 1e-9)
        return self.rss_growth_mb * 3600.0 / span_s

    @property
    def max_drift_ms(self) -> float:
        first = self.gained_per_loop_s[0]
        return max((abs(g - first) for g in self.gained_per_loop_s), default=0.0) * 1000.0

    def lines(self) -> list[str]:
        gained = self.gained_per_loop_s
        return [
            f"frames: {self.frames} in {self.loops} loops = {self.frame_time_s / 60:.1f} min of frame time, "
            f"{self.wall_s:.0f} s wall ({self.frames / self.wall_s:.0f} frames/s)",
            f"memory: {self.rss_warm_mb:.1f} MB after loop 1, {self.rss_end_mb:.1f} MB after the last: "
            f"{self.rss_growth_mb:+.1f} MB ({self.rss_growth_mb_per_hour:+.1f} MB per hour of frame time)",
            f"hold gained per loop: first {gained[0]:.3f} s, last {gained[-1]:.3f} s, "
            f"min {min(gained):.3f} s, max {max(gained):.3f} s; drift from the first loop at most "
            f"{self.max_drift_ms:.3f} ms",
        ]


def run_soak(
    recording: Path,
    minutes: float,
    stretch: str | None = None,
    out_dir: Path | None = None,
    *,
    progress: bool = False,
) -> SoakReport:
    """Run the live session over the looped recording; returns the figures."""
    device = LoopedRecording(recording, minutes * 60.0)
    stretch_id = stretch or recording.name.split("_")[0]
    spec_path = find_spec(stretch_id, REPO / "stretch_specs")
    plan = plan_for_spec(load_spec(spec_path), spec_path, countdown_s=0.0)
    never_s = device.loops * device.loop_s * 10 + 3600.0  # the hold must not finish
    plan = dataclasses.replace(plan, items=tuple(dataclasses.replace(i, hold_s=never_s) for i in plan.items))
    clock = SessionClock()
    capture = LatestFrame(device, keep_all=True)

    frames = 0
    gained = [0.0] * device.loops
    last_held_s = 0.0
    rss_mb: list[float] = []

    def observe(view: FrameView) -> None:
        nonlocal frames, last_held_s
        loop = frames // device.frames_per_loop
        hold = view.result.hold
        held_s = hold.held_s if hold is not None else last_held_s
        if held_s > last_held_s:
            gained[loop] += held_s - last_held_s
        last_held_s = held_s
        frames += 1
        if frames % device.frames_per_loop == 0:
            rss_mb.append(_rss_mb())
            if progress:
                done = len(rss_mb)
                print(
                    f"loop {done}/{device.loops}: {done * device.loop_s / 60:.1f} min of frame time, "
                    f"RSS {rss_mb[-1]:.1f} MB, hold gained {gained[done - 1]:.3f} s",
                    flush=True,
                )

    options = LiveOptions(countdown_s=0.0, out_dir=out_dir, stem="soak", finish_s=0.0)
    session = LiveSession(plan, capture, device.detector, HeadlessDisplay(), clock, options, observer=observe)
    started = time.perf_counter()
    result = session.run()
    wall_s = time.perf_counter() - started
    if frames != device.loops * device.frames_per_loop:
        raise RuntimeError(
            f"the session saw {frames} frames, expected {device.loops * device.frames_per_loop}"
        )
    del result
    return SoakReport(
        frames=frames,
        loops=device.loops,
        frame_time_s=device.loops * device.loop_s,
        wall_s=wall_s,
        rss_per_loop_mb=rss_mb,
        gained_per_loop_s=gained,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording", nargs="?", type=Path, default=DEFAULT_RECORDING)
    parser.add_argument("--minutes", type=float, default=60.0, help="frame time to run (default: 60)")
    parser.add_argument("--stretch", help="spec id (default: the recording name's first part)")
    parser.add_argument("--out", type=Path, help="also write the live outputs (CSV, summary) here")
    args = parser.parse_args(argv)
    report = run_soak(args.recording, args.minutes, args.stretch, args.out, progress=True)
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "soak"
    sys.exit(main())
