"""``deeprecipe run`` end to end on a tiny budget: summary, report, model, resume."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from deeprecipe.report.build import SECTIONS

TINY = ["--dataset", "moons", "--budget", "3", "--epochs", "20", "--jobs", "1", "--seed", "3"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from click.testing import CliRunner

    from deeprecipe.cli import cli

    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(cli, ["run", *TINY, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out, result


def _paragraph(text: str, start: str) -> str:
    """The paragraph of ``text`` that starts with ``start``, its wrapped lines joined."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next((i for i in range(first + 1, len(lines)) if not lines[i].startswith(" ") and
                (not lines[i] or lines[i][0].isupper())), len(lines))  # fmt: skip
    return " ".join(line.strip() for line in lines[first:end])


def test_run_ends_with_the_summary_table_and_the_report_path(tiny_run):
    out, result = tiny_run
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == f"Report: {out / 'report.html'}"
    assert "moons: errors (error rate)" in result.stdout
    assert "Recipe steps" in result.stdout and "baseline" in result.stdout
    assert "gradient check at initialization" in result.stderr  # progress lines on stderr
    chosen = _paragraph(result.stdout, "Chosen network")
    assert ", full batch, " in chosen  # the batch size is part of what was chosen
    # the run's bar keeps its budget of 3 trainings as total and shows no time left at the end
    (bar,) = [line for line in result.stderr.splitlines() if line.startswith("trainings ")]
    assert "/3 " in bar and "left" not in bar


def test_the_batch_size_shows_in_the_chosen_line_and_the_report(invoke, tmp_path):
    out = tmp_path / "b32"
    shown = invoke("run", *TINY, "--batch-size", "32", "--out", out).stdout
    assert ", batch 32, 20 epochs" in _paragraph(shown, "Chosen network")
    assert "batch 32" in (out / "report.html").read_text()


def test_run_writes_report_pngs_results_and_model(tiny_run):
    out, _ = tiny_run
    html = (out / "report.html").read_text()
    for sid, _title in SECTIONS:
        assert f'<section id="{sid}">' in html
    assert "<script" not in html
    images = re.findall(
        r'<img src="data:image/png;base64,[^"]+" alt="[^"]*" data-name="(\w+)"', html
    )
    assert "decision_boundary" in images and "cost_curves" in images
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(images)
    results = json.loads((out / "results.json").read_text())
    recipe = results["recipe"]
    assert recipe["trainings"]["total"] <= 3
    assert set(results["errors"]["chosen"]) == {"train", "dev", "test"}
    assert len(recipe["test_access"]) == 1  # the test set was read once, at the very end
    assert (out / "model.safetensors").exists()


def test_the_chosen_model_predicts_raw_rows(tiny_run, invoke, tmp_path):
    out, _ = tiny_run
    rows = tmp_path / "points.csv"
    rows.write_text("x1,x2,target\n-1.0,0.2,0\n2.0,0.0,1\n0.5,-0.3,1\n")
    report = invoke.json("predict", "--model", out / "model.safetensors", "--data", rows)
    assert len(report["predictions"]) == 3
    assert report["metrics"]["examples"] == 3


def test_a_second_run_in_the_same_folder_reuses_every_trial(tiny_run, invoke):
    out, _ = tiny_run
    again = invoke.json("run", *TINY, "--out", out)
    assert again["trainings"]["reused"] == again["trainings"]["total"] > 0
    assert again["trainings"]["trained"] == 0


def test_run_on_a_user_csv_with_a_fixed_test_file(invoke, user_csv, tmp_path):
    summary = invoke.json(
        "run",
        "--data",
        user_csv["train"],
        "--target",
        "label",
        "--test-data",
        user_csv["scored"],
        "--budget",
        "1",
        "--epochs",
        "5",
        "--jobs",
        "1",
        "--out",
        tmp_path,
    )
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["recipe"]["data"]["n_test"] == 50  # the given file, not a split of --data
    assert results["recipe"]["data"]["n_train"] + results["recipe"]["data"]["n_dev"] == 300
    assert summary["errors"]["final"]["test"] is not None
    html = (tmp_path / "report.html").read_text()
    assert "the data is not 2-D" in html  # 4 features: no decision boundary, said so
    from deeprecipe.io import load_model

    assert sorted(load_model(tmp_path / "model.safetensors").classes) == ["no", "yes"]


