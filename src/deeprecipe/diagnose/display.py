"""How the diagnosis results show in a notebook (``_repr_html_``): the lecture's bias/variance
table, curves as a table beside their plot, per-layer health with its histograms, and the
comparison of initializations. Error rates read as percentages, losses as plain numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from deeprecipe._html import Cell, block, error_format, figure_img, paragraph, percent, table
from deeprecipe.diagnose.bias_variance import SCALE_SHOWN

if TYPE_CHECKING:
    from deeprecipe.diagnose.bias_variance import Diagnosis
    from deeprecipe.diagnose.curves import Curve
    from deeprecipe.diagnose.health import HealthReport
    from deeprecipe.diagnose.initialization import InitializationComparison


def _flag(high: bool, threshold: str) -> Cell:
    return Cell(
        f"{'HIGH' if high else 'ok'} (threshold {threshold})", "bad" if high else "good", bold=high
    )


def diagnosis_rows(d: Mapping[str, Any], loss_name: str = "loss") -> list[list[object]]:
    """The lecture's table from a diagnosis (``Diagnosis.to_dict()``): Bayes, train
    (train-dev), dev, then the gaps with their verdicts in colour. Rates read as percentages,
    a regression's mean squared errors as numbers (``loss_name`` names that loss). The report's
    table and ``deeprecipe diagnose``'s are this one too."""
    show = error_format(d.get("metric", "error"))
    what = "error" if d.get("metric", "error") == "error" else loss_name
    bayes = show(d["bayes_error"]) + (" (assumed)" if d.get("bayes_error_assumed") else "")
    if d.get("bayes_source") == "estimated":
        bayes += " (estimated: the best reference's dev error)"
    rows: list[list[object]] = [
        [f"Bayes (human-level) {what}", bayes, ""],
        [f"train {what}", show(d["train_error"]), ""],
    ]
    scale = d.get("train_scale", 1.0)
    if abs(scale - 1.0) > SCALE_SHOWN:  # the gaps read it at dev's scale (see diagnose)
        rows[-1][1] = f"{show(d['train_error'])} ({show(d['train_error'] / scale)} at dev's scale)"
    if d.get("train_dev_error") is not None:
        rows.append([f"train-dev {what}", show(d["train_dev_error"]), ""])
    rows.append([f"dev {what}", show(d["dev_error"]), ""])
    rows.append(
        [
            "avoidable bias (train - Bayes)",
            show(d["avoidable_bias"]),
            _flag(d["high_bias"], show(d["bias_threshold"])),
        ]
    )
    base = "train-dev" if d.get("train_dev_error") is not None else "dev"
    rows.append(
        [
            f"variance ({base} - train)",
            show(d["variance"]),
            _flag(d["high_variance"], show(d["variance_threshold"])),
        ]
    )
    if d.get("data_mismatch") is not None:
        rows.append(
            [
                "data mismatch (dev - train-dev)",
                show(d["data_mismatch"]),
                _flag(d["high_mismatch"], show(d["mismatch_threshold"])),
            ]
        )
    if d.get("unscaled_label"):  # the verdict above rests on the training error's scale
        rows.append([f"verdict with the train {what} as measured", d["unscaled_label"], ""])
    return rows


def diagnosis_html(d: Diagnosis) -> str:
    color = "good" if d.focus is None else "bad"
    parts = [
        table(["", "value", "verdict"], diagnosis_rows(d.to_dict())),
        paragraph(f"Next: {'; '.join(d.actions)}.", color, bold=True),
        *(paragraph(note, "#57606a") for note in d.notes),
    ]
    return block(f"Diagnosis: {d.label}", *parts)


def curve_html(curve: Curve) -> str:
    show = error_format("error" if curve.metric == "error" else "loss")
    best = getattr(curve, "best_index", None)
    rows = [
        [str(v), show(train), show(dev)]
        for v, train, dev in zip(curve.values, curve.train_error, curve.dev_error)
    ]
    name = "training examples m" if curve.kind == "learning" else curve.param_name
    what = "error" if curve.metric == "error" else curve.metric
    repeats = f", mean of {curve.repeats} repeats" if curve.repeats > 1 else ""
    title = (
        "Learning curve" if curve.kind == "learning" else f"Validation curve: {curve.param_name}"
    )
    parts = [
        table(
            [name, f"train {what}", f"dev {what}"],
            rows,
            caption=f"{len(rows)} points{repeats}",
            highlight=[] if best is None else [best],
        ),
        figure_img(curve.plot(), title, width=480),
    ]
    if best is not None:
        parts.append(paragraph(f"lowest dev {what}: {curve.param_name} = {curve.values[best]}"))
    return block(title, *parts)


def health_html(report: HealthReport) -> str:
    rows = []
    n = len(report.layers)
    for layer in report.layers:
        rows.append(
            [
                f"{layer.layer}" + (" (output)" if layer.layer == n else ""),
                layer.activation,
                layer.n_units,
                layer.a_mean,
                layer.a_std,
                percent(layer.dead_fraction) if layer.dead_fraction is not None else "-",
                percent(layer.saturated_fraction) if layer.saturated_fraction is not None else "-",
                layer.grad_norm_W,
                "-" if layer.grad_to_weight is None else layer.grad_to_weight,
            ]
        )
    columns = [
        "layer",
        "activation",
        "units",
        "mean a",
        "std a",
        "dead",
        "saturated",
        "||dW||",
        "||dW|| / ||W||",
    ]
    ratio = report.signal_ratio  # what the gradient-flow warnings read
    caption = f"cost {report.cost:.4g}"
    if ratio is not None:
        caption += f"; ||dZ[1]|| / ||dZ[{len(report.layers) - 1}]|| = {ratio:.3g}"
    parts = [
        table(columns, rows, caption=caption),
        figure_img(report.plot_histograms(), "activation histograms per layer"),
    ]
    if report.ok:
        parts.append(paragraph("No vanishing or exploding activations or gradients.", "good"))
    parts += [paragraph(f"Warning: {w.message}", "bad") for w in report.warnings]
    return block("Network health", *parts)


def initialization_html(comparison: InitializationComparison) -> str:
    best = comparison.ranking[0]
    rows = [
        [
            name,
            percent(run.train_accuracy),
            percent(run.test_accuracy),
            f"{run.cost[0]:.4g} -> {run.cost[-1]:.4g}" if run.cost else "-",
            Cell("yes" if run.breaks_symmetry else "no", "good" if run.breaks_symmetry else "bad"),
        ]
        for name, run in comparison.runs.items()
    ]
    names = list(comparison.runs)
    parts = [
        table(
            ["init", "train accuracy", "test accuracy", "cost (first -> last)", "breaks symmetry"],
            rows,
            highlight=[names.index(best)],
        ),
        figure_img(comparison.plot_costs(), "cost per iteration by initialization", width=520),
        paragraph(f"Best on the test set: {best}.", bold=True),
    ]
    return block("Initializations compared", *parts)
