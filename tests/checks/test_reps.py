"""Reps mode: the rep counter frame by frame, the spec language for phases and cycles,
cross-checked measurements, and how reps specs are listed and described."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support.contexts import bare_context

from posecheck.checks.engine import judged_value
from posecheck.checks.reps import RepCounter
from posecheck.cli import main
from posecheck.errors import SpecError
from posecheck.overlay import Overlay, RepCounterAnnotator
from posecheck.report.csv import FrameCsvWriter
from posecheck.report.summary import SummaryBuilder
from posecheck.report.text import format_summary
from posecheck.results import FrameResult, Measurement, RepStatus
from posecheck.spec.describe import describe_spec
from posecheck.spec.loader import load_spec

FPS = 30.0


def play(
    counter: RepCounter,
    script: list[tuple[float, str | None]],
    *,
    side: str | None = "both",
    in_pose: bool = True,
    form_ok: bool = True,
    start_s: float = 0.0,
) -> RepStatus:
    """Feed `script` [(seconds, phase now), ...] at 30 frames/s; returns the last status."""
    t = start_s
    status = counter.status()
    for seconds, phase in script:
        for _ in range(round(seconds * FPS)):
            status = counter.update(t, phase, side, in_pose, form_ok)
            t += 1 / FPS
    return status


def cat_cow() -> RepCounter:
    return RepCounter(("cow", "cat"), ("both",), 10, {"cow": 0.4, "cat": 0.4})


# --- the counter ---------------------------------------------------------------------

# (script, reps): a loop cycle [cow, cat] counts a cow and a cat in either order.
LOOP_CASES = [
    pytest.param([(1, "cow"), (1, "cat")], 1, id="cow-then-cat"),
    pytest.param([(1, "cat"), (1, "cow")], 1, id="cat-then-cow-also-counts"),
    pytest.param([(1, "cow"), (1, "cat"), (1, "cow"), (1, "cat")], 2, id="two-cycles"),
    pytest.param([(1, "cow"), (1, "cat"), (1, "cow")], 1, id="half-a-cycle-more-is-not-a-rep"),
    pytest.param([(1, "cow"), (0.5, None), (1, "cat")], 1, id="no-phase-in-between-is-fine"),
    pytest.param([(1, "cow"), (0.2, "cat"), (1, "cow")], 0, id="a-flicker-shorter-than-min-s-is-no-phase"),
    pytest.param([(1, "cow"), (1, "cow"), (1, "cow")], 0, id="staying-in-one-phase"),
    pytest.param([], 0, id="nothing"),
]


@pytest.mark.parametrize(("script", "reps"), LOOP_CASES)
def test_loop_cycle(script: list[tuple[float, str | None]], reps: int) -> None:
    assert play(cat_cow(), script).counts == {"both": reps}


def test_jitter_at_a_phase_boundary_never_counts() -> None:
    """Phase evidence that flips every frame (a value sitting on a limit) is never held long enough."""
    counter = cat_cow()
    t = 0.0
    for i in range(300):
        counter.update(t, "cow" if i % 2 else "cat", "both", True, True)
        t += 1 / FPS
    assert counter.status().counts == {"both": 0}


def test_anchored_cycle_closing_phase_starts_the_next_rep() -> None:
    counter = RepCounter(("down", "up", "down"), ("both",), 8, {"down": 0.2, "up": 0.2})
    status = play(counter, [(1, "down"), (1, "up"), (1, "down"), (1, "up"), (1, "down")])
    assert status.counts == {"both": 2}
    assert status.next_phase == "up"


def test_anchored_cycle_does_not_start_in_the_middle() -> None:
    counter = RepCounter(("down", "up", "down"), ("both",), 8, {"down": 0.2, "up": 0.2})
    assert play(counter, [(1, "up"), (1, "down")]).counts == {"both": 0}


def test_out_of_order_starts_over() -> None:
    counter = RepCounter(("a", "b", "c"), ("both",), 5, {"a": 0.1, "b": 0.1, "c": 0.1})
    assert play(counter, [(1, "a"), (1, "c"), (1, "b"), (1, "a")]).counts == {"both": 0}
    assert play(counter, [(1, "b"), (1, "c")], start_s=4).counts == {"both": 1}


def test_min_s_is_time_from_frame_stamps_not_frame_counts() -> None:
    """3 s of pull at 10 frames/s counts like 3 s at 30 frames/s."""
    for fps in (10.0, 30.0):
        counter = RepCounter(("pull", "release"), ("left", "right"), 3, {"pull": 3.0, "release": 0.5})
        t = 0.0
        for seconds, phase in [(3.2, "pull"), (1, "release"), (2.5, "pull"), (1, "release")]:
            for _ in range(round(seconds * fps)):
                counter.update(t, phase, "left", True, True)
                t += 1 / fps
        assert counter.status().counts == {"left": 1, "right": 0}, fps


def test_per_side_counts_follow_the_working_side() -> None:
    counter = RepCounter(("pull", "release"), ("left", "right"), 3, {"pull": 1.0, "release": 0.3})
    play(counter, [(2, "pull"), (1, "release")], side="left")
    status = play(counter, [(2, "pull"), (1, "release")], side="right", start_s=10)
    assert status.counts == {"left": 1, "right": 1}
    assert status.side == "right"
    assert status.count == 1


def test_a_neutral_starting_phase_opens_every_side() -> None:
    """Knees up in the middle belongs to no side: the first roll to each side still counts."""
    counter = RepCounter(
        ("middle", "rolled", "middle"),
        ("left", "right"),
        3,
        {"middle": 0.3, "rolled": 1.0},
        neutral=frozenset({"middle", "rolled"}),
    )
    t = 0.0
    for phase, side in [
        ("middle", None),
        ("rolled", "left"),
        ("middle", "left"),
        ("rolled", "right"),
        ("middle", "right"),
    ]:
        for _ in range(round(2 * FPS)):
            counter.update(t, phase, side, True, True)
            t += 1 / FPS
    assert counter.status().counts == {"left": 1, "right": 1}


def test_a_critical_fault_during_the_cycle_rejects_the_rep() -> None:
    counter = cat_cow()
    play(counter, [(1, "cow")])
    play(counter, [(0.5, None)], form_ok=False, start_s=1)
    status = play(counter, [(1, "cat")], start_s=1.5)
    assert status.counts == {"both": 0}
    assert status.rejected == {"both": 1}
    status = play(counter, [(1, "cow"), (1, "cat")], start_s=3)
    assert status.counts == {"both": 1}


def test_leaving_the_pose_briefly_keeps_the_cycle_longer_forgets_it() -> None:
    counter = cat_cow()
    play(counter, [(1, "cow")])
    play(counter, [(1, None)], in_pose=False, start_s=1)  # within the grace period
    assert play(counter, [(1, "cat")], start_s=2).counts == {"both": 1}
    counter = cat_cow()
    play(counter, [(1, "cow")])
    play(counter, [(3, None)], in_pose=False, start_s=1)  # longer than grace_s
    assert play(counter, [(1, "cat")], start_s=4).counts == {"both": 0}


def test_a_gap_in_the_video_is_not_time_in_a_phase() -> None:
    counter = RepCounter(("pull", "release"), ("both",), 3, {"pull": 3.0, "release": 0.1})
    counter.update(0.0, "pull", "both", True, True)
    counter.update(2.9, "pull", "both", True, True)  # 2.9 s later: a gap, not 2.9 s of pull
    counter.update(3.0, "pull", "both", True, True)
    assert counter.status().phase is None


def test_status_reports_phase_label_and_next_phase() -> None:
    counter = RepCounter(
        ("cow", "cat"), ("both",), 10, {"cow": 0.1, "cat": 0.1}, {"cow": "Cow", "cat": "Cat"}
    )
    status = play(counter, [(1, "cow")])
    assert (status.phase, status.phase_label, status.next_phase) == ("cow", "Cow", "cat")
    assert status.target == 10
    assert not status.done


# --- cross-checked measurements --------------------------------------------------------


def _m(value: float, far: float = math.nan) -> Measurement:
    return Measurement("m", "m", value, "deg", (), "", far)


@pytest.mark.parametrize(
    ("value", "far", "mode", "judged"),
    [
        pytest.param(100.0, math.nan, "either", 100.0, id="no-far-side-the-near-side-alone"),
        pytest.param(100.0, 150.0, "either", 150.0, id="either-takes-the-side-that-passes"),
        pytest.param(150.0, 100.0, "either", 150.0, id="either-keeps-the-near-side-when-it-passes"),
        pytest.param(150.0, 100.0, "both", 100.0, id="both-takes-the-side-that-fails"),
        pytest.param(math.nan, 120.0, "either", 120.0, id="near-hidden-far-stands-in"),
        pytest.param(100.0, 150.0, None, 100.0, id="not-cross-checked"),
    ],
)
def test_judged_value(value: float, far: float, mode: str | None, judged: float) -> None:
    assert judged_value(_m(value, far), 130.0, None, mode) == judged


# --- the spec language -------------------------------------------------------------------

REPS_SPEC = """\
id: test-reps
name: Test reps
view: side
mode: reps
reps: {target: 10}
entry_cue: On hands and knees
measurements:
  head:
    kind: offset
    axis: up
    points: [mid_shoulder, mid_ear]
    per: [mid_shoulder, mid_hip]
  knee:
    kind: angle
    points: [near_hip, near_knee, near_ankle]
    cross_check: either
