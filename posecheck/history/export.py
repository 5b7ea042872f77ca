"""The history as CSV: one row per session and side, for a spreadsheet or a physiotherapist."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Final

from posecheck.history.record import ALL_SIDES
from posecheck.history.store import StoredSession

CSV_COLUMNS: Final = (
    "session_id",
    "started_at",
    "kind",
    "source",
    "stretch",
    "side",
    "target_s",
    "best_held_s",
    "reached",
    "time_in_pose_s",
    "time_in_good_form_s",
    "good_form",
    "reps_counted",
    "reps_target",
    "faults",
    "measures",
)


def _cell(value: float | None, decimals: int = 3) -> str:
    return "" if value is None else f"{round(value, decimals) + 0.0:g}"


def sessions_csv(sessions: Sequence[StoredSession]) -> str:
    """CSV text: a row per side of every session (a reps session without sides: one row).

    `faults` lists rule=seconds failing on that side; `measures` lists id=median/best for
    the whole session (the summary keeps measurements per session, not per side).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sessions:
        r = s.record
        measures = ";".join(
            f"{m.measure_id}={_cell(m.median)}" + (f"/{_cell(m.best)}" if m.best is not None else "")
            for m in r.measures
        )
        reps = {side: (target, counted) for side, target, counted, _ in r.reps}
        sides = r.sides or ()
        rows_for = [side.side for side in sides] or [next(iter(reps), ALL_SIDES)]
        for side_name in rows_for:
            side = r.side(side_name)
            faults = ";".join(
                f"{rule.rule_id}={_cell(rule.fail_s, 1)}"
                for rule in r.rules
                if rule.side == side_name and rule.fail_s > 0
            )
            target, counted = reps.get(side_name, (None, None))
            writer.writerow(
                [
                    s.id,
                    r.started_at,
                    r.kind,
                    r.source,
                    r.stretch_id,
                    side_name,
                    _cell(side.target_s) if side else "",
                    _cell(side.best_held_s) if side else "",
                    int(side.reached) if side else "",
                    _cell(side.time_in_pose_s) if side else "",
                    _cell(side.time_in_good_form_s) if side else "",
                    _cell(side.good_form_fraction) if side else "",
                    "" if counted is None else counted,
                    "" if target is None else target,
                    faults,
                    measures,
                ]
            )
    return out.getvalue()
