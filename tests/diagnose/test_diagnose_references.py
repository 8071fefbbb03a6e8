"""Reference models: fitted on train only, scored with the network's metric, picklable jobs."""

import pickle

import numpy as np
import pytest

from deeprecipe.diagnose.references import (
    REFERENCE_KINDS,
    ReferenceData,
    best_reference,
    fit_reference,
    fit_references,
    reference_error,
    reference_name,
)
from deeprecipe.errors import DeepRecipeError


def _classes(seed=0, m=300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.3).astype(np.int64)
    return ReferenceData(X[:200], y[:200], X[200:], y[200:], regression=False)


def test_trivial_classifier_is_the_training_majority_scored_on_dev():
    data = _classes()
    result, _ = fit_reference("trivial", data)
    majority = np.bincount(data.y_train).argmax()
    assert result["train_error"] == pytest.approx(np.mean(data.y_train != majority))
    assert result["dev_error"] == pytest.approx(np.mean(data.y_dev != majority))
    assert result["n_dev"] == 100
    p = result["dev_error"]
    assert result["dev_se"] == pytest.approx(np.sqrt(p * (1 - p) / 100))


def test_trivial_regressor_is_the_training_mean():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(80, 2)), rng.normal(5.0, 2.0, size=80)
    data = ReferenceData(X[:50], y[:50], X[50:], y[50:], regression=True)
    result, _ = fit_reference("trivial", data)
    assert result["dev_error"] == pytest.approx(np.mean((y[50:] - y[:50].mean()) ** 2))
    assert result["name"] == "training mean"


def test_linear_beats_trivial_on_a_linear_rule_and_boosting_beats_linear_on_xor():
    data = _classes()
    errors = {k: fit_reference(k, data)[0]["dev_error"] for k in REFERENCE_KINDS}
    assert errors["linear"] < 0.05 < errors["trivial"]
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(600, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    xor = ReferenceData(X[:400], y[:400], X[400:], y[400:], regression=False)
    linear = fit_reference("linear", xor)[0]["dev_error"]
    boosting = fit_reference("boosting", xor)[0]["dev_error"]
    assert boosting < 0.1 and linear > 0.3


def test_ridge_reaches_the_noise_variance_and_boosting_handles_several_outputs():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1000, 4))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5, 0.0], X[:, 0] * 3]) + rng.normal(0, 0.5, (1000, 2))
    data = ReferenceData(X[:700], Y[:700], X[700:], Y[700:], regression=True)
    ridge, model = fit_reference("linear", data)
    assert ridge["dev_error"] == pytest.approx(0.25, rel=0.2)
    assert reference_error(model, X[700:], Y[700:], regression=True) == ridge["dev_error"]
    boosting, _ = fit_reference("boosting", data)
    assert boosting["dev_error"] < 1.0


def test_references_run_as_picklable_jobs_in_worker_processes():
    data = _classes()
    pickle.dumps((fit_reference, data))
    here = [r for r, _ in fit_references(data, n_jobs=1)]
    there = [r for r, _ in fit_references(data, n_jobs=2)]
    assert [r["dev_error"] for r in here] == [r["dev_error"] for r in there]
    assert best_reference(here)["dev_error"] == min(r["dev_error"] for r in here)


def test_an_unknown_kind_is_refused_naming_the_accepted_ones():
    with pytest.raises(DeepRecipeError, match="boosting, linear, trivial"):
        fit_reference("forest", _classes())
    assert reference_name("linear", regression=False) == "logistic regression"


@pytest.mark.parametrize("m", [12, 20, 39])
def test_boosting_on_a_tiny_training_set_is_not_the_training_mean_again(m):
    """scikit-learn's default leaf (20 rows) allows no split below 40 rows: boosting would
    equal the trivial reference (scotland: 20 training rows). A smaller leaf lets it learn."""
    rng = np.random.default_rng(0)
    X, X_dev = rng.normal(size=(m, 3)), rng.normal(size=(200, 3))
    y, y_dev = 3 * X[:, 0], 3 * X_dev[:, 0]
    data = ReferenceData(X, y, X_dev, y_dev, regression=True)
    boosting, _ = fit_reference("boosting", data)
    trivial, _ = fit_reference("trivial", data)
    assert boosting["dev_error"] < 0.5 * trivial["dev_error"]


def test_a_large_training_set_chooses_c_on_samples_and_refits_on_every_row():
    """18 fits on 307k rows took 64 s of a 5-minute budget (a new user's trial)."""
    from deeprecipe.diagnose.references import SEARCH_ROWS

    rng = np.random.default_rng(0)
    m = SEARCH_ROWS + 5000
    X = rng.normal(size=(m, 3))
    y = (X[:, 0] + rng.normal(size=m) > 0).astype(int)
    data = ReferenceData(X, y, X[:100], y[:100], regression=False)
    _, model = fit_reference("linear", data)
    split = model.cv
    assert split.train_size + split.test_size == SEARCH_ROWS
    assert model.n_splits_ == 3
    from sklearn.linear_model import LogisticRegression

    every_row = LogisticRegression(max_iter=2000, C=model.best_params_["C"]).fit(X, y)
    np.testing.assert_allclose(model.best_estimator_.coef_, every_row.coef_)  # the refit


# -- a table's text columns: boosting reads each one-hot block as one categorical feature ------