@pytest.mark.parametrize(
    ("given", "expected"), [([], 0.06), (["--bayes-error", "0.01"], 0.01)], ids=["known", "given"]
)
def test_run_on_football_uses_its_known_bayes_error_unless_given(invoke, tmp_path, given, expected):
    """football's labels are flipped at 6% by construction, so the recipe diagnoses against
    6% rather than an assumed 0 (which would call a perfect model's 6% train error bias)."""
    out = tmp_path / "run"
    args = ["run", "--dataset", "football", "--budget", "1", "--epochs", "5", "--jobs", "1"]
    result = invoke(*args, *given, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert ("labels are flipped at that rate" in result.stderr) == (not given)
    results = json.loads((out / "results.json").read_text())
    assert results["bayes_error"] == expected


def test_run_shows_the_reference_models_in_json_results_and_report(invoke, user_csv, tmp_path):
    """The references are fitted in every run and appear in --json, results.json, the summary
    table and the report, each with its test error from the run's single test read."""
    args = ["run", "--data", user_csv["train"], "--target", "label", "--budget", "1",
            "--epochs", "5", "--jobs", "1", "--out", tmp_path]  # fmt: skip
    summary = invoke.json(*args)
    kinds = [r["kind"] for r in summary["references"]]
    assert kinds == ["trivial", "linear", "boosting"]
    assert all(r["test_error"] is not None for r in summary["references"])
    assert summary["achievable"]["upper"]["value"] == min(
        r["dev_error"] for r in summary["references"]
    )
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["kind"] for r in results["recipe"]["references"]] == kinds
    html = (tmp_path / "report.html").read_text()
    assert "reference: logistic regression" in html and "reference: majority class" in html
    table = invoke(*args).stdout
    assert "reference: gradient boosting" in table and "achievable error: at most" in table


def test_run_gives_the_boosting_reference_a_files_text_column_as_one_category(
    invoke, user_csv, tmp_path, monkeypatch
):
    """The file is encoded before the recipe sees it: its schema goes along, so boosting reads
    the one-hot columns of colour as one categorical feature, as a practitioner would."""
    from deeprecipe.recipe import yardsticks

    fit_references, fitted = yardsticks.fit_references, []

    def keep_model(run):
        fit_references(run)
        fitted.append(run.reference_models["boosting"])

    monkeypatch.setattr(yardsticks, "fit_references", keep_model)
    invoke.json("run", "--data", user_csv["train"], "--target", "label", "--budget", "1",
                "--epochs", "5", "--jobs", "1", "--out", tmp_path)  # fmt: skip
    assert fitted[0][-1].is_categorical_.tolist() == [False, False, True]  # x1, x2, colour


