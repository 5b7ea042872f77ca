"""The 33 BlazePose landmarks, the drawn skeleton, and the Pose record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}
NUM_LANDMARKS = len(LANDMARK_NAMES)

# Body parts (without a side) that exist on both sides: "left_knee", "right_knee", ...
SIDED_PARTS: tuple[str, ...] = tuple(
    name.removeprefix("left_") for name in LANDMARK_NAMES if name.startswith("left_")
)

# Virtual landmarks: the midpoint of a left/right pair, e.g. "mid_hip".
MIDPOINT_PARTS: tuple[str, ...] = ("shoulder", "hip", "knee", "ankle", "ear", "heel")

# Skeleton drawn by the overlay: body only (the face is noise at coaching distance).
SKELETON_EDGES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)
SKELETON_EDGE_INDICES: tuple[tuple[int, int], ...] = tuple(
    (LANDMARK_INDEX[a], LANDMARK_INDEX[b]) for a, b in SKELETON_EDGES
)


def readable(name: str) -> str:
    """'left_foot_index' -> 'left toes', for cues a person reads."""
    return name.replace("foot_index", "toes").replace("_", " ")


# Coordinates beyond these are damage, not positions: a picture is never a million pixels
# across, and the model's metric estimate is centred on the hips.
MAX_ABS_PX = 1e6
MAX_ABS_M = 1e3


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame.

    `xy_px` is in the upright source image's pixels (so angles keep the true
    aspect ratio); `world_xyz_m` is MediaPipe's metric 3D estimate centred on
    the hips (x right, y down, z towards the camera is negative).
    Missing values are NaN, never a magic number.
    """

    xy_px: FloatArray  # (33, 2)
    world_xyz_m: FloatArray  # (33, 3)
    visibility: FloatArray  # (33,) in [0, 1]: in frame and not hidden
    image_wh: tuple[int, int]

    def __post_init__(self) -> None:
        if self.xy_px.shape != (NUM_LANDMARKS, 2):
            raise ValueError(f"xy_px must be ({NUM_LANDMARKS}, 2), got {self.xy_px.shape}")
        if self.world_xyz_m.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"world_xyz_m must be ({NUM_LANDMARKS}, 3), got {self.world_xyz_m.shape}")
        if self.visibility.shape != (NUM_LANDMARKS,):
            raise ValueError(f"visibility must be ({NUM_LANDMARKS},), got {self.visibility.shape}")

    def sanitized(self) -> Pose:
        """This pose with impossible values made missing: infinite or absurdly far coordinates
        become NaN, visibility is clipped to [0, 1] (NaN: 0). The same object when all is well.

        Damaged recordings and synthetic input can hold such values; removing them once here
        keeps every later computation free of overflow and inf - inf warnings.
        """
        xy_ok = np.isfinite(self.xy_px).all() and float(np.abs(self.xy_px).max()) < MAX_ABS_PX
        # An infinite value compares as too far; NaN (missing) compares False.
        world_ok = not (np.abs(self.world_xyz_m) >= MAX_ABS_M).any()
        vis = self.visibility
        vis_ok = np.isfinite(vis).all() and float(vis.min()) >= 0.0 and float(vis.max()) <= 1.0
        if xy_ok and world_ok and vis_ok:
            return self
        with np.errstate(invalid="ignore"):
            xy_px = np.where(np.abs(self.xy_px) < MAX_ABS_PX, self.xy_px, np.nan)
            world_xyz_m = np.where(np.abs(self.world_xyz_m) < MAX_ABS_M, self.world_xyz_m, np.nan)
            visibility = np.clip(np.nan_to_num(vis, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        return Pose(xy_px, world_xyz_m, visibility, self.image_wh)

    def in_frame(self, margin_px: float = 0.0) -> npt.NDArray[np.bool_]:
        """Which landmarks lie inside the picture (MediaPipe extrapolates off-frame ones)."""
        width, height = self.image_wh
        x, y = self.xy_px[:, 0], self.xy_px[:, 1]
        return (x >= -margin_px) & (x <= width + margin_px) & (y >= -margin_px) & (y <= height + margin_px)
