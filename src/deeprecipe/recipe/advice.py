"""What a run concludes: its learning and validation curves, and what to do next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deeprecipe.recipe.state import RunState
from deeprecipe.recipe.steps import VARIANCE_STEPS
from deeprecipe.recipe.sweep import TrialOutcome
from deeprecipe.task import get_task

#: a learning curve whose dev error (a rate) still falls by more than this over its last step,
#: and by more than the dev set's noise, says that more data would help
STILL_FALLING = 0.005


def learning_curve(run: RunState, outcomes: list[TrialOutcome] | None):
    """The :class:`~deeprecipe.diagnose.LearningCurve` of the learning-curve step's outcomes."""
    from deeprecipe.diagnose import LearningCurve

    if outcomes is None:
        return None
    return LearningCurve(
        param_name="train_size",
        values=[o.result["n_train"] for o in outcomes],
        train_errors=[[o.train_error] for o in outcomes],
        dev_errors=[[o.dev_error] for o in outcomes],
        train_costs=[[o.result["train_loss"]] for o in outcomes],
        dev_costs=[[o.result["dev_loss"]] for o in outcomes],
        metric=run.data.targets.head.metric,
        seed=run.config.seed,
        diverged=[[bool(o.result["diverged"])] for o in outcomes],
    )


def validation_curves(run: RunState) -> dict[str, Any]:
    """Train and dev error against lambda and keep_prob, from the last sweep of each and the
    earlier sweeps' points on the same network (a second L2 step that went on to lambda 30
    after the first stopped at 10 drew only the first, whose best was not the chosen)."""
    from deeprecipe.diagnose import ValidationCurve

    curves = {}
    for name, param in (("l2", "l2"), ("dropout", "keep_prob")):
        sweeps = [s for s in run.steps if s.name == name and s.candidates]
        if not sweeps:
            continue
        base = _without(sweeps[-1].candidates[0]["spec"], param)
        by_value = {  # a later sweep's point replaces an earlier one at the same value
            c["spec"][param]: c
            for step in sweeps
            for c in step.candidates
            if _without(c["spec"], param) == base
        }
        points = [by_value[v] for v in sorted(by_value)]
        curves[param] = ValidationCurve(
            param_name=param,
            values=[c["spec"][param] for c in points],
            train_errors=[[c["train_error"]] for c in points],
            dev_errors=[[c["dev_error"]] for c in points],
            train_costs=[[c["train_loss"]] for c in points],
            dev_costs=[[c["dev_loss"]] for c in points],
            metric=run.data.targets.head.metric,
            seed=run.config.seed,
            diverged=[[bool(c["diverged"])] for c in points],
        )
    return curves


def _without(spec: Mapping[str, Any], param: str) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != param}


