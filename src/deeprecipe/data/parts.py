"""The form of the data a user hands over: ``X`` with ``y``, and any dev and test sets beside it.

Checked once, before anything is split or trained, with errors that name the part at fault.
The test set's form is checked (its shape, its labels' kind), never its values: those decide
nothing until the one read at the end (see :class:`deeprecipe.recipe.heldout.HeldOutSet`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from deeprecipe._validation import check_array, course_layout_hint
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.task import label_array

#: how many offending columns of a DataFrame an error names
NAMED_COLUMNS = 5


def is_frame(X: Any) -> bool:
    """Whether ``X`` is a DataFrame (pandas, or anything with its columns and dtypes)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "isna")


def as_pandas(name: str, X: Any) -> Any:
    """Another library's table (a polars DataFrame, a pyarrow Table: anything that hands over
    Arrow data, ``__arrow_c_stream__``) as a pandas DataFrame, read then by column names as
    pandas' are (a polars frame read "X has dtype object and holds 'south'"). Anything else
    passes as it is."""
    if is_frame(X) or not (hasattr(X, "__arrow_c_stream__") and hasattr(X, "columns")):
        return X
    try:
        import pandas as pd
    except ImportError:
        raise DeepRecipeTypeError(
            f"{name} is a {type(X).__name__}; reading its columns by name needs pandas: pip "
            f"install pandas, or give {name}.to_numpy() (columns by position)"
        ) from None
    if hasattr(pd.DataFrame, "from_arrow"):  # pandas >= 3
        return pd.DataFrame.from_arrow(X)
    import pyarrow as pa

    return pa.table(X).to_pandas()


def check_frame(name: str, X: Any, *, missing_ok: bool = False) -> Any:
    """A DataFrame as a float64 array: its columns that are not numbers, or that have missing
    cells (unless ``missing_ok``: NaN then), refused by name (as a position they would read
    "column 6", and text columns as dtype object; nullable Int64/Float64/boolean columns would
    be objects too). Anything that is not a DataFrame is returned as it is."""
    if not is_frame(X):
        return X
    text = [
        f"{column!r} ({dtype})"
        for column, dtype in zip(X.columns, X.dtypes)
        if getattr(dtype, "kind", "O") not in "biuf"
    ]
    if text:
        raise DeepRecipeTypeError(
            f"{name} has columns that are not numbers: {_listed(text)}; accepted: numeric "
            "columns (deeprecipe.data.from_frame(frame, target) one-hot encodes text, as the "
            "CLI does with a file)"
        )
    missing = X.isna().sum()
    gaps = [f"{column!r} ({int(n)})" for column, n in missing.items() if n]
    if gaps and not missing_ok:
        raise DeepRecipeError(
            f"{name} has missing cells in {_listed(gaps)}; accepted: finite values (fill them "
            "with statistics of the training rows, deeprecipe.data.Imputer, or drop the rows; "
            "the CLI does either with --missing)"
        )
    return X.to_numpy(dtype=np.float64, na_value=np.nan)


