"""VoiceCoach on scripted sequences: the real Engine and kneeling hip flexor spec, hand-built poses.

Nothing is spoken here: a RecordingSpeaker records what would be said, at frame time.
The last test runs the real espeak-ng into a WAV file.
"""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from support.poses import FPS, GOOD_FORM, KNEE_PAST_TOES, KNEE_RULE, make_pose

from posecheck.checks.engine import Engine
from posecheck.results import Cue, FrameResult, HoldState, HoldStatus
from posecheck.spec.loader import load_spec
from posecheck.spec.model import StretchSpec
from posecheck.voice import (
    CommandSpeaker,
    EspeakSpeaker,
    RecordingSpeaker,
    SilentSpeaker,
    Speaker,
    SpeechError,
    VoiceCoach,
    make_speaker,
)
from posecheck.voice import speakers as speakers_module
from posecheck.voice.speakers import NO_ENGINE_NOTICE

COOLDOWN_S = 8.0
MIN_SHOW_S = 1.5  # the arbiter's default: a cue once shown stays this long
FRAME_S = 1 / FPS
KNEE_PAST = make_pose(KNEE_PAST_TOES)


@pytest.fixture(scope="module")
def spec(specs_dir: Path) -> StretchSpec:
    return load_spec(specs_dir / "kneeling-hip-flexor.yaml")


class Session:
    """The real engine and a VoiceCoach fed frame by frame at 30 fps, as the live loop would."""

    def __init__(self, spec: StretchSpec) -> None:
        self.spec = spec
        self.engine = Engine(spec)
        self.speaker = RecordingSpeaker()
        self.coach = VoiceCoach(self.speaker, cooldown_s=COOLDOWN_S)
        self.frames: list[tuple[FrameResult, str | None]] = []

    def play(self, pose: object, seconds: float) -> None:
        for _ in range(round(seconds * FPS)):
            frame = len(self.frames)
            result = self.engine.step(pose, frame / FPS, frame)  # type: ignore[arg-type]
            self.frames.append((result, self.coach.update(result)))

    def said(self, kind: str | None = None) -> list[tuple[float, str]]:
        return [(u.t_s, u.text) for u in self.coach.said if kind is None or u.kind == kind]

    def check_screen_and_voice_agree(self) -> None:
        """Every cue said is the cue on screen at that frame; a cue appears at most once per min show."""
        assert self.speaker.spoken == [(u.t_s, u.text) for u in self.coach.said]
        for result, said in self.frames:
            if said is None:
                continue
            utterance = next(u for u in self.coach.said if u.t_s == result.timestamp_s)
            if utterance.kind != "milestone":
                assert result.cue is not None and said == result.cue.text, (result.timestamp_s, said)
                assert (utterance.kind, utterance.rule_id) == (result.cue.kind, result.cue.rule_id)
        # No flicker on screen: every cue (but the last) stays up at least MIN_SHOW_S.
        shown = [(start, end, text) for start, end, text in _runs_with_ends(self.frames) if text]
        for start_s, end_s, text in shown[:-1]:
            assert end_s - start_s >= MIN_SHOW_S - 1e-6, f"{text!r} shown only {end_s - start_s:.2f} s"


def _runs_with_ends(
    frames: list[tuple[FrameResult, str | None]],
) -> Iterator[tuple[float, float, str | None]]:
    """(start_s, end_s, cue text) of each run of one cue on screen."""
    start = 0
    for i in range(1, len(frames) + 1):
        if i == len(frames) or _text(frames[i][0]) != _text(frames[start][0]):
            yield (
                frames[start][0].timestamp_s,
                frames[i - 1][0].timestamp_s + FRAME_S,
                _text(frames[start][0]),
            )
            start = i


def _text(result: FrameResult) -> str | None:
    return result.cue.text if result.cue else None


def _rule(spec: StretchSpec, rule_id: str) -> tuple[str, str]:
    rule = next(r for r in spec.rules if r.id == rule_id)
    assert rule.confirm is not None
    return rule.cue, rule.confirm


