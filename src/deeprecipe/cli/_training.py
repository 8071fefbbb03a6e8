"""Building, training, measuring and saving one network: what ``train`` does, reused elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._files import atomic_write_text
from deeprecipe.cli._data import Prepared
from deeprecipe.data import make_scaler
from deeprecipe.io import save_model
from deeprecipe.model import Model
from deeprecipe.nn import Network
from deeprecipe.task import get_task
from deeprecipe.train.spec import NetworkSpec, build_network

MODEL_FILE = "model.safetensors"
#: each part's file and rows (see save_split)
SPLIT_FILE = "split.json"


#: the spec field each command-line option sets (``--layers`` is ``hidden``)
SPEC_OPTIONS = {
    "layers": "hidden",
    "activation": "activation",
    "init": "init",
    "l2": "l2",
    "keep_prob": "keep_prob",
    "optimizer": "optimizer",
    "learning_rate": "learning_rate",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "seed": "seed",
}


def network_spec(options: dict[str, Any]) -> NetworkSpec:
    """The spec the command's options describe (those it has); the CLI trains in float32."""
    settings = {field: options[name] for name, field in SPEC_OPTIONS.items() if name in options}
    if options.get("early_stopping"):
        settings["early_stopping"] = {"monitor": "dev_cost", "patience": options["patience"]}
    return NetworkSpec.from_dict(settings, dtype="float32")


def network_for(
    spec: NetworkSpec, data: Prepared, backend: str | None = None, device: str | None = None
) -> Network:
    """``n_x - spec.hidden - n_y`` with the loss of the task, on ``backend``/``device``."""
    return build_network(
        spec, data.n_features, data.n_outputs, data.head, backend=backend, device=device
    )


def scaled(data: Prepared, scaler_kind: str | None) -> tuple[Any, dict[str, np.ndarray]]:
    """The scaler fitted on TRAIN only, and every part transformed with it."""
    scaler = make_scaler(scaler_kind)
    parts = {"train": data.X_train, "dev": data.X_dev, "test": data.X_test}
    if scaler is None:
        return None, parts
    # a text column's one-hot block keeps its 0/1 (Standardizer's docstring says why)
    scaler.fit(data.X_train, unscaled=() if data.schema is None else data.schema.one_hot_blocks())
    return scaler, {k: (scaler.transform(v) if len(v) else v) for k, v in parts.items()}


def measure(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    task: str,
    m: int | None = None,
    cost: float | None = None,
) -> dict[str, float] | None:
    """Error (misclassification rate, or MSE for regression), accuracy and cost on one part;
    the cost's L2 term divided by ``m``, the training set's size (as training's is), not by the
    part's: the dev cost of a star98 run read 2.5x the training cost for a lower dev MSE.
    ``cost``: the part's cost J when it is not ``net``'s on ``y`` (see :func:`trained_costs`)."""
    if len(X) == 0:
        return None
    error = net.error(X, y)
    out = {"error": error, "cost": net.cost(X, y, m=m) if cost is None else cost}
    if get_task(task).metric_is_rate:
        out["accuracy"] = 1.0 - error
    return out


def measure_all(
    net: Network,
    X: dict[str, np.ndarray],
    data: Prepared,
    costs: dict[str, float | None] | None = None,
) -> dict[str, Any]:
    """:func:`measure` on every part; ``costs`` from :func:`trained_costs`, when given."""
    ys = {"train": data.y_train, "dev": data.y_dev, "test": data.y_test}
    m = len(data.X_train)  # the L2 term's m, on every part
    costs = costs or {}
    return {part: measure(net, X[part], ys[part], data.task, m, costs.get(part)) for part in ys}


def trained_targets(
    data: Prepared,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
    """Each part's targets as the network trains on them, and the scale: a regression's
    standardized, ``t = (y - mean) / std`` per output with the TRAINING targets' mean and
    std (the task's rule, as the recipe's trials and DeepRegressor standardize), so that the
    learning rate and lambda mean the same on any target's units; labels as they are
    (``None, None`` for the scale). Fold the scale into the trained network with
    :func:`deeprecipe.train.targets.rescale_output`."""
    centre, spread = data.head.target_scale(data.y_train)
    ys = {"train": data.y_train, "dev": data.y_dev, "test": data.y_test}
    return (
        {p: data.head.standardize(y, centre, spread) if len(y) else y for p, y in ys.items()},
        centre,
        spread,
    )


def trained_costs(
    net: Network, X: dict[str, np.ndarray], targets: dict[str, np.ndarray]
) -> dict[str, float | None]:
    """Each part's cost J as training measures it, on the targets it trains on (a
    regression's standardized ones: call it before the scale is folded into ``net``)."""
    m = len(X["train"])  # the L2 term's m, on every part
    return {p: net.cost(X[p], t, m=m) if len(X[p]) else None for p, t in targets.items()}


def save(folder: Path, net: Network, scaler: Any, data: Prepared, extra: dict[str, Any]) -> Path:
    """The model file a ``predict`` can use on raw inputs: network, scaler, labels, schema."""
    model = Model(
        net,
        scaler=scaler,
        classes=data.classes if data.head.is_classifier else None,
        feature_names=data.feature_names,
        metadata={
            "schema": data.schema.to_dict(),
            **({} if data.imputer is None else {"imputer": data.imputer.to_dict()}),
            "task": data.task,
            "data": data.describe(),
            **({} if data.image_shape is None else {"image_shape": list(data.image_shape)}),
            **extra,
        },
    )
    return save_model(folder / MODEL_FILE, model)


def save_split(folder: Path, data: Prepared, seed: int) -> Path:
    """``split.json``: each part's file and its 0-based data rows there (header excluded), to
    fit any other model on the very same split (``pandas.read_csv(file).iloc[rows]``)."""
    path = folder / SPLIT_FILE
    document = {
        "rows": "0-based data rows of each file (header excluded), as pandas' iloc reads them",
        "seed": seed,
        **data.part_rows,
    }
    atomic_write_text(path, json.dumps(document))
    return path


#: what a regression's cost column says: J is the training objective, on standardized targets
STANDARDIZED_COST = "cost J (y standardized)"


def error_rows(
    errors: dict[str, Any], task: str, standardized: bool = False
) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of the errors table; ``standardized``: the costs are on standardized
    targets (a regression's errors stay in the targets' units)."""
    from deeprecipe.cli._ui import percent

    if not get_task(task).metric_is_rate:
        cost = STANDARDIZED_COST if standardized else "cost"
        columns = ["set", get_task(task).metric_label, cost]
        rows = [[p, e["error"], e["cost"]] for p, e in errors.items() if e is not None]
    else:
        columns = ["set", "error", "accuracy", "cost"]
        rows = [
            [p, percent(e["error"]), percent(e["accuracy"]), e["cost"]]
            for p, e in errors.items()
            if e is not None
        ]
    return columns, rows
