"""The codebase stays ruff clean: the rules in pyproject.toml, checked in the suite CI runs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip(
            "ruff is not installed (it comes with the test extras: pip install -e '.[test]')"
        )
    result = subprocess.run(
        [ruff, "check", "--no-cache", "src", "tests", "benchmarks", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_formatter_owns_the_layout():
    """``ruff format`` decides the layout; ``# fmt: skip`` is kept for genuine tables."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip(
            "ruff is not installed (it comes with the test extras: pip install -e '.[test]')"
        )
    result = subprocess.run(
        [ruff, "format", "--check", "--no-cache", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "run: ruff format src tests benchmarks\n" + result.stdout
