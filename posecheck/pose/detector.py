"""MediaPipe Pose Landmarker adapter: BGR frames in, `Pose` records out.

This is the only module that imports mediapipe, so the rest of the project
(and its tests) never pays for loading it and never sees its types.
"""

from __future__ import annotations

import atexit
import concurrent.futures.thread  # noqa: F401  (its exit hook must precede ours, see below)
import contextlib
import math
import os
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

# Must be set before mediapipe loads its C++ library. In mediapipe 1.2.2 and 1.2.3
# they are not enough (absl, TFLite and LiteRT's own loggers ignore them), hence
# _quiet_stderr.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.pose.deferred import deferred

with deferred():  # pyplot and sounddevice: a third of mediapipe's import, never used here
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

from posecheck.errors import ModelError
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose
from posecheck.pose.model import DEFAULT_VARIANT, ProgressCallback, is_task_bundle, resolve_model
from posecheck.pose.native_logs import SHOW_NATIVE_LOGS_ENV_VAR

Mode = Literal["video", "image"]


_STDERR_FD = 2
_stderr_lock = threading.Lock()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment.

    MediaPipe's C++ side writes warnings straight to fd 2 (absl logging before
    InitGoogle, TFLite's "Created XNNPACK delegate", LiteRT's "DestroyAccelerator",
    ...) with no switch that the Python API exposes, and only while the graph
    starts or stops: at creation, on the first frame and at close. Those are the
    only three places this is used. Python
    exceptions still carry MediaPipe's error text, so nothing useful is lost.
    """
    if os.environ.get(SHOW_NATIVE_LOGS_ENV_VAR, "") not in ("", "0"):
        yield
        return
    # The lock keeps two detectors starting in parallel from restoring each other's fd.
    with _stderr_lock:
        try:
            saved_fd = os.dup(_STDERR_FD)
        except OSError:  # no stderr at all (pythonw, some daemons): nothing to silence
            yield
            return
        try:
            devnull_fd = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull_fd, _STDERR_FD)
            finally:
                os.close(devnull_fd)
            yield
        finally:
            os.dup2(saved_fd, _STDERR_FD)
            os.close(saved_fd)


# Detectors still open at interpreter exit. mediapipe's own __del__ then runs
# after module teardown and raises "TypeError: 'NoneType' object is not callable",
# so close them while the interpreter is still whole.
_open_detectors: weakref.WeakSet[PoseDetector] = weakref.WeakSet()


def _close_open_detectors() -> None:
    for detector in list(_open_detectors):
        with contextlib.suppress(Exception):  # nobody is left to report it to
            detector.close()


# Not atexit: mediapipe sends every native call through a ThreadPoolExecutor,
# whose workers stop in threading's exit hooks, which run before atexit's.
# Those hooks run last-registered first, so registering after
# concurrent.futures.thread (imported above, it is lazy otherwise) closes
# detectors while the workers still run.
_register_thread_exit_hook = getattr(threading, "_register_atexit", atexit.register)
_register_thread_exit_hook(_close_open_detectors)


_RUNNING_MODES = {"video": vision.RunningMode.VIDEO, "image": vision.RunningMode.IMAGE}
_TO_RGB = {1: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGB}


class PoseDetector:
    """Pose detector over a MediaPipe `.task` bundle.

    Use it as a context manager (or call `close()`): it holds native threads
    and memory. "video" mode tracks across frames and needs the frame times;
    "image" mode treats every call as an unrelated photo. `num_poses` is how many
    people the model looks for; `detect_all` returns them all, `detect` the first
    (to keep coaching one person among several, see `posecheck.pose.tracking`).
    """

    def __init__(
        self,
        model_path: Path,
        *,
        mode: Mode = "video",
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if mode not in _RUNNING_MODES:
            raise ValueError(f"mode must be 'video' or 'image', got {mode!r}")
        if num_poses < 1:
            raise ValueError(f"num_poses must be 1 or more, got {num_poses}")
        model_path = Path(model_path)
        if not model_path.is_file():
            raise ModelError(
                f"The pose model {model_path} does not exist; pass --model PATH with a "
                "MediaPipe pose_landmarker .task file."
            )
        if not is_task_bundle(model_path):
            raise ModelError(
                f"{model_path} is not a MediaPipe .task bundle; pass --model PATH with a "
                "pose_landmarker .task file, or drop it to download the official one."
            )
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=_RUNNING_MODES[mode],
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        try:
            with _quiet_stderr():
                landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            # e.g. a zip without pose_landmarks_detector.tflite, or a broken network file.
            raise ModelError(
                f"MediaPipe cannot load the pose model {model_path} ({exc}); pass --model PATH "
                "with a pose_landmarker .task file, or drop it to download the official one."
            ) from exc

        self.model_path = model_path
        self.mode: Mode = mode
        self.num_poses = num_poses
        # Wall time of the last MediaPipe call alone (no colour conversion, no Pose building).
        self.last_inference_ms: float | None = None
        self._landmarker: Any = landmarker
        self._last_timestamp_ms: int | None = None
        self._started = False  # the first frame also logs native warnings
        _open_detectors.add(self)

    @classmethod
    def from_path(
        cls,
        path: str | Path | None = None,
        variant: str = DEFAULT_VARIANT,
        *,
        mode: Mode = "video",
        num_poses: int = 1,
        download: bool = True,
        progress: ProgressCallback | None = None,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> PoseDetector:
        """Resolve the model (path, $POSECHECK_MODEL, cache, download) and open a detector."""
        model_path = resolve_model(path, variant, download=download, progress=progress)
        return cls(
            model_path,
            mode=mode,
            num_poses=num_poses,
            min_detection_confidence=min_detection_confidence,
            min_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    @property
    def closed(self) -> bool:
        return self._landmarker is None

    def close(self) -> None:
        """Release MediaPipe's graph; safe to call twice."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            _open_detectors.discard(self)
            # mediapipe 1.2.3 logs "INFO: ... DestroyAccelerator" lines to fd 2 as the graph
            # is torn down; drop our last reference inside the quiet block too, so the
            # native destructor runs there rather than at some later garbage collection.
            with _quiet_stderr():
                landmarker.close()
                del landmarker

    def __enter__(self) -> PoseDetector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _next_timestamp_ms(self, timestamp_s: float) -> int:
        """MediaPipe wants strictly increasing integer ms; bump repeats by 1 ms."""
        if not math.isfinite(timestamp_s):
            raise ValueError(f"timestamp_s must be a finite number, got {timestamp_s}")
        timestamp_ms = round(timestamp_s * 1000.0)
        last = self._last_timestamp_ms
        if last is not None and timestamp_ms <= last:
            timestamp_ms = last + 1
        self._last_timestamp_ms = timestamp_ms
        return timestamp_ms

    def detect(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> Pose | None:
        """Landmarks of the most prominent person in an upright BGR frame, or None.

        `timestamp_s` is the frame time (ignored in image mode). Pixel
        coordinates refer to `image_bgr` exactly as given.
        """
        poses = self.detect_all(image_bgr, timestamp_s)
        return poses[0] if poses else None

    def detect_all(self, image_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> list[Pose]:
        """Landmarks of every person found (up to `num_poses`), in MediaPipe's order."""
        landmarker = self._landmarker
        if landmarker is None:
            raise RuntimeError("PoseDetector.detect() called after close()")
        channels = 1 if image_bgr.ndim == 2 else image_bgr.shape[2]
        if image_bgr.dtype != np.uint8 or channels not in _TO_RGB:
            raise ValueError(f"expected a uint8 BGR image (H, W, 3), got {image_bgr.dtype} {image_bgr.shape}")
        height_px, width_px = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, _TO_RGB[channels])
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)

        quiet = contextlib.nullcontext() if self._started else _quiet_stderr()
        with quiet:
            if self.mode == "video":
                timestamp_ms = self._next_timestamp_ms(timestamp_s)
                start_s = time.perf_counter()
                result = landmarker.detect_for_video(mp_image, timestamp_ms)
            else:
                start_s = time.perf_counter()
                result = landmarker.detect(mp_image)
            self.last_inference_ms = (time.perf_counter() - start_s) * 1000.0
        self._started = True

        world = result.pose_world_landmarks or []
        return [
            _to_pose(landmarks, world[i] if i < len(world) else None, width_px, height_px)
            for i, landmarks in enumerate(result.pose_landmarks or [])
        ]


