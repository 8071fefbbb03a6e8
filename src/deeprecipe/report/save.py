"""``save_report``: the HTML report from Python, of a recipe run or of one trained model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from deeprecipe.errors import DeepRecipeError
from deeprecipe.report.writer import save


def save_report(
    source: Any,
    X_train: Any = None,
    y_train: Any = None,
    X_dev: Any = None,
    y_dev: Any = None,
    *,
    path: str | os.PathLike[str],
    title: str | None = None,
    history: Any = None,
    bayes_error: float | None = None,
) -> Path:
    """Write the report of ``source`` to ``path`` and return the page's path.

    ``source`` is a :class:`~deeprecipe.recipe.RecipeResult` (the page ``deeprecipe run``
    writes; its data came with the run), or a trained :class:`~deeprecipe.nn.Network` or
    :class:`~deeprecipe.model.Model` with its ``X_train, y_train, X_dev, y_dev`` (and, if you
    have them, its fit's ``history`` and the ``bayes_error``).

    ``path`` is a folder (``report.html``, one PNG per figure and ``results.json``, as the
    CLI's ``--out``) or a file ending in ``.html`` (the self-contained page alone). Every file
    is written atomically: a reader sees the old one or the new one, never half of one.
    """
    from deeprecipe.recipe import RecipeResult

    if isinstance(source, RecipeResult):
        given = [
            n
            for n, v in (
                ("X_train", X_train),
                ("y_train", y_train),
                ("X_dev", X_dev),
                ("y_dev", y_dev),
                ("history", history),
                ("bayes_error", bayes_error),
            )
            if v is not None
        ]
        if given:
            raise DeepRecipeError(
                f"a RecipeResult carries its own data and settings; {', '.join(given)} "
                "accepted only with a Network or a Model"
            )
        from deeprecipe.report.from_recipe import recipe_report

        report = recipe_report(source, title=title)
    else:
        from deeprecipe.report.from_model import model_report

        report = model_report(
            source,
            X_train,
            y_train,
            X_dev,
            y_dev,
            history=history,
            bayes_error=bayes_error,
            title=title,
        )
    return save(report, path)
