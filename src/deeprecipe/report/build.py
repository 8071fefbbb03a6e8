"""The recipe's report, section by section, from plain data.

:func:`build_report` takes a mapping of plain values (what a recipe run produced, gathered by
the command line) and returns a :class:`~deeprecipe.report.writer.Report`. Every section is
always present, in this order, with a note when its data was not produced:

=================== ===========================================================================
id                  what it shows
=================== ===========================================================================
errors              train / dev / test error of the baseline and of the chosen model; for a
                    classifier, the chosen model's confusion matrix with recall and precision
                    per class, on dev and test
diagnosis           the lecture's table: Bayes error, errors, avoidable bias, variance, verdict
steps               each recipe step: what was tried, its errors, the decision and why
cost-curves         cost and error per epoch, train and dev, baseline and chosen model
validation-curves   train and dev error against lambda (log axis) and keep_prob
learning-curve      train and dev error against the number of training examples
gradient-check      per-tensor relative difference at initialization and after training
layer-health        per-layer histograms of activations and weight gradients
decision-boundary   (2-D data) baseline and chosen model side by side
=================== ===========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deeprecipe.diagnose.display import diagnosis_rows
from deeprecipe.report import figures
from deeprecipe.report.html import Image, Section, Table, Text
from deeprecipe.report.writer import Report, plain
from deeprecipe.task import get_task

SECTIONS: tuple[tuple[str, str], ...] = (
    ("errors", "Errors"),
    ("diagnosis", "Diagnosis: bias or variance?"),
    ("steps", "The recipe, step by step"),
    ("cost-curves", "Cost curves"),
    ("validation-curves", "Validation curves: lambda and keep_prob"),
    ("learning-curve", "Learning curve"),
    ("gradient-check", "Gradient check"),
    ("layer-health", "Per-layer activations and gradients"),
    ("decision-boundary", "Decision boundary"),
)


def _format(task: str) -> str:
    """The task's one number format, as the plots name it: ``"error"`` (rates, in percent) or
    ``"loss"`` (a regression's MSE, plain numbers)."""
    return get_task(task).diagnosis_metric


def _image(name: str, figure: Any, caption: str) -> Image:
    return Image(name, figures.png_bytes(figure), caption)


def _missing(why: str) -> Text:
    return Text(f"Not produced in this run: {why}.", "note")


def errors_section(
    errors: Mapping[str, Mapping[str, Any]] | None,
    task: str,
    summary: Sequence[str] = (),
    per_class: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Any]:
    """``errors``: model label -> {"train": e, "dev": e, "test": e}; ``summary``: sentences
    shown under the table (the chosen network, why the run stopped, recommendations);
    ``per_class``: part -> the chosen model's per-class figures there (a classifier's,
    :func:`deeprecipe.diagnose.classes.class_figures`), one table each."""
    if not errors:
        return [_missing("no model was measured")]
    regression = not get_task(task).metric_is_rate
    show = get_task(task).format_metric
    rows = []
    for label, parts in errors.items():
        values = [parts.get(p) for p in ("train", "dev", "test")]
        rows.append([label, *(show(v) for v in values)])
    what = "mean squared error" if regression else "error (misclassification rate)"
    blocks: list[Any] = [
        Table(
            ["model", "train", "dev", "test"],
            rows,
            caption=f"{what} per set",
            highlight=[i for i, label in enumerate(errors) if label == "chosen"] or [len(rows) - 1],
        )
    ]
    blocks += [class_table(part, figures) for part, figures in (per_class or {}).items()]
    if any(parts.get("test") is not None for parts in errors.values()):
        blocks.append(
            Text(
                "The test set is measured once, at the very end, on the chosen model (and the "
                "reference models, fitted on the training set only): every decision was made "
                "on the dev set.",
                "note",
            )
        )
    blocks += [Text(line, "note" if line.startswith("Note:") else "verdict") for line in summary]
    return blocks


def class_table(part: str, figures: Mapping[str, Any]) -> Table:
    """One part's confusion matrix with recall and precision per class
    (:func:`deeprecipe.diagnose.classes.class_table`)."""
    from deeprecipe.diagnose.classes import class_table as rows_of

    columns, rows, caption = rows_of(part, dict(figures))
    return Table(columns, rows, caption=caption)


def diagnosis_section(diagnoses: Mapping[str, Mapping[str, Any]] | None) -> list[Any]:
    """``diagnoses``: label ("baseline", "chosen") -> ``Diagnosis.to_dict()``."""
    if not diagnoses:
        return [_missing("no diagnosis")]
    blocks: list[Any] = []
    for label, d in diagnoses.items():
        rows = diagnosis_rows(d, "MSE")  # the notebook's table: one home (a regression's MSE)
        blocks.append(Table(["", "value", "verdict"], rows, caption=f"{label}: {d['label']}"))
        blocks.append(
            Text(f"{label}: {d['label']}. Next: {'; '.join(d.get('actions', []))}.", "verdict")
        )
        for note in d.get("notes", []):
            blocks.append(Text(note, "note"))
    return blocks


def steps_section(steps: Sequence[Mapping[str, Any]] | None, task: str) -> list[Any]:
    """``steps``: each with ``name``, ``decision``, ``reason`` and ``trials`` (each with
    ``label``, ``train_error``, ``dev_error`` and ``chosen``)."""
    if not steps:
        return [_missing("the recipe recorded no steps")]
    show = get_task(task).format_metric
    blocks: list[Any] = []
    for k, step in enumerate(steps, start=1):
        trials = step.get("trials") or []
        rows = [
            [
                t.get("label", ""),
                show(t.get("train_error")),
                show(t.get("dev_error")),
                "kept" if t.get("chosen") else ("tie: higher dev loss" if t.get("tied") else ""),
            ]
            for t in trials
        ]
        chosen = [i for i, t in enumerate(trials) if t.get("chosen")]
        caption = f"step {k}: {step.get('name', '')}"
        if rows:
            blocks.append(
                Table(
                    ["tried", "train error", "dev error", ""],
                    rows,
                    caption=caption,
                    highlight=chosen,
                )
            )
        else:
            blocks.append(Text(caption, "verdict"))
        decision = step.get("decision", "")
        reason = step.get("reason", "")
        blocks.append(Text(f"Decision: {decision}" + (f" ({reason})" if reason else ""), "verdict"))
    labels = [str(s.get("name", f"step {k}")) for k, s in enumerate(steps, start=1)]
    kept = [s.get("kept") or {} for s in steps]
    if any(kept):
        blocks.append(
            _image(
                "recipe_steps",
                figures.step_errors(
                    labels,
                    [k.get("train_error") for k in kept],
                    [k.get("dev_error") for k in kept],
                    error_format=_format(task),
                ),
                "Train and dev error of the model kept after each step",
            )
        )
    return blocks


def cost_section(
    histories: Mapping[str, Mapping[str, Any]] | None,
    task: str = "binary",
    target_variances: Mapping[str, float | None] | None = None,
) -> list[Any]:
    """``target_variances`` (label -> the variance of its training targets, None if unknown):
    the histories were trained on standardized targets (the recipe's regressions)."""
    if not histories:
        return [_missing("no training history")]
    figure = figures.cost_curves(
        histories, error_format=_format(task), target_variances=target_variances
    )
    return [_image("cost_curves", figure, _cost_caption(histories, target_variances))]


def _cost_caption(
    histories: Mapping[str, Any], target_variances: Mapping[str, float | None] | None
) -> str:
    """What the cost curves show, and in which units."""
    lines = "; solid: train, dashed: dev"
    if target_variances is None:
        return "Cost J (with the L2 term) and error per epoch" + lines
    trained = "on the standardized targets the network trains on, (y - mean) / std"
    variances = [target_variances.get(label) for label in histories]
    if None in variances:
        return (
            f"Cost J (with the L2 term) and mean squared error per epoch {trained} (the "
            "tables' MSEs, in the targets' own units, are these times their variance)" + lines
        )
    shown = {f"{v:.4g}" for v in variances}
    if len(shown) > 1:  # a refit on train + dev: other targets, another variance
        shown = {", ".join(f"{label} {v:.4g}" for label, v in zip(histories, variances))}
    return (
        f"Cost J (with the L2 term) {trained}; mean squared error per epoch in the targets' "
        f"own units, as in the tables (the standardized one times the variance of the "
        f"training targets, {shown.pop()})" + lines
    )


def validation_section(
    curves: Mapping[str, Mapping[str, Any]] | None, task: str = "binary"
) -> list[Any]:
    """``curves``: parameter ("l2", "keep_prob") -> {values, train_error, dev_error, chosen}."""
    blocks: list[Any] = []
    for parameter, label, log_x in (("l2", "lambda (L2)", True), ("keep_prob", "keep_prob", False)):
        curve = (curves or {}).get(parameter)
        if not curve or not curve.get("values"):
            blocks.append(_missing(f"no {label} sweep (the recipe did not need one)"))
            continue
        figure = figures.validation_curve(
            label,
            curve["values"],
            curve["train_error"],
            curve["dev_error"],
            log_x=log_x,
            chosen=curve.get("chosen"),
            error_format=_format(task),
        )
        blocks.append(
            _image(
                f"validation_{parameter}",
                figure,
                f"Train and dev error against {label}; "
                + (
                    "the dotted line is the value the dev set chose"
                    if curve.get("chosen") is not None
                    else "none of these values was kept (the step's decision says why)"
                ),
            )
        )
        tie = _tie_sentence(label, curve, task)
        if tie:
            blocks.append(Text(tie, "note"))
    return blocks


def _tie_sentence(label: str, curve: Mapping[str, Any], task: str) -> str:
    """When several values share the lowest dev error, which one was kept, and why."""
    devs = [d for d in curve["dev_error"] if d is not None]
    if not devs or curve.get("chosen") is None:
        return ""
    tied = [v for v, d in zip(curve["values"], curve["dev_error"]) if d == min(devs)]
    if len(tied) < 2 or curve["chosen"] not in tied:
        return ""
    names = ", ".join(f"{v:g}" for v in tied[:-1]) + f" and {tied[-1]:g}"
    return (
        f"{label} = {names} tie at {get_task(task).format_metric(min(devs))} dev error; "
        f"{curve['chosen']:g} was kept for its lower dev loss without the L2 term (the "
        "recipe's tie-breaker, also a dev figure)."
    )


def learning_section(
    curve: Mapping[str, Any] | None, bayes_error: float | None, task: str = "binary"
) -> list[Any]:
    if not curve or not curve.get("sizes"):
        return [_missing("no learning curve")]
    figure = figures.learning_curve(
        curve["sizes"],
        curve["train_error"],
        curve["dev_error"],
        bayes_error=bayes_error,
        error_format=_format(task),
    )
    blocks: list[Any] = [
        _image(
            "learning_curve",
            figure,
            "Train and dev error against the training-set size: a gap "
            "that is still closing says more data would help",
        )
    ]
    if curve.get("advice"):
        blocks.append(Text(str(curve["advice"]), "verdict"))
    return blocks


def gradcheck_section(checks: Mapping[str, Mapping[str, Any]] | None) -> list[Any]:
    """``checks``: label -> ``GradcheckResult.to_dict()``."""
    if not checks:
        return [_missing("no gradient check")]
    blocks: list[Any] = []
    per_tensor: dict[str, dict[str, float]] = {}
    for label, check in checks.items():
        rows = [
            [
                t["name"],
                "x".join(map(str, t["shape"])),
                f"{t['n_checked']}/{t['n_entries']}",
                t["difference"],
                t["verdict"]
                + (" (failing)" if t.get("failing") else "")
                + (" (rounding noise)" if t.get("rounding_noise") else ""),
            ]
            for t in check["per_tensor"]
        ]
        caption = (
            f"{label}: difference {check['difference']:.3e} ({_reading(check)}; "
            f"{check['mode']} mode)"
        )
        blocks.append(
            Table(["tensor", "shape", "checked", "difference", "verdict"], rows, caption=caption)
        )
        per_tensor[label] = {
            t["name"]: t["difference"]
            for t in check["per_tensor"]
            if isinstance(t["difference"], (int, float))
        }
    thresholds = next(iter(checks.values())).get("thresholds", {})
    levels = tuple(
        thresholds.get(k, d) for k, d in (("great", 1e-7), ("look_again", 1e-5), ("bug", 1e-3))
    )
    blocks.append(
        _image(
            "gradient_check",
            figures.gradcheck_differences(per_tensor, thresholds=levels),
            "||g_approx - g|| / (||g_approx|| + ||g||) per tensor, log scale",
        )
    )
    return blocks


def health_section(layers: Sequence[Mapping[str, Any]] | None, warnings: Sequence[str]) -> list:
    if not layers:
        return [_missing("no network to probe")]
    blocks: list[Any] = [
        _image(
            "layer_health",
            figures.layer_histograms(layers),
            "Chosen model on training examples: activations (top) and "
            "weight gradients (bottom) per layer",
        )
    ]
    if warnings:
        blocks += [Text(f"Warning: {w}", "verdict") for w in warnings]
    else:
        blocks.append(
            Text("No vanishing or exploding activations or gradients were flagged.", "note")
        )
    return blocks


def boundary_section(boundary: Mapping[str, Any] | None) -> list[Any]:
    if not boundary:
        return [_missing("the data is not 2-D, so there is no plane to draw")]
    figure = figures.decision_boundaries(
        boundary["panels"],
        boundary["X"],
        boundary["y"],
        title="Decision boundary: baseline vs chosen model",
    )
    return [
        _image(
            "decision_boundary",
            figure,
            "Training points coloured by class over each model's predicted regions",
        )
    ]


def build_report(run: Mapping[str, Any]) -> Report:
    """The report of one recipe run (see the module docstring for the keys it reads)."""
    task = run.get("task", "binary")
    bayes = run.get("bayes_error")
    content = {
        "errors": errors_section(
            run.get("errors"), task, run.get("summary", []), run.get("per_class")
        ),
        "diagnosis": diagnosis_section(run.get("diagnoses")),
        "steps": steps_section(run.get("steps"), task),
        "cost-curves": cost_section(run.get("histories"), task, run.get("target_variances")),
        "validation-curves": validation_section(run.get("validation_curves"), task),
        "learning-curve": learning_section(run.get("learning_curve"), bayes, task),
        "gradient-check": gradcheck_section(run.get("gradchecks")),
        "layer-health": health_section(run.get("layer_samples"), run.get("health_warnings", [])),
        "decision-boundary": boundary_section(run.get("boundary")),
    }
    for sid, why in (run.get("absent") or {}).items():  # a section with nothing to show, and why
        content[sid] = [_missing(why)]
    sections = [Section(sid, title, content[sid]) for sid, title in SECTIONS]
    results = {k: v for k, v in run.items() if k not in ("layer_samples", "boundary")}
    return Report(
        title=run.get("title", "deeprecipe report"),
        subtitle=run.get("subtitle", ""),
        sections=sections,
        results=plain(results),
    )


def _reading(check: dict[str, Any]) -> str:
    """A check's verdict and outcome in words (a record from before ``reading`` was kept: its
    verdict and whether it passed)."""
    return (
        check.get("reading") or f"{check['verdict']}, {'passed' if check['passed'] else 'FAILED'}"
    )
