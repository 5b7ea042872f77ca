"""Before the hold timer starts: is the body the spec needs in the picture, at a usable size,
seen from the right side? Pure functions over a `Pose`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.pose.landmarks import LANDMARK_INDEX, Pose, readable
from posecheck.spec.model import StretchSpec

# Relative prefixes resolve per frame to the person's left or right; before that is known,
# both sides must be in the picture.
_RELATIVE_PREFIXES = ("front_", "back_", "working_", "support_", "near_", "far_")
_BODY = slice(11, None)  # shoulders down: the face says nothing about distance

# The person's extent (the longer of height and width, as a fraction of the picture's).
# Below this the joints are a few pixels apart and angles get noisy.
MIN_SIZE_FRACTION = 0.25

# View: mean of shoulder and hip width in the picture, in torso lengths. A square-on
# adult measures about 0.7-0.9; a true profile under 0.25. The bundled hip-flexor
# reference clip is filmed at about three quarters and measures 0.52, so "side" only
# rejects a clearly square-on view.
SIDE_VIEW_MAX_WIDTH = 0.65
FRONT_VIEW_MIN_WIDTH = 0.3

# Landmarks that should not be used for the meter and the view: the model's guesses.
MIN_VISIBILITY_FOR_VIEW = 0.3


@dataclass(frozen=True)
class Framing:
    """How the camera sees the person now, and the first thing to fix (None when all is well)."""

    ok: bool
    cue: str | None
    size_fraction: float  # the person's extent / the picture's, NaN without a person
    visibility: float  # mean visibility of the needed landmarks, 0..1 (NaN without a person)
    width_ratio: float  # shoulder + hip width / torso length in the picture (NaN if unknown)
    out_of_frame: tuple[str, ...] = ()

    def meter(self) -> str:
        """A one-line distance / visibility meter for the status panel."""
        if not math.isfinite(self.size_fraction):
            return "distance: no person in view"
        filled = max(0, min(10, round(self.size_fraction * 10)))
        bar = "#" * filled + "-" * (10 - filled)
        if self.out_of_frame:
            state = "too close"
        elif self.size_fraction < MIN_SIZE_FRACTION:
            state = "too far"
        else:
            state = "good"
        return f"distance [{bar}] {state} | visible {100 * self.visibility:.0f}%"


def required_landmarks(spec: StretchSpec) -> tuple[str, ...]:
    """The concrete landmarks the entry conditions and critical rules need, both sides where a
    name is side-relative (front_knee -> left_knee and right_knee), in a stable order."""
    measures = [c.measure for c in spec.entry] + [r.measure for r in spec.rules if r.severity == "critical"]
    names: dict[str, None] = {}
    for measure_id in dict.fromkeys(measures):
        for name in spec.measurements[measure_id].landmark_names():
            for concrete in _concrete(name):
                names[concrete] = None
    return tuple(names)


def _concrete(name: str) -> tuple[str, ...]:
    if name.startswith("mid_"):
        part = name.removeprefix("mid_")
        return (f"left_{part}", f"right_{part}")
    for prefix in _RELATIVE_PREFIXES:
        if name.startswith(prefix):
            part = name.removeprefix(prefix)
            return (f"left_{part}", f"right_{part}")
    return (name,)


def _part_word(name: str) -> str:
    """'left_foot_index' -> 'feet', 'right_knee' -> 'knees': what a person is asked to show."""
    part = name.split("_", 1)[1] if name.startswith(("left_", "right_")) else name
    if part in ("ankle", "heel", "foot_index"):
        return "feet"
    if part in ("nose", "ear", "eye") or part.startswith(("eye", "mouth")):
        return "head"
    plural = {"knee": "knees", "hip": "hips", "shoulder": "shoulders", "elbow": "elbows", "wrist": "hands"}
    return plural.get(part, readable(part))


def width_ratio(pose: Pose) -> float:
    """Mean of shoulder and hip width in the picture, divided by the torso length (NaN if unseen)."""
    index = LANDMARK_INDEX
    xy, vis = pose.xy_px, pose.visibility
    needed = [index[f"{s}_{p}"] for s in ("left", "right") for p in ("shoulder", "hip")]
    if np.any(~(vis[needed] >= MIN_VISIBILITY_FOR_VIEW)):
        return math.nan
    shoulders = xy[index["left_shoulder"]], xy[index["right_shoulder"]]
    hips = xy[index["left_hip"]], xy[index["right_hip"]]
    torso = float(np.linalg.norm((shoulders[0] + shoulders[1]) / 2 - (hips[0] + hips[1]) / 2))
    if not torso > 1.0:
        return math.nan
    widths = float(np.linalg.norm(shoulders[0] - shoulders[1]) + np.linalg.norm(hips[0] - hips[1])) / 2
    return widths / torso


def size_fraction(pose: Pose) -> float:
    """The body's extent as a fraction of the picture, on whichever axis it is longer (lying or standing)."""
    body = pose.xy_px[_BODY]
    body = body[np.isfinite(body).all(axis=1)]
    if body.size == 0:
        return math.nan
    width_px, height_px = pose.image_wh
    extent = body.max(axis=0) - body.min(axis=0)
    return float(max(extent[0] / width_px, extent[1] / height_px))


def check_framing(pose: Pose | None, spec: StretchSpec, needed: tuple[str, ...] | None = None) -> Framing:
    """Whether the timer may start: the needed landmarks inside the picture, the person big
    enough, and the camera view the spec asks for. The cue names the first problem."""
    if pose is None:
        return Framing(False, "Step into view so I can see your whole body", math.nan, math.nan, math.nan)
    needed = needed if needed is not None else required_landmarks(spec)
    indices = [LANDMARK_INDEX[name] for name in needed]
    inside = pose.in_frame()
    out = tuple(name for name, i in zip(needed, indices, strict=True) if not inside[i])
    visibility = float(np.nanmean(pose.visibility[indices])) if indices else 1.0
    size = size_fraction(pose)
    ratio = width_ratio(pose)
    cue: str | None = None
    if out:
        cue = f"Step back so I can see your {_part_word(out[0])}"
    elif not size >= MIN_SIZE_FRACTION:
        cue = "Come closer to the camera"
    elif spec.view == "side" and ratio > SIDE_VIEW_MAX_WIDTH:
        cue = "Turn side-on to the camera"
    elif spec.view == "front" and ratio < FRONT_VIEW_MIN_WIDTH:
        cue = "Face the camera"
    return Framing(cue is None, cue, size, visibility, ratio, out)
