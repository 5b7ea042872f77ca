"""A spec in plain words, for `posecheck specs show`."""

from __future__ import annotations

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


def _words(name: str) -> str:
    return name.replace("foot_index", "toes").replace("_", " ")


def describe_measure(measure: Measure) -> str:
    text = _describe_kind(measure)
    if measure.relative == "peak":
        return f"{text}, as a share of its own held peak (1 = the peak)"
    return text


def _describe_kind(measure: Measure) -> str:
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
        where = " in 3D" if measure.space == "world" else ""
        return f"tilt of {a}-{b} from the {measure.reference}{where} (0..90 deg)"
    if isinstance(measure, OffsetMeasure):
        a, b = (_words(p) for p in measure.points)
        per = " to ".join(_words(p) for p in measure.per)
        if measure.axis == "along" and measure.along is not None:
            towards = " towards the ".join(_words(p) for p in measure.along)
            direction = f"from the {a} in the direction {towards} (3D estimate)"
            return f"how far the {b} is {direction}, in lengths of {per}"
        direction = "ahead of" if measure.axis == "forward" else "above"
        return f"how far the {b} is {direction} the {a}, in lengths of {per}"
    if isinstance(measure, BetweenMeasure):
        (a0, a1), (b0, b1) = ((_words(p), _words(q)) for p, q in measure.segments)
        view = "seen from above (3D estimate)" if measure.plane == "top" else "in the picture"
        return f"angle between the {a0}-{a1} line and the {b0}-{b1} line, {view}"
    if isinstance(measure, DistanceMeasure):
        a, b = (_words(p) for p in measure.points)
        per = " to ".join(_words(p) for p in measure.per)
        where = "in 3D" if measure.space == "world" else "in the picture"
        return f"distance from the {a} to the {b} ({where}), in lengths of {per}"
    raise TypeError(type(measure).__name__)


def _range(low: float | None, high: float | None, unit: str) -> str:
    u = " deg" if unit == "deg" else ""
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}{u}"
    if low is not None:
        return f"at least {low:g}{u}"
    return f"at most {high:g}{u}"


def _condition(spec: StretchSpec, measure_id: str, low: float | None, high: float | None) -> str:
    m = spec.measurements[measure_id]
    text = f"{measure_id} is {_range(low, high, m.unit)}: {describe_measure(m)}"
    if m.cross_check == "either":
        text += "; on either side (the near side, cross-checked with the far side when seen)"
    elif m.cross_check == "both":
        text += "; on both sides (the far side too, when seen)"
    return text


def _plan(spec: StretchSpec) -> str:
    sides = "each side" if spec.sides == ("left", "right") else spec.sides[0]
    if spec.mode == "reps" and spec.reps is not None:
        return f"{spec.reps.target} reps {sides}"
    return f"hold {spec.hold.target_s:g} s {sides} (a broken hold resets after {spec.hold.grace_s:g} s)"


def describe_spec(spec: StretchSpec) -> str:
    lines = [
        f"{spec.name} ({spec.id})",
        f"  {spec.summary}" if spec.summary else "",
        f"  camera: {spec.view} view; mode: {spec.mode}; working side: {spec.working_side.detect}; "
        + _plan(spec),
        f"  source: {spec.source}" if spec.source else "",
        "",
        "In the pose when:",
    ]
    for cond in spec.entry:
        views = f" (judged from: {', '.join(cond.views)})" if cond.views else ""
        lines.append(f"  - {_condition(spec, cond.measure, cond.min, cond.max)}{views}")
        if cond.cue:
            lines.append(f'      near-miss cue: "{cond.cue}"')
    if spec.mode == "reps":
        lines += ["", "Phases:"]
        for phase in spec.phases:
            held = f" (held {phase.min_s:g} s)" if phase.min_s else ""
            lines.append(f"  - {phase.id}: {phase.label}{held}, when")
            for when in phase.when:
                lines.append(f"      {_condition(spec, when.measure, when.min, when.max)}")
            if phase.cue:
                lines.append(f'      cue: "{phase.cue}"')
        lines.append(f"  A rep: {' -> '.join(spec.cycle)}, in that order; a critical fault spoils the rep.")
    lines += ["", "Rules:"]
    for rule in spec.rules:
        m = spec.measurements[rule.measure]
        during = f" (during {', '.join(rule.during)})" if rule.during else ""
        lines.append(
            f"  - [{rule.severity}] {rule.id}: {rule.measure} {_range(rule.min, rule.max, m.unit)}{during}"
        )
        lines.append(f"      measures: {describe_measure(m)}")
        if rule.views:
            views = ", ".join(rule.views)
            lines.append(f"      judged from: {views} views (else UNKNOWN, with a cue to turn)")
        if m.cross_check == "either":
            lines.append("      a fault needs both sides to show it when the far side is visible")
        elif m.cross_check == "both":
            lines.append("      either side showing it is a fault (the far side when visible)")
        cues = [rule.cue_low, rule.cue_high] if (rule.cue_low or rule.cue_high) else [rule.cue]
        for cue in (c for c in cues if c):
            lines.append(f'      cue: "{cue}"')
        if rule.confirm:
            lines.append(f'      confirmation: "{rule.confirm}"')
    if spec.safety:
        lines += ["", f"Safety: {spec.safety}"]
    return "\n".join(line for i, line in enumerate(lines) if line or i > 3)
