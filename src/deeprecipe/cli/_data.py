"""Reading the examples a command works on, and splitting them into train / dev / test.

An embedded dataset gets a numeric :class:`TableSchema` (its feature names, target column
``target``), so a model trained on it can ``predict`` a CSV with those columns, exactly like a
model trained on the user's own file.
"""

from __future__ import annotations

import shlex
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe.data import (
    ColumnSpec,
    Dataset,
    Imputer,
    SmallSplitWarning,
    TableSchema,
    groups_note,
    load_dataset,
    load_file,
    overlap_notes,
    split,
)
from deeprecipe.data.impute import impute_parts, imputed_note
from deeprecipe.data.parts import target_copy
from deeprecipe.data.shift import dev_from_test
from deeprecipe.data.vocabulary import keep_training_categories
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import Task, get_task


def class_labels(classes: Any, y: np.ndarray) -> np.ndarray:
    """Class indices as their labels (an object array), so that messages name them
    ("predicts a single class, 'no'", not 1); other targets as they are."""
    if classes is None or y.ndim != 1:
        return y
    return np.asarray(classes, dtype=object)[y]


@dataclass
class Prepared:
    """The parts of the data a command trains and measures on (raw, not normalized)."""

    name: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    classes: list[Any] | None
    schema: TableSchema
    image_shape: tuple[int, ...] | None = None
    source: dict[str, Any] = field(default_factory=dict)
    #: what the split warned about (a dev or test set too small to measure 1 point of error)
    notes: list[str] = field(default_factory=list)
    #: the Bayes error where the dataset's construction fixes it (generated data), else None
    bayes_error: float | None = None
    #: fills missing cells with TRAIN statistics (a table file with missing='impute'), else None
    imputer: Imputer | None = None
    #: missing cells filled, per source column, over all parts
    imputed: dict[str, int] = field(default_factory=dict)
    #: the dev set is half of the test data (``dev_from``; see deeprecipe.data.shift)
    dev_from_test: bool = False
    #: the parts split here at random from the training data's file (not files of their own)
    random_parts: tuple[str, ...] = ()
    #: where each part's rows come from: ``{part: {"file": ..., "rows": [...]}}``, the file's
    #: 0-based data rows (header excluded), for split.json
    part_rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def labels(self, y: np.ndarray) -> np.ndarray:
        """Class indices as the file's labels, so that what the recipe says names them."""
        return class_labels(self.classes, y)

    @property
    def head(self) -> Task:
        """The task object (the output head) that :attr:`task` names."""
        return get_task(self.task)

    @property
    def loss(self) -> str:
        return self.head.name

    @property
    def n_outputs(self) -> int:
        return self.head.n_outputs(self.classes, self.y_train)

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.X_train), "dev": len(self.X_dev), "test": len(self.X_test)}

    def describe(self) -> dict[str, Any]:
        """Plain data for results.json and the report."""
        return {
            **self.source,
            "name": self.name,
            "task": self.task,
            "n_features": self.n_features,
            "classes": self.classes,
            "sizes": self.sizes(),
            "notes": list(self.notes),
            "imputed_cells": dict(self.imputed),
        }


def _part_rows(
    main_file: str,
    ds: Dataset,
    parts: Any,
    files: dict[str, tuple[Any, Dataset | None]],
    drawn: Any,
) -> dict[str, dict[str, Any]]:
    """Each part's file (an absolute path) and its 0-based data rows there: what split.json
    records, so that a reference model can be fitted on the very same rows."""

    def rows_of(part: Dataset) -> np.ndarray:
        return np.arange(len(part.X)) if part.source_rows is None else part.source_rows

    main = rows_of(ds)
    out = {
        name: (main_file, main[getattr(parts, f"{name}_idx")]) for name in ("train", "dev", "test")
    }
    for name, (path, part) in files.items():
        if part is not None:
            out[name] = (str(Path(path).resolve()), rows_of(part))
    if drawn is not None:  # dev is half of the test file, test the other half
        test_file, test_rows = out["test"]
        out["dev"] = (test_file, test_rows[drawn.halves.dev_idx])
        out["test"] = (test_file, test_rows[drawn.halves.train_idx])
    return {
        name: {"file": file, "rows": [int(r) for r in rows]}
        for name, (file, rows) in out.items()
        if len(rows)
    }


