"""Draw a `FrameResult` on a picture: skeleton, joint angles, the cue banner, the hold timer or rep count.

Annotators follow roboflow/supervision: each takes its style in `__init__` and
`annotate(scene_bgr, result, scale, mirror)` draws in place and returns the scene.
`scale` maps the pose's source pixels (`pose.xy_px`) onto the scene, which may be a
downscaled copy; `mirror` flips drawn x positions (x -> scene width - x) for a
mirrored live view while text stays readable. `Overlay` composes them all.

Text is drawn with OpenCV 5's built-in vector font (`cv2.FontFace`), which is
anti-aliased, has "°" and costs ~0.1 ms a line; without it Pillow renders cached
glyph patches (DejaVuSans from matplotlib) that are alpha-blended into the frame.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.palette import BGR, Palette
from posecheck.pose.landmarks import (
    LANDMARK_INDEX,
    MIDPOINT_PARTS,
    SKELETON_EDGE_INDICES,
    SKELETON_EDGES,
    Pose,
)
from posecheck.results import Cue, FrameResult, HoldState, HoldStatus, RuleCheck, Severity, Verdict

if TYPE_CHECKING:
    from PIL import ImageFont

__all__ = [
    "AngleAnnotator",
    "CueAnnotator",
    "CueMarkerAnnotator",
    "HoldTimerAnnotator",
    "NoPersonAnnotator",
    "Overlay",
    "OverlayStyle",
    "Palette",
    "RepCounterAnnotator",
    "SkeletonAnnotator",
    "StatusTextAnnotator",
    "pose_scale",
]

ImageBGR = npt.NDArray[np.uint8]
TextBackend = Literal["auto", "opencv", "pillow"]
Point = tuple[float, float]
FloatArray = npt.NDArray[np.float64]
_ArrayT = TypeVar("_ArrayT", bound=np.ndarray[Any, Any])


def _constant(array: _ArrayT) -> _ArrayT:
    """Module-level lookup tables are read-only so no frame can change them for the next."""
    array.flags.writeable = False
    return array


# cv2 draws with sub-pixel precision when coordinates are fixed point with this many
# fractional bits; without it slow-moving joints visibly jitter by whole pixels.
_SHIFT = 4
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class OverlayStyle:
    """Look of every annotator. Sizes are in pixels for a scene whose short side is
    `reference_px`; they scale with the scene so 360p and 1080p look alike."""

    palette: Palette = field(default_factory=Palette)
    reference_px: int = 720
    line_px: float = 4.0
    joint_radius_px: float = 5.5
    arc_radius_px: float = 34.0
    cue_ring_radius_px: float = 30.0
    banner_font_px: float = 40.0
    label_font_px: float = 24.0
    small_font_px: float = 18.0
    hold_ring_radius_px: float = 46.0
    panel_alpha: float = 0.72
    margin_px: float = 16.0
    min_visibility: float = 0.5  # below this a landmark is not drawn: a guess is worse than nothing
    show_failing_ratios: bool = False  # if True, a ratio is labelled while its rule fails
    text_backend: TextBackend = "auto"


# --------------------------------------------------------------------------- text


class _TextEngine(Protocol):
    def width_px(self, text: str, size_px: int, bold: bool) -> int: ...

    def draw(
        self, scene: ImageBGR, text: str, x_px: int, baseline_px: int, color: BGR, size_px: int, bold: bool
    ) -> None: ...


def _cv_weight(bold: bool) -> int:
    # 500 rather than 400 for regular text: thin strokes vanish over busy video.
    return 700 if bold else 500


@functools.lru_cache(maxsize=1)
def _cv_face() -> cv2.FontFace:
    return cv2.FontFace("sans")


@functools.lru_cache(maxsize=1024)
def _cv_text_width(text: str, size_px: int, bold: bool) -> int:
    rect = cv2.getTextSize((0, 0), text, (0, 0), _cv_face(), size_px, _cv_weight(bold))
    return int(rect[2])


class _OpenCvText:
    """OpenCV 5 vector font: fast enough to draw every frame without caching pixels."""

    def width_px(self, text: str, size_px: int, bold: bool) -> int:
        return _cv_text_width(text, size_px, bold)

    def draw(
        self, scene: ImageBGR, text: str, x_px: int, baseline_px: int, color: BGR, size_px: int, bold: bool
    ) -> None:
        cv2.putText(scene, text, (x_px, baseline_px), color, _cv_face(), size_px, _cv_weight(bold))


@functools.lru_cache(maxsize=8)
def _pil_font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        import matplotlib

        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size_px)
    except (ImportError, OSError):
        return ImageFont.load_default(size=size_px)


@functools.lru_cache(maxsize=512)
def _pil_patch(text: str, size_px: int, bold: bool) -> tuple[npt.NDArray[np.uint16], int, int, int]:
    """Coverage mask of `text` (0..255) and its offset from the left/baseline origin, plus advance."""
    from PIL import Image, ImageDraw

    font = _pil_font(size_px, bold)
    x0, y0, x1, y1 = (int(v) for v in font.getbbox(text, anchor="ls"))
    mask = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    ImageDraw.Draw(mask).text((-x0, -y0), text, font=font, fill=255, anchor="ls")
    # uint16 so the blend below cannot overflow; cached, so converted only once.
    coverage = np.asarray(mask, dtype=np.uint16)
    coverage.flags.writeable = False
    return coverage, x0, y0, math.ceil(font.getlength(text))


class _PillowText:
    """Fallback for OpenCV without `FontFace`: cached Pillow masks blended into the frame."""

    def width_px(self, text: str, size_px: int, bold: bool) -> int:
        return _pil_patch(text, size_px, bold)[3]

    def draw(
        self, scene: ImageBGR, text: str, x_px: int, baseline_px: int, color: BGR, size_px: int, bold: bool
    ) -> None:
        coverage, dx, dy, _ = _pil_patch(text, size_px, bold)
        x0, y0 = x_px + dx, baseline_px + dy
        h, w = coverage.shape
        sx0, sy0 = max(0, x0), max(0, y0)
        sx1, sy1 = min(scene.shape[1], x0 + w), min(scene.shape[0], y0 + h)
        if sx0 >= sx1 or sy0 >= sy1:
            return
        alpha = coverage[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0, None]
        roi = scene[sy0:sy1, sx0:sx1]
        ink = np.asarray(color, dtype=np.uint16)
        roi[:] = ((roi * (255 - alpha) + ink * alpha + 127) // 255).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def _text_engine(backend: TextBackend) -> _TextEngine:
    if backend == "pillow" or (backend == "auto" and not hasattr(cv2, "FontFace")):
        return _PillowText()
    return _OpenCvText()


# ------------------------------------------------------------------ drawing helpers


def _fixed(p: Point) -> tuple[int, int]:
    return round(p[0] * _ONE), round(p[1] * _ONE)


def _fixed_poly(points: FloatArray) -> npt.NDArray[np.int32]:
    # The array's own round() is np.round without its dispatch (a dozen polygons a frame).
    return (points * _ONE).round().astype(np.int32)


@functools.lru_cache(maxsize=1024)
def _unit_arc(start_deg: int, end_deg: int) -> FloatArray:
    """Points on the unit circle from start to end, at most 4° apart (angles clockwise on screen).

    Whole degrees so that the few arcs a session draws are computed once.
    """
    steps = max(2, math.ceil(abs(end_deg - start_deg) / 4) + 1)
    t = np.radians(np.linspace(start_deg, end_deg, steps))
    points = np.stack([np.cos(t), np.sin(t)], axis=1)
    points.flags.writeable = False
    return points


def _arc_points(center: Point, radius_px: float, start_deg: float, end_deg: float) -> FloatArray:
    return np.asarray(center) + radius_px * _unit_arc(round(start_deg), round(end_deg))


@functools.lru_cache(maxsize=64)
def _annulus_polygons(
    center: Point, radius_px: float, thickness_px: float, start_deg: float, end_deg: float
) -> tuple[npt.NDArray[np.int32], ...]:
    """A thick arc as filled polygon(s): cv2's own thick anti-aliased circles cost ~10x more.

    Cached: the card's rings (the hold timer's track) recur at one place every frame.
    """
    outer, inner = radius_px + thickness_px / 2, max(0.0, radius_px - thickness_px / 2)
    if abs(end_deg - start_deg) >= 360:
        # Outer contour plus inner contour: fillPoly's even-odd filling leaves the hole.
        polygons: tuple[npt.NDArray[np.int32], ...] = (
            _fixed_poly(_arc_points(center, outer, 0, 360)[:-1]),
            _fixed_poly(_arc_points(center, inner, 0, 360)[:-1]),
        )
    else:
        band = np.concatenate(
            [_arc_points(center, outer, start_deg, end_deg), _arc_points(center, inner, end_deg, start_deg)]
        )
        polygons = (_fixed_poly(band),)
    for polygon in polygons:
        polygon.flags.writeable = False
    return polygons


@functools.lru_cache(maxsize=256)
def _rounded_rect_shape(width_px: int, height_px: int, radius_px: int) -> FloatArray:
    """Outline of a rounded rectangle with its top-left corner at the origin; panels recur every frame."""
    w, h = width_px / _ONE, height_px / _ONE
    r = max(0.0, min(radius_px / _ONE, w / 2, h / 2))
    corners = (((w - r, r), -90, 0), ((w - r, h - r), 0, 90), ((r, h - r), 90, 180), ((r, r), 180, 270))
    shape = np.vstack([_arc_points(c, r, a, b) for c, a, b in corners])
    shape.flags.writeable = False
    return shape


def _rounded_rect_points(x0: float, y0: float, x1: float, y1: float, radius_px: float) -> FloatArray:
    # Keyed in fixed-point units so equal boxes share one cache entry.
    shape = _rounded_rect_shape(round((x1 - x0) * _ONE), round((y1 - y0) * _ONE), round(radius_px * _ONE))
    placed: FloatArray = shape + np.array([x0, y0])
    return placed


@functools.lru_cache(maxsize=8)
def _solid_block(height_px: int, width_px: int, color: BGR) -> ImageBGR:
    """A read-only block of one colour. Cached: the cue banner blends the same block every frame."""
    # cv2.rectangle fills far faster than numpy broadcasting a colour over uint8 pixels.
    block = np.empty((height_px, width_px, 3), np.uint8)
    cv2.rectangle(block, (0, 0), (width_px, height_px), color, -1)
    block.flags.writeable = False
    return block


class _Canvas:
    """One scene plus the style's sizes resolved for it."""

    def __init__(self, scene: ImageBGR, style: OverlayStyle) -> None:
        self.scene = scene
        self.style = style
        self.palette = style.palette
        self.height_px: int = int(scene.shape[0])
        self.width_px: int = int(scene.shape[1])
        self.unit: float = min(self.height_px, self.width_px) / style.reference_px
        self.text_engine = _text_engine(style.text_backend)

    def px(self, reference_px: float, minimum: float = 1.0) -> int:
        """A style size in this scene's pixels."""
        return max(round(minimum), round(reference_px * self.unit))

    def font(self, reference_px: float, minimum: int = 10) -> int:
        # Below ~10 px no font is legible; tiny scenes get clipped layouts rather than mush.
        return max(minimum, round(reference_px * self.unit))

    def text_width(self, text: str, size_px: int, bold: bool = False) -> int:
        return self.text_engine.width_px(text, size_px, bold)

    def text(
        self, text: str, x_px: float, baseline_px: float, color: BGR, size_px: int, bold: bool = False
    ) -> None:
        self.text_engine.draw(self.scene, text, round(x_px), round(baseline_px), color, size_px, bold)

    def text_centered(self, text: str, center: Point, color: BGR, size_px: int, bold: bool = False) -> None:
        """Centre the text's cap height on `center` (what the eye reads as centred)."""
        width = self.text_width(text, size_px, bold)
        self.text(text, center[0] - width / 2, center[1] + 0.36 * size_px, color, size_px, bold)

    def panel(
        self, x0: float, y0: float, x1: float, y1: float, color: BGR, alpha: float, radius_px: float = 0
    ) -> None:
        """A (rounded) rectangle; translucent ones are blended touching only their own pixels."""
        ix0, iy0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        ix1, iy1 = min(self.width_px, math.ceil(x1)), min(self.height_px, math.ceil(y1))
        if ix0 >= ix1 or iy0 >= iy1:
            return
        if alpha >= 0.99:
            self._fill_rect(self.scene, x0, y0, x1, y1, radius_px, color)
            return
        roi = self.scene[iy0:iy1, ix0:ix1]
        if radius_px < 1:
            layer = _solid_block(iy1 - iy0, ix1 - ix0, color)
        else:
            layer = roi.copy()
            self._fill_rect(layer, x0 - ix0, y0 - iy0, x1 - ix0, y1 - iy0, radius_px, color)
        cv2.addWeighted(layer, alpha, roi, 1 - alpha, 0, dst=roi)

    @staticmethod
    def _fill_rect(
        img: ImageBGR, x0: float, y0: float, x1: float, y1: float, radius_px: float, color: BGR
    ) -> None:
        points = _rounded_rect_points(x0, y0, x1, y1, radius_px)
        cv2.fillPoly(img, [_fixed_poly(points)], color, cv2.LINE_AA, _SHIFT)

    def disc(self, center: Point, radius_px: float, color: BGR) -> None:
        cv2.circle(self.scene, _fixed(center), round(radius_px * _ONE), color, -1, cv2.LINE_AA, _SHIFT)

    def ring(
        self,
        center: Point,
        radius_px: float,
        thickness_px: float,
        color: BGR,
        start_deg: float = 0.0,
        end_deg: float = 360.0,
        round_caps: bool = False,
    ) -> None:
        """A thick circle or arc, clockwise on screen (image y points down) from start to end."""
        polygons = _annulus_polygons(center, radius_px, thickness_px, start_deg, end_deg)
        cv2.fillPoly(self.scene, polygons, color, cv2.LINE_AA, _SHIFT)
        if round_caps and abs(end_deg - start_deg) < 360:
            for angle in (math.radians(start_deg), math.radians(end_deg)):
                cap = (center[0] + radius_px * math.cos(angle), center[1] + radius_px * math.sin(angle))
                self.disc(cap, thickness_px / 2, color)

    def dashed_ring(
        self, center: Point, radius_px: float, thickness_px: float, color: BGR, dashes: int = 12
    ) -> None:
        step = 360 / dashes
        polygons = [
            poly
            for i in range(dashes)
            for poly in _annulus_polygons(center, radius_px, thickness_px, i * step, i * step + 0.6 * step)
        ]
        cv2.fillPoly(self.scene, polygons, color, cv2.LINE_AA, _SHIFT)

    def check_mark(self, center: Point, size_px: float, color: BGR, thickness_px: int) -> None:
        """A drawn tick: font tick glyphs look like a square-root sign."""
        cx, cy = center
        points = np.array(
            [
                (cx - 0.5 * size_px, cy + 0.02 * size_px),
                (cx - 0.15 * size_px, cy + 0.35 * size_px),
                (cx + 0.5 * size_px, cy - 0.35 * size_px),
            ]
        )
        cv2.polylines(self.scene, [_fixed_poly(points)], False, color, thickness_px, cv2.LINE_AA, _SHIFT)


