"""The tune plot: one panel per rule, its judged value over time against the allowed band."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posecheck import palette
from posecheck.errors import OutputError
from posecheck.report.plot import draw_hysteresis, plain_text
from posecheck.report.series import verdict_waiting
from posecheck.timing import continues_previous, frame_durations_s
from posecheck.tune.rescore import PASS_CODE, BoolArray, FloatArray, RuleTrace, Scored
from posecheck.tune.suggest import RuleStats, Suggestion, format_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_COLOR_VALUE = palette.VALUE
_COLOR_OUT_OF_POSE = palette.OUT_OF_POSE
_COLOR_ALLOWED = palette.PASS
_COLOR_FAIL = palette.FAIL
_COLOR_IN_POSE = palette.IN_POSE
_COLOR_SUGGESTED = palette.SUGGESTED
_PANEL_IN = 2.1
_HEADER_IN = 0.95


def _spans(mask: BoolArray, t: FloatArray, end_s: FloatArray) -> list[tuple[float, float]]:
    """(start_s, end_s) of each run of True frames."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(t[a]), float(end_s[b])) for a, b in zip(starts, stops, strict=True)]


def _bound_text(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"{format_value(low, unit)} .. {format_value(high, unit)}"
    if high is not None:
        return f"≤ {format_value(high, unit)}"
    return f"≥ {format_value(low if low is not None else math.nan, unit)}"


def _stat(value: float, unit: str) -> str:
    return f"{value:.1f}" if unit == "deg" else f"{value:.3f}"


def plot_tune(
    path_png: str | os.PathLike[str],
    scored: Scored,
    stats: Mapping[str, RuleStats],
    suggestions: Mapping[str, Suggestion] | None = None,
    suggested_fail_pct: Mapping[str, float] | None = None,
    *,
    width_px: int = 1200,
    dpi: int = 100,
) -> tuple[int, int]:
    """Write the PNG; returns its (width, height) in pixels."""
    with plain_text():
        return _plot_tune(path_png, scored, stats, suggestions, suggested_fail_pct, width_px, dpi)


def _plot_tune(
    path_png: str | os.PathLike[str],
    scored: Scored,
    stats: Mapping[str, RuleStats],
    suggestions: Mapping[str, Suggestion] | None,
    suggested_fail_pct: Mapping[str, float] | None,
    width_px: int,
    dpi: int,
) -> tuple[int, int]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    suggestions = suggestions or {}
    suggested_fail_pct = suggested_fail_pct or {}
    t = scored.timestamps_s
    # Each frame reaches to the next one (not across a gap in the video).
    end_s = t + frame_durations_s(t)
    n_panels = max(1, len(scored.rules))
    height_px = round((_HEADER_IN + _PANEL_IN * n_panels + 0.5) * dpi)
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n_panels, 1, sharex=True, squeeze=False)[:, 0]
    fig.suptitle(
        f"Tuning {scored.spec.id} on {scored.source}", fontsize=13, fontweight="bold", x=0.01, ha="left"
    )
    in_pose_spans = _spans(scored.in_pose, t, end_s)
    for ax, trace in zip(axes, scored.rules, strict=False):
        _panel(ax, scored, trace, stats[trace.rule.id], suggestions.get(trace.rule.id), in_pose_spans, end_s)
        pct = suggested_fail_pct.get(trace.rule.id)
        if pct is not None and math.isfinite(pct):
            ax.text(
                1.0,
                1.02,
                f"with suggested: {pct:.1f}% failing",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=9.5,
                color=_COLOR_SUGGESTED,
            )
    axes[-1].set_xlabel("time (s)")
    if t.size:
        axes[-1].set_xlim(float(t[0]), float(end_s[-1]))
    legend = [
        Line2D([], [], color=_COLOR_VALUE, linewidth=1.6, label="value, in pose"),
        Line2D([], [], color=_COLOR_OUT_OF_POSE, linewidth=1.2, label="not in pose (not judged)"),
        Patch(color=_COLOR_IN_POSE, alpha=0.12, label="in pose"),
        Patch(color=_COLOR_ALLOWED, alpha=0.25, label="allowed now"),
        Patch(facecolor="none", edgecolor=_COLOR_ALLOWED, hatch="///", label="hysteresis"),
        Patch(color=palette.WAITING, alpha=0.3, label="waiting min. duration"),
        Line2D([], [], color=_COLOR_FAIL["critical"], linewidth=2.4, label="failing, critical"),
        Line2D([], [], color=_COLOR_FAIL["advisory"], linewidth=2.4, label="failing, advisory"),
        Line2D([], [], color=_COLOR_FAIL["critical"], marker="v", linestyle="none", label="starts failing"),
        Line2D([], [], color=_COLOR_ALLOWED, marker="^", linestyle="none", label="passes again"),
    ]
    if suggestions:
        legend.append(Line2D([], [], color=_COLOR_SUGGESTED, linestyle="--", label="suggested"))
    fig.legend(
        handles=legend,
        loc="outside lower center",
        ncols=math.ceil(len(legend) / 2),  # two rows: every entry fits the width
        frameon=False,
        fontsize=9,
        handlelength=1.6,
        columnspacing=1.2,
    )
    path = Path(path_png)
    try:
        fig.savefig(path, dpi=dpi, format="png")
    except OSError as exc:
        raise OutputError(f"cannot write the tune plot {path}: {exc.strerror or exc}") from None
    return width_px, height_px


