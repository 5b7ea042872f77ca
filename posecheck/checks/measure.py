"""Turn a pose into the spec's measurements: resolve side-relative names, check visibility, compute."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from posecheck import geometry
from posecheck.pose.landmarks import LANDMARK_INDEX, Pose, readable
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


@dataclass(frozen=True)
class Point:
    xy_px: np.ndarray
    world_m: np.ndarray
    visible: bool


def landmark_point(pose: Pose, name: str, min_visibility: float) -> Point:
    """A concrete landmark, or the midpoint of a left/right pair ('mid_hip')."""
    if name.startswith("mid_"):
        part = name.removeprefix("mid_")
        a, b = LANDMARK_INDEX[f"left_{part}"], LANDMARK_INDEX[f"right_{part}"]
        visible = bool(min(pose.visibility[a], pose.visibility[b]) >= min_visibility)
        return Point(
            (pose.xy_px[a] + pose.xy_px[b]) / 2, (pose.world_xyz_m[a] + pose.world_xyz_m[b]) / 2, visible
        )
    i = LANDMARK_INDEX[name]
    return Point(pose.xy_px[i], pose.world_xyz_m[i], bool(pose.visibility[i] >= min_visibility))


def concrete_landmarks(name: str) -> tuple[str, ...]:
    """The real landmarks behind a (resolved) name, for drawing and for 'can't see' cues."""
    if name.startswith("mid_"):
        part = name.removeprefix("mid_")
        return (f"left_{part}", f"right_{part}")
    return (name,)


def measure_label(measure_id: str, measure: Measure) -> str:
    return measure.label or readable(measure_id)


def measure(
    measure_id: str, spec_measure: Measure, pose: Pose, sides: Sides, facing: int, min_visibility: float
) -> tuple[Measurement, tuple[str, ...]]:
    """One measurement on one frame, plus the concrete landmarks that were missing (if any).

    With `cross_check` the far side is measured too (`far_value`); when the near side
    cannot be seen but the far side can, the far side's value stands in for it.
    """
    near, missing = _measure_one(measure_id, spec_measure, pose, sides, facing, min_visibility)
    if not spec_measure.cross_check or sides.near is None:
        return near, missing
    far, _ = _measure_one(measure_id, spec_measure, pose, sides.mirrored(), facing, min_visibility)
    if math.isfinite(near.value):
        return replace(near, far_value=far.value), missing
    if math.isfinite(far.value):
        return replace(far, far_value=math.nan), ()
    return near, missing


def _measure_one(
    measure_id: str, spec_measure: Measure, pose: Pose, sides: Sides, facing: int, min_visibility: float
) -> tuple[Measurement, tuple[str, ...]]:
    resolved = [sides.resolve(n) for n in spec_measure.landmark_names()]
    label = measure_label(measure_id, spec_measure)
    unit = spec_measure.unit
    if any(name is None for name in resolved):
        return Measurement(measure_id, label, math.nan, unit, (), ""), ()
    names = [n for n in resolved if n is not None]
    points = [landmark_point(pose, n, min_visibility) for n in names]
    concrete = tuple(c for n in names for c in concrete_landmarks(n))
    if isinstance(spec_measure, AngleMeasure):
        anchor = names[1]
    elif isinstance(spec_measure, BetweenMeasure):
        anchor = names[3]
    else:
        anchor = names[len(spec_measure.points) - 1]
    missing = tuple(
        c for n, p in zip(names, points, strict=True) if not p.visible for c in concrete_landmarks(n)
    )
    if missing:
        return Measurement(measure_id, label, math.nan, unit, concrete, anchor), missing
    value = _compute(spec_measure, points, facing)
    return Measurement(measure_id, label, value, unit, concrete, anchor), ()


def _compute(spec_measure: Measure, points: list[Point], facing: int) -> float:
    if isinstance(spec_measure, AngleMeasure):
        if spec_measure.space == "world":
            return geometry.joint_angle_deg(points[0].world_m, points[1].world_m, points[2].world_m)
        return geometry.joint_angle_deg(points[0].xy_px, points[1].xy_px, points[2].xy_px)
    if isinstance(spec_measure, DirectionMeasure):
        return geometry.direction_deg(
            points[0].xy_px, points[1].xy_px, reference=spec_measure.reference, facing=facing
        )
    if isinstance(spec_measure, InclinationMeasure):
        if spec_measure.space == "world":
            return geometry.inclination_3d_deg(
                points[0].world_m, points[1].world_m, reference=spec_measure.reference
            )
        return geometry.inclination_deg(points[0].xy_px, points[1].xy_px, reference=spec_measure.reference)
    if isinstance(spec_measure, OffsetMeasure):
        if spec_measure.axis == "along":
            origin, target, per_a, per_b, axis_a, axis_b = (p.world_m for p in points)
            return geometry.along_offset(origin, target, axis_a, axis_b, per_a, per_b)
        origin, target, per_a, per_b = (p.xy_px for p in points)
        if spec_measure.axis == "forward":
            return geometry.forward_offset(origin, target, per_a, per_b, facing=facing)
        return geometry.vertical_offset(origin, target, per_a, per_b)
    if isinstance(spec_measure, BetweenMeasure):
        if spec_measure.plane == "top":
            a0, a1, b0, b1 = (p.world_m[[0, 2]] for p in points)
        else:
            a0, a1, b0, b1 = (p.xy_px for p in points)
        return geometry.segment_angle_deg(a0, a1, b0, b1)
    if isinstance(spec_measure, DistanceMeasure):
        coords = [p.world_m if spec_measure.space == "world" else p.xy_px for p in points]
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
