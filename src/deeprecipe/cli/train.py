"""``deeprecipe train``: one configuration, trained, measured and saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from deeprecipe.cli._data import prepare, reading
from deeprecipe.cli._options import (
    FloatList,
    IntList,
    data_options,
    device_options,
    out_option,
    output_options,
    run_folder,
    seed_option,
    threads_option,
)
from deeprecipe.cli._run_folder import RunFolder
from deeprecipe.cli._training import (
    error_rows,
    measure_all,
    network_for,
    network_spec,
    save,
    save_split,
    scaled,
    trained_costs,
    trained_targets,
)
from deeprecipe.cli._ui import UI, to_json
from deeprecipe.cli.app import cli
from deeprecipe.defaults import (
    EPOCHS,
    FULL_BATCH_ROWS,
    MINI_BATCH,
    TRAIN_LEARNING_RATE,
    TRAIN_PATIENCE,
    batch_size_for,
)
from deeprecipe.train.targets import TARGET_SCALE

CHECKPOINT_FILE = "checkpoint.safetensors"
#: beside the checkpoint: the options it was trained with, which --resume must repeat
CHECKPOINT_SETTINGS_FILE = "checkpoint_settings.json"
#: what a resumed training must share with the checkpointed one: the data and its split (else
#: the test rows may be rows the network trained on), the network and the optimizer
RESUME_MUST_MATCH = (
    "dataset", "data_file", "target", "dev_data", "test_data", "dev_size", "test_size", "task",
    "seed", "scaler", "layers", "activation", "init", "l2", "keep_prob", "optimizer",
    "learning_rate", "batch_size", "early_stopping", "patience",
)  # fmt: skip
ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid"]
INITS = ["he", "xavier", "glorot", "lecun", "random", "zeros"]
OPTIMIZERS = ["gd", "momentum", "rmsprop", "adam"]


def network_options(command):
    """The architecture and regularization of one network."""
    options = [
        click.option(
            "--layers",
            type=IntList(),
            default="20,3",
            show_default=True,
            help="Hidden layer sizes; the input and output sizes come from the data.",
        ),
        click.option(
            "--activation",
            type=click.Choice(ACTIVATIONS, case_sensitive=False),
            default="relu",
            show_default=True,
            help="Hidden activation.",
        ),
        click.option(
            "--init",
            type=click.Choice(INITS, case_sensitive=False),
            help="Weight initialization [default: He for relu, Xavier for tanh].",
        ),
        click.option(
            "--l2",
            type=click.FloatRange(min=0.0),
            default=0.0,
            show_default=True,
            help="L2 strength lambda in J + lambda/(2m) sum ||W||^2.",
        ),
        click.option(
            "--keep-prob",
            type=FloatList(0.0, 1.0, low_open=True),
            default="1.0",
            show_default=True,
            help="Inverted-dropout keep probability, one value or one per hidden layer "
            "(1 = no dropout).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def training_options(command):
    """How one network is trained."""
    options = [
        click.option(
            "--optimizer",
            type=click.Choice(OPTIMIZERS, case_sensitive=False),
            default="adam",
            show_default=True,
            help="Gradient descent, momentum, RMSprop or Adam.",
        ),
        click.option(
            "--learning-rate",
            type=click.FloatRange(min=0.0, min_open=True),
            default=TRAIN_LEARNING_RATE,
            show_default=True,
            help="The step size alpha.",
        ),
        click.option(
            "--epochs",
            type=click.IntRange(min=1),
            default=EPOCHS,
            show_default=True,
            help="Passes over the training set.",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            help=f"Mini-batch size [default: the course's rule, the whole training set up to "
            f"{FULL_BATCH_ROWS:,} examples, {MINI_BATCH} above].",
        ),
        click.option(
            "--early-stopping/--no-early-stopping",
            default=False,
            show_default=True,
            help="Stop when the dev cost stops improving, and keep the best weights.",
        ),
        click.option(
            "--patience",
            type=click.IntRange(min=1),
            default=TRAIN_PATIENCE,
            show_default=True,
            help="Epochs without improvement before early stopping.",
        ),
        click.option(
            "--checkpoint-every",
            type=click.IntRange(min=1),
            help="Save a checkpoint (weights, optimizer and random state) to "
            "OUT/checkpoint.safetensors every N epochs.",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="Continue the training checkpointed in --out until --epochs epochs in all; "
            "give the same data, network and seed options. The result is bit-identical to "
            "an uninterrupted run.",
        ),
        click.option(
            "--scaler",
            type=click.Choice(["standardize", "minmax", "none"]),
            default="standardize",
            show_default=True,
            help="Input normalization, fitted on the training set only.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command("train", short_help="Train one configuration, print its errors, save the model.")
@data_options(default_dataset="football")
@network_options
@training_options
@device_options
@threads_option
@seed_option
@out_option("Folder for model.safetensors, results.json and cost_curves.png.")
@output_options
def train(ui: UI, **options: Any) -> None:
    """Train one configuration, print its train/dev/test errors, save the model.

    A regression trains on standardized targets, (y - mean) / std with the training split's
    mean and std, as the trials of `deeprecipe run` do: --learning-rate and --l2 then mean the
    same whatever the target's units. The scale is folded into the output layer, so the saved
    model, `predict` and the printed MSEs are in the target's own units; the cost J (the
    table's, the history's) is on the standardized targets, and says so.

    \b
    Examples:
      deeprecipe train
      deeprecipe train --layers 20,3 --l2 0.7 --epochs 3000 --out runs/l2
      deeprecipe train --dataset digits --layers 64 --keep-prob 0.8 --early-stopping
      deeprecipe train --data my.csv --target label --optimizer adam --batch-size 64
      deeprecipe train --epochs 5000 --checkpoint-every 100 --out runs/long
      deeprecipe train --epochs 5000 --checkpoint-every 100 --out runs/long --resume
      deeprecipe train --dataset digits --layers 256,128 --batch-size 256 --device cuda
      deeprecipe train --dataset digits --layers 256,128 --batch-size 1024 --threads -1
    """
    from deeprecipe._threads import check_threads, using_threads
    from deeprecipe.errors import DeepRecipeError
    from deeprecipe.progress import ProgressView
    from deeprecipe.train import EarlyStopping, PublishEvents, Trainer
    from deeprecipe.train.checkpoint import Checkpoint, load_checkpoint
    from deeprecipe.train.targets import rescale_output, scale_record

    if options["resume"] and options["out_dir"] is None:
        raise DeepRecipeError("--resume needs --out: the folder of the checkpointed training")
    if options["resume"] and options["overwrite"]:
        raise DeepRecipeError(
            "--resume continues the checkpoint in --out and --overwrite removes it; accepted: "
            "one of them"
        )

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
        **reading(options),
    )
    spec = network_spec(options)
    if options["batch_size"] is None:  # the course's rule: mini-batches above 2,000 examples
        spec = spec.replace(batch_size=batch_size_for(len(data.X_train)))
    net = network_for(spec, data, backend=options["backend"], device=options["device"])
    scaler_kind = None if options["scaler"] == "none" else options["scaler"]
    scaler, X = scaled(data, scaler_kind)
    # a regression trains on (y - mean) / std, as the recipe's trials do; the scale comes from
    # the training split, which --resume must repeat (so it continues in the same units)
    targets, centre, spread = trained_targets(data)
    target_scale = scale_record(centre, spread)
    folder = run_folder(options["out_dir"], create=False)
    checkpoint_path = folder / CHECKPOINT_FILE
    if options["resume"] and not checkpoint_path.exists():
        raise DeepRecipeError(f"--resume: there is no checkpoint at {checkpoint_path}")

    callbacks = []
    if options["early_stopping"]:
        callbacks.append(EarlyStopping(**spec.early_stopping))
    if options["checkpoint_every"]:
        callbacks.append(Checkpoint(checkpoint_path, every=options["checkpoint_every"]))
    settings = _resume_settings(options)
    if options["resume"]:
        _check_same_settings(folder / CHECKPOINT_SETTINGS_FILE, settings, target_scale)
        trainer = load_checkpoint(checkpoint_path)
        if options["epochs"] < trainer.epoch:
            raise DeepRecipeError(
                f"--epochs {options['epochs']} is below the {trainer.epoch} epochs the "
                f"checkpoint at {checkpoint_path} already ran; accepted: --epochs "
                f"{trainer.epoch} or more (the total to reach)"
            )
        if trainer.network.config != net.config:
            raise DeepRecipeError(
                f"--resume: the checkpoint at {checkpoint_path} holds a different network "
                f"({trainer.network!r}); give the options it was trained with"
            )
        if trainer.network.backend is not net.backend:  # resumed onto this run's device
            trainer.network = trainer.network.to(backend=net.backend)
        net = trainer.network
    else:
        trainer = Trainer(
            net, optimizer=spec.optimizer_instance(), batch_size=spec.batch_size, seed=spec.seed
        )
    trainer.n_threads = None if options["threads"] is None else check_threads(options["threads"])
    owner = RunFolder(folder, "train", data, settings)
    owner.open(overwrite=options["overwrite"])  # another run's folder is refused
    owner.claim()  # only once every option has been accepted
    for note in data.notes:
        ui.warn(note)
    if options["checkpoint_every"] and not options["resume"]:
        from deeprecipe._files import atomic_write_text

        # the checkpoint's weights are in the units of these targets
        checkpointed = {**settings, TARGET_SCALE: target_scale}
        atomic_write_text(folder / CHECKPOINT_SETTINGS_FILE, to_json(checkpointed))
    remaining = max(options["epochs"] - trainer.epoch, 0)
    label = "training" if centre is None else "training on standardized y"
    with ui.progress() as bars:
        trainer.callbacks = [
            *callbacks,
            PublishEvents(ProgressView(bars), epochs=remaining, label=label),
        ]
        history = trainer.history
        if remaining:
            history = trainer.fit(
                X["train"], targets["train"], epochs=remaining, X_dev=X["dev"], y_dev=targets["dev"]
            )
    with using_threads(trainer.n_threads):  # the final measurements too
        costs = trained_costs(net, X, targets)  # J as trained: before the scale is folded in
        # the saved model, predict and the errors in the targets' own units
        rescale_output(net, net.task.fold_scale, centre, spread)
        errors = measure_all(net, X, data, costs)
    config = {
        k: options[k]
        for k in (
            "layers",
            "activation",
            "init",
            "l2",
            "keep_prob",
            "optimizer",
            "learning_rate",
            "epochs",
            "batch_size",
            "early_stopping",
            "patience",
            "scaler",
            "seed",
            "checkpoint_every",
        )
    }
    config["batch_size"] = spec.batch_size  # what trained: the course's rule's, when not given
    with owner.committing():  # results.json last; a write error names its file
        extra = {"config": config, "errors": errors}
        if target_scale is not None:  # what DeepRegressor.load continues training in
            extra[TARGET_SCALE] = target_scale
        model_path = save(folder, net, scaler, data, extra)
        save_split(folder, data, options["seed"])
        result = {
            "model": str(model_path),
            "data": data.describe(),
            "network": net.config,
            "config": config,
            "errors": errors,
            TARGET_SCALE: target_scale,
            # as a recipe trial's record: what turns the history's MSEs into y's units
            "target_variance": None if spread is None else (spread**2).tolist(),
            "epochs_run": len(history),
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
            "diverged": history.diverged,
            "message": history.message,
            "history": history.to_dict(),
        }
        _write_outputs(folder, result)

    if history.message:
        ui.note(f"Note: {history.message}")
    columns, rows = error_rows(errors, data.task, standardized=centre is not None)
    layers = "-".join(map(str, net.layer_sizes))
    ran = f"{len(history)} epoch{'s' if len(history) != 1 else ''}"
    if history.stopped_early:
        ran += f", stopped early: the weights of epoch {history.best_epoch}"
    ui.table(f"{data.name}: network {layers}, {ran}", columns, rows)
    ui.say(f"Model saved to {model_path}")
    ui.emit_json({k: v for k, v in result.items() if k != "history"})


def _write_outputs(folder: Path, result: dict[str, Any]) -> None:
    from deeprecipe._files import atomic_write_bytes as write_bytes
    from deeprecipe._files import atomic_write_text as write_text
    from deeprecipe.report.figures import cost_curves, png_bytes
    from deeprecipe.report.from_recipe import target_variance

    # a regression trained on standardized targets: the cost says so, the MSEs are in y's units
    variances = None if result[TARGET_SCALE] is None else {"training": target_variance(result)}
    figure = cost_curves({"training": result["history"]}, target_variances=variances)
    write_bytes(folder / "cost_curves.png", png_bytes(figure))
    write_text(folder / "results.json", to_json(result))  # last: the folder is complete


def _resume_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The options a resumed training must repeat, as plain JSON data (file paths resolved)."""
    settings = {}
    for name in RESUME_MUST_MATCH:
        value = options.get(name)
        if name in ("data_file", "dev_data", "test_data") and value is not None:
            value = str(Path(value).resolve())
        settings[name] = list(value) if isinstance(value, tuple) else value
    return json.loads(to_json(settings))


