"""``deeprecipe predict``: a saved model on raw inputs, predictions (and probabilities) as CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any

import click
import numpy as np

from deeprecipe.cli._options import NameList, output_options
from deeprecipe.cli._ui import UI, percent
from deeprecipe.cli.app import cli
from deeprecipe.data.parts import flat_images
from deeprecipe.data.schema import UNLABELLED
from deeprecipe.errors import DeepRecipeError


def _read_inputs(
    path: Path,
    metadata: dict[str, Any],
    problems: dict[int, str] | None = None,
    missing: str = "impute",
):
    """Raw rows of ``path`` encoded with the schema the model was trained with. Rows that
    cannot be encoded go to ``problems`` (row -> reason) unless it is None (``--strict``).
    Missing cells are kept for the model's imputer (``missing="impute"``, when the model has
    one), otherwise they make their row unscorable."""
    from deeprecipe.data import TableSchema, load_file

    schema_dict = metadata.get("schema")
    if path.suffix.lower() == ".npz" or not schema_dict:
        return load_file(path, None), None
    schema = TableSchema.from_dict(schema_dict)
    kwargs: dict[str, Any] = {
        # without an imputer in the model file, a missing cell is a row that cannot be scored
        "missing": "impute" if missing == "impute" and metadata.get("imputer") else "refuse",
        # a category training never saw: none of its categories, as the recipe's dev and test
        # rows read it (--strict: a row that cannot be scored)
        "new_categories": "refuse" if problems is None else "none",
        "on_problem": None
        if problems is None
        else (lambda row, reason: problems.setdefault(row, reason)),
    }
    try:
        return load_file(path, None, schema=schema, **kwargs), None
    except DeepRecipeError as exc:
        if schema.target is None or not str(exc).startswith(f"target column {schema.target!r}"):
            raise
        # labels missing (or unusable) in the target column: predict every row, score none
        unlabelled = dataclasses.replace(schema, target=None)
        note = f"{str(exc).split(';')[0]}: every row is predicted, none is scored"
        if problems is not None:
            problems.clear()
        return load_file(path, None, schema=unlabelled, **kwargs), note


def _gaps_note(X: np.ndarray, metadata: dict[str, Any]) -> str | None:
    """What the model's imputer fills in ``X`` (None when nothing): said, not done silently."""
    state = metadata.get("imputer")
    if not state or X.dtype.kind != "f":
        return None
    from deeprecipe.data.impute import Imputer

    counts = {n: k for n, k in Imputer.from_dict(state).missing_counts(X).items() if k}
    if not counts:
        return None
    cells = ", ".join(f"{name} {k}" for name, k in counts.items())
    return (
        f"missing cells filled with the training statistics stored in the model: {cells} "
        "(--missing refuse leaves such rows unscored instead)"
    )


