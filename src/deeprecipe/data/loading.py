"""Loading the user's data: CSV, Parquet and NPZ, into a :class:`Dataset`.

- CSV is parsed by ``pyarrow.csv`` (see :mod:`deeprecipe.data.csv_reader`): a header row, then
  one example per row; the delimiter (``,``, ``;`` or tab) is detected from the header unless
  given, decimal commas are detected in a file that is not comma-separated (or given with
  ``decimal=","``). Empty cells and ``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``?`` are
  missing values.
- Parquet is read with ``pyarrow`` too.
- NPZ holds arrays ``X`` and (optionally) ``y``. ``X`` of shape ``(m, n)`` is a table; ``(m, h, w)``
  or ``(m, h, w, channels)`` is an image set: rows are flattened for the dense network,
  ``image_shape`` is kept for augmentation and plots. Pixels are read as stored: the
  normalization fitted on the training rows scales them, so uint8 pixels, the same pixels as
  floats 0-255 and a CSV of them give the same model and the same predictions (dividing uint8
  alone by 255 made one model answer differently to each).

For tables, numeric columns are used as they are; **non-numeric feature columns are one-hot
encoded** (one 0/1 column per category, named ``"column=value"``) unless
``categorical="error"``, which refuses them. ``features=`` chooses the feature columns and
``drop=`` leaves some out. A text column whose values are nearly all distinct (an id, a date)
is refused rather than one-hot encoded. A text target becomes class indices with the labels
kept in ``Dataset.classes``; a numeric target with at most 20 whole-number values is taken as
classes too (seven or more consecutive ones, a score or a count, with a note that they may be a
regression), otherwise as a regression target (more than 20 whole numbers with a note that they
may be class ids); :func:`deeprecipe.task.reads_as_classes` is the rule, the Python API's too,
and ``task=`` overrides it. Table features are float32.

Missing values (``missing=``):

- ``"impute"`` (the default): rows without a label are left out; missing feature cells stay NaN
  in ``X`` (every column of a one-hot block) for an :class:`~deeprecipe.data.impute.Imputer`
  fitted on the TRAINING split only (median, most frequent category);
- ``"drop"``: rows with any missing cell are left out;
- ``"refuse"``: the first missing cell is refused, naming the column and row.

``group=`` names a column that says which rows belong together (a person, a patient, a
session): it is not a feature, and ``Dataset.groups`` holds it for a split that keeps each
group in one part (:func:`deeprecipe.data.split`'s ``groups=``).

What was left out is said in ``Dataset.notes``. Infinite values are always refused. The
encoding is kept in ``Dataset.schema``: pass it as ``schema=`` when loading a dev file or new
inputs so they are encoded the same way; ``new_categories="none"`` then reads a text value
training never saw as none of its categories (an all-zero block, said in the notes) instead of
refusing it.

Nothing is ever written by these functions.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._validation import course_layout_hint, missing_values
from deeprecipe.data.columns import TextColumn, as_column, frame_column, is_text, numbers, take
from deeprecipe.data.csv_reader import read_csv_cells, read_csv_columns
from deeprecipe.data.datasets import Dataset
from deeprecipe.data.number_forms import number_form, write_plainly
from deeprecipe.data.parts import flat_images
from deeprecipe.data.schema import (
    ProblemSink,
    RowLabel,
    TableSchema,
    _refuse_missing,
    leave_out,
    missing_cells,
    new_categories_note,
)
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.task import classification_task, look_alike_classes_note, many_whole_numbers_note

__all__ = [
    "MISSING_POLICIES",
    "from_frame",
    "load_csv",
    "load_file",
    "load_npz",
    "load_parquet",
    "read_cells",
]

MISSING_POLICIES = ("impute", "drop", "refuse")
#: what a file read with a trained schema does with a text value training never saw
NEW_CATEGORIES = ("refuse", "none")
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".npz": "npz",
}


def _existing_file(path: str | os.PathLike[str], what: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise DeepRecipeTypeError(f"path={path!r} is not accepted; accepted: a file path")
    p = Path(path)
    if not p.exists():
        raise DeepRecipeError(f"file {str(p)!r} does not exist; accepted: an existing {what} file")
    if not p.is_file():
        raise DeepRecipeError(f"{str(p)!r} is not a file; accepted: an existing {what} file")
    return p


def _without_rows(columns: dict[str, Any], drop: np.ndarray, row: RowLabel, rows: np.ndarray):
    """The columns without the ``drop`` rows, their row labels, and the file rows they hold."""
    kept = np.flatnonzero(~drop)
    return {k: take(v, kept) for k, v in columns.items()}, (lambda i: row(int(kept[i]))), rows[kept]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def labelled_rows(column: Any, label: str, source: str) -> tuple[np.ndarray, str | None]:
    """Which rows of a target ``column`` hold a label, and the note that leaving the others out
    says ("168 rows without a 'vote' label left out"; None when every row has one); refused
    when no row has one, with nothing left to learn from. A gap is None, NaN or pandas' NA
    (:func:`~deeprecipe._validation.missing_values`); with several targets (a 2-D array) a
    row needs them all.

    The one home of the rule: a file's rows (the CLI's ``--data``, ``--dev-data`` and
    ``--test-data``) and ``Recipe.run``'s ``y``, ``y_dev`` and ``y_test`` go through it (car's
    Chile from Python failed in np.unique on its 168 missing votes, where the CLI left them
    out, a new user's trial)."""
    if isinstance(column, np.ndarray) and column.ndim == 2:
        unlabelled = missing_values(column).any(axis=1)
    else:
        unlabelled = missing_cells(column)
    if unlabelled.all():  # nothing left to learn from (an IndexError further on)
        raise DeepRecipeError(
            f"{source} has no row with a {label!r} label: every one of its {len(unlabelled)} "
            "cells is missing; accepted: at least one labelled row"
        )
    n = int(unlabelled.sum())
    note = f"{_plural(n, 'row')} without a {label!r} label left out" if n else None
    return ~unlabelled, note