def split_off_groups(X: Any, groups: Any) -> tuple[Any, Any, str | None, list[str]]:
    """The groups, and ``X`` without the column that holds them, as ``--group`` leaves its
    column out of the features: a DataFrame's column named by ``groups``, or equal to it (a
    subject's id left in X let the network extrapolate on ids it never saw, 3.8 times the
    error of the same run from the CLI). An array ``X`` keeps its columns, and a column equal
    to the groups is named in a note. Returns ``(X, groups, column, notes)``, ``column`` the
    DataFrame column left out (dev and test frames leave it out too)."""
    if groups is None:
        return X, None, None, []
    if isinstance(groups, str):
        if not is_frame(X) or groups not in [str(c) for c in X.columns]:
            raise DeepRecipeError(
                f"groups={groups!r} names no column of X; accepted: a column name of a "
                "DataFrame X, or one group label per row"
            )
        column = next(c for c in X.columns if str(c) == groups)
        return X.drop(columns=[column]), X[column].to_numpy(), column, [_groups_left_out(groups)]
    values = np.asarray(groups)
    columns = list(X.columns) if is_frame(X) else range(np.shape(X)[1] if np.ndim(X) == 2 else 0)
    for column in columns:
        held = X[column].to_numpy() if is_frame(X) else np.asarray(X)[:, column]
        try:
            same = len(held) == len(values) and bool(np.all(held == values))
        except (TypeError, ValueError):  # values that do not compare: not this column
            same = False
        if not same:
            continue
        if is_frame(X):
            return X.drop(columns=[column]), values, column, [_groups_left_out(str(column))]
        note = (
            f"column {column} of X holds the groups: a group id as a feature lets the network "
            "learn ids it will not see again; leave it out of X"
        )
        return X, values, None, [note]
    return X, groups, None, []


def _groups_left_out(column: str) -> str:
    return f"column {column!r} holds the groups: left out of the features, as --group leaves it"


def leave_out_unlabelled(
    name: str, X: Any, y: Any, groups: Any = None, *, label: str = "y"
) -> tuple[Any, Any, Any, str | None, np.ndarray | None]:
    """``X``, ``y`` (and ``groups``) without the rows whose label is missing (None, NaN, pd.NA),
    the note that says how many were left out and the positions of the rows kept (both None
    when none was left out), as the CLI leaves a file's out
    (:func:`deeprecipe.data.loading.labelled_rows`, the rule's one home; ``label`` names the
    target there). ``name`` is the part (``"X"``, ``"X_dev"``), named in what dev's
    and test's notes and refusals say. Parts whose lengths disagree pass as they are, for the
    checks that name them; a DataFrame keeps its columns and index."""
    from deeprecipe.data.loading import labelled_rows

    if X is None or y is None or np.ndim(y) == 0 or _n_rows(y) != _n_rows(X):
        return X, y, groups, None, None
    suffix = name.removeprefix("X")  # "", "_dev", "_test": y's name beside X's
    labelled, note = labelled_rows(np.asarray(y), label, f"y{suffix}")
    if note is None:
        return X, y, groups, None, None
    if groups is not None and len(groups) != len(y):
        raise DeepRecipeError(
            f"groups has {len(groups)} labels but X has {len(y)} rows; accepted: one group "
            "label per row of X"
        )
    keep = np.flatnonzero(labelled)
    groups = None if groups is None else np.asarray(groups)[keep]
    return _take_rows(X, keep), _take_rows(y, keep), groups, note, keep


def _n_rows(X: Any) -> int:
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)


