"""What every report shares: the stretch described as plain values (`ReportContext`), the
compact per-frame codes of verdicts and hold states, and the error of an unwritable output.

Reports consume the engine's `FrameResult`s plus a `ReportContext`, so they do not depend
on the spec package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from posecheck.errors import OutputError
from posecheck.results import FrameResult, HoldState, Verdict

SEVERITIES: Final = ("critical", "advisory")
UNIT_DECIMALS: Final[dict[str, int]] = {"deg": 1, "ratio": 3}  # 0.1 deg, 0.001 ratio

# Compact per-frame codes stored by `SeriesRecorder` (int8 arrays).
NOT_EVALUATED: Final = 0
VERDICT_CODES: Final[dict[Verdict, int]] = {
    Verdict.PASS: 1,
    Verdict.FAIL_LOW: 2,
    Verdict.FAIL_HIGH: 3,
    Verdict.UNKNOWN: 4,
}
NO_HOLD: Final = 0
HOLD_STATE_CODES: Final[dict[HoldState, int]] = {
    HoldState.WAITING: 1,
    HoldState.HOLDING: 2,
    HoldState.PAUSED: 3,
    HoldState.DONE: 4,
}
NO_SIDE: Final = -1

_FIXED_LEADING_COLUMNS: Final = ("index", "timestamp_s", "pose_found", "side", "facing", "in_pose")
_FIXED_TRAILING_COLUMNS: Final = ("hold_side", "hold_state", "held_s", "cue")


@dataclass(frozen=True)
class ReportContext:
    """What a report needs to know about the stretch and the input, as plain values."""

    source: str  # input file name
    stretch_id: str
    stretch_name: str
    sides: tuple[str, ...]  # ("left", "right") or ("both",)
    hold_target_s: float
    measure_ids: tuple[str, ...]  # fixed column order
    measure_units: dict[str, str]  # "deg" | "ratio"
    rule_ids: tuple[str, ...]
    rule_severity: dict[str, str]  # "critical" | "advisory"
    rule_cues: dict[str, str]  # correction text per rule
    rule_ranges: dict[str, tuple[float | None, float | None]]  # allowed min/max, None = open
    rule_measure: dict[str, str]  # rule id -> measure id
    # Reps-mode specs: the sides reps are counted for; adds CSV columns after the fixed ones.
    rep_sides: tuple[str, ...] = ()
    # How far back inside its range a failing value must come to pass (plots draw the band).
    rule_hysteresis: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Built by code from an already validated spec, so a mismatch is a programming error.
        problems: list[str] = []
        if not self.sides or len(set(self.sides)) != len(self.sides):
            problems.append(f"sides must be non-empty and unique, got {self.sides!r}")
        for mid in self.measure_ids:
            if self.measure_units.get(mid) not in UNIT_DECIMALS:
                problems.append(
                    f"measure {mid!r} has unit {self.measure_units.get(mid)!r}, "
                    f"expected one of {sorted(UNIT_DECIMALS)}"
                )
        for rid in self.rule_ids:
            if self.rule_severity.get(rid) not in SEVERITIES:
                problems.append(
                    f"rule {rid!r} has severity {self.rule_severity.get(rid)!r}, "
                    f"expected one of {list(SEVERITIES)}"
                )
            if rid in self.rule_measure and self.rule_measure[rid] not in self.measure_ids:
                problems.append(
                    f"rule {rid!r} refers to measure {self.rule_measure[rid]!r}, which is not in measure_ids"
                )
        columns = self.csv_columns
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            problems.append(f"CSV column names collide: {duplicates} (measure/rule ids must differ)")
        if problems:
            raise ValueError("invalid ReportContext: " + "; ".join(problems))

    @property
    def csv_columns(self) -> tuple[str, ...]:
        reps = ("rep_phase", *(f"reps_{side}" for side in self.rep_sides)) if self.rep_sides else ()
        return _FIXED_LEADING_COLUMNS + self.measure_ids + self.rule_ids + _FIXED_TRAILING_COLUMNS + reps

    def is_critical(self, rule_id: str) -> bool:
        return self.rule_severity[rule_id] == "critical"

    def cue(self, rule_id: str) -> str:
        return self.rule_cues.get(rule_id) or readable(rule_id)

    def allowed_range(self, rule_id: str) -> tuple[float | None, float | None]:
        return self.rule_ranges.get(rule_id, (None, None))


def readable(identifier: str) -> str:
    """'knee-over-ankle' / 'knee_over_ankle' -> 'knee over ankle', for labels."""
    return identifier.replace("_", " ").replace("-", " ")


def output_error(path: Path, what: str, exc: OSError) -> OutputError:
    """The one-line error of an output that cannot be written."""
    reason = exc.strerror or str(exc)
    return OutputError(
        f"Cannot write the {what} {path}: {reason}. "
        "Check that the folder exists, is writable and the disk is not full."
    )


def write_text_atomic(path: str | os.PathLike[str], text: str, what: str) -> int:
    """Write a whole text file through a temporary name, so no reader ever sees half of it;
    returns its size in bytes. `what` names the output in the error."""
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    data = text.encode("utf-8")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise output_error(target, what, exc) from exc
    return len(data)


def person_seen(result: FrameResult) -> bool:
    """A person on this frame; being in the pose implies one even if a caller dropped the landmarks."""
    return result.pose is not None or result.in_pose
