"""Turn a pose into the spec's measurements: resolve side-relative names, check visibility, compute."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from posecheck import geometry
from posecheck.pose.landmarks import LANDMARK_INDEX, NUM_LANDMARKS, SIDED_PARTS, Pose, readable
from posecheck.results import Measurement
from posecheck.spec.model import (
    AngleMeasure,
    BetweenMeasure,
    DirectionMeasure,
    DistanceMeasure,
    InclinationMeasure,
    Measure,
    OffsetMeasure,
    StretchSpec,
)

OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Sides:
    """Which of the person's own sides each relative prefix means on this frame (None = unknown)."""

    working: str | None
    front: str | None
    near: str | None

    def mirrored(self) -> Sides:
        """The same frame seen from the other side: near_ and far_ swapped."""
        return Sides(self.working, self.front, _other(self.near))

    def resolve(self, name: str) -> str | None:
        """'front_knee' -> 'left_knee'; None when that side is not known on this frame."""
        prefix, _, part = name.partition("_")
        side: str | None
        if prefix in ("working", "support"):
            side = self.working if prefix == "working" else _other(self.working)
        elif prefix in ("front", "back"):
            side = self.front if prefix == "front" else _other(self.front)
        elif prefix in ("near", "far"):
            side = self.near if prefix == "near" else _other(self.near)
        else:
            return name
        return f"{side}_{part}" if side else None


def _other(side: str | None) -> str | None:
    return OTHER[side] if side else None


class Point(NamedTuple):
    """A landmark (or midpoint) in the picture and in 3D, and whether it is seen well enough."""

    xy_px: np.ndarray
    world_m: np.ndarray
    visible: bool


# Landmark name -> its index, or the left/right pair a midpoint ("mid_hip") averages: worked
# out once, as the side detectors look landmarks up by name on every frame.
_POINT_INDICES: dict[str, int | tuple[int, int]] = {
    **LANDMARK_INDEX,
    **{
        f"mid_{part}": (LANDMARK_INDEX[f"left_{part}"], LANDMARK_INDEX[f"right_{part}"])
        for part in SIDED_PARTS
    },
}


def landmark_point(pose: Pose, name: str, min_visibility: float) -> Point:
    """A concrete landmark, or the midpoint of a left/right pair ('mid_hip')."""
    index = _POINT_INDICES[name]
    if isinstance(index, tuple):
        a, b = index
        visible = bool(min(pose.visibility[a], pose.visibility[b]) >= min_visibility)
        return Point(
            (pose.xy_px[a] + pose.xy_px[b]) / 2, (pose.world_xyz_m[a] + pose.world_xyz_m[b]) / 2, visible
        )
    return Point(pose.xy_px[index], pose.world_xyz_m[index], bool(pose.visibility[index] >= min_visibility))


def concrete_landmarks(name: str) -> tuple[str, ...]:
    """The real landmarks behind a (resolved) name, for drawing and for 'can't see' cues."""
    if name.startswith("mid_"):
        part = name.removeprefix("mid_")
        return (f"left_{part}", f"right_{part}")
    return (name,)


def measure_label(measure_id: str, measure: Measure) -> str:
    return measure.label or readable(measure_id)


# Rows of a `LandmarkTable`: the 33 landmarks, then the midpoint of each left/right pair.
_MID_LEFT = np.array([LANDMARK_INDEX[f"left_{part}"] for part in SIDED_PARTS])
_MID_RIGHT = np.array([LANDMARK_INDEX[f"right_{part}"] for part in SIDED_PARTS])
_TABLE_ROW: dict[str, int] = {
    **LANDMARK_INDEX,
    **{f"mid_{part}": NUM_LANDMARKS + k for k, part in enumerate(SIDED_PARTS)},
}


