"""Procedural poses: a kinematic skeleton posed by joint angles, filmed by a pinhole camera.

body      segment lengths from height; named joint angles -> 33 landmarks in 3D
camera    a level pinhole camera; the noise-free pose a model would report
noise     jitter, slow drift, dropouts, uneven frame times (one seeded Generator)
script    phases over time rendered to frames, each with its ground truth
presets   stretches done well and badly, judged as intended by the bundled specs
samples   the recordings in samples/, and the command that regenerates them

numpy only; the same seed gives the same frames.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posecheck.synth.body import ArmAngles, BodyAngles, BodyProportions, LegAngles
    from posecheck.synth.camera import Camera
    from posecheck.synth.noise import Noise
    from posecheck.synth.script import Scene, Script, ScriptPhase, SynthClip, SynthFrame, render

# The module of each name, imported on first use: the report's reference figures need only
# body and camera, and an analysis should not load the scripting and noise modules too.
_MODULE_OF = {
    "ArmAngles": "body",
    "BodyAngles": "body",
    "BodyProportions": "body",
    "LegAngles": "body",
    "Camera": "camera",
    "Noise": "noise",
    "Scene": "script",
    "Script": "script",
    "ScriptPhase": "script",
    "SynthClip": "script",
    "SynthFrame": "script",
    "render": "script",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)


__all__ = [
    "ArmAngles",
    "BodyAngles",
    "BodyProportions",
    "Camera",
    "LegAngles",
    "Noise",
    "Scene",
    "Script",
    "ScriptPhase",
    "SynthClip",
    "SynthFrame",
    "render",
]
