"""``deeprecipe datasets``: the embedded datasets, and any of them as a CSV file."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path

import click
import numpy as np

from deeprecipe.cli._options import output_options
from deeprecipe.cli._ui import UI
from deeprecipe.cli.app import cli


def dataset_csv(name: str, *, seed: int = 0) -> tuple[str, int]:
    """An embedded dataset as CSV text (its feature names, then ``target`` holding the original
    class labels) and its number of rows."""
    from deeprecipe.data import load_dataset

    ds = load_dataset(name, seed=seed)
    labels = ds.y if ds.classes is None else np.asarray(ds.classes)[ds.y]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*ds.feature_names, "target"])
    for row, label in zip(ds.X, labels):
        writer.writerow(
            [*(f"{v:.10g}" for v in row), label.item() if hasattr(label, "item") else label]
        )
    return buffer.getvalue(), ds.n_samples


@cli.command("datasets", short_help="List the embedded datasets, or export one as CSV.")
@click.option(
    "--export",
    "export_name",
    metavar="NAME",
    help="Write this embedded dataset as a CSV file (features, then 'target'), or a raw "
    "file as it is (penguins: missing values and text columns).",
)
@click.option(
    "--to",
    "to_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --export writes [default: NAME.csv].",
)
@output_options
def datasets_command(ui: UI, export_name: str | None, to_file: Path | None) -> None:
    """List the embedded datasets (nothing is downloaded), or export one as a CSV file to try
    the commands that read your own data.

    \b
    Examples:
      deeprecipe datasets
      deeprecipe datasets --json
      deeprecipe datasets --export moons --to moons.csv
      deeprecipe datasets --export penguins
    """
    from deeprecipe.data.datasets import RAW_FILES, list_datasets, raw_file

    if to_file is not None and export_name is None:
        raise click.UsageError("--to goes with --export NAME")
    if export_name is not None:
        from deeprecipe._files import atomic_write_text as write_text

        if export_name in RAW_FILES:
            text = raw_file(export_name).read_text(encoding="utf-8")
            rows = text.count("\n") - 1
        else:
            text, rows = dataset_csv(export_name)
        path = to_file or Path(f"{export_name}.csv")
        write_text(path, text)
        ui.say(f"{rows} rows of {export_name} written to {path}")
        ui.emit_json({"dataset": export_name, "rows": rows, "path": str(path)})
        return

    infos = list_datasets()
    rows = [
        [
            i.name,
            str(i.n_samples),
            str(i.n_features),
            i.task,
            "-" if i.n_classes is None else str(i.n_classes),
            "-" if i.bayes_error is None else f"{i.bayes_error:.0%}",
            i.description,
        ]
        for i in infos
    ]
    ui.table(
        "Embedded datasets",
        ["name", "examples", "features", "task", "classes", "Bayes error", "description"],
        rows,
    )
    for name, (_, description) in RAW_FILES.items():
        ui.say(f"Raw file to try --data on: {name}, {description} (--export {name})")
    ui.emit_json([asdict(i) for i in infos])