# --- the real engine, scripted sequences ------------------------------------------------


def test_fixed_fault_is_said_once_then_confirmed(spec: StretchSpec) -> None:
    correction, confirmation = _rule(spec, KNEE_RULE)
    session = Session(spec)
    session.play(GOOD_FORM, 1.0)
    session.play(KNEE_PAST, 2.0)
    session.play(GOOD_FORM, 4.0)
    session.check_screen_and_voice_agree()
    said = session.said()
    assert [text for _, text in said] == [correction, confirmation]
    # Each said on the very frame it first appeared on screen.
    first_shown = {}
    for result, _ in session.frames:
        if result.cue is not None:
            first_shown.setdefault(result.cue.text, result.timestamp_s)
    assert [t for t, _ in said] == [first_shown[correction], first_shown[confirmation]]


def test_flickering_fault_is_not_repeated_within_the_cooldown(spec: StretchSpec) -> None:
    correction, confirmation = _rule(spec, KNEE_RULE)
    session = Session(spec)
    session.play(GOOD_FORM, 1.0)
    for _ in range(12):  # knee in and out: 0.6 s past the ankle, 0.5 s back, for 13 s
        session.play(KNEE_PAST, 0.6)
        session.play(GOOD_FORM, 0.5)
    session.check_screen_and_voice_agree()
    on_screen = [r for r, _ in session.frames if r.cue is not None and r.cue.text == correction]
    assert len(on_screen) > 3 * FPS, "the script should put the correction on screen again and again"
    corrections = [t for t, text in session.said() if text == correction]
    confirmations = [t for t, text in session.said() if text == confirmation]
    # Said when it first appears, then once per cooldown at most, however often it flickers.
    assert corrections[0] == on_screen[0].timestamp_s
    assert all(b - a >= COOLDOWN_S - 1e-6 for a, b in itertools.pairwise(corrections))
    assert 1 <= len(corrections) <= math.ceil(13.2 / COOLDOWN_S)
    # Each confirmation answers a correction said before it, never two in a row.
    kinds = [text for _, text in session.said() if text in (correction, confirmation)]
    assert all(a != b for a, b in itertools.pairwise(kinds))
    assert kinds[0] == correction and len(confirmations) <= len(corrections)


def test_persistent_fault_is_reminded_each_cooldown(spec: StretchSpec) -> None:
    correction, _ = _rule(spec, KNEE_RULE)
    session = Session(spec)
    session.play(GOOD_FORM, 1.0)
    session.play(KNEE_PAST, 20.0)
    session.check_screen_and_voice_agree()
    said = session.said()
    assert [text for _, text in said] == [correction] * 3
    first = said[0][0]
    assert [t - first for t, _ in said] == pytest.approx([0.0, COOLDOWN_S, 2 * COOLDOWN_S], abs=FRAME_S)
    assert [u.reminder for u in session.coach.said] == [False, True, True]


def test_hold_milestones_on_both_sides(spec: StretchSpec) -> None:
    target_s = spec.hold.target_s
    session = Session(spec)
    session.play(GOOD_FORM, target_s + 2.0)  # left leg forward
    session.play(make_pose(swap_legs=True), target_s + 5.0)
    session.check_screen_and_voice_agree()
    milestones = [(t, text) for t, text in session.said("milestone")]
    assert [text for _, text in milestones] == [
        "Ten seconds left",
        "Left side done - switch sides",
        "Ten seconds left",
        "All done",
    ]
    by_time = {r.timestamp_s: r for r, _ in session.frames}
    ten_left = [by_time[t] for t, text in milestones if text == "Ten seconds left"]
    for result, side in zip(ten_left, ("left", "right"), strict=True):
        assert result.hold is not None and result.hold.side == side
        assert result.hold.state is HoldState.HOLDING
        assert result.hold.remaining_s == pytest.approx(10.0, abs=FRAME_S)
    for (t, _), side in zip(milestones[1::2], ("left", "right"), strict=True):
        statuses = {h.side: h.state for h in by_time[t].holds}
        assert statuses[side] is HoldState.DONE
        # Said on the frame the side finished (nothing else was being said).
        before = next(r for r, _ in session.frames if r.index == by_time[t].index - 1)
        assert {h.side: h.state for h in before.holds}[side] is HoldState.HOLDING


