"""``deeprecipe datasets``: the embedded datasets."""

from __future__ import annotations

from dataclasses import asdict

from deeprecipe.cli._options import output_options
from deeprecipe.cli._ui import UI
from deeprecipe.cli.app import cli


@cli.command("datasets")
@output_options
def datasets_command(ui: UI) -> None:
    """List the embedded datasets (nothing is downloaded).

    \b
    Examples:
      deeprecipe datasets
      deeprecipe datasets --json
      deeprecipe run --dataset moons
    """
    from deeprecipe.data import list_datasets

    infos = list_datasets()
    rows = [
        [
            i.name,
            str(i.n_samples),
            str(i.n_features),
            i.task,
            "-" if i.n_classes is None else str(i.n_classes),
            i.description,
        ]
        for i in infos
    ]
    ui.table(
        "Embedded datasets",
        ["name", "examples", "features", "task", "classes", "description"],
        rows,
    )
    ui.emit_json([asdict(i) for i in infos])
