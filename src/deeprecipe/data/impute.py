"""Filling missing cells with statistics of the TRAINING rows only.

For a numeric column the fill is its median over the training rows (robust to the outliers a
mean would follow); for a text column, one-hot encoded, it is the most frequent category: a
missing cell's block (all NaN, see :class:`~deeprecipe.data.schema.TableSchema`) becomes that
category's one-hot row. Fitted on the training split, then applied unchanged to dev, test and
``predict`` inputs, as scikit-learn's ``SimpleImputer`` is in a pipeline; fitting on the whole
file would leak dev and test statistics into training.

With ``indicator=True`` a 0/1 column ``"<column> (missing)"`` is appended for every column
that had missing cells in the training rows, so the network can learn from the absence itself
(scikit-learn's ``add_indicator``).

The state is plain JSON (:meth:`Imputer.to_dict`), stored in the model file's metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deeprecipe.data.schema import leave_out
from deeprecipe.errors import DeepRecipeError

__all__ = ["Imputer", "impute_parts", "imputed_note"]

Block = tuple[str, str, slice]


class Imputer:
    """Median / most-frequent imputation fitted on training rows; see the module docstring.

    ``blocks`` are ``(source column, kind, slice of X)`` as :meth:`TableSchema.blocks` gives.
    Fitted attributes end in ``_``: ``fill_`` (the value for every column of ``X``),
    ``counts_`` (missing cells per source column in the training rows), ``indicators_`` (the
    blocks that get an indicator column).
    """

    def __init__(self, blocks: Sequence[Block], *, indicator: bool = False) -> None:
        self.blocks = [(str(n), str(k), slice(int(s.start), int(s.stop))) for n, k, s in blocks]
        self.indicator = bool(indicator)

    def fit(self, X: np.ndarray) -> Imputer:
        """Learn the fills from the training rows ``X`` (NaN marks a missing cell)."""
        width = self.blocks[-1][2].stop if self.blocks else 0
        if X.ndim != 2 or X.shape[1] != width:
            raise DeepRecipeError(f"X has shape {X.shape}; accepted: (m, {width}) as encoded")
        fill = np.zeros(width)
        counts: dict[str, int] = {}
        empty = [n for n, _, cols in self.blocks if np.isnan(X[:, cols.start]).all()]
        if empty:  # all of them at once: fertility's 2012 and 2013 took a run each
            named = ", ".join(map(repr, empty))
            raise DeepRecipeError(
                f"{'column' if len(empty) == 1 else 'columns'} {named} "
                f"{'has' if len(empty) == 1 else 'have'} no value in the training rows, so "
                "nothing to impute from; accepted: "
                + (leave_out(empty[0]) if len(empty) == 1 else f"leave them out (drop={empty!r})")
            )
        for name, kind, cols in self.blocks:
            holes = np.isnan(X[:, cols.start])
            counts[name] = int(holes.sum())
            present = X[~holes, cols]
            if kind == "numeric":
                fill[cols.start] = float(np.median(present[:, 0].astype(np.float64)))
            else:
                fill[cols.start + int(np.argmax(present.sum(axis=0)))] = 1.0
        self.fill_ = fill
        self.counts_ = counts
        self.indicators_ = [n for n, _, _ in self.blocks if self.indicator and counts[n]]
        return self

    def missing_counts(self, X: np.ndarray) -> dict[str, int]:
        """Missing cells per source column of ``X``."""
        return {n: int(np.isnan(X[:, s.start]).sum()) for n, _, s in self.blocks}

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``X`` with every missing cell filled (a copy), indicator columns appended."""
        filled = np.array(X, copy=True)
        holes = np.isnan(filled)
        if holes.any():
            filled[holes] = np.broadcast_to(self.fill_.astype(filled.dtype), filled.shape)[holes]
        if not self.indicators_:
            return filled
        starts = {n: s.start for n, _, s in self.blocks}
        marks = np.column_stack([holes[:, starts[n]] for n in self.indicators_])
        return np.hstack([filled, marks.astype(filled.dtype)])

    def feature_names(self, names: Sequence[str]) -> list[str]:
        return [*names, *(f"{n} (missing)" for n in self.indicators_)]

    def describe(self, names: Sequence[str], counts: Mapping[str, int]) -> list[str]:
        """One line per imputed column: how many cells, and with what."""
        lines = []
        for name, kind, cols in self.blocks:
            if not counts.get(name):
                continue
            if kind == "numeric":
                value = f"median {self.fill_[cols.start]:.6g}"
            else:
                k = cols.start + int(np.argmax(self.fill_[cols]))
                value = f"most frequent {names[k].split('=', 1)[1]!r}"
            lines.append(f"{name}: {counts[name]} cells ({value})")
        return lines

    # -- the model file ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "blocks": [[n, k, s.start, s.stop] for n, k, s in self.blocks],
            "indicator": self.indicator,
            "fill": [float(v) for v in self.fill_],
            "indicators": list(self.indicators_),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Imputer:
        try:
            imputer = cls(
                [(n, k, slice(a, b)) for n, k, a, b in d["blocks"]], indicator=bool(d["indicator"])
            )
            imputer.fill_ = np.asarray(d["fill"], dtype=np.float64)
            imputer.indicators_ = [str(n) for n in d["indicators"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise DeepRecipeError(
                f"the model file's imputer is damaged ({exc}); accepted: Imputer.to_dict()"
            ) from None
        imputer.counts_ = {}
        return imputer


def impute_parts(
    blocks: Sequence[Block], parts: Mapping[str, np.ndarray], *, indicator: bool = False
) -> tuple[Imputer, dict[str, np.ndarray], dict[str, int]]:
    """An imputer fitted on ``parts["train"]`` only, every part filled with it, and the cells
    filled per source column over all parts (columns with none left out)."""
    imputer = Imputer(blocks, indicator=indicator).fit(parts["train"])
    counts: dict[str, int] = {}
    for X in parts.values():
        for name, n in imputer.missing_counts(X).items():
            counts[name] = counts.get(name, 0) + n
    filled = {k: imputer.transform(X) for k, X in parts.items()}
    return imputer, filled, {k: n for k, n in counts.items() if n}


#: a column missing in more than this share of its cells gets the indicator's hint
MOSTLY_MISSING = 0.5


def imputed_note(
    imputer: Imputer, names: Sequence[str], counts: Mapping[str, int], rows: int = 0
) -> str | None:
    """What a run says about the cells it filled (None when none was missing); over ``rows``
    rows (every part's), a column mostly missing is named
    with the indicator's hint (flights' wind_gust, 76% of its cells filled with one median
    without a word)."""
    if not counts:
        return None
    lines = imputer.describe(names, counts)
    note = "missing values imputed with training statistics: " + "; ".join(lines)
    mostly = [n for n, k in counts.items() if rows and k > MOSTLY_MISSING * rows]
    if mostly and not imputer.indicator:
        shown = ", ".join(f"{n!r} ({counts[n] / rows:.0%})" for n in mostly)
        note += (
            f"; mostly missing: {shown}, where the gap itself may say more than the filled "
            "value: --missing-indicator (missing_indicator=True in Python) adds a 0/1 column "
            "saying which cells were missing"
        )
    return note
