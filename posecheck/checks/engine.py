"""Engine.step(pose, t): landmarks -> smoothing -> measurements -> verdicts -> hold timer -> cue."""

from __future__ import annotations

import math

import numpy as np

from posecheck.checks.cues import PRIORITY, CueArbiter, CueCandidate
from posecheck.checks.hold import HoldTimer
from posecheck.checks.measure import Measurer
from posecheck.checks.peak import RelativeToPeak
from posecheck.checks.reps import RepCounter
from posecheck.checks.rules import RuleTracker
from posecheck.checks.sides import SideResolver
from posecheck.checks.smoothing import OneEuroFilter
from posecheck.checks.view import VIEW_SETTLE_S, ViewEstimator, view_cue
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose, readable
from posecheck.results import Cue, FrameResult, Measurement, RepStatus, RuleCheck, Severity, Verdict
from posecheck.spec.model import EntryCondition, MovePhase, Rule, StretchSpec

# Near-miss: out of the pose with at most this many entry conditions failing (and more
# passing than failing), the banner names what to change instead of the whole set-up.
NEAR_MISS_MAX_FAILING = 2

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
        self._sides = SideResolver(spec)
        self._measurer = Measurer(spec)
        self._relative = RelativeToPeak(spec, still_images=still_images)
        self._view = ViewEstimator(0.0 if still_images else VIEW_SETTLE_S)
        duration = (lambda d: 0.0) if still_images else (lambda d: d)
        self._entry = [
            RuleTracker(c.min, c.max, spec.hysteresis_for(c), duration(c.min_duration_s)) for c in spec.entry
        ]
        self._rules = [
            RuleTracker(r.min, r.max, spec.hysteresis_for(r), duration(r.min_duration_s)) for r in spec.rules
        ]
        self._was_in_pose = False
        self.timer = HoldTimer(spec.sides, spec.hold.target_s, spec.hold.grace_s)
        self.arbiter = CueArbiter()
        self._confirmations = {r.id: r.confirm for r in spec.rules if r.confirm}
        # Looked up on every frame: worked out once from the spec.
        self._severities = [Severity(r.severity) for r in spec.rules]
        self._cross_checks = {mid: m.cross_check for mid, m in spec.measurements.items()}
        # What the person must fix first: landmarks the entry and critical rules need.
        self._needed = [c.measure for c in spec.entry] + [
            r.measure for r in spec.rules if r.severity == "critical"
        ]
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
        pose = self._smooth(pose.sanitized(), t_s)
        facing, sides = self._sides.update(pose, t_s)
        view = self._view.update(pose, t_s)
        measurements, missing = self._measurer.measure_all(pose, sides, facing)
        measurements = self._relative.apply(measurements, t_s)

        entry_verdicts = [
            self._entry_verdict(c, tracker, measurements[c.measure], view, t_s)
            for tracker, c in zip(self._entry, self.spec.entry, strict=True)
        ]
        in_pose = all(v is Verdict.PASS for v in entry_verdicts)
        if in_pose and not self._was_in_pose:
            # Rules are judged in the pose: a fault seen while getting into it (a bridge
            # "sagging" on its way up) must not wait out its minimum duration in the pose,
            # failing on a value already in the green band. The first frame decides afresh.
            for tracker in self._rules:
                tracker.reset()
        self._was_in_pose = in_pose
        phase_now = self._phase_now(measurements, t_s) if in_pose else None
        active_phase = phase_now or (self.reps.phase if self.reps is not None else None)
        checks = tuple(
            self._check(rule, severity, tracker, measurements[rule.measure], t_s, active_phase, view)
            for tracker, rule, severity in zip(self._rules, self.spec.rules, self._severities, strict=True)
        )
        critical = [c.verdict for c in checks if c.severity is Severity.CRITICAL]
        # A hold needs every critical rule seen passing; a rep is spoilt only by a fault seen
        # (a rule not judged in this phase, or not visible, is UNKNOWN).
        if self.reps is None:
            form_ok = all(v is Verdict.PASS for v in critical)
        else:
            form_ok = not any(v.failing for v in critical)

        missing_now = tuple(dict.fromkeys(lm for m in self._needed for lm in missing[m]))

        hold = holds = reps = None
        if self.reps is not None:
            reps = self.reps.update(t_s, phase_now, sides.working, in_pose, form_ok)
        elif not self.still_images:
            side = sides.working if self.spec.sides != ("both",) else "both"
            hold = self.timer.update(t_s, side, in_pose, form_ok)
            holds = self.timer.statuses()
        cue = self._choose_cue(
            t_s, pose, in_pose, checks, measurements, missing_now, reps, entry_verdicts, view
        )
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
            view=view,
        )

    # -- stages -----------------------------------------------------------------

    def _judged(self, measurement: Measurement, low: float | None, high: float | None) -> float:
        return judged_value(measurement, low, high, self._cross_checks[measurement.measure_id])

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

    def _entry_verdict(
        self,
        cond: EntryCondition,
        tracker: RuleTracker,
        measurement: Measurement,
        view: str | None,
        t_s: float,
    ) -> Verdict:
        """An entry condition's verdict; one that cannot be judged from this view is left out (PASS)."""
        if not _judged_from(cond.views, view):
            tracker.reset()
            return Verdict.PASS
        return tracker.update(self._judged(measurement, cond.min, cond.max), t_s)

    def _check(
        self,
        rule: Rule,
        severity: Severity,
        tracker: RuleTracker,
        measurement: Measurement,
        t_s: float,
        phase: str | None,
        view: str | None,
    ) -> RuleCheck:
        if (rule.during is not None and phase not in rule.during) or not _judged_from(rule.views, view):
            tracker.reset()
            verdict = Verdict.UNKNOWN
            value = measurement.value
        else:
            value = self._judged(measurement, rule.min, rule.max)
            verdict = tracker.update(value, t_s)
        return RuleCheck(rule.id, rule.measure, value, verdict, severity, measurement.landmarks)

    def _no_person(self, t_s: float, index: int) -> FrameResult:
        # Whoever steps back in may face the other way or lead with the other leg.
        self._was_in_pose = False
        self._relative.reset()
        self._sides.reset()
        self._view.reset()
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

    def _choose_cue(
        self,
        t_s: float,
        pose: Pose,
        in_pose: bool,
        checks: tuple[RuleCheck, ...],
        measurements: dict[str, Measurement],
        missing: tuple[str, ...],
        reps: RepStatus | None,
        entry_verdicts: list[Verdict],
        view: str | None,
    ) -> Cue | None:
        candidates: list[CueCandidate] = []
        if missing:
            candidates.append(CueCandidate(self._visibility_cue(pose, missing), PRIORITY["visibility"]))
        if not in_pose:
            candidates.append(CueCandidate(self._entry_cue(entry_verdicts, measurements), PRIORITY["entry"]))
        else:
            if reps is not None and reps.next_phase is not None and not reps.done:
                # Between corrections, say where the move goes next ("Round your back up").
                text = self.spec.phase(reps.next_phase).cue
                if text:
                    candidates.append(CueCandidate(Cue(text, "status"), PRIORITY["status"]))
            for check, rule, tracker in zip(checks, self.spec.rules, self._rules, strict=True):
                if not _judged_from(rule.views, view) and rule.views is not None:
                    # A fault this view cannot show: ask for a view that can, as urgently as the fault.
                    turn = Cue(view_cue(rule.views), "visibility", severity=Severity(rule.severity))
                    candidates.append(CueCandidate(turn, PRIORITY[rule.severity]))
                    continue
                if not check.verdict.failing or self._outranked_tier(rule, tracker):
                    continue
                text = rule.cue
                if check.verdict is Verdict.FAIL_LOW and rule.cue_low:
                    text = rule.cue_low
                elif check.verdict is Verdict.FAIL_HIGH and rule.cue_high:
                    text = rule.cue_high
                anchor = measurements[rule.measure].anchor
                cue = Cue(text, "correction", rule.id, (anchor,) if anchor else (), Severity(rule.severity))
                candidates.append(CueCandidate(cue, PRIORITY[rule.severity]))
        return self.arbiter.update(t_s, candidates, self._confirmations)

    def _outranked_tier(self, rule: Rule, tracker: RuleTracker) -> bool:
        """An advisory rule about to pass, or whose measurement a critical rule is about to
        fail (two tiers of one fault: knee past the ankle, knee past the toes), gives no cue:
        the fault's text changes once, to the critical one, instead of flashing the
        advisory one in between."""
        if rule.severity != "advisory":
            return False
        if tracker.pending is Verdict.PASS:
            return True
        return any(
            other.severity == "critical"
            and other.measure == rule.measure
            and other_tracker.pending is not None
            and other_tracker.pending.failing
            for other, other_tracker in zip(self.spec.rules, self._rules, strict=True)
        )

    def _entry_cue(self, verdicts: list[Verdict], measurements: dict[str, Measurement]) -> Cue:
        """Out of the pose: the spec's set-up cue, or, when the person is close (one or two
        conditions fail, more pass, none unseen), the cue of the first failing condition."""
        failing = [c for c, v in zip(self.spec.entry, verdicts, strict=True) if v.failing]
        passing = sum(v is Verdict.PASS for v in verdicts)
        unseen = any(v is Verdict.UNKNOWN for v in verdicts)
        if not unseen and 0 < len(failing) <= NEAR_MISS_MAX_FAILING and passing > len(failing):
            first = next((c for c in failing if c.cue), None)
            if first is not None and first.cue is not None:
                anchor = measurements[first.measure].anchor
                return Cue(first.cue, "entry", None, (anchor,) if anchor else ())
        return Cue(self.spec.entry_cue, "entry")

    def _visibility_cue(self, pose: Pose, missing: tuple[str, ...]) -> Cue:
        first = missing[0]
        index = LANDMARK_INDEX[first]
        if not pose.in_frame()[index]:
            part = "feet" if "ankle" in first or "heel" in first or "foot" in first else readable(first)
            return Cue(f"Step back so I can see your {part}", "visibility", None, (first,))
        hint = VIEW_HINT[self.spec.view]
        return Cue(f"Can't see your {readable(first)}: {hint}", "visibility", None, (first,))


def _judged_from(views: tuple[str, ...] | None, view: str | None) -> bool:
    """Whether a rule or condition listing `views` can be judged in `view` (unknown: judge it)."""
    return views is None or view is None or view in views


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
