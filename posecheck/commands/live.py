"""`posecheck live`: real-time coaching from a camera, or from a video played as if it were one."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.commands.common import (
    STRETCH_HELP,
    end_of_run,
    model_options,
    people_option,
    print_outputs,
    resolve_model_arg,
)
from posecheck.commands.history import history_options, record_sessions
from posecheck.errors import SourceError, SpecError
from posecheck.output import OutputLock, prepare_out_dir
from posecheck.voice.speakers import ENGINES

# People the model looks for in live coaching: the coached one and one more, so a second
# person is noticed and never inherits the hold (costs about 2x the model time per frame;
# see bench/bench_num_poses.py).
LIVE_PEOPLE = 2

if TYPE_CHECKING:
    from posecheck.live.session import LiveResult
    from posecheck.voice import Speaker


def register(commands: Any) -> None:
    """Add the `live` subcommand to the CLI's subparsers."""
    live = commands.add_parser(
        "live",
        help="coach a stretch or a routine in real time from a camera",
        description="Coach a stretch or a routine in real time: a window shows the mirrored camera "
        "picture with the same overlay as 'analyze'. Keys: space pause/resume, n next stretch or "
        "side, r restart the hold, q or Esc quit. Spec and routine files reload when saved. "
        "At the end it prints the same summary as 'analyze'.",
    )
    what = live.add_mutually_exclusive_group()
    what.add_argument("--stretch", "-s", help=STRETCH_HELP)
    what.add_argument(
        "--routine", "-r", metavar="FILE", help="routine file, e.g. stretch_specs/routines/lower-back.yaml"
    )
    source = live.add_mutually_exclusive_group()
    source.add_argument("--camera", "-c", type=int, default=0, metavar="N", help="camera index (default: 0)")
    source.add_argument("--source", metavar="VIDEO", help="play a video file as if it were the camera")
    live.add_argument(
        "--out",
        "-o",
        metavar="DIR",
        help="save each stretch's summary JSON, timeline plot, per-frame CSV and report.html here",
    )
    live.add_argument(
        "--record",
        action="store_true",
        help="also save the annotated session video (into --out, default results/)",
    )
    live.add_argument("--no-window", action="store_true", help="run without a window (headless)")
    live.add_argument("--no-mirror", action="store_true", help="show the picture as the camera sees it")
    live.add_argument(
        "--countdown",
        type=float,
        metavar="S",
        help="get-ready seconds before each stretch and between sides "
        "(default: the routine's; 5 for --stretch; 0 for --source, whose clip starts at once)",
    )
    history_options(live)
    live.add_argument(
        "--every-frame",
        action="store_true",
        help="judge every frame instead of always the newest (reproducible runs of --source; "
        "with a camera the picture falls behind)",
    )
    live.add_argument(
        "--max-fps",
        type=float,
        metavar="FPS",
        help="play --source at most this fast, e.g. 30 to play a 60 fps clip as a 30 fps camera",
    )
    live.add_argument(
        "--voice",
        nargs="?",
        const="auto",
        metavar="ENGINE",
        help="say the cues aloud with an offline speech engine: "
        f"{', '.join(ENGINES)} (default: the first one found; without any, the cues stay on screen)",
    )
    live.add_argument("--quiet", "-q", action="store_true", help="print only the summary and errors")
    people_option(live, LIVE_PEOPLE)
    model_options(live)
    live.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from posecheck.live.safety import first_start_note
    from posecheck.live.session import LiveOptions, LiveSession
    from posecheck.live.window import CvWindow, Display, HeadlessDisplay
    from posecheck.pose.detector import PoseDetector
    from posecheck.video.camera import CameraSource, CaptureDevice, FileAsCamera, LatestFrame, SessionClock

    plan = _plan(args)
    if args.max_fps is not None and args.max_fps <= 0:
        raise SourceError(f"--max-fps must be above 0, got {args.max_fps:g}: pass e.g. --max-fps 30")
    clock = SessionClock()
    device: CaptureDevice
    if args.source:
        device = FileAsCamera(args.source, clock, max_fps=args.max_fps)
        stem = f"{Path(args.source).stem}.live"
    else:
        device = CameraSource(args.camera, clock)
        stem = f"camera{args.camera}-{time.strftime('%Y%m%d-%H%M%S')}"
    display: Display | None = None
    lock: OutputLock | None = None
    try:
        out_dir = Path(args.out) if args.out else (Path("results") if args.record else None)
        if out_dir is not None:  # before the model: a bad --out costs nothing
            lock = OutputLock(prepare_out_dir(out_dir))
        model_path = resolve_model_arg(args)
        note = first_start_note()
        if note:
            print(note, flush=True)
        # A countdown is for a person in front of a camera; a clip would lose its first seconds.
        countdown_s = 0.0 if args.source and args.countdown is None else args.countdown
        options = LiveOptions(
            mirror=not args.no_mirror,
            countdown_s=countdown_s,
            out_dir=out_dir,
            record=args.record,
            stem=stem,
            finish_s=0.0 if args.no_window else 2.0,
            first_notice=note,
        )

        def on_notice(text: str) -> None:
            if not args.quiet and text != note:
                print(f"posecheck: {text}", file=sys.stderr, flush=True)

        # The window first: without a screen, say so before loading the model.
        display = HeadlessDisplay() if args.no_window else CvWindow()
        speaker, voice_notice = _open_speaker(args.voice) if args.voice else (None, None)
        # Two people: the tracker keeps coaching the one who was there first (see pose.tracking).
        with PoseDetector(model_path, mode="video", num_poses=args.people) as detector:
            capture = LatestFrame(device, keep_all=args.every_frame)
            session = LiveSession(
                plan,
                capture,
                detector,
                display,
                clock,
                options,
                on_notice=on_notice,
                speaker=speaker,
                voice_notice=voice_notice,
            )
            started_at = dt.datetime.now().astimezone()
            result = session.run()
    finally:
        device.close()
        if display is not None:
            display.close()
        if lock is not None:
            lock.release()
    code = _report(args, result)
    summaries = [summary for report in result.items for summary in report.summaries]
    record_sessions(args, summaries, kind="live", started_at=started_at)
    return code


