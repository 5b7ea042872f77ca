"""Summary dicts in the exact shape `SummaryBuilder.summary()` gives, with chosen numbers."""

from __future__ import annotations

from typing import Any


def make_summary(
    stretch_id: str = "kneeling-hip-flexor",
    *,
    source: str = "clip.mp4",
    held_s: dict[str, float | None] | None = None,
    target_s: float = 30.0,
    in_pose_s: dict[str, float] | None = None,
    good_s: dict[str, float] | None = None,
    measures: dict[str, tuple[float, float, float]] | None = None,  # id -> (min, median, max)
    rules: dict[str, tuple[str, str, float | None, float | None, float]] | None = None,
    reps: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """rules: id -> (measure, severity, allowed_min, allowed_max, fail_s)."""
    held_s = held_s if held_s is not None else {"left": 30.0, "right": 20.0}
    in_pose_s = in_pose_s or {side: 40.0 for side in held_s}
    good_s = good_s or {side: 30.0 for side in held_s}
    measures = (
        measures
        if measures is not None
        else {"back_thigh": (5.0, 12.0, 20.0), "torso_lean": (-3.0, 4.0, 9.0)}
    )
    rules = (
        rules
        if rules is not None
        else {
            "back-hip-extended": ("back_thigh", "advisory", 0.0, None, 2.0),
            "torso-upright": ("torso_lean", "critical", -15.0, 20.0, 0.0),
        }
    )
    rule_info = {
        rid: {
            "severity": severity,
            "cue": f"cue for {rid}",
            "measure": measure,
            "allowed_min": low,
            "allowed_max": high,
            "fail_s": fail_s,
            "episodes": 1 if fail_s else 0,
        }
        for rid, (measure, severity, low, high, fail_s) in rules.items()
    }
    sides = {}
    for side, held in held_s.items():
        sides[side] = {
            "target_s": target_s,
            "best_held_s": held,
            "final_held_s": held,
            "reached": held is not None and held >= target_s,
            "time_in_pose_s": in_pose_s[side],
            "time_in_good_form_s": good_s[side],
            "good_form_fraction": good_s[side] / in_pose_s[side] if in_pose_s[side] else None,
            "fail_s_by_rule": {},
            "rules": {
                rid: {
                    "fail_s": fail_s / len(held_s),
                    "first_fail_s": None,
                    "last_fail_s": None,
                    "episodes": 1 if fail_s else 0,
                    "frames_failing": 0,
                }
                for rid, (_, _, _, _, fail_s) in rules.items()
            },
        }
    summary: dict[str, Any] = {
        "format": "posecheck-summary/1",
        "source": source,
        "stretch": {"id": stretch_id, "name": stretch_id.replace("-", " ").capitalize()},
        "complete": True,
        "problem": None,
        "frames_analysed": 1800,
        "frames_total": 1800,
        "frames_with_person": 1700,
        "duration_s": 60.0,
        "time_with_person_s": 58.0,
        "time_in_pose_s": sum(in_pose_s.values()),
        "time_in_good_form_s": sum(good_s.values()),
        "frame_interval_cap_s": 0.5,
        "sides": sides,
        "rules": rule_info,
        "measures": {
            mid: {
                "label": mid.replace("_", " "),
                "unit": "deg",
                "frames_in_pose": 100,
                "min": lo,
                "median": med,
                "max": hi,
            }
            for mid, (lo, med, hi) in measures.items()
        },
        "verdict": "Target hold reached.",
    }
    if reps is not None:
        summary["reps"] = reps
    return summary