def _wrap(canvas: _Canvas, text: str, size_px: int, bold: bool, max_width_px: float) -> list[str]:
    """Greedy word wrap."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and canvas.text_width(candidate, size_px, bold) > max_width_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _ellipsize(canvas: _Canvas, text: str, size_px: int, bold: bool, max_width_px: float) -> str:
    if canvas.text_width(text, size_px, bold) <= max_width_px:
        return text
    while text and canvas.text_width(text + "…", size_px, bold) > max_width_px:
        text = text[:-1]
    return text.rstrip() + "…"


def _fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    return f"{seconds:.0f}" if float(seconds).is_integer() else f"{seconds:.1f}"


# ----------------------------------------------------------------- pose on scene


def pose_scale(pose: Pose, scene_bgr: ImageBGR) -> float:
    """Factor from the pose's source pixels to the scene's pixels (same aspect ratio assumed)."""
    source_width_px = pose.image_wh[0]
    return scene_bgr.shape[1] / source_width_px if source_width_px > 0 else 1.0


_EDGE_A = _constant(np.array([a for a, _ in SKELETON_EDGE_INDICES]))
_EDGE_B = _constant(np.array([b for _, b in SKELETON_EDGE_INDICES]))
_EDGE_ENDS = _constant(np.array(SKELETON_EDGE_INDICES))  # (edges, 2): both ends of each limb
# The skeleton's joints in the order the limbs first name them (the order they are drawn in).
_SKELETON_JOINTS: tuple[tuple[str, int], ...] = tuple(
    (name, LANDMARK_INDEX[name]) for name in dict.fromkeys(name for edge in SKELETON_EDGES for name in edge)
)
_LIMB_SAMPLES = _constant(np.linspace(0.1, 0.9, 9))  # dense enough that a label cannot slip between
# Farther than this a landmark is a model glitch; it would also overflow cv2's fixed-point ints.
_MAX_COORD_PX = 1e6


class _ScenePose:
    """Landmark positions in scene pixels (scaled and, for a mirrored view, flipped)."""

    def __init__(self, pose: Pose, scale: float, mirror: bool, scene_width_px: int, min_visibility: float):
        xy = pose.xy_px * scale
        if mirror:
            xy[:, 0] = scene_width_px - xy[:, 0]
        self.xy_px = xy
        # NaN compares False here, so a missing landmark is simply not finite.
        finite: npt.NDArray[np.bool_] = (np.abs(xy[:, 0]) < _MAX_COORD_PX) & (
            np.abs(xy[:, 1]) < _MAX_COORD_PX
        )
        # NaN visibility compares False, so it counts as not visible.
        self.visible: npt.NDArray[np.bool_] = finite & (pose.visibility >= min_visibility)
        self.finite = finite

    def obstacle_points(self) -> FloatArray:
        """What a label should not hide: visible joints and points along the visible limbs."""
        both = self.visible[_EDGE_A] & self.visible[_EDGE_B]
        start, end = self.xy_px[_EDGE_A[both]], self.xy_px[_EDGE_B[both]]
        along = start[:, None, :] + (end - start)[:, None, :] * _LIMB_SAMPLES[None, :, None]
        return np.concatenate([self.xy_px[self.visible], along.reshape(-1, 2)])

    def fixed_px(self) -> npt.NDArray[np.int32]:
        """Every landmark in cv2's fixed point (as `_fixed` rounds it); 0 where not visible."""
        xy = np.where(self.visible[:, None], self.xy_px, 0.0)
        return _fixed_poly(xy)

    def point(self, name: str, require_visible: bool = True) -> Point | None:
        """A landmark or a virtual midpoint ("mid_hip"); None when unknown or not visible."""
        ok = self.visible if require_visible else self.finite
        if name.startswith("mid_") and name[4:] in MIDPOINT_PARTS:
            left, right = LANDMARK_INDEX["left_" + name[4:]], LANDMARK_INDEX["right_" + name[4:]]
            if not (ok[left] and ok[right]):
                return None
            x, y = (self.xy_px[left] + self.xy_px[right]) / 2
            return float(x), float(y)
        index = LANDMARK_INDEX.get(name)
        if index is None or not ok[index]:
            return None
        return float(self.xy_px[index, 0]), float(self.xy_px[index, 1])


