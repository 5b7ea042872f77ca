"""`tune`: a recording against a spec, rule by rule: statistics, suggested ranges, plot and table.

recording -> Engine (score_recording) -> per rule: stats, suggestion
  -> re-score with the suggestions (same trackers) -> NAME.tune.png, NAME.tune.csv
  -> (--write) the suggestions into the spec file, with a note of where they came from
"""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecheck.errors import OutputError
from posecheck.pose.recording import RecordedFrame
from posecheck.report.csv import spreadsheet_safe
from posecheck.report.outputs import output_path
from posecheck.spec.model import StretchSpec
from posecheck.tune.plot import plot_tune
from posecheck.tune.rescore import FAIL_CODES, RuleRescorer, Scored, score_recording
from posecheck.tune.specfile import RangeEdit
from posecheck.tune.suggest import MARGIN_FLOOR, RuleStats, Suggestion, rule_stats, suggest_range

CSV_COLUMNS = (
    "rule",
    "severity",
    "measure",
    "unit",
    "min",
    "max",
    "in_pose_n",
    "value_min",
    "p5",
    "p50",
    "p95",
    "value_max",
    "fail_pct",
    "jitter_sigma",
    "suggested_min",
    "suggested_max",
    "suggested_fail_pct",
)


@dataclass
class TuneResult:
    """Everything `tune` found; `suggestions` is empty unless asked for."""

    scored: Scored
    stats: dict[str, RuleStats]
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    suggested_fail_pct: dict[str, float] = field(default_factory=dict)
    no_suggestion: dict[str, str] = field(default_factory=dict)  # rule id -> why not
    outputs: dict[str, Path] = field(default_factory=dict)


def tune_recording(
    frames: Sequence[RecordedFrame],
    spec: StretchSpec,
    source: str,
    *,
    suggest: bool = False,
    rule_ids: Collection[str] | None = None,
    floors: Mapping[str, float] = MARGIN_FLOOR,
) -> TuneResult:
    """Score the recording; with `suggest`, propose ranges for `rule_ids` (default: every rule)."""
    scored = score_recording(frames, spec, source)
    result = TuneResult(scored, {t.rule.id: rule_stats(scored, t) for t in scored.rules})
    if not suggest:
        return result
    for trace in scored.rules:
        if rule_ids is not None and trace.rule.id not in rule_ids:
            continue
        suggestion = suggest_range(scored, trace, floors)
        if suggestion is None:
            n = result.stats[trace.rule.id].n
            result.no_suggestion[trace.rule.id] = f"only {n} in-pose frame(s) with a value"
            continue
        result.suggestions[trace.rule.id] = suggestion
        _, codes = RuleRescorer(scored, trace.rule.id).verdicts(*suggestion.range)
        failing = int(np.isin(codes, FAIL_CODES)[scored.in_pose].sum())
        n = result.stats[trace.rule.id].n
        result.suggested_fail_pct[trace.rule.id] = 100.0 * failing / n if n else math.nan
    return result


def write_outputs(result: TuneResult, out_dir: Path, stem: str) -> dict[str, Path]:
    """NAME.tune.png and NAME.tune.csv in `out_dir`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    outputs = {
        "plot": output_path(out_dir, stem, "tune plot"),
        "table": output_path(out_dir, stem, "tune table"),
    }
    plot_tune(outputs["plot"], result.scored, result.stats, result.suggestions, result.suggested_fail_pct)
    write_csv(outputs["table"], table_rows(result))
    result.outputs.update(outputs)
    return outputs


def range_edits(result: TuneResult, date: str) -> list[RangeEdit]:
    """The suggestions as edits for the spec file, each with its note."""
    source = result.scored.source
    return [
        RangeEdit(rule_id, s.unit, s.min, s.max, s.note(source, date))
        for rule_id, s in result.suggestions.items()
    ]


# -- the table --------------------------------------------------------------------


def _number(value: float | None, unit: str, extra_decimals: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return ""
    decimals = (1 if unit == "deg" else 3) + extra_decimals
    return f"{round(value, decimals) + 0.0:.{decimals}f}"


def table_rows(result: TuneResult) -> list[dict[str, str]]:
    """One row per rule, as the CSV holds it (numbers as text, '' for none)."""
    rows = []
    for trace in result.scored.rules:
        rule, unit, stats = trace.rule, trace.unit, result.stats[trace.rule.id]
        suggestion = result.suggestions.get(rule.id)
        pct = result.suggested_fail_pct.get(rule.id)
        rows.append(
            {
                "rule": rule.id,
                "severity": rule.severity,
                "measure": rule.measure,
                "unit": unit,
                "min": "" if rule.min is None else f"{rule.min:g}",
                "max": "" if rule.max is None else f"{rule.max:g}",
                "in_pose_n": str(stats.n),
                "value_min": _number(stats.min, unit),
                "p5": _number(stats.p5, unit),
                "p50": _number(stats.p50, unit),
                "p95": _number(stats.p95, unit),
                "value_max": _number(stats.max, unit),
                "fail_pct": "" if not stats.n else f"{stats.fail_pct:.1f}",
                "jitter_sigma": _number(stats.jitter, unit, 1),
                "suggested_min": ""
                if suggestion is None or suggestion.min is None
                else f"{suggestion.min:g}",
                "suggested_max": ""
                if suggestion is None or suggestion.max is None
                else f"{suggestion.max:g}",
                "suggested_fail_pct": "" if pct is None or not math.isfinite(pct) else f"{pct:.1f}",
            }
        )
    return rows


def write_csv(path: Path, rows: Sequence[Mapping[str, str]]) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in rows)
    except OSError as exc:
        raise OutputError(f"cannot write the tune table {path}: {exc.strerror or exc}") from None


def _allowed(low: str, high: str) -> str:
    if low and high:
        return f"{low}..{high}"
    return f"<= {high}" if high else f">= {low}"


def format_table(result: TuneResult) -> str:
    """The table for the terminal: current range, in-pose spread, % failing, suggestion."""
    rows = table_rows(result)
    header = ["rule", "unit", "allowed", "n", "min", "p5", "p50", "p95", "max", "fail%"]
    if result.suggestions:
        header += ["suggested", "fail%"]
    lines = []
    for row in rows:
        cells = [
            row["rule"] + (" (!)" if row["severity"] == "critical" else ""),
            row["unit"],
            _allowed(row["min"], row["max"]),
            row["in_pose_n"],
            row["value_min"],
            row["p5"],
            row["p50"],
            row["p95"],
            row["value_max"],
            row["fail_pct"],
        ]
        if result.suggestions:
            suggested = (
                _allowed(row["suggested_min"], row["suggested_max"])
                if row["suggested_min"] or row["suggested_max"]
                else result.no_suggestion.get(row["rule"], "-")
            )
            cells += [suggested, row["suggested_fail_pct"]]
        lines.append(cells)
    widths = [
        max(len(h), *(len(c) for c in col)) for h, col in zip(header, zip(*lines, strict=True), strict=True)
    ]
    # Words left-aligned, numbers right-aligned.
    right = {"n", "min", "p5", "p50", "p95", "max", "fail%"}

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if h in right else c.ljust(w) for h, c, w in zip(header, cells, widths, strict=True)
        ).rstrip()

    text = [fmt(header), *(fmt(cells) for cells in lines)]
    text.append("in pose: n frames with a value; fail%: of those; (!) critical")
    return "\n".join(text)