def _panel(
    ax: Axes,
    scored: Scored,
    trace: RuleTrace,
    stats: RuleStats,
    suggestion: Suggestion | None,
    in_pose_spans: list[tuple[float, float]],
    frame_end_s: FloatArray,
) -> None:
    rule, unit = trace.rule, trace.unit
    t, values, in_pose = scored.timestamps_s, trace.values, scored.in_pose
    fail_color = _COLOR_FAIL[rule.severity]

    # y range: the in-pose values in full, the rest within reason, and every bound.
    finite = values[np.isfinite(values)]
    shown = [values[in_pose & np.isfinite(values)]]
    if finite.size:
        shown.append(np.percentile(finite, [1, 99]))
    bounds = [b for b in (rule.min, rule.max) if b is not None]
    if suggestion is not None:
        bounds += [b for b in suggestion.range if b is not None]
    data = np.concatenate([*shown, np.asarray(bounds, dtype=np.float64)])
    low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    pad = 0.1 * (high - low) if high > low else 1.0
    y_min, y_max = low - pad, high + pad

    for start_s, end_s in in_pose_spans:
        ax.axvspan(start_s, end_s, color=_COLOR_IN_POSE, alpha=0.07, linewidth=0)
    ax.axhspan(
        y_min if rule.min is None else rule.min,
        y_max if rule.max is None else rule.max,
        color=_COLOR_ALLOWED,
        alpha=0.14,
        linewidth=0,
    )
    for bound in (rule.min, rule.max):
        if bound is not None:
            ax.axhline(bound, color=_COLOR_ALLOWED, linewidth=1.0)
    hysteresis = scored.spec.hysteresis_for(rule)
    draw_hysteresis(ax, rule.min, rule.max, hysteresis)
    passing = trace.verdicts == PASS_CODE
    waiting = in_pose & verdict_waiting(values, passing, trace.failing, rule.min, rule.max, hysteresis)
    for start_s, stop_s in _spans(waiting, t, frame_end_s):
        ax.axvspan(start_s, stop_s, color=palette.WAITING, alpha=0.3, linewidth=0)
    if suggestion is not None:
        for bound in suggestion.range:
            if bound is not None:
                ax.axhline(bound, color=_COLOR_SUGGESTED, linewidth=1.4, linestyle="--")

    gap = ~continues_previous(t)
    gap[:1] = False

    def line(mask: BoolArray, **style: object) -> None:
        y = np.where(mask, values, np.nan)
        y = np.where(gap, np.nan, y)  # no line across a gap in the video
        ax.plot(t, y, **style)  # type: ignore[arg-type]

    line(~in_pose, color=_COLOR_OUT_OF_POSE, linewidth=1.0)
    line(in_pose, color=_COLOR_VALUE, linewidth=1.5)
    failing = trace.failing & in_pose
    # Widen each failing frame to its neighbours so a single failing frame still shows.
    line(failing | np.append(failing[1:], False), color=fail_color, linewidth=2.4)

    # Where it starts failing in the pose, and where it passes again (each failing run once).
    shift = np.append(False, failing[:-1])
    to_fail = np.flatnonzero(failing & ~shift)
    passing = in_pose & (trace.verdicts == PASS_CODE)
    to_pass = np.flatnonzero(passing & shift)
    ax.plot(t[to_fail], values[to_fail], "v", color=fail_color, markersize=7, markeredgecolor="white")
    ax.plot(t[to_pass], values[to_pass], "^", color=_COLOR_ALLOWED, markersize=7, markeredgecolor="white")

    ax.set_ylim(y_min, y_max)
    severity = " (critical)" if rule.severity == "critical" else " (advisory)"
    title = f"{rule.id}{severity}: {trace.label} ({unit}), allowed {_bound_text(rule.min, rule.max, unit)}"
    if suggestion is not None:
        title += f", suggested {_bound_text(suggestion.min, suggestion.max, unit)}"
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold", pad=4)
    if stats.n:
        summary = (
            f"in pose: n={stats.n}, p5..p95 {_stat(stats.p5, unit)}..{_stat(stats.p95, unit)}, "
            f"{stats.fail_pct:.1f}% failing, {len(to_fail)} fault(s)"
        )
    else:
        summary = "never measured in the pose"
    ax.text(
        0.005,
        0.97,
        summary,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=9,
        color="#37474f",
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 2},
    )
    ax.grid(color=palette.GRID, linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