entry:
  - {measure: knee, min: 50, max: 130}
phases:
  - id: cow
    label: Cow
    when: [{measure: head, min: 0.15}]
  - id: cat
    label: Cat
    when: [{measure: head, max: -0.1}]
cycle: [cow, cat]
rules:
  - id: knees-bent
    measure: knee
    max: 120
    during: [cat]
    severity: advisory
    cue: Knees under your hips
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test-reps.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reps_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, REPS_SPEC))
    assert spec.mode == "reps"
    assert spec.cycle == ("cow", "cat")
    assert spec.sides == ("both",)
    assert spec.rules[0].during == ("cat",)
    assert spec.measurements["knee"].cross_check == "either"
    text = describe_spec(spec)
    assert "10 reps" in text
    assert "A rep: cow -> cat" in text
    assert "(during cat)" in text


BROKEN_REPS = [
    pytest.param("reps: {target: 10}\n", "", "reps: missing required key 'reps'", id="no-reps"),
    pytest.param(
        "cycle: [cow, cat]",
        "cycle: [cow, cta]",
        "cycle[1]: unknown phase 'cta': did you mean 'cat'?",
        id="typo-in-cycle",
    ),
    pytest.param("cycle: [cow, cat]", "cycle: [cow, cow]", "twice in a row", id="same-phase-twice"),
    pytest.param(
        "during: [cat]", "during: [cta]", "rules[0].during[0]: unknown phase 'cta'", id="typo-in-during"
    ),
    pytest.param(
        "mode: reps\n",
        "mode: reps\nhold: {target_s: 30}\n",
        "hold: a reps-mode spec has no hold timer",
        id="hold-in-reps-mode",
    ),
    pytest.param(
        "    cross_check: either\n", "    cross_check: sometimes\n", "cross_check", id="bad-cross-check"
    ),
    pytest.param(
        "[{measure: head, min: 0.15}]",
        "[{measure: hed, min: 0.15}]",
        "phases[0].when[0].measure: unknown measurement 'hed'",
        id="typo-in-phase",
    ),
    pytest.param(
        "    label: Cow\n",
        "    label: Cow\n    colour: red\n",
        "unknown key 'colour'",
        id="unknown-phase-key",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BROKEN_REPS)
def test_broken_reps_spec_message(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert REPS_SPEC.count(old) == 1
    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, REPS_SPEC.replace(old, new)))
    assert message in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "test-reps.yaml") + ":")


