"""Which way the camera sees the body, per frame: side-on, three-quarter, square-on, or along the torso.

A rule about the knee ahead of the ankle can only be judged when the legs are seen from
the side; a rule about the knees falling apart only from the front. The engine asks this
module for the view on every frame and leaves a rule unjudged (UNKNOWN, "Turn side-on to
the camera") in a view the rule's spec does not list.

The cues are how wide the shoulders and hips look against the torso's length in the
picture (`width_ratio`: a profile shows them edge-on, a square-on view at full width) and
how far the shoulder and hip lines point out of the picture in MediaPipe's 3D estimate.
The view looking along the torso (a camera above a standing person's head, or at the
head or feet end of a lying one) shows a short torso against its depth in MediaPipe's
3D estimate.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.checks.sticky import StickyChoice
from posecheck.geometry import vector_length
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose

# Two cues, each turned into an angle between the body's left-right axis and the picture
# plane (0 = square-on, 90 = profile); the view takes the larger of the two, so either cue
# seeing the body from the side is enough, and "front" needs both to agree.
#
# In the picture: the mean of shoulder and hip width, in torso lengths (posecheck/live/
# framing.py uses the same measure), against its square-on value. Upright adults square-on
# measure 0.54-0.62 (desklife_forward-lunge_front.jpg 0.56, the generator's body 0.54,
# the seated butterflies facing the camera 0.58-0.66), a profile 0.03-0.22. A torso
# pointing away from the camera (a lying body filmed from its head end) looks short and
# inflates the ratio: the 3D cue corrects that.
SQUARE_ON_WIDTH = 0.62
# In MediaPipe's 3D estimate: how far the shoulder and hip lines point out of the picture.
# fitbod_supine-figure-four.mp4 filmed from a raised corner at the head end: 35-44 deg
# (its picture ratio, 0.72, says square-on); side-on 63-82; fitbod_side-lying-leg-raise.mp4
# (lying on the side facing the camera) 1-9. MediaPipe flattens depth: the three-quarter
# half of fitbod_kneeling-hip-flexor.mp4 reads 4-18 deg there, 33 in the picture.
# Borders between the groups, with a hysteresis so a view near a border does not flicker.
SIDE_MIN_DEG = 60.0
FRONT_MAX_DEG = 20.0
VIEW_HYSTERESIS_DEG = 5.0
# Looking along the torso: its 3D direction this far out of the picture plane. MediaPipe's
# depth is compressed: the raised-corner views of lying bodies and a downward dog seen at
# three-quarters read 30-47 deg, so only a torso pointing well into the picture counts.
ABOVE_MIN_TORSO_DEPTH_DEG = 60.0
ABOVE_HYSTERESIS_DEG = 5.0
# A view must be seen this long before it replaces the current one.
VIEW_SETTLE_S = 0.5
# Shoulders and hips guessed below this visibility say nothing about the view.
MIN_VISIBILITY_FOR_VIEW = 0.3

VIEW_CUES = {
    "side": "Turn side-on to the camera",
    "front": "Face the camera",
    "three-quarter": "Turn a little towards the camera",
    "above": "Move the camera so it sees your whole body",
}


def view_cue(views: tuple[str, ...]) -> str:
    """What to tell a person whose camera view a rule cannot be judged from."""
    for view in ("side", "front", "three-quarter", "above"):
        if view in views:
            return VIEW_CUES[view]
    return VIEW_CUES["above"]


def width_ratio(pose: Pose) -> float:
    """Mean of shoulder and hip width in the picture, in torso lengths (NaN if unseen)."""
    idx = [LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
    if min(pose.visibility[i] for i in idx) < MIN_VISIBILITY_FOR_VIEW:
        return math.nan
    ls, rs, lh, rh = (pose.xy_px[i] for i in idx)
    torso = vector_length((ls + rs) / 2 - (lh + rh) / 2)
    if not math.isfinite(torso) or torso < 1.0:
        return math.nan
    return (vector_length(ls - rs) + vector_length(lh - rh)) / 2 / torso


def picture_yaw_deg(ratio: float) -> float:
    """The width ratio as an angle from square-on: 0 at SQUARE_ON_WIDTH or wider, 90 edge-on."""
    if not math.isfinite(ratio):
        return math.nan
    return math.degrees(math.acos(min(1.0, max(0.0, ratio / SQUARE_ON_WIDTH))))


def world_yaw_deg(pose: Pose) -> float:
    """How far the shoulder and hip lines point out of the picture plane in 3D (mean, degrees)."""
    w = pose.world_xyz_m
    angles = []
    for part in ("shoulder", "hip"):
        line = w[LANDMARK_INDEX[f"left_{part}"]] - w[LANDMARK_INDEX[f"right_{part}"]]
        angles.append(math.degrees(math.atan2(abs(float(line[2])), float(np.hypot(line[0], line[1])))))
    shoulders_deg, hips_deg = angles
    return (shoulders_deg + hips_deg) / 2  # as np.mean sums and divides two values


def torso_depth_deg(pose: Pose) -> float:
    """How far the torso (mid-hip to mid-shoulder) points out of the picture plane, in 3D."""
    w = pose.world_xyz_m
    i = LANDMARK_INDEX
    torso = (w[i["left_shoulder"]] + w[i["right_shoulder"]]) / 2 - (w[i["left_hip"]] + w[i["right_hip"]]) / 2
    return math.degrees(math.atan2(abs(float(torso[2])), float(np.hypot(torso[0], torso[1]))))


def classify_view(
    ratio: float, yaw_3d_deg: float, depth_deg: float, current: str | None = None
) -> str | None:
    """The view these cues show, keeping `current` while the cues stay near its borders."""
    if not math.isfinite(ratio):
        return None
    above_from = ABOVE_MIN_TORSO_DEPTH_DEG - (ABOVE_HYSTERESIS_DEG if current == "above" else 0.0)
    if math.isfinite(depth_deg) and depth_deg >= above_from:
        return "above"
    yaw = max(picture_yaw_deg(ratio), yaw_3d_deg if math.isfinite(yaw_3d_deg) else 0.0)
    h = VIEW_HYSTERESIS_DEG
    if yaw >= SIDE_MIN_DEG - (h if current == "side" else 0.0):
        return "side"
    if yaw < FRONT_MAX_DEG + (h if current == "front" else 0.0):
        return "front"
    return "three-quarter"


class ViewEstimator:
    """The camera view over time: per-frame cues with hysteresis, made sticky by time."""

    def __init__(self, settle_s: float = VIEW_SETTLE_S) -> None:
        self._choice: StickyChoice[str] = StickyChoice(settle_s)

    def update(self, pose: Pose, t_s: float) -> str | None:
        evidence = classify_view(
            width_ratio(pose), world_yaw_deg(pose), torso_depth_deg(pose), self._choice.value
        )
        return self._choice.update(evidence, t_s)

    @property
    def value(self) -> str | None:
        return self._choice.value

    def reset(self) -> None:
        self._choice.reset()
