"""`posecheck tune --interactive`: a slider per rule bound over the replayed clip, re-scored as you drag.

    TuneBoard (state: each rule's range, verdicts, % failing; re-scored by RuleRescorer)
      -> render_board (the picture with the overlay, a verdict strip per rule, the numbers)
      -> TrackbarWindow (OpenCV HighGUI: the picture and one trackbar per bound)

A drag re-scores that rule on the whole recording (the Engine's own trackers, a few
milliseconds), so the strips and percentages follow the slider. The picture is the video
the recording was made from, when there is one, with the overlay drawn in the re-scored
colours; otherwise the skeleton on a blank canvas. Only the window needs a screen: the
board, the slider scales and the drawing are plain code, tested headless.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import OutputError, PosecheckError, SourceError
from posecheck.overlay import Overlay
from posecheck.palette import VIDEO
from posecheck.report.context import NOT_EVALUATED, VERDICT_CODES
from posecheck.results import FrameResult, Verdict
from posecheck.tune.rescore import FAIL_CODES, CodeArray, Range, RuleRescorer, Scored
from posecheck.tune.specfile import RangeEdit, write_rule_ranges
from posecheck.tune.suggest import (
    MARGIN_FLOOR,
    ROUND_STEP,
    Suggestion,
    format_value,
    in_pose_values,
    suggest_range,
)
from posecheck.tune.tuning import TuneResult

ImageBGR = npt.NDArray[np.uint8]
TITLE = "posecheck tune"
KEYS_HELP = "space: play/pause   , .: step   g: suggested   r: as in the file   s: save   q: quit"
DISPLAY_WIDTH_PX = 960
SCENE_MAX_HEIGHT_PX = 540
ROW_HEIGHT_PX = 46
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_CODE = {v: k for k, v in VERDICT_CODES.items()}
# BGR: the overlay's meaning colours; greys for the window's own chrome.
_GREEN, _RED, _ORANGE, _GREY = VIDEO.good, VIDEO.critical, VIDEO.advisory, (150, 150, 150)
_PANEL_BG, _OUT_OF_POSE, _TEXT, _DIM = (28, 28, 28), (60, 60, 60), (240, 240, 240), (170, 170, 170)


# -- sliders ----------------------------------------------------------------------


@dataclass(frozen=True)
class SliderScale:
    """Trackbar positions 0..count <-> threshold values low, low + step, ... (trackbars are integers)."""

    low: float
    step: float
    count: int

    @classmethod
    def around(cls, values: npt.NDArray[np.float64], marks: Sequence[float], unit: str) -> SliderScale:
        """A scale covering the values and every mark (bounds, suggestions), with room either side."""
        step = ROUND_STEP[unit]
        finite = values[np.isfinite(values)]
        points = np.concatenate([finite, np.asarray(marks, dtype=np.float64)])
        if points.size == 0:
            points = np.zeros(1)
        room = 3 * MARGIN_FLOOR[unit]
        low = math.floor((float(points.min()) - room) / step) * step
        high = math.ceil((float(points.max()) + room) / step) * step
        return cls(round(low, 6), step, max(1, round((high - low) / step)))

    def position(self, value: float) -> int:
        return min(self.count, max(0, round((value - self.low) / self.step)))

    def value(self, position: int) -> float:
        return round(self.low + min(self.count, max(0, position)) * self.step, 6)


@dataclass(frozen=True)
class Slider:
    rule_id: str
    bound: str  # "min" | "max"
    scale: SliderScale

    @property
    def name(self) -> str:
        return f"{self.rule_id} {self.bound}"


# -- the state --------------------------------------------------------------------


class TuneBoard:
    """Each rule's range as the sliders set it, and its verdicts on the recording, kept up to date."""

    def __init__(self, result: TuneResult, spec_path: Path) -> None:
        self.scored: Scored = result.scored
        self.spec_path = spec_path
        spec = self.scored.spec
        self.saved: dict[str, Range] = {r.id: (r.min, r.max) for r in spec.rules}
        self.ranges: dict[str, Range] = dict(self.saved)
        self.suggestions: dict[str, Suggestion] = dict(result.suggestions)
        for trace in self.scored.rules:
            if trace.rule.id not in self.suggestions:
                suggestion = suggest_range(self.scored, trace)
                if suggestion is not None:
                    self.suggestions[trace.rule.id] = suggestion
        self._rescorers = {t.rule.id: RuleRescorer(self.scored, t.rule.id) for t in self.scored.rules}
        self.codes: dict[str, CodeArray] = {t.rule.id: t.verdicts for t in self.scored.rules}
        self.values = {t.rule.id: t.values for t in self.scored.rules}
        self.problems: dict[str, str] = {}
        self.sliders: list[Slider] = []
        for trace in self.scored.rules:
            suggestion = self.suggestions.get(trace.rule.id)
            marks = [b for b in (*trace.range, *(suggestion.range if suggestion else ())) if b is not None]
            scale = SliderScale.around(in_pose_values(self.scored, trace), marks, trace.unit)
            for bound, value in zip(("min", "max"), trace.range, strict=True):
                if value is not None:
                    self.sliders.append(Slider(trace.rule.id, bound, scale))

    def unit(self, rule_id: str) -> str:
        return self.scored.rule(rule_id).unit

    def set_range(self, rule_id: str, low: float | None, high: float | None) -> None:
        """Set a rule's range and re-score it; an impossible range is kept as a problem, not scored."""
        self.ranges[rule_id] = (low, high)
        hysteresis = self.scored.spec.hysteresis_for(self.scored.rule(rule_id).rule)
        if low is not None and high is not None and high - low <= 2 * hysteresis:
            unit = self.unit(rule_id)
            self.problems[rule_id] = f"min must be over {format_value(2 * hysteresis, unit)} below max"
            return
        self.problems.pop(rule_id, None)
        self.values[rule_id], self.codes[rule_id] = self._rescorers[rule_id].verdicts(low, high)

    def set_bound(self, slider: Slider, value: float) -> bool:
        """Move one bound; True if it changed."""
        low, high = self.ranges[slider.rule_id]
        old = low if slider.bound == "min" else high
        # A file's bound off the slider's grid (0.155 on a 0.01 grid) stays as it is until moved.
        if old is not None and abs(value - old) < slider.scale.step / 2:
            return False
        new = (value, high) if slider.bound == "min" else (low, value)
        self.set_range(slider.rule_id, *new)
        return True

    def fail_pct(self, rule_id: str) -> float:
        """% of the in-pose frames with a value on which the rule fails."""
        judged = self.scored.in_pose & np.isfinite(self.values[rule_id])
        n = int(judged.sum())
        return 100.0 * int(np.isin(self.codes[rule_id], FAIL_CODES)[judged].sum()) / n if n else math.nan

    def good_form_pct(self) -> float:
        """% of in-pose frames on which every critical rule passes (what the hold timer counts)."""
        in_pose = self.scored.in_pose
        if not in_pose.any():
            return math.nan
        good = np.ones_like(in_pose)
        for trace in self.scored.rules:
            if trace.rule.severity == "critical":
                good &= self.codes[trace.rule.id] == VERDICT_CODES[Verdict.PASS]
        return 100.0 * int((good & in_pose).sum()) / int(in_pose.sum())

    def frame_result(self, index: int) -> FrameResult:
        """The engine's result for a frame with the re-scored verdicts (no cue or hold: they
        depend on the whole history, which the panel shows instead)."""
        result = self.scored.results[index]
        checks = tuple(replace(check, verdict=self._verdict(check.rule_id, index)) for check in result.checks)
        return replace(result, checks=checks, hold=None, holds=(), cue=None)

    def _verdict(self, rule_id: str, index: int) -> Verdict:
        code = int(self.codes[rule_id][index])
        return Verdict.UNKNOWN if code == NOT_EVALUATED else _CODE[code]

    @property
    def unsaved(self) -> list[str]:
        return [rule_id for rule_id, r in self.ranges.items() if r != self.saved[rule_id]]

    def edits(self, date: str) -> list[RangeEdit]:
        """The changed ranges as edits for the spec file, each noting how it was chosen."""
        edits = []
        for rule_id in self.unsaved:
            if rule_id in self.problems:
                raise PosecheckError(f"{rule_id}: {self.problems[rule_id]}; move the slider first")
            trace = self.scored.rule(rule_id)
            unit = trace.unit
            values = in_pose_values(self.scored, trace)
            spread = ""
            if values.size:
                p_low, p_high = np.percentile(values, [2, 98])
                spread = f"p2..p98 = {format_value(p_low, unit)}..{format_value(p_high, unit)} {unit}, "
            note = (
                f"tuned {date} by hand (tune -i) on {self.scored.source}: "
                f"{spread}{self.fail_pct(rule_id):.1f}% failing"
            )
            low, high = self.ranges[rule_id]
            old_low, old_high = self.saved[rule_id]
            edits.append(
                RangeEdit(
                    rule_id, unit, low if low != old_low else None, high if high != old_high else None, note
                )
            )
        return edits

    def save(self, date: str) -> str:
        """Write the changed ranges into the spec file; returns what to tell the user."""
        edits = self.edits(date)
        if not edits:
            return "nothing to save: the sliders are as in the file"
        write_rule_ranges(self.spec_path, edits)
        for edit in edits:
            self.saved[edit.rule_id] = self.ranges[edit.rule_id]
        return f"saved {', '.join(e.rule_id for e in edits)} to {self.spec_path.name}"


