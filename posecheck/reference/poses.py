"""What good form looks like: one reference pose per catalog spec, posed on the kinematic skeleton.

Each `ReferencePose` is joint angles (`body.BodyAngles`) plus how the whole body lies in
the room (tipped forward onto the front, back onto the back, rolled onto a side), the
neck, the camera view, and for a dynamic move the phase it shows. Every one is posed
inside each entry condition and every rule's range of its spec, with a margin, so the
spec itself says "in the pose, good form" (tests/synth/test_reference_poses.py checks
each with the real engine).

Whole-body signs: `pitch_deg` + tips the body forward about the hips (90 = lying face
down), - tips it back (-90 = lying on the back); `roll_deg` + rolls it onto its left side
(90 = lying on the left side, right side up). `head_pitch_deg` + lifts the chin (neck
extension), - tucks it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from posecheck.checks.engine import Engine, judged_value
from posecheck.pose.landmarks import LANDMARK_INDEX, LANDMARK_NAMES, Pose
from posecheck.results import FrameResult
from posecheck.spec.model import StretchSpec
from posecheck.synth.body import (
    CONTACTS,
    UP,
    ArmAngles,
    BodyAngles,
    BodyProportions,
    LegAngles,
    facing_vector,
    lowest_contact_m,
    rotation,
    skeleton_m,
)
from posecheck.synth.camera import VIEW_HEADINGS_DEG, Camera, observe

FloatArray = npt.NDArray[np.float64]

STANDING_CAMERA: Final = Camera(distance_m=3.4, height_m=1.0)
KNEELING_CAMERA: Final = Camera(distance_m=2.8, height_m=0.75)
# Floor poses: a camera at table height tilted down a little, as a phone propped on a chair.
FLOOR_CAMERA: Final = Camera(distance_m=2.8, height_m=0.75, pitch_deg=8.0)
# Seated poses seen from the front: a camera at chest height looking down, so the legs open out.
RAISED_CAMERA: Final = Camera(distance_m=2.8, height_m=1.2, pitch_deg=20.0)
HIGH_CAMERA: Final = Camera(distance_m=2.8, height_m=1.5, pitch_deg=25.0)

# The face landmarks: MediaPipe lists them first, nose to mouth, before the shoulders.
_HEAD: Final = LANDMARK_NAMES[: LANDMARK_NAMES.index("left_shoulder")]
# Landmarks that rest on the floor and how far above it each joint centre then is (fractions
# of height): the default contacts plus the seat, the back and the head for floor poses.
_CONTACTS: Final[dict[str, float]] = {
    **CONTACTS,
    "elbow": 0.025,
    "hip": 0.055,
    "shoulder": 0.05,
    "ear": 0.05,
}


@dataclass(frozen=True)
class ReferencePose:
    """A spec's good form, ready to project: angles, how the body lies, the camera."""

    spec_id: str
    angles: BodyAngles
    view: str = "side-right"  # side-right | side-left | front (VIEW_HEADINGS_DEG)
    yaw_deg: float = 0.0  # turned from the view towards the camera (a three-quarter view)
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    head_pitch_deg: float = 0.0
    camera: Camera = field(default_factory=lambda: KNEELING_CAMERA)
    phase: str | None = None  # a dynamic move: the phase shown
    working: str | None = "left"  # the side the pose works (None: both / not sided)
    body: BodyProportions = field(default_factory=BodyProportions)
    # Shown first where the spec judges the pose against the person's own start (a
    # `relative: peak` measurement): the knees up in the middle before they roll.
    start: ReferencePose | None = None

    def scene_points_m(self) -> FloatArray:
        """The 33 landmarks in scene metres, resting on the floor, centred in front of the camera."""
        base = VIEW_HEADINGS_DEG[self.view]
        heading = base + (self.yaw_deg if base == 0.0 else -self.yaw_deg)
        points = skeleton_m(self.angles, self.body, heading, on_floor=False)
        forward = facing_vector(heading)
        left = np.cross(forward, UP)
        if self.head_pitch_deg:
            ls, rs = LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"]
            neck = (points[ls] + points[rs]) / 2
            chest_left = points[ls] - points[rs]
            # Chin up is a backward turn about the chest's left axis, pivoting at the neck.
            turn = rotation(chest_left, self.head_pitch_deg)
            idx = [LANDMARK_INDEX[n] for n in _HEAD]
            points[idx] = (points[idx] - neck) @ turn.T + neck
        whole = rotation(forward, self.roll_deg) @ rotation(left, -self.pitch_deg)
        points = points @ whole.T
        points[:, 1] -= lowest_contact_m(points, self.body, _CONTACTS)
        # Centre the body in front of the camera (x) and at the camera's aim in depth (z).
        points[:, 0] -= (points[:, 0].min() + points[:, 0].max()) / 2
        points[:, 2] -= (points[:, 2].min() + points[:, 2].max()) / 2
        return points

    def pose(self) -> Pose:
        """The exact pose a model would report (no noise)."""
        return observe(self.scene_points_m(), self.camera)


