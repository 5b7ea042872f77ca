"""What mediapipe imports for features pose landmarking never uses is loaded only on use."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

from posecheck.pose.deferred import deferred

REPORT_MODULES = """
import json, sys
import posecheck.pose.detector
drawing = sys.modules["mediapipe.tasks.python.vision.drawing_utils"]
report = {"after_import": sorted(m for m in ("matplotlib.pyplot", "sounddevice") if m in sys.modules)}
figure = drawing.plt.figure  # mediapipe's own 3D plot helper reaches the real pyplot
report["after_use"] = sorted(m for m in ("matplotlib.pyplot",) if m in sys.modules)
report["real"] = figure.__module__
import matplotlib.pyplot
report["same"] = matplotlib.pyplot.figure is figure
print(json.dumps(report))
"""


def test_importing_the_detector_skips_pyplot_and_sounddevice() -> None:
    result = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES], capture_output=True, text=True, timeout=120, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["after_import"] == []
    assert report["after_use"] == ["matplotlib.pyplot"]
    assert report["real"] == "matplotlib.pyplot"
    assert report["same"] is True


def test_a_stand_in_leaves_sys_modules_after_the_block() -> None:
    name = "posecheck_test_never_loaded_module"
    with deferred((name,)):
        stand_in = __import__(name)
        assert sys.modules[name] is stand_in
    assert name not in sys.modules
    # Read later, it loads the real module: here there is none, so the import error surfaces.
    with pytest.raises(ModuleNotFoundError):
        _ = stand_in.anything


def test_a_module_already_loaded_is_left_alone() -> None:
    already = types.ModuleType("posecheck_test_already_loaded")
    sys.modules[already.__name__] = already
    try:
        with deferred((already.__name__,)):
            assert sys.modules[already.__name__] is already
        assert sys.modules[already.__name__] is already
    finally:
        del sys.modules[already.__name__]


def test_a_stand_in_read_inside_the_block_loads_the_real_module() -> None:
    name = "colorsys"
    sys.modules.pop(name, None)
    with deferred((name,)):
        stand_in = __import__(name)
        assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
        assert type(sys.modules[name]) is types.ModuleType  # the real one took its place
