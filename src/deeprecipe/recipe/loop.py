"""The loop of the basic recipe: the baseline, then bias first, then variance, step by step."""

from __future__ import annotations

from typing import Any

from deeprecipe.nn.activations import get_activation
from deeprecipe.recipe.state import RunState
from deeprecipe.recipe.steps import BIAS_STEPS, OPTIMIZATION_STEPS, VARIANCE_STEPS
from deeprecipe.recipe.sweep import TrialOutcome
from deeprecipe.train.spec import NetworkSpec, batch_words

#: the groups of steps the loop picks from, the first needed group first, each in the order
#: tried: optimization before capacity (the probe when the incumbent gives it a reason, then
#: the learning rate and Adam when it found an optimization problem), bias, variance
STEPS_FOR = {"optimization": OPTIMIZATION_STEPS, "bias": BIAS_STEPS, "variance": VARIANCE_STEPS}


def base_spec(run: RunState) -> NetworkSpec:
    """The starting network the settings describe."""
    cfg = run.config
    epochs, batch_size = cfg.training_length(run.data.info["n_train"])
    return NetworkSpec(
        hidden=cfg.hidden,
        activation=cfg.activation,
        init=cfg.init or get_activation(cfg.activation).recommended_init,
        optimizer=cfg.optimizer,
        learning_rate=cfg.effective_learning_rate,
        epochs=epochs,
        batch_size=batch_size,
        metrics_every=max(1, epochs // cfg.history_points),
        seed=cfg.seed,
    )


def baseline(run: RunState, spec: NetworkSpec) -> TrialOutcome:
    """Train the starting point every later step is compared with, and diagnose it."""
    label = (
        f"hidden {'-'.join(map(str, spec.hidden))}, {spec.activation}, {spec.init} init, "
        f"{spec.optimizer} lr {spec.learning_rate:g}, {batch_words(spec.batch_size)}, "
        f"{spec.epochs} epochs"
    )
    reason = "the starting point every later step is compared with"
    step, (outcome,) = run.sweep("baseline", "baseline", reason, [(label, spec)], None, None)
    step.chosen, step.chosen_key, step.accepted = label, outcome.key, True
    diagnosis = run.diagnose(outcome)
    step.decision = f"diagnosed {diagnosis}"
    run.emit(
        "step_end",
        step="baseline",
        index=0,
        chosen=label,
        accepted=True,
        decision=step.decision,
        diagnosis=diagnosis.to_dict(),
    )
    return outcome


def improve(run: RunState, incumbent: TrialOutcome) -> tuple[TrialOutcome, str]:
    """Bias first, then variance, until both are within tolerance or nothing helps; within
    tolerance, the bias and then the variance steps go on while a reference is ahead on dev
    beyond its noise (two gaps each within tolerance can add up to a demonstrable shortfall).

    The first group of :data:`STEPS_FOR` with a step that is needed (:meth:`Step.needed`: its
    gap is high) and not failed has the focus; its steps take turns from where the last one left
    off. A step that offers or keeps nothing is failed until some step improves the incumbent.
    """
    failed: dict[str, set[str]] = {group: set() for group in STEPS_FOR}
    position = dict.fromkeys(STEPS_FOR, 0)
    while True:
        diagnosis = run.diagnose(incumbent)
        if run.budget_left() == 0 and incumbent.result.get("cut_short"):
            # its gaps are those of a network stopped before its last epoch: not a verdict
            ran, asked = incumbent.result.get("epochs_run"), incumbent.spec["epochs"]
            batch = incumbent.spec.get("batch_size")
            full_batch = batch is None or batch >= run.data.info["n_train"]
            return incumbent, (
                f"the budget is spent, and it stopped the chosen network's training at epoch "
                f"{ran} of {asked}; give a larger budget (--budget, max_seconds)"
                + (
                    ", or mini-batches (--batch-size, batch_size=256), which fit large data in "
                    "fewer passes"
                    if full_batch
                    else ""
                )
            )
        behind = None
        if not diagnosis.high_bias and not diagnosis.high_variance:
            behind = run.reference_ahead(incumbent)
            if behind is None:
                return incumbent, "both gaps are within tolerance"
        if run.budget_left() == 0:
            return incumbent, "the budget is spent"
        if len(run.steps) > run.config.max_steps:
            return incumbent, f"the step limit ({run.config.max_steps}) is reached"
        now = run.situation(incumbent, diagnosis, behind)
        ready = {
            group: [s for s in steps if s.needed(now) and s.name not in failed[group]]
            for group, steps in STEPS_FOR.items()
        }
        focus = next((group for group in STEPS_FOR if ready[group]), None)
        if focus is None:
            return incumbent, "no action of the recipe lowered the dev error any further"
        order = STEPS_FOR[focus]
        while order[position[focus]] not in ready[focus]:
            position[focus] = (position[focus] + 1) % len(order)
        step = order[position[focus]]
        position[focus] = (position[focus] + 1) % len(order)
        taken = run.take(step, now)
        if taken is not None and taken[2].winner is not None:
            incumbent = taken[2].winner
            failed = {group: set() for group in STEPS_FOR}
            if step.again(now, taken[2]):  # first in its group next time, if still needed
                position[focus] = order.index(step)
        else:
            failed[focus].add(step.name)


def learning_curve_step(run: RunState, incumbent: TrialOutcome) -> list[Any] | None:
    """The chosen configuration on growing shares of the training set: the outcomes, smallest
    share first and the incumbent last, or None when the step was not taken."""
    from deeprecipe.recipe.steps import LearningCurveStep

    taken = run.take(LearningCurveStep(), run.situation(incumbent))
    return None if taken is None else [*taken[1], incumbent]
