"""The per-frame CSV: one row per frame, streamed, readable after an interruption."""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from posecheck.output import StreamedOutput
from posecheck.report.context import UNIT_DECIMALS, ReportContext, output_error, person_seen
from posecheck.results import FrameResult

# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(...), @SUM...);
# tab and carriage return start formulas in some of them too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(cell: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ (or a tab
    or carriage return) gets a leading apostrophe. Numbers, negative ones included, stay numbers."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def safe_row(cells: Iterable[object]) -> list[object]:
    """`spreadsheet_safe` over a row."""
    return [spreadsheet_safe(cell) for cell in cells]


def _format_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return ""
    decimals = UNIT_DECIMALS.get(unit, 3)
    # "+ 0.0" turns a rounded -0.0 into 0.0 so the CSV never shows "-0.0".
    return f"{round(value, decimals) + 0.0:.{decimals}f}"


def _format_s(seconds: float, decimals: int = 3) -> str:
    return f"{seconds:.{decimals}f}" if math.isfinite(seconds) else ""


class FrameCsvWriter(StreamedOutput):
    """Streams one CSV row per frame; opens the file on construction, like `open()`.

    Rows are flushed every `flush_every_frames` frames (and the header at once), so
    an interrupted run leaves a readable file holding what was done.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        ctx: ReportContext,
        *,
        flush_every_frames: int = 30,
    ) -> None:
        self.path = Path(path)
        self.rows_written = 0
        self._ctx = ctx
        self._flush_every_frames = max(1, flush_every_frames)
        self._rows_since_flush = 0
        try:
            self._file: IO[str] | None = self.path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise output_error(self.path, "per-frame CSV", exc) from exc
        self._writer = csv.writer(self._file)
        try:
            self._writer.writerow(safe_row(ctx.csv_columns))
            self._file.flush()
        except OSError as exc:
            self._close_quietly()
            raise output_error(self.path, "per-frame CSV", exc) from exc

    def write(self, result: FrameResult) -> None:
        """Append the row for one frame."""
        if self._file is None:
            raise ValueError(f"FrameCsvWriter for {self.path} is closed")
        row = self._row(result)
        try:
            self._writer.writerow(row)
            self.rows_written += 1
            self._rows_since_flush += 1
            if self._rows_since_flush >= self._flush_every_frames:
                self._file.flush()
                self._rows_since_flush = 0
        except OSError as exc:
            self._close_quietly()
            raise output_error(self.path, "per-frame CSV", exc) from exc

    def close(self) -> None:
        """Flush and close; closing twice is harmless."""
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            file.close()
        except OSError as exc:
            raise output_error(self.path, "per-frame CSV", exc) from exc

    def _row(self, result: FrameResult) -> list[object]:
        """The frame's cells, spreadsheet-safe: the texts that come from spec files (cue, side and
        phase names) go through `spreadsheet_safe`; numbers and verdict or hold-state words are
        never formulas, so they skip it (it is per cell, on every frame)."""
        ctx = self._ctx
        verdicts = {check.rule_id: check.verdict.value for check in result.checks}
        measures: list[object] = []
        for mid in ctx.measure_ids:
            measurement = result.measurements.get(mid)
            unit = ctx.measure_units[mid]
            measures.append("" if measurement is None else _format_value(measurement.value, unit))
        hold = result.hold
        return [
            result.index,
            _format_s(result.timestamp_s, 6),  # µs: keeps 59.94 fps steps exact
            int(person_seen(result)),
            spreadsheet_safe(result.side or ""),
            result.facing,
            int(result.in_pose),
            *measures,
            *(verdicts.get(rid, "") for rid in ctx.rule_ids),
            spreadsheet_safe(hold.side) if hold else "",
            hold.state.value if hold else "",
            _format_s(hold.held_s) if hold else "",
            spreadsheet_safe(result.cue.text) if result.cue else "",
            *self._rep_cells(result),
        ]

    def _rep_cells(self, result: FrameResult) -> list[object]:
        sides = self._ctx.rep_sides
        if not sides:
            return []
        reps = result.reps
        if reps is None:
            return [""] * (1 + len(sides))
        return [spreadsheet_safe(reps.phase or ""), *(reps.counts.get(side, 0) for side in sides)]
