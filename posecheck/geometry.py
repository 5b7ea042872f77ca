"""Angle and offset maths on landmark coordinates: numpy only, NaN in -> NaN out, never an exception.

Infinite or overflowing coordinates count as missing too: every function returns a
finite number or NaN, and none lets a numpy RuntimeWarning escape.

Image coordinates have y pointing down; "up" is therefore (0, -1).
`facing` is +1 when the person faces image-right, -1 when image-left.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import ParamSpec

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float64]

_EPS = 1e-9

_P = ParamSpec("_P")


def vector_length(v: Vector) -> float:
    """Euclidean length of a vector: what np.linalg.norm computes (sqrt of the dot product, the
    same rounding), without its per-call checks; a frame's measurements take many lengths."""
    flat = v.ravel()
    return math.sqrt(flat.dot(flat))


def _finite_or_nan(function: Callable[_P, float]) -> Callable[_P, float]:
    """Run without numpy floating-point warnings and turn an infinite result into NaN.

    inf - inf, inf * 0 and overflowing squares are expected on garbage coordinates;
    the NaN they produce already says "not measurable", so the warning is noise.
    """

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> float:
        with np.errstate(all="ignore"):
            value = function(*args, **kwargs)
        return value if math.isfinite(value) else math.nan

    return wrapper


@_finite_or_nan
def joint_angle_deg(a: Vector, vertex: Vector, c: Vector) -> float:
    """Angle a-vertex-c in degrees (0..180), in 2D or 3D; NaN if a segment has no length."""
    u = np.asarray(a, dtype=np.float64) - vertex
    v = np.asarray(c, dtype=np.float64) - vertex
    norm_uv = vector_length(u) * vector_length(v)
    if not math.isfinite(norm_uv) or norm_uv < _EPS:
        return math.nan
    cosine = float(np.dot(u, v)) / norm_uv
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


@_finite_or_nan
def direction_deg(start: Vector, end: Vector, *, reference: str, facing: int) -> float:
    """Direction of the segment start->end in the image plane, in degrees.

    reference "vertical": 0 = pointing straight up, +90 = pointing the way the
    person faces, -90 = pointing behind them, +-180 = straight down.
    reference "horizontal": 0 = pointing the way the person faces, +90 = up, -90 = down.
    With facing == 0 (front view, or facing unknown) the image's right counts as forward.
    """
    dx = float(end[0] - start[0]) * (facing if facing else 1)
    up = -float(end[1] - start[1])
    if not (math.isfinite(dx) and math.isfinite(up)) or math.hypot(dx, up) < _EPS:
        return math.nan
    if reference == "vertical":
        return math.degrees(math.atan2(dx, up))
    if reference == "horizontal":
        return math.degrees(math.atan2(up, dx))
    raise ValueError(f"unknown reference {reference!r}")


@_finite_or_nan
def inclination_deg(start: Vector, end: Vector, *, reference: str) -> float:
    """Unsigned angle between the line start-end and the vertical/horizontal (0..90 degrees)."""
    dx = abs(float(end[0] - start[0]))
    dy = abs(float(end[1] - start[1]))
    if not (math.isfinite(dx) and math.isfinite(dy)) or math.hypot(dx, dy) < _EPS:
        return math.nan
    if reference == "vertical":
        return math.degrees(math.atan2(dx, dy))
    if reference == "horizontal":
        return math.degrees(math.atan2(dy, dx))
    raise ValueError(f"unknown reference {reference!r}")


@_finite_or_nan
def forward_offset(
    origin: Vector, target: Vector, length_a: Vector, length_b: Vector, *, facing: int
) -> float:
    """How far `target` lies ahead of `origin` along the facing direction, in body lengths.

    The body length is the distance length_a-length_b (e.g. the thigh), so the
    value does not depend on how far the person stands from the camera.
    Positive = ahead (e.g. knee past the ankle). NaN if facing is unknown.
    """
    if facing == 0:
        return math.nan
    length = vector_length(np.asarray(length_b, dtype=np.float64) - length_a)
    if not math.isfinite(length) or length < _EPS:
        return math.nan
    return float(target[0] - origin[0]) * facing / length


@_finite_or_nan
def vertical_offset(origin: Vector, target: Vector, length_a: Vector, length_b: Vector) -> float:
    """How far `target` lies above `origin`, in body lengths (positive = higher in the picture)."""
    length = vector_length(np.asarray(length_b, dtype=np.float64) - length_a)
    if not math.isfinite(length) or length < _EPS:
        return math.nan
    return -float(target[1] - origin[1]) / length


@_finite_or_nan
def segment_angle_deg(a0: Vector, a1: Vector, b0: Vector, b1: Vector) -> float:
    """Angle between the directions a0->a1 and b0->b1 (0..180 degrees), in 2D or 3D."""
    u = np.asarray(a1, dtype=np.float64) - a0
    v = np.asarray(b1, dtype=np.float64) - b0
    norm_uv = vector_length(u) * vector_length(v)
    if not math.isfinite(norm_uv) or norm_uv < _EPS:
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / norm_uv))))


@_finite_or_nan
def along_offset(
    origin: Vector, target: Vector, axis_from: Vector, axis_to: Vector, length_a: Vector, length_b: Vector
) -> float:
    """How far `target` lies from `origin` in the direction axis_from->axis_to, in body lengths.

    Works in 2D or 3D (MediaPipe's metric world estimate): e.g. with the axis from the right
    hip to the left hip, positive = towards the person's left, whichever way they face.
    """
    axis = np.asarray(axis_to, dtype=np.float64) - axis_from
    axis_len = vector_length(axis)
    length = vector_length(np.asarray(length_b, dtype=np.float64) - length_a)
    if not (math.isfinite(axis_len) and math.isfinite(length)) or axis_len < _EPS or length < _EPS:
        return math.nan
    return float(np.dot(np.asarray(target, dtype=np.float64) - origin, axis / axis_len)) / length


@_finite_or_nan
def distance_ratio(a: Vector, b: Vector, length_a: Vector, length_b: Vector) -> float:
    """Distance a-b divided by the distance length_a-length_b, in 2D or 3D; NaN if that is zero."""
    length = vector_length(np.asarray(length_b, dtype=np.float64) - length_a)
    if not math.isfinite(length) or length < _EPS:
        return math.nan
    return vector_length(np.asarray(b, dtype=np.float64) - a) / length


@_finite_or_nan
def inclination_3d_deg(start: Vector, end: Vector, *, reference: str) -> float:
    """Unsigned angle between a 3D segment and the vertical (y axis) or the horizontal plane, 0..90."""
    v = np.asarray(end, dtype=np.float64) - start
    length = vector_length(v)
    if not math.isfinite(length) or length < _EPS:
        return math.nan
    from_horizontal = math.degrees(math.asin(min(1.0, abs(float(v[1])) / length)))
    if reference == "horizontal":
        return from_horizontal
    if reference == "vertical":
        return 90.0 - from_horizontal
    raise ValueError(f"unknown reference {reference!r}")
