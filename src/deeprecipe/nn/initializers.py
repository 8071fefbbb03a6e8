"""Weight initializers: ``W[l]`` of shape ``(n[l-1], n[l])``; biases always start at zero.

=========== ================================ =====================================
name        W[l] ~                           use it for
=========== ================================ =====================================
``zeros``   0                                showing the symmetry failure only
``random``  N(0, 1) * scale                  showing exploding/vanishing (scale=10, 0.01)
``he``      N(0, 2 / n[l-1])                 ReLU, leaky ReLU
``xavier``  N(0, 1 / n[l-1])                 tanh (the course's "Xavier")
``lecun``   N(0, 1 / n[l-1])                 SELU-style nets (same variance as Xavier)
``glorot``  N(0, 2 / (n[l-1] + n[l]))        sigmoid/tanh, averaging fan-in and fan-out
=========== ================================ =====================================
"""

from __future__ import annotations

import numpy as np

from deeprecipe._validation import check_choice

_VARIANCE = {
    "he": lambda fan_in, fan_out: 2.0 / fan_in,
    "xavier": lambda fan_in, fan_out: 1.0 / fan_in,
    "lecun": lambda fan_in, fan_out: 1.0 / fan_in,
    "glorot": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
}

INITIALIZERS = ("zeros", "random", *_VARIANCE)


def initial_weights(
    name: str, fan_in: int, fan_out: int, rng: np.random.Generator, *, scale: float = 0.01
) -> np.ndarray:
    """Draw one ``(fan_in, fan_out)`` weight matrix in float64 (cast by the caller)."""
    name = check_choice("init", name, INITIALIZERS)
    if name == "zeros":
        return np.zeros((fan_in, fan_out))
    normal = rng.standard_normal((fan_in, fan_out))
    if name == "random":
        return normal * scale
    return normal * np.sqrt(_VARIANCE[name](fan_in, fan_out))
