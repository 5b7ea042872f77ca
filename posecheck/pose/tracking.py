"""Keep coaching the same person when more than one is in view.

The model is asked for several people (`PoseDetector(num_poses=2)`); `PersonTracker`
picks the coached one frame after frame by where they are and how big they look,
counts the others with hit counters (like norfair's: a count that rises while a
person is matched and falls while they are not, so a one-frame false detection never
counts as a second person), and lets nobody else inherit the hold: while the coached
person is out of sight the tracker returns no pose (the hold pauses), and only after
`lost_timeout_s` seconds of frame time is a new person adopted, flagged as
`new_person` so the caller starts the hold over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import Pose

# A box needs a few landmarks: fewer is not a person to coach.
_MIN_POINTS = 4
# Coordinates beyond this are garbage, not a place in a picture.
_FAR_PX = 1e7
# A lone detection nobody else was seen at may have moved or changed shape more (a fast
# turn, lying down, legs dropping out of view): limits then, in box sizes and size ratio.
_LONE_MAX_JUMP = 1.0
_LONE_MAX_SCALE = 2.5


@dataclass(frozen=True)
class Box:
    """Where a person is in the picture: the centre and size of their visible landmarks, in pixels."""

    centre_xy_px: tuple[float, float]
    size_px: float  # diagonal of the bounding box

    @classmethod
    def of(cls, pose: Pose) -> Box | None:
        """The box around the landmarks; None if too few are known.

        All landmarks count, seen or not: the model places hidden ones too, and a box that
        shrank whenever the legs dropped out of view would look like somebody else.
        """
        xy_px = pose.xy_px
        seen = np.isfinite(xy_px).all(axis=1) & (np.abs(xy_px) < _FAR_PX).all(axis=1)
        if int(seen.sum()) < _MIN_POINTS:
            return None
        points = xy_px[seen]
        low, high = points.min(axis=0), points.max(axis=0)
        size_px = float(math.hypot(*(high - low)))
        if not math.isfinite(size_px) or size_px <= 1.0:
            return None
        centre = (low + high) / 2.0
        return cls((float(centre[0]), float(centre[1])), size_px)

    def distance_to(self, other: Box) -> float:
        """Centre distance in units of this box's size."""
        dx = other.centre_xy_px[0] - self.centre_xy_px[0]
        dy = other.centre_xy_px[1] - self.centre_xy_px[1]
        return math.hypot(dx, dy) / self.size_px

    def scale_to(self, other: Box) -> float:
        """How many times bigger or smaller the other box is (>= 1)."""
        ratio = other.size_px / self.size_px
        return max(ratio, 1.0 / ratio)


@dataclass(frozen=True)
class TrackUpdate:
    """What the tracker made of one frame."""

    pose: Pose | None  # the coached person, None when they are not in this frame
    people: int  # people the model found in this frame
    others_in_view: int  # other people seen steadily (hit counter at or above the confirm level)
    lost_s: float | None  # how long the coached person has been out of sight (None: in view)
    new_person: bool  # coaching moved to a person not coached before (the first one included)
    switched: bool  # ... and someone else was coached before: the hold must start over


@dataclass
class _Track:
    box: Box
    hits: int
    last_seen_s: float


