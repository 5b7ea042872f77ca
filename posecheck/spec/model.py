"""The spec language: typed records that a stretch_specs/*.yaml file is validated into.

Defaults and bounds live here, once; the loader turns validation failures into
messages with file, key path and line; the JSON Schema comes from these models too.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from posecheck.pose.landmarks import LANDMARK_NAMES, MIDPOINT_PARTS, SIDED_PARTS

# Prefixes resolved per frame: the person's own left/right, the leg ahead/behind
# along the facing direction, the working/support side of the stretch, and the
# side nearer to / farther from the camera.
SIDE_PREFIXES: tuple[str, ...] = ("left", "right", "front", "back", "working", "support", "near", "far")

SPEC_LANDMARK_NAMES: frozenset[str] = frozenset(
    [*LANDMARK_NAMES]
    + [f"{prefix}_{part}" for prefix in SIDE_PREFIXES for part in SIDED_PARTS]
    + [f"mid_{part}" for part in MIDPOINT_PARTS]
)

# Default tolerances per unit: single-camera MediaPipe angles are good to about 5-8 degrees.
DEFAULT_HYSTERESIS = {"deg": 5.0, "ratio": 0.03}

# A `relative: peak` measurement's peak must be held this long: one frame's glitch is no peak.
PEAK_HOLD_S = 0.3

# A reps-mode spec has no hold timer; `hold` still exists so every spec has the same shape.
NOMINAL_REPS_HOLD_S = 30.0


def _check_landmark(name: str) -> str:
    if name in SPEC_LANDMARK_NAMES:
        return name
    close = difflib.get_close_matches(name, sorted(SPEC_LANDMARK_NAMES), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "use e.g. 'front_knee', 'left_hip', 'mid_shoulder'"
    raise ValueError(f"unknown landmark '{name}': {hint}")


LandmarkName = Annotated[str, Field(description="landmark, e.g. front_knee, left_hip, mid_shoulder")]

# Camera views the engine tells apart on every frame (posecheck/checks/view.py):
# side-on, three-quarter, square-on (front or back), and looking along the torso (from above).
View = Literal["side", "three-quarter", "front", "above"]
VIEWS: tuple[str, ...] = ("side", "three-quarter", "front", "above")

_VIEWS_DESCRIPTION = (
    "camera views this can be judged from (side, three-quarter, front, above); in any other view it "
    "is not judged: a rule shows UNKNOWN with a cue to turn, an entry condition is left out "
    "(default: every view)"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _MeasureBase(_Strict):
    label: str | None = Field(None, description="short name shown on screen, e.g. 'front knee'")
    cross_check: Literal["either", "both"] | None = Field(
        None,
        description="also measure the mirror image (near_ and far_ swapped) and, when the far side "
        "is visible too, judge both: 'either' passes if either side passes (a fault needs both "
        "sides to agree: the far limbs of lying and kneeling poses are often guessed); 'both' "
        "passes only if both sides pass (e.g. both legs long). The near side alone otherwise",
    )
    relative: Literal["peak"] | None = Field(
        None,
        description="peak: the value as a share of this person's own peak (the highest value held "
        f"for {PEAK_HOLD_S:g} s since they came into view; 1 = the peak), for a movement judged "
        "against the person's own start position rather than a number every body and camera "
        "share (e.g. knees rolled to one side: their height drops to cos(roll) of its peak). "
        "The measurement must be positive at its peak",
    )

    @model_validator(mode="after")
    def _relative_alone(self) -> _MeasureBase:
        if self.relative is not None and self.cross_check is not None:
            raise ValueError(
                "'relative' and 'cross_check' cannot be combined: measure one side relative to its peak"
            )
        return self

    @property
    def unit(self) -> str:
        return "ratio" if self.relative is not None else self._own_unit

    @property
    def _own_unit(self) -> str:
        return "deg"

    def landmark_names(self) -> tuple[str, ...]:
        raise NotImplementedError


class AngleMeasure(_MeasureBase):
    """Joint angle at the middle point, 0..180 degrees (180 = straight)."""

    kind: Literal["angle"]
    points: tuple[LandmarkName, LandmarkName, LandmarkName] = Field(
        description="[a, joint, c]: the angle is measured at the joint"
    )
    space: Literal["image", "world"] = Field(
        "image",
        description="image: in the picture plane (best from a true side view); "
        "world: MediaPipe's 3D estimate (survives an oblique view, noisier)",
    )

    @field_validator("points")
    @classmethod
    def _names(cls, v: tuple[str, str, str]) -> tuple[str, str, str]:
        for name in v:
            _check_landmark(name)
        return v

    def landmark_names(self) -> tuple[str, ...]:
        return self.points


class DirectionMeasure(_MeasureBase):
    """Signed direction of a segment in the picture: from vertical (0 = up, +90 = pointing the
    way the person faces) or from horizontal (0 = pointing forward, +90 = up)."""

    kind: Literal["direction"]
    points: tuple[LandmarkName, LandmarkName] = Field(description="[from, to]")
    reference: Literal["vertical", "horizontal"] = "vertical"

    @field_validator("points")
    @classmethod
    def _names(cls, v: tuple[str, str]) -> tuple[str, str]:
        for name in v:
            _check_landmark(name)
        return v

    def landmark_names(self) -> tuple[str, ...]:
        return self.points


class InclinationMeasure(_MeasureBase):
    """Unsigned tilt of a segment from the vertical or horizontal, 0..90 degrees."""

    kind: Literal["inclination"]
    points: tuple[LandmarkName, LandmarkName] = Field(description="[from, to]")
    reference: Literal["vertical", "horizontal"] = "vertical"
    space: Literal["image", "world"] = Field(
        "image",
        description="image: in the picture; world: MediaPipe's 3D estimate, whose vertical is the "
        "camera's (a body lying diagonally away from an oblique camera still reads as level)",
    )

    @field_validator("points")
    @classmethod
    def _names(cls, v: tuple[str, str]) -> tuple[str, str]:
        for name in v:
            _check_landmark(name)
        return v

    def landmark_names(self) -> tuple[str, ...]:
        return self.points


class OffsetMeasure(_MeasureBase):
    """Signed offset of `points[1]` from `points[0]`, divided by the length of the `per` segment.

    axis forward: positive = ahead along the facing direction (needs a side view);
    axis up: positive = higher in the picture;
    axis along: positive = in the direction of the `along` segment, in MediaPipe's 3D
    estimate (e.g. along [right_hip, left_hip]: towards the person's left, whatever the view).
    """

    kind: Literal["offset"]
    points: tuple[LandmarkName, LandmarkName] = Field(description="[origin, target]")
    per: tuple[LandmarkName, LandmarkName] = Field(
        description="body segment whose length is the unit, e.g. [front_hip, front_knee]"
    )
    axis: Literal["forward", "up", "along"] = Field(
        "forward", description="forward / up in the picture, or along a body segment in 3D"
    )
    along: tuple[LandmarkName, LandmarkName] | None = Field(
        None, description="[from, to]: the direction for axis 'along', e.g. [right_hip, left_hip]"
    )

    @field_validator("points", "per", "along")
    @classmethod
    def _names(cls, v: tuple[str, str] | None) -> tuple[str, str] | None:
        for name in v or ():
            _check_landmark(name)
        return v

    @model_validator(mode="after")
    def _along(self) -> OffsetMeasure:
        if self.axis == "along" and self.along is None:
            raise ValueError("axis 'along' needs 'along: [from, to]', e.g. [right_hip, left_hip]")
        if self.axis != "along" and self.along is not None:
            raise ValueError(f"'along' is only used with axis: along (axis is '{self.axis}'): remove it")
        return self

    @property
    def _own_unit(self) -> str:
        return "ratio"

    def landmark_names(self) -> tuple[str, ...]:
        return (*self.points, *self.per, *(self.along or ()))


class BetweenMeasure(_MeasureBase):
    """Angle between two body segments, e.g. the shoulder line against the hip line (a twist).

    plane "top" looks down on MediaPipe's 3D estimate (x and z: rotation about the
    vertical axis, what a side camera cannot see directly); "picture" is the image plane.
    """

    kind: Literal["between"]
    segments: tuple[tuple[LandmarkName, LandmarkName], tuple[LandmarkName, LandmarkName]] = Field(
        description="[[a_from, a_to], [b_from, b_to]]"
    )
    plane: Literal["top", "picture"] = "top"

    @field_validator("segments")
    @classmethod
    def _names(cls, v: tuple[tuple[str, str], tuple[str, str]]) -> tuple[tuple[str, str], tuple[str, str]]:
        for segment in v:
            for name in segment:
                _check_landmark(name)
        return v

    def landmark_names(self) -> tuple[str, ...]:
        return (*self.segments[0], *self.segments[1])


class DistanceMeasure(_MeasureBase):
    """Distance between two landmarks, divided by the length of the `per` segment (0 = touching).

    space image: in the picture; world: in MediaPipe's 3D estimate (survives the depth
    a side camera cannot see, e.g. an ankle resting on the far knee).
    """

    kind: Literal["distance"]
    points: tuple[LandmarkName, LandmarkName] = Field(description="[a, b]")
    per: tuple[LandmarkName, LandmarkName] = Field(
        description="body segment whose length is the unit, e.g. [working_hip, working_knee]"
    )
    space: Literal["image", "world"] = Field("image", description="image (the picture) or world (3D)")

    @field_validator("points", "per")
    @classmethod
    def _names(cls, v: tuple[str, str]) -> tuple[str, str]:
        for name in v:
            _check_landmark(name)
        return v

    @property
    def _own_unit(self) -> str:
        return "ratio"

    def landmark_names(self) -> tuple[str, ...]:
        return (*self.points, *self.per)


Measure = Annotated[
    AngleMeasure | DirectionMeasure | InclinationMeasure | OffsetMeasure | BetweenMeasure | DistanceMeasure,
    Field(discriminator="kind"),
]


class _Range(_Strict):
    min: float | None = Field(None, description="lowest allowed value (omit for no lower limit)")
    max: float | None = Field(None, description="highest allowed value (omit for no upper limit)")

    @model_validator(mode="after")
    def _range(self) -> _Range:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both: a range with neither allows everything")
        for bound in (self.min, self.max):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("'min' and 'max' must be finite numbers")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"impossible range: min {self.min:g} is not below max {self.max:g}; swap them")
        return self


def _check_views(v: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if v is not None and len(set(v)) != len(v):
        raise ValueError("a view is listed twice: list each once")
    return v


class EntryCondition(_Range):
    """One condition that says the person is in the pose at all."""

    measure: str = Field(description="id of a measurement")
    hysteresis: float | None = Field(None, ge=0, description="default: 5 deg / 0.03 ratio")
    min_duration_s: float = Field(0.5, ge=0, le=10, description="how long before in/out of pose flips")
    cue: str | None = Field(
        None,
        min_length=3,
        description="near-miss cue: shown instead of entry_cue when only this condition (or one "
        "other) keeps the person out of the pose, e.g. 'Lower your back knee to the floor'",
    )
    views: tuple[View, ...] | None = Field(None, min_length=1, description=_VIEWS_DESCRIPTION)

    _views = field_validator("views")(_check_views)


class Rule(_Range):
    """A form rule: the measurement must stay in [min, max] or the cue is given."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="lower-case id, e.g. knee-over-ankle")
    measure: str = Field(description="id of a measurement")
    severity: Literal["critical", "advisory"] = Field(
        description="critical: pauses the hold timer while failing; advisory: only cues"
    )
    cue: str = Field(min_length=3, description="correction, short and actionable")
    cue_low: str | None = Field(None, description="correction when below min (default: cue)")
    cue_high: str | None = Field(None, description="correction when above max (default: cue)")
    confirm: str | None = Field(None, description="said once the fault is fixed")
    hysteresis: float | None = Field(
        None, ge=0, description="how far back inside the range a value must come to pass again"
    )
    min_duration_s: float = Field(0.4, ge=0, le=10, description="a verdict must persist this long to flip")
    during: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        description="reps mode: ids of the phases in which the rule is judged (default: always)",
    )
    views: tuple[View, ...] | None = Field(None, min_length=1, description=_VIEWS_DESCRIPTION)

    _views = field_validator("views")(_check_views)


