"""report.html: one self-contained page per session, to open offline and read at a glance.

    summary (SummaryBuilder) + series (SeriesRecorder) + ctx + fault thumbnails (moments.py)
      -> header and verdict -> hold per side -> left/right asymmetry -> reps (dynamic moves)
      -> verdict timeline -> fault moments -> measurements against their allowed bands

Everything is inline: CSS in a <style> element, charts as inline SVG drawn here
(crisp at any zoom, no JavaScript), thumbnails as base64 JPEG. There is no URL in
the file, so it opens the same without a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from posecheck import __version__, palette
from posecheck.report.context import (
    HOLD_STATE_CODES,
    NOT_EVALUATED,
    VERDICT_CODES,
    ReportContext,
    readable,
    write_text_atomic,
)
from posecheck.report.moments import FaultThumbnail, FormComparison
from posecheck.report.series import SeriesRecorder, code_runs, hysteresis_bands, verdict_waiting
from posecheck.report.summary import attempted, held_text, side_label
from posecheck.results import HoldState, Verdict
from posecheck.timing import MAX_FRAME_GAP_S, continues_previous, frame_durations_s

FloatArray = npt.NDArray[np.float64]

# Asymmetry: held time or good form differing by more than this share is worth saying.
ASYMMETRY_SHARE: Final = 0.20
# A rule "fails mostly on one side": failing at least this share of that side's time in
# the pose, and at least twice as often as on the other side.
ONE_SIDED_MIN_SHARE: Final = 0.10
ONE_SIDED_RATIO: Final = 2.0

_PASS: Final = VERDICT_CODES[Verdict.PASS]
_FAIL_LOW: Final = VERDICT_CODES[Verdict.FAIL_LOW]
_FAIL_HIGH: Final = VERDICT_CODES[Verdict.FAIL_HIGH]
_UNKNOWN: Final = VERDICT_CODES[Verdict.UNKNOWN]
_DONE: Final = HOLD_STATE_CODES[HoldState.DONE]
# When bands have more runs than pixels, a pixel column shows a failure that fills this much of it.
_ALARM_SHARE: Final = 0.25


# --------------------------------------------------------------------------- findings


def asymmetry_findings(summary: dict[str, Any]) -> list[str]:
    """Plain sentences about left/right differences worth acting on (empty when even or one-sided spec)."""
    sides: dict[str, Any] = summary.get("sides", {})
    if set(sides) != {"left", "right"}:
        return []
    left, right = sides["left"], sides["right"]
    done = [side for side in ("left", "right") if attempted(sides[side])]
    if len(done) == 1:
        other = "right" if done[0] == "left" else "left"
        return [f"Only the {done[0]} side was done: do the {other} side too, for balance."]
    if not done:
        return []
    findings = []
    held = {side: sides[side]["best_held_s"] or 0.0 for side in ("left", "right")}
    longer = max(held, key=lambda s: held[s])
    shorter = "right" if longer == "left" else "left"
    if held[longer] > 0 and (held[longer] - held[shorter]) / held[longer] > ASYMMETRY_SHARE:
        share = (held[longer] - held[shorter]) / held[longer]
        findings.append(
            f"The {shorter} side held {share:.0%} less: {held_text(held['left'])} s on the left, "
            f"{held_text(held['right'])} s on the right."
        )
    form = {side: sides[side]["good_form_fraction"] for side in ("left", "right")}
    both_judged = form["left"] is not None and form["right"] is not None
    if both_judged and abs(form["left"] - form["right"]) > ASYMMETRY_SHARE:
        worse = "left" if form["left"] < form["right"] else "right"
        findings.append(
            f"Form was weaker on the {worse}: good form {form['left']:.0%} of the time in the pose "
            f"on the left, {form['right']:.0%} on the right."
        )
    rules: dict[str, Any] = summary.get("rules", {})
    for rule_id, info in rules.items():
        share = {}
        for side, side_info in (("left", left), ("right", right)):
            in_pose_s = side_info["time_in_pose_s"] or 0.0
            fail_s = side_info.get("rules", {}).get(rule_id, {}).get("fail_s") or 0.0
            share[side] = fail_s / in_pose_s if in_pose_s > 0 else 0.0
        worse = max(share, key=lambda s: share[s])
        better = "right" if worse == "left" else "left"
        if share[worse] >= ONE_SIDED_MIN_SHARE and share[worse] >= ONE_SIDED_RATIO * share[better]:
            findings.append(
                f"'{info['cue']}' came up mostly on the {worse} side: {share[worse]:.0%} of the time "
                f"in the pose, against {share[better]:.0%} on the {better}."
            )
    return findings


# --------------------------------------------------------------------------- writing


def write_html_report(
    path: str | os.PathLike[str],
    summary: dict[str, Any],
    series: SeriesRecorder,
    ctx: ReportContext,
    thumbnails: Sequence[FaultThumbnail] = (),
    *,
    generated_at: dt.datetime | None = None,
    comparison: FormComparison | None = None,
) -> int:
    """Write report.html (replacing it atomically); returns its size in bytes."""
    text = render_html_report(
        summary, series, ctx, thumbnails, generated_at=generated_at, comparison=comparison
    )
    return write_text_atomic(path, text, "HTML report")


def render_html_report(
    summary: dict[str, Any],
    series: SeriesRecorder,
    ctx: ReportContext,
    thumbnails: Sequence[FaultThumbnail] = (),
    *,
    generated_at: dt.datetime | None = None,
    comparison: FormComparison | None = None,
) -> str:
    """The whole page as one string."""
    when = (generated_at or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")
    timing = _Timing.of(series, summary.get("frame_interval_cap_s", MAX_FRAME_GAP_S))
    moments = _group_moments(thumbnails)
    sections = [
        _header(summary, ctx, when),
        _holds_section(summary, series, ctx, timing),
        _asymmetry_section(summary),
        _comparison_section(comparison),
        _reps_section(summary),
        _timeline_section(series, ctx, timing, moments),
        _moments_section(moments, ctx),
        _measures_section(summary, series, ctx, timing),
        _footer(summary),
    ]
    title = f"{summary['stretch']['name']} - {summary['source']}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="posecheck {__version__}">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(s for s in sections if s)
        + "\n</main>\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _clock(t_s: float) -> str:
    """12.3 s -> '0:12.3'; a time a person finds in the video."""
    minutes, seconds = divmod(max(0.0, t_s), 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _seconds(value: float | None) -> str:
    return f"{value or 0.0:.1f} s"


# --------------------------------------------------------------------------- sections


def _header(summary: dict[str, Any], ctx: ReportContext, when: str) -> str:
    sides = summary.get("sides", {})
    tried = [info for info in sides.values() if attempted(info)]
    reached = sum(bool(info["reached"]) for info in sides.values())
    if not summary["complete"]:
        tone = "incomplete"
    elif sides and reached == len(sides):
        tone = "good"
    elif tried:
        tone = "warn"
    else:
        tone = "bad"
    in_pose_s = summary.get("time_in_pose_s") or 0.0
    good_s = summary.get("time_in_good_form_s") or 0.0
    faults = sum(info["episodes"] for info in summary.get("rules", {}).values())
    sides_text = " and ".join(ctx.sides) if ctx.sides != ("both",) else "both sides together"
    tiles = [
        ("time in the pose", _seconds(in_pose_s), f"of {_seconds(summary.get('duration_s'))} of video"),
        (
            "good form",
            f"{100 * good_s / in_pose_s:.0f}%" if in_pose_s else "-",
            "of the time in the pose",
        ),
        ("holds reached", f"{reached} of {len(sides)}", f"target {ctx.hold_target_s:g} s per side"),
        ("fault episodes", str(faults), "times a rule started failing"),
    ]
    tile_html = "".join(
        f'<div class="tile"><div class="tile-label">{_e(label)}</div>'
        f'<div class="tile-value">{_e(value)}</div><div class="tile-note">{_e(note)}</div></div>'
        for label, value, note in tiles
    )
    problem = ""
    if not summary["complete"] and summary.get("problem"):
        problem = f'<p class="problem">Stopped early: {_e(summary["problem"])}</p>'
    frames = summary.get("frames_analysed", 0)
    return (
        '<header id="report-header">'
        '<div class="eyebrow">posecheck session report</div>'
        f"<h1>{_e(summary['stretch']['name'])}</h1>"
        f'<p class="meta"><span class="source">{_e(summary["source"])}</span> · '
        f"{_e(sides_text)} · {_seconds(summary.get('duration_s'))} · {frames} frames · "
        f"analysed {_e(when)}</p>"
        f'<div id="verdict" class="verdict verdict-{tone}">{_e(summary["verdict"])}</div>'
        f"{problem}"
        f'<div class="tiles">{tile_html}</div>'
        "</header>"
    )


def _holds_section(
    summary: dict[str, Any], series: SeriesRecorder, ctx: ReportContext, timing: _Timing
) -> str:
    sides: dict[str, Any] = summary.get("sides", {})
    if not sides:
        return ""
    cards = []
    for k, (side, info) in enumerate(sides.items()):
        color = palette.SIDES[k % len(palette.SIDES)]
        held_s = info["best_held_s"] or 0.0
        target_s = info["target_s"] or ctx.hold_target_s
        if info["reached"]:
            badge = '<span class="badge badge-good">reached</span>'
        elif attempted(info):
            badge = '<span class="badge badge-warn">not reached</span>'
        else:
            badge = '<span class="badge badge-none">not attempted</span>'
        details = []
        if info["good_form_fraction"] is not None:
            details.append(
                f"good form <b>{100 * info['good_form_fraction']:.0f}%</b> of "
                f"{_seconds(info['time_in_pose_s'])} in the pose"
            )
        faults = info.get("fail_s_by_rule") or {}
        if faults:
            rule_id, fail_s = next(iter(faults.items()))
            cue = summary["rules"][rule_id]["cue"]
            details.append(f"most time failing: <b>{_e(cue)}</b> ({fail_s:.1f} s)")
        elif attempted(info):
            details.append("no rule failed")
        cards.append(
            f'<div class="hold-card" data-side="{_e(side)}">'
            f"{_ring_svg(held_s, target_s, color, info['reached'])}"
            f'<div class="hold-text"><h3>{_e(side_label(side))} {badge}</h3>'
            f'<p class="hold-numbers"><b>{held_text(held_s)} s</b> held of {target_s:g} s</p>'
            + "".join(f"<p>{d}</p>" for d in details)
            + "</div></div>"
        )
    chart = ""
    if len(series) and np.nanmax(series.held_s, initial=0.0) > 0:
        keys = "".join(
            f'<span><i style="background:{palette.SIDES[k % len(palette.SIDES)]}"></i>{_e(side)}</span>'
            for k, side in enumerate(ctx.sides)
        )
        chart = (
            f'<h3 class="chart-title">Hold timer over time <span class="legend inline">{keys}</span></h3>'
            f"{_hold_chart_svg(series, ctx, timing)}"
        )

    return (
        '<section id="holds"><h2>Hold per side</h2>'
        '<p class="lead">The timer counts only while every critical rule passes; the ring shows '
        "the longest hold against the target.</p>"
        f'<div class="hold-cards">{"".join(cards)}</div>{chart}</section>'
    )


def _asymmetry_section(summary: dict[str, Any]) -> str:
    if set(summary.get("sides", {})) != {"left", "right"} or not summary.get("time_in_pose_s"):
        return ""
    findings = asymmetry_findings(summary)
    if findings:
        items = "".join(f"<li>{_e(f)}</li>" for f in findings)
        return (
            '<section id="asymmetry" class="callout callout-warn">'
            f"<h2>Left and right differ</h2><ul>{items}</ul></section>"
        )
    sides = summary["sides"]
    return (
        '<section id="asymmetry" class="callout callout-good"><h2>Left and right were even</h2>'
        f"<p>Held {held_text(sides['left']['best_held_s'])} s on the left and "
        f"{held_text(sides['right']['best_held_s'])} s on the right, with no rule failing mostly "
        "on one side.</p></section>"
    )


def _comparison_section(comparison: FormComparison | None) -> str:
    """The spec's good form beside the person's own moment in the pose."""
    if comparison is None:
        return ""
    reference = base64.b64encode(comparison.reference_jpeg).decode("ascii")
    cards = [
        '<figure class="compare-card" data-figure="reference">'
        f'<img src="data:image/jpeg;base64,{reference}" alt="good form for this stretch">'
        "<figcaption><b>Good form</b>: the stretch inside every rule of the spec</figcaption></figure>"
    ]
    if comparison.person_jpeg is not None and comparison.person_t_s is not None:
        own = base64.b64encode(comparison.person_jpeg).decode("ascii")
        note = "every rule passing" if comparison.person_good_form else "your first moment in the pose"
        cards.append(
            '<figure class="compare-card" data-figure="person">'
            f'<img src="data:image/jpeg;base64,{own}" alt="you at {_clock(comparison.person_t_s)}">'
            f"<figcaption><b>You</b> at {_clock(comparison.person_t_s)}: {_e(note)}</figcaption></figure>"
        )
    return (
        '<section id="good-form"><h2>What good form looks like</h2>'
        f'<div class="compare">{"".join(cards)}</div></section>'
    )


def _reps_section(summary: dict[str, Any]) -> str:
    """Reps of a dynamic move, if the summary has them: {"target": n, "sides": {side: {"count": n}}}."""
    reps = summary.get("reps")
    if not isinstance(reps, dict):
        return ""
    target = reps.get("target") or 0
    sides = reps.get("sides")
    per_side: dict[str, Any] = sides if isinstance(sides, dict) else reps
    rows = []
    for side, info in per_side.items():
        if not isinstance(info, dict):
            continue
        count = int(info.get("count", info.get("reps", 0)) or 0)
        rejected = int(info.get("rejected", 0) or 0)
        side_target = int(info.get("target", target) or 0)
        width = 100 * min(1.0, count / side_target) if side_target else 0
        note = f", {rejected} with a fault (not counted)" if rejected else ""
        rows.append(
            f'<div class="rep-row"><span class="rep-side">{_e(side_label(side))}</span>'
            f'<span class="bar"><span class="bar-fill" style="width:{width:.0f}%"></span></span>'
            f'<span class="rep-count"><b>{count}</b> of {side_target} reps{_e(note)}</span></div>'
        )
    if not rows:
        return ""
    return f'<section id="reps"><h2>Reps</h2>{"".join(rows)}</section>'


def _timeline_section(
    series: SeriesRecorder,
    ctx: ReportContext,
    timing: _Timing,
    moments: Sequence[Sequence[FaultThumbnail]],
) -> str:
    if not len(series):
        return '<section id="timeline"><h2>Verdicts over time</h2><p>No frames were analysed.</p></section>'
    legend = [
        (palette.PASS, "pass"),
        (palette.FAIL["critical"], "fail, critical (pauses the hold)"),
        (palette.FAIL["advisory"], "fail, advisory"),
        (palette.UNKNOWN, "not visible"),
        (palette.IN_POSE, "in the pose"),
        (palette.PERSON, "person, not in the pose"),
    ]
    items = "".join(f'<span><i style="background:{c}"></i>{_e(label)}</span>' for c, label in legend)
    if moments:
        items += '<span><b class="marker-key">1</b>fault moment (below)</span>'
    return (
        '<section id="timeline"><h2>Verdicts over time</h2>'
        '<p class="lead">One band per rule, judged only while in the pose; "low"/"high" says which '
        "way the measurement left its band. Hover a bar for its times.</p>"
        f"{_timeline_svg(series, ctx, timing, moments)}"
        f'<div class="legend">{items}</div></section>'
    )


def _group_moments(moments: Sequence[FaultThumbnail]) -> list[list[FaultThumbnail]]:
    """Moments in time order, those sharing one picture (faults starting together) in one group."""
    groups: list[list[FaultThumbnail]] = []
    for moment in sorted(moments, key=lambda m: m.t_s):
        if groups and groups[-1][0].t_s == moment.t_s and groups[-1][0].jpeg == moment.jpeg:
            groups[-1].append(moment)
        else:
            groups.append([moment])
    return groups


def _moments_section(groups: Sequence[Sequence[FaultThumbnail]], ctx: ReportContext) -> str:
    if not groups:
        return (
            '<section id="moments"><h2>Fault moments</h2>'
            "<p>No rule failed while in the pose: nothing to show.</p></section>"
        )
    cards = []
    for n, group in enumerate(groups, start=1):
        first = group[0]
        data = base64.b64encode(first.jpeg).decode("ascii")
        side = f" · {first.side} side" if first.side and ctx.sides != ("both",) else ""
        names = ", ".join(readable(m.rule_id) for m in group)
        faults = []
        # Critical faults first, then in the spec's order.
        for moment in sorted(
            group, key=lambda m: (not ctx.is_critical(m.rule_id), ctx.rule_ids.index(m.rule_id))
        ):
            severity = ctx.rule_severity.get(moment.rule_id, "advisory")
            note = f"fault lasted {moment.episode_s:.1f} s"
            if not moment.cue_shown:
                note += "; its cue waited: a more urgent one was on screen"
            faults.append(
                f'<div class="fault" data-rule="{_e(moment.rule_id)}">'
                f'<p class="moment-rule"><span class="badge badge-{severity}">{_e(severity)}</span> '
                f"{_e(readable(moment.rule_id))}</p>"
                f'<p class="moment-cue">"{_e(moment.cue)}"</p>'
                f'<p class="moment-note">{_e(note)}</p></div>'
            )
        cards.append(
            f'<figure class="moment" id="moment-{n}">'
            f'<img src="data:image/jpeg;base64,{data}" alt="{_e(names)} at {_clock(first.t_s)}">'
            f'<figcaption><div class="moment-head"><b class="marker-key">{n}</b>'
            f'<span class="moment-time">{_clock(first.t_s)}{_e(side)}</span></div>'
            f"{''.join(faults)}</figcaption></figure>"
        )
    return (
        '<section id="moments"><h2>Fault moments</h2>'
        '<p class="lead">The picture when each fault\'s cue was given, for the longest times each '
        "rule failed; numbers match the markers on the timeline.</p>"
        f'<div class="moments">{"".join(cards)}</div></section>'
    )


def _measures_section(
    summary: dict[str, Any], series: SeriesRecorder, ctx: ReportContext, timing: _Timing
) -> str:
    if not len(series) or not ctx.measure_ids:
        return ""
    charts = []
    for j, measure_id in enumerate(ctx.measure_ids):
        info = summary.get("measures", {}).get(measure_id, {})
        unit = ctx.measure_units[measure_id]
        rules = [rid for rid in ctx.rule_ids if ctx.rule_measure.get(rid) == measure_id]
        label = info.get("label") or series.measure_labels.get(measure_id, readable(measure_id))
        stats = []
        if info.get("median") is not None:
            stats.append(f"median {_value(info['median'], unit)}")
            stats.append(f"range {_value(info['min'], unit)} to {_value(info['max'], unit)}")
        for rid in rules:
            stats.append(f"{_e(readable(rid))}: allowed {_e(_band_text(ctx.allowed_range(rid), unit))}")
        if not rules:
            stats.append("used to recognise the pose")
        unit_text = "degrees" if unit == "deg" else "ratio"
        charts.append(
            f'<div class="measure-chart" data-measure="{_e(measure_id)}">'
            f"<h3>{_e(label)} <small>({unit_text})</small></h3>"
            f'<p class="measure-stats">{" · ".join(stats)}</p>'
            f"{_measure_svg(series, ctx, timing, j, measure_id, rules)}</div>"
        )
    return (
        '<section id="measurements"><h2>Measurements against their allowed bands</h2>'
        '<p class="lead">Dark: in the pose (judged); faint: out of it. The green band is what the '
        "rules allow; red or orange where a rule failed. Hatched: the strip a failing value must "
        "come back past to pass again; grey: a rule waiting out its minimum duration before its "
        "verdict changes.</p>"
        f'<div class="measures">{"".join(charts)}</div></section>'
    )


def _footer(summary: dict[str, Any]) -> str:
    return (
        f"<footer><p>Made by posecheck {__version__} from {_e(summary['source'])}. Times are the "
        "video's own timestamps.</p><p>posecheck checks the shape of a stretch; it does not diagnose "
        "anything. Radiating leg pain, numbness or tingling call for a doctor first.</p></footer>"
    )


def _value(value: float, unit: str) -> str:
    return f"{value:.0f}°" if unit == "deg" else f"{value:.2f}"


def _band_text(band: tuple[float | None, float | None], unit: str) -> str:
    low, high = band
    if low is not None and high is not None:
        return f"{_value(low, unit)} to {_value(high, unit)}"
    if low is not None:
        return f"at least {_value(low, unit)}"
    if high is not None:
        return f"at most {_value(high, unit)}"
    return "anything"


# --------------------------------------------------------------------------- SVG charts


@dataclass(frozen=True)
class _Timing:
    """Frame times, how long each frame counts for, and where frames continue without a gap."""

    t: FloatArray
    end_s: FloatArray
    continues: npt.NDArray[np.bool_]
    t0: float
    t1: float

    @classmethod
    def of(cls, series: SeriesRecorder, cap_s: float) -> _Timing:
        t = series.timestamps_s
        end_s = t + frame_durations_s(t, cap_s)
        t0, t1 = (float(t[0]), float(end_s[-1])) if t.size else (0.0, 1.0)
        return cls(t, end_s, continues_previous(t, cap_s), t0, max(t1, t0 + 1e-3))


@dataclass(frozen=True)
class _XAxis:
    t0: float
    t1: float
    x0: float
    x1: float

    def x(self, t_s: float | FloatArray) -> Any:
        return self.x0 + (np.asarray(t_s) - self.t0) * (self.x1 - self.x0) / (self.t1 - self.t0)


def _nice_step(span: float, max_ticks: int) -> float:
    raw = span / max(1, max_ticks)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _ticks(low: float, high: float, max_ticks: int) -> list[float]:
    step = _nice_step(high - low, max_ticks)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + k * step, 10) for k in range(int((high - first) / step + 1e-9) + 1)]


def _time_label(t_s: float, span_s: float) -> str:
    if span_s >= 60:  # minutes:seconds on every tick once the session passes a minute
        minutes, seconds = divmod(t_s, 60.0)
        return f"{int(minutes)}:{seconds:02.0f}"
    return f"{t_s:g} s" if t_s == 0 else f"{t_s:g}"


def _time_axis_svg(axis: _XAxis, y_top: float, y_bottom: float, labels: bool = True) -> str:
    parts = []
    for t_s in _ticks(axis.t0, axis.t1, 10):
        x = float(axis.x(t_s))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_top:.1f}" y2="{y_bottom:.1f}" class="grid"/>')
        if labels:
            parts.append(
                f'<text x="{x:.1f}" y="{y_bottom + 14:.1f}" class="tick" text-anchor="middle">'
                f"{_time_label(t_s, axis.t1 - axis.t0)}</text>"
            )
    return "".join(parts)


def _svg(width: int, height: int, body: str, label: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}">'
        f"{body}</svg>"
    )


def _band_runs(
    codes: npt.NDArray[Any], timing: _Timing, n_bins: int, alarms: tuple[int, ...] = ()
) -> list[tuple[int, float, float]]:
    """(code, start_s, end_s) runs; with more runs than pixel columns (`n_bins`), one run per column.

    A column shows its most common code, or its most common alarm code (a failure)
    if alarms fill at least `_ALARM_SHARE` of it: short faults stay visible without
    a flickering hour turning solid red.
    """
    run_codes, starts, ends = code_runs(codes, timing.t, timing.end_s, timing.continues)
    if run_codes.size <= n_bins:
        return list(zip(run_codes.tolist(), starts.tolist(), ends.tolist(), strict=True))
    edges = np.linspace(timing.t0, timing.t1, n_bins + 1)
    first = np.searchsorted(timing.t, edges[:-1], side="left")
    filled = first < np.searchsorted(timing.t, edges[1:], side="left")
    low = int(codes.min())
    one_hot = np.eye(int(codes.max()) - low + 1, dtype=np.int32)[codes.astype(np.intp) - low]
    counts = np.add.reduceat(one_hot, np.minimum(first, codes.size - 1), axis=0)
    alarm_columns = [c - low for c in alarms if 0 <= c - low < counts.shape[1]]
    majority = counts.argmax(axis=1) + low
    binned = majority
    if alarm_columns:
        alarm_counts = counts[:, alarm_columns]
        alarmed = alarm_counts.sum(axis=1) >= _ALARM_SHARE * counts.sum(axis=1)
        worst = np.asarray(alarm_columns)[alarm_counts.argmax(axis=1)] + low
        binned = np.where(alarmed, worst, majority)
    out: list[tuple[int, float, float]] = []
    for i, code in enumerate(binned.tolist()):
        if not filled[i]:
            continue
        if out and out[-1][0] == code and math.isclose(out[-1][2], edges[i]):
            out[-1] = (code, out[-1][1], float(edges[i + 1]))
        else:
            out.append((code, float(edges[i]), float(edges[i + 1])))
    return out


_ROW_H = 24
_ROW_GAP = 6
_LABEL_W = 190


def _timeline_svg(
    series: SeriesRecorder,
    ctx: ReportContext,
    timing: _Timing,
    moments: Sequence[Sequence[FaultThumbnail]],
) -> str:
    width = 1120
    axis = _XAxis(timing.t0, timing.t1, _LABEL_W, width - 16)
    n_bins = int(axis.x1 - axis.x0)
    top = 8
    rows: list[tuple[str, str, list[tuple[int, float, float]], dict[int, str], dict[int, str]]] = []
    in_pose = series.in_pose
    for j, rid in enumerate(ctx.rule_ids):
        codes = np.where(in_pose, series.verdict_codes[:, j], NOT_EVALUATED)
        fail = palette.FAIL[ctx.rule_severity[rid]]
        colors = {_PASS: palette.PASS, _FAIL_LOW: fail, _FAIL_HIGH: fail, _UNKNOWN: palette.UNKNOWN}
        names = {
            _PASS: "pass",
            _FAIL_LOW: "fail (too low)",
            _FAIL_HIGH: "fail (too high)",
            _UNKNOWN: "not visible",
        }
        label = readable(rid) + (" (!)" if ctx.is_critical(rid) else "")
        rows.append((rid, label, _band_runs(codes, timing, n_bins, (_FAIL_HIGH, _FAIL_LOW)), colors, names))
    pose_codes = np.where(in_pose, 2, np.where(series.person, 1, 0))
    rows.append(
        (
            "in-pose",
            "in the pose",
            _band_runs(pose_codes, timing, n_bins),
            {2: palette.IN_POSE, 1: palette.PERSON},
            {2: "in the pose", 1: "person, not in the pose"},
        )
    )
    side_names = series.side_names
    rows.append(
        (
            "side",
            "working side",
            _band_runs(series.side_codes, timing, n_bins),
            {i: palette.SIDES[i % len(palette.SIDES)] for i in range(len(side_names))},
            dict(enumerate(side_names)),
        )
    )
    height = top + len(rows) * (_ROW_H + _ROW_GAP) + 22
    # Numbered markers where each fault moment was captured, on its rule's band.
    markers = [
        (n, ctx.rule_ids.index(m.rule_id), min(max(float(axis.x(m.t_s)), axis.x0 + 10), axis.x1 - 10))
        for n, group in enumerate(moments, start=1)
        for m in group
        if m.rule_id in ctx.rule_ids
    ]
    body = [_time_axis_svg(axis, top - 4, height - 22)]
    for r, (row_id, label, runs, colors, names) in enumerate(rows):
        y = top + r * (_ROW_H + _ROW_GAP)
        if r == len(ctx.rule_ids):  # a rule above the pose bands: a thin divider
            body.append(f'<line x1="8" x2="{width - 16}" y1="{y - 3.5}" y2="{y - 3.5}" class="divider"/>')
        body.append(
            f'<text x="{_LABEL_W - 10}" y="{y + _ROW_H / 2 + 4:.1f}" class="row-label" '
            f'text-anchor="end">{_e(label)}</text>'
        )
        body.append(f'<g class="band" data-row="{_e(row_id)}">')
        body.append(
            f'<rect x="{axis.x0}" y="{y}" width="{axis.x1 - axis.x0}" height="{_ROW_H}" class="track"/>'
        )
        for code, start_s, end_s in runs:
            color = colors.get(code)
            if color is None:
                continue
            x0, x1 = float(axis.x(start_s)), float(axis.x(end_s))
            tip = f"{label}: {names.get(code, '')} {_clock(start_s)}-{_clock(end_s)}"
            body.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(0.6, x1 - x0):.1f}" height="{_ROW_H}" '
                f'fill="{color}"><title>{_e(tip)}</title></rect>'
            )
            word = names.get(code) if row_id == "side" else None
            if row_id in ctx.rule_ids:
                word = {_FAIL_LOW: "low", _FAIL_HIGH: "high"}.get(code)
            word_w = 8 * len(word or "") + 8
            covered = any(row == r and abs(x - (x0 + x1) / 2) < word_w / 2 + 10 for _, row, x in markers)
            if word and x1 - x0 > word_w and not covered:
                body.append(
                    f'<text x="{(x0 + x1) / 2:.1f}" y="{y + _ROW_H / 2 + 4:.1f}" class="in-bar" '
                    f'text-anchor="middle">{_e(word)}</text>'
                )
        body.append("</g>")
    for n, row, x in markers:
        # Kept inside the plot (above) so a fault at the very start does not cover the row's name.
        y_mid = top + row * (_ROW_H + _ROW_GAP) + _ROW_H / 2
        body.append(
            f'<a href="#moment-{n}" class="marker"><circle cx="{x:.1f}" cy="{y_mid:.1f}" r="9"/>'
            f'<text x="{x:.1f}" y="{y_mid + 4:.1f}" text-anchor="middle">{n}</text>'
            f"<title>fault moment {n} at {_clock(moments[n - 1][0].t_s)}</title></a>"
        )
    return _svg(width, height, "".join(body), "verdict of every rule over time", "timeline-svg")


def _path(
    t: FloatArray, y: FloatArray, axis: _XAxis, y_of: Any, keep: npt.NDArray[np.bool_], timing: _Timing
) -> str:
    """An SVG path through the kept, finite points, lifting the pen at dropped points and frame gaps."""
    xs = axis.x(t)
    ys = y_of(y)
    ok = keep & np.isfinite(ys)
    if not ok.any():
        return ""
    # Many frames fall on one pixel column: keep its first point and any new extreme.
    columns = np.floor(xs).astype(np.int64)
    parts = []
    pen_down = False
    last_column = -1
    column_min = column_max = 0.0
    for i in np.flatnonzero(ok).tolist():
        if pen_down and not (ok[i - 1] and timing.continues[i]):
            pen_down = False
        x, yy = float(xs[i]), float(ys[i])
        if pen_down and columns[i] == last_column:
            if yy < column_min or yy > column_max:
                column_min, column_max = min(column_min, yy), max(column_max, yy)
                parts.append(f"L{x:.1f} {yy:.1f}")
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {yy:.1f}")
        pen_down, last_column, column_min, column_max = True, int(columns[i]), yy, yy
    return "".join(parts)


def _measure_svg(
    series: SeriesRecorder, ctx: ReportContext, timing: _Timing, j: int, measure_id: str, rules: list[str]
) -> str:
    width, height = 540, 170
    left, right, top, bottom = 48, 12, 10, 24
    axis = _XAxis(timing.t0, timing.t1, left, width - right)
    values = series.values[:, j]
    in_pose = series.in_pose
    unit = ctx.measure_units[measure_id]
    bands = [ctx.allowed_range(rid) for rid in rules]
    limits = [v for band in bands for v in band if v is not None]
    judged = values[in_pose & np.isfinite(values)]
    shown = judged if judged.size else values[np.isfinite(values)]
    data = np.concatenate([shown, np.asarray(limits, dtype=np.float64)])
    low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    pad = 0.12 * (high - low) if high > low else max(1.0, abs(high) * 0.1)
    y_min, y_max = low - pad, high + pad
    plot_top, plot_bottom = top, height - bottom

    def y_of(v: Any) -> Any:
        return plot_bottom - (np.asarray(v, dtype=np.float64) - y_min) * (plot_bottom - plot_top) / (
            y_max - y_min
        )

    clip = f"clip-{measure_id}"
    body = [
        f'<defs><clipPath id="{_e(clip)}"><rect x="{left}" y="{plot_top}" width="{axis.x1 - left}" '
        f'height="{plot_bottom - plot_top}"/></clipPath></defs>',
        _time_axis_svg(axis, plot_top, plot_bottom),
    ]
    for tick in _ticks(y_min, y_max, 4):
        y = float(y_of(tick))
        body.append(f'<line x1="{left}" x2="{axis.x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        text = f"{tick:g}°" if unit == "deg" else f"{tick:g}"
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{_e(text)}</text>')
    for band_low, band_high in bands:
        y_hi = plot_top if band_high is None else float(y_of(band_high))
        y_lo = plot_bottom if band_low is None else float(y_of(band_low))
        body.append(
            f'<rect x="{left}" y="{y_hi:.1f}" width="{axis.x1 - left}" height="{max(0.0, y_lo - y_hi):.1f}" '
            f'fill="{palette.PASS}" fill-opacity="0.14"/>'
        )
        for limit in (band_low, band_high):
            if limit is not None:
                y = float(y_of(limit))
                body.append(
                    f'<line x1="{left}" x2="{axis.x1}" y1="{y:.1f}" y2="{y:.1f}" class="limit" '
                    f'stroke="{palette.PASS}"/>'
                )
    t = timing.t
    # As on the timeline PNG: each rule's hysteresis band (hatched) and the frames where its
    # verdict waits out the minimum duration (grey), so a value inside the green band with a
    # failing verdict reads as the rule's own damping, not as a wrong verdict.
    hatch = f"hatch-{measure_id}"
    body.append(
        f'<defs><pattern id="{_e(hatch)}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{palette.PASS}" '
        'stroke-width="1.2" stroke-opacity="0.7"/></pattern></defs>'
    )
    for rid in rules:
        band_low, band_high = ctx.allowed_range(rid)
        hysteresis = ctx.rule_hysteresis.get(rid, 0.0)
        if hysteresis > 0:
            for start, stop in hysteresis_bands(band_low, band_high, hysteresis):
                y_top, y_bottom = float(y_of(stop)), float(y_of(start))
                body.append(
                    f'<rect x="{left}" y="{y_top:.1f}" width="{axis.x1 - left}" '
                    f'height="{max(0.0, y_bottom - y_top):.1f}" fill="url(#{_e(hatch)})" class="hysteresis"/>'
                )
        codes = series.verdict_codes[:, ctx.rule_ids.index(rid)]
        failing = (codes == _FAIL_LOW) | (codes == _FAIL_HIGH)
        waiting = in_pose & verdict_waiting(values, codes == _PASS, failing, band_low, band_high, hysteresis)
        flags, starts_s, ends_s = code_runs(waiting, t, timing.end_s, timing.continues)
        for start_s, end_s in zip(starts_s[flags], ends_s[flags], strict=True):
            x0, x1 = float(axis.x(start_s)), float(axis.x(end_s))
            body.append(
                f'<rect x="{x0:.1f}" y="{plot_top}" width="{max(0.5, x1 - x0):.1f}" '
                f'height="{plot_bottom - plot_top}" fill="{palette.WAITING}" fill-opacity="0.3" '
                'class="waiting">'
                f"<title>{_e(readable(rid))}: waiting out the minimum duration, "
                f"{_clock(float(start_s) - timing.t0)}-{_clock(float(end_s) - timing.t0)}</title></rect>"
            )
    # Faint: every frame; dark: the frames judged (in the pose); then each rule's failures on top.
    lines = [
        (_path(t, values, axis, y_of, np.ones(t.size, np.bool_), timing), "#b0bec5", 1.2),
        (_path(t, values, axis, y_of, in_pose, timing), palette.VALUE, 1.8),
    ]
    for rid in sorted(rules, key=ctx.is_critical):
        codes = series.verdict_codes[:, ctx.rule_ids.index(rid)]
        fail = in_pose & ((codes == _FAIL_LOW) | (codes == _FAIL_HIGH))
        lines.append((_path(t, values, axis, y_of, fail, timing), palette.FAIL[ctx.rule_severity[rid]], 2.6))
    body.append(f'<g clip-path="url(#{_e(clip)})">')
    for d, color, stroke in lines:
        if d:
            body.append(
                f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{stroke}" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    body.append("</g>")
    label = f"{readable(measure_id)} over time"
    return _svg(width, height, "".join(body), label, "measure-svg")


def _hold_chart_svg(series: SeriesRecorder, ctx: ReportContext, timing: _Timing) -> str:
    width, height = 1120, 150
    left, right, top, bottom = 48, 16, 12, 24
    axis = _XAxis(timing.t0, timing.t1, left, width - right)
    targets = set(series.hold_targets_s.values()) or {ctx.hold_target_s}
    top_s = max(max(targets), 1.0) * 1.1
    plot_top, plot_bottom = top, height - bottom

    def y_of(v: Any) -> Any:
        return plot_bottom - np.asarray(v, dtype=np.float64) * (plot_bottom - plot_top) / top_s

    body = [_time_axis_svg(axis, plot_top, plot_bottom)]
    for tick in _ticks(0.0, top_s, 3):
        y = float(y_of(tick))
        body.append(f'<line x1="{left}" x2="{axis.x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick:g} s</text>')
    for target_s in sorted(targets):
        y = float(y_of(target_s))
        body.append(f'<line x1="{left}" x2="{axis.x1}" y1="{y:.1f}" y2="{y:.1f}" class="target"/>')
        body.append(
            f'<text x="{axis.x1 - 4}" y="{y - 5:.1f}" class="tick" text-anchor="end">'
            f"target {target_s:g} s</text>"
        )
    for k, side in enumerate(ctx.sides):
        held = series.held_s[:, k]
        color = palette.SIDES[k % len(palette.SIDES)]
        if not np.nanmax(held, initial=0.0) > 0:
            continue  # a side never held has no line worth drawing (its card says so)
        d = _path(timing.t, held, axis, y_of, np.isfinite(held), timing)
        if d:
            body.append(
                f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2.2">'
                f"<title>{_e(side)}</title></path>"
            )
        done = np.flatnonzero(series.hold_state_codes[:, k] == _DONE)
        if done.size:
            x, y = float(axis.x(timing.t[done[0]])), float(y_of(held[done[0]]))
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}">'
                f"<title>{_e(side)} done</title></circle>"
            )
    return _svg(width, height, "".join(body), "hold timer per side over time", "hold-svg")


def _ring_svg(held_s: float, target_s: float, color: str, reached: bool) -> str:
    """A progress ring: the share of the target held, as a percentage in the middle."""
    radius, stroke = 46.0, 12.0
    circumference = 2 * math.pi * radius
    share = min(1.0, held_s / target_s) if target_s > 0 else 0.0
    arc = ""
    if share > 0:  # with nothing held, a round line cap alone would still draw a dot
        arc = (
            f'<circle cx="60" cy="60" r="{radius}" fill="none" stroke="{palette.PASS if reached else color}" '
            f'stroke-width="{stroke}" stroke-linecap="round" '
            f'stroke-dasharray="{share * circumference:.1f} {circumference:.1f}" '
            'transform="rotate(-90 60 60)"/>'
        )
    return (
        '<svg class="ring" viewBox="0 0 120 120" role="img" '
        f'aria-label="held {held_s:.1f} of {target_s:g} seconds">'
        f'<circle cx="60" cy="60" r="{radius}" fill="none" stroke="#e6eaee" stroke-width="{stroke}"/>{arc}'
        f'<text x="60" y="60" text-anchor="middle" class="ring-value">{share:.0%}</text>'
        '<text x="60" y="80" text-anchor="middle" class="ring-note">of target</text></svg>'
    )


_CSS: Final = (
    f":root {{ --ink:{palette.INK}; --muted:{palette.MUTED}; --line:#e3e8ec; --bg:#f5f7f9; --card:#fff;\n"
    f"  --good:{palette.GOOD_TEXT}; --warn:{palette.WARN_TEXT}; --bad:{palette.BAD_TEXT}; "
    f"--pass:{palette.PASS}; }}"
    + """
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 28px 40px; }
h1 { font-size:30px; margin:2px 0 4px; letter-spacing:-0.01em; }
h2 { font-size:19px; margin:0 0 6px; }
h3 { font-size:16px; margin:0 0 4px; }
section, header { background:var(--card); border:1px solid var(--line); border-radius:12px;
  padding:20px 22px; margin:0 0 18px; }