def _check_same_settings(
    path: Path, settings: dict[str, Any], target_scale: dict[str, Any] | None
) -> None:
    """Refuse a --resume whose options differ from the checkpointed training's, and one of a
    regression checkpointed in other units (before its targets were standardized, or on
    another scale)."""
    from deeprecipe.errors import DeepRecipeError

    if not path.exists():
        if target_scale is not None:
            raise DeepRecipeError(
                f"--resume: the checkpoint in {path.parent} records no target scale: an older "
                "deeprecipe trained it on the raw targets, and this one trains a regression on "
                "standardized targets; accepted: a new training (without --resume)"
            )
        return  # a checkpoint from before the settings were recorded: the network check remains
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DeepRecipeError(f"--resume: cannot read {path} ({exc})") from None
    flags = {p.name: p.opts[0] for p in click.get_current_context().command.params}
    for name, value in settings.items():
        if name in saved and saved[name] != value:
            raise DeepRecipeError(
                f"--resume: {flags.get(name, name)} is {value!r} but the checkpoint was trained "
                f"with {saved[name]!r}; accepted: the same data, split, network and optimizer "
                "options (a different split could put training rows in the test set)"
            )
    # the same options split the same training rows, hence the same scale: this catches the
    # checkpoint of an older deeprecipe (raw targets) and a data file changed since
    if target_scale is not None and saved.get(TARGET_SCALE) != json.loads(to_json(target_scale)):
        trained = saved.get(TARGET_SCALE)
        raise DeepRecipeError(
            "--resume: the checkpoint was trained on "
            + ("the raw targets (an older deeprecipe)" if trained is None else
               f"targets standardized by mean {trained['mean']}, std {trained['std']}")
            + f", and this training standardizes them by mean {target_scale['mean']}, std "
            f"{target_scale['std']}; accepted: a new training (without --resume)"
        )  # fmt: skip
