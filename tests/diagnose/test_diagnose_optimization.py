"""Optimization before capacity: the subset probe and the reading of cost curves."""

import numpy as np
import pytest

from deeprecipe.diagnose.optimization import (
    curve_advice,
    fit_subset,
    probe_optimization,
    read_cost_curve,
)
from deeprecipe.nn.network import Network


def test_cost_curves_are_read_as_falling_flat_oscillating_or_diverging():
    t = np.arange(100)
    assert read_cost_curve(np.exp(-t / 20) + 0.1) == "falling"
    assert read_cost_curve(np.full(100, 0.69) - 1e-5 * t) == "flat"
    assert read_cost_curve(0.7 - 0.001 * t + 0.2 * (-1.0) ** t) == "oscillating"
    assert read_cost_curve(0.7 * 1.05**t) == "diverging"
    assert read_cost_curve([0.7, 0.5, None]) == "diverging"
    assert "learning rate" in curve_advice("diverging")


def _blobs(seed=0, m=300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 4))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(np.int64)
    return X, y


def test_a_learning_rate_too_small_to_fit_is_named_an_optimization_problem_and_fixed():
    X, y = _blobs()
    net = Network([4, 32, 1], seed=0)
    probe = probe_optimization(net, X, y, optimizer="gd", learning_rate=1e-6, epochs=400)
    assert probe.verdict == "optimization"
    assert not probe.current.fits and probe.current.curve == "flat"
    assert probe.fix.fits and probe.fix.error <= 0.02
    assert "optimization problem, not capacity" in str(probe)
    assert net.theta.any()  # the probe trains copies; the network given is untouched
    assert np.array_equal(net.theta, Network([4, 32, 1], seed=0).theta)


def test_a_network_that_fits_the_subset_trains_and_one_that_cannot_is_undecided():
    X, y = _blobs(1)
    fits = probe_optimization(
        Network([4, 64, 1], seed=0), X, y, optimizer="adam", learning_rate=0.01, epochs=500
    )
    assert fits.verdict == "trains" and fits.tried == ()
    # one hidden unit cannot carve the product rule on 128 points, whatever the step size
    tiny = probe_optimization(
        Network([4, 1, 1], seed=0), X, y, optimizer="adam", learning_rate=0.01, epochs=300
    )
    assert tiny.verdict == "undecided" and tiny.fix is None


def test_identical_inputs_with_different_labels_set_the_floor():
    X = np.zeros((10, 2))
    y = np.array([0, 1] * 5)
    result = fit_subset(
        Network([2, 4, 1], seed=0), X, y, optimizer="adam", learning_rate=0.01, epochs=50
    )
    assert result.floor == pytest.approx(0.5)
    assert result.fits  # nothing better than half is possible on these rows


def test_regression_targets_in_any_units_are_judged_on_their_standardized_scale():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = 1e6 * (X[:, 0] - 2 * X[:, 1])
    result = fit_subset(
        Network([3, 16, 1], loss="mse", activation="relu", seed=0),
        X,
        y,
        optimizer="adam",
        learning_rate=0.01,
        epochs=500,
    )
    assert result.fits and result.error < 0.05


def test_jitter_at_the_end_of_a_long_descent_is_not_oscillation():
    t = np.arange(10_000)
    jitter = 0.002 * np.random.default_rng(0).standard_normal(10_000)
    assert read_cost_curve(0.13 + 0.59 * np.exp(-t / 1000) + jitter) == "falling"
