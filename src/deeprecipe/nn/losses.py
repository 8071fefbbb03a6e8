"""The losses on the output layer's logits ``Z[L]``, under the names the engine has always used.

A loss and its output activation are one part of the output head, the task: the maths (stable
log-sigmoid, ``log1p`` of the non-max softmax terms, the gradient ``dZ[L] = (A[L] - Y) / m``)
lives in :mod:`deeprecipe.task`, below ``data/`` and ``nn/`` so that both may use it. This module
keeps the engine's names for it.
"""

from __future__ import annotations

from deeprecipe.task import (
    LOSSES,
    BinaryCrossEntropy,
    Loss,
    MeanSquaredError,
    SoftmaxCrossEntropy,
    get_loss,
    log_sigmoid,
    log_softmax,
    softmax,
)

__all__ = [
    "LOSSES",
    "BinaryCrossEntropy",
    "Loss",
    "MeanSquaredError",
    "SoftmaxCrossEntropy",
    "get_loss",
    "log_sigmoid",
    "log_softmax",
    "softmax",
]
