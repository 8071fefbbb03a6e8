"""Training never copies the dataset: not at the door, not per epoch, not per mini-batch."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.train import fit


def test_check_inputs_returns_a_float32_array_as_is():
    X = np.zeros((10, 3), dtype=np.float32)
    net = Network([3, 2, 1])
    assert net.check_inputs(X) is X


def test_the_finiteness_check_still_names_the_bad_entry():
    net = Network([3, 2, 1])
    X = np.zeros((10, 3), dtype=np.float32)
    X[7, 2] = np.nan
    with pytest.raises(DeepRecipeError, match="row 7, column 2"):
        net.check_inputs(X)


def test_finite_data_whose_sum_overflows_is_accepted():
    net = Network([3, 2, 1])
    X = np.full((10, 3), 3e38, dtype=np.float32)  # finite entries, an infinite float32 sum
    assert net.check_inputs(X) is X


def test_an_epoch_allocates_a_small_fraction_of_the_dataset():
    """Peak traced allocation of fit() on float32 data: the batch buffers, the model and the
    chunked per-epoch metrics, never a copy of X (16 MB here)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40_000, 100), dtype=np.float32)
    y = rng.integers(0, 2, 40_000)
    net = Network([100, 16, 1], keep_prob=0.9, seed=0)
    fit(net, X[:256], y[:256], epochs=1, batch_size=64)  # first-call allocations out of the way
    tracemalloc.start()
    try:
        fit(net, X, y, epochs=2, batch_size=128, learning_rate=0.01)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, f"peak {peak / 2**20:.1f} MiB for {X.nbytes / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    "loss, n_out",
    [
        ("softmax_crossentropy", 3),
        ("binary_crossentropy", 1),
        ("mse", 1),
        ("binary_crossentropy", 2),
    ],
)
def test_the_trainers_metrics_equal_cost_and_error(loss, n_out):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 4), dtype=np.float32)
    if loss == "softmax_crossentropy":
        y = rng.integers(0, 3, 300)
    elif loss == "mse":
        y = rng.standard_normal(300)
    else:
        y = rng.integers(0, 2, (300, n_out)) if n_out > 1 else rng.integers(0, 2, 300)
    net = Network([4, 6, n_out], loss=loss, l2=0.3, seed=2)
    targets = net.prepare_targets(y, 300)
    cost, error = net._evaluate(X, targets, y=y, m=1000)
    assert cost == net.cost(X, y, m=1000)  # one chunk: bit for bit
    assert error == net.error(X, y)
    chunked_cost, chunked_error = net._evaluate(X, targets, y=y, m=1000, chunk_rows=64)
    assert chunked_cost == pytest.approx(cost, rel=1e-6)
    assert chunked_error == pytest.approx(error, rel=1e-12)
