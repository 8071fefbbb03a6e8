"""The rows each part of a recipe run holds, as positions in the X the user gave: what a
baseline needs to be compared on the same split (a pandas user's trial found no way to get
them but to re-derive the split by hand)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine

from deeprecipe import Recipe


@pytest.fixture(scope="module")
def wine():
    return load_wine(as_frame=True)


def test_split_rows_point_into_the_users_x_and_reproduce_the_references(wine):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = wine.target.astype(float).copy()
    y.iloc[[3, 10]] = np.nan  # left out before the split: positions still name X's rows
    result = Recipe(max_trainings=2, n_jobs=1).run(wine.data, y)
    rows = result.split_rows
    assert set(rows) == {"train", "dev", "test"}
    every = np.concatenate(list(rows.values()))
    assert len(every) == len(set(every)) == 176 and not {3, 10} & set(every)
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    baseline.fit(wine.data.iloc[rows["train"]], y.iloc[rows["train"]])
    logistic = next(r for r in result.to_dict()["references"] if r["kind"] == "linear")
    dev_error = 1 - baseline.score(wine.data.iloc[rows["dev"]], y.iloc[rows["dev"]])
    assert dev_error == pytest.approx(logistic["dev_error"], abs=1 / len(rows["dev"]))
    assert "split_rows" not in result.to_dict()  # results.json keeps its size


def test_a_part_given_apart_is_not_among_the_split_rows(wine):
    X, y = wine.data, wine.target
    result = Recipe(max_trainings=1, n_jobs=1).run(X[:140], y[:140], X_dev=X[140:], y_dev=y[140:])
    assert set(result.split_rows) == {"train", "test"}
    assert np.concatenate(list(result.split_rows.values())).max() < 140
