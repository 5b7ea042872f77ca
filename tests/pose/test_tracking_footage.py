"""Two real people in view (a clip beside its mirror image): the model finds both, the tracker keeps one."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from posecheck.pose.detector import PoseDetector
from posecheck.pose.tracking import Box, PersonTracker, TrackingDetector
from posecheck.video.sources import open_source

pytestmark = pytest.mark.slow

CLIP = "low_lunge/fitbod_kneeling-hip-flexor.mp4"


def test_two_people_in_view_one_coached_and_no_inheritance(model_path: Path, footage_dir: Path) -> None:
    with open_source(footage_dir / CLIP) as source:
        frames = [(f.image_bgr, f.timestamp_s) for f in islice(source, 150)]
    width_px = frames[0][0].shape[1]
    tracker = PersonTracker(lost_timeout_s=1.0)
    with PoseDetector(model_path, mode="video", num_poses=2) as model:
        detector = TrackingDetector(model, tracker)
        sides = []
        for image_bgr, t_s in frames[:45]:
            pose = detector.detect(np.ascontiguousarray(np.hstack([image_bgr, image_bgr[:, ::-1]])), t_s)
            update = detector.last_update
            assert update is not None and update.people == 2
            assert pose is not None
            box = Box.of(pose)
            assert box is not None
            sides.append(box.centre_xy_px[0] < width_px)
        assert len(set(sides)) == 1  # always the same one of the two
        assert update.others_in_view == 1
        coached_left = sides[0]
        # The coached person leaves (their half goes black) for longer than the timeout.
        switched_at = None
        for image_bgr, t_s in frames[45:]:
            left, right = image_bgr, image_bgr[:, ::-1]
            if coached_left:
                left = np.zeros_like(left)
            else:
                right = np.zeros_like(right)
            pose = detector.detect(np.ascontiguousarray(np.hstack([left, right])), t_s)
            update = detector.last_update
            assert update is not None
            if update.switched:
                switched_at = t_s
                break
            assert pose is None  # the other person never inherits during the timeout
        assert switched_at is not None
        assert switched_at - frames[44][1] > 1.0  # last seen at frame 44
