"""The pose recordings in samples/: made by the generator, never from footage.

    python -m posecheck.synth.samples            # rewrite samples/ from the generator
    python -m posecheck.synth.samples --check    # exit 1 if samples/ differs from what it makes

Each sample is a stretch done well (`_good`) or with two fault episodes (`_faulty`),
filmed side-on with realistic jitter, drift, dropouts and uneven frame times. The
header's "synthetic" section holds the ground truth: the phases with their times and
the rule each fault breaks.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.pose.landmarks import Pose
from posecheck.pose.recording import open_recording
from posecheck.synth import presets
from posecheck.synth.camera import Camera
from posecheck.synth.noise import Noise
from posecheck.synth.script import Scene, Script, SynthClip, render

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
SUFFIX = ".pose.jsonl.gz"
FPS = 30.0
# Samples keep world points to 1 mm and visibility to 0.01: far below the noise,
# and it keeps each file small (the format itself allows 0.1 mm and 0.001).
SAMPLE_WORLD_DECIMALS = 3
SAMPLE_VISIBILITY_DECIMALS = 2
SAMPLE_NOISE = Noise(frame_time_jitter=0.15)

KNEELING_CAMERA = Camera(distance_m=2.6, height_m=0.7)
STANDING_CAMERA = Camera(distance_m=3.2, height_m=1.0)


@dataclass(frozen=True)
class Sample:
    name: str  # file name without the suffix: "<spec id>_<good|faulty>"
    stretch: str  # spec id that judges it
    description: str
    script: Callable[[], Script]
    scene: Scene
    seed: int

    @property
    def file_name(self) -> str:
        return self.name + SUFFIX

    def render(self) -> SynthClip:
        clip = render(self.script(), self.scene, SAMPLE_NOISE, fps=FPS, seed=self.seed)
        frames = [dataclasses.replace(f, pose=_coarsen(f.pose)) for f in clip.frames]
        return dataclasses.replace(clip, frames=frames)

    def write(self, folder: Path) -> Path:
        extra = {"sample": self.name, "stretch": self.stretch, "description": self.description}
        return self.render().write(
            folder / self.file_name, source=f"synthetic: {self.description}", extra=extra
        )


def _coarsen(pose: Pose | None) -> Pose | None:
    if pose is None:
        return None
    return Pose(
        pose.xy_px,
        np.round(pose.world_xyz_m, SAMPLE_WORLD_DECIMALS),
        np.round(pose.visibility, SAMPLE_VISIBILITY_DECIMALS),
        pose.image_wh,
    )


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "kneeling-hip-flexor_good",
        "kneeling-hip-flexor",
        "kneeling hip flexor stretch, left foot forward, facing right, good form held 34 s",
        lambda: presets.kneeling_hip_flexor_script("left"),
        Scene(view="side-right", camera=KNEELING_CAMERA),
        seed=11,
    ),
    Sample(
        "kneeling-hip-flexor_faulty",
        "kneeling-hip-flexor",
        "kneeling hip flexor stretch, right foot forward, facing left: knee past the ankle, "
        "then leaning forward",
        lambda: presets.kneeling_hip_flexor_script("right", faults=True),
        Scene(view="side-left", camera=KNEELING_CAMERA),
        seed=12,
    ),
    Sample(
        "standing-quad-stretch_good",
        "standing-quad-stretch",
        "standing quad stretch, right heel up, facing left, good form held 34 s",
        lambda: presets.standing_quad_script("right"),
        Scene(view="side-left", camera=STANDING_CAMERA),
        seed=21,
    ),
    Sample(
        "standing-quad-stretch_faulty",
        "standing-quad-stretch",
        "standing quad stretch, left heel up, facing right: arching the back, then the knee swung forward",
        lambda: presets.standing_quad_script("left", faults=True),
        Scene(view="side-right", camera=STANDING_CAMERA),
        seed=22,
    ),
)


def write_samples(folder: Path = SAMPLES_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [sample.write(folder) for sample in SAMPLES]


def differences(folder: Path = SAMPLES_DIR) -> list[str]:
    """How the recordings in `folder` differ from what the generator makes now (empty: none).

    Values are compared to within one rounding step, so another platform's last-digit
    floating-point differences (or another zlib's bytes) do not count.
    """
    problems = []
    for sample in SAMPLES:
        path = folder / sample.file_name
        if not path.is_file():
            problems.append(f"{path} is missing")
            continue
        clip = sample.render()
        recording = open_recording(path)
        expected = clip.header(f"synthetic: {sample.description}")
        stored = recording.header
        if stored.synthetic is None or dict(stored.synthetic)["phases"] != expected.synthetic["phases"]:  # type: ignore[index]
            problems.append(f"{path}: the script (phases) changed")
        frames = recording.read_all()
        if len(frames) != len(clip.frames):
            problems.append(f"{path}: {len(frames)} frames, the generator makes {len(clip.frames)}")
            continue
        for got, want in zip(frames, clip.frames, strict=True):
            if not _same_frame(got.timestamp_s, got.pose, want.timestamp_s, want.pose):
                problems.append(f"{path}: frame {got.index} differs from the generator's")
                break
    return problems


def _same_frame(t_a: float, a: Pose | None, t_b: float, b: Pose | None) -> bool:
    if abs(t_a - t_b) > 2e-6 or (a is None) != (b is None):
        return False
    if a is None or b is None:
        return True
    return all(
        np.allclose(x, y, atol=step * 1.01, equal_nan=True)
        for x, y, step in (
            (a.xy_px, b.xy_px, 0.1),
            (a.world_xyz_m, b.world_xyz_m, 10.0**-SAMPLE_WORLD_DECIMALS),
            (a.visibility, b.visibility, 10.0**-SAMPLE_VISIBILITY_DECIMALS),
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m posecheck.synth.samples", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="folder (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("samples are stale: run python -m posecheck.synth.samples", file=sys.stderr)
            return 1
        print(f"{len(SAMPLES)} samples in {args.out} match the generator")
        return 0
    for path in write_samples(args.out):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