def _to_pose(landmarks: Any, world_landmarks: Any, width_px: int, height_px: int) -> Pose:
    """Build the Pose record; None from MediaPipe becomes NaN (numpy's float conversion)."""
    norm = np.array([(lm.x, lm.y, lm.visibility) for lm in landmarks], dtype=np.float64)
    xy_px = norm[:, :2] * np.array([width_px, height_px], dtype=np.float64)
    if world_landmarks:
        world_xyz_m = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], dtype=np.float64)
    else:
        world_xyz_m = np.full((NUM_LANDMARKS, 3), np.nan)
    return Pose(
        xy_px=xy_px,
        world_xyz_m=world_xyz_m,
        visibility=norm[:, 2].copy(),
        image_wh=(int(width_px), int(height_px)),
    )


class DetectorInBackground:
    """A `PoseDetector` made on a thread of its own while the caller goes on.

    Loading the model takes 0.05-0.1 s in MediaPipe's native code, which releases the GIL,
    so the caller's imports and input checks run meanwhile. `take()` waits for it and raises
    what making it raised; leaving the `with` block waits for the thread (standard error is
    silenced while MediaPipe starts, so nothing may be reported before) and closes a
    detector nobody took.
    """

    def __init__(self, model_path: Path, mode: Mode = "video", num_poses: int = 1) -> None:
        self._settings = (Path(model_path), mode, num_poses)
        self._made: PoseDetector | BaseException | None = None
        self._thread = threading.Thread(
            target=self._make, args=(model_path, mode, num_poses), name="posecheck-model-load", daemon=True
        )
        self._thread.start()

    def _make(self, model_path: Path, mode: Mode, num_poses: int) -> None:
        try:
            self._made = PoseDetector(model_path, mode=mode, num_poses=num_poses)
        except BaseException as error:  # raised by take(), on the caller's thread
            self._made = error

    def made_for(self, model_path: Path, mode: str, num_poses: int) -> bool:
        """Whether this is the detector the caller now knows it needs."""
        return self._settings == (Path(model_path), mode, num_poses)

    def take(self) -> PoseDetector:
        """The detector, once made; the caller closes it."""
        self._thread.join()
        made, self._made = self._made, None
        if isinstance(made, BaseException):
            raise made
        if made is None:
            raise RuntimeError("DetectorInBackground.take() called twice")
        return made

    def __enter__(self) -> DetectorInBackground:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._thread.join()
        made, self._made = self._made, None
        if isinstance(made, PoseDetector):
            made.close()
