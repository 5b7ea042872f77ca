"""Stretches done well and done badly, as joint angles and scripts.

Each fault is a deliberate, clear break of one rule of the bundled spec (well past
its limit, so the verdict does not depend on noise); each good pose sits well inside
every limit. tests/synth/test_samples.py checks that the specs judge them so.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.synth.body import ArmAngles, BodyAngles, BodyProportions, LegAngles
from posecheck.synth.script import Script, ScriptPhase

OTHER = {"left": "right", "right": "left"}


# -- kneeling hip flexor (stretch_specs/kneeling-hip-flexor.yaml) -----------------


def kneeling_lunge(
    front: str = "left",
    *,
    front_knee_flex_deg: float = 88.0,
    back_hip_ext_deg: float = 15.0,
    trunk_lean_deg: float = 4.0,
    body: BodyProportions | None = None,
) -> BodyAngles:
    """Half-kneeling: back knee and shin on the floor, front foot flat.

    The front hip angle is solved so that the front foot rests on the floor at the
    height the back knee sets: the shin then leans as the front knee angle dictates
    (more knee flexion = knee further past the ankle).
    """
    body = body or BodyProportions()
    back = OTHER[front]
    # Back shin along the floor: shank turn -90 = pointing straight back.
    back_leg = LegAngles(
        hip_flex_deg=-back_hip_ext_deg, knee_flex_deg=90.0 - back_hip_ext_deg, ankle_dorsi_deg=-80.0
    )
    front_hip = _front_hip_for_foot_on_floor(front_knee_flex_deg, back_hip_ext_deg, body)
    shin_turn = front_hip - front_knee_flex_deg
    front_leg = LegAngles(
        hip_flex_deg=front_hip, knee_flex_deg=front_knee_flex_deg, ankle_dorsi_deg=-shin_turn
    )
    # Hands resting on the front thigh.
    arm = ArmAngles(shoulder_flex_deg=35.0 + trunk_lean_deg, shoulder_abd_deg=8.0, elbow_flex_deg=35.0)
    angles = BodyAngles(trunk_lean_deg=trunk_lean_deg, left_arm=arm, right_arm=arm)
    return angles.with_leg(front, **_fields(front_leg)).with_leg(back, **_fields(back_leg))


def _front_hip_for_foot_on_floor(
    knee_flex_deg: float, back_hip_ext_deg: float, body: BodyProportions
) -> float:
    """Front hip flexion that puts the front ankle at standing height when the back knee is down."""
    thigh, shank = body.m(body.thigh), body.m(body.shank)
    # Heights relative to the hip joints; the back knee rests knee_radius above the floor.
    floor_y = -thigh * math.cos(math.radians(back_hip_ext_deg)) - body.m(body.knee_radius)
    wanted_ankle_y = floor_y + body.m(body.ankle_height)
    hip_deg = np.linspace(20.0, 170.0, 3001)
    ankle_y = -thigh * np.cos(np.radians(hip_deg)) - shank * np.cos(np.radians(hip_deg - knee_flex_deg))
    gap = ankle_y - wanted_ankle_y
    crossings = np.nonzero(np.diff(np.sign(gap)))[0]
    if crossings.size == 0:
        raise ValueError(
            f"no front hip angle puts the foot on the floor with the knee bent {knee_flex_deg} deg"
        )
    # Of the solutions, the one with the shin closest to vertical is how people kneel.
    best = min(crossings, key=lambda i: abs(hip_deg[i] - knee_flex_deg))
    return float(hip_deg[best])


def _fields(leg: LegAngles) -> dict[str, float]:
    return {
        "hip_flex_deg": leg.hip_flex_deg,
        "hip_abd_deg": leg.hip_abd_deg,
        "hip_rot_deg": leg.hip_rot_deg,
        "knee_flex_deg": leg.knee_flex_deg,
        "ankle_dorsi_deg": leg.ankle_dorsi_deg,
    }


def kneeling_hip_flexor_good(front: str = "left") -> BodyAngles:
    """Shin a little behind vertical, torso upright, back hip pushed forward 15 deg."""
    return kneeling_lunge(front)


def kneeling_hip_flexor_settling(front: str = "left") -> BodyAngles:
    """Just kneeled down: hips still behind the back knee (the advisory back-hip rule fails)."""
    return kneeling_lunge(front, back_hip_ext_deg=-8.0, trunk_lean_deg=8.0)


def kneeling_hip_flexor_knee_past_ankle(front: str = "left") -> BodyAngles:
    """Front foot too close: the knee bends to 62 deg and travels about 0.3 thigh lengths past the ankle."""
    return kneeling_lunge(front, front_knee_flex_deg=118.0)


def kneeling_hip_flexor_leaning_forward(front: str = "left") -> BodyAngles:
    """Chest dropped forward 33 deg (the spec allows 20)."""
    return kneeling_lunge(front, trunk_lean_deg=33.0)


# -- standing quad stretch (stretch_specs/standing-quad-stretch.yaml) -------------


def standing_quad(
    working: str = "left",
    *,
    thigh_flex_deg: float = -4.0,
    knee_flex_deg: float = 135.0,
    trunk_lean_deg: float = 3.0,
) -> BodyAngles:
    """Standing on one leg, the other heel pulled to the glute by the same-side hand."""
    support = OTHER[working]
    shin_turn = thigh_flex_deg - knee_flex_deg
    angles = BodyAngles(trunk_lean_deg=trunk_lean_deg)
    angles = angles.with_leg(
        working, hip_flex_deg=thigh_flex_deg, knee_flex_deg=knee_flex_deg, ankle_dorsi_deg=-40.0
    )
    angles = angles.with_leg(support, hip_flex_deg=2.0, knee_flex_deg=6.0, ankle_dorsi_deg=4.0)
    # The hand reaches back and down to the foot; the other arm out a little for balance.
    reach = max(-60.0, shin_turn + 180.0 - 90.0 - trunk_lean_deg)
    angles = angles.with_arm(working, shoulder_flex_deg=reach, shoulder_abd_deg=12.0, elbow_flex_deg=15.0)
    return angles.with_arm(support, shoulder_flex_deg=10.0, shoulder_abd_deg=25.0, elbow_flex_deg=20.0)


def standing_quad_good(working: str = "left") -> BodyAngles:
    return standing_quad(working)


def standing_quad_settling(working: str = "left") -> BodyAngles:
    """Catching the foot: knee not yet fully bent."""
    return standing_quad(working, knee_flex_deg=100.0, thigh_flex_deg=10.0, trunk_lean_deg=8.0)


def standing_quad_arching(working: str = "left") -> BodyAngles:
    """Lower back arched: the torso leans back 22 deg (the spec allows 12)."""
    return standing_quad(working, trunk_lean_deg=-22.0)


def standing_quad_knee_forward(working: str = "left") -> BodyAngles:
    """Thigh swung 42 deg forward of vertical (the spec allows 25): the stretch leaves the thigh."""
    return standing_quad(working, thigh_flex_deg=42.0, knee_flex_deg=120.0)


# -- scripts ------------------------------------------------------------------------


def kneeling_hip_flexor_script(front: str = "left", *, faults: bool = False) -> Script:
    good = kneeling_hip_flexor_good(front)
    if not faults:
        middle: tuple[ScriptPhase, ...] = (ScriptPhase("hold", 34.0, good),)
    else:
        middle = (
            ScriptPhase("hold", 8.0, good),
            ScriptPhase(
                "knee past the ankle", 7.0, kneeling_hip_flexor_knee_past_ankle(front), 1.0, "knee-over-ankle"
            ),
            ScriptPhase("hold", 6.0, good, 1.0),
            ScriptPhase(
                "leaning forward", 7.0, kneeling_hip_flexor_leaning_forward(front), 1.0, "torso-upright"
            ),
            ScriptPhase("hold", 6.0, good, 1.0),
        )
    return Script(
        (
            ScriptPhase("absent", 0.5, None),
            ScriptPhase("kneel down", 2.5, kneeling_hip_flexor_settling(front)),
            *middle,
            ScriptPhase("absent", 0.5, None),
        )
    )


def standing_quad_script(working: str = "left", *, faults: bool = False) -> Script:
    good = standing_quad_good(working)
    if not faults:
        middle: tuple[ScriptPhase, ...] = (ScriptPhase("hold", 34.0, good),)
    else:
        middle = (
            ScriptPhase("hold", 8.0, good),
            ScriptPhase("arching the back", 7.0, standing_quad_arching(working), 1.0, "spine-neutral"),
            ScriptPhase("hold", 6.0, good, 1.0),
            ScriptPhase(
                "knee swung forward", 7.0, standing_quad_knee_forward(working), 1.0, "thigh-vertical"
            ),
            ScriptPhase("hold", 6.0, good, 1.0),
        )
    return Script(
        (
            ScriptPhase("absent", 0.5, None),
            ScriptPhase("catch the foot", 2.5, standing_quad_settling(working)),
            *middle,
            ScriptPhase("absent", 0.5, None),
        )
    )
