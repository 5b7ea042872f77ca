"""The analysis pipeline: source -> pose model -> engine -> overlay -> annotated video and reports.

One function per input kind; the live app reuses the same Engine and Overlay.
"""

from __future__ import annotations

import contextlib
import csv
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.checks.engine import Engine
from posecheck.errors import OutputError
from posecheck.output import prepare_out_dir
from posecheck.overlay import Overlay
from posecheck.pose.ahead import PosesAhead
from posecheck.pose.protocol import Detector
from posecheck.pose.recording import PoseRecording, PoseRecordingWriter, RecordedFrame, RecordingHeader
from posecheck.reference.figure import form_comparison
from posecheck.report.context import ReportContext
from posecheck.report.csv import FrameCsvWriter, safe_row
from posecheck.report.moments import FaultMoments, FaultThumbnail, FormComparison, FormSnapshot
from posecheck.report.outputs import StagedOutputs, finish_run, output_path, run_outputs
from posecheck.report.summary import SummaryBuilder, write_summary_json
from posecheck.results import FrameResult
from posecheck.spec.model import StretchSpec
from posecheck.video.frame import Frame
from posecheck.video.sinks import RenderStep, VideoFileSink, fit_to, output_size
from posecheck.video.sources import FrameSource, ImageSource

ProgressCallback = Callable[[Frame], None]


@dataclass
class AnalysisResult:
    """What an analysis produced: the files, the summary, and whether it ran to the end."""

    outputs: dict[str, Path]
    summary: dict[str, Any]
    complete: bool
    interrupted: bool = False
    person_found: bool = True
    stopped_by: str | None = None  # the signal that interrupted the run (SIGINT, SIGTERM)
    photo_results: list[tuple[Path, FrameResult]] = field(default_factory=list)


@dataclass
class StageTimes:
    """Per-frame wall-clock costs, for the benchmark (never used for verdicts)."""

    model_ms: list[float] = field(default_factory=list)
    other_ms: list[float] = field(default_factory=list)


def report_context(spec: StretchSpec, source_name: str) -> ReportContext:
    return ReportContext(
        source=source_name,
        stretch_id=spec.id,
        stretch_name=spec.name,
        sides=spec.sides,
        hold_target_s=spec.hold.target_s,
        measure_ids=tuple(spec.measurements),
        measure_units={k: m.unit for k, m in spec.measurements.items()},
        rule_ids=tuple(r.id for r in spec.rules),
        rule_severity={r.id: r.severity for r in spec.rules},
        rule_cues={r.id: r.cue for r in spec.rules},
        rule_ranges={r.id: (r.min, r.max) for r in spec.rules},
        rule_measure={r.id: r.measure for r in spec.rules},
        rep_sides=spec.sides if spec.mode == "reps" else (),
        rule_hysteresis={r.id: spec.hysteresis_for(r) for r in spec.rules},
    )


def analyze_video(
    source: FrameSource,
    spec: StretchSpec,
    detector: Detector,
    out_dir: Path,
    *,
    write_video: bool = True,
    progress: ProgressCallback | None = None,
    times: StageTimes | None = None,
) -> AnalysisResult:
    """Judge every frame of a video; an interrupted run still closes every output properly.

    Outputs are written under '.partial' names and renamed when the run ends (see
    `StagedOutputs`); a failure deletes them.
    """
    prepare_out_dir(out_dir)
    finals = run_outputs(out_dir, source.name)
    if write_video:
        finals["video"] = output_path(out_dir, source.name, "video")
    staging = StagedOutputs(out_dir, source.name, finals)
    with _discard_on_error(staging):
        result = _analyze_video(source, spec, detector, staging.staged, write_video, progress, times)
    result.outputs = staging.publish(result.outputs)
    return result