def _open_speaker(engine: str) -> tuple[Speaker, str | None]:
    """The speaker for `--voice ENGINE` ("auto": the best one here) and a notice, or None.

    Never raises: without an engine it is silent and the notice says so. Tests replace
    this function to listen in.
    """
    from posecheck.voice import make_speaker

    return make_speaker(None if engine == "auto" else engine)


def _report(args: argparse.Namespace, result: LiveResult) -> int:
    from posecheck.live.session import EndReason
    from posecheck.report.text import format_summary

    for report in result.items:
        if not report.started:
            print(f"{report.item.name}: not started.")
        for summary in report.summaries:
            print(format_summary(summary))
    if result.outputs:
        print_outputs(result.outputs)
    stats = result.stats
    if not args.quiet and stats.frames_shown:
        source = f" (source {stats.source_fps:.0f} fps)" if stats.source_fps else ""
        print(
            f"live: {stats.frames_shown} frames shown at {stats.shown_fps:.1f} fps{source}; "
            f"{stats.frames_dropped} of {stats.frames_captured} dropped "
            f"({100 * stats.dropped_fraction:.0f}%); "
            f"median latency {stats.median_latency_ms():.0f} ms"
        )
    lost = result.ended is EndReason.DISCONNECTED or (
        result.ended is EndReason.SOURCE_ENDED and result.problem
    )
    return end_of_run(
        stopped_by="SIGTERM" if result.problem and "SIGTERM" in result.problem else None,
        interrupted=result.ended is EndReason.INTERRUPTED,
        damage=result.problem if lost else None,
        person_found=result.person_seen or not stats.frames_shown,
        kept_partial="the summary covers the session until then",
        kept_damaged="the summary covers the session until then",
    )


def _plan(args: argparse.Namespace) -> Any:
    """The routine to run: --routine, --stretch, or one picked at the terminal."""
    from posecheck.live.routine import DEFAULT_COUNTDOWN_S, load_routine, plan_for_spec
    from posecheck.spec import find_spec, load_spec

    routine, stretch = args.routine, args.stretch
    if not routine and not stretch:
        routine, stretch = _pick()
    if routine:
        return load_routine(routine)
    path = find_spec(stretch)
    return plan_for_spec(load_spec(path), path, DEFAULT_COUNTDOWN_S)


def _pick() -> tuple[str | None, str | None]:
    """Ask at the terminal which stretch or routine to coach: (routine file, stretch id)."""
    from posecheck.spec import list_specs, load_spec, specs_dir

    if not sys.stdin.isatty():
        raise SpecError("choose what to coach: --stretch ID (see 'posecheck specs') or --routine FILE")
    choices: list[tuple[str | None, str | None, str]] = []
    for path in list_specs():
        try:
            choices.append((None, path.stem, load_spec(path).name))
        except SpecError:
            continue
    for path in sorted((specs_dir() / "routines").glob("*.yaml")):
        choices.append((str(path), None, f"routine: {path.stem}"))
    if not choices:
        raise SpecError(f"no stretch specs in {specs_dir()}: pass --stretch FILE or --routine FILE")
    print("What would you like to stretch?")
    for number, (_, _, label) in enumerate(choices, start=1):
        print(f"  {number:2d}  {label}")
    answer = input("number: ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(choices):
        raise SpecError(f"no choice {answer!r}: run again and type a number from the list")
    routine, stretch, _ = choices[int(answer) - 1]
    return routine, stretch
