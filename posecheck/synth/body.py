"""A kinematic skeleton: segment lengths from body height, posed by named joint angles.

Angles are in degrees, in the body's own frame, so a pose means the same thing seen
from any camera:

- legs hang from an upright pelvis. `hip_flex_deg`: thigh swung forward from straight
  down (90 = thigh horizontal in front, negative = behind); `knee_flex_deg`: 0 = straight,
  so the hip-knee-ankle angle is `180 - knee_flex_deg`; `ankle_dorsi_deg`: 0 = foot at a
  right angle to the shin, + = toes towards the shin; `hip_abd_deg`: leg out to the side;
  `hip_rot_deg`: external rotation about the thigh (a bent knee's shin swings across).
- the trunk tilts about the hips: `trunk_lean_deg` + = forward, `trunk_side_deg` + = to the
  person's left, then `twist_deg` turns the chest about the spine, + = to the person's left.
- arms hang from the shoulders: `shoulder_flex_deg` forward, `shoulder_abd_deg` out to the
  side, `elbow_flex_deg` 0 = straight.

`skeleton_m` places the 33 MediaPipe landmarks in metres in a scene frame with
x = image right, y = up, z = away from the camera, standing on the floor y = 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import LANDMARK_INDEX, NUM_LANDMARKS

FloatArray = npt.NDArray[np.float64]
_Put = Callable[[str, FloatArray], None]
UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class BodyProportions:
    """Segment lengths as fractions of body height (Drillis & Contini 1966, as tabled by Winter)."""

    height_m: float = 1.75
    thigh: float = 0.245  # hip joint to knee joint
    shank: float = 0.246  # knee to ankle
    ankle_height: float = 0.039  # ankle joint above the floor when standing
    foot_ahead: float = 0.11  # ankle to the toes (MediaPipe's foot_index), along the foot
    heel_behind: float = 0.03
    trunk: float = 0.288  # hip joints to shoulder joints (0.53 H to 0.818 H)
    hip_width: float = 0.10  # between the hip joint centres
    shoulder_width: float = 0.21  # between the shoulder joint centres
    upper_arm: float = 0.186
    forearm: float = 0.146
    hand: float = 0.06  # wrist to the knuckles (MediaPipe's index/pinky landmarks)
    ear_above_shoulder: float = 0.11  # ear at about 0.93 H
    head_width: float = 0.08  # between the ears
    knee_radius: float = 0.03  # knee joint centre above the floor when kneeling

    def m(self, fraction: float) -> float:
        """A fraction of height in metres."""
        return fraction * self.height_m


@dataclass(frozen=True)
class LegAngles:
    hip_flex_deg: float = 0.0
    hip_abd_deg: float = 0.0
    hip_rot_deg: float = 0.0
    knee_flex_deg: float = 0.0
    ankle_dorsi_deg: float = 0.0


@dataclass(frozen=True)
class ArmAngles:
    shoulder_flex_deg: float = 0.0
    shoulder_abd_deg: float = 10.0
    elbow_flex_deg: float = 10.0


@dataclass(frozen=True)
class BodyAngles:
    """A whole-body pose by named joint angles (see the module docstring for signs)."""

    trunk_lean_deg: float = 0.0
    trunk_side_deg: float = 0.0
    twist_deg: float = 0.0
    left_leg: LegAngles = field(default_factory=LegAngles)
    right_leg: LegAngles = field(default_factory=LegAngles)
    left_arm: ArmAngles = field(default_factory=ArmAngles)
    right_arm: ArmAngles = field(default_factory=ArmAngles)

    def leg(self, side: str) -> LegAngles:
        return self.left_leg if side == "left" else self.right_leg

    def arm(self, side: str) -> ArmAngles:
        return self.left_arm if side == "left" else self.right_arm

    def mirrored(self) -> BodyAngles:
        """The same pose on the other side (the other leg forward, bent, ...)."""
        return BodyAngles(
            self.trunk_lean_deg,
            -self.trunk_side_deg,
            -self.twist_deg,
            self.right_leg,
            self.left_leg,
            self.right_arm,
            self.left_arm,
        )

    def with_leg(self, side: str, **angles: float) -> BodyAngles:
        key = f"{side}_leg"
        return dataclasses.replace(self, **{key: dataclasses.replace(getattr(self, key), **angles)})

    def with_arm(self, side: str, **angles: float) -> BodyAngles:
        key = f"{side}_arm"
        return dataclasses.replace(self, **{key: dataclasses.replace(getattr(self, key), **angles)})


_T = TypeVar("_T")


def blend(a: _T, b: _T, weight: float) -> _T:
    """Linear blend of two angle records (or floats): weight 0 gives a, 1 gives b."""
    if isinstance(a, float | int) and isinstance(b, float | int):
        mixed: Any = float(a) + (float(b) - float(a)) * weight
        return cast(_T, mixed)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        values = {
            f.name: blend(getattr(a, f.name), getattr(b, f.name), weight) for f in dataclasses.fields(a)
        }
        return dataclasses.replace(a, **values)
    raise TypeError(f"cannot blend {type(a).__name__}")


def rotation(axis: FloatArray, angle_deg: float) -> FloatArray:
    """Right-handed rotation matrix about `axis` (Rodrigues)."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    theta = math.radians(angle_deg)
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    matrix: FloatArray = np.eye(3) + math.sin(theta) * cross + (1.0 - math.cos(theta)) * (cross @ cross)
    return matrix


