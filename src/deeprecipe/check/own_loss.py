"""Your own loss checked alone: its gradient against a finite difference of its value, at the
logits the network gives.

A wrong ``dJ/dz`` in a loss fails every tensor of the network together, so the whole-network
check names tensors, not the loss. This check names it::

    dJ/dz[i, j] ~ (J(z + h e_ij) - J(z - h e_ij)) / (2 h),   h = 1e-6 * max(1, |z[i, j]|)

with ``J = loss.value`` (the mean over the examples) and the gradient that backprop uses,
``loss.value_and_gradient``, in float64.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

#: the largest relative difference between the loss's gradient and the finite difference
AGREE = 1e-4
#: logits entries looked at
MAX_ENTRIES = 200


def loss_note(loss: Any, logits: np.ndarray, targets: np.ndarray) -> str | None:
    """A note when ``loss`` (your own) gives a gradient its value does not have, at
    ``logits`` (float64, ``(m, n_y)``) and the prepared ``targets``; None when they agree."""
    z = np.array(logits, dtype=np.float64)
    _, claimed = loss.value_and_gradient(z.copy(), targets)
    claimed = np.asarray(claimed, dtype=np.float64)
    worst, count, checked = None, 0, 0
    for index in itertools.islice(np.ndindex(*z.shape), MAX_ENTRIES):
        checked += 1
        original, h = z[index], 1e-6 * max(1.0, abs(z[index]))
        z[index] = original + h
        plus = float(loss.value(z, targets))
        z[index] = original - h
        numerical = (plus - float(loss.value(z, targets))) / (2 * h)
        z[index] = original
        scale = max(abs(numerical), abs(claimed[index]), 1.0 / z.shape[0])
        error = abs(claimed[index] - numerical) / scale
        if error > AGREE:
            count += 1
            if worst is None or error > worst[0]:
                worst = (error, index, float(claimed[index]), numerical)
    if worst is None:
        return None
    _, index, given, numerical = worst
    return (
        f"your loss {loss.name!r} disagrees with itself: its gradient gives dJ/dz = {given:.6g} "
        f"at logit {index}, where a finite difference of its value gives {numerical:.6g} "
        f"({count} of {checked} logits checked disagree): the bug is in its gradient "
        "(example_gradient, or value_and_gradient), not in the layers the check names"
    )
