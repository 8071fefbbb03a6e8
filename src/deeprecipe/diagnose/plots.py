"""Headless matplotlib drawings of the diagnosis results.

Figures are made with :class:`matplotlib.figure.Figure` directly, never through ``pyplot``: no
global state is touched, no window opens, no backend has to be chosen, and a figure is freed
when its last reference goes. Each function draws on the ``ax`` it is given (then returns its
figure) or on a new figure, which it returns; save it with ``fig.savefig("curve.png")``.
matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from deeprecipe.diagnose.curves import Curve
    from deeprecipe.diagnose.health import HealthReport
    from deeprecipe.diagnose.initialization import InitializationComparison

_METRIC_LABEL = {"error": "error rate", "mse": "mean squared error"}
_PARAM_LABEL = {
    "n_train": "training-set size m",
    "l2": "L2 strength lambda",
    "keep_prob": "dropout keep_prob",
    "fit__learning_rate": "learning rate alpha",
    "fit__epochs": "epochs",
    "fit__batch_size": "mini-batch size",
}


def _new_axes(ax: Any, figsize=(6.0, 4.0)):
    if ax is not None:
        return ax.figure, ax
    from deeprecipe._figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _numeric(values: list[Any]) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in values
    )


def plot_curve(curve: Curve, ax: Any = None, *, title: str | None = None) -> Any:
    """Train and dev error against the size (learning curve) or the value (validation curve),
    with a band of one standard deviation when the curve has several repeats."""
    fig, ax = _new_axes(ax)
    values = list(curve.values)
    numeric = _numeric(values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values))
    for label, mean, std, style in (
        ("train", curve.train_error, curve.train_error_std, "o-"),
        ("dev", curve.dev_error, curve.dev_error_std, "s-"),
    ):
        mean, std = np.asarray(mean), np.asarray(std)
        (line,) = ax.plot(x, mean, style, label=f"{label} {curve.metric}")
        if curve.repeats > 1:
            ax.fill_between(x, mean - std, mean + std, alpha=0.2, color=line.get_color())
    positive = x[x > 0] if numeric else x[:0]
    if positive.size >= 2 and np.all(x >= 0) and positive.max() / positive.min() >= 100:
        if np.all(x > 0):
            ax.set_xscale("log")
        else:  # lambda = 0 beside 0.01 ... 100: linear near 0, logarithmic beyond
            ax.set_xscale("symlog", linthresh=float(positive.min()))
    if not numeric:
        ax.set_xticks(x, [str(v) for v in values])
    if curve.kind == "validation":
        best = curve.best_index
        ax.axvline(x[best], color="grey", linestyle=":", label=f"lowest dev: {values[best]}")
    xlabel = _PARAM_LABEL.get(curve.param_name, curve.param_name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_METRIC_LABEL.get(curve.metric, curve.metric))
    if curve.metric == "error":  # rates read as percentages, as in every table
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    default = "Learning curve" if curve.kind == "learning" else f"Validation curve: {xlabel}"
    ax.set_title(title or default)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_histograms(report: HealthReport, *, title: str | None = None, axes: Any = None) -> Any:
    """One histogram of activations per layer, side by side (Deep Learning from Scratch's
    initialization figure). ``axes`` (a sequence, one per layer) draws into existing axes."""
    n = len(report.layers)
    if axes is None:
        from deeprecipe._figure import Figure

        fig = Figure(figsize=(2.4 * n, 2.6), layout="constrained")
        axes = fig.subplots(1, n, squeeze=False)[0]
    else:
        axes = list(axes)
        fig = axes[0].figure
    for ax, layer in zip(axes, report.layers):
        edges = np.asarray(layer.histogram.edges)
        ax.stairs(layer.histogram.counts, edges, fill=True)
        name = "logits" if layer.layer == n else layer.activation
        ax.set_title(f"layer {layer.layer} ({name})", fontsize="small")
        ax.set_xlabel("activation")
    axes[0].set_ylabel("count")
    fig.suptitle(title or "Activation histograms per layer")
    return fig


def plot_initialization_costs(
    comparison: InitializationComparison, ax: Any = None, *, title: str | None = None
) -> Any:
    """The cost per iteration of each initialization (log scale: zeros' flat 0.693 and large
    random's huge start both show)."""
    fig, ax = _new_axes(ax)
    for name, run in comparison.runs.items():
        cost = np.asarray(run.cost)
        label = f"{name} (train {run.train_accuracy:.3f}, test {run.test_accuracy:.3f})"
        ax.plot(np.arange(1, cost.size + 1), cost, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title or "Cost by initialization")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_initialization_histograms(
    comparison: InitializationComparison, *, when: str = "initial"
) -> Any:
    """A grid of activation histograms: one row per initialization, one column per layer."""
    from deeprecipe._figure import Figure
    from deeprecipe._validation import check_choice

    when = check_choice("when", when, ("initial", "final"))
    runs = list(comparison.runs.values())
    n_layers = len(runs[0].initial_health.layers)
    fig = Figure(figsize=(2.4 * n_layers, 2.2 * len(runs)), layout="constrained")
    grid = fig.subplots(len(runs), n_layers, squeeze=False)
    for row, run in zip(grid, runs):
        report = run.initial_health if when == "initial" else run.final_health
        plot_histograms(report, axes=row)
        row[0].set_ylabel(f"{run.init}\ncount")
    fig.suptitle(
        f"Activation histograms ({'at initialization' if when == 'initial' else 'after training'})"
    )
    return fig
