"""Shared fixtures: the real pose model and real footage live in ../shared beside the checkout.

They are never skipped: CI always has them, so a missing file is a failure.
"""

from __future__ import annotations

import os
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


# Property tests: a CI-sized default; HYPOTHESIS_PROFILE=deep for a long local run.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # only the dev extra installs it
    pass
else:
    _slow_ok = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=_slow_ok)
    _deep_examples = int(os.environ.get("POSECHECK_FUZZ_EXAMPLES", "20000"))
    settings.register_profile(
        "deep", max_examples=_deep_examples, deadline=None, suppress_health_check=_slow_ok
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True, scope="session")
def _own_history(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Runs under test add their sessions to a history of the test run, never the user's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSECHECK_HISTORY", str(tmp_path_factory.mktemp("history") / "history.sqlite3"))
        yield
