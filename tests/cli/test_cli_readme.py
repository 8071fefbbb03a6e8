"""The README's walkthrough, command by command, through the real console script."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def readme_commands() -> list[str]:
    """Every ``$ deeprecipe ...`` line of the README's ``console`` blocks, in order."""
    blocks = re.findall(r"```console\n(.*?)```", README.read_text(), re.S)
    return [
        line[2:].strip() for block in blocks for line in block.splitlines() if line.startswith("$ ")
    ]


def console_script() -> Path:
    script = Path(sys.executable).parent / "deeprecipe"
    if not script.exists():
        pytest.skip(f"the console script is not installed beside {sys.executable}")
    return script


def test_the_readme_opens_with_the_two_setup_commands():
    lines = README.read_text().splitlines()
    assert lines[0] == "# deeprecipe"
    commands = [line.split("#")[0].strip() for line in lines[1:6] if line.startswith("    ")]
    assert commands == ["make run", "make test"]


def test_the_walkthrough_covers_run_train_gradcheck_predict():
    used = [command.split()[1] for command in readme_commands()]
    assert all(command.startswith("deeprecipe ") for command in readme_commands())
    for name in ("run", "train", "gradcheck", "predict"):
        assert name in used
    assert used.index("datasets") < used.index("run") < used.index("predict")


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path):
    script = console_script()
    env = {**os.environ, "COLUMNS": "120"}
    for command in readme_commands():
        argv = [str(script), *shlex.split(command)[1:]]
        done = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
    assert (tmp_path / "runs" / "moons" / "report.html").exists()
    predictions = (tmp_path / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "prediction,proba_0,proba_1" and len(predictions) == 1001
    # the real file: text columns and NA cells, imputed, every penguin predicted
    assert (tmp_path / "runs" / "penguins" / "report.html").exists()
    penguins = (tmp_path / "penguin-predictions.csv").read_text().splitlines()
    assert penguins[0] == "prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo"
    assert len(penguins) == 345 and all(line.split(",")[0] for line in penguins[1:])


def test_the_console_script_reports_errors_in_one_line(tmp_path):
    script = console_script()
    done = subprocess.run(
        [str(script), "predict", "--model", "missing.safetensors", "--data", "x.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: model file missing.safetensors does not exist"
    ]
    assert done.stdout == ""
