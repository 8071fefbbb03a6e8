"""Every error reaches the user as one line on stderr with exit code 2, never a traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.cli import cli


def _one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("Warning:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("Error: ")
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["predict", "--model", "no/such/model.safetensors", "--data", "x.csv"],
            ["does not exist"],
        ),
        (["train", "--keep-prob", "1.5"], ["--keep-prob", "1.5"]),
        # a new-user trial: the recipe split a test set off the training rows, unsaid
        (["run", "--test", "0"], ["the test set is empty", "--test above 0"]),
        (["train", "--keep-prob", "0"], ["--keep-prob"]),
        (["train", "--epochs", "0"], ["--epochs"]),
        (["train", "--layers", "20,x"], ["--layers"]),
        (["train", "--learning-rate", "-1"], ["--learning-rate"]),
        (["train", "--dev", "1.5"], ["--dev"]),
        (["train", "--dataset", "nope"], ["nope", "accepted"]),
        (["train", "--dataset", "iris", "--data", "x.csv"], ["not both"]),
        (["train", "--data", "missing.csv", "--target", "y"], ["missing.csv"]),
        (["diagnose", "--train-error", "0.1"], ["--dev-error"]),
        (["diagnose", "--train-error", "2", "--dev-error", "0.1"], ["--train-error"]),
        (["train", "--no-such-option"], ["--no-such-option"]),
        # click keeps the last of repeated options: Weight would have been a feature
        (
            ["run", "--data", "x.csv", "--target", "Weight", "--target", "Waist"],
            ["--target", "given 2 times (Weight, Waist)", "one target column"],
        ),
        (["no-such-command"], ["no-such-command"]),
        (["gradcheck", "--mode", "fast"], ["--mode"]),
        (["gradcheck", "--model", "m.safetensors", "--layers", "5"], ["--layers", "--model"]),
        (["run", "--budget", "0"], ["--budget", "at least 1"]),
        (["run", "data.csv", "--target", "y"], ["goes after --data: --data data.csv"]),
        (["train", "a", "b"], ["unexpected extra arguments (a b)", "--help"]),
        (["run", "--budget", "5 minutes"], ["--budget"]),
        (["run", "--jobs", "0"], ["--jobs"]),
        (["train", "--threads", "0"], ["--threads", "accepted: -1 (every core) or >= 1"]),
        (["train", "--threads", "-2"], ["--threads", "-2 is not accepted"]),
    ],
)
def test_user_errors_are_one_line_and_exit_2(invoke, args, needles):
    _one_line_error(invoke(*args), *needles)


def test_a_bad_target_column_names_the_column_and_the_choices(invoke, user_csv, tmp_path):
    result = invoke(
        "train",
        "--data",
        user_csv["train"],
        "--target",
        "labels",
        "--epochs",
        "1",
        "--out",
        tmp_path,
    )
    line = _one_line_error(result, "'labels'")
    assert "'label'" in line  # the accepted columns are listed


def test_data_without_target_is_refused(invoke, user_csv):
    _one_line_error(invoke("train", "--data", user_csv["train"]), "--target")


def test_predict_refuses_a_file_with_other_columns(invoke, user_csv, tmp_path):
    invoke(
        "train",
        "--data",
        user_csv["train"],
        "--target",
        "label",
        "--epochs",
        "2",
        "--out",
        tmp_path,
        "--quiet",
    )
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    result = invoke("predict", "--model", tmp_path / "model.safetensors", "--data", other)
    _one_line_error(result, "lacks column")


def test_a_damaged_model_file_is_one_line(invoke, tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"not a model at all")
    _one_line_error(invoke("predict", "--model", bad, "--data", bad), "not a deeprecipe model")


def test_an_unexpected_exception_is_still_one_line(monkeypatch, invoke):
    import deeprecipe.diagnose

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(deeprecipe.diagnose, "diagnose", boom)
    monkeypatch.delenv("DEEPRECIPE_TRACEBACK", raising=False)
    result = invoke("diagnose", "--train-error", "0.1", "--dev-error", "0.2")
    _one_line_error(result, "RuntimeError", "kaboom second line", "DEEPRECIPE_TRACEBACK")


def test_help_is_not_an_error(invoke):
    result = invoke("--help")
    assert result.exit_code == 0 and "deeprecipe run" in result.stdout


def test_every_command_and_option_has_help_and_examples():
    for name, command in cli.commands.items():
        assert command.help and "Examples" in command.help, name
        for param in command.params:
            if param.param_type_name == "option" and param.name not in ("help",):
                assert param.help, f"{name} {param.opts} has no help text"


def test_ctrl_c_is_aborted_with_exit_130(monkeypatch, invoke):
    import deeprecipe.diagnose

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(deeprecipe.diagnose, "diagnose", interrupted)
    result = invoke("diagnose", "--train-error", "0.1", "--dev-error", "0.2")
    assert result.exit_code == 130
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Interrupted.") and "resumes" in lines[0]


def test_no_command_prints_the_help(invoke):
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ") and "Commands:" in result.stdout
    assert not result.stderr


def test_empty_layer_sizes_are_refused(invoke):
    result = invoke("train", "--layers", "20,,3")
    assert result.exit_code == 2 and "--layers" in result.stderr and "20,,3" in result.stderr


def test_library_errors_name_the_command_line_option(invoke):
    result = invoke("train", "--learning-rate", "nan", "--epochs", "1")
    assert result.exit_code == 2
    assert "--learning-rate nan" in result.stderr and "learning_rate=" not in result.stderr


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("deeprecipe, version ")


def test_a_date_column_is_refused_in_command_line_words(tmp_path):
    from click.testing import CliRunner

    rows = "\n".join(f"2012/01/{d % 28 + 1:02d},{d},{d % 2}" for d in range(28))
    path = tmp_path / "weather.csv"
    path.write_text("date,x,y\n" + rows + "\n")
    args = ["train", "--data", str(path), "--target", "y", "--out", str(tmp_path / "m")]
    error = _one_line_error(CliRunner().invoke(cli, args), "which read as dates", "--drop date")
    assert "(year, month, day of year, weekday" in error and "drop=" not in error


def test_a_refused_columns_hint_keeps_python_for_python_and_quotes_for_the_shell(invoke, tmp_path):
    """The CLI turned "drop=['Country Name'] in load_file" into "--drop 'Country Name' in
    load_file" (Python's way is left out on the command line), and printed "--drop Country
    Name" unquoted for the shell."""
    path = tmp_path / "t.csv"
    path.write_text("Country Name,x,y\n" + "".join(f"id {i},{i % 7},{i % 3}\n" for i in range(60)))
    result = invoke("run", "--data", path, "--target", "y", "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "--drop 'Country Name' on the command line" in result.stderr
    assert "in load_file" not in result.stderr and "drop=" not in result.stderr


def test_a_copy_of_the_target_among_the_columns_is_refused(invoke, tmp_path):
    """A column equal to the target in every row (a leak) trained to a test error near 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=120)
    path = tmp_path / "leak.csv"
    np.savetxt(path, np.c_[X, y, y], delimiter=",", header="a,b,c,y,y_again", comments="")
    result = invoke("train", "--data", path, "--target", "y", "--epochs", "1", "--out", tmp_path)
    _one_line_error(result, "column 'y_again' of leak.csv equals the target 'y'", "--drop y_again")


def test_categories_names_number_codes_and_an_unknown_column_is_refused(invoke, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("occ,x,y\n" + "".join(f"{k % 3 + 1},{k / 10},{k / 7}\n" for k in range(60)))
    args = ("train", "--data", path, "--target", "y", "--epochs", "1")
    assert invoke(*args, "--categories", "occ", "--out", tmp_path / "a").exit_code == 0
    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert saved["data"]["n_features"] == 4  # occ=1, occ=2, occ=3 and x
    _one_line_error(invoke(*args, "--categories", "nope", "--out", tmp_path / "b"),
                    "--categories nope: not in o.csv")  # fmt: skip
