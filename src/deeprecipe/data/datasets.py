"""Embedded datasets: nothing is downloaded.

Real data comes from the copies bundled inside scikit-learn (digits, breast cancer, iris, wine).
The 2-D sets for decision-boundary plots are generated from a seed: moons, circles, the course's
planar "flower" (two interleaved petals, course 1 week 3) and "football", a lookalike of the
course's regularization data (course 2 week 1: where the goalkeeper should kick so the French
players head the ball; noisy labels split by a wavy diagonal, easy to overfit).

:func:`load_course_football` and :func:`course_circles` reproduce the course's own data exactly
(see ``shared/datasets/dls/SOURCES.md``), row per example.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._validation import check_rng
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import classification_task

__all__ = [
    "Dataset",
    "DatasetInfo",
    "course_circles",
    "list_datasets",
    "load_course_football",
    "load_dataset",
]

FOOTBALL_FLIP_RATE = 0.06


@dataclass
class Dataset:
    """Features, targets and what is known about them.

    ``X`` is ``(m, n_x)``, one example per row (float32 for a table file, float64 if a column
    needs it; NaN in a missing cell kept for imputation). For classification ``y`` holds class
    indices ``0..K-1`` (int64) and ``classes[k]`` is the original label of index ``k``; for
    regression ``y`` is float64 and ``classes`` is ``None``; ``y`` is ``None`` for unlabeled
    data. ``image_shape`` is ``(height, width[, channels])`` when each row is a flattened image.
    ``schema`` (from the file loaders) says how raw table columns become ``X``, so new rows can
    be encoded the same way at prediction time. ``bayes_error`` is the error of the best
    possible classifier where the data's construction fixes it (a generated set whose labels are
    flipped at a known rate), and ``None`` where it is unknown.
    """

    X: np.ndarray
    y: np.ndarray | None
    task: str | None
    feature_names: list[str]
    classes: np.ndarray | None = None
    image_shape: tuple[int, ...] | None = None
    name: str = ""
    description: str = ""
    schema: Any = field(default=None, repr=False)
    bayes_error: float | None = None
    #: what loading left out or changed (rows without a label, rows dropped for missing values)
    notes: list[str] = field(default_factory=list)
    #: the file's 0-based data row (header excluded) of each example, where loading left rows
    #: out (``None``: example ``i`` is data row ``i``)
    source_rows: np.ndarray | None = field(default=None, repr=False)
    #: each example's group (a person, a session) where loading was given a group column,
    #: for a split that keeps a group's rows in one part
    groups: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        return None if self.classes is None else len(self.classes)

    def __repr__(self) -> str:
        extra = f", n_classes={self.n_classes}" if self.classes is not None else ""
        img = f", image_shape={self.image_shape}" if self.image_shape else ""
        return f"Dataset(name={self.name!r}, X={self.X.shape}, task={self.task!r}{extra}{img})"


@dataclass(frozen=True)
class DatasetInfo:
    """One line of the registry: what :func:`load_dataset` returns for ``name``."""

    name: str
    n_samples: int
    n_features: int
    task: str
    n_classes: int | None
    description: str
    image_shape: tuple[int, ...] | None = None
    bayes_error: float | None = None


def _task_for(n_classes: int) -> str:
    return classification_task(n_classes).kind


def _from_sklearn(loader: Callable[..., Any], name: str, description: str) -> Dataset:
    bunch = loader()
    classes = np.asarray(bunch.target_names)
    return Dataset(
        X=np.asarray(bunch.data, dtype=np.float64),
        y=np.asarray(bunch.target, dtype=np.int64),
        task=_task_for(len(classes)),
        feature_names=[str(f) for f in bunch.feature_names],
        classes=classes,
        name=name,
        description=description,
    )


def _digits(seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    ds = _from_sklearn(load_digits, "digits", _INFO["digits"].description)
    ds.X = ds.X / 16.0  # pixels are 0..16 in the bundled file
    ds.image_shape = (8, 8)
    return ds


def _breast_cancer(seed: int) -> Dataset:
    from sklearn.datasets import load_breast_cancer

    return _from_sklearn(load_breast_cancer, "breast_cancer", _INFO["breast_cancer"].description)


def _iris(seed: int) -> Dataset:
    from sklearn.datasets import load_iris

    return _from_sklearn(load_iris, "iris", _INFO["iris"].description)


def _wine(seed: int) -> Dataset:
    from sklearn.datasets import load_wine

    return _from_sklearn(load_wine, "wine", _INFO["wine"].description)


def _planar(name: str, X: np.ndarray, y: np.ndarray) -> Dataset:
    return Dataset(
        X=np.asarray(X, dtype=np.float64),
        y=np.asarray(y, dtype=np.int64),
        task="binary",
        feature_names=["x1", "x2"],
        classes=np.array([0, 1]),
        name=name,
        description=_INFO[name].description,
        bayes_error=_INFO[name].bayes_error,
    )


def _moons(seed: int) -> Dataset:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=seed)
    return _planar("moons", X, y)


def _circles(seed: int) -> Dataset:
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=1000, noise=0.08, factor=0.5, random_state=seed)
    return _planar("circles", X, y)


def _flower(seed: int) -> Dataset:
    """Two petal-shaped classes: ``r = a sin(4t)`` in polar coordinates, each class sweeping
    half the angle range, with noise on the angle and the radius (course 1, week 3)."""
    rng = check_rng(seed)
    per_class, a = 200, 4.0
    X = np.empty((2 * per_class, 2))
    y = np.repeat([0, 1], per_class)
    for j in (0, 1):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, per_class) + rng.normal(0, 0.2, per_class)
        r = a * np.sin(4 * t) + rng.normal(0, 0.2, per_class)
        X[j * per_class : (j + 1) * per_class] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return _planar("flower", X, y)


def _football(seed: int) -> Dataset:
    """Points scattered over a disc-like field; class 1 above a wavy diagonal boundary, with
    each label flipped with probability 6% so that a big unregularized network overfits the
    noise. The Bayes error is that 6%: the true boundary is the best possible classifier, and
    it still misses every flipped label."""
    rng = check_rng(seed)
    m = 411  # the course's 211 training + 200 test examples
    radius = 0.48 * np.sqrt(rng.random(m))
    angle = rng.uniform(0, 2 * np.pi, m)
    x1 = -0.15 + radius * np.cos(angle) * 0.95
    x2 = -0.08 + radius * np.sin(angle) * 1.3
    boundary = 1.3 * (x1 + 0.2) - 0.15 + 0.08 * np.sin(12 * x1)
    y = (x2 > boundary).astype(np.int64)
    flip = rng.random(m) < FOOTBALL_FLIP_RATE
    y[flip] = 1 - y[flip]
    return _planar("football", np.column_stack([x1, x2]), y)


_INFO: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo("digits", 1797, 64, "multiclass", 10,
                    "8x8 handwritten digits 0-9 (scikit-learn's copy of UCI), pixels in [0, 1]",
                    (8, 8)),
        DatasetInfo("breast_cancer", 569, 30, "binary", 2,
                    "Wisconsin diagnostic breast cancer: 30 cell-nucleus measurements, "
                    "malignant (0) or benign (1); features differ in scale by ~10^4"),
        DatasetInfo("iris", 150, 4, "multiclass", 3,
                    "Fisher's iris: 4 flower measurements in cm, 3 species"),
        DatasetInfo("wine", 178, 13, "multiclass", 3,
                    "13 chemical measurements of wines from 3 cultivars; badly scaled features"),
        DatasetInfo("moons", 1000, 2, "binary", 2,
                    "two interleaving half circles with noise 0.2 (generated)"),
        DatasetInfo("circles", 1000, 2, "binary", 2,
                    "a circle inside a circle, factor 0.5, noise 0.08 (generated)"),
        DatasetInfo("flower", 400, 2, "binary", 2,
                    "the course's planar 'flower': two classes of petals r = 4 sin(4t) "
                    "(generated)"),
        DatasetInfo("football", 411, 2, "binary", 2,
                    "lookalike of the course's regularization data: noisy labels either side "
                    "of a wavy diagonal on a football field (generated)",
                    bayes_error=FOOTBALL_FLIP_RATE),
    )
}  # fmt: skip

_LOADERS: dict[str, Callable[[int], Dataset]] = {
    "digits": _digits,
    "breast_cancer": _breast_cancer,
    "iris": _iris,
    "wine": _wine,
    "moons": _moons,
    "circles": _circles,
    "flower": _flower,
    "football": _football,
}


#: Real files, shipped as they are found in the wild, for trying the commands that read ``--data``
#: (``deeprecipe datasets --export NAME``): name -> (file in ``data/files/``, description).
RAW_FILES = {
    "penguins": ("penguins.csv",
                 "Palmer penguins (344 rows; data CC0, from the palmerpenguins package): target "
                 "'species', text columns island and sex, NA cells"),
}  # fmt: skip


def raw_file(name: str) -> Path:
    """The path of a shipped raw file (see :data:`RAW_FILES`)."""
    if name not in RAW_FILES:
        raise DeepRecipeError(f"raw file {name!r} is not known; accepted: {', '.join(RAW_FILES)}")
    return Path(__file__).resolve().parent / "files" / RAW_FILES[name][0]


def list_datasets() -> list[DatasetInfo]:
    """The embedded datasets with their shapes and tasks, in a stable order."""
    return list(_INFO.values())


def load_dataset(name: str, *, seed: int = 0) -> Dataset:
    """An embedded dataset by name (see :func:`list_datasets`).

    ``seed`` only matters for the generated sets (moons, circles, flower, football); the same
    seed gives the same points. The bundled real datasets are always the same.
    """
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if key not in _LOADERS:
        raise DeepRecipeError(
            f"dataset {name!r} is not known; accepted: {', '.join(_LOADERS)} "
            "(or a .csv, .parquet or .npz file via load_file)"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DeepRecipeError(f"seed={seed!r} is not accepted; accepted: a non-negative int")
    return _LOADERS[key](int(seed))


# -- the course's own data ---------------------------------------------------------------------


def load_course_football(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The regularization assignment's ``data.mat``: ``(X_train, y_train, X_test, y_test)``.

    Row per example: ``X_train`` (211, 2) and ``X_test`` (200, 2) float64, ``y_train`` (211,)
    and ``y_test`` (200,) int64 in {0, 1}. The course's column-per-example arrays are these
    transposed (``X_train.T`` is its ``train_X``; ``y_train[None, :]`` its ``train_Y``). The
    file's ``Xval``/``yval`` are the assignment's test set.
    """
    from scipy.io import loadmat

    path = Path(path)
    if not path.is_file():
        raise DeepRecipeError(
            f"{path} does not exist; accepted: the course's data.mat (Regularization assignment)"
        )
    try:
        mat = loadmat(str(path))
    except Exception as exc:
        raise DeepRecipeError(f"{path} could not be read as a MATLAB file: {exc}") from None
    missing = [k for k in ("X", "y", "Xval", "yval") if k not in mat]
    if missing:
        raise DeepRecipeError(
            f"{path} lacks {', '.join(missing)}; accepted: a .mat file with X, y, Xval, yval"
        )
    return (
        np.asarray(mat["X"], dtype=np.float64),
        np.asarray(mat["y"], dtype=np.int64).ravel(),
        np.asarray(mat["Xval"], dtype=np.float64),
        np.asarray(mat["yval"], dtype=np.int64).ravel(),
    )


def course_circles() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The initialization assignment's data: ``(X_train, y_train, X_test, y_test)``.

    Exactly the course recipe: ``np.random.seed(1)`` then ``make_circles(n_samples=300,
    noise=.05)``; ``np.random.seed(2)`` then ``make_circles(n_samples=100, noise=.05)``.
    Row per example ((300, 2), (300,), (100, 2), (100,)). NumPy's global random state is
    restored afterwards, so callers see no side effect.
    """
    from sklearn.datasets import make_circles

    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(1)  # noqa: NPY002 - the course's recipe seeds the global state
        X_train, y_train = make_circles(n_samples=300, noise=0.05)
        np.random.seed(2)  # noqa: NPY002
        X_test, y_test = make_circles(n_samples=100, noise=0.05)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return (
        X_train.astype(np.float64),
        y_train.astype(np.int64),
        X_test.astype(np.float64),
        y_test.astype(np.int64),
    )
