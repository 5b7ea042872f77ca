"""A rule's verdict over time: hysteresis on the value, a minimum duration before it flips."""

from __future__ import annotations

import math

from posecheck.results import Verdict

# Frame timestamps are sums of float steps: 0.7 - 0.3 must count as 0.4 s.
_TIME_EPS_S = 1e-6


class RuleTracker:
    """Verdict of one range check, stable against jitter.

    While passing, a value fails as soon as it crosses a limit of [min, max];
    while failing, it must come back inside by `hysteresis` to pass again. A new
    verdict must persist `min_duration_s` (by frame timestamps) before it shows.
    A missing value gives UNKNOWN at once and forgets the old verdict: never stale.
    """

    def __init__(
        self, min_value: float | None, max_value: float | None, hysteresis: float, min_duration_s: float
    ) -> None:
        self.min_value = -math.inf if min_value is None else min_value
        self.max_value = math.inf if max_value is None else max_value
        self.hysteresis = hysteresis
        self.min_duration_s = min_duration_s
        self.verdict = Verdict.UNKNOWN
        self._candidate: Verdict | None = None
        self._since_s = 0.0

    def classify(self, value: float) -> Verdict:
        """The verdict this value deserves given the current one (hysteresis only, no timing)."""
        if value < self.min_value:
            return Verdict.FAIL_LOW
        if value > self.max_value:
            return Verdict.FAIL_HIGH
        # Inside the range; a failing verdict holds in the band just inside the limit it broke.
        if self.verdict is Verdict.FAIL_LOW and value < self.min_value + self.hysteresis:
            return Verdict.FAIL_LOW
        if self.verdict is Verdict.FAIL_HIGH and value > self.max_value - self.hysteresis:
            return Verdict.FAIL_HIGH
        return Verdict.PASS

    def update(self, value: float, t_s: float) -> Verdict:
        if not math.isfinite(value):
            self.reset()
            return self.verdict
        wanted = self.classify(value)
        if self.verdict is Verdict.UNKNOWN:
            # Nothing shown yet: the first measurement decides at once.
            self.verdict, self._candidate = wanted, None
        elif wanted is self.verdict:
            self._candidate = None
        else:
            if wanted is not self._candidate:
                self._candidate, self._since_s = wanted, t_s
            if t_s - self._since_s >= self.min_duration_s - _TIME_EPS_S:
                self.verdict, self._candidate = wanted, None
        return self.verdict

    @property
    def pending(self) -> Verdict | None:
        """The verdict waiting out its minimum duration, if any."""
        return self._candidate

    def reset(self) -> None:
        self.verdict, self._candidate = Verdict.UNKNOWN, None
