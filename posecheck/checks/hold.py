"""The hold timer: per side, counts frame-timestamp seconds only while the form is right."""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.results import HoldState, HoldStatus
from posecheck.timing import MAX_FRAME_GAP_S, counted_s

__all__ = ["MAX_FRAME_GAP_S", "HoldTimer"]


@dataclass
class _SideClock:
    held_s: float = 0.0
    state: HoldState = HoldState.WAITING
    broken_since_s: float | None = None
    best_s: float = 0.0


class HoldTimer:
    """waiting -> holding -> (paused <-> holding) -> done, one clock per side.

    - holding: in the pose and every critical rule passes; time accrues.
    - paused: a hold is under way but a critical rule fails (time kept) or the
      person left the pose / switched sides; out of the pose for longer than
      `grace_s`, the clock resets to zero (a broken hold).
    - done: the target was reached; that side stays done.
    """

    def __init__(self, sides: tuple[str, ...], target_s: float, grace_s: float) -> None:
        self.sides = sides
        self.target_s = target_s
        self.grace_s = grace_s
        self._clocks = {side: _SideClock() for side in sides}
        self._last_t_s: float | None = None

    def update(self, t_s: float, side: str | None, in_pose: bool, form_ok: bool) -> HoldStatus | None:
        """Advance to time `t_s`; returns the status of the side being worked (None if unknown)."""
        # A gap in the video is not time held (posecheck.timing).
        dt_s = 0.0 if self._last_t_s is None else counted_s(t_s - self._last_t_s)
        self._last_t_s = t_s
        if len(self.sides) == 1:
            side = self.sides[0] if side in (None, self.sides[0]) or self.sides[0] == "both" else side
        for name, clock in self._clocks.items():
            active = name == side and in_pose
            self._advance(clock, t_s, dt_s, active, active and form_ok)
        if side not in self._clocks:
            return None
        return self.status(side)

    def _advance(self, clock: _SideClock, t_s: float, dt_s: float, in_pose: bool, form_ok: bool) -> None:
        if clock.state is HoldState.DONE:
            return
        if form_ok:
            clock.held_s += dt_s
            clock.broken_since_s = None
            clock.state = HoldState.HOLDING
            if clock.held_s >= self.target_s:
                clock.held_s = self.target_s
                clock.state = HoldState.DONE
        elif clock.held_s <= 0:
            clock.state = HoldState.WAITING
        else:
            clock.state = HoldState.PAUSED
            if in_pose:
                clock.broken_since_s = None
            else:
                if clock.broken_since_s is None:
                    clock.broken_since_s = t_s
                if t_s - clock.broken_since_s > self.grace_s:
                    clock.held_s, clock.broken_since_s = 0.0, None
                    clock.state = HoldState.WAITING
        clock.best_s = max(clock.best_s, clock.held_s)

    def status(self, side: str) -> HoldStatus:
        clock = self._clocks[side]
        return HoldStatus(side, clock.state, clock.held_s, self.target_s)

    def statuses(self) -> tuple[HoldStatus, ...]:
        return tuple(self.status(side) for side in self.sides)

    def best_s(self, side: str) -> float:
        return self._clocks[side].best_s

    def restart(self, side: str | None = None) -> None:
        """Start a side (or all sides) over, e.g. on the 'r' key."""
        for name in self._clocks if side is None else (side,):
            self._clocks[name] = _SideClock()

    @property
    def all_done(self) -> bool:
        return all(c.state is HoldState.DONE for c in self._clocks.values())
