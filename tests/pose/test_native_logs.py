"""MediaPipe's native INFO/WARNING lines are kept off a command's stderr; everything else passes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from posecheck.pose.native_logs import is_native_log_line

ABSL_EARLY = (
    b"W0000 00:00:1796298927.207538   31766 landmark_projection_calculator.cc:81] Using NORM_RECT "
    b"without IMAGE_DIMENSIONS is only supported for the square ROI.\n"
)


@pytest.mark.parametrize(
    "line",
    [
        ABSL_EARLY,
        b"I0000 00:00:1733912345.123456    1234 gl_context.cc:357] GL version: 3.2\n",
        b"W1203 11:16:41.123456 4242 inference_runner.cc:1433] Input tensor memory is not aligned\n",
        b"WARNING: Logging before InitGoogle() is written to STDERR\n",
        b"INFO: [environment.cc:36] Creating LiteRT environment with options\n",
        b"WARNING: [model_load.cc:402] Sparsity tensors may not yet be fully supported.\n",
    ],
)
def test_native_info_and_warning_lines_are_recognised(line: bytes) -> None:
    assert is_native_log_line(line)


@pytest.mark.parametrize(
    "line",
    [
        b"E0000 00:00:1796298927.207538   31766 calculator_graph.cc:887] INTERNAL: graph failed\n",
        b"F0000 00:00:1796298927.207538   31766 check.cc:1] Check failed\n",
        b"posecheck: error: Input nothere.mp4 not found: check the path and try again.\n",
        b"WARNING: the timestamps of clip.mp4 start again 1 time(s); the timeline continues\n",
        b"Warm-up 10%|#         | 4/40\r",
    ],
)
def test_errors_and_posechecks_own_lines_are_not(line: bytes) -> None:
    assert not is_native_log_line(line)


def test_the_filter_drops_native_lines_and_passes_the_rest_in_order() -> None:
    script = textwrap.dedent(
        f"""
        import os
        from posecheck.pose.native_logs import NativeLogFilter
        logs = NativeLogFilter()
        assert logs.install()
        os.write(2, b"first\\n")
        # Native loggers write a line in pieces: prefix, message, newline.
        line = {ABSL_EARLY!r}
        os.write(2, line[:40]); os.write(2, line[40:-1]); os.write(2, b"\\n")
        os.write(2, b"progress 50%\\r")
        os.write(2, b"INFO: [environment.cc:36] Creating LiteRT environment\\n")
        os.write(2, b"E0000 00:00:1.5 7 graph.cc:1] a real error\\n")
        os.write(2, b"last, no newline")
        logs.uninstall()
        os.write(2, b"|after")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        b"first\nprogress 50%\rE0000 00:00:1.5 7 graph.cc:1] a real error\nlast, no newline|after"
    )


def test_a_helper_process_holding_stderr_does_not_hold_up_the_exit() -> None:
    # A worker pool's resource tracker outlives the command with fd 2 inherited: the pipe
    # never ends while it lives, and the command must not wait for it.
    script = textwrap.dedent(
        """
        import os, subprocess, sys, time
        from posecheck.pose.native_logs import NativeLogFilter
        logs = NativeLogFilter()
        assert logs.install()
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(20)"])
        os.write(2, b"before\\n")
        started = time.monotonic()
        logs.uninstall()
        took_s = time.monotonic() - started
        helper.kill()
        print(f"{took_s:.3f}")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "before\n"
    assert float(done.stdout) < 1.0
