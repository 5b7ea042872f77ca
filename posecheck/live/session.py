"""The live loop: newest frame -> pose model -> Engine -> overlay -> window.

Around the analysis pipeline it adds a routine (countdown, sides, next stretch), the
framing check before a hold starts, hot reload of spec and routine files, keys,
recording, and one summary per stretch in the same format as `analyze`. Verdicts use
the frames' own timestamps, exactly as the analysis does, so a clip gives the same
verdicts live and offline; the wall clock only drives what is on screen (notices,
FPS, how long "all done" stays up) and the latency figures.
"""

from __future__ import annotations

import enum
import math
import os
import signal
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.checks.engine import Engine
from posecheck.errors import OutputError, SpecError
from posecheck.live.framing import Framing, check_framing, required_landmarks
from posecheck.live.hud import Notices, RateMeter, display_size, wrap_for_panel
from posecheck.live.keys import HELP_LINE, Action, action_for_key
from posecheck.live.reload import FileWatcher
from posecheck.live.routine import Plan, PlannedItem, RoutineRunner, Stage, Step, load_routine
from posecheck.live.window import Display
from posecheck.output import prepare_out_dir
from posecheck.overlay import Overlay
from posecheck.pose.landmarks import Pose
from posecheck.pose.protocol import Detector
from posecheck.pose.tracking import MultiDetector, TrackingDetector, TrackUpdate
from posecheck.reference.figure import figure_for, form_comparison, paste_inset
from posecheck.report.context import ReportContext
from posecheck.report.csv import FrameCsvWriter
from posecheck.report.moments import FaultMoments, FormSnapshot
from posecheck.report.outputs import StagedOutputs, finish_run, output_path, run_outputs, staged_path
from posecheck.report.summary import SummaryBuilder
from posecheck.results import Cue, FrameResult, HoldState
from posecheck.session import report_context
from posecheck.spec import StretchSpec, load_spec
from posecheck.video.camera import Captured, CaptureState, LatestFrame, SessionClock
from posecheck.video.frame import Frame
from posecheck.video.sinks import VideoFileSink, output_size
from posecheck.voice import Speaker, VoiceCoach

ImageBGR = npt.NDArray[np.uint8]

# The voice: the same cue said again only after this long; "switch sides" / "all done" come
# from the routine's own banner, so the coach's hold-done milestones are off.
VOICE_COOLDOWN_S = 8.0
# How long the last words ("All done") may keep speaking after the session ends.
VOICE_FINISH_S = 3.0

# How often a frozen picture is redrawn while the camera reconnects (keys stay live meanwhile).
_REDRAW_EVERY_S = 0.25
_CAMERA_NOTICE = "camera"
_PEOPLE_NOTICE = "people"


class _StopSignals:
    """SIGINT (Ctrl-C) and SIGTERM end the session between frames, so every output is closed.

    Installed even when SIGINT was ignored at start (a background job of a script, where
    Python sets no KeyboardInterrupt handler): Ctrl-C must always work. A second signal
    raises KeyboardInterrupt at once. Only the main thread can own signal handlers.
    """

    def __init__(self, on_signal: Callable[[str], None]) -> None:
        self._on_signal = on_signal
        self._previous: dict[int, Any] = {}
        self._received = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: object) -> None:
        if self._received:
            raise KeyboardInterrupt
        self._received = True
        self._on_signal(signal.Signals(signum).name)


class EndReason(str, enum.Enum):
    FINISHED = "finished"  # every stretch of the routine is done
    QUIT = "quit"  # q / Esc, the window closed, or stop() was called
    SOURCE_ENDED = "source-ended"  # the video played as a camera is over
    DISCONNECTED = "disconnected"  # the camera stopped and did not come back
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM


@dataclass
class LiveOptions:
    """How a live session runs; the defaults are the interactive ones."""

    mirror: bool = True  # show a selfie view (verdict sides stay the person's own)
    countdown_s: float | None = None  # None: the routine's own
    out_dir: Path | None = None  # summary JSON, timeline plot, per-frame CSV, report.html per stretch
    record: bool = False  # and the annotated session video (needs out_dir)
    stem: str = "live"  # output file names start with this
    reload_poll_s: float = 0.5
    display_box_wh: tuple[int, int] = (1280, 720)
    finish_s: float = 2.0  # how long "all done" stays up before the session ends
    first_notice: str | None = None  # the one-time safety note
    first_notice_s: float = 15.0
    notice_s: float = 4.0


