"""The commands on small data: train -> predict on a user CSV, diagnose, datasets, gradcheck."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from deeprecipe.io import load_model


@pytest.fixture(scope="module")
def trained(user_csv, tmp_path_factory):
    """A model trained by the command line on the user's CSV (text label, text feature)."""
    from click.testing import CliRunner

    from deeprecipe.cli import cli

    out = tmp_path_factory.mktemp("trained")
    args = [
        "train",
        "--data",
        str(user_csv["train"]),
        "--target",
        "label",
        "--layers",
        "8",
        "--epochs",
        "150",
        "--out",
        str(out),
        "--json",
    ]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out, json.loads(result.stdout)


def test_train_saves_a_model_results_and_a_cost_plot(trained):
    out, summary = trained
    assert (out / "model.safetensors").exists()
    assert (out / "cost_curves.png").read_bytes().startswith(b"\x89PNG")
    results = json.loads((out / "results.json").read_text())
    assert results["epochs_run"] == 150 == len(results["history"]["cost"])
    assert summary["network"]["layer_sizes"] == [4, 8, 1]  # x1, x2, colour=green, colour=red
    errors = summary["errors"]
    assert set(errors) == {"train", "dev", "test"}
    assert errors["train"]["error"] < 0.2  # the rule is nearly linear: it must be learned
    assert errors["dev"]["accuracy"] == pytest.approx(1 - errors["dev"]["error"])


def test_the_model_file_carries_scaler_labels_and_schema(trained):
    model = load_model(trained[0] / "model.safetensors")
    assert sorted(model.classes) == ["no", "yes"]
    assert model.scaler is not None
    assert model.metadata["schema"]["target"] == "label"
    assert model.metadata["task"] == "binary"


def test_predict_on_raw_rows_maps_back_to_the_text_labels(invoke, trained, user_csv, tmp_path):
    out = tmp_path / "predictions.csv"
    result = invoke(
        "predict",
        "--model",
        trained[0] / "model.safetensors",
        "--data",
        user_csv["new"],
        "--out",
        out,
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 10
    assert set(rows[0]) == {"prediction", "proba_no", "proba_yes"}
    for row in rows:
        assert row["prediction"] in ("yes", "no")
        p_yes, p_no = float(row["proba_yes"]), float(row["proba_no"])
        assert p_yes + p_no == pytest.approx(1.0, abs=1e-5)
        assert row["prediction"] == ("yes" if p_yes > 0.5 else "no")


def test_predict_scores_a_file_that_holds_the_target(invoke, trained, user_csv):
    report = invoke.json(
        "predict", "--model", trained[0] / "model.safetensors", "--data", user_csv["scored"]
    )
    truth = [r["label"] for r in csv.DictReader(user_csv["scored"].open())]
    wrong = np.mean([p != t for p, t in zip(report["predictions"], truth)])
    assert report["metrics"]["error"] == pytest.approx(wrong)
    assert report["metrics"]["examples"] == 50
    # the rare classes count as much: each class's recall, and their mean's complement
    recall = {
        label: np.mean([p == t for p, t in zip(report["predictions"], truth) if t == label])
        for label in ("no", "yes")
    }
    assert report["metrics"]["recall"] == pytest.approx(recall)
    assert report["metrics"]["balanced_error"] == pytest.approx(1 - np.mean(list(recall.values())))


def _with_labels_blanked(source, path, blank) -> list[dict]:
    """``source``'s rows written to ``path`` with the label of each row ``k`` that ``blank(k)``
    emptied; the original rows returned."""
    rows = list(csv.DictReader(source.open()))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "label": "" if blank(k) else r["label"]} for k, r in enumerate(rows))
    return rows


