"""``deeprecipe diagnose``: the lecture's bias/variance table from a model's errors."""

from __future__ import annotations

from typing import Any

import click

from deeprecipe._html import Cell
from deeprecipe.cli._options import output_options
from deeprecipe.cli._ui import UI
from deeprecipe.cli.app import cli
from deeprecipe.diagnose.bias_variance import DEFAULT_TOLERANCE
from deeprecipe.errors import DeepRecipeError

ERROR = click.FloatRange(min=0.0)  # a rate (0-1), or with --metric mse any squared error

#: what ``--metric`` names, as the library's ``diagnose(metric=...)`` calls it
METRICS = {"error": "error", "mse": "loss"}


def _table_cell(value: Any) -> Any:
    """A coloured cell of the notebook's table as its text."""
    return value.value if isinstance(value, Cell) else value


@cli.command("diagnose", short_help="Bias or variance? The lecture's table from your errors.")
@click.option(
    "--train-error",
    type=ERROR,
    required=True,
    help="Error on the training set (0-1), or its MSE with --metric mse.",
)
@click.option("--dev-error", type=ERROR, required=True, help="Error on the dev set, like train.")
@click.option(
    "--bayes-error",
    type=ERROR,
    help="Human-level (Bayes) error, 0-1 [default: unknown, 0 assumed].",
)
@click.option(
    "--train-dev-error",
    type=ERROR,
    help="Error on a train-dev set: separates variance from data mismatch.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_TOLERANCE,  # the library's: the CLI must give the lecture's answers too
    show_default=True,
    help="A gap above this (and above 10% of its reference error) is high; with --metric mse, "
    "a share of --target-variance.",
)
@click.option(
    "--metric",
    type=click.Choice(list(METRICS)),
    default="error",
    show_default=True,
    help="error: error rates (0-1); mse: a regression's mean squared errors.",
)
@click.option(
    "--target-variance",
    type=click.FloatRange(min=0.0, min_open=True),
    help="With --metric mse (and needed there): the target's variance (the training mean's "
    "MSE), which the tolerance is a share of, as in the recipe.",
)
@output_options
def diagnose_command(
    ui: UI,
    train_error: float,
    dev_error: float,
    bayes_error: float | None,
    train_dev_error: float | None,
    tolerance: float,
    metric: str,
    target_variance: float | None,
) -> None:
    """Bias or variance? The lecture's table, from the errors you measured.

    \b
    Examples (the lecture's four cases):
      deeprecipe diagnose --train-error 0.01 --dev-error 0.11     # high variance
      deeprecipe diagnose --train-error 0.15 --dev-error 0.16     # high bias
      deeprecipe diagnose --train-error 0.15 --dev-error 0.30     # both
      deeprecipe diagnose --train-error 0.005 --dev-error 0.01    # neither
      deeprecipe diagnose --train-error 0.08 --dev-error 0.10 --bayes-error 0.075  # variance
      deeprecipe diagnose --train-error 3.1 --dev-error 4.4 --metric mse --target-variance 25
    """
    from deeprecipe.diagnose import diagnose
    from deeprecipe.diagnose.display import diagnosis_rows

    given = {"--train-error": train_error, "--dev-error": dev_error,
             "--bayes-error": bayes_error, "--train-dev-error": train_dev_error}  # fmt: skip
    above = [f"{flag} {value:g}" for flag, value in given.items() if (value or 0) > 1]
    if metric == "error" and above:
        raise DeepRecipeError(
            f"{', '.join(above)} above 1: an error rate is a share of the examples; accepted: "
            "rates in [0, 1], or --metric mse for a regression's mean squared errors"
        )
    if target_variance is not None and metric != "mse":
        raise DeepRecipeError(
            "--target-variance goes with --metric mse; accepted: --metric mse, or no "
            "--target-variance for error rates"
        )
    if metric == "mse" and target_variance is None:  # a tolerance of 0: every gap is high
        raise DeepRecipeError(
            "--metric mse needs --target-variance V, the training targets' variance (the "
            "training mean's MSE): a gap is high when it is above --tolerance times V; "
            "accepted: a positive number"
        )
    absolute = tolerance if target_variance is None else tolerance * target_variance
    d = diagnose(
        train_error,
        dev_error,
        bayes_error,
        train_dev_error,
        bias_tolerance=absolute,
        variance_tolerance=absolute,
        mismatch_tolerance=absolute,
        metric=METRICS[metric],
    )
    rows = [[_table_cell(v) for v in row] for row in diagnosis_rows(d.to_dict(), "MSE")]
    ui.table(
        f"Diagnosis: {d.label}",
        ["", "value", "verdict"],
        rows,
        caption="; ".join(d.notes) or None,
    )
    ui.say("Next: " + "; ".join(d.actions))
    ui.emit_json(d.to_dict())
