"""The optimization probe as trials: a learning rate that cannot fit is an optimization problem."""

import numpy as np

from deeprecipe.recipe.probe import PROBE_ROWS, probe_candidates, probe_verdict
from deeprecipe.recipe.sweep import Sweeper
from deeprecipe.recipe.trial import TrialData, make_spec


def _data(m=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 4))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(np.int64)
    return TrialData(X[:300], y[:300], X[300:], y[300:], loss="binary_crossentropy", n_outputs=1)


def _probe(spec):
    data = _data()
    candidates = probe_candidates(spec, len(data.X_train))
    labels = [label for label, _ in candidates]
    with Sweeper(data, n_jobs=1) as sweeper:
        outcomes = sweeper.run([s for _, s in candidates], labels=labels)
    return (
        candidates,
        outcomes,
        probe_verdict(outcomes, labels, regression=False, target_variance=1.0),
    )


def test_a_step_size_too_small_to_fit_a_subset_is_an_optimization_problem():
    spec = make_spec(hidden=[32], optimizer="gd", learning_rate=1e-5, epochs=1000)
    candidates, outcomes, verdict = _probe(spec)
    assert [label for label, _ in candidates][:2] == ["gd lr 1e-05", "gd lr 0.001"]
    assert all(o.result["n_train"] == PROBE_ROWS for o in outcomes)
    assert all(s["epochs"] == 300 for _, s in candidates)  # capped: the probe is cheap
    assert verdict["verdict"] == "optimization"
    assert verdict["rows"][0]["curve"] == "flat" and not verdict["rows"][0]["fits"]
    assert ("adam", 0.01) in verdict["fixes"]
    assert (
        "not a lack of capacity" in verdict["text"]
        and "raise the learning rate" in (verdict["text"])
    )


def test_settings_that_fit_the_subset_say_training_works():
    spec = make_spec(hidden=[64], optimizer="adam", learning_rate=0.01, epochs=300)
    _, _, verdict = _probe(spec)
    assert verdict["verdict"] == "trains" and "training works" in verdict["text"]