def _plain_labels(classes: Any) -> list[Any] | None:
    if classes is None:
        return None
    return [c.item() if isinstance(c, np.generic) else c for c in np.asarray(classes).tolist()]


def embedded_schema(ds: Dataset) -> TableSchema:
    """A numeric schema for an embedded dataset: its feature names, target column ``target``."""
    names = list(ds.feature_names)
    return TableSchema(
        [ColumnSpec(n, "numeric") for n in names],
        target="target",
        task=ds.task,
        classes=_plain_labels(ds.classes),
        source_columns=[*names, "target"],
    )


#: how a table file is read: the options of ``--features``, ``--drop``, ``--missing``, ...
READING_KEYS = ("features", "drop", "categories", "group", "missing", "decimal", "max_categories")


def reading(options: dict[str, Any]) -> dict[str, Any]:
    """The reading options a command received (``None`` where it has no such option)."""
    return {k: options.get(k) for k in (*READING_KEYS, "missing_indicator", "image_shape")}


def _refuse_target_copy(ds: Dataset, schema: TableSchema, path: Path) -> None:
    """Refuse a feature column equal to the target in every row (:func:`target_copy`), named
    as the file names it (a one-hot column by its source column)."""
    copy = target_copy(ds.X, ds.y)
    if copy is None:
        return
    name = next(n for n, _, cols in schema.blocks() if cols.start <= copy[0] < cols.stop)
    table = ds.schema is not None  # an .npz's target is its array y, and it has no --drop
    leave = f"--drop {shlex.quote(name)}" if table else f"an X without {name!r}"
    target = schema.target if table else "y"
    raise DeepRecipeError(
        f"column {name!r} of {path.name} equals the target {target!r} in every row: the "
        f"target is among the inputs, and the network would read the answer; accepted: {leave}"
    )


def _table_kwargs(path: Path, read: dict[str, Any]) -> dict[str, Any]:
    if path.suffix.lower() == ".npz":
        chosen = [f"--{k.replace('_', '-')}" for k in READING_KEYS if read.get(k) is not None]
        if chosen:
            raise DeepRecipeError(
                f"{', '.join(chosen)} apply to a table file (.csv, .parquet); "
                f"{path.name} is an .npz array file"
            )
        return {}
    return {k: read[k] for k in READING_KEYS if read.get(k) is not None}


def _load_user_file(
    path: Path, target: str | None, task: str | None, read: dict[str, Any]
) -> Dataset:
    if path.suffix.lower() != ".npz" and not target:
        raise DeepRecipeError(
            f"--data {path} needs --target COLUMN, the column that holds the labels"
        )
    kwargs = {"task": task} if task else {}
    kwargs.update(_table_kwargs(path, read))
    ds = load_file(path, None if path.suffix.lower() == ".npz" else target, **kwargs)
    if ds.y is None:
        raise DeepRecipeError(f"{path} has no labels; accepted: a file with the --target column")
    return ds


def _load_part(
    path: Path, base: Dataset, target: str | None, what: str, read: dict[str, Any]
) -> Dataset:
    """A fixed dev or test file, encoded with the training file's schema."""
    if path.suffix.lower() == ".npz":
        # index the labels by the TRAINING classes, even when this part lacks some of them
        part = load_file(path, None, task=base.task, classes=base.classes)
    elif base.schema is None:
        part = load_file(path, None, task=base.task)
    else:
        missing = {"missing": read["missing"]} if read.get("missing") else {}
        decimal = {"decimal": read["decimal"]} if read.get("decimal") else {}
        part = load_file(
            path, target, schema=base.schema, new_categories="none", **missing, **decimal
        )
    if part.y is None:
        raise DeepRecipeError(f"{what} {path} lacks the target column {target!r}")
    if part.X.shape[1] != base.X.shape[1]:
        raise DeepRecipeError(
            f"{what} {path} has {part.X.shape[1]} features; the training data has {base.X.shape[1]}"
        )
    return part


