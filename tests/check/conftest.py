"""Fixtures that plant a backprop bug for one test (class-level patches, undone by monkeypatch).

The gradient check runs on ``network.copy(dtype=float64)``, which builds a plain ``Network``,
so bugs are planted on the classes (``Network.backward``, ``Dense.backward``) for the duration of
one test, never in ``nn/``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from deeprecipe.nn.dense import Dense
from deeprecipe.nn.network import Network


def corrupt_gradient(monkeypatch, corrupt) -> None:
    """After every backward pass, call ``corrupt(grads, net, m)`` with ``grads`` the views
    ``{"W1": dW1, "b1": db1, ...}`` of the network's flat gradient."""
    original = Network.backward

    def buggy_backward(self, dz_out, *, m):
        grad = original(self, dz_out, m=m)
        views = dict(zip(self.parameter_names, self.views(grad)))
        corrupt(views, self, m)
        return grad

    monkeypatch.setattr(Network, "backward", buggy_backward)


def corrupt_layer(monkeypatch, w_shape, *, activation_backward=None, forget_keep_prob=False):
    """Patch ``Dense.backward`` for the layer whose ``W`` has shape ``w_shape`` only:
    a wrong activation derivative, or a dropout backward that forgets ``1/keep_prob``."""
    original = Dense.backward

    def buggy_backward(self, da, **kwargs):
        if self.W.shape != tuple(w_shape):
            return original(self, da, **kwargs)
        saved_activation, saved_mask = self.activation, self.mask
        if activation_backward is not None:
            self.activation = dataclasses.replace(self.activation, backward=activation_backward)
        if forget_keep_prob and self.mask is not None:
            self.mask = (self.mask > 0).astype(self.mask.dtype)  # D instead of D / keep_prob
        try:
            return original(self, da, **kwargs)
        finally:
            self.activation, self.mask = saved_activation, saved_mask

    monkeypatch.setattr(Dense, "backward", buggy_backward)


def data(n_x: int, n_classes: int, m: int, seed: int, loss: str):
    """Standard-normal inputs and labels suited to ``loss``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_x))
    if loss == "mse":
        return X, rng.standard_normal((m, n_classes))
    if loss == "binary_crossentropy":
        return X, rng.integers(0, 2, size=(m, n_classes))
    return X, rng.integers(0, n_classes, size=m)


class Planter:
    """The two planting helpers bound to one test's monkeypatch."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch

    def gradient(self, corrupt) -> None:
        corrupt_gradient(self.monkeypatch, corrupt)

    def layer(self, w_shape, **bug) -> None:
        corrupt_layer(self.monkeypatch, w_shape, **bug)


@pytest.fixture
def plant(monkeypatch) -> Planter:
    """Plant one backprop bug for the duration of a test."""
    return Planter(monkeypatch)


@pytest.fixture
def make_data():
    return data