def _table_dataset(
    columns: dict[str, Any],
    target: str | None,
    *,
    name: str,
    source: str | None = None,
    row: RowLabel,
    schema: TableSchema | None,
    missing: str = "impute",
    on_problem: ProblemSink | None = None,
    group: str | None = None,
    read_notes: Sequence[str] = (),
    new_categories: str = "refuse",
    **fit_kwargs: Any,
) -> Dataset:
    """The table ``columns`` as a Dataset; ``read_notes`` say what reading the file left out;
    ``new_categories`` (with a ``schema``) says what a text value training never saw is:
    ``"refuse"``d, or read as ``"none"`` of the training categories, with a note."""
    source = name if source is None else source  # what error messages call the table
    if missing not in MISSING_POLICIES:
        raise DeepRecipeError(
            f"missing={missing!r} is not known; accepted: impute (fill with training "
            "statistics), drop (leave such rows out) or refuse"
        )
    if not columns or len(next(iter(columns.values()))) == 0:
        raise DeepRecipeError(f"{source} has no data rows; accepted: a header and at least one row")
    columns = {k: as_column(v) for k, v in columns.items()}
    notes: list[str] = list(read_notes)
    rows = np.arange(len(next(iter(columns.values()))))  # the file rows still in the table
    # prediction inputs (target=None with a schema) keep every row, labelled or not
    label = target if schema is None or target is None else schema.target
    if missing != "refuse" and label is not None and label in columns:
        labelled, note = labelled_rows(columns[label], label, source)
        if note is not None:
            columns, row, rows = _without_rows(columns, ~labelled, row, rows)
            notes.append(note)
    if schema is None and target is not None and target not in columns:
        raise DeepRecipeError(
            f"target column {target!r} is not in {source}; accepted: one of "
            f"{', '.join(repr(n) for n in columns)}"
        )
    if group is not None:
        fit_kwargs["drop"] = _group_dropped(group, columns, target, source, **fit_kwargs)
    fitted = schema is None
    if fitted:
        schema = TableSchema.fit(columns, target, row=row, source=source, **fit_kwargs)
        if fit_kwargs.get("task") is None:  # what the task read off the target may miss
            notes += _target_notes(schema, columns)
        alike = look_alike_classes_note(schema.classes, f"target column {schema.target!r}")
        notes += [] if alike is None else [alike]
    elif target is not None and target != schema.target:
        raise DeepRecipeError(
            f"target={target!r} differs from the schema's target {schema.target!r}; accepted: "
            "the same target as in training (or target=None)"
        )
    if missing == "drop":
        used = [s.name for s in schema.features if s.name in columns]
        gaps = np.zeros(len(next(iter(columns.values()))), dtype=bool)
        for n in used:
            gaps |= missing_cells(columns[n])
        if gaps.any():
            columns, row, rows = _without_rows(columns, gaps, row, rows)
            notes.append(
                f"{_plural(int(gaps.sum()), 'row')} with a missing value left out (missing='drop')"
            )
            if len(next(iter(columns.values()))) == 0:
                raise DeepRecipeError(
                    f"{source}: every row has a missing value; accepted: missing='impute'"
                )
            if fitted:
                schema = TableSchema.fit(columns, target, row=row, source=source, **fit_kwargs)
    if new_categories not in NEW_CATEGORIES:
        raise DeepRecipeError(
            f"new_categories={new_categories!r}; accepted: {', '.join(map(repr, NEW_CATEGORIES))}"
        )
    counts: dict[str, dict[str, int]] | None = {} if new_categories == "none" else None
    X, y = schema.encode(
        columns,
        row=row,
        source=source,
        on_problem=on_problem,
        missing="refuse" if missing == "refuse" else "keep",
        new_categories=counts,
    )
    note = new_categories_note(counts or {})
    notes += [] if note is None else [note]
    unseen = [] if fitted else schema.unseen_columns(columns)
    if unseen:  # a file for a trained model (predict, dev, test): an id, notes
        notes.append(f"column(s) training never saw left aside: {', '.join(map(repr, unseen))}")
    if fitted:  # the training file: the columns a model should not learn from
        categorical = [spec.name for spec in schema.features if spec.kind == "categorical"]
        notes += _text_group_notes(columns, categorical)
        notes += _formatted_number_notes(schema)
        notes += _id_like_notes(X, schema.feature_names, rows)
    classes = None if schema.classes is None else np.asarray(schema.classes)
    return Dataset(
        X=X,
        y=y,
        task=schema.task if y is not None else None,
        feature_names=schema.feature_names,
        classes=classes,
        name=name,
        schema=schema,
        notes=notes,
        source_rows=rows,
        groups=None if group is None else _group_labels(group, columns[group], row),
    )


