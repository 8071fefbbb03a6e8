"""Missing values: kept for imputation, dropped, or refused; the imputer against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.data import Imputer, load_csv, split
from deeprecipe.errors import DeepRecipeError

CSV = """num,colour,other,y
1.5,red,10,a
NA,blue,20,b
3.5,,30,a
4.0,red,,b
,red,50,a
6.0,blue,60,
7.0,green,70,b
"""


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "gaps.csv"
    p.write_text(CSV)
    return p


def test_impute_keeps_missing_cells_as_nan_and_leaves_out_unlabelled_rows(path):
    ds = load_csv(path, "y")
    assert ds.notes == ["1 row without a 'y' label left out"]
    assert ds.feature_names == ["num", "colour=blue", "colour=green", "colour=red", "other"]
    assert len(ds.X) == 6
    assert np.isnan(ds.X[1, 0]) and np.isnan(ds.X[4, 0])
    assert np.isnan(ds.X[2, 1:4]).all() and not np.isnan(ds.X[2, [0, 4]]).any()


def test_drop_leaves_out_every_row_with_a_gap(path):
    ds = load_csv(path, "y", missing="drop")
    assert ds.notes == [
        "1 row without a 'y' label left out",
        "4 rows with a missing value left out (missing='drop')",
    ]
    assert not np.isnan(ds.X).any() and ds.X[:, 0].tolist() == [1.5, 7.0]


def test_refuse_names_the_first_gap(path, tmp_path):
    with pytest.raises(
        DeepRecipeError,
        match=r"target column 'y' has a missing value at row 5 "
        r"\(line 7",
    ):
        load_csv(path, "y", missing="refuse")
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(CSV.replace("6.0,blue,60,\n", ""))
    with pytest.raises(DeepRecipeError, match=r"'num' has a missing value at row 1 \(line 3"):
        load_csv(labelled, "y", missing="refuse")
    with pytest.raises(DeepRecipeError, match="missing='sometimes' is not known"):
        load_csv(path, "y", missing="sometimes")


def test_imputer_matches_scikit_learn_fitted_on_the_training_rows_only(tmp_path):
    """Median and most-frequent fills, indicator columns: sklearn's SimpleImputer as oracle,
    fitted on the same training rows; dev rows are filled with TRAINING statistics."""
    sk_impute = pytest.importorskip("sklearn.impute")
    rng = np.random.default_rng(1)
    m = 400
    num = rng.normal(50, 10, m).round(2)
    cat = rng.choice(["x", "y", "z"], m, p=[0.2, 0.5, 0.3])
    lines = ["num,cat,y"]
    for i in range(m):
        n = "" if i % 9 == 0 else f"{num[i]}"
        c = "NA" if i % 7 == 0 else cat[i]
        lines.append(f"{n},{c},{i % 2}")
    p = tmp_path / "rand.csv"
    p.write_text("\n".join(lines) + "\n")
    ds = load_csv(p, "y")
    parts_split = split(ds.X, ds.y, dev=0.3, test=0, seed=0)
    parts = parts_split.apply(ds.X, ds.y)
    imputer = Imputer(ds.schema.blocks(), indicator=True).fit(parts.X_train)
    got_train, got_dev = imputer.transform(parts.X_train), imputer.transform(parts.X_dev)

    raw_num = np.where(np.arange(m) % 9 == 0, np.nan, num)
    raw_cat = np.where(np.arange(m) % 7 == 0, None, cat).astype(object)
    train_rows, dev_rows = parts_split.train_idx, parts_split.dev_idx
    med = sk_impute.SimpleImputer(strategy="median", add_indicator=True)
    med.fit(raw_num[train_rows, None])
    freq = sk_impute.SimpleImputer(strategy="most_frequent", missing_values=None)
    freq.fit(raw_cat[train_rows, None])
    for rows, got in ((train_rows, got_train), (dev_rows, got_dev)):
        want_num = med.transform(raw_num[rows, None])
        np.testing.assert_allclose(got[:, 0], want_num[:, 0], rtol=1e-6)
        want_cat = freq.transform(raw_cat[rows, None])[:, 0]
        names = np.array(["x", "y", "z"])
        assert (names[np.argmax(got[:, 1:4], axis=1)] == want_cat).all()
        assert got[:, 1:4].sum(axis=1).tolist() == [1.0] * len(rows)
        np.testing.assert_array_equal(got[:, 4], want_num[:, 1])  # num's indicator
        np.testing.assert_array_equal(got[:, 5], raw_cat[rows] == None)  # noqa: E711
    assert imputer.feature_names(ds.feature_names)[-2:] == ["num (missing)", "cat (missing)"]

    again = Imputer.from_dict(json.loads(json.dumps(imputer.to_dict())))
    np.testing.assert_array_equal(again.transform(parts.X_dev), got_dev)


def test_a_column_empty_in_the_training_rows_is_refused_by_name():
    X = np.array([[np.nan, 1.0], [np.nan, 2.0]], dtype=np.float32)
    with pytest.raises(DeepRecipeError, match=r"'a' has no value.*drop=\['a'\]"):
        Imputer([("a", "numeric", slice(0, 1)), ("b", "numeric", slice(1, 2))]).fit(X)


def test_rows_that_cannot_be_encoded_are_reported_not_refused(path, tmp_path):
    ds = load_csv(path, "y")
    new = tmp_path / "new.csv"
    new.write_text("num,colour,other\n1,purple,2\nabc,red,3\n4,blue,5\n,red,6\n")
    problems = {}
    out = load_csv(new, schema=ds.schema, on_problem=lambda r, why: problems.update({r: why}))
    assert sorted(problems) == [0, 1]
    assert "'purple'" in problems[0] and "not seen in training" in problems[0]
    assert "'abc'" in problems[1]
    assert np.isnan(out.X[[0, 1]]).all() and out.X[2].tolist() == [4, 1, 0, 0, 5]
    assert np.isnan(out.X[3, 0])  # a gap, kept for the imputer: not a problem
    refused = {}
    load_csv(
        new, schema=ds.schema, missing="refuse", on_problem=lambda r, why: refused.update({r: why})
    )
    assert sorted(refused) == [0, 1, 3] and "missing value" in refused[3]


def test_a_column_with_no_training_value_is_refused_with_every_way_to_leave_it_out():
    """A new user's Recipe.run on a frame with an empty column was told 'drop=[...]', an
    option Recipe.run does not take (TypeError when followed)."""
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    imputer = Imputer([("x", "numeric", slice(0, 1)), ("empty", "numeric", slice(1, 2))])
    said = r"--drop empty on the command line, drop=\['empty'\] in load_file, or a DataFrame"
    with pytest.raises(DeepRecipeError, match=said):
        imputer.fit(X)


def test_every_column_without_a_training_value_is_named_at_once():
    """fertility's '2012' and '2013' are empty: refused one per run, two runs to learn both."""
    from deeprecipe.data.impute import Imputer

    X = np.array([[1.0, np.nan, np.nan], [2.0, np.nan, np.nan]])
    blocks = [("a", "numeric", slice(0, 1)), ("2012", "numeric", slice(1, 2)),
              ("2013", "numeric", slice(2, 3))]  # fmt: skip
    with pytest.raises(DeepRecipeError, match=r"columns '2012', '2013' have no value") as raised:
        Imputer(blocks).fit(X)
    assert "drop=['2012', '2013']" in str(raised.value)
