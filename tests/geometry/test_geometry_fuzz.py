"""Property tests: geometry and the engine take any coordinates (NaN, inf, huge) without a numpy
warning or an exception, and answer with a finite number in range or NaN."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from posecheck import geometry
from posecheck.checks.engine import Engine
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose
from posecheck.spec import load_spec

REPO = Path(__file__).resolve().parents[2]

coordinates = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e4, 1e4),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, -1e300, 1.7e308, math.inf, -math.inf, math.nan]),
)


def points(dims: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, (dims,), elements=coordinates)


def _check(value: float, low: float, high: float) -> None:
    assert isinstance(value, float)
    assert math.isnan(value) or (math.isfinite(value) and low - 1e-9 <= value <= high + 1e-9), value


def _quietly(function: Callable[..., float], *args: Any, **kwargs: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        with np.errstate(all="raise"):  # ... and so would a floating-point error left unhandled
            return function(*args, **kwargs)


@given(dims=st.sampled_from([2, 3]), data=st.data())
def test_angles_between_three_points(dims: int, data: st.DataObject) -> None:
    a, b, c = (data.draw(points(dims)) for _ in range(3))
    _check(_quietly(geometry.joint_angle_deg, a, b, c), 0.0, 180.0)
    d = data.draw(points(dims))
    _check(_quietly(geometry.segment_angle_deg, a, b, c, d), 0.0, 180.0)
    _check(
        _quietly(geometry.inclination_3d_deg, a, b, reference="vertical") if dims == 3 else math.nan, 0, 90
    )


@given(
    a=points(2),
    b=points(2),
    facing=st.sampled_from([-1, 0, 1]),
    reference=st.sampled_from(["vertical", "horizontal"]),
)
def test_directions_and_inclinations(a: np.ndarray, b: np.ndarray, facing: int, reference: str) -> None:
    _check(_quietly(geometry.direction_deg, a, b, reference=reference, facing=facing), -180.0, 180.0)
    _check(_quietly(geometry.inclination_deg, a, b, reference=reference), 0.0, 90.0)


@given(dims=st.sampled_from([2, 3]), facing=st.sampled_from([-1, 0, 1]), data=st.data())
def test_offsets_and_ratios(dims: int, facing: int, data: st.DataObject) -> None:
    p = [data.draw(points(dims)) for _ in range(6)]
    big = math.inf
    _check(_quietly(geometry.forward_offset, p[0], p[1], p[2], p[3], facing=facing), -big, big)
    _check(_quietly(geometry.vertical_offset, p[0], p[1], p[2], p[3]), -big, big)
    _check(_quietly(geometry.along_offset, *p), -big, big)
    _check(_quietly(geometry.distance_ratio, p[0], p[1], p[2], p[3]), 0.0, big)


@given(dims=st.sampled_from([2, 3]), data=st.data(), which=st.integers(0, 2))
def test_an_infinite_coordinate_gives_nan(dims: int, data: st.DataObject, which: int) -> None:
    a, b, c = (data.draw(hnp.arrays(np.float64, (dims,), elements=st.floats(-1e3, 1e3))) for _ in range(3))
    [a, b, c][which][data.draw(st.integers(0, dims - 1))] = data.draw(st.sampled_from([math.inf, -math.inf]))
    assert math.isnan(_quietly(geometry.joint_angle_deg, a, b, c))
    assert math.isnan(_quietly(geometry.distance_ratio, a, b, b, c) if which != 1 else math.nan)


_SPECS = [load_spec(path) for path in sorted((REPO / "stretch_specs").glob("*.yaml"))]


@given(
    spec_index=st.integers(0, len(_SPECS) - 1),
    xy=hnp.arrays(np.float64, (NUM_LANDMARKS, 2), elements=coordinates),
    world=hnp.arrays(np.float64, (NUM_LANDMARKS, 3), elements=coordinates),
    visibility=hnp.arrays(np.float64, (NUM_LANDMARKS,), elements=coordinates),
)
def test_the_engine_takes_any_pose(
    spec_index: int, xy: np.ndarray, world: np.ndarray, visibility: np.ndarray
) -> None:
    engine = Engine(_SPECS[spec_index])
    pose = Pose(xy, world, visibility, (640, 480))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(3):
            result = engine.step(pose, i / 30, i)
    for measurement in result.measurements.values():
        assert math.isnan(measurement.value) or math.isfinite(measurement.value)
