"""What a recipe run leaves behind, as plain data: every step, every trial, every decision.

:meth:`RecipeResult.to_dict` is JSON-ready and holds everything the report draws (errors
table, diagnoses, steps with their candidates and cost curves, validation and learning curves,
gradient checks). The chosen network and its scaler stay objects on the result
(``network``, ``scaler``, ``model``) and are left out of ``to_dict``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deeprecipe.model import Model
from deeprecipe.nn.network import Network
from deeprecipe.task import get_task
from deeprecipe.train.spec import batch_words
from deeprecipe.train.targets import TARGET_SCALE

#: what a step's "kept" says when it kept nothing
NOTHING_TO_KEEP = "(a diagnostic: nothing to keep)"
UNCHANGED = "(nothing better: unchanged)"


def chosen_network_words(final: dict[str, Any], layer_sizes: Any) -> str:
    """The chosen network in one sentence (no full stop): its layers, settings and epochs,
    with how its training ended when that was not the last epoch (stopped early, and the
    weights of which epoch were restored; diverged; stopped by the budget), as the CLI, the
    notebook and the report say it."""
    spec, ran = final["spec"], final.get("epochs_run")
    epochs = f"{spec['epochs']} epochs"
    if final.get("diverged"):
        epochs += f" (diverged: its weights are from epoch {ran})"
    elif final.get("stopped_early"):
        best = final.get("best_epoch")
        kept = f"the weights of epoch {best}" if best else "the best weights"
        epochs += f" (stopped early after {ran}; {kept} restored)"
    elif final.get("cut_short"):
        epochs += f" (stopped by the budget after {ran})"
    layers = "-".join(map(str, layer_sizes))
    activation = f"{spec['activation']}, " if spec.get("activation") else ""
    return (
        f"Chosen network {layers}: {activation}L2 lambda {spec['l2']:g}, keep_prob "
        f"{spec['keep_prob']}, {spec['optimizer']} learning rate {spec['learning_rate']:g}, "
        f"{batch_words(spec.get('batch_size'))}, {epochs}"
    )


@dataclass
class RecipeStep:
    """One step of the recipe: why it was taken, what it tried, what it kept and why.

    ``kind`` is ``baseline``, ``bias``, ``variance``, ``learning_curve`` or ``refit``.
    ``candidates`` are the trials' plain results (spec, train/dev errors, history, ...) with a
    ``label``. ``chosen`` is the label kept (the incumbent's when no candidate beat it).
    """

    index: int
    name: str
    kind: str
    reason: str
    diagnosis_before: dict[str, Any] | None
    incumbent_before: dict[str, Any] | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    chosen: str | None = None
    chosen_key: str | None = None
    accepted: bool = False
    decision: str = ""
    seconds: float = 0.0
    #: a diagnostic (the optimization probe, the learning curve) measures and keeps nothing
    diagnostic: bool = False

    @property
    def kept(self) -> str:
        """What the step kept, in words: the chosen candidate, or why nothing was kept."""
        if self.diagnostic:
            return NOTHING_TO_KEEP
        return (self.chosen or "-") if self.accepted else UNCHANGED

    def __repr__(self) -> str:
        return (
            f"RecipeStep({self.index}, {self.name!r}, tried {len(self.candidates)}, "
            f"kept {self.kept!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "kind": self.kind,
            "reason": self.reason,
            "diagnosis_before": self.diagnosis_before,
            "incumbent_before": self.incumbent_before,
            "candidates": self.candidates,
            "chosen": self.chosen,
            "chosen_key": self.chosen_key,
            "accepted": self.accepted,
            "decision": self.decision,
            "seconds": self.seconds,
            "diagnostic": self.diagnostic,
        }


@dataclass
class RecipeResult:
    """The outcome of :meth:`Recipe.run <deeprecipe.recipe.Recipe.run>`.

    Errors are rates for classifiers and mean squared errors for regression. ``test_error`` is
    measured once, by the final step. ``gradcheck`` holds the checks at initialization and on
    the chosen network after training, as dicts. ``learning_curve`` and ``validation_curves``
    are :class:`deeprecipe.diagnose.LearningCurve`/``ValidationCurve`` objects built from the
    recipe's own trials (their ``to_dict`` goes into :meth:`to_dict`).
    """

    config: dict[str, Any]
    targets: dict[str, Any]
    data: dict[str, Any]
    steps: list[RecipeStep]
    baseline: dict[str, Any]
    final: dict[str, Any]
    baseline_diagnosis: Any
    final_diagnosis: Any
    train_error: float
    dev_error: float
    test_error: float | None
    gradcheck: dict[str, Any]
    learning_curve: Any
    validation_curves: dict[str, Any]
    recommendations: list[str]
    stopped_because: str
    trainings: dict[str, int]
    seconds: float
    test_access: list[dict[str, Any]]
    notes: list[str]
    network: Network | None = None
    scaler: Any = None
    refit: dict[str, Any] | None = None
    #: the baseline's trained network with its scaler, for the report's side-by-side pictures
    baseline_model: Model | None = field(default=None, repr=False)
    #: the raw training rows and their encoded targets, for the report's histograms and boundary
    train_rows: tuple[Any, Any] | None = field(default=None, repr=False)
    #: which rows of the X given to ``run`` each part holds, by position (``X.iloc[rows]``
    #: for a DataFrame): ``train``, and ``dev``/``test`` when the recipe drew them from X;
    #: fit a baseline on the same rows to compare with the network
    split_rows: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the reference models (train/dev/test errors), the achievable-error bracket, the
    #: optimization probe, the guards, R^2 (regression), the per-class figures (a classifier's,
    #: see :attr:`per_class`), the dev/test agreement and the parts' distributions: each a
    #: top-level key of :meth:`to_dict`
    yardsticks: dict[str, Any] | None = None

    @property
    def test_accuracy(self) -> float | None:
        if self.test_error is None or not get_task(self.targets["task"]).metric_is_rate:
            return None
        return 1.0 - self.test_error

    @property
    def per_class(self) -> dict[str, Any] | None:
        """A classifier's per-class figures of the chosen network, by part (``dev``: the network
        dev judged; ``test``: the final one, from the single test read): confusion matrix,
        recall and precision per class, balanced error
        (:func:`deeprecipe.diagnose.classes.class_figures`). None for a regression."""
        return (self.yardsticks or {}).get("per_class")

    @property
    def chosen_spec(self) -> dict[str, Any]:
        return self.final["spec"]

    @property
    def model(self) -> Model:
        """The chosen network with its train-fitted scaler and class labels, for ``predict``
        on raw inputs and for :func:`deeprecipe.io.save_model`."""
        return Model(
            self.network,
            scaler=self.scaler,
            classes=self.targets["classes"],
            feature_names=self.data.get("feature_names"),
            metadata={
                "recipe": {"final": self.final, "test_error": self.test_error},
                # a DataFrame read as a table file: its schema and imputer read raw frames
                **(self.data.get("reading") or {}),
                # the scale a regression trained at (DeepRegressor.load continues in it)
                TARGET_SCALE: self.data.get(TARGET_SCALE),
                # rows that are images: predict takes (m, h, w[, c]) arrays of this shape
                **({"image_shape": shape} if (shape := self.data.get("image_shape")) else {}),
            },
        )

    def __repr__(self) -> str:
        show = get_task(self.targets["task"]).format_metric
        layers = "-".join(map(str, self.network.layer_sizes)) if self.network else None
        return (
            f"RecipeResult(task={self.targets['task']!r}, network={layers!r}, train "
            f"{show(self.train_error)}, dev {show(self.dev_error)}, test {show(self.test_error)}, "
            f"steps={[s.name for s in self.steps]}, stopped_because={self.stopped_because!r})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: errors, steps, decisions and recommendations."""
        from deeprecipe.recipe.display import recipe_html

        return recipe_html(self)

    def save_report(self, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
        """Write the run's HTML report, the page ``deeprecipe run`` writes; return its path.

        ``path`` is a folder (``report.html``, one PNG per figure and ``results.json``, as
        ``--out``) or a file ending in ``.html`` (the self-contained page alone). See
        :func:`deeprecipe.report.save_report`.
        """
        from deeprecipe.report import save_report  # the report room sits above the recipe

        return save_report(self, path=path, title=title)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: everything the CLI and the HTML report need."""
        return {
            "format": "deeprecipe.recipe_result",
            "version": 1,
            "config": self.config,
            "targets": self.targets,
            "data": self.data,
            "errors": {
                "baseline": {
                    "train": self.baseline["train_error"],
                    "dev": self.baseline["dev_error"],
                },
                "final": {
                    "train": self.train_error,
                    "dev": self.dev_error,
                    "test": self.test_error,
                },
            },
            "test_accuracy": self.test_accuracy,
            "baseline": self.baseline,
            "final": self.final,
            "baseline_diagnosis": _as_dict(self.baseline_diagnosis),
            "final_diagnosis": _as_dict(self.final_diagnosis),
            "steps": [s.to_dict() for s in self.steps],
            "gradcheck": self.gradcheck,
            "learning_curve": _as_dict(self.learning_curve),
            "validation_curves": {k: _as_dict(v) for k, v in self.validation_curves.items()},
            "recommendations": self.recommendations,
            "stopped_because": self.stopped_because,
            "trainings": self.trainings,
            "seconds": self.seconds,
            "test_access": self.test_access,
            "refit": self.refit,
            "notes": self.notes,
            "network": None if self.network is None else self.network.config,
            **(self.yardsticks or {}),
        }

    def error_rows(self) -> list[list[str]]:
        """``(model, train, dev, test)`` as the CLI's summary and the notebook show them: the
        baseline, the chosen network, each reference model on the same split (their test
        errors from the same single read), and for a regression the chosen network's RMSE
        (in the target's own units) and R^2, for a classifier its balanced error."""
        task = get_task(self.targets["task"])
        show = task.format_metric
        rows = [
            ["baseline", show(self.baseline["train_error"]), show(self.baseline["dev_error"]), "-"],
            ["chosen network", show(self.train_error), show(self.dev_error), show(self.test_error)],
        ]
        yardsticks = self.yardsticks or {}
        for ref in yardsticks.get("references") or []:
            rows.append(
                [
                    f"reference: {ref['name']}",
                    show(ref["train_error"]),
                    show(ref["dev_error"]),
                    show(ref.get("test_error")),
                ]
            )
        if not task.metric_is_rate:  # the square root reads in the target's own units
            rmse = (self.train_error, self.dev_error, self.test_error)
            rows.append(
                ["chosen network, RMSE", *(show(None if v is None else v**0.5) for v in rmse)]
            )
            r2 = yardsticks.get("r2")
            if r2:  # to three decimals, as it is usually quoted (0.062, not 0.06152)
                rows.append(
                    ["chosen network, R^2"]
                    + [
                        "-" if r2.get(k) is None else f"{r2[k]:.3f}"
                        for k in ("train", "dev", "test")
                    ]
                )
        per_class = self.per_class
        if per_class:  # 1 - mean per-class recall: the rare classes count as much
            balanced = [(per_class.get(k) or {}).get("balanced_error") for k in ("dev", "test")]
            rows.append(["chosen network, balanced error", "-", *map(show, balanced)])
        return rows

    def summary_rows(self) -> list[tuple[str, str, str, str]]:
        """``(step, tried, kept, best dev error)`` per step, the table the CLI and the notebook
        show: ``kept`` is the chosen candidate, or why nothing was (a diagnostic, or nothing
        beat the incumbent on dev)."""
        show = get_task(self.targets["task"]).format_metric
        rows = []
        for step in self.steps:
            # a diagnostic's trials (subsets, probes) are not candidates: no best dev to show
            devs = [] if step.diagnostic else [c.get("dev_error") for c in step.candidates]
            best = min((d for d in devs if d is not None), default=None)
            rows.append((step.name, str(len(step.candidates)), step.kept, show(best)))
        return rows


def _as_dict(value: Any) -> Any:
    if value is None:
        return None
    return value.to_dict() if hasattr(value, "to_dict") else value
