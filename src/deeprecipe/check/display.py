"""How a :class:`~deeprecipe.check.result.GradcheckResult` shows in a notebook: the verdict in
its colour, the per-tensor table with failing tensors in red, and the worst entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deeprecipe._html import Cell, block, paragraph, table
from deeprecipe.check.result import GREAT, LIKELY_BUG, _fmt, _index_text

if TYPE_CHECKING:
    from deeprecipe.check.during_training import TrainingGradcheck
    from deeprecipe.check.result import GradcheckResult

#: the colour of each verdict
VERDICT_COLOR = {GREAT: "good", LIKELY_BUG: "bad"}
#: worst entries shown (the rest are in ``result.worst``), as many as the text shows
WORST_SHOWN = 10


def _verdict_color(verdict: str) -> str:
    return VERDICT_COLOR.get(verdict, "warn")


def gradcheck_html(result: GradcheckResult) -> str:
    t = result.thresholds
    title = f"Gradient check{f' ({result.label})' if result.label else ''}: {result.mode} mode"
    headline = paragraph(
        f"difference {_fmt(result.difference)}: {result.verdict} ({result.outcome}; great < "
        f"{t.great:g}, "
        f"look again <= {t.look_again:g}, bug > {t.bug:g})",
        _verdict_color(result.verdict),
        bold=True,
    )
    directional = result.mode == "directional"
    rows = []
    for tensor in result.per_tensor.values():
        failing = result.fails(tensor)
        noise = not failing and t.fails(tensor.difference)  # above the threshold, in noise
        rows.append(
            [
                Cell(tensor.name, "bad" if failing else None, bold=failing),
                "x".join(map(str, tensor.shape)),
                f"{tensor.n_checked} dirs"
                if directional
                else f"{tensor.n_checked}/{tensor.n_entries}",
                _fmt(tensor.difference),
                Cell(
                    tensor.verdict
                    + (" (failing)" if failing else " (rounding noise)" if noise else ""),
                    _verdict_color(tensor.verdict),
                ),
            ]
        )
    checked = (
        f"checked {result.n_checked} random directions over all {result.n_parameters} entries"
        if directional
        else f"checked {result.n_checked} of {result.n_parameters} entries"
    )
    parts = [
        headline,
        paragraph(
            f"{checked}, eps={result.eps:g} ({'two' if result.two_sided else 'one'}-sided), "
            f"dropout {result.dropout}; {result.n_forward_passes} cost evaluations",
            "#57606a",
        ),
        table(
            ["tensor", "shape", "checked", "difference", "verdict"],
            rows,
            caption="per tensor: ||g_approx - g|| / (||g_approx|| + ||g||)",
        ),
    ]
    if result.worst:
        worst = [
            [
                w.tensor,
                _index_text(w.index),
                f"{w.analytic:.6e}",
                f"{w.numerical:.6e}",
                _fmt(w.abs_error),
                _fmt(w.rel_error),
            ]
            for w in result.worst[:WORST_SHOWN]
        ]
        caption = (
            "worst directions (directional derivatives g . v)"
            if directional
            else "worst entries (largest |analytic - numerical|)"
        )
        parts.append(
            table(
                ["tensor", "index", "analytic", "numerical", "abs error", "rel error"],
                worst,
                caption=caption,
            )
        )
    if result.kinks:
        parts.append(
            paragraph(
                f"{len(result.kinks)} entries straddle a kink (a ReLU's at 0, say): counted as "
                f"agreeing; the raw course figure is {_fmt(result.raw_difference)}"
            )
        )
    parts += [paragraph(f"note: {note}", "#57606a") for note in result.notes]
    return block(title, *parts)


def training_gradcheck_html(checks: TrainingGradcheck) -> str:
    """The checks along a training run: one row per epoch checked, then the first failing
    check in full (the tensor and entries to look at), or the last one when all passed."""
    headline = paragraph(
        f"largest difference {_fmt(checks.difference)}: "
        f"{'passed' if checks.passed else 'FAILED'}"
        + (
            f"; failing tensors: {', '.join(checks.failing_tensors)}"
            if checks.failing_tensors
            else ""
        ),
        "good" if checks.passed else "bad",
        bold=True,
    )
    rows = [
        [
            epoch,
            _fmt(result.difference),
            Cell(result.verdict, _verdict_color(result.verdict)),
            ", ".join(result.failing_tensors) or "-",
        ]
        for epoch, result in checks.checks
    ]
    parts = [headline, table(["epoch", "difference", "verdict", "failing tensors"], rows)]
    shown = next((r for _, r in checks.checks if not r.passed), None)
    if shown is None and checks.checks:
        shown = checks.checks[-1][1]
    if shown is not None:
        parts.append(gradcheck_html(shown))
    parts += [paragraph(f"note: {note}", "#57606a") for note in checks.notes]
    return block("Gradient checks during training", *parts)
