"""Argument checks shared by every room. Each raises a DeepRecipeError that names the input."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` lower-cased if it is one of ``choices``; otherwise raise."""
    options = sorted(choices)
    if not isinstance(value, str) or value.lower() not in options:
        raise DeepRecipeError(f"{name}={value!r} is not known; accepted: {', '.join(options)}")
    return value.lower()


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Return ``value`` if it is a finite number inside the given interval; otherwise raise."""
    kind = "an integer" if integer else "a number"
    lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low}"
    hi = "" if high is None else f"{high}" + ("]" if high_inclusive else ")")
    bounded = low is not None or high is not None
    interval = f" in {lo or '(-inf'}, {hi or 'inf)'}" if bounded else ""
    accepted = f"{kind}{interval}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DeepRecipeTypeError(f"{name}={value!r} must be {accepted}")
    if integer and not float(value).is_integer():
        raise DeepRecipeError(f"{name}={value!r} must be {accepted}")
    if not np.isfinite(value):
        raise DeepRecipeError(f"{name}={value!r} must be {accepted}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        raise DeepRecipeError(f"{name}={value!r} must be {accepted}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        raise DeepRecipeError(f"{name}={value!r} must be {accepted}")
    return int(value) if integer else float(value)


def check_n_jobs(n_jobs: Any, *, none_ok: bool = False) -> Any:
    """Worker processes: a positive int, or -1 for every core (None too with ``none_ok``:
    joblib's active configuration decides). The one reading for the recipe, its sweeps and
    the curves (joblib's own "n_jobs == 0 has no meaning" and a TypeError for "x" leaked)."""
    if n_jobs is None and none_ok:
        return None
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, (int, np.integer))
        or not (n_jobs >= 1 or n_jobs == -1)
    ):
        raise DeepRecipeError(
            f"n_jobs={n_jobs!r} is not accepted; accepted: a positive int, or -1 for all cores"
            + (" (None: joblib's active configuration)" if none_ok else "")
        )
    return int(n_jobs)


def check_array(
    name: str,
    value: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    dtype: Any = None,
    allow_empty: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``value`` to a numeric array and check its dimensions and values.

    Strings, objects and complex numbers are refused; NaN and infinity are refused with the
    position of the first offending entry.
    """
    if hasattr(value, "toarray") and hasattr(value, "nnz"):
        raise DeepRecipeTypeError(
            f"{name} is a sparse matrix; deeprecipe's dense networks need a dense array "
            "(call .toarray() if it fits in memory)"
        )
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise DeepRecipeError(f"{name} could not be read as an array: {exc}") from None
    if array.dtype == object:
        array = _object_numbers(name, array)
    elif array.dtype.kind in "USVMmc":
        raise DeepRecipeTypeError(
            f"{name} has dtype {array.dtype}"
            + _first_cell(array, np.ones(array.shape, dtype=bool))
            + "; accepted: real numbers (int, float or bool)"
        )
    if array.dtype.kind == "b":
        array = array.astype(np.float64 if dtype is None else dtype)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = (
                " (one feature: .reshape(-1, 1), or a Series' .to_frame(); one example: "
                ".reshape(1, -1), or df.iloc[[i]] for a DataFrame's row)"
                if array.ndim == 1 and 2 in allowed
                else ""
            )
            raise DeepRecipeError(f"{name} has shape {array.shape}; accepted: a {want} array{hint}")
    if not allow_empty and array.size == 0:
        raise DeepRecipeError(f"{name} is empty (shape {array.shape}); it needs at least one row")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        bad = array[where]
        position = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
        raise DeepRecipeError(
            f"{name} contains {bad} at {position}; accepted: finite values only "
            "(impute or drop missing values first)"
        )
    return array


def _object_numbers(name: str, array: np.ndarray) -> np.ndarray:
    """An object array of numbers (a list of rows from a DataFrame's ``.values``, say) as
    float64, its missing cells (None, NaN, ``pd.NA``) as NaN; a cell that is not a number
    (text, a dict) is refused by its position."""
    cells = array.ravel().tolist()
    numbers = np.array(
        [isinstance(v, (int, float, np.number)) and not isinstance(v, complex) for v in cells],
        dtype=bool,
    ).reshape(array.shape)
    gaps = missing_values(array)
    bad = ~(numbers | gaps)
    if bad.any():
        raise DeepRecipeTypeError(
            f"{name} has dtype object"
            + _first_cell(array, bad)
            + "; accepted: real numbers (int, float or bool), None or NaN for a missing cell"
        )
    return np.where(gaps, np.nan, array).astype(np.float64)


def _first_cell(array: np.ndarray, bad: np.ndarray) -> str:
    """Where the first ``bad`` cell of ``array`` is, and what it holds ('' when none)."""
    if not bad.any():
        return ""
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    axes = ("entry",) if array.ndim == 1 else ("row", "column")
    position = ", ".join(f"{axis} {i}" for axis, i in zip(axes, where))
    cell = array[where]
    cell = cell.item() if isinstance(cell, np.generic) else cell
    return f" and holds {cell!r} at {position or 'its only cell'}"


def missing_values(values: Any) -> np.ndarray:
    """True where a value is missing: NaN among numbers; None, a float NaN or pandas' missing
    markers (``pd.NA``, ``NaT``) in an object array, as a DataFrame column, a list or a nullable
    pandas column hands them over. Infinity is not missing (an error, never a gap).

    The one reading of "missing" for labels, text cells and groups: a text column once took
    ``pd.NA`` for a category named ``'<NA>'``, and ``np.unique`` over labels with a None among
    strings raised a bare TypeError."""
    array = np.asarray(values)
    if array.dtype.kind in "fc":
        return np.isnan(array)
    if array.dtype.kind in "mM":
        return np.isnat(array)
    if array.dtype.kind != "O":
        return np.zeros(array.shape, dtype=bool)
    flags = [_is_missing(v) for v in array.ravel().tolist()]
    return np.array(flags, dtype=bool).reshape(array.shape)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(value != value)
    # pandas' NA and NaT, recognised without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def check_rng(seed: Any) -> np.random.Generator:
    """A Generator from ``None``, an int seed, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed < 0:
            raise DeepRecipeError(f"seed={seed!r} must be a non-negative integer")
        return np.random.default_rng(seed)
    raise DeepRecipeTypeError(
        f"seed={seed!r} is not accepted; use None, a non-negative int or a numpy.random.Generator"
    )


def check_seed_sequence(seed: Any, name: str = "seed") -> np.random.SeedSequence:
    """A SeedSequence from ``None`` (fresh entropy), a non-negative int, a SeedSequence, or a
    Generator (one draw from it, so the Generator's stream decides)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise DeepRecipeError(
        f"{name}={seed!r} is not accepted; accepted: None, a non-negative int, or a "
        "numpy.random.Generator"
    )


def course_layout_hint(X_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> str:
    """Why X and y do not pair up, when it is the course's layout: the assignments store one
    COLUMN per example (X of shape (n_x, m), Y of shape (1, m)), deeprecipe one row (as
    scikit-learn and pandas do). Empty when the shapes say nothing of the kind."""
    rows = X_shape[0] if X_shape else None
    columns = X_shape[1] if len(X_shape) == 2 else None
    y_row = len(y_shape) == 2 and y_shape[0] == 1
    y_length = y_shape[-1] if y_shape else None
    if y_row and y_length == rows:
        return course_labels_hint(y_shape)
    if y_length == columns and (y_row or len(y_shape) == 1):
        return " (X holds one column per example, as the course stores it: pass X.T" + (
            " and y.ravel())" if y_row else ")"
        )
    return ""


def course_inputs_hint(X_shape: tuple[int, ...], n_x: int) -> str:
    """:func:`course_layout_hint` for inputs alone: ``X`` of shape ``(n_x, m)`` where a network
    takes ``n_x`` features per row."""
    if len(X_shape) == 2 and X_shape[0] == n_x and X_shape[1] != n_x:
        return " (X holds one column per example, as the course stores it: pass X.T)"
    return ""


def course_labels_hint(y_shape: tuple[int, ...]) -> str:
    """:func:`course_layout_hint` for labels alone: ``y`` of shape ``(1, m)``, the course's."""
    if len(y_shape) == 2 and y_shape[0] == 1 and y_shape[1] > 1:
        return " (y is one row of labels, as the course stores them: pass y.ravel())"
    return ""
