"""The recipe's yardsticks: reference models beside the network, the achievable error, the
chosen network's per-example losses, its per-class figures (a classifier's), and R^2.

The reference models (:mod:`deeprecipe.diagnose.references`) are fitted on the recipe's own
normalized training split, as jobs of the same sweep machinery as the trials, scored on dev;
the test set is read once, at the end, for the chosen network and the references together.
The guards that compare the network with them on dev live in :mod:`deeprecipe.recipe.guards`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeprecipe.diagnose.bias_variance import SCALE_SHOWN
from deeprecipe.diagnose.references import (
    REFERENCE_KINDS,
    ReferenceData,
    fit_reference,
    per_example_loss,
    training_noise_error,
)
from deeprecipe.recipe.trial import TrialData
from deeprecipe.task import short_format


def reference_data(
    data: TrialData, *, regression: bool, seed: int, categorical_blocks: tuple[slice, ...] = ()
) -> ReferenceData:
    """The references see exactly what the trials see: normalized train and dev arrays (and,
    for a table, which columns one-hot encode a text column: boosting reads them as one)."""
    return ReferenceData(
        data.X_train, data.y_train, data.X_dev, data.y_dev, regression, seed, categorical_blocks
    )


def fit_references(run: Any) -> None:
    """The reference models on the run's own normalized training split, scored on dev, as jobs
    of its sweeper; then the achievable-error bracket (unless the user gave a Bayes error)."""
    import time

    from deeprecipe.diagnose.achievable import achievable_error

    cfg, trials, targets = run.config, run.data.trials, run.data.targets
    regression = not targets.head.metric_is_rate
    started = time.monotonic()
    data = reference_data(
        trials,
        regression=regression,
        seed=cfg.seed,
        categorical_blocks=run.data.categorical_blocks,
    )
    run.references, run.reference_models = run_references(run.sweeper, data)
    scale = run.train_scale
    if abs(scale - 1.0) > SCALE_SHOWN:
        linear = next(r for r in run.references if r["kind"] == "linear")
        train = training_noise_error(linear)
        mse = short_format(False)
        run.notes.append(
            f"errors run {scale:.3g}x as large on the training part as on dev by the parts "
            f"alone ({linear['name']}: MSE {mse(train)} on the training rows, each left out "
            f"of the fit in turn, {mse(linear['dev_error'])} on dev): the diagnosis reads "
            "training errors at dev's "
            f"scale (divided by {scale:.3g}) before taking the gaps, so that the noise or "
            "outliers one part drew are not read as bias or variance"
        )
    if cfg.bayes_error is None:
        n_classes = len(targets.classes) if targets.classes else None
        run.achievable = achievable_error(
            trials.X_train,
            trials.y_train,
            run.references,
            regression=regression,
            n_classes=n_classes,
            seed=cfg.seed,
        )
    run.emit(
        "references",
        references=run.references,
        achievable=None if run.achievable is None else run.achievable.to_dict(),
        seconds=time.monotonic() - started,
    )


def bayes_notes(run: Any, assumed_note: str) -> list[str]:
    """What the diagnosis measured avoidable bias against, when the user gave no Bayes error."""
    if run.config.bayes_error is not None:
        return []
    if run.achievable is None or run.achievable.upper is None:
        return [assumed_note]
    caveat = run.achievable.notes[-1]
    return [
        f"no Bayes (human-level) error was given; {run.achievable}. Avoidable bias counts only "
        f"above what a reference reached on dev. {caveat[:1].upper()}{caveat[1:]}"
    ]


def r2(run: Any, incumbent: Any, test_error: float | None) -> dict[str, Any] | None:
    """R^2 beside the chosen network's MSEs (None when the metric is a rate)."""
    targets = run.data.targets
    if targets.head.metric_is_rate:
        return None
    _, y_train, _, y_dev = run.data.raw_train
    return {
        "train": r_squared(incumbent.train_error, targets.encode(y_train)),
        "dev": r_squared(incumbent.dev_error, targets.encode(y_dev, "y_dev")),
        "test": r_squared(test_error, run.test_targets),
    }


