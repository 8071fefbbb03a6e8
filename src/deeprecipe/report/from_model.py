"""The report of one trained network and its data, without a recipe run.

What a recipe run records (its steps, sweeps and curves) is absent; everything a trained
network and its train and dev rows can show is there: the errors, the bias/variance diagnosis,
its cost curves when its :class:`~deeprecipe.train.History` is given, a gradient check after
training, per-layer histograms and, for 2-D classifiers, the decision boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError
from deeprecipe.model import Model
from deeprecipe.nn import Network
from deeprecipe.report.build import build_report
from deeprecipe.report.from_recipe import network_pictures
from deeprecipe.report.writer import Report

#: up to this many parameters, the check perturbs every one (as the recipe's)
FULL_GRADCHECK_LIMIT = 5000
GRADCHECK_ROWS = 32


def _targets(model: Model, y: Any, name: str) -> np.ndarray:
    """Raw labels -> what the network's loss reads (class indices through ``classes``)."""
    if model.classes is None:
        return np.asarray(y)
    return model.network.task.encode(y, model.classes, name)


def model_report(
    model: Model | Network,
    X_train: Any,
    y_train: Any,
    X_dev: Any,
    y_dev: Any,
    *,
    history: Any = None,
    bayes_error: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> Report:
    """The report of ``model`` (a :class:`Network` reading its inputs as given, or a
    :class:`~deeprecipe.model.Model` reading raw rows through its scaler) on its data."""
    from deeprecipe.check import gradcheck
    from deeprecipe.diagnose import diagnose_network

    if isinstance(model, Network):
        model = Model(model)
    if not isinstance(model, Model):
        raise DeepRecipeError(
            f"save_report got a {type(model).__name__}; accepted: a RecipeResult, a Network or "
            "a Model"
        )
    for name, value in (
        ("X_train", X_train),
        ("y_train", y_train),
        ("X_dev", X_dev),
        ("y_dev", y_dev),
    ):
        if value is None:
            raise DeepRecipeError(
                f"a report of a trained model needs its data; {name} is missing (accepted: "
                "X_train, y_train, X_dev, y_dev)"
            )
    network, scaler = model.network, model.scaler
    X_raw = network.check_inputs(X_train, "X_train")
    Xs_train = X_raw if scaler is None else scaler.transform(X_raw).astype(X_raw.dtype)
    X_dev = network.check_inputs(X_dev, "X_dev")
    Xs_dev = X_dev if scaler is None else scaler.transform(X_dev).astype(X_dev.dtype)
    y_train = _targets(model, y_train, "y_train")
    y_dev = _targets(model, y_dev, "y_dev")
    task = network.task
    diagnosis = diagnose_network(network, Xs_train, y_train, Xs_dev, y_dev, bayes_error=bayes_error)
    rows = min(GRADCHECK_ROWS, len(Xs_train))
    check = gradcheck(
        network,
        Xs_train[:rows],
        y_train[:rows],
        dropout="off",
        label="after training",
        mode="full" if network.n_params <= FULL_GRADCHECK_LIMIT else "sampled",
        seed=0,
    )
    if history is not None and not isinstance(history, Mapping):
        history = history.to_dict()
    layers = "-".join(map(str, network.layer_sizes))
    run: dict[str, Any] = {
        "title": title or f"deeprecipe report: network {layers}",
        "subtitle": subtitle
        or f"{task.kind}; a trained model on {len(Xs_train)} training examples",
        "task": task.kind,
        "bayes_error": bayes_error,
        "errors": {
            "model": {"train": diagnosis.train_error, "dev": diagnosis.dev_error},
        },
        "diagnoses": {"model": diagnosis.to_dict()},
        "histories": {"model": history} if history else {},
        "gradchecks": {"after training": check.to_dict()},
        "summary": [
            f"Network {layers}: {', '.join(dict.fromkeys(network.activations))} hidden "
            f"units, L2 lambda {network.l2:g}, keep_prob {network.keep_probs}."
        ],
        "absent": {
            sid: "no recipe was run; this is the report of one trained model"
            for sid in ("steps", "validation-curves", "learning-curve")
        },
        "network": network.config,
    }
    proba = model.predict_proba if task.is_classifier else None
    run.update(network_pictures(network, X_raw, y_train, Xs_train, task.kind, [("model", proba)]))
    return build_report(run)
