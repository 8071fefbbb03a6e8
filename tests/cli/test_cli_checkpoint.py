"""deeprecipe train --checkpoint-every N / --resume: an interrupted run resumes bit for bit."""

from __future__ import annotations

from click.testing import CliRunner

from deeprecipe.cli import main  # noqa: F401  (registers the commands)
from deeprecipe.cli.app import cli
from deeprecipe.io import load_model

BASE = ["train", "--layers", "8,3", "--seed", "1", "--quiet"]


def _train(*args: str):
    result = CliRunner().invoke(cli, [*BASE, *args])
    assert result.exit_code == 0, result.output
    return result


def test_resumed_training_equals_an_uninterrupted_one(tmp_path):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    _train("--epochs", "60", "--out", str(whole))
    # "killed" after 25 epochs: the checkpoint holds epoch 20
    _train("--epochs", "25", "--checkpoint-every", "10", "--out", str(parts))
    _train("--epochs", "60", "--checkpoint-every", "10", "--out", str(parts), "--resume")
    a = load_model(whole / "model.safetensors").network.theta
    b = load_model(parts / "model.safetensors").network.theta
    assert a.tobytes() == b.tobytes()


def test_resume_without_a_checkpoint_is_refused_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(
        cli, [*BASE, "--epochs", "5", "--out", str(tmp_path / "x"), "--resume"]
    )
    assert result.exit_code == 2
    assert "no checkpoint" in result.output
    assert not (tmp_path / "x").exists()


def test_resume_with_another_network_is_refused(tmp_path):
    _train("--epochs", "5", "--checkpoint-every", "5", "--out", str(tmp_path))
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "--layers",
            "9",
            "--seed",
            "1",
            "--epochs",
            "9",
            "--out",
            str(tmp_path),
            "--resume",
        ],
    )
    assert result.exit_code == 2
    assert "--layers is [9]" in result.output  # named by the recorded settings


def test_resume_with_another_split_or_optimizer_is_refused(tmp_path):
    """A different --seed re-splits the data: the checkpoint's training rows could land in the
    new test set and its test error would lie. Each such option is named; epochs may grow."""
    _train("--epochs", "20", "--checkpoint-every", "10", "--out", str(tmp_path))
    for option, value in (("--seed", "5"), ("--test", "0.5"), ("--learning-rate", "0.5"),
                          ("--optimizer", "momentum")):  # fmt: skip
        args = [a for a in BASE if a != "1"] if option == "--seed" else list(BASE)
        if option == "--seed":
            args.remove("--seed")
        result = CliRunner().invoke(cli, [*args, option, value, "--epochs", "40",
                                          "--out", str(tmp_path), "--resume"])  # fmt: skip
        assert result.exit_code == 2, (option, result.output)
        assert option in result.output and "the checkpoint was trained with" in result.output
    result = CliRunner().invoke(cli, [*BASE, "--epochs", "5", "--out", str(tmp_path), "--resume"])
    assert result.exit_code == 2 and "below the 20 epochs" in result.output
    _train("--epochs", "40", "--out", str(tmp_path), "--resume")