def _analyze_video(
    source: FrameSource,
    spec: StretchSpec,
    detector: Detector,
    outputs: dict[str, Path],
    write_video: bool,
    progress: ProgressCallback | None,
    times: StageTimes | None,
) -> AnalysisResult:
    ctx = report_context(spec, getattr(source, "path", Path(source.name)).name)
    engine = Engine(spec)
    overlay = Overlay()
    summary_builder = SummaryBuilder(ctx)
    moments = FaultMoments(ctx)  # thumbnails for report.html, taken only when a fault starts
    snapshot = FormSnapshot()  # the person's moment beside the reference figure in report.html
    # The overlay is drawn on the picture already shrunk to the video's size (~2.25x fewer
    # pixels to draw and encode at 1080p), and on the encoder thread, so the model's thread
    # does nothing per frame but the model, the engine and the CSV row.
    scene_wh = output_size(source.size_wh)
    render_overlay = Overlay()  # used only on the encoder thread

    def render(result: FrameResult) -> RenderStep:
        return lambda image_bgr: render_overlay.draw(fit_to(image_bgr, scene_wh), result)

    interrupted = False
    stopped_by: str | None = None
    frames = 0
    sink: VideoFileSink | None = None
    try:
        with FrameCsvWriter(outputs["csv"], ctx) as csv_writer:
            if write_video:
                sink = VideoFileSink(outputs["video"], scene_wh, source.fps_hint)
            with _StopOnInterrupt() as stop, PosesAhead(source, detector) as modelled_frames:
                for modelled in modelled_frames:
                    if stop.requested:
                        interrupted = True
                        break
                    frame, pose = modelled.frame, modelled.pose
                    judging = time.perf_counter()
                    result = engine.step(pose, frame.timestamp_s, frame.index)
                    csv_writer.write(result)
                    summary_builder.add(result)
                    due = moments.due(result)
                    snap = snapshot.due(result)
                    if due or snap:
                        # Rare (a fault starting, the form snapshot): draw here, as the report
                        # needs the picture now.
                        scene = overlay.draw(fit_to(frame.image_bgr, scene_wh), result)
                        if due:
                            moments.capture(due, result, scene)  # before the sink takes the picture
                        if snap:
                            snapshot.capture(result, scene)
                        if sink is not None:
                            sink.write(scene, frame.timestamp_s, give=True)
                    elif sink is not None:
                        # The frame is handed over: the source never reuses it and the model is done.
                        sink.write(frame.image_bgr, frame.timestamp_s, give=True, render=render(result))
                    if times is not None:
                        times.model_ms.append(modelled.model_ms)
                        times.other_ms.append((time.perf_counter() - judging) * 1e3)
                    frames += 1
                    if progress is not None:
                        progress(frame)
                interrupted = interrupted or stop.requested
                stopped_by = stop.signal_name
    finally:
        if sink is not None:
            sink.close()
    if sink is not None and sink.frames_written == 0:
        outputs.pop("video", None)
    return _finish(
        outputs,
        summary_builder,
        source,
        frames,
        interrupted,
        "no frame could be decoded",
        moments.thumbnails(),
        stopped_by,
        form_comparison(spec, snapshot),
    )


def analyze_recording(
    recording: PoseRecording,
    spec: StretchSpec,
    out_dir: Path,
    *,
    progress: Callable[[RecordedFrame], None] | None = None,
    times: StageTimes | None = None,
) -> AnalysisResult:
    """Re-score a pose recording without the model: the same engine, CSV, summary, timeline and
    HTML report as `analyze_video`, but no annotated video and no fault pictures (a recording
    holds landmarks, not pictures)."""
    prepare_out_dir(out_dir)
    staging = StagedOutputs(out_dir, recording.name, run_outputs(out_dir, recording.name))
    with _discard_on_error(staging):
        result = _analyze_recording(recording, spec, staging.staged, progress, times)
    result.outputs = staging.publish(result.outputs)
    return result


def _analyze_recording(
    recording: PoseRecording,
    spec: StretchSpec,
    outputs: dict[str, Path],
    progress: Callable[[RecordedFrame], None] | None,
    times: StageTimes | None,
) -> AnalysisResult:
    ctx = report_context(spec, recording.path.name)
    engine = Engine(spec)
    summary_builder = SummaryBuilder(ctx)
    snapshot = FormSnapshot()  # no pictures: the person's moment is drawn as a figure
    interrupted = False
    frames = 0
    with FrameCsvWriter(outputs["csv"], ctx) as csv_writer, _StopOnInterrupt() as stop:
        for frame in recording:
            if stop.requested:
                break
            started = time.perf_counter()
            result = engine.step(frame.pose, frame.timestamp_s, frame.index)
            csv_writer.write(result)
            summary_builder.add(result)
            if snapshot.due(result):
                snapshot.capture(result, None)
            if times is not None:
                times.other_ms.append((time.perf_counter() - started) * 1e3)
            frames += 1
            if progress is not None:
                progress(frame)
        interrupted = stop.requested
        stopped_by = stop.signal_name
    return _finish(
        outputs,
        summary_builder,
        recording,
        frames,
        interrupted,
        "the recording holds no frames",
        (),
        stopped_by,
        form_comparison(spec, snapshot),
    )


