"""A regression's target scale in its network's output layer.

A regression trains on standardized targets, ``t = (y - mean) / std`` per output (the task's
:meth:`~deeprecipe.task.Task.target_scale`, from the training targets), so that the learning
rate and the L2 strength mean the same on any target's units; afterwards the scale is folded
into the output layer (:meth:`~deeprecipe.task.Task.fold_scale`) and the network predicts in
the targets' own units. The recipe's trials, ``DeepRegressor`` and ``deeprecipe train`` all
fold it here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deeprecipe.nn.network import Network

#: where a model file's metadata keeps the scale its network was trained at
TARGET_SCALE = "target_scale"


def scale_record(
    centre: np.ndarray | None, spread: np.ndarray | None
) -> dict[str, list[float]] | None:
    """The scale as plain data, ``{"mean": [...], "std": [...]}`` per output (None without
    one): what results and model files record, and what ``DeepRegressor.load`` continues
    training in."""
    if centre is None or spread is None:
        return None
    return {"mean": np.asarray(centre).tolist(), "std": np.asarray(spread).tolist()}


def rescale_output(
    network: Network,
    how: Callable[[Any, Any, np.ndarray | None, np.ndarray | None], None],
    centre: np.ndarray | None,
    spread: np.ndarray | None,
) -> None:
    """``how(W[L], b[L], centre, spread)`` in place on ``network``'s output layer: its task's
    ``fold_scale`` (trained on standardized targets, it then predicts in their units) or
    ``unfold_scale`` (to train on in standardized units again). On NumPy on ``theta``'s own
    views; elsewhere on a host copy of ``theta``, assigned back (PyTorch and CuPy would reject
    NumPy's in-place arithmetic, and the array API promises no views). Nothing changes without
    a scale (a classifier's ``None``)."""
    if centre is None:
        return
    theta = network.get_theta() if not network.backend.in_place else network.theta
    W, b = network.views(theta)[-2:]
    how(W, b, centre, spread)
    network.theta = theta