def _take_rows(a: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` of a DataFrame or Series (by position), an array, or a list."""
    if hasattr(a, "iloc"):
        return a.iloc[rows]
    if hasattr(a, "shape"):
        return a[rows]
    return np.asarray(a)[rows]


def needs_encoding(X: Any) -> bool:
    """A DataFrame with a text column or a missing cell: what :func:`encode_frames` reads."""
    if not is_frame(X):
        return False
    text = any(getattr(dtype, "kind", "O") not in "biuf" for dtype in X.dtypes)
    return text or bool(X.isna().to_numpy().any())


def encode_frames(X: Any, X_dev: Any = None, X_test: Any = None) -> tuple[Any, ...]:
    """DataFrames as a table file is read (:func:`deeprecipe.data.from_frame`): text columns
    one-hot encoded by a schema fitted on ``X``, missing cells NaN for an imputer that the
    training rows alone must fit (after the split). Dev and test frames are encoded by the same
    schema, their columns taken by name. Returns ``(X, X_dev, X_test, schema, notes)``: the
    arrays (None where a part was not given), the schema, and what reading ``X`` noticed."""
    from deeprecipe.data.loading import from_frame

    train = from_frame(X, None, name="X")
    schema, notes = train.schema, list(train.notes)

    def encoded(name: str, part: Any) -> Any:
        if part is None:
            return None
        if not is_frame(part):
            raise DeepRecipeTypeError(
                f"{name} is a {type(part).__name__} but X is a DataFrame with text columns or "
                f"missing cells; accepted: a DataFrame with X's columns, encoded as X is"
            )
        X_part, part_notes = encode_by_schema(name, part, schema)
        notes.extend(f"{name}: {note}" for note in part_notes)
        return X_part

    return train.X, encoded("X_dev", X_dev), encoded("X_test", X_test), schema, notes


def encode_by_schema(name: str, frame: Any, schema: Any) -> tuple[np.ndarray, list[str]]:
    """A raw DataFrame through a fitted :class:`~deeprecipe.data.TableSchema` (its target not
    needed): its feature columns taken by name, other columns (an id, the target, the groups)
    left aside as ``deeprecipe predict`` leaves a file's, a missing one named, a category
    training never saw read as none of its categories. Returns the encoded array and what
    reading the frame noticed."""
    from dataclasses import replace

    from deeprecipe.data.loading import from_frame

    features_only = replace(schema, target=None)
    raw = {spec.name for spec in features_only.features}
    if raw <= {str(column) for column in frame.columns}:
        frame = frame[[column for column in frame.columns if str(column) in raw]]
    read = from_frame(frame, None, schema=features_only, name=name, new_categories="none")
    return read.X, read.notes


def columns_by_name(name: str, X: Any, names: Sequence[str]) -> Any:
    """A DataFrame's columns in the order of ``names`` (what a model was trained on reads by
    position: reversed columns gave silently wrong answers); other columns (an id, the
    target, the groups) are left aside, as ``deeprecipe predict`` leaves a file's; refused
    when one of ``names`` is missing. Anything that is not a DataFrame, or no names, passes
    as it is."""
    if not is_frame(X) or not names:
        return X
    given, names = [str(c) for c in X.columns], [str(n) for n in names]
    if given == names:
        return X
    if not set(names) <= set(given):
        missing = [n for n in names if n not in given]
        extra = [c for c in given if c not in names]
        shown = NAMED_COLUMNS
        raise DeepRecipeError(
            f"{name}'s columns are not the training columns: missing {missing[:shown]}, "
            f"unknown {extra[:shown]}; accepted: the {len(names)} columns of X, {names[:shown]}"
            + (" ..." if len(names) > shown else "")
        )
    return X[[X.columns[given.index(n)] for n in names]]


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - NAMED_COLUMNS} more" if len(items) > NAMED_COLUMNS else ""
    return ", ".join(items[:NAMED_COLUMNS]) + more


def check_target_beside(X: Any, y: Any, x_name: str = "X", y_name: str = "y") -> None:
    """``y`` as given beside ``X``: a column's name is refused with how to take the column out,
    and pandas rows whose labels are the same in another order are refused: they pair by
    position, so every target would sit beside another row's inputs (a shuffled wine frame
    beside its unshuffled target trained to a 64% dev error with no word of why)."""
    if isinstance(y, str) and is_frame(X) and y in {str(c) for c in X.columns}:
        raise DeepRecipeError(
            f"{y_name}={y!r} is the name of a column of {x_name}; accepted: the targets "
            f"themselves: {x_name}.drop(columns=[{y!r}]) as {x_name} and {x_name}[{y!r}] as "
            f"{y_name} (the target left among the inputs would be read as a feature)"
        )
    rows, labels = getattr(X, "index", None), getattr(y, "index", None)
    if not (_is_pandas_index(rows) and _is_pandas_index(labels)) or len(rows) != len(labels):
        return
    if rows.equals(labels) or not rows.is_unique or not labels.is_unique:
        return
    if not rows.sort_values().equals(labels.sort_values()):
        return  # other labels (a y that was reset): rows pair by position, as scikit-learn's
    first = int(np.flatnonzero(np.asarray(rows) != np.asarray(labels))[0])
    in_x, in_y = np.asarray(rows)[first].tolist(), np.asarray(labels)[first].tolist()
    raise DeepRecipeError(
        f"{x_name} and {y_name} hold the same row labels in a different order (row {first} is "
        f"{in_x!r} in {x_name} but {in_y!r} in {y_name}): rows pair by position, so the "
        f"targets would sit beside other rows' inputs; accepted: {y_name}.loc[{x_name}.index] "
        f"(aligned by label), or {y_name}.to_numpy() when the order is already the same"
    )


def target_copy(X: Any, y: Any) -> tuple[int, str] | None:
    """The first column of ``X`` equal to numeric ``y`` in every row, as ``(position, name)``
    (a DataFrame's column label, else ``str(position)``): the target left among the inputs.
    Diabetes' frame with its 'target' column read a test MSE of 40 against about 3100
    honestly, without a word."""
    target = np.asarray(y)
    if target.ndim != 1 or target.dtype.kind not in "biuf" or len(target) < 2:
        return None
    if is_frame(X):
        columns = [(str(c), X[c]) for c in X.columns]
    else:
        values = np.asarray(X)
        if values.ndim != 2 or values.dtype.kind not in "biuf":
            return None
        columns = [(str(j), values[:, j]) for j in range(values.shape[1])]
    for j, (name, column) in enumerate(columns):
        try:  # in the column's own precision: float32 inputs hold y rounded
            column = np.asarray(column)
            precision = column.dtype if column.dtype.kind == "f" else np.float64
            same = np.array_equal(
                column.astype(precision), target.astype(precision), equal_nan=True
            )
        except (TypeError, ValueError):  # text, or missing cells: not a copy of a number
            continue
        if same:
            return j, name
    return None


def refuse_target_among_inputs(X: Any, y: Any) -> None:
    """Refuse the :func:`target_copy` of ``y`` among ``X``'s columns, saying how to leave it
    out."""
    copy = target_copy(X, y)
    if copy is None:
        return
    j, name = copy
    without = f"X.drop(columns=[{name!r}])" if is_frame(X) else f"np.delete(X, {j}, axis=1)"
    raise DeepRecipeError(
        f"X's column {name!r} equals y in every row: the target is among the inputs, and the "
        f"network would read the answer; accepted: X without it, {without}"
    )


def _is_pandas_index(index: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(index, pandas.Index)


def check_xy(X: Any, y: Any, *, missing_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D finite ``X`` (NaN allowed with ``missing_ok``: cells an imputer fills after the
    split) and one target per row."""
    X = np.asarray(check_frame("X", X, missing_ok=missing_ok))
    if missing_ok:  # checked as it will be once filled
        check_array("X", np.where(np.isnan(X), 0.0, X) if X.dtype.kind == "f" else X, ndim=2)
    else:
        X = check_array("X", X, ndim=2)
    y = label_array(y)  # a list's numbers, once its gaps are out, as numbers
    if y.ndim == 0 or len(y) != len(X):
        raise DeepRecipeError(
            f"y has {y.size if y.ndim == 0 else len(y)} rows but X has {len(X)}; accepted: "
            f"one target per row of X{course_layout_hint(X.shape, y.shape)}"
        )
    return X, y


def check_pairs(**parts: tuple[Any, Any]) -> None:
    """``dev=(X_dev, y_dev)``, ...: each given with both halves or with neither."""
    for name, (a, b) in parts.items():
        if (a is None) != (b is None):
            raise DeepRecipeError(f"X_{name} and y_{name} go together; give both or neither")


def check_beside(n_columns: int, X_dev: Any, y_dev: Any, X_test: Any, y_test: Any) -> np.ndarray:
    """Dev and test sets with ``n_columns`` columns like X and one target per row; returns the
    checked ``X_dev``. The test set's values stay unread: only its shape is looked at, and
    :func:`~deeprecipe._validation.check_array` runs on it so a bad one fails now rather than
    after the trainings."""
    X_dev = check_array("X_dev", X_dev, ndim=2)
    for name, part in (("X_dev", X_dev), ("X_test", X_test)):
        shape = np.shape(part)
        if len(shape) != 2 or shape[1] != n_columns:
            raise DeepRecipeError(
                f"{name} has shape {shape}; accepted: a 2-D array with {n_columns} columns like X"
            )
    for name, a, b in (("dev", X_dev, y_dev), ("test", X_test, y_test)):
        if len(np.asarray(b)) != len(a):
            raise DeepRecipeError(
                f"y_{name} has {len(np.asarray(b))} rows but X_{name} has {len(a)}; "
                f"accepted: one target per row of X_{name}"
            )
    check_array("X_test", X_test, ndim=2, allow_empty=True)
    return X_dev


def check_image_shape(image_shape: Any, n_columns: int | None = None) -> tuple[int, ...]:
    """``(height, width)`` or ``(height, width, channels)``, positive whole numbers, whose
    product is ``n_columns`` when given."""
    accepted = "accepted: (height, width) or (height, width, channels), positive whole numbers"
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__"):
        raise DeepRecipeError(f"image_shape={image_shape!r}; {accepted}")
    values = list(image_shape)
    if len(values) not in (2, 3) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise DeepRecipeError(f"image_shape={tuple(values)!r}; {accepted}")
    shape = tuple(int(v) for v in values)
    size = int(np.prod(shape))
    if n_columns is not None and size != n_columns:
        raise DeepRecipeError(
            f"image_shape={shape} holds {size} values but X has {n_columns} columns; "
            f"accepted: a shape whose product is {n_columns}"
        )
    return shape


def flat_images(name: str, X: Any, image_shape: Any = None) -> tuple[Any, Any]:
    """``(rows, image_shape)``: an array of images ``(m, h, w[, c])`` flattened to one row per
    image for the dense network, with its ``(h, w[, c])``, checked against ``image_shape``
    when one is known (the training images'); tables and DataFrames pass as they are. As the
    CLI reads an .npz of images, so ``Recipe.run``, a model's ``predict`` and ``X_dev`` take
    the course's arrays without a reshape."""
    if is_frame(X) or np.ndim(X) < 3:
        return X, image_shape  # checked where the rows' width is known
    X = np.asarray(X)
    shape = tuple(int(s) for s in X.shape[1:])
    if image_shape is not None and shape != tuple(check_image_shape(image_shape)):
        expected = tuple(int(s) for s in image_shape)
        hint = ""
        if tuple(X.shape) == expected:  # one image, without its batch axis
            hint = f" (X is one image of shape {expected}: X[None] makes it a batch of one)"
        elif len(shape) == 3 and shape == (expected[-1], *expected[:-1]):
            hint = " (these are channels first: np.moveaxis(X, 1, -1) puts them last)"
        raise DeepRecipeError(
            f"{name} holds images of shape {shape}; accepted: images of shape {expected}, as in "
            f"training{hint}, or rows of {int(np.prod(expected))} values"
        )
    if len(shape) > 3:
        raise DeepRecipeError(
            f"{name} has shape {X.shape}; accepted: rows (m, n) or images (m, height, width"
            "[, channels])"
        )
    if len(shape) == 3 and shape[0] in CHANNELS and shape[2] not in CHANNELS:
        raise DeepRecipeError(
            f"{name} has shape {X.shape}, channels first; accepted: images (m, height, width, "
            "channels), channels last as Keras and the course store them (augmentation shifts "
            "the height and width axes): np.moveaxis(X, 1, -1)"
        )
    return X.reshape(len(X), -1), shape


#: channel counts: gray, RGB, RGBA
CHANNELS = (1, 3, 4)
