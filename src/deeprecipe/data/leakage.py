"""Rows shared between parts: a dev or test set that repeats training rows measures memory.

The course's rule is that dev and test come from the same distribution as each other, and that
neither teaches the model. A fixed dev/test file that repeats training rows breaks the second
silently: its error falls toward the training error and every decision built on it is too
optimistic. :func:`shared_rows` counts exact repeats so the caller can say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _row_keys(X: Any) -> np.ndarray:
    """Each row as one opaque value (its float64 bytes), so rows compare as wholes."""
    rows = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    rows = rows.reshape(len(rows), -1) + 0.0  # -0.0 and 0.0 are the same value
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def shared_rows(reference: Any, other: Any) -> int:
    """How many rows of ``other`` appear, exactly, among the rows of ``reference``."""
    if len(reference) == 0 or len(other) == 0:
        return 0
    return int(np.isin(_row_keys(other), _row_keys(reference)).sum())


def overlap_notes(X_train: Any, parts: dict[str, Any]) -> list[str]:
    """A warning per part (``{"dev": X_dev, "test": X_test}``) that repeats training rows more
    often than the training rows repeat each other.

    With few distinct feature values (a handful of categories) new rows repeat old ones by
    nature; that is not leakage. The baseline is the training set's own share of repeated
    rows: a part is flagged when its share of training rows exceeds twice that, plus 5 points.
    """
    notes: list[str] = []
    given = {name: X for name, X in parts.items() if X is not None and len(X)}
    if len(X_train) == 0 or not given:  # nothing to compare: no keys (3 s, 450 MB at 307k rows)
        return notes
    keys = _row_keys(X_train)  # once, for every part
    repeated_within = 1.0 - len(np.unique(keys)) / len(keys)
    for name, X in given.items():
        count = int(np.isin(_row_keys(X), keys).sum())
        if count / len(X) > 2 * repeated_within + 0.05:
            notes.append(
                f"{count} of the {len(X)} {name} rows ({count / len(X):.0%}) also appear in the "
                f"training set: the {name} error then partly measures memory, not "
                "generalization; use rows the model never trains on"
            )
    return notes
