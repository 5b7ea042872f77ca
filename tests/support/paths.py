"""Where things are: the repository, and the real pose model and footage in ../shared beside it."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
SPECS_DIR = REPO_DIR / "stretch_specs"
SAMPLES_DIR = REPO_DIR / "samples"
SHARED_DIR = Path(os.environ.get("POSECHECK_SHARED_DIR", REPO_DIR.parent / "shared"))
MODEL_PATH = SHARED_DIR / "models" / "pose_landmarker_full.task"
FOOTAGE_DIR = SHARED_DIR / "data" / "footage"
