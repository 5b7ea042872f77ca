"""The console entry: after `main` it joins threads, runs atexit handlers, flushes, and exits at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.paths import REPO_DIR

SAMPLE = REPO_DIR / "samples" / "kneeling-hip-flexor_good.pose.jsonl.gz"


def _entry(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )


def test_exit_hooks_and_threads_still_run_and_output_is_flushed(tmp_path: Path) -> None:
    code = (
        "import atexit, sys, threading, time\n"
        "atexit.register(print, 'atexit ran')\n"
        # A worker still running when main returns (listing takes well under 3 s) is waited for.
        "threading.Thread(target=lambda: (time.sleep(3.0), print('thread done'))).start()\n"
        "sys.argv = ['posecheck', 'specs', 'list']\n"
        "from posecheck.cli import run\n"
        "run()\n"
    )
    done = _entry(code, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("kneeling-hip-flexor" in line for line in lines)
    assert lines[-2:] == ["thread done", "atexit ran"]


def test_the_exit_code_is_the_commands(tmp_path: Path) -> None:
    done = _entry(
        "import sys\nsys.argv = ['posecheck', 'analyze', 'missing.mp4', '--stretch', 'kneeling-hip-flexor']\n"
        "from posecheck.cli import run\nrun()\n",
        tmp_path,
    )
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "missing.mp4" in done.stderr


def test_an_analysis_leaves_complete_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "posecheck",
            "analyze",
            str(SAMPLE),
            "--stretch",
            "kneeling-hip-flexor",
            "-q",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "kneeling-hip-flexor_good.summary.json").read_text())
    assert summary["complete"] is True
    assert (out / "kneeling-hip-flexor_good.report.html").read_text().rstrip().endswith("</html>")
    assert (out / "kneeling-hip-flexor_good.timeline.png").read_bytes()[-8:-4] == b"IEND"
