"""One frame-gap policy: the hold timer, the summary, the plots and tune count a gap the same way."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from support.contexts import bare_context
from support.poses import blank_pose

from posecheck.checks.hold import HoldTimer
from posecheck.report.summary import SummaryBuilder
from posecheck.results import FrameResult
from posecheck.timing import MAX_FRAME_GAP_S, continues_previous, counted_s, frame_durations_s


@pytest.mark.parametrize(
    ("interval_s", "counted"),
    [
        (0.033, 0.033),
        (MAX_FRAME_GAP_S, MAX_FRAME_GAP_S),  # the cap itself still counts
        (MAX_FRAME_GAP_S + 0.01, 0.0),  # longer: nothing at all, not the cap
        (4.0, 0.0),
        (0.0, 0.0),
        (-0.1, 0.0),  # backwards
    ],
)
def test_an_interval_counts_whole_or_not_at_all(interval_s: float, counted: float) -> None:
    assert counted_s(interval_s) == pytest.approx(counted)


def test_frame_durations_follow_the_same_rule_as_a_single_interval() -> None:
    rng = np.random.default_rng(3)
    steps_s = rng.choice([1 / 30, 0.2, MAX_FRAME_GAP_S, 0.7, 3.0, -0.05], size=200)
    t = np.cumsum(steps_s)
    durations_s = frame_durations_s(t)
    assert durations_s[:-1].tolist() == pytest.approx([counted_s(b - a) for a, b in itertools.pairwise(t)])
    assert continues_previous(t)[1:].tolist() == [
        0 <= b - a <= MAX_FRAME_GAP_S for a, b in itertools.pairwise(t)
    ]


def test_the_hold_timer_and_the_summary_agree_across_a_gap() -> None:
    """Good form throughout, 30 fps, with a 2 s hole in the video: neither counts the hole."""
    t = np.concatenate([np.arange(90) / 30, 5.0 + np.arange(90) / 30])
    timer = HoldTimer(("both",), target_s=60.0, grace_s=5.0)
    ctx = bare_context()
    builder = SummaryBuilder(ctx)
    pose = blank_pose()
    for i, t_s in enumerate(t.tolist()):
        status = timer.update(t_s, "both", in_pose=True, form_ok=True)
        builder.add(FrameResult(i, t_s, pose, "both", 1, True, hold=status, holds=timer.statuses()))
    summary = builder.summary(complete=True)
    held_s = timer.status("both").held_s
    assert held_s == pytest.approx(178 / 30)  # 89 + 89 frame intervals, the hole not at all
    # The summary also counts the last frame (the median interval), the hold timer the first: one frame.
    assert summary["time_in_good_form_s"] == pytest.approx(held_s + 1 / 30, abs=1e-3)
    assert summary["sides"]["both"]["best_held_s"] == pytest.approx(held_s, abs=1e-3)
