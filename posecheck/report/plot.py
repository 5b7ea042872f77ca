"""The timeline plot (PNG): verdicts, in pose, working side, measurements against their
allowed bands and hold timers over time."""

from __future__ import annotations

import contextlib
import math
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt

from posecheck import palette
from posecheck.report.context import HOLD_STATE_CODES, NOT_EVALUATED, VERDICT_CODES, output_error, readable
from posecheck.report.series import (
    BoolArray,
    FloatArray,
    SeriesRecorder,
    code_runs,
    hysteresis_bands,
    verdict_waiting,
)
from posecheck.results import HoldState, Verdict
from posecheck.timing import MAX_FRAME_GAP_S, continues_previous, frame_durations_s

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_FAIL_LOW: Final = VERDICT_CODES[Verdict.FAIL_LOW]
_FAIL_HIGH: Final = VERDICT_CODES[Verdict.FAIL_HIGH]
_UNKNOWN: Final = VERDICT_CODES[Verdict.UNKNOWN]
_DONE: Final = HOLD_STATE_CODES[HoldState.DONE]
_BAND_ROW_IN: Final = 0.30
_MEASURE_PANEL_IN: Final = 1.45
_HOLD_PANEL_IN: Final = 1.6


def _draw_band(
    ax: Axes,
    row: float,
    runs: tuple[npt.NDArray[Any], FloatArray, FloatArray],
    colors: dict[int, str],
    labels: dict[int, str] | None = None,
    min_label_s: float = 0.0,
) -> None:
    run_codes, starts_s, ends_s = runs
    for code, color in colors.items():
        mine = run_codes == code
        if not mine.any():
            continue
        # One collection per colour: a flickering hour has tens of thousands of runs.
        xranges = list(zip(starts_s[mine].tolist(), (ends_s - starts_s)[mine].tolist(), strict=True))
        ax.broken_barh(xranges, (row - 0.38, 0.76), facecolors=color, linewidth=0)
        if not labels or code not in labels:
            continue
        wide = mine & (ends_s - starts_s >= min_label_s)
        for start_s, end_s in zip(starts_s[wide].tolist(), ends_s[wide].tolist(), strict=True):
            ax.text(
                (start_s + end_s) / 2,
                row,
                labels[code],
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                fontweight="bold",
            )


def _runs(mask: BoolArray, t: FloatArray, end_s: FloatArray) -> list[tuple[float, float]]:
    """(start_s, end_s) of each run of True frames."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(t[a]), float(end_s[b])) for a, b in zip(starts, stops, strict=True)]


def _with_gaps(t: FloatArray, y: FloatArray, continues: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Insert NaN where frames do not continue, so lines are not drawn across gaps."""
    gaps = np.flatnonzero(~continues[1:]) + 1
    return np.insert(t, gaps, np.nan), np.insert(y, gaps, np.nan)


