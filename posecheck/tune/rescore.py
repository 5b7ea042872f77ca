"""Re-score a recording against a spec, and again with other rule ranges.

`score_recording` runs the real Engine over every frame once and keeps, per rule, the
value it judged and its verdict. Changing a rule's range changes nothing upstream of the
rule (smoothing, sides, measurements and the entry conditions do not look at rules), so
`RuleRescorer` re-runs only the rules' own trackers (the Engine's RuleTracker and
judged_value, same hysteresis and minimum duration) on the stored measurements: about a
hundred times faster than the whole engine, fast enough for sliders. Reps-mode rules
that are judged only `during` some phases are re-scored through the whole Engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck.checks.engine import Engine, judged_value
from posecheck.checks.rules import RuleTracker
from posecheck.pose.recording import RecordedFrame
from posecheck.report.context import NOT_EVALUATED, VERDICT_CODES
from posecheck.results import FrameResult, Measurement, Verdict
from posecheck.spec.model import Rule, StretchSpec

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

Range = tuple[float | None, float | None]

FAIL_CODES = (VERDICT_CODES[Verdict.FAIL_LOW], VERDICT_CODES[Verdict.FAIL_HIGH])
PASS_CODE = VERDICT_CODES[Verdict.PASS]


@dataclass(frozen=True)
class RuleTrace:
    """One rule over a recording: the value it judged and its verdict on every frame."""

    rule: Rule
    unit: str  # "deg" | "ratio"
    label: str  # the measurement's short name
    values: FloatArray  # NaN where not measured (or no person)
    verdicts: CodeArray  # report.VERDICT_CODES; NOT_EVALUATED where no person

    @property
    def failing(self) -> BoolArray:
        return np.isin(self.verdicts, FAIL_CODES)

    @property
    def range(self) -> Range:
        return self.rule.min, self.rule.max


@dataclass(frozen=True)
class Scored:
    """A recording judged against a spec: per-frame times, person, in-pose, and each rule's trace."""

    spec: StretchSpec
    source: str  # the recording's file name
    timestamps_s: FloatArray
    person: BoolArray
    in_pose: BoolArray
    rules: tuple[RuleTrace, ...]
    results: tuple[FrameResult, ...]  # the Engine's own results, for drawing

    def rule(self, rule_id: str) -> RuleTrace:
        return next(trace for trace in self.rules if trace.rule.id == rule_id)


def score_recording(frames: Sequence[RecordedFrame], spec: StretchSpec, source: str = "") -> Scored:
    """Run the Engine over every frame (time from the frames' own timestamps)."""
    engine = Engine(spec)
    results = tuple(engine.step(f.pose, f.timestamp_s, f.index) for f in frames)
    return _scored(results, spec, source)


def _scored(results: Sequence[FrameResult], spec: StretchSpec, source: str) -> Scored:
    n = len(results)
    rules = []
    for k, rule in enumerate(spec.rules):
        values = np.full(n, np.nan)
        verdicts = np.full(n, NOT_EVALUATED, dtype=np.int8)
        for i, result in enumerate(results):
            if result.checks:
                values[i] = result.checks[k].value
                verdicts[i] = VERDICT_CODES[result.checks[k].verdict]
        measure = spec.measurements[rule.measure]
        label = measure.label or rule.measure.replace("_", " ")
        rules.append(RuleTrace(rule, measure.unit, label, values, verdicts))
    return Scored(
        spec=spec,
        source=source,
        timestamps_s=np.array([r.timestamp_s for r in results], dtype=np.float64),
        person=np.array([r.pose is not None for r in results], dtype=np.bool_),
        in_pose=np.array([r.in_pose for r in results], dtype=np.bool_),
        rules=tuple(rules),
        results=tuple(results),
    )


def with_ranges(spec: StretchSpec, ranges: Mapping[str, Range]) -> StretchSpec:
    """The spec with some rules' [min, max] replaced, validated like a loaded file."""
    data = spec.model_dump(exclude_unset=True)
    for rule in data["rules"]:
        if rule["id"] in ranges:
            low, high = ranges[rule["id"]]
            rule.pop("min", None)
            rule.pop("max", None)
            if low is not None:
                rule["min"] = low
            if high is not None:
                rule["max"] = high
    return StretchSpec.model_validate(data)


class RuleRescorer:
    """Verdicts of one rule for any [min, max], from the measurements of a scored recording."""

    def __init__(self, scored: Scored, rule_id: str) -> None:
        self.scored = scored
        self.trace = scored.rule(rule_id)
        rule = self.trace.rule
        spec = scored.spec
        self._hysteresis = spec.hysteresis_for(rule)
        self._cross_check = spec.measurements[rule.measure].cross_check
        self._needs_engine = rule.during is not None
        empty = Measurement(rule.measure, "", math.nan, self.trace.unit, (), "")
        self._measurements: list[Measurement | None] = [
            r.measurements.get(rule.measure, empty) if r.pose is not None else None for r in scored.results
        ]

    def verdicts(self, low: float | None, high: float | None) -> tuple[FloatArray, CodeArray]:
        """(judged values, verdict codes) on every frame with the rule's range set to [low, high]."""
        if self._needs_engine:
            spec = with_ranges(self.scored.spec, {self.trace.rule.id: (low, high)})
            engine = Engine(spec)
            results = [engine.step(r.pose, r.timestamp_s, r.index) for r in self.scored.results]
            trace = _scored(results, spec, self.scored.source).rule(self.trace.rule.id)
            return trace.values, trace.verdicts
        rule = self.trace.rule
        tracker = RuleTracker(low, high, self._hysteresis, rule.min_duration_s)
        n = len(self._measurements)
        values = np.full(n, np.nan)
        codes = np.full(n, NOT_EVALUATED, dtype=np.int8)
        for i, (measurement, t_s) in enumerate(
            zip(self._measurements, self.scored.timestamps_s.tolist(), strict=True)
        ):
            if measurement is None:
                tracker.reset()  # as the Engine does when nobody is found
                continue
            value = judged_value(measurement, low, high, self._cross_check)
            values[i] = value
            codes[i] = VERDICT_CODES[tracker.update(value, t_s)]
        return values, codes
