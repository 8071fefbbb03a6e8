"""Hidden-layer activations g(z) and their derivatives, side by side.

Each activation is a pair ``forward(z) -> a`` and ``backward(z, a, da) -> dz = da * g'(z)``.
The backward receives both ``z`` and ``a = g(z)`` so each derivative uses whichever is cheaper
(``sigmoid' = a (1 - a)``, ``tanh' = 1 - a^2``, ``relu' = [z > 0]``).
The output layer is always ``identity``: its logits go to a loss that applies sigmoid or
softmax itself, in numerically stable form (see :mod:`deeprecipe.nn.losses`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deeprecipe._validation import check_choice

LEAKY_SLOPE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), computed without overflow for large |z|."""
    # 1/(1+exp(-z)) only overflows in exp(-z) for z << 0, where the result underflows to 0:
    # NumPy then returns the correct limit, so silence the overflow warning instead of branching.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _relu(z):
    return np.maximum(z, 0)


def _relu_backward(z, a, da):
    return da * (z > 0)


def _leaky_relu(z):
    return np.where(z > 0, z, z * z.dtype.type(LEAKY_SLOPE))


def _leaky_relu_backward(z, a, da):
    return np.where(z > 0, da, da * da.dtype.type(LEAKY_SLOPE))


def _tanh_backward(z, a, da):
    return da * (1 - a * a)


def _sigmoid_backward(z, a, da):
    return da * (a * (1 - a))


def _identity(z):
    return z


def _identity_backward(z, a, da):
    return da


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z)`` and ``backward(z, a, da)``."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    #: the initializer the course recommends for it (He for the ReLU family, Xavier otherwise)
    recommended_init: str


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", _relu, _relu_backward, "he"),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_relu_backward, "he"),
    "tanh": Activation("tanh", np.tanh, _tanh_backward, "xavier"),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward, "xavier"),
    "identity": Activation("identity", _identity, _identity_backward, "xavier"),
}


def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by name (``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ``identity``)."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
