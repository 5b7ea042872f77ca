"""A choice that changes only after the new evidence has lasted a while: no flip-flopping."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class StickyChoice(Generic[T]):
    """Holds a value; a different candidate replaces it once seen continuously for `settle_s`.

    The first candidate ever seen is adopted at once, and so is the first one after
    `release()`. `None` evidence (undecided) neither confirms nor interrupts a pending change.
    """

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self.value: T | None = None
        self._candidate: T | None = None
        self._since_s = 0.0
        self._released = False

    def update(self, evidence: T | None, t_s: float) -> T | None:
        if evidence is None:
            return self.value
        if self.value is None or self._released:
            self.value, self._candidate, self._released = evidence, None, False
        elif evidence == self.value:
            self._candidate = None
        elif evidence != self._candidate:
            self._candidate, self._since_s = evidence, t_s
        if self._candidate is not None and t_s - self._since_s >= self.settle_s:
            self.value, self._candidate = self._candidate, None
        return self.value

    def release(self) -> None:
        """What the value was chosen for has ended: keep it, but let the next evidence decide at once."""
        self._released = True

    def reset(self) -> None:
        self.value = self._candidate = None
        self._released = False