def facing_vector(heading_deg: float) -> FloatArray:
    """The person's forward direction: 0 = image right, 90 = towards the camera, 180 = image left."""
    h = math.radians(heading_deg)
    return np.array([math.cos(h), 0.0, -math.sin(h)])


def skeleton_m(
    angles: BodyAngles,
    body: BodyProportions,
    heading_deg: float,
    *,
    on_floor: bool = True,
) -> FloatArray:
    """The 33 landmarks (33, 3) in scene metres, mid-hip above the origin.

    With `on_floor`, the body is lowered or raised until its lowest contact point
    (knee, heel, toes or hand) touches the floor y = 0.
    """
    forward = facing_vector(heading_deg)
    # Right-handed (forward, up, left): the person's left is forward x up.
    left = np.cross(forward, UP)
    points = np.full((NUM_LANDMARKS, 3), np.nan)

    def put(name: str, xyz: FloatArray) -> None:
        points[LANDMARK_INDEX[name]] = xyz

    mid_hip = np.zeros(3)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hip = mid_hip + left * sign * body.m(body.hip_width) / 2
        put(f"{side}_hip", hip)
        _place_leg(put, side, sign, hip, angles.leg(side), body, forward, left)

    # The trunk: lean about the hips' left-right axis, bend to the side, then twist the chest.
    tilt = rotation(forward, angles.trunk_side_deg) @ rotation(left, -angles.trunk_lean_deg)
    spine = tilt @ UP
    chest = rotation(spine, -angles.twist_deg) @ tilt
    chest_forward, chest_left = chest @ forward, chest @ left
    mid_shoulder = mid_hip + spine * body.m(body.trunk)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        shoulder = mid_shoulder + chest_left * sign * body.m(body.shoulder_width) / 2
        put(f"{side}_shoulder", shoulder)
        _place_arm(put, side, sign, shoulder, angles.arm(side), body, chest_forward, spine, chest_left)
    _place_head(put, mid_shoulder, body, chest_forward, spine, chest_left)

    if on_floor:
        points[:, 1] -= lowest_contact_m(points, body)
    return points