class WorkingSide(_Strict):
    detect: Literal[
        "left",
        "right",
        "front-leg",
        "back-leg",
        "bent-knee",
        "straight-leg",
        "near-side",
        "raised-knee",
        "crossed-leg",
        "top-leg",
        "knees-side",
    ] = Field(
        "front-leg",
        description="fixed side, or decided from the pose: the leg ahead (front-leg), "
        "behind (back-leg), the more bent knee (bent-knee) or the other one (straight-leg), "
        "the side nearer the camera "
        "(near-side), the knee drawn nearer the chest (raised-knee), the leg whose ankle rests "
        "on the other knee (crossed-leg), the upper leg when lying on the side (top-leg), the "
        "side the knees are rolled to (knees-side)",
    )
    settle_s: float = Field(0.8, ge=0, le=10, description="evidence needed before the side changes")


class Hold(_Strict):
    target_s: float = Field(gt=0, le=600, description="seconds to hold, per side")
    grace_s: float = Field(2.0, ge=0, le=30, description="a broken hold resets after this long")
    per_side: bool = Field(True, description="hold each side (left, then right, in any order)")


class PhaseCondition(_Range):
    """One condition of a phase, like an entry condition (with hysteresis, no timing of its own)."""

    measure: str = Field(description="id of a measurement")
    hysteresis: float | None = Field(None, ge=0, description="default: 5 deg / 0.03 ratio")


