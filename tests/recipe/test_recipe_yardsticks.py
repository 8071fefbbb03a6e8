"""The recipe's yardsticks: references through the sweeper, guards, R^2."""

import numpy as np
import pytest

from deeprecipe.recipe.sweep import Sweeper
from deeprecipe.recipe.trial import TrialData
from deeprecipe.recipe.yardsticks import (
    guards,
    r_squared,
    reference_data,
    run_references,
    score_on_test,
)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    return TrialData(X[:200], y[:200], X[200:], y[200:], loss="binary_crossentropy", n_outputs=1)


def test_references_run_where_the_trials_run_and_score_the_test_set_once():
    data = _data()
    rd = reference_data(data, regression=False, seed=0)
    with Sweeper(data, n_jobs=2) as sweeper:
        results, models = run_references(sweeper, rd)
    assert [r["kind"] for r in results] == ["trivial", "linear", "boosting"]
    assert results[1]["dev_error"] < 0.05 < results[0]["dev_error"]
    rng = np.random.default_rng(9)
    X_test = rng.normal(size=(100, 3))
    test = score_on_test(models, X_test, (X_test[:, 0] - X_test[:, 1] > 0), regression=False)
    assert test["linear"] < 0.05 and set(test) == {"trivial", "linear", "boosting"}


def _ref(kind, dev, n=100):
    return {
        "kind": kind,
        "name": kind + " model",
        "dev_error": dev,
        "dev_se": np.sqrt(dev * (1 - dev) / n),
    }


def test_a_network_worse_than_trivial_or_clearly_worse_than_a_reference_draws_a_loud_guard():
    refs = [_ref("trivial", 0.34), _ref("linear", 0.28), _ref("boosting", 0.30)]
    loud = guards(0.62, refs, regression=False)
    assert [g["kind"] for g in loud] == ["trivial", "linear", "boosting"]
    assert "is WORSE than trivial on dev" in loud[0]["message"]
    assert "use linear model instead" in loud[1]["message"]
    # within the dev set's noise of linear (0.28 +- 0.088), better than trivial: no guard
    assert guards(0.33, refs, regression=False) == []


def test_r_squared_is_one_minus_mse_over_the_parts_variance():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r_squared(np.var(y), y) == pytest.approx(0.0)
    assert r_squared(0.0, y) == 1.0
    assert r_squared(1.0, np.ones(4)) is None and r_squared(None, y) is None
