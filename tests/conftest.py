"""Fixtures shared by every room's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI draws the same property-test examples on every run (a red build is then reproducible and
# never a new draw's luck); a developer's runs keep drawing fresh ones, which is how bugs are found.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
#: the course's datasets, beside the repository (absent in a user's fresh clone)
DLS_DIR = REPO.parent / "shared" / "datasets" / "dls"


@pytest.fixture(scope="session")
def dls_dir() -> Path:
    """The folder of the course's data files; skips the test when it is not there."""
    if not (DLS_DIR / "data.mat").exists():
        pytest.skip(f"the course's datasets are not at {DLS_DIR} (they sit beside the repo in CI)")
    return DLS_DIR


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the float64 gradient oracle; skips when it is not installed."""
    return pytest.importorskip(
        "torch", reason="PyTorch is the gradient oracle: pip install torch==2.13.0 (make test does)"
    )
