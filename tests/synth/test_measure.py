"""Ground truth: every measurement kind of the spec language, on generated poses with known angles.

Each case poses the skeleton by joint angles, films it from the views where the
measurement means something, and compares `measure()` (the engine's own code path)
with the value the angles imply.

Stated tolerances:

- Without noise: exact (1e-6) when every point lies in one plane parallel to the
  picture (one limb in a true side view; frontal-plane angles in a front view), since
  such a plane projects with a single scale; and exact for 3D (world) measurements from
  any view, oblique ones included. A midpoint of a near and a far landmark (mid_hip,
  mid_shoulder) is off by perspective, as in a real photo: within 0.1 deg / 0.002.
- With noise of sigma px per coordinate (sigma m in 3D): the error is the first-order
  propagation of that noise through the measurement, sigma_m = sigma * |d value / d coords|,
  computed for each case numerically (`_predicted_sigma`). The tests check that the
  observed RMS error is that prediction (within 25%), that there is no bias, and bound
  99% of single frames at 3 sigma_m. Per pixel of noise, for the kneeling samples' camera
  (2.6 m away, thigh ~125 px): knee angle 1.0 deg, torso lean 0.4 deg, shin tilt 0.65 deg,
  knee past ankle 0.011 thigh lengths; per 5 mm of 3D noise: knee angle 1.5 deg, twist
  seen from above 2.6 deg (the hip line is short). Errors scale with the noise; the
  engine's smoothing then shrinks them about threefold.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pytest
from pydantic import TypeAdapter

from posecheck.checks.measure import Sides, measure
from posecheck.pose.landmarks import Pose
from posecheck.spec.model import Measure
from posecheck.synth import BodyAngles, BodyProportions, Noise, Scene
from posecheck.synth.noise import PoseNoise
from posecheck.synth.samples import KNEELING_CAMERA

BODY = BodyProportions()
T, S = BODY.thigh, BODY.shank  # fractions of height; their ratios are what offsets measure
EXACT = 1e-6  # every point at one depth, or a 3D measurement
MIDPOINT_DEG = 0.1  # a midpoint of a near and a far landmark (perspective)
MIDPOINT_RATIO = 0.002
NOISE_FRAMES = 400
SIGMAS_PX = (1.0, 2.0, 4.0)
WORLD_SIGMA_M_PER_PX = 0.005  # 1 px of picture noise goes with 5 mm of 3D noise in these tests

SIDE = ("side-right", "side-left")
FRONT = ("front",)
ANY = ("side-right", "side-left", "front", "oblique")

# Left leg: thigh 30 deg forward, knee bent 50 deg, so the shin leans 20 deg back from vertical.
LEG = BodyAngles().with_leg("left", hip_flex_deg=30.0, knee_flex_deg=50.0)
SHIN_BACK_DEG = 20.0


@dataclass(frozen=True)
class Case:
    name: str
    measure: dict[str, Any]
    angles: BodyAngles
    views: tuple[str, ...]
    expected: float


def _variant(measure_dict: dict[str, Any]) -> tuple[str, str]:
    parsed = TypeAdapter(Measure).validate_python(measure_dict)
    return measure_dict["kind"], _mode(parsed)


def _mode(parsed: Any) -> str:
    modes = _modes(type(parsed))
    return ",".join(f"{name}={getattr(parsed, name)}" for name in modes)


def _modes(cls: type) -> dict[str, tuple[str, ...]]:
    """A measure class's Literal options other than `kind` (space, reference, axis, plane)."""
    options = {}
    for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
        if name != "kind" and typing.get_origin(info.annotation) is Literal:
            options[name] = typing.get_args(info.annotation)
    return options


def spec_language_variants() -> set[tuple[str, str]]:
    """Every (kind, mode) the spec language offers, read from the spec model itself."""
    variants = set()
    for cls in typing.get_args(typing.get_args(Measure)[0]):
        kind = typing.get_args(cls.model_fields["kind"].annotation)[0]
        modes = _modes(cls)
        if not modes:
            variants.add((kind, ""))
        for name, values in modes.items():
            for value in values:
                variants.add((kind, f"{name}={value}"))
    return variants


