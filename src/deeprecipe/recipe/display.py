"""How a :class:`~deeprecipe.recipe.RecipeResult` shows in a notebook: the errors of the
baseline, the chosen model and the reference models, each step with what it tried and kept,
the decisions, and the recommendations. Error rates read as percentages, a regression's mean
squared errors as numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deeprecipe._html import Cell, block, paragraph, table
from deeprecipe.diagnose.classes import class_table
from deeprecipe.recipe.result import chosen_network_words
from deeprecipe.task import get_task

if TYPE_CHECKING:
    from deeprecipe.recipe.result import RecipeResult


def step_rows(result: RecipeResult) -> list[list[object]]:
    """``step, tried, best dev, kept`` per step (:meth:`RecipeResult.summary_rows`), what was
    kept in green."""
    rows = []
    for step, (name, tried, kept, best) in zip(result.steps, result.summary_rows()):
        kept_something = step.accepted and not step.diagnostic
        rows.append([name, int(tried), best, Cell(kept, "good" if kept_something else "#57606a")])
    return rows


def recipe_html(result: RecipeResult) -> str:
    what = "error" if get_task(result.targets["task"]).metric_is_rate else "MSE"
    errors = table(
        ["model", f"train {what}", f"dev {what}", f"test {what}"],
        result.error_rows(),
        caption="errors (the test set read once, at the end, by the chosen network and the "
        "references together)",
        highlight=[1],
    )
    per_class = []
    for part, figures in _per_class(result):
        columns, rows, caption = class_table(part, figures)
        per_class.append(table(columns, rows, caption=caption))
    steps = table(
        ["step", "tried", "best dev", "kept"], step_rows(result), caption="the recipe, step by step"
    )
    decisions = [
        paragraph(f"{step.name}: {step.decision}") for step in result.steps if step.decision
    ]
    layer_sizes = result.network.layer_sizes if result.network else ["?"]
    parts = [
        errors,
        *per_class,
        paragraph(f"{chosen_network_words(result.final, layer_sizes)}.", bold=True),
        paragraph(f"Diagnosis of the chosen model: {result.final_diagnosis}."),
        steps,
        *decisions,
        paragraph(f"Stopped because {result.stopped_because}.", bold=True),
        *(paragraph(f"Recommendation: {r}") for r in result.recommendations),
        *(paragraph(f"Note: {n}", "#57606a") for n in result.notes),
        paragraph("result.save_report(path) writes the full report, with its plots.", "#57606a"),
    ]
    return block(
        f"Recipe result: {result.targets['task']}, {result.trainings['total']} "
        f"training{'' if result.trainings['total'] == 1 else 's'} in {result.seconds:.1f} s",
        *parts,
    )


def _per_class(result: RecipeResult) -> list[tuple[str, dict]]:
    """A classifier's per-class figures, dev then test (none for a regression)."""
    return [(part, figures) for part, figures in (result.per_class or {}).items() if figures]
