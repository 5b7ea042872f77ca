"""Every colour posecheck draws with, in one place.

The meaning is the same everywhere: green passes (and is the allowed band), red is a
critical fault, orange an advisory one, grey could not be seen, blue is in the pose.
Two tones of it: on paper (the timeline and tune plots, report.html: hex strings) and
on video (the overlay and the tune window: BGR, brighter, to stand out on any picture).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

BGR = tuple[int, int, int]

# -- on paper (hex) -------------------------------------------------------------------
PASS: Final = "#43a047"  # a rule passes; the allowed band
CRITICAL: Final = "#e53935"
ADVISORY: Final = "#fb8c00"
FAIL: Final = {"critical": CRITICAL, "advisory": ADVISORY}
UNKNOWN: Final = "#b0b0b0"  # not visible enough to judge
# A rule's hysteresis band (hatched, in PASS) and the minimum-duration wait before a verdict
# flips (shaded): drawn so a verdict is never seen contradicting its own curve.
WAITING: Final = "#9e9e9e"
IN_POSE: Final = "#1e88e5"
PERSON: Final = "#d6dde3"  # a person, not in the pose
VALUE: Final = "#263238"  # a measurement while in the pose
OUT_OF_POSE: Final = "#b0bec5"  # a measurement outside the pose (not judged)
SUGGESTED: Final = "#6a1b9a"  # a range tune suggests
TARGET: Final = "#455a64"  # the hold target line
GRID: Final = "#e6e6e6"
SIDES: Final = ("#7e57c2", "#00897b", "#8d6e63", "#f06292")  # working sides, in order
# Text and accents of report.html.
INK: Final = "#1f2a33"
MUTED: Final = "#5f6f7a"
GOOD_TEXT: Final = "#2e7d32"
WARN_TEXT: Final = "#b26a00"
BAD_TEXT: Final = "#c62828"


# -- on video (BGR) ---------------------------------------------------------------------
@dataclass(frozen=True)
class Palette:
    """Colours (BGR) of the overlay. Red, orange, amber and green carry meaning; the calm body
    colour must not."""

    calm: BGR = (235, 200, 120)  # soft sky blue
    good: BGR = (90, 200, 40)  # green: pass, holding, confirmation
    advisory: BGR = (0, 140, 255)  # orange: advisory rule failing, its cue (never red)
    critical: BGR = (64, 52, 240)  # red: critical rule failing, its correction cue
    caution: BGR = (0, 190, 255)  # amber: visibility / entry cue, paused hold
    unknown: BGR = (175, 175, 175)  # grey: not measurable now, waiting
    panel: BGR = (22, 22, 22)  # translucent backgrounds
    shadow: BGR = (25, 25, 25)  # outlines that keep lines visible on bright floors
    text: BGR = (255, 255, 255)
    text_dim: BGR = (205, 205, 205)
    track: BGR = (85, 85, 85)  # the empty part of the hold ring


VIDEO: Final = Palette()