# Short keys for the pose tables: whole body, trunk, then each limb's joints (degrees).
_BODY_KEYS: Final = {"pitch": "pitch_deg", "roll": "roll_deg", "head": "head_pitch_deg", "yaw": "yaw_deg"}
_TRUNK_KEYS: Final = {"lean": "trunk_lean_deg", "side": "trunk_side_deg", "twist": "twist_deg"}
_LEG_KEYS: Final = {
    "hip": "hip_flex_deg",
    "abd": "hip_abd_deg",
    "rot": "hip_rot_deg",
    "knee": "knee_flex_deg",
    "ankle": "ankle_dorsi_deg",
}
_ARM_KEYS: Final = {"sh": "shoulder_flex_deg", "abd": "shoulder_abd_deg", "elbow": "elbow_flex_deg"}
_LIMBS: Final = {"L": "left_leg", "R": "right_leg", "LA": "left_arm", "RA": "right_arm"}


def posed(spec_id: str, table: dict[str, float], **options: object) -> ReferencePose:
    """A reference pose from a table of angles: {"pitch": 90, "lean": -40, "L.knee": 20, "RA.sh": 60, ...}.

    Limb keys are "<L|R|LA|RA>.<joint>"; "B.<joint>" sets both legs, "A.<joint>" both arms.
    """
    trunk: dict[str, float] = {}
    whole: dict[str, float] = {}
    limbs: dict[str, dict[str, float]] = {name: {} for name in _LIMBS.values()}
    for key, value in table.items():
        if key in _BODY_KEYS:
            whole[_BODY_KEYS[key]] = value
        elif key in _TRUNK_KEYS:
            trunk[_TRUNK_KEYS[key]] = value
        else:
            limb, _, joint = key.partition(".")
            targets = {"B": ("L", "R"), "A": ("LA", "RA")}.get(limb, (limb,))
            for target in targets:
                keys = _ARM_KEYS if target.endswith("A") else _LEG_KEYS
                if target not in _LIMBS or joint not in keys:
                    raise KeyError(f"unknown pose key {key!r}")
                limbs[_LIMBS[target]][keys[joint]] = value
    angles = BodyAngles(
        **trunk,
        left_leg=LegAngles(**limbs["left_leg"]),
        right_leg=LegAngles(**limbs["right_leg"]),
        left_arm=dataclasses.replace(ArmAngles(), **limbs["left_arm"]),
        right_arm=dataclasses.replace(ArmAngles(), **limbs["right_arm"]),
    )
    return ReferencePose(spec_id, angles, **whole, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- judging


def judge(ref: ReferencePose, spec: StretchSpec, *, seconds: float = 2.5, fps: float = 12.0) -> FrameResult:
    """The engine's verdict on the pose held still for `seconds` (long enough for every timer),
    after its start position (if it has one) for as long."""
    engine = Engine(spec)
    shown = [ref.pose()] if ref.start is None else [ref.start.pose(), ref.pose()]
    frames = round(seconds * fps)
    result = None
    for k, pose in enumerate(shown):
        for index in range(k * frames, (k + 1) * frames):
            result = engine.step(pose, index / fps, index)
    assert result is not None
    return result


def phase_holds(result: FrameResult, spec: StretchSpec, phase: str) -> bool:
    """Whether every condition of `phase` passes on the measurements of `result`."""
    for condition in spec.phase(phase).when:
        measurement = result.measurements[condition.measure]
        value = judged_value(
            measurement, condition.min, condition.max, spec.measurements[condition.measure].cross_check
        )
        if not math.isfinite(value):
            return False
        if condition.min is not None and value < condition.min:
            return False
        if condition.max is not None and value > condition.max:
            return False
    return True


def judged_rules(spec: StretchSpec, phase: str | None) -> tuple[str, ...]:
    """The rules that apply to the pose (a rule judged only in other phases does not)."""
    return tuple(r.id for r in spec.rules if r.during is None or phase in r.during)


# --------------------------------------------------------------------------- the catalog

# Each spec's good form (working the left side where the spec has sides). The angles were
# found by nudging a hand-made pose until every entry condition and rule of the spec held
# with a margin (5 deg / 0.03 past each limit's hysteresis), keeping it close to how the
# stretch is taught; tests/synth/test_reference_poses.py re-judges each with the engine.
# Pigeon and its modified (lying-back) form share one pose: front shin across, back leg long.
_PIGEON: Final[tuple[dict[str, float], dict[str, object]]] = (
    {
        "L.hip": 90,
        "L.abd": 15,
        "L.rot": 85,
        "L.knee": 125,
        "L.ankle": -20,
        "R.hip": -80,
        "R.knee": 5,
        "R.ankle": -70,
        "A.sh": 20,
        "A.abd": 15,
        "A.elbow": 10,
    },
    dict(camera=FLOOR_CAMERA, working="left"),
)

_POSES: Final[dict[str, tuple[dict[str, float], dict[str, object]]]] = {
    "butterfly": (
        {
            "lean": 9.6,
            "B.hip": 34.9,
            "B.abd": 86.6,
            "B.knee": 165,
            "B.rot": 14.8,
            "B.ankle": -10,
            "A.sh": 45,
            "A.abd": -10,
            "A.elbow": 20,
        },
        dict(view="front", camera=RAISED_CAMERA, working=None),
    ),
    "cat-cow": (
        {
            "pitch": 66.7,
            "B.hip": 68.5,
            "B.knee": 90.8,
            "B.ankle": -90,
            "A.sh": 78.2,
            "A.elbow": 0,
            "head": 47,
        },
        dict(camera=FLOOR_CAMERA, working=None, phase="cow"),
    ),
    "cobra": (
        {"pitch": 90, "lean": -45, "A.sh": 80.1, "A.elbow": 29.5, "A.abd": 10, "B.ankle": -75},
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "cobra-to-downward-dog": (
        {"pitch": 125, "B.hip": 90, "B.ankle": 35.6, "A.sh": 173.3, "A.elbow": 0, "A.abd": 10},
        dict(camera=FLOOR_CAMERA, working=None, phase="dog"),
    ),
    "cow-face": (
        {
            "lean": 5,
            "yaw": 15.2,
            "L.hip": 91.6,
            "L.abd": -22.1,
            "L.rot": 53.3,
            "L.knee": 144.8,
            "R.hip": 83.2,
            "R.abd": -28.5,
            "R.rot": 48.9,
            "R.knee": 145.3,
            "LA.sh": 170,
            "LA.abd": 15,
            "LA.elbow": 135,
            "RA.sh": -40,
            "RA.abd": 15,
            "RA.elbow": 110,
        },
        dict(view="front", camera=KNEELING_CAMERA, working="left"),
    ),
    "downward-dog": (
        {"pitch": 125, "B.hip": 90, "B.ankle": 35.6, "A.sh": 173.3, "A.elbow": 0, "A.abd": 10},
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "foam-roller-psoas": (
        {
            "pitch": -100,
            "L.hip": -18,
            "L.ankle": -20,
            "R.hip": 120,
            "R.knee": 120,
            "A.sh": 40,
            "A.elbow": 60,
            "A.abd": 10,
        },
        dict(camera=FLOOR_CAMERA, working="left"),
    ),
    "frog": (
        {
            "pitch": 95.9,
            "B.hip": 67.7,
            "B.abd": 89.2,
            "B.knee": 90,
            "B.ankle": -60,
            "A.sh": 97.7,
            "A.elbow": 90,
            "lean": 2.8,
        },
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "glute-bridge": (
        {"pitch": -109.1, "B.hip": 4.4, "B.knee": 114.7, "B.ankle": 3.0, "A.sh": -18, "A.elbow": 0},
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "happy-baby": (
        {
            "pitch": -90,
            "B.hip": 135,
            "B.abd": 51.2,
            "B.knee": 33.3,
            "B.ankle": 10,
            "A.sh": 80.4,
            "A.abd": 20,
            "A.elbow": 0,
            "yaw": 30,
        },
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "knee-to-chest": (
        {
            "pitch": -90,
            "L.hip": 120,
            "L.knee": 120,
            "R.ankle": 10,
            "A.sh": 42.6,
            "A.elbow": 60.4,
            "A.abd": 10,
        },
        dict(camera=FLOOR_CAMERA, working="left", phase="pull"),
    ),
    "kneeling-hip-flexor": (
        {
            "lean": 4,
            "L.hip": 94.0,
            "L.knee": 88,
            "L.ankle": -6.0,
            "R.hip": -15,
            "R.knee": 75,
            "R.ankle": -80,
            "A.sh": 39,
            "A.abd": 8,
            "A.elbow": 35,
        },
        dict(camera=KNEELING_CAMERA, working="left"),
    ),
    "kneeling-lunge-twist": (
        {
            "lean": 4,
            "L.hip": 94.0,
            "L.knee": 88,
            "L.ankle": -6.0,
            "R.hip": -15,
            "R.knee": 75,
            "R.ankle": -80,
            "A.sh": 39,
            "A.abd": 8,
            "A.elbow": 35,
            "twist": 40,
            "LA.sh": 60,
            "LA.abd": 40,
            "RA.sh": 60,
            "RA.abd": 10,
        },
        dict(camera=KNEELING_CAMERA, working="left"),
    ),
    "kneeling-thoracic-twist": (
        {
            "lean": 49.9,
            "L.hip": 94.1,
            "L.knee": 90,
            "L.ankle": -6.0,
            "R.hip": -12.4,
            "R.knee": 75.3,
            "R.ankle": -80,
            "A.sh": 39,
            "A.abd": 8,
            "A.elbow": 35,
            "twist": 34.3,
            "LA.sh": -20,
            "LA.abd": 140,
            "LA.elbow": 0,
            "RA.sh": 39.5,
            "RA.abd": 35.5,
            "RA.elbow": 0,
        },
        dict(camera=KNEELING_CAMERA, working="left", phase="open"),
    ),
    "lower-back-rotation": (
        {
            "pitch": -90,
            "roll": 65,
            "twist": -60,
            "B.hip": 67.1,
            "B.knee": 95,
            "B.ankle": -30,
            "A.sh": 0,
            "A.abd": 10,
            "A.elbow": 0,
        },
        # Starts with the knees up in the middle, lying square: the roll is judged against it.
        dict(camera=FLOOR_CAMERA, working="left", phase="rolled", start={"roll": 0, "twist": 0}),
    ),
    "modified-pigeon": _PIGEON,
    "pigeon": _PIGEON,
    "seated-figure-four": (
        {
            "lean": 25,
            "R.hip": 90,
            "R.knee": 90,
            "L.hip": 93.6,
            "L.abd": 4.2,
            "L.rot": 85,
            "L.knee": 90,
            "L.ankle": 10,
            "A.sh": 50,
            "A.elbow": 40,
        },
        dict(camera=KNEELING_CAMERA, working="left"),
    ),
    "seated-side-straddle": (
        {
            "side": 22.9,
            "lean": 9.9,
            "L.hip": 26.5,
            "L.abd": 82.7,
            "L.ankle": 10,
            "R.hip": 39.4,
            # The bent leg's foot rests at the straight leg's knee (the spec's foot_in entry):
            # the thigh opens less and turns out so the shin folds in across the floor.
            "R.abd": 20,
            "R.knee": 150,
            "R.rot": 80,
            "LA.sh": 40,
            "LA.abd": 50,
            "RA.sh": 150,
            "RA.abd": 30,
        },
        dict(view="front", camera=RAISED_CAMERA, working="left"),
    ),
    "side-kick": (
        {
            "roll": -90,
            "L.abd": 18,
            "L.hip": 5,
            "side": -15,
            "A.sh": 0,
            "RA.sh": 150,
            "RA.elbow": 100,
            "LA.sh": 80,
            "LA.elbow": 30,
        },
        dict(view="front", camera=FLOOR_CAMERA, working="left", phase="back"),
    ),
    "side-leg-lift": (
        {"roll": -90, "L.abd": 40, "R.knee": 0, "A.sh": 0, "L.hip": -1.3},
        dict(view="front", camera=FLOOR_CAMERA, working="left", phase="up"),
    ),
    "standing-quad-stretch": (
        {
            "lean": 3,
            "L.hip": -4,
            "L.knee": 135,
            "L.ankle": -40,
            "R.hip": 2,
            "R.knee": 6,
            "R.ankle": 4,
            "LA.sh": -52,
            "LA.abd": 12,
            "LA.elbow": 15,
            "RA.sh": 10,
            "RA.abd": 25,
            "RA.elbow": 20,
        },
        dict(camera=STANDING_CAMERA, working="left"),
    ),
    "supine-abdominal-draw-in": (
        {"pitch": -90, "B.hip": 45, "B.knee": 100, "B.ankle": -31.4, "A.sh": 0, "A.elbow": 0},
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "supine-figure-four": (
        {
            "pitch": -90,
            "R.hip": 84,
            "R.knee": 90,
            "R.ankle": 0,
            "L.hip": 103,
            "L.abd": 20,
            "L.rot": 85,
            "L.knee": 89,
            "L.ankle": 15,
            "A.sh": 35,
            "A.elbow": 20,
            "A.abd": 10,
        },
        dict(camera=FLOOR_CAMERA, working="left"),
    ),
    "supine-groin-stretch": (
        {
            "pitch": -90,
            "B.hip": 45.1,
            "B.abd": 39.4,
            "B.knee": 122.6,
            "B.rot": 43.9,
            "B.ankle": -20,
            "A.sh": 0,
            "A.abd": 30,
        },
        dict(camera=FLOOR_CAMERA, working=None),
    ),
    "supine-piriformis": (
        {
            "pitch": -90,
            "L.hip": 120,
            "L.knee": 100,
            "L.abd": -15,
            "R.hip": 45,
            "R.knee": 100,
            "R.ankle": -30,
            "A.sh": 42.8,
            "A.elbow": 60,
            "A.abd": 10,
        },
        dict(camera=FLOOR_CAMERA, working="left"),
    ),
}


def _catalog() -> dict[str, ReferencePose]:
    catalog = {}
    for spec_id, (table, options) in _POSES.items():
        mine = dict(options)
        start = mine.pop("start", None)
        if isinstance(start, dict):
            # The start position: the same body with these angles changed, in no phase yet.
            still = {key: value for key, value in mine.items() if key != "phase"}
            mine["start"] = posed(spec_id, {**table, **start}, **still)
        catalog[spec_id] = posed(spec_id, table, **mine)
    return catalog


REFERENCE_POSES: Final[dict[str, ReferencePose]] = _catalog()


def reference_pose(spec_id: str) -> ReferencePose:
    """The reference pose of a catalog spec; KeyError for a spec without one (e.g. a user's own)."""
    try:
        return REFERENCE_POSES[spec_id]
    except KeyError:
        raise KeyError(f"no reference pose for the spec '{spec_id}'") from None
