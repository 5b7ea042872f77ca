"""The live loop on real footage: same verdicts as `analyze`, hot reload, routines, keys, disconnects.

Runs the real pose model on ../shared/data/footage (read in place, never copied), headless.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from ruamel.yaml import YAML
from support.paths import SPECS_DIR

from posecheck.cli import main
from posecheck.live.keys import ESC
from posecheck.live.routine import Plan, Stage, load_routine, plan_for_spec
from posecheck.live.session import EndReason, FrameView, LiveOptions, LiveResult, LiveSession
from posecheck.live.window import HeadlessDisplay
from posecheck.pose.detector import PoseDetector
from posecheck.results import HoldState, Verdict
from posecheck.spec import StretchSpec, find_spec, load_spec
from posecheck.video.camera import Captured, FileAsCamera, LatestFrame, SessionClock
from posecheck.video.frame import Frame

pytestmark = pytest.mark.slow

HIP_FLEXOR = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
QUAD = "quad_stretch/traj_prone-quad-stretch_vertical.mp4"


@pytest.fixture(autouse=True)
def _isolated(model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    monkeypatch.setenv("POSECHECK_SPECS_DIR", str(SPECS_DIR))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # the safety-note flag


def _wait(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


class Session:
    """A LiveSession on its own thread, with what it showed and said collected."""

    def __init__(
        self,
        plan: Plan,
        capture: LatestFrame,
        model_path: Path,
        clock: SessionClock,
        options: LiveOptions,
        on_frame: Callable[[FrameView, Session], None] | None = None,
    ) -> None:
        self.views: list[FrameView] = []
        self.notices: list[str] = []
        self.display = HeadlessDisplay()
        self.result: LiveResult | None = None
        self._on_frame = on_frame
        self._detector = PoseDetector(model_path)
        self.session = LiveSession(
            plan,
            capture,
            self._detector,
            self.display,
            clock,
            options,
            on_notice=self.notices.append,
            observer=self._observe,
        )
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _observe(self, view: FrameView) -> None:
        self.views.append(view)
        if self._on_frame is not None:
            self._on_frame(view, self)

    def _run(self) -> None:
        try:
            self.result = self.session.run()
        finally:
            self._detector.close()

    def press(self, key: str | int) -> None:
        self.display.keys.put(ord(key) if isinstance(key, str) else key)

    def __enter__(self) -> Session:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.stop()
        self._thread.join(60)

    def join(self, timeout_s: float = 60) -> LiveResult:
        self._thread.join(timeout_s)
        assert self.result is not None, "the session did not end"
        return self.result


def _clip_capture(footage_dir: Path, clip: str, clock: SessionClock, **kwargs: Any) -> LatestFrame:
    return LatestFrame(FileAsCamera(footage_dir / clip, clock, max_fps=30), **kwargs)


def _held(view: FrameView) -> float:
    return view.result.hold.held_s if view.result.hold is not None else 0.0


def _differences(picture: Any, source: Any) -> tuple[float, float]:
    """Mean difference of `picture` from the source frame as it is and mirrored, away from the
    overlay's banner and panels."""
    height, width = picture.shape[:2]
    reference = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA).astype(np.int16)
    band = slice(height // 7, height * 2 // 3)
    picture = picture.astype(np.int16)
    plain = float(np.abs(picture[band] - reference[band]).mean())
    mirrored = float(np.abs(picture[band] - reference[band, ::-1]).mean())
    return plain, mirrored


def _knee_max(spec: StretchSpec | None) -> float | None:
    assert spec is not None
    return next(rule.max for rule in spec.rules if rule.id == "knee-past-toes")


def _single(stretch: str, path: Path | None = None) -> Plan:
    path = path or find_spec(stretch)
    return plan_for_spec(load_spec(path), path)


# --------------------------------------------------------------------------- same as analyze


@pytest.fixture(scope="module")
def live_and_analyze(
    footage_dir: Path, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """`live --every-frame` and `analyze` on the same real clip, through the CLI."""
    clip = footage_dir / HIP_FLEXOR
    out = tmp_path_factory.mktemp("live")
    config = tmp_path_factory.mktemp("config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSECHECK_MODEL", str(model_path))
        patch.setenv("XDG_CONFIG_HOME", str(config))
        live_out = io.StringIO()
        with contextlib.redirect_stdout(live_out), contextlib.redirect_stderr(io.StringIO()):
            live_code = main(
                [
                    "live",
                    "--source",
                    str(clip),
                    "--stretch",
                    "kneeling-hip-flexor",
                    "--no-window",
                    "--every-frame",
                    "--people",  # the same model settings as analyze's default
                    "1",
                    "--countdown",
                    "0",
                    "--out",
                    str(out / "live"),
                ]
            )
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            analyze_code = main(
                ["analyze", str(clip), "-s", "kneeling-hip-flexor", "--no-video", "-q", "-o", str(out / "an")]
            )
    stem = "fitbod_kneeling-hip-flexor.live.kneeling-hip-flexor"

    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))

    return {
        "live_code": live_code,
        "analyze_code": analyze_code,
        "stdout": live_out.getvalue(),
        "live_rows": rows(out / "live" / f"{stem}.frames.csv"),
        "analyze_rows": rows(out / "an" / "fitbod_kneeling-hip-flexor.frames.csv"),
        "live_summary": json.loads((out / "live" / f"{stem}.summary.json").read_text()),
        "analyze_summary": json.loads((out / "an" / "fitbod_kneeling-hip-flexor.summary.json").read_text()),
        "out": out / "live",
        "stem": stem,
    }


