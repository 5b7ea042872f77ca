"""Procedural poses: a kinematic skeleton posed by joint angles, filmed by a pinhole camera.

body      segment lengths from height; named joint angles -> 33 landmarks in 3D
camera    a level pinhole camera; the noise-free pose a model would report
noise     jitter, slow drift, dropouts, uneven frame times (one seeded Generator)
script    phases over time rendered to frames, each with its ground truth
presets   stretches done well and badly, judged as intended by the bundled specs
samples   the recordings in samples/, and the command that regenerates them

numpy only; the same seed gives the same frames.
"""

from posecheck.synth.body import ArmAngles, BodyAngles, BodyProportions, LegAngles
from posecheck.synth.camera import Camera
from posecheck.synth.noise import Noise
from posecheck.synth.script import Scene, Script, ScriptPhase, SynthClip, SynthFrame, render

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