def _target_notes(schema: TableSchema, columns: Mapping[str, Any]) -> list[str]:
    """What reading the target's task may have got wrong (no task given): consecutive whole
    numbers read as classes may be a score, many whole numbers read as a regression may be
    class ids. The Python API says the same (:mod:`deeprecipe.task`'s notes)."""
    if schema.target is None or schema.target not in columns:
        return []
    y = columns[schema.target]
    many = (
        None
        if is_text(y)
        else many_whole_numbers_note(numbers(y), f"target column {schema.target!r}")
    )
    return [note for note in (schema.ordered_classes_note(), many) if note is not None]


def _group_dropped(
    group: str,
    columns: Mapping[str, Any],
    target: str | None,
    source: str,
    *,
    features: Sequence[str] | None = None,
    drop: Sequence[str] | None = None,
    **_: Any,
) -> list[str]:
    """The ``drop`` list with the group column in it: a group id names whose rows belong
    together (for the split), it is not a feature."""
    if not isinstance(group, str) or group not in columns:
        raise DeepRecipeError(
            f"group column {group!r} is not in {source}; accepted: one of "
            f"{', '.join(repr(n) for n in columns if n != target)}"
        )
    if group == target:
        raise DeepRecipeError(
            f"the group column {group!r} is the target; accepted: a column that says which "
            "rows belong together (a person, a session)"
        )
    if features is not None and group in features:
        raise DeepRecipeError(
            f"the group column {group!r} is also chosen as a feature; accepted: a group column "
            "outside the features (it names whose rows belong together, and is left out of them)"
        )
    return [*(n for n in drop or () if n != group), group]


def _group_labels(group: str, column: Any, row: RowLabel) -> np.ndarray:
    """The group column as one label per row (a text cell by its code, numbers as they are)."""
    labels = column.codes.astype(np.int64) if is_text(column) else numbers(column)
    gaps = np.flatnonzero(column.missing if is_text(column) else ~np.isfinite(labels))
    if gaps.size:
        raise DeepRecipeError(
            f"the group column {group!r} has no group at {row(int(gaps[0]))}; accepted: a "
            "group for every row (fill them in, or leave such rows out of the file)"
        )
    return labels