def test_predict_on_a_file_whose_labels_are_blank_predicts_every_row(
    invoke, trained, user_csv, tmp_path
):
    """The target column is there but empty (labels not known yet): predict, do not score."""
    blank = tmp_path / "blank.csv"
    rows = _with_labels_blanked(user_csv["scored"], blank, lambda k: True)
    result = invoke("predict", "--model", trained[0] / "model.safetensors", "--data", blank,
                    "--out", tmp_path / "p.csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"{len(rows)} of {len(rows)} predicted rows have no 'label' label" in result.stderr
    assert len(list(csv.DictReader((tmp_path / "p.csv").open()))) == len(rows)


def test_predict_scores_the_labelled_rows_of_a_file_with_some_labels_blank(
    invoke, trained, user_csv, tmp_path
):
    some = tmp_path / "some.csv"
    rows = _with_labels_blanked(user_csv["scored"], some, lambda k: k % 5 == 0)
    report = invoke.json("predict", "--model", trained[0] / "model.safetensors", "--data", some)
    labelled = [k for k in range(len(rows)) if k % 5]
    wrong = np.mean([report["predictions"][k] != rows[k]["label"] for k in labelled])
    assert len(report["predictions"]) == len(rows) and None not in report["predictions"]
    assert report["metrics"]["examples"] == len(labelled)
    assert report["metrics"]["unlabelled"] == len(rows) - len(labelled)
    assert report["metrics"]["error"] == pytest.approx(wrong)


def test_predict_without_out_writes_the_csv_to_stdout_only(invoke, trained, user_csv):
    result = invoke(
        "predict",
        "--model",
        trained[0] / "model.safetensors",
        "--data",
        user_csv["scored"],
        "--no-proba",
    )
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 51  # the table went to stderr
    assert "accuracy" in result.stderr


def test_quiet_prints_nothing_and_json_prints_only_json(invoke, tmp_path):
    quiet = invoke(
        "train",
        "--dataset",
        "iris",
        "--layers",
        "4",
        "--epochs",
        "3",
        "--out",
        tmp_path / "q",
        "--quiet",
    )
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert (tmp_path / "q" / "model.safetensors").exists()
    loud = invoke(
        "train", "--dataset", "iris", "--layers", "4", "--epochs", "3", "--out", tmp_path / "l"
    )
    assert "Model saved to" in loud.stdout and "training" in loud.stderr  # table and progress
    data = invoke.json(
        "train", "--dataset", "iris", "--layers", "4", "--epochs", "3", "--out", tmp_path / "j"
    )
    assert data["data"]["classes"] == ["setosa", "versicolor", "virginica"]


def test_fixed_dev_and_test_files_replace_the_split(invoke, user_csv, tmp_path):
    data = invoke.json(
        "train",
        "--data",
        user_csv["train"],
        "--target",
        "label",
        "--dev-data",
        user_csv["scored"],
        "--test-data",
        user_csv["scored"],
        "--epochs",
        "2",
        "--out",
        tmp_path,
    )
    assert data["data"]["sizes"] == {"train": 300, "dev": 50, "test": 50}
    assert data["errors"]["dev"] == data["errors"]["test"]


def test_early_stopping_restores_and_reports_the_best_epoch(invoke, tmp_path):
    data = invoke.json(
        "train",
        "--dataset",
        "football",
        "--layers",
        "40,20",
        "--epochs",
        "400",
        "--learning-rate",
        "0.05",
        "--early-stopping",
        "--patience",
        "5",
        "--out",
        tmp_path,
    )
    assert data["stopped_early"] and data["epochs_run"] < 400
    assert data["best_epoch"] <= data["epochs_run"] - 5


@pytest.mark.parametrize(
    ("train", "dev", "label"),
    [
        (0.01, 0.11, "high variance"),
        (0.15, 0.16, "high bias"),
        (0.15, 0.30, "high bias and high variance"),
        (0.005, 0.01, "low bias and low variance"),
    ],
)
def test_diagnose_gives_the_lectures_four_answers(invoke, train, dev, label):
    d = invoke.json("diagnose", "--train-error", train, "--dev-error", dev)
    assert d["label"] == label


def test_diagnose_table_with_a_bayes_error(invoke):
    result = invoke(
        "diagnose", "--train-error", "0.08", "--dev-error", "0.12", "--bayes-error", "0.075"
    )
    assert result.exit_code == 0
    assert "avoidable bias" in result.stdout and "0.50%" in result.stdout
    assert "high variance" in result.stdout.splitlines()[0].lower()


def test_diagnose_reads_a_regressions_mean_squared_errors(invoke):
    """--metric mse: MSEs above 1 are accepted and shown as numbers; the tolerance is a share
    of --target-variance, as in the recipe (0.015 x 25 = 0.375). Without --metric mse such
    values are refused with the option named."""
    d = invoke.json("diagnose", "--train-error", "3.1", "--dev-error", "3.3", "--metric", "mse",
                    "--target-variance", "25", "--bayes-error", "3")  # fmt: skip
    assert d["metric"] == "loss" and d["label"] == "low bias and low variance"
    assert d["variance_threshold"] == pytest.approx(0.375)
    table = invoke("diagnose", "--train-error", "3.1", "--dev-error", "4.4", "--metric", "mse",
                   "--target-variance", "25")  # fmt: skip
    assert "train MSE" in table.stdout and "4.4" in table.stdout and "%" not in table.stdout
    unscaled = invoke("diagnose", "--train-error", "3.1", "--dev-error", "4.4", "--metric", "mse")
    assert unscaled.exit_code == 2 and "--metric mse needs --target-variance V" in unscaled.stderr
    refused = invoke("diagnose", "--train-error", "3.1", "--dev-error", "4")
    assert refused.exit_code == 2
    assert "--train-error 3.1, --dev-error 4 above 1" in refused.stderr
    assert "--metric mse" in refused.stderr


def test_datasets_lists_the_embedded_sets(invoke):
    names = [d["name"] for d in invoke.json("datasets")]
    assert {"football", "digits", "moons", "iris"} <= set(names)


def test_gradcheck_passes_a_correct_network_and_names_every_tensor(invoke):
    data = invoke.json(
        "gradcheck",
        "--dataset",
        "moons",
        "--layers",
        "4,3",
        "--activation",
        "tanh",
        "--l2",
        "0.5",
        "--after-epochs",
        "20",
    )
    assert data["passed"]
    assert [c["label"] for c in data["checks"]] == ["at initialization", "after 20 epochs"]
    names = [t["name"] for t in data["checks"][0]["per_tensor"]]
    assert names == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_gradcheck_reads_a_regressions_targets_as_training_does(invoke, tmp_path):
    """Against raw targets of about 6e4 an untrained network's check read 5e-5, 'suspicious':
    the command trains and checks on (y - mean) / std, as train and the recipe's trials do."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 6e4 + 2e4 * X[:, 0] + 1e3 * rng.normal(size=200)
    data = tmp_path / "big.csv"
    data.write_text("a,b,c,y\n" + "".join(f"{r[0]},{r[1]},{r[2]},{t}\n" for r, t in zip(X, y)))
    report = invoke.json("gradcheck", "--data", data, "--target", "y", "--task", "regression",
                         "--layers", "20,3", "--after-epochs", "20")  # fmt: skip
    assert all(c["verdict"] == "great" for c in report["checks"]), report["checks"]


def test_gradcheck_of_a_saved_model_prints_the_table(invoke, trained, user_csv):
    result = invoke(
        "gradcheck",
        "--model",
        trained[0] / "model.safetensors",
        "--data",
        user_csv["scored"],
        "--mode",
        "sampled",
        "--samples",
        "4",
    )
    assert result.exit_code == 0, result.stderr
    assert "W1" in result.stdout and "sampled mode" in result.stdout


def test_gradcheck_exit_code_1_when_backprop_is_wrong(invoke, monkeypatch):
    from deeprecipe.nn import Network

    original = Network.backward

    def broken(self, dz_out, *, m):
        grad = original(self, dz_out, m=m)
        self.layers[0].dW *= 2  # the course's planted bug: one weight gradient doubled
        return grad

    monkeypatch.setattr(Network, "backward", broken)
    result = invoke("gradcheck", "--dataset", "moons", "--layers", "3", "--activation", "tanh")
    assert result.exit_code == 1
    assert "FAILING" in result.stdout and "W1" in result.stdout


def test_init_compare_shows_that_zeros_never_break_symmetry(invoke, tmp_path):
    data = invoke.json("init-compare", "--inits", "zeros,he", "--epochs", "60", "--out", tmp_path)
    assert data["data"] == "course circles"
    assert data["runs"]["zeros"]["breaks_symmetry"] is False
    assert data["runs"]["zeros"]["train_accuracy"] == pytest.approx(0.5)
    assert data["runs"]["he"]["breaks_symmetry"] is True
    assert (tmp_path / "init_costs.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(json.loads((tmp_path / "results.json").read_text())["ranking"]) == ["he", "zeros"]


def test_init_compare_refuses_unknown_inits_and_multiclass_data(invoke):
    for args in (["--inits", "zeros,magic"], ["--dataset", "iris"]):
        result = invoke("init-compare", *args, "--epochs", "1")
        assert result.exit_code == 2 and result.stderr.startswith("Error: ")


def test_datasets_export_writes_a_csv_that_train_reads_back(invoke, tmp_path):
    path = tmp_path / "cancer.csv"
    assert invoke("datasets", "--export", "breast_cancer", "--to", path).exit_code == 0
    header, first = path.read_text().splitlines()[:2]
    assert header.endswith(",target") and len(header.split(",")) == 31
    assert first.split(",")[-1] in ("malignant", "benign")
    data = invoke.json(
        "train",
        "--data",
        path,
        "--target",
        "target",
        "--layers",
        "4",
        "--epochs",
        "5",
        "--out",
        tmp_path / "m",
    )
    assert sorted(data["data"]["classes"]) == ["benign", "malignant"]


def test_split_json_names_the_file_rows_of_each_part_around_the_rows_left_out(
    invoke, user_csv, tmp_path
):
    """Rows without a label and, with --missing drop, rows with a gap are left out: the rows
    of split.json are still the file's own (0-based, header excluded), so that any other
    model can be fitted on the very same parts."""
    lines = user_csv["train"].read_text().splitlines()
    header, rows = lines[0], lines[1:]
    blank_label, gap = {3, 10, 11}, {5, 200}
    edited = []
    for k, line in enumerate(rows):
        cells = line.split(",")
        if k in blank_label:
            cells[-1] = ""
        elif k in gap:
            cells[0] = ""
        edited.append(",".join(cells))
    data = tmp_path / "holes.csv"
    data.write_text("\n".join([header, *edited]) + "\n")
    report = invoke.json("train", "--data", data, "--target", "label", "--missing", "drop",
                         "--layers", "4", "--epochs", "2", "--out", tmp_path / "out")  # fmt: skip
    parts = json.loads((tmp_path / "out" / "split.json").read_text())
    kept = sorted(parts["train"]["rows"] + parts["dev"]["rows"] + parts["test"]["rows"])
    assert kept == sorted(set(range(len(rows))) - blank_label - gap)
    assert {len(parts[p]["rows"]) for p in ("train", "dev", "test")} <= set(
        report["data"]["sizes"].values()
    )
    assert parts["seed"] == 0 and parts["train"]["file"] == str(data.resolve())


def test_image_shape_marks_a_csvs_columns_as_the_pixels_of_images(invoke, tmp_path):
    from deeprecipe.cli._data import prepare

    rng = np.random.default_rng(0)
    pixels = rng.random((120, 4)).round(3)
    data = tmp_path / "images.csv"
    data.write_text("p1,p2,p3,p4,label\n" + "".join(
        f"{','.join(map(str, row))},{int(row[0] > 0.5)}\n" for row in pixels))  # fmt: skip
    shaped = prepare(dataset=None, data_file=data, target="label", image_shape=(2, 2))
    assert shaped.image_shape == (2, 2)
    assert prepare(dataset=None, data_file=data, target="label").image_shape is None
    result = invoke("run", "--data", data, "--target", "label", "--image-shape", "3,3")
    assert result.exit_code == 2 and "--image-shape 3,3 holds 9 pixels" in result.stderr
    assert "4 feature columns" in result.stderr
    result = invoke("run", "--data", data, "--target", "label", "--image-shape", "2")
    assert result.exit_code == 2 and "HEIGHT,WIDTH" in result.stderr


def test_every_part_s_cost_divides_the_l2_term_by_the_training_set_s_size():
    """star98 in a new-user trial: the dev cost read 2.5x the training cost for a lower dev
    MSE, its L2 term divided by the 61 dev rows instead of the 181 training rows."""
    from deeprecipe.cli._training import measure
    from deeprecipe.nn import Network

    rng = np.random.default_rng(0)
    net = Network([3, 5, 1], loss="mse", l2=2.0, dtype=np.float64, seed=0)
    X, y = rng.normal(size=(240, 3)), rng.normal(size=240)
    train = measure(net, X[:180], y[:180], "regression", m=180)
    dev = measure(net, X[180:], y[180:], "regression", m=180)
    for part, rows in ((train, slice(0, 180)), (dev, slice(180, None))):
        loss = net.cost(X[rows], y[rows], l2_term=False)
        assert part["cost"] - loss == pytest.approx(net.l2_cost(180))


def test_group_keeps_each_persons_rows_in_one_part_of_the_split(invoke, tmp_path):
    """--group PATIENT: no patient's rows in two parts (split.json's rows say so), the column
    is no feature, and the run's notes say how many groups each part holds."""
    rng = np.random.default_rng(0)
    patient = np.repeat(np.arange(60), 5)
    x = rng.normal(size=300).round(3)
    data = tmp_path / "visits.csv"
    data.write_text("patient,x,label\n" + "".join(
        f"id{p},{v},{int(v > 0)}\n" for p, v in zip(patient, x)))  # fmt: skip
    report = invoke.json("train", "--data", data, "--target", "label", "--group", "patient",
                         "--layers", "4", "--epochs", "2", "--out", tmp_path / "out")  # fmt: skip
    parts = json.loads((tmp_path / "out" / "split.json").read_text())
    owners = [set(patient[parts[p]["rows"]]) for p in ("train", "dev", "test")]
    assert not (owners[0] & owners[1] or owners[0] & owners[2] or owners[1] & owners[2])
    assert report["data"]["n_features"] == 1
    (note,) = [n for n in report["data"]["notes"] if n.startswith("split by group")]
    assert "'patient': each of its 60 groups in one part (36 train, 12 dev, 12 test)" in note


