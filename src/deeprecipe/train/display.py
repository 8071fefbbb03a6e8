"""How a training :class:`~deeprecipe.train.History` draws and shows in a notebook: the cost J
and the error per epoch, train solid and dev dashed, beside a table of the last figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deeprecipe._html import block, figure_img, paragraph, table

if TYPE_CHECKING:
    from deeprecipe.train.history import History


def _measured(epochs: np.ndarray, values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    ok = np.isfinite(y)
    return epochs[ok], y[ok]


def plot_history(history: History, *, title: str | None = None, error_format: str = "error"):
    """Cost (left) and error (right) per epoch; returns a matplotlib Figure (no pyplot).

    ``error_format`` ``"error"`` draws error rates as percentages; ``"loss"`` as numbers.
    """
    from matplotlib.ticker import PercentFormatter

    from deeprecipe._figure import Figure

    figure = Figure(figsize=(9, 3.4), layout="constrained")
    ax_cost, ax_error = figure.subplots(1, 2)
    epochs = np.asarray(history.epoch, dtype=float)
    for ax, pairs in (
        (ax_cost, (("train cost", history.cost), ("dev cost", history.dev_cost))),
        (ax_error, (("train error", history.train_error), ("dev error", history.dev_error))),
    ):
        for (label, values), style in zip(pairs, ("-", "--")):
            x, y = _measured(epochs, values)
            if y.size:
                ax.plot(x, y, style, label=label)
        if history.best_epoch:
            ax.axvline(
                history.best_epoch,
                color="grey",
                linestyle=":",
                label=f"best epoch {history.best_epoch}",
            )
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    ax_cost.set(title="Cost J per epoch", xlabel="epoch", ylabel="cost J")
    ax_error.set(title="Error per epoch", xlabel="epoch", ylabel="error")
    if error_format == "error":
        ax_error.yaxis.set_major_formatter(PercentFormatter(1.0))
    if title:
        figure.suptitle(title)
    return figure


def _last(values: list[Any]) -> Any:
    measured = [v for v in values if v is not None]
    return measured[-1] if measured else None


def history_html(history: History) -> str:
    from deeprecipe._html import error_format

    show = error_format(history.metric)
    if not len(history):
        return block("Training history", paragraph("No epoch recorded."))
    rows = [
        ["cost J", _last(history.cost), _last(history.dev_cost)],
        [
            "error" if history.metric == "error" else history.metric,
            show(_last(history.train_error)),
            show(_last(history.dev_error)),
        ],
    ]
    # History's train figures are running means of the epoch's batches unless measured exactly
    running = "; train: mean over the epoch's batches" if history.train_metrics == "running" else ""
    notes = []
    if history.best_epoch:
        notes.append(f"best epoch {history.best_epoch}")
    if history.stopped_early:
        notes.append("stopped early, best weights restored")
    if history.diverged:
        notes.append("DIVERGED")
    if history.message:
        notes.append(history.message)
    parts = [
        table(
            ["", "train", "dev"],
            rows,
            caption=f"after {len(history)} epochs (last measured figures{running})",
        ),
        figure_img(history.plot(), "cost and error per epoch", width=720),
    ]
    if notes:
        parts.append(paragraph("; ".join(notes), "bad" if history.diverged else None))
    return block("Training history", *parts)