class _Input(Protocol):
    """What the finishing step reads of a video source or a pose recording."""

    @property
    def truncated(self) -> bool: ...
    @property
    def problem(self) -> str | None: ...
    @property
    def frame_count_hint(self) -> int | None: ...


def _finish(
    outputs: dict[str, Path],
    summary_builder: SummaryBuilder,
    source: _Input,
    frames: int,
    interrupted: bool,
    nothing_read: str,
    thumbnails: Sequence[FaultThumbnail] = (),
    stopped_by: str | None = None,
    comparison: FormComparison | None = None,
) -> AnalysisResult:
    """The reports of whatever was analysed, complete or not, as an AnalysisResult.

    `nothing_read` is the problem to state when not a single frame could be read.
    """
    problem = source.problem or ("" if frames else nothing_read)
    if interrupted:
        problem = f"{_stopped(stopped_by)} after {frames} frames"
    summary, written = finish_run(
        summary_builder,
        outputs,
        complete=not interrupted and not source.truncated,
        frames_total=source.frame_count_hint,
        problem=problem or None,
        thumbnails=thumbnails,
        comparison=comparison,
    )
    return AnalysisResult(
        outputs=written,
        summary=summary,
        complete=summary["complete"],
        interrupted=interrupted,
        person_found=bool(summary_builder.series.person.any()),
        stopped_by=stopped_by,
    )


def _stopped(signal_name: str | None) -> str:
    return f"stopped by {signal_name}" if signal_name == "SIGTERM" else "interrupted"


@dataclass
class RecordResult:
    """What `record_video` wrote."""

    path: Path
    frames: int
    poses_found: int
    interrupted: bool
    stopped_by: str | None = None


def recording_header(source: FrameSource, model_path: Path) -> RecordingHeader:
    """The header of a recording of `source` made with the model at `model_path`."""
    return RecordingHeader(
        source=getattr(source, "path", Path(source.name)).name,
        size_wh=source.size_wh,
        model=model_path.name,
        rotation_deg=source.rotation_deg,
        fps_hint=source.fps_hint,
        frame_count_hint=source.frame_count_hint,
    )


def record_video(
    source: FrameSource,
    detector: Detector,
    writer: PoseRecordingWriter,
    *,
    progress: ProgressCallback | None = None,
) -> RecordResult:
    """Run the pose model over every frame and write the landmarks; Ctrl-C keeps a valid prefix."""
    frames = found = 0
    with _StopOnInterrupt() as stop:
        for frame in source:
            if stop.requested:
                break
            pose = detector.detect(frame.image_bgr, frame.timestamp_s)
            writer.write(frame.index, frame.timestamp_s, pose)
            frames += 1
            found += pose is not None
            if progress is not None:
                progress(frame)
    return RecordResult(writer.path, frames, found, stop.requested, stop.signal_name)


def analyze_photos(
    source: ImageSource,
    spec: StretchSpec,
    detector: Detector,
    out_dir: Path,
    *,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """A coach's snapshot check: each photo judged on its own, no timer."""
    prepare_out_dir(out_dir)
    finals = {
        "photos csv": output_path(out_dir, source.name, "photos csv"),
        "summary": output_path(out_dir, source.name, "summary"),
    }
    staging = StagedOutputs(out_dir, source.name, finals)
    with _discard_on_error(staging):
        result = _analyze_photos(source, spec, detector, out_dir, staging, progress)
    result.outputs = staging.publish(result.outputs)
    return result


def _analyze_photos(
    source: ImageSource,
    spec: StretchSpec,
    detector: Detector,
    out_dir: Path,
    staging: StagedOutputs,
    progress: ProgressCallback | None,
) -> AnalysisResult:
    engine = Engine(spec, still_images=True)
    overlay = Overlay()
    csv_path = staging.staged["photos csv"]
    summary_path = staging.staged["summary"]
    outputs: dict[str, Path] = {"photos csv": csv_path, "summary": summary_path}
    photo_results: list[tuple[Path, FrameResult]] = []
    rule_ids = [r.id for r in spec.rules]
    interrupted = False
    stopped_by: str | None = None
    try:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                safe_row(["photo", "pose_found", "in_pose", "side", *spec.measurements, *rule_ids, "cue"])
            )
            with _StopOnInterrupt() as stop:
                for frame in source:
                    if stop.requested:
                        break
                    path = source.paths[frame.index]
                    pose = detector.detect(frame.image_bgr, frame.timestamp_s)
                    result = engine.step(pose, frame.timestamp_s, frame.index)
                    photo_results.append((path, result))
                    annotated = _annotate(overlay, frame, result, output_size(frame.size_wh, 1600))
                    image_path = staging.add(f"photo:{path.name}", output_path(out_dir, path.stem, "photo"))
                    if not cv2.imwrite(str(image_path), annotated):
                        raise OutputError(f"cannot write {image_path}: check the folder is writable")
                    outputs[f"photo:{path.name}"] = image_path
                    writer.writerow(safe_row(_photo_row(path, result, spec)))
                    if progress is not None:
                        progress(frame)
                interrupted = stop.requested
                stopped_by = stop.signal_name
    except OSError as exc:
        raise OutputError(f"cannot write {csv_path}: {exc}") from None
    complete = not interrupted and not source.truncated
    summary = _photos_summary(spec, photo_results, complete=complete, total=len(source.paths))
    # Photos that could not be read are listed, so a partial folder never looks complete.
    summary["skipped"] = [{"photo": path.name, "problem": reason} for path, reason in source.skipped]
    summary["problem"] = (
        f"{_stopped(stopped_by)} after {len(photo_results)} photos" if interrupted else source.problem
    )
    write_summary_json(summary_path, summary)
    return AnalysisResult(
        outputs=outputs,
        summary=summary,
        complete=complete,
        interrupted=interrupted,
        person_found=any(r.pose is not None for _, r in photo_results),
        photo_results=photo_results,
        stopped_by=stopped_by,
    )


