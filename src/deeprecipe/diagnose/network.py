"""Diagnose a trained network directly from its data: errors measured, then :func:`diagnose`."""

from __future__ import annotations

from typing import Any

from deeprecipe.diagnose.bias_variance import Diagnosis, diagnose
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.network import Network


def diagnose_network(
    network: Network,
    X_train: Any,
    y_train: Any,
    X_dev: Any,
    y_dev: Any,
    *,
    X_train_dev: Any = None,
    y_train_dev: Any = None,
    bayes_error: float | None = None,
    **tolerances: Any,
) -> Diagnosis:
    """Measure ``network.error`` on train, dev (and train-dev) and read bias and variance.

    Classifiers are judged on their error rate (``metric="error"``); ``mse`` networks on their
    mean squared error (``metric="loss"``: set the tolerances in the target's squared units).
    ``tolerances`` go to :func:`~deeprecipe.diagnose.diagnose`.
    """
    if (X_train_dev is None) != (y_train_dev is None):
        raise DeepRecipeError("X_train_dev and y_train_dev go together; give both or neither")
    train_dev = None if X_train_dev is None else network.error(X_train_dev, y_train_dev)
    metric = network.task.diagnosis_metric
    return diagnose(
        network.error(X_train, y_train),
        network.error(X_dev, y_dev),
        bayes_error,
        train_dev,
        metric=metric,
        **tolerances,
    )
