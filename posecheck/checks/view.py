"""Which way the camera sees the body, per frame: side-on, three-quarter, square-on, or along the torso.

A rule about the knee ahead of the ankle can only be judged when the legs are seen from
the side; a rule about the knees falling apart only from the front. The engine asks this
module for the view on every frame and leaves a rule unjudged (UNKNOWN, "Turn side-on to
the camera") in a view the rule's spec does not list.

The cue is how wide the shoulders and hips look against the torso's length in the
picture (`width_ratio`): a profile shows them edge-on, a square-on view at full width.
The view looking along the torso (a camera above a standing person's head, or at the
head or feet end of a lying one) shows a short torso against its depth in MediaPipe's
3D estimate.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.checks.sticky import StickyChoice
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose

# Mean of shoulder and hip width in the picture, in torso lengths. A square-on adult
# measures about 0.7-0.9 and a true profile under 0.25 (posecheck/live/framing.py uses the
# same measure). fitbod_kneeling-hip-flexor.mp4 measures 0.52 in its first, three-quarter
# half and 0.15-0.22 in its side-on half; the lying clips filmed from a raised corner
# (fitbod_supine-figure-four.mp4, fitbod_side-lying-leg-raise.mp4) 0.56-0.73, and side-on
# 0.16-0.19. The borders sit between those groups, with a hysteresis so a view near a
# border does not flicker.
SIDE_MAX_WIDTH = 0.32
FRONT_MIN_WIDTH = 0.65
WIDTH_HYSTERESIS = 0.04
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
    torso = float(np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2))
    if not math.isfinite(torso) or torso < 1.0:
        return math.nan
    return float(np.linalg.norm(ls - rs) + np.linalg.norm(lh - rh)) / 2 / torso


def torso_depth_deg(pose: Pose) -> float:
    """How far the torso (mid-hip to mid-shoulder) points out of the picture plane, in 3D."""
    w = pose.world_xyz_m
    i = LANDMARK_INDEX
    torso = (w[i["left_shoulder"]] + w[i["right_shoulder"]]) / 2 - (w[i["left_hip"]] + w[i["right_hip"]]) / 2
    return math.degrees(math.atan2(abs(float(torso[2])), float(np.hypot(torso[0], torso[1]))))


def classify_view(ratio: float, depth_deg: float, current: str | None = None) -> str | None:
    """The view these cues show, keeping `current` while the cues stay near its borders."""
    if not math.isfinite(ratio):
        return None
    h = WIDTH_HYSTERESIS
    above_from = ABOVE_MIN_TORSO_DEPTH_DEG - (ABOVE_HYSTERESIS_DEG if current == "above" else 0.0)
    if math.isfinite(depth_deg) and depth_deg >= above_from:
        return "above"
    side_below = SIDE_MAX_WIDTH + (h if current == "side" else 0.0)
    front_from = FRONT_MIN_WIDTH - (h if current == "front" else 0.0)
    if ratio < side_below:
        return "side"
    if ratio >= front_from:
        return "front"
    return "three-quarter"


class ViewEstimator:
    """The camera view over time: per-frame cues with hysteresis, made sticky by time."""

    def __init__(self, settle_s: float = VIEW_SETTLE_S) -> None:
        self._choice: StickyChoice[str] = StickyChoice(settle_s)

    def update(self, pose: Pose, t_s: float) -> str | None:
        evidence = classify_view(width_ratio(pose), torso_depth_deg(pose), self._choice.value)
        return self._choice.update(evidence, t_s)

    @property
    def value(self) -> str | None:
        return self._choice.value

    def reset(self) -> None:
        self._choice.reset()
