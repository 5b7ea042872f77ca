"""A spec in plain words, for `posecheck specs show`."""

from __future__ import annotations

from posecheck.spec.model import (
    AngleMeasure,
    BetweenMeasure,
    DirectionMeasure,
    InclinationMeasure,
    Measure,
    OffsetMeasure,
    StretchSpec,
)


def _words(name: str) -> str:
    return name.replace("foot_index", "toes").replace("_", " ")


def describe_measure(measure: Measure) -> str:
    if isinstance(measure, AngleMeasure):
        a, joint, c = (_words(p) for p in measure.points)
        where = "in 3D" if measure.space == "world" else "in the picture"
        return f"angle at the {joint} between {a} and {c} ({where}, 180 = straight)"
    if isinstance(measure, DirectionMeasure):
        a, b = (_words(p) for p in measure.points)
        zero = "up" if measure.reference == "vertical" else "forward"
        return f"direction {a} -> {b} from the {measure.reference} (0 = pointing {zero}, + = forward/up)"
    if isinstance(measure, InclinationMeasure):
        a, b = (_words(p) for p in measure.points)
        return f"tilt of {a}-{b} from the {measure.reference} (0..90 deg)"
    if isinstance(measure, OffsetMeasure):
        a, b = (_words(p) for p in measure.points)
        per = " to ".join(_words(p) for p in measure.per)
        direction = "ahead of" if measure.axis == "forward" else "above"
        return f"how far the {b} is {direction} the {a}, in lengths of {per}"
    if isinstance(measure, BetweenMeasure):
        (a0, a1), (b0, b1) = ((_words(p), _words(q)) for p, q in measure.segments)
        view = "seen from above (3D estimate)" if measure.plane == "top" else "in the picture"
        return f"angle between the {a0}-{a1} line and the {b0}-{b1} line, {view}"
    raise TypeError(type(measure).__name__)


def _range(low: float | None, high: float | None, unit: str) -> str:
    u = " deg" if unit == "deg" else ""
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}{u}"
    if low is not None:
        return f"at least {low:g}{u}"
    return f"at most {high:g}{u}"


def describe_spec(spec: StretchSpec) -> str:
    sides = "each side" if spec.sides == ("left", "right") else spec.sides[0]
    lines = [
        f"{spec.name} ({spec.id})",
        f"  {spec.summary}" if spec.summary else "",
        f"  camera: {spec.view} view; working side: {spec.working_side.detect}; "
        f"hold {spec.hold.target_s:g} s {sides} (a broken hold resets after {spec.hold.grace_s:g} s)",
        f"  source: {spec.source}" if spec.source else "",
        "",
        "In the pose when:",
    ]
    for cond in spec.entry:
        m = spec.measurements[cond.measure]
        lines.append(f"  - {cond.measure} is {_range(cond.min, cond.max, m.unit)}: {describe_measure(m)}")
    lines += ["", "Rules:"]
    for rule in spec.rules:
        m = spec.measurements[rule.measure]
        lines.append(f"  - [{rule.severity}] {rule.id}: {rule.measure} {_range(rule.min, rule.max, m.unit)}")
        lines.append(f"      measures: {describe_measure(m)}")
        cues = [rule.cue_low, rule.cue_high] if (rule.cue_low or rule.cue_high) else [rule.cue]
        for cue in (c for c in cues if c):
            lines.append(f'      cue: "{cue}"')
        if rule.confirm:
            lines.append(f'      confirmation: "{rule.confirm}"')
    return "\n".join(line for i, line in enumerate(lines) if line or i > 3)