#: a whole-number column distinct on every row whose range is at most this many times the rows
#: (1..m, 1000..1000+m, with gaps) reads as a row id; the rows are the file's, unlabelled ones
#: included, when the column follows the file's rows. A Kaggle train file holds a share of the
#: ids (titanic: 1000 of 1..1316, sorted by survival: the id leaked the label, unwarned at
#: 1.1); a sorted feature distinct over its rows spans more (1.5 times them, say)
ID_RANGE_SLACK = 1.4
#: a group id column (person, session) needs at least this many groups to be noted
#: (sleepstudy: 18 subjects)
MIN_GROUPS = 10
#: and its groups' sizes within this factor of each other, but for the ``groups // 50``
#: smallest and largest (a file sorted by a whole-number feature, ages 18 to 69, has runs of 1
#: to 15 rows: not a group id; OME's children have 9 to 30 rows, bacteria's 2 to 5; one person
#: with 1 row among Males' 545 x 8 hid them all when the extremes were compared)
GROUP_SIZE_SPREAD = 4.0
#: and at most this many rows per group on average: a person or a session has a few rows, a
#: time point of a sorted file a share of them all (french_fries: 10 times of 70 rows each)
MAX_GROUP_ROWS = 50
#: columns named in a note on many
SHOWN_COLUMNS = 5


def _id_like_notes(X: np.ndarray, names: list[str], rows: np.ndarray) -> list[str]:
    """A warning per numeric column that looks like a row id (distinct consecutive whole
    numbers): it carries no information about an example, only its place in the file, which
    leaks the label when the file was sorted by it; a note per constant column; and a warning
    per column that looks like a group id (:func:`_group_id_runs`), whose rows a random split
    scatters across the parts.

    ``rows`` are the file rows that ``X`` holds: an id is judged against the file it numbers,
    so one that still counts the rows left out (unlabelled, or with a missing value) is an id
    too, when its values follow the file rows step for step (a sorted feature does not)."""
    notes = []
    m = len(X)
    if m < 2:
        return notes
    file_rows = int(rows[-1] - rows[0]) + 1  # the file rows the kept ones range over
    # fmin/fmax skip NaN (the cells left for imputation): two passes over X, then only the
    # columns whose range allows it are looked at more closely
    lows, highs = np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)
    spans = highs.astype(np.float64) - lows
    in_range = (spans >= m - 1) & (spans + 1 <= ID_RANGE_SLACK * file_rows)
    constant = list(np.flatnonzero(spans == 0))
    if len(constant) == 1:
        (j,) = constant
        notes.append(
            f"feature column {names[j]!r} holds one value ({lows[j]:g}) in every row: it tells "
            f"the examples nothing, so it is harmless, or {leave_out(names[j])}"
        )
    elif constant:  # an image's border pixels: one note, not one per pixel
        shown = ", ".join(repr(names[j]) for j in constant[:SHOWN_COLUMNS])
        more = f" and {len(constant) - SHOWN_COLUMNS} more" if len(constant) > SHOWN_COLUMNS else ""
        notes.append(
            f"{len(constant)} feature columns ({shown}{more}) hold one value each in every row "
            "(an image's blank border, say): they tell the examples nothing, and the "
            "normalization sets them to 0, so they are harmless"
        )
    for j in np.flatnonzero(in_range & (spans != 0)):
        name, column, low, high = names[j], X[:, j], float(lows[j]), float(highs[j])
        if (  # the range fits; an id also fills every row with distinct whole numbers
            m >= 20
            and np.isfinite(column).all()
            and np.all(column == np.round(column))
            and len(np.unique(column)) == m
            and (spans[j] + 1 <= ID_RANGE_SLACK * m or _counts_file_rows(column, rows))
        ):
            notes.append(
                f"feature column {name!r} holds a different whole number in every row, "
                f"{low:g} to {high:g}: a row id, which tells a model only where a row sits in "
                "the file (and leaks the label if the file was sorted by it): unless it means "
                f"something, {leave_out(name)}"
            )
    # a group id runs from its lowest value in the first row to its highest in the last, over
    # at least MIN_GROUPS values: only such columns are looked at more closely
    ordered = (X[0] == lows) & (X[-1] == highs) & (spans >= MIN_GROUPS - 1)
    for j in np.flatnonzero(ordered):
        groups = _group_id_runs(X[:, j])
        if groups is not None:
            notes.append(
                f"feature column {names[j]!r} looks like a group id: {groups} whole numbers in "
                f"order, each repeated over consecutive rows ({m / groups:.3g} on average), as a "
                "person or session id is; a random split puts rows of one group in both "
                "training and test, which flatters the test error when a group's rows resemble "
                f"each other: --group {names[j]} keeps each group in one part (and leaves the "
                "column out of the features; groups= in Python)"
            )
    return notes


