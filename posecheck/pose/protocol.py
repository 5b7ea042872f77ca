"""What the pipeline needs of a pose detector: the MediaPipe one (`detector.PoseDetector`),
the recording one (`recording.RecordingDetector`) and the test doubles all fit it."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from posecheck.pose.landmarks import Pose


class Detector(Protocol):
    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        """The pose on a picture at frame time `timestamp_s`, or None when no person is found."""
        ...
