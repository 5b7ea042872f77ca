"""Scoring: the engine's per-frame results against the hand labels, summed per spec and split.

Pure arithmetic on small records, so the figures can be checked by hand:

- in-pose recall: labelled in-pose units the engine also calls in pose / labelled in-pose units
- in-pose precision: units labelled in pose among those the engine calls in pose (labelled
  in or out; unsure units are left out of every figure)
- false in-pose rate: labelled out-of-pose units (the item's own spec, or a look-alike
  stretch's) that the engine calls in pose
- false-critical rate: labelled good-form units (in pose) on which a critical rule fails
  while the engine calls the pose, i.e. a critical fault is shown on a good stretch
- fault recall: labelled fault units (in pose, rule R) on which rule R fails while the engine
  calls the pose (a fault is only ever shown in the pose)
- side accuracy: labelled-side units on which the engine's working side is the label
  (an undecided side counts as wrong; the share undecided is reported beside it)
- rep-count error: |reps counted - reps labelled| per clip of a dynamic spec

A unit is a frame of a clip, or a photo. In-pose recall and precision are kept apart for
clips (frame-weighted) and photos (per item); the other figures pool the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from posecheck.checks.engine import Engine
from posecheck.evaluate.labels import FrameLabel, Item, frame_labels
from posecheck.pose.recording import RecordedFrame
from posecheck.results import Severity
from posecheck.spec.model import StretchSpec


@dataclass(frozen=True)
class FrameOutcome:
    """What the engine said on one frame (or photo)."""

    t_s: float
    in_pose: bool
    failing: frozenset[str] = frozenset()  # rule ids failing on this frame
    critical_failing: bool = False
    side: str | None = None


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.num + other.num, self.den + other.den)

    def to_json(self) -> dict[str, float | int | None]:
        value = self.value
        return {"value": None if value is None else round(value, 4), "num": self.num, "den": self.den}


ZERO = Ratio(0, 0)


@dataclass(frozen=True)
class Tally:
    """Counts for one item against one spec (or a sum of them)."""

    clip_recall: Ratio = ZERO
    clip_precision: Ratio = ZERO
    photo_recall: Ratio = ZERO
    photo_precision: Ratio = ZERO
    false_in_pose: Ratio = ZERO
    false_critical: Ratio = ZERO
    fault_recall: Ratio = ZERO
    side: Ratio = ZERO
    side_undecided: Ratio = ZERO
    rep_items: int = 0
    rep_exact: int = 0
    rep_abs_error: int = 0
    fault_recall_by_rule: dict[str, Ratio] = field(default_factory=dict)

    def __add__(self, other: Tally) -> Tally:
        rules = dict(self.fault_recall_by_rule)
        for rule_id, ratio in other.fault_recall_by_rule.items():
            rules[rule_id] = rules.get(rule_id, ZERO) + ratio
        return Tally(
            clip_recall=self.clip_recall + other.clip_recall,
            clip_precision=self.clip_precision + other.clip_precision,
            photo_recall=self.photo_recall + other.photo_recall,
            photo_precision=self.photo_precision + other.photo_precision,
            false_in_pose=self.false_in_pose + other.false_in_pose,
            false_critical=self.false_critical + other.false_critical,
            fault_recall=self.fault_recall + other.fault_recall,
            side=self.side + other.side,
            side_undecided=self.side_undecided + other.side_undecided,
            rep_items=self.rep_items + other.rep_items,
            rep_exact=self.rep_exact + other.rep_exact,
            rep_abs_error=self.rep_abs_error + other.rep_abs_error,
            fault_recall_by_rule=rules,
        )

    @property
    def rep_mean_abs_error(self) -> float | None:
        return self.rep_abs_error / self.rep_items if self.rep_items else None


def tally(
    labels: Sequence[FrameLabel],
    outcomes: Sequence[FrameOutcome],
    *,
    is_clip: bool,
    sided: bool,
    reps_labelled: int | None = None,
    reps_counted: int | None = None,
) -> Tally:
    """Count one item's frames (a photo is one frame). `sided`: the spec holds each side apart."""
    if len(labels) != len(outcomes):
        raise ValueError(f"{len(labels)} labels for {len(outcomes)} outcomes")
    tp = fn = fp = out = 0
    good = false_critical = 0
    fault_hits: dict[str, list[int]] = {}
    side_labelled = side_correct = side_undecided = 0
    for label, outcome in zip(labels, outcomes, strict=True):
        if label.pose == "unsure":
            continue
        if label.pose == "in":
            if outcome.in_pose:
                tp += 1
            else:
                fn += 1
            if label.faults:
                for rule_id in label.faults:
                    counts = fault_hits.setdefault(rule_id, [0, 0])
                    counts[0] += rule_id in outcome.failing
                    counts[1] += 1
            else:
                good += 1
                false_critical += outcome.critical_failing
            if sided and label.side is not None:
                side_labelled += 1
                side_correct += outcome.side == label.side
                side_undecided += outcome.side is None
        else:
            out += 1
            fp += outcome.in_pose
    recall, precision = Ratio(tp, tp + fn), Ratio(tp, tp + fp)
    by_rule = {rule_id: Ratio(hit, n) for rule_id, (hit, n) in fault_hits.items()}
    fault_recall = sum(by_rule.values(), ZERO)
    reps = reps_labelled is not None and reps_counted is not None
    error = abs(reps_counted - reps_labelled) if reps_counted is not None and reps_labelled is not None else 0
    return Tally(
        clip_recall=recall if is_clip else ZERO,
        clip_precision=precision if is_clip else ZERO,
        photo_recall=ZERO if is_clip else recall,
        photo_precision=ZERO if is_clip else precision,
        false_in_pose=Ratio(fp, out),
        false_critical=Ratio(false_critical, good),
        fault_recall=fault_recall,
        side=Ratio(side_correct, side_labelled),
        side_undecided=Ratio(side_undecided, side_labelled),
        rep_items=int(reps),
        rep_exact=int(reps and error == 0),
        rep_abs_error=error,
        fault_recall_by_rule=by_rule,
    )


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for one in tallies:
        result = result + one
    return result