def _place_panels(
    fig: Figure,
    axes: list[Axes],
    heights_in: list[float],
    *,
    top_in: float,
    gap_in: float = 0.32,
    bottom_in: float = 0.55,
    right_in: float = 0.15,
) -> None:
    """Stack the panels top to bottom with room for each one's title, left of them the widest y
    label. Done by hand because matplotlib's constrained layout measures every tick label of
    every panel twice and took longer than the whole rest of a short clip's finishing step."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    label_font = FontProperties(size=rcParams["ytick.labelsize"])
    widest_px = 0.0
    for ax in axes:
        axis = ax.yaxis
        texts = axis.get_major_formatter().format_ticks(list(axis.get_major_locator()()))
        for text in texts:
            width_px, _, _ = renderer.get_text_width_height_descent(text, label_font, ismath=False)
            widest_px = max(widest_px, float(width_px))
    dpi = fig.dpi
    width_in, height_in = (float(v) for v in fig.get_size_inches())
    left_in = widest_px / dpi + 0.18  # tick length and padding
    avail_in = height_in - top_in - bottom_in - gap_in * (len(axes) - 1)
    scale = max(0.1, avail_in / sum(heights_in))
    top = height_in - top_in
    for ax, panel_in in zip(axes, heights_in, strict=True):
        h_in = panel_in * scale
        box = (left_in, top - h_in, width_in - left_in - right_in, h_in)
        ax.set_position((box[0] / width_in, box[1] / height_in, box[2] / width_in, box[3] / height_in))
        top -= h_in + gap_in


def plot_timeline(
    path_png: str | os.PathLike[str],
    series: SeriesRecorder,
    *,
    subtitle: str | None = None,
    frame_interval_cap_s: float = MAX_FRAME_GAP_S,
    width_px: int = 1200,
    dpi: int = 100,
) -> tuple[int, int]:
    """Draw verdicts, in-pose, side, measurements and hold timers over time; returns (w, h) px."""
    with plain_text():
        return _plot_timeline(path_png, series, subtitle, frame_interval_cap_s, width_px, dpi)


@contextlib.contextmanager
def plain_text() -> Iterator[None]:
    """Text drawn as written: a '$' pair in a spec's name or label is not TeX (mathtext would
    fail on '$x^{2$' and garble '$5 or $10')."""
    import matplotlib

    # A fixed title height: no panel has tick labels on top, so matplotlib's search for
    # them (a layout pass over every axis) changes nothing but costs ~15% of the drawing.
    with matplotlib.rc_context({"text.parse_math": False, "axes.titley": 1.0}):
        yield


def _draw_hold_timers(
    hold_ax: Axes, series: SeriesRecorder, t: FloatArray, continues: BoolArray, side_colors: dict[int, str]
) -> None:
    """Hold timers, one line per side, a star where a side's hold was done, targets dashed."""
    targets = set(series.hold_targets_s.values()) or {series.ctx.hold_target_s}
    top_s = max(targets) if max(targets) > 0 else 1.0
    # A little below zero, so a timer that never started is visible above the axis.
    hold_ax.set_ylim(-0.04 * top_s, 1.12 * top_s)
    for k, side in enumerate(series.ctx.sides):
        held = series.held_s[:, k]
        if np.isfinite(held).any():
            ax_t, ax_y = _with_gaps(t, held, continues)
            hold_ax.plot(ax_t, ax_y, color=side_colors[k], linewidth=2.0, label=side)
            done = np.flatnonzero(series.hold_state_codes[:, k] == _DONE)
            if done.size:
                hold_ax.plot(
                    t[done[0]],
                    held[done[0]],
                    marker="*",
                    markersize=14,
                    color=side_colors[k],
                    clip_on=False,
                )
    for target_s in targets:
        hold_ax.axhline(target_s, color=palette.TARGET, linewidth=1.0, linestyle="--")
    hold_ax.set_title("hold timer (s), target dashed", loc="left", fontsize=10, pad=3)


def _draw_reps(
    ax: Axes, series: SeriesRecorder, t: FloatArray, continues: BoolArray, side_colors: dict[int, str]
) -> None:
    """A dynamic move has no hold timer: good reps counted over time, one step line per side."""
    target = series.rep_target or 0
    counts = series.reps
    most = float(np.nanmax(counts)) if np.isfinite(counts).any() else 0.0
    top = max(float(target), most, 1.0)
    ax.set_ylim(-0.04 * top, 1.12 * top)
    for k, side in enumerate(series.ctx.rep_sides):
        counted = counts[:, k]
        if np.isfinite(counted).any():
            ax_t, ax_y = _with_gaps(t, counted, continues)
            ax.step(ax_t, ax_y, where="post", color=side_colors[k], linewidth=2.0, label=side)
    if target:
        ax.axhline(target, color=palette.TARGET, linewidth=1.0, linestyle="--")
    per_side = " per side" if len(series.ctx.rep_sides) > 1 else ""
    ax.set_title(f"good reps counted, target{per_side} dashed", loc="left", fontsize=10, pad=3)


