"""A training history in a notebook: the last figures and the cost and error curves inline."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.data import load_dataset
from deeprecipe.nn import Network
from deeprecipe.train import History, fit


def test_a_classifier_history_shows_its_last_figures_and_curves(display):
    ds = load_dataset("moons")
    X, y, Xd, yd = ds.X[:200], ds.y[:200], ds.X[200:300], ds.y[200:300]
    history = fit(Network([2, 8, 1], seed=0), X, y, optimizer="adam", learning_rate=0.01,
                  epochs=40, X_dev=Xd, y_dev=yd)  # fmt: skip
    shown = display(history)
    assert "after 40 epochs" in shown.text
    cost = shown.cells.index("cost J")
    assert shown.cells[cost + 1] == f"{history.cost[-1]:.4g}"
    assert shown.cells[cost + 2] == f"{history.dev_cost[-1]:.4g}"
    error = shown.cells.index("error")
    assert shown.cells[error + 2] == f"{100 * history.dev_error[-1]:.2f}%"
    (image,) = shown.images
    assert image.shape[1] > 600 and image.std() > 0  # two panels, drawn
    assert repr(history) == (
        f"History(40 epochs, cost {history.cost[-1]:.4g}, train_error "
        f"{100 * history.train_error[-1]:.2f}%, dev_error {100 * history.dev_error[-1]:.2f}%)"
    )


def test_a_regression_history_reads_its_mse_as_numbers(display):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    history = fit(Network([3, 4, 1], loss="mse", seed=0), X, y, epochs=10, X_dev=X, y_dev=y)
    assert history.metric == "mse"
    shown = display(history)
    row = shown.cells.index("mse")
    assert shown.cells[row + 2] == f"{history.dev_error[-1]:.4g}"
    assert "%" not in repr(history)


def test_an_empty_history_says_so(display):
    assert "No epoch recorded" in display(History()).text
    assert repr(History()) == "History(0 epochs)"
    assert History.from_dict(History(metric="mse").to_dict()).metric == "mse"


def test_a_plot_shows_itself_in_a_notebook_without_the_inline_backend():
    """A new-user trial: history.plot() read '<Figure size 900x340 with 2 Axes>' in Jupyter
    unless '%matplotlib inline' ran first (the figures bypass pyplot on purpose)."""
    ds = load_dataset("moons")
    history = fit(Network([2, 4, 1], seed=0), ds.X, ds.y, epochs=3, metrics_every=1)
    figure = history.plot()
    assert figure._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
    formatters = pytest.importorskip("IPython.core.formatters", reason='pip install -e ".[test]"')
    assert formatters.PNGFormatter()(figure).startswith(b"\x89PNG\r\n\x1a\n")