def test_run_halves_a_test_file_whose_labels_differ_into_dev_and_test(invoke, tmp_path):
    """The course's cat images in miniature: the training file is mostly one class, the test
    file mostly the other. run makes dev and test the halves of the test file (the lecture's
    rule), says so, and --dev-from train keeps dev in the training file."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] > 0.8).astype(int)  # about 20% ones
    X_test = rng.normal(size=(300, 3))
    y_test = (X_test[:, 0] > 0.8).astype(int)
    keep = np.r_[np.flatnonzero(y_test == 1), np.flatnonzero(y_test == 0)[:20]]  # mostly ones
    np.savez(tmp_path / "train.npz", X=X, y=y)
    np.savez(tmp_path / "test.npz", X=X_test[keep], y=y_test[keep])
    args = ["run", "--data", tmp_path / "train.npz", "--test-data", tmp_path / "test.npz",
            "--budget", "2", "--epochs", "5", "--jobs", "1"]  # fmt: skip
    result = invoke(*args, "--out", tmp_path / "auto")
    assert result.exit_code == 0, result.stderr
    assert "the dev set is half of the test data" in " ".join(result.stderr.split())  # wrapped
    data = json.loads((tmp_path / "auto" / "results.json").read_text())["recipe"]["data"]
    assert data["n_train"] == 400 and data["n_dev"] + data["n_test"] == len(keep)
    # split.json: each part's file and rows; dev and test are the test file's two halves
    parts = json.loads((tmp_path / "auto" / "split.json").read_text())
    assert parts["train"]["file"] == str((tmp_path / "train.npz").resolve())  # absolute
    assert sorted(parts["train"]["rows"]) == list(range(400))  # in the order they train in
    assert parts["dev"]["file"] == parts["test"]["file"] == str((tmp_path / "test.npz").resolve())
    halves = parts["dev"]["rows"] + parts["test"]["rows"]
    assert sorted(halves) == list(range(len(keep))) and len(parts["dev"]["rows"]) == data["n_dev"]
    kept = invoke(*args, "--dev-from", "train", "--out", tmp_path / "train")
    assert kept.exit_code == 0, kept.stderr
    data = json.loads((tmp_path / "train" / "results.json").read_text())["recipe"]["data"]
    assert data["n_test"] == len(keep) and data["n_train"] + data["n_dev"] == 400
    assert "shuffle the files together" in " ".join((kept.stdout + kept.stderr).split())


def test_run_says_loudly_in_the_summary_json_and_report_when_the_network_is_no_better_than_trivial(
    invoke, tmp_path
):
    """Pure-noise features, 75% of one label: nothing beats the majority class, and every place
    the run reports to says so with the test behind the finding."""
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(240, 3)).round(4), np.where(rng.random(240) < 0.75, "a", "b")
    data = tmp_path / "noise.csv"
    data.write_text(
        "x1,x2,x3,label\n" + "".join(f"{a},{b},{c},{y}\n" for (a, b, c), y in zip(X, labels))
    )
    args = ["run", "--data", data, "--target", "label", "--budget", "1", "--epochs", "5",
            "--jobs", "1", "--seed", "0", "--out", tmp_path / "out"]  # fmt: skip
    summary = invoke.json(*args)
    (trivial,) = [g for g in summary["guards"] if g["kind"] == "trivial"]
    assert trivial["finding"] in ("worse", "no_better") and trivial["test"] == "McNemar mid-p"
    assert trivial["p_value"] >= 0.05 or trivial["finding"] == "worse"
    assert trivial["message"] in summary["recommendations"]
    # never beside a guard's finding (linnerud: "done" next to "NOT SHOWN BETTER than trivial")
    assert not any("the model is done" in r for r in summary["recommendations"])
    words = (
        "WORSE than trivial" if trivial["finding"] == "worse" else "NOT SHOWN BETTER than trivial"
    )
    assert words in trivial["message"]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert trivial in results["recipe"]["guards"]
    # the recipe speaks the file's labels, not their indices ("a single class, 1")
    assert results["recipe"]["targets"]["classes"] == ["a", "b"]
    single = [g for g in summary["guards"] if g["kind"] == "single_class"]
    assert all(g["name"] in ("a", "b") for g in single)
    html = (tmp_path / "out" / "report.html").read_text()
    assert words in html
    shown = invoke(*args)
    assert words in " ".join((shown.stdout + shown.stderr).split())  # a wrapped warning


def test_a_regression_run_gives_r_squared_to_three_decimals(invoke, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    np.savez(tmp_path / "reg.npz", X=X, y=X[:, 0] + rng.normal(scale=0.5, size=300))
    args = ["run", "--data", tmp_path / "reg.npz", "--task", "regression", "--budget", "2",
            "--epochs", "5", "--jobs", "1", "--out", tmp_path / "run"]  # fmt: skip
    shown = invoke(*args).stdout
    row = next(line for line in shown.splitlines() if "chosen network, R^2" in line)
    assert re.findall(r"-?\d+\.\d+", row) and all(
        len(figure.split(".")[1]) == 3 for figure in re.findall(r"-?\d+\.\d+", row)
    )


def test_a_regression_on_whole_number_targets_is_split_as_values_not_classes(invoke, tmp_path):
    """linnerud's Weight (20 rows of whole pounds) with --task regression: the split was still
    stratified by 'class' and refused 'class 138.0 has only 1 example(s)'."""
    from deeprecipe import Recipe

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = rng.integers(100, 250, size=60)  # integers: class labels to split's "auto"
    np.savez(tmp_path / "weights.npz", X=X, y=y)
    args = ["run", "--data", tmp_path / "weights.npz", "--task", "regression", "--budget", "2",
            "--epochs", "5", "--jobs", "1", "--out", tmp_path / "run"]  # fmt: skip
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    assert "errors (MSE)" in result.stdout
    done = Recipe(task="regression", hidden=(4,), epochs=5, max_trainings=2, n_jobs=1,
                  learning_curve_fractions=(1.0,)).run(X, y)  # fmt: skip
    assert done.test_error is not None


def test_predict_scores_a_run_whose_classes_the_recipe_sorted(invoke, tmp_path):
    """breast_cancer's classes are ['malignant', 'benign']; the recipe's network orders them
    sorted, and predict encoded a file's labels by the schema's order: error 98% (review)."""
    invoke("datasets", "--export", "breast_cancer", "--to", tmp_path / "bc.csv")
    invoke.json("run", "--dataset", "breast_cancer", "--budget", "1", "--epochs", "20",
                "--jobs", "1", "--out", tmp_path / "run")  # fmt: skip
    scored = invoke.json("predict", "--model", tmp_path / "run" / "model.safetensors",
                         "--data", tmp_path / "bc.csv", "--out", tmp_path / "p.csv")  # fmt: skip
    assert scored["metrics"]["error"] < 0.2, scored["metrics"]