.eyebrow { text-transform:uppercase; letter-spacing:.08em; font-size:12px; color:var(--muted); }
.meta { color:var(--muted); margin:0 0 14px; }
.source { font-weight:600; color:var(--ink); }
.verdict { border-radius:8px; padding:12px 14px; font-size:16px; font-weight:600;
  border-left:6px solid; }
.verdict-good { background:#e8f5e9; border-color:var(--good); }
.verdict-warn { background:#fff4e0; border-color:#f0a030; }
.verdict-bad, .verdict-incomplete { background:#fdecea; border-color:var(--bad); }
.problem { color:var(--bad); }
.tiles { display:grid; grid-template-columns:repeat(4,1fr); gap:12px; margin-top:14px; }
.tile { border:1px solid var(--line); border-radius:10px; padding:10px 12px; }
.tile-label { font-size:12px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); }
.tile-value { font-size:26px; font-weight:700; }
.tile-note { font-size:12px; color:var(--muted); }
.lead { color:var(--muted); margin:0 0 12px; }
.hold-cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(320px,1fr)); gap:14px;
  margin-bottom:10px; }
.hold-card { display:flex; gap:16px; align-items:center; border:1px solid var(--line);
  border-radius:10px; padding:12px 16px; }
.hold-card p { margin:2px 0; color:var(--muted); }
.hold-card .hold-numbers { color:var(--ink); font-size:18px; }
.ring { width:112px; height:112px; flex:none; }
.ring-value { font-size:24px; font-weight:700; fill:var(--ink); }
.ring-note { font-size:11px; fill:var(--muted); }
.badge { display:inline-block; font-size:11px; font-weight:700; text-transform:uppercase;
  letter-spacing:.05em; border-radius:20px; padding:2px 8px; vertical-align:middle; margin-left:6px; }