def _place_leg(
    put: _Put,
    side: str,
    sign: float,
    hip: FloatArray,
    leg: LegAngles,
    body: BodyProportions,
    forward: FloatArray,
    left: FloatArray,
) -> None:
    down = -UP
    # Flexion is a positive turn about the person's left axis (it takes "down" to "forward").
    thigh = rotation(left, leg.hip_flex_deg) @ down
    shin_turn = leg.hip_flex_deg - leg.knee_flex_deg
    shank = rotation(left, shin_turn) @ down
    sole_down = rotation(left, shin_turn + leg.ankle_dorsi_deg) @ down
    foot = rotation(left, shin_turn + leg.ankle_dorsi_deg + 90.0) @ down
    # External rotation about the thigh swings a bent knee's shin towards the midline.
    spin = rotation(thigh, sign * leg.hip_rot_deg)
    shank, sole_down, foot = spin @ shank, spin @ sole_down, spin @ foot
    # Abduction turns the whole leg out to its own side about the forward axis.
    out = rotation(forward, -sign * leg.hip_abd_deg)
    thigh, shank, sole_down, foot = out @ thigh, out @ shank, out @ sole_down, out @ foot

    knee = hip + thigh * body.m(body.thigh)
    ankle = knee + shank * body.m(body.shank)
    put(f"{side}_knee", knee)
    put(f"{side}_ankle", ankle)
    put(f"{side}_heel", ankle + sole_down * body.m(0.025) - foot * body.m(body.heel_behind))
    put(f"{side}_foot_index", ankle + sole_down * body.m(0.03) + foot * body.m(body.foot_ahead))


def _place_arm(
    put: _Put,
    side: str,
    sign: float,
    shoulder: FloatArray,
    arm: ArmAngles,
    body: BodyProportions,
    forward: FloatArray,
    up: FloatArray,
    left: FloatArray,
) -> None:
    out = rotation(forward, -sign * arm.shoulder_abd_deg)
    hinge = out @ left
    upper = out @ rotation(left, arm.shoulder_flex_deg) @ -up
    lower = rotation(hinge, arm.elbow_flex_deg) @ upper
    elbow = shoulder + upper * body.m(body.upper_arm)
    wrist = elbow + lower * body.m(body.forearm)
    put(f"{side}_elbow", elbow)
    put(f"{side}_wrist", wrist)
    # The hand continues the forearm; pinky on the outside, thumb on the inside and in front.
    knuckles = wrist + lower * body.m(body.hand)
    put(f"{side}_index", knuckles - hinge * sign * body.m(0.012))
    put(f"{side}_pinky", knuckles + hinge * sign * body.m(0.012) - lower * body.m(0.01))
    put(f"{side}_thumb", wrist + lower * body.m(0.03) - hinge * sign * body.m(0.02) + forward * body.m(0.01))


def _place_head(
    put: _Put,
    mid_shoulder: FloatArray,
    body: BodyProportions,
    forward: FloatArray,
    up: FloatArray,
    left: FloatArray,
) -> None:
    ears = mid_shoulder + up * body.m(body.ear_above_shoulder)
    half = body.m(body.head_width) / 2
    put("left_ear", ears + left * half)
    put("right_ear", ears - left * half)
    put("nose", ears + forward * body.m(0.055) - up * body.m(0.005))
    eyes = ears + forward * body.m(0.048) + up * body.m(0.012)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        put(f"{side}_eye_inner", eyes + left * sign * body.m(0.010))
        put(f"{side}_eye", eyes + left * sign * body.m(0.018) - forward * body.m(0.002))
        put(f"{side}_eye_outer", eyes + left * sign * body.m(0.026) - forward * body.m(0.006))
        put(f"mouth_{side}", ears + forward * body.m(0.045) - up * body.m(0.03) + left * sign * body.m(0.014))


# Landmarks that can rest on the floor, and how far above it each sits when it does (fractions of H).
CONTACTS: Final[dict[str, float]] = {
    "knee": 0.03,
    "heel": 0.005,
    "foot_index": 0.005,
    "ankle": 0.02,
    "index": 0.005,
    "wrist": 0.02,
}


def lowest_contact_m(
    points: FloatArray, body: BodyProportions, contacts: Mapping[str, float] = CONTACTS
) -> float:
    """How far above the floor the body's lowest contact point is (negative: below it)."""
    gaps = [
        points[LANDMARK_INDEX[f"{side}_{part}"], 1] - body.m(clearance)
        for part, clearance in contacts.items()
        for side in ("left", "right")
    ]
    return float(min(gaps))
