"""Engine.step(pose, t): landmarks -> smoothing -> measurements -> verdicts -> hold timer -> cue."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecheck import geometry
from posecheck.checks.cues import PRIORITY, CueArbiter, CueCandidate
from posecheck.checks.hold import HoldTimer
from posecheck.checks.measure import Sides, landmark_point, measure, needs_facing
from posecheck.checks.reps import RepCounter
from posecheck.checks.rules import RuleTracker
from posecheck.checks.smoothing import OneEuroFilter
from posecheck.checks.sticky import StickyChoice
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose, readable
from posecheck.results import Cue, FrameResult, Measurement, RepStatus, RuleCheck, Severity, Verdict
from posecheck.spec.model import MovePhase, Rule, StretchSpec

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
FACING_SETTLE_S = 0.5

VIEW_HINT = {
    "side": "turn side-on to the camera",
    "front": "face the camera",
    "any": "move so the camera sees your whole body",
}


class Engine:
    """Judges a stream of poses against one spec. Time is the frames' own timestamps.

    `still_images=True` judges independent photos: no smoothing, no timing (every
    verdict is immediate) and no hold timer.
    """

    def __init__(self, spec: StretchSpec, *, still_images: bool = False) -> None:
        self.spec = spec
        self.still_images = still_images
        self._xy_filter = OneEuroFilter()
        self._world_filter = OneEuroFilter(min_cutoff_hz=1.5, beta=5.0)
        self._facing: StickyChoice[int] = StickyChoice(FACING_SETTLE_S)
        self._working: StickyChoice[str] = StickyChoice(spec.working_side.settle_s)
        self._front: StickyChoice[str] = StickyChoice(spec.working_side.settle_s)
        self._near: StickyChoice[str] = StickyChoice(spec.working_side.settle_s)
        self._needs_facing = needs_facing(spec)
        duration = (lambda d: 0.0) if still_images else (lambda d: d)
        self._entry = [
            RuleTracker(c.min, c.max, spec.hysteresis_for(c), duration(c.min_duration_s)) for c in spec.entry
        ]
        self._rules = [
            RuleTracker(r.min, r.max, spec.hysteresis_for(r), duration(r.min_duration_s)) for r in spec.rules
        ]
        self.timer = HoldTimer(spec.sides, spec.hold.target_s, spec.hold.grace_s)
        self.arbiter = CueArbiter()
        self._confirmations = {r.id: r.confirm for r in spec.rules if r.confirm}
        # Reps mode: one hysteresis tracker per phase condition (the phase's min_s is the counter's).
        self._phases = [
            [RuleTracker(c.min, c.max, spec.hysteresis_for(c), 0.0) for c in phase.when]
            for phase in spec.phases
        ]
        self.reps: RepCounter | None = None
        if spec.mode == "reps" and spec.reps is not None:
            self.reps = RepCounter(
                spec.cycle,
                spec.sides,
                spec.reps.target,
                {p.id: duration(p.min_s) for p in spec.phases},
                {p.id: p.label for p in spec.phases},
                neutral=frozenset(p.id for p in spec.phases if not _sided(spec, p)),
            )

    def reset(self) -> None:
        """Forget everything (a new video, or photos judged one by one)."""
        self.__init__(self.spec, still_images=self.still_images)  # type: ignore[misc]

    def step(self, pose: Pose | None, t_s: float, index: int = 0) -> FrameResult:
        if self.still_images:
            self.reset()
        if pose is None:
            return self._no_person(t_s, index)
        pose = self._smooth(pose, t_s)
        facing = self._update_facing(pose, t_s)
        sides = self._update_sides(pose, facing, t_s)
        min_vis = self.spec.min_visibility

        measurements: dict[str, Measurement] = {}
        missing: dict[str, tuple[str, ...]] = {}
        for measure_id, spec_measure in self.spec.measurements.items():
            measurements[measure_id], missing[measure_id] = measure(
                measure_id, spec_measure, pose, sides, facing, min_vis
            )

        entry_verdicts = [
            tracker.update(self._judged(measurements[c.measure], c.min, c.max), t_s)
            for tracker, c in zip(self._entry, self.spec.entry, strict=True)
        ]
        in_pose = all(v is Verdict.PASS for v in entry_verdicts)
        phase_now = self._phase_now(measurements, t_s) if in_pose else None
        active_phase = phase_now or (self.reps.phase if self.reps is not None else None)
        checks = tuple(
            self._check(rule, tracker, measurements[rule.measure], t_s, active_phase)
            for tracker, rule in zip(self._rules, self.spec.rules, strict=True)
        )
        critical = [c.verdict for c in checks if c.severity is Severity.CRITICAL]
        # A hold needs every critical rule seen passing; a rep is spoilt only by a fault seen
        # (a rule not judged in this phase, or not visible, is UNKNOWN).
        if self.reps is None:
            form_ok = all(v is Verdict.PASS for v in critical)
        else:
            form_ok = not any(v.failing for v in critical)

        # What the person must fix first: landmarks the entry and critical rules need.
        needed = [c.measure for c in self.spec.entry] + [
            r.measure for r in self.spec.rules if r.severity == "critical"
        ]
        missing_now = tuple(dict.fromkeys(lm for m in needed for lm in missing[m]))

        hold = holds = reps = None
        if self.reps is not None:
            reps = self.reps.update(t_s, phase_now, sides.working, in_pose, form_ok)
        elif not self.still_images:
            side = sides.working if self.spec.sides != ("both",) else "both"
            hold = self.timer.update(t_s, side, in_pose, form_ok)
            holds = self.timer.statuses()
        cue = self._choose_cue(t_s, pose, in_pose, checks, measurements, missing_now, reps)
        return FrameResult(
            index=index,
            timestamp_s=t_s,
            pose=pose,
            side=sides.working,
            facing=facing,
            in_pose=in_pose,
            measurements=measurements,
            checks=checks,
            hold=hold,
            holds=holds or (),
            cue=cue,
            missing_landmarks=missing_now,
            reps=reps,
        )

    # -- stages -----------------------------------------------------------------

    def _judged(self, measurement: Measurement, low: float | None, high: float | None) -> float:
        mode = self.spec.measurements[measurement.measure_id].cross_check
        return judged_value(measurement, low, high, mode)

    def _phase_now(self, measurements: dict[str, Measurement], t_s: float) -> str | None:
        """The first phase (in spec order) whose conditions all pass on this frame, if any."""
        found = None
        for phase, trackers in zip(self.spec.phases, self._phases, strict=True):
            # Every tracker sees every frame, so each keeps its hysteresis state.
            verdicts = [
                tracker.update(self._judged(measurements[c.measure], c.min, c.max), t_s)
                for tracker, c in zip(trackers, phase.when, strict=True)
            ]
            if found is None and all(v is Verdict.PASS for v in verdicts):
                found = phase.id
        return found

    def _check(
        self, rule: Rule, tracker: RuleTracker, measurement: Measurement, t_s: float, phase: str | None
    ) -> RuleCheck:
        if rule.during is not None and phase not in rule.during:
            tracker.reset()
            verdict = Verdict.UNKNOWN
            value = measurement.value
        else:
            value = self._judged(measurement, rule.min, rule.max)
            verdict = tracker.update(value, t_s)
        return RuleCheck(
            rule.id, rule.measure, value, verdict, Severity(rule.severity), measurement.landmarks
        )

    def _no_person(self, t_s: float, index: int) -> FrameResult:
        # Whoever steps back in may face the other way or lead with the other leg.
        for choice in (self._facing, self._front, self._near, self._working):
            choice.reset()
        self._xy_filter.reset()
        self._world_filter.reset()
        for tracker in (*self._entry, *self._rules):
            tracker.reset()
        hold = holds = reps = None
        if self.reps is not None:
            reps = self.reps.update(t_s, None, None, in_pose=False, form_ok=False)
        elif not self.still_images:
            hold = self.timer.update(t_s, None, in_pose=False, form_ok=False)
            holds = self.timer.statuses()
        cue = self.arbiter.update(
            t_s, [CueCandidate(Cue("No person found: step into view", "visibility"), 0)], {}
        )
        return FrameResult(index, t_s, None, None, 0, False, hold=hold, holds=holds or (), cue=cue, reps=reps)

    def _smooth(self, pose: Pose, t_s: float) -> Pose:
        if self.still_images:
            return pose
        # Landmarks the model cannot see jump around: hold them out of the filter's memory.
        hidden = pose.visibility < self.spec.min_visibility
        xy = np.where(hidden[:, None], np.nan, pose.xy_px)
        world = np.where(hidden[:, None], np.nan, pose.world_xyz_m)
        xy_s = self._xy_filter(xy, t_s)
        world_s = self._world_filter(world, t_s)
        return Pose(
            np.where(hidden[:, None], pose.xy_px, xy_s),
            np.where(hidden[:, None], pose.world_xyz_m, world_s),
            pose.visibility,
            pose.image_wh,
        )

    def _update_facing(self, pose: Pose, t_s: float) -> int:
        if not self._needs_facing or self.spec.view == "front":
            return 0
        evidence = facing_evidence(pose, self.spec.min_visibility)
        return self._facing.update(evidence, t_s) or 0

    def _update_sides(self, pose: Pose, facing: int, t_s: float) -> Sides:
        min_vis = self.spec.min_visibility
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
        else:
            working = self._working.update(SIDE_EVIDENCE[detect](pose, min_vis), t_s)
        return Sides(working=working, front=front, near=near)

    def _choose_cue(
        self,
        t_s: float,
        pose: Pose,
        in_pose: bool,
        checks: tuple[RuleCheck, ...],
        measurements: dict[str, Measurement],
        missing: tuple[str, ...],
        reps: RepStatus | None = None,
    ) -> Cue | None:
        candidates: list[CueCandidate] = []
        if missing:
            candidates.append(CueCandidate(self._visibility_cue(pose, missing), PRIORITY["visibility"]))
        if not in_pose:
            candidates.append(CueCandidate(Cue(self.spec.entry_cue, "entry"), PRIORITY["entry"]))
        else:
            if reps is not None and reps.next_phase is not None and not reps.done:
                # Between corrections, say where the move goes next ("Round your back up").
                text = self.spec.phase(reps.next_phase).cue
                if text:
                    candidates.append(CueCandidate(Cue(text, "status"), PRIORITY["status"]))
            for check, rule in zip(checks, self.spec.rules, strict=True):
                if not check.verdict.failing:
                    continue
                text = rule.cue
                if check.verdict is Verdict.FAIL_LOW and rule.cue_low:
                    text = rule.cue_low
                elif check.verdict is Verdict.FAIL_HIGH and rule.cue_high:
                    text = rule.cue_high
                anchor = measurements[rule.measure].anchor
                cue = Cue(text, "correction", rule.id, (anchor,) if anchor else ())
                candidates.append(CueCandidate(cue, PRIORITY[rule.severity]))
        return self.arbiter.update(t_s, candidates, self._confirmations)

    def _visibility_cue(self, pose: Pose, missing: tuple[str, ...]) -> Cue:
        first = missing[0]
        index = LANDMARK_INDEX[first]
        if not pose.in_frame()[index]:
            part = "feet" if "ankle" in first or "heel" in first or "foot" in first else readable(first)
            return Cue(f"Step back so I can see your {part}", "visibility", None, (first,))
        hint = VIEW_HINT[self.spec.view]
        return Cue(f"Can't see your {readable(first)}: {hint}", "visibility", None, (first,))


def _sided(spec: StretchSpec, phase: MovePhase) -> bool:
    """Whether a phase is about one side: its conditions measure working_/support_ landmarks."""
    return any(
        name.startswith(("working_", "support_"))
        for cond in phase.when
        for name in spec.measurements[cond.measure].landmark_names()
    )


def judged_value(
    measurement: Measurement, low: float | None, high: float | None, cross_check: str | None = "either"
) -> float:
    """The value a range check judges: with a cross-checked far side, the side that fits
    better ('either': a fault needs both sides to show it, so one side's landmarks flipping
    or being guessed cannot raise it alone) or worse ('both': both sides must pass)."""
    value, far = measurement.value, measurement.far_value
    if cross_check is None or not math.isfinite(far):
        return value
    if not math.isfinite(value):
        return far

    def inside(v: float) -> float:
        return min(v - (-math.inf if low is None else low), (math.inf if high is None else high) - v)

    better_near = inside(value) >= inside(far)
    if cross_check == "both":
        return far if better_near else value
    return value if better_near else far


# -- side evidence: per frame, None when the frame does not tell -------------------


def _torso_length_px(pose: Pose, min_vis: float) -> float:
    shoulder = landmark_point(pose, "mid_shoulder", 0.0)
    hip = landmark_point(pose, "mid_hip", 0.0)
    return float(np.linalg.norm(shoulder.xy_px - hip.xy_px))


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
        z[side] = float(np.mean(pose.world_xyz_m[idx, 2]))
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
        dist[side] = float(np.linalg.norm(xy[ankle] - xy[knee]))
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


def knees_side_evidence(pose: Pose, min_vis: float) -> str | None:
    """Lying on the back: the side the knees are rolled to.

    Rolling the knees to one side lifts the other hip while both shoulders stay down, so
    the hip line tilts against the shoulder line (which also cancels the camera's height).
    Seen in the picture, so it needs a side or feet-end view, not a camera overhead.
    """
    torso = _torso_length_px(pose, min_vis)
    names = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    idx = {n: LANDMARK_INDEX[n] for n in names}
    if not math.isfinite(torso) or torso < 1.0:
        return None
    if min(pose.visibility[i] for i in idx.values()) < min_vis * 0.5:
        return None
    y = {n: float(pose.xy_px[i, 1]) for n, i in idx.items()}
    # > 0: the right hip sits higher than the shoulders' tilt says: it lifted, the knees went left.
    lift = ((y["left_hip"] - y["right_hip"]) - (y["left_shoulder"] - y["right_shoulder"])) / torso
    if not math.isfinite(lift) or abs(lift) < KNEES_SIDE_MIN_LIFT:
        return None
    return "left" if lift > 0 else "right"


SIDE_EVIDENCE: dict[str, Callable[[Pose, float], str | None]] = {
    "bent-knee": bent_knee_evidence,
    "raised-knee": raised_knee_evidence,
    "crossed-leg": crossed_leg_evidence,
    "top-leg": top_leg_evidence,
    "knees-side": knees_side_evidence,
}
