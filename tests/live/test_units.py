"""The live app's parts without the pose model: keys, framing, routines, reload, capture thread."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from support.paths import SPECS_DIR
from support.poses import standing_pose

from posecheck.errors import SourceError, SpecError
from posecheck.live.framing import check_framing, required_landmarks, width_ratio
from posecheck.live.hud import Notices, display_size, wrap_for_panel
from posecheck.live.keys import ESC, Action, action_for_key
from posecheck.live.reload import FileWatcher
from posecheck.live.routine import PlannedItem, RoutineRunner, Stage, load_routine, plan_for_spec
from posecheck.live.safety import SAFETY_NOTE, first_start_note
from posecheck.pose.landmarks import LANDMARK_INDEX
from posecheck.spec import find_spec, load_spec
from posecheck.video.camera import (
    CameraSource,
    Captured,
    CaptureState,
    FileAsCamera,
    LatestFrame,
    SessionClock,
)
from posecheck.video.frame import Frame

ROUTINES = SPECS_DIR / "routines"


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (ord(" "), Action.PAUSE),
        (ord("n"), Action.NEXT),
        (ord("N"), Action.NEXT),
        (ord("r"), Action.RESTART),
        (ord("q"), Action.QUIT),
        (ESC, Action.QUIT),
        (-1, None),
        (ord("x"), None),
        (13, None),
    ],
)
def test_key_map(code: int, action: Action | None) -> None:
    assert action_for_key(code) is action


# --------------------------------------------------------------------------- framing


@pytest.fixture(scope="module")
def quad_spec() -> object:
    return load_spec(find_spec("standing-quad-stretch"))


def test_required_landmarks_take_both_sides_of_relative_names(quad_spec: object) -> None:
    needed = required_landmarks(quad_spec)  # type: ignore[arg-type]
    # working_knee / support_ankle / mid_hip: the side is not known before the pose is judged.
    for name in ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_hip", "right_hip"):
        assert name in needed
    assert all(name in LANDMARK_INDEX for name in needed)


def test_side_on_person_in_frame_passes(quad_spec: object) -> None:
    framing = check_framing(standing_pose(), quad_spec)  # type: ignore[arg-type]
    assert framing.ok and framing.cue is None
    assert 0.6 < framing.size_fraction < 0.8
    assert "good" in framing.meter()


@pytest.mark.parametrize(
    ("pose_kwargs", "cue"),
    [
        ({"foot_y_px": 900.0}, "Step back so I can see your feet"),
        ({"scale": 0.25}, "Come closer to the camera"),
        ({"shoulder_half_px": 90.0}, "Turn side-on to the camera"),
    ],
)
def test_framing_problems_name_the_fix(quad_spec: object, pose_kwargs: dict[str, float], cue: str) -> None:
    framing = check_framing(standing_pose(**pose_kwargs), quad_spec)  # type: ignore[arg-type]
    assert not framing.ok
    assert framing.cue == cue


def test_no_person_is_not_framed(quad_spec: object) -> None:
    framing = check_framing(None, quad_spec)  # type: ignore[arg-type]
    assert not framing.ok and math.isnan(framing.size_fraction)
    assert framing.meter() == "distance: no person in view"


def test_width_ratio_separates_square_on_from_profile() -> None:
    assert width_ratio(standing_pose(shoulder_half_px=5)) < 0.1
    assert width_ratio(standing_pose(shoulder_half_px=90)) > 0.65


# --------------------------------------------------------------------------- routine file


def test_bundled_routine_loads_every_stretch() -> None:
    plan = load_routine(ROUTINES / "lower-back.yaml")
    assert [item.stretch_id for item in plan.items] == [
        "standing-quad-stretch",
        "kneeling-hip-flexor",
        "kneeling-lunge-twist",
        "modified-pigeon",
    ]
    assert all(item.sides == ("left", "right") for item in plan.items)
    assert plan.items[2].hold_s == 25
    assert plan.countdown_s == 5 and plan.switch_s == 5


def _routine(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nitems:\n  - stretch: kneeling-hip-flexor\n    hold: 20\n",
            "mine.yaml:4: items[0].hold: unknown key 'hold': allowed here: stretch, sides, hold_s",
        ),
        (
            "name: x\nitems:\n  - stretch: kneeling-hip-flexor\n    sides: [both]\n",
            "mine.yaml:4: items[0].sides: kneeling-hip-flexor has no side 'both': use left and/or right",
        ),
        (
            "name: x\nitems:\n  - stretch: kneeling-hip-flexer\n",
            "mine.yaml:3: items[0].stretch: no stretch spec called 'kneeling-hip-flexer': "
            "did you mean 'kneeling-hip-flexor'?",
        ),
        ("name: x\ncountdown_s: -2\nitems:\n  - stretch: modified-pigeon\n", "mine.yaml:2: countdown_s:"),
        (
            "name: x\nitems:\n  - stretch: cat-cow\n    hold_s: 30\n",
            "mine.yaml:4: items[0].hold_s: cat-cow counts reps and has no hold: remove hold_s",
        ),
        ("name: x\nitems: [\n", "not valid YAML"),
        ("name: x\n", "mine.yaml:1: items: missing required key 'items': add it"),
    ],
)
def test_routine_errors_say_where_and_how(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SpecError) as error:
        load_routine(_routine(tmp_path, text))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_single_stretch_is_a_routine_of_one_item_with_its_sides() -> None:
    path = find_spec("kneeling-hip-flexor")
    plan = plan_for_spec(load_spec(path), path, countdown_s=3)
    assert len(plan.items) == 1
    assert plan.items[0].sides == ("left", "right")
    assert plan.items[0].hold_s is None  # the spec's own target, following its edits


# --------------------------------------------------------------------------- routine runner


def _item(name: str, sides: tuple[str, ...]) -> PlannedItem:
    return PlannedItem(name.lower(), name, Path(f"{name}.yaml"), sides, 10.0)


def test_runner_walks_countdown_sides_switch_and_items_on_frame_time() -> None:
    runner = RoutineRunner([_item("A", ("left", "right")), _item("B", ("both",))], countdown_s=3, switch_s=2)
    step = runner.start(100.0)
    assert (step.phase, step.item_index, step.seconds_left) == (Stage.COUNTDOWN, 0, 3.0)
    assert step.prompt == "Get ready: A, left then right - 3"
    assert runner.update(101.2).prompt == "Get ready: A, left then right - 2"
    step = runner.update(103.0)
    assert step.phase is Stage.ACTIVE and step.remaining_sides == ("left", "right")
    # The right side is done first: sides may come in any order.
    step = runner.update(110.0, {"right"})
    assert step.phase is Stage.SWITCH and step.remaining_sides == ("left",)
    assert step.prompt == "Switch sides: now your left side - 2"
    assert runner.update(111.9, {"right"}).phase is Stage.SWITCH
    assert runner.update(112.0, {"right"}).phase is Stage.ACTIVE
    step = runner.update(120.0, {"right", "left"})
    assert (step.phase, step.item_index, step.remaining_sides) == (Stage.COUNTDOWN, 1, ("both",))
    assert step.prompt == "Get ready: B - 3"
    assert runner.update(123.0).phase is Stage.ACTIVE
    step = runner.update(130.0, {"both"})
    assert step.phase is Stage.DONE and step.item is None
    assert step.prompt == "All done - well stretched!"
    assert runner.update(131.0, {"both"}).phase is Stage.DONE


def test_runner_pause_freezes_the_countdown() -> None:
    runner = RoutineRunner([_item("A", ("left",))], countdown_s=3, switch_s=3)
    runner.start(0.0)
    runner.update(1.0)
    runner.pause(1.0)
    assert runner.update(50.0).seconds_left == pytest.approx(2.0)
    runner.resume(50.0)
    assert runner.update(51.0).seconds_left == pytest.approx(1.0)
    assert runner.update(52.0).phase is Stage.ACTIVE


def test_runner_next_key_skips_countdowns_and_sides() -> None:
    runner = RoutineRunner([_item("A", ("left", "right")), _item("B", ("left",))], countdown_s=5, switch_s=5)
    runner.start(0.0)
    assert runner.skip(0.5).phase is Stage.ACTIVE  # no need to wait for the countdown
    step = runner.skip(1.0, "right")  # skip the side being worked
    assert step.phase is Stage.SWITCH and step.remaining_sides == ("left",)
    assert runner.skip(1.5).phase is Stage.ACTIVE
    step = runner.skip(2.0, "elbow")  # not a remaining side: the next one goes
    assert (step.phase, step.item_index) == (Stage.COUNTDOWN, 1)
    runner.skip(2.5)
    assert runner.skip(3.0).phase is Stage.DONE


def test_runner_without_countdown_starts_active() -> None:
    runner = RoutineRunner([_item("A", ("left", "right"))], countdown_s=0, switch_s=0)
    assert runner.start(0.0).phase is Stage.ACTIVE
    step = runner.update(5.0, {"left"})
    assert step.phase is Stage.ACTIVE and step.remaining_sides == ("right",)


# --------------------------------------------------------------------------- reload, notices, safety


def test_file_watcher_reports_a_save_once(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\n")
    now = [0.0]
    watcher = FileWatcher([path], poll_s=0.5, time_fn=lambda: now[0])
    now[0] = 1.0
    assert watcher.changed() == []
    path.write_text("a: 22\n")
    now[0] = 1.2
    assert watcher.changed() == []  # polled at most every 0.5 s
    now[0] = 1.6
    assert watcher.changed() == [path]
    now[0] = 2.2
    assert watcher.changed() == []
    path.unlink()  # an editor between deleting and writing
    now[0] = 3.0
    assert watcher.changed() == []
    path.write_text("a: 333\n")
    now[0] = 4.0
    assert watcher.changed() == [path]


def test_notices_expire_replace_and_report_each_new_text() -> None:
    heard: list[str] = []
    notices = Notices(heard.append)
    notices.post("reload", "spec reloaded", 0.0, 2.0)
    notices.post("error", "bad spec", 0.0, None)
    assert notices.active(1.0) == ["spec reloaded", "bad spec"]
    notices.post("reload", "spec reloaded", 1.0, 2.0)  # same text again: not re-announced
    assert notices.active(2.5) == ["spec reloaded", "bad spec"]
    assert notices.active(3.5) == ["bad spec"]
    notices.clear("error")
    assert notices.active(3.5) == []
    assert heard == ["spec reloaded", "bad spec"]


def test_safety_note_is_shown_once_per_user(tmp_path: Path) -> None:
    assert first_start_note(tmp_path) == SAFETY_NOTE
    assert first_start_note(tmp_path) is None
    assert "doctor" in SAFETY_NOTE and "does not diagnose" in SAFETY_NOTE


def test_display_size_and_wrapping() -> None:
    assert display_size((1920, 1080)) == (1280, 720)
    assert display_size((640, 480)) == (640, 480)  # the window scales it up for free
    assert display_size((202, 360)) == (404, 720)  # tiny pictures are enlarged for the text
    lines = wrap_for_panel(SAFETY_NOTE, (1280, 720))
    assert 3 <= len(lines) <= 8 and " ".join(lines) == SAFETY_NOTE


# --------------------------------------------------------------------------- capture thread


class FakeDevice:
    """Delivers `count` frames (optionally `delay_s` apart), then fails or ends."""

    name = "fake"
    size_wh = (64, 48)
    fps_hint: float | None = 30.0

    def __init__(
        self, count: int, *, delay_s: float = 0.0, ends: bool = True, reopen_after: int | None = None
    ) -> None:
        self.count, self.delay_s, self.ends = count, delay_s, ends
        self.can_reconnect = not ends
        self.ended = False
        self.problem: str | None = None
        self.reopen_after = reopen_after
        self.reopen_calls = 0
        self.sent = 0
        self.closed = False

    def read(self) -> Captured | None:
        if self.sent >= self.count:
            self.ended = self.ends
            time.sleep(0.001)
            return None
        time.sleep(self.delay_s)
        frame = Frame(np.zeros((48, 64, 3), np.uint8), self.sent, self.sent / 30)
        self.sent += 1
        return Captured(frame, time.monotonic())

    def reopen(self) -> bool:
        self.reopen_calls += 1
        if self.reopen_after is not None and self.reopen_calls >= self.reopen_after:
            self.count += 5  # the camera is back and delivers more frames
            return True
        return False

    def close(self) -> None:
        self.closed = True


def _drain(capture: LatestFrame, consumer_delay_s: float) -> list[int]:
    indices = []
    while True:
        captured = capture.get(0.5)
        if captured is not None:
            indices.append(captured.frame.index)
            time.sleep(consumer_delay_s)
        elif capture.state is not CaptureState.LIVE:
            return indices


def test_newest_frame_wins_and_stale_ones_are_counted_as_dropped() -> None:
    capture = LatestFrame(FakeDevice(60, delay_s=0.002)).start()
    indices = _drain(capture, consumer_delay_s=0.02)
    capture.stop()
    assert capture.state is CaptureState.ENDED
    assert indices == sorted(indices) and indices[-1] == 59  # never stale, always the newest
    assert capture.frames_dropped > 20
    assert capture.frames_dropped + len(indices) == capture.frames_captured == 60


def test_keep_all_hands_over_every_frame() -> None:
    capture = LatestFrame(FakeDevice(40), keep_all=True).start()
    indices = _drain(capture, consumer_delay_s=0.002)
    capture.stop()
    assert indices == list(range(40)) and capture.frames_dropped == 0


def test_a_camera_that_stops_is_retried_then_lost() -> None:
    device = FakeDevice(5, ends=False)
    capture = LatestFrame(device, reconnect_s=0.5, retry_every_s=0.1).start()
    states = set()
    started = time.monotonic()
    while capture.state is not CaptureState.LOST and time.monotonic() - started < 5:
        states.add(capture.state)
        capture.get(0.02)
    capture.stop()
    assert CaptureState.RECONNECTING in states
    assert capture.state is CaptureState.LOST
    assert capture.disconnects == 1 and 3 <= device.reopen_calls <= 6
    assert device.closed


def test_a_camera_that_comes_back_delivers_again() -> None:
    device = FakeDevice(5, ends=False, reopen_after=2)
    capture = LatestFrame(device, keep_all=True, reconnect_s=2.0, retry_every_s=0.05).start()
    indices: list[int] = []
    started = time.monotonic()
    while len(indices) < 10 and time.monotonic() - started < 5:
        captured = capture.get(0.05)
        if captured is not None:
            indices.append(captured.frame.index)
    capture.stop()
    assert indices == list(range(10))
    assert capture.disconnects == 1


# --------------------------------------------------------------------------- camera


class FakeCapture:
    def __init__(self, opens: bool, reads: bool) -> None:
        self.opens, self.reads = opens, reads
        self.released = False

    def isOpened(self) -> bool:  # OpenCV's name
        return self.opens

    def read(self) -> tuple[bool, object]:
        return (True, np.zeros((48, 64, 3), np.uint8)) if self.reads else (False, None)

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True


@pytest.mark.parametrize(
    ("opens", "exists", "message"),
    [
        (
            False,
            False,
            "no camera at index 3: plug one in, try another --camera index, or pass --source VIDEO",
        ),
        (True, True, "camera 3 is busy or not allowed: close other apps that use it"),
        (False, True, "camera 3 is busy or not allowed"),
        (False, None, "camera 3 cannot be opened: check it is plugged in, not in use by another app"),
    ],
)
def test_camera_open_failures_are_one_clear_sentence(opens: bool, exists: bool | None, message: str) -> None:
    with pytest.raises(SourceError) as error:
        CameraSource(
            3,
            SessionClock(),
            capture_factory=lambda index: FakeCapture(opens=opens, reads=False),
            device_exists=lambda index: exists,
        )
    assert message in str(error.value)
    assert error.value.exit_code == 4


def test_a_missing_real_camera_index() -> None:
    with pytest.raises(SourceError, match=r"no camera at index 57|camera 57 cannot be opened"):
        CameraSource(57, SessionClock())


def test_camera_frames_are_stamped_with_their_grab_time() -> None:
    ticks = iter([10.0, 10.5, 10.7, 11.0])
    clock = SessionClock(lambda: next(ticks))

    class Grabbing(FakeCapture):
        def grab(self) -> bool:
            return True

        def retrieve(self) -> tuple[bool, object]:
            return self.read()

    camera = CameraSource(0, clock, capture_factory=lambda index: Grabbing(True, True))
    first, second = camera.read(), camera.read()
    assert first is not None and second is not None
    assert first.frame.index == 0 and first.frame.timestamp_s == pytest.approx(0.5)
    assert second.frame.index == 1 and second.frame.timestamp_s == pytest.approx(0.7)
    assert camera.fps_hint == 30.0


# --------------------------------------------------------------------------- file as camera


def test_a_file_is_released_at_its_container_timestamps(footage_dir: Path) -> None:
    clock = SessionClock()
    camera = FileAsCamera(footage_dir / "quad_stretch" / "traj_prone-quad-stretch_vertical.mp4", clock)
    released = [camera.read() for _ in range(12)]
    camera.close()
    frames = [c for c in released if c is not None]
    assert len(frames) == 12
    start = frames[0]
    lateness_s = []
    for captured in frames:
        media_s = captured.frame.timestamp_s - start.frame.timestamp_s
        wall_s = captured.captured_s - start.captured_s
        assert wall_s >= media_s - 0.005  # never released before its time, as a camera would not
        lateness_s.append(wall_s - media_s)
    # Real-time pacing: on time as a rule. A loaded machine may oversleep one frame, so the
    # bound is on the typical frame; a late frame does not push the later ones back.
    assert float(np.median(lateness_s)) < 0.02
    assert lateness_s[-1] < 0.25
    assert frames[1].frame.timestamp_s == pytest.approx(1 / 30, abs=1e-3)  # container time kept


def test_max_fps_plays_a_60_fps_file_as_a_30_fps_camera(footage_dir: Path) -> None:
    clip = footage_dir / "low_lunge" / "fitbod_kneeling-hip-flexor.mp4"
    camera = FileAsCamera(clip, SessionClock(), max_fps=30, paced=False)
    times = []
    for _ in range(20):
        captured = camera.read()
        assert captured is not None
        times.append(captured.frame.timestamp_s)
    camera.close()
    steps = np.diff(times)
    assert np.allclose(steps, 2 * 1001 / 60000, atol=1e-3)
    assert camera.frames_skipped >= 19 and camera.fps_hint == 30


def test_missing_file_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        FileAsCamera(tmp_path / "nope.mp4", SessionClock())


def test_stop_unblocks_a_paced_reader(footage_dir: Path) -> None:
    clip = footage_dir / "quad_stretch" / "traj_prone-quad-stretch_vertical.mp4"
    capture = LatestFrame(FileAsCamera(clip, SessionClock())).start()
    assert capture.get(2.0) is not None
    stopper = threading.Timer(0.2, capture.stop)
    stopper.start()
    started = time.monotonic()
    while capture.state is CaptureState.LIVE and time.monotonic() - started < 3:
        capture.get(0.05)
    stopper.join()
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------- Qt fonts


def test_quiet_qt_fonts_replaces_a_font_folder_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    from posecheck.live.window import quiet_qt_fonts

    # What importing cv2 (the pip wheel) does: a folder the wheel does not ship.
    monkeypatch.setenv("QT_QPA_FONTDIR", str(tmp_path / "cv2" / "qt" / "fonts"))
    quiet_qt_fonts()
    folder = Path(os.environ["QT_QPA_FONTDIR"])
    assert folder.is_dir() and any(folder.glob("*.ttf"))


def test_quiet_qt_fonts_keeps_a_font_folder_that_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    from posecheck.live.window import quiet_qt_fonts

    monkeypatch.setenv("QT_QPA_FONTDIR", str(tmp_path))
    quiet_qt_fonts()
    assert os.environ["QT_QPA_FONTDIR"] == str(tmp_path)
