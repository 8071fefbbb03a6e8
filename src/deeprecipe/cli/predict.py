"""``deeprecipe predict``: a saved model on raw inputs, predictions (and probabilities) as CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any

import click
import numpy as np

from deeprecipe.cli._options import output_options
from deeprecipe.cli._ui import UI, percent
from deeprecipe.cli.app import cli
from deeprecipe.errors import DeepRecipeError


def _read_inputs(path: Path, metadata: dict[str, Any]):
    """Raw rows of ``path`` encoded with the schema the model was trained with."""
    from deeprecipe.data import TableSchema, load_file

    schema_dict = metadata.get("schema")
    if path.suffix.lower() == ".npz" or not schema_dict:
        return load_file(path, None), None
    schema = TableSchema.from_dict(schema_dict)
    try:
        return load_file(path, None, schema=schema), None
    except DeepRecipeError as exc:
        if schema.target is None or not str(exc).startswith(f"target column {schema.target!r}"):
            raise
        # labels missing (or unusable) in the target column: predict every row, score none
        unlabelled = dataclasses.replace(schema, target=None)
        note = f"{str(exc).split(';')[0]}: every row is predicted, none is scored"
        return load_file(path, None, schema=unlabelled), note


def _csv_text(predictions: np.ndarray, proba: np.ndarray | None, classes: list | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["prediction"]
    if proba is not None and classes is not None:
        header += [f"proba_{c}" for c in classes]
    writer.writerow(header)
    for k, value in enumerate(predictions):
        value = value.item() if isinstance(value, np.generic) else value
        row = [f"{value:.7g}" if isinstance(value, float) else value]
        if proba is not None and classes is not None:
            row += [f"{p:.6g}" for p in proba[k]]
        writer.writerow(row)
    return buffer.getvalue()


def _class_probabilities(proba: np.ndarray) -> np.ndarray:
    """One column per class: a sigmoid output ``p`` becomes ``[1 - p, p]``."""
    return np.column_stack([1.0 - proba[:, 0], proba[:, 0]]) if proba.shape[1] == 1 else proba


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
    "--proba/--no-proba",
    default=True,
    show_default=True,
    help="Add one probability column per class (classifiers).",
)
@output_options
def predict_command(
    ui: UI, model_path: Path, data_file: Path, out_file: Path | None, proba: bool
) -> None:
    """Predict with a saved model on raw inputs: it normalizes them with the training
    statistics, encodes text columns as in training, and maps indices back to class labels.

    \b
    Examples:
      deeprecipe predict --model runs/X/model.safetensors --data new.csv
      deeprecipe predict --model runs/X/model.safetensors --data new.csv --out predictions.csv
      deeprecipe predict --model model.safetensors --data labelled.csv --no-proba --json
    """
    from deeprecipe._files import atomic_write_text as write_text
    from deeprecipe.io import load_model

    model = load_model(model_path)
    metadata = model.metadata or {}
    ds, note = _read_inputs(data_file, metadata)
    if note:
        ui.warn(note)
    if ds.X.shape[1] != model.network.layer_sizes[0]:
        raise DeepRecipeError(
            f"{data_file} gives {ds.X.shape[1]} features; the model takes "
            f"{model.network.layer_sizes[0]} ({', '.join(model.feature_names or [])})"
        )
    predictions = np.asarray(model.predict(ds.X))
    classifier = model.network.task.is_classifier
    classes = list(model.classes) if (classifier and model.classes is not None) else None
    probabilities = _class_probabilities(model.predict_proba(ds.X)) if classifier else None
    text = _csv_text(predictions, probabilities if proba else None, classes)

    metrics: dict[str, Any] | None = None
    if ds.y is not None:
        if classifier:
            truth = np.asarray(classes, dtype=object)[ds.y] if classes else ds.y
            error = float(np.mean(predictions != truth))
            metrics = {"error": error, "accuracy": 1.0 - error, "examples": len(truth)}
        else:
            mse = float(np.mean((predictions.astype(float) - ds.y) ** 2))
            metrics = {"mse": mse, "examples": len(ds.y)}

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
                ["examples", str(metrics["examples"])],
            ]
        else:
            rows = [["MSE", metrics["mse"]], ["examples", str(metrics["examples"])]]
        ui.table(f"{data_file.name}: predictions against its target column", ["", "value"], rows)
    if out_file is not None:
        ui.say(f"{len(predictions)} predictions written to {out_file}")
    result: dict[str, Any] = {
        "model": str(model_path),
        "data": str(data_file),
        "n": len(predictions),
        "out": None if out_file is None else str(out_file),
        "metrics": metrics,
    }
    if out_file is None:
        result["predictions"] = predictions.tolist()
        if probabilities is not None and proba:
            result["probabilities"] = probabilities.tolist()
    ui.emit_json(result)
