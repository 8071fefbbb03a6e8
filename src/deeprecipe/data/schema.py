"""How raw table columns become the network's ``X`` and ``y``, learned from the training file.

A :class:`TableSchema` records, for each feature column, whether it is numeric (used as is) or
categorical (one-hot encoded: one 0/1 column per category seen in training, named
``"column=value"``), and for the target column the task and the original class labels. It is
plain JSON (:meth:`TableSchema.to_dict`), so the model file can carry it and ``predict`` on a
raw CSV encodes new rows exactly as the training rows were encoded.

A raw column is a 1-D array: float64 for numbers (NaN marks a missing cell) or an object array of
``str`` (``None`` marks a missing cell).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.task import MAX_CLASSES_AUTO, TASKS, classification_task, get_task

__all__ = ["MAX_CLASSES_AUTO", "ColumnSpec", "TableSchema"]

RowLabel = Callable[[int], str]
#: ``task=`` for "some classification task": binary or multiclass, read off the classes
CLASSIFICATION = "classification"


def _row(i: int) -> str:
    return f"row {i}"


def _is_text(column: np.ndarray) -> bool:
    return column.dtype.kind in "OUS"


def _first_missing(column: np.ndarray) -> int | None:
    if _is_text(column):
        bad = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in column])
    else:
        bad = ~np.isfinite(column)
    where = np.flatnonzero(bad)
    return int(where[0]) if where.size else None


def _refuse_missing(name: str, column: np.ndarray, row: RowLabel, what: str) -> None:
    i = _first_missing(column)
    if i is None:
        return
    value = column[i]
    kind = (
        "a missing value"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else f"an infinite value ({value})"
    )
    raise DeepRecipeError(
        f"{what} column {name!r} has {kind} at {row(i)}; accepted: finite values only "
        "(impute or drop missing values first)"
    )


def _label(v: Any) -> Any:
    """A class label as a plain Python value (whole floats become ints)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


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
        columns: Mapping[str, np.ndarray],
        target: str | None = None,
        *,
        features: Sequence[str] | None = None,
        task: str | None = None,
        categorical: str = "onehot",
        max_categories: int = 100,
        row: RowLabel = _row,
        source: str = "the table",
    ) -> TableSchema:
        """Learn the encoding from the training table ``columns`` (name -> raw column)."""
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
        if features is None:
            features = [n for n in names if n != target]
        else:
            features = list(features)
            unknown = [f for f in features if f not in columns]
            if unknown:
                raise DeepRecipeError(
                    f"feature column(s) {', '.join(map(repr, unknown))} not in {source}; "
                    f"accepted: {', '.join(repr(n) for n in names)}"
                )
            if target in features:
                raise DeepRecipeError(f"target column {target!r} is also listed as a feature")
        if not features:
            raise DeepRecipeError(f"{source} has no feature columns besides the target")

        specs = []
        for name in features:
            col = columns[name]
            if not _is_text(col):
                specs.append(ColumnSpec(name, "numeric"))
                continue
            if categorical == "error":
                example = next((v for v in col if v is not None), None)
                raise DeepRecipeError(
                    f"feature column {name!r} is not numeric (e.g. {example!r}); accepted: "
                    "numbers only with categorical='error' (use categorical='onehot' to one-hot "
                    "encode it, or drop the column)"
                )
            _refuse_missing(name, col, row, "feature")
            cats = sorted({str(v) for v in col})
            if len(cats) > max_categories:
                raise DeepRecipeError(
                    f"feature column {name!r} has {len(cats)} distinct text values, more than "
                    f"max_categories={max_categories} for one-hot encoding (an ID or free "
                    "text?); accepted: drop it (features=[...]) or raise max_categories"
                )
            specs.append(ColumnSpec(name, "categorical", tuple(cats)))

        classes = None
        if target is not None:
            y = columns[target]
            _refuse_missing(target, y, row, "target")
            task, classes = cls._target_task(target, y, task)
        return cls(specs, target, task, classes, names)

    @staticmethod
    def _target_task(name: str, y: np.ndarray, task: str | None) -> tuple[str, list | None]:
        decided = None if task in (None, CLASSIFICATION) else get_task(task)
        if _is_text(y):
            if decided is not None and not decided.is_classifier:
                raise DeepRecipeError(
                    f"task='regression' but target column {name!r} holds text (e.g. {y[0]!r}); "
                    "accepted: numbers for regression, or a classification task"
                )
            classes: list[Any] = sorted({str(v) for v in y})
        else:
            uniq = np.unique(y)
            whole = bool(np.all(uniq == np.round(uniq)))
            if task is None and not (whole and len(uniq) <= MAX_CLASSES_AUTO):
                decided = TASKS["regression"]
            if decided is not None and not decided.is_classifier:
                return decided.kind, None
            classes = [_label(v) for v in uniq]
        if len(classes) < 2:
            raise DeepRecipeError(
                f"target column {name!r} holds a single class ({classes[0]!r}); accepted: at "
                "least two classes (or task='regression')"
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

    # -- using it ----------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        """The columns of ``X``, one-hot columns expanded as ``"column=value"``."""
        return [n for spec in self.features for n in spec.output_names]

    def encode(
        self,
        columns: Mapping[str, np.ndarray],
        *,
        row: RowLabel = _row,
        source: str = "the table",
        require_target: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(X, y)`` for a table with this schema's columns; ``y`` is ``None`` when the target
        column is absent (prediction input) unless ``require_target``."""
        missing = [s.name for s in self.features if s.name not in columns]
        if require_target and self.target is not None and self.target not in columns:
            missing.append(self.target)
        if missing:
            raise DeepRecipeError(
                f"{source} lacks column(s) {', '.join(map(repr, missing))}; accepted: the "
                f"training columns {', '.join(repr(n) for n in self.source_columns)}"
            )
        # Columns the training file had but training left out (features=[...]) are ignored;
        # columns training never saw are refused, as scikit-learn does for unseen feature names.
        known = {s.name for s in self.features} | {self.target} | set(self.source_columns)
        extra = [n for n in columns if n not in known]
        if extra:
            used = ", ".join(repr(n) for n in self.source_columns)
            raise DeepRecipeError(
                f"{source} has column(s) {', '.join(map(repr, extra))} that training did not "
                f"see; accepted: the training columns {used}"
            )
        m = len(next(iter(columns.values())))
        blocks = []
        for spec in self.features:
            col = columns[spec.name]
            if spec.kind == "numeric":
                if _is_text(col):
                    example = next((v for v in col if v is not None), None)
                    raise DeepRecipeError(
                        f"feature column {spec.name!r} in {source} holds text (e.g. {example!r}) "
                        "but was numeric in training; accepted: numbers"
                    )
                _refuse_missing(spec.name, col, row, "feature")
                blocks.append(np.asarray(col, dtype=np.float64)[:, None])
                continue
            _refuse_missing(spec.name, col, row, "feature")
            text = np.array([str(v) for v in col], dtype=object)
            lookup = {c: k for k, c in enumerate(spec.categories)}
            index = np.array([lookup.get(v, -1) for v in text], dtype=np.int64)
            if (index < 0).any():
                i = int(np.flatnonzero(index < 0)[0])
                raise DeepRecipeError(
                    f"feature column {spec.name!r} has the value {text[i]!r} at {row(i)}, not "
                    f"seen in training; accepted: {', '.join(map(repr, spec.categories))}"
                )
            onehot = np.zeros((m, len(spec.categories)))
            onehot[np.arange(m), index] = 1.0
            blocks.append(onehot)
        X = np.hstack(blocks) if blocks else np.empty((m, 0))
        y = None
        if self.target is not None and self.target in columns:
            y = self._encode_target(columns[self.target], row, source)
        return X, y

    def _encode_target(self, y: np.ndarray, row: RowLabel, source: str) -> np.ndarray:
        name = self.target
        _refuse_missing(str(name), y, row, "target")
        if not get_task(self.task).is_classifier:
            if _is_text(y):
                raise DeepRecipeError(
                    f"target column {name!r} in {source} holds text but the task is regression; "
                    "accepted: numbers"
                )
            return np.asarray(y, dtype=np.float64)
        assert self.classes is not None
        values = [str(v) for v in y] if _is_text(y) else [_label(v) for v in y]
        if _is_text(y) != isinstance(self.classes[0], str):
            values = [str(v) for v in values]
            lookup = {str(c): k for k, c in enumerate(self.classes)}
        else:
            lookup = {c: k for k, c in enumerate(self.classes)}
        index = np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
        if (index < 0).any():
            i = int(np.flatnonzero(index < 0)[0])
            raise DeepRecipeError(
                f"target column {name!r} has the class {values[i]!r} at {row(i)}, not seen in "
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
