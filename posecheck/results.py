"""Per-frame results that the engine produces and the overlay, reports and live window consume."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from posecheck.pose.landmarks import Pose


class Verdict(str, enum.Enum):
    """A rule's verdict on one frame."""

    PASS = "pass"
    FAIL_LOW = "fail_low"
    FAIL_HIGH = "fail_high"
    UNKNOWN = "unknown"  # the landmarks it needs are not visible enough

    @property
    def failing(self) -> bool:
        return self in (Verdict.FAIL_LOW, Verdict.FAIL_HIGH)


class HoldState(str, enum.Enum):
    WAITING = "waiting"  # not in the pose (yet), nothing held
    HOLDING = "holding"  # in the pose with good form: the clock runs
    PAUSED = "paused"  # a hold was under way and is broken; resets after the grace period
    DONE = "done"  # target reached for this side


class Severity(str, enum.Enum):
    CRITICAL = "critical"  # pauses the hold timer
    ADVISORY = "advisory"  # only cues


@dataclass(frozen=True)
class Measurement:
    """One measured quantity on one frame, with what the overlay needs to draw it."""

    measure_id: str
    label: str  # short human name, e.g. "front knee"
    value: float  # NaN when the landmarks are not visible enough
    unit: str  # "deg" or "ratio"
    landmarks: tuple[str, ...]  # concrete landmark names used, e.g. ("left_hip", "left_knee", ...)
    anchor: str  # landmark where the value is drawn (the joint for an angle)
    # With `cross_check`: the same measurement on the far side (near_/far_ swapped); NaN if not visible.
    far_value: float = math.nan


@dataclass(frozen=True)
class RuleCheck:
    """One rule's state on one frame."""

    rule_id: str
    measure_id: str
    value: float  # NaN when unknown
    verdict: Verdict
    severity: Severity
    landmarks: tuple[str, ...]  # concrete landmark names the measurement used (for drawing)


@dataclass(frozen=True)
class HoldStatus:
    side: str  # "left" / "right" / "both"
    state: HoldState
    held_s: float
    target_s: float

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.target_s - self.held_s)


@dataclass(frozen=True)
class RepStatus:
    """Where a dynamic move stands: the phase reached last and the reps counted so far."""

    side: str | None  # side the reps are counted for now ("left"/"right", "both"), None if unknown
    phase: str | None  # id of the phase reached last (None before the first)
    phase_label: str | None
    next_phase: str | None  # the phase the cycle waits for
    counts: dict[str, int]  # side -> good reps, for every side of the spec
    target: int  # per side
    rejected: dict[str, int] = field(default_factory=dict)  # full cycles with a critical fault
    counted_now: bool = False  # a rep was completed on this frame

    @property
    def count(self) -> int:
        """Reps of the side being counted now (0 if unknown)."""
        return self.counts.get(self.side or "", 0)

    @property
    def done(self) -> bool:
        return all(n >= self.target for n in self.counts.values())


@dataclass(frozen=True)
class Cue:
    """The one message shown (and later spoken) now."""

    text: str
    kind: str  # "correction" | "confirmation" | "visibility" | "entry" | "status"
    rule_id: str | None = None
    landmarks: tuple[str, ...] = ()  # body part the cue is about, highlighted by the overlay
    severity: Severity | None = None  # a correction's: advisory ones are never drawn as critical


@dataclass(frozen=True)
class FrameResult:
    """Everything known about one frame after the engine ran."""

    index: int
    timestamp_s: float
    pose: Pose | None
    side: str | None  # working side resolved on this frame ("left"/"right"), None if unknown
    facing: int  # +1 person faces image right, -1 left, 0 unknown / front view
    in_pose: bool
    measurements: dict[str, Measurement] = field(default_factory=dict)
    checks: tuple[RuleCheck, ...] = ()
    hold: HoldStatus | None = None
    holds: tuple[HoldStatus, ...] = ()  # every side's status, for summaries
    cue: Cue | None = None
    missing_landmarks: tuple[str, ...] = ()  # needed but not visible / out of frame
    reps: RepStatus | None = None  # reps-mode specs only
    view: str | None = None  # camera view: "side", "three-quarter", "front", "above"; None unknown
