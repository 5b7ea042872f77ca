"""The plots' hysteresis band and minimum-duration wait agree with the rule tracker's verdicts."""

from __future__ import annotations

import numpy as np

from posecheck.checks.rules import RuleTracker
from posecheck.report.series import verdict_waiting
from posecheck.results import Verdict

FPS = 10


def test_waiting_is_exactly_where_the_value_and_the_verdict_disagree_outside_the_band() -> None:
    # max 30, hysteresis 5, 0.4 s minimum: the value jumps to 35, then back to 27 (inside the
    # band: still failing, no wait), then to 20 (clear: the pass waits 0.4 s).
    values = np.array([20.0] * 10 + [35.0] * 10 + [27.0] * 10 + [20.0] * 10)
    t = np.arange(values.size) / FPS
    tracker = RuleTracker(None, 30.0, 5.0, 0.4)
    verdicts = [tracker.update(v, s) for v, s in zip(values, t, strict=True)]
    passing = np.array([v is Verdict.PASS for v in verdicts])
    failing = np.array([v.failing for v in verdicts])
    waiting = verdict_waiting(values, passing, failing, None, 30.0, 5.0)
    # Out at frame 10, failing from frame 14 (0.4 s later): frames 10-13 wait.
    assert np.flatnonzero(waiting[:20]).tolist() == [10, 11, 12, 13]
    # 27 is inside the hysteresis band: the verdict rightly stays failing, nothing waits.
    assert not waiting[20:30].any() and failing[20:30].all()
    # 20 is clear of the band at frame 30; the pass shows at frame 34.
    assert np.flatnonzero(waiting[30:]).tolist() == [0, 1, 2, 3]
    assert passing[34:].all()
    # Every frame is explained: the verdict matches the value, or the band, or the wait.
    inside = values <= 30.0
    explained = (inside == passing) | waiting | (failing & (values > 25.0))
    assert explained.all()


def test_unseen_values_never_wait() -> None:
    values = np.array([np.nan, 40.0, np.nan])
    waiting = verdict_waiting(values, np.array([True] * 3), np.array([False] * 3), 0.0, 30.0, 5.0)
    assert waiting.tolist() == [False, True, False]