@dataclass(frozen=True)
class ItemScore:
    """One item scored against one spec."""

    item: Item
    spec_id: str
    frames: int
    tally: Tally
    reps_labelled: int | None = None
    reps_counted: int | None = None
    by_view: dict[str, Tally] = field(default_factory=dict)  # the same counts per labelled camera view


def engine_outcomes(
    spec: StretchSpec, frames: Iterable[RecordedFrame], *, still: bool
) -> Iterator[tuple[FrameOutcome, int | None]]:
    """Run the engine over recorded frames: each frame's outcome and the reps counted so far."""
    engine = Engine(spec, still_images=still)
    critical = {r.id for r in spec.rules if r.severity == Severity.CRITICAL.value}
    for frame in frames:
        result = engine.step(frame.pose, frame.timestamp_s, frame.index)
        # A fault counts only where the user is shown it: in the pose. Out of the pose the
        # overlay draws no rule fault and the summary counts none (the entry cue speaks instead).
        failing = (
            frozenset(c.rule_id for c in result.checks if c.verdict.failing)
            if result.in_pose
            else frozenset()
        )
        reps = sum(result.reps.counts.values()) if result.reps is not None else None
        yield (
            FrameOutcome(frame.timestamp_s, result.in_pose, failing, bool(failing & critical), result.side),
            reps,
        )


def score_item(item: Item, spec: StretchSpec, frames: Sequence[RecordedFrame]) -> ItemScore:
    """Judge one item's recorded frames with `spec` and count them against the labels."""
    outcomes: list[FrameOutcome] = []
    reps_counted: int | None = None
    for outcome, reps in engine_outcomes(spec, frames, still=not item.is_clip):
        outcomes.append(outcome)
        reps_counted = reps
    labels = frame_labels(item, spec.id, [o.t_s for o in outcomes])
    own = spec.id == item.spec
    reps_labelled = item.reps if own and item.is_clip and spec.mode == "reps" else None
    if reps_labelled is None:
        reps_counted = None
    result = tally(
        labels,
        outcomes,
        is_clip=item.is_clip,
        sided=spec.sides != ("both",),
        reps_labelled=reps_labelled,
        reps_counted=reps_counted,
    )
    by_view = {}
    for view in sorted({label.view for label in labels if label.view}):
        chosen = [k for k, label in enumerate(labels) if label.view == view]
        by_view[view] = tally(
            [labels[k] for k in chosen],
            [outcomes[k] for k in chosen],
            is_clip=item.is_clip,
            sided=spec.sides != ("both",),
        )
    return ItemScore(item, spec.id, len(outcomes), result, reps_labelled, reps_counted, by_view)
