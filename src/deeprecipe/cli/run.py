"""``deeprecipe run``: the whole basic recipe, with progress, a summary table and a report."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
import numpy as np
from click.core import ParameterSource

from deeprecipe.cli._data import Prepared, prepare, reading
from deeprecipe.cli._options import (
    IntList,
    check_cores,
    data_options,
    device_options,
    out_option,
    output_options,
    run_folder,
    seed_option,
)
from deeprecipe.cli._run_folder import TRIALS_FOLDER, RunFolder, resume_note
from deeprecipe.cli._ui import UI
from deeprecipe.cli.app import cli
from deeprecipe.cli.train import ACTIVATIONS, OPTIMIZERS
from deeprecipe.defaults import (
    DEV_SOURCES,
    EPOCHS,
    FULL_BATCH_ROWS,
    MIN_EPOCHS,
    MINI_BATCH,
    RUN_BUDGET,
    learning_rate,
    learning_rate_help,
)
from deeprecipe.progress import ProgressView
from deeprecipe.recipe.result import chosen_network_words

#: the settings that decide a run's results, under the names of their options (a rerun with a
#: larger --budget, other --jobs or a --cluster continues the same run)
SAME_RUN = {
    "bayes_error": "bayes_error", "layers": "hidden", "activation": "activation",
    "optimizer": "optimizer", "learning_rate": "learning_rate", "epochs": "epochs",
    "batch_size": "batch_size", "seed": "seed", "dev_from": "dev_from",
}  # fmt: skip


#: what --json adds beside the errors: the references, the achievable error, the guards, ...
JSON_YARDSTICKS = (
    "references",
    "achievable",
    "optimization",
    "guards",
    "r2",
    "per_class",
    "dev_test",
    "distributions",
    "notes",
    "recommendations",
)


def _write(folder: Path, result: Any, data: Prepared) -> tuple[Path, Path]:
    from deeprecipe.cli._training import save, save_split
    from deeprecipe.report.from_recipe import recipe_report
    from deeprecipe.report.writer import write_report
    from deeprecipe.train.targets import TARGET_SCALE

    recipe = result.to_dict()
    if data.classes is not None and result.targets.get("classes") is not None:
        # the classes the recipe saw in training, in its network's output order; the schema
        # too, which encodes a file's labels for predict (breast_cancer's malignant, benign
        # scored 98% error against a sorted network)
        classes = list(result.targets["classes"])
        schema = dataclasses.replace(data.schema, classes=classes)
        data = dataclasses.replace(data, classes=classes, schema=schema)
    model_path = save(
        folder,
        result.network,
        result.scaler,
        data,
        {
            "errors": recipe["errors"],
            "recipe_final": recipe["final"],
            TARGET_SCALE: result.data.get(TARGET_SCALE),
        },
    )
    save_split(folder, data, recipe["config"]["seed"])
    source = data.source.get("data") or f"embedded dataset {data.name}"
    report = recipe_report(
        result,
        title=f"deeprecipe report: {data.name}",
        subtitle=f"{source}, {data.task}; {result.stopped_because}",
        notes=data.notes,
        results={"data": data.describe(), "model": str(model_path)},
    )
    return write_report(report, folder), model_path


def _summary(ui: UI, result: Any, data: Prepared) -> None:
    d = result.to_dict()
    rows = result.error_rows()
    ui.table(
        f"{data.name}: errors ({data.head.metric_label})",
        ["model", "train", "dev", "test"],
        rows,
    )
    rows = [[name, tried, best, kept] for name, tried, kept, best in result.summary_rows()]
    ui.table("Recipe steps", ["step", "tried", "best dev", "kept"], rows)
    if d.get("achievable"):
        from deeprecipe.diagnose.achievable import AchievableError, Bound

        a = d["achievable"]
        bounds = {k: Bound(**a[k]) if a.get(k) else None for k in ("upper", "lower")}
        ui.say(str(AchievableError(a["metric"], bounds["upper"], bounds["lower"])))
    if d.get("optimization"):
        ui.say(f"Optimization probe: {d['optimization']['text']}")
    ui.say(f"Diagnosis of the chosen model: {result.final_diagnosis}")
    for guard in d.get("guards") or []:
        ui.warn(guard["message"])
    for note in result.notes:
        if note not in data.notes:
            ui.say(f"Note: {note}")
    ui.say(f"Stopped because {result.stopped_because}.")
    for line in result.recommendations:
        ui.say(f"Recommendation: {line}")
    ui.say(chosen_network_words(result.final, result.network.layer_sizes))


class Budget(click.ParamType):
    """``40`` trainings, or a wall time: ``90s``, ``5m``, ``1h``."""

    name = "N|TIME"
    UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(self, value: Any, param, ctx) -> tuple[int | None, float | None]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip().lower()
        try:
            if text[-1:] in self.UNITS:
                seconds = float(text[:-1]) * self.UNITS[text[-1]]
                if seconds > 0 and np.isfinite(seconds):
                    return None, seconds
            elif int(text) >= 1:
                return int(text), None
        except ValueError:
            pass
        self.fail(
            f"{value!r} is neither a number of trainings, at least 1 (40), nor a positive time "
            "(90s, 5m, 1h)",
            param,
            ctx,
        )


def _baseline_layers(layers: list[int], data: Prepared, ui: UI) -> tuple[int, ...]:
    """``--layers``, or by default the course's 20-3 with every hidden layer at least as wide
    as the output layer: a 3-unit layer in front of 10 classes caps what any later step can
    reach (the recipe regularizes a high-variance network; it does not widen it)."""
    if click.get_current_context().get_parameter_source("layers") is not ParameterSource.DEFAULT:
        return tuple(layers)
    widened = tuple(max(n, data.n_outputs) for n in layers)
    if widened != tuple(layers):
        ui.note(
            f"baseline layers {'-'.join(map(str, widened))}: the default "
            f"{'-'.join(map(str, layers))} widened to the {data.n_outputs} outputs (--layers "
            "sets them)"
        )
    return widened


@cli.command("run", short_help="The whole basic recipe: steps, summary, HTML report, model.")
@data_options(default_dataset="football")
@click.option(
    "--bayes-error",
    type=click.FloatRange(0.0),
    help="Human-level (Bayes) error: a rate 0-1, or for regression a mean squared error "
    "[default: the embedded dataset's, where its construction fixes it (football: 6%); "
    "otherwise unknown, 0 assumed].",
)
@click.option(
    "--budget",
    type=Budget(),
    default=RUN_BUDGET,
    show_default=True,
    help="Wall time (90s, 5m, 1h) of the recipe: no new step starts after it, and trainings "
    "still running are stopped (reading the file and writing the report come on top, "
    "seconds); or a number of trainings (40).",
)
@click.option(
    "--dev-from",
    type=click.Choice(DEV_SOURCES),
    default="auto",
    show_default=True,
    help="With --test-data and no --dev-data: split dev off the training data, or off the test "
    "data (its halves become dev and test: the lecture's rule when the test data are what you "
    "care about and the training data differ); auto does the latter when the test labels are "
    "distributed differently from the training labels.",
)
@click.option(
    "--layers",
    type=IntList(),
    default="20,3",
    show_default=True,
    help="The baseline's hidden layer sizes (the default's are widened to at least the number "
    "of classes).",
)
@click.option(
    "--activation",
    type=click.Choice(ACTIVATIONS, case_sensitive=False),
    default="relu",
    show_default=True,
    help="Hidden activation.",
)
@click.option(
    "--optimizer",
    type=click.Choice(OPTIMIZERS, case_sensitive=False),
    default="adam",
    show_default=True,
    help="The baseline's optimizer (with gd, the recipe may switch to Adam).",
)
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0.0, min_open=True),
    help=f"The baseline's step size [default: {learning_rate_help('run')}].",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    help=f"The baseline's epochs (the recipe may train longer against bias) [default: {EPOCHS} "
    f"at full batch; over mini-batches as many as see {EPOCHS * FULL_BATCH_ROWS:,} examples, "
    f"at least {MIN_EPOCHS}].",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help=f"Mini-batch size [default: the course's rule, the whole training set up to "
    f"{FULL_BATCH_ROWS:,} examples, {MINI_BATCH} above].",
)
@click.option(
    "--image-flip",
    is_flag=True,
    help="Image augmentation also mirrors images left to right: for photos (a cat is a cat "
    "either way), not for digits or letters, whose mirror image is another symbol.",
)
@click.option(
    "--jobs",
    type=int,
    default=-1,
    show_default=True,
    callback=check_cores,
    help="Local worker processes for the sweeps (-1: every core).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run the sweeps on a Dask cluster (tcp://host:8786); needs deeprecipe[dask].",
)
@device_options
@seed_option
@out_option(
    "Folder for report.html, its PNGs, results.json, model.safetensors and the trial "
    "record (run again with the same --out to resume)."
)
@output_options
def run_command(ui: UI, **options: Any) -> None:
    """Run the basic recipe: split, normalize, gradient-check, train a baseline, then fix
    bias (bigger network, longer training, Adam) and variance (L2, dropout, augmentation,
    early stopping), choosing every step by dev error; measure the test set once; write the
    report and the chosen model.

    \b
    Examples:
      deeprecipe run
      deeprecipe run --dataset digits --budget 5m --out runs/digits
      deeprecipe run --data my.csv --target label --bayes-error 0.02
      deeprecipe run --data train.csv --test-data test.csv --target y --cluster tcp://host:8786
    """
    from deeprecipe.errors import DeepRecipeError
    from deeprecipe.recipe import Recipe

    data = prepare(
        dataset=options["dataset"],
        data_file=options["data_file"],
        target=options["target"],
        dev_data=options["dev_data"],
        test_data=options["test_data"],
        dev_size=options["dev_size"],
        test_size=options["test_size"],
        task=options["task"],
        seed=options["seed"],
        dev_from=options["dev_from"],
        **reading(options),
    )
    if len(data.X_test) == 0:  # passed on as None, a test set was split off the training rows
        raise DeepRecipeError(
            "the test set is empty; accepted: --test above 0 or --test-data FILE (the recipe "
            "reads its test set once, at the end)"
        )
    bayes_error = options["bayes_error"]
    from_dataset = bayes_error is None and data.bayes_error is not None
    if from_dataset:
        bayes_error = data.bayes_error
    folder = run_folder(options["out_dir"], create=False)
    settings = {
        "task": data.task,
        "bayes_error": bayes_error,
        "hidden": _baseline_layers(options["layers"], data, ui),
        "activation": options["activation"],
        "optimizer": options["optimizer"],
        "learning_rate": options["learning_rate"] or learning_rate("run", options["optimizer"]),
        "epochs": options["epochs"] or "auto",
        "batch_size": options["batch_size"] or "auto",
        "max_trainings": options["budget"][0],
        "max_seconds": options["budget"][1],
        "seed": options["seed"],
        # the dev set drawn from the test data here: the recipe reads it as such
        "dev_from": "test" if data.dev_from_test else options["dev_from"],
        "n_jobs": options["jobs"],
        "cluster": options["cluster"],
        "device": options["device"],
        "backend": options["backend"],
        "record_dir": str(folder / TRIALS_FOLDER),
    }
    if data.image_shape is not None:
        settings["image_flip"] = options["image_flip"]
    elif options["image_flip"]:
        raise DeepRecipeError(
            "--image-flip mirrors images, but the rows are not images; accepted: --image-shape "
            "H,W[,C] with it, or an .npz of images"
        )
    progress = ProgressView(None, *options["budget"])
    owner = RunFolder(folder, "run", data, {k: settings[v] for k, v in SAME_RUN.items()})

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "run_start":  # every setting and the cluster accepted
            owner.claim()
        progress(event)

    recipe = Recipe(on_event=on_event, **settings)  # checks every setting before any file
    for note in data.notes:  # after the checks: a refused option stays a one-line error
        ui.warn(note)
    if data.image_shape is not None:
        shape = "x".join(map(str, data.image_shape))
        flips = ", flips" if options["image_flip"] else " (--image-flip adds flips)"
        ui.note(
            f"rows read as {shape} images: the variance steps may augment them (shifts, "
            f"rotations, zoom{flips})"
        )
    if from_dataset:
        ui.note(
            f"Bayes error {bayes_error:.0%}: {data.name}'s labels are flipped at that rate by "
            "construction (--bayes-error overrides)"
        )
    if folder.exists() and not folder.is_dir():
        raise DeepRecipeError(f"--out {folder} is a file; accepted: a folder (created if absent)")
    if owner.open(overwrite=options["overwrite"]):  # another run's folder is refused
        note = resume_note(folder / TRIALS_FOLDER, settings["max_trainings"])
        if note:
            ui.note(note)
    with ui.progress() as bars:  # the folder appears with the run_start event
        progress.bars = bars
        result = recipe.run(
            data.X_train,
            data.labels(data.y_train),
            X_dev=data.X_dev,
            y_dev=data.labels(data.y_dev),
            X_test=data.X_test,
            y_test=data.labels(data.y_test),
            image_shape=data.image_shape,
            feature_names=data.feature_names,
            random_parts=data.random_parts,
            schema=data.schema,
        )
    folder.mkdir(parents=True, exist_ok=True)
    with owner.committing():  # results.json last; a write error names its file
        report_path, model_path = _write(folder, result, data)
    _summary(ui, result, data)
    ui.say(f"Model: {model_path}")
    ui.say(f"Report: {report_path}")
    summary = result.to_dict()
    ui.emit_json(
        {
            "report": str(report_path),
            "model": str(model_path),
            "errors": summary["errors"],
            "stopped_because": summary["stopped_because"],
            "steps": [[s.name, s.chosen, s.accepted] for s in result.steps],
            "final": summary["final"]["spec"],
            "trainings": summary["trainings"],
            **{key: summary.get(key) for key in JSON_YARDSTICKS},
        }
    )
