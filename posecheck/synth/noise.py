"""What makes a synthetic pose look like a model's answer: jitter, slow drift, dropouts, uneven frame times.

Everything is drawn from one seeded numpy Generator, so the same settings and seed
give the same frames on every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import LANDMARK_INDEX, NUM_LANDMARKS, Pose

FloatArray = npt.NDArray[np.float64]

# Body parts that disappear together in a landmark dropout (one side at a time).
DROPOUT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("knee",),
    ("ankle", "heel", "foot_index"),
    ("hip",),
    ("shoulder", "elbow"),
    ("wrist", "pinky", "index", "thumb"),
)


@dataclass(frozen=True)
class Noise:
    """How the synthetic model errs. Pixel values are for the picture as rendered."""

    jitter_px: float = 1.5  # Gaussian sigma per coordinate per frame
    drift_px: float = 2.0  # amplitude of a slow wander per landmark (0.05-0.3 Hz)
    world_jitter_m: float = 0.01  # sigma of MediaPipe-style metric 3D points
    world_drift_m: float = 0.01
    visibility_jitter: float = 0.02
    pose_dropouts_per_min: float = 2.0  # frames with no person at all
    pose_dropout_s: tuple[float, float] = (0.1, 0.4)
    landmark_dropouts_per_min: float = 3.0  # a body part hidden: low visibility, position a wild guess
    landmark_dropout_s: tuple[float, float] = (0.3, 1.2)
    hidden_error_px: float = 40.0  # sigma of the wrong guess while hidden
    hidden_visibility: tuple[float, float] = (0.05, 0.3)
    frame_time_jitter: float = 0.0  # each frame interval is (1 +- this) / fps: variable frame rate

    @classmethod
    def none(cls) -> Noise:
        """No noise at all: the exact projection, every frame, on time."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, (0.1, 0.4), 0.0, (0.3, 1.2), 0.0, (0.05, 0.3), 0.0)


@dataclass(frozen=True)
class Dropout:
    """A stretch of time in which the model lost the person, or some of their landmarks."""

    start_s: float
    end_s: float
    landmarks: tuple[str, ...]  # empty: the whole person is lost (pose None)

    def covers(self, t_s: float) -> bool:
        return self.start_s <= t_s < self.end_s


def frame_times_s(duration_s: float, fps: float, jitter: float, rng: np.random.Generator) -> FloatArray:
    """Frame timestamps from 0 to `duration_s`, with intervals varied by +-`jitter` of a frame."""
    count = math.ceil(duration_s * fps) + 2
    intervals = np.full(count, 1.0 / fps)
    if jitter > 0:
        intervals *= 1.0 + rng.uniform(-jitter, jitter, count)
    times = np.concatenate([[0.0], np.cumsum(intervals)])
    return times[times < duration_s]


def plan_dropouts(
    duration_s: float, noise: Noise, rng: np.random.Generator, *, quiet_until_s: float = 0.0
) -> list[Dropout]:
    """Random dropout episodes (a Poisson process for each kind), none before `quiet_until_s`."""
    episodes: list[Dropout] = []
    for per_min, (shortest, longest), whole in (
        (noise.pose_dropouts_per_min, noise.pose_dropout_s, True),
        (noise.landmark_dropouts_per_min, noise.landmark_dropout_s, False),
    ):
        if per_min <= 0:
            continue
        t_s = quiet_until_s
        while True:
            t_s += rng.exponential(60.0 / per_min)
            if t_s >= duration_s:
                break
            length_s = rng.uniform(shortest, longest)
            landmarks: tuple[str, ...] = ()
            if not whole:
                group = DROPOUT_GROUPS[rng.integers(len(DROPOUT_GROUPS))]
                side = ("left", "right")[rng.integers(2)]
                landmarks = tuple(f"{side}_{part}" for part in group)
            episodes.append(Dropout(round(t_s, 3), round(min(t_s + length_s, duration_s), 3), landmarks))
    return sorted(episodes, key=lambda d: d.start_s)


class Drift:
    """A slow, smooth wander per landmark coordinate: two sinusoids with random rates and phases."""

    def __init__(self, shape: tuple[int, ...], amplitude: float, rng: np.random.Generator) -> None:
        self.amplitude = amplitude
        self._freq_hz = rng.uniform(0.05, 0.3, (2, *shape))
        self._phase = rng.uniform(0.0, 2 * math.pi, (2, *shape))

    def at(self, t_s: float) -> FloatArray:
        if self.amplitude == 0:
            return np.zeros(self._freq_hz.shape[1:])
        waves = np.sin(2 * math.pi * self._freq_hz * t_s + self._phase)
        return np.asarray(waves.sum(axis=0) * self.amplitude / math.sqrt(2))


class PoseNoise:
    """Applies `Noise` to clean poses frame by frame."""

    def __init__(self, noise: Noise, rng: np.random.Generator, dropouts: list[Dropout]) -> None:
        self.noise = noise
        self.rng = rng
        self.dropouts = dropouts
        self._xy_drift = Drift((NUM_LANDMARKS, 2), noise.drift_px, rng)
        self._world_drift = Drift((NUM_LANDMARKS, 3), noise.world_drift_m, rng)
        # Each landmark dropout keeps one wrong guess for its whole episode (models stick to a guess).
        self._guess_px = [rng.normal(0.0, noise.hidden_error_px, (len(d.landmarks), 2)) for d in dropouts]

    def person_lost(self, t_s: float) -> bool:
        return any(d.covers(t_s) and not d.landmarks for d in self.dropouts)

    def hidden(self, t_s: float) -> tuple[str, ...]:
        return tuple(name for d in self.dropouts if d.landmarks and d.covers(t_s) for name in d.landmarks)

    def apply(self, clean: Pose, t_s: float) -> Pose:
        n, rng = self.noise, self.rng
        xy = clean.xy_px + self._xy_drift.at(t_s) + rng.normal(0.0, 1.0, clean.xy_px.shape) * n.jitter_px
        world = (
            clean.world_xyz_m
            + self._world_drift.at(t_s)
            + rng.normal(0.0, 1.0, clean.world_xyz_m.shape) * n.world_jitter_m
        )
        visibility = clean.visibility + rng.normal(0.0, 1.0, clean.visibility.shape) * n.visibility_jitter
        for dropout, guess_px in zip(self.dropouts, self._guess_px, strict=True):
            if not (dropout.landmarks and dropout.covers(t_s)):
                continue
            index = [LANDMARK_INDEX[name] for name in dropout.landmarks]
            xy[index] += guess_px
            low, high = n.hidden_visibility
            visibility[index] = rng.uniform(low, high, len(index))
        return Pose(xy, world, np.clip(visibility, 0.0, 1.0), clean.image_wh)