def test_group_is_refused_when_the_data_file_is_not_split(invoke, tmp_path):
    """Review: with --dev-data and --test-data, '--group' changed nothing and the note said
    'each of its 30 groups in one part (30 train)'."""
    lines = "".join(f"p{k // 3},{k * 0.1:.1f},{k % 2}\n" for k in range(90))
    for name in ("g.csv", "d.csv", "t.csv"):
        (tmp_path / name).write_text("person,x,label\n" + lines)
    result = invoke("train", "--data", tmp_path / "g.csv", "--target", "label", "--group",
                    "person", "--dev-data", tmp_path / "d.csv", "--test-data",
                    tmp_path / "t.csv", "--epochs", "1", "--out", tmp_path / "o")  # fmt: skip
    assert result.exit_code == 2 and "--data is not split" in result.stderr


def test_train_and_predict_read_a_nameless_first_column_as_the_row_index(
    invoke, user_csv, tmp_path
):
    """R's write.csv and pandas' to_csv() start every row with its index under an empty header
    (every Rdatasets file): left out with a note, in training and in prediction."""
    indexed = {}
    for part in ("train", "new"):
        lines = user_csv[part].read_text().splitlines()
        indexed[part] = tmp_path / f"{part}.csv"
        indexed[part].write_text(
            "\n".join(['""' + "," + lines[0]] + [f'"{k + 1}",{r}' for k, r in enumerate(lines[1:])])
        )
    result = invoke("train", "--data", indexed["train"], "--target", "label", "--epochs", "5",
                    "--out", tmp_path / "model")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "the first column has no name in the header" in " ".join(result.stderr.split())
    out = tmp_path / "predictions.csv"
    result = invoke("predict", "--model", tmp_path / "model" / "model.safetensors", "--data",
                    indexed["new"], "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(list(csv.DictReader(out.open()))) == 10


def test_train_says_that_a_score_read_as_classes_could_be_a_regression(invoke, tmp_path):
    rows = "\n".join(f"{k * 0.1:.1f},{k % 8}" for k in range(80))
    path = tmp_path / "scores.csv"
    path.write_text("x,score\n" + rows + "\n")
    result = invoke("train", "--data", path, "--target", "score", "--epochs", "2",
                    "--out", tmp_path / "model")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "'score' holds 8 consecutive whole numbers, 0 to 7, read as 8 classes" in said
    assert "the task is a regression (--task regression" in said


def test_a_small_dev_set_beside_a_test_file_suggests_dev_from_test(invoke, user_csv, tmp_path):
    """A new user's Pima: a 60-row dev set was warned about, with a 332-row test file at hand
    that --dev-from test would have halved into dev and test."""
    rows = user_csv["train"].read_text().splitlines()
    small = tmp_path / "small.csv"
    small.write_text("\n".join(rows[:121]) + "\n")  # 120 rows: a 24-row dev set
    result = invoke("run", "--data", small, "--test-data", user_csv["train"], "--target",
                    "label", "--dev-from", "train", "--budget", "1", "--epochs", "2", "--out",
                    tmp_path / "m")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "try --dev-from test: half of the test file's 300 rows would make a larger dev" in said
    trained = invoke("train", "--data", small, "--test-data", user_csv["train"], "--target",
                     "label", "--epochs", "2", "--out", tmp_path / "t")  # fmt: skip
    assert "--dev-from" not in trained.stderr  # train has no such option


def test_the_same_file_as_dev_and_test_is_said(invoke, user_csv, tmp_path):
    rows = user_csv["train"].read_text().splitlines()
    held = tmp_path / "held.csv"
    held.write_text("\n".join([rows[0], *rows[200:]]) + "\n")
    result = invoke("train", "--data", user_csv["train"], "--dev-data", held, "--test-data",
                    held, "--target", "label", "--epochs", "2", "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "--dev-data and --test-data are the same file (held.csv)" in " ".join(
        result.stderr.split()
    )