# --- decisions on hand-made frames -------------------------------------------------------

KNEE = Cue("Front knee past the ankle", "correction", "knee-over-ankle")
TORSO = Cue("Lift your chest", "correction", "torso-upright")
KNEE_OK = Cue("Good - knee over the ankle", "confirmation", "knee-over-ankle")
ENTRY = Cue("Kneel on your back knee", "entry")


def frames(*phases: tuple[float, Cue | None]) -> Iterator[FrameResult]:
    """Frames at 30 fps showing each phase's cue for its duration."""
    index = 0
    for seconds, cue in phases:
        for _ in range(round(seconds * FPS)):
            yield FrameResult(index, index / FPS, None, "left", 1, True, cue=cue)
            index += 1


def said_by(coach: VoiceCoach, results: Iterator[FrameResult]) -> list[tuple[float, str]]:
    for result in results:
        coach.update(result)
    return [(round(u.t_s, 3), u.text) for u in coach.said]


def test_a_different_fault_in_between_is_said_again_at_once() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    said = said_by(coach, frames((2.0, KNEE), (2.0, TORSO), (2.0, KNEE)))
    assert said == [(0.0, KNEE.text), (2.0, TORSO.text), (4.0, KNEE.text)]


def test_a_fault_back_after_a_gap_waits_for_the_cooldown() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    said = said_by(coach, frames((2.0, KNEE), (1.0, None), (2.0, KNEE), (1.0, None), (6.0, KNEE)))
    # Back at 3 s and at 6 s: too soon; still shown at 8 s: the reminder.
    assert said == [(0.0, KNEE.text), (8.0, KNEE.text)]


def test_no_confirmation_for_a_fault_the_voice_did_not_mention() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    said = said_by(coach, frames((2.0, KNEE), (2.0, KNEE_OK), (2.0, KNEE), (2.0, KNEE_OK)))
    # The second fault came back within the cooldown and was not said, so its fix is not praised.
    assert said == [(0.0, KNEE.text), (2.0, KNEE_OK.text)]


def test_entry_cue_is_said_and_not_repeated_before_the_cooldown() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    said = said_by(coach, frames((10.0, ENTRY)))
    assert said == [(0.0, ENTRY.text), (8.0, ENTRY.text)]


def _holding(t_s: float, held_s: float, target_s: float = 30.0) -> FrameResult:
    index = round(t_s * FPS)
    status = HoldStatus("left", HoldState.HOLDING, held_s, target_s)
    other = HoldStatus("right", HoldState.WAITING, 0.0, target_s)
    return FrameResult(index, t_s, None, "left", 1, True, hold=status, holds=(status, other))


def test_a_milestone_waits_for_a_quiet_moment_and_is_dropped_when_late() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    coach.update(_holding(0.0, 19.9))
    # A correction appears on the frame the hold crosses ten seconds left: it goes first.
    result = _holding(0.1, 20.0)
    coach.update(FrameResult(**{**result.__dict__, "cue": Cue("Push your hips forward", "correction", "x")}))
    steps = [_holding(0.1 + k / FPS, 20.0) for k in range(1, 3 * FPS)]
    for step in steps:
        coach.update(step)
    said = [(round(u.t_s, 2), u.text) for u in coach.said]
    assert said == [(0.1, "Push your hips forward"), (1.6, "Ten seconds left")]
    # Crossing again while something is said every second: too late after 2 s, so never said.
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=0.0)
    coach.update(_holding(0.0, 19.9))
    for k in range(0, 4 * FPS):
        t_s = (k + 1) / FPS
        cue = Cue(f"cue {k // FPS}", "correction", None)
        coach.update(FrameResult(**{**_holding(t_s, 20.0 + k / FPS).__dict__, "cue": cue}))
    assert "Ten seconds left" not in [u.text for u in coach.said]