class LandmarkTable:
    """One pose's landmarks and left/right midpoints as rows of three arrays, built once per
    frame so that each measurement's points are plain row lookups.

    Midpoints and their visibility are computed exactly as `landmark_point` computes them.
    """

    __slots__ = ("visibility", "world_m", "xy_px")

    def __init__(self, pose: Pose) -> None:
        xy, world = pose.xy_px, pose.world_xyz_m
        # Every midpoint, used or not: damaged values in unused ones must not raise numpy warnings.
        with np.errstate(all="ignore"):
            self.xy_px = np.concatenate([xy, (xy[_MID_LEFT] + xy[_MID_RIGHT]) / 2])
            self.world_m = np.concatenate([world, (world[_MID_LEFT] + world[_MID_RIGHT]) / 2])
        vis = pose.visibility
        left, right = vis[_MID_LEFT], vis[_MID_RIGHT]
        # min(left, right) as Python's min picks it (the left one unless the right one is smaller).
        mid_vis = np.where(right < left, right, left)
        self.visibility: list[float] = np.concatenate([vis, mid_vis]).tolist()


@dataclass(frozen=True)
class _Plan:
    """One measurement for one reading of the sides: names resolved, rows and labels worked
    out once, since the sides change rarely and the spec never during a run."""

    label: str
    unit: str
    resolved: bool  # False: a side-relative name has no side on this frame
    rows: tuple[int, ...] = ()
    # The concrete landmarks behind each point, for "can't see" cues.
    concrete_per_point: tuple[tuple[str, ...], ...] = ()
    concrete: tuple[str, ...] = ()
    anchor: str = ""


def _plan(measure_id: str, spec_measure: Measure, sides: Sides) -> _Plan:
    """Resolve the measurement's side-relative names for `sides` and choose its anchor."""
    resolved = [sides.resolve(n) for n in spec_measure.landmark_names()]
    label = measure_label(measure_id, spec_measure)
    unit = spec_measure.unit
    if any(name is None for name in resolved):
        return _Plan(label, unit, resolved=False)
    names = [n for n in resolved if n is not None]
    if isinstance(spec_measure, AngleMeasure):
        anchor = names[1]
    elif isinstance(spec_measure, BetweenMeasure):
        anchor = names[3]
    else:
        anchor = names[len(spec_measure.points) - 1]
    concrete_per_point = tuple(concrete_landmarks(n) for n in names)
    return _Plan(
        label,
        unit,
        resolved=True,
        rows=tuple(_TABLE_ROW[n] for n in names),
        concrete_per_point=concrete_per_point,
        concrete=tuple(c for per_point in concrete_per_point for c in per_point),
        anchor=anchor,
    )


class Measurer:
    """Measures a spec's measurements frame after frame (what `measure` does for one), with
    each measurement's lookups planned once per reading of the sides instead of per frame."""

    def __init__(self, spec: StretchSpec) -> None:
        self.spec = spec
        self._plans: dict[Sides, dict[str, _Plan]] = {}

    def measure_all(
        self, pose: Pose, sides: Sides, facing: int
    ) -> tuple[dict[str, Measurement], dict[str, tuple[str, ...]]]:
        """Every measurement of the spec on this frame, and the missing landmarks of each."""
        table = LandmarkTable(pose)
        min_visibility = self.spec.min_visibility
        plans = self._plans_for(sides)
        far_plans = self._plans_for(sides.mirrored()) if sides.near is not None else None
        measurements: dict[str, Measurement] = {}
        missing: dict[str, tuple[str, ...]] = {}
        for measure_id, spec_measure in self.spec.measurements.items():
            far_plan = far_plans[measure_id] if far_plans is not None else None
            measurements[measure_id], missing[measure_id] = _measure_both(
                measure_id, spec_measure, table, plans[measure_id], far_plan, facing, min_visibility
            )
        return measurements, missing

    def _plans_for(self, sides: Sides) -> dict[str, _Plan]:
        plans = self._plans.get(sides)
        if plans is None:
            plans = self._plans[sides] = {
                measure_id: _plan(measure_id, spec_measure, sides)
                for measure_id, spec_measure in self.spec.measurements.items()
            }
        return plans


def measure(
    measure_id: str, spec_measure: Measure, pose: Pose, sides: Sides, facing: int, min_visibility: float
) -> tuple[Measurement, tuple[str, ...]]:
    """One measurement on one frame, plus the concrete landmarks that were missing (if any).

    With `cross_check` the far side is measured too (`far_value`); when the near side
    cannot be seen but the far side can, the far side's value stands in for it.
    """
    plan = _plan(measure_id, spec_measure, sides)
    far_plan = _plan(measure_id, spec_measure, sides.mirrored()) if sides.near is not None else None
    return _measure_both(
        measure_id, spec_measure, LandmarkTable(pose), plan, far_plan, facing, min_visibility
    )