@dataclass
class LiveStats:
    """What the loop measured (wall clock; never used for verdicts)."""

    frames_captured: int = 0
    frames_dropped: int = 0
    frames_shown: int = 0
    latency_ms: list[float] = field(default_factory=list)  # capture -> overlay ready
    inference_ms: list[float] = field(default_factory=list)  # the model's own call
    first_shown_s: float | None = None
    last_shown_s: float | None = None
    source_fps: float | None = None

    @property
    def shown_fps(self) -> float:
        if self.first_shown_s is None or self.last_shown_s is None or self.frames_shown < 2:
            return 0.0
        span = self.last_shown_s - self.first_shown_s
        return (self.frames_shown - 1) / span if span > 0 else 0.0

    @property
    def dropped_fraction(self) -> float:
        return self.frames_dropped / self.frames_captured if self.frames_captured else 0.0

    def median_latency_ms(self) -> float:
        return statistics.median(self.latency_ms) if self.latency_ms else math.nan


@dataclass
class ItemReport:
    """One stretch of the session: its summaries (one per spec layout, see `_ItemRun`) and files."""

    item: PlannedItem
    summaries: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        return bool(self.summaries)


@dataclass
class LiveResult:
    items: list[ItemReport]
    outputs: dict[str, Path]
    ended: EndReason
    problem: str | None
    stats: LiveStats
    person_seen: bool


@dataclass(frozen=True)
class FrameView:
    """One processed frame as the loop saw it, for observers (tests, the benchmark)."""

    result: FrameResult
    step: Step
    lines: tuple[str, ...]
    framing: Framing | None
    latency_ms: float
    engine_spec: StretchSpec | None


def with_hold(spec: StretchSpec, hold_s: float | None) -> StretchSpec:
    """The spec with a routine's own hold target (None keeps the spec's)."""
    if hold_s is None or hold_s == spec.hold.target_s:
        return spec
    return spec.model_copy(update={"hold": spec.hold.model_copy(update={"target_s": hold_s})})


def _same_columns(a: ReportContext, b: ReportContext) -> bool:
    return (a.measure_ids, a.rule_ids, a.sides, a.measure_units) == (
        b.measure_ids,
        b.rule_ids,
        b.sides,
        b.measure_units,
    )


class _Segment:
    """Per-frame CSV, summary and report.html of one stretch under one spec layout."""

    def __init__(self, ctx: ReportContext, stem: str | None, out_dir: Path | None) -> None:
        self.ctx = ctx
        self.builder = SummaryBuilder(ctx)
        self.stem = stem
        self.out_dir = out_dir
        self.csv: FrameCsvWriter | None = None
        self.moments: FaultMoments | None = None  # thumbnails for report.html
        # Files are written under '.partial' names and renamed when the session ends.
        self.staging: StagedOutputs | None = None
        self.snapshot: FormSnapshot | None = None  # the moment shown beside the reference figure
        if out_dir is not None and stem is not None:
            self.staging = StagedOutputs(out_dir, stem, run_outputs(out_dir, stem))
            self.csv = FrameCsvWriter(self.staging.staged["csv"], ctx)
            self.moments = FaultMoments(ctx)
            self.snapshot = FormSnapshot()

    def add(self, result: FrameResult, scene: Callable[[], ImageBGR]) -> None:
        """Record a result; `scene()` draws its annotated, unmirrored picture (only when a
        fault moment is due, which is rare)."""
        self.builder.add(result)
        if self.csv is not None:
            self.csv.write(result)
        if self.moments is not None and (due := self.moments.due(result)):
            self.moments.capture(due, result, scene(), mirror=False)
        if self.snapshot is not None and self.snapshot.due(result):
            self.snapshot.capture(result, scene(), mirror=False)

    def retarget(self, ctx: ReportContext) -> None:
        # Same columns, new thresholds or cues: the summary describes the spec as it is now.
        self.ctx = ctx
        self.builder.ctx = ctx
        self.builder.series.ctx = ctx
        if self.moments is not None:
            self.moments.ctx = ctx

    def close(self) -> None:
        if self.csv is not None:
            self.csv.close()

    def finish(
        self, complete: bool, problem: str | None, spec: StretchSpec
    ) -> tuple[dict[str, Any], dict[str, Path]]:
        self.close()
        if self.staging is None:
            return self.builder.summary(complete=complete, problem=problem), {}
        thumbnails = self.moments.thumbnails() if self.moments is not None else []
        try:
            summary, written = finish_run(
                self.builder,
                self.staging.staged,
                complete=complete,
                problem=problem,
                thumbnails=thumbnails,
                subtitle=f"live: {self.ctx.source}",
                comparison=form_comparison(spec, self.snapshot) if self.snapshot is not None else None,
            )
        except BaseException:
            self.staging.discard()
            raise
        return summary, self.staging.publish(written)


