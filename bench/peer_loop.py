"""The straight loop that typical open-source form checkers run, as a program to race against.

    python bench/peer_loop.py CLIP -o OUT.mp4 [--model PATH]

OpenCV reads each frame; MediaPipe's Pose Landmarker runs in IMAGE mode (every frame
judged from scratch, no tracking between frames); MediaPipe's drawing utilities draw the
skeleton with their default pose style; a knee angle is computed and printed on the
frame with cv2.putText; cv2.VideoWriter writes full-size MPEG-4 Part 2 ('mp4v'). All on
one thread. (mediapipe 1.2 no longer has `mp.solutions`; its drawing utilities live in
`mediapipe.tasks.python.vision.drawing_utils`.)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import cv2
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision
from mediapipe.tasks.python.vision import drawing_styles, drawing_utils

# MediaPipe pose indices: right hip, knee, ankle.
_HIP, _KNEE, _ANKLE = 24, 26, 28


def _angle_deg(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    ab = (a[0] - b[0], a[1] - b[1])
    cb = (c[0] - b[0], c[1] - b[1])
    return abs(math.degrees(math.atan2(ab[1], ab[0]) - math.atan2(cb[1], cb[0]))) % 360


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--model", default=os.environ.get("POSECHECK_MODEL"))
    args = parser.parse_args()
    if not args.model:
        print("peer_loop: pass --model or set POSECHECK_MODEL", file=sys.stderr)
        return 2
    capture = cv2.VideoCapture(args.clip)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(args.output, cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        running_mode=vision.RunningMode.IMAGE,
        num_poses=1,
    )
    style = drawing_styles.get_default_pose_landmarks_style()
    connections = vision.PoseLandmarksConnections.POSE_LANDMARKS
    frames = 0
    started = time.perf_counter()
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
            if result.pose_landmarks:
                landmarks = result.pose_landmarks[0]
                drawing_utils.draw_landmarks(frame, landmarks, connections, style)
                hip, knee, ankle = (
                    (landmarks[i].x * size[0], landmarks[i].y * size[1]) for i in (_HIP, _KNEE, _ANKLE)
                )
                angle = _angle_deg(hip, knee, ankle)
                position = (int(knee[0]) + 10, int(knee[1]))
                font = cv2.FONT_HERSHEY_SIMPLEX
                cv2.putText(frame, f"{angle:.0f}", position, font, 1.0, (255, 255, 255), 2)
            writer.write(frame)
            frames += 1
    elapsed_s = time.perf_counter() - started
    capture.release()
    writer.release()
    print(f"{frames} frames, {frames / elapsed_s:.1f} frames/s in the frame loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