def _plot_timeline(
    path_png: str | os.PathLike[str],
    series: SeriesRecorder,
    subtitle: str | None,
    frame_interval_cap_s: float,
    width_px: int,
    dpi: int,
) -> tuple[int, int]:
    # Imported here so CSV/JSON-only runs do not pay for matplotlib's import.
    import PIL.Image
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    ctx = series.ctx
    t = series.timestamps_s
    dt = frame_durations_s(t, frame_interval_cap_s)
    end_s = t + dt
    continues = continues_previous(t, frame_interval_cap_s)
    in_pose = series.in_pose

    n_band_rows = len(ctx.rule_ids) + 2
    span_s = float(end_s[-1] - t[0]) if t.size else 0.0
    # Text inside a bar only where it fits: about 3% of the width at 1200 px.
    min_label_s = max(1.0, 0.03 * span_s)
    heights_in = [
        _BAND_ROW_IN * n_band_rows + 0.25,
        *([_MEASURE_PANEL_IN] * len(ctx.measure_ids)),
        _HOLD_PANEL_IN,
    ]
    # About 7.6 px per character at 10.5 pt, starting where the axes start (~200 px in).
    subtitle_lines = textwrap.wrap(subtitle or "", width=max(40, int((width_px - 220) / 7.6)))
    # The bold title on top, then the subtitle's lines, then the legend.
    title_in = 0.6 + 0.2 * len(subtitle_lines)
    legend_in = 0.35
    height_px = round((sum(heights_in) + title_in + legend_in + 0.45) * dpi)
    # Pixel sizes are chosen first so the PNG is exactly width_px x height_px.
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)  # explicit Agg: no pyplot, no global backend switch
    axes = fig.subplots(len(heights_in), 1, sharex=True)
    band_ax, measure_axes, hold_ax = axes[0], list(axes[1:-1]), axes[-1]
    # Every limit is set before anything is drawn in its panel: with fixed limits matplotlib
    # does not work out limits from the data after each artist added.
    band_ax.set_xlim(*((float(t[0]), float(end_s[-1])) if t.size else (0.0, 1.0)))  # shared by all
    band_ax.set_ylim(n_band_rows - 0.5, -0.5)

    fig.suptitle(
        f"{ctx.stretch_name} — {ctx.source}", fontsize=13, fontweight="bold", y=1 - 0.06 * dpi / height_px
    )
    if subtitle_lines:
        # Above the legend, which sits on top of the band panel.
        band_ax.set_title("\n".join(subtitle_lines), loc="left", fontsize=10.5, pad=44)

    # Stretches without frames (dropped or missing video) are hatched on every panel.
    gap_starts = np.flatnonzero(~continues[1:])
    for ax in axes:
        for i in gap_starts:
            ax.axvspan(end_s[i], t[i + 1], facecolor="none", edgecolor="#cfd8dc", hatch="///", linewidth=0)

    # Bands, top to bottom: rules, in pose, working side.
    side_names = series.side_names
    side_colors = {i: palette.SIDES[i % len(palette.SIDES)] for i in range(len(side_names))}
    row_labels: list[str] = []
    for j, rid in enumerate(ctx.rule_ids):
        codes = np.where(in_pose, series.verdict_codes[:, j], NOT_EVALUATED)
        fail_color = palette.FAIL[ctx.rule_severity[rid]]
        colors = {
            VERDICT_CODES[Verdict.PASS]: palette.PASS,
            _FAIL_LOW: fail_color,
            _FAIL_HIGH: fail_color,
            _UNKNOWN: palette.UNKNOWN,
        }
        # "low"/"high" inside a fail bar says which way to correct.
        _draw_band(
            band_ax,
            j,
            code_runs(codes, t, end_s, continues),
            colors,
            {_FAIL_LOW: "low", _FAIL_HIGH: "high"},
            min_label_s=min_label_s,
        )
        marker = " (!)" if ctx.is_critical(rid) else ""
        row_labels.append(readable(rid) + marker)
    pose_codes = np.where(in_pose, 2, np.where(series.person, 1, 0))
    pose_row = len(ctx.rule_ids)
    _draw_band(
        band_ax,
        pose_row,
        code_runs(pose_codes, t, end_s, continues),
        {2: palette.IN_POSE, 1: palette.PERSON},
    )
    row_labels.append("in pose")
    side_row = pose_row + 1
    _draw_band(
        band_ax,
        side_row,
        code_runs(series.side_codes, t, end_s, continues),
        side_colors,
        dict(enumerate(side_names)),
        min_label_s=min_label_s,
    )
    row_labels.append("working side")
    band_ax.set_yticks(range(n_band_rows), row_labels)
    band_ax.set_axisbelow(True)
    for spine in ("top", "right", "left"):
        band_ax.spines[spine].set_visible(False)
    legend = [
        Patch(color=palette.PASS, label="pass"),
        Patch(color=palette.FAIL["critical"], label="fail, critical (!)"),
        Patch(color=palette.FAIL["advisory"], label="fail, advisory"),
        Patch(color=palette.UNKNOWN, label="not visible"),
        Patch(color=palette.IN_POSE, label="in pose"),
        Patch(color=palette.PERSON, label="person, not in pose"),
        Patch(facecolor="none", edgecolor=palette.OUT_OF_POSE, hatch="///", label="no frames"),
        Patch(facecolor="none", edgecolor=palette.PASS, hatch="///", label="hysteresis"),
        Patch(color=palette.WAITING, alpha=0.3, label="waiting min. duration"),
    ]
    band_ax.legend(
        handles=legend,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=math.ceil(len(legend) / 2),  # two rows: every entry fits the width
        frameon=False,
        fontsize=9,
        handlelength=1.2,
        columnspacing=1.2,
    )

    # One panel per measurement, its allowed range(s) shaded.
    for ax, (j, mid) in zip(measure_axes, enumerate(ctx.measure_ids), strict=True):
        values = series.values[:, j]
        unit = ctx.measure_units[mid]
        ranges = [ctx.allowed_range(rid) for rid in ctx.rule_ids if ctx.rule_measure.get(rid) == mid]
        limits = [v for lo_hi in ranges for v in lo_hi if v is not None]
        finite = values[np.isfinite(values)]
        data = np.concatenate([finite, np.asarray(limits, dtype=np.float64)])
        low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
        pad = 0.12 * (high - low) if high > low else max(1.0, abs(high) * 0.1)
        y_min, y_max = low - pad, high + pad
        ax.set_ylim(y_min, y_max)
        for lo, hi in ranges:
            ax.axhspan(
                y_min if lo is None else lo,
                y_max if hi is None else hi,
                color=palette.PASS,
                alpha=0.13,
                linewidth=0,
            )
            for limit in (lo, hi):
                if limit is not None:
                    ax.axhline(limit, color=palette.PASS, linewidth=0.8, linestyle="--")
        # Each rule's hysteresis band, and the frames where its verdict waits out the minimum
        # duration: a value inside the band with a failing verdict is not a contradiction.
        for rid in (r for r in ctx.rule_ids if ctx.rule_measure.get(r) == mid):
            lo, hi = ctx.allowed_range(rid)
            hysteresis = ctx.rule_hysteresis.get(rid, 0.0)
            draw_hysteresis(ax, lo, hi, hysteresis)
            codes = series.verdict_codes[:, ctx.rule_ids.index(rid)]
            passing = codes == VERDICT_CODES[Verdict.PASS]
            failing = (codes == _FAIL_LOW) | (codes == _FAIL_HIGH)
            waiting = in_pose & verdict_waiting(values, passing, failing, lo, hi, hysteresis)
            for start_s, stop_s in _runs(waiting, t, end_s):
                ax.axvspan(start_s, stop_s, color=palette.WAITING, alpha=0.3, linewidth=0)
        # Out-of-pose values are faint: they are not judged.
        ax.plot(*_with_gaps(t, values, continues), color=palette.OUT_OF_POSE, linewidth=1.0)
        in_pose_values = np.where(in_pose, values, np.nan)
        ax.plot(*_with_gaps(t, in_pose_values, continues), color=palette.VALUE, linewidth=1.6)
        # Failing stretches in the rule's colour, critical drawn last so it wins.
        rules_here = [rid for rid in ctx.rule_ids if ctx.rule_measure.get(rid) == mid]
        for rid in sorted(rules_here, key=ctx.is_critical):
            codes = series.verdict_codes[:, ctx.rule_ids.index(rid)]
            fail = in_pose & ((codes == _FAIL_LOW) | (codes == _FAIL_HIGH))
            # Keep each failing run joined to its neighbours so short faults stay visible.
            fail_values = np.where(fail, values, np.nan)
            ax.plot(
                *_with_gaps(t, fail_values, continues),
                color=palette.FAIL[ctx.rule_severity[rid]],
                linewidth=2.2,
            )
        label = series.measure_labels.get(mid, readable(mid))
        ax.set_title(f"{label} ({unit})", loc="left", fontsize=10, pad=3)
        ax.spines[["top", "right"]].set_visible(False)

    if ctx.rep_sides:
        _draw_reps(hold_ax, series, t, continues, side_colors)
    else:
        _draw_hold_timers(hold_ax, series, t, continues, side_colors)
    if hold_ax.get_legend_handles_labels()[0]:
        hold_ax.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=9,
            frameon=False,
            ncols=len(ctx.sides),
            borderaxespad=0.0,
        )
    hold_ax.grid(axis="x", color=palette.GRID, linewidth=0.6)
    hold_ax.spines[["top", "right"]].set_visible(False)
    hold_ax.set_xlabel("time (s)")
    # After the limits are final: the ticks follow them.
    tick_pt = rcParams["xtick.major.size"]
    _draw_axis_lightly(band_ax, "x", grid_color="#e0e0e0", labelled=False, tick_length_pt=tick_pt)
    _draw_axis_lightly(band_ax, "y", grid_color=None, labelled=True, tick_length_pt=0.0)
    for ax in measure_axes:
        _draw_axis_lightly(ax, "x", grid_color=palette.GRID, labelled=False, tick_length_pt=tick_pt)
        _draw_axis_lightly(ax, "y", grid_color=palette.GRID, labelled=True, tick_length_pt=tick_pt)
    _draw_axis_lightly(hold_ax, "y", grid_color=palette.GRID, labelled=True, tick_length_pt=tick_pt)
    if not t.size:
        band_ax.text(
            0.5,
            0.5,
            "no frames analysed",
            transform=band_ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#607d8b",
        )

    _place_panels(fig, list(axes), heights_in, top_in=title_in + legend_in - 0.05)
    path = Path(path_png)
    canvas.draw()  # type: ignore[no-untyped-call]
    # The figure is opaque: saved as RGB, without the alpha plane, at zlib level 3 rather than
    # savefig's 6. The same pixels, encoded in ~60% of the time, in a file no larger.
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    try:
        PIL.Image.fromarray(rgba).convert("RGB").save(path, format="png", compress_level=3)
    except OSError as exc:
        raise output_error(path, "timeline plot", exc) from exc
    # The Figure was never registered with pyplot, so dropping it frees it; nothing global to close.
    return width_px, height_px