def test_live_gives_the_same_per_frame_verdicts_as_analyze(live_and_analyze: dict[str, Any]) -> None:
    assert live_and_analyze["live_code"] == 0 and live_and_analyze["analyze_code"] == 0
    live, offline = live_and_analyze["live_rows"], live_and_analyze["analyze_rows"]
    assert len(live) == len(offline) == 845  # --every-frame: nothing dropped
    by_index = {row["index"]: row for row in offline}
    for row in live:
        assert row == by_index[row["index"]]  # measurements, verdicts, hold and cue alike
    assert sum(row["in_pose"] == "1" for row in live) > 800


def test_live_summary_matches_analyze(live_and_analyze: dict[str, Any]) -> None:
    live, offline = live_and_analyze["live_summary"], live_and_analyze["analyze_summary"]
    assert live["sides"] == offline["sides"]
    assert live["rules"] == offline["rules"]
    assert live["source"] == offline["source"] == "fitbod_kneeling-hip-flexor.mp4"
    assert live["sides"]["right"]["best_held_s"] >= 13.5
    stdout = live_and_analyze["stdout"]
    assert "Right: held 14.0 / 30 s (not reached)" in stdout
    assert "Verdict:" in stdout and "0 of 845 dropped (0%)" in stdout
    assert "stretching is not for everyone" in stdout  # the first start's safety note


def test_live_writes_the_timeline(live_and_analyze: dict[str, Any]) -> None:
    out: Path = live_and_analyze["out"]
    assert (out / f"{live_and_analyze['stem']}.timeline.png").stat().st_size > 10_000
    assert not (out / "fitbod_kneeling-hip-flexor.live.annotated.mp4").exists()  # no --record


# --------------------------------------------------------------------------- hot reload


