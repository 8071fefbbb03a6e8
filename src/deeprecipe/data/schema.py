"""How raw table columns become the network's ``X`` and ``y``, learned from the training file.

A :class:`TableSchema` records, for each feature column, whether it is numeric (used as is) or
categorical (one-hot encoded: one 0/1 column per category seen in training, named
``"column=value"``), and for the target column the task and the original class labels. It is
plain JSON (:meth:`TableSchema.to_dict`), so the model file can carry it and ``predict`` on a
raw CSV encodes new rows exactly as the training rows were encoded.

Raw columns are described in :mod:`deeprecipe.data.columns` (numbers, or dictionary-encoded
text). ``X`` is float32, written column by column (float64 when a column's values are too far
from 0 for their spread to survive float32's 7 digits). Missing cells are refused (the default,
naming column and row), or kept as NaN (``missing="keep"``: every column of a one-hot block is
NaN) for :class:`~deeprecipe.data.impute.Imputer` to fill with training statistics.

Two refusals protect users from silent nonsense: a column of numbers with a few stray words
(a typo, or a number in a form not recognised), and a text column whose values are nearly all
distinct (an id, a date, free text), which one-hot encoding would turn into one useless column
per row (unless ``features=`` names it: then it is encoded as asked); one whose values read as
dates says so, and how to make numbers of them.
"""

from __future__ import annotations

import re
import shlex
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe.data.columns import TextColumn, as_column, is_text, numbers, take
from deeprecipe.data.number_forms import number_form, write_plainly
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.task import (
    MAX_CLASSES_AUTO,
    TASKS,
    classification_task,
    get_task,
    ordered_classes_note,
    reads_as_classes,
    refuse_constant_target,
)

__all__ = ["MAX_CLASSES_AUTO", "ColumnSpec", "TableSchema"]

#: ``task=`` for "some classification task": binary or multiclass, read off the classes
CLASSIFICATION = "classification"
#: A text feature with more distinct values than this share of its filled rows (and at least
#: ID_LIKE_MIN_ROWS rows) is an id, a date or free text, not a category.
ID_LIKE_SHARE = 0.5
ID_LIKE_MIN_ROWS = 20
#: A text column in which fewer than this share of the filled cells are not numbers is a
#: numeric column with typos.
STRAY_WORDS_SHARE = 0.1

