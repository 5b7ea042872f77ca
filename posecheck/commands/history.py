"""`posecheck history [export --csv FILE | forget ...]`: the sessions kept over days.

posecheck history                       recent sessions, streak, sessions per week, trends
posecheck history --json                the same for scripts
posecheck history --html progress.html  a self-contained page with charts
posecheck history export --csv FILE     one row per session and side (- for stdout)
posecheck history forget --id 3 --yes   delete sessions (by id or by filter)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from posecheck.commands.common import ExitCode
from posecheck.errors import PosecheckError


def history_options(parser: argparse.ArgumentParser, *, skip: bool = True) -> None:
    """--history PATH / --no-history, for the commands that record sessions."""
    group = parser.add_argument_group("session history")
    group.add_argument(
        "--history",
        metavar="PATH",
        help="history database to add this session to "
        "(default: $POSECHECK_HISTORY, else the user data folder)",
    )
    if skip:
        group.add_argument("--no-history", action="store_true", help="do not add this session to the history")


def record_sessions(
    args: argparse.Namespace,
    summaries: list[dict[str, Any]],
    *,
    kind: str,
    started_at: dt.datetime | None = None,
) -> None:
    """After a run's finishing step: add its sessions to the history (unless --no-history).

    A run in which nobody got into the pose adds nothing. A damaged history raises
    `HistoryError` (one line, its own exit code); the run's files are written by then.
    """
    from posecheck.history.append import append_session, worth_keeping

    if getattr(args, "no_history", False):
        return
    for summary in summaries:
        if not worth_keeping(summary):
            continue
        path, session_id = append_session(summary, kind=kind, started_at=started_at, path=args.history)
        if not getattr(args, "quiet", False):
            print(f"history: session {session_id} added to {path} ('posecheck history' shows your progress)")


def register(commands: Any) -> None:
    history = commands.add_parser(
        "history",
        help="sessions over days: table, streak, trends, progress page",
        description="Every live and analyze run adds one session to a local database "
        "(--history PATH or $POSECHECK_HISTORY to choose it, --no-history to skip).",
    )
    _filters(history)
    history.add_argument(
        "--limit", type=int, default=20, metavar="N", help="rows in the table (default: %(default)s)"
    )
    history.add_argument(
        "--weeks", type=int, default=8, metavar="N", help="weeks of adherence (default: %(default)s)"
    )
    history.add_argument("--json", action="store_true", help="print everything as JSON")
    history.add_argument("--html", metavar="FILE", help="write the progress page (self-contained HTML)")
    history.set_defaults(run=run_show)
    actions = history.add_subparsers(title="actions", metavar="ACTION")
    export = actions.add_parser("export", help="export sessions as CSV")
    _filters(export)
    export.add_argument("--csv", metavar="FILE", required=True, help="CSV file to write ('-' for stdout)")
    export.set_defaults(run=run_export)
    forget = actions.add_parser("forget", help="delete sessions by id or by filter")
    _filters(forget)
    forget.add_argument(
        "--id", type=int, action="append", dest="ids", metavar="N", help="session id (repeatable)"
    )
    forget.add_argument("--all", action="store_true", help="every session (with the filters: every match)")
    forget.add_argument("--yes", action="store_true", help="really delete (without it: list what would go)")
    forget.set_defaults(run=run_forget)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history",
        metavar="PATH",
        help="history database (default: $POSECHECK_HISTORY, else the user data folder)",
    )
    parser.add_argument("--stretch", metavar="ID", help="only this stretch (spec id)")
    parser.add_argument(
        "--since", metavar="WHEN", help="only sessions since a date (2026-11-01) or a span back (7d, 4w)"
    )


def parse_since(text: str, today: dt.date | None = None) -> dt.datetime:
    """'2026-11-01' or '2026-11-01T08:00' or '7d' / '4w' back from today: a local moment."""
    today = today or dt.date.today()
    span = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", text)
    if span:
        days = int(span.group(1)) * (7 if span.group(2) == "w" else 1)
        start = today - dt.timedelta(days=days)
        return dt.datetime.combine(start, dt.time()).astimezone()
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r}: give a date like 2026-11-01, or a span back like 7d or 4w"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _where(args: argparse.Namespace, ids: tuple[int, ...] | None = None) -> Any:
    from posecheck.history import SessionFilter

    try:
        since = parse_since(args.since).timestamp() if args.since else None
    except ValueError as exc:
        raise PosecheckError(str(exc)) from None
    return SessionFilter(stretch_id=args.stretch, since_utc_s=since, ids=ids)


def _open(args: argparse.Namespace) -> Any:
    from posecheck.history import HistoryStore, history_path

    return HistoryStore.open(history_path(args.history), create=False)


def _missing(args: argparse.Namespace) -> bool:
    """No database yet: say so (a first run is not an error) and let the caller stop."""
    from posecheck.history import history_path

    path = history_path(args.history)
    if path.exists():
        return False
    print(f"No sessions yet: there is no history at {path}. Analyse a video or coach a stretch live first.")
    return True


def run_show(args: argparse.Namespace) -> int:
    from posecheck.history.page import write_progress_page
    from posecheck.history.stats import history_json

    today = dt.date.today()
    if _missing(args):
        return ExitCode.OK
    with _open(args) as store:
        sessions = store.sessions(_where(args))
        path = store.path
    if args.html:
        size = write_progress_page(args.html, sessions, today=today)
        print(f"wrote: {args.html} ({size} bytes)", file=sys.stderr if args.json else sys.stdout)
        if not args.json:
            print(f"page: {Path(args.html).resolve().as_uri()}")
    data = history_json(sessions, today, args.weeks)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
    elif not args.html:
        print(format_history(data, path, args.limit))
    return ExitCode.OK


def format_history(data: dict[str, Any], path: Path, limit: int) -> str:
    """The terminal view: streak and adherence, the latest sessions, then each stretch's trends."""
    sessions = data["sessions"]
    st, ad = data["streak"], data["adherence"]
    this_week = ad["weeks"][-1] if ad["weeks"] else {"sessions": 0, "active_days": 0}
    lines = [
        f"History: {path} ({len(sessions)} sessions)",
        f"Streak: {st['current_days']} day(s), longest {st['longest_days']} · this week: "
        f"{this_week['sessions']} sessions on {this_week['active_days']} days · "
        f"{ad['sessions_per_week']:.1f} sessions a week over the last {len(ad['weeks'])} weeks",
    ]
    if not sessions:
        lines.append("No sessions yet.")
        return "\n".join(lines)
    lines += [
        "",
        f"{'#':>4}  {'WHEN':16}  {'STRETCH':28}  {'KIND':9}  {'HOLD / REPS':30}  {'FORM':>4}  MAIN FAULT",
    ]
    for row in sessions[-limit:][::-1]:
        if row["reps"]:
            done = ", ".join(f"{side} {r['counted']}/{r['target']}" for side, r in row["reps"].items())
        else:
            done = ", ".join(
                f"{side} {info['best_held_s'] or 0:.0f}/{info['target_s']:g} s"
                + (" ok" if info["reached"] else "")
                if info["time_in_pose_s"] or info["best_held_s"]
                else f"{side} -"
                for side, info in row["sides"].items()
            )
        form = "-" if row["good_form"] is None else f"{100 * row['good_form']:.0f}%"
        lines.append(
            f"{row['id']:>4}  {row['started_at'][:16].replace('T', ' '):16}  {row['stretch_name'][:28]:28}  "
            f"{row['kind']:9}  {done[:30]:30}  {form:>4}  {row['main_fault'] or '-'}"
        )
    for stretch in data["stretches"]:
        lines += ["", f"{stretch['name']} ({stretch['sessions']} sessions): first -> latest, change a week"]
        for trend in stretch["holds"] + stretch["measures"] + stretch["asymmetry"]:
            points = trend["points"]
            if not points:
                continue
            first, last = (
                _value(points[0]["value"], trend["unit"]),
                _value(points[-1]["value"], trend["unit"]),
            )
            slope = trend["per_week"]
            change = (
                ""
                if slope is None
                else f", {'+' if slope >= 0 else '-'}{_value(abs(slope), trend['unit'])} a week"
            )
            verdict = {True: " (improving)", False: " (slipping)"}.get(trend["improving"], "")
            lines.append(f"  {trend['label']}: {first} -> {last}{change}{verdict}")
    return "\n".join(lines)


