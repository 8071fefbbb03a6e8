"""Small data shared by the recipe tests (not a test module)."""

from __future__ import annotations

import numpy as np

from deeprecipe.recipe import TrialData, make_spec


def blobs(m: int = 240, seed: int = 0):
    """Two overlapping Gaussian classes in 2-D: quick to train, a little noisy."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, m)
    X = rng.standard_normal((m, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
    return X, y


def small_data(seed: int = 0) -> TrialData:
    X, y = blobs(200, seed)
    return TrialData(X[:150], y[:150], X[150:], y[150:], "binary_crossentropy", 1)


def l2_specs(n: int = 8, epochs: int = 300) -> list[dict]:
    grid = np.geomspace(0.01, 10.0, n)
    return [
        make_spec(hidden=[16, 4], l2=float(lam), learning_rate=0.3, epochs=epochs, metrics_every=30)
        for lam in grid
    ]
