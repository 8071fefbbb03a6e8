"""A text column's categories are the training rows': one seen only in dev or test is cut."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.data import TableSchema, from_frame
from deeprecipe.data.vocabulary import keep_training_categories


def _table(positions: list[str]):
    columns = {"x": np.arange(len(positions), dtype=float), "pos": np.array(positions, object)}
    return from_frame(columns, None)


def test_categories_only_dev_or_test_rows_hold_are_cut_from_every_part_and_the_schema():
    ds = _table(["A", "B", "A", "C", "Z", "B", "Z"])
    assert ds.feature_names == ["x", "pos=A", "pos=B", "pos=C", "pos=Z"]
    parts = {"train": ds.X[:3], "dev": ds.X[3:5], "test": ds.X[5:]}
    schema, cut, note = keep_training_categories(ds.schema, parts)
    assert schema.feature_names == ["x", "pos=A", "pos=B"]
    assert schema.one_hot_blocks() == (slice(1, 3),)
    np.testing.assert_array_equal(cut["dev"], [[3, 0, 0], [4, 0, 0]])  # C and Z: none of them
    np.testing.assert_array_equal(cut["test"], [[5, 0, 1], [6, 0, 0]])
    assert "('pos': 'C', 'Z')" in note and "(2 dev, 1 test)" in note
    assert TableSchema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema


def test_nothing_changes_when_training_holds_every_category_and_gaps_do_not_count():
    ds = _table(["A", "B", "A", "B"])
    X = ds.X.copy()
    X[2, 1:] = np.nan  # a missing cell is not a category
    same, cut, note = keep_training_categories(ds.schema, {"train": X[:3], "dev": X[3:]})
    assert same is ds.schema and note is None
    np.testing.assert_array_equal(cut["dev"], X[3:])
    wider = np.hstack([X, np.ones((4, 1))])  # a missing-value indicator after the schema's
    schema, cut, _ = keep_training_categories(ds.schema, {"train": wider[:1], "dev": wider[1:]})
    assert schema.feature_names == ["x", "pos=A"] and cut["dev"].shape == (3, 3)


def test_the_cli_and_a_frame_know_only_the_training_rows_categories(tmp_path):
    """A new user's trial: six positions of Baseball's posit86 seen only in dev and test kept
    their random first-layer weights and moved a predicted salary from 225 to 571."""
    pd = pytest.importorskip("pandas")
    from click.testing import CliRunner

    from deeprecipe import Recipe
    from deeprecipe.cli import cli

    rng = np.random.default_rng(0)
    pos = rng.choice(list("ABC"), 300)
    pos[:6] = list("UVWXYZ")  # one row each: most land outside training
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "pos": pos, "y": 2 * x + (pos == "A")})
    result = Recipe(max_trainings=1, epochs=5, progress=False).run(frame[["x", "pos"]], frame.y)
    (note,) = [n for n in result.notes if "no training row holds" in n]
    names = result.model.feature_names
    assert names[:4] == ["x", "pos=A", "pos=B", "pos=C"] and len(names) < 10
    assert all(f"'{c}'" in note for c in "UVWXYZ" if f"pos={c}" not in names)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    run = CliRunner().invoke(cli, ["train", "--data", str(path), "--target", "y", "--epochs",
                                   "3", "--out", str(tmp_path / "m"), "--json"])  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert "no training row holds ('pos':" in " ".join(run.stderr.split())
    model = str(tmp_path / "m" / "model.safetensors")
    predicted = CliRunner().invoke(cli, ["predict", "--model", model, "--data", str(path),
                                         "--out", str(tmp_path / "p.csv")])  # fmt: skip
    assert predicted.exit_code == 0 and "reason" not in (tmp_path / "p.csv").read_text()
    assert "hold a category training never saw ('pos':" in " ".join(predicted.stderr.split())
    strict = CliRunner().invoke(cli, ["predict", "--model", model, "--data", str(path),
                                      "--strict"])  # fmt: skip
    assert strict.exit_code == 2 and "not seen in training" in strict.stderr


def test_a_test_file_and_new_frames_read_a_new_category_as_none_of_the_training_ones(tmp_path):
    """A new user's HI test file held race='other', which no training row had: the run
    stopped with 'not seen in training', and Python's predict refused the whole frame."""
    pd = pytest.importorskip("pandas")
    from click.testing import CliRunner

    from deeprecipe import Recipe
    from deeprecipe.cli import cli

    rng = np.random.default_rng(1)
    race = rng.choice(["a", "b", "c"], 300)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "race": race, "y": np.where(x + (race == "a") > 0.5, "p", "n")})
    test = frame.iloc[:40].assign(race=["other"] * 5 + list(race[5:40]))
    frame.iloc[40:].to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    ran = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "train.csv"), "--test-data",
                                   str(tmp_path / "test.csv"), "--target", "y", "--epochs", "3",
                                   "--out", str(tmp_path / "m")])  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert "5 cell(s) hold a category training never saw ('race': 'other' (5))" in " ".join(
        ran.stderr.split()
    )
    result = Recipe(max_trainings=1, epochs=3, progress=False).run(
        frame.iloc[40:, :2], frame.y.iloc[40:], X_test=test.iloc[:, :2], y_test=test.y
    )
    assert any("X_test: 5 cell(s) hold a category training never saw" in n for n in result.notes)
    with pytest.warns(UserWarning, match=r"hold a category training never saw \('race': 'oth"):
        predicted = result.model.predict(test.iloc[:, :2])
    assert len(predicted) == 40