def _value(value: float, unit: str) -> str:
    if unit == "deg":
        return f"{value:.1f} deg"
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.3f}"


def run_export(args: argparse.Namespace) -> int:
    from posecheck.errors import OutputError
    from posecheck.history.export import sessions_csv

    if _missing(args):
        return ExitCode.OK
    with _open(args) as store:
        text = sessions_csv(store.sessions(_where(args)))
    if args.csv == "-":
        sys.stdout.write(text)
        return ExitCode.OK
    target = Path(args.csv)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"Cannot write the CSV {target}: {exc.strerror or exc}.") from exc
    print(f"wrote: {target} ({text.count(chr(10)) - 1} rows)")
    return ExitCode.OK


def run_forget(args: argparse.Namespace) -> int:
    ids = tuple(args.ids) if args.ids else None
    if ids is None and not (args.all or args.stretch or args.since):
        print("posecheck: forget needs --id N, a filter (--stretch, --since) or --all", file=sys.stderr)
        return ExitCode.FAILED
    where = _where(args, ids)
    if _missing(args):
        return ExitCode.OK
    with _open(args) as store:
        chosen = store.sessions(where)
        if not chosen:
            print("No session matches: nothing deleted.")
            return ExitCode.OK
        for s in chosen:
            r = s.record
            print(f"{s.id:>4}  {r.started_at[:16].replace('T', ' ')}  {r.stretch_id}  {r.kind}  {r.source}")
        if not args.yes:
            print(f"Nothing deleted: add --yes to delete these {len(chosen)} session(s).", file=sys.stderr)
            return ExitCode.FAILED
        gone = store.forget(where)
    print(f"Deleted {len(gone)} session(s).")
    return ExitCode.OK
