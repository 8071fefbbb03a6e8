"""Train / dev / test (and train-dev) splits that can be saved and repeated.

The rule for the default ratios (course 2, week 1, "Train / Dev / Test sets"): dev and test each
get ``min(0.2 m, max(10_000, 0.01 m))`` examples, training gets the rest. That is 60/20/20 up to
50,000 examples (the classic split for small data), then a fixed 10,000 examples each (enough to
measure an error difference of a fraction of a percentage point), reaching 98/1/1 at a million
examples and never going below 1% each. See :func:`default_ratios`.

With ``groups=`` (a person, a patient, a session per row) every group's rows go to one part,
so that no part is scored on someone the network trained on; the parts' sizes then follow
the groups' and come as near the ratios as whole groups allow.

Ratios given explicitly may be fractions of the whole data set (``float`` in ``[0, 1)``) or counts
of examples (``int``), as in scikit-learn's ``train_test_split``. Dev and test are always drawn
from the same pool with the same procedure, so they come from the same distribution. The optional
train-dev slice is held out from the training pool: it is data from the training distribution
the network never trains on, so ``dev error - train-dev error`` measures data mismatch.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from deeprecipe._files import atomic_write_text
from deeprecipe._validation import check_rng, course_layout_hint, missing_values
from deeprecipe.data.parts import check_target_beside, is_frame
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.task import distinct_labels, is_one_hot, label_vector, reads_as_classes

__all__ = [
    "MIN_EVAL_EXAMPLES",
    "groups_note",
    "SmallSplitWarning",
    "Split",
    "SplitArrays",
    "default_ratios",
    "split",
]

#: Below this many examples one example is worth more than a percentage point of error, so a
#: dev, test or train-dev set this small cannot even represent a 1-point difference.
MIN_EVAL_EXAMPLES = 100

_PARTS = ("train", "dev", "test", "train_dev")


#: rare classes named in a warning, at most
MAX_NAMED_CLASSES = 5


class SmallSplitWarning(UserWarning):
    """A dev, test or train-dev set too small to measure an error difference of 1 point."""


def default_ratios(m: int) -> tuple[float, float, float]:
    """The default ``(train, dev, test)`` fractions for a data set of ``m`` examples.

    ``dev = test = min(0.2 m, max(10_000, 0.01 m)) / m`` and ``train = 1 - dev - test``:
    60/20/20 up to 50,000 examples, 80/10/10 at 100,000 and 98/1/1 at 1,000,000.
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise DeepRecipeError(f"m={m!r} must be a positive integer number of examples")
    each = min(0.2 * m, max(10_000.0, 0.01 * m)) / m
    return (1.0 - 2.0 * each, each, each)


class SplitArrays(NamedTuple):
    """The arrays of a split, in the order people unpack them."""

    X_train: np.ndarray
    y_train: np.ndarray | None
    X_dev: np.ndarray
    y_dev: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray | None
    X_train_dev: np.ndarray
    y_train_dev: np.ndarray | None