class PersonTracker:
    """Follows the coached person across frames; frame timestamps only, never the wall clock.

    Matching: a detection continues a track when its centre moved less than
    `max_jump` box sizes and its size changed by less than `max_scale` times; the
    coached track is matched first, then the others, cheapest match first.
    """

    def __init__(
        self,
        *,
        lost_timeout_s: float = 2.0,
        max_jump: float = 0.35,
        max_scale: float = 1.6,
        hit_max: int = 15,
        confirm_hits: int = 5,
    ) -> None:
        self.lost_timeout_s = lost_timeout_s
        self.max_jump = max_jump
        self.max_scale = max_scale
        self.hit_max = hit_max
        self.confirm_hits = confirm_hits
        self.coached: _Track | None = None
        self.others: list[_Track] = []
        self.switches = 0  # times coaching moved from one person to another
        self._coached_before = False

    def update(self, poses: Sequence[Pose], t_s: float) -> TrackUpdate:
        """Take one frame's detections; returns the coached person's pose and what else is in view."""
        found = [(pose, box) for pose in poses if (box := Box.of(pose)) is not None]
        coached_pose: Pose | None = None
        if self.coached is not None:
            boxes = [box for _, box in found]
            index = self._best_match(self.coached.box, boxes)
            if index is None and len(found) == 1 and not self._seen_elsewhere(boxes[0]):
                index = self._best_match(self.coached.box, boxes, _LONE_MAX_JUMP, _LONE_MAX_SCALE)
            if index is not None:
                coached_pose, box = found.pop(index)
                self.coached = _Track(box, min(self.coached.hits + 1, self.hit_max), t_s)
        self._update_others([box for _, box in found], t_s)

        lost_s: float | None = None
        new_person = switched = False
        if coached_pose is None and self.coached is not None:
            lost_s = max(t_s - self.coached.last_seen_s, 0.0)
            if lost_s > self.lost_timeout_s:
                self.coached = None  # gone for good: the next person starts afresh
        if self.coached is None and found:
            # The most prominent person (the biggest, so the nearest) becomes the coached one.
            pose, box = max(found, key=lambda item: item[1].size_px)
            switched = self._coached_before
            self._coached_before = True
            self.others = [track for track in self.others if track.box is not box]
            self.coached = _Track(box, 1, t_s)
            coached_pose, lost_s, new_person = pose, None, True
            self.switches += switched
        others = sum(track.hits >= self.confirm_hits for track in self.others)
        return TrackUpdate(coached_pose, len(poses), others, lost_s, new_person, switched)

    def _seen_elsewhere(self, box: Box) -> bool:
        """Whether a box continues one of the other people's tracks."""
        return any(self._best_match(track.box, [box]) is not None for track in self.others)

    def _best_match(
        self,
        box: Box,
        candidates: Sequence[Box],
        max_jump: float | None = None,
        max_scale: float | None = None,
    ) -> int | None:
        """The candidate that best continues `box`, if any is close enough in place and size."""
        max_jump = self.max_jump if max_jump is None else max_jump
        max_scale = self.max_scale if max_scale is None else max_scale
        best: tuple[float, int] | None = None
        for i, candidate in enumerate(candidates):
            jump, scale = box.distance_to(candidate), box.scale_to(candidate)
            if jump > max_jump or scale > max_scale:
                continue
            cost = jump + (scale - 1.0)
            if best is None or cost < best[0]:
                best = (cost, i)
        return None if best is None else best[1]

    def _update_others(self, boxes: list[Box], t_s: float) -> None:
        """Norfair-style hit counters for everyone else: +1 when matched, -1 when not, gone at 0."""
        unmatched = list(boxes)
        kept: list[_Track] = []
        for track in sorted(self.others, key=lambda t: -t.hits):
            index = self._best_match(track.box, unmatched)
            if index is not None:
                kept.append(_Track(unmatched.pop(index), min(track.hits + 1, self.hit_max), t_s))
            elif track.hits > 1:
                kept.append(_Track(track.box, track.hits - 1, track.last_seen_s))
        kept.extend(_Track(box, 1, t_s) for box in unmatched)
        self.others = kept


class MultiDetector(Protocol):
    def detect_all(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> list[Pose]: ...


class TrackingDetector:
    """A detector that returns only the coached person: `detect_all` of the model, then the tracker.

    `last_update` says what else the tracker saw in the last frame; `last_inference_ms`
    passes the model's own timing through.
    """

    def __init__(self, detector: MultiDetector, tracker: PersonTracker | None = None) -> None:
        self.detector = detector
        self.tracker = tracker or PersonTracker()
        self.last_update: TrackUpdate | None = None

    @property
    def last_inference_ms(self) -> float | None:
        value = getattr(self.detector, "last_inference_ms", None)
        return float(value) if value is not None else None

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        self.last_update = self.tracker.update(self.detector.detect_all(image_bgr, timestamp_s), timestamp_s)
        return self.last_update.pose