def test_hot_reload_applies_a_valid_edit_and_survives_a_broken_one(
    footage_dir: Path, model_path: Path, specs_dir: Path, tmp_path: Path
) -> None:
    spec_path = tmp_path / "kneeling-hip-flexor.yaml"
    original = (specs_dir / "kneeling-hip-flexor.yaml").read_text()
    original_max = _knee_max(load_spec(specs_dir / "kneeling-hip-flexor.yaml"))
    # Tighten the knee rule so far that this (good) kneel fails it; comments and order kept.
    yaml = YAML(typ="rt")
    document = yaml.load(original)
    knee_rule = next(rule for rule in document["rules"] if rule["id"] == "knee-past-toes")
    knee_rule["max"] = -20.0
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    tightened = buffer.getvalue()
    spec_path.write_text(original)
    clock = SessionClock()
    options = LiveOptions(countdown_s=0.0, finish_s=0.0, reload_poll_s=0.1)
    capture = _clip_capture(footage_dir, HIP_FLEXOR, clock)

    def knee(view: FrameView) -> Verdict | None:
        return next((c.verdict for c in view.result.checks if c.rule_id == "knee-past-toes"), None)

    with Session(_single("kneeling-hip-flexor", spec_path), capture, model_path, clock, options) as run:
        _wait(lambda: sum(knee(v) is Verdict.PASS for v in run.views) >= 20, 30, "the knee rule to pass")
        _wait(
            lambda: run.views[-1].result.hold is not None and run.views[-1].result.hold.held_s > 1,
            10,
            "a hold",
        )
        held_before = run.views[-1].result.hold.held_s  # type: ignore[union-attr]
        spec_path.write_text(tightened)
        _wait(lambda: "spec reloaded: kneeling-hip-flexor.yaml" in run.notices, 5, "the reload notice")
        edited_from = len(run.views)
        _wait(
            lambda: any(knee(v) is Verdict.FAIL_HIGH for v in run.views[edited_from:]), 5, "the new threshold"
        )
        after = run.views[-1]
        assert after.engine_spec is not None and _knee_max(after.engine_spec) == -20.0
        assert "spec reloaded: kneeling-hip-flexor.yaml" in after.lines
        # The hold timer survives the reload; the failing critical rule now pauses it.
        assert after.result.hold is not None and after.result.hold.held_s >= held_before
        _wait(lambda: run.views[-1].result.hold.state is HoldState.PAUSED, 5, "the paused hold")  # type: ignore[union-attr]

        spec_path.write_text(original.replace("rules:", "rules: [", 1))
        _wait(lambda: any("not valid YAML" in n for n in run.notices), 5, "the error notice")
        broken_from = len(run.views)
        _wait(lambda: len(run.views) > broken_from + 10, 10, "frames after the broken edit")
        shown = " ".join(run.views[-1].lines)
        assert "kneeling-hip-flexor.yaml:" in shown and "keeping the last good version" in shown
        assert _knee_max(run.views[-1].engine_spec) == -20.0
        assert knee(run.views[-1]) is Verdict.FAIL_HIGH

        spec_path.write_text(original)  # fixed again: the error goes away
        _wait(
            lambda: run.notices.count("spec reloaded: kneeling-hip-flexor.yaml") >= 2, 5, "the second reload"
        )
        fixed_from = len(run.views)
        _wait(lambda: len(run.views) > fixed_from + 5, 10, "frames after the fix")
        assert not any("not valid YAML" in line for line in run.views[-1].lines)
        assert _knee_max(run.views[-1].engine_spec) == original_max
    result = run.join()
    assert result.ended is EndReason.QUIT
    assert result.items[0].summaries[0]["frames_analysed"] == sum(
        v.step.phase is Stage.ACTIVE for v in run.views
    )


# --------------------------------------------------------------------------- routines and keys