_last_scene_pose = threading.local()


def _scene_pose(
    pose: Pose, scale: float, mirror: bool, scene_width_px: int, min_visibility: float
) -> _ScenePose:
    """`_ScenePose(...)`, shared by the annotators drawing the same pose on the same scene (three
    a frame); the last one is kept per thread, and it keeps its pose alive so `is` is safe."""
    key = (scale, mirror, scene_width_px, min_visibility)
    last = getattr(_last_scene_pose, "entry", None)
    if last is not None and last[0] is pose and last[1] == key:
        body: _ScenePose = last[2]
        return body
    body = _ScenePose(pose, scale, mirror, scene_width_px, min_visibility)
    _last_scene_pose.entry = (pose, key, body)
    return body


# Severity levels used to pick colours and drawing order: later wins.
_CALM, _ADVISORY, _CRITICAL = 0, 1, 2


def _failure_level(check: RuleCheck) -> int:
    if not check.verdict.failing:
        return _CALM
    return _CRITICAL if check.severity == Severity.CRITICAL else _ADVISORY


def _level_colour(palette: Palette, level: int) -> BGR:
    return (palette.calm, palette.advisory, palette.critical)[level]


def _measure_colour(palette: Palette, checks: Sequence[RuleCheck]) -> BGR:
    """Colour of a measurement from the worst verdict among the rules that use it."""
    if not checks:
        return palette.calm
    level = max(_failure_level(c) for c in checks)
    if level:
        return _level_colour(palette, level)
    if any(c.verdict == Verdict.PASS for c in checks):
        return palette.good
    return palette.unknown


