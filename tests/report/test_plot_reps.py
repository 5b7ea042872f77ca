"""A dynamic move's timeline shows the good reps counted per side, not an idle hold timer."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from support.contexts import bare_context

from posecheck import palette
from posecheck.report.plot import plot_timeline
from posecheck.report.series import SeriesRecorder
from posecheck.results import FrameResult, RepStatus

FPS = 10


def _frame(index: int, counts: dict[str, int] | None) -> FrameResult:
    reps = None if counts is None else RepStatus("left", "rolled", "Rolled", "middle", counts, target=3)
    return FrameResult(index, index / FPS, None, "left", 1, True, reps=reps)


def _bgr(hex_rgb: str) -> np.ndarray:
    return np.array([int(hex_rgb[k : k + 2], 16) for k in (5, 3, 1)])


def test_reps_are_recorded_per_side_and_drawn_as_steps(tmp_path: Path) -> None:
    ctx = bare_context(sides=("left", "right"), rep_sides=("left", "right"))
    series = SeriesRecorder(ctx, initial_capacity=4)  # also grows while recording
    # Nothing reported yet, then left reaches 1 at 2 s and 2 at 4 s, right 1 at 3 s.
    plan = [None] * 5 + [{"left": 0, "right": 0}] * 15 + [{"left": 1, "right": 0}] * 10
    plan += [{"left": 1, "right": 1}] * 10 + [{"left": 2, "right": 1}] * 20
    for index, counts in enumerate(plan):
        series.add(_frame(index, counts))
    assert series.rep_target == 3
    assert np.isnan(series.reps[:5]).all()
    assert series.reps[-1].tolist() == [2.0, 1.0]
    assert series.reps[25].tolist() == [1.0, 0.0]

    path = tmp_path / "timeline.png"
    plot_timeline(path, series)
    picture = cv2.imread(str(path))
    assert picture is not None
    # Below the bands (the top half here: no measurements), the reps panel: both sides' steps.
    bottom = picture[picture.shape[0] // 2 :]
    for color in palette.SIDES[:2]:
        near = np.all(np.abs(bottom.astype(int) - _bgr(color)) <= 12, axis=2)
        assert int(near.sum()) > 200, color
