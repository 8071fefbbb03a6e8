"""A text column's categories are those of the TRAINING rows.

A table is one-hot encoded before it is split (its columns must be known to split it), so a
category that only dev or test rows hold gets a column that is 0 in every training row: the
weights it feeds never receive a gradient and keep their random start, and every dev, test or
new row with that category is scored through them (a new user's trial: six positions of
Baseball's ``posit86`` seen only in dev and test moved a salary from 225 to 571). As the
scaler and the imputer are fitted on the training rows alone, so is the vocabulary: after the
split such columns are cut from every part and from the schema, the model file knows only the
training rows' categories, and the dev and test rows that held one read as none of them (an
all-zero block, as scikit-learn's ``OneHotEncoder(handle_unknown="ignore")`` reads it), as a
dev or test file's and new rows' are read (:meth:`TableSchema.encode`'s ``new_categories``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from deeprecipe.data.schema import TableSchema

__all__ = ["keep_training_categories"]

#: categories named in the note, per column
SHOWN = 5


def keep_training_categories(
    schema: TableSchema, parts: Mapping[str, np.ndarray]
) -> tuple[TableSchema, dict[str, np.ndarray], str | None]:
    """``(schema, parts, note)``: the schema's text columns cut to the categories that
    ``parts["train"]`` holds, every part's columns cut the same way (columns beyond the
    schema's, such as missing-value indicators, kept), and a note naming what was cut and how
    many rows of the other parts held it (None when every category is in training)."""
    train = parts["train"]
    keep = np.ones(train.shape[1], dtype=bool)
    features, cut = [], {}
    for spec, (_, kind, cols) in zip(schema.features, schema.blocks(), strict=True):
        seen = np.nansum(train[:, cols], axis=0) > 0 if kind == "categorical" else None
        if seen is None or seen.all() or not seen.any():
            features.append(spec)
            continue
        keep[cols] = seen
        categories = tuple(c for c, s in zip(spec.categories, seen, strict=True) if s)
        features.append(dataclasses.replace(spec, categories=categories))
        cut[spec.name] = [c for c, s in zip(spec.categories, seen, strict=True) if not s]
    if not cut:
        return schema, dict(parts), None
    held = {
        name: int(np.count_nonzero(np.nansum(X[:, ~keep], axis=1) > 0))
        for name, X in parts.items()
        if name != "train"
    }
    narrowed = dataclasses.replace(schema, features=features)
    return narrowed, {name: X[:, keep] for name, X in parts.items()}, _note(cut, held)


def _note(cut: Mapping[str, list[str]], held: Mapping[str, int]) -> str:
    columns = "; ".join(
        f"{name!r}: {', '.join(map(repr, values[:SHOWN]))}"
        + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "")
        for name, values in cut.items()
    )
    rows = ", ".join(f"{n} {part}" for part, n in held.items() if n) or "no other"
    return (
        f"categories that no training row holds ({columns}) are not features: the network "
        f"could learn nothing for them. Their rows ({rows}) read as none of the training "
        "categories (an all-zero block, as scikit-learn's OneHotEncoder(handle_unknown="
        "'ignore') reads them), as predict reads such new rows"
    )