def _table(m=1200, n_categories=12, seed=0):
    """A numeric column, a text column that decides most of the class, another numeric column:
    one-hot encoded by a TableSchema and standardized, as the recipe gives them."""
    from deeprecipe.data import Standardizer, TableSchema

    rng = np.random.default_rng(seed)
    colour = rng.integers(0, n_categories, m)
    x = rng.normal(size=m)
    effect = rng.normal(0, 2, n_categories)
    y = (effect[colour] + x + rng.normal(0, 0.5, m) > 0).astype(np.int64)
    columns = {"x": x, "colour": np.array([f"c{c}" for c in colour], dtype=object),
               "z": rng.normal(size=m)}  # fmt: skip
    schema = TableSchema.fit(columns)
    X, _ = schema.encode(columns)
    n = m * 2 // 3
    scaler = Standardizer().fit(X[:n])
    return scaler.transform(X[:n]), y[:n], scaler.transform(X[n:]), y[n:], schema


def test_boosting_reads_each_one_hot_block_as_one_categorical_feature():
    X, y, X_dev, y_dev, schema = _table()
    blocks = schema.one_hot_blocks()
    assert blocks == (slice(1, 13),)
    onehot = ReferenceData(X, y, X_dev, y_dev, regression=False)
    native = ReferenceData(X, y, X_dev, y_dev, regression=False, categorical_blocks=blocks)
    before, plain = fit_reference("boosting", onehot)
    after, model = fit_reference("boosting", native)
    assert plain.is_categorical_ is None  # no blocks: the model as it always was
    # x, colour's codes, z: scikit-learn saw three features, the middle one categorical
    assert model[-1].is_categorical_.tolist() == [False, True, False]
    assert model[-1].n_features_in_ == 3
    # as good as one-hot on dev, where the colour decides most of the class
    trivial, _ = fit_reference("trivial", native)
    assert after["dev_error"] <= before["dev_error"] + after["dev_se"]
    assert after["dev_error"] < 0.5 * trivial["dev_error"]
    # predict reads the same one-hot X as fit: the test set is scored as dev is
    assert reference_error(model, X_dev, y_dev, regression=False) == after["dev_error"]


def test_one_hot_codes_take_the_hot_column_and_leave_other_columns_in_place():
    from deeprecipe.diagnose.references import one_hot_codes

    X = np.array(
        [
            [5.0, 0, 1, 0, 7.0, 1, 0],
            [6.0, 1, 0, 0, 8.0, 0, 1],
            [7.0, 0, 0, 0, 9.0, 0, 1],  # no hot column in the first block: missing
            [8.0, np.nan, np.nan, np.nan, 1.0, 1, 0],  # a missing cell's block: missing
        ]
    )
    blocks = (slice(1, 4), slice(5, 7))
    codes = one_hot_codes(X, blocks)
    np.testing.assert_array_equal(
        codes, [[5, 1, 7, 0], [6, 0, 8, 1], [7, np.nan, 9, 1], [8, np.nan, 1, 0]]
    )
    # standardized columns (0 at or below 0, 1 above it) give the same codes
    from deeprecipe.data import Standardizer

    filled = X[:3]
    Z = Standardizer().fit(filled).transform(filled)
    np.testing.assert_array_equal(one_hot_codes(Z, blocks)[:, [1, 3]], codes[:3, [1, 3]])
    np.testing.assert_array_equal(one_hot_codes(X, ()), X)  # no blocks: X as it is


def test_a_block_with_more_categories_than_bins_stays_one_hot():
    """scikit-learn refuses a categorical feature with more than max_bins (255) categories."""
    from deeprecipe.diagnose.references import MAX_BINS

    rng = np.random.default_rng(0)
    m, wide = 600, MAX_BINS + 1
    X = np.zeros((m, 1 + wide + 3))
    X[:, 0] = rng.normal(size=m)
    X[np.arange(m), 1 + rng.integers(0, wide, m)] = 1.0
    X[np.arange(m), 1 + wide + rng.integers(0, 3, m)] = 1.0
    y = (X[:, 0] + X[:, -1] > 0.5).astype(np.int64)
    blocks = (slice(1, 1 + wide), slice(1 + wide, 4 + wide))
    data = ReferenceData(X[:400], y[:400], X[400:], y[400:], regression=False,
                         categorical_blocks=blocks)  # fmt: skip
    _, model = fit_reference("boosting", data)
    is_categorical = model[-1].is_categorical_
    assert len(is_categorical) == 1 + wide + 1 and is_categorical.tolist().count(True) == 1
    assert is_categorical[-1]


def test_several_regression_outputs_each_read_the_categories():
    X, _, X_dev, _, schema = _table(m=600)
    rng = np.random.default_rng(1)
    Y, Y_dev = rng.normal(size=(len(X), 2)), rng.normal(size=(len(X_dev), 2))
    data = ReferenceData(X, Y, X_dev, Y_dev, regression=True,
                         categorical_blocks=schema.one_hot_blocks())  # fmt: skip
    result, model = fit_reference("boosting", data)
    assert [e.is_categorical_.tolist() for e in model[-1].estimators_] == [[False, True, False]] * 2
    assert result["dev_error"] == reference_error(model, X_dev, Y_dev, regression=True)


@pytest.mark.parametrize(
    "blocks", [(slice(2, 1),), (slice(0, 99),), (slice(0, 3), slice(2, 4)), (slice(0, 4, 2),), (3,)]
)
def test_blocks_that_are_not_apart_inside_x_are_refused_naming_them(blocks):
    X = np.zeros((10, 5))
    with pytest.raises(DeepRecipeError, match="categorical_blocks holds .*accepted: slices of"):
        ReferenceData(X, np.zeros(10), None, None, regression=True, categorical_blocks=blocks)