class MovePhase(_Strict):
    """A position within a dynamic move, e.g. cat = spine rounded up."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="lower-case id, e.g. cat")
    label: str = Field(min_length=1, description="shown on screen, e.g. 'Cat: back rounded'")
    when: tuple[PhaseCondition, ...] = Field(
        min_length=1, description="all must pass for the person to be in this phase"
    )
    min_s: float = Field(
        0.3, ge=0, le=60, description="the phase counts as reached once it has lasted this long"
    )
    cue: str | None = Field(None, description="said when this phase is the next one to reach")


class Reps(_Strict):
    target: int = Field(ge=1, le=200, description="reps to do (per side with per_side)")
    per_side: bool = Field(False, description="count each side apart, by the working side")


class StretchSpec(_Strict):
    """One stretch: how to see it, how to judge it, how long to hold it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="file name without .yaml")
    name: str
    summary: str = Field("", description="one line on how the stretch is done")
    source: str = Field("", description="where the cues and holds come from")
    view: Literal["side", "front", "any"] = Field(description="camera view the stretch needs")
    mode: Literal["hold", "reps"] = Field(
        "hold", description="hold: a timed hold per side; reps: a dynamic move, counted in cycles of phases"
    )
    min_visibility: float = Field(0.5, ge=0, le=1, description="landmark visibility needed to measure")
    working_side: WorkingSide = Field(default_factory=lambda: WorkingSide())
    hold: Hold = Field(
        default_factory=lambda: Hold(target_s=NOMINAL_REPS_HOLD_S),
        description="hold mode (required there): the hold timer; reps mode has none",
    )
    phases: tuple[MovePhase, ...] = Field((), description="reps mode: the positions of the move")
    cycle: tuple[str, ...] = Field(
        (), description="reps mode: phase ids in order; a rep counts when the last one is reached"
    )
    reps: Reps | None = Field(None, description="reps mode: how many reps, and whether per side")
    entry_cue: str = Field(description="shown until the person is in the pose")
    measurements: dict[str, Measure]
    entry: tuple[EntryCondition, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    safety: str = Field("", description="spec-specific caution, shown once")

    @field_validator("measurements")
    @classmethod
    def _measure_ids(cls, v: dict[str, Measure]) -> dict[str, Measure]:
        for key in v:
            if not key.replace("_", "").isalnum() or not key[0].isalpha():
                raise ValueError(f"measurement id '{key}' must be letters, digits and _")
        return v

    @model_validator(mode="after")
    def _mode(self) -> StretchSpec:
        if self.mode == "hold":
            if "hold" not in self.model_fields_set:
                raise ValueError(
                    "hold: missing required key 'hold' (hold mode): add it, e.g. hold: {target_s: 30}"
                )
            for key in ("phases", "cycle", "reps"):
                if key in self.model_fields_set:
                    raise ValueError(f"{key}: only used with mode: reps: remove it, or set mode: reps")
            for i, rule in enumerate(self.rules):
                if rule.during is not None:
                    raise ValueError(f"rules[{i}].during: phases exist only with mode: reps: remove it")
            return self
        if "hold" in self.model_fields_set:
            raise ValueError(
                "hold: a reps-mode spec has no hold timer: remove it "
                "(how long a position must last is phases[].min_s)"
            )
        for key, minimum in (("phases", 2), ("cycle", 2)):
            if len(getattr(self, key)) < minimum:
                raise ValueError(f"{key}: mode reps needs at least {minimum} {key} entries: add them")
        if self.reps is None:
            raise ValueError("reps: missing required key 'reps' (mode reps): add it, e.g. reps: {target: 10}")
        ids = [phase.id for phase in self.phases]
        for i, phase_id in enumerate(ids):
            if phase_id in ids[:i]:
                raise ValueError(f"phases[{i}].id: phase id '{phase_id}' is used twice: rename one")
        for i, phase_id in enumerate(self.cycle):
            if phase_id not in ids:
                close = difflib.get_close_matches(phase_id, ids, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"defined: {', '.join(ids)}"
                raise ValueError(f"cycle[{i}]: unknown phase '{phase_id}': {hint}")
            if i and self.cycle[i - 1] == phase_id:
                raise ValueError(
                    f"cycle[{i}]: phase '{phase_id}' twice in a row: a cycle moves between phases"
                )
        for i, rule in enumerate(self.rules):
            for j, phase_id in enumerate(rule.during or ()):
                if phase_id not in ids:
                    close = difflib.get_close_matches(phase_id, ids, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"defined: {', '.join(ids)}"
                    raise ValueError(f"rules[{i}].during[{j}]: unknown phase '{phase_id}': {hint}")
        return self

    @model_validator(mode="after")
    def _cross_checks(self) -> StretchSpec:
        for key, m in self.measurements.items():
            if m.cross_check and not any(n.startswith(("near_", "far_")) for n in m.landmark_names()):
                raise ValueError(
                    f"measurements.{key}.cross_check: needs near_/far_ landmarks to mirror "
                    "(e.g. near_knee): use them or remove cross_check"
                )
        return self

    @model_validator(mode="after")
    def _references(self) -> StretchSpec:
        known = sorted(self.measurements)
        groups: list[tuple[str, tuple[EntryCondition | Rule | PhaseCondition, ...]]] = [
            ("entry", self.entry),
            ("rules", self.rules),
        ]
        groups += [(f"phases[{i}].when", phase.when) for i, phase in enumerate(self.phases)]
        for where, items in groups:
            for i, item in enumerate(items):
                if item.measure not in self.measurements:
                    close = difflib.get_close_matches(item.measure, known, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"defined: {', '.join(known)}"
                    raise ValueError(f"{where}[{i}].measure: unknown measurement '{item.measure}': {hint}")
        ids = [rule.id for rule in self.rules]
        for i, rule_id in enumerate(ids):
            if rule_id in ids[:i]:
                raise ValueError(f"rules[{i}].id: rule id '{rule_id}' is used twice: rename one")
        for where, items in groups:
            for i, item in enumerate(items):
                unit = self.measurements[item.measure].unit
                h = self.hysteresis_for(item)
                # A failing verdict must come back inside by h: with h >= half the range it never could.
                if item.min is not None and item.max is not None and h * 2 >= item.max - item.min:
                    raise ValueError(
                        f"{where}[{i}].hysteresis: {h:g} {unit} is too wide for the range "
                        f"[{item.min:g}, {item.max:g}]: widen the range or set a hysteresis "
                        f"below {(item.max - item.min) / 2:g}"
                    )
        return self

    def hysteresis_for(self, item: Rule | EntryCondition | PhaseCondition) -> float:
        if item.hysteresis is not None:
            return item.hysteresis
        return DEFAULT_HYSTERESIS[self.measurements[item.measure].unit]

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides that each get a hold (or rep count): ("left", "right"), one fixed side, or ("both",)."""
        if self.working_side.detect in ("left", "right"):
            return (self.working_side.detect,)
        per_side = self.reps.per_side if self.mode == "reps" and self.reps else self.hold.per_side
        return ("left", "right") if per_side else ("both",)

    def phase(self, phase_id: str) -> MovePhase:
        return next(p for p in self.phases if p.id == phase_id)
