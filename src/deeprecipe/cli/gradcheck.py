"""``deeprecipe gradcheck``: prove a network's backprop, tensor by tensor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from deeprecipe.cli._data import prepare, reading
from deeprecipe.cli._options import data_options, device_options, output_options, seed_option
from deeprecipe.cli._training import network_for, network_spec, scaled, trained_targets
from deeprecipe.cli._ui import UI, fmt
from deeprecipe.cli.app import EXIT_CHECK_FAILED, cli
from deeprecipe.cli.train import network_options
from deeprecipe.errors import DeepRecipeError


def gradcheck_rows(check: dict[str, Any]) -> list[list[str]]:
    """Rows of the per-tensor table from ``GradcheckResult.to_dict()``."""
    return [
        [
            t["name"],
            "x".join(map(str, t["shape"])),
            f"{t['n_checked']}/{t['n_entries']}",
            fmt(t["difference"]),
            t["verdict"]
            + ("  <- FAILING" if t["failing"] else "")
            + (" (rounding noise)" if t.get("rounding_noise") else ""),
        ]
        for t in check["per_tensor"]
    ]


def show_check(ui: UI, check: dict[str, Any]) -> None:
    """The per-tensor table and the worst entries of one check."""
    title = (
        f"Gradient check {check['label']}: difference {fmt(check['difference'])} -> "
        f"{check['reading']}"
    )
    caption = (
        f"{check['mode']} mode, {check['n_checked']} of {check['n_parameters']} entries, "
        f"eps {check['eps']:g}, dropout {check['dropout']}"
    )
    ui.table(
        title,
        ["tensor", "shape", "checked", "difference", "verdict"],
        gradcheck_rows(check),
        caption=caption,
    )
    if not check["passed"] and check["worst"]:
        rows = [
            [
                w["tensor"],
                str(tuple(w["index"])),
                f"{w['analytic']:.6e}",
                f"{w['numerical']:.6e}",
                fmt(w["abs_error"]),
            ]
            for w in check["worst"][:5]
        ]
        ui.table("Worst entries", ["tensor", "index", "analytic", "numerical", "abs error"], rows)
    for note in check.get("notes", []):
        ui.note(f"note: {note}")


def _refuse_network_options_with_a_model() -> None:
    """--layers, --l2, ... describe a new network: with --model they would be silently ignored."""
    ctx = click.get_current_context()
    given = [
        f"--{name.replace('_', '-')}"
        for name in ("layers", "activation", "init", "l2", "keep_prob")
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
    ]
    if given:
        raise click.UsageError(
            f"{', '.join(given)} describe(s) a new network, but --model checks the saved one; "
            "accepted: --model alone, or the network options without --model"
        )


def _network_and_inputs(options: dict[str, Any]):
    """The network to check and the (normalized) examples to check it on."""
    if options["model_path"] is None:
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
        net = network_for(
            network_spec(options), data, backend=options["backend"], device=options["device"]
        )
        _, X = scaled(data, "standardize")
        # a regression's targets as training reads them, (y - mean) / std: against raw
        # targets of 6e4 an untrained network's check read 'suspicious' (longley)
        targets, _, _ = trained_targets(data)
        return net, X["train"], targets["train"], data.name

    from deeprecipe.cli.predict import _read_inputs
    from deeprecipe.data import load_dataset
    from deeprecipe.io import load_model

    model = load_model(options["model_path"], backend=options["backend"], device=options["device"])
    meta = model.metadata or {}
    if options["data_file"] is not None:
        ds, _ = _read_inputs(Path(options["data_file"]), meta)
        if ds.y is None:
            raise DeepRecipeError(
                f"{options['data_file']} lacks the target column the model was trained on"
            )
    else:
        name = options["dataset"] or (meta.get("data") or {}).get("dataset")
        if not name:
            raise DeepRecipeError("with --model, give the data to check on: --data FILE")
        ds = load_dataset(name, seed=options["seed"])
    X = model.inputs(ds.X)
    return model.network, X, ds.y, ds.name


@cli.command("gradcheck", short_help="Check backprop against numerical gradients, per tensor.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check a saved model instead of a new network built from the options.",
)
@data_options(default_dataset="football")
@network_options
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="How many training examples the cost is measured on.",
)
@click.option(
    "--mode",
    type=click.Choice(["full", "sampled", "directional"]),
    default="full",
    show_default=True,
    help="Every entry, a random sample of each tensor, or random directions.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Entries per tensor in sampled mode.",
)
@click.option(
    "--directions",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Random directions per tensor in directional mode.",
)
@click.option(
    "--dropout",
    type=click.Choice(["off", "frozen"]),
    default="off",
    show_default=True,
    help="Turn dropout off (the course's advice) or freeze its masks so that its "
    "backward is checked too.",
)
@click.option(
    "--eps",
    type=click.FloatRange(min=0.0, min_open=True),
    default=1e-7,
    show_default=True,
    help="The finite-difference step.",
)
@click.option(
    "--after-epochs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also train this many epochs (Adam) and check again, as the course advises.",
)
@device_options
@seed_option
@output_options
def gradcheck_command(ui: UI, **options: Any) -> None:
    """Compare backprop with a two-sided numerical gradient, in float64, per tensor.

    The difference ||g_approx - g|| / (||g_approx|| + ||g||) below 1e-7 is great, up to 1e-5
    look again, above 1e-3 likely a bug; the table names the tensors that fail. Exit code 1
    when a check fails.

    \b
    Examples:
      deeprecipe gradcheck --layers 10,5 --dataset iris
      deeprecipe gradcheck --layers 20,3 --l2 0.7 --keep-prob 0.8 --dropout frozen
      deeprecipe gradcheck --layers 256,128 --dataset digits --mode sampled
      deeprecipe gradcheck --model runs/X/model.safetensors --data my.csv
      deeprecipe gradcheck --layers 20,3 --after-epochs 100
      deeprecipe gradcheck --layers 64,32 --dataset digits --device cuda
    """
    from deeprecipe.check import gradcheck
    from deeprecipe.train import fit

    if options["model_path"] is not None:
        _refuse_network_options_with_a_model()
    net, X, y, name = _network_and_inputs(options)
    k = min(options["examples"], len(X))
    X_check, y_check = X[:k], np.asarray(y)[:k]
    settings = {
        "mode": options["mode"],
        "n_samples": options["samples"],
        "n_directions": options["directions"],
        "dropout": options["dropout"],
        "eps": options["eps"],
        "seed": options["seed"],
    }
    checks = [gradcheck(net, X_check, y_check, label="at initialization", **settings).to_dict()]
    if options["model_path"] is not None:
        checks[0]["label"] = "of the saved model"
    if options["after_epochs"]:
        with ui.progress() as bars:
            from deeprecipe.progress import ProgressView
            from deeprecipe.train import PublishEvents

            progress = PublishEvents(ProgressView(bars), epochs=options["after_epochs"])
            fit(
                net,
                X,
                y,
                optimizer="adam",
                epochs=options["after_epochs"],
                seed=options["seed"],
                callbacks=[progress],
                metrics_every=0,
            )
        label = f"after {options['after_epochs']} epochs"
        checks.append(gradcheck(net, X_check, y_check, label=label, **settings).to_dict())

    layers = "-".join(map(str, net.layer_sizes))
    ui.say(f"{name}: network {layers}, {k} examples, L2 {net.l2:g}, keep_prob {net.keep_probs}")
    for check in checks:
        show_check(ui, check)
    passed = all(c["passed"] for c in checks)
    ui.emit_json({"network": net.config, "examples": k, "passed": passed, "checks": checks})
    if not passed:
        raise click.exceptions.Exit(EXIT_CHECK_FAILED)
