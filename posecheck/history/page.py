"""progress.html: the history as one self-contained page (inline CSS and SVG, no script, no URL).

    header (sessions, streak, this week, sessions per week) -> sessions per week (bars)
      -> per stretch: hold per side, each key measurement, left/right asymmetry (trend lines)
      -> recent sessions (table)

The look is the session report's: its stylesheet, palette and chart helpers are reused,
so the two pages read as one product.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Final

from posecheck import __version__, palette
from posecheck.history.stats import (
    Adherence,
    StretchTrends,
    Trend,
    adherence,
    session_row,
    streak,
    stretch_trends,
)
from posecheck.history.store import StoredSession
from posecheck.report.context import write_text_atomic
from posecheck.report.html import STYLESHEET as REPORT_CSS
from posecheck.report.html import axis_ticks as _ticks
from posecheck.report.html import escape as _e
from posecheck.report.html import svg_element as _svg

N_WEEKS: Final = 12
RECENT_ROWS: Final = 30
_SIDE_COLOR: Final = {"left": palette.SIDES[0], "right": palette.SIDES[1], "both": palette.VALUE}

_PAGE_CSS: Final = """
.sessions-table { width:100%; border-collapse:collapse; font-size:14px; }
.sessions-table th { text-align:left; font-size:12px; text-transform:uppercase; letter-spacing:.05em;
  color:var(--muted); border-bottom:1px solid var(--line); padding:6px 8px; }
