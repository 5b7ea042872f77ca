"""Compact per-frame arrays of a session (`SeriesRecorder`), for summaries and plots."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from posecheck.report.context import (
    HOLD_STATE_CODES,
    NO_HOLD,
    NO_SIDE,
    NOT_EVALUATED,
    VERDICT_CODES,
    ReportContext,
    person_seen,
)
from posecheck.results import FrameResult

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]


class SeriesRecorder:
    """Compact per-frame arrays of a session, for summaries and plots.

    Buffers grow by doubling, so `add` is amortised O(1). One hour at 60 fps with
    ten measures and ten rules takes about 26 MB (twice that at worst after a
    doubling). Codes: `VERDICT_CODES` (0 = rule
    not evaluated), `HOLD_STATE_CODES` (0 = no status), side codes index
    `side_names` (-1 = unknown); the first `len(ctx.sides)` side codes are ctx.sides.
    """

    def __init__(self, ctx: ReportContext, *, initial_capacity: int = 1024) -> None:
        self.ctx = ctx
        self.measure_labels: dict[str, str] = {}  # first label seen per measure
        self.hold_targets_s: dict[str, float] = {side: ctx.hold_target_s for side in ctx.sides}
        self._side_names: list[str] = list(ctx.sides)
        self._side_codes: dict[str, int] = {side: i for i, side in enumerate(ctx.sides)}
        self._measure_columns = {mid: j for j, mid in enumerate(ctx.measure_ids)}
        self._rule_columns = {rid: j for j, rid in enumerate(ctx.rule_ids)}
        self._n = 0
        self._capacity = max(1, initial_capacity)
        n_measures, n_rules, n_sides = len(ctx.measure_ids), len(ctx.rule_ids), len(ctx.sides)
        cap = self._capacity
        self._t = np.zeros(cap, dtype=np.float64)
        self._person = np.zeros(cap, dtype=np.bool_)
        self._in_pose = np.zeros(cap, dtype=np.bool_)
        self._side = np.full(cap, NO_SIDE, dtype=np.int8)
        self._hold_side = np.full(cap, NO_SIDE, dtype=np.int8)
        self._facing = np.zeros(cap, dtype=np.int8)
        self._values = np.full((cap, n_measures), np.nan, dtype=np.float64)
        self._verdicts = np.full((cap, n_rules), NOT_EVALUATED, dtype=np.int8)
        self._held = np.full((cap, n_sides), np.nan, dtype=np.float64)
        self._hold_state = np.full((cap, n_sides), NO_HOLD, dtype=np.int8)
        # Reps-mode specs: good reps counted so far per rep side (NaN: no count reported yet).
        self.rep_target: int | None = None
        self._reps = np.full((cap, len(ctx.rep_sides)), np.nan, dtype=np.float64)

    def __len__(self) -> int:
        return self._n

    def add(self, result: FrameResult) -> None:
        """Record one frame."""
        if self._n == self._capacity:
            self._grow()
        i = self._n
        self._t[i] = result.timestamp_s
        self._person[i] = person_seen(result)
        self._in_pose[i] = result.in_pose
        self._facing[i] = max(-1, min(1, result.facing))
        self._side[i] = self._side_code(result.side)
        for mid, measurement in result.measurements.items():
            j = self._measure_columns.get(mid)
            if j is not None:
                self._values[i, j] = measurement.value
                self.measure_labels.setdefault(mid, measurement.label)
        for check in result.checks:
            k = self._rule_columns.get(check.rule_id)
            if k is not None:
                self._verdicts[i, k] = VERDICT_CODES[check.verdict]
        if result.hold is not None:
            self._hold_side[i] = self._side_code(result.hold.side)
        statuses = result.holds or ((result.hold,) if result.hold is not None else ())
        for status in statuses:
            code = self._side_codes.get(status.side, NO_SIDE)
            if 0 <= code < len(self.ctx.sides):
                self._held[i, code] = status.held_s
                self._hold_state[i, code] = HOLD_STATE_CODES[status.state]
                self.hold_targets_s[status.side] = status.target_s
        if result.reps is not None:
            self.rep_target = result.reps.target
            for k, side in enumerate(self.ctx.rep_sides):
                self._reps[i, k] = result.reps.counts.get(side, np.nan)
        self._n += 1

    def _side_code(self, side: str | None) -> int:
        if side is None:
            return NO_SIDE
        code = self._side_codes.get(side)
        if code is None:
            if len(self._side_names) >= 100:  # int8 codes; no real session has this many
                return NO_SIDE
            code = len(self._side_names)
            self._side_names.append(side)
            self._side_codes[side] = code
        return code

    def _grow(self) -> None:
        def grown(old: npt.NDArray[Any], fill: float) -> npt.NDArray[Any]:
            new = np.full((old.shape[0] * 2, *old.shape[1:]), fill, dtype=old.dtype)
            new[: old.shape[0]] = old
            return new

        self._t = grown(self._t, 0.0)
        self._person = grown(self._person, False)
        self._in_pose = grown(self._in_pose, False)
        self._side = grown(self._side, NO_SIDE)
        self._hold_side = grown(self._hold_side, NO_SIDE)
        self._facing = grown(self._facing, 0)
        self._values = grown(self._values, np.nan)
        self._verdicts = grown(self._verdicts, NOT_EVALUATED)
        self._held = grown(self._held, np.nan)
        self._hold_state = grown(self._hold_state, NO_HOLD)
        self._reps = grown(self._reps, np.nan)
        self._capacity *= 2

    # Read-only views of the recorded frames.
    @property
    def side_names(self) -> tuple[str, ...]:
        return tuple(self._side_names)

    @property
    def timestamps_s(self) -> FloatArray:
        return self._t[: self._n]

    @property
    def reps(self) -> FloatArray:
        """(frames, rep sides) in ctx.rep_sides order: good reps counted so far; NaN before any count."""
        return self._reps[: self._n]

    @property
    def person(self) -> BoolArray:
        return self._person[: self._n]

    @property
    def in_pose(self) -> BoolArray:
        return self._in_pose[: self._n]

    @property
    def side_codes(self) -> CodeArray:
        return self._side[: self._n]

    @property
    def hold_side_codes(self) -> CodeArray:
        return self._hold_side[: self._n]

    @property
    def facing(self) -> CodeArray:
        return self._facing[: self._n]

    @property
    def values(self) -> FloatArray:
        """(frames, measures) in ctx.measure_ids order; NaN when unknown."""
        return self._values[: self._n]

    @property
    def verdict_codes(self) -> CodeArray:
        """(frames, rules) in ctx.rule_ids order."""
        return self._verdicts[: self._n]

    @property
    def held_s(self) -> FloatArray:
        """(frames, sides) in ctx.sides order; NaN when no status was reported."""
        return self._held[: self._n]

    @property
    def hold_state_codes(self) -> CodeArray:
        return self._hold_state[: self._n]

    def working_side_index(self) -> npt.NDArray[np.intp]:
        """Index into ctx.sides that each frame counts for (-1 = none).

        The frame's resolved side, else the hold timer's side; with a single side
        (e.g. "both") every frame counts for it.
        """
        n_sides = len(self.ctx.sides)
        if n_sides == 1:
            return np.zeros(self._n, dtype=np.intp)
        side = self.side_codes.astype(np.intp)
        hold_side = self.hold_side_codes.astype(np.intp)
        side_known = (side >= 0) & (side < n_sides)
        hold_known = (hold_side >= 0) & (hold_side < n_sides)
        return np.where(side_known, side, np.where(hold_known, hold_side, -1))


def code_runs(
    codes: npt.NDArray[Any], start_s: FloatArray, end_s: FloatArray, continues: BoolArray
) -> tuple[npt.NDArray[Any], FloatArray, FloatArray]:
    """(codes, starts_s, ends_s) of the runs of equal codes on contiguous frames."""
    breaks = np.ones(codes.size, dtype=np.bool_)
    breaks[1:] = (codes[1:] != codes[:-1]) | ~continues[1:]
    first = np.flatnonzero(breaks)
    last = np.append(first[1:] - 1, codes.size - 1).astype(np.intp) if first.size else first
    return codes[first], start_s[first], end_s[last]


def verdict_waiting(
    values: FloatArray,
    passing: BoolArray,
    failing: BoolArray,
    low: float | None,
    high: float | None,
    hysteresis: float,
) -> BoolArray:
    """Frames where the value already says the other verdict but the rule's minimum duration
    has not passed yet: outside the range while still passing, or back inside (beyond the
    hysteresis band) while still failing."""
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    seen = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        outside = seen & ((values < lo) | (values > hi))
        clear = seen & (values >= lo + hysteresis) & (values <= hi - hysteresis)
    result: BoolArray = (outside & passing) | (clear & failing)
    return result


def hysteresis_bands(low: float | None, high: float | None, hysteresis: float) -> list[tuple[float, float]]:
    """The strips just inside each limit where a failing value still fails (it must come back
    further in to pass again); none without hysteresis."""
    if hysteresis <= 0:
        return []
    bands = []
    if low is not None:
        bands.append((low, low + hysteresis))
    if high is not None:
        bands.append((high - hysteresis, high))
    return bands