CASES = [
    Case(
        "knee angle, side-on",
        {"kind": "angle", "points": ["left_hip", "left_knee", "left_ankle"], "space": "image"},
        LEG,
        SIDE,
        180.0 - 50.0,
    ),
    Case(
        "hip abduction angle, front",
        {"kind": "angle", "points": ["right_hip", "left_hip", "left_knee"], "space": "image"},
        BodyAngles().with_leg("left", hip_abd_deg=25.0),
        FRONT,
        90.0 + 25.0,
    ),
    Case(
        "knee angle in 3D, any view",
        {"kind": "angle", "points": ["left_hip", "left_knee", "left_ankle"], "space": "world"},
        LEG,
        ANY,
        180.0 - 50.0,
    ),
    Case(
        "torso lean",
        {"kind": "direction", "points": ["mid_hip", "mid_shoulder"], "reference": "vertical"},
        BodyAngles(trunk_lean_deg=15.0),
        SIDE,
        15.0,
    ),
    Case(
        "torso side bend, front",
        {"kind": "direction", "points": ["mid_hip", "mid_shoulder"], "reference": "vertical"},
        BodyAngles(trunk_side_deg=12.0),
        FRONT,
        12.0,  # bending to the person's left = to the picture's right when they face the camera
    ),
    Case(
        "thigh below horizontal",
        {"kind": "direction", "points": ["left_hip", "left_knee"], "reference": "horizontal"},
        BodyAngles().with_leg("left", hip_flex_deg=70.0),
        SIDE,
        -20.0,
    ),
    Case(
        "shin tilt",
        {"kind": "inclination", "points": ["left_knee", "left_ankle"], "reference": "vertical"},
        LEG,
        SIDE,
        SHIN_BACK_DEG,
    ),
    Case(
        "shoulder line tilt, front",
        {"kind": "inclination", "points": ["left_shoulder", "right_shoulder"], "reference": "horizontal"},
        BodyAngles(trunk_side_deg=12.0),
        FRONT,
        12.0,
    ),
    Case(
        "knee past ankle",
        {"kind": "offset", "points": ["left_ankle", "left_knee"], "per": ["left_hip", "left_knee"]},
        LEG,
        SIDE,
        S * math.sin(math.radians(SHIN_BACK_DEG)) / T,
    ),
    Case(
        "knee above ankle",
        {
            "kind": "offset",
            "axis": "up",
            "points": ["left_ankle", "left_knee"],
            "per": ["left_hip", "left_knee"],
        },
        LEG,
        SIDE,
        S * math.cos(math.radians(SHIN_BACK_DEG)) / T,
    ),
    Case(
        "hip above ankle, leg out to the side, front",
        {
            "kind": "offset",
            "axis": "up",
            "points": ["left_ankle", "left_hip"],
            "per": ["left_hip", "left_knee"],
        },
        BodyAngles().with_leg("left", hip_abd_deg=20.0),
        FRONT,
        (T + S) * math.cos(math.radians(20.0)) / T,
    ),
    Case(
        "twist seen from above",
        {
            "kind": "between",
            "segments": [["left_hip", "right_hip"], ["left_shoulder", "right_shoulder"]],
            "plane": "top",
        },
        BodyAngles(twist_deg=25.0),
        ANY,
        25.0,
    ),
    Case(
        "thigh against shin in the picture",
        {
            "kind": "between",
            "segments": [["left_hip", "left_knee"], ["left_knee", "left_ankle"]],
            "plane": "picture",
        },
        LEG,
        SIDE,
        50.0,
    ),
    Case(
        "legs apart, front",
        {
            "kind": "between",
            "segments": [["left_hip", "left_knee"], ["right_hip", "right_knee"]],
            "plane": "picture",
        },
        BodyAngles().with_leg("left", hip_abd_deg=15.0).with_leg("right", hip_abd_deg=20.0),
        FRONT,
        35.0,
    ),
]

KNEE_ANGLE_RAD = math.radians(180.0 - 50.0)
HIP_TO_ANKLE = math.sqrt(T * T + S * S - 2 * T * S * math.cos(KNEE_ANGLE_RAD))  # law of cosines

# Kinds and modes that the spec language may or may not have yet: each case is added
# when the spec model accepts it, and the coverage test insists on one for every mode.
OPTIONAL_CASES = [
    Case(
        "knee out to the side, along the hips in 3D",
        {
            "kind": "offset",
            "axis": "along",
            "points": ["mid_hip", "left_knee"],
            "along": ["right_hip", "left_hip"],
            "per": ["left_hip", "left_knee"],
        },
        BodyAngles().with_leg("left", hip_abd_deg=20.0),
        ANY,
        (BODY.hip_width / 2 + T * math.sin(math.radians(20.0))) / T,
    ),
    Case(
        "shin tilt in 3D, any view",
        {
            "kind": "inclination",
            "points": ["left_knee", "left_ankle"],
            "reference": "vertical",
            "space": "world",
        },
        LEG,
        ANY,
        SHIN_BACK_DEG,
    ),
    Case(
        "hip to ankle, side-on",
        {
            "kind": "distance",
            "points": ["left_hip", "left_ankle"],
            "per": ["left_hip", "left_knee"],
            "space": "image",
        },
        LEG,
        SIDE,
        HIP_TO_ANKLE / T,
    ),
    Case(
        "hip to ankle in 3D, any view",
        {
            "kind": "distance",
            "points": ["left_hip", "left_ankle"],
            "per": ["left_hip", "left_knee"],
            "space": "world",
        },
        LEG,
        ANY,
        HIP_TO_ANKLE / T,
    ),
]


