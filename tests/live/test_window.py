"""`posecheck live` with a real window, on a virtual X screen (Xvfb): screenshots of the
window are checked for the overlay, and a real key press ends the session.

Needs Xvfb (Debian: apt-get install xvfb; .ci/run installs it). The screenshots are
taken with libX11 and the key press sent with libXtst, both through ctypes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

pytestmark = pytest.mark.slow

HIP_FLEXOR = "low_lunge/fitbod_kneeling-hip-flexor.mp4"
SCREEN_WH = (1280, 800)
ImageBGR = npt.NDArray[np.uint8]

# The overlay's palette (BGR), from posecheck.overlay.Palette.
CALM = (235, 200, 120)  # skeleton, and the accent of a status banner (the countdown)
GOOD = (90, 200, 40)  # a hold that is running


class _XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


class XScreen:
    """A connection to an X display: screenshots (XGetImage) and key presses (XTest)."""

    def __init__(self, display: str) -> None:
        x11_path = ctypes.util.find_library("X11")
        xtst_path = ctypes.util.find_library("Xtst")
        if x11_path is None or xtst_path is None:
            pytest.fail("libX11 and libXtst are needed: apt-get install xvfb libxtst6")
        x11 = ctypes.CDLL(x11_path)
        xtst = ctypes.CDLL(xtst_path)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XGetImage.restype = ctypes.POINTER(_XImage)
        x11.XGetImage.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_ulong,
            ctypes.c_int,
        ]
        x11.XFree.argtypes = [ctypes.c_void_p]
        x11.XStringToKeysym.restype = ctypes.c_ulong
        x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeMotionEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self._x11, self._xtst = x11, xtst
        self._display = x11.XOpenDisplay(display.encode())
        if not self._display:
            pytest.fail(f"cannot connect to the X display {display}")
        self._root = x11.XDefaultRootWindow(self._display)

    def screenshot(self) -> ImageBGR:
        width, height = SCREEN_WH
        zpixmap, all_planes = 2, 0xFFFFFFFF
        pointer = self._x11.XGetImage(self._display, self._root, 0, 0, width, height, all_planes, zpixmap)
        image = pointer.contents
        assert image.bits_per_pixel == 32, "the Xvfb screen must be 24-bit (BGRX pixels)"
        data = ctypes.string_at(image.data, image.bytes_per_line * image.height)
        pixels = np.frombuffer(data, np.uint8).reshape(image.height, image.bytes_per_line // 4, 4)
        bgr = pixels[:, : image.width, :3].copy()
        self._x11.XFree(image.data)
        self._x11.XFree(pointer)
        return bgr

    def press(self, key: str, at_xy: tuple[int, int]) -> None:
        """Press and release `key` with the pointer over `at_xy` (no window manager: the
        keyboard follows the pointer)."""
        self._xtst.XTestFakeMotionEvent(self._display, -1, at_xy[0], at_xy[1], 0)
        keycode = self._x11.XKeysymToKeycode(self._display, self._x11.XStringToKeysym(key.encode()))
        self._xtst.XTestFakeKeyEvent(self._display, keycode, 1, 0)
        self._xtst.XTestFakeKeyEvent(self._display, keycode, 0, 0)
        self._x11.XFlush(self._display)

    def close(self) -> None:
        self._x11.XCloseDisplay(self._display)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A virtual X screen for this test; its display name, e.g. ':99'."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is not installed: apt-get install xvfb (CI installs it)")
    read_fd, write_fd = os.pipe()
    width, height = SCREEN_WH
    server = subprocess.Popen(
        [
            binary,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-br",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    # Xvfb writes its display number here once it accepts clients.
    with os.fdopen(read_fd) as numbers:
        number = numbers.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _near(image: ImageBGR, colour: tuple[int, int, int], tolerance: int = 40) -> npt.NDArray[np.bool_]:
    near: npt.NDArray[np.bool_] = np.all(
        np.abs(image.astype(np.int16) - np.array(colour, np.int16)) <= tolerance, axis=2
    )
    return near


def _window_box(shot: ImageBGR) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of what is drawn on the black root window, None if nothing is."""
    lit = shot.max(axis=2) > 12
    rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    if rows.size == 0 or rows[-1] - rows[0] < 100 or cols[-1] - cols[0] < 100:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _wait_for_shot(
    screen: XScreen,
    test: Callable[[ImageBGR], bool],
    timeout_s: float,
    what: str,
    process: subprocess.Popen[str],
) -> ImageBGR:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"posecheck live ended (code {process.returncode}) before {what}:\n{out}\n{err}")
        box = None
        shot = screen.screenshot()
        box = _window_box(shot)
        if box is not None:
            window = shot[box[1] : box[3], box[0] : box[2]]
            if test(window):
                return window
        time.sleep(0.15)
    pytest.fail(f"timed out waiting for {what}")


