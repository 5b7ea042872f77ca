"""The reference figure: a spec's good form drawn as a clean stick figure with its angles.

The session overlay draws it (the same skeleton, angle arcs and labels a person sees on
their own picture), in good-form green on a plain background, framed to the body, with
the stretch's name in the banner.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import OutputError
from posecheck.overlay import AngleAnnotator, CueAnnotator, OverlayStyle, SkeletonAnnotator
from posecheck.palette import Palette
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose
from posecheck.reference.poses import REFERENCE_POSES, ReferencePose, judge, judged_rules
from posecheck.report.moments import FormComparison, FormSnapshot
from posecheck.results import Cue, FrameResult, Verdict
from posecheck.spec.model import StretchSpec

ImageBGR = npt.NDArray[np.uint8]

BACKGROUND_BGR: Final = (56, 50, 38)  # deep slate, like a dim room: the overlay's colours read on it
FLOOR_BGR: Final = (96, 88, 74)
GOOD_FORM: Final = Palette(calm=(120, 205, 80))  # the body in a calm green; labels in the pass green


def render_reference_figure(
    ref: ReferencePose, spec: StretchSpec, size_wh: tuple[int, int] = (960, 720), *, title: str | None = None
) -> ImageBGR:
    """The figure as a BGR image of `size_wh`."""
    name = title or f"Good form: {spec.name}"
    if ref.phase:
        name += f" ({spec.phase(ref.phase).label})"
    return draw_figure(judge(ref, spec), name, size_wh, trunk_share=ref.body.trunk)


def draw_figure(
    result: FrameResult, title: str, size_wh: tuple[int, int] = (960, 720), *, trunk_share: float = 0.288
) -> ImageBGR:
    """A judged pose as a clean figure: the overlay's skeleton and angles, framed to the body.

    The same drawing serves the reference and a person's own pose from a recording (which
    holds no picture). `trunk_share` is the trunk's share of body height, for the head's size.
    """
    width, height = size_wh
    assert result.pose is not None
    style = OverlayStyle(palette=GOOD_FORM, reference_px=min(width, height))
    banner_px = 0.16 * height
    pose = _framed(result.pose, width, height, top_px=banner_px, margin_px=0.07 * min(width, height))
    scene = np.empty((height, width, 3), np.uint8)
    scene[:] = BACKGROUND_BGR
    floor_y = round(float(np.nanmax(pose.xy_px[pose.visibility >= 0.5, 1])) + 0.012 * height)
    cv2.line(scene, (0, floor_y), (width - 1, floor_y), FLOOR_BGR, max(2, height // 240), cv2.LINE_AA)
    shown = dataclasses.replace(result, pose=pose, cue=Cue(title, "confirmation"))
    _head(scene, pose, trunk_share, GOOD_FORM.calm, max(2, round(min(width, height) / 160)))
    SkeletonAnnotator(style).annotate(scene, shown)
    AngleAnnotator(style).annotate(scene, shown)
    CueAnnotator(style).annotate(scene, shown)
    return scene


def form_comparison(spec: StretchSpec, snapshot: FormSnapshot) -> FormComparison | None:
    """The report's comparison: the reference figure and the person's moment (None: no reference)."""
    figure = figure_for(spec)
    if figure is None:
        return None
    person = snapshot.jpeg
    result = snapshot.result
    if person is None and result is not None and result.pose is not None:
        person = _jpeg(draw_figure(result, "You", (640, 480)))
    return FormComparison(
        _jpeg(np.asarray(cv2.resize(figure, (640, 480), interpolation=cv2.INTER_AREA), np.uint8)),
        person,
        result.timestamp_s if result is not None else None,
        snapshot.good_form,
    )


def _jpeg(image: ImageBGR) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("cannot encode the figure as JPEG")
    return bytes(buffer)


def write_reference_figure(path: str | Path, ref: ReferencePose, spec: StretchSpec, **kwargs: object) -> Path:
    """Draw the figure and write it as PNG."""
    return write_figure(path, render_reference_figure(ref, spec, **kwargs))  # type: ignore[arg-type]


def write_figure(path: str | Path, image: ImageBGR) -> Path:
    """Write a figure as PNG."""
    target = Path(path)
    try:
        ok = cv2.imwrite(str(target), image)
    except cv2.error as exc:
        raise OutputError(f"Cannot write the reference figure {target}: {exc}.") from exc
    if not ok:
        raise OutputError(
            f"Cannot write the reference figure {target}: check that the folder exists and is writable."
        )
    return target


def _framed(pose: Pose, width: int, height: int, *, top_px: float, margin_px: float) -> Pose:
    """The pose moved and scaled so the body fills the picture below the banner."""
    seen = pose.visibility >= 0.5
    xy = pose.xy_px[seen]
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(high - low, 1.0)
    room = np.array([width - 2 * margin_px, height - top_px - 2 * margin_px])
    scale = float(min(room / span))
    centre_box = np.array([width / 2, top_px + margin_px + room[1] / 2])
    placed = (pose.xy_px - (low + high) / 2) * scale + centre_box
    return Pose(placed, pose.world_xyz_m, pose.visibility, (width, height))


def _head(
    scene: ImageBGR, pose: Pose, trunk_share: float, colour: tuple[int, int, int], width_px: int
) -> None:
    """The head as a ring with a neck line: the overlay draws no head (a camera picture shows it)."""
    idx = {
        n: LANDMARK_INDEX[n]
        for n in ("left_ear", "right_ear", "nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip")
    }
    xy = pose.xy_px
    ears = (xy[idx["left_ear"]] + xy[idx["right_ear"]]) / 2
    centre = ears + 0.35 * (xy[idx["nose"]] - ears)
    neck = (xy[idx["left_shoulder"]] + xy[idx["right_shoulder"]]) / 2
    hips = (xy[idx["left_hip"]] + xy[idx["right_hip"]]) / 2
    # Head radius from the body's own proportions: about 0.065 of height, torso 0.288.
    radius = float(np.linalg.norm(neck - hips)) * 0.05 / trunk_share
    towards = centre - neck
    length = float(np.linalg.norm(towards))
    shift = 8  # fixed-point bits for sub-pixel drawing
    if length > radius:
        end = centre - towards / length * radius
        cv2.line(scene, _fixed(neck, shift), _fixed(end, shift), colour, width_px, cv2.LINE_AA, shift)
    cv2.circle(
        scene,
        _fixed(centre, shift),
        round(radius * (1 << shift)),
        (25, 25, 25),
        width_px + 4,
        cv2.LINE_AA,
        shift,
    )
    cv2.circle(
        scene, _fixed(centre, shift), round(radius * (1 << shift)), colour, width_px + 1, cv2.LINE_AA, shift
    )


def _fixed(point: npt.NDArray[np.float64], shift: int) -> tuple[int, int]:
    return round(float(point[0]) * (1 << shift)), round(float(point[1]) * (1 << shift))


_INSETS: dict[tuple[str, int, int], ImageBGR | None] = {}


def figure_for(spec: StretchSpec, size_wh: tuple[int, int] = (960, 720)) -> ImageBGR | None:
    """The spec's reference figure, or None when it has none (a spec of one's own) or when its
    reference pose does not pass this version of the spec (an edited catalog spec).

    Kept per spec and size: the live window asks for it on every countdown frame.
    """
    key = (spec.model_dump_json(), *size_wh)
    if key not in _INSETS:
        _INSETS[key] = _checked_figure(spec, size_wh)
    return _INSETS[key]


def _checked_figure(spec: StretchSpec, size_wh: tuple[int, int]) -> ImageBGR | None:
    ref = REFERENCE_POSES.get(spec.id)
    if ref is None:
        return None
    result = judge(ref, spec)
    applying = set(judged_rules(spec, ref.phase))
    if not result.in_pose or any(
        c.verdict is not Verdict.PASS for c in result.checks if c.rule_id in applying
    ):
        return None
    return render_reference_figure(ref, spec, size_wh)


def paste_inset(
    scene: ImageBGR, figure: ImageBGR, *, width_share: float = 0.34, margin_px: int = 16
) -> ImageBGR:
    """Put `figure` at the top right of `scene`, under the banner (in place), a share of its width wide."""
    height, width = scene.shape[:2]
    inset_w = max(80, round(width * width_share))
    inset_h = round(inset_w * figure.shape[0] / figure.shape[1])
    # Below the cue banner (about an eighth of the height), so the countdown stays readable.
    y0 = margin_px + round(0.12 * height)
    if y0 + inset_h + margin_px > height or inset_w + 2 * margin_px > width:
        return scene
    small = cv2.resize(figure, (inset_w, inset_h), interpolation=cv2.INTER_AREA)
    x0 = width - inset_w - margin_px
    cv2.rectangle(
        scene, (x0 - 3, y0 - 3), (x0 + inset_w + 2, y0 + inset_h + 2), (90, 200, 40), 3, cv2.LINE_AA
    )
    scene[y0 : y0 + inset_h, x0 : x0 + inset_w] = small
    return scene
