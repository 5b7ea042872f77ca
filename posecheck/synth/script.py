"""Poses over time: a script of phases (enter, hold, a fault, ...) rendered to frames with ground truth.

    script = Script((ScriptPhase("absent", 0.5, None), ScriptPhase("hold", 30, good),
                     ScriptPhase("lean", 6, lean, fault=...)))
    frames = render(script, Scene(view="side-right"), Noise(), fps=30, seed=1)

Each phase eases in from the previous pose over its first `transition_s`, then holds
(with a slow breathing sway of the trunk). Every `SynthFrame` carries the noisy pose a
model would report, the clean pose, and the exact angles that made it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.pose.landmarks import Pose
from posecheck.pose.recording import PoseRecordingWriter, RecordingHeader
from posecheck.synth.body import BodyAngles, BodyProportions, blend, skeleton_m
from posecheck.synth.camera import VIEW_HEADINGS_DEG, Camera, observe
from posecheck.synth.noise import Noise, PoseNoise, frame_times_s, plan_dropouts

BREATH_HZ = 0.2  # about 12 breaths a minute


@dataclass(frozen=True)
class ScriptPhase:
    """A stretch of the script: hold `angles` for `duration_s` (None: nobody in view)."""

    label: str
    duration_s: float
    angles: BodyAngles | None
    transition_s: float = 0.8  # eased blend from the previous pose at the start of the phase
    fault: str | None = None  # id of the rule this phase breaks on purpose (ground truth for tests)


@dataclass(frozen=True)
class PhaseWindow:
    label: str
    start_s: float
    end_s: float
    settled_s: float  # when the transition into this phase is over
    fault: str | None


@dataclass(frozen=True)
class Script:
    phases: tuple[ScriptPhase, ...]
    sway_deg: float = 1.0  # trunk lean breathing in and out

    @property
    def duration_s(self) -> float:
        return sum(p.duration_s for p in self.phases)

    def windows(self) -> list[PhaseWindow]:
        windows, start_s = [], 0.0
        previous: ScriptPhase | None = None
        for phase in self.phases:
            blends = previous is not None and previous.angles is not None and phase.angles is not None
            settled_s = start_s + (min(phase.transition_s, phase.duration_s) if blends else 0.0)
            windows.append(
                PhaseWindow(phase.label, start_s, start_s + phase.duration_s, settled_s, phase.fault)
            )
            start_s += phase.duration_s
            previous = phase
        return windows

    def at(self, t_s: float) -> tuple[PhaseWindow, BodyAngles | None]:
        """The phase at time `t_s` and the exact angles then (None: nobody in view)."""
        windows = self.windows()
        i = next((k for k, w in enumerate(windows) if t_s < w.end_s), len(windows) - 1)
        phase, window = self.phases[i], windows[i]
        if phase.angles is None:
            return window, None
        angles = phase.angles
        before = self.phases[i - 1].angles if i > 0 else None
        if before is not None and t_s < window.settled_s:
            progress = (t_s - window.start_s) / (window.settled_s - window.start_s)
            angles = blend(before, angles, _smoothstep(progress))
        if self.sway_deg:
            sway = self.sway_deg * math.sin(2 * math.pi * BREATH_HZ * t_s)
            angles = dataclasses.replace(angles, trunk_lean_deg=angles.trunk_lean_deg + sway)
        return window, angles


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class Scene:
    """Who is filmed, and from where."""

    view: str = "side-right"  # side-right | side-left (the way the person faces) | front
    yaw_deg: float = 0.0  # turned away from the exact view, + = towards the camera
    camera: Camera = field(default_factory=Camera)
    body: BodyProportions = field(default_factory=BodyProportions)

    @property
    def heading_deg(self) -> float:
        if self.view not in VIEW_HEADINGS_DEG:
            raise ValueError(f"view must be one of {sorted(VIEW_HEADINGS_DEG)}, got {self.view!r}")
        base = VIEW_HEADINGS_DEG[self.view]
        # Turning towards the camera: from image-right that is +heading, from image-left -heading.
        return base + (self.yaw_deg if base == 0.0 else -self.yaw_deg)

    def scene_points_m(self, angles: BodyAngles, centre_x_m: float = 0.0) -> np.ndarray:
        points = skeleton_m(angles, self.body, self.heading_deg)
        points[:, 0] -= centre_x_m
        return points

    def centre_x_m(self, angles: BodyAngles) -> float:
        """Horizontal shift that centres this pose in the picture."""
        x = skeleton_m(angles, self.body, self.heading_deg)[:, 0]
        return float((x.min() + x.max()) / 2)

    def pose(self, angles: BodyAngles, *, centred: bool = True) -> Pose:
        """The exact, noise-free pose of `angles` in this scene."""
        centre = self.centre_x_m(angles) if centred else 0.0
        return observe(self.scene_points_m(angles, centre), self.camera)


@dataclass(frozen=True)
class SynthFrame:
    index: int
    timestamp_s: float
    pose: Pose | None  # what a model would report: noise, drift, dropouts
    clean_pose: Pose | None  # the exact projection (None: nobody in view)
    angles: BodyAngles | None  # the joint angles that made it
    phase: PhaseWindow
    hidden: tuple[str, ...] = ()  # landmarks in a dropout on this frame (low visibility, wrong position)
    person_lost: bool = False  # a whole-pose dropout: the person is there but `pose` is None


@dataclass(frozen=True)
class SynthClip:
    frames: list[SynthFrame]
    script: Script
    scene: Scene
    noise: Noise
    fps: float
    seed: int

    def header(self, source: str, extra: dict[str, Any] | None = None) -> RecordingHeader:
        """A recording header that describes how the clip was made, with its ground truth."""
        camera = self.scene.camera
        synthetic = {
            "generator": "posecheck.synth",
            "seed": self.seed,
            "view": self.scene.view,
            "yaw_deg": self.scene.yaw_deg,
            "body_height_m": self.scene.body.height_m,
            "camera": {
                "distance_m": camera.distance_m,
                "height_m": camera.height_m,
                "vfov_deg": camera.vfov_deg,
                "pitch_deg": camera.pitch_deg,
            },
            "noise": dataclasses.asdict(self.noise),
            "phases": [
                {
                    "label": w.label,
                    "start_s": round(w.start_s, 3),
                    "settled_s": round(w.settled_s, 3),
                    "end_s": round(w.end_s, 3),
                    "fault": w.fault,
                }
                for w in self.script.windows()
            ],
            **(extra or {}),
        }
        return RecordingHeader(
            source=source,
            size_wh=camera.image_wh,
            model="synthetic",
            fps_hint=self.fps,
            frame_count_hint=len(self.frames),
            synthetic=synthetic,
        )

    def write(self, path: str | Path, source: str, extra: dict[str, Any] | None = None) -> Path:
        """Save as a pose recording (`.pose.jsonl`, or `.pose.jsonl.gz` to compress)."""
        with PoseRecordingWriter(path, self.header(source, extra)) as writer:
            for frame in self.frames:
                writer.write(frame.index, frame.timestamp_s, frame.pose)
        return Path(path)


def render(script: Script, scene: Scene, noise: Noise, *, fps: float = 30.0, seed: int = 0) -> SynthClip:
    """Every frame of the script as a model would see it; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    times = frame_times_s(script.duration_s, fps, noise.frame_time_jitter, rng)
    first_present = next((p.angles for p in script.phases if p.angles is not None), None)
    # One horizontal shift for the whole clip, so that holding still means still in the picture.
    centre_x_m = scene.centre_x_m(first_present) if first_present is not None else 0.0
    # No dropouts while the person steps in: the first pose seen is a clean start.
    quiet_until_s = next((w.settled_s + 1.0 for w in script.windows() if w.label != "absent"), 0.0)
    model_noise = PoseNoise(
        noise, rng, plan_dropouts(script.duration_s, noise, rng, quiet_until_s=quiet_until_s)
    )
    frames = []
    for index, t in enumerate(times):
        t_s = float(t)
        window, angles = script.at(t_s)
        clean = pose = None
        hidden: tuple[str, ...] = ()
        lost = False
        if angles is not None:
            clean = observe(scene.scene_points_m(angles, centre_x_m), scene.camera)
            lost = model_noise.person_lost(t_s)
            if not lost:
                pose = model_noise.apply(clean, t_s)
                hidden = model_noise.hidden(t_s)
        frames.append(SynthFrame(index, t_s, pose, clean, angles, window, hidden, lost))
    return SynthClip(frames, script, scene, noise, fps, seed)


def hold(angles: BodyAngles, duration_s: float, label: str = "hold") -> Script:
    """The simplest script: one pose held still (no sway), for measurement tests."""
    return Script((ScriptPhase(label, duration_s, angles),), sway_deg=0.0)


def phases(*items: ScriptPhase | Iterable[ScriptPhase]) -> tuple[ScriptPhase, ...]:
    """Flatten phases and lists of phases into one tuple."""
    out: list[ScriptPhase] = []
    for item in items:
        out.extend([item] if isinstance(item, ScriptPhase) else item)
    return tuple(out)
