"""Fault moments for report.html: the annotated frame, cropped to the person and downscaled,
taken only when a fault starts (or its cue first shows), keeping the longest episodes of each rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import Pose
from posecheck.report.context import ReportContext
from posecheck.results import FrameResult
from posecheck.timing import MAX_FRAME_GAP_S

ImageBGR = npt.NDArray[np.uint8]

THUMBNAIL_WIDTH_PX: Final = 384
THUMBNAIL_ASPECT: Final = 4 / 3  # width / height: every card the same shape
THUMBNAIL_JPEG_QUALITY: Final = 78
MOMENTS_PER_RULE: Final = 3
# Shorter fault episodes are not shown: a frame or two at the edge of the pose is not a moment.
MOMENT_MIN_EPISODE_S: Final = 0.3
# A fault back within this time is the same moment (a blink of the model or of the verdict).
MOMENT_MERGE_GAP_S: Final = 2.0
# Space kept around the person in a thumbnail, as a share of the body's size.
CROP_MARGIN: Final = 0.18


@dataclass(frozen=True)
class FaultThumbnail:
    """A fault moment: the annotated picture (JPEG) when the fault's cue was given."""

    rule_id: str
    t_s: float  # frame time of the picture
    side: str | None
    cue: str  # the rule's correction as shown (or as it would have been)
    cue_shown: bool  # False: something more urgent was on screen for the whole episode
    jpeg: bytes
    episode_start_s: float
    episode_s: float  # how long that fault episode lasted


@dataclass
class _Episode:
    start_s: float
    last_s: float
    thumbnail: FaultThumbnail | None = None

    def length_s(self, frame_s: float) -> float:
        return self.last_s - self.start_s + frame_s


@dataclass
class FaultMoments:
    """Keeps, per rule, thumbnails of its `per_rule` longest fault episodes.

    Call `due(result)` on every frame; when it names rules, draw the annotated frame
    and pass it to `capture`. A picture is taken when a fault episode starts and
    again when the rule's own cue first shows in it, so at most two per episode. A
    fault that comes back within `merge_gap_s` continues its episode.
    """

    ctx: ReportContext
    per_rule: int = MOMENTS_PER_RULE
    width_px: int = THUMBNAIL_WIDTH_PX
    min_episode_s: float = MOMENT_MIN_EPISODE_S
    merge_gap_s: float = MOMENT_MERGE_GAP_S
    frame_interval_cap_s: float = MAX_FRAME_GAP_S
    _active: dict[str, _Episode] = field(default_factory=dict, init=False)
    _kept: dict[str, list[_Episode]] = field(default_factory=dict, init=False)
    _last_t_s: float | None = field(default=None, init=False)
    _frame_s: float = field(default=1 / 30, init=False)

    def due(self, result: FrameResult) -> tuple[str, ...]:
        """Rules whose moment should be captured on this frame (tracks episodes: call every frame)."""
        t_s = result.timestamp_s
        if self._last_t_s is not None and 0 < t_s - self._last_t_s <= self.frame_interval_cap_s:
            self._frame_s = t_s - self._last_t_s  # the frame interval, for episode lengths
        self._last_t_s = t_s
        failing = {c.rule_id for c in result.checks if c.verdict.failing} if result.in_pose else set()
        for rule_id, active in list(self._active.items()):
            if rule_id not in failing and t_s - active.last_s > self.merge_gap_s:
                self._finish(rule_id)
        wanted = []
        for rule_id in failing:
            if rule_id not in self.ctx.rule_severity:
                continue
            episode = self._active.get(rule_id)
            if episode is None:
                self._active[rule_id] = _Episode(t_s, t_s)
                wanted.append(rule_id)
                continue
            episode.last_s = t_s
            shown_now = result.cue is not None and result.cue.rule_id == rule_id
            if shown_now and episode.thumbnail is not None and not episode.thumbnail.cue_shown:
                wanted.append(rule_id)
        return tuple(sorted(wanted, key=self.ctx.rule_ids.index))

    def capture(
        self, rule_ids: Iterable[str], result: FrameResult, scene_bgr: ImageBGR, mirror: bool = False
    ) -> None:
        """Store the annotated `scene_bgr` for the rules `due` named: cropped to the person, downscaled.

        `scene_bgr` may have any size; `mirror` says it was flipped left-right (a selfie view).
        """
        rule_ids = [r for r in rule_ids if r in self._active]
        if not rule_ids:
            return
        if result.pose is not None:
            x0, y0, x1, y1 = person_box(result.pose, scene_bgr.shape[1], scene_bgr.shape[0], mirror)
            scene_bgr = scene_bgr[y0:y1, x0:x1]
        jpeg = encode_thumbnail(scene_bgr, self.width_px)
        for rule_id in rule_ids:
            shown = result.cue is not None and result.cue.rule_id == rule_id
            cue = result.cue.text if shown and result.cue is not None else self.ctx.cue(rule_id)
            episode = self._active[rule_id]
            episode.thumbnail = FaultThumbnail(
                rule_id, result.timestamp_s, result.side, cue, shown, jpeg, episode.start_s, 0.0
            )

    def thumbnails(self) -> list[FaultThumbnail]:
        """The kept moments, in time order, each with its episode's length."""
        kept = {rule_id: list(episodes) for rule_id, episodes in self._kept.items()}
        for rule_id, episode in self._active.items():
            kept.setdefault(rule_id, []).append(episode)
        out = []
        for episodes in kept.values():
            shown = [
                e
                for e in episodes
                if e.thumbnail is not None and e.length_s(self._frame_s) >= self.min_episode_s
            ]
            for episode in sorted(shown, key=lambda e: -e.length_s(self._frame_s))[: self.per_rule]:
                assert episode.thumbnail is not None
                out.append(_with_length(episode.thumbnail, round(episode.length_s(self._frame_s), 3)))
        return sorted(out, key=lambda m: m.t_s)

    def _finish(self, rule_id: str) -> None:
        episode = self._active.pop(rule_id)
        kept = self._kept.setdefault(rule_id, [])
        kept.append(episode)
        # Only the longest few are ever shown: drop the rest (and their JPEGs) now.
        kept[:] = [e for e in kept if e.length_s(self._frame_s) >= self.min_episode_s]
        kept.sort(key=lambda e: -e.length_s(self._frame_s))
        del kept[self.per_rule :]