def test_phases_need_reps_mode(tmp_path: Path) -> None:
    text = REPS_SPEC.replace("mode: reps\n", "hold: {target_s: 30}\n").replace("reps: {target: 10}\n", "")
    with pytest.raises(SpecError, match="phases: only used with mode: reps"):
        load_spec(_write(tmp_path, text))


def test_cross_check_needs_near_or_far_landmarks(tmp_path: Path) -> None:
    text = REPS_SPEC.replace("[near_hip, near_knee, near_ankle]", "[left_hip, left_knee, left_ankle]")
    with pytest.raises(SpecError, match="cross_check: needs near_/far_ landmarks"):
        load_spec(_write(tmp_path, text))


# --- the catalog as the CLI shows it -----------------------------------------------------


def test_specs_listing_shows_mode_and_holds_or_reps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "reps" in rows["cat-cow"] and "10 reps" in rows["cat-cow"]
    assert "reps per side" in rows["knee-to-chest"]
    assert "hold" in rows["glute-bridge"] and "15 s" in rows["glute-bridge"]
    assert rows["butterfly"].split()[1] == "front"


def test_specs_show_a_reps_spec_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "show", "lower-back-rotation"]) == 0
    out = capsys.readouterr().out
    assert "Phases:" in out and "A rep: middle -> rolled -> middle" in out
    assert "[critical] shoulders-down" in out


