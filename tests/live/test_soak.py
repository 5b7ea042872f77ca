"""A shortened soak of the live path (bench/soak.py runs the full hour): a looped recording,
the timer never drifts between loops and memory does not grow with the frames."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("posecheck_bench_soak", REPO / "bench" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_three_minutes_of_a_looped_recording(tmp_path: Path) -> None:
    soak = _soak_module()
    report = soak.run_soak(soak.DEFAULT_RECORDING, minutes=3.0, out_dir=tmp_path)
    for line in report.lines():
        print(line)
    assert report.loops >= 4
    assert report.frames == report.loops * 1128
    # Same poses, same intervals: every loop gains the same hold time (to float rounding).
    assert report.gained_per_loop_s[0] > 30.0
    assert report.max_drift_ms < 1.0
    # Frames are not kept: 3 minutes of 640x360 pictures would be gigabytes.
    assert report.rss_growth_mb < 40.0
    assert (tmp_path / "soak.kneeling-hip-flexor.frames.csv").stat().st_size > 100_000