# ------------------------------------------------------------------- annotators


class SkeletonAnnotator:
    """Body skeleton; segments of failing rules in orange (advisory) or red (critical)."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        pose = result.pose
        if pose is None:
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        palette = self.style.palette
        body = _scene_pose(pose, scale, mirror, canvas.width_px, self.style.min_visibility)
        # Out of the pose the rules are not what is wrong: the entry cue says what is.
        failing = [
            (frozenset(c.landmarks), _failure_level(c))
            for c in result.checks
            if c.verdict.failing and result.in_pose
        ]
        visible = body.visible.tolist()
        # Positions are rounded to fixed point once for all landmarks (numpy rounds as `_fixed`
        # does), and the limbs of one look go to cv2 in one call: the same pixels as a call each.
        fixed = body.fixed_px()
        limbs = [k for k, (a, b) in enumerate(SKELETON_EDGE_INDICES) if visible[a] and visible[b]]
        # A limb takes the worst level of the failing rules using both its ends, a joint of those using it.
        limb_levels = [_CALM] * len(limbs)
        joint_levels: dict[str, int] = {}
        for names, level in failing:
            for j, k in enumerate(limbs):
                a, b = SKELETON_EDGES[k]
                if level > limb_levels[j] and a in names and b in names:
                    limb_levels[j] = level
            for name in names:
                joint_levels[name] = max(level, joint_levels.get(name, _CALM))
        levels = sorted(set(limb_levels))  # warnings last, so they sit on top
        ends = fixed[_EDGE_ENDS]
        by_level = {
            level: [ends[k] for k, lv in zip(limbs, limb_levels, strict=True) if lv == level]
            for level in levels
        }

        line = canvas.px(self.style.line_px, 2)
        outline = canvas.px(2.0, 1)
        widths = {
            level: line if level == _CALM else round(line * (1.75 if level == _CRITICAL else 1.4))
            for level in levels
        }
        for level in levels:
            # A dark edge under each limb keeps it visible on white walls. Aliasing on
            # it is invisible under the anti-aliased colour line and saves ~40% here.
            width = widths[level] + 2 * outline
            cv2.polylines(canvas.scene, by_level[level], False, palette.shadow, width, cv2.LINE_8, _SHIFT)
        for level in levels:
            colour = _level_colour(palette, level)
            cv2.polylines(canvas.scene, by_level[level], False, colour, widths[level], cv2.LINE_AA, _SHIFT)

        joints = [
            (joint_levels.get(name, _CALM), index) for name, index in _SKELETON_JOINTS if visible[index]
        ]
        # Each joint is three discs (dark rim, verdict colour, white centre): radii per level.
        radius = canvas.px(self.style.joint_radius_px, 2)
        discs: dict[int, list[tuple[int, BGR]]] = {}
        for level in {level for level, _ in joints}:
            r = radius * (1.3 if level else 1.0)
            discs[level] = [
                (round((r + outline) * _ONE), palette.shadow),
                (round(r * _ONE), _level_colour(palette, level)),
                (round(r * 0.45 * _ONE), palette.text),
            ]
        centres = fixed.tolist()
        for level, index in sorted(joints, key=lambda j: j[0]):
            centre = tuple(centres[index])
            for radius_fixed, colour in discs[level]:
                cv2.circle(canvas.scene, centre, radius_fixed, colour, -1, cv2.LINE_AA, _SHIFT)
        return scene_bgr


class AngleAnnotator:
    """Joint angles as an arc at the vertex plus the number, coloured by the rule's verdict."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        pose = result.pose
        if pose is None or not result.measurements:
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        body = _scene_pose(pose, scale, mirror, canvas.width_px, self.style.min_visibility)
        checks_by_measure: dict[str, list[RuleCheck]] = {}
        # Out of the pose no rule is judged on the body: the angles are drawn neutral.
        for check in result.checks if result.in_pose else ():
            checks_by_measure.setdefault(check.measure_id, []).append(check)

        # The cue's ring sits at its joint: labels start outside it and must not cover it.
        ring_outer_px = canvas.px(self.style.cue_ring_radius_px + 10.0, 6)
        ring_centers: list[Point] = []
        if result.cue is not None:
            uncertain = _cue_is_uncertain(result.cue)
            for name in _cue_focus(result.cue):
                center = body.point(name, require_visible=not uncertain)
                if center is not None:
                    ring_centers.append(center)

        labels: list[_PendingLabel] = []
        for m in result.measurements.values():
            if not math.isfinite(m.value):
                continue
            checks = checks_by_measure.get(m.measure_id, [])
            if m.unit == "deg" and len(m.landmarks) == 3:
                colour = _measure_colour(self.style.palette, checks)
                label = self._angle(canvas, body, m.landmarks, m.anchor, m.value, colour)
            elif (
                m.unit == "ratio"
                and self.style.show_failing_ratios
                and any(c.verdict.failing for c in checks)
            ):
                colour = _measure_colour(self.style.palette, checks)
                anchor = body.point(m.anchor)
                up = (0.0, -1.0)
                text = f"{m.label} {m.value:.2f}"
                label = None if anchor is None else _PendingLabel(anchor, canvas.px(12), up, text, colour)
            else:
                label = None
            if label is None:
                continue
            if any(math.dist(label.origin, c) < 1.0 for c in ring_centers):
                label = replace(label, gap_px=max(label.gap_px, ring_outer_px + canvas.px(4)))
            labels.append(label)
        rings = [np.asarray(c) + ring_outer_px * _unit_arc(0, 345) for c in ring_centers]
        _place_labels(canvas, body, labels, rings)
        return scene_bgr

    def _angle(
        self,
        canvas: _Canvas,
        body: _ScenePose,
        landmarks: tuple[str, ...],
        anchor: str,
        value_deg: float,
        colour: BGR,
    ) -> _PendingLabel | None:
        vertex_name = anchor if anchor in landmarks else landmarks[1]
        ends = [n for n in landmarks if n != vertex_name][:2]
        vertex = body.point(vertex_name)
        pa, pc = (body.point(n) for n in ends) if len(ends) == 2 else (None, None)
        if vertex is None or pa is None or pc is None:
            return None
        # Plain floats (a few numpy calls on 2-vectors cost more than the maths); np.hypot
        # keeps the rounding the arrays had.
        va = (pa[0] - vertex[0], pa[1] - vertex[1])
        vc = (pc[0] - vertex[0], pc[1] - vertex[1])
        len_a, len_c = float(np.hypot(*va)), float(np.hypot(*vc))
        if min(len_a, len_c) < 1.0:
            return None
        ua = (va[0] / len_a, va[1] / len_a)
        uc = (vc[0] / len_c, vc[1] / len_c)
        # Keep the arc inside short limbs (small person far from the camera).
        radius = min(canvas.px(self.style.arc_radius_px), 0.45 * min(len_a, len_c))
        if radius >= 4:
            start = math.degrees(math.atan2(ua[1], ua[0]))
            end = math.degrees(math.atan2(uc[1], uc[0]))
            if end - start > 180:
                end -= 360
            elif start - end > 180:
                end += 360
            self._wedge(canvas, vertex, radius, start, end, colour)
            canvas.ring(vertex, radius, canvas.px(3.0, 2), colour, start, end)

        # The number goes outside the angle (against the bisector), where the limbs are not.
        bisector = (ua[0] + uc[0], ua[1] + uc[1])
        norm = float(np.hypot(*bisector))
        direction: tuple[float, float]
        if norm > 1e-3:
            direction = (-bisector[0] / norm, -bisector[1] / norm)
        else:
            # Straight limb: either perpendicular works; above reads better than below.
            direction = (ua[1], -ua[0])
            if direction[1] > 0:
                direction = (-direction[0], -direction[1])
        return _PendingLabel(vertex, radius + canvas.px(6), direction, f"{value_deg:.0f}°", colour)

    def _wedge(
        self, canvas: _Canvas, vertex: Point, radius: float, start: float, end: float, colour: BGR
    ) -> None:
        """Translucent fill of the angle, blended only inside its bounding box."""
        x0 = max(0, math.floor(vertex[0] - radius) - 1)
        y0 = max(0, math.floor(vertex[1] - radius) - 1)
        x1 = min(canvas.width_px, math.ceil(vertex[0] + radius) + 2)
        y1 = min(canvas.height_px, math.ceil(vertex[1] + radius) + 2)
        if x0 >= x1 or y0 >= y1:
            return
        roi = canvas.scene[y0:y1, x0:x1]
        layer = roi.copy()
        local = (vertex[0] - x0, vertex[1] - y0)
        sector = np.concatenate([[local], _arc_points(local, radius, start, end)])
        cv2.fillPoly(layer, [_fixed_poly(sector)], colour, cv2.LINE_AA, _SHIFT)
        cv2.addWeighted(layer, 0.35, roi, 0.65, 0, dst=roi)