# --- drawing and reporting reps ----------------------------------------------------------


def _reps_result(reps: RepStatus | None) -> FrameResult:
    return FrameResult(index=0, timestamp_s=0.0, pose=None, side="left", facing=0, in_pose=True, reps=reps)


def test_overlay_draws_the_rep_counter_in_place_of_the_hold_ring() -> None:
    status = RepStatus("left", "pull", "Pull: knee to chest", "release", {"left": 2, "right": 0}, 3)
    scene = np.zeros((720, 1280, 3), np.uint8)
    RepCounterAnnotator().annotate(scene, _reps_result(status))
    corner = scene[360:, 640:]
    assert corner.any() and not scene[:300, :600].any()
    blank = np.zeros_like(scene)
    RepCounterAnnotator().annotate(blank, _reps_result(None))
    assert not blank.any()
    # The whole overlay: with reps and no pose, only the no-person card and the counter draw.
    Overlay().draw(np.zeros_like(scene), _reps_result(status))


def test_csv_and_summary_carry_reps(tmp_path: Path) -> None:
    ctx = bare_context(
        stretch_id="knee-to-chest",
        stretch_name="Knee to chest",
        sides=("left", "right"),
        hold_target_s=30.0,
        rep_sides=("left", "right"),
    )
    status = RepStatus("left", "pull", "Pull", "release", {"left": 2, "right": 1}, 3, {"left": 1, "right": 0})
    path = tmp_path / "frames.csv"
    with FrameCsvWriter(path, ctx) as writer:
        writer.write(_reps_result(status))
    header, row = path.read_text().splitlines()
    assert header.endswith("rep_phase,reps_left,reps_right")
    assert row.endswith("pull,2,1")
    builder = SummaryBuilder(ctx)
    builder.add(_reps_result(status))
    summary = builder.summary(complete=True)
    assert summary["reps"] == {
        "target": 3,
        "counted": {"left": 2, "right": 1},
        "rejected": {"left": 1, "right": 0},
    }
    text = format_summary(summary)
    assert "Left side: 2 of 3 reps (1 more with a critical fault)." in text
    assert "Right side: 1 of 3 reps." in text
