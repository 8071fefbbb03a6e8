"""Your own activation checked alone: its ``backward`` against a finite difference of its
``forward``, at the pre-activations the network feeds it.

A wrong derivative in an activation fails the weights and biases of its layer and of every
layer before it together, so the whole-network check names tensors, not the activation. This
check names it. For an element-wise ``g``, ``backward(z, g(z), 1)`` is ``g'(z)``, and::

    g'(z) ~ (g(z + h) - g(z - h)) / (2 h),   h = 1e-5 * max(1, |z|)

in float64. Points within 10 h of 0 are left out (the kink of ReLU-like activations).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: the largest relative difference between backward and the finite difference still agreeing
AGREE = 1e-4
#: pre-activations looked at per activation (the first ones of its layers)
MAX_POINTS = 2000


def activation_notes(net: Any, custom: list[Any]) -> list[str]:
    """One note per activation of ``custom`` (your own, on ``net``) whose forward is not a
    function of ``z`` alone, or whose backward disagrees with its forward; ``net`` has just run
    a forward pass, whose pre-activations are used."""
    notes = []
    for activation in custom:
        z = _pre_activations(net, activation)
        if z.size == 0:
            continue
        fault = _forward_fault(activation, z)
        if fault:
            notes.append(
                f"your activation {activation.name!r} {fault}: the finite differences then "
                "measure that, not backprop; the bug is in its forward, not in the layers the "
                "check names"
            )
            continue
        h = 1e-5 * np.maximum(1.0, np.abs(z))
        numerical = (activation.forward(z + h) - activation.forward(z - h)) / (2 * h)
        claimed = activation.backward(z, activation.forward(z), np.ones_like(z))
        error = np.abs(claimed - numerical) / np.maximum(1.0, np.abs(numerical))
        k = int(np.argmax(error))
        if error[k] > AGREE:
            notes.append(
                f"your activation {activation.name!r} disagrees with itself: its backward "
                f"gives g'(z) = {claimed[k]:.6g} at z = {z[k]:.6g}, where a finite difference "
                f"of its forward gives {numerical[k]:.6g} ({int((error > AGREE).sum())} of "
                f"{z.size} points checked disagree): the bug is in its backward, not in the "
                "layers the check names"
            )
    return notes


def _forward_fault(activation: Any, z: np.ndarray) -> str | None:
    """What makes ``activation.forward`` more than a float64 function of ``z``, if anything."""
    given = z.copy()
    first = np.asarray(activation.forward(given))
    if not np.array_equal(given, z, equal_nan=True):
        return (
            "changes its input z in place (backward then reads the changed z): write to a new array"
        )
    if first.dtype != np.float64:
        return (
            f"returns {first.dtype} for float64 z: it computes in lower precision, whose "
            "rounding swamps a finite difference"
        )
    if not np.array_equal(first, np.asarray(activation.forward(z.copy())), equal_nan=True):
        return "gives two different outputs for the same z (a draw at random per call)"
    return None


def _pre_activations(net: Any, activation: Any) -> np.ndarray:
    """The last forward pass's pre-activations of the hidden layers using ``activation``, as
    float64, away from 0."""
    parts = [
        np.asarray(net.backend.to_host(layer._z), dtype=np.float64).ravel()
        for layer in net.layers[:-1]
        if layer.activation is activation and layer._z is not None
    ]
    z = np.concatenate(parts)[:MAX_POINTS] if parts else np.empty(0)
    return z[np.abs(z) > 10 * 1e-5 * np.maximum(1.0, np.abs(z))]
