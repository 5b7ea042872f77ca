"""HoldTimer: per-side clocks that count frame-timestamp seconds only while in the pose with good form.

Scripts run at 10 fps (t = frame / 10) unless a test says otherwise, so held times are
multiples of 0.1 s: every good frame adds the interval since the frame before it, and
the very first frame has no interval before it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest

from posecheck.checks.hold import MAX_FRAME_GAP_S, HoldTimer
from posecheck.results import HoldState, HoldStatus

WAITING, HOLDING, PAUSED, DONE = HoldState.WAITING, HoldState.HOLDING, HoldState.PAUSED, HoldState.DONE

# One phase of a script: (frames, side, in_pose, form_ok).
Phase = tuple[int, str | None, bool, bool]
Expect = dict[str, tuple[HoldState, float]]  # side -> (state, held_s) after the script

GOOD_L: tuple[str, bool, bool] = ("left", True, True)
GOOD_R: tuple[str, bool, bool] = ("right", True, True)
FAULT_L: tuple[str, bool, bool] = ("left", True, False)  # in the pose, a critical rule fails
OUT_L: tuple[str, bool, bool] = ("left", False, False)  # left the pose
NOBODY: tuple[None, bool, bool] = (None, False, False)


def phase(frames: int, what: tuple[str | None, bool, bool]) -> Phase:
    return (frames, *what)


def play(timer: HoldTimer, phases: Sequence[Phase], fps: float = 10.0, start_frame: int = 0) -> int:
    """Feed the phases frame by frame; returns the next frame number."""
    frame = start_frame
    for count, side, in_pose, form_ok in phases:
        for _ in range(count):
            timer.update(frame / fps, side, in_pose, form_ok)
            frame += 1
    return frame


def same(status: HoldStatus | None, side: str, state: HoldState, held_s: float) -> bool:
    """`status` is that side in that state with that time (to float rounding)."""
    return (
        status is not None
        and (status.side, status.state, status.target_s) == (side, state, TARGET_S)
        and status.held_s == pytest.approx(held_s, abs=1e-9)
    )


def assert_statuses(timer: HoldTimer, expect: Expect) -> None:
    for side, (state, held_s) in expect.items():
        status = timer.status(side)
        assert status.state is state, side
        assert status.held_s == pytest.approx(held_s, abs=1e-9), side


TARGET_S, GRACE_S = 5.0, 2.0

SCRIPTS = [
    pytest.param(
        [phase(30, GOOD_L)],
        {"left": (HOLDING, 2.9), "right": (WAITING, 0.0)},
        id="accrues-while-in-pose-with-good-form",
    ),
    pytest.param(
        [phase(30, ("left", False, True))],
        {"left": (WAITING, 0.0)},
        id="good-form-out-of-the-pose-does-not-count",
    ),
    pytest.param(
        [phase(30, FAULT_L)],
        {"left": (WAITING, 0.0)},
        id="bad-form-from-the-start-never-counts",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(100, FAULT_L)],
        {"left": (PAUSED, 1.9)},
        id="critical-fault-pauses-and-never-resets-however-long",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(100, FAULT_L), phase(10, GOOD_L)],
        {"left": (HOLDING, 2.9)},
        id="fault-fixed-resumes-from-the-kept-time",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, OUT_L)],  # out 1.4 s < grace 2 s
        {"left": (PAUSED, 1.9)},
        id="left-the-pose-shorter-than-grace-pauses",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, OUT_L), phase(10, GOOD_L)],
        {"left": (HOLDING, 2.9)},
        id="back-within-grace-resumes",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(25, OUT_L)],  # out 2.4 s > grace 2 s
        {"left": (WAITING, 0.0)},
        id="left-the-pose-longer-than-grace-resets",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(25, OUT_L), phase(10, GOOD_L)],
        {"left": (HOLDING, 1.0)},
        id="after-a-reset-starts-from-zero",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(25, NOBODY)],
        {"left": (WAITING, 0.0)},
        id="nobody-in-view-longer-than-grace-resets",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, OUT_L), phase(3, GOOD_L), phase(15, OUT_L)],
        {"left": (PAUSED, 2.2)},
        id="grace-restarts-after-each-return",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(10, FAULT_L), phase(15, OUT_L)],
        {"left": (PAUSED, 1.9)},
        id="fault-then-out-briefly-keeps-time",
    ),
    pytest.param(
        [phase(60, GOOD_L)],
        {"left": (DONE, TARGET_S), "right": (WAITING, 0.0)},
        id="done-at-target-and-capped",
    ),
    pytest.param(
        [phase(60, GOOD_L), phase(50, OUT_L), phase(30, FAULT_L), phase(30, GOOD_L)],
        {"left": (DONE, TARGET_S)},
        id="done-stays-done",
    ),
    pytest.param(
        [phase(60, GOOD_L), phase(40, GOOD_R)],
        {"left": (DONE, TARGET_S), "right": (HOLDING, 4.0)},
        id="left-then-right-each-keeps-its-own-time",
    ),
    pytest.param(
        [phase(60, GOOD_L), phase(60, GOOD_R)],
        {"left": (DONE, TARGET_S), "right": (DONE, TARGET_S)},
        id="both-sides-done",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, GOOD_R)],  # on the right for 1.5 s < grace
        {"left": (PAUSED, 1.9), "right": (HOLDING, 1.5)},
        id="switching-sides-pauses-the-other-side",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(25, GOOD_R)],  # on the right for 2.5 s > grace
        {"left": (WAITING, 0.0), "right": (HOLDING, 2.5)},
        id="switching-sides-mid-hold-breaks-the-other-sides-hold",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, GOOD_R), phase(10, GOOD_L)],
        {"left": (HOLDING, 2.9), "right": (PAUSED, 1.5)},
        id="brief-switch-and-back-keeps-both",
    ),
    pytest.param(
        [phase(20, GOOD_L), phase(15, (None, True, True))],
        {"left": (PAUSED, 1.9), "right": (WAITING, 0.0)},
        id="side-unknown-counts-for-no-side",
    ),
]


@pytest.mark.parametrize(("phases", "expect"), SCRIPTS)
def test_scripted_hold(phases: list[Phase], expect: Expect) -> None:
    timer = HoldTimer(("left", "right"), TARGET_S, GRACE_S)
    play(timer, phases)
    assert_statuses(timer, expect)


def test_update_returns_the_worked_side_or_none() -> None:
    timer = HoldTimer(("left", "right"), TARGET_S, GRACE_S)
    assert timer.update(0.0, None, False, False) is None
    assert same(timer.update(0.1, "left", True, True), "left", HOLDING, 0.1)
    status = timer.update(0.2, "right", True, False)
    assert status == HoldStatus("right", WAITING, 0.0, TARGET_S)
    assert status is not None and status.remaining_s == TARGET_S
    assert [s.side for s in timer.statuses()] == ["left", "right"]


def test_all_done_and_best() -> None:
    timer = HoldTimer(("left", "right"), 1.0, GRACE_S)
    frame = play(timer, [phase(8, GOOD_L), phase(25, OUT_L)])
    assert timer.status("left").held_s == 0.0  # broken after the grace period...
    assert timer.best_s("left") == pytest.approx(0.7)  # ...but the best hold is remembered
    frame = play(timer, [phase(15, GOOD_L)], start_frame=frame)
    assert not timer.all_done
    play(timer, [phase(15, GOOD_R)], start_frame=frame)
    assert timer.all_done
    assert timer.status("right").remaining_s == 0.0


@pytest.mark.parametrize(
    ("gap_s", "expected_held_s"),
    [
        pytest.param(0.2, 1.9 + 0.2, id="short-gap-counts"),
        pytest.param(0.45, 1.9 + 0.45, id="gap-under-the-limit-counts"),
        pytest.param(MAX_FRAME_GAP_S + 0.01, 1.9, id="gap-just-over-the-limit-never-counts"),
        pytest.param(2.0, 1.9, id="long-gap-never-counts"),
        pytest.param(60.0, 1.9, id="minute-long-gap-never-counts"),
    ],
)
def test_frame_gaps(gap_s: float, expected_held_s: float) -> None:
    assert gap_s != MAX_FRAME_GAP_S
    timer = HoldTimer(("left", "right"), 100.0, GRACE_S)
    play(timer, [phase(20, GOOD_L)])  # last frame at 1.9 s
    status = timer.update(1.9 + gap_s, "left", True, True)
    # Still in the pose with good form: holding, with only a short gap counted.
    assert status is not None and status.state is HOLDING
    assert status.held_s == pytest.approx(expected_held_s)
    # The frames after the gap count again.
    status = timer.update(1.9 + gap_s + 0.1, "left", True, True)
    assert status is not None and status.state is HOLDING
    assert status.held_s == pytest.approx(expected_held_s + 0.1)


def test_timestamps_going_backwards_add_nothing() -> None:
    timer = HoldTimer(("left", "right"), 100.0, GRACE_S)
    play(timer, [phase(20, GOOD_L)])  # held 1.9 s at t=1.9
    timer.update(1.0, "left", True, True)
    assert timer.status("left").held_s == pytest.approx(1.9)
    timer.update(1.1, "left", True, True)
    assert timer.status("left").held_s == pytest.approx(2.0)


def _timestamps(spans: Sequence[tuple[float, float, float]]) -> list[float]:
    """Frame times over consecutive spans (start_s, end_s, fps), end of the last span included."""
    times: list[float] = []
    for start_s, end_s, fps in spans:
        i = 0
        while (t := start_s + i / fps) < end_s - 1e-9:
            times.append(t)
            i += 1
    times.append(spans[-1][1])
    return times


def _jittered_timestamps(seed: int) -> list[float]:
    """A webcam under load: intervals between 10 and 150 ms, 0 to 6 s."""
    rng = random.Random(seed)
    times = [0.0]
    while times[-1] < 6.0 - 0.15:
        times.append(times[-1] + rng.uniform(0.01, 0.15))
    return [*times, 6.0]


@pytest.mark.parametrize(
    "times",
    [
        pytest.param(_timestamps([(0.0, 6.0, 10.0)]), id="10fps"),
        pytest.param(_timestamps([(0.0, 2.0, 30.0), (2.0, 4.0, 10.0), (4.0, 6.0, 24.0)]), id="30-10-24fps"),
        pytest.param(_timestamps([(0.0, 3.0, 60.0), (3.0, 6.0, 5.0)]), id="60-then-5fps"),
        pytest.param(_jittered_timestamps(7), id="jittered-intervals"),
        pytest.param(_jittered_timestamps(8), id="other-jittered-intervals"),
    ],
)
def test_variable_frame_rate_holds_the_same_time_as_a_constant_rate(times: list[float]) -> None:
    assert max(b - a for a, b in itertools.pairwise(times)) < MAX_FRAME_GAP_S
    constant = HoldTimer(("left", "right"), 100.0, GRACE_S)
    for t in _timestamps([(0.0, 6.0, 30.0)]):
        constant.update(t, "left", True, True)
    variable = HoldTimer(("left", "right"), 100.0, GRACE_S)
    for t in times:
        variable.update(t, "left", True, True)
    assert constant.status("left").held_s == pytest.approx(6.0)
    assert abs(variable.status("left").held_s - constant.status("left").held_s) <= 1 / 30


@pytest.mark.parametrize(
    ("restart_side", "expect"),
    [
        pytest.param("left", {"left": (WAITING, 0.0), "right": (HOLDING, 1.5)}, id="one-side"),
        pytest.param("right", {"left": (DONE, TARGET_S), "right": (WAITING, 0.0)}, id="other-side"),
        pytest.param(None, {"left": (WAITING, 0.0), "right": (WAITING, 0.0)}, id="all-sides"),
    ],
)
def test_restart(restart_side: str | None, expect: Expect) -> None:
    timer = HoldTimer(("left", "right"), TARGET_S, GRACE_S)
    frame = play(timer, [phase(60, GOOD_L), phase(15, GOOD_R)])
    timer.restart(restart_side)
    assert_statuses(timer, expect)
    assert timer.best_s("left") == (0.0 if restart_side in ("left", None) else TARGET_S)
    # A restarted side counts again from the next good frame on.
    play(timer, [phase(5, GOOD_L)], start_frame=frame)
    if restart_side in ("left", None):
        assert same(timer.status("left"), "left", HOLDING, 0.5)


@pytest.mark.parametrize(
    ("sides", "given_side", "expected_side"),
    [
        pytest.param(("both",), "left", "both", id="both-ignores-left"),
        pytest.param(("both",), "right", "both", id="both-ignores-right"),
        pytest.param(("both",), None, "both", id="both-with-side-unknown"),
        pytest.param(("left",), None, "left", id="fixed-side-with-side-unknown"),
        pytest.param(("left",), "left", "left", id="fixed-side"),
        pytest.param(("left",), "right", None, id="fixed-side-other-side-is-not-tracked"),
    ],
)
def test_single_clock(sides: tuple[str, ...], given_side: str | None, expected_side: str | None) -> None:
    timer = HoldTimer(sides, TARGET_S, GRACE_S)
    status = None
    for frame in range(11):
        status = timer.update(frame / 10, given_side, True, True)
    if expected_side is None:
        assert status is None
        assert timer.status(sides[0]).held_s == 0.0
    else:
        assert same(status, expected_side, HOLDING, 1.0)


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(OUT_L, id="out-of-the-pose"),
        pytest.param(FAULT_L, id="critical-fault"),
    ],
)
def test_leaving_after_a_single_good_frame_is_not_holding(after: tuple[str, bool, bool]) -> None:
    timer = HoldTimer(("left", "right"), TARGET_S, GRACE_S)
    # The first good frame has no interval before it: holding, with nothing held yet.
    assert timer.update(0.0, "left", True, True) == HoldStatus("left", HOLDING, 0.0, TARGET_S)
    # Nothing held, so nothing to pause: back to waiting (not holding, not paused).
    assert timer.update(0.1, *after) == HoldStatus("left", WAITING, 0.0, TARGET_S)
    assert timer.update(0.2, *after) == HoldStatus("left", WAITING, 0.0, TARGET_S)
    # The next good frame holds again and counts its interval.
    assert same(timer.update(0.3, *GOOD_L), "left", HOLDING, 0.1)
