"""The raw columns of a table, as the loaders hand them to :class:`TableSchema`.

A column is one of:

- numbers: a NumPy array, or a numeric Arrow array straight from ``pyarrow.csv`` / Parquet
  (kept as Arrow until it is written into the feature matrix, so a file is never held twice);
  missing cells are NaN (NumPy) or null (Arrow);
- text: a :class:`TextColumn`, dictionary-encoded: the distinct strings once, and one integer
  code per row (-1 for a missing cell). Category lookups, one-hot blocks and missing-value
  masks are then array operations on the codes, never a Python object per cell.

Object arrays of strings (a DataFrame column, an NPZ label array) are turned into a
:class:`TextColumn` by :func:`as_column`; a DataFrame's columns go through :func:`frame_column`
first, which reads pandas' own dtypes (categories, nullable numbers, dates) by what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import missing_values
from deeprecipe.errors import DeepRecipeError


@dataclass(frozen=True)
class TextColumn:
    """``values[codes[i]]`` is row ``i``'s text; ``codes[i] == -1`` is a missing cell."""

    codes: np.ndarray
    values: np.ndarray  # distinct strings, dtype object

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def missing(self) -> np.ndarray:
        return self.codes < 0

    def cell(self, i: int) -> str | None:
        code = int(self.codes[i])
        return None if code < 0 else str(self.values[code])

    def first_value(self) -> str | None:
        filled = np.flatnonzero(self.codes >= 0)
        return None if filled.size == 0 else self.cell(int(filled[0]))

    def present(self) -> list[str]:
        """The distinct values that occur (sorted)."""
        used = np.unique(self.codes[self.codes >= 0])
        return sorted(str(v) for v in self.values[used])

    def take(self, rows: np.ndarray) -> TextColumn:
        return TextColumn(self.codes[rows], self.values)

    def index_in(self, labels: list[Any]) -> np.ndarray:
        """Each row's position in ``labels`` (compared as text); -1 if absent or missing."""
        lookup = {str(v): k for k, v in enumerate(labels)}
        table = np.array([lookup.get(str(v), -1) for v in self.values] + [-1], dtype=np.int64)
        return table[self.codes]  # code -1 picks the trailing -1

    @classmethod
    def from_objects(cls, array: Any) -> TextColumn:
        """From an object or string array; None, float NaN and pandas' NA are missing cells
        (:func:`~deeprecipe._validation.missing_values`)."""
        array = np.asarray(array, dtype=object).ravel()
        missing = missing_values(array)
        text = np.array([str(v) for v in array[~missing]], dtype=object)
        values, inverse = np.unique(text, return_inverse=True) if text.size else (text, text)
        codes = np.full(len(array), -1, dtype=np.int64)
        codes[~missing] = inverse
        return cls(codes, values.astype(object))

    @classmethod
    def from_arrow(cls, array: Any) -> TextColumn:
        """From an Arrow string array (chunked or not): dictionary-encoded in Arrow, in C."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        encoded = pc.dictionary_encode(array)
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        values = np.array(encoded.dictionary.to_pylist(), dtype=object)
        return cls(codes, values)


def is_arrow(column: Any) -> bool:
    return type(column).__module__.startswith("pyarrow")


def is_text(column: Any) -> bool:
    return isinstance(column, TextColumn)


def as_column(raw: Any) -> Any:
    """A loader-neutral column: numbers stay as they are, text becomes a :class:`TextColumn`."""
    if isinstance(raw, TextColumn) or is_arrow(raw):
        return raw
    array = np.asarray(raw)
    if array.dtype.kind in "OUS":
        return TextColumn.from_objects(array)
    return array


def dates_advice(name: str, frame: str = "df") -> str:
    """What to do with a column of dates or durations, which no network reads as they are."""
    return (
        f"convert it to numbers first ({frame}[{name!r}].dt.dayofyear, the days since a "
        f"start date, .dt.total_seconds() for a duration) or leave it out"
    )


def frame_column(raw: Any, name: str) -> Any:
    """A DataFrame column (or any 1-D array) as a loader-neutral column, by what its dtype
    means: a ``category`` is text whatever its categories are (a region coded 10, 20, 30 is
    not a quantity); nullable numbers and booleans (``Int64``, ``boolean``) are numbers with
    NaN gaps, as NumPy's are; dates and durations are refused by name, not read as
    nanoseconds since 1970."""
    if getattr(raw, "dtype", None) is None:
        raw = np.asarray(raw)
    dtype = raw.dtype
    kind = getattr(dtype, "kind", None)
    if kind in ("M", "m"):
        raise DeepRecipeError(
            f"column {name!r} holds {'dates' if kind == 'M' else 'durations'} ({dtype}); "
            f"accepted: numbers, booleans, text or categories: {dates_advice(name)}"
        )
    if str(dtype) == "category":
        return TextColumn.from_objects(raw.astype(object).to_numpy())
    if kind in ("b", "i", "u", "f"):
        if hasattr(raw, "to_numpy"):  # pandas' nullable dtypes: pd.NA becomes NaN
            return raw.to_numpy(dtype=np.float64, na_value=np.nan)
        return raw.astype(np.float64)
    return as_column(raw.to_numpy() if hasattr(raw, "to_numpy") else raw)


def numbers(column: Any) -> np.ndarray:
    """A numeric column as float64 NumPy, missing cells as NaN."""
    if is_arrow(column):
        import pyarrow as pa

        return np.asarray(
            column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    return np.asarray(column, dtype=np.float64)


def take(column: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` of a column (any kind)."""
    if isinstance(column, TextColumn):
        return column.take(rows)
    if is_arrow(column):
        return column.take(rows)
    return np.asarray(column)[rows]