@contextlib.contextmanager
def _discard_on_error(staging: StagedOutputs) -> Iterator[None]:
    """A run that fails (cannot write, a bug) leaves none of its files behind."""
    try:
        yield
    except BaseException:
        staging.discard()
        raise


class _StopOnInterrupt:
    """Turns Ctrl-C (SIGINT) and SIGTERM into a request to stop at the next frame boundary.

    A KeyboardInterrupt raised mid-frame could leave the video, the CSV and the
    summary disagreeing by a frame; stopping between frames keeps them in step, and
    the outputs are closed and marked partial as after any interruption. The handlers
    are installed even when SIGINT was ignored at start (a script's background job),
    so Ctrl-C still works. A second signal stops at once. Only the main thread can own
    signal handlers; elsewhere this does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()


def _annotate(
    overlay: Overlay, frame: Frame, result: FrameResult, scene_wh: tuple[int, int]
) -> npt.NDArray[np.uint8]:
    """The frame at output size with the overlay drawn (the source frame is left untouched)."""
    if frame.size_wh == scene_wh:
        scene = frame.image_bgr.copy()
    else:
        scene = np.asarray(cv2.resize(frame.image_bgr, scene_wh, interpolation=cv2.INTER_AREA), np.uint8)
    return overlay.draw(scene, result)


def _photo_row(path: Path, result: FrameResult, spec: StretchSpec) -> list[object]:
    values = [
        "" if not np.isfinite(m.value) else round(m.value, 3)
        for m in (result.measurements.get(k) for k in spec.measurements)
        if m is not None
    ] or [""] * len(spec.measurements)
    verdicts = {c.rule_id: c.verdict.value for c in result.checks}
    return [
        path.name,
        result.pose is not None,
        result.in_pose,
        result.side or "",
        *values,
        *(verdicts.get(r.id, "") for r in spec.rules),
        result.cue.text if result.cue else "",
    ]


def _photos_summary(
    spec: StretchSpec, photo_results: list[tuple[Path, FrameResult]], *, complete: bool, total: int
) -> dict[str, Any]:
    photos = []
    for path, result in photo_results:
        faults = [
            {"rule": c.rule_id, "severity": c.severity.value, "verdict": c.verdict.value}
            for c in result.checks
            if c.verdict.failing and result.in_pose
        ]
        photos.append(
            {
                "photo": path.name,
                "person_found": result.pose is not None,
                "in_pose": result.in_pose,
                "side": result.side,
                "measurements": {
                    k: (round(m.value, 3) if np.isfinite(m.value) else None)
                    for k, m in result.measurements.items()
                },
                "faults": faults,
                "cue": result.cue.text if result.cue else None,
            }
        )
    return {
        "kind": "photos",
        "stretch": {"id": spec.id, "name": spec.name},
        "complete": complete,
        "photos_total": total,
        "photos_analysed": len(photos),
        "photos_in_pose": sum(p["in_pose"] for p in photos),
        "photos": photos,
    }
