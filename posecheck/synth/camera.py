"""A level pinhole camera that looks at the skeleton, and what a pose model would report from it.

The camera stands `distance_m` in front of the scene origin, at `height_m`, looking
along +z. A body part in a plane parallel to the picture (a limb seen exactly
side-on, the hips and shoulders seen exactly from the front) projects with one scale
factor, so its angles in the picture equal its true angles; parts at different
depths (the near and the far leg) get slightly different scales, as in a real photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import LANDMARK_INDEX, LANDMARK_NAMES, Pose

FloatArray = npt.NDArray[np.float64]

# Heading of the person for each named view: the direction they face (see body.facing_vector).
VIEW_HEADINGS_DEG: dict[str, float] = {"side-right": 0.0, "side-left": 180.0, "front": 90.0}

# MediaPipe reports low visibility for landmarks outside the picture.
OUT_OF_PICTURE_VISIBILITY = 0.05


@dataclass(frozen=True)
class Camera:
    image_wh: tuple[int, int] = (1280, 720)
    vfov_deg: float = 50.0  # vertical field of view, a typical phone or webcam in landscape
    distance_m: float = 3.0  # camera to the person's hips, along the optical axis
    height_m: float = 1.0  # lens above the floor
    pitch_deg: float = 0.0  # + = tilted down; 0 keeps verticals vertical in the picture

    @property
    def focal_px(self) -> float:
        return self.image_wh[1] / 2 / math.tan(math.radians(self.vfov_deg) / 2)

    def to_camera(self, scene_m: FloatArray) -> FloatArray:
        """Scene points (x right, y up, z away) -> camera coordinates (x right, y down, z forward)."""
        relative = scene_m - np.array([0.0, self.height_m, -self.distance_m])
        cam = np.column_stack([relative[:, 0], -relative[:, 1], relative[:, 2]])
        if self.pitch_deg:
            p = math.radians(self.pitch_deg)
            # Tilting down turns the optical axis towards the floor (scene -y, camera +y).
            tilt = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
            cam = cam @ tilt.T
        return cam

    def project_px(self, cam_m: FloatArray) -> FloatArray:
        width, height = self.image_wh
        f = self.focal_px
        return np.column_stack(
            [width / 2 + f * cam_m[:, 0] / cam_m[:, 2], height / 2 + f * cam_m[:, 1] / cam_m[:, 2]]
        )


def _pairs() -> tuple[list[int], list[int]]:
    """Index of each sided landmark and of its other-side twin."""
    own, twin = [], []
    for name in LANDMARK_NAMES:
        for a, b in (("left", "right"), ("right", "left")):
            if a in name.split("_"):
                own.append(LANDMARK_INDEX[name])
                twin.append(LANDMARK_INDEX[name.replace(a, b)])
    return own, twin


_OWN, _TWIN = _pairs()


def observe(
    scene_m: FloatArray,
    camera: Camera,
    *,
    near_visibility: float = 0.98,
    far_visibility: float = 0.72,
    far_depth_m: float = 0.08,
) -> Pose:
    """The noise-free pose a model would report for these scene points.

    Visibility drops from `near_visibility` to `far_visibility` for a landmark that is
    `far_depth_m` or more behind its other-side twin (the far leg in a side view is
    partly hidden by the near one), and to almost nothing outside the picture.
    """
    cam = camera.to_camera(scene_m)
    xy_px = camera.project_px(cam)
    mid_hip = (cam[LANDMARK_INDEX["left_hip"]] + cam[LANDMARK_INDEX["right_hip"]]) / 2
    world = cam - mid_hip  # MediaPipe's world frame: hip-centred, x right, y down, z away
    visibility = np.full(len(LANDMARK_NAMES), near_visibility)
    behind = np.clip((cam[_OWN, 2] - cam[_TWIN, 2]) / far_depth_m, 0.0, 1.0)
    visibility[_OWN] = near_visibility - (near_visibility - far_visibility) * behind
    pose = Pose(xy_px, world, visibility, camera.image_wh)
    visibility[~pose.in_frame()] = OUT_OF_PICTURE_VISIBILITY
    return pose
