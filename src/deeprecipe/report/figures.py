"""The report's plots, drawn headless from plain data (lists and arrays, no models).

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot (no global state,
no display needed; PNGs come from the Agg renderer), titled, with labelled axes and a legend.
:func:`png_bytes` turns one into PNG bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from deeprecipe._figure import Figure
from deeprecipe._html import png_bytes  # noqa: F401  (the report's PNGs, one home)

TRAIN_COLOR, DEV_COLOR, EXTRA_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c"
#: the colors of the two classes in decision-boundary plots (and of the filled regions)
CLASS_COLORS = ("#d62728", "#1f77b4")


def _values(seq: Sequence[Any] | None) -> np.ndarray:
    """A list with ``None`` for unmeasured epochs, as floats with NaN (lines skip the gaps)."""
    if seq is None:
        return np.array([], dtype=float)
    return np.array([np.nan if v is None else float(v) for v in seq], dtype=float)


def _has(values: np.ndarray) -> bool:
    return values.size > 0 and bool(np.isfinite(values).any())


def _error_axis(ax: Any, error_format: str, units: str = "") -> None:
    """The y axis of an error: rates in percent (``"error"``), a regression's MSE as numbers
    (``units`` says when they are not the targets' own)."""
    if error_format == "error":
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("error rate")
    else:
        ax.set_ylabel("mean squared error" + units)


def _show(value: float, error_format: str) -> str:
    return f"{100 * value:.2f}%" if error_format == "error" else f"{value:.4g}"


def _history_format(histories: Mapping[str, Mapping[str, Any]]) -> str:
    """The error format of what the histories measured: ``"loss"`` for a regression's MSE."""
    return "loss" if any(h.get("metric") == "mse" for h in histories.values()) else "error"


def _error_factors(
    labels: Sequence[str], target_variances: Mapping[str, float | None] | None
) -> dict[str, float] | None:
    """Per history, what turns its errors into the targets' units: 1 when they are in them,
    its targets' variance when it trained on standardized ones; None when a variance is
    missing (then every curve of the axis stays standardized: one axis, one unit)."""
    if target_variances is None:
        return dict.fromkeys(labels, 1.0)
    variances = [target_variances.get(label) for label in labels]
    if None in variances:
        return None
    return {label: float(v) for label, v in zip(labels, variances)}


def cost_curves(
    histories: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "",
    error_format: str | None = None,
    target_variances: Mapping[str, float | None] | None = None,
) -> Figure:
    """Cost (left) and error (right) per epoch, train solid and dev dashed, for each history.

    ``histories`` maps a label (``baseline``, ``chosen``) to a ``History.to_dict()``;
    ``error_format`` (``"error"`` or ``"loss"``) defaults to the one they measured in.
    ``target_variances`` (label -> the variance of its training targets) says they were
    trained on standardized targets (the recipe's regressions). The cost is then the training
    objective in those units, and labelled so; each history's errors times its variance are
    MSEs in the targets' own units, the tables' figures; without every variance, the errors
    stay standardized, and are labelled so.
    """
    error_format = error_format or _history_format(histories)
    units = "" if target_variances is None else " (standardized targets)"
    factors = _error_factors(list(histories), target_variances)
    figure = Figure(figsize=(10, 4))
    ax_cost, ax_err = figure.subplots(1, 2)
    colors = [TRAIN_COLOR, DEV_COLOR, EXTRA_COLOR, "#9467bd", "#8c564b"]
    for k, (label, h) in enumerate(histories.items()):
        color = colors[k % len(colors)]
        epochs = np.asarray(h.get("epoch") or range(1, len(h.get("cost", [])) + 1))
        for ax, train_key, dev_key, factor in (
            (ax_cost, "cost", "dev_cost", 1.0),
            (ax_err, "train_error", "dev_error", factors[label] if factors else 1.0),
        ):
            train = factor * _values(h.get(train_key))
            dev = factor * _values(h.get(dev_key))
            mask = np.isfinite(train) if train.size else None
            if _has(train):
                ax.plot(epochs[mask], train[mask], color=color, label=f"{label}: train")
            if _has(dev):
                ok = np.isfinite(dev)
                ax.plot(epochs[ok], dev[ok], color=color, linestyle="--", label=f"{label}: dev")
        if h.get("best_epoch"):
            ax_cost.axvline(
                h["best_epoch"],
                color=color,
                linestyle=":",
                linewidth=1,
                label=f"{label}: best epoch {h['best_epoch']}",
            )
    # the training figures are running means of each epoch's mini-batches (History); say so
    running = " (train: mean over the epoch's batches)"
    ax_cost.set(title="Cost J per epoch" + running, xlabel="epoch", ylabel="cost J" + units)
    errors_running = any(h.get("train_metrics") == "running" for h in histories.values())
    ax_err.set(title="Error per epoch" + (running if errors_running else ""), xlabel="epoch")
    _error_axis(ax_err, error_format, "" if factors else units)
    for ax in (ax_cost, ax_err):
        ax.title.set_fontsize("medium")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def validation_curve(
    parameter: str,
    values: Sequence[float],
    train_errors: Sequence[float | None],
    dev_errors: Sequence[float | None],
    *,
    log_x: bool = False,
    chosen: float | None = None,
    title: str | None = None,
    error_format: str = "error",
) -> Figure:
    """Train and dev error against one hyperparameter (lambda on a log axis, keep_prob linear)."""
    figure = Figure(figsize=(6, 4))
    ax = figure.subplots()
    x = np.asarray(values, dtype=float)
    order = np.argsort(x)
    train, dev = _values(train_errors)[order], _values(dev_errors)[order]
    x = x[order]
    if log_x and (x > 0).all():
        ax.set_xscale("log")
    elif log_x:  # lambda = 0 cannot sit on a log axis: symlog keeps it
        positive = x[x > 0]
        ax.set_xscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
    ax.plot(x, train, "o-", color=TRAIN_COLOR, label="train error")
    ax.plot(x, dev, "s--", color=DEV_COLOR, label="dev error")
    if chosen is not None:
        ax.axvline(chosen, color="gray", linestyle=":", label=f"chosen {parameter} = {chosen:g}")
    ax.set(title=title or f"Validation curve: {parameter}", xlabel=parameter)
    _error_axis(ax, error_format)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def learning_curve(
    sizes: Sequence[int],
    train_errors: Sequence[float | None],
    dev_errors: Sequence[float | None],
    *,
    bayes_error: float | None = None,
    title: str = "Learning curve",
    error_format: str = "error",
) -> Figure:
    """Train and dev error against the number of training examples (would more data help?)."""
    figure = Figure(figsize=(6, 4))
    ax = figure.subplots()
    ax.plot(sizes, _values(train_errors), "o-", color=TRAIN_COLOR, label="train error")
    ax.plot(sizes, _values(dev_errors), "s--", color=DEV_COLOR, label="dev error")
    if bayes_error is not None:
        ax.axhline(
            bayes_error,
            color="gray",
            linestyle=":",
            label=f"Bayes error {_show(bayes_error, error_format)}",
        )
    ax.set(title=title, xlabel="training examples m")
    _error_axis(ax, error_format)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def step_errors(
    labels: Sequence[str],
    train_errors: Sequence[float | None],
    dev_errors: Sequence[float | None],
    *,
    title: str = "Errors after each recipe step",
    error_format: str = "error",
) -> Figure:
    """Grouped bars, each with its value on top: train and dev error of the model kept after
    each step. The legend sits beside the axes, where it can cover no bar."""
    figure = Figure(figsize=(max(6, 1.2 * len(labels) + 3), 4))
    ax = figure.subplots()
    x = np.arange(len(labels))
    for offset, values, color, label in (
        (-0.2, train_errors, TRAIN_COLOR, "train error"),
        (0.2, dev_errors, DEV_COLOR, "dev error"),
    ):
        heights = _values(values)
        bars = ax.bar(x + offset, np.nan_to_num(heights), 0.4, color=color, label=label)
        ax.bar_label(
            bars,
            [("-" if not np.isfinite(h) else _show(h, error_format)) for h in heights],
            fontsize="x-small",
            padding=2,
        )
    ax.margins(y=0.12)  # room for the labels on the tallest bar
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.set(title=title, xlabel="recipe step")
    _error_axis(ax, error_format)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    figure.tight_layout()
    return figure


def gradcheck_differences(
    checks: Mapping[str, Mapping[str, float]],
    *,
    thresholds: Sequence[float] = (1e-7, 1e-5, 1e-3),
    title: str = "Gradient check: relative difference per tensor",
) -> Figure:
    """Bars per parameter tensor (log scale) for each check (``at init``, ``after training``),
    with the course's thresholds drawn across."""
    figure = Figure(figsize=(7, 4))
    ax = figure.subplots()
    names = list(dict.fromkeys(n for c in checks.values() for n in c))
    x = np.arange(len(names))
    width = 0.8 / max(1, len(checks))
    colors = [TRAIN_COLOR, DEV_COLOR, EXTRA_COLOR]
    for k, (label, per_tensor) in enumerate(checks.items()):
        heights = [max(float(per_tensor.get(n, np.nan)), 1e-18) for n in names]
        ax.bar(
            x + (k - (len(checks) - 1) / 2) * width,
            heights,
            width,
            color=colors[k % len(colors)],
            label=label,
        )
    for value, name, style in zip(
        thresholds, ("great", "look again", "likely a bug"), (":", "--", "-")
    ):
        ax.axhline(value, color="gray", linestyle=style, linewidth=1, label=f"{name} ({value:g})")
    ax.set_yscale("log")
    ax.set_xticks(x, names)
    ax.set(title=title, xlabel="parameter tensor", ylabel="relative difference")
    ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def layer_histograms(
    layers: Sequence[Mapping[str, Any]], *, title: str = "Per-layer activations and gradients"
) -> Figure:
    """Top row: each hidden layer's activations; bottom row: each layer's weight gradients.

    ``layers`` holds one mapping per layer with ``name`` and arrays ``activations`` and/or
    ``gradients`` (any shape; flattened). Vanishing gradients show as bars piled at 0.
    """
    n = max(1, len(layers))
    figure = Figure(figsize=(min(3.2 * n, 16), 5.5))
    axes = np.asarray(figure.subplots(2, n, squeeze=False))
    for k, layer in enumerate(layers):
        for row, key, color, xlabel in (
            (0, "activations", TRAIN_COLOR, "activation a"),
            (1, "gradients", DEV_COLOR, "gradient dW"),
        ):
            ax = axes[row, k]
            values = np.asarray(layer.get(key, []), dtype=float).ravel()
            values = values[np.isfinite(values)]
            if values.size:
                ax.hist(values, bins=40, color=color, label=f"{layer['name']} {key}")
                std = float(values.std())
                ax.set_title(f"{layer['name']}: {key} (std {std:.2g})", fontsize="small")
                ax.legend(fontsize="x-small", loc="best")  # where it covers the fewest bars
            else:
                ax.set_title(f"{layer['name']}: no {key}", fontsize="small")
            ax.set_xlabel(xlabel, fontsize="small")
            ax.set_ylabel("count", fontsize="small")
            ax.tick_params(labelsize="x-small")
            # gradients of 1e-4 written out in full overlap: few ticks, the power of ten apart
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
            ax.xaxis.get_offset_text().set_fontsize("x-small")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def boundary_grid(
    predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray, *, resolution: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xx, yy, p)``: a grid over the 2-D inputs ``X`` (5% margin) and the probability of
    class 1 (the last column of one or two; for more classes the predicted class index) at
    each grid point."""
    X = np.asarray(X, dtype=float)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    proba = np.asarray(predict_proba(np.column_stack([xx.ravel(), yy.ravel()])))
    p = proba[:, -1] if proba.shape[1] <= 2 else proba.argmax(axis=1).astype(float)
    return xx, yy, p.reshape(xx.shape)


def decision_boundaries(
    panels: Sequence[Mapping[str, Any]],
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str = "Decision boundary",
) -> Figure:
    """Side-by-side panels (``title``, ``xx``, ``yy``, ``p`` from :func:`boundary_grid`) with
    the points ``X`` coloured by their class ``y``."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(5.5 * len(panels), 4.8))
    axes = np.atleast_1d(figure.subplots(1, len(panels)))
    X, y = np.asarray(X, dtype=float), np.asarray(y).ravel()
    classes = np.unique(y)
    colors = CLASS_COLORS if len(classes) <= 2 else [f"C{k}" for k in range(len(classes))]
    cmap = ListedColormap(colors)
    for ax, panel in zip(axes, panels):
        p = np.asarray(panel["p"])
        levels = [-0.5, 0.5, 1.5] if len(classes) <= 2 else np.arange(len(classes) + 1) - 0.5
        ax.contourf(panel["xx"], panel["yy"], p, levels=levels, cmap=cmap, alpha=0.25)
        if len(classes) <= 2:
            ax.contour(panel["xx"], panel["yy"], p, levels=[0.5], colors="k", linewidths=1)
        index = np.searchsorted(classes, y)
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=index,
            cmap=cmap,
            s=12,
            edgecolors="k",
            linewidths=0.3,
            vmin=0,
            vmax=max(1, len(classes) - 1),
        )
        ax.set(title=panel.get("title", ""), xlabel="x1", ylabel="x2")
        shade = max(1, len(classes) - 1)
        handles = [
            Line2D([], [], marker="o", linestyle="", color=cmap(k / shade), label=f"class {c}")
            for k, c in enumerate(classes)
        ]
        ax.legend(handles=handles, fontsize="small", loc="best")
    figure.suptitle(title)
    figure.tight_layout()
    return figure
