"""The diagnosis results in a notebook: the lecture's table with its verdicts in colour, curves
as numbers beside their plot, network health with its histograms, initializations compared;
each with a short repr."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe._html import COLORS
from deeprecipe.data import load_dataset
from deeprecipe.diagnose import (
    compare_initializations,
    diagnose,
    layer_health,
    learning_curve,
    validation_curve,
)
from deeprecipe.nn import Network


def test_the_lecture_example_reads_as_percentages_with_high_variance_in_red(display):
    # the lecture: human 1%, train 1%, dev 11% -> high variance
    shown = display(diagnose(0.01, 0.11, bayes_error=0.01))
    cells = shown.cells
    assert cells[cells.index("train error") + 1] == "1.00%"
    assert cells[cells.index("dev error") + 1] == "11.00%"
    assert cells[cells.index("variance (dev - train)") + 1] == "10.00%"
    assert cells[cells.index("variance (dev - train)") + 2].startswith("HIGH (threshold")
    assert cells[cells.index("avoidable bias (train - Bayes)") + 2].startswith("ok")
    assert shown.color_of("HIGH") == COLORS["bad"]
    assert "Diagnosis: high variance" in shown.text
    assert "regularization" in shown.text  # the next actions


def test_a_regression_diagnosis_reads_as_plain_numbers(display):
    shown = display(diagnose(2.5, 2.6, bayes_error=2.0, metric="loss"))
    assert shown.cells[shown.cells.index("train loss") + 1] == "2.5"
    assert "%" not in "".join(shown.cells)


def test_diagnosis_repr_is_short():
    text = repr(diagnose(0.15, 0.16, bayes_error=0.0))
    assert text == "Diagnosis('high bias', train 15.00%, dev 16.00%, Bayes 0.00%, focus='bias')"
    assert ", Bayes assumed 0.00%," in repr(diagnose(0.15, 0.16))
    from deeprecipe.diagnose.achievable import AchievableError, Bound

    bracket = AchievableError("error", Bound(0.055, 0.03, 0.08, "gradient boosting", 200), None)
    # a reference's dev error is an estimate, not the Bayes error (a new user read it as one)
    assert ", Bayes estimate (best reference's dev) 5.50%," in repr(
        diagnose(0.03, 0.04, achievable=bracket)
    )


@pytest.fixture(scope="module")
def moons():
    ds = load_dataset("moons")
    return ds.X[:200], ds.y[:200], ds.X[200:300], ds.y[200:300]


def test_a_validation_curve_shows_each_value_and_its_plot(display, moons):
    curve = validation_curve({"layer_sizes": [2, 8, 1]}, "l2", [0.0, 0.1, 10.0], *moons,
                             fit_kwargs={"epochs": 20, "optimizer": "adam"})  # fmt: skip
    shown = display(curve)
    for value, dev in zip(curve.values, curve.dev_error):
        row = shown.cells.index(str(value))
        assert shown.cells[row + 2] == f"{100 * dev:.2f}%"
    assert len(shown.images) == 1 and shown.images[0].shape[1] > 300
    assert f"lowest dev error: l2 = {curve.best_value}" in shown.text
    assert repr(curve) == f"ValidationCurve('l2', 3 points, metric='error', repeats=1, " \
                          f"best={curve.best_value!r})"  # fmt: skip


def test_a_learning_curve_shows_each_size(display, moons):
    curve = learning_curve({"layer_sizes": [2, 8, 1]}, *moons, sizes=[50, 200],
                           fit_kwargs={"epochs": 20})  # fmt: skip
    shown = display(curve)
    assert "50" in shown.cells and "200" in shown.cells
    assert f"{100 * curve.train_error[-1]:.2f}%" in shown.cells
    assert len(shown.images) == 1
    assert repr(curve).startswith("LearningCurve('n_train', 2 points")


def test_network_health_shows_each_layer_and_its_histograms(display, moons):
    X, y = moons[0], moons[1]
    report = layer_health(Network([2, 6, 4, 1], seed=0), X, y)
    shown = display(report)
    assert shown.cells[shown.cells.index("3 (output)") + 2] == "1"
    assert "6" in shown.cells and "4" in shown.cells
    norm = report.layers[0].grad_norm_W
    assert f"{norm:.4g}" in shown.cells
    assert len(shown.images) == 1
    assert repr(report).startswith("HealthReport(3 layers, cost ")


def test_vanishing_gradients_are_flagged_in_red(display, moons):
    X, y = moons[0], moons[1]
    net = Network([2, 20, 20, 20, 20, 1], activation="tanh", init="zeros", init_scale=0.01)
    net.theta[...] = np.random.default_rng(0).standard_normal(net.n_params) * 0.01
    report = layer_health(net, X, y)
    assert report.warnings
    shown = display(report)
    for warning in report.warnings:
        assert shown.color_of(f"Warning: {warning.message}"[:40]) == COLORS["bad"]


def test_initializations_compared_show_accuracies_and_symmetry(display, moons):
    X, y, X_test, y_test = moons
    comparison = compare_initializations(
        X, y, X_test, y_test, layer_sizes=[2, 5, 1], inits=("zeros", "he"), epochs=30,
        learning_rate=0.1,
    )  # fmt: skip
    shown = display(comparison)
    zeros = shown.cells.index("zeros")
    assert shown.cells[zeros + 2] == f"{100 * comparison['zeros'].test_accuracy:.2f}%"
    assert shown.cells[zeros + 4] == "no"  # zeros never break symmetry
    assert shown.cells[shown.cells.index("he") + 4] == "yes"
    assert len(shown.images) == 1
    assert repr(comparison).startswith("InitializationComparison(zeros: test ")
