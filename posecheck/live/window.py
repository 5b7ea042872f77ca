"""Where live frames go: an OpenCV window, or nowhere (headless). The only module that
touches OpenCV's GUI (HighGUI)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import sys
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import OutputError

TITLE = "posecheck"


class Display(Protocol):
    """Shows frames and reports keys (codes as `cv2.waitKey` gives them, -1 for none)."""

    def show(self, image_bgr: npt.NDArray[np.uint8]) -> None: ...

    def poll_key(self, wait_ms: int) -> int: ...

    @property
    def closed(self) -> bool:
        """True once the user closed the window."""
        ...

    def close(self) -> None: ...


class HeadlessDisplay:
    """No window: frames are dropped (the overlay is still drawn, for timing and recording).

    Keys can be fed through `keys` (tests drive the live loop this way).
    """

    def __init__(self, keys: queue.Queue[int] | None = None) -> None:
        self.keys: queue.Queue[int] = keys if keys is not None else queue.Queue()
        self.frames_shown = 0
        self.last_image: npt.NDArray[np.uint8] | None = None
        self.keep_last = False

    def show(self, image_bgr: npt.NDArray[np.uint8]) -> None:
        self.frames_shown += 1
        if self.keep_last:
            self.last_image = image_bgr

    def poll_key(self, wait_ms: int) -> int:
        try:
            return self.keys.get_nowait()
        except queue.Empty:
            return -1

    @property
    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


def _check_display() -> None:
    """Fail with a sentence instead of letting Qt abort the process when there is no screen."""
    if not sys.platform.startswith("linux"):
        return
    display = os.environ.get("DISPLAY")
    if not display and not os.environ.get("WAYLAND_DISPLAY"):
        raise OutputError(
            "no screen to open the window on (DISPLAY is not set): run it in a desktop session, "
            "or pass --no-window"
        )
    if not display:
        return  # Wayland only: Qt picks its own platform
    library = ctypes.util.find_library("X11")
    if library is None:
        return
    x11 = ctypes.CDLL(library)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = x11.XOpenDisplay(display.encode())
    if not handle:
        raise OutputError(
            f"cannot connect to the screen {display}: check DISPLAY (and xhost/ssh -X), or pass --no-window"
        )
    x11.XCloseDisplay(handle)


def _font_dirs() -> list[Path]:
    """Folders of TrueType fonts Qt could use, best first: matplotlib's DejaVu, then the system's."""
    dirs: list[Path] = []
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    dirs += [
        Path("/usr/share/fonts/truetype/dejavu"),
        Path("/usr/share/fonts/truetype"),
        Path("/usr/share/fonts"),
    ]
    return dirs


def quiet_qt_fonts() -> None:
    """Give OpenCV's Qt a font folder that exists.

    Importing cv2 (the pip wheel) points QT_QPA_FONTDIR at a `qt/fonts` folder the wheel
    does not ship; Qt then warns on every call and draws trackbar labels empty. A folder
    that exists (set by the user, say) is kept; otherwise the first existing one of
    `_font_dirs()` is used. The overlay draws its own text, so any font will do.
    """
    folder = os.environ.get("QT_QPA_FONTDIR")
    if folder and Path(folder).is_dir():
        return
    for candidate in _font_dirs():
        if candidate.is_dir():
            os.environ["QT_QPA_FONTDIR"] = str(candidate)
            return


class CvWindow:
    """A resizable OpenCV window titled "posecheck", sized to the first frame."""

    def __init__(self, title: str = TITLE) -> None:
        _check_display()
        quiet_qt_fonts()
        self.title = title
        flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | getattr(cv2, "WINDOW_GUI_NORMAL", 0)
        try:
            cv2.namedWindow(title, flags)
        except cv2.error as exc:
            raise OutputError(
                f"cannot open a window ({exc.err.strip() or exc}): pass --no-window to run without one"
            ) from None
        self._size_wh: tuple[int, int] | None = None
        self._closed = False

    def show(self, image_bgr: npt.NDArray[np.uint8]) -> None:
        if self._closed:
            return
        size_wh = (int(image_bgr.shape[1]), int(image_bgr.shape[0]))
        if size_wh != self._size_wh:
            cv2.resizeWindow(self.title, *size_wh)
            self._size_wh = size_wh
        cv2.imshow(self.title, image_bgr)

    def poll_key(self, wait_ms: int) -> int:
        if self._closed:
            return -1
        return int(cv2.waitKey(max(1, wait_ms)))

    @property
    def closed(self) -> bool:
        if self._closed:
            return True
        if self._size_wh is None:
            return False
        try:
            return bool(cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1)
        except cv2.error:
            return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass
