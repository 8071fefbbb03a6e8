"""``deeprecipe diagnose``: the lecture's bias/variance table from a model's errors."""

from __future__ import annotations

from typing import Any

import click

from deeprecipe.cli._options import output_options
from deeprecipe.cli._ui import UI, percent
from deeprecipe.cli.app import cli
from deeprecipe.diagnose.bias_variance import DEFAULT_TOLERANCE

ERROR = click.FloatRange(0.0, 1.0)


def diagnosis_rows(d: Any) -> list[list[str]]:
    """The table rows of a :class:`~deeprecipe.diagnose.Diagnosis`: errors, then gaps."""
    bayes = percent(d.bayes_error) + (" (assumed)" if d.bayes_error_assumed else "")
    rows = [["Bayes (human-level) error", bayes, ""], ["train error", percent(d.train_error), ""]]
    if d.train_dev_error is not None:
        rows.append(["train-dev error", percent(d.train_dev_error), ""])
    rows.append(["dev error", percent(d.dev_error), ""])

    def verdict(high: bool) -> str:
        return "HIGH" if high else "ok"

    rows.append(
        [
            "avoidable bias (train - Bayes)",
            percent(d.avoidable_bias),
            f"{verdict(d.high_bias)} (threshold {percent(d.bias_threshold)})",
        ]
    )
    base = "train-dev" if d.train_dev_error is not None else "dev"
    variance_verdict = f"{verdict(d.high_variance)} (threshold {percent(d.variance_threshold)})"
    rows.append([f"variance ({base} - train)", percent(d.variance), variance_verdict])
    if d.data_mismatch is not None:
        rows.append(
            [
                "data mismatch (dev - train-dev)",
                percent(d.data_mismatch),
                f"{verdict(d.high_mismatch)} (threshold {percent(d.mismatch_threshold)})",
            ]
        )
    return rows


@cli.command("diagnose", short_help="Bias or variance? The lecture's table from your errors.")
@click.option("--train-error", type=ERROR, required=True, help="Error on the training set (0-1).")
@click.option("--dev-error", type=ERROR, required=True, help="Error on the dev set (0-1).")
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
    help="A gap above this (and above 10% of its reference error) is high.",
)
@output_options
def diagnose_command(
    ui: UI,
    train_error: float,
    dev_error: float,
    bayes_error: float | None,
    train_dev_error: float | None,
    tolerance: float,
) -> None:
    """Bias or variance? The lecture's table, from the errors you measured.

    \b
    Examples (the lecture's four cases):
      deeprecipe diagnose --train-error 0.01 --dev-error 0.11     # high variance
      deeprecipe diagnose --train-error 0.15 --dev-error 0.16     # high bias
      deeprecipe diagnose --train-error 0.15 --dev-error 0.30     # both
      deeprecipe diagnose --train-error 0.005 --dev-error 0.01    # neither
      deeprecipe diagnose --train-error 0.08 --dev-error 0.10 --bayes-error 0.075  # variance
    """
    from deeprecipe.diagnose import diagnose

    d = diagnose(
        train_error,
        dev_error,
        bayes_error,
        train_dev_error,
        bias_tolerance=tolerance,
        variance_tolerance=tolerance,
        mismatch_tolerance=tolerance,
    )
    ui.table(
        f"Diagnosis: {d.label}",
        ["", "value", "verdict"],
        diagnosis_rows(d),
        caption="; ".join(d.notes) or None,
    )
    ui.say("Next: " + "; ".join(d.actions))
    ui.emit_json(d.to_dict())