@dataclass(frozen=True)
class _PendingLabel:
    """A label to place `gap_px` away from `origin`, preferably along `direction`."""

    origin: Point
    gap_px: float
    direction: tuple[float, float]  # unit vector
    text: str
    colour: BGR


# Tried in order: the preferred side, then turned further and further away from it, each
# first close to the joint and then a little further out.
_LABEL_TURNS_RAD = np.repeat(np.radians([0.0, 40.0, -40.0, 80.0, -80.0, 125.0, -125.0, 180.0]), 2)
_LABEL_TURN_COS = _constant(np.cos(_LABEL_TURNS_RAD))
_LABEL_TURN_SIN = _constant(np.sin(_LABEL_TURNS_RAD))
_LABEL_REACH = _constant(np.tile([1.0, 1.8], 8))


def _place_labels(
    canvas: _Canvas, body: _ScenePose, labels: Sequence[_PendingLabel], extra_obstacles: Sequence[FloatArray]
) -> None:
    """Put each label on the first side (of a few) where it hides no limb and no other label."""
    if not labels:
        return
    size = canvas.font(canvas.style.label_font_px)
    px, py = np.concatenate([body.obstacle_points(), *extra_obstacles]).T
    placed: list[tuple[float, float, float, float]] = []  # boxes of the labels drawn so far
    margin = canvas.px(4)
    h = 1.45 * size
    for label in labels:
        w = canvas.text_width(label.text, size, True) + 0.9 * size
        # All candidate centres at once: the preferred direction turned by each angle.
        dx = _LABEL_TURN_COS * label.direction[0] - _LABEL_TURN_SIN * label.direction[1]
        dy = _LABEL_TURN_SIN * label.direction[0] + _LABEL_TURN_COS * label.direction[1]
        reach = label.gap_px * _LABEL_REACH + np.abs(dx) * w / 2 + np.abs(dy) * h / 2
        cx = np.clip(label.origin[0] + dx * reach, w / 2 + margin, canvas.width_px - w / 2 - margin)
        cy = np.clip(label.origin[1] + dy * reach, h / 2 + margin, canvas.height_px - h / 2 - margin)
        x0, x1 = (cx - w / 2 - margin)[:, None], (cx + w / 2 + margin)[:, None]
        y0, y1 = (cy - h / 2 - margin)[:, None], (cy + h / 2 + margin)[:, None]
        covered = ((px > x0) & (px < x1) & (py > y0) & (py < y1)).sum(axis=1)
        # Hiding another label is worst, hiding the body next; otherwise keep the preferred side.
        cost = 4.0 * covered + np.arange(len(cx))
        if placed:  # (the first label has no other to hide)
            boxes = np.array(placed)
            overlaps = (
                (x0 < boxes[:, 2]) & (boxes[:, 0] < x1) & (y0 < boxes[:, 3]) & (boxes[:, 1] < y1)
            ).sum(axis=1)
            cost = 100.0 * overlaps + cost
        best = int(np.argmin(cost))
        center = (float(cx[best]), float(cy[best]))
        placed.append((center[0] - w / 2, center[1] - h / 2, center[0] + w / 2, center[1] + h / 2))
        _pill(canvas, center, w, h, label.text, label.colour, size)


