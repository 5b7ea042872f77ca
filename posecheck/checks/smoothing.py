"""One Euro filter over all landmarks at once: steady when still, responsive when moving.

Casiez, Roussel & Vogel (CHI 2012). Time steps come from frame timestamps, so a
slow machine (fewer frames) is smoothed the same way in seconds as a fast one.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _alpha(cutoff_hz: FloatArray | float, dt_s: float) -> FloatArray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)  # type: ignore[no-any-return]


class OneEuroFilter:
    """Smooths an array of coordinates; NaN entries pass through and restart that entry."""

    def __init__(
        self, min_cutoff_hz: float = 1.5, beta: float = 0.02, d_cutoff_hz: float = 1.0, max_gap_s: float = 0.5
    ) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.max_gap_s = max_gap_s
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t_s: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t_s = None

    def __call__(self, x: FloatArray, t_s: float) -> FloatArray:
        if self._x is None or self._t_s is None or self._x.shape != x.shape:
            return self._start(x, t_s)
        dt_s = t_s - self._t_s
        if dt_s <= 0 or dt_s > self.max_gap_s:
            return self._start(x, t_s)
        assert self._dx is not None
        dx = (x - self._x) / dt_s
        a_d = _alpha(self.d_cutoff_hz, dt_s)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt_s)
        x_hat = a * x + (1 - a) * self._x
        # An entry that was NaN (not seen) restarts from the new value; a NaN input stays NaN.
        restart = ~np.isfinite(self._x) & np.isfinite(x)
        x_hat = np.where(restart, x, x_hat)
        dx_hat = np.where(np.isfinite(dx_hat), dx_hat, 0.0)
        self._x, self._dx, self._t_s = x_hat, dx_hat, t_s
        return x_hat

    def _start(self, x: FloatArray, t_s: float) -> FloatArray:
        self._x = x.copy()
        self._dx = np.zeros_like(x)
        self._t_s = t_s
        return x
