"""Simulated camera changes for `posecheck eval --camera`: how far a spec is from its limits.

The labelled footage shows each stretch from a handful of cameras. Re-scoring the same
recorded landmarks as another camera would have seen them shows which thresholds only just
hold: a spec that loses half its in-pose frames when the camera is tilted 10 degrees will
fail for the next person whose phone leans against a shoe.

- `mirror`: the picture flipped left-right (the person faces the other way; their left is
  now their right, so labelled sides swap). A spec should score exactly the same.
- `roll:DEG`: the camera turned DEG degrees about its own axis (positive: the picture turns
  clockwise). Angles between body parts do not change; directions against the picture's
  vertical or horizontal move by DEG, and heights move by sin(DEG) times the distance across.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.evaluate.labels import Item
from posecheck.pose.landmarks import LANDMARK_INDEX, LANDMARK_NAMES, Pose
from posecheck.pose.recording import RecordedFrame

_SWAPPED_SIDE = {"left": "right", "right": "left"}


def _swap_index() -> np.ndarray:
    """For each landmark, the index of the same part on the other side (itself if unsided)."""
    index = np.arange(len(LANDMARK_NAMES))
    for i, name in enumerate(LANDMARK_NAMES):
        side, _, part = name.partition("_")
        if side in _SWAPPED_SIDE:
            index[i] = LANDMARK_INDEX[f"{_SWAPPED_SIDE[side]}_{part}"]
    return index


_SWAP = _swap_index()


def mirrored(pose: Pose) -> Pose:
    """`pose` as a left-right flipped picture shows it: x mirrored, left and right swapped."""
    xy = pose.xy_px[_SWAP].copy()
    xy[:, 0] = pose.image_wh[0] - xy[:, 0]
    world = pose.world_xyz_m[_SWAP].copy()
    world[:, 0] = -world[:, 0]
    return Pose(xy, world, pose.visibility[_SWAP].copy(), pose.image_wh)


def rolled(pose: Pose, roll_deg: float) -> Pose:
    """`pose` as a camera turned `roll_deg` about its axis sees it (about the picture's centre).

    The 3D estimate turns with it: MediaPipe's world axes follow the camera's.
    """
    turn = math.radians(roll_deg)
    # Image y points down, so this matrix turns the picture clockwise for a positive angle.
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    centre_px = np.asarray(pose.image_wh, dtype=float) / 2
    xy = (pose.xy_px - centre_px) @ rotation.T + centre_px
    world = pose.world_xyz_m.copy()
    world[:, :2] = world[:, :2] @ rotation.T
    return Pose(xy, world, pose.visibility.copy(), pose.image_wh)


@dataclass(frozen=True)
class CameraChange:
    """One simulated camera: how it changes each pose, and whether it swaps the person's sides."""

    name: str
    transform: Callable[[Pose], Pose]
    swaps_sides: bool = False

    def frames(self, frames: Sequence[RecordedFrame]) -> list[RecordedFrame]:
        return [
            RecordedFrame(f.index, f.timestamp_s, None if f.pose is None else self.transform(f.pose))
            for f in frames
        ]

    def item(self, item: Item) -> Item:
        """The item's labels as this camera sees them (sides swapped by a mirror)."""
        if not self.swaps_sides:
            return item
        changes: dict[str, object] = {}
        if item.side is not None:
            changes["side"] = _SWAPPED_SIDE[item.side]
        if item.segments:
            changes["segments"] = [
                s.model_copy(update={"side": _SWAPPED_SIDE[s.side]}) if s.side else s for s in item.segments
            ]
        return item.model_copy(update=changes)


def parse_camera_change(text: str) -> CameraChange:
    """'mirror' or 'roll:DEG' (DEG between -45 and 45, not 0); ValueError says what is accepted."""
    name, _, arg = text.strip().partition(":")
    if name == "mirror" and not arg:
        return CameraChange("mirror", mirrored, swaps_sides=True)
    if name == "roll":
        try:
            roll_deg = float(arg)
        except ValueError:
            roll_deg = math.nan
        if math.isfinite(roll_deg) and 0 < abs(roll_deg) <= 45:
            return CameraChange(f"roll {roll_deg:+g} deg", lambda pose: rolled(pose, roll_deg))
    raise ValueError(
        f"'{text}' is not a camera change: give 'mirror' or 'roll:DEG' with DEG in -45..45, e.g. roll:10"
    )
