"""Measurements relative to the person's own peak (`relative: peak` in a spec).

Some movements are judged against where this person started, not against a number every
body and camera share: knees rolled to one side lower the knees to cos(roll) of their height
in the middle, whatever that height is for these legs, this distance to the feet and this
camera. The peak is the highest value *held* for `PEAK_HOLD_S`, so a one-frame glitch of the
model never becomes the reference.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque

from posecheck.results import Measurement
from posecheck.spec.model import PEAK_HOLD_S, StretchSpec

# Frame timestamps are sums of float steps.
_TIME_EPS_S = 1e-6


class HeldPeak:
    """The highest value held for `hold_s` so far (by frame timestamps).

    Until a value has been held that long, the highest value seen stands in: a person who
    starts in the position the peak describes is judged from the first frame, not `hold_s` later.
    """

    def __init__(self, hold_s: float = PEAK_HOLD_S) -> None:
        self.hold_s = hold_s
        self.peak = math.nan
        self._highest_seen = math.nan
        self._recent: deque[tuple[float, float]] = deque()

    @property
    def reference(self) -> float:
        """The held peak, or the highest value seen while none has been held yet (NaN: none seen)."""
        return self.peak if math.isfinite(self.peak) else self._highest_seen

    def update(self, value: float, t_s: float) -> float:
        """Take one frame's value; returns the reference after it."""
        if not math.isfinite(value):
            # Unseen: the value held so far is broken off, the peak stays.
            self._recent.clear()
            return self.reference
        if not value <= self._highest_seen:  # also while nothing has been seen
            self._highest_seen = value
        self._recent.append((t_s, value))
        # Keep just enough frames to cover hold_s: the oldest one kept starts the span.
        while len(self._recent) > 1 and t_s - self._recent[1][0] >= self.hold_s - _TIME_EPS_S:
            self._recent.popleft()
        if t_s - self._recent[0][0] >= self.hold_s - _TIME_EPS_S:
            held = min(v for _, v in self._recent)
            if not held <= self.peak:  # also when the peak is still NaN
                self.peak = held
        return self.reference

    def reset(self) -> None:
        self.peak = self._highest_seen = math.nan
        self._recent.clear()


class RelativeToPeak:
    """Turns a spec's `relative: peak` measurements into shares of their held peak."""

    def __init__(self, spec: StretchSpec, *, still_images: bool = False) -> None:
        # A photo has no time to hold anything: its own value is its peak.
        hold_s = 0.0 if still_images else PEAK_HOLD_S
        self._peaks = {
            measure_id: HeldPeak(hold_s)
            for measure_id, measure in spec.measurements.items()
            if measure.relative == "peak"
        }

    def apply(self, measurements: dict[str, Measurement], t_s: float) -> dict[str, Measurement]:
        for measure_id, peak in self._peaks.items():
            measurement = measurements[measure_id]
            reference = peak.update(measurement.value, t_s)
            share = measurement.value / reference if reference > 0 else math.nan
            measurements[measure_id] = dataclasses.replace(measurement, value=share)
        return measurements

    def reset(self) -> None:
        for peak in self._peaks.values():
            peak.reset()
