"""What a recording says about each rule: in-pose statistics, and a suggested range.

The suggestion assumes the recording shows good form (the user says so by asking):
the allowed range becomes [p2 - margin, p98 + margin] of the in-pose values, on the
sides the rule already limits. The margin is the larger of k times the frame-to-frame
jitter (robust sigma) and the measurement error floor: single-camera MediaPipe angles
are good to about 5-8 degrees (STRETCHES.md), hence 7 degrees, and 0.05 for ratios.
Bounds are rounded outwards (1 degree, 0.01), so a suggestion is never tighter than that.
Entry conditions are not tuned: they decide which frames are "in the pose", so tuning
them from in-pose frames would only confirm themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from posecheck.timing import continues_previous
from posecheck.tune.rescore import FloatArray, RuleTrace, Scored

# The measurement error floor per unit: a margin is never smaller.
MARGIN_FLOOR = {"deg": 7.0, "ratio": 0.05}
ROUND_STEP = {"deg": 1.0, "ratio": 0.01}
JITTER_K = 3.0  # margin >= 3 sigma of frame-to-frame jitter
LOW_PERCENTILE = 2.0
HIGH_PERCENTILE = 98.0
MIN_FRAMES = 30  # about a second at 30 fps: fewer in-pose frames say too little
# Values an unsigned measurement cannot leave: a bound beyond them would read oddly.
PHYSICAL_RANGE = {"angle": (0.0, 180.0), "inclination": (0.0, 90.0)}
# Robust sigma from the median absolute deviation, for normal noise.
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class RuleStats:
    """A rule's judged values on the in-pose frames of a recording, and how often it failed."""

    n: int  # in-pose frames with a value
    min: float
    p5: float
    p50: float
    p95: float
    max: float
    fail_frames: int  # in-pose frames whose verdict is failing
    jitter: float  # robust sigma of the frame-to-frame change, in the rule's unit

    @property
    def fail_pct(self) -> float:
        return 100.0 * self.fail_frames / self.n if self.n else math.nan


@dataclass(frozen=True)
class Suggestion:
    """A proposed [min, max] for one rule and the numbers it came from."""

    rule_id: str
    unit: str
    min: float | None
    max: float | None
    p_low: float  # p2 of the in-pose values
    p_high: float  # p98
    margin: float
    n: int

    @property
    def range(self) -> tuple[float | None, float | None]:
        return self.min, self.max

    def note(self, source: str, date: str) -> str:
        """Where the numbers came from, for the comment written beside them."""
        fmt = format_value
        if self.min is not None and self.max is not None:
            seen = f"p2..p98 = {fmt(self.p_low, self.unit)}..{fmt(self.p_high, self.unit)}"
        elif self.max is not None:
            seen = f"p98 = {fmt(self.p_high, self.unit)}"
        else:
            seen = f"p2 = {fmt(self.p_low, self.unit)}"
        return f"tuned {date} from {source}: {seen} {self.unit}, margin {fmt(self.margin, self.unit)}"


def format_value(value: float, unit: str) -> str:
    """A bound as a spec file writes it: whole degrees, ratios to 0.01 ('-0' never)."""
    if unit == "deg":
        return f"{round(value) + 0:d}"
    text = f"{round(value, 2) + 0.0:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def in_pose_values(scored: Scored, trace: RuleTrace) -> FloatArray:
    values: FloatArray = trace.values[scored.in_pose & np.isfinite(trace.values)]
    return values


def jitter_sigma(scored: Scored, trace: RuleTrace) -> float:
    """Robust sigma of a value's frame-to-frame noise on consecutive in-pose frames.

    The median absolute deviation of the differences ignores the real movements (a few
    large steps); a difference of two noisy values has sqrt(2) times their noise.
    """
    ok = scored.in_pose & np.isfinite(trace.values)
    t = scored.timestamps_s
    pairs = ok[1:] & ok[:-1] & continues_previous(t)[1:]
    steps = np.diff(trace.values)[pairs]
    if steps.size < 2:
        return math.nan
    mad = float(np.median(np.abs(steps - np.median(steps))))
    return _MAD_TO_SIGMA * mad / math.sqrt(2.0)


def rule_stats(scored: Scored, trace: RuleTrace) -> RuleStats:
    values = in_pose_values(scored, trace)
    fail_frames = int((trace.failing & scored.in_pose).sum())
    if values.size == 0:
        nan = math.nan
        return RuleStats(0, nan, nan, nan, nan, nan, fail_frames, nan)
    p5, p50, p95 = (float(v) for v in np.percentile(values, [5, 50, 95]))
    return RuleStats(
        n=int(values.size),
        min=float(values.min()),
        p5=p5,
        p50=p50,
        p95=p95,
        max=float(values.max()),
        fail_frames=fail_frames,
        jitter=jitter_sigma(scored, trace),
    )


def margin_for(unit: str, jitter: float, floors: Mapping[str, float] = MARGIN_FLOOR) -> float:
    """max(k * jitter, the floor): never closer to the data than the measurement can tell apart."""
    floor = floors[unit]
    return max(floor, JITTER_K * jitter) if math.isfinite(jitter) else floor


def suggest_range(
    scored: Scored, trace: RuleTrace, floors: Mapping[str, float] = MARGIN_FLOOR
) -> Suggestion | None:
    """[p2 - margin, p98 + margin] on the sides the rule limits; None with too few in-pose frames."""
    values = in_pose_values(scored, trace)
    if values.size < MIN_FRAMES:
        return None
    rule, unit = trace.rule, trace.unit
    step = ROUND_STEP[unit]
    p_low, p_high = (float(v) for v in np.percentile(values, [LOW_PERCENTILE, HIGH_PERCENTILE]))
    margin = margin_for(unit, jitter_sigma(scored, trace), floors)
    # Outwards to the step: a rounded bound is never tighter than the margin says.
    low = math.floor(round((p_low - margin) / step, 6)) * step if rule.min is not None else None
    high = math.ceil(round((p_high + margin) / step, 6)) * step if rule.max is not None else None
    kind = scored.spec.measurements[rule.measure].kind
    if kind in PHYSICAL_RANGE:
        lowest, highest = PHYSICAL_RANGE[kind]
        low = None if low is None else max(low, lowest)
        high = None if high is None else min(high, highest)
    hysteresis = scored.spec.hysteresis_for(rule)
    if low is not None and high is not None and high - low <= 2 * hysteresis:
        # The loader refuses a range a failing verdict could never leave: widen both sides.
        widen = math.ceil((2 * hysteresis - (high - low)) / 2 / step + 1) * step
        low, high = low - widen, high + widen
    low = None if low is None else round(low, 2)
    high = None if high is None else round(high, 2)
    return Suggestion(rule.id, unit, low, high, p_low, p_high, margin, int(values.size))
