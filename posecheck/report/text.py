"""What the terminal shows at the end of a run: the summary in a few lines."""

from __future__ import annotations

from typing import Any

from posecheck.report.summary import attempted, held_text, main_fault, side_label


def format_summary(summary: dict[str, Any]) -> str:
    """A few lines for the terminal: per side hold, form and main fault, then the verdict."""
    lines = [f"{summary['stretch']['name']} - {summary['source']}"]
    frames = summary["frames_analysed"]
    if frames:
        lines.append(
            f"Analysed {frames} frames over {summary['duration_s']:.1f} s; "
            f"person in view {summary['time_with_person_s']:.1f} s, "
            f"in pose {summary['time_in_pose_s']:.1f} s."
        )
    if summary["time_in_pose_s"] and not summary.get("reps"):
        for side, info in summary["sides"].items():
            label = side_label(side)
            if not attempted(info):
                lines.append(f"{label}: not attempted.")
                continue
            reached = "reached" if info["reached"] else "not reached"
            line = f"{label}: held {held_text(info['best_held_s'])} / {info['target_s']:g} s ({reached})"
            if info["good_form_fraction"] is not None:
                line += f"; good form {100 * info['good_form_fraction']:.0f}% of the time in pose"
            fault = main_fault(summary, info["fail_s_by_rule"])
            line += f"; most common fault: '{fault[0]}' {fault[1]:.1f} s" if fault else "; no faults"
            lines.append(line)
    reps = summary.get("reps")
    if reps:
        for side, count in reps["counted"].items():
            spoilt = reps["rejected"].get(side, 0)
            extra = f" ({spoilt} more with a critical fault)" if spoilt else ""
            label = "Reps" if side == "both" else f"{side.capitalize()} side"
            lines.append(f"{label}: {count} of {reps['target']} reps{extra}.")
    if not summary["complete"] and summary.get("problem"):
        lines.append(f"Stopped early: {summary['problem']}")
    elif summary.get("problem"):
        lines.append(f"Note: {summary['problem']}")  # e.g. a clock that restarted, skipped frames
    lines.append(f"Verdict: {summary['verdict']}")
    return "\n".join(lines)


def format_photos(summary: dict[str, Any]) -> str:
    """A photos summary: how many photos were in the pose, then one line per photo."""
    lines = [
        f"{summary['stretch']['name']}: {summary['photos_in_pose']} of "
        f"{summary['photos_analysed']} photo(s) in the pose"
    ]
    for photo in summary["photos"]:
        if not photo["person_found"]:
            state = "no person found"
        elif not photo["in_pose"]:
            state = "not in the pose"
        elif photo["faults"]:
            state = f"{photo['side'] or ''} side: " + (photo["cue"] or "faults")
        else:
            state = f"{photo['side'] or ''} side: good form"
        lines.append(f"  {photo['photo']}: {state}")
    return "\n".join(lines)