# -- drawing ----------------------------------------------------------------------


class SceneFrames:
    """The picture for each recording frame: the video's (decoded once, kept as JPEG at display
    size), or a blank canvas of the recording's picture size when there is no video."""

    def __init__(self, size_wh: tuple[int, int], video: Path | None = None) -> None:
        scale = min(DISPLAY_WIDTH_PX / size_wh[0], SCENE_MAX_HEIGHT_PX / size_wh[1])
        self.display_wh = (max(1, round(size_wh[0] * scale)), max(1, round(size_wh[1] * scale)))
        self._video_frames: Iterator[tuple[int, ImageBGR]] | None = None
        self._cache: dict[int, bytes] = {}
        self._decoded_up_to = -1
        self._source = None
        if video is not None:
            from posecheck.video.sources import open_source

            self._source = open_source(str(video))
            if self._source.size_wh != size_wh:
                raise SourceError(
                    f"{video} is {self._source.size_wh[0]}x{self._source.size_wh[1]}, the recording "
                    f"{size_wh[0]}x{size_wh[1]}: give the video the recording was made from"
                )
            self._video_frames = ((f.index, f.image_bgr) for f in self._source)

    def scene(self, index: int) -> ImageBGR:
        while self._video_frames is not None and self._decoded_up_to < index:
            try:
                frame_index, image = next(self._video_frames)
            except StopIteration:
                self._video_frames = None
                break
            small = cv2.resize(image, self.display_wh, interpolation=cv2.INTER_AREA)
            self._cache[frame_index] = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])[
                1
            ].tobytes()
            self._decoded_up_to = frame_index
        jpeg = self._cache.get(index)
        if jpeg is None:
            blank = np.empty((self.display_wh[1], self.display_wh[0], 3), np.uint8)
            blank[:] = (48, 44, 40)
            return blank
        return np.asarray(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), np.uint8)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()


