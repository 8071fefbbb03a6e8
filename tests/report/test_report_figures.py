"""Every plot is titled, has labelled axes and a legend, and renders to a PNG headless."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.report import figures


def _check(figure):
    axes = figure.get_axes()
    assert axes
    drawn = [ax for ax in axes if ax.has_data()]
    assert drawn
    for ax in drawn:
        assert ax.get_title() or figure._suptitle is not None
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
    assert figures.png_bytes(figure).startswith(b"\x89PNG")


def test_cost_curves_skip_unmeasured_epochs():
    history = {
        "epoch": [1, 2, 3],
        "cost": [1.0, 0.5, 0.25],
        "train_error": [0.5, None, 0.2],
        "dev_cost": [1.1, None, 0.4],
        "dev_error": [0.6, None, 0.3],
        "best_epoch": 3,
    }
    figure = figures.cost_curves({"chosen": history})
    _check(figure)
    cost_ax = figure.get_axes()[0]
    labels = [line.get_label() for line in cost_ax.get_lines()]
    assert "chosen: train" in labels and "chosen: dev" in labels
    dev = next(line for line in cost_ax.get_lines() if line.get_label() == "chosen: dev")
    assert list(dev.get_xdata()) == [1, 3]  # the None epoch is skipped, not drawn as 0


def _lines(ax):
    return {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}


def test_standardized_cost_curves_draw_their_errors_in_the_targets_units():
    # the recipe trains a regression on (y - mean) / std: its history's MSE of 0.8 is an MSE
    # of 0.8 * 21.5 = 17.2 in the units the tables speak, while the cost stays the objective
    history = {"epoch": [1, 2], "cost": [0.5, 0.4], "train_error": [1.0, 0.9],
               "dev_cost": [0.45, 0.41], "dev_error": [0.85, 0.8], "metric": "mse"}  # fmt: skip
    figure = figures.cost_curves({"chosen": history}, target_variances={"chosen": 21.5})
    _check(figure)
    cost_ax, error_ax = figure.get_axes()
    assert cost_ax.get_ylabel() == "cost J (standardized targets)"
    assert _lines(cost_ax)["chosen: dev"] == [0.45, 0.41]
    assert error_ax.get_ylabel() == "mean squared error"
    assert _lines(error_ax)["chosen: dev"] == pytest.approx([0.85 * 21.5, 0.8 * 21.5])
    # without the variance, the errors stay standardized, and say so
    unknown = figures.cost_curves({"chosen": history}, target_variances={"chosen": None})
    assert unknown.get_axes()[1].get_ylabel() == "mean squared error (standardized targets)"
    assert _lines(unknown.get_axes()[1])["chosen: dev"] == [0.85, 0.8]
    # a history in the targets' own units (deeprecipe train): an MSE axis, not error rates
    own = figures.cost_curves({"training": history}).get_axes()
    assert [ax.get_ylabel() for ax in own] == ["cost J", "mean squared error"]
    assert _lines(own[1])["training: dev"] == [0.85, 0.8]


def test_a_classifiers_cost_curves_read_as_rates():
    history = {"epoch": [1, 2], "cost": [0.7, 0.5], "train_error": [0.3, 0.2],
               "dev_cost": [0.71, 0.6], "dev_error": [0.35, 0.25], "metric": "error"}  # fmt: skip
    for figure in (figures.cost_curves({"chosen": history}),
                   figures.cost_curves({"chosen": history}, error_format="error")):  # fmt: skip
        cost_ax, error_ax = figure.get_axes()
        assert [cost_ax.get_ylabel(), error_ax.get_ylabel()] == ["cost J", "error rate"]
        assert _lines(error_ax)["chosen: dev"] == [0.35, 0.25]


def test_validation_curve_puts_lambda_zero_on_a_symlog_axis():
    figure = figures.validation_curve(
        "lambda", [0.0, 0.01, 0.1, 1.0], [0.1] * 4, [0.2] * 4, log_x=True, chosen=0.1
    )
    _check(figure)
    assert figure.get_axes()[0].get_xscale() == "symlog"
    positive = figures.validation_curve("lambda", [0.01, 1.0], [0.1, 0.2], [0.2, 0.3], log_x=True)
    assert positive.get_axes()[0].get_xscale() == "log"


@pytest.mark.parametrize(
    "make",
    [
        lambda: figures.learning_curve([10, 100], [0.0, 0.1], [0.4, 0.2], bayes_error=0.05),
        lambda: figures.step_errors(["baseline", "l2"], [0.1, 0.12], [0.2, 0.14]),
        lambda: figures.gradcheck_differences({"init": {"W1": 1e-9, "b1": 0.0}}),
        lambda: figures.layer_histograms(
            [{"name": "layer 1", "activations": np.arange(10.0), "gradients": np.ones(4)}]
        ),
    ],
)
def test_every_plot_is_readable(make):
    _check(make())


def test_decision_boundary_grid_and_panels():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 1, 0])

    def proba(P):
        return (P[:, 1:2] > 0.5).astype(float)  # class 1 above x2 = 0.5

    xx, yy, p = figures.boundary_grid(proba, X, resolution=20)
    assert xx.shape == yy.shape == p.shape == (20, 20)
    assert xx.min() < 0.0 and xx.max() > 1.0  # a margin around the data
    assert np.all(p[yy > 0.5] == 1.0) and np.all(p[yy < 0.5] == 0.0)
    figure = figures.decision_boundaries(
        [{"title": "a", "xx": xx, "yy": yy, "p": p}, {"title": "b", "xx": xx, "yy": yy, "p": p}],
        X,
        y,
    )
    assert len(figure.get_axes()) == 2
    _check(figure)