def _with_length(thumbnail: FaultThumbnail, episode_s: float) -> FaultThumbnail:
    return FaultThumbnail(
        thumbnail.rule_id,
        thumbnail.t_s,
        thumbnail.side,
        thumbnail.cue,
        thumbnail.cue_shown,
        thumbnail.jpeg,
        thumbnail.episode_start_s,
        episode_s,
    )


def person_box(
    pose: Pose, width_px: int, height_px: int, mirror: bool = False, aspect: float = THUMBNAIL_ASPECT
) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a crop around the visible landmarks with a margin, `aspect` wide if it fits.

    The whole picture when no landmark is visible.
    """
    scale = width_px / pose.image_wh[0] if pose.image_wh[0] > 0 else 1.0
    xy = pose.xy_px * scale
    if mirror:
        xy = np.column_stack([width_px - xy[:, 0], xy[:, 1]])
    seen = (pose.visibility >= 0.5) & np.isfinite(xy).all(axis=1)
    if not seen.any():
        return 0, 0, width_px, height_px
    low, high = xy[seen].min(axis=0), xy[seen].max(axis=0)
    size = max(float((high - low).max()), 1.0)
    low[1] -= 0.06 * size  # the landmarks stop at the eyes: leave room for the top of the head
    box_w, box_h = (high - low) + 2 * CROP_MARGIN * size
    # Widen or heighten to the card's shape, then fit inside the picture.
    box_w, box_h = max(box_w, box_h * aspect), max(box_h, box_w / aspect)
    if box_w > width_px or box_h > height_px:
        shrink = min(width_px / box_w, height_px / box_h)
        box_w, box_h = box_w * shrink, box_h * shrink
    center = (low + high) / 2
    x0 = round(min(max(center[0] - box_w / 2, 0.0), width_px - box_w))
    y0 = round(min(max(center[1] - box_h / 2, 0.0), height_px - box_h))
    return x0, y0, min(width_px, x0 + round(box_w)), min(height_px, y0 + round(box_h))


def encode_thumbnail(scene_bgr: ImageBGR, width_px: int = THUMBNAIL_WIDTH_PX) -> bytes:
    """A small JPEG of the picture, `width_px` wide (never enlarged)."""
    height, width = scene_bgr.shape[:2]
    if width > width_px:
        size = (width_px, max(1, round(height * width_px / width)))
        scene_bgr = np.asarray(cv2.resize(scene_bgr, size, interpolation=cv2.INTER_AREA), np.uint8)
    ok, buffer = cv2.imencode(".jpg", scene_bgr, [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_JPEG_QUALITY])
    if not ok:
        raise ValueError(f"cannot encode a {width}x{height} picture as JPEG")
    return bytes(buffer)


# Good form must last this long before its picture is taken: not a pass on the way through.
GOOD_FORM_SETTLED_S: Final = 1.5


@dataclass(frozen=True)
class FormComparison:
    """For report.html: the spec's reference figure beside the person's own moment in the pose.

    `person_jpeg` is the annotated frame (a video) or the person's own stick figure (a
    recording, which holds no pictures); `person_t_s` is when it was.
    """

    reference_jpeg: bytes
    person_jpeg: bytes | None
    person_t_s: float | None
    person_good_form: bool  # every rule passing then (else the first moment in the pose)


@dataclass
class FormSnapshot:
    """Picks the person's moment to compare with good form: the first frame after every rule
    has passed for `settled_s` in the pose, else the first frame in the pose.

    Call `due(result)` on every frame; when it is True, pass the picture to `capture`.
    """

    width_px: int = THUMBNAIL_WIDTH_PX
    settled_s: float = GOOD_FORM_SETTLED_S
    jpeg: bytes | None = field(default=None, init=False)
    result: FrameResult | None = field(default=None, init=False)
    good_form: bool = field(default=False, init=False)
    _good_since_s: float | None = field(default=None, init=False)

    def due(self, result: FrameResult) -> bool:
        if self.good_form or not result.in_pose or result.pose is None:
            self._good_since_s = None if not result.in_pose else self._good_since_s
            return False
        all_pass = bool(result.checks) and all(c.verdict.value == "pass" for c in result.checks)
        if not all_pass:
            self._good_since_s = None
            return self.result is None  # the first moment in the pose, until a good one comes
        if self._good_since_s is None:
            self._good_since_s = result.timestamp_s
        return result.timestamp_s - self._good_since_s >= self.settled_s or self.result is None

    def capture(self, result: FrameResult, scene_bgr: ImageBGR | None, mirror: bool = False) -> None:
        """Keep this moment (`scene_bgr` None: no picture, only the pose)."""
        settled = self._good_since_s is not None and result.timestamp_s - self._good_since_s >= self.settled_s
        self.result = result
        self.good_form = settled
        if scene_bgr is not None and result.pose is not None:
            x0, y0, x1, y1 = person_box(result.pose, scene_bgr.shape[1], scene_bgr.shape[0], mirror)
            self.jpeg = encode_thumbnail(scene_bgr[y0:y1, x0:x1], self.width_px)
