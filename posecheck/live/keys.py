"""The live window's keys: a key code maps to an action, testable without a window."""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Action(str, enum.Enum):
    PAUSE = "pause"  # pause / resume
    NEXT = "next"  # next stretch or side (or skip a countdown)
    RESTART = "restart"  # restart the hold of the side being worked
    QUIT = "quit"


ESC = 27

KEY_ACTIONS: Mapping[int, Action] = {
    ord(" "): Action.PAUSE,
    ord("p"): Action.PAUSE,
    ord("n"): Action.NEXT,
    ord("N"): Action.NEXT,
    ord("r"): Action.RESTART,
    ord("R"): Action.RESTART,
    ord("q"): Action.QUIT,
    ord("Q"): Action.QUIT,
    ESC: Action.QUIT,
}

HELP_LINE = "space pause | n next | r restart hold | q quit"


def action_for_key(code: int) -> Action | None:
    """The action of a key code as `cv2.waitKey` returns it (-1: no key)."""
    if code < 0:
        return None
    return KEY_ACTIONS.get(code)