.badge-good { background:#e8f5e9; color:var(--good); }
.badge-warn { background:#fff4e0; color:var(--warn); }
.badge-none { background:#eceff1; color:var(--muted); }
.badge-critical { background:#fdecea; color:var(--bad); }
.badge-advisory { background:#fff4e0; color:var(--warn); }
.callout ul { margin:4px 0 0; padding-left:20px; }
.callout-warn { border-left:6px solid #f0a030; }
.callout-good { border-left:6px solid var(--good); }
svg { display:block; width:100%; height:auto; font-family:inherit; }
svg .grid { stroke:#eef1f3; stroke-width:1; }
svg .divider { stroke:#cfd8dc; stroke-width:1; }
svg .tick { font-size:11px; fill:var(--muted); }
svg .row-label { font-size:13px; fill:var(--ink); }
svg .track { fill:#f4f6f8; }
svg .in-bar { font-size:11px; font-weight:700; fill:#fff; pointer-events:none; }
svg .limit { stroke-width:1; stroke-dasharray:4 3; }
svg .target { stroke:#455a64; stroke-width:1; stroke-dasharray:5 4; }
svg .marker circle { fill:#fff; stroke:var(--ink); stroke-width:1.6; }
svg .marker text { font-size:11px; font-weight:700; fill:var(--ink); }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; font-size:13px; color:var(--muted); margin-top:8px; }
.legend i { display:inline-block; width:14px; height:14px; border-radius:3px; vertical-align:-2px;
  margin-right:6px; }
.marker-key { display:inline-block; min-width:20px; height:20px; line-height:17px; text-align:center;
  border:1.6px solid var(--ink); border-radius:50%; font-size:11px; margin-right:6px; background:#fff;
  color:var(--ink); }
.moments { display:grid; grid-template-columns:repeat(auto-fill,minmax(300px,1fr)); gap:16px; }
.moment { margin:0; border:1px solid var(--line); border-radius:10px; overflow:hidden; background:#fff; }
.moment img { display:block; width:100%; height:auto; background:#263238; }
.moment figcaption { padding:10px 12px 12px; }
.moment-head { display:flex; align-items:center; gap:4px; }
.moment-time { font-weight:700; }
.fault { margin-top:8px; }
.moment-rule { margin:0; color:var(--muted); font-size:13px; }
.moment-rule .badge { margin:0 4px 0 0; }
.moment-cue { margin:2px 0 4px; font-weight:600; }
.moment-note { margin:0; font-size:12px; color:var(--muted); }
.measures { display:grid; grid-template-columns:repeat(2,1fr); gap:18px 22px; }
.measure-chart h3 small { font-weight:400; color:var(--muted); }
.measure-stats { margin:0 0 4px; font-size:13px; color:var(--muted); }
.chart-title { margin-top:10px; font-size:14px; color:var(--muted); font-weight:600; }
.legend.inline { display:inline-flex; margin:0 0 0 12px; font-weight:400; }
.rep-row { display:flex; align-items:center; gap:12px; margin:6px 0; }
.rep-side { width:70px; font-weight:600; }
.bar { flex:1; height:14px; background:#eceff1; border-radius:7px; overflow:hidden; }
.bar-fill { display:block; height:100%; background:var(--pass); }
footer { color:var(--muted); font-size:13px; padding:4px 4px 0; }
footer p { margin:2px 0; }
.compare { display:grid; grid-template-columns:repeat(auto-fit,minmax(300px,1fr)); gap:16px; }
.compare-card { margin:0; border:1px solid var(--line); border-radius:10px; overflow:hidden; }
.compare-card img { display:block; width:100%; height:260px; object-fit:contain; background:#263238; }
.compare-card figcaption { padding:8px 12px; font-size:14px; }
@media (max-width:800px) { .tiles, .measures { grid-template-columns:1fr 1fr; } }
@media print { body { background:#fff; } section, header { break-inside:avoid; } }
"""
)

# The look every posecheck page shares (the progress page reuses it): stylesheet and helpers.
STYLESHEET: Final = _CSS
escape = _e
svg_element = _svg
axis_ticks = _ticks