def run_references(sweeper: Any, data: ReferenceData) -> tuple[list[dict], dict[str, Any]]:
    """Fit every reference through ``sweeper.call_each``; ``(results, {kind: model})``."""
    fitted = sweeper.call_each(fit_reference, [(kind, data) for kind in REFERENCE_KINDS])
    return [result for result, _ in fitted], {r["kind"]: m for r, m in fitted}


def losses_on_test(
    models: dict[str, Any], X_test: np.ndarray, y_test: np.ndarray, *, regression: bool
) -> dict[str, np.ndarray]:
    """Each reference's per-example test losses, whose mean is its test error (part of the
    run's single read of the test set; the paired comparison with the network reads them)."""
    return {
        k: per_example_loss(m, X_test, y_test, regression=regression) for k, m in models.items()
    }


def network_losses(network: Any, X: Any, y: Any) -> np.ndarray:
    """Per-example losses of a network under its task's error metric (their mean is
    ``network.error``): 0/1 per example (per output, averaged, for several binary outputs), or
    the squared error averaged over outputs."""
    return prediction_losses(network, np.asarray(network.predict(X)), y)


def prediction_losses(network: Any, prediction: np.ndarray, y: Any) -> np.ndarray:
    """:func:`network_losses` of predictions already made (the test set's, read once)."""
    m = len(prediction)
    terms = network.loss.error_terms(prediction, network.prepare_targets(y, m), y)
    return np.asarray(terms, dtype=np.float64).reshape(m, -1).mean(axis=1)


def per_class(run: Any, part: str, prediction: Any, y: Any) -> None:
    """Record a classifier's per-class figures on ``part`` in ``run.per_class``, from its
    predicted and true class indices (one class per row; nothing for a regression)."""
    from deeprecipe.diagnose.classes import class_figures

    classes = run.data.targets.classes
    prediction = np.asarray(prediction)
    if not run.data.targets.head.is_classifier or classes is None or prediction.ndim != 1:
        return
    labels = np.asarray(classes, dtype=object)
    run.per_class[part] = class_figures(labels[np.asarray(y)], labels[prediction], classes)


def imbalance_notes(run: Any) -> list[str]:
    """The note on imbalanced training labels (:func:`deeprecipe.diagnose.classes.imbalance_note`):
    the chosen network's per-class figures beside the majority class's error, dev then test."""
    from deeprecipe.diagnose.classes import imbalance_note

    if not run.per_class:
        return []
    trivial = next((r for r in run.references if r["kind"] == "trivial"), {})
    majority = {part: trivial.get(f"{part}_error") for part in run.per_class}
    note = imbalance_note(train_shares(run), run.per_class, majority)
    return [] if note is None else [note]


def train_shares(run: Any) -> list[float] | None:
    """Each class's share of the training split's labels (None for a regression)."""
    targets = run.data.targets
    if not targets.head.is_classifier or targets.classes is None:
        return None
    indices = np.asarray(run.data.trials.y_train)  # into classes
    if indices.ndim == 2 and indices.shape[1] == 1:
        indices = indices.ravel()
    if indices.ndim != 1 or not len(indices):  # multi-label rows: no one class per row
        return None
    indices = indices.astype(np.int64)
    return (np.bincount(indices, minlength=len(targets.classes)) / len(indices)).tolist()


def r_squared(mse: float | None, y: Any) -> float | None:
    """``1 - MSE / Var(y)`` on the part ``y`` was drawn from (None when undefined)."""
    if mse is None or y is None or len(y) < 2:
        return None
    variance = float(np.mean(np.var(np.asarray(y, dtype=np.float64).reshape(len(y), -1), axis=0)))
    return None if variance == 0 else 1.0 - mse / variance
