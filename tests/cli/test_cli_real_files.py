"""Files from the wild through the CLI: the raw penguins CSV (text columns, NA cells), decimal
commas, id-like columns, rows predict cannot score, and column choice from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

palmerpenguins = pytest.importorskip("palmerpenguins")
PENGUINS = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
PENGUINS_RAW = Path(palmerpenguins.__file__).parent / "data" / "penguins-raw.csv"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``train`` on the raw penguins file, defaults (missing values imputed), seed 0."""
    from click.testing import CliRunner

    from deeprecipe.cli import cli

    out = tmp_path_factory.mktemp("penguins")
    result = CliRunner().invoke(cli, ["train", "--data", str(PENGUINS), "--target", "species",
                                      "--epochs", "200", "--out", str(out), "--json"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return out, json.loads(result.stdout), result.stderr


def test_train_imputes_the_penguins_and_says_so(trained):
    out, _, stderr = trained
    stderr = " ".join(stderr.split())  # the warning, wrapped to the width, as one paragraph
    assert "missing values imputed with training statistics" in stderr
    assert "sex: 11 cells (most frequent" in stderr and "body_mass_g: 2 cells (median" in stderr
    results = json.loads((out / "results.json").read_text())
    imputed = json.dumps(results)
    assert '"sex": 11' in imputed and '"bill_length_mm": 2' in imputed


def test_train_is_at_least_as_accurate_as_logistic_regression_on_the_same_split(trained):
    """The oracle: scikit-learn's LogisticRegression on the same (imputed) split, dev and test
    together (138 rows)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from deeprecipe.cli._data import prepare

    _, summary, _ = trained
    data = prepare(dataset=None, data_file=PENGUINS, target="species", seed=0)
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    lr.fit(data.X_train, data.y_train)
    X_held = np.vstack([data.X_dev, data.X_test])
    y_held = np.concatenate([data.y_dev, data.y_test])
    lr_correct = int((lr.predict(X_held) == y_held).sum())
    errors = summary["errors"]
    ours_correct = round(errors["dev"]["accuracy"] * len(data.y_dev)) + round(
        errors["test"]["accuracy"] * len(data.y_test)
    )
    assert ours_correct >= lr_correct


def test_predict_scores_every_penguin_including_the_gaps(trained, invoke, tmp_path):
    out, _, _ = trained
    result = invoke("predict", "--model", out / "model.safetensors", "--data", PENGUINS,
                    "--out", tmp_path / "p.csv", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["n"] == summary["predicted"] == 344 and summary["unscored"] == {}
    assert summary["metrics"]["accuracy"] > 0.95
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert len(rows) == 344 and "reason" not in rows[0]
    assert rows[3]["prediction"] in {"Adelie", "Chinstrap", "Gentoo"}  # the all-NA row


def test_predict_says_which_gaps_it_fills_and_leaves_an_id_column_aside(trained, invoke, tmp_path):
    """A new user's trial: gaps in new rows were filled without a word, and a file with an id
    column (pandas' 'Unnamed: 0') was refused whole, where Python's predict leaves it aside."""
    out, _, _ = trained
    lines = PENGUINS.read_text().splitlines()
    with_id = tmp_path / "with_id.csv"
    numbered = [f"{k},{line}" for k, line in enumerate(lines[1:])]
    with_id.write_text("\n".join(["Unnamed: 0," + lines[0], *numbered]) + "\n")
    result = invoke("predict", "--model", out / "model.safetensors", "--data", with_id,
                    "--out", tmp_path / "p.csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "column(s) training never saw left aside: 'Unnamed: 0'" in said
    assert "missing cells filled with the training statistics stored in the model:" in said
    assert "sex 11" in said and "bill_length_mm 2" in said
    plain = invoke("predict", "--model", out / "model.safetensors", "--data", PENGUINS,
                   "--out", tmp_path / "q.csv")  # fmt: skip
    assert plain.exit_code == 0, plain.stderr
    assert (tmp_path / "p.csv").read_text() == (tmp_path / "q.csv").read_text()


def test_predict_keeps_an_id_column_as_the_file_writes_it(trained, invoke, tmp_path):
    """A Kaggle-style submission needs the id beside each prediction: --keep copies it,
    unparsed ('007' stays '007', 'NA' stays 'NA'), row for row, blank lines skipped as the
    loader skips them."""
    out, _, _ = trained
    lines = PENGUINS.read_text().splitlines()
    ids = ["007", "NA", "x-3", "", "12"]
    rows = [f"{i},{line}" for i, line in zip(ids, lines[1:6], strict=True)]
    rows.insert(2, "," * (lines[0].count(",") + 1))  # a blank line: every cell empty
    rows[-1] = rows[-1].replace("Adelie,Torgersen", "Adelie,Atlantis")  # a new category
    new = tmp_path / "new.csv"
    new.write_text("\n".join(["passenger," + lines[0], *rows]) + "\n")
    result = invoke("predict", "--model", out / "model.safetensors", "--data", new, "--keep",
                    "passenger,island", "--no-proba", "--out", tmp_path / "p.csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    written = list(csv.reader((tmp_path / "p.csv").open()))
    assert written[0] == ["passenger", "island", "prediction"]
    assert [r[0] for r in written[1:]] == ids
    assert written[5][1] == "Atlantis"  # a new island: read as none of the training ones
    assert all(r[2] in {"Adelie", "Chinstrap", "Gentoo"} for r in written[1:6])
    parquet = tmp_path / "new.parquet"
    pd.read_csv(new, dtype={"passenger": str}).dropna(how="all").to_parquet(parquet)
    summary = invoke.json("predict", "--model", out / "model.safetensors", "--data", parquet,
                          "--keep", "passenger")  # fmt: skip
    assert summary["kept"]["passenger"] == ["007", "", "x-3", "", "12"]  # pandas read 'NA'
    wrong = invoke("predict", "--model", out / "model.safetensors", "--data", new,
                   "--keep", "passenger_id")  # fmt: skip
    assert wrong.exit_code == 2
    assert "has no column 'passenger_id'; accepted: passenger, species" in wrong.stderr


def test_predict_warns_of_values_far_outside_what_training_saw(trained, invoke, tmp_path):
    """A new user's diamonds: a 58.9-carat row (a typo for 0.589) was priced at -$834, and
    5 such rows made 83% of the test MSE, without a word."""
    out, _, _ = trained
    lines = PENGUINS.read_text().splitlines()
    header = lines[0].split(",")
    typo = lines[1].split(",")
    typo[header.index("body_mass_g")] = "375000"  # 3750 g, two zeros too many
    new = tmp_path / "typo.csv"
    new.write_text("\n".join([lines[0], lines[2], ",".join(typo)]) + "\n")
    result = invoke("predict", "--model", out / "model.safetensors", "--data", new,
                    "--out", tmp_path / "p.csv")  # fmt: skip
    said = " ".join(result.stderr.split())
    assert result.exit_code == 0 and "1 row(s) hold a value more than 10 training spreads" in said
    assert "row 1: body_mass_g = 375000" in said
    plain = invoke("predict", "--model", out / "model.safetensors", "--data", PENGUINS,
                   "--out", tmp_path / "q.csv")  # fmt: skip
    assert "training spreads" not in plain.stderr


def _new_penguins(tmp_path: Path) -> Path:
    lines = PENGUINS.read_text().splitlines()
    new = [lines[0], lines[1], "Gentoo,Atlantis,45,15,220,5000,male,2008",
           "Gentoo,Biscoe,abc,15,220,5000,male,2008", lines[-1]]  # fmt: skip
    path = tmp_path / "new.csv"
    path.write_text("\n".join(new) + "\n")
    return path


def test_predict_keeps_rows_it_cannot_score_with_a_reason(trained, invoke, tmp_path):
    """An island training never saw reads as none of its islands, as the recipe reads its dev
    and test rows (a new user's submission lost 26 of 1518 rows to one new category); text
    in a numeric column leaves its row unscored, with the reason."""
    out, _, _ = trained
    new = _new_penguins(tmp_path)
    result = invoke("predict", "--model", out / "model.safetensors", "--data", new,
                    "--out", tmp_path / "p.csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "1 of 4 rows could not be scored" in said
    assert "1 cell(s) hold a category training never saw ('island': 'Atlantis' (1))" in said
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert [r["prediction"] != "" for r in rows] == [True, True, False, True]
    assert "'abc'" in rows[2]["reason"] and rows[0]["reason"] == rows[1]["reason"] == ""
    assert rows[2]["proba_Adelie"] == "" and float(rows[0]["proba_Adelie"]) > 0.5
    lines = new.read_text().splitlines()
    hopeless = tmp_path / "hopeless.csv"
    hopeless.write_text("\n".join([lines[0], lines[3], lines[3]]) + "\n")
    none = invoke("predict", "--model", out / "model.safetensors", "--data", hopeless)
    assert none.exit_code == 2 and "no row of" in none.stderr and "'abc'" in none.stderr
    strict = invoke("predict", "--model", out / "model.safetensors", "--data", new, "--strict",
                    "--out", tmp_path / "q.csv")  # fmt: skip
    assert strict.exit_code == 2 and "'Atlantis'" in strict.stderr
    assert not (tmp_path / "q.csv").exists()


def test_run_on_the_raw_penguins(invoke, tmp_path):
    summary = invoke.json("run", "--data", PENGUINS, "--target", "species", "--budget", "1",
                          "--epochs", "20", "--jobs", "1", "--out", tmp_path)  # fmt: skip
    assert summary["errors"]["final"]["test"] is not None
    results = json.loads((tmp_path / "results.json").read_text())
    assert '"sex": 11' in json.dumps(results)
    predicted = invoke.json("predict", "--model", tmp_path / "model.safetensors", "--data",
                            PENGUINS, "--out", tmp_path / "p.csv")  # fmt: skip
    assert predicted["predicted"] == 344


def test_missing_drop_and_refuse_from_the_command_line(invoke, tmp_path):
    dropped = invoke.json("train", "--data", PENGUINS, "--target", "species", "--missing",
                          "drop", "--epochs", "5", "--out", tmp_path / "d")  # fmt: skip
    assert sum(json.loads((tmp_path / "d" / "results.json").read_text())["data"]["sizes"]
               .values()) == 333  # fmt: skip
    assert dropped["errors"]["train"] is not None
    refused = invoke("train", "--data", PENGUINS, "--target", "species", "--missing", "refuse",
                     "--out", tmp_path / "r")  # fmt: skip
    assert refused.exit_code == 2
    assert "'bill_length_mm' has a missing value at row 3 (line 5 of penguins.csv)" in (
        refused.stderr
    )
    assert not (tmp_path / "r").exists()


def test_features_and_drop_choose_the_columns(invoke, tmp_path):
    invoke.json("train", "--data", PENGUINS, "--target", "species", "--features",
                "bill_length_mm,island", "--epochs", "2", "--out", tmp_path / "f")  # fmt: skip
    from deeprecipe.io import load_model

    names = load_model(tmp_path / "f" / "model.safetensors").feature_names
    assert names == ["bill_length_mm", "island=Biscoe", "island=Dream", "island=Torgersen"]
    invoke.json("train", "--data", PENGUINS, "--target", "species", "--drop", "island,year",
                "--missing-indicator", "--epochs", "2", "--out", tmp_path / "g")  # fmt: skip
    names = load_model(tmp_path / "g" / "model.safetensors").feature_names
    assert names[:6] == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                         "sex=female", "sex=male"]  # fmt: skip
    assert "sex (missing)" in names[6:]  # columns with gaps in the TRAINING rows get one
    # from Python, a DataFrame of the raw (encoded) columns, gaps included: the indicator
    # columns are the model's own, not columns it asks for (found in review)
    pd = pytest.importorskip("pandas")
    model = load_model(tmp_path / "g" / "model.safetensors")
    raw = names[: model.n_raw_features]
    rows = np.zeros((3, len(raw)))
    rows[0, 0] = np.nan
    by_position = model.predict(rows)
    frame = pd.DataFrame(rows, columns=raw)
    assert list(model.predict(frame[raw[::-1]])) == list(by_position)
    # and the file's own raw columns, text and all, through the schema in the model file
    penguins = pd.read_csv(PENGUINS).head(5)
    chosen = load_model(tmp_path / "f" / "model.safetensors")
    islands = [(penguins["island"] == k).to_numpy(float) for k in ("Biscoe", "Dream", "Torgersen")]
    encoded = np.column_stack([penguins["bill_length_mm"], *islands])
    assert list(chosen.predict(penguins)) == list(chosen.predict(encoded))


def test_id_like_columns_are_refused_in_command_line_words(invoke, tmp_path):
    """penguins-raw.csv holds an id, a date and comments: refused with --drop, never with a
    Python-only parameter."""
    result = invoke("train", "--data", PENGUINS_RAW, "--target", "Species", "--out", tmp_path)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "'Individual ID' has 190 distinct text values in 344 rows" in message
    assert "--drop 'Individual ID'" in message and "--features" in message
    assert "=[" not in message and "drop=" not in message and "features=" not in message
    ok = invoke.json("train", "--data", PENGUINS_RAW, "--target", "Species", "--drop",
                     "studyName,Sample Number,Individual ID,Date Egg,Comments,Stage,Region",
                     "--epochs", "2", "--out", tmp_path / "ok")  # fmt: skip
    assert ok["errors"]["train"] is not None


def test_too_many_categories_suggests_the_command_line_option(invoke, tmp_path):
    rows = "\n".join(f"k{i % 120},{i % 2}" for i in range(1200))
    path = tmp_path / "cats.csv"
    path.write_text("c,y\n" + rows + "\n")
    result = invoke("train", "--data", path, "--target", "y", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "--max-categories 120" in result.stderr
    assert "max_categories" not in result.stderr
    ok = invoke.json("train", "--data", path, "--target", "y", "--max-categories", "120",
                     "--epochs", "1", "--out", tmp_path / "o")  # fmt: skip
    assert ok["errors"]["train"] is not None


def test_a_decimal_comma_file_trains_on_numbers(invoke, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2)).round(3)
    lines = ["a;b;y"] + [f"{u};{v};{int(u + v > 0)}".replace(".", ",") for u, v in x]
    path = tmp_path / "eu.csv"
    path.write_text("\n".join(lines) + "\n")
    invoke.json("train", "--data", path, "--target", "y", "--epochs", "2", "--out",
                tmp_path / "o")  # fmt: skip
    from deeprecipe.io import load_model

    model = load_model(tmp_path / "o" / "model.safetensors")
    assert model.feature_names == ["a", "b"] and model.network.layer_sizes[0] == 2


def test_the_shipped_penguins_file_is_the_palmerpenguins_one(invoke, tmp_path):
    """``datasets --export penguins`` (the README's real file) writes the package's bytes."""
    result = invoke("datasets", "--export", "penguins", "--to", tmp_path / "p.csv")
    assert result.exit_code == 0 and "344 rows of penguins" in result.stdout
    assert (tmp_path / "p.csv").read_bytes() == PENGUINS.read_bytes()


def test_predict_missing_refuse_leaves_rows_with_gaps_unscored(trained, invoke, tmp_path):
    out, _, _ = trained
    summary = invoke.json("predict", "--model", out / "model.safetensors", "--data", PENGUINS,
                          "--missing", "refuse", "--out", tmp_path / "p.csv")  # fmt: skip
    assert summary["predicted"] == 333 and len(summary["unscored"]) == 11
    assert "missing value" in summary["unscored"]["3"]


def test_gradcheck_reads_the_file_with_the_same_options(invoke):
    result = invoke("gradcheck", "--data", PENGUINS, "--target", "species", "--drop", "sex",
                    "--layers", "4", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_the_model_file_imputes_in_python_as_predict_does(trained, invoke, tmp_path):
    """load_model(...).predict on raw rows with NaN gives the command's predictions."""
    from deeprecipe.data import TableSchema, load_csv
    from deeprecipe.io import load_model

    out, _, _ = trained
    model = load_model(out / "model.safetensors")
    raw = load_csv(PENGUINS, schema=TableSchema.from_dict(model.metadata["schema"]))
    assert np.isnan(raw.X).any()
    invoke("predict", "--model", out / "model.safetensors", "--data", PENGUINS, "--out",
           tmp_path / "p.csv")  # fmt: skip
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert [str(p) for p in model.predict(raw.X)] == [r["prediction"] for r in rows]