def test_short_holds_get_no_ten_seconds_left() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    for k in range(0, 12 * FPS):
        coach.update(_holding(k / FPS, k / FPS, target_s=12.0))
    assert list(coach.said) == []


# --- speaking off the frame loop ----------------------------------------------------------


class SlowSpeaker(Speaker):
    """Takes half a second to say anything, like a real engine."""

    name = "slow"

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.started = threading.Event()

    def say(self, text: str, t_s: float) -> None:
        self.started.set()
        time.sleep(0.5)
        self.spoken.append(text)


def test_a_slow_speaker_does_not_slow_the_frame_loop() -> None:
    speaker = SlowSpeaker()
    coach = VoiceCoach(speaker, cooldown_s=COOLDOWN_S)
    cues = [Cue(f"correction {k}", "correction", f"rule-{k}") for k in range(6)]
    results = list(frames(*((0.2, cue) for cue in cues)))
    coach.update(results[0])
    assert speaker.started.wait(2.0)  # the first cue is being said (for the next 0.5 s)
    costs_s = []
    # A new cue every 0.2 s of frame time, fed as fast as the loop can go: 5 more cues in ~1 ms.
    for result in results[1:]:
        started = time.perf_counter()
        coach.update(result)
        costs_s.append(time.perf_counter() - started)
    assert [u.text for u in coach.said] == [c.text for c in cues]
    # Microseconds each in fact; the bound only has to be far below the speaker's 0.5 s.
    assert sum(costs_s) < 0.1, f"updates took {sum(costs_s) * 1e3:.1f} ms"
    coach.close(finish_s=3.0)
    # No backlog: what was said is the first cue (already under way) and the newest one.
    assert speaker.spoken == [cues[0].text, cues[-1].text]


def test_close_cuts_off_a_long_utterance() -> None:
    speaker = CommandSpeaker(
        [sys.executable, "-c", "import sys, time; sys.stdin.read(); time.sleep(30)"], "slow"
    )
    coach = VoiceCoach(speaker, cooldown_s=COOLDOWN_S)
    coach.update(next(frames((1.0, KNEE))))
    time.sleep(0.3)  # let the child start
    started = time.perf_counter()
    coach.close()
    assert time.perf_counter() - started < 3.0
    assert coach.problem is None  # being cut off is not a failure


@pytest.mark.parametrize(
    ("stderr", "problem"),
    [
        pytest.param(
            "error: no voice named xx", "fake-tts could not speak: error: no voice named xx", id="error"
        ),
        pytest.param(
            "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\n"
            "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default\n"
            "error: No such file or directory",
            "fake-tts could not speak: no sound output device (Unknown PCM default)",
            id="no-sound-device",
        ),
    ],
)
def test_an_engine_failure_is_one_notice_then_silence(stderr: str, problem: str) -> None:
    script = f"import sys; sys.stdin.read(); print({stderr!r}, file=sys.stderr)"
    speaker = CommandSpeaker([sys.executable, "-c", script], "fake-tts")
    coach = VoiceCoach(speaker, cooldown_s=0.0)
    for result in frames((0.5, KNEE), (0.5, TORSO)):
        coach.update(result)
    coach.close(finish_s=5.0)
    assert coach.problem == problem


def test_command_speaker_that_cannot_start() -> None:
    speaker = CommandSpeaker(["/nonexistent/tts"], "tts")
    with pytest.raises(SpeechError, match=r"^tts could not start: "):
        speaker.say("hello", 0.0)


# --- choosing an engine -------------------------------------------------------------------


def test_make_speaker_fails_soft_when_no_engine_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speakers_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(speakers_module, "_module_available", lambda name: False)
    speaker, notice = make_speaker()
    assert isinstance(speaker, SilentSpeaker)
    assert notice == NO_ENGINE_NOTICE and "\n" not in notice
    speaker, notice = make_speaker("espeak-ng")
    assert isinstance(speaker, SilentSpeaker) and notice == NO_ENGINE_NOTICE