def _draw_axis_lightly(
    ax: Axes, which: Literal["x", "y"], *, grid_color: str | None, labelled: bool, tick_length_pt: float
) -> None:
    """Draw an axis's grid lines, outward tick marks and (y only) tick labels as plain artists
    instead of matplotlib's axis, which builds five artists per tick (two marks, a grid line,
    two labels); those ticks were the largest part of drawing this figure. Here all grid lines
    are one path, all marks one line of markers and each label one text: the same pixels.

    An axis whose labels need an offset ("1e-3", "+100" above the axis) is left to matplotlib."""
    from matplotlib import rcParams
    from matplotlib.lines import Line2D

    if which == "x" and labelled:
        raise ValueError("x tick labels are left to matplotlib's axis (the axis label sits below them)")
    axis = ax.xaxis if which == "x" else ax.yaxis
    locs = [float(v) for v in axis.get_majorticklocs()]
    formatter = axis.get_major_formatter()
    # Formatted all together, as matplotlib does: the format depends on the whole set.
    texts = formatter.format_ticks(locs) if labelled else [""] * len(locs)
    if labelled and formatter.get_offset():
        if grid_color is not None:
            ax.grid(axis=which, color=grid_color, linewidth=0.6)
        ax.tick_params(axis=which, length=tick_length_pt)
        return
    axis.set_visible(False)
    # The locator also gives a tick beyond each end; matplotlib draws only those inside.
    low, high = sorted(axis.get_view_interval())
    tolerance = 1e-10 * max(1.0, high - low)
    shown = [
        (v, text) for v, text in zip(locs, texts, strict=True) if low - tolerance <= v <= high + tolerance
    ]
    if not shown:
        return
    at = np.asarray([v for v, _ in shown], dtype=np.float64)
    # Where matplotlib draws an axis: behind everything after set_axisbelow(True), else
    # between the patches (bands, shading) and the lines.
    below = ax.get_axisbelow()
    zorder = 0.5 if below is True else 1.5 if below == "line" else 2.5
    # x in data and y in axes units for the x axis, the other way round for the y axis.
    transform = ax.get_xaxis_transform() if which == "x" else ax.get_yaxis_transform()

    def oriented(along: FloatArray, across: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (along, across) if which == "x" else (across, along)

    if grid_color is not None:
        # One path, the lines separated by NaN: one draw call, as crisp as separate lines.
        grid_along, grid_across = np.repeat(at, 3), np.tile([0.0, 1.0, np.nan], at.size)
        grid_x, grid_y = oriented(grid_along, grid_across)
        ax.add_artist(
            Line2D(grid_x, grid_y, transform=transform, zorder=zorder, color=grid_color, linewidth=0.6)
        )
    if tick_length_pt > 0:
        marks_x, marks_y = oriented(at, np.zeros_like(at))
        ax.add_artist(
            Line2D(
                marks_x,
                marks_y,
                transform=transform,
                zorder=zorder,
                linestyle="none",
                marker=3 if which == "x" else 0,  # matplotlib.markers.TICKDOWN, TICKLEFT
                markersize=tick_length_pt,
                markeredgewidth=rcParams["xtick.major.width" if which == "x" else "ytick.major.width"],
                color=rcParams["xtick.color" if which == "x" else "ytick.color"],
                clip_on=False,  # outside the axes, as tick marks are
            )
        )
    if which == "y" and labelled:
        label_transform, va, ha = ax.get_yaxis_text1_transform(rcParams["ytick.major.pad"] + tick_length_pt)
        color = rcParams["ytick.labelcolor"]
        for v, text in shown:
            ax.text(
                0.0,
                v,
                text,
                transform=label_transform,
                va=va,
                ha=ha,
                fontsize=rcParams["ytick.labelsize"],
                color=rcParams["ytick.color"] if color == "inherit" else color,
                clip_on=False,
                zorder=zorder,
            )


def draw_hysteresis(ax: Axes, low: float | None, high: float | None, hysteresis: float) -> None:
    """The band just inside each limit where a failing value still fails (it must come back
    further in to pass again), hatched in the allowed colour."""
    for start, stop in hysteresis_bands(low, high, hysteresis):
        ax.axhspan(start, stop, facecolor="none", edgecolor=palette.PASS, hatch="///", linewidth=0, alpha=0.7)
