"""The record every video source yields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Frame:
    """One picture, upright, in BGR, stamped with its presentation time.

    `timestamp_s` comes from the container (or the camera clock), never from
    index / fps, so variable frame rate videos keep their real timing.
    """

    image_bgr: npt.NDArray[np.uint8]
    index: int
    timestamp_s: float

    @property
    def size_wh(self) -> tuple[int, int]:
        height, width = self.image_bgr.shape[:2]
        return width, height