def recommend(
    run: RunState,
    diagnosis,
    curve,
    incumbent: TrialOutcome,
    stopped: str,
    guards: Sequence[Mapping[str, Any]] = (),
    dev_classes: Mapping[str, Any] | None = None,
) -> list[str]:
    """What to do next, from the final diagnosis, the learning curve, what was tried, why the
    run stopped, the guards' findings (each its own recommendation, after these) and a
    classifier's per-class figures on dev (a class it never finds)."""
    out = []
    # diverged at no higher a learning rate than the chosen one's: what a larger rate did
    # (the learning-rate sweep's own candidates, the probe's) is that sweep's answer
    diverged = [
        c
        for step in run.steps
        for c in step.candidates
        if c.get("diverged") and c["spec"]["learning_rate"] <= incumbent.spec["learning_rate"]
    ]
    if incumbent.result.get("diverged"):
        lr = incumbent.spec["learning_rate"]
        out.append(
            f"the chosen training diverged (its cost exploded, and the weights from before "
            f"were kept): lower the learning rate, now {lr:g}, e.g. to {lr / 10:g}"
        )
        return out  # its errors say nothing about bias or variance yet
    if diverged:
        out.append(
            f"{len(diverged)} of the trainings diverged and lost to the others; a lower "
            "learning rate would give them a fair chance"
        )
    tried = {step.kind for step in run.steps if step.kind in ("bias", "variance")}
    budget_spent = stopped == "the budget is spent"
    for kind, high in (("bias", diagnosis.high_bias), ("variance", diagnosis.high_variance)):
        if high and budget_spent and kind not in tried:
            fixes = (
                "a bigger network, longer training"
                if kind == "bias"
                else "regularization, augmentation, early stopping"
            )
            out.append(
                f"{'avoidable bias' if kind == 'bias' else 'variance'} is still high and the "
                f"budget ran out before the recipe tried its fixes ({fixes}): raise the "
                "budget"
            )
    if diagnosis.high_bias and not (budget_spent and "bias" not in tried):
        out.append(
            "avoidable bias is still high: try another architecture, or check the Bayes "
            "(human-level) error estimate"
        )
    if curve is not None and len(curve.dev_error) >= 2:
        dev, sizes = curve.dev_error, curve.sizes
        show = get_task(run.data.trials.loss).format_metric
        drop = dev[-2] - dev[-1]
        noise = run.dev_noise(dev[-2])
        floor = STILL_FALLING if run.data.targets.head.metric_is_rate else 0.0
        if diagnosis.high_variance and drop > max(floor, noise):
            out.append(
                f"more data is likely to help: the dev error still fell by {show(drop)} from "
                f"{sizes[-2]} to {sizes[-1]} training examples (the recipe cannot fetch data)"
            )
        elif diagnosis.high_variance and drop > 0:  # biopsy: 0.71%, one of 140 dev rows
            out.append(
                f"the learning curve cannot tell whether more data would help: its dev error "
                f"fell by {show(drop)} from {sizes[-2]} to {sizes[-1]} training examples, within "
                f"the dev set's noise (+-{show(noise)}, 95%)"
            )
        elif diagnosis.high_variance and diagnosis.variance <= run.dev_noise(dev[-1]):
            # Pima: a 5-point gap on 40 dev rows (noise +-13) was sent to another architecture
            out.append(
                f"the variance gap, {show(diagnosis.variance)}, is within the dev set's noise "
                f"(+-{show(run.dev_noise(dev[-1]))}, 95%): a larger dev set would tell whether "
                "it is real before another architecture is tried"
            )
        elif diagnosis.high_variance:
            out.append(
                "variance is still high but the learning curve has flattened: more data of "
                "the same kind would help little; consider another architecture"
            )
        elif diagnosis.high_bias:
            # "met" only when the last points' gap is within the dev set's noise: it was said
            # of any curve under high bias (mtcars', whose smaller trainings had not learned)
            train = curve.train_error[-1]
            out.append(
                "more data will not fix bias: "
                + (
                    f"the curves have met at a high error (train {show(train)}, dev "
                    f"{show(dev[-1])} at {sizes[-1]} examples)"
                    if abs(dev[-1] - train) <= noise
                    else "more examples of the same kind do not lower the training error"
                )
            )
    elif diagnosis.high_variance and "variance" in tried:
        untried = _untried(run, incumbent, diagnosis, VARIANCE_STEPS)
        if budget_spent and untried:  # digits: early stopping never ran
            out.append(
                "variance is still high and the budget ran out before the recipe tried "
                f"{', '.join(untried)}: raise the budget"
            )
        else:
            out.append(
                "variance is still high after the recipe's regularization: more data, or "
                "stronger settings than its grids (from Python: RecipeConfig(l2_grid=..., "
                "keep_prob_grid=...))"
            )
    missed = _never_found(run, dev_classes, guards)
    out += missed
    if stopped == "both gaps are within tolerance" and not guards and not missed:
        # a guard (no better than trivial, a single class), or a class never found, says the
        # opposite of "done"
        out.append("both gaps are within tolerance: the model is done")
    return out


def _never_found(
    run: RunState, dev: Mapping[str, Any] | None, guards: Sequence[Mapping[str, Any]]
) -> list[str]:
    """A recommendation for each class the chosen network never finds on dev (recall 0 in its
    per-class figures ``dev``), with the likely cause and the fix in the data; none when the
    single-class guard already says it (its message carries the same advice)."""
    from deeprecipe.diagnose.classes import never_predicted, rare_class_fix
    from deeprecipe.recipe.yardsticks import train_shares

    if dev is None or any(g.get("kind") == "single_class" for g in guards):
        return []
    shares = train_shares(run) or []
    return [
        f"the chosen network never finds class {label!r} on dev (recall 0 of "
        f"{dev['support'][dev['classes'].index(label)]} rows), whatever its error rate says; "
        + rare_class_fix(label, shares[dev["classes"].index(label)], len(shares))
        for label in never_predicted(dev)
    ]


def _untried(run: RunState, incumbent: TrialOutcome, diagnosis, steps) -> list[str]:
    """The names of ``steps`` the run never took that would have offered the incumbent
    something (dropout offers nothing to a network without hidden layers, and is not
    'untried')."""
    taken = {step.name for step in run.steps}
    now = run.situation(incumbent, diagnosis)
    return [s.name for s in steps if s.name not in taken and s.candidates(now)]