RowLabel = Callable[[int], str]
#: ``on_problem(row, reason)`` is told about each row that cannot be encoded, instead of raising
ProblemSink = Callable[[int, str], None]

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity)", re.I)
#: a date, year first (ISO 2012-01-01, or 2012/01/01), optionally with a time and a zone
DATE = re.compile(r"\d{4}([-/])\d{2}\1\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
#: how many values of a text column, spread over its sorted values, must read as dates
DATE_SAMPLE = 5


def _row(i: int) -> str:
    return f"row {i}"


#: a class label missing from a prediction input (see :meth:`TableSchema.encode`); a missing
#: regression target is NaN
UNLABELLED = -1


def missing_cells(column: Any) -> np.ndarray:
    """True where a cell is missing (not where it is infinite: that is an error, never a gap)."""
    column = as_column(column)
    return column.missing if is_text(column) else np.isnan(numbers(column))


def _missing_mask(column: Any) -> np.ndarray:
    """True where a cell is missing (NaN, null or no text) or infinite."""
    if is_text(column):
        return column.missing
    return ~np.isfinite(numbers(column))


def _refuse_missing(name: str, column: Any, row: RowLabel, what: str) -> None:
    column = as_column(column)
    bad = np.flatnonzero(_missing_mask(column))
    if bad.size == 0:
        return
    i = int(bad[0])
    value = None if is_text(column) else float(numbers(column)[i])
    kind = "a missing value" if value is None or np.isnan(value) else f"an infinite value ({value})"
    raise DeepRecipeError(
        f"{what} column {name!r} has {kind} at {row(i)}; accepted: finite values only "
        "(missing='impute' or 'drop', --missing on the command line, "
        f"{'leaves such rows out' if what == 'target' else 'fills or drops them'})"
    )


def _label(v: Any) -> Any:
    """A class label as a plain Python value (whole floats become ints)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


#: the words a boolean column writes, read as 1 and 0 (a DataFrame's bool column is 0/1)
BOOLEANS = {"true": 1.0, "false": 0.0}


def _booleans(column: TextColumn) -> bool:
    """A text column of True/False words alone (a CSV file's booleans), in any case."""
    present = column.present()
    return bool(present) and all(str(v).strip().lower() in BOOLEANS for v in present)


def _parse_numbers(column: TextColumn) -> tuple[np.ndarray, np.ndarray]:
    """A text column read as numbers, True/False as 1/0: (values with NaN where missing or not
    a number, a mask of the filled cells that are not numbers). Each distinct text is parsed
    once."""
    parsed = np.full(len(column.values) + 1, np.nan)
    is_number = np.zeros(len(column.values) + 1, dtype=bool)
    for k, text in enumerate(column.values):
        t = str(text).strip()
        if NUMBER.fullmatch(t):
            parsed[k], is_number[k] = float(t), True
        elif t.lower() in BOOLEANS:
            parsed[k], is_number[k] = BOOLEANS[t.lower()], True
    is_number[-1] = True  # code -1, a missing cell, is not a stray word
    return parsed[column.codes], ~is_number[column.codes]


def _needs_float64(values: np.ndarray) -> bool:
    """True when float32 (24-bit mantissa) would blur a column: its values sit so far from 0
    compared with their spread (1e6 +- 1, a timestamp in microseconds) that rounding to float32
    may move them by more than 1e-4 of the spread, and does. Such a table is kept in float64."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return False
    lo, hi = float(finite.min()), float(finite.max())
    far = hi > lo and max(abs(lo), abs(hi)) * 2.0**-24 > 1e-4 * (hi - lo)
    return far and not np.array_equal(finite.astype(np.float32), finite)  # whole numbers < 2**24


def _as_text(column: Any) -> TextColumn:
    """A column as text, numbers written as in a CSV file (whole floats without ``.0``)."""
    if is_text(column):
        return column
    values = numbers(column)
    labels = np.array(
        [None if np.isnan(v) else str(_label(float(v))) for v in values], dtype=object
    )
    return TextColumn.from_objects(labels)


def _refuse_stray_words(name: str, column: TextColumn, row: RowLabel, source: str) -> None:
    """A column of numbers with a few words in it is refused: nearly always a typo."""
    _, stray = _parse_numbers(column)
    filled = int((~column.missing).sum())
    n_stray = int(stray.sum())
    if filled and 0 < n_stray < STRAY_WORDS_SHARE * filled:
        i = int(np.flatnonzero(stray)[0])
        raise DeepRecipeError(
            f"column {name!r} of {source} holds numbers except {column.cell(i)!r} at {row(i)}; "
            "accepted: a number or an empty cell for a missing value there (a typo fixed), or "
            f"{leave_out(name)} when the word is a real value (Cars93's 'rotary' cylinders)"
        )


@dataclass(frozen=True)
class ColumnSpec:
    """One feature column: ``kind`` is ``"numeric"`` or ``"categorical"`` (with its categories)."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()

    @property
    def output_names(self) -> list[str]:
        if self.kind == "numeric":
            return [self.name]
        return [f"{self.name}={c}" for c in self.categories]


def _group_hint(name: str, n_values: int, filled: int) -> str:
    """For a text column whose values repeat (two rows or more each, on average), as a person's
    or a session's id does: how to split by it."""
    if 2 * n_values > filled:
        return ""
    return (
        f"; if it says which rows belong together (a person, a session), group={name!r} keeps "
        "each group in one part of the split and leaves it out of the features"
    )


def _formatted_numbers_refused(name: str, n_values: int, filled: int, form: tuple[str, str]) -> str:
    kind, example = form
    return (
        f"feature column {name!r} has {n_values} distinct text values in {filled} rows, "
        f"which read as {kind} ({example!r}): text to a CSV reader, and one-hot encoding "
        f"would turn them into {n_values} columns, one per value, their order and size lost; "
        f"accepted: {write_plainly(example)}, or {_leave_out(name)}"
    )


def _reads_as_dates(values: list[str]) -> bool:
    """True when a sample of ``values`` (spread over them, sorted) all parse as dates, by
    :data:`DATE` and then NumPy's datetime64 (which refuses a 2012-13-45): a date column
    refused as text is better told how to become numbers than only to be dropped."""
    sample = values[:: max(1, len(values) // DATE_SAMPLE)][:DATE_SAMPLE]
    if not sample or not all(DATE.fullmatch(v) for v in sample):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a time zone: datetime64 converts it to UTC and warns
        try:
            for v in sample:
                np.datetime64(v.replace("/", "-"))
        except ValueError:
            return False
    return True


def _id_like(n_values: int, filled: int) -> bool:
    """A text column with nearly a value per row: an id, a date or free text, not categories."""
    return filled >= ID_LIKE_MIN_ROWS and n_values > ID_LIKE_SHARE * filled


def leave_out(name: str) -> str:
    """How to leave a column out, in each place a user meets the message: the command line,
    ``load_file``, a DataFrame given to the recipe (which has no ``drop=``)."""
    return (
        f"leave it out (--drop {shlex.quote(name)} on the command line, drop=[{name!r}] in "
        "load_file, or a DataFrame without it)"
    )


def new_categories_note(counts: Mapping[str, Mapping[str, int]]) -> str | None:
    """What reading values training never saw as none of its categories did, in words."""
    if not counts:
        return None
    columns = "; ".join(
        f"{name!r}: "
        + ", ".join(f"{value!r} ({n})" for value, n in list(values.items())[:5])
        + (f" and {len(values) - 5} more" if len(values) > 5 else "")
        for name, values in counts.items()
    )
    rows = sum(n for values in counts.values() for n in values.values())
    return (
        f"{rows} cell(s) hold a category training never saw ({columns}): read as none of the "
        "training categories (an all-zero one-hot block); the network learned nothing of them"
    )


def _leave_out(name: str) -> str:
    return f"{leave_out(name)} or choose the columns (features=[...])"


@dataclass
class TableSchema:
    """The encoding learned from a training table; see the module docstring."""

    features: list[ColumnSpec]
    target: str | None = None
    task: str | None = None
    classes: list[Any] | None = None
    source_columns: list[str] = field(default_factory=list)

    # -- learning it -------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        columns: Mapping[str, Any],
        target: str | None = None,
        *,
        features: Sequence[str] | None = None,
        drop: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        task: str | None = None,
        categorical: str = "onehot",
        max_categories: int = 100,
        row: RowLabel = _row,
        source: str = "the table",
    ) -> TableSchema:
        """Learn the encoding from the training table ``columns`` (name -> raw column).

        ``features`` chooses the feature columns (default: all but the target); ``drop``
        leaves columns out of that choice; ``categories`` names columns of numbers that are
        codes, not quantities (an occupation coded 1-6, a region 10, 20, 30), one-hot encoded
        as text is (a DataFrame's ``category`` columns are read so without it).
        """
        columns = {k: as_column(v) for k, v in columns.items()}
        names = list(columns)
        if categorical not in ("onehot", "error"):
            raise DeepRecipeError(
                f"categorical={categorical!r} is not known; accepted: 'onehot' (encode text "
                "columns as 0/1 columns) or 'error' (refuse them)"
            )
        if task is not None and task not in TASKS:
            raise DeepRecipeError(
                f"task={task!r} is not known; accepted: binary, multiclass, regression or None "
                "(inferred from the target)"
            )
        if target is not None and target not in columns:
            raise DeepRecipeError(
                f"target column {target!r} is not in {source}; accepted: one of "
                f"{', '.join(repr(n) for n in names)}"
            )
        for what, chosen in (("features", features), ("drop", drop), ("categories", categories)):
            unknown = [f for f in (chosen or []) if f not in columns]
            if unknown:
                raise DeepRecipeError(
                    f"{what}=[{', '.join(map(repr, unknown))}]: not in {source}; accepted: "
                    f"{', '.join(repr(n) for n in names)}"
                )
        chosen = set() if features is None else set(features)
        if features is None:
            features = [n for n in names if n != target]
        else:
            features = list(features)
            if target in features:
                raise DeepRecipeError(f"target column {target!r} is also listed as a feature")
        features = [f for f in features if f not in set(drop or [])]
        if not features:
            raise DeepRecipeError(f"{source} has no feature columns besides the target")

        specs = []
        refused: list[tuple[str, str]] = []  # (column, why): all said at once
        codes = set(categories or ())
        for name in features:
            col = _as_text(columns[name]) if name in codes else columns[name]
            # a boolean is one 0/1 column, from a file's True/False as from a DataFrame's bool
            if not is_text(col) or _booleans(col):
                specs.append(ColumnSpec(name, "numeric"))
                continue
            _refuse_stray_words(name, col, row, source)
            if categorical == "error":
                raise DeepRecipeError(
                    f"feature column {name!r} is not numeric (e.g. {col.first_value()!r}); "
                    "accepted: numbers only with categorical='error' (use categorical='onehot' "
                    f"to one-hot encode it), or {_leave_out(name)}"
                )
            cats = col.present()
            filled = int((~col.missing).sum())
            # a column named in features= is one-hot encoded as asked, however many values
            id_like = _id_like(len(cats), filled)
            # dates, however few (a DataFrame's datetime column is refused alike): one-hot,
            # each date a column that a later row's date never shares
            if name not in chosen and _reads_as_dates(cats):
                refused.append(
                    (
                        name,
                        f"feature column {name!r} has {len(cats)} distinct text values in {filled} "
                        f"rows (e.g. {col.first_value()!r}), which read as dates: one-hot encoding "
                        "would make each date a column that no later date shares, and a network "
                        f"does not read a date as text; accepted: {_leave_out(name)}, and to learn "
                        "from the dates, numbers derived from them as columns of their own (year, "
                        "month, day of year, weekday: whichever may carry a pattern); and when the "
                        "rows follow each other in time, a random split trains on the future of "
                        "its dev and test rows (macrodata: a test MSE of 0.15 split at random, "
                        "2.65 split by "
                        "time): keep the latest rows apart as a test file of their own",
                    )
                )
                continue
            too_many = id_like or len(cats) > max_categories
            form = number_form(cats) if too_many and name not in chosen else None
            if form is not None:
                refused.append((name, _formatted_numbers_refused(name, len(cats), filled, form)))
                continue
            if id_like and name not in chosen:
                refused.append(
                    (
                        name,
                        f"feature column {name!r} has {len(cats)} distinct text values in {filled} "
                        f"rows (e.g. {col.first_value()!r}): an id, a date, free text or a number "
                        "in a form not recognised, which one-hot encoding would turn into one "
                        f"column per row; accepted: {_leave_out(name)}, numbers "
                        f"(decimal=',' for decimal commas), or features=[..., {name!r}] to one-hot "
                        "encode it anyway" + _group_hint(name, len(cats), filled),
                    )
                )
                continue
            if len(cats) > max_categories:
                refused.append(
                    (
                        name,
                        f"feature column {name!r} has {len(cats)} distinct text values, more than "
                        f"max_categories={max_categories} for one-hot encoding; accepted: "
                        f"{_leave_out(name)}, or max_categories={len(cats)}"
                        + _group_hint(name, len(cats), filled),
                    )
                )
                continue
            specs.append(ColumnSpec(name, "categorical", tuple(cats)))

        if len(refused) == 1:
            raise DeepRecipeError(refused[0][1])
        if refused:  # a 307k-row file took three runs to name its three such columns
            named = [name for name, _ in refused]
            raise DeepRecipeError(
                f"{len(refused)} text feature columns cannot be one-hot encoded as they are: "
                + " | ".join(why for _, why in refused)
                + f" | all of them: leave them out (drop=[{', '.join(map(repr, named))}])"
            )

        classes = None
        if target is not None:
            y = columns[target]
            if is_text(y):
                _refuse_stray_words(target, y, row, source)
            _refuse_missing(target, y, row, "target")
            task, classes = cls._target_task(target, y, task)
        return cls(specs, target, task, classes, names)

    @staticmethod
    def _target_task(name: str, y: Any, task: str | None) -> tuple[str, list | None]:
        y = as_column(y)
        decided = None if task in (None, CLASSIFICATION) else get_task(task)
        if is_text(y):
            if decided is not None and not decided.is_classifier:
                raise DeepRecipeError(
                    f"task='regression' but target column {name!r} holds text (e.g. "
                    f"{y.first_value()!r}); accepted: numbers for regression, or a "
                    "classification task"
                )
            classes: list[Any] = y.present()
            filled = int((~y.missing).sum())
            if _id_like(len(classes), filled):
                kind = "dates" if _reads_as_dates(classes) else "an id, a date or free text"
                raise DeepRecipeError(
                    f"target column {name!r} has {len(classes)} distinct text values in "
                    f"{filled} rows (e.g. {y.first_value()!r}), which read as {kind}, not "
                    "classes: each would have a row or two to learn from; accepted: a column of "
                    "class labels (a few values, many rows each) or of numbers (a regression)"
                )
        else:
            values = numbers(y)
            uniq = np.unique(values)
            if task is None and not reads_as_classes(values[~np.isnan(values)]):
                decided = TASKS["regression"]
            if decided is not None and not decided.is_classifier:
                refuse_constant_target(values, f"target column {name!r}")
                return decided.kind, None
            classes = [_label(v) for v in uniq]
        if len(classes) < 2:
            raise DeepRecipeError(
                f"target column {name!r} holds a single class ({classes[0]!r}); accepted: at "
                "least two classes"
            )
        inferred = classification_task(len(classes))
        if decided is None:
            return inferred.kind, classes
        if decided.n_outputs(classes) == 1 and len(classes) != 2:  # one unit: two classes
            raise DeepRecipeError(
                f"task={task!r} but target column {name!r} has {len(classes)} classes; "
                "accepted: exactly 2 for binary, or task='multiclass'"
            )
        return decided.kind, classes

    def ordered_classes_note(self) -> str | None:
        """A note when the task was inferred and the classes are
        :data:`~deeprecipe.task.ORDERED_CLASSES_MIN` or more consecutive whole numbers: they
        may be an ordered score (:func:`deeprecipe.task.ordered_classes_note`, whose text the
        Python API says too)."""
        return ordered_classes_note(self.classes, f"target column {self.target!r}", str(self.task))

    # -- using it ----------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        """The columns of ``X``, one-hot columns expanded as ``"column=value"``."""
        return [n for spec in self.features for n in spec.output_names]

    def blocks(self) -> list[tuple[str, str, slice]]:
        """``(source column, kind, slice of X)`` for every feature column."""
        out, start = [], 0
        for spec in self.features:
            width = len(spec.output_names)
            out.append((spec.name, spec.kind, slice(start, start + width)))
            start += width
        return out

    def one_hot_blocks(self) -> tuple[slice, ...]:
        """The slices of ``X`` that one-hot encode a text column, one per such column."""
        return tuple(cols for _, kind, cols in self.blocks() if kind == "categorical")

    def unseen_columns(self, columns: Iterable[str]) -> list[str]:
        """The columns training never saw (an id, a note), which :meth:`encode` leaves aside
        as a DataFrame's are left aside by a model's ``predict``; columns of the training
        table that training left out (``drop=``) are not news."""
        known = {s.name for s in self.features} | {self.target} | set(self.source_columns)
        return [str(n) for n in columns if n not in known]

    def encode(
        self,
        columns: Mapping[str, Any],
        *,
        row: RowLabel = _row,
        source: str = "the table",
        require_target: bool = False,
        missing: str = "refuse",
        on_problem: ProblemSink | None = None,
        new_categories: dict[str, dict[str, int]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(X, y)`` for a table with this schema's columns; ``y`` is ``None`` when the target
        column is absent (prediction input) unless ``require_target``.

        ``missing="keep"`` leaves missing cells as NaN (a whole one-hot block for a text
        column) and marks a missing label, :data:`UNLABELLED` (-1) for a class and NaN for a
        regression target (a prediction input whose rows are not all labelled); ``"refuse"``
        names the first. With ``on_problem``, a row that cannot be encoded
        (a category training never saw, text in a numeric column, a missing cell that is not
        kept) is reported there, and its ``X`` row is NaN, instead of refusing the table.
        With ``new_categories`` (a dict), a value of a text column that training never saw is
        read as none of the training categories, an all-zero one-hot block (as scikit-learn's
        ``OneHotEncoder(handle_unknown="ignore")`` reads it; the recipe reads a split's dev and
        test rows so), and counted there per column and value, instead of being a problem.
        """
        missing_columns = [s.name for s in self.features if s.name not in columns]
        if require_target and self.target is not None and self.target not in columns:
            missing_columns.append(self.target)
        if missing_columns:
            needed = [s.name for s in self.features]
            optional = ""
            if self.target is not None and require_target:
                needed.append(self.target)
            elif self.target is not None:
                optional = f" (and, optionally, the target {self.target!r})"
            raise DeepRecipeError(
                f"{source} lacks column(s) {', '.join(map(repr, missing_columns))}; accepted: "
                f"a table with the training columns {', '.join(map(repr, needed))}{optional}"
            )
        # other columns (training's left-out ones, an id, ...: unseen_columns) are left aside
        m = len(next(iter(columns.values())))
        X = np.empty((m, len(self.feature_names)), dtype=np.float32)
        bad_rows = np.zeros(m, dtype=bool)

        def problem(mask: np.ndarray, reason: Callable[[int], str]) -> None:
            rows = np.flatnonzero(mask)
            if rows.size == 0:
                return
            if on_problem is None:
                raise DeepRecipeError(reason(int(rows[0])))
            bad_rows[rows] = True
            for i in rows:  # one reason per row, in the row's own words
                on_problem(int(i), reason(int(i)).split("; accepted")[0])

        keep_missing = missing == "keep"
        for spec, (_, _, cols) in zip(self.features, self.blocks(), strict=True):
            col = as_column(columns[spec.name])
            if spec.kind == "numeric":
                values = self._numeric_values(spec.name, col, row, source, problem)
                holes = np.isnan(values)
                if not keep_missing:
                    problem(
                        holes,
                        lambda i, n=spec.name: (
                            f"feature column {n!r} has a missing value at {row(i)}; accepted: "
                            "finite values only (missing='impute' or 'drop', --missing on the "
                            "command line, fills or drops them)"
                        ),
                    )
                infinite = np.isinf(values)
                problem(
                    infinite,
                    lambda i, n=spec.name, v=values: (
                        f"feature column {n!r} has an infinite value ({v[i]}) at {row(i)}; "
                        "accepted: finite values only"
                    ),
                )
                if X.dtype == np.float32 and _needs_float64(values):
                    X = X.astype(np.float64)
                X[:, cols.start] = values
                continue
            text = _as_text(col)
            index = text.index_in(list(spec.categories))
            holes = text.missing
            if not keep_missing:
                problem(
                    holes,
                    lambda i, n=spec.name: (
                        f"feature column {n!r} has a missing value at {row(i)}; accepted: "
                        "finite values only (missing='impute' or 'drop', --missing on the "
                        "command line, fills or drops them)"
                    ),
                )
            unseen = (index < 0) & ~holes
            if new_categories is not None and unseen.any():
                counts = new_categories.setdefault(spec.name, {})
                for i in np.flatnonzero(unseen):
                    counts[text.cell(int(i))] = counts.get(text.cell(int(i)), 0) + 1
                unseen = np.zeros_like(unseen)
            problem(
                unseen,
                lambda i, n=spec.name, t=text, c=spec.categories: (
                    f"feature column {n!r} has the value {t.cell(i)!r} at {row(i)}, not seen in "
                    f"training; accepted: {', '.join(map(repr, c))}"
                ),
            )
            block = X[:, cols]
            block[:] = 0.0
            ok = np.flatnonzero(index >= 0)
            block[ok, index[ok]] = 1.0
            block[holes] = np.nan
        X[bad_rows] = np.nan
        y = None
        if self.target is not None and self.target in columns:
            target = as_column(columns[self.target])
            # prediction input: a row without a label is kept, and marked as unlabelled
            unlabelled = (
                missing_cells(target) if missing == "keep" else np.zeros(len(X), dtype=bool)
            )
            labelled = np.flatnonzero(~unlabelled)
            y = self._encode_target(take(target, labelled), lambda i: row(int(labelled[i])), source)
            if unlabelled.any():
                marked = np.full(len(X), UNLABELLED if y.dtype.kind == "i" else np.nan, y.dtype)
                marked[labelled] = y
                y = marked
        return X, y

    @staticmethod
    def _numeric_values(name: str, col: Any, row: RowLabel, source: str, problem) -> np.ndarray:
        if not is_text(col):
            return numbers(col)
        values, stray = _parse_numbers(col)
        problem(
            stray,
            lambda i: (
                f"feature column {name!r} in {source} holds text ({col.cell(i)!r}) at {row(i)} "
                "but was numeric in training; accepted: numbers"
            ),
        )
        return values

    def _encode_target(self, y: Any, row: RowLabel, source: str) -> np.ndarray:
        name = self.target
        y = as_column(y)
        _refuse_missing(str(name), y, row, "target")
        if not get_task(self.task).is_classifier:
            if is_text(y):
                raise DeepRecipeError(
                    f"target column {name!r} in {source} holds text but the task is regression; "
                    "accepted: numbers"
                )
            return numbers(y)
        assert self.classes is not None
        if is_text(y) or isinstance(self.classes[0], str):
            index = _as_text(y).index_in(self.classes)
        else:
            values = numbers(y)
            known = np.asarray(self.classes, dtype=np.float64)  # sorted, from np.unique
            index = np.minimum(np.searchsorted(known, values), len(known) - 1)
            index = np.where(known[index] == values, index, -1).astype(np.int64)
        if (index < 0).any():
            i = int(np.flatnonzero(index < 0)[0])
            value = _as_text(y).cell(i) if is_text(y) else _label(float(numbers(y)[i]))
            raise DeepRecipeError(
                f"target column {name!r} has the class {value!r} at {row(i)}, not seen in "
                f"training; accepted: {', '.join(map(repr, self.classes))}"
            )
        return index

    # -- saving it ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: lists, strings and numbers."""
        return {
            "features": [
                {"name": s.name, "kind": s.kind, "categories": list(s.categories)}
                for s in self.features
            ],
            "target": self.target,
            "task": self.task,
            "classes": None if self.classes is None else [_label(c) for c in self.classes],
            "source_columns": list(self.source_columns),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TableSchema:
        """Rebuild a schema saved with :meth:`to_dict`."""
        if not isinstance(d, Mapping) or "features" not in d:
            raise DeepRecipeTypeError(
                "table schema must be a dict with 'features'; accepted: TableSchema.to_dict()"
            )
        specs = []
        for f in d["features"]:
            if f.get("kind") not in ("numeric", "categorical"):
                raise DeepRecipeError(
                    f"table schema column {f.get('name')!r} has kind {f.get('kind')!r}; "
                    "accepted: numeric, categorical"
                )
            specs.append(ColumnSpec(str(f["name"]), f["kind"], tuple(f.get("categories", ()))))
        return cls(
            specs,
            d.get("target"),
            d.get("task"),
            None if d.get("classes") is None else list(d["classes"]),
            list(d.get("source_columns", [s.name for s in specs])),
        )
