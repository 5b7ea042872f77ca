"""What the live window adds to the analysis overlay: notices, the FPS line, display sizing."""

from __future__ import annotations

import math
import textwrap
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from posecheck.overlay import OverlayStyle

# Average advance of the overlay's sans font, in font sizes; only used to wrap notices.
_CHAR_WIDTH_EM = 0.56


@dataclass
class _Notice:
    text: str
    until_s: float  # inf: until cleared


class Notices:
    """Short messages in the status panel, each under a key (a newer one replaces it), shown
    for a while or until cleared. `on_post` hears every new message (the CLI prints them)."""

    def __init__(self, on_post: Callable[[str], None] | None = None) -> None:
        self._items: dict[str, _Notice] = {}
        self._on_post = on_post

    def post(self, key: str, text: str, now_s: float, duration_s: float | None = 4.0) -> None:
        old = self._items.get(key)
        until = math.inf if duration_s is None else now_s + duration_s
        self._items[key] = _Notice(text, until)
        if self._on_post is not None and (old is None or old.text != text):
            self._on_post(text)

    def clear(self, key: str) -> None:
        self._items.pop(key, None)

    def active(self, now_s: float) -> list[str]:
        for key in [k for k, n in self._items.items() if n.until_s <= now_s]:
            del self._items[key]
        return [n.text for n in self._items.values()]

    def text(self, key: str) -> str | None:
        notice = self._items.get(key)
        return notice.text if notice else None


class RateMeter:
    """Events per second over the last `window_s` (shown frames, captured frames)."""

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, now_s: float) -> None:
        self._times.append(now_s)
        while self._times and self._times[0] < now_s - self.window_s:
            self._times.popleft()

    def rate(self) -> float:
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0


def wrap_for_panel(text: str, scene_wh: tuple[int, int], style: OverlayStyle | None = None) -> list[str]:
    """Lines that fit the status panel (half the scene wide) at the overlay's small font."""
    style = style or OverlayStyle()
    width_px, height_px = scene_wh
    font_px = max(10, round(style.small_font_px * min(width_px, height_px) / style.reference_px))
    usable_px = width_px / 2 - 2 * style.margin_px
    chars = max(20, int(usable_px / (_CHAR_WIDTH_EM * font_px)))
    # Never split at hyphens: file names and stretch ids must stay whole.
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [""]


def display_size(
    size_wh: tuple[int, int], box_wh: tuple[int, int] = (1280, 720), min_short_px: int = 480
) -> tuple[int, int]:
    """The size the overlay is drawn at: shrunk to fit `box_wh`, keeping the aspect ratio.

    Pictures with a short side under `min_short_px` are enlarged (within the box) so the
    overlay's text stays readable; larger ones are left alone, since the window scales
    them on screen for free and every pixel drawn costs time. Both sides come out even.
    """
    width_px, height_px = size_wh
    fit = min(box_wh[0] / width_px, box_wh[1] / height_px)
    scale = min(fit, max(1.0, min_short_px / min(width_px, height_px)))
    width_px, height_px = round(width_px * scale), round(height_px * scale)
    return max(2, width_px - width_px % 2), max(2, height_px - height_px % 2)