@dataclass(frozen=True, eq=False)
class Split:
    """Which rows went where. Index arrays are int64 and disjoint; ``train_dev_idx`` may be empty.

    A split returned by :func:`split` is bound to the ``X`` and ``y`` it was made from, so
    ``s.X_train`` etc. work directly. One rebuilt with :meth:`from_dict` or :meth:`load` is not
    bound: call :meth:`bind` (or :meth:`apply`) with the data.
    """

    train_idx: np.ndarray
    dev_idx: np.ndarray
    test_idx: np.ndarray
    train_dev_idx: np.ndarray
    n_samples: int
    seed: int | None = None
    stratified: bool = False
    #: each group's rows in one part (``split(..., groups=...)``)
    grouped: bool = False
    X: np.ndarray | None = field(default=None, repr=False, compare=False)
    y: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_indices(self.n_samples, {p: getattr(self, f"{p}_idx") for p in _PARTS})

    def __repr__(self) -> str:
        sizes = ", ".join(f"{p}={len(getattr(self, f'{p}_idx'))}" for p in _PARTS)
        grouped = ", grouped=True" if self.grouped else ""
        return (
            f"Split({sizes}, n_samples={self.n_samples}, seed={self.seed}, "
            f"stratified={self.stratified}{grouped})"
        )

    def __eq__(self, other: object) -> bool:
        """Same rows in the same parts (and order), same size, seed, stratification and
        grouping."""
        if not isinstance(other, Split):
            return NotImplemented
        return (
            (self.n_samples, self.seed, self.stratified, self.grouped)
            == (other.n_samples, other.seed, other.stratified, other.grouped)
        ) and all(
            np.array_equal(getattr(self, f"{p}_idx"), getattr(other, f"{p}_idx")) for p in _PARTS
        )

    __hash__ = None  # type: ignore[assignment]

    # -- the data ------------------------------------------------------------------------
    def bind(self, X: Any, y: Any = None) -> Split:
        """This split attached to ``X`` (and ``y``), which must have ``n_samples`` rows."""
        X, y = _as_xy(X, y)
        if len(X) != self.n_samples:
            raise DeepRecipeError(
                f"X has {len(X)} rows but this split was made for {self.n_samples}; "
                "accepted: the same data the split was made from"
            )
        return replace(self, X=X, y=y)

    def apply(self, X: Any = None, y: Any = None) -> SplitArrays:
        """``(X_train, y_train, X_dev, y_dev, X_test, y_test, X_train_dev, y_train_dev)``."""
        bound = self if X is None else self.bind(X, y)
        return SplitArrays(
            bound.X_train,
            bound.y_train,
            bound.X_dev,
            bound.y_dev,
            bound.X_test,
            bound.y_test,
            bound.X_train_dev,
            bound.y_train_dev,
        )

    def _take(self, which: str, idx: np.ndarray) -> np.ndarray | None:
        data = self.X if which == "X" else self.y
        if self.X is None:
            raise DeepRecipeError(
                "this split is not bound to data; call split.bind(X, y) or split.apply(X, y)"
            )
        if data is None:
            return None
        return data.iloc[idx] if hasattr(data, "iloc") else data[idx]  # a frame's rows by place

    X_train = property(lambda self: self._take("X", self.train_idx))
    y_train = property(lambda self: self._take("y", self.train_idx))
    X_dev = property(lambda self: self._take("X", self.dev_idx))
    y_dev = property(lambda self: self._take("y", self.dev_idx))
    X_test = property(lambda self: self._take("X", self.test_idx))
    y_test = property(lambda self: self._take("y", self.test_idx))
    X_train_dev = property(lambda self: self._take("X", self.train_dev_idx))
    y_train_dev = property(lambda self: self._take("y", self.train_dev_idx))

    @property
    def sizes(self) -> dict[str, int]:
        """Number of examples per part."""
        return {p: int(len(getattr(self, f"{p}_idx"))) for p in _PARTS}

    # -- saving and repeating ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (plain ints and lists) from which the split is rebuilt."""
        out: dict[str, Any] = {
            "n_samples": int(self.n_samples),
            "seed": None if self.seed is None else int(self.seed),
            "stratified": bool(self.stratified),
            "grouped": bool(self.grouped),
        }
        for p in _PARTS:
            out[f"{p}_idx"] = [int(i) for i in getattr(self, f"{p}_idx")]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Split:
        """Rebuild a split saved with :meth:`to_dict`; refuses overlapping or out-of-range rows."""
        if not isinstance(d, dict):
            raise DeepRecipeTypeError(f"split description is {type(d).__name__}; accepted: dict")
        missing = [k for k in ("n_samples", *(f"{p}_idx" for p in _PARTS[:3])) if k not in d]
        if missing:
            raise DeepRecipeError(
                f"split description lacks {', '.join(missing)}; accepted: the output of "
                "Split.to_dict()"
            )
        n = d["n_samples"]
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise DeepRecipeError(f"n_samples={n!r} must be a positive integer")
        arrays = {p: _index_array(f"{p}_idx", d.get(f"{p}_idx", [])) for p in _PARTS}
        seed = d.get("seed")
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise DeepRecipeError(
                f"seed={seed!r} in the split description; accepted: a non-negative integer or null"
            )
        return cls(
            train_idx=arrays["train"],
            dev_idx=arrays["dev"],
            test_idx=arrays["test"],
            train_dev_idx=arrays["train_dev"],
            n_samples=int(n),
            seed=d.get("seed"),
            stratified=bool(d.get("stratified", False)),
            grouped=bool(d.get("grouped", False)),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` as JSON, atomically (a temporary file in the same folder,
        fsynced, then renamed into place)."""
        path = Path(path)
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise DeepRecipeError(f"cannot save the split to {path}: {directory} is not a folder")
        atomic_write_text(path, json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Split:
        """Read a split written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "does not exist"
            raise DeepRecipeError(f"split file {path} {what}; accepted: a JSON file")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DeepRecipeError(f"split file {path} is not valid JSON: {exc}") from None
        return cls.from_dict(d)


# -- the split itself ------------------------------------------------------------------------


def split(
    X: Any,
    y: Any = None,
    *,
    dev: float | int | None = None,
    test: float | int | None = None,
    train_dev: float | int | None = None,
    train: float | int | None = None,
    stratify: bool | str | Any = "auto",
    groups: Any = None,
    seed: int | np.random.Generator | None = 0,
) -> Split:
    """Split the rows of ``X`` (and ``y``) into train, dev, test and an optional train-dev set.

    Parameters
    ----------
    dev, test, train_dev, train:
        Each a fraction of all ``m`` rows (``float`` in ``[0, 1)``) or a count (``int >= 0``).
        ``None`` means: dev and test follow :func:`default_ratios`, train-dev is empty, and
        train gets the rest. If ``train`` is given, an unset dev/test shares what is left, and
        if all parts are fractions they must sum to 1. The train-dev slice comes out of the
        training pool (same distribution as train, never trained on).
    stratify:
        ``"auto"`` stratifies when ``y`` holds class labels (integers, booleans, strings, or
        floats that are whole numbers with at most 20 distinct values) and not for continuous
        targets; ``True`` / ``False``
        force it; an array of ``m`` group labels stratifies on those instead. Stratified parts
        keep each class's share to within one example; every class needs at least one example
        per non-empty part (with ``"auto"``, the rows of a class too rare for that all go to
        train, with a :class:`SmallSplitWarning` naming it).
    groups:
        ``None``, or one group label per row (a person, a patient, a session): each group's
        rows all go to one part, as scikit-learn's ``GroupShuffleSplit`` keeps them. The groups
        are shuffled and cut where each part's row count comes nearest its size; every
        non-empty part gets a group at least. Not with ``stratify=True`` or an array (with
        ``"auto"`` a grouped split is not stratified: the classes follow their groups).
    seed:
        An int, ``None`` or a ``numpy.random.Generator``. The same int gives the same split.

    Warns :class:`SmallSplitWarning` when a non-empty dev, test or train-dev set has fewer than
    ``MIN_EVAL_EXAMPLES`` (100) examples: one example is then worth more than a percentage point
    of error, so a 1-point difference between two models cannot be measured on it. (A 1-point
    difference is only statistically reliable with a few thousand examples.) For a continuous
    target it gives the MSE's standard error instead, about sqrt(2/n) of its value.
    """
    X, y = _as_xy(X, y)
    m = len(X)
    rng = check_rng(seed)
    sizes = _part_sizes(m, dev=dev, test=test, train_dev=train_dev, train=train)
    if groups is not None:
        group_codes = _group_codes(groups, m)
        if not (isinstance(stratify, str) or stratify is False or stratify is None):
            raise DeepRecipeError(
                "stratify and groups cannot be combined: a split by group keeps each group's "
                "rows together, so the classes' shares follow the groups; accepted: "
                "stratify='auto' or False with groups"
            )
    labels = None if groups is not None else _stratify_labels(stratify, y, m)
    if labels is not None and labels.dtype == object:
        distinct_labels(labels)  # labels that cannot be ordered are refused by name

    rare = np.zeros(m, dtype=bool)
    if labels is not None and isinstance(stratify, str):  # "auto": too rare to stratify goes
        rare = _rare_classes(labels, sizes)  # to train, where it is at least learned from
    if groups is not None:
        # "auto" (a name it does not know is refused): class labels, kept in reach of train
        classes = _stratify_labels(stratify, y, m) if isinstance(stratify, str) else None
        to_train = None
        if classes is not None:
            to_train = _rare_class_groups(classes, group_codes, sizes)
            to_train = _a_group_per_class(classes, group_codes, rng, to_train)
        parts = _grouped_parts(group_codes, sizes, rng, to_train)
    elif rare.any():
        common = np.flatnonzero(~rare)
        sizes = {**sizes, "train": sizes["train"] - int(rare.sum())}
        parts = _stratified_parts(labels[common], sizes, rng)
        parts = {p: common[idx] for p, idx in parts.items()}
        parts["train"] = rng.permutation(np.concatenate([parts["train"], np.flatnonzero(rare)]))
    elif labels is None:
        order = rng.permutation(m)
        cut = np.cumsum([sizes["dev"], sizes["test"], sizes["train_dev"]])
        parts = {
            "dev": order[: cut[0]],
            "test": order[cut[0] : cut[1]],
            "train_dev": order[cut[1] : cut[2]],
            "train": order[cut[2] :],
        }
    else:
        parts = _stratified_parts(labels, sizes, rng)

    # an MSE's wording, not an error rate's: float targets not read as classes, or numbers
    # split with stratify=False on purpose (a regression's whole numbers: longley, cpunish)
    continuous = y is not None and (
        (stratify is False and y.dtype.kind in "fiu")
        or (y.dtype.kind == "f" and not _is_class_like(np.ravel(y)))
    )
    for name in ("dev", "test", "train_dev"):
        n = len(parts[name])
        if 0 < n < MIN_EVAL_EXAMPLES:
            warnings.warn(_small_set_message(name, n, continuous), SmallSplitWarning, stacklevel=2)
    return Split(
        train_idx=parts["train"].astype(np.int64),
        dev_idx=parts["dev"].astype(np.int64),
        test_idx=parts["test"].astype(np.int64),
        train_dev_idx=parts["train_dev"].astype(np.int64),
        n_samples=m,
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None,
        stratified=labels is not None,
        grouped=groups is not None,
        X=X,
        y=y,
    )


def groups_note(groups: Any, parts: Split, column: str | None = None) -> str:
    """How many groups each part of a split by group holds (``column``: the groups' name), and
    what that does to the noise figures, which count rows."""
    groups = np.asarray(groups)
    counts = {
        name: len(np.unique(groups[getattr(parts, f"{name}_idx")]))
        for name in ("train", "dev", "test", "train_dev")
        if len(getattr(parts, f"{name}_idx"))
    }
    shown = ", ".join(f"{n} {name}" for name, n in counts.items())
    named = f" {column!r}" if column else ""
    return (
        f"split by group{named}: each of its {len(np.unique(groups))} groups in one part "
        f"({shown}); the dev set's noise figures count its rows as independent, and rows of "
        "one group that resemble each other make the true noise larger"
    )


def _group_codes(groups: Any, m: int) -> np.ndarray:
    """Each row's group as an index into the distinct groups (int64)."""
    try:
        labels = np.asarray(groups)
    except Exception as exc:
        raise DeepRecipeError(f"groups could not be read as an array: {exc}") from None
    if labels.ndim != 1 or len(labels) != m:
        raise DeepRecipeError(
            f"groups has shape {labels.shape}; accepted: one group label per row ({m})"
        )
    missing = missing_values(labels)  # NaN; in a text column None, NaN or pandas' NA
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DeepRecipeError(
            f"groups has no group at row {row}; accepted: a group label for every row"
        )
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError:
        raise DeepRecipeError(
            "groups mixes label types that cannot be ordered; accepted: labels of one type"
        ) from None
    return codes.ravel().astype(np.int64)


def _rare_class_groups(
    labels: np.ndarray, codes: np.ndarray, sizes: dict[str, int]
) -> np.ndarray | None:
    """The groups that hold a class found in fewer groups than the split has parts, with a
    warning naming those classes: such groups all train, where the class is at least learned
    from (else a class found in dev or test only: OME's 14 classes split by child)."""
    classes, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.ravel()
    need = 1 + sum(1 for p in ("dev", "test", "train_dev") if sizes[p] > 0)
    groups_per_class = np.array(
        [len(np.unique(codes[inverse == k])) for k in range(len(classes))], dtype=np.int64
    )
    rare = np.flatnonzero(groups_per_class < need)
    if rare.size == 0:
        return None
    to_train = np.zeros(int(codes.max()) + 1, dtype=bool)
    to_train[np.unique(codes[np.isin(inverse, rare)])] = True
    named = ", ".join(
        f"{_plain_label(classes[k])!r} ({groups_per_class[k]})" for k in rare[:MAX_NAMED_CLASSES]
    )
    more = f" and {rare.size - MAX_NAMED_CLASSES} more" if rare.size > MAX_NAMED_CLASSES else ""
    warnings.warn(
        f"{rare.size} class{'es' if rare.size > 1 else ''} found in fewer groups than the "
        f"split's {need} parts: {named}{more} (groups holding each); their groups all train "
        "(the dev and test errors say nothing about them)",
        SmallSplitWarning,
        stacklevel=4,
    )
    return to_train


def _a_group_per_class(
    labels: np.ndarray, codes: np.ndarray, rng: np.random.Generator, to_train: np.ndarray | None
) -> np.ndarray:
    """``to_train`` with a group of every class not yet in it, drawn at random: train then
    holds every class that dev and test can hold (a class in three groups could draw all three
    away, and OME's run stopped on 'label 12 unseen in training')."""
    chosen = np.zeros(int(codes.max()) + 1, dtype=bool) if to_train is None else to_train.copy()
    covered = np.isin(codes, np.flatnonzero(chosen))
    for label in np.unique(labels):
        rows = labels == label
        if covered[rows].any():
            continue
        group = int(rng.choice(np.unique(codes[rows])))
        chosen[group] = True
        covered |= codes == group
    return chosen


def _grouped_parts(
    codes: np.ndarray,
    sizes: dict[str, int],
    rng: np.random.Generator,
    to_train: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Whole groups per part: the groups in a random order, cut where the running row count
    comes nearest each part's running size (dev, then test, then train-dev; train takes the
    rest), leaving at least one group for every later non-empty part. ``to_train`` marks
    groups that go to train before the cuts."""
    counts = np.bincount(codes)
    wanted = [p for p in ("dev", "test", "train_dev") if sizes[p] > 0]
    forced = np.zeros(len(counts), dtype=bool) if to_train is None else to_train
    free = np.flatnonzero(~forced)
    if len(counts) < len(wanted) + 1:
        raise DeepRecipeError(
            f"groups holds {len(counts)} group(s), fewer than the split's "
            f"{len(wanted) + 1} parts (train, {', '.join(wanted)}); accepted: at least one "
            "group per part"
        )
    if len(free) < len(wanted):
        raise DeepRecipeError(
            f"{forced.sum()} of the {len(counts)} groups hold a class found in too few groups "
            f"and train, which leaves {len(free)} for {', '.join(wanted)}; accepted: more "
            "groups, or classes spread over more of them"
        )
    order = free[rng.permutation(len(free))]
    ends = np.cumsum(counts[order])  # rows in the first k + 1 groups of the order
    part_of_group = np.empty(len(counts), dtype=np.int64)
    names = ["dev", "test", "train_dev", "train"]
    start, target = 0, 0
    for i, name in enumerate(names[:3]):
        if sizes[name] == 0:
            continue
        target += sizes[name]
        # a group for each later part, and for train unless it holds the rare classes' groups
        later = sum(1 for p in wanted if names.index(p) > i) + (0 if forced.any() else 1)
        first, last = start + 1, len(order) - later  # the cut: groups order[start:cut]
        cut = first + int(np.argmin(np.abs(ends[first - 1 : last] - target)))
        part_of_group[order[start:cut]] = i
        start = cut
    part_of_group[order[start:]] = 3
    part_of_group[forced] = 3
    row_part = part_of_group[codes]
    parts = {name: rng.permutation(np.flatnonzero(row_part == i)) for i, name in enumerate(names)}
    off = [
        f"{name} {len(parts[name])} rows for {sizes[name]}"
        for name in names
        if sizes[name] and abs(len(parts[name]) - sizes[name]) > sizes[name] / 2
    ]
    if off:  # one group of 90 rows among 100 left training 6 of them
        largest = int(counts.max())
        warnings.warn(
            f"whole groups cannot come near the asked sizes ({', '.join(off)}): the largest "
            f"group holds {largest} of the {len(codes)} rows; use more, smaller groups, or "
            "other sizes",
            SmallSplitWarning,
            stacklevel=3,
        )
    return parts


def _rare_classes(labels: np.ndarray, sizes: dict[str, int]) -> np.ndarray:
    """The rows of classes with fewer examples than the non-empty parts (each needs one to be
    stratified), with a warning naming them: their rows all train."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    need = 1 + sum(1 for p in ("dev", "test", "train_dev") if sizes[p] > 0)
    rare = np.flatnonzero(counts < need)
    if rare.size == 0 or rare.size == len(classes):
        return np.zeros(len(labels), dtype=bool)  # all rare: the stratified split says why
    named = ", ".join(
        f"{_plain_label(classes[k])!r} ({counts[k]})" for k in rare[:MAX_NAMED_CLASSES]
    )
    more = f" and {rare.size - MAX_NAMED_CLASSES} more" if rare.size > MAX_NAMED_CLASSES else ""
    measured = ""
    if 3 * rare.size >= len(classes) and all(_is_number(c) for c in classes):
        # linnerud's Waist (whole inches) read as 9 classes, 5 of them too rare
        measured = (
            "; if these numbers are measurements rather than labels, the task is a regression "
            "(--task regression, task='regression')"
        )
    warnings.warn(
        f"{rare.size} class{'es' if rare.size > 1 else ''} with fewer than {need} examples, "
        f"too few to appear in every part: {named}{more}; their rows all train (the dev and "
        "test errors say nothing about them); collect more, or merge them into a larger class"
        + measured,
        SmallSplitWarning,
        stacklevel=3,
    )
    return np.isin(inverse.ravel(), rare)


def _is_number(label: Any) -> bool:
    """An int or float label (not a bool or a string)."""
    return isinstance(label, (int, float, np.integer, np.floating)) and not isinstance(
        label, (bool, np.bool_)
    )


def _plain_label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def _small_set_message(name: str, n: int, continuous: bool) -> str:
    """Why ``n`` examples are too few to compare models on: for an error rate, what one example
    is worth; for a regression target, the MSE's relative standard error, sqrt(2/n) (for
    normal errors: var(MSE estimate) = 2 sigma^4 / n)."""
    examples = f"the {name} set has only {n} example{'s' if n != 1 else ''}"
    advice = f"use at least {MIN_EVAL_EXAMPLES} (ideally thousands), or cross-validation"
    if continuous:
        return (
            f"{examples}: an MSE measured on it has a standard error of about "
            f"{100 * math.sqrt(2 / n):.0f}% of its value, so smaller differences between two "
            f"models cannot be measured on it; {advice}"
        )
    return (
        f"{examples}: one example is worth {100 / n:.1f} percentage points of error, so a "
        f"1-point difference cannot be measured on it; {advice}"
    )


def _as_xy(X: Any, y: Any) -> tuple[Any, Any]:
    """``X`` and ``y`` as arrays; a DataFrame and a Series stay themselves (as scikit-learn's
    ``train_test_split`` keeps them), so that the parts keep their column names and dtypes,
    text columns included, for ``Recipe.run`` to read by name."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise DeepRecipeTypeError("X is a sparse matrix; accepted: a dense array")
    check_target_beside(X, y)
    try:
        X = X if is_frame(X) else np.asarray(X)
    except Exception as exc:
        raise DeepRecipeError(f"X could not be read as an array: {exc}") from None
    if X.ndim == 0:
        raise DeepRecipeError("X is a scalar; accepted: an array with one row per example")
    if len(X) == 0:
        raise DeepRecipeError("X has no rows; accepted: at least one example per part")
    if y is not None:
        y = y if _is_series(y) else np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            raise DeepRecipeError(
                f"y has {0 if y.ndim == 0 else len(y)} rows but X has {len(X)}; "
                f"accepted: one label per row of X{course_layout_hint(X.shape, y.shape)}"
            )
    return X, y


def _is_series(y: Any) -> bool:
    """A pandas Series (or anything with its positional rows and a dtype)."""
    return hasattr(y, "iloc") and hasattr(y, "dtype") and getattr(y, "ndim", 0) == 1


def _one_size(name: str, value: Any, m: int) -> int | None:
    """A fraction or a count, as a count of rows (``None`` stays ``None``)."""
    if value is None:
        return None
    accepted = "a fraction in [0, 1) or an integer count of examples"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DeepRecipeTypeError(f"{name}={value!r} is not accepted; accepted: {accepted}")
    if isinstance(value, (int, np.integer)):
        if value < 0 or value > m:
            raise DeepRecipeError(
                f"{name}={value} examples is not possible with {m} rows; accepted: {accepted} "
                f"between 0 and {m}"
            )
        return int(value)
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise DeepRecipeError(f"{name}={value!r} is not accepted; accepted: {accepted}")
    if value == 0.0:
        return 0
    return max(1, math.floor(value * m + 0.5))


def _part_sizes(m: int, **given: Any) -> dict[str, int]:
    counts = {name: _one_size(name, value, m) for name, value in given.items()}
    fractions = {k: float(v) for k, v in given.items() if isinstance(v, (float, np.floating))}
    shown = ", ".join(f"{k}={v!r}" for k, v in given.items() if v is not None)
    if counts["train_dev"] is None:
        counts["train_dev"] = 0
    if given["train"] is None:
        if fractions and sum(fractions.values()) >= 1.0:
            raise DeepRecipeError(
                f"ratios {shown} sum to {sum(fractions.values()):g}, leaving nothing to train on; "
                "accepted: dev + test + train_dev below 1 (training takes the rest)"
            )
        defaults = dict(zip(("dev", "test"), default_ratios(m)[1:], strict=True))
        for name, frac in defaults.items():
            if counts[name] is None:
                counts[name] = max(1, math.floor(frac * m + 0.5))
    else:
        unset = [k for k in ("dev", "test") if counts[k] is None]
        taken = sum(v for v in counts.values() if v is not None)
        if not unset:
            all_fractions = len(fractions) == sum(v is not None for v in given.values())
            if all_fractions and abs(sum(fractions.values()) - 1.0) > 1e-9:
                raise DeepRecipeError(
                    f"ratios {shown} sum to {sum(fractions.values()):g}; accepted: fractions "
                    "that sum to 1, or leave dev or test unset to take the rest"
                )
            if not all_fractions and taken != m:
                raise DeepRecipeError(
                    f"{shown} make {taken} rows but there are {m}; accepted: parts that add up "
                    "to all rows, or leave dev or test unset to take the rest"
                )
        else:
            left = m - taken
            if left < 0:
                raise DeepRecipeError(
                    f"{shown} already take {taken} of {m} rows, leaving none for "
                    f"{' and '.join(unset)}; accepted: parts that fit in {m} rows"
                )
            for i, k in enumerate(unset):
                counts[k] = left // len(unset) + (left % len(unset) if i == 0 else 0)
    # Train takes the rest: fractions that sum to 1 may round to a row more or less.
    n_train = m - counts["dev"] - counts["test"] - counts["train_dev"]
    if n_train < 1:
        asked = ", ".join(f"{k}={counts[k]}" for k in ("dev", "test", "train_dev") if counts[k])
        raise DeepRecipeError(
            f"{m} rows are fewer than the split needs ({asked} leave {n_train} for training); "
            "accepted: more rows, or smaller dev/test/train_dev"
        )
    return {"train": n_train, **{k: int(counts[k]) for k in ("dev", "test", "train_dev")}}


def _is_class_like(y: np.ndarray) -> bool:
    """Labels, as scikit-learn's ``type_of_target`` sees them: text, booleans and integers are
    classes; floats are classes only when the task rule reads them so
    (:func:`~deeprecipe.task.reads_as_classes`: whole numbers, at most 20 distinct values),
    otherwise a continuous target. The recipe splits a regression with ``stratify=False``,
    whatever the targets' type."""
    if y.dtype.kind in "biuUSO":
        return True
    return y.dtype.kind == "f" and reads_as_classes(y)


def _stratify_labels(stratify: Any, y: np.ndarray | None, m: int) -> np.ndarray | None:
    if isinstance(stratify, str):
        if stratify.lower() != "auto":
            raise DeepRecipeError(
                f"stratify={stratify!r} is not known; accepted: 'auto', True, False or an array "
                "of group labels"
            )
        if y is None or (y.ndim == 2 and y.shape[1] > 1 and not is_one_hot(y)):
            return None  # several targets (a multi-output regression, multi-label rows)
        labels = label_vector(y)
        return labels if _is_class_like(labels) else None
    if stratify is None or stratify is False:
        return None
    if stratify is True:
        if y is None:
            raise DeepRecipeError("stratify=True needs y; accepted: pass y, or stratify=False")
        labels = label_vector(y)
        whole = labels.dtype.kind != "f" or bool(
            np.isfinite(labels).all() and np.all(labels == np.round(labels))
        )
        if not (whole or _is_class_like(labels)):
            raise DeepRecipeError(
                "stratify=True but y is continuous (non-integer floats); accepted: class labels, "
                "or stratify=False for regression targets"
            )
        return labels
    labels = np.asarray(stratify)
    if labels.ndim != 1 or len(labels) != m:
        raise DeepRecipeError(
            f"stratify has shape {labels.shape}; accepted: 'auto', True, False or {m} group labels"
        )
    return labels


def _controlled_rounding(counts: np.ndarray, sizes: np.ndarray, rng: np.random.Generator):
    """A (classes x parts) table of integers with exact margins, each cell within one example
    of its proportional target ``counts[k] * sizes[p] / m``.

    Start from the floors; the leftover units form a 0/1 table with known row and column sums,
    filled by Ryser's greedy construction (each part takes the classes that still need the most,
    larger fractional remainders first, remaining ties at random so no class is favoured).
    """
    target = np.outer(counts, sizes) / counts.sum()
    table = np.floor(target).astype(np.int64)
    frac = target - table
    row_need = counts - table.sum(axis=1)
    col_need = sizes - table.sum(axis=0)
    noise = rng.random(target.shape)
    for p in np.argsort(-col_need, kind="stable"):
        order = np.lexsort((noise[:, p], -frac[:, p], -row_need))
        chosen = [k for k in order if row_need[k] > 0][: col_need[p]]
        table[chosen, p] += 1
        row_need[chosen] -= 1
    if row_need.any():  # pragma: no cover - Gale-Ryser guarantees a solution
        raise RuntimeError("stratified allocation failed")
    return table


def _stratified_parts(labels, sizes, rng):
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        row = int(np.flatnonzero(~np.isfinite(labels))[0])
        raise DeepRecipeError(f"y contains {labels[row]} at row {row}; accepted: finite labels")
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    evaluated = [p for p in ("dev", "test", "train_dev") if sizes[p] > 0]
    need = 1 + len(evaluated)
    if counts.min() < need:
        k = int(np.argmin(counts))
        label = classes[k].item() if isinstance(classes[k], np.generic) else classes[k]
        measured = ""
        if all(_is_number(c) for c in classes):  # longley: 16 distinct whole numbers
            measured = (
                "; if these numbers are measurements rather than labels, the task is a "
                "regression (task='regression')"
            )
        raise DeepRecipeError(
            f"class {label!r} has only {counts[k]} example(s), too few to stratify into "
            f"{need} parts (train, {', '.join(evaluated)}); accepted: at least {need} examples "
            "per class, stratify=False, or fewer parts" + measured
        )
    if sizes["train"] < len(classes):
        raise DeepRecipeError(
            f"the training part would have {sizes['train']} rows for {len(classes)} classes; "
            "accepted: a training part with at least one row per class"
        )
    names = ["train", *evaluated]
    table = _controlled_rounding(counts, np.array([sizes[p] for p in names]), rng)
    # Every class must reach training: borrow a row from a part that holds one of the class,
    # and give that part a row of a class that has training rows to spare.
    for k in np.flatnonzero(table[:, 0] == 0):
        p = int(np.argmax(table[k, 1:])) + 1
        j = int(np.argmax(table[:, 0]))
        table[k, 0], table[k, p] = table[k, 0] + 1, table[k, p] - 1
        table[j, 0], table[j, p] = table[j, 0] - 1, table[j, p] + 1
    parts: dict[str, list[np.ndarray]] = {p: [] for p in _PARTS}
    for k in range(len(classes)):
        rows = rng.permutation(np.flatnonzero(inverse == k))
        bounds = np.concatenate([[0], np.cumsum(table[k])])
        for i, p in enumerate(names):
            parts[p].append(rows[bounds[i] : bounds[i + 1]])
    return {
        p: rng.permutation(np.concatenate(v)) if v else np.empty(0, np.int64)
        for p, v in parts.items()
    }


def _index_array(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.size == 0:
        return np.empty(0, np.int64)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise DeepRecipeError(
            f"{name} has dtype {arr.dtype}, shape {arr.shape}; accepted: "
            "a 1-D list of integer row numbers"
        )
    return arr.astype(np.int64)


def _check_indices(n: int, arrays: dict[str, np.ndarray]) -> None:
    seen = np.zeros(n, dtype=bool)
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise DeepRecipeError(
                f"{name}_idx holds rows outside 0..{n - 1}; accepted: row numbers of the data"
            )
        if seen[arr].any() or len(np.unique(arr)) != len(arr):
            raise DeepRecipeError(
                f"{name}_idx repeats rows or shares rows with another part; "
                "accepted: disjoint parts"
            )
        seen[arr] = True