def _csv_text(
    predictions: list[Any],
    proba: np.ndarray | None,
    classes: list | None,
    reasons: dict[int, str],
    kept: dict[str, list[str]],
) -> str:
    """One line per input row, led by the ``kept`` columns; a row that could not be scored has
    empty cells and a reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = [*kept, "prediction"]
    if proba is not None and classes is not None:
        header += [f"proba_{c}" for c in classes]
    if reasons:
        header.append("reason")
    writer.writerow(header)
    for k, value in enumerate(predictions):
        ids = [cells[k] for cells in kept.values()]
        if k in reasons:
            writer.writerow(ids + [""] * (len(header) - len(ids) - 1) + [reasons[k]])
            continue
        value = value.item() if isinstance(value, np.generic) else value
        row = [*ids, f"{value:.7g}" if isinstance(value, float) else value]
        if proba is not None and classes is not None:
            row += [f"{p:.6g}" for p in proba[k]]
        if reasons:
            row.append("")
        writer.writerow(row)
    return buffer.getvalue()


@cli.command("predict", short_help="Predict raw rows with a saved model, as CSV.")
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A model file written by 'deeprecipe run' or 'deeprecipe train'.",
)
@click.option(
    "--data",
    "data_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Raw inputs with the training columns (.csv, .parquet or .npz). If it also "
    "holds the target column, the error and accuracy are printed.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the predictions CSV here [default: to stdout].",
)
@click.option(
    "--keep",
    type=NameList(),
    default=None,
    help="Copy these columns of --data into the predictions, first, as the file writes them "
    "(an id, a name): e.g. --keep PassengerId [default: the prediction columns alone].",
)
@click.option(
    "--missing",
    type=click.Choice(["impute", "refuse"]),
    default="impute",
    show_default=True,
    help="Missing cells: fill them with the training statistics stored in the model file "
    "(models trained with --missing impute), or treat their rows as unscorable.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the whole file if any row cannot be scored or holds a category training "
    "never saw [default: such rows get an empty prediction and a reason column, new "
    "categories read as none of the training ones, with a warning; the others are predicted].",
)
@click.option(
    "--proba/--no-proba",
    default=True,
    show_default=True,
    help="Add one probability column per class (classifiers).",
)
@output_options
def predict_command(
    ui: UI,
    model_path: Path,
    data_file: Path,
    out_file: Path | None,
    keep: list[str] | None,
    missing: str,
    strict: bool,
    proba: bool,
) -> None:
    """Predict with a saved model on raw inputs: it normalizes them with the training
    statistics, encodes text columns as in training, fills missing cells with the training
    statistics (when the model was trained with --missing impute), reads a category training
    never saw as none of its categories (said in a warning), and maps indices back to class
    labels. A row it cannot score (text in a numeric column) keeps its line with an empty
    prediction and a reason; --strict refuses such a file, and new categories too.

    \b
    Examples:
      deeprecipe predict --model runs/X/model.safetensors --data new.csv
      deeprecipe predict --model runs/X/model.safetensors --data new.csv --out predictions.csv
      deeprecipe predict --model runs/X/model.safetensors --data test.csv --keep id --no-proba
      deeprecipe predict --model model.safetensors --data labelled.csv --no-proba --json
    """
    from deeprecipe._files import atomic_write_text as write_text
    from deeprecipe.data import read_cells
    from deeprecipe.io import load_model

    model = load_model(model_path)
    metadata = model.metadata or {}
    problems: dict[int, str] | None = None if strict else {}
    ds, note = _read_inputs(data_file, metadata, problems, missing)
    kept = read_cells(data_file, keep) if keep else {}
    if note:
        ui.warn(note)
    for reading in ds.notes:  # columns left aside, ...
        ui.note(reading)
    if ds.image_shape is not None:  # images of the training images' shape, checked
        flat_images(data_file.name, ds.X.reshape(-1, *ds.image_shape), metadata.get("image_shape"))
    reasons = dict(sorted((problems or {}).items()))
    scored = np.setdiff1d(np.arange(len(ds.X)), np.fromiter(reasons, dtype=np.int64))
    if reasons and len(scored) == 0:  # nothing to write: an error, not "0 predictions"
        row, reason = next(iter(reasons.items()))
        raise DeepRecipeError(
            f"no row of {data_file} could be scored, e.g. row {row}: {reason}; accepted: rows "
            "with the training columns' kinds of values"
        )
    X = ds.X[scored]  # gaps left in X are filled by the model's imputer (--missing impute)
    gaps = _gaps_note(X, metadata)
    if gaps:
        ui.note(gaps)
    if X.shape[1] != model.n_raw_features:
        names = list(model.feature_names or [])
        shown = ", ".join(names[:10]) + (
            f", ... ({len(names) - 10} more)" if len(names) > 10 else ""
        )
        raise DeepRecipeError(
            f"{data_file} gives {X.shape[1]} features; accepted: the model's "
            f"{model.n_raw_features} ({shown})"
        )
    far = model.far_from_training(X)
    if far:
        ui.warn(far)
    classifier = model.network.task.is_classifier
    classes = list(model.classes) if (classifier and model.classes is not None) else None
    predicted = np.asarray(model.predict(X)) if len(X) else np.empty(0)
    probabilities = None
    if classifier and len(X):
        probabilities = np.full((len(ds.X), len(classes or [0, 1])), np.nan)
        probabilities[scored] = model.predict_proba(X)
    predictions: list[Any] = [None] * len(ds.X)
    for k, value in zip(scored, predicted, strict=True):
        predictions[int(k)] = value.item() if isinstance(value, np.generic) else value
    text = _csv_text(predictions, probabilities if proba else None, classes, reasons, kept)

    metrics: dict[str, Any] | None = None
    unlabelled = 0
    if ds.y is not None and len(X):
        y = ds.y[scored]
        # rows without a label (UNLABELLED: -1, or NaN for a regression) are predicted, not scored
        labelled = y != UNLABELLED if classifier else ~np.isnan(y)
        unlabelled = int(np.count_nonzero(~labelled))
        y, measured = y[labelled], predicted[labelled]
        if classifier and len(y):
            truth = np.asarray(classes, dtype=object)[y] if classes else y
            error = float(np.mean(measured != truth))
            metrics = {"error": error, "accuracy": 1.0 - error, "examples": len(truth)}
            if classes and measured.ndim == 1:  # the rare classes count as much as the others
                from deeprecipe.diagnose.classes import class_figures

                figures = class_figures(truth, measured, classes)
                metrics["balanced_error"] = figures["balanced_error"]
                metrics["recall"] = dict(zip(map(str, classes), figures["recall"], strict=True))
        elif len(y):
            mse = float(np.mean((measured.astype(float) - y) ** 2))
            metrics = {"mse": mse, "rmse": mse**0.5, "examples": len(y)}
        if metrics is not None:
            metrics["unlabelled"] = unlabelled

    if out_file is not None:
        write_text(out_file, text)
    elif not ui.as_json:
        click.echo(text, nl=False)
        ui.out = ui.err  # the CSV owns stdout: the summary goes to stderr

    if metrics is not None:
        if classifier:
            rows = [
                ["error", percent(metrics["error"])],
                ["accuracy", percent(metrics["accuracy"])],
            ]
            if "balanced_error" in metrics:
                rows.append(["balanced error", percent(metrics["balanced_error"])])
                rows += [
                    [f"recall of {label!r}", "-" if r is None else percent(r)]
                    for label, r in metrics["recall"].items()
                ]
            rows.append(["examples", str(metrics["examples"])])
        else:
            rows = [
                ["MSE", metrics["mse"]],
                ["RMSE", metrics["rmse"]],
                ["examples", str(metrics["examples"])],
            ]
        ui.table(f"{data_file.name}: predictions against its target column", ["", "value"], rows)
    if unlabelled:
        target = (metadata.get("schema") or {}).get("target") or "target"
        ui.note(
            f"{unlabelled} of {len(scored)} predicted rows have no {target!r} label: predicted, "
            f"not counted in the {'error' if classifier else 'MSE'}"
        )
    if reasons:
        first = next(iter(reasons.items()))
        ui.warn(
            f"{len(reasons)} of {len(predictions)} rows could not be scored (empty prediction, "
            f"see the reason column), e.g. row {first[0]}: {first[1]}; {len(scored)} predicted"
        )
    if out_file is not None:
        ui.say(f"{len(scored)} predictions written to {out_file}")
    result: dict[str, Any] = {
        "model": str(model_path),
        "data": str(data_file),
        "n": len(predictions),
        "predicted": len(scored),
        "unscored": {str(k): v for k, v in reasons.items()},
        "out": None if out_file is None else str(out_file),
        "metrics": metrics,
    }
    if out_file is None:
        result |= {"kept": kept} if kept else {}
        result["predictions"] = predictions
        if probabilities is not None and proba:
            result["probabilities"] = [
                None if k in reasons else p for k, p in enumerate(probabilities.tolist())
            ]
    ui.emit_json(result)