def _text(image: ImageBGR, text: str, xy: tuple[int, int], color: tuple[int, int, int], scale: float) -> None:
    cv2.putText(image, text, xy, _FONT, scale, color, 1, cv2.LINE_AA)


def _strip_colours(board: TuneBoard, rule_id: str, width_px: int) -> ImageBGR:
    """One pixel column per time slice: the worst verdict in it (fail over unknown over pass)."""
    t = board.scored.timestamps_s
    codes = board.codes[rule_id]
    in_pose = board.scored.in_pose
    severity = board.scored.rule(rule_id).rule.severity
    # Rank per frame: 0 not in pose, 1 pass, 2 not visible, 3 failing.
    rank = np.where(np.isin(codes, FAIL_CODES), 3, np.where(codes == VERDICT_CODES[Verdict.PASS], 1, 2))
    rank = np.where(in_pose, rank, 0)
    span = float(t[-1] - t[0]) if t.size > 1 else 1.0
    column = np.clip(((t - t[0]) / span * (width_px - 1)).astype(np.intp), 0, width_px - 1)
    worst = np.zeros(width_px, np.int8)
    np.maximum.at(worst, column, rank.astype(np.int8))
    # Columns no frame falls in take their left neighbour's colour.
    filled = np.zeros(width_px, np.bool_)
    filled[column] = True
    last = np.maximum.accumulate(np.where(filled, np.arange(width_px), 0))
    worst = worst[last]
    palette = np.array([_OUT_OF_POSE, _GREEN, _GREY, _RED if severity == "critical" else _ORANGE], np.uint8)
    return palette[worst]


