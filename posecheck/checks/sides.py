"""Which side is which, per frame: facing direction, front/back leg, near side, working side.

Each detector reads one frame and returns None when that frame does not tell; the
`SideResolver` makes the choices sticky (a change must be seen for a while) so a turn
of the head or one bad frame cannot swap the legs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecheck import geometry
from posecheck.checks.measure import Sides, landmark_point, needs_facing
from posecheck.checks.sticky import StickyChoice
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.spec.model import StretchSpec

# Evidence thresholds for deciding sides; below them a frame gives no evidence at all.
FACING_MIN_NOSE_AHEAD = 0.06  # nose ahead of the ears, in torso lengths
FRONT_LEG_MIN_GAP = 0.15  # one ankle ahead of the other, in torso lengths
BENT_KNEE_MIN_GAP_DEG = 20.0
NEAR_SIDE_MIN_GAP_M = 0.05
RAISED_KNEE_MIN_GAP_DEG = 25.0
CROSSED_ANKLE_MAX_TORSOS = 0.45  # crossed ankle to the other knee, in torso lengths (picture)
CROSSED_MIN_GAP_TORSOS = 0.35  # ... and clearly nearer than the other ankle to the crossed knee
TOP_LEG_MIN_GAP = 0.08  # upper hip+knee above the lower ones, in torso lengths
# physio_lower-trunk-rotation.mp4: +0.09..0.10 rolled left, -0.05..-0.07 rolled right, -0.02..0.03 centred.
KNEES_SIDE_MIN_LIFT = 0.04  # one hip lifted against the shoulder line, in torso lengths
# Back in the middle: the hip line level within half that. The roll is over, so the next
# roll's first evidence names its side at once (with the settle it was named 0.25 s late
# on every roll of the physio clip, and the previous side shown meanwhile); the side
# stays shown until then, so the rep that closes in the middle keeps its side.
KNEES_CENTRED_MAX_LIFT = KNEES_SIDE_MIN_LIFT / 2
FACING_SETTLE_S = 0.5
# A lunge's legs, seen from the side or three-quarters: the front shin stands near upright
# (shin about square to the floor, knee over the ankle) while the back shin lies towards
# the floor (kneeling: flat on it); the back knee sits on or near the floor, below the
# front knee by about a thigh's drop from hip height. fitbod_kneeling-hip-flexor.mp4
# measures 2-9 deg against 50-81 deg, and a knee drop of 0.9 torso lengths. The gaps
# needed are a third of those: a shallow lunge still tells. A frame is evidence when one
# of the two gaps is clear and the other does not say the opposite; standing, or the
# feet together, both gaps are small and the frame tells nothing.
LUNGE_SHIN_MIN_GAP_DEG = 30.0
LUNGE_KNEE_MIN_DROP = 0.25  # back knee below the front knee, in torso lengths
LUNGE_CONTRADICTION = 0.3  # the other cue may point the other way by this share of its threshold


# -- side evidence: per frame, None when the frame does not tell -------------------


_SHOULDERS = (LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"])
_HIPS = (LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"])


def _torso_length_px(pose: Pose, min_vis: float) -> float:
    xy = pose.xy_px
    shoulder = (xy[_SHOULDERS[0]] + xy[_SHOULDERS[1]]) / 2
    hip = (xy[_HIPS[0]] + xy[_HIPS[1]]) / 2
    return geometry.vector_length(shoulder - hip)


def facing_evidence(pose: Pose, min_vis: float) -> int | None:
    """+1 facing image-right, -1 left: the nose sits ahead of the ears; else the toes ahead of the heels."""
    torso = _torso_length_px(pose, min_vis)
    if not math.isfinite(torso) or torso < 1.0:
        return None
    nose = pose.xy_px[LANDMARK_INDEX["nose"]]
    ears = [
        pose.xy_px[LANDMARK_INDEX[e]]
        for e in ("left_ear", "right_ear")
        if pose.visibility[LANDMARK_INDEX[e]] >= min_vis * 0.5
    ]
    if ears and pose.visibility[LANDMARK_INDEX["nose"]] >= min_vis:
        ahead = (nose[0] - float(np.mean([e[0] for e in ears]))) / torso
        if abs(ahead) >= FACING_MIN_NOSE_AHEAD:
            return 1 if ahead > 0 else -1
    votes = 0.0
    for side in ("left", "right"):
        heel, toe = LANDMARK_INDEX[f"{side}_heel"], LANDMARK_INDEX[f"{side}_foot_index"]
        if min(pose.visibility[heel], pose.visibility[toe]) >= min_vis:
            votes += (pose.xy_px[toe][0] - pose.xy_px[heel][0]) / torso
    if abs(votes) >= 0.1:
        return 1 if votes > 0 else -1
    return None


def lunge_legs_evidence(pose: Pose, min_vis: float) -> str | None:
    """The front leg of a lunge or half-kneel, from the legs alone: the upright shin, the higher knee.

    Neither the head nor the facing direction is used, so turning the head or the chest
    (a lunge with a twist) cannot swap the legs.
    """
    torso = _torso_length_px(pose, min_vis)
    if not math.isfinite(torso) or torso < 1.0:
        return None
    shin_deg: dict[str, float] = {}
    knee_y: dict[str, float] = {}
    for side in ("left", "right"):
        knee = landmark_point(pose, f"{side}_knee", min_vis * 0.5)
        ankle = landmark_point(pose, f"{side}_ankle", min_vis * 0.5)
        if not knee.visible:
            return None
        knee_y[side] = float(knee.xy_px[1])
        if ankle.visible:
            shin_deg[side] = geometry.inclination_deg(knee.xy_px, ankle.xy_px, reference="vertical")
    # > 0 says the left leg is the back one, in units of each cue's threshold.
    drop = (knee_y["left"] - knee_y["right"]) / torso / LUNGE_KNEE_MIN_DROP
    lean = math.nan
    if len(shin_deg) == 2:
        lean = (shin_deg["left"] - shin_deg["right"]) / LUNGE_SHIN_MIN_GAP_DEG
    votes = [v for v in (drop, lean) if math.isfinite(v)]
    if not votes:
        return None
    strongest = max(votes, key=abs)
    if abs(strongest) < 1.0:
        return None
    if any(v * math.copysign(1.0, strongest) < -LUNGE_CONTRADICTION for v in votes):
        return None
    return "right" if strongest > 0 else "left"


def legs_facing_evidence(pose: Pose, front: str, min_vis: float) -> int | None:
    """+1 / -1: the way the body travels, from the back knee to the front knee (ankles if hidden)."""
    torso = _torso_length_px(pose, min_vis)
    if not math.isfinite(torso) or torso < 1.0:
        return None
    back = "left" if front == "right" else "right"
    for part in ("knee", "ankle"):
        a = landmark_point(pose, f"{front}_{part}", min_vis * 0.5)
        b = landmark_point(pose, f"{back}_{part}", min_vis * 0.5)
        if a.visible and b.visible:
            ahead = float(a.xy_px[0] - b.xy_px[0]) / torso
            if abs(ahead) >= FRONT_LEG_MIN_GAP:
                return 1 if ahead > 0 else -1
    return None


def front_leg_evidence(pose: Pose, facing: int, min_vis: float) -> str | None:
    """The leg whose ankle is further ahead along the facing direction."""
    if facing == 0:
        return None
    torso = _torso_length_px(pose, min_vis)
    left, right = LANDMARK_INDEX["left_ankle"], LANDMARK_INDEX["right_ankle"]
    if min(pose.visibility[left], pose.visibility[right]) < min_vis * 0.5 or torso < 1.0:
        # Kneeling poses hide the far ankle: fall back to the knees.
        left, right = LANDMARK_INDEX["left_knee"], LANDMARK_INDEX["right_knee"]
        if min(pose.visibility[left], pose.visibility[right]) < min_vis * 0.5 or torso < 1.0:
            return None
    ahead = (pose.xy_px[left][0] - pose.xy_px[right][0]) * facing / torso
    if abs(ahead) < FRONT_LEG_MIN_GAP:
        return None
    return "left" if ahead > 0 else "right"


def _more_flexed_side(
    pose: Pose, parts: tuple[str, str, str], min_vis: float, min_gap_deg: float
) -> str | None:
    """The side whose angle at parts[1] (in the picture) is smaller by at least `min_gap_deg`."""
    angles = {}
    for side in ("left", "right"):
        points = [landmark_point(pose, f"{side}_{p}", min_vis * 0.5) for p in parts]
        if not all(p.visible for p in points):
            return None
        angles[side] = geometry.joint_angle_deg(points[0].xy_px, points[1].xy_px, points[2].xy_px)
    gap = angles["left"] - angles["right"]
    if not math.isfinite(gap) or abs(gap) < min_gap_deg:
        return None
    return "left" if gap < 0 else "right"


def bent_knee_evidence(pose: Pose, min_vis: float) -> str | None:
    """The side whose knee is clearly more bent (e.g. the stretched leg in a quad stretch)."""
    return _more_flexed_side(pose, ("hip", "knee", "ankle"), min_vis, BENT_KNEE_MIN_GAP_DEG)


def near_side_evidence(pose: Pose, min_vis: float) -> str | None:
    """The side nearer the camera: smaller world z (MediaPipe: z grows away from the camera)."""
    z = {}
    for side in ("left", "right"):
        idx = [LANDMARK_INDEX[f"{side}_{p}"] for p in ("shoulder", "hip")]
        shoulder_z, hip_z = pose.world_xyz_m[idx, 2].tolist()
        z[side] = (shoulder_z + hip_z) / 2  # as np.mean sums and divides two values
    gap = z["left"] - z["right"]
    if not math.isfinite(gap) or abs(gap) < NEAR_SIDE_MIN_GAP_M:
        return None
    return "left" if gap < 0 else "right"


def raised_knee_evidence(pose: Pose, min_vis: float) -> str | None:
    """The side whose knee is drawn clearly nearer the chest: the smaller shoulder-hip-knee angle.

    In the picture: from the side this beats the 3D estimate (fitbod_knee-to-chest.mp4
    flips to the wrong leg for 18 frames in 3D, never in the picture).
    """
    return _more_flexed_side(pose, ("shoulder", "hip", "knee"), min_vis, RAISED_KNEE_MIN_GAP_DEG)


def crossed_leg_evidence(pose: Pose, min_vis: float) -> str | None:
    """The leg whose ankle rests on the other knee (figure-four), in the picture.

    The crossed ankle lies on the other knee; the supporting ankle is far from the
    crossed knee, which points out to the side. Distances are in torso lengths (a thigh
    pulled towards the camera looks short). The picture beats the 3D estimate here: in
    fitbod_supine-figure-four.mp4 the two distances are well apart in the picture and
    blur together in 3D.
    """
    xy = pose.xy_px
    dist = {}
    for side, other in (("left", "right"), ("right", "left")):
        ankle, knee = LANDMARK_INDEX[f"{side}_ankle"], LANDMARK_INDEX[f"{other}_knee"]
        if min(pose.visibility[ankle], pose.visibility[knee]) < min_vis * 0.5:
            return None
        dist[side] = geometry.vector_length(xy[ankle] - xy[knee])
    torso = _torso_length_px(pose, min_vis)
    if not (math.isfinite(torso) and torso > 1.0):
        return None
    crossed, other = sorted(dist, key=lambda k: dist[k])
    if dist[crossed] / torso > CROSSED_ANKLE_MAX_TORSOS:
        return None
    if (dist[other] - dist[crossed]) / torso < CROSSED_MIN_GAP_TORSOS:
        return None
    return crossed


def top_leg_evidence(pose: Pose, min_vis: float) -> str | None:
    """Lying on one side: the upper leg, whose hip and knee sit clearly higher in the picture."""
    torso = _torso_length_px(pose, min_vis)
    if not math.isfinite(torso) or torso < 1.0:
        return None
    height = {}
    for side in ("left", "right"):
        idx = [LANDMARK_INDEX[f"{side}_{p}"] for p in ("hip", "knee")]
        if min(pose.visibility[i] for i in idx) < min_vis * 0.5:
            return None
        height[side] = -float(np.mean(pose.xy_px[idx, 1]))
    gap = (height["left"] - height["right"]) / torso
    if not math.isfinite(gap) or abs(gap) < TOP_LEG_MIN_GAP:
        return None
    return "left" if gap > 0 else "right"


def _knees_lift(pose: Pose, min_vis: float) -> float:
    """Lying on the back: the hip line's tilt against the shoulder line, in torso lengths (NaN if unseen).

    Rolling the knees to one side lifts the other hip while both shoulders stay down, so
    the hip line tilts against the shoulder line (which also cancels the camera's height).
    > 0: the right hip sits higher than the shoulders' tilt says: it lifted, the knees went left.
    """
    torso = _torso_length_px(pose, min_vis)
    names = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    idx = {n: LANDMARK_INDEX[n] for n in names}
    if not math.isfinite(torso) or torso < 1.0:
        return math.nan
    if min(pose.visibility[i] for i in idx.values()) < min_vis * 0.5:
        return math.nan
    y = {n: float(pose.xy_px[i, 1]) for n, i in idx.items()}
    return ((y["left_hip"] - y["right_hip"]) - (y["left_shoulder"] - y["right_shoulder"])) / torso


def _knees_side(lift: float) -> str | None:
    """Lying on the back: the side the knees are rolled to, from `_knees_lift`.

    Seen in the picture, so it needs a side or feet-end view, not a camera overhead.
    """
    if not math.isfinite(lift) or abs(lift) < KNEES_SIDE_MIN_LIFT:
        return None
    return "left" if lift > 0 else "right"


def _knees_centred(lift: float) -> bool:
    """The hip line level with the shoulder line: the knees are in the middle."""
    return math.isfinite(lift) and abs(lift) <= KNEES_CENTRED_MAX_LIFT


SIDE_EVIDENCE: dict[str, Callable[[Pose, float], str | None]] = {
    "bent-knee": bent_knee_evidence,
    "raised-knee": raised_knee_evidence,
    "crossed-leg": crossed_leg_evidence,
    "top-leg": top_leg_evidence,
}


class SideResolver:
    """Facing, front leg, near side and working side over time, each sticky.

    For the lunge family (`working_side.detect` front-leg / back-leg) the legs decide:
    the front leg is the one with the upright shin and the higher knee, and the facing
    direction is the way from the back knee to the front knee. Only until the legs have
    told anything (e.g. standing before stepping into the lunge) does the head or the
    feet give the facing and the ankle ahead the front leg. Every other spec keeps
    the facing from the head (or the feet) and the front leg from the ankle ahead.
    """

    def __init__(self, spec: StretchSpec) -> None:
        self.spec = spec
        settle_s = spec.working_side.settle_s
        self._facing: StickyChoice[int] = StickyChoice(FACING_SETTLE_S)
        self._working: StickyChoice[str] = StickyChoice(settle_s)
        self._front: StickyChoice[str] = StickyChoice(settle_s)
        self._near: StickyChoice[str] = StickyChoice(settle_s)
        self._needs_facing = needs_facing(spec)
        self._legs_decide = spec.working_side.detect in ("front-leg", "back-leg")

    def reset(self) -> None:
        for choice in (self._facing, self._front, self._near, self._working):
            choice.reset()

    def update(self, pose: Pose, t_s: float) -> tuple[int, Sides]:
        """The facing (+1 image right, -1 left, 0 unknown) and the sides on this frame."""
        min_vis = self.spec.min_visibility
        if self._legs_decide:
            facing, front = self._update_from_legs(pose, t_s)
        else:
            facing = self._update_facing(pose, t_s)
            front = self._front.update(front_leg_evidence(pose, facing, min_vis), t_s)
        near = self._near.update(near_side_evidence(pose, min_vis), t_s)
        detect = self.spec.working_side.detect
        working: str | None
        if detect in ("left", "right"):
            working = detect
        elif detect == "front-leg":
            working = front
        elif detect == "back-leg":
            working = {"left": "right", "right": "left"}.get(front or "")
        elif detect == "near-side":
            working = near
        elif detect == "straight-leg":
            bent = self._working.update(bent_knee_evidence(pose, min_vis), t_s)
            working = {"left": "right", "right": "left"}.get(bent or "")
        elif detect == "knees-side":
            lift = _knees_lift(pose, min_vis)  # once a frame: it says both the side and the middle
            if _knees_centred(lift):
                self._working.release()
            working = self._working.update(_knees_side(lift), t_s)
        else:
            working = self._working.update(SIDE_EVIDENCE[detect](pose, min_vis), t_s)
        return facing, Sides(working=working, front=front, near=near)

    def _update_facing(self, pose: Pose, t_s: float) -> int:
        if not self._needs_facing or self.spec.view == "front":
            return 0
        return self._facing.update(facing_evidence(pose, self.spec.min_visibility), t_s) or 0

    def _update_from_legs(self, pose: Pose, t_s: float) -> tuple[int, str | None]:
        min_vis = self.spec.min_visibility
        legs = lunge_legs_evidence(pose, min_vis)
        if legs is None and self._front.value is None:
            # Nothing from the legs yet: the head or the feet, and the ankle ahead.
            facing = self._facing.update(facing_evidence(pose, min_vis), t_s) or 0
            return facing, self._front.update(front_leg_evidence(pose, facing, min_vis), t_s)
        front = self._front.update(legs, t_s)
        if front is None:
            return self._facing.value or 0, None
        facing = self._facing.update(legs_facing_evidence(pose, front, min_vis), t_s) or 0
        return facing, front
