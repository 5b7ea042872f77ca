"""ReportContexts for report tests that need no measurement or rule."""

from __future__ import annotations

from typing import Any

from posecheck.report.context import ReportContext


def bare_context(**changes: Any) -> ReportContext:
    """A stretch with one side ("both"), a 60 s hold and nothing measured; `changes` override fields."""
    fields: dict[str, Any] = {
        "source": "clip.mp4",
        "stretch_id": "x",
        "stretch_name": "X",
        "sides": ("both",),
        "hold_target_s": 60.0,
        "measure_ids": (),
        "measure_units": {},
        "rule_ids": (),
        "rule_severity": {},
        "rule_cues": {},
        "rule_ranges": {},
        "rule_measure": {},
    }
    return ReportContext(**(fields | changes))