def test_routine_runs_countdown_side_switch_next_key_and_the_next_stretch(
    footage_dir: Path, model_path: Path, tmp_path: Path
) -> None:
    routine = tmp_path / "short.yaml"
    routine.write_text(
        "name: Short test routine\n"
        "countdown_s: 1\n"
        "switch_s: 1\n"
        "items:\n"
        "  - stretch: kneeling-hip-flexor\n"
        "    sides: [left, right]\n"
        "    hold_s: 2\n"
        "  - stretch: kneeling-lunge-twist\n"
        "    sides: [right]\n"
        "    hold_s: 1.5\n"
    )
    plan = load_routine(routine)
    clock = SessionClock()
    options = LiveOptions(finish_s=0.0, out_dir=tmp_path / "out", stem="test", record=True)
    pressed: list[float] = []

    def on_frame(view: FrameView, run: Session) -> None:
        # She only ever holds her right side: once asked for the left, skip it with "n".
        if (
            view.result.cue is not None
            and view.result.cue.text.startswith("That's your right side")
            and not pressed
        ):
            pressed.append(view.result.timestamp_s)
            run.press("n")

    capture = _clip_capture(footage_dir, HIP_FLEXOR, clock)
    with Session(plan, capture, model_path, clock, options, on_frame) as run:
        result = run.join()

    phases = [(v.step.item_index, v.step.phase) for v in run.views]
    order = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    assert order == [
        (0, Stage.COUNTDOWN),
        (0, Stage.ACTIVE),
        (0, Stage.SWITCH),
        (0, Stage.ACTIVE),
        (1, Stage.COUNTDOWN),
        (1, Stage.ACTIVE),
        (2, Stage.DONE),
    ]
    cues = [v.result.cue.text for v in run.views if v.result.cue is not None]
    assert any(c.startswith("Get ready: Kneeling hip flexor stretch, left then right") for c in cues)
    assert any(c.startswith("Switch sides: now your left side") for c in cues)
    assert any(c.startswith("Get ready: Kneeling lunge with twist, right side") for c in cues)
    assert pressed, "the wrong-side hint was never shown"
    assert any("Stretch 2 of 2: Kneeling lunge with twist" in v.lines for v in run.views)

    assert result.ended is EndReason.FINISHED
    first, second = result.items
    assert first.summaries[0]["sides"]["right"]["reached"] is True
    assert first.summaries[0]["sides"]["left"]["reached"] is False
    assert first.summaries[0]["sides"]["right"]["target_s"] == 2
    assert second.summaries[0]["sides"]["right"]["reached"] is True
    assert second.summaries[0]["stretch"]["id"] == "kneeling-lunge-twist"
    for name in ("test.01-kneeling-hip-flexor", "test.02-kneeling-lunge-twist"):
        assert (tmp_path / "out" / f"{name}.summary.json").is_file()
        assert (tmp_path / "out" / f"{name}.frames.csv").is_file()

    # --record: every frame shown, as the camera saw it (not mirrored: FITBOD logo top right).
    assert result.outputs["video"] == tmp_path / "out" / "test.annotated.mp4"
    with av.open(str(result.outputs["video"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and (stream.width, stream.height) == (1280, 720)
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
    assert len(frames) == len(run.views)
    with av.open(str(footage_dir / HIP_FLEXOR)) as container:
        source = next(container.decode(video=0)).to_ndarray(format="bgr24")
    plain, mirrored = _differences(frames[0], source)
    assert plain < 0.5 * mirrored


def test_keys_pause_restart_and_quit(footage_dir: Path, model_path: Path) -> None:
    clock = SessionClock()
    options = LiveOptions(countdown_s=0.0, finish_s=0.0)
    capture = _clip_capture(footage_dir, HIP_FLEXOR, clock)
    with Session(_single("kneeling-hip-flexor"), capture, model_path, clock, options) as run:

        def held() -> float:
            hold = run.views[-1].result.hold if run.views else None
            return hold.held_s if hold is not None else 0.0

        _wait(lambda: held() > 1.5, 30, "a hold of 1.5 s")
        run.press(" ")
        _wait(lambda: run.display.frames_shown > len(run.views) + 10, 5, "paused frames")
        paused_at = (len(run.views), held(), run.display.frames_shown)
        # The picture stays live (waited for, not timed: a loaded machine shows fewer frames a
        # second) ...
        _wait(lambda: run.display.frames_shown > paused_at[2] + 15, 10, "live frames while paused")
        assert len(run.views) == paused_at[0]  # ... but nothing is judged while paused
        run.press(" ")
        _wait(lambda: len(run.views) > paused_at[0] + 5, 5, "frames after resuming")
        # The first frame after the pause adds nothing: the pause is not time held.
        assert _held(run.views[paused_at[0]]) == pytest.approx(paused_at[1], abs=0.05)
        run.press("r")
        _wait(lambda: "hold restarted (right)" in run.notices, 5, "the restart notice")
        restarted_from = len(run.views)
        _wait(lambda: len(run.views) > restarted_from + 3, 5, "frames after the restart")
        assert held() < 0.5
        run.press(ESC)
        result = run.join()
    assert result.ended is EndReason.QUIT
    assert result.items[0].summaries[0]["sides"]["right"]["best_held_s"] >= 1.5


def test_the_timer_waits_until_the_framing_is_right(footage_dir: Path, model_path: Path) -> None:
    """A person far away (the clip shrunk into a big grey picture) is told to come closer,
    and the hold does not start although the pose itself is right."""

    class FarAway(FileAsCamera):
        def read(self) -> Captured | None:
            captured = super().read()
            if captured is None:
                return None
            small = cv2.resize(captured.frame.image_bgr, (768, 432), interpolation=cv2.INTER_AREA)
            canvas = np.full((1080, 1920, 3), 90, np.uint8)
            canvas[608:1040, 576:1344] = small
            frame = Frame(canvas, captured.frame.index, captured.frame.timestamp_s)
            return Captured(frame, captured.captured_s)

    clock = SessionClock()
    capture = LatestFrame(FarAway(footage_dir / HIP_FLEXOR, clock, max_fps=30))
    options = LiveOptions(countdown_s=0.0, finish_s=0.0)
    with Session(_single("kneeling-hip-flexor"), capture, model_path, clock, options) as run:
        _wait(lambda: sum(v.result.in_pose for v in run.views) >= 30, 30, "30 frames in the pose")
    views = [v for v in run.views if v.result.in_pose]
    assert all(v.result.cue is not None and v.result.cue.text == "Come closer to the camera" for v in views)
    assert all(v.result.hold is None or v.result.hold.held_s == 0 for v in views)
    assert any("too far" in line for line in views[-1].lines)


# --------------------------------------------------------------------------- camera disconnects


class ClipCamera:
    """A camera made of real frames: stamps each with its delivery time, then fails."""

    name = "camera 0"
    fps_hint: float | None = 30.0
    ended = False
    problem: str | None = None

    def __init__(self, images: list[Any], clock: SessionClock, fail_after: int, comes_back: bool) -> None:
        self.images, self.clock = images, clock
        self.size_wh = (images[0].shape[1], images[0].shape[0])
        self.fail_after, self.comes_back = fail_after, comes_back
        self.can_reconnect = True
        self.reopened = 0
        self.sent = 0

    def read(self) -> Captured | None:
        if self.sent >= self.fail_after:
            time.sleep(0.005)
            if self.comes_back and self.reopened and self.sent >= len(self.images):
                self.ended = True  # the test is over: end cleanly
            return None
        time.sleep(1 / 30)
        now = self.clock.now_s()
        captured = Captured(Frame(self.images[self.sent], self.sent, now), now)
        self.sent += 1
        return captured

    def reopen(self) -> bool:
        if not self.comes_back:
            return False
        self.reopened += 1
        self.fail_after = len(self.images)
        return True

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def quad_images(footage_dir: Path) -> list[Any]:
    with av.open(str(footage_dir / QUAD)) as container:
        return [
            f.to_ndarray(format="bgr24") for _, f in zip(range(60), container.decode(video=0), strict=False)
        ]


def test_a_disconnect_keeps_the_summary_and_ends_cleanly(model_path: Path, quad_images: list[Any]) -> None:
    clock = SessionClock()
    camera = ClipCamera(quad_images, clock, fail_after=30, comes_back=False)
    capture = LatestFrame(camera, reconnect_s=0.6, retry_every_s=0.1)
    options = LiveOptions(countdown_s=0.0, finish_s=0.0)
    with Session(_single("standing-quad-stretch"), capture, model_path, clock, options) as run:
        result = run.join(30)
    assert result.ended is EndReason.DISCONNECTED
    assert result.problem is not None and result.problem.startswith("camera 0 disconnected at ")
    assert "camera disconnected - reconnecting..." in run.notices
    summary = result.items[0].summaries[0]
    assert summary["frames_analysed"] == len(run.views) > 0
    assert summary["complete"] is False and "disconnected" in summary["problem"]


def test_a_camera_that_comes_back_continues_the_session(model_path: Path, quad_images: list[Any]) -> None:
    clock = SessionClock()
    camera = ClipCamera(quad_images, clock, fail_after=20, comes_back=True)
    capture = LatestFrame(camera, keep_all=True, reconnect_s=3.0, retry_every_s=0.1)
    options = LiveOptions(countdown_s=0.0, finish_s=0.0)
    with Session(_single("standing-quad-stretch"), capture, model_path, clock, options) as run:
        result = run.join(30)
    assert result.ended is EndReason.SOURCE_ENDED and result.problem is None
    assert run.notices.index("camera disconnected - reconnecting...") < run.notices.index(
        "camera reconnected"
    )
    assert [v.result.index for v in run.views] == list(range(len(quad_images)))
    assert result.items[0].summaries[0]["complete"] is True


# --------------------------------------------------------------------------- command line


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_disconnect_prints_the_summary_and_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, quad_images: list[Any]
) -> None:
    import posecheck.video.camera as camera_module

    def fake_camera(index: int, clock: SessionClock) -> ClipCamera:
        return ClipCamera(quad_images, clock, fail_after=30, comes_back=False)

    def quick_latest(device: Any, **kwargs: Any) -> LatestFrame:
        return LatestFrame(device, reconnect_s=0.5, retry_every_s=0.1, **kwargs)

    monkeypatch.setattr(camera_module, "CameraSource", fake_camera)
    monkeypatch.setattr(camera_module, "LatestFrame", quick_latest)
    code, out, err = _cli(capsys, "live", "-s", "standing-quad-stretch", "--no-window", "--countdown", "0")
    assert code == 4
    assert "Standing quad stretch - camera 0" in out and "Verdict: Incomplete analysis" in out
    lines = [line for line in err.splitlines() if line.startswith("posecheck: error:")]
    assert lines and "camera 0 disconnected at" in lines[0]
    assert "the summary covers the session until then" in lines[0]


def test_cli_no_camera_is_one_line_and_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "live", "--camera", "57", "-s", "kneeling-hip-flexor", "--no-window")
    assert code == 4
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert err.startswith("posecheck: error: ") and "camera" in err and "57" in err


def test_cli_window_without_a_screen(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, footage_dir: Path
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = _cli(capsys, "live", "--source", str(footage_dir / QUAD), "-s", "kneeling-hip-flexor")
    assert code == 6
    assert err.strip() == (
        "posecheck: error: no screen to open the window on (DISPLAY is not set): "
        "run it in a desktop session, or pass --no-window"
    )


def test_cli_needs_a_stretch_when_it_cannot_ask(
    capsys: pytest.CaptureFixture[str], footage_dir: Path
) -> None:
    code, _, err = _cli(capsys, "live", "--source", str(footage_dir / QUAD), "--no-window")
    assert code == 3
    assert "choose what to coach: --stretch ID" in err


def test_cli_bad_routine_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text("name: r\nitems:\n  - stretch: modified-pigeon\n    hold_s: fifty\n")
    code, _, err = _cli(capsys, "live", "--routine", str(routine), "--no-window")
    assert code == 3
    assert "r.yaml:4: items[0].hold_s:" in err
