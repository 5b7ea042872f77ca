"""The timeline's light axes: the pixels of matplotlib's own axis, from a few artists."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from posecheck.report.plot import _draw_axis_lightly, plain_text

GRID = "#e6e6e6"


def render(
    which: Literal["x", "y"], limits: tuple[float, float], *, light: bool, labelled: bool
) -> npt.NDArray[np.uint8]:
    with plain_text():
        fig = Figure(figsize=(4, 3), dpi=100)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.3, 0.2, 0.6, 0.6))
        ax.plot([0.0, 1.0], [0.0, 1.0], color="black")
        ax.set_xlim(*limits) if which == "x" else ax.set_ylim(*limits)
        if light:
            _draw_axis_lightly(ax, which, grid_color=GRID, labelled=labelled, tick_length_pt=3.5)
        else:
            ax.grid(axis=which, color=GRID, linewidth=0.6)
            if not labelled:
                ax.tick_params(axis=which, labelbottom=False, labelleft=False)
        canvas.draw()  # type: ignore[no-untyped-call]
        return np.asarray(canvas.buffer_rgba()).copy()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("which", "limits", "labelled"),
    [
        ("x", (0.0, 3.03), False),  # the time axis of the upper panels
        ("y", (-1.53, -1.38), True),  # a ratio: negative decimals
        ("y", (98.0, 108.0), True),  # an angle
        ("y", (1000.001, 1000.002), True),  # labels with an offset: left to matplotlib
    ],
)
def test_a_light_axis_draws_matplotlibs_pixels(
    which: Literal["x", "y"], limits: tuple[float, float], labelled: bool
) -> None:
    own = render(which, limits, light=False, labelled=labelled)
    light = render(which, limits, light=True, labelled=labelled)
    assert (own != light).any(axis=2).sum() == 0