@pytest.mark.parametrize(
    ("prefer", "kind", "notice"),
    [
        pytest.param("silent", SilentSpeaker, None, id="voice-off"),
        pytest.param(
            "festival",
            SilentSpeaker,
            "voice off: unknown speech engine 'festival'; choose one of espeak-ng, espeak, say, sapi, "
            "pyttsx3, silent",
            id="unknown-engine",
        ),
    ],
)
def test_make_speaker_choices(prefer: str, kind: type[Speaker], notice: str | None) -> None:
    speaker, got = make_speaker(prefer)
    assert isinstance(speaker, kind) and got == notice


def test_make_speaker_finds_espeak_ng_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speakers_module.sys, "platform", "linux")
    installed = {"espeak-ng": "/usr/bin/espeak-ng"}
    monkeypatch.setattr(speakers_module.shutil, "which", installed.get)
    speaker, notice = make_speaker()
    assert isinstance(speaker, EspeakSpeaker) and speaker.argv[0] == "/usr/bin/espeak-ng" and notice is None
    speaker, notice = make_speaker("say")  # not installed: the engine that is, and why
    assert isinstance(speaker, EspeakSpeaker) and notice == "voice: say not found, using espeak-ng"


# --- the real engine ----------------------------------------------------------------------


def test_espeak_ng_speaks_into_a_wav_file(tmp_path: Path) -> None:
    """CI installs espeak-ng (.ci/run); without it this fails rather than skips."""
    executable = shutil.which("espeak-ng")
    if executable is None:
        pytest.fail("espeak-ng is not installed: apt-get install espeak-ng (.ci/run does)")
    speaker = EspeakSpeaker(executable, wav_dir=tmp_path)
    coach = VoiceCoach(speaker, cooldown_s=COOLDOWN_S)
    said = coach.update(next(frames((1.0, KNEE))))
    coach.close(finish_s=10.0)
    assert said == KNEE.text and coach.problem is None
    assert speaker.wav_paths == [tmp_path / "utterance-0001.wav"]
    with wave.open(str(speaker.wav_paths[0])) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    duration_s = samples.size / rate
    # "Front knee past the ankle" takes a second or two at 160 words per minute.
    assert 0.8 < duration_s < 5.0, duration_s
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 1000, f"RMS {rms:.0f}: silence"  # speech at espeak's level is ~3000 of 32767
    # sox agrees there is sound (its own reading of the file).
    if shutil.which("sox"):
        stat = subprocess.run(
            ["sox", str(speaker.wav_paths[0]), "-n", "stat"], capture_output=True, text=True, check=True
        ).stderr
        amplitude = float(next(line for line in stat.splitlines() if "Maximum amplitude" in line).split()[-1])
        assert amplitude > 0.2


def test_a_ticking_status_line_is_said_once_without_its_count() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S)
    countdown = [(1.0, Cue(f"Get ready: Kneeling hip flexor stretch - {n}", "status")) for n in (3, 2, 1)]
    said = said_by(coach, frames(*countdown, (2.0, KNEE)))
    assert said == [(0.0, "Get ready: Kneeling hip flexor stretch"), (3.0, KNEE.text)]


def test_a_routine_that_announces_sides_itself_turns_the_done_milestones_off() -> None:
    coach = VoiceCoach(RecordingSpeaker(), cooldown_s=COOLDOWN_S, announce_done=False)
    for k in range(3 * FPS):
        t_s = k / FPS
        held_s = min(12.0, 10.0 + t_s)
        state = HoldState.DONE if held_s >= 12.0 else HoldState.HOLDING
        status = HoldStatus("left", state, held_s, 12.0)
        coach.update(FrameResult(k, t_s, None, "left", 1, True, hold=status, holds=(status,)))
    assert list(coach.said) == []