class _ItemRun:
    """One routine item under way: its spec, its Engine, its report segments."""

    def __init__(
        self, item: PlannedItem, spec: StretchSpec, source: str, stem: str | None, out_dir: Path | None
    ) -> None:
        self.item = item
        self.source = source
        self.stem = stem
        self.out_dir = out_dir
        self.spec = spec
        self.engine = Engine(spec)
        self.needed = required_landmarks(spec)
        self.segments = [_Segment(report_context(spec, source), stem, out_dir)]
        self.frames = 0

    def apply_spec(self, spec: StretchSpec) -> None:
        """A reloaded spec takes over at once.

        Kept: the hold timer (seconds held per side, when the sides are unchanged), so
        tuning a threshold mid-hold does not cost the hold, and the record so far.
        Started afresh: smoothing, side detection, rule verdict history and the cue
        on screen, which all belong to the old thresholds.
        """
        old = self.engine
        # Everything that can refuse the spec comes before anything changes.
        engine = Engine(spec)
        ctx = report_context(spec, self.source)
        needed = required_landmarks(spec)
        if spec.sides == old.spec.sides:
            old.timer.target_s = spec.hold.target_s
            old.timer.grace_s = spec.hold.grace_s
            engine.timer = old.timer
        self.engine, self.spec, self.needed = engine, spec, needed
        segment = self.segments[-1]
        if _same_columns(segment.ctx, ctx):
            segment.retarget(ctx)
        else:
            # New measurements or rules make new CSV columns: a new part of the record.
            segment.close()
            stem = f"{self.stem}.part{len(self.segments) + 1}" if self.stem else None
            self.segments.append(_Segment(ctx, stem, self.out_dir))

    def add(self, result: FrameResult, scene: Callable[[], ImageBGR]) -> None:
        self.segments[-1].add(result, scene)
        self.frames += 1

    def discard(self) -> None:
        """Nothing was judged (the session ended during the countdown): leave no files."""
        for segment in self.segments:
            segment.close()
            if segment.staging is not None:
                segment.staging.discard()

    def done_sides(self) -> set[str]:
        """Sides whose hold (or, for a reps stretch, rep count) reached its target."""
        reps = self.engine.reps
        if reps is not None:
            status = reps.status()
            return {side for side, count in status.counts.items() if count >= status.target}
        return {s.side for s in self.engine.timer.statuses() if s.state is HoldState.DONE}

    def progress(self, side: str | None) -> dict[str, Any]:
        """The hold (or rep) status to draw on frames the engine does not judge."""
        if self.engine.reps is not None:
            return {"reps": self.engine.reps.status()}
        timer = self.engine.timer
        return {"hold": timer.status(side) if side in timer.sides else None, "holds": timer.statuses()}

    def finish(self, complete: bool, problem: str | None) -> ItemReport:
        report = ItemReport(self.item)
        for i, segment in enumerate(self.segments):
            summary, outputs = segment.finish(complete, problem, self.spec)
            report.summaries.append(summary)
            report.outputs.update({(f"{k}{i + 1}" if i else k): v for k, v in outputs.items()})
        return report


