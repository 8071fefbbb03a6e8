"""The sentences a recipe step records for its decision, in the task's one number format:
error rates as percentages (``7.32% -> 6.10%``), a regression's mean squared errors as plain
numbers. When several candidates tie on dev error the sentence says how the tie was broken:
by the dev loss without its L2 term (the cross-entropy or MSE on dev), the recipe's own rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

#: the task's format for its error metric (``Task.format_metric``)
Show = Callable[[Any], str]


def kept(show: Show, label: str, incumbent: Any, best: Any) -> str:
    """A candidate beat the current configuration on dev."""
    return (
        f"kept {label}: dev error {show(incumbent.dev_error)} -> {show(best.dev_error)} "
        f"(train error {show(incumbent.train_error)} -> {show(best.train_error)})"
    )


def unchanged(show: Show, incumbent: Any, best_label: str, best: Any) -> str:
    """No candidate beat the current configuration."""
    return (
        f"no candidate beat the current dev error {show(incumbent.dev_error)} (best: "
        f"{best_label} with {show(best.dev_error)}); kept the current one"
    )


def tie_kept_smaller(show: Show, incumbent: Any, best_label: str, best: Any) -> str:
    """A bigger candidate tied the current dev error without lowering the training error."""
    return (
        f"{best_label} ties the current dev error {show(incumbent.dev_error)} without lowering "
        f"the training error ({show(incumbent.train_error)} -> {show(best.train_error)}); kept "
        "the smaller current configuration"
    )


def raised_bias(show: Show, incumbent: Any, best_label: str, best: Any) -> str:
    """A bias step's best candidate on dev raised the training error."""
    return (
        f"{best_label} lowers the dev error {show(incumbent.dev_error)} -> "
        f"{show(best.dev_error)} but raises the training error {show(incumbent.train_error)} "
        f"-> {show(best.train_error)}: a step against bias keeps a change only when it lowers "
        "bias; kept the current one"
    )


def tie_note(
    show: Show, best: Any, outcomes: Sequence[Any], labels: Mapping[str, str], incumbent: Any
) -> str:
    """How a tie on dev error was broken ("" when there was none): between candidates, and
    with the current configuration."""
    tied = sorted((o for o in outcomes if o.ties_on_dev(best)), key=lambda o: o.dev_score)
    note = ""
    if len(tied) > 1:
        digits = telling_digits([o.result["dev_loss"] for o in tied])
        losses = ", ".join(
            f"{labels.get(o.key, o.key)}: {o.result['dev_loss']:.{digits}g}" for o in tied
        )
        note += (
            f"; {len(tied)} candidates tie at {show(best.dev_error)} dev error, broken by the "
            f"lowest dev loss without the L2 term ({losses})"
        )
    if incumbent is not None and best.ties_on_dev(incumbent) and best is not incumbent:
        before, after = incumbent.result["dev_loss"], best.result["dev_loss"]
        digits = telling_digits([before, after])
        note += (
            f"; a tie on dev error with the current configuration, broken by the lower dev "
            f"loss {before:.{digits}g} -> {after:.{digits}g}"
        )
    return note


def telling_digits(values: Sequence[float], least: int = 4, most: int = 10) -> int:
    """The fewest significant digits, from ``least``, that print different values differently
    ("broken by the lowest dev loss (..: 1347, ..: 1347)" told nothing)."""
    for digits in range(least, most + 1):
        shown = [f"{v:.{digits}g}" for v in values]
        if len(set(shown)) == len(set(values)):
            return digits
    return most