def _measure_both(
    measure_id: str,
    spec_measure: Measure,
    table: LandmarkTable,
    plan: _Plan,
    far_plan: _Plan | None,
    facing: int,
    min_visibility: float,
) -> tuple[Measurement, tuple[str, ...]]:
    """The near side's measurement, cross-checked with the far side's (`far_plan`: the sides
    mirrored; None when the near side is unknown) if the spec asks for it."""
    near, missing = _measure_one(measure_id, spec_measure, plan, table, facing, min_visibility)
    if not spec_measure.cross_check or far_plan is None:
        return near, missing
    far, _ = _measure_one(measure_id, spec_measure, far_plan, table, facing, min_visibility)
    if math.isfinite(near.value):
        return replace(near, far_value=far.value), missing
    if math.isfinite(far.value):
        return replace(far, far_value=math.nan), ()
    return near, missing


def _measure_one(
    measure_id: str,
    spec_measure: Measure,
    plan: _Plan,
    table: LandmarkTable,
    facing: int,
    min_visibility: float,
) -> tuple[Measurement, tuple[str, ...]]:
    if not plan.resolved:
        return Measurement(measure_id, plan.label, math.nan, plan.unit, (), ""), ()
    visibility = table.visibility
    missing = tuple(
        c
        for row, concrete in zip(plan.rows, plan.concrete_per_point, strict=True)
        if not visibility[row] >= min_visibility
        for c in concrete
    )
    if missing:
        return Measurement(measure_id, plan.label, math.nan, plan.unit, plan.concrete, plan.anchor), missing
    xy = [table.xy_px[row] for row in plan.rows]
    world = [table.world_m[row] for row in plan.rows]
    value = _compute(spec_measure, xy, world, facing)
    return Measurement(measure_id, plan.label, value, plan.unit, plan.concrete, plan.anchor), ()


def _compute(spec_measure: Measure, xy: list[np.ndarray], world: list[np.ndarray], facing: int) -> float:
    """The value from each point's picture (`xy`) and 3D (`world`) coordinates, in spec order."""
    if isinstance(spec_measure, AngleMeasure):
        if spec_measure.space == "world":
            return geometry.joint_angle_deg(world[0], world[1], world[2])
        return geometry.joint_angle_deg(xy[0], xy[1], xy[2])
    if isinstance(spec_measure, DirectionMeasure):
        return geometry.direction_deg(xy[0], xy[1], reference=spec_measure.reference, facing=facing)
    if isinstance(spec_measure, InclinationMeasure):
        if spec_measure.space == "world":
            return geometry.inclination_3d_deg(world[0], world[1], reference=spec_measure.reference)
        return geometry.inclination_deg(xy[0], xy[1], reference=spec_measure.reference)
    if isinstance(spec_measure, OffsetMeasure):
        if spec_measure.axis == "along":
            origin, target, per_a, per_b, axis_a, axis_b = world
            return geometry.along_offset(origin, target, axis_a, axis_b, per_a, per_b)
        origin, target, per_a, per_b = xy
        if spec_measure.axis == "forward":
            return geometry.forward_offset(origin, target, per_a, per_b, facing=facing)
        return geometry.vertical_offset(origin, target, per_a, per_b)
    if isinstance(spec_measure, BetweenMeasure):
        if spec_measure.plane == "top":
            a0, a1, b0, b1 = (w[[0, 2]] for w in world)
        else:
            a0, a1, b0, b1 = xy
        return geometry.segment_angle_deg(a0, a1, b0, b1)
    if isinstance(spec_measure, DistanceMeasure):
        coords = world if spec_measure.space == "world" else xy
        return geometry.distance_ratio(*coords)
    raise TypeError(f"unknown measurement kind {type(spec_measure).__name__}")


def needs_facing(spec: StretchSpec) -> bool:
    """Whether any measurement or the side detection depends on the facing direction."""
    uses = any(
        isinstance(m, DirectionMeasure)
        or (isinstance(m, OffsetMeasure) and m.axis == "forward")
        or any(n.startswith(("front_", "back_")) for n in m.landmark_names())
        for m in spec.measurements.values()
    )
    return uses or spec.working_side.detect in ("front-leg", "back-leg")
