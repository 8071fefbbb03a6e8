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