def prepare(
    *,
    dataset: str | None,
    data_file: Path | None,
    target: str | None,
    dev_data: Path | None = None,
    test_data: Path | None = None,
    dev_size: float | int | None = None,
    test_size: float | int | None = None,
    task: str | None = None,
    seed: int = 0,
    default_dataset: str = "football",
    features: list[str] | None = None,
    drop: list[str] | None = None,
    group: str | None = None,
    missing: str | None = None,
    missing_indicator: bool | None = None,
    decimal: str | None = None,
    max_categories: int | None = None,
    categories: list[str] | None = None,
    dev_from: str | None = None,
    image_shape: tuple[int, ...] | None = None,
) -> Prepared:
    """Load the examples and split them (stratified for classes, seeded). Missing cells of a
    table file are filled with statistics of the TRAIN part only (``missing="impute"``, the
    default), or their rows left out (``"drop"``), or refused (``"refuse"``). With a test file
    and no dev set, ``dev_from`` says whether dev may be half of the test file instead of a
    share of the training file (:func:`deeprecipe.data.shift.dev_from_test`; None: the
    command has no --dev-from, and dev is a share of the training file). ``group`` names
    a column of the file whose groups (a person, a session) the split keeps whole."""
    read = {
        "features": features,
        "drop": drop,
        "group": group,
        "missing": missing,
        "decimal": decimal,
        "max_categories": max_categories,
        "categories": categories,
    }
    if dataset and data_file:
        raise DeepRecipeError("give --dataset or --data, not both")
    if not data_file and (target or dev_data or test_data):
        raise DeepRecipeError("--target, --dev-data and --test-data go with --data FILE")
    chosen = [f"--{k.replace('_', '-')}" for k, v in read.items() if v is not None]
    if chosen and not data_file:
        raise DeepRecipeError(f"{', '.join(chosen)} go with --data FILE (a table file)")
    if data_file:
        ds = _load_user_file(Path(data_file), target, task, read)
        schema = ds.schema if ds.schema is not None else embedded_schema(ds)
        _refuse_target_copy(ds, schema, Path(data_file))
        source = {"data": str(data_file), "target": target}
    else:
        ds = load_dataset(dataset or default_dataset, seed=seed)
        if task and task != ds.task:
            raise DeepRecipeError(f"dataset {ds.name!r} is a {ds.task} task, not {task}")
        schema = embedded_schema(ds)
        source = {"dataset": ds.name}

    if image_shape is not None and int(np.prod(image_shape)) != ds.X.shape[1]:
        raise DeepRecipeError(
            f"--image-shape {','.join(map(str, image_shape))} holds {int(np.prod(image_shape))} "
            f"pixels but {data_file or ds.name} has {ds.X.shape[1]} feature columns; accepted: a "
            "shape whose product is the number of feature columns (--drop the others)"
        )
    dev_part = _load_part(Path(dev_data), ds, target, "--dev-data", read) if dev_data else None
    test_part = _load_part(Path(test_data), ds, target, "--test-data", read) if test_data else None
    if dev_part is not None and dev_size is not None:
        raise DeepRecipeError("give --dev-data or --dev, not both")
    if test_part is not None and test_size is not None:
        raise DeepRecipeError("give --test-data or --test, not both")
    drawn = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallSplitWarning)
        if test_part is not None and dev_part is None and dev_size is None:
            drawn = dev_from_test(
                ds.y,
                test_part.X,
                test_part.y,
                mode=dev_from or "train",
                regression=not get_task(ds.task).metric_is_rate,
                seed=seed,
            )
        split_here = (dev_part is None and drawn is None) or test_part is None
        if ds.groups is not None and not split_here:
            raise DeepRecipeError(
                f"--group {group} keeps groups whole in the split of --data, but dev and test "
                "come from other files, so --data is not split; accepted: --group with a dev "
                "or test part split from --data (and files that share no group with --data)"
            )
        parts = split(
            ds.X,
            class_labels(ds.classes, ds.y),  # for warnings that name them
            dev=0 if dev_part is not None or drawn is not None else dev_size,
            test=0 if test_part is not None else test_size,
            # a regression's whole-number targets (weights, counts) are values, not classes
            stratify="auto" if get_task(ds.task).metric_is_rate else False,
            groups=ds.groups,
            seed=seed,
        )
    notes = list(ds.notes)
    if ds.groups is not None:
        notes.append(groups_note(ds.groups, parts, group))
    for part in (dev_part, test_part):
        notes += [] if part is None else [f"{part.name}: {n}" for n in part.notes]
    if dev_data and test_data and Path(dev_data).resolve() == Path(test_data).resolve():
        notes.append(
            f"--dev-data and --test-data are the same file ({Path(test_data).name}): the test "
            "error is the dev error, on which every choice was made, so it is not an unbiased "
            "estimate of the error on new data"
        )
    notes += [" ".join(str(w.message).split()) for w in caught]
    small_dev = any(issubclass(w.category, SmallSplitWarning) and "dev set" in str(w.message)
                    for w in caught)  # fmt: skip
    # (a command without --dev-from gives None: nothing to suggest)
    if small_dev and dev_from and test_part is not None and drawn is None and dev_part is None:
        notes.append(
            f"try --dev-from test: half of the test file's {len(test_part.X)} rows would make a "
            "larger dev set, from the same distribution as the test set (the lecture's rule "
            "when the test data are what the model is for)"
        )
    arrays = parts.apply(ds.X, ds.y)
    X_train = arrays.X_train
    X_dev, y_dev = (dev_part.X, dev_part.y) if dev_part else (arrays.X_dev, arrays.y_dev)
    X_test, y_test = (test_part.X, test_part.y) if test_part else (arrays.X_test, arrays.y_test)
    if drawn is not None:
        X_dev, y_dev, X_test, y_test = drawn.X_dev, drawn.y_dev, drawn.X_test, drawn.y_test
        notes.append(drawn.note)
    if ds.schema is not None:  # a text column's categories are the training rows'
        schema, cut, note = keep_training_categories(
            schema, {"train": X_train, "dev": X_dev, "test": X_test}
        )
        X_train, X_dev, X_test = cut["train"], cut["dev"], cut["test"]
        notes += [] if note is None else [note]
    imputer, imputed, feature_names = None, {}, list(schema.feature_names)
    if ds.schema is not None and (missing or "impute") == "impute":
        imputer, filled, imputed = impute_parts(
            schema.blocks(),
            {"train": X_train, "dev": X_dev, "test": X_test},
            indicator=bool(missing_indicator),
        )
        X_train, X_dev, X_test = filled["train"], filled["dev"], filled["test"]
        feature_names = imputer.feature_names(feature_names)
        rows = len(X_train) + len(X_dev) + len(X_test)
        note = imputed_note(imputer, schema.feature_names, imputed, rows)
        notes += [] if note is None else [note]
    if len(X_dev) == 0:
        raise DeepRecipeError("the dev set is empty; accepted: --dev above 0 or --dev-data FILE")
    for name, path in (("dev_data", dev_data), ("test_data", test_data)):
        if path:
            source[name] = str(path)
    part_rows = _part_rows(
        str(Path(data_file).resolve())
        if data_file
        else f"embedded dataset {ds.name} (seed {seed})",
        ds,
        parts,
        {"dev": (dev_data, dev_part), "test": (test_data, test_part)},
        drawn,
    )
    given = {"dev": X_dev if dev_part or drawn else None, "test": X_test if test_part else None}
    notes += overlap_notes(X_train, given)
    return Prepared(
        name=ds.name,
        task=ds.task,
        X_train=X_train,
        y_train=arrays.y_train,
        X_dev=X_dev,
        y_dev=y_dev,
        X_test=X_test,
        y_test=y_test,
        feature_names=feature_names,
        classes=_plain_labels(ds.classes),
        schema=schema,
        image_shape=ds.image_shape if image_shape is None else image_shape,
        source=source,
        notes=notes,
        bayes_error=ds.bayes_error,
        imputer=imputer,
        imputed=imputed,
        dev_from_test=drawn is not None,
        part_rows=part_rows,
        random_parts=tuple(
            part
            for part, split_here in (
                ("dev", dev_part is None and drawn is None),
                ("test", test_part is None and len(X_test) > 0),
            )
            if split_here
        ),
    )
