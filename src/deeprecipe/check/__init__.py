"""Gradient checking: prove backprop against numerical gradients, and say where a bug is.

* :func:`gradcheck` checks a :class:`~deeprecipe.nn.Network` on data, in float64, L2 included,
  dropout off or frozen, in ``full``, ``sampled`` or ``directional`` mode;
* :func:`check_grad` and :func:`numerical_gradient` do the same for any function of a flat vector;
* :func:`gradcheck_during_training` checks at initialization and again after some training.

Each returns a :class:`GradcheckResult` (overall and per-tensor difference, verdict, worst
entries, cost in forward passes, entries explained by a ReLU kink) that prints as a table and
converts to plain data (``to_dict()``).
"""

from deeprecipe.check.during_training import TrainingGradcheck, gradcheck_during_training
from deeprecipe.check.gradcheck import gradcheck
from deeprecipe.check.numerical import check_grad, numerical_gradient
from deeprecipe.check.result import (
    GradcheckResult,
    KinkEntry,
    TensorCheck,
    Thresholds,
    WorstEntry,
)

__all__ = [
    "GradcheckResult",
    "KinkEntry",
    "TensorCheck",
    "Thresholds",
    "TrainingGradcheck",
    "WorstEntry",
    "check_grad",
    "gradcheck",
    "gradcheck_during_training",
    "numerical_gradient",
]
