"""The basic recipe's actions, each a list of candidate changes to the current configuration.

==================  =========================================================================
against high bias   ``wider`` (hidden units times each width factor), ``deeper`` (one or two
                    more hidden layers as wide as the last), ``longer`` (epochs times each
                    epoch factor), ``adam`` (Adam at a few learning rates)
against high        ``l2`` (a log grid of lambda), ``dropout`` (a keep_prob grid),
variance            ``augment`` (image shifts/rotations when the rows are images, Gaussian
                    noise otherwise), ``early_stopping`` (patience on the dev cost, the best
                    weights always restored; at the current and at twice the epochs)
==================  =========================================================================

An action offers nothing when it has nothing new to try (Adam already in use, the network at
its size limit, augmentation already on); the recipe then moves to the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deeprecipe.recipe.config import RecipeConfig
from deeprecipe.recipe.trial import make_spec

BIAS_ACTIONS = ("wider", "deeper", "longer", "adam")
VARIANCE_ACTIONS = ("l2", "dropout", "augment", "early_stopping")

WHY = {
    "wider": "a bigger network (more hidden units) can fit the training set better",
    "deeper": "a bigger network (more hidden layers) can fit the training set better",
    "longer": "training longer lets the optimizer reach a lower training cost",
    "adam": "Adam (adaptive, with momentum) usually descends faster than plain gradient descent",
    "l2": "L2 regularization shrinks the weights and so reduces variance",
    "dropout": "dropout keeps units from co-adapting and so reduces variance",
    "augment": "augmented copies of the training examples act as more data",
    "early_stopping": "stopping where the dev cost is lowest keeps the weights from overfitting",
}

Candidate = tuple[str, dict[str, Any]]


def propose(
    action: str,
    spec: Mapping[str, Any],
    config: RecipeConfig,
    *,
    image_shape: tuple[int, ...] | None = None,
) -> list[Candidate]:
    """``[(label, new_spec), ...]`` for ``action`` applied to ``spec``; empty when it has none."""
    return _PROPOSERS[action](dict(spec), config, image_shape)


def _wider(spec, config, image_shape):
    out = []
    for factor in config.width_factors:
        cap = config.max_hidden_units
        hidden = [min(cap, max(n + 1, round(n * factor))) for n in spec["hidden"]]
        if hidden != spec["hidden"]:
            out.append((f"hidden {'-'.join(map(str, hidden))}", make_spec(spec, hidden=hidden)))
    return _unique(out)


def _deeper(spec, config, image_shape):
    out = []
    last = spec["hidden"][-1] if spec["hidden"] else 16
    for extra in (1, 2):
        hidden = spec["hidden"] + [last] * extra
        if len(hidden) <= config.max_hidden_layers:
            out.append((f"hidden {'-'.join(map(str, hidden))}", make_spec(spec, hidden=hidden)))
    return out


def _longer(spec, config, image_shape):
    out = []
    for factor in config.epoch_factors:
        epochs = min(config.max_epochs, round(spec["epochs"] * factor))
        if epochs > spec["epochs"]:
            every = max(1, epochs // config.history_points)
            out.append((f"{epochs} epochs", make_spec(spec, epochs=epochs, metrics_every=every)))
    return _unique(out)


def _adam(spec, config, image_shape):
    if spec["optimizer"] == "adam":
        return []
    return [
        (f"Adam, learning rate {lr:g}", make_spec(spec, optimizer="adam", learning_rate=lr))
        for lr in config.adam_learning_rates
    ]


def _l2(spec, config, image_shape):
    return [
        (f"lambda={lam:g}", make_spec(spec, l2=lam))
        for lam in config.l2_grid
        if lam != spec["l2"]
    ]


def _dropout(spec, config, image_shape):
    if not spec["hidden"]:
        return []
    return [
        (f"keep_prob={k:g}", make_spec(spec, keep_prob=k))
        for k in config.keep_prob_grid
        if k != spec["keep_prob"]
    ]


def _and_twice_as_long(spec, config, label: str, up_to: bool = False, **changes) -> list[Candidate]:
    """The change as it is, and with twice the epochs: a regularizer that slows fitting (more
    varied examples, an earlier stop) may need longer to reach its better dev error."""
    out = [(label, make_spec(spec, **changes))]
    epochs = min(config.max_epochs, spec["epochs"] * 2)
    if epochs > spec["epochs"]:
        every = max(1, epochs // config.history_points)
        out.append((f"{label}, {'up to ' if up_to else ''}{epochs} epochs",
                     make_spec(spec, **changes, epochs=epochs, metrics_every=every)))  # fmt: skip
    return out


def _augment(spec, config, image_shape):
    if spec["augment"]:
        return []
    out = []
    if image_shape is not None:
        width = image_shape[1]
        for fraction in config.image_shifts:
            for rotation in config.image_rotations:
                shift = round(fraction * width, 3)
                setting = {"kind": "image", "flip": config.image_flip, "max_shift": shift,
                           "integer_shifts": False, "max_rotation_deg": float(rotation),
                           "max_zoom": config.image_zoom}  # fmt: skip
                label = (
                    f"images: shift {shift:g} px, rotate {rotation:g} deg, "
                    f"zoom {config.image_zoom:.0%}" + (", flip" if config.image_flip else "")
                )
                out += _and_twice_as_long(spec, config, label, augment=setting)
        return out
    for std in config.noise_grid:
        setting = {"kind": "noise", "std": std}
        out += _and_twice_as_long(spec, config, f"Gaussian noise std={std:g}", augment=setting)
    return out


def _early_stopping(spec, config, image_shape):
    if spec["early_stopping"]:
        return []
    setting = {"monitor": "dev_cost", "patience": config.patience, "min_delta": config.min_delta}
    return _and_twice_as_long(
        spec, config, f"early stopping, patience {config.patience}", up_to=True,
        early_stopping=setting,
    )


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    for label, spec in candidates:
        if label not in seen:
            seen.add(label)
            out.append((label, spec))
    return out


_PROPOSERS = {
    "wider": _wider,
    "deeper": _deeper,
    "longer": _longer,
    "adam": _adam,
    "l2": _l2,
    "dropout": _dropout,
    "augment": _augment,
    "early_stopping": _early_stopping,
}
