"""Frame time: how long each frame counts for, the one gap policy of the hold timer, the
summary, the plots and tune.

Time always comes from frame timestamps. A frame accounts for the interval to its
neighbour; a gap longer than `MAX_FRAME_GAP_S` (dropped frames, a paused camera, a cut)
counts nothing at all, so it is never time held, in the pose or failing.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_FRAME_GAP_S: Final = 0.5


def counted_s(interval_s: float, max_gap_s: float = MAX_FRAME_GAP_S) -> float:
    """Seconds an interval between two frames counts for: 0 backwards or across a gap."""
    return interval_s if 0.0 < interval_s <= max_gap_s else 0.0


def frame_durations_s(timestamps_s: npt.ArrayLike, max_gap_s: float = MAX_FRAME_GAP_S) -> FloatArray:
    """Seconds each frame accounts for: the interval to the next frame, 0 across a gap.

    The last frame gets the median interval between contiguous frames; timestamps going
    backwards count as 0 s.
    """
    t = np.asarray(timestamps_s, dtype=np.float64)
    if t.size == 0:
        return np.zeros(0)
    intervals = np.diff(t)
    contiguous = (intervals > 0) & (intervals <= max_gap_s)
    last_s = float(np.median(intervals[contiguous])) if contiguous.any() else 0.0
    durations_s: FloatArray = np.append(np.where(contiguous, intervals, 0.0), last_s)
    return durations_s


def continues_previous(timestamps_s: FloatArray, max_gap_s: float = MAX_FRAME_GAP_S) -> BoolArray:
    """True where a frame follows the previous one without a gap (first frame: False)."""
    continues = np.zeros(timestamps_s.size, dtype=np.bool_)
    if timestamps_s.size > 1:
        intervals = np.diff(timestamps_s)
        continues[1:] = (intervals >= 0) & (intervals <= max_gap_s)
    return continues
