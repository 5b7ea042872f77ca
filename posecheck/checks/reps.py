"""The rep counter: phases of a dynamic move -> full cycles -> reps, per side. Pure; time from frames.

A phase (e.g. cat = spine rounded) is *reached* once the person has been in it for
its `min_s` by frame timestamps; jitter at a phase boundary is already absorbed by
the hysteresis of the phase's conditions (one RuleTracker each, in the engine). A
rep counts when every phase of the cycle has been reached in order:

- a cycle that ends where it starts, [middle, rolled, middle], is *anchored*: a rep
  begins in its first phase, and the closing phase already begins the next rep;
- any other cycle, [cow, cat], is a *loop*: a rep may begin in any of its phases
  (cat -> cow counts as well as cow -> cat), and the next rep begins afresh.

Reaching the same phase again, or passing through "no phase" in between, changes
nothing; reaching a phase out of order starts the rep over from that phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posecheck.results import RepStatus

# A gap between frames longer than this (dropped frames, a paused camera) restarts a pending phase.
from posecheck.timing import MAX_FRAME_GAP_S

# Out of the pose for longer than this, the cycle under way is forgotten.
OUT_OF_POSE_GRACE_S = 2.0


@dataclass
class _Progress:
    """How far one side is through the cycle."""

    position: int = 0  # phases of the cycle reached so far, in order
    start: int = 0  # index into the cycle where this rep began (loops may begin anywhere)
    faulty: bool = False  # a critical rule failed during this cycle


@dataclass
class _Side:
    count: int = 0
    rejected: int = 0
    progress: _Progress = field(default_factory=_Progress)


class RepCounter:
    """Counts cycles of phases, for each side of the spec (or "both").

    `neutral` names the phases that belong to no side (their conditions use no
    working_/support_ landmarks): reaching a neutral phase that opens the cycle opens
    it for every side, so the first rep after a switch of sides is not lost.

    `update` takes, per frame, the phase whose conditions hold now (None when
    between phases or out of the pose), the side being worked, whether the person
    is in the pose at all and whether every critical rule passes. A cycle during
    which a critical rule failed completes as *rejected*, not as a rep. Leaving the
    pose forgets the cycle under way (a rep is done in the position).
    """

    def __init__(
        self,
        cycle: tuple[str, ...],
        sides: tuple[str, ...],
        target: int,
        min_s: dict[str, float],
        labels: dict[str, str] | None = None,
        grace_s: float = OUT_OF_POSE_GRACE_S,
        neutral: frozenset[str] = frozenset(),
    ) -> None:
        if len(cycle) < 2:
            raise ValueError("a cycle needs at least two phases")
        self.cycle = cycle
        self.sides = sides
        self.target = target
        self.min_s = min_s
        self.labels = labels or {}
        self.grace_s = grace_s
        self.neutral = neutral
        self._out_since_s: float | None = None
        self._sides = {side: _Side() for side in sides}
        self.phase: str | None = None  # last phase reached
        self._candidate: str | None = None
        self._candidate_since_s = 0.0
        self._last_t_s: float | None = None
        self._side: str | None = None

    def update(
        self, t_s: float, phase: str | None, side: str | None, in_pose: bool, form_ok: bool
    ) -> RepStatus:
        if self._last_t_s is not None and t_s - self._last_t_s > MAX_FRAME_GAP_S:
            self._candidate = None  # time not seen cannot count as time in a phase
        self._last_t_s = t_s
        # Each side keeps its own progress: switching sides mid-cycle leaves the other side's open.
        counting = self._counting_side(side)
        self._side = counting
        if not in_pose:
            # A moment out of the pose (a lost detection, a wobble) keeps the cycle under way;
            # longer, and the cycle starts over: a rep is done in the position.
            self._candidate = None
            if self._out_since_s is None:
                self._out_since_s = t_s
            if t_s - self._out_since_s > self.grace_s:
                for state in self._sides.values():
                    state.progress = _Progress()
                self.phase = None
            return self.status(counted=False)
        self._out_since_s = None
        if counting is not None and not form_ok and self._sides[counting].progress.position > 0:
            self._sides[counting].progress.faulty = True

        counted = False
        if phase is None or phase == self.phase:
            self._candidate = None
        else:
            if phase != self._candidate:
                self._candidate, self._candidate_since_s = phase, t_s
            if t_s - self._candidate_since_s >= self.min_s.get(phase, 0.0) - 1e-6:
                self._candidate = None
                self.phase = phase
                if counting is not None:
                    counted = self._advance(self._sides[counting], phase, form_ok)
                if phase in self.neutral:
                    # A position that belongs to no side (knees up in the middle) begins a
                    # rep for every side that has none under way, whichever side comes next.
                    for side, state in self._sides.items():
                        if side != counting and state.progress.position == 0:
                            state.progress = self._begin(phase, form_ok)
        return self.status(counted)

    def _counting_side(self, side: str | None) -> str | None:
        if len(self.sides) == 1:
            return self.sides[0]
        return side if side in self._sides else None

    @property
    def anchored(self) -> bool:
        return self.cycle[0] == self.cycle[-1]

    def _expected(self, progress: _Progress) -> str:
        return self.cycle[(progress.start + progress.position) % len(self.cycle)]

    def _begin(self, phase: str, form_ok: bool) -> _Progress:
        """A fresh rep, begun in `phase` if a rep may begin there."""
        if phase not in self.cycle or (self.anchored and phase != self.cycle[0]):
            return _Progress()
        return _Progress(position=1, start=self.cycle.index(phase), faulty=not form_ok)

    def _advance(self, state: _Side, phase: str, form_ok: bool) -> bool:
        """A new phase was reached on this side: move through the cycle; True if a rep completed."""
        progress = state.progress
        if progress.position == 0 or phase != self._expected(progress):
            # The first phase of a rep, or out of order: begin again from here.
            state.progress = self._begin(phase, form_ok)
            return False
        progress.position += 1
        if not form_ok:
            progress.faulty = True
        if progress.position < len(self.cycle):
            return False
        if progress.faulty:
            state.rejected += 1
        else:
            state.count += 1
        # An anchored cycle's closing phase is the next rep's first; a loop starts afresh.
        state.progress = _Progress(position=1) if self.anchored else _Progress()
        return not progress.faulty

    def status(self, counted: bool = False) -> RepStatus:
        state = self._sides.get(self._side or "")
        next_phase = None
        if state is not None:
            next_phase = self._expected(state.progress) if state.progress.position else self.cycle[0]
        return RepStatus(
            side=self._side,
            phase=self.phase,
            phase_label=self.labels.get(self.phase or ""),
            next_phase=next_phase,
            counts={side: s.count for side, s in self._sides.items()},
            target=self.target,
            rejected={side: s.rejected for side, s in self._sides.items()},
            counted_now=counted,
        )

    def restart(self) -> None:
        self.__init__(  # type: ignore[misc]
            self.cycle, self.sides, self.target, self.min_s, self.labels, self.grace_s, self.neutral
        )