def _accepted(case: Case) -> bool:
    try:
        TypeAdapter(Measure).validate_python(case.measure)
    except ValueError:
        return False
    return True


CASES += [case for case in OPTIONAL_CASES if _accepted(case)]


def _scene(view: str) -> Scene:
    if view == "oblique":
        return Scene(view="side-right", yaw_deg=35.0, camera=KNEELING_CAMERA)
    return Scene(view=view, camera=KNEELING_CAMERA)


def _facing(view: str) -> int:
    return {"side-right": 1, "side-left": -1, "oblique": 1}.get(view, 0)


def _measure_fn(case: Case, view: str) -> Callable[[Pose], float]:
    spec_measure = TypeAdapter(Measure).validate_python(case.measure)
    sides = Sides(working=None, front=None, near=None)
    facing = _facing(view)

    def value(pose: Pose) -> float:
        measurement, _ = measure("m", spec_measure, pose, sides, facing, 0.0)
        return measurement.value

    return value


def _tolerance(case: Case) -> float:
    parsed = TypeAdapter(Measure).validate_python(case.measure)
    in_3d = getattr(parsed, "space", None) == "world" or getattr(parsed, "plane", None) == "top"
    in_3d = in_3d or getattr(parsed, "axis", None) == "along" or getattr(parsed, "space", None) == "world"
    if in_3d or not any(name.startswith("mid_") for name in parsed.landmark_names()):
        return EXACT
    return MIDPOINT_DEG if parsed.unit == "deg" else MIDPOINT_RATIO


def _predicted_sigma(value: Callable[[Pose], float], pose: Pose, sigma_px: float, sigma_m: float) -> float:
    """First-order propagation of i.i.d. coordinate noise through the measurement."""
    base = value(pose)
    variance = 0.0
    for field, sigma, step in (("xy_px", sigma_px, 1e-3), ("world_xyz_m", sigma_m, 1e-6)):
        coords = getattr(pose, field)
        for index in np.ndindex(coords.shape):
            moved = coords.copy()
            moved[index] += step
            shifted = (
                Pose(moved, pose.world_xyz_m, pose.visibility, pose.image_wh)
                if field == "xy_px"
                else Pose(pose.xy_px, moved, pose.visibility, pose.image_wh)
            )
            variance += ((value(shifted) - base) / step * sigma) ** 2
    return math.sqrt(variance)


CASE_VIEWS = [(case, view) for case in CASES for view in case.views]
IDS = [f"{case.name} [{view}]" for case, view in CASE_VIEWS]


def test_every_measurement_kind_has_ground_truth() -> None:
    covered = {_variant(case.measure) for case in CASES}
    covered_modes = {(kind, part) for kind, modes in covered for part in modes.split(",")}
    missing = {v for v in spec_language_variants() if v not in covered_modes}
    assert not missing, f"add a ground-truth case for {sorted(missing)}"


@pytest.mark.parametrize(("case", "view"), CASE_VIEWS, ids=IDS)
def test_noise_free_value_is_the_posed_value(case: Case, view: str) -> None:
    pose = _scene(view).pose(case.angles)
    measured = _measure_fn(case, view)(pose)
    assert measured == pytest.approx(case.expected, abs=_tolerance(case))


@pytest.mark.parametrize("sigma_px", SIGMAS_PX)
@pytest.mark.parametrize(("case", "view"), CASE_VIEWS, ids=IDS)
def test_noisy_value_errs_as_the_noise_predicts(case: Case, view: str, sigma_px: float) -> None:
    sigma_m = sigma_px * WORLD_SIGMA_M_PER_PX
    clean = _scene(view).pose(case.angles)
    value = _measure_fn(case, view)
    predicted = _predicted_sigma(value, clean, sigma_px, sigma_m)
    noise = Noise(
        jitter_px=sigma_px,
        drift_px=0.0,
        world_jitter_m=sigma_m,
        world_drift_m=0.0,
        visibility_jitter=0.0,
        pose_dropouts_per_min=0.0,
        landmark_dropouts_per_min=0.0,
    )
    model = PoseNoise(noise, np.random.default_rng(7), [])
    errors = np.array([value(model.apply(clean, i / 30)) - case.expected for i in range(NOISE_FRAMES)])
    rms = float(np.sqrt(np.mean(errors**2)))
    assert 0.75 * predicted <= rms <= 1.25 * predicted + _tolerance(case)
    assert abs(float(np.mean(errors))) <= 0.2 * predicted + _tolerance(case)  # no bias
    assert float(np.quantile(np.abs(errors), 0.99)) <= 3.0 * predicted + _tolerance(case)
