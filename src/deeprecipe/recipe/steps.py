"""The basic recipe's steps, one class each, of the one shape :class:`~.step.Step` defines.

==================  =========================================================================
against high bias   ``less_regularization`` (when L2 or dropout is on: the two lambdas of
                    the grid below the current one and none, no dropout), ``wider`` (hidden
                    units times each width factor), ``deeper`` (one or two more hidden layers
                    as wide as the last), ``longer`` (epochs times each epoch factor),
                    ``adam`` (Adam at a few learning rates), ``learning_rate`` (the step size
                    times 1/10, 1/3, 3, 10)
optimization first  ``optimization_probe`` (a diagnostic: can the starting network fit 128
                    training rows, at its settings or at others?); when it finds an
                    optimization problem, ``learning_rate`` and ``adam`` come before capacity
against high        ``l2`` (a log grid of lambda, extended past its top once the top is
variance            kept), ``dropout`` (a keep_prob grid), ``augment`` (image
                    shifts/rotations when the rows are images, Gaussian noise otherwise,
                    each also at twice the epochs, beside a control of those epochs alone),
                    ``early_stopping`` (patience on the dev cost, the best weights always
                    restored; at the current and at twice the epochs)
a diagnostic        ``learning_curve`` (the chosen configuration on growing shares of the
                    training set: does more data help?)
==================  =========================================================================

A step offers nothing when it has nothing new to try (Adam already in use, the network at its
size limit, augmentation already on); the recipe then moves to the next one. The order in which
the loop tries them is :data:`BIAS_STEPS` then :data:`VARIANCE_STEPS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeprecipe.recipe.config import RecipeConfig
from deeprecipe.recipe.step import Candidate, Decision, Situation, Step, plain
from deeprecipe.train.spec import NetworkSpec


def _hidden_label(hidden) -> str:
    return f"hidden {'-'.join(map(str, hidden))}"


def _measured(config: RecipeConfig, epochs: int) -> int:
    """Measure the figures about ``history_points`` times per training."""
    return max(1, epochs // config.history_points)


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    return [c for c in candidates if not (c[0] in seen or seen.add(c[0]))]


# ----------------------------------------------------------------------- against bias
class WiderStep(Step):
    name, kind = "wider", "bias"
    why = "a bigger network (more hidden units) can fit the training set better"
    grows = True

    def candidates(self, now):
        spec, cfg, out = now.spec, now.config, []
        for factor in cfg.width_factors:
            cap = cfg.max_hidden_units
            hidden = [min(cap, max(n + 1, round(n * factor))) for n in spec.hidden]
            if tuple(hidden) != spec.hidden:
                out.append((_hidden_label(hidden), spec.replace(hidden=hidden)))
        return _unique(out)


class DeeperStep(Step):
    name, kind = "deeper", "bias"
    why = "a bigger network (more hidden layers) can fit the training set better"
    grows = True

    def candidates(self, now):
        spec, out = now.spec, []
        last = spec.hidden[-1] if spec.hidden else 16
        for extra in (1, 2):
            hidden = [*spec.hidden, *[last] * extra]
            if len(hidden) <= now.config.max_hidden_layers:
                out.append((_hidden_label(hidden), spec.replace(hidden=hidden)))
        return out


class LongerStep(Step):
    name, kind = "longer", "bias"
    why = "training longer lets the optimizer reach a lower training cost"
    grows = True

    def candidates(self, now):
        spec, cfg, out = now.spec, now.config, []
        for factor in cfg.epoch_factors:
            epochs = min(cfg.max_epochs, round(spec.epochs * factor))
            if epochs > spec.epochs:
                changed = spec.replace(epochs=epochs, metrics_every=_measured(cfg, epochs))
                out.append((f"{epochs} epochs", changed))
        return _unique(out)


class AdamStep(Step):
    name, kind = "adam", "bias"
    why = "Adam (adaptive, with momentum) usually descends faster than plain gradient descent"
    first = False

    def needed(self, now):
        if self.first:
            return now.optimization == "optimization"
        return super().needed(now) and now.optimization != "optimization"

    def candidates(self, now):
        spec = now.spec
        if spec.optimizer == "adam":
            return []
        return [
            (f"Adam, learning rate {lr:g}", spec.replace(optimizer="adam", learning_rate=lr))
            for lr in now.config.adam_learning_rates
        ]


class LessRegularizationStep(Step):
    """When an earlier variance step left L2 or dropout in place and the bias is now high:
    weaker regularization, the cheapest way to let the network fit (no bigger network)."""

    name, kind = "less_regularization", "bias"
    why = "regularization trades training fit for variance; with high bias, less of it fits"

    def needed(self, now):
        keep = now.spec.keep_prob
        dropout = any(k < 1.0 for k in (keep if isinstance(keep, tuple) else (keep,)))
        return super().needed(now) and (now.spec.l2 > 0 or dropout)

    def candidates(self, now):
        spec, cfg, out = now.spec, now.config, []
        if spec.l2 > 0:  # the two grid values below the current one, and none
            lower = sorted((lam for lam in cfg.l2_grid if lam < spec.l2), reverse=True)[:2]
            out += [(f"lambda={lam:g}", spec.replace(l2=lam)) for lam in [*lower, 0.0]]
        if spec.keep_prob != 1.0:
            out.append(("no dropout", spec.replace(keep_prob=1.0)))
        return _unique(out)


# ----------------------------------------------------------------------- against variance
class L2Step(Step):
    name, kind = "l2", "variance"
    why = "L2 regularization shrinks the weights and so reduces variance"

    def candidates(self, now):
        spec, grid = now.spec, list(now.config.l2_grid)
        if grid and spec.l2 >= max(grid) > 0:  # kept at the grid's top, still high variance:
            grid += [3 * spec.l2, 10 * spec.l2]  # the best lambda may lie beyond it
        return _unique(
            [(f"lambda={lam:g}", spec.replace(l2=lam)) for lam in grid if lam != spec.l2]
        )

    def again(self, now, decision):
        # the grid's top (or a value past it) won: the best lambda may lie further up
        grid = now.config.l2_grid
        return bool(grid) and decision.winner.spec["l2"] >= max(grid) > 0


class DropoutStep(Step):
    name, kind = "dropout", "variance"
    why = "dropout keeps units from co-adapting and so reduces variance"

    def candidates(self, now):
        spec = now.spec
        if not spec.hidden:
            return []
        return [
            (f"keep_prob={k:g}", spec.replace(keep_prob=k))
            for k in now.config.keep_prob_grid
            if k != spec.keep_prob
        ]


def _and_twice_as_long(
    spec: NetworkSpec, config: RecipeConfig, label: str, up_to: bool = False, **changes: Any
) -> list[Candidate]:
    """The change as it is, and with twice the epochs: a regularizer that slows fitting (more
    varied examples, an earlier stop) may need longer to reach its better dev error."""
    out = [(label, spec.replace(**changes))]
    epochs = min(config.max_epochs, spec.epochs * 2)
    if epochs > spec.epochs:
        longer = spec.replace(**changes, epochs=epochs, metrics_every=_measured(config, epochs))
        out.append((f"{label}, {'up to ' if up_to else ''}{epochs} epochs", longer))
    return out


class AugmentStep(Step):
    name, kind = "augment", "variance"
    why = "augmented copies of the training examples act as more data"

    def candidates(self, now):
        spec, cfg, out = now.spec, now.config, []
        if spec.augment:
            return []
        if now.image_shape is None:
            for std in cfg.noise_grid:
                out += _and_twice_as_long(
                    spec, cfg, f"Gaussian noise std={std:g}", augment={"kind": "noise", "std": std}
                )
            return out + _control(spec, out)
        for fraction in cfg.image_shifts:
            for rotation in cfg.image_rotations:
                shift = round(fraction * now.image_shape[1], 3)
                setting = {
                    "kind": "image",
                    "flip": cfg.image_flip,
                    "max_shift": shift,
                    "integer_shifts": False,
                    "max_rotation_deg": float(rotation),
                    "max_zoom": cfg.image_zoom,
                }
                label = (
                    f"images: shift {shift:g} px, rotate {rotation:g} deg, "
                    f"zoom {cfg.image_zoom:.0%}" + (", flip" if cfg.image_flip else "")
                )
                out += _and_twice_as_long(spec, cfg, label, augment=setting)
        return out + _control(spec, out)


def _control(spec: NetworkSpec, candidates: list[Candidate]) -> list[Candidate]:
    """The longer candidates' control: their epochs without augmentation, so that a gain of
    twice the epochs is not credited to augmentation (digits: augmentation at the current
    epochs lost, with twice the epochs it tied, and longer training alone was never tried)."""
    longer = [c for _, c in candidates if c.epochs > spec.epochs]
    if not longer:
        return []
    control = spec.replace(epochs=longer[0].epochs, metrics_every=longer[0].metrics_every)
    return [(f"{control.epochs} epochs, no augmentation (the control)", control)]


class EarlyStoppingStep(Step):
    name, kind = "early_stopping", "variance"
    why = "stopping where the dev cost is lowest keeps the weights from overfitting"

    def candidates(self, now):
        spec, cfg = now.spec, now.config
        if spec.early_stopping:
            return []
        setting = {"monitor": "dev_cost", "patience": cfg.patience, "min_delta": cfg.min_delta}
        return _and_twice_as_long(
            spec,
            cfg,
            f"early stopping, patience {cfg.patience} checks of the dev cost",
            up_to=True,
            early_stopping=setting,
        )


# ----------------------------------------------------------------------- a diagnostic
class LearningCurveStep(Step):
    name, kind, diagnostic = "learning_curve", "learning_curve", True
    why = "does more data help? the chosen configuration on growing shares of the training set"

    def candidates(self, now):
        fractions = sorted(set(now.config.learning_curve_fractions) | {1.0})
        return [
            (f"{f:.0%} of the training set", now.spec.replace(train_fraction=f))
            for f in fractions
            if f < 1.0
        ]

    def skip(self, now, candidates):
        if now.budget_left is not None and now.budget_left < len(candidates):
            return (
                f"the learning curve was skipped: it needs {len(candidates)} trainings and the "
                f"budget has {now.budget_left} left"
            )
        return None

    def reason(self, now):
        return self.why

    def decide(self, now, outcomes, labels):
        incumbent = now.incumbent
        return Decision(
            False, labels.get(incumbent.key), incumbent.key, "a diagnostic: nothing is chosen"
        )


# ----------------------------------------------------------------------- optimization first
#: the learning-rate step's factors: a log grid around the current step size
LEARNING_RATE_FACTORS = (0.1, 0.3, 3.0, 10.0)


class LearningRateStep(Step):
    """The step size on a log grid around the current one, and the settings that fitted the
    optimization probe's subset. In the bias group it comes last (after capacity); when the
    probe found an optimization problem, :class:`OptimizationFirst` runs it before capacity."""

    name, kind = "learning_rate", "bias"
    why = (
        "a training error above what is achievable is first an optimization question: the step "
        "size may be too small to get there, or too large to settle"
    )
    first = False  # True: the optimization group's copy, needed only after the probe's verdict

    def needed(self, now):
        if self.first:  # the network cannot train yet: whatever the gaps say
            return now.optimization == "optimization"
        return super().needed(now) and now.optimization != "optimization"

    def candidates(self, now):
        spec = now.spec
        settings = [
            (spec.optimizer, float(f"{spec.learning_rate * f:.3g}")) for f in LEARNING_RATE_FACTORS
        ]
        settings += [tuple(fix) for fix in now.optimization_fixes if tuple(fix) not in settings]
        return _unique(
            [
                (f"{o} learning rate {lr:g}", spec.replace(optimizer=o, learning_rate=lr))
                for o, lr in settings
                if (o, lr) != (spec.optimizer, spec.learning_rate)
            ]
        )


#: why the optimization group's steps run, whatever the gaps say
PROBE_FOUND = (
    "the optimization probe found that the network cannot fit a small subset of its training "
    "set at its own settings but can at others: training does not work yet, so the "
    "optimization comes before any reading of bias and variance"
)


class OptimizationFirstAdam(AdamStep):
    """Adam in the optimization group: needed only after the probe found an optimization
    problem (the bias group's Adam step then stands aside)."""

    first = True

    def reason(self, now):
        return f"{PROBE_FOUND}; {self.why}"


class OptimizationFirst(LearningRateStep):
    """The learning-rate step in the optimization group, after the probe's verdict: the
    diagnosis it would otherwise quote (high variance, say) is not why it runs."""

    first = True

    def reason(self, now):
        return f"{PROBE_FOUND}: the step size may be too small to get there, or too large to settle"


class OptimizationProbeStep(Step):
    """Does training work? The starting network on a small subset at its own and at other
    settings (:mod:`deeprecipe.recipe.probe`); a diagnostic: nothing is chosen."""

    name, kind = "optimization_probe", "optimization"
    why = (
        "does training work? A network that cannot fit a small subset of its training set at "
        "its own settings, but can at others, has an optimization problem (learning rate, "
        "optimizer), not a capacity problem; one that fits it at none lacks capacity or epochs"
    )
    diagnostic = True

    def needed(self, now):
        return now.optimization is None and probe_reason(now) is not None

    def candidates(self, now):
        from deeprecipe.recipe.probe import probe_candidates

        return [
            (label, NetworkSpec.from_dict(spec))
            for label, spec in probe_candidates(now.spec.to_dict(), len(now.data.X_train))
        ]

    def skip(self, now, candidates):
        if now.budget_left is not None and now.budget_left < len(candidates) + 1:
            return "the optimization probe was skipped: the budget is too small"
        return None

    def reason(self, now):
        return f"{probe_reason(now) or 'asked for'}: {self.why}"

    def decide(self, now, outcomes, labels):
        from deeprecipe.recipe.probe import probe_verdict

        verdict = probe_verdict(outcomes, [labels[o.key] for o in outcomes], **probe_scale(now))
        incumbent = now.incumbent
        return Decision(
            False,
            labels.get(incumbent.key),
            incumbent.key,
            verdict["text"],
            findings={"optimization": verdict},
        )


def probe_reason(now: Situation) -> str | None:
    """Why the incumbent calls for the optimization probe (None: it does not): high bias; a
    cost curve that does not fall; or more parameters than training examples and still a
    training error above the bias tolerance (such a network can fit its training set)."""
    from deeprecipe.diagnose.optimization import read_cost_curve
    from deeprecipe.recipe.trial import trial_network

    incumbent, diagnosis = now.incumbent, now.diagnosis
    if incumbent is None or now.data is None:
        return None
    if getattr(diagnosis, "high_bias", False):
        return "high bias"
    curve = read_cost_curve(incumbent.result["history"]["cost"])
    if curve != "falling":
        return f"the cost curve is {curve}"
    m = len(now.data.X_train)
    n_params = trial_network(incumbent.spec, now.data).n_params
    tolerance = getattr(diagnosis, "bias_tolerance", 0.0)
    if n_params >= m and incumbent.train_error > tolerance:
        return (
            f"{n_params} parameters for {m} training examples and still a training error of "
            f"{incumbent.train_error:.4g}"
        )
    return None


def probe_scale(now: Situation) -> dict[str, Any]:
    """What the probe's margin needs: whether the metric is an MSE, and the targets' variance."""
    from deeprecipe.recipe.trial import target_scale
    from deeprecipe.task import get_task

    regression = not get_task(now.data.loss).is_classifier
    _, spread = target_scale(now.data)
    variance = 1.0 if spread is None else float(np.mean(spread**2))
    return {"regression": regression, "target_variance": variance}


#: the steps against high avoidable bias when the probe found an optimization problem, then
#: against high avoidable bias, then against high variance, in the order tried
OPTIMIZATION_STEPS: tuple[Step, ...] = (
    OptimizationProbeStep(),
    OptimizationFirst(),
    OptimizationFirstAdam(),
)
BIAS_STEPS: tuple[Step, ...] = (
    LessRegularizationStep(),
    WiderStep(),
    DeeperStep(),
    LongerStep(),
    AdamStep(),
    LearningRateStep(),
)
VARIANCE_STEPS: tuple[Step, ...] = (L2Step(), DropoutStep(), AugmentStep(), EarlyStoppingStep())
BIAS_ACTIONS = tuple(step.name for step in BIAS_STEPS)
VARIANCE_ACTIONS = tuple(step.name for step in VARIANCE_STEPS)
STEPS = {step.name: step for step in (*BIAS_STEPS, *VARIANCE_STEPS)}


def propose(
    action: str,
    spec: Mapping[str, Any],
    config: RecipeConfig,
    *,
    image_shape: tuple[int, ...] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """``[(label, plain spec), ...]`` for the step named ``action`` applied to a plain ``spec``."""
    now = Situation(NetworkSpec.from_dict(spec), None, None, config, image_shape)
    return plain(STEPS[action].candidates(now))
