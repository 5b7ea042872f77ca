"""Hand-built poses for tests that need a body without the model.

- `make_pose`: a side view of a kneeling lunge (1280x720, facing image-right, left foot
  forward, right knee down), with points moved or hidden, legs swapped or mirrored; the
  engine, report, voice and HTML tests judge it with the real kneeling hip flexor spec.
- `kneeling_pose`: a smaller kneeling lunge for the overlay's drawing tests.
- `standing_pose`: a standing person, square-on or side-on, for the framing checks.
- `blank_pose`: every landmark at the origin, for reports that only need "a person".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from posecheck.pose.landmarks import LANDMARK_INDEX, LANDMARK_NAMES, NUM_LANDMARKS, Pose

FPS = 30
IMAGE_WH = (1280, 720)

# Side view, facing image-right; both hips / shoulders / ears overlap as they do side-on.
KNEELING_LUNGE_PX: dict[str, tuple[float, float]] = {
    "nose": (700, 140),
    "left_eye_inner": (690, 128),
    "left_eye": (688, 127),
    "left_eye_outer": (684, 127),
    "right_eye_inner": (690, 128),
    "right_eye": (688, 127),
    "right_eye_outer": (684, 127),
    "left_ear": (655, 132),
    "right_ear": (655, 132),
    "mouth_left": (690, 158),
    "mouth_right": (690, 158),
    "left_shoulder": (650, 200),
    "right_shoulder": (650, 200),
    "left_elbow": (690, 330),
    "right_elbow": (690, 330),
    "left_wrist": (760, 460),  # hands on the front knee
    "right_wrist": (760, 460),
    "left_pinky": (770, 470),
    "right_pinky": (770, 470),
    "left_index": (775, 468),
    "right_index": (775, 468),
    "left_thumb": (768, 462),
    "right_thumb": (768, 462),
    "left_hip": (640, 480),
    "right_hip": (640, 480),
    # front (left) leg: thigh about horizontal, shin vertical, foot flat
    "left_knee": (800, 490),
    "left_ankle": (800, 650),
    "left_heel": (780, 665),
    "left_foot_index": (880, 670),
    # back (right) leg: knee on the floor behind the hips, shin along the floor
    "right_knee": (560, 650),
    "right_ankle": (400, 660),
    "right_heel": (390, 640),
    "right_foot_index": (420, 675),
}
# 110 px ahead of the ankle, 30 px past the toes: the shin leans atan(110/160) = 34.5 deg.
KNEE_PAST_TOES = {"left_knee": (910.0, 490.0)}
KNEE_PAST_TOES_LEAN_DEG = math.degrees(math.atan2(110, 160))
FRONT_KNEE_HIDDEN = {"left_knee": 0.1}
FRONT_FOOT_OUT_OF_PICTURE = {"left_ankle": (1300.0, 650.0), "left_heel": (1290.0, 665.0)}
FRONT_FOOT_HIDDEN = {"left_ankle": 0.1, "left_heel": 0.1}

KNEE_RULE = "knee-past-toes"  # the critical tier of the knee rule


def _other_side(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name.removeprefix("left_")
    if name.startswith("right_"):
        return "left_" + name.removeprefix("right_")
    return name


def make_pose(
    moved: Mapping[str, tuple[float, float]] | None = None,
    visibility: Mapping[str, float] | None = None,
    *,
    swap_legs: bool = False,
    mirror: bool = False,
) -> Pose:
    """The kneeling lunge, with some points moved / hidden, the sides swapped or mirrored left-right.

    `moved` and `visibility` name the landmarks before swapping: "left_knee" is the front knee.
    """
    points = {**KNEELING_LUNGE_PX, **(moved or {})}
    vis = {name: 0.9 for name in LANDMARK_NAMES} | dict(visibility or {})
    if swap_legs:
        points = {_other_side(name): xy for name, xy in points.items()}
        vis = {_other_side(name): v for name, v in vis.items()}
    xy_px = np.array([points[name] for name in LANDMARK_NAMES], dtype=np.float64)
    if mirror:
        xy_px[:, 0] = IMAGE_WH[0] - xy_px[:, 0]
    # World: metres about the mid hip, y down; the left side nearer the camera (smaller z).
    world = np.zeros((NUM_LANDMARKS, 3))
    world[:, :2] = (xy_px - xy_px[LANDMARK_INDEX["left_hip"]]) / 500.0
    world[:, 2] = [
        -0.1 if n.startswith("left_") else 0.1 if n.startswith("right_") else 0.0 for n in LANDMARK_NAMES
    ]
    return Pose(xy_px, world, np.array([vis[n] for n in LANDMARK_NAMES]), IMAGE_WH)


GOOD_FORM = make_pose()


# -- the overlay's kneeling lunge ---------------------------------------------------------

SOURCE_WH = (1280, 720)
_KNEELING_XY = {
    "nose": (700, 200),
    "left_eye_inner": (698, 190),
    "left_eye": (696, 190),
    "left_eye_outer": (694, 190),
    "right_eye_inner": (702, 190),
    "right_eye": (704, 190),
    "right_eye_outer": (706, 190),
    "left_ear": (680, 195),
    "right_ear": (690, 195),
    "mouth_left": (700, 212),
    "mouth_right": (706, 212),
    "left_shoulder": (640, 260),
    "right_shoulder": (620, 262),
    "left_elbow": (660, 350),
    "right_elbow": (640, 352),
    "left_wrist": (690, 420),
    "right_wrist": (670, 422),
    "left_pinky": (695, 428),
    "right_pinky": (675, 430),
    "left_index": (698, 426),
    "right_index": (678, 428),
    "left_thumb": (694, 424),
    "right_thumb": (674, 426),
    "left_hip": (620, 430),
    "right_hip": (600, 432),
    "left_knee": (760, 440),
    "right_knee": (560, 590),
    "left_ankle": (760, 590),
    "right_ankle": (430, 595),
    "left_heel": (745, 600),
    "right_heel": (420, 585),
    "left_foot_index": (800, 605),
    "right_foot_index": (400, 605),
}


def kneeling_pose(shift_x_px: float = 0.0, visibility: float = 0.99) -> Pose:
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    for name, (x, y) in _KNEELING_XY.items():
        xy[LANDMARK_INDEX[name]] = (x + shift_x_px, y)
    return Pose(
        xy_px=xy,
        world_xyz_m=np.zeros((NUM_LANDMARKS, 3)),
        visibility=np.full(NUM_LANDMARKS, visibility),
        image_wh=SOURCE_WH,
    )


# -- a standing person --------------------------------------------------------------------


def standing_pose(
    *,
    width_px: int = 1280,
    height_px: int = 720,
    shoulder_half_px: float = 5.0,
    scale: float = 1.0,
    foot_y_px: float | None = None,
) -> Pose:
    """A standing person, centred; `shoulder_half_px` sets how square-on they look."""
    xy = np.zeros((NUM_LANDMARKS, 2))
    cx = width_px / 2

    def put(name: str, x: float, y: float) -> None:
        xy[LANDMARK_INDEX[name]] = (cx + x * scale, 100 + y * scale)

    for side, sign in (("left", 1), ("right", -1)):
        put(f"{side}_shoulder", sign * shoulder_half_px * scale, 40)
        put(f"{side}_elbow", sign * shoulder_half_px * scale, 130)
        put(f"{side}_wrist", sign * shoulder_half_px * scale, 210)
        for finger in ("pinky", "index", "thumb"):
            put(f"{side}_{finger}", sign * shoulder_half_px * scale, 225)
        put(f"{side}_hip", sign * shoulder_half_px * 0.6 * scale, 240)
        put(f"{side}_knee", sign * 10, 380)
        put(f"{side}_ankle", sign * 10, 520)
        put(f"{side}_heel", sign * 10 - 10, 530)
        put(f"{side}_foot_index", sign * 10 + 25, 535)
    for name in LANDMARK_INDEX:
        if xy[LANDMARK_INDEX[name]].sum() == 0:
            put(name, 0, 0)  # the face
    if foot_y_px is not None:
        for side in ("left", "right"):
            for part in ("ankle", "heel", "foot_index"):
                xy[LANDMARK_INDEX[f"{side}_{part}"], 1] = foot_y_px
    return Pose(xy, np.zeros((NUM_LANDMARKS, 3)), np.full(NUM_LANDMARKS, 0.9), (width_px, height_px))


def blank_pose(image_wh: tuple[int, int] = (640, 480)) -> Pose:
    """Every landmark at the origin, fully visible: a person, for reports that ignore where."""
    return Pose(
        xy_px=np.zeros((NUM_LANDMARKS, 2)),
        world_xyz_m=np.zeros((NUM_LANDMARKS, 3)),
        visibility=np.ones(NUM_LANDMARKS),
        image_wh=image_wh,
    )