.sessions-table td { border-bottom:1px solid var(--line); padding:6px 8px; vertical-align:top; }
.sessions-table td.num { text-align:right; font-variant-numeric:tabular-nums; }
.trend-grid { display:grid; grid-template-columns:repeat(2,1fr); gap:16px 22px; }
.trend-chart h3 small, .trend-chart .trend-note { font-weight:400; color:var(--muted); font-size:13px; }
.trend-note { margin:0 0 4px; }
.trend-note .up { color:var(--good); font-weight:600; }
.trend-note .down { color:var(--bad); font-weight:600; }
svg .bar-week { fill:#43a047; }
svg .bar-empty { fill:#eceff1; }
svg .bar-label { font-size:12px; font-weight:700; fill:var(--ink); }
svg .point { stroke:#fff; stroke-width:1.5; }
svg .best { fill:#fff; stroke-width:1.8; }
svg .zero { stroke:#90a4ae; stroke-width:1; }
.empty { color:var(--muted); }
"""


def render_progress_page(
    sessions: Sequence[StoredSession],
    *,
    today: dt.date | None = None,
    generated_at: dt.datetime | None = None,
    title_note: str = "",
) -> str:
    """The whole page as one string (`sessions` oldest first)."""
    now = generated_at or dt.datetime.now().astimezone()
    today = today or now.date()
    trends = stretch_trends(sessions)
    ad = adherence(sessions, today, N_WEEKS)
    sections = [
        _header(sessions, today, now, ad, title_note),
        _adherence_section(ad),
        *(_stretch_section(t, k) for k, t in enumerate(trends)),
        _sessions_section(sessions),
        f"<footer><p>Made by posecheck {_e(__version__)}. posecheck checks the shape of a stretch; "
        "it does not diagnose anything.</p></footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="posecheck {_e(__version__)}">\n'
        f"<title>posecheck progress</title>\n<style>{REPORT_CSS}{_PAGE_CSS}</style>\n"
        "</head>\n<body>\n<main>\n" + "\n".join(s for s in sections if s) + "\n</main>\n</body>\n</html>\n"
    )


def write_progress_page(
    path: str | os.PathLike[str], sessions: Sequence[StoredSession], **kwargs: object
) -> int:
    """Write the page (replacing it atomically); returns its size in bytes."""
    text = render_progress_page(sessions, **kwargs)  # type: ignore[arg-type]
    return write_text_atomic(path, text, "progress page")


# --------------------------------------------------------------------------- sections


def _header(
    sessions: Sequence[StoredSession], today: dt.date, now: dt.datetime, ad: Adherence, note: str
) -> str:
    st = streak(sessions, today)
    this_week = ad.weeks[-1] if ad.weeks else None
    span = ""
    if sessions:
        first, last = sessions[0].record.started.date(), sessions[-1].record.started.date()
        span = f"{len(sessions)} sessions from {first:%d %b %Y} to {last:%d %b %Y} · "
    tiles = [
        ("sessions", str(len(sessions)), f"{len({s.record.stretch_id for s in sessions})} stretches"),
        (
            "streak",
            f"{st.current_days} day{'s' if st.current_days != 1 else ''}",
            f"longest {st.longest_days}",
        ),
        (
            "this week",
            str(this_week.sessions if this_week else 0),
            f"on {this_week.active_days if this_week else 0} days",
        ),
        ("sessions per week", f"{ad.sessions_per_week:.1f}", f"average of the last {len(ad.weeks)} weeks"),
    ]
    tile_html = "".join(
        f'<div class="tile" data-tile="{_e(label)}"><div class="tile-label">{_e(label)}</div>'
        f'<div class="tile-value">{_e(value)}</div><div class="tile-note">{_e(small)}</div></div>'
        for label, value, small in tiles
    )
    return (
        '<header id="progress-header"><div class="eyebrow">posecheck progress</div>'
        "<h1>Progress over days</h1>"
        f'<p class="meta">{_e(span)}made {now:%Y-%m-%d %H:%M}{_e(note)}</p>'
        f'<div class="tiles">{tile_html}</div></header>'
    )


def _adherence_section(ad: Adherence) -> str:
    width, height = 1120, 170
    left, right, top, bottom = 40, 10, 18, 30
    n = len(ad.weeks)
    if not n:
        return ""
    top_count = max(3, max(w.sessions for w in ad.weeks))
    slot = (width - left - right) / n
    body = []
    for tick in _ticks(0, top_count, 3):
        y = height - bottom - tick * (height - top - bottom) / top_count
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick:g}</text>')
    for k, week in enumerate(ad.weeks):
        x = left + k * slot + slot * 0.18
        w = slot * 0.64
        h = week.sessions * (height - top - bottom) / top_count
        y = height - bottom - h
        css = "bar-week" if week.sessions else "bar-empty"
        body.append(
            f'<rect class="{css}" data-week="{week.week_start.isoformat()}" data-sessions="{week.sessions}" '
            f'x="{x:.1f}" y="{y if week.sessions else height - bottom - 3:.1f}" width="{w:.1f}" '
            f'height="{h if week.sessions else 3:.1f}" rx="3"><title>week of {week.week_start:%d %b}: '
            f"{week.sessions} sessions on {week.active_days} days</title></rect>"
        )
        if week.sessions:
            body.append(
                f'<text class="bar-label" x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                f"{week.sessions}</text>"
            )
        body.append(
            f'<text class="tick" x="{x + w / 2:.1f}" y="{height - bottom + 16:.1f}" text-anchor="middle">'
            f"{week.week_start:%d %b}</text>"
        )
    chart = _svg(width, height, "".join(body), "sessions per week", "adherence-svg")
    return (
        '<section id="adherence"><h2>Sessions per week</h2>'
        f'<p class="lead">Weeks start on Monday; on average {ad.sessions_per_week:.1f} sessions on '
        f"{ad.active_days_per_week:.1f} days a week over the last {n} weeks.</p>{chart}</section>"
    )


def _stretch_section(trends: StretchTrends, k: int) -> str:
    charts: list[str] = []
    if trends.holds and any(t.points for t in trends.holds):
        charts.append(
            _trend_chart(
                "Hold achieved per side",
                "share of the target held, 100% = reached",
                [
                    (
                        t,
                        _SIDE_COLOR.get(t.key.removeprefix("hold_"), palette.VALUE),
                        t.key.removeprefix("hold_"),
                    )
                    for t in trends.holds
                    if t.points
                ],
                band=(1.0, None),
                unit="share",
                key=f"{trends.stretch_id}-hold",
            )
        )
    bests = {t.key: t for t in trends.bests}
    for trend in trends.measures:
        if not trend.points:
            continue
        series = [(trend, palette.VALUE, "median")]
        if trend.key in bests and bests[trend.key].points:
            series.append((bests[trend.key], palette.PASS, "best"))
        charts.append(
            _trend_chart(
                trend.label,
                _band_note(trend),
                series,
                band=(trend.allowed_min, trend.allowed_max),
                unit=trend.unit,
                key=f"{trends.stretch_id}-{trend.key}",
            )
        )
    for trend in trends.asymmetry:
        if trend.points:
            charts.append(
                _trend_chart(
                    trend.label,
                    "0 = even; above: the left side did more",
                    [(trend, palette.SIDES[2], "left minus right")],
                    band=(None, None),
                    unit=trend.unit,
                    key=f"{trends.stretch_id}-{trend.key}",
                    zero_line=True,
                )
            )
    return (
        f'<section class="stretch-trends" id="stretch-{_e(trends.stretch_id)}" '
        f'data-stretch="{_e(trends.stretch_id)}">'
        f"<h2>{_e(trends.stretch_name)}</h2>"
        f'<p class="lead">{trends.sessions} session{"s" if trends.sessions != 1 else ""}. Each point is a '
        "session: the median over the time in the pose (dark) and the best moment (green, hollow); "
        "the green band is what the spec allows.</p>"
        f'<div class="trend-grid">{"".join(charts)}</div></section>'
    )


def _band_note(trend: Trend) -> str:
    unit = "°" if trend.unit == "deg" else ""
    low, high = trend.allowed_min, trend.allowed_max
    if low is not None and high is not None:
        return f"allowed {low:g}{unit} to {high:g}{unit}"
    if low is not None:
        return f"at least {low:g}{unit}: higher is better"
    if high is not None:
        return f"at most {high:g}{unit}: lower is better"
    return "not judged by a rule"


_CALENDAR_AXIS_MIN_S: Final = 3 * 86400
_MIN_PAD: Final = {"deg": 2.0, "ratio": 0.02, "share": 0.05, "s": 1.0}


def _fmt(value: float, unit: str, *, precise: bool = False) -> str:
    if unit == "deg":
        return f"{value:.1f}°" if precise else f"{value:.0f}°"
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.3f}" if precise else f"{value:.2f}"


def _x_labels(moments: list[float], by_order: bool) -> list[tuple[float, str]]:
    """At most about seven labels: each session's time (in order) or calendar days at noon."""
    if by_order:
        step = max(1, -(-len(moments) // 7))
        same_day = len({dt.datetime.fromtimestamp(t).date() for t in moments}) == 1
        fmt = "%H:%M" if same_day else "%d %b %H:%M"
        return [(t, dt.datetime.fromtimestamp(t).strftime(fmt)) for t in moments[::step]]
    t0, t1 = moments[0], moments[-1]
    days = (t1 - t0) / 86400
    step_days = max(1, round(days / 6))
    day0 = dt.datetime.fromtimestamp(t0).date()
    labels = []
    for k in range(0, int(days) + 2, step_days):
        day = day0 + dt.timedelta(days=k)
        t = dt.datetime.combine(day, dt.time(12)).timestamp()
        if t0 <= t <= t1:
            labels.append((t, f"{day:%d %b}"))
    return labels


def _change_note(trend: Trend) -> str:
    slope = trend.per_week
    if slope is None:
        return ""
    size = _fmt(abs(slope), trend.unit)
    if not any(c in "123456789" for c in size):
        return " · steady"
    text = f"{'+' if slope >= 0 else '−'}{size} a week"
    improving = trend.improving
    if improving is None:
        return f" · {_e(text)}"
    css, word = ("up", "improving") if improving else ("down", "slipping")
    return f' · <span class="{css}">{_e(text)}, {word}</span>'


def _trend_chart(
    title: str,
    note: str,
    series: list[tuple[Trend, str, str]],
    *,
    band: tuple[float | None, float | None],
    unit: str,
    key: str,
    zero_line: bool = False,
) -> str:
    width, height = 540, 190
    left, right, top, bottom = 52, 14, 12, 28
    points = [p for trend, _, _ in series for p in trend.points]
    moments = sorted({dt.datetime.fromisoformat(p.started_at).timestamp() for p in points})
    # Sessions within a few days are spaced evenly in order (labelled with their time), so
    # points minutes apart do not pile up; over longer spans the x axis is the calendar.
    by_order = moments[-1] - moments[0] < _CALENDAR_AXIS_MIN_S
    values = [p.value for p in points] + [v for v in band if v is not None] + ([0.0] if zero_line else [])
    low, high = min(values), max(values)
    pad = max(0.12 * (high - low), _MIN_PAD[unit])
    y_min, y_max = low - pad, high + pad
    plot_bottom = height - bottom
    span_x = width - left - right

    if by_order:
        slot = span_x / len(moments)
        place = {t: left + slot * (k + 0.5) for k, t in enumerate(moments)}

        def x_of(t: float) -> float:
            return place[t]

    else:
        t0, t1 = moments[0], moments[-1]

        def x_of(t: float) -> float:
            return left + 8 + (t - t0) * (span_x - 16) / (t1 - t0)

    def y_of(v: float) -> float:
        return plot_bottom - (v - y_min) * (plot_bottom - top) / (y_max - y_min)

    body = []
    for tick in _ticks(y_min, y_max, 4):
        y = y_of(tick)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
            f"{_e(_fmt(tick, unit, precise=high - low < 3 * _MIN_PAD[unit]))}</text>"
        )
    for t, label in _x_labels(moments, by_order):
        x = x_of(t)
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{plot_bottom}" class="grid"/>')
        body.append(
            f'<text x="{x:.1f}" y="{plot_bottom + 16}" class="tick" text-anchor="middle">{_e(label)}</text>'
        )
    band_low, band_high = band
    if band_low is not None or band_high is not None:
        y_hi = top if band_high is None else max(top, y_of(band_high))
        y_lo = plot_bottom if band_low is None else min(plot_bottom, y_of(band_low))
        body.append(
            f'<rect x="{left}" y="{y_hi:.1f}" width="{width - left - right}" '
            f'height="{max(0.0, y_lo - y_hi):.1f}" '
            f'fill="{palette.PASS}" fill-opacity="0.14"/>'
        )
        for limit in band:
            if limit is not None:
                body.append(
                    f'<line x1="{left}" x2="{width - right}" y1="{y_of(limit):.1f}" y2="{y_of(limit):.1f}" '
                    f'class="limit" stroke="{palette.PASS}"/>'
                )
    if zero_line:
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" class="zero"/>'
        )
    legend = []
    for trend, color, name in series:
        xy = [
            (x_of(dt.datetime.fromisoformat(p.started_at).timestamp()), y_of(p.value)) for p in trend.points
        ]
        hollow = name == "best"
        if len(xy) > 1:
            d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            dash = ' stroke-dasharray="4 3"' if hollow else ""
            body.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for (x, y), p in zip(xy, trend.points, strict=True):
            css = "best" if hollow else "point"
            fill = "" if hollow else f' fill="{color}"'
            body.append(
                f'<circle class="{css}" data-series="{_e(name)}" cx="{x:.1f}" cy="{y:.1f}" r="4.5" '
                f'stroke="{color}"{fill}><title>session {p.session_id}, {_e(p.started_at[:16])}: '
                f"{_e(_fmt(p.value, unit))}</title></circle>"
            )
        legend.append(f'<span><i style="background:{color}"></i>{_e(name)}</span>')
    label = f"{title} over sessions"
    chart = _svg(width, height, "".join(body), label, "trend-svg")
    shown = [(trend, name) for trend, _, name in series if name != "best" and trend.points]
    notes = [
        f"{_e(name + ': ' if len(shown) > 1 else '')}latest {_e(_fmt(trend.points[-1].value, unit))}"
        f"{_change_note(trend)}"
        for trend, name in shown
    ]
    return (
        f'<div class="trend-chart" data-trend="{_e(key)}"><h3>{_e(title)} <small>{_e(note)}</small></h3>'
        f'<p class="trend-note">{"; ".join(notes)}</p>{chart}'
        f'<div class="legend">{"".join(legend)}</div></div>'
    )


def _sessions_section(sessions: Sequence[StoredSession]) -> str:
    if not sessions:
        return '<section id="sessions"><h2>Sessions</h2><p class="empty">No sessions yet.</p></section>'
    rows = []
    for s in list(sessions)[-RECENT_ROWS:][::-1]:
        row = session_row(s)
        holds = []
        for side, info in row["sides"].items():
            if s.record.reps:
                continue
            if not (info["time_in_pose_s"] or info["best_held_s"]):
                holds.append(f"{side} -")  # not attempted
                continue
            held = info["best_held_s"] or 0.0
            mark = "✓" if info["reached"] else ""
            holds.append(f"{side} {held:.0f}/{info['target_s']:g} s{mark}")
        reps = [f"{side} {info['counted']}/{info['target']}" for side, info in row["reps"].items()]
        good = "-" if row["good_form"] is None else f"{100 * row['good_form']:.0f}%"
        rows.append(
            f'<tr data-session="{s.id}"><td class="num">{s.id}</td>'
            f"<td>{_e(row['started_at'][:16].replace('T', ' '))}</td>"
            f"<td>{_e(row['stretch_name'])}</td><td>{_e(row['kind'])}</td><td>{_e(row['source'])}</td>"
            f'<td>{_e(", ".join(holds or reps) or "-")}</td><td class="num">{good}</td>'
            f"<td>{_e(row['main_fault'] or '-')}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("#", "when", "stretch", "kind", "source", "hold / reps", "good form", "main fault")
    )
    more = f" (the latest {RECENT_ROWS})" if len(sessions) > RECENT_ROWS else ""
    return (
        f'<section id="sessions"><h2>Recent sessions{more}</h2>'
        f'<table class="sessions-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )
