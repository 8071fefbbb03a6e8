"""Input normalization, fitted on the training set only (course 2, week 1, "Normalizing inputs").

.. math::

    \\mu = \\frac{1}{m} \\sum_{i=1}^{m} x^{(i)}, \\qquad
    \\sigma^2 = \\frac{1}{m} \\sum_{i=1}^{m} (x^{(i)} - \\mu)^2, \\qquad
    x := \\frac{x - \\mu}{\\sigma}

with ``m`` the number of TRAINING examples. The same ``mu`` and ``sigma`` are reused, unchanged,
for dev, test and every later prediction (a widely shared write-up of the lecture prints ``2/m``
and divides by ``sigma^2``: both are typos). A constant feature gets ``sigma = 1``.

Both scalers follow scikit-learn: ``__init__`` only stores settings, ``fit`` returns ``self``,
fitted attributes end in ``_``. Statistics are computed in float64; ``transform`` keeps a float
input's dtype (float32 stays float32) and turns integers into float64. For the model file,
``state_dict()`` gives plain arrays, the class attribute ``kind`` names the scaler, and
:func:`scaler_from_state` rebuilds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from deeprecipe._validation import check_array
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

__all__ = ["SCALERS", "MinMaxScaler", "Standardizer", "make_scaler", "scaler_from_state"]


class _Scaler:
    kind: ClassVar[str] = ""
    _state_keys: ClassVar[tuple[str, ...]] = ()

    n_features_in_: int

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise DeepRecipeError(
                f"this {type(self).__name__} is not fitted yet; call fit(X_train) first"
            )

    def _input(self, name: str, X: Any) -> np.ndarray:
        X = check_array(name, X, ndim=2)
        if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise DeepRecipeError(
                f"{name} has {X.shape[1]} features but this {type(self).__name__} was fitted on "
                f"{self.n_features_in_}; accepted: arrays with {self.n_features_in_} columns"
            )
        return X

    @staticmethod
    def _out_dtype(X: np.ndarray) -> np.dtype:
        return X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``. Only ever call this on the training set."""
        return self.fit(X).transform(X)

    def fit(self, X: Any) -> _Scaler:  # pragma: no cover - overridden
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted arrays, float64, for the model file."""
        self._check_fitted()
        return {k: np.array(getattr(self, f"{k}_"), dtype=np.float64) for k in self._state_keys}

    def _load_state(self, arrays: dict[str, Any]) -> None:
        missing = [k for k in self._state_keys if k not in arrays]
        if missing:
            raise DeepRecipeError(
                f"{self.kind} scaler state lacks {', '.join(missing)}; accepted: the arrays of "
                f"state_dict() ({', '.join(self._state_keys)})"
            )
        for k in self._state_keys:
            value = check_array(f"{self.kind} state '{k}'", arrays[k], dtype=np.float64)
            setattr(self, f"{k}_", value)

    def __repr__(self) -> str:
        n = getattr(self, "n_features_in_", None)
        parts = [self._params_repr()] + ([] if n is None else [f"n_features_in_={n}"])
        return f"{type(self).__name__}({', '.join(p for p in parts if p)})"

    def _params_repr(self) -> str:
        return ""


class Standardizer(_Scaler):
    """Zero mean, unit variance per feature, with the TRAIN set's ``mean_`` and ``scale_``.

    ``mean_ = (1/m) sum x``; ``scale_ = sqrt((1/m) sum (x - mean_)^2)`` (population standard
    deviation, ``ddof=0``, as in the course and in scikit-learn's ``StandardScaler``), replaced
    by 1 for a feature that is constant in the training set (or varies only by the rounding of
    its mean). ``transform(x) = (x - mean_) / scale_``; ``inverse_transform(z) = z * scale_ +
    mean_``.

    ``fit(X, unscaled=blocks)`` passes the columns of ``blocks`` (slices: a text column's
    one-hot block) through as they are (mean 0, scale 1), as a ColumnTransformer scales the
    numbers and one-hot encodes the text: standardized, a category seen once in 56 rows became
    a 0/7.4 column, on which L2 bites seven times less (a new user's Cars93: logistic
    regression's cross-validated error 46% with every column standardized, 21% without).
    """

    kind: ClassVar[str] = "standardize"
    _state_keys: ClassVar[tuple[str, ...]] = ("mean", "scale")

    mean_: np.ndarray
    scale_: np.ndarray
    var_: np.ndarray

    def fit(self, X: Any, *, unscaled: Sequence[slice] = ()) -> Standardizer:
        """Learn ``mean_``, ``var_`` and ``scale_`` from the training set ``X`` (m, n); the
        columns of ``unscaled`` keep their values (see the class docstring)."""
        X = check_array("X", X, ndim=2)
        X64 = X.astype(np.float64, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            constant = np.ptp(X64, axis=0) == 0
            # a constant feature's mean is its value, exactly (a summed mean can be off by an
            # ulp, and then the feature would not standardize to exactly 0)
            self.mean_ = np.where(constant, X64[0], X64.mean(axis=0))
            self.var_ = ((X64 - self.mean_) ** 2).mean(axis=0)  # 1/m, not 2/m
            # A spread within the rounding of the mean's sum is noise, not signal (0.1 and
            # 0.3 - 0.2 would become -1 and +1): such features count as constant, with
            # scikit-learn's bound for it
            eps, m = np.finfo(np.float64).eps, X64.shape[0]
            bound = m * eps * self.var_ + (m * self.mean_ * eps) ** 2
            constant |= np.isfinite(bound) & (self.var_ <= bound)
            self.scale_ = np.where(constant, 1.0, np.sqrt(self.var_))  # sigma, not sigma^2
        if not (np.isfinite(self.mean_).all() and np.isfinite(self.scale_).all()):
            self._fit_huge(X64)
        for block in unscaled:
            self.mean_[block], self.scale_[block] = 0.0, 1.0
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_huge(self, X64: np.ndarray) -> None:
        """Features near float64's limit (|x| ~ 1e308) overflow the sums above: measure them in
        units of their largest magnitude instead, ``mu = s mean(x / s)``, ``sigma = s sqrt(mean(
        ((x - mu) / s)^2))``. Only such features take this path, so ordinary data keep the
        plain formulas (and their exact bits)."""
        bad = ~(np.isfinite(self.mean_) & np.isfinite(self.scale_))
        unit = np.abs(X64[:, bad]).max(axis=0)
        scaled = X64[:, bad] / unit
        mean = scaled.mean(axis=0)
        spread = np.sqrt(((scaled - mean) ** 2).mean(axis=0))
        with np.errstate(over="ignore"):
            self.mean_[bad] = mean * unit
            self.scale_[bad] = np.where(spread == 0, 1.0, spread * unit)
            self.var_[bad] = self.scale_[bad] ** 2  # may be inf; scale_ is what transform uses
        if not np.isfinite(self.scale_).all():  # pragma: no cover - spread * unit <= 2 * max
            raise DeepRecipeError("X has features too large to standardize in float64")

    def transform(self, X: Any) -> np.ndarray:
        """``(X - mean_) / scale_`` with the fitted statistics; a new array."""
        self._check_fitted()
        X = self._input("X", X)
        dtype = self._out_dtype(X)
        return (X.astype(dtype, copy=False) - self.mean_.astype(dtype)) / self.scale_.astype(dtype)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """``X * scale_ + mean_``: back to the original units."""
        self._check_fitted()
        X = self._input("X", X)
        dtype = self._out_dtype(X)
        return X.astype(dtype, copy=False) * self.scale_.astype(dtype) + self.mean_.astype(dtype)

    def _load_state(self, arrays: dict[str, Any]) -> None:
        super()._load_state(arrays)
        if self.mean_.shape != self.scale_.shape or self.mean_.ndim != 1:
            raise DeepRecipeError(
                f"standardize state has mean {self.mean_.shape} and scale {self.scale_.shape}; "
                "accepted: two 1-D arrays of the same length"
            )
        if np.any(self.scale_ <= 0):
            raise DeepRecipeError("standardize state 'scale' has values <= 0; accepted: > 0")
        self.var_ = self.scale_**2
        self.n_features_in_ = len(self.mean_)


class MinMaxScaler(_Scaler):
    """Scale each feature linearly so the TRAIN set's range maps to ``feature_range``.

    As in scikit-learn: ``scale_ = (hi - lo) / (data_max_ - data_min_)`` and
    ``min_ = lo - data_min_ * scale_``, so ``transform(x) = x * scale_ + min_``, computed as
    ``(x - data_min_) * scale_ + lo``: the same map, but it does not cancel digits when a
    feature's range is tiny next to its values, so the training rows land inside
    ``feature_range`` and a constant feature maps to exactly ``lo`` (its data range is taken
    as 1). Dev and test values outside the training range land outside ``feature_range``; they
    are not clipped.
    """

    kind: ClassVar[str] = "minmax"
    _state_keys: ClassVar[tuple[str, ...]] = ("min", "scale", "data_min", "data_max")

    min_: np.ndarray
    scale_: np.ndarray
    data_min_: np.ndarray
    data_max_: np.ndarray

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.feature_range = feature_range

    def _params_repr(self) -> str:
        return f"feature_range={self.feature_range!r}"

    def _range(self) -> tuple[float, float]:
        fr = self.feature_range
        ok = (
            isinstance(fr, (tuple, list))
            and len(fr) == 2
            and all(isinstance(v, (int, float, np.number)) and np.isfinite(v) for v in fr)
        )
        if not ok or not fr[0] < fr[1]:
            raise DeepRecipeError(
                f"feature_range={fr!r} is not accepted; accepted: (low, high) with low < high"
            )
        return float(fr[0]), float(fr[1])

    def fit(self, X: Any, *, unscaled: Sequence[slice] = ()) -> MinMaxScaler:
        """Learn ``data_min_``, ``data_max_``, ``scale_`` and ``min_`` from the training set;
        the columns of ``unscaled`` keep their values (as :class:`Standardizer`'s do: their
        range is taken as ``feature_range``, so they map onto themselves)."""
        lo, hi = self._range()
        X = check_array("X", X, ndim=2).astype(np.float64, copy=False)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        for block in unscaled:
            self.data_min_[block], self.data_max_[block] = lo, hi
        data_range = self.data_max_ - self.data_min_
        data_range = np.where(data_range == 0, 1.0, data_range)
        self.scale_ = (hi - lo) / data_range
        self.min_ = lo - self.data_min_ * self.scale_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``X * scale_ + min_``, as ``(X - data_min_) * scale_ + lo``; a new array."""
        self._check_fitted()
        X = self._input("X", X)
        dtype = self._out_dtype(X)
        lo = dtype.type(self._range()[0])
        out = X.astype(dtype, copy=True)
        out -= self.data_min_.astype(dtype)
        out *= self.scale_.astype(dtype)
        out += lo
        return out

    def inverse_transform(self, X: Any) -> np.ndarray:
        """``(X - min_) / scale_``, as ``(X - lo) / scale_ + data_min_``: the original units."""
        self._check_fitted()
        X = self._input("X", X)
        dtype = self._out_dtype(X)
        lo = dtype.type(self._range()[0])
        out = X.astype(dtype, copy=True)
        out -= lo
        out /= self.scale_.astype(dtype)
        out += self.data_min_.astype(dtype)
        return out

    def _load_state(self, arrays: dict[str, Any]) -> None:
        super()._load_state(arrays)
        shapes = {k: getattr(self, f"{k}_").shape for k in self._state_keys}
        if len(set(shapes.values())) != 1 or self.min_.ndim != 1:
            raise DeepRecipeError(
                f"minmax state arrays have shapes {shapes}; accepted: 1-D arrays of one length"
            )
        self.n_features_in_ = len(self.min_)
        if "feature_range" in arrays:
            lo, hi = np.asarray(arrays["feature_range"], dtype=np.float64).ravel()[:2]
        else:  # an older state: read the range off the first feature's map
            data_range = self.data_max_[0] - self.data_min_[0] or 1.0
            lo = self.min_[0] + self.data_min_[0] * self.scale_[0]
            hi = lo + data_range * self.scale_[0]
        self.feature_range = (float(lo), float(hi))

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted arrays plus ``feature_range`` (2 values), float64."""
        state = super().state_dict()
        state["feature_range"] = np.array(self._range(), dtype=np.float64)
        return state


#: The scalers by ``kind``, for the model file and the command line.
SCALERS: dict[str, type[_Scaler]] = {"standardize": Standardizer, "minmax": MinMaxScaler}


def make_scaler(kind: str | None) -> Standardizer | MinMaxScaler | None:
    """A new, unfitted scaler: ``"standardize"``, ``"minmax"``, or ``None``/``"none"`` for none."""
    if kind is None or (isinstance(kind, str) and kind.lower() == "none"):
        return None
    if not isinstance(kind, str) or kind.lower() not in SCALERS:
        raise DeepRecipeError(
            f"scaler {kind!r} is not known; accepted: {', '.join(SCALERS)} or 'none'"
        )
    return SCALERS[kind.lower()]()  # type: ignore[return-value]


def scaler_from_state(kind: str, arrays: dict[str, Any]) -> Standardizer | MinMaxScaler:
    """Rebuild a fitted scaler from its ``kind`` and the arrays of its ``state_dict()``."""
    if not isinstance(kind, str) or kind not in SCALERS:
        raise DeepRecipeError(f"scaler kind {kind!r} is not known; accepted: {', '.join(SCALERS)}")
    if not isinstance(arrays, dict):
        raise DeepRecipeTypeError(
            f"scaler state is {type(arrays).__name__}; accepted: a dict of arrays"
        )
    scaler = SCALERS[kind]()
    try:
        scaler._load_state(arrays)
    except (TypeError, ValueError) as exc:
        raise DeepRecipeError(
            f"the {kind} scaler's state is invalid ({exc}); accepted: the arrays of its "
            "state_dict()"
        ) from None
    return scaler  # type: ignore[return-value]