def _counts_file_rows(column: np.ndarray, rows: np.ndarray) -> bool:
    """True when ``column`` numbers the file's rows, the left-out ones too: from each kept row
    to the next it rises by at least as many as the file rows between them (SLID's rownames
    1..7425 over its 4147 labelled rows). A feature sorted in the file rises by its own steps,
    somewhere less than the rows skipped, unless it is an id of the whole file."""
    return bool(np.all(np.diff(column) >= np.diff(rows)))


def _group_id_runs(column: np.ndarray) -> int | None:
    """How many groups, when ``column`` reads as a group id (None otherwise): at least
    ``MIN_GROUPS`` whole numbers in increasing order (gaps allowed: sleepstudy's subjects
    308 to 372), each filling one run of consecutive rows, of two rows or more on average and
    of sizes within ``GROUP_SIZE_SPREAD`` of each other (modechoice: 210 travellers x 4
    modes)."""
    m = len(column)
    if m < 2 * MIN_GROUPS or not np.isfinite(column).all():
        return None
    steps = np.diff(column)
    if np.any(steps < 0) or np.any(steps != np.round(steps)) or column[0] != np.round(column[0]):
        return None  # not in order, or not whole numbers
    return _runs_of_groups(steps != 0)


def _runs_of_groups(changes: np.ndarray) -> int | None:
    """How many groups, when rows change group exactly at ``changes`` (row i to i + 1) and the
    groups' runs read as a person's or a session's: at least ``MIN_GROUPS`` of them, two to
    ``MAX_GROUP_ROWS`` rows each on average, their sizes (but a few odd ones) within
    ``GROUP_SIZE_SPREAD`` of each other."""
    m = len(changes) + 1
    groups = int(np.count_nonzero(changes)) + 1
    if groups < MIN_GROUPS or groups > m // 2 or m > MAX_GROUP_ROWS * groups:
        return None
    sizes = np.diff(np.flatnonzero(np.r_[True, changes, True]))
    sizes = np.sort(sizes)
    odd = min(groups // 50, (groups - 1) // 2)  # a few odd groups do not decide
    return groups if sizes[-1 - odd] <= GROUP_SIZE_SPREAD * sizes[odd] else None


def _formatted_number_notes(schema: TableSchema) -> list[str]:
    """A warning per one-hot encoded column whose categories are numbers in a written form
    (vega cars' Displacement as '307 cc': 83 columns, the sizes' order lost)."""
    notes = []
    for spec in schema.features:
        form = number_form(spec.categories) if spec.kind == "categorical" else None
        if form is None:
            continue
        kind, example = form
        notes.append(
            f"feature column {spec.name!r} holds {kind} (e.g. {example!r}), text to a CSV "
            f"reader: it is one-hot encoded into {len(spec.categories)} columns, one per value, "
            f"and the network cannot see their order or size; with {write_plainly(example)}, "
            "the column reads as one number"
        )
    return notes


def _text_group_notes(columns: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """A warning per text feature column that reads as a group id: each of its values fills
    one run of consecutive rows (bacteria's child 'X01', 'X02', ..., one-hot encoded into 50
    columns without a word)."""
    notes = []
    for name in names:
        column = columns.get(name)
        if not is_text(column) or len(column) < 2 * MIN_GROUPS or column.missing.any():
            continue
        changes = np.diff(column.codes) != 0
        groups = _runs_of_groups(changes)
        if groups is None or groups != len(np.unique(column.codes)):  # a value in two runs
            continue
        notes.append(
            f"feature column {name!r} looks like a group id: {groups} values, each over one run "
            f"of consecutive rows ({len(column) / groups:.3g} on average), as a person or "
            "session id is, one-hot encoded into a column each; a random split puts rows of "
            "one group in both training and test, which flatters the test error when a "
            f"group's rows resemble each other: --group {name} keeps each group in one part "
            "(and leaves the column out of the features; groups= in Python)"
        )
    return notes


# -- CSV ---------------------------------------------------------------------------------------


def load_csv(
    path: str | os.PathLike[str],
    target: str | None = None,
    *,
    features: Sequence[str] | None = None,
    drop: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    task: str | None = None,
    categorical: str = "onehot",
    max_categories: int = 100,
    missing: str = "impute",
    delimiter: str | None = None,
    decimal: str | None = None,
    schema: TableSchema | None = None,
    on_problem: ProblemSink | None = None,
    group: str | None = None,
    new_categories: str = "refuse",
) -> Dataset:
    """A CSV file with a header row; ``target`` names the label column (``None``: unlabeled).

    See the module docstring for the rules. Rows are numbered from 0 after the header, and the
    file's line number is given too, in every error.
    """
    p = _existing_file(path, "CSV")
    columns, row, read_notes = read_csv_columns(p, delimiter=delimiter, decimal=decimal)
    return _table_dataset(
        columns,
        target,
        read_notes=read_notes,
        name=p.stem,
        source=p.name,
        row=row,
        schema=schema,
        missing=missing,
        on_problem=on_problem,
        group=group,
        new_categories=new_categories,
        features=features,
        drop=drop,
        categories=categories,
        task=task,
        categorical=categorical,
        max_categories=max_categories,
    )


# -- Parquet -----------------------------------------------------------------------------------


def load_parquet(
    path: str | os.PathLike[str],
    target: str | None = None,
    *,
    features: Sequence[str] | None = None,
    drop: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    task: str | None = None,
    categorical: str = "onehot",
    max_categories: int = 100,
    missing: str = "impute",
    schema: TableSchema | None = None,
    on_problem: ProblemSink | None = None,
    group: str | None = None,
    new_categories: str = "refuse",
) -> Dataset:
    """A Parquet file, read with ``pyarrow``, by the same rules as a CSV file."""
    p = _existing_file(path, "Parquet")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DeepRecipeError(
            'reading Parquet needs pyarrow; accepted: pip install "deeprecipe[parquet]" '
            "(or pip install pyarrow), or a CSV file"
        ) from None
    try:
        table = pq.read_table(p)
    except Exception as exc:
        raise DeepRecipeError(f"{p} could not be read as Parquet: {exc}") from None
    columns: dict[str, Any] = {}
    # pandas writes a category of numbers as plain numbers, naming it in its metadata, and an
    # index that is not 0..n-1 as a column of its own (__index_level_0__ or the index's name)
    pandas = table.schema.pandas_metadata or {}
    described = pandas.get("columns", [])
    categories = {c.get("name") for c in described if c.get("pandas_type") == "categorical"}
    index = [c for c in pandas.get("index_columns", []) if isinstance(c, str)]
    left_aside = set(drop or ()) | (
        set() if features is None else set(table.column_names) - {*features, target, group}
    )
    for name, col in zip(table.column_names, table.columns, strict=True):
        t = col.type
        if name in index:
            continue
        if pa.types.is_dictionary(t) or name in categories:  # text, whatever its categories
            col, t = col.cast(pa.string()), pa.string()
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            columns[name] = col
        elif pa.types.is_boolean(t):
            columns[name] = col.cast(pa.float64())
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            columns[name] = TextColumn.from_arrow(col)
        elif pa.types.is_timestamp(t) or pa.types.is_date(t):  # refused as a CSV file's dates
            columns[name] = TextColumn.from_arrow(col.cast(pa.string()))
        elif name in left_aside:  # read by name only, to be left out
            columns[name] = pa.chunked_array([pa.nulls(len(col), pa.float64())])
        else:
            raise DeepRecipeError(
                f"column {name!r} of {p} has type {t}; accepted: numbers, booleans, text or "
                f"dates (convert it, or {leave_out(name)})"
            )
    notes = [
        f"{p.name}: pandas' index {', '.join(map(repr, index))} left out of the features (the "
        "row labels of the frame it was written from)"
    ] * bool(index)
    return _table_dataset(
        columns,
        target,
        name=p.stem,
        source=p.name,
        row=lambda i: f"row {i}",
        schema=schema,
        missing=missing,
        on_problem=on_problem,
        group=group,
        new_categories=new_categories,
        features=features,
        drop=drop,
        categories=categories,
        task=task,
        categorical=categorical,
        max_categories=max_categories,
        read_notes=notes,
    )


# -- a pandas DataFrame ------------------------------------------------------------------------


def from_frame(
    frame: Any,
    target: str | None = None,
    *,
    features: Sequence[str] | None = None,
    drop: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    task: str | None = None,
    categorical: str = "onehot",
    max_categories: int = 100,
    missing: str = "impute",
    schema: TableSchema | None = None,
    on_problem: ProblemSink | None = None,
    name: str = "frame",
    group: str | None = None,
    new_categories: str = "refuse",
) -> Dataset:
    """A pandas DataFrame (or any mapping of column name -> 1-D array), by the same rules."""
    if not hasattr(frame, "columns") and not isinstance(frame, Mapping):
        raise DeepRecipeTypeError(
            f"frame is {type(frame).__name__}; accepted: a pandas DataFrame or a dict of columns"
        )
    keys = list(frame.columns) if hasattr(frame, "columns") else list(frame)
    columns: dict[str, Any] = {}
    used = None if features is None else {*map(str, features), target, group}
    unused = set(map(str, drop or ())) | ({str(k) for k in keys} - used if used else set())
    for key in keys:
        try:
            columns[str(key)] = frame_column(frame[key], str(key))
        except DeepRecipeError:  # a date column: refused only when it would be a feature
            if str(key) not in unused:
                raise
            columns[str(key)] = np.full(len(frame[key]), np.nan)
    return _table_dataset(
        columns,
        target,
        name=name,
        row=lambda i: f"row {i}",
        schema=schema,
        missing=missing,
        on_problem=on_problem,
        group=group,
        new_categories=new_categories,
        features=features,
        drop=drop,
        categories=categories,
        task=task,
        categorical=categorical,
        max_categories=max_categories,
    )


# -- NPZ ---------------------------------------------------------------------------------------


def _npz_target(y: np.ndarray, x_shape: tuple[int, ...], task, classes, source: str):
    m = x_shape[0]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif (
        y.ndim == 2
        and y.shape[0] == m
        and set(np.unique(y).tolist()) <= {0, 1}
        and np.all(y.sum(axis=1) == 1)
    ):
        y = np.argmax(y, axis=1)  # one-hot rows
    if y.ndim != 1 or len(y) != m:
        raise DeepRecipeError(
            f"y in {source} has shape {y.shape} but X has {m} rows; accepted: y of shape "
            f"({m},), ({m}, 1) or one-hot ({m}, k)" + course_layout_hint(x_shape, y.shape)
        )
    if y.dtype.kind in "US":
        column = np.array(y.tolist(), dtype=object)
    elif y.dtype.kind in "biuf":
        column = y.astype(np.float64)
    else:
        raise DeepRecipeError(f"y in {source} has dtype {y.dtype}; accepted: numbers or text")
    row: RowLabel = lambda i: f"row {i}"  # noqa: E731
    _refuse_missing("y", column, row, "target")
    if classes is not None:
        # Labels of a dev or test file: index them by the TRAINING classes.
        classes = [c.item() if isinstance(c, np.generic) else c for c in np.asarray(classes)]
        if len(classes) < 2:
            raise DeepRecipeError(f"classes={classes!r}; accepted: at least two class labels")
        task_out = classification_task(len(classes)).kind
    else:
        task_out, classes = TableSchema._target_task("y", column, task)
    encoded = TableSchema([], "y", task_out, classes)._encode_target(column, row, source)
    return encoded, task_out, classes


def load_npz(
    path: str | os.PathLike[str], *, task: str | None = None, classes: Sequence[Any] | None = None
) -> Dataset:
    """An ``.npz`` file with ``X`` (and optionally ``y``); see the module docstring for images.

    ``y`` follows the rule of tables and arrays (:func:`~deeprecipe.task.reads_as_classes`:
    text, booleans, and whole numbers with at most 20 values are classes; other numbers are a
    regression, with a note when they are whole); ``task=`` overrides, e.g.
    ``task="multiclass"`` for 100 class ids. For a dev or test
    file pass the training set's ``classes`` so labels get the training indices (a dev file
    may lack a class, and then its own labels would be numbered differently).
    """
    p = _existing_file(path, "NPZ")
    try:
        with np.load(p, allow_pickle=False) as npz:
            keys = list(npz.files)
            if "X" not in keys:
                raise DeepRecipeError(
                    f"{p} holds {', '.join(keys) or 'no arrays'}; accepted: an .npz with an "
                    "array named X (and y for labels)"
                )
            X = npz["X"]
            y = npz["y"] if "y" in keys else None
    except DeepRecipeError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DeepRecipeError(
            f"{p} could not be read as .npz ({exc}); accepted: a file "
            "written by numpy.savez with numeric arrays"
        ) from None
    if X.dtype.kind not in "biuf":
        raise DeepRecipeError(f"X in {p} has dtype {X.dtype}; accepted: numbers")
    if X.ndim not in (2, 3, 4) or X.shape[0] == 0:
        raise DeepRecipeError(
            f"X in {p} has shape {X.shape}; accepted: (m, n) for a table or (m, height, width"
            "[, channels]) for images, with m >= 1"
        )
    flat, image_shape = flat_images(f"X in {p}", X)
    flat = flat.astype(np.float64)
    if not np.isfinite(flat).all():
        r, c = (int(i) for i in np.argwhere(~np.isfinite(flat))[0])
        where = (
            f"column {c}"
            if image_shape is None
            else (f"pixel {tuple(int(i) for i in np.unravel_index(c, image_shape))}")
        )
        raise DeepRecipeError(
            f"X in {p} has {flat[r, c]} at row {r}, {where}; accepted: finite values only"
        )
    names = [f"x{i}" for i in range(flat.shape[1])]
    if y is None:
        return Dataset(flat, None, None, names, image_shape=image_shape, name=p.stem)
    y_enc, task_out, classes = _npz_target(np.asarray(y), flat.shape, task, classes, str(p))
    # the classes of a training file decide a dev or test file's task
    asked = task is not None or classes is not None
    many = None if asked else many_whole_numbers_note(y, f"y in {p.name}")
    return Dataset(
        X=flat,
        y=y_enc,
        task=task_out,
        feature_names=names,
        classes=None if classes is None else np.asarray(classes),
        image_shape=image_shape,
        name=p.stem,
        notes=[many] if many else [],
    )


# -- by extension ------------------------------------------------------------------------------


def load_file(path: str | os.PathLike[str], target: str | None = None, **kwargs: Any) -> Dataset:
    """Load ``path`` by its extension: ``.csv``/``.tsv``/``.txt``, ``.parquet``/``.pq``, ``.npz``.

    ``target`` names the label column of a table (NPZ files carry it as ``y``); other keyword
    arguments go to :func:`load_csv`, :func:`load_parquet` or :func:`load_npz`.
    """
    p = Path(path) if isinstance(path, (str, os.PathLike)) else None
    kind = SUFFIXES.get(p.suffix.lower()) if p is not None else None
    if kind is None:
        raise DeepRecipeError(
            f"cannot tell the format of {str(p) if p is not None else repr(path)} from its "
            "extension; accepted: "
            f"{', '.join(SUFFIXES)}"
        )
    if kind == "npz":
        if target not in (None, "y"):
            raise DeepRecipeError(
                f"target={target!r} for an .npz file; accepted: None (the labels are the "
                "array named y)"
            )
        return load_npz(p, **kwargs)
    if kind == "parquet":
        for csv_only in ("delimiter", "decimal"):
            if kwargs.pop(csv_only, None) is not None:
                raise DeepRecipeError(f"{csv_only}= applies to CSV files; {p.name} is Parquet")
        return load_parquet(p, target, **kwargs)
    return load_csv(p, target, **kwargs)


def read_cells(path: str | os.PathLike[str], names: Sequence[str]) -> dict[str, list[str]]:
    """The cells of columns ``names`` of a CSV or Parquet file as text, as the file holds them
    (a CSV's ``"007"`` stays ``"007"``; a missing cell is ``""``), one per row that
    :func:`load_file` reads: to copy an id beside predictions."""
    p = _existing_file(path, "data")
    kind = SUFFIXES.get(p.suffix.lower())
    if kind == "csv":
        return read_csv_cells(p, list(names))
    if kind != "parquet":
        raise DeepRecipeError(
            f"{p.name} has no named columns to copy; accepted: a CSV or Parquet file"
        )
    import pyarrow.parquet as pq

    available = pq.read_schema(p).names
    unknown = [n for n in names if n not in available]
    if unknown:
        raise DeepRecipeError(
            f"{p} has no column {', '.join(map(repr, unknown))}; accepted: {', '.join(available)}"
        )
    table = pq.read_table(p, columns=list(names))
    return {n: ["" if v is None else str(v) for v in table.column(n).to_pylist()] for n in names}
