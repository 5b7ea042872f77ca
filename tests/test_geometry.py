"""Angle and offset maths: known answers, sign conventions, and NaN (never an exception) on bad input.

Image coordinates: x right, y down, so "up" is (0, -1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import pytest

from posecheck import geometry

NAN = math.nan
INF = math.inf


def p(*coords: float) -> np.ndarray:
    return np.array(coords, dtype=np.float64)


def _close(got: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(got)
    return got == pytest.approx(expected, abs=1e-9)


# --- joint_angle_deg -------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "vertex", "c", "expected_deg"),
    [
        pytest.param(p(1, 0), p(0, 0), p(0, 1), 90.0, id="right-angle-2d"),
        pytest.param(p(-1, 0), p(0, 0), p(1, 0), 180.0, id="straight-2d"),
        pytest.param(p(1, 0), p(0, 0), p(1, 1), 45.0, id="45-2d"),
        pytest.param(p(1, 0), p(0, 0), p(2, 0), 0.0, id="folded-2d"),
        pytest.param(p(1, 0), p(0, 0), p(-1, math.sqrt(3)), 120.0, id="120-2d"),
        pytest.param(p(11, 5), p(10, 5), p(10, 9), 90.0, id="right-angle-away-from-origin"),
        pytest.param(p(300, 100), p(300, 300), p(500, 300), 90.0, id="right-angle-pixels"),
        pytest.param(p(1, 0, 0), p(0, 0, 0), p(0, 0, 1), 90.0, id="right-angle-3d-xz"),
        pytest.param(p(1, 1, 0), p(0, 0, 0), p(0, 0, 1), 90.0, id="right-angle-3d-oblique"),
        pytest.param(
            p(1, 0, 0), p(0, 0, 0), p(1, 1, 1), math.degrees(math.acos(1 / math.sqrt(3))), id="3d-cube"
        ),
        pytest.param(p(0, 0, 2), p(0, 0, 0), p(0, 0, -5), 180.0, id="straight-3d"),
        pytest.param(p(1, 0), p(0, 0), p(3, 3), 45.0, id="lengths-do-not-matter"),
    ],
)
def test_joint_angle_known_values(
    a: np.ndarray, vertex: np.ndarray, c: np.ndarray, expected_deg: float
) -> None:
    assert geometry.joint_angle_deg(a, vertex, c) == pytest.approx(expected_deg, abs=1e-9)
    # The angle does not depend on which arm is named first.
    assert geometry.joint_angle_deg(c, vertex, a) == pytest.approx(expected_deg, abs=1e-9)


@pytest.mark.parametrize(
    ("a", "vertex", "c"),
    [
        pytest.param(p(0, 0), p(0, 0), p(1, 0), id="first-segment-zero-length"),
        pytest.param(p(1, 0), p(0, 0), p(0, 0), id="second-segment-zero-length"),
        pytest.param(p(5, 5), p(5, 5), p(5, 5), id="all-points-equal"),
        pytest.param(p(NAN, 0), p(0, 0), p(1, 0), id="nan-in-a"),
        pytest.param(p(1, 0), p(0, NAN), p(1, 1), id="nan-in-vertex"),
        pytest.param(p(1, 0), p(0, 0), p(NAN, NAN), id="nan-in-c"),
        pytest.param(p(INF, 0), p(0, 0), p(1, 0), id="inf-in-a"),
        pytest.param(p(1, 0, NAN), p(0, 0, 0), p(0, 1, 0), id="nan-z-3d"),
        pytest.param(p(0, 0, 0), p(0, 0, 0), p(0, 1, 0), id="zero-length-3d"),
    ],
)
def test_joint_angle_degenerate_is_nan(a: np.ndarray, vertex: np.ndarray, c: np.ndarray) -> None:
    assert math.isnan(geometry.joint_angle_deg(a, vertex, c))


def test_joint_angle_stays_in_range_when_rounding_pushes_cosine_past_one() -> None:
    # Nearly parallel arms: the computed cosine can exceed 1 by an ulp; acos must not raise.
    a = p(1e8, 1.0)
    c = p(1e8 + 1, 1.0 + 1e-8)
    angle = geometry.joint_angle_deg(a, p(0, 0), c)
    assert 0.0 <= angle < 1e-6


# --- direction_deg --------------------------------------------------------------

# Start at the origin; the end point goes in each compass direction of the picture.
UP, DOWN, RIGHT, LEFT = p(0, -10), p(0, 10), p(10, 0), p(-10, 0)
UP_RIGHT = p(10, -10)
DOWN_LEFT = p(-10, 10)
ORIGIN = p(0, 0)


@pytest.mark.parametrize(
    ("end", "reference", "facing", "expected_deg"),
    [
        # reference vertical: 0 = up, +90 = the way the person faces, -90 = behind, 180 = down
        pytest.param(UP, "vertical", 1, 0.0, id="vertical-up-facing-right"),
        pytest.param(UP, "vertical", -1, 0.0, id="vertical-up-facing-left"),
        pytest.param(RIGHT, "vertical", 1, 90.0, id="vertical-ahead-facing-right"),
        pytest.param(RIGHT, "vertical", -1, -90.0, id="vertical-behind-facing-left"),
        pytest.param(LEFT, "vertical", 1, -90.0, id="vertical-behind-facing-right"),
        pytest.param(LEFT, "vertical", -1, 90.0, id="vertical-ahead-facing-left"),
        pytest.param(UP_RIGHT, "vertical", 1, 45.0, id="vertical-lean-forward-facing-right"),
        pytest.param(UP_RIGHT, "vertical", -1, -45.0, id="vertical-lean-back-facing-left"),
        pytest.param(DOWN, "vertical", 1, 180.0, id="vertical-down"),
        pytest.param(DOWN, "vertical", -1, 180.0, id="vertical-down-facing-left"),
        pytest.param(DOWN_LEFT, "vertical", -1, 135.0, id="vertical-down-ahead-facing-left"),
        # facing 0 (front view / unknown): the picture's right counts as forward
        pytest.param(RIGHT, "vertical", 0, 90.0, id="vertical-facing-unknown-right-is-forward"),
        pytest.param(LEFT, "vertical", 0, -90.0, id="vertical-facing-unknown-left-is-back"),
        pytest.param(UP_RIGHT, "vertical", 0, 45.0, id="vertical-facing-unknown-diagonal"),
        # reference horizontal: 0 = forward, +90 = up, -90 = down
        pytest.param(RIGHT, "horizontal", 1, 0.0, id="horizontal-ahead-facing-right"),
        pytest.param(LEFT, "horizontal", -1, 0.0, id="horizontal-ahead-facing-left"),
        pytest.param(LEFT, "horizontal", 1, 180.0, id="horizontal-behind-facing-right"),
        pytest.param(UP, "horizontal", 1, 90.0, id="horizontal-up"),
        pytest.param(UP, "horizontal", -1, 90.0, id="horizontal-up-facing-left"),
        pytest.param(DOWN, "horizontal", 1, -90.0, id="horizontal-down"),
        pytest.param(UP_RIGHT, "horizontal", 1, 45.0, id="horizontal-rising-forward"),
        pytest.param(UP_RIGHT, "horizontal", -1, 135.0, id="horizontal-rising-backward-facing-left"),
        pytest.param(UP_RIGHT, "horizontal", 0, 45.0, id="horizontal-facing-unknown"),
    ],
)
def test_direction_deg_signs(end: np.ndarray, reference: str, facing: int, expected_deg: float) -> None:
    got = geometry.direction_deg(ORIGIN, end, reference=reference, facing=facing)
    if abs(expected_deg) == 180.0:
        # Straight down / straight behind sits on atan2's branch cut: +180 and -180 are the same direction.
        assert abs(got) == pytest.approx(180.0)
    else:
        assert got == pytest.approx(expected_deg, abs=1e-9)


def test_direction_deg_ignores_distance_and_position() -> None:
    near = geometry.direction_deg(p(0, 0), p(1, -1), reference="vertical", facing=1)
    far = geometry.direction_deg(p(500, 400), p(800, 100), reference="vertical", facing=1)
    assert near == pytest.approx(45.0) and far == pytest.approx(45.0)


@pytest.mark.parametrize(
    ("start", "end", "reference", "facing", "expected"),
    [
        pytest.param(p(3, 4), p(3, 4), "vertical", 1, NAN, id="zero-length"),
        pytest.param(p(3, 4), p(3, 4), "horizontal", 0, NAN, id="zero-length-facing-unknown"),
        pytest.param(p(NAN, 4), p(3, 0), "vertical", 1, NAN, id="nan-start-x"),
        pytest.param(p(0, 0), p(3, NAN), "horizontal", -1, NAN, id="nan-end-y"),
        pytest.param(p(0, 0), p(INF, 0), "vertical", 1, NAN, id="inf-end-x"),
        pytest.param(p(0, 0), p(0, -1), "sideways", 1, ValueError, id="unknown-reference-raises"),
        # The degenerate check comes first: no segment, no complaint about the reference.
        pytest.param(p(0, 0), p(0, 0), "sideways", 1, NAN, id="zero-length-unknown-reference"),
    ],
)
def test_direction_deg_degenerate(
    start: np.ndarray, end: np.ndarray, reference: str, facing: int, expected: float | type[Exception]
) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected, match="unknown reference"):
            geometry.direction_deg(start, end, reference=reference, facing=facing)
    else:
        assert _close(geometry.direction_deg(start, end, reference=reference, facing=facing), expected)


# --- inclination_deg ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "reference", "expected"),
    [
        pytest.param(ORIGIN, UP, "vertical", 0.0, id="vertical-up"),
        pytest.param(ORIGIN, DOWN, "vertical", 0.0, id="vertical-down-is-also-0"),
        pytest.param(ORIGIN, RIGHT, "vertical", 90.0, id="vertical-horizontal-segment"),
        pytest.param(ORIGIN, LEFT, "vertical", 90.0, id="vertical-horizontal-segment-left"),
        pytest.param(ORIGIN, UP_RIGHT, "vertical", 45.0, id="vertical-diagonal"),
        pytest.param(ORIGIN, DOWN_LEFT, "vertical", 45.0, id="vertical-diagonal-other-way"),
        pytest.param(ORIGIN, p(1, math.sqrt(3)), "vertical", 30.0, id="vertical-30"),
        pytest.param(ORIGIN, RIGHT, "horizontal", 0.0, id="horizontal-right"),
        pytest.param(ORIGIN, LEFT, "horizontal", 0.0, id="horizontal-left-is-also-0"),
        pytest.param(ORIGIN, UP, "horizontal", 90.0, id="horizontal-vertical-segment"),
        pytest.param(ORIGIN, p(math.sqrt(3), -1), "horizontal", 30.0, id="horizontal-30"),
        pytest.param(ORIGIN, ORIGIN, "vertical", NAN, id="zero-length"),
        pytest.param(p(NAN, NAN), UP, "horizontal", NAN, id="nan-start"),
        pytest.param(ORIGIN, p(0, INF), "vertical", NAN, id="inf-end"),
        pytest.param(ORIGIN, UP, "diagonal", ValueError, id="unknown-reference-raises"),
    ],
)
def test_inclination_deg(
    start: np.ndarray, end: np.ndarray, reference: str, expected: float | type[Exception]
) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected, match="unknown reference"):
            geometry.inclination_deg(start, end, reference=reference)
        return
    got = geometry.inclination_deg(start, end, reference=reference)
    assert _close(got, expected)
    # Unsigned: swapping the ends gives the same tilt.
    assert _close(geometry.inclination_deg(end, start, reference=reference), expected)


# --- forward_offset / vertical_offset -------------------------------------------

# A thigh 200 px long: the unit of length for the offsets below.
HIP, KNEE = p(100, 300), p(300, 300)


@pytest.mark.parametrize(
    ("origin", "target", "length_a", "length_b", "facing", "expected"),
    [
        pytest.param(p(500, 600), p(550, 400), HIP, KNEE, 1, 0.25, id="ahead-facing-right"),
        pytest.param(p(500, 600), p(450, 400), HIP, KNEE, 1, -0.25, id="behind-facing-right"),
        pytest.param(p(500, 600), p(450, 400), HIP, KNEE, -1, 0.25, id="ahead-facing-left"),
        pytest.param(p(500, 600), p(550, 400), HIP, KNEE, -1, -0.25, id="behind-facing-left"),
        pytest.param(p(500, 600), p(500, 100), HIP, KNEE, 1, 0.0, id="straight-above-is-0"),
        pytest.param(p(500, 600), p(700, 600), HIP, KNEE, 1, 1.0, id="one-thigh-ahead"),
        pytest.param(p(500, 600), p(700, 600), p(0, 0), p(120, 160), 1, 1.0, id="diagonal-unit-200"),
        pytest.param(p(500, 600), p(700, 600), KNEE, HIP, 1, 1.0, id="unit-direction-irrelevant"),
        pytest.param(p(500, 600), p(550, 400), HIP, KNEE, 0, NAN, id="facing-unknown"),
        pytest.param(p(500, 600), p(550, 400), HIP, HIP, 1, NAN, id="zero-length-unit"),
        pytest.param(p(500, 600), p(550, 400), p(NAN, 0), KNEE, 1, NAN, id="nan-unit"),
        pytest.param(p(NAN, 600), p(550, 400), HIP, KNEE, 1, NAN, id="nan-origin"),
        pytest.param(p(500, 600), p(NAN, NAN), HIP, KNEE, -1, NAN, id="nan-target"),
        pytest.param(p(500, 600), p(550, 400), p(INF, 0), KNEE, 1, NAN, id="inf-unit"),
    ],
)
def test_forward_offset(
    origin: np.ndarray,
    target: np.ndarray,
    length_a: np.ndarray,
    length_b: np.ndarray,
    facing: int,
    expected: float,
) -> None:
    assert _close(geometry.forward_offset(origin, target, length_a, length_b, facing=facing), expected)


@pytest.mark.parametrize("scale", [0.25, 1.0, 3.0])
def test_forward_offset_does_not_depend_on_distance_from_camera(scale: float) -> None:
    # The same body, nearer or further: every coordinate scaled about the origin.
    got = geometry.forward_offset(
        p(500, 600) * scale, p(550, 400) * scale, HIP * scale, KNEE * scale, facing=1
    )
    assert got == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("origin", "target", "length_a", "length_b", "expected"),
    [
        pytest.param(p(500, 600), p(500, 550), HIP, KNEE, 0.25, id="above-is-positive"),
        pytest.param(p(500, 600), p(500, 650), HIP, KNEE, -0.25, id="below-is-negative"),
        pytest.param(p(500, 600), p(900, 600), HIP, KNEE, 0.0, id="level-is-0"),
        pytest.param(p(500, 600), p(100, 400), HIP, KNEE, 1.0, id="one-thigh-higher-any-x"),
        pytest.param(p(500, 600), p(500, 550), p(0, 0), p(0, 50), 1.0, id="vertical-unit"),
        pytest.param(p(500, 600), p(500, 550), HIP, HIP, NAN, id="zero-length-unit"),
        pytest.param(p(500, NAN), p(500, 550), HIP, KNEE, NAN, id="nan-origin"),
        pytest.param(p(500, 600), p(500, 550), HIP, p(NAN, NAN), NAN, id="nan-unit"),
        pytest.param(p(500, 600), p(500, 550), HIP, p(0, INF), NAN, id="inf-unit"),
    ],
)
def test_vertical_offset(
    origin: np.ndarray, target: np.ndarray, length_a: np.ndarray, length_b: np.ndarray, expected: float
) -> None:
    assert _close(geometry.vertical_offset(origin, target, length_a, length_b), expected)


# --- segment_angle_deg ----------------------------------------------------------


@pytest.mark.parametrize(
    ("a0", "a1", "b0", "b1", "expected"),
    [
        pytest.param(p(0, 0), p(1, 0), p(5, 5), p(6, 5), 0.0, id="parallel-2d"),
        pytest.param(p(0, 0), p(1, 0), p(5, 5), p(4, 5), 180.0, id="antiparallel-2d"),
        pytest.param(p(0, 0), p(1, 0), p(5, 5), p(5, 9), 90.0, id="perpendicular-2d"),
        pytest.param(p(0, 0), p(2, 0), p(0, 0), p(1, 1), 45.0, id="45-2d"),
        pytest.param(p(0, 0), p(1, 0), p(3, 3), p(3 - 1, 3 + math.sqrt(3)), 120.0, id="120-2d"),
        # Shoulder line against hip line, seen from above: (x, z) pairs as the engine passes them.
        pytest.param(p(-0.1, 0.0), p(0.1, 0.0), p(-0.1, -0.1), p(0.1, 0.1), 45.0, id="twist-45-top-view"),
        pytest.param(p(0, 0, 0), p(1, 0, 0), p(0, 0, 0), p(0, 0, 1), 90.0, id="perpendicular-3d"),
        pytest.param(p(0, 0, 0), p(1, 1, 0), p(2, 2, 2), p(3, 3, 2), 0.0, id="parallel-3d"),
        pytest.param(p(0, 0), p(0, 0), p(0, 0), p(1, 0), NAN, id="first-zero-length"),
        pytest.param(p(0, 0), p(1, 0), p(2, 2), p(2, 2), NAN, id="second-zero-length"),
        pytest.param(p(0, 0), p(NAN, 0), p(0, 0), p(1, 0), NAN, id="nan"),
        pytest.param(p(0, 0, 0), p(1, 0, 0), p(0, 0, NAN), p(0, 1, 0), NAN, id="nan-3d"),
        pytest.param(p(0, 0), p(INF, 0), p(0, 0), p(1, 0), NAN, id="inf"),
    ],
)
def test_segment_angle_deg(
    a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray, expected: float
) -> None:
    # acos is ill-conditioned near 0 and 180: parallel segments come out ~1e-6 deg off, not exact.
    for got in (geometry.segment_angle_deg(a0, a1, b0, b1), geometry.segment_angle_deg(b0, b1, a0, a1)):
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(expected, abs=1e-5)


# --- never raise on bad numbers ---------------------------------------------------

# NaN is what the pipeline produces for a missing point; inf only from broken input, where
# numpy's own "invalid value" RuntimeWarning is acceptable but an exception is not.
_BAD_POINTS = [
    pytest.param(p(NAN, NAN), "raise", id="nan"),
    pytest.param(p(NAN, 0), "raise", id="half-nan"),
    pytest.param(p(0, 0), "raise", id="all-same-point"),
    pytest.param(p(INF, -INF), "ignore", id="inf"),
]

_ALL_FUNCTIONS: list[tuple[str, Callable[[np.ndarray], float]]] = [
    ("joint_angle", lambda bad: geometry.joint_angle_deg(bad, bad, bad)),
    ("direction_vertical", lambda bad: geometry.direction_deg(bad, bad, reference="vertical", facing=1)),
    ("direction_horizontal", lambda bad: geometry.direction_deg(bad, bad, reference="horizontal", facing=-1)),
    ("inclination", lambda bad: geometry.inclination_deg(bad, bad, reference="vertical")),
    ("forward_offset", lambda bad: geometry.forward_offset(bad, bad, bad, bad, facing=1)),
    ("vertical_offset", lambda bad: geometry.vertical_offset(bad, bad, bad, bad)),
    ("segment_angle", lambda bad: geometry.segment_angle_deg(bad, bad, bad, bad)),
]


@pytest.mark.parametrize(("name", "function"), _ALL_FUNCTIONS, ids=[n for n, _ in _ALL_FUNCTIONS])
@pytest.mark.parametrize(("bad", "numpy_errors"), _BAD_POINTS)
def test_degenerate_points_give_nan_and_never_raise(
    name: str,
    function: Callable[[np.ndarray], float],
    bad: np.ndarray,
    numpy_errors: Literal["raise", "ignore"],
) -> None:
    with np.errstate(all=numpy_errors):  # "raise": even a numpy warning would fail the test
        got = function(bad)
    assert isinstance(got, float)
    assert math.isnan(got), f"{name} gave {got}"
