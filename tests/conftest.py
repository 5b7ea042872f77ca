"""Shared fixtures: the real pose model and real footage live in ../shared beside the checkout.

They are never skipped: CI always has them, so a missing file is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import FOOTAGE_DIR, MODEL_PATH, SPECS_DIR


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"required test asset is missing: {path} (CI provides ../shared beside the checkout)")
    return path


@pytest.fixture(scope="session")
def model_path() -> Path:
    return _require(MODEL_PATH)


@pytest.fixture(scope="session")
def footage_dir() -> Path:
    return _require(FOOTAGE_DIR)


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return _require(SPECS_DIR)
