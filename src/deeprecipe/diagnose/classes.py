"""A classifier's errors class by class: the confusion matrix, recall and precision per class,
and the balanced error, on one part (dev, test), from scikit-learn's metrics.

With ``C[i, j]`` the rows of true class ``i`` predicted as ``j`` (``K`` classes)::

    recall_i       = C[i, i] / sum_j C[i, j]    the share of class i's rows it finds
                                                (None when the part holds no row of i)
    precision_i    = C[i, i] / sum_j C[j, i]    the share of its "i" predictions that are right
                                                (0 when it never predicts i: zero_division=0)
    error          = 1 - sum_i C[i, i] / sum_ij C[i, j]
    balanced error = 1 - mean_i recall_i        over the classes present in the part

The error rate weighs each class by its rows, so on imbalanced labels it is dominated by the
majority class: with 2% positives, always answering "negative" errs on 2% of the rows and finds
none of the positives. Its balanced error is 50% (1 - (1 + 0) / 2), which says what happened.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import plain_value

#: a class under this share of the training labels makes the labels imbalanced: always
#: predicting the other classes then errs on under 10% of the rows, an error rate that looks
#: good while it finds none of the rare class, so the error rate alone no longer tells a model
#: that learned from one that did not
RARE_SHARE = 0.10


def rare_share(n_classes: int) -> float:
    """The share under which one of ``n_classes`` is rare: :data:`RARE_SHARE`, or half of
    a balanced share when that is smaller (ten balanced digits, 9.7% each, are not
    imbalanced: a new user's trial was told they were)."""
    return min(RARE_SHARE, 0.5 / max(int(n_classes), 1))


def imbalanced(shares: Sequence[float] | None) -> bool:
    """Whether the training labels' ``shares`` (one per class) hold a rare class."""
    return bool(shares) and min(shares) < rare_share(len(shares))


def class_figures(y_true: Any, y_pred: Any, classes: Sequence[Any]) -> dict[str, Any]:
    """The per-class figures of the module docstring for one part, as plain data.

    ``y_true`` and ``y_pred`` are class labels (one per row, the user's labels); ``classes``
    all the labels in their order, which every list of the result follows: ``classes``,
    ``confusion`` (rows: true class, columns: predicted class), ``support`` (rows of each
    class), ``recall``, ``precision``, and the part's ``n``, ``error`` and ``balanced_error``.
    """
    from sklearn.metrics import (
        balanced_accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    truth, predicted, labels = _check(y_true, y_pred, classes)
    indices = list(range(len(labels)))
    confusion = confusion_matrix(truth, predicted, labels=indices)
    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=indices, zero_division=0
    )
    with warnings.catch_warnings():  # a class absent from the part is left out, as it says
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        balanced = float(balanced_accuracy_score(truth, predicted))
    return {
        "classes": labels,
        "confusion": confusion.tolist(),
        "support": [int(s) for s in support],
        "recall": [float(r) if s else None for r, s in zip(recall, support, strict=True)],
        "precision": [float(p) for p in precision],
        "n": int(len(truth)),
        "error": float(np.mean(truth != predicted)),
        "balanced_error": 1.0 - balanced,
    }


def class_shares(y: Any, classes: Sequence[Any]) -> list[float]:
    """Each class's share of the labels ``y`` (in the order of ``classes``)."""
    truth, _, labels = _check(y, y, classes, names=("y", "y"))
    return (np.bincount(truth, minlength=len(labels)) / len(truth)).tolist()


def never_predicted(figures: dict[str, Any]) -> list[Any]:
    """The classes present in the part whose recall is 0: the model never predicts them
    right (most often, never predicts them at all)."""
    return [c for c, r in zip(figures["classes"], figures["recall"], strict=True) if r == 0]


def rare_class_fix(label: Any, share: float, n_classes: int) -> str:
    """What to do for a class the model never finds, ``share`` of the training labels of
    ``n_classes``, in words. deeprecipe has no class weights, so the fix it can offer is in
    the data."""
    if share >= rare_share(n_classes):  # as common as the others: oversampling is no fix
        return (
            f"{label!r} is {share:.1%} of the training labels, not rare among {n_classes} "
            f"classes, so the inputs do not tell it apart from the classes its rows are taken "
            f"for (the per-class table shows which); features that separate {label!r}, or more "
            "examples of every class, are what can help"
        )
    return (
        f"the likely cause is the imbalance: {label!r} is only {share:.1%} of the training "
        f"labels, so the cost is low when the network never predicts it; give it more "
        f"examples of {label!r}, or oversample {label!r} in the training split (repeat its rows "
        "there, never in dev or test); deeprecipe has no class weights or resampling option "
        "today"
    )


def _check(y_true: Any, y_pred: Any, classes: Sequence[Any], names=("y_true", "y_pred")):
    """Labels -> indices into ``classes``; a DeepRecipeError names what does not fit."""
    labels = [plain_value(c) for c in classes]
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise DeepRecipeError(f"classes={labels!r}; accepted: at least two distinct class labels")
    position = {label: i for i, label in enumerate(labels)}
    out = []
    for name, values in zip(names, (y_true, y_pred), strict=True):
        values = np.asarray(values)
        if values.ndim != 1 or values.size == 0:
            raise DeepRecipeError(
                f"{name} has shape {values.shape}; accepted: one class label per row, (m,)"
            )
        try:  # each distinct label looked up once (a row at a time took 0.9 s at 180k rows)
            distinct, inverse = np.unique(values, return_inverse=True)
        except TypeError:  # labels of several types that do not sort
            distinct, inverse = values, np.arange(values.size)
        unknown = [v for v in map(plain_value, distinct) if v not in position]
        if unknown:
            raise DeepRecipeError(
                f"{name} holds the label {unknown[0]!r}; accepted: one of {labels!r}"
            )
        codes = np.array([position[plain_value(v)] for v in distinct], dtype=np.int64)
        out.append(codes[np.ravel(inverse)])
    if len(out[0]) != len(out[1]):
        raise DeepRecipeError(
            f"{names[0]} has {len(out[0])} rows and {names[1]} {len(out[1])}; accepted: one "
            "prediction per row"
        )
    return out[0], out[1], labels


def imbalance_note(
    shares: Sequence[float],
    figures: dict[str, dict[str, Any]],
    majority_errors: dict[str, float | None],
) -> str | None:
    """A sentence on imbalanced labels, or None when the smallest of the training ``shares``
    (one per class, in the order of the figures' ``classes``) is at least :func:`rare_share`.

    ``figures`` maps parts (``dev``, then ``test``) to :func:`class_figures` of the model;
    ``majority_errors`` maps them to the error of always predicting the majority class (the
    trivial reference). The sentence gives, per part, the model's error beside that one, its
    balanced error, and its recall of the rarest class."""
    if not figures or not imbalanced(shares):
        return None
    classes = next(iter(figures.values()))["classes"]
    # the rarest class that dev or test holds: airports' 'DC' (one row, in neither) had a
    # recall of nothing to say, where the rare classes that were scored went unnamed
    threshold = rare_share(len(shares))
    candidates = [
        k
        for k in range(len(shares))
        if shares[k] < threshold and any(f["support"][k] for f in figures.values())
    ] or list(range(len(shares)))
    rare = min(candidates, key=lambda k: shares[k])
    parts = "; ".join(
        _part_words(part, f, majority_errors.get(part), classes[rare], rare)
        for part, f in figures.items()
    )
    return (
        f"the classes are imbalanced: {classes[rare]!r} is {shares[rare]:.1%} of the training "
        f"labels (under {rare_share(len(shares)):.0%}), so the error rate counts its rows "
        "little: a model "
        f"that never finds it loses at most {shares[rare]:.1%} of error rate for it. "
        + parts[:1].upper()
        + parts[1:]
        + ". Judge the model by its balanced error and the rare class's recall, not by the "
        "error rate alone"
    )


def _part_words(part: str, figures: dict[str, Any], majority: float | None, label, rare: int):
    """One part's figures in words: error against the majority class's, balanced error, the
    rare class's recall."""
    against = "" if majority is None else f" against {majority:.1%} for the majority class"
    recall = figures["recall"][rare]
    found = (
        f"the part has no {label!r} row to find"
        if recall is None
        else f"it finds {recall:.1%} of the {label!r} rows (its recall)"
    )
    return (
        f"on {part}, the model's error is {figures['error']:.1%}{against}, its balanced error "
        f"(1 - mean per-class recall) {figures['balanced_error']:.1%}, and {found}"
    )


def class_table(part: str, figures: dict[str, Any]) -> tuple[list[str], list[list[Any]], str]:
    """One part's figures as the report and the notebook show them: ``(columns, rows,
    caption)``, the confusion matrix (rows: true class, columns: predicted class) with each
    class's rows, recall and precision beside its row."""
    from deeprecipe._html import percent

    classes = figures["classes"]
    rows = [
        [str(label), *counts, support, percent(recall), percent(precision)]
        for label, counts, support, recall, precision in zip(
            classes,
            figures["confusion"],
            figures["support"],
            figures["recall"],
            figures["precision"],
            strict=True,
        )
    ]
    columns = ["true class", *(f"predicted {c}" for c in classes), "rows", "recall", "precision"]
    caption = (
        f"chosen model on {part}, class by class: error {percent(figures['error'])}, "
        f"balanced error (1 - mean recall) {percent(figures['balanced_error'])}"
    )
    return columns, rows, caption
