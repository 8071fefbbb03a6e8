"""y as a user gives it beside X: a column's name, rows in another order, the target itself
among the inputs (new users' trials: each trained without a word and gave a wrong answer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_wine

from deeprecipe import Recipe, split
from deeprecipe.data.parts import check_target_beside, target_copy
from deeprecipe.errors import DeepRecipeError


@pytest.fixture(scope="module")
def wine():
    return load_wine(as_frame=True)


def test_y_given_as_a_column_name_says_how_to_take_the_column(wine):
    """It read 'y has 1 rows but X has 178'."""
    with pytest.raises(DeepRecipeError) as refused:
        Recipe().run(wine.frame, "target")
    assert str(refused.value).startswith(
        "y='target' is the name of a column of X; accepted: the targets themselves: "
        "X.drop(columns=['target']) as X and X['target'] as y"
    )


def test_rows_in_another_order_than_their_targets_are_refused(wine):
    """A shuffled frame beside its unshuffled target trained to a 64% dev error."""
    shuffled = wine.data.sample(frac=1, random_state=0)
    for call in (lambda: Recipe(max_trainings=1).run(shuffled, wine.target),
                 lambda: split(shuffled, wine.target)):  # fmt: skip
        with pytest.raises(DeepRecipeError) as refused:
            call()
        assert str(refused.value).startswith(
            "X and y hold the same row labels in a different order (row 0 is 54 in X but 0 in "
            "y): rows pair by position"
        )
        assert "accepted: y.loc[X.index] (aligned by label)" in str(refused.value)
    with pytest.raises(DeepRecipeError, match=r"^X_dev and y_dev hold the same row labels"):
        Recipe(max_trainings=1).run(
            wine.data,
            wine.target,
            X_dev=shuffled[:40],
            y_dev=wine.target.loc[shuffled.index[::-1]][-40:],
        )


def test_aligned_or_positional_pandas_rows_pass(wine):
    shuffled = wine.data.sample(frac=1, random_state=0)
    check_target_beside(shuffled, wine.target.loc[shuffled.index])  # aligned by label
    check_target_beside(shuffled, wine.target.to_numpy())  # no labels: by position
    check_target_beside(shuffled.reset_index(drop=True), wine.target)  # same labels, same order
    other = pd.Series(wine.target.to_numpy(), index=np.arange(1000, 1178))
    check_target_beside(shuffled, other)  # other labels: by position, as scikit-learn pairs


def test_the_target_among_the_inputs_is_refused():
    """Diabetes' frame with its target column read a test MSE of 40 (about 3100 honestly)."""
    diabetes = load_diabetes(as_frame=True)
    with pytest.raises(DeepRecipeError, match=r"^X's column 'target' equals y in every row.*"
                       r"X\.drop\(columns=\['target'\]\)$"):  # fmt: skip
        Recipe(max_trainings=1).run(diabetes.frame, diabetes.target)
    array = np.c_[diabetes.data.to_numpy(), diabetes.target.to_numpy()]
    with pytest.raises(DeepRecipeError, match=r"np\.delete\(X, 10, axis=1\)$"):
        Recipe(max_trainings=1).run(array, diabetes.target.to_numpy())
    assert target_copy(diabetes.data, diabetes.target) is None
    labels = np.array(["a", "b"] * 10)  # text targets are nobody's copy
    assert target_copy(np.zeros((20, 2)), labels) is None


def test_a_series_given_as_x_is_told_how_to_make_it_a_table(wine):
    """It read 'X has shape (178,); accepted: a 2-D array' for a frame's single column."""
    with pytest.raises(DeepRecipeError, match=r"\.reshape\(-1, 1\), or a Series' \.to_frame\(\)"):
        Recipe(max_trainings=1).run(wine.data["alcohol"], wine.target)


def test_another_librarys_table_is_read_by_its_column_names(wine):
    """A pandas user's trial: a polars frame read "X has dtype object and holds 'south'";
    any table that hands over Arrow data (polars, a pyarrow Table) is read as a DataFrame."""
    pa = pytest.importorskip("pyarrow")
    frame = wine.data.assign(kind=np.where(wine.data["alcohol"] > 13, "high", "low"))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    result = Recipe(max_trainings=1, n_jobs=1).run(table, wine.target.to_numpy())
    assert result.data["feature_names"][-2:] == ["kind=high", "kind=low"]
    np.testing.assert_array_equal(result.model.predict(table), result.model.predict(frame))