class LiveSession:
    """Coaches one plan (a routine, or a single stretch) from a capture thread.

    `run()` returns when the routine is done, the user quits, the video ends or the
    camera is lost; outputs are always closed properly. `stop()` may be called from
    another thread.
    """

    def __init__(
        self,
        plan: Plan,
        capture: LatestFrame,
        detector: Detector,
        display: Display,
        clock: SessionClock,
        options: LiveOptions | None = None,
        *,
        on_notice: Callable[[str], None] | None = None,
        observer: Callable[[FrameView], None] | None = None,
        speaker: Speaker | None = None,
        voice_notice: str | None = None,
    ) -> None:
        """`speaker` turns the voice on (None: silent); `voice_notice` is posted once at the
        start (e.g. "voice off: no offline speech engine found ...")."""
        self.plan = plan
        self.capture = capture
        # A detector that can see several people gets a tracker, so one person stays coached.
        if hasattr(detector, "detect_all") and not isinstance(detector, TrackingDetector):
            detector = TrackingDetector(cast("MultiDetector", detector))
        self.detector = detector
        self.display = display
        self.clock = clock
        self.options = options or LiveOptions()
        self.observer = observer
        self.notices = Notices(on_notice)
        self.overlay = Overlay()
        self.stats = LiveStats(source_fps=capture.device.fps_hint)
        self.runner = RoutineRunner.from_plan(plan, self.options.countdown_s)
        self.source_name = capture.device.name

        self._good_specs: dict[Path, StretchSpec] = {}
        for item in plan.items:
            self._good_specs.setdefault(item.spec_path, load_spec(item.spec_path))
        watched = [item.spec_path for item in plan.items] + ([plan.path] if plan.path else [])
        self._watcher = FileWatcher(watched, self.options.reload_poll_s)

        self._stop = threading.Event()
        self._ended: EndReason | None = None
        self._problem: str | None = None
        self._runs: dict[int, _ItemRun] = {}
        self._run: _ItemRun | None = None
        self._item_index = -1
        self._gate_open = False
        self._last_phase: Stage | None = None
        self._paused = False
        self._resume_pending = False
        self._last_t_s = 0.0
        self._last_frame: Frame | None = None
        self._last_result: FrameResult | None = None
        self._last_redraw_s = -math.inf
        self._reconnecting = False
        self._done_at_s: float | None = None
        self._person_seen = False
        self._safety_shown: set[str] = set()
        self._shown_meter = RateMeter()
        self._sink: VideoFileSink | None = None
        self._video_path: Path | None = None
        if self.options.record and self.options.out_dir is None:
            raise ValueError("recording needs an output folder (LiveOptions.out_dir)")
        if self.options.out_dir is not None:
            prepare_out_dir(self.options.out_dir)
        self._voice_notice = voice_notice
        self._voice_problem_shown = False
        # Last: the coach may start a speech thread, which run() ends.
        self.voice: VoiceCoach | None = None
        if speaker is not None:
            self.voice = VoiceCoach(speaker, cooldown_s=VOICE_COOLDOWN_S, announce_done=False)

    # -- public ---------------------------------------------------------------------

    def stop(self) -> None:
        """End the session at the next frame, as if q was pressed (thread-safe)."""
        self._stop.set()

    def run(self) -> LiveResult:
        if self.options.first_notice:
            self.notices.post(
                "safety", self.options.first_notice, self.clock.now_s(), self.options.first_notice_s
            )
        if self._voice_notice:
            self.notices.post("voice", self._voice_notice, self.clock.now_s(), self.options.first_notice_s)
        signals = _StopSignals(self._on_signal)
        try:
            signals.install()
            self.capture.start()
            try:
                self._loop()
            except KeyboardInterrupt:
                self._end(EndReason.INTERRUPTED, "interrupted")
        finally:
            signals.restore()
            if self.voice is not None:
                interrupted = self._ended is EndReason.INTERRUPTED
                self.voice.close(finish_s=0.0 if interrupted else VOICE_FINISH_S)
            self.capture.stop()
            self.display.close()
            for run in self._runs.values():
                for segment in run.segments:
                    segment.close()
            if self._sink is not None:
                self._sink.close()
        return self._result()

    # -- the loop ---------------------------------------------------------------------

    def _loop(self) -> None:
        while self._ended is None:
            captured = self.capture.get(0.02)
            if captured is not None:
                self._on_frame(captured)
            else:
                self._on_no_frame()
            self._on_key(self.display.poll_key(1))
            if self._stop.is_set() or self.display.closed:
                self._end(EndReason.QUIT)
            if self._done_at_s is not None and self.clock.now_s() - self._done_at_s >= self.options.finish_s:
                self._end(EndReason.FINISHED)

    def _on_signal(self, name: str) -> None:
        """SIGINT or SIGTERM: end at the next frame, outputs closed and marked partial."""
        self._end(EndReason.INTERRUPTED, "interrupted" if name == "SIGINT" else f"stopped by {name}")

    def _end(self, reason: EndReason, problem: str | None = None) -> None:
        if self._ended is None:
            self._ended, self._problem = reason, problem

    def _on_no_frame(self) -> None:
        state = self.capture.state
        now = self.clock.now_s()
        if state is CaptureState.RECONNECTING:
            if not self._reconnecting:
                self._reconnecting = True
                self.notices.post(_CAMERA_NOTICE, "camera disconnected - reconnecting...", now, None)
            if now - self._last_redraw_s >= _REDRAW_EVERY_S:
                self._redraw_last(now)
        elif state is CaptureState.ENDED:
            self._end(EndReason.SOURCE_ENDED, self.capture.problem)
        elif state is CaptureState.LOST:
            self.notices.post(_CAMERA_NOTICE, "camera lost - ending the session", now, None)
            self._end(
                EndReason.DISCONNECTED,
                f"{self.source_name} disconnected at {self._last_t_s:.1f} s and did not come back",
            )

    def _on_frame(self, captured: Captured) -> None:
        frame = captured.frame
        t_s = frame.timestamp_s
        now = self.clock.now_s()
        if self._reconnecting:
            self._reconnecting = False
            self.notices.post(_CAMERA_NOTICE, "camera reconnected", now, self.options.notice_s)
        self._poll_reload(now)
        self._last_t_s = t_s
        if self._resume_pending:
            self._resume_pending = False
            self.runner.resume(t_s)
        if self._paused:
            self._show_paused(frame, now)
            return

        step = self._sync(self.runner.update(t_s, self._done_sides()), t_s)
        pose = self.detector.detect(frame.image_bgr, t_s)
        inference_ms = getattr(self.detector, "last_inference_ms", None)
        if inference_ms is not None:
            self.stats.inference_ms.append(float(inference_ms))
        self._on_people(getattr(self.detector, "last_update", None), now)
        self._person_seen = self._person_seen or pose is not None

        framing: Framing | None = None
        run = self._run
        if step.phase is Stage.ACTIVE and run is not None:
            result = run.engine.step(pose, t_s, frame.index)
            result, framing = self._gate(run, result, pose, step)
            result = self._side_hint(result, step)
            judged = result
            run.add(result, lambda: self.overlay.draw(frame.image_bgr.copy(), judged))
            engine_spec: StretchSpec | None = run.spec
            # A side may be done now: move on at this frame, not the next.
            step = self._sync(self.runner.update(t_s, run.done_sides()), t_s)
        else:
            if run is not None:
                framing = check_framing(pose, run.spec, run.needed)
            result = self._waiting_result(frame, pose, step)
            engine_spec = None
        if step.phase is Stage.DONE and self._done_at_s is None:
            self._done_at_s = now
        self._speak(result, now)

        lines = self._status_lines(step, framing, frame.size_wh, now)
        scene = self._display_scene(frame.image_bgr, frame.size_wh, result, lines)
        if step.phase is Stage.COUNTDOWN and step.item is not None:
            self._show_reference(scene, step.item)
        ready_s = self.clock.now_s()
        latency_ms = (ready_s - captured.captured_s) * 1000.0
        self.display.show(scene)
        self._record(frame, result)

        self._last_frame, self._last_result, self._last_redraw_s = frame, result, ready_s
        self._count_shown(ready_s, latency_ms)
        if self.observer is not None:
            self.observer(FrameView(result, step, tuple(lines), framing, latency_ms, engine_spec))

    def _on_people(self, update: TrackUpdate | None, now: float) -> None:
        """Say who is coached when others are in view; a new person starts the hold over."""
        if update is None:
            return
        run = self._run
        if update.switched:
            if run is not None:
                if run.engine.reps is not None:
                    run.engine.reps.restart()
                timer = run.engine.timer
                for status in timer.statuses():
                    if status.state is not HoldState.DONE:
                        timer.restart(status.side)
            self.notices.post(
                _PEOPLE_NOTICE, "a different person is coached now: the hold starts over", now, 3.0
            )
        elif update.pose is None and update.lost_s is not None:
            self.notices.post(_PEOPLE_NOTICE, "the person being coached left the view: hold paused", now, 1.0)
        elif update.others_in_view:
            self.notices.post(
                _PEOPLE_NOTICE,
                f"{update.others_in_view + 1} people in view: coaching the one who was here first",
                now,
                1.0,
            )

    def _show_reference(self, scene: ImageBGR, item: PlannedItem) -> None:
        """While getting ready: what good form looks like, in a corner of the picture."""
        spec = self._good_specs.get(item.spec_path)
        figure = figure_for(spec) if spec is not None else None
        if figure is not None:
            paste_inset(scene, figure)

    def _speak(self, result: FrameResult, now: float) -> None:
        """Say the cue on screen (the voice decides when; it never blocks the loop)."""
        voice = self.voice
        if voice is None:
            return
        voice.update(result)
        problem = voice.problem
        if problem and not self._voice_problem_shown:
            self._voice_problem_shown = True
            self.notices.post("voice", f"voice off: {problem}", now, self.options.notice_s)

    # -- routine ------------------------------------------------------------------------

    def _done_sides(self) -> set[str]:
        return self._run.done_sides() if self._run is not None else set()

    def _sync(self, step: Step, t_s: float) -> Step:
        """Follow the runner: start the Engine of a new item, close the gate on a new side."""
        begins = step.item_index != self._item_index or (
            step.phase is Stage.ACTIVE and self._last_phase is not Stage.ACTIVE
        )
        if begins and self.voice is not None:
            self.voice.reset()  # a new stretch or side: its cues are new
        if step.item_index != self._item_index:
            self._item_index = step.item_index
            self._run = None
            if step.item is not None:
                if step.item_index not in self._runs:
                    self._runs[step.item_index] = self._begin(step.item, step.item_index)
                self._run = self._runs[step.item_index]
        if step.phase is Stage.ACTIVE and self._last_phase is not Stage.ACTIVE:
            self._gate_open = False  # each side is framed again before its timer starts
        self._last_phase = step.phase
        return step

    def _begin(self, item: PlannedItem, index: int) -> _ItemRun:
        spec = with_hold(self._good_specs[item.spec_path], item.hold_s)
        stem: str | None = None
        if self.options.out_dir is not None:
            label = item.stretch_id if len(self.plan.items) == 1 else f"{index + 1:02d}-{item.stretch_id}"
            stem = f"{self.options.stem}.{label}"
        if spec.safety and spec.id not in self._safety_shown:
            self._safety_shown.add(spec.id)
            self.notices.post(f"safety:{spec.id}", spec.safety, self.clock.now_s(), 10.0)
        return _ItemRun(item, spec, self.source_name, stem, self.options.out_dir)

    def _gate(
        self, run: _ItemRun, result: FrameResult, pose: Pose | None, step: Step
    ) -> tuple[FrameResult, Framing | None]:
        """Until the camera sees what the spec needs, the hold timer may not start."""
        if self._gate_open:
            return result, None
        framing = check_framing(pose, run.spec, run.needed)
        if framing.ok:
            self._gate_open = True
            return result, framing
        cue = Cue(framing.cue, "visibility") if framing.cue and pose is not None else result.cue
        timer = run.engine.timer
        restarted = False
        if run.engine.reps is None:
            for side in step.remaining_sides:
                if side in timer.sides and timer.status(side).state is HoldState.HOLDING:
                    timer.restart(side)
                    restarted = True
        if restarted:
            hold = timer.status(result.hold.side) if result.hold is not None else None
            result = replace(result, hold=hold, holds=timer.statuses())
        if cue is not result.cue:
            result = replace(result, cue=cue)
        return result, framing

    @staticmethod
    def _side_hint(result: FrameResult, step: Step) -> FrameResult:
        """Working a side that is done (or not in the routine): say which side is next."""
        side, remaining = result.side, step.remaining_sides
        if not (result.in_pose and side in ("left", "right") and remaining) or "both" in remaining:
            return result
        if side in remaining:
            return result
        cue = Cue(f"That's your {side} side - switch to your {remaining[0]} side", "entry")
        return replace(result, cue=cue)

    def _waiting_result(self, frame: Frame, pose: Pose | None, step: Step) -> FrameResult:
        """A frame outside a timed side (countdown, switch, done): skeleton, hold card, prompt."""
        progress: dict[str, Any] = {}
        if self._run is not None:
            progress = self._run.progress(step.remaining_sides[0] if step.remaining_sides else None)
        prompt = step.prompt
        cue = Cue(prompt, "status") if prompt else None
        return FrameResult(frame.index, frame.timestamp_s, pose, None, 0, False, cue=cue, **progress)

    # -- keys ----------------------------------------------------------------------------

    def _on_key(self, code: int) -> None:
        action = action_for_key(code)
        if action is None:
            return
        now = self.clock.now_s()
        if action is Action.QUIT:
            self._end(EndReason.QUIT)
        elif action is Action.PAUSE:
            self._paused = not self._paused
            if self._paused:
                self.runner.pause(self._last_t_s)
            else:
                self._resume_pending = True
        elif action is Action.NEXT:
            side = self._last_result.side if self._last_result is not None else None
            self._sync(self.runner.skip(self._last_t_s, side), self._last_t_s)
            self.notices.post("key", "skipped to the next step", now, 2.0)
        elif action is Action.RESTART and self._run is not None and self._run.engine.reps is not None:
            self._run.engine.reps.restart()
            self.notices.post("key", "reps restarted", now, 2.0)
        elif action is Action.RESTART and self._run is not None:
            step = self.runner.step
            side = self._last_result.side if self._last_result is not None else None
            timer = self._run.engine.timer
            if side not in step.remaining_sides:
                side = step.remaining_sides[0] if step.remaining_sides else None
            if side is not None and side in timer.sides:
                timer.restart(side)
                self.notices.post("key", f"hold restarted ({side})", now, 2.0)

    # -- hot reload ------------------------------------------------------------------------

    def _poll_reload(self, now: float) -> None:
        for path in self._watcher.changed():
            if path == self.plan.path:
                self._reload_routine(path, now)
            else:
                self._reload_spec(path, now)

    def _reload_spec(self, path: Path, now: float) -> None:
        key = f"reload:{path}"
        try:
            spec = load_spec(path)
        except SpecError as exc:
            self._keep_last_good(key, path, exc, now)
            return
        run = self._run
        if run is not None and run.item.spec_path == path:
            try:
                run.apply_spec(with_hold(spec, run.item.hold_s))
            except (ValueError, OutputError) as exc:
                # Valid on its own but not usable here (e.g. its CSV columns collide).
                message = " ".join(str(exc).split())
                self.notices.post(
                    key,
                    f"{path.name} cannot be applied ({message}) - keeping the last good version",
                    now,
                    None,
                )
                return
        self._good_specs[path] = spec
        self.notices.post(key, f"spec reloaded: {path.name}", now, self.options.notice_s)

    def _keep_last_good(self, key: str, path: Path, exc: SpecError, now: float) -> None:
        """Keep coaching with the last good version; the error stays up until the file is fixed."""
        message = str(exc).replace(str(path), path.name)
        self.notices.post(key, f"{message} - keeping the last good version", now, None)

    def _reload_routine(self, path: Path, now: float) -> None:
        key = f"reload:{path}"
        try:
            plan = load_routine(path)
        except SpecError as exc:
            self._keep_last_good(key, path, exc, now)
            return
        try:
            specs = {item.spec_path: load_spec(item.spec_path) for item in plan.items}
        except SpecError as exc:  # a spec changed between the routine's check and now
            self._keep_last_good(key, path, exc, now)
            return
        for item in plan.items:
            self._good_specs.setdefault(item.spec_path, specs[item.spec_path])
            self._watcher.watch(item.spec_path)
        self.runner.replace_upcoming(plan.items)
        if self.options.countdown_s is None:
            self.runner.countdown_s, self.runner.switch_s = plan.countdown_s, plan.switch_s
        self.notices.post(
            key, f"routine reloaded: {path.name} (from the next stretch)", now, self.options.notice_s
        )

    # -- drawing ------------------------------------------------------------------------------

    def _status_lines(
        self, step: Step, framing: Framing | None, size_wh: tuple[int, int], now: float
    ) -> list[str]:
        scene_wh = display_size(size_wh, self.options.display_box_wh)
        lines: list[str] = []
        for text in self.notices.active(now):
            lines.extend(wrap_for_panel(text, scene_wh, self.overlay.style))
        if len(self.runner.items) > 1 and step.item is not None:
            lines.append(f"Stretch {step.item_index + 1} of {len(self.runner.items)}: {step.item.name}")
        if framing is not None:
            lines.append(framing.meter())
        source = self.stats.source_fps
        rate = f"{self._shown_meter.rate():.0f} fps" + (f" (source {source:.0f})" if source else "")
        captured = self.capture.frames_captured
        dropped = 100.0 * self.capture.frames_dropped / captured if captured else 0.0
        lines.append(f"{rate} | dropped {dropped:.0f}%" + (" | PAUSED" if self._paused else ""))
        lines.append(HELP_LINE)
        return lines

    def _display_scene(
        self, image_bgr: ImageBGR, size_wh: tuple[int, int], result: FrameResult, lines: list[str]
    ) -> ImageBGR:
        """The picture at window size, mirrored for display only, with the overlay drawn on it."""
        scene = self._display_picture(image_bgr, size_wh)
        return self.overlay.draw(scene, result, mirror=self.options.mirror, extra_lines=lines)

    def _display_picture(self, image_bgr: ImageBGR, size_wh: tuple[int, int]) -> ImageBGR:
        wh = display_size(size_wh, self.options.display_box_wh)
        scene = image_bgr
        if wh != size_wh:
            # Bilinear: area averaging costs ~5x more and looks the same below a 2x change.
            scene = np.asarray(cv2.resize(image_bgr, wh, interpolation=cv2.INTER_LINEAR), np.uint8)
        if self.options.mirror:
            return np.asarray(cv2.flip(scene, 1), np.uint8)
        return scene.copy() if scene is image_bgr else scene

    def _show_paused(self, frame: Frame, now: float) -> None:
        scene = self._display_picture(frame.image_bgr, frame.size_wh)
        step = self.runner.step
        progress: dict[str, Any] = {}
        if self._run is not None:
            progress = self._run.progress(step.remaining_sides[0] if step.remaining_sides else None)
        cue = Cue("Paused - press space to resume", "status")
        result = FrameResult(frame.index, frame.timestamp_s, None, None, 0, False, cue=cue, **progress)
        if result.reps is not None:
            self.overlay.rep_counter.annotate(scene, result)
        else:
            self.overlay.hold_timer.annotate(scene, result)
        self.overlay.cue.annotate(scene, result)
        self.overlay.status.annotate(scene, self._status_lines(self.runner.step, None, frame.size_wh, now))
        self.display.show(scene)

    def _redraw_last(self, now: float) -> None:
        frame, result = self._last_frame, self._last_result
        self._last_redraw_s = now
        if frame is None or result is None:
            return
        lines = self._status_lines(self.runner.step, None, frame.size_wh, now)
        self.display.show(self._display_scene(frame.image_bgr, frame.size_wh, result, lines))

    def _record(self, frame: Frame, result: FrameResult) -> None:
        """The session video: the picture as the camera saw it (not mirrored), annotated."""
        if not self.options.record or self.options.out_dir is None:
            return
        scene_wh = output_size(frame.size_wh)
        if self._sink is None:
            self._video_path = output_path(self.options.out_dir, self.options.stem, "video")
            self._sink = VideoFileSink(staged_path(self._video_path), scene_wh, self.stats.source_fps)
        if scene_wh == frame.size_wh:
            scene = frame.image_bgr.copy()
        else:
            scene = np.asarray(
                cv2.resize(frame.image_bgr, scene_wh, interpolation=cv2.INTER_LINEAR), np.uint8
            )
        self._sink.write(self.overlay.draw(scene, result), frame.timestamp_s, give=True)

    def _count_shown(self, now: float, latency_ms: float) -> None:
        stats = self.stats
        stats.frames_shown += 1
        stats.latency_ms.append(latency_ms)
        if stats.first_shown_s is None:
            stats.first_shown_s = now
        stats.last_shown_s = now
        self._shown_meter.tick(now)

    # -- the end ----------------------------------------------------------------------------

    def _result(self) -> LiveResult:
        ended = self._ended or EndReason.QUIT
        complete = ended not in (EndReason.DISCONNECTED, EndReason.INTERRUPTED) and not (
            ended is EndReason.SOURCE_ENDED and self._problem
        )
        self.stats.frames_captured = self.capture.frames_captured
        self.stats.frames_dropped = self.capture.frames_dropped
        items: list[ItemReport] = []
        outputs: dict[str, Path] = {}
        for index, item in enumerate(self.runner.items):
            run = self._runs.get(index)
            if run is None or run.frames == 0:
                if run is not None:
                    run.discard()
                items.append(ItemReport(item))
                continue
            report = run.finish(complete, self._problem)
            items.append(report)
            outputs.update({f"{index + 1}:{key}": path for key, path in report.outputs.items()})
        if self._sink is not None and self._video_path is not None:
            staged = staged_path(self._video_path)
            if self._sink.frames_written:
                os.replace(staged, self._video_path)  # closed by run(): whole and playable
                outputs["video"] = self._video_path
            else:
                staged.unlink(missing_ok=True)
        return LiveResult(items, outputs, ended, self._problem, self.stats, self._person_seen)
