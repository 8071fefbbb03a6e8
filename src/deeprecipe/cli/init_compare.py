"""``deeprecipe init-compare``: the same network trained from several initializations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from deeprecipe.cli._options import IntList, output_options, seed_option
from deeprecipe.cli._ui import UI, percent, to_json
from deeprecipe.cli.app import cli
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import TASKS, get_task

INITS = ("zeros", "random", "xavier", "he", "glorot", "lecun")


def _names(value: str) -> list[str]:
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in INITS]
    if unknown or not names:
        raise click.BadParameter(
            f"{value!r}: accepted names are {', '.join(INITS)}", param_hint="'--inits'"
        )
    return names


def _data(dataset: str | None, seed: int):
    """The course's circles (300 train / 100 test) or a binary embedded dataset split 75/25."""
    from deeprecipe.data import course_circles, load_dataset, split

    if dataset is None:
        return ("course circles", *course_circles())
    ds = load_dataset(dataset, seed=seed)
    if get_task(ds.task) is not TASKS["binary"]:
        raise DeepRecipeError(
            f"dataset {ds.name!r} is {ds.task}; init-compare takes a binary dataset "
            "(moons, circles, flower, football, breast_cancer)"
        )
    parts = split(ds.X, ds.y, dev=0, test=0.25, seed=seed).apply(ds.X, ds.y)
    return ds.name, parts.X_train, parts.y_train, parts.X_test, parts.y_test


def _cost_figure(runs: dict[str, Any]):
    from deeprecipe._figure import Figure

    figure = Figure(figsize=(7, 4))
    ax = figure.subplots()
    for name, run in runs.items():
        cost = np.asarray(run.cost, dtype=float)
        ax.plot(np.arange(1, len(cost) + 1), cost, label=name)
    ax.set_yscale("log")
    ax.set(title="Cost per iteration by initialization", xlabel="iteration", ylabel="cost J")
    ax.grid(alpha=0.3)
    ax.legend()
    figure.tight_layout()
    return figure


@cli.command("init-compare", short_help="Train from zeros, random and He initializations.")
@click.option(
    "--dataset",
    metavar="NAME",
    help="A binary embedded dataset [default: the course's circles, 300/100].",
)
@click.option(
    "--inits",
    default="zeros,random,he",
    show_default=True,
    help=f"Comma-separated initializations among {', '.join(INITS)}.",
)
@click.option(
    "--layers",
    type=IntList(),
    default="10,5",
    show_default=True,
    help="Hidden layer sizes (the course: 10,5).",
)
@click.option(
    "--random-scale",
    type=click.FloatRange(min=0.0),
    default=10.0,
    show_default=True,
    help="The factor of 'random' initialization (the course's 10).",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=15000,
    show_default=True,
    help="Full-batch gradient-descent iterations (the course: 15000).",
)
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0.0, min_open=True),
    default=0.01,
    show_default=True,
    help="The step size alpha.",
)
@click.option(
    "--course-weights",
    is_flag=True,
    help="Draw the initial weights from the assignment's np.random.seed(3) stream, "
    "which reproduces its published accuracies.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write init_costs.png and results.json into this folder.",
)
@seed_option
@output_options
def init_compare_command(
    ui: UI,
    dataset: str | None,
    inits: str,
    layers: str,
    random_scale: float,
    epochs: int,
    learning_rate: float,
    course_weights: bool,
    out_dir: Path | None,
    seed: int,
) -> None:
    """Train the same network from each initialization: zeros fail to break symmetry, large
    random weights start slowly, He (ReLU) learns.

    \b
    Examples:
      deeprecipe init-compare
      deeprecipe init-compare --course-weights --inits zeros,random,he
      deeprecipe init-compare --dataset moons --epochs 2000 --out runs/init
    """
    from deeprecipe.diagnose import compare_initializations

    names = _names(inits)
    hidden = list(layers)
    name, X_train, y_train, X_test, y_test = _data(dataset, seed)
    # a huge random scale overflows on purpose (it is the lesson); the table says "diverged"
    with ui.progress() as bars, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        task = (
            None
            if bars is None
            else bars.add_task(f"training {len(names)} initializations", total=None, status="")
        )
        comparison = compare_initializations(
            X_train,
            y_train,
            X_test,
            y_test,
            layer_sizes=[X_train.shape[1], *hidden, 1],
            inits=names,
            random_scale=random_scale,
            epochs=epochs,
            learning_rate=learning_rate,
            weights_from="course" if course_weights else "seed",
            seed=seed,
        )
        if task is not None:
            bars.update(task, total=1, completed=1)
    rows = []
    for init in comparison.ranking:
        run = comparison[init]
        rows.append(
            [
                init,
                percent(run.train_accuracy),
                percent(run.test_accuracy),
                "yes" if run.breaks_symmetry else "NO",
                f"{run.cost[0]:.4g} -> {run.cost[-1]:.4g}" if run.cost else "not finite",
                "diverged" if run.diverged else "-",
            ]
        )
    ui.table(
        f"{name}: {X_train.shape[1]}-{'-'.join(map(str, hidden))}-1 network, {epochs} iterations",
        ["init", "train accuracy", "test accuracy", "breaks symmetry", "cost", "diverged"],
        rows,
    )
    result = comparison.to_dict()
    result["data"] = name
    if out_dir is not None:
        from deeprecipe._files import atomic_write_bytes as write_bytes
        from deeprecipe._files import atomic_write_text as write_text
        from deeprecipe.report.figures import png_bytes

        out_dir.mkdir(parents=True, exist_ok=True)
        write_bytes(out_dir / "init_costs.png", png_bytes(_cost_figure(comparison.runs)))
        write_text(out_dir / "results.json", to_json(result))
        ui.say(f"Written to {out_dir}")
    ui.emit_json(
        {k: result[k] for k in ("data", "settings", "ranking")}
        | {
            "runs": {
                k: {
                    f: v[f]
                    for f in ("train_accuracy", "test_accuracy", "breaks_symmetry", "diverged")
                }
                for k, v in result["runs"].items()
            }
        }
    )
