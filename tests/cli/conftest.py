"""Helpers for the command-line tests: click's runner and small user CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from deeprecipe.cli import cli


class Invoke:
    """``invoke("train", "--epochs", "5")`` -> click's Result (stdout and stderr apart)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    def json(self, *args: str):
        result = self(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def invoke() -> Invoke:
    return Invoke()


def write_csv(path: Path, header: list[str], rows) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def user_csv(tmp_path_factory) -> dict[str, Path]:
    """A user's table: two numeric features, a text feature, a text label ("yes"/"no");
    plus new rows without the label, and labelled rows for scoring."""
    rng = np.random.default_rng(0)
    m = 300
    x1, x2 = rng.normal(size=m), rng.normal(size=m) * 10 + 50
    colour = rng.choice(["red", "green"], size=m)
    label = np.where(x1 + (x2 - 50) / 10 + (colour == "red") > 0.5, "yes", "no")
    folder = tmp_path_factory.mktemp("user")
    rows = list(zip(x1.round(4), x2.round(3), colour, label))
    return {
        "train": write_csv(folder / "train.csv", ["x1", "x2", "colour", "label"], rows),
        "new": write_csv(folder / "new.csv", ["x1", "x2", "colour"], [r[:3] for r in rows[:10]]),
        "scored": write_csv(folder / "scored.csv", ["x1", "x2", "colour", "label"], rows[:50]),
        "folder": folder,
    }
