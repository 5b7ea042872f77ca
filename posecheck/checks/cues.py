"""The cue arbiter: from everything wrong now, the one message to show, steady enough to read."""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.results import Cue

# Frame timestamps are sums of float steps; a duration that is due must not slip a frame.
_TIME_EPS_S = 1e-6

# Priority classes: lower is more urgent.
PRIORITY = {"visibility": 0, "entry": 1, "critical": 2, "advisory": 3, "confirmation": 4, "status": 5}


@dataclass(frozen=True)
class CueCandidate:
    cue: Cue
    priority: int


class CueArbiter:
    """Chooses the cue to show at each frame time.

    - the most urgent candidate wins (visibility, then entry, then critical, then
      advisory corrections, in spec order within a class);
    - a cue once shown stays at least `min_show_s`, so text never flickers;
    - when the correction on screen is no longer needed and its rule has a
      confirmation, that confirmation is shown for `confirm_s`;
    - a cue nothing wants any more is cleared once it has been unwanted for
      `clear_after_s` (and shown for `min_show_s`), so a fault that flickers
      in and out never blanks the text for single frames.
    """

    def __init__(self, min_show_s: float = 1.5, confirm_s: float = 2.0, clear_after_s: float = 0.5) -> None:
        self.min_show_s = min_show_s
        self.confirm_s = confirm_s
        self.clear_after_s = clear_after_s
        self._unwanted_since_s: float | None = None
        self.current: Cue | None = None
        self._shown_since_s = 0.0
        self._confirmation: Cue | None = None
        self._confirm_until_s = 0.0

    def update(self, t_s: float, candidates: list[CueCandidate], confirmations: dict[str, str]) -> Cue | None:
        """`confirmations`: rule id -> confirmation text, for rules whose fault could be fixed."""
        best = min(candidates, key=lambda c: c.priority, default=None)
        wanted = best.cue if best else None
        current = self.current
        if (
            current is not None
            and current.kind == "correction"
            and current.rule_id is not None
            and not any(c.cue.rule_id == current.rule_id for c in candidates)
            and current.rule_id in confirmations
        ):
            # The fault on screen was fixed: say so (unless something more urgent waits).
            self._confirmation = Cue(confirmations[current.rule_id], "confirmation", current.rule_id)
            self._confirm_until_s = t_s + self.confirm_s
        if self._confirmation is not None:
            if t_s < self._confirm_until_s and (best is None or best.priority >= PRIORITY["confirmation"]):
                wanted = self._confirmation
            else:
                self._confirmation = None
        if wanted == current:
            self._unwanted_since_s = None
            return current
        # Clear the screen only once nothing has wanted the cue for a moment (counted
        # from when it stopped being wanted): a fault that flickers in and out must
        # not blank the text for single frames.
        if wanted is None:
            if self._unwanted_since_s is None:
                self._unwanted_since_s = t_s
        else:
            self._unwanted_since_s = None
        if current is not None and t_s - self._shown_since_s < self.min_show_s - _TIME_EPS_S:
            return current
        if (
            wanted is None
            and current is not None
            and current.kind != "confirmation"
            and self._unwanted_since_s is not None
            and t_s - self._unwanted_since_s < self.clear_after_s - _TIME_EPS_S
        ):
            return current
        self._unwanted_since_s = None
        self.current, self._shown_since_s = wanted, t_s
        return wanted

    def reset(self) -> None:
        self.current = self._confirmation = None
        self._unwanted_since_s = None