def _countdown_banner(window: ImageBGR) -> bool:
    # A status banner: the calm accent bar at the left edge of the top panel.
    return bool(_near(window[8:40, 1:6], CALM).mean() > 0.9)


def _hold_running(window: ImageBGR) -> bool:
    height, width = window.shape[:2]
    card = window[height - 180 :, width - 260 :]
    return int(_near(card, GOOD).sum()) > 150


def test_live_window_draws_the_overlay_mirrored_and_quits_on_q(
    xvfb: str, footage_dir: Path, model_path: Path, tmp_path: Path
) -> None:
    clip = footage_dir / HIP_FLEXOR
    env = dict(
        os.environ, DISPLAY=xvfb, POSECHECK_MODEL=str(model_path), XDG_CONFIG_HOME=str(tmp_path / "config")
    )
    env.pop("WAYLAND_DISPLAY", None)
    command = [
        sys.executable,
        "-m",
        "posecheck",
        "live",
        "--source",
        str(clip),
        "--stretch",
        "kneeling-hip-flexor",
        "--countdown",
        "2",
        "--out",
        str(tmp_path / "out"),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    screen = XScreen(xvfb)
    try:
        countdown = _wait_for_shot(screen, _countdown_banner, 60, "the countdown banner", process)
        cv2.imwrite(str(tmp_path / "countdown.png"), countdown)
        # While getting ready, what good form looks like: the reference figure at the top right.
        inset = countdown[80:460, 800:]
        assert int(_near(inset, (90, 200, 40), 30).sum()) > 1500  # its green frame
        assert int(_near(inset, (120, 205, 80), 30).sum()) > 500  # the figure's good-form green
        holding = _wait_for_shot(screen, _hold_running, 30, "a running hold", process)
        cv2.imwrite(str(tmp_path / "holding.png"), holding)
        height, width = holding.shape[:2]
        # The window shows the whole 16:9 picture at its drawn size.
        assert (width, height) == (1280, 720)

        # The skeleton is drawn over the person.
        assert int(_near(holding[150:650, 350:950], CALM, 30).sum()) > 500
        # The status panel (safety note, FPS, keys) darkens the bottom left.
        with av.open(str(clip)) as container:
            frames = container.decode(video=0)
            source = next(f for i, f in enumerate(frames) if i == 400).to_ndarray(format="bgr24")
        reference = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA)
        mirrored_reference = reference[:, ::-1]
        panel = (slice(height - 140, height - 20), slice(20, 400))
        assert holding[panel].mean() < mirrored_reference[panel].mean() - 40
        # Mirrored for display: the picture matches the flipped source, not the source.
        band = slice(height // 7, height * 2 // 3)
        plain = float(np.abs(holding[band].astype(np.int16) - reference[band]).mean())
        mirrored = float(np.abs(holding[band].astype(np.int16) - mirrored_reference[band]).mean())
        assert mirrored < 0.6 * plain, (mirrored, plain)

        screen.press("q", (width // 2, height // 2))
        out, err = process.communicate(timeout=30)
    finally:
        screen.close()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "QFontDatabase" not in err and "font directory" not in err, err  # Qt found its fonts
    assert "stretching is not for everyone" in out
    assert "Kneeling hip flexor stretch - fitbod_kneeling-hip-flexor.mp4" in out
    assert "Right: held" in out and "Verdict:" in out
    assert (tmp_path / "out" / "fitbod_kneeling-hip-flexor.live.kneeling-hip-flexor.summary.json").is_file()
    print(f"screenshots: {tmp_path / 'countdown.png'} {tmp_path / 'holding.png'}")