def _pill(canvas: _Canvas, center: Point, w: float, h: float, text: str, colour: BGR, size_px: int) -> None:
    """Text on a solid pill in the verdict colour with a dark rim for contrast on any floor."""
    cx, cy = center
    rim = canvas.px(2.0, 1)
    canvas.panel(
        cx - w / 2 - rim, cy - h / 2 - rim, cx + w / 2 + rim, cy + h / 2 + rim, canvas.palette.shadow, 1.0, h
    )
    canvas.panel(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, colour, 1.0, h)
    canvas.text_centered(text, (cx, cy), _ink_on(colour, canvas.palette), size_px, True)


def _ink_on(background: BGR, palette: Palette) -> BGR:
    """Dark text on light fills (amber, green), white on dark ones."""
    b, g, r = background
    luma = 0.114 * b + 0.587 * g + 0.299 * r
    return palette.shadow if luma > 150 else palette.text


def _cue_colour(palette: Palette, cue: Cue) -> BGR:
    """A correction in its rule's severity colour: an advisory one never in the critical red."""
    if cue.kind == "correction" and cue.severity is Severity.ADVISORY:
        return palette.advisory
    return {
        "correction": palette.critical,
        "confirmation": palette.good,
        "visibility": palette.caution,
        "entry": palette.caution,
    }.get(cue.kind, palette.calm)


def _cue_focus(cue: Cue) -> tuple[str, ...]:
    """Landmarks to ring: three names are an angle (a, vertex, c) whose body part is the vertex."""
    return (cue.landmarks[1],) if len(cue.landmarks) == 3 else cue.landmarks


def _cue_is_uncertain(cue: Cue) -> bool:
    # Visibility / entry cues are about joints the model cannot see well.
    return cue.kind in ("visibility", "entry")


class CueMarkerAnnotator:
    """A ring around the body part the current cue is about, in the cue's colour.

    Solid for a measured joint; dashed at the model's guess for a joint it cannot see.
    """

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        cue, pose = result.cue, result.pose
        if cue is None or pose is None or not cue.landmarks:
            return scene_bgr
        if cue.kind == "correction" and not result.in_pose:
            # A correction still on the banner (it stays its minimum time) after the person
            # left the pose: no fault is drawn on the body out of the pose.
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        body = _scene_pose(pose, scale, mirror, canvas.width_px, self.style.min_visibility)
        colour = _cue_colour(self.style.palette, cue)
        uncertain = _cue_is_uncertain(cue)
        radius = canvas.px(self.style.cue_ring_radius_px, 6)
        width = canvas.px(4.0, 2)
        outline = canvas.px(2.0, 1)
        for name in _cue_focus(cue):
            center = body.point(name, require_visible=not uncertain)
            if center is None:
                continue
            canvas.ring(center, radius, width + 2 * outline, canvas.palette.shadow)
            if uncertain:
                canvas.dashed_ring(center, radius, width, colour)
            else:
                canvas.ring(center, radius, width, colour)
                canvas.ring(center, radius + 2 * width, max(1, width // 2), colour)
        return scene_bgr


class CueAnnotator:
    """The current cue in large text on a translucent banner across the top (at most 2 lines)."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        cue = result.cue
        if cue is None or not cue.text.strip():
            return scene_bgr
        self._banner(_Canvas(scene_bgr, self.style), cue.text, _cue_colour(self.style.palette, cue))
        return scene_bgr

    def _banner(self, canvas: _Canvas, text: str, colour: BGR) -> None:
        accent_w = canvas.px(10, 3)
        pad_x = canvas.px(22, 4)
        pad_y = canvas.px(14, 3)
        max_text_w = canvas.width_px - accent_w - 2 * pad_x
        size = canvas.font(self.style.banner_font_px, 12)
        lines = _wrap(canvas, text, size, True, max_text_w)
        if len(lines) > 2:
            # Shrink a little before giving up words: a cue must be read whole.
            size = canvas.font(self.style.banner_font_px * 0.8, 12)
            lines = _wrap(canvas, text, size, True, max_text_w)
        if len(lines) > 2:
            lines = [lines[0], _ellipsize(canvas, " ".join(lines[1:]), size, True, max_text_w)]
        lines = [_ellipsize(canvas, line, size, True, max_text_w) for line in lines]
        line_h = 1.3 * size
        height = 2 * pad_y + line_h * len(lines)
        canvas.panel(0, 0, canvas.width_px, height, canvas.palette.panel, self.style.panel_alpha)
        cv2.rectangle(canvas.scene, (0, 0), (accent_w - 1, math.ceil(height) - 1), colour, -1)
        for i, line in enumerate(lines):
            center_y = pad_y + line_h * (i + 0.5)
            canvas.text(line, accent_w + pad_x, center_y + 0.36 * size, canvas.palette.text, size, True)


class HoldTimerAnnotator:
    """The hold timer as a progress ring with seconds and side, in the bottom-right corner."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def state_colour(self, state: HoldState) -> BGR:
        palette = self.style.palette
        return {
            HoldState.WAITING: palette.unknown,
            HoldState.HOLDING: palette.good,
            HoldState.PAUSED: palette.caution,
            HoldState.DONE: palette.good,
        }[state]

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        main = result.hold or (result.holds[0] if result.holds else None)
        if main is None:
            return scene_bgr
        others = [h for h in result.holds if h.side != main.side]
        canvas = _Canvas(scene_bgr, self.style)
        palette = self.style.palette
        colour = self.state_colour(main.state)

        ring_w = canvas.px(9, 3)
        pad = canvas.px(14, 3)
        gap = canvas.px(16, 3)
        number_text, number_size = _whole_seconds(main.held_s), canvas.font(36)
        target_text, target_size = f"/ {_fmt_seconds(main.target_s)} s", canvas.font(16)
        # The ring grows to hold its text when the font minimum outgrows a tiny scene.
        block_w = max(
            canvas.text_width(number_text, number_size, True),
            canvas.text_width(target_text, target_size, True),
        )
        block_h = 0.72 * number_size + 0.3 * number_size + 0.72 * target_size
        ring_r = max(canvas.px(self.style.hold_ring_radius_px, 12), math.hypot(block_w, block_h) / 2 + ring_w)
        side_size = canvas.font(24)
        state_size = canvas.font(22)
        other_size = canvas.font(self.style.small_font_px)
        side_text = main.side.upper() if main.side in ("left", "right") else "HOLD"
        state_text = main.state.value
        other_texts = [self._other_text(h) for h in others]
        check_w = other_size  # room for the drawn tick after a finished side
        column_w = max(
            canvas.text_width(side_text, side_size, True),
            canvas.text_width(state_text, state_size, True),
            *(canvas.text_width(t, other_size, True) + check_w for t in other_texts),
        )
        column_h = 1.25 * side_size + 1.25 * state_size + 1.35 * other_size * len(other_texts)
        center = _ring_card(canvas, self.style, palette, ring_r, ring_w, pad, gap, column_w, column_h)
        fraction = 1.0 if main.state == HoldState.DONE else _fraction(main)
        canvas.ring(center, ring_r, ring_w, palette.track)
        if fraction > 0:
            canvas.ring(center, ring_r, ring_w, colour, -90, -90 + 360 * fraction, round_caps=True)
        if main.state == HoldState.DONE:
            canvas.check_mark(center, ring_r * 0.9, colour, canvas.px(8, 2))
        else:
            top = center[1] - block_h / 2
            number_center = (center[0], top + 0.36 * number_size)
            canvas.text_centered(number_text, number_center, palette.text, number_size, True)
            target_center = (center[0], top + block_h - 0.36 * target_size)
            canvas.text_centered(target_text, target_center, palette.text_dim, target_size, True)

        x_col = center[0] + ring_r + ring_w / 2 + gap
        y = center[1] - column_h / 2
        canvas.text(side_text, x_col, y + side_size, palette.text, side_size, True)
        y += 1.25 * side_size
        canvas.text(state_text, x_col, y + state_size, colour, state_size, True)
        y += 1.25 * state_size
        for hold, text in zip(others, other_texts, strict=True):
            baseline = y + 1.2 * other_size
            other_colour = self.state_colour(hold.state)
            canvas.text(text, x_col, baseline, other_colour, other_size, True)
            if hold.state == HoldState.DONE:
                tick_x = x_col + canvas.text_width(text, other_size, True) + check_w * 0.6
                tick_center = (tick_x, baseline - 0.36 * other_size)
                canvas.check_mark(tick_center, other_size * 0.7, other_colour, canvas.px(3, 1))
            y += 1.35 * other_size
        return scene_bgr

    @staticmethod
    def _other_text(hold: HoldStatus) -> str:
        side = hold.side[:1].upper() if hold.side in ("left", "right") else hold.side.upper()
        held = _fmt_seconds(hold.target_s) if hold.state == HoldState.DONE else _whole_seconds(hold.held_s)
        return f"{side} {held}/{_fmt_seconds(hold.target_s)}"


class RepCounterAnnotator:
    """Reps mode, in place of the hold ring: a ring of reps done / target, the side, the phase."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        reps = result.reps
        if reps is None:
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        palette = self.style.palette
        side = reps.side if reps.side in reps.counts else next(iter(reps.counts), None)
        count = reps.counts.get(side or "", 0)
        done = count >= reps.target
        colour = (
            palette.good if (done or reps.counted_now) else (palette.calm if reps.phase else palette.unknown)
        )

        ring_w = canvas.px(9, 3)
        pad = canvas.px(14, 3)
        gap = canvas.px(16, 3)
        number_text, number_size = str(count), canvas.font(36)
        target_text, target_size = f"/ {reps.target}", canvas.font(16)
        block_w = max(
            canvas.text_width(number_text, number_size, True),
            canvas.text_width(target_text, target_size, True),
        )
        block_h = 0.72 * number_size + 0.3 * number_size + 0.72 * target_size
        ring_r = max(canvas.px(self.style.hold_ring_radius_px, 12), math.hypot(block_w, block_h) / 2 + ring_w)
        title_size = canvas.font(24)
        phase_size = canvas.font(22)
        other_size = canvas.font(self.style.small_font_px)
        title = f"{side.upper()} REPS" if side in ("left", "right") else "REPS"
        phase_text = reps.phase_label or "get into position"
        others = [f"{s[:1].upper()} {n}/{reps.target}" for s, n in reps.counts.items() if s != side]
        max_column_w = canvas.width_px * 0.45
        phase_text = _ellipsize(canvas, phase_text, phase_size, True, max_column_w)
        column_w = max(
            canvas.text_width(title, title_size, True),
            canvas.text_width(phase_text, phase_size, True),
            *(canvas.text_width(t, other_size, True) for t in others),
        )
        column_h = 1.25 * title_size + 1.25 * phase_size + 1.35 * other_size * len(others)
        center = _ring_card(canvas, self.style, palette, ring_r, ring_w, pad, gap, column_w, column_h)
        fraction = min(1.0, count / reps.target) if reps.target else 0.0
        canvas.ring(center, ring_r, ring_w, palette.track)
        if fraction > 0:
            canvas.ring(center, ring_r, ring_w, palette.good, -90, -90 + 360 * fraction, round_caps=True)
        if done:
            canvas.check_mark(center, ring_r * 0.9, palette.good, canvas.px(8, 2))
        else:
            top = center[1] - block_h / 2
            canvas.text_centered(
                number_text, (center[0], top + 0.36 * number_size), palette.text, number_size, True
            )
            target_center = (center[0], top + block_h - 0.36 * target_size)
            canvas.text_centered(target_text, target_center, palette.text_dim, target_size, True)

        x_col = center[0] + ring_r + ring_w / 2 + gap
        y = center[1] - column_h / 2
        canvas.text(title, x_col, y + title_size, palette.text, title_size, True)
        y += 1.25 * title_size
        canvas.text(phase_text, x_col, y + phase_size, colour, phase_size, True)
        y += 1.25 * phase_size
        for text in others:
            canvas.text(text, x_col, y + 1.2 * other_size, palette.text_dim, other_size, True)
            y += 1.35 * other_size
        return scene_bgr


def _whole_seconds(seconds: float) -> str:
    """Seconds as a clock shows them: counted up in whole seconds, never negative."""
    return f"{math.floor(max(0.0, seconds))}" if math.isfinite(seconds) else "–"


def _ring_card(
    canvas: _Canvas,
    style: OverlayStyle,
    palette: Palette,
    ring_r: float,
    ring_w: float,
    pad: float,
    gap: float,
    column_w: float,
    column_h: float,
) -> tuple[float, float]:
    """Lay out and draw the bottom-right card (a progress ring beside a text column);
    returns the ring's centre."""
    inner_h = max(2 * ring_r + ring_w, column_h)
    card_w = 2 * pad + 2 * ring_r + ring_w + gap + column_w
    card_h = 2 * pad + inner_h
    margin = canvas.px(style.margin_px, 2)
    x1, y1 = canvas.width_px - margin, canvas.height_px - margin
    x0, y0 = x1 - card_w, y1 - card_h
    canvas.panel(x0, y0, x1, y1, palette.panel, style.panel_alpha, canvas.px(18))
    return (x0 + pad + ring_r + ring_w / 2, y0 + card_h / 2)


def _fraction(hold: HoldStatus) -> float:
    if not (hold.target_s > 0 and math.isfinite(hold.held_s)):
        return 0.0
    return min(1.0, max(0.0, hold.held_s / hold.target_s))


class NoPersonAnnotator:
    """A centred card when the model found nobody, instead of an empty skeleton."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(
        self, scene_bgr: ImageBGR, result: FrameResult, scale: float = 1.0, mirror: bool = False
    ) -> ImageBGR:
        if result.pose is not None:
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        palette = self.style.palette
        title, hint = "No person found", "Step into view"
        title_size = canvas.font(40, 12)
        hint_size = canvas.font(28, 10)
        icon_r = canvas.px(22, 4)  # head radius of the person glyph
        pad = canvas.px(26, 4)
        text_w = max(canvas.text_width(title, title_size, True), canvas.text_width(hint, hint_size, True))
        w = min(canvas.width_px - 2 * canvas.px(8), text_w + 2 * pad)
        h = 2 * pad + 4.4 * icon_r + 1.3 * title_size + 1.3 * hint_size
        cx, cy = canvas.width_px / 2, canvas.height_px / 2
        canvas.panel(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, palette.panel, 0.72, canvas.px(20))

        top = cy - h / 2 + pad
        head = (cx, top + icon_r)
        canvas.ring(head, icon_r, canvas.px(4, 1), palette.caution)
        shoulders_y = top + 4.0 * icon_r
        canvas.ring((cx, shoulders_y), 1.6 * icon_r, canvas.px(4, 1), palette.caution, 180, 360, True)
        y = shoulders_y + 0.3 * icon_r + 1.3 * title_size / 2
        canvas.text_centered(
            _ellipsize(canvas, title, title_size, True, w), (cx, y), palette.text, title_size, True
        )
        y += 0.65 * title_size + 0.65 * hint_size
        canvas.text_centered(
            _ellipsize(canvas, hint, hint_size, False, w), (cx, y), palette.text_dim, hint_size
        )
        return scene_bgr


class StatusTextAnnotator:
    """Small status lines (FPS, key help) bottom-left on a translucent panel."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(self, scene_bgr: ImageBGR, lines: Iterable[str]) -> ImageBGR:
        texts = [line for line in lines if line]
        if not texts:
            return scene_bgr
        canvas = _Canvas(scene_bgr, self.style)
        size = canvas.font(self.style.small_font_px)
        pad = canvas.px(10, 2)
        margin = canvas.px(self.style.margin_px, 2)
        line_h = 1.35 * size
        max_w = canvas.width_px / 2 - margin - 2 * pad  # leave the right half to the hold card
        texts = [_ellipsize(canvas, t, size, False, max_w) for t in texts]
        w = max(canvas.text_width(t, size) for t in texts) + 2 * pad
        h = line_h * len(texts) + 2 * pad
        x0, y1 = margin, canvas.height_px - margin
        canvas.panel(x0, y1 - h, x0 + w, y1, self.style.palette.panel, 0.55, canvas.px(8))
        for i, text in enumerate(texts):
            center_y = y1 - h + pad + line_h * (i + 0.5)
            canvas.text(text, x0 + pad, center_y + 0.36 * size, self.style.palette.text_dim, size)
        return scene_bgr


class Overlay:
    """Every annotator in drawing order: the one call the renderer and live window make."""

    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()
        self.skeleton = SkeletonAnnotator(self.style)
        self.cue_marker = CueMarkerAnnotator(self.style)
        self.angles = AngleAnnotator(self.style)
        self.no_person = NoPersonAnnotator(self.style)
        self.hold_timer = HoldTimerAnnotator(self.style)
        self.rep_counter = RepCounterAnnotator(self.style)
        self.cue = CueAnnotator(self.style)
        self.status = StatusTextAnnotator(self.style)

    def draw(
        self,
        scene_bgr: ImageBGR,
        result: FrameResult,
        mirror: bool = False,
        extra_lines: Sequence[str] = (),
    ) -> ImageBGR:
        """Draw `result` onto `scene_bgr` in place and return it.

        `scene_bgr` is the (possibly resized) picture the pose came from; with
        `mirror` it has already been flipped left-right for a selfie view.
        """
        scale = pose_scale(result.pose, scene_bgr) if result.pose is not None else 1.0
        self.skeleton.annotate(scene_bgr, result, scale, mirror)
        self.cue_marker.annotate(scene_bgr, result, scale, mirror)
        self.angles.annotate(scene_bgr, result, scale, mirror)
        self.no_person.annotate(scene_bgr, result, scale, mirror)
        if result.reps is not None:
            self.rep_counter.annotate(scene_bgr, result, scale, mirror)
        else:
            self.hold_timer.annotate(scene_bgr, result, scale, mirror)
        self.cue.annotate(scene_bgr, result, scale, mirror)
        self.status.annotate(scene_bgr, extra_lines)
        return scene_bgr