def render_board(
    board: TuneBoard, index: int, scene: ImageBGR, notice: str = "", playing: bool = True
) -> ImageBGR:
    """The window's picture: the frame with the overlay, then per rule its range, % failing and verdicts."""
    result = board.frame_result(index)
    scene = Overlay().draw(scene.copy(), result)
    height, width = scene.shape[:2]
    rules = board.scored.rules
    panel_h = 34 + ROW_HEIGHT_PX * len(rules) + 48
    canvas = np.empty((height + panel_h, width, 3), np.uint8)
    canvas[:height] = scene
    canvas[height:] = _PANEL_BG
    t = board.scored.timestamps_s
    state = "playing" if playing else "paused"
    pose = (
        "in the pose" if result.in_pose else ("not in the pose" if result.pose is not None else "no person")
    )
    good = board.good_form_pct()
    head = f"{t[index] - t[0]:6.2f} s  frame {index}  {state}  {pose}"
    _text(canvas, head, (10, height + 22), _TEXT, 0.55)
    if math.isfinite(good):
        _text(canvas, f"good form {good:.1f}% of in-pose frames", (width - 330, height + 22), _TEXT, 0.55)
    strip_x0, strip_w = 10, width - 20
    cursor_x = strip_x0 + round((t[index] - t[0]) / max(1e-9, float(t[-1] - t[0])) * (strip_w - 1))
    for k, trace in enumerate(rules):
        rule_id, unit = trace.rule.id, trace.unit
        y = height + 34 + k * ROW_HEIGHT_PX
        low, high = board.ranges[rule_id]
        allowed = _range_text(low, high, unit)
        changed = " *" if board.ranges[rule_id] != board.saved[rule_id] else ""
        value = board.values[rule_id][index]
        now = (
            f"now {format_value(value, unit) if unit == 'deg' else f'{value:.2f}'}"
            if math.isfinite(value)
            else ""
        )
        label = f"{rule_id}{' (!)' if trace.rule.severity == 'critical' else ''}  allowed {allowed}{changed}"
        _text(canvas, label, (10, y + 14), _TEXT, 0.5)
        problem = board.problems.get(rule_id)
        pct = board.fail_pct(rule_id)
        right = problem or (f"{pct:.1f}% failing" if math.isfinite(pct) else "not measured in the pose")
        suggestion = board.suggestions.get(rule_id)
        if suggestion is not None and not problem:
            right = f"{right}   suggested {_range_text(suggestion.min, suggestion.max, unit)}"
        _text(canvas, right, (width - 10 - _width(right, 0.5), y + 14), _RED if problem else _TEXT, 0.5)
        _text(canvas, now, (width // 2 - 40, y + 14), _DIM, 0.45)
        strip = _strip_colours(board, rule_id, strip_w)
        canvas[y + 20 : y + 36, strip_x0 : strip_x0 + strip_w] = strip[None, :, :]
        cv2.line(canvas, (cursor_x, y + 18), (cursor_x, y + 38), (255, 255, 255), 2)
    bottom = height + panel_h
    if notice:
        _text(canvas, notice, (10, bottom - 30), (120, 220, 255), 0.5)
    _text(canvas, KEYS_HELP, (10, bottom - 10), _DIM, 0.45)
    return canvas


def _width(text: str, scale: float) -> int:
    return int(cv2.getTextSize(text, _FONT, scale, 1)[0][0])


def _range_text(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"{format_value(low, unit)}..{format_value(high, unit)} {unit}"
    if high is not None:
        return f"<= {format_value(high, unit)} {unit}"
    return f">= {format_value(low if low is not None else math.nan, unit)} {unit}"


# -- the window -------------------------------------------------------------------


class SliderWindow(Protocol):
    """A window with integer trackbars (OpenCV's, or a fake in tests)."""

    def add_trackbar(self, name: str, count: int, position: int) -> None: ...

    def get(self, name: str) -> int: ...

    def set(self, name: str, position: int) -> None: ...

    def show(self, image_bgr: ImageBGR) -> None: ...

    def poll_key(self, wait_ms: int) -> int: ...

    @property
    def closed(self) -> bool: ...

    def close(self) -> None: ...


class TrackbarWindow:
    """The live app's window (posecheck.live.window.CvWindow) plus OpenCV trackbars."""

    def __init__(self, title: str = TITLE) -> None:
        from posecheck.live.window import CvWindow, quiet_qt_fonts

        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            raise OutputError(
                "--interactive needs a screen (DISPLAY is not set): run it in a desktop session; "
                "without --interactive, tune writes the plot and the table"
            )
        quiet_qt_fonts()
        self._window = CvWindow(title)
        self.title = title

    def add_trackbar(self, name: str, count: int, position: int) -> None:
        cv2.createTrackbar(name, self.title, position, count, lambda _position: None)

    def get(self, name: str) -> int:
        return int(cv2.getTrackbarPos(name, self.title))

    def set(self, name: str, position: int) -> None:
        cv2.setTrackbarPos(name, self.title, position)

    def show(self, image_bgr: ImageBGR) -> None:
        self._window.show(image_bgr)

    def poll_key(self, wait_ms: int) -> int:
        return self._window.poll_key(wait_ms)

    @property
    def closed(self) -> bool:
        return self._window.closed

    def close(self) -> None:
        self._window.close()


@dataclass(frozen=True)
class InteractiveOutcome:
    saved: tuple[str, ...]  # what each save said
    unsaved: dict[str, Range]  # ranges changed on the sliders but not saved, at quit


def run_interactive(
    result: TuneResult,
    spec_path: Path,
    *,
    video: Path | None,
    date: str,
    window: SliderWindow | None = None,
    max_frames_shown: int | None = None,
) -> InteractiveOutcome:
    """Play the recording with a slider per rule bound until 'q', Esc or the window closes."""
    board = TuneBoard(result, spec_path)
    scored = board.scored
    n = len(scored.results)
    if n == 0:
        raise SourceError("the recording holds no frames to tune on")
    header_wh = next((r.pose.image_wh for r in scored.results if r.pose is not None), None)
    frames = SceneFrames(header_wh or (1280, 720), video)
    window = window or TrackbarWindow()
    window.add_trackbar("frame", n - 1, 0)
    for slider in board.sliders:
        low, high = board.ranges[slider.rule_id]
        value = low if slider.bound == "min" else high
        window.add_trackbar(slider.name, slider.scale.count, slider.scale.position(value or 0.0))
    t = scored.timestamps_s
    index, playing, notice, saves, shown = 0, True, "", [], 0
    started_wall, started_t = time.monotonic(), float(t[0])
    try:
        while not window.closed:
            for slider in board.sliders:
                board.set_bound(slider, slider.scale.value(window.get(slider.name)))
            wanted = window.get("frame")
            if wanted != index:  # the user moved the frame slider
                index, started_wall, started_t = wanted, time.monotonic(), float(t[wanted])
            elif playing:
                # Real time from the frames' own timestamps; loop at the end.
                due = started_t + (time.monotonic() - started_wall)
                index = int(np.searchsorted(t, due, side="right")) - 1
                if index >= n - 1 and due > t[-1] + 0.5:
                    index, started_wall, started_t = 0, time.monotonic(), float(t[0])
                index = min(max(index, 0), n - 1)
                window.set("frame", index)
            window.show(render_board(board, index, frames.scene(index), notice, playing))
            shown += 1
            if max_frames_shown is not None and shown >= max_frames_shown:
                break
            key = window.poll_key(15) & 0xFF
            if key in (ord("q"), 27):
                break
            if key == ord(" "):
                playing = not playing
                started_wall, started_t = time.monotonic(), float(t[index])
            elif key in (ord(","), ord(".")):
                playing = False
                index = min(max(index + (1 if key == ord(".") else -1), 0), n - 1)
                window.set("frame", index)
            elif key in (ord("g"), ord("r")):
                targets = _targets(board, use_suggestions=key == ord("g"))
                for slider in board.sliders:
                    if slider.name in targets:
                        window.set(slider.name, slider.scale.position(targets[slider.name]))
                notice = "suggested ranges (s saves them)" if key == ord("g") else "ranges as in the file"
            elif key == ord("s"):
                try:
                    notice = board.save(date)
                except PosecheckError as exc:
                    notice = f"not saved: {exc}"
                saves.append(notice)
    finally:
        frames.close()
        window.close()
    return InteractiveOutcome(tuple(saves), {r: board.ranges[r] for r in board.unsaved})


def _targets(board: TuneBoard, *, use_suggestions: bool) -> Mapping[str, float]:
    """Slider name -> value: the suggestions, or the ranges the file holds."""
    targets: dict[str, float] = {}
    for slider in board.sliders:
        if use_suggestions:
            suggestion = board.suggestions.get(slider.rule_id)
            value = (
                None if suggestion is None else (suggestion.min if slider.bound == "min" else suggestion.max)
            )
        else:
            low, high = board.saved[slider.rule_id]
            value = low if slider.bound == "min" else high
        if value is not None:
            targets[slider.name] = value
    return targets
