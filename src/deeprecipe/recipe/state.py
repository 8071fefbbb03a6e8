"""Where one run of the recipe stands: its data, budget, steps and notes so far, and how a step
is taken (swept, recorded, decided, announced)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from deeprecipe._stats import Z95, binomial_se
from deeprecipe.diagnose.references import training_noise_error
from deeprecipe.events import publish
from deeprecipe.recipe.config import RecipeConfig
from deeprecipe.recipe.guards import reference_ahead
from deeprecipe.recipe.prepare import RunData
from deeprecipe.recipe.result import RecipeStep
from deeprecipe.recipe.step import Candidate, Decision, Situation, Step, plain
from deeprecipe.recipe.sweep import Sweeper, TrialOutcome
from deeprecipe.task import plain_value
from deeprecipe.train.spec import NetworkSpec

EventCallback = Callable[[dict[str, Any]], None]

#: networks with at most this many parameters are gradient-checked entry by entry
FULL_GRADCHECK_LIMIT = 5000
#: a wall-time budget keeps this share of itself, at most FINISH_RESERVE seconds, for the
#: work after the last training (the final gradient check, the test read, the report)
FINISH_SHARE = 0.1
FINISH_RESERVE = 15.0


def trainings_that_fit(durations: list[float], workers: int, seconds: float) -> int:
    """How many of the trainings, started in order on ``workers`` that each take the next one
    when free, end within ``seconds`` (estimated ``durations``): the longest prefix that does."""
    free = [0.0] * max(1, workers)
    for count, duration in enumerate(durations):
        start = min(free)
        if start + duration > seconds:
            return count
        free[free.index(start)] = start + duration
    return len(durations)


def measured_and_first_new(
    candidates: list[Candidate], measured: list[bool], n: int
) -> list[Candidate]:
    """The candidates, in their order, that a step sweeps: every one ``measured`` already in
    this run (reused, no training) and the first ``n`` of the others (what the budget allows)."""
    kept = []
    for candidate, reused in zip(candidates, measured):
        if not reused:
            if n == 0:
                continue
            n -= 1
        kept.append(candidate)
    return kept


class RunState:
    """One run's progress; the steps read it through :meth:`situation`."""

    def __init__(
        self,
        config: RecipeConfig,
        on_event: EventCallback | None,
        data: RunData,
        *,
        start: float | None = None,
    ) -> None:
        self.config = config
        self.on_event = on_event
        self.data = data
        self.start = time.monotonic() if start is None else start
        self.steps: list[RecipeStep] = []
        self.notes: list[str] = list(data.notes)
        self.labels: dict[str, str] = {}
        self.sweeper: Sweeper | None = None  # set while the run's sweeper is open
        # the yardsticks (recipe/yardsticks.py): reference results and fitted models, the
        # achievable-error bracket (None when the user gave a Bayes error), the optimization
        # probe's reading, the dev/test agreement after the test read
        self.references: list[dict[str, Any]] = []
        self.reference_models: dict[str, Any] = {}
        self.reference_dev_losses: dict[str, Any] | None = None  # per example, computed once
        self._ahead: dict[str, dict | None] = {}  # trial key -> a reference ahead of it on dev
        self.achievable: Any = None
        self.findings: dict[str, Any] = {}  # what diagnostic steps found (Decision.findings)
        self.dev_test: dict[str, Any] | None = None
        self.test_targets: Any = None  # the encoded test targets, after the one read
        # a classifier's per-class figures (diagnose/classes.py) of the chosen network, by part
        self.per_class: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------------- events and budget
    def emit(self, event: str, **fields: Any) -> None:
        self.trial_event({"event": event, **fields})

    def trial_event(self, event: dict[str, Any]) -> None:
        """Every event of the run, to the listener and to logging (deeprecipe.events)."""
        publish({**event, "elapsed": time.monotonic() - self.start}, self.on_event)

    @property
    def trainings_used(self) -> int:
        return self.sweeper.n_trained + self.sweeper.n_reused

    @property
    def training_seconds(self) -> float | None:
        """Seconds from the run's start until no training may run any more: the wall-time
        budget less what the run needs after its last training (the last gradient check, the
        single test read, and in the CLI the report), so that the run ends within its budget."""
        budget = self.config.max_seconds
        if budget is None:
            return None
        return budget - min(FINISH_RESERVE, FINISH_SHARE * budget)

    def deadline(self) -> float | None:
        """When trainings in flight stop, as a :func:`time.time` value (every worker process
        of this machine reads the same clock); None without a wall-time budget."""
        seconds = self.training_seconds
        if seconds is None:
            return None
        return time.time() + (self.start + seconds - time.monotonic())

    def budget_left(self) -> int | None:
        """Trainings left (None: unlimited); 0 when the wall-time budget is spent."""
        cfg = self.config
        seconds = self.training_seconds
        if seconds is not None and time.monotonic() - self.start >= seconds:
            return 0
        if cfg.max_trainings is None:
            return None
        return max(0, cfg.max_trainings - self.trainings_used)

    # ----------------------------------------------------------------- measuring
    def diagnose(self, outcome: TrialOutcome):
        from deeprecipe.diagnose import diagnose

        cfg = self.config
        head = self.data.targets.head
        scale = 1.0 if head.metric_is_rate else self.data.target_variance
        diagnosis = diagnose(
            outcome.train_error,
            outcome.dev_error,
            cfg.bayes_error,
            bias_tolerance=cfg.bias_tolerance * scale,
            variance_tolerance=cfg.variance_tolerance * scale,
            relative_tolerance=cfg.relative_tolerance,
            metric=head.diagnosis_metric,
            achievable=self.achievable,
            train_scale=self.train_scale,
        )
        noted = self._variance_noise_note(diagnosis)
        if noted is not None:
            diagnosis = replace(diagnosis, notes=(*diagnosis.notes, noted))
        return self._behind_a_reference(diagnosis, outcome)

    def reference_ahead(self, outcome: TrialOutcome) -> dict | None:
        """A linear or boosting reference ahead of trial ``outcome`` on dev beyond its noise
        (:func:`~deeprecipe.recipe.guards.reference_ahead`), once per trial."""
        if outcome.key not in self._ahead:
            self._ahead[outcome.key] = reference_ahead(self, outcome)
        return self._ahead[outcome.key]

    def _behind_a_reference(self, diagnosis: Any, outcome: TrialOutcome) -> Any:
        """Within tolerance, "done" is not the next action while a reference is ahead on dev
        beyond its noise (:func:`~deeprecipe.recipe.guards.reference_ahead`): a new user's
        report said "low bias and low variance. Next: done" above a warning that boosting was
        ahead (an MSE of 33.4k against 27.3k, the gaps 2% of the variance each)."""
        from deeprecipe.task import get_task

        if diagnosis.high_bias or diagnosis.high_variance:
            return diagnosis
        ahead = self.reference_ahead(outcome)
        if ahead is None:
            return diagnosis
        show = get_task(self.data.trials.loss).format_metric
        behind = (
            f"{ahead['name']} is ahead on dev beyond its noise ({show(ahead['reference_dev'])} "
            f"against {show(ahead['network_dev'])}, p = {ahead['p_value']:.2g}): the gaps are "
            "each within tolerance, yet together leave the network behind it"
        )
        action = (
            f"not done while {ahead['name']} is ahead: lower the bias, then the variance, "
            f"or use {ahead['name']}"
        )
        return replace(diagnosis, actions=(action,), notes=(*diagnosis.notes, behind))

    def _variance_noise_note(self, diagnosis: Any) -> str | None:
        """A note when a high variance gap (error rates) is within the dev set's noise, 1.96
        binomial standard errors of the dev error: the recipe treats it, as the lecture's
        thresholds say, but the dev set cannot show it is real (football: 3.27 points on 82
        dev rows, whose noise is 5.6)."""
        y_dev = self.data.trials.y_dev
        n_dev = len(y_dev) if y_dev is not None else 0
        if diagnosis.metric != "error" or not diagnosis.high_variance or n_dev == 0:
            return None
        noise = self.dev_noise(diagnosis.dev_error)
        if diagnosis.variance > noise:
            return None
        return (
            f"the variance gap, {diagnosis.variance:.2%}, is within the dev set's noise "
            f"(+-{noise:.2%}, 95%, on {n_dev} dev rows): the recipe treats it, but a larger dev "
            "set would tell whether it is real"
        )

    def dev_noise(self, dev_error: float) -> float:
        """The 95% half-width of a dev error measured on this run's dev set: binomial for an
        error rate (over every cell of a multi-label network: as many trials as cells),
        ``sqrt(2 / n)`` of a mean squared error (normal residuals: var(MSE estimate) =
        2 sigma^4 / n)."""
        y_dev = self.data.trials.y_dev
        rates = self.data.targets.head.metric_is_rate
        n = 0 if y_dev is None else int(np.size(y_dev)) if rates else len(y_dev)
        if n == 0:
            return 0.0
        if rates:
            return Z95 * binomial_se(dev_error, n)
        return Z95 * dev_error * float(np.sqrt(2.0 / n))

    @property
    def train_scale(self) -> float:
        """How much larger a regression's errors run on the training part than on dev by the
        parts alone: ridge regression's leave-one-out MSE on the training rows over its MSE on
        dev (1 for classes, and without a linear reference). A low-capacity model's residuals
        are mostly the noise each part drew, so their ratio measures the parts, not a model;
        the targets' own spread would measure the signal too (y = 3x + noise, 500 rows: an
        ideal model misread 38% of the time with it, 25% without a scale, 0% with ridge's).
        Leave-one-out, not ridge's training MSE: with as many features as rows ridge fits the
        training rows nearly exactly (fertility, 51 columns and 27 rows: a ratio of 0.005,
        and a network 30 times worse on dev than on train read as high bias).
        See :func:`deeprecipe.diagnose.diagnose`."""
        if self.data.targets.head.metric_is_rate:
            return 1.0
        linear = next((r for r in self.references if r["kind"] == "linear"), None)
        if linear is None or not linear.get("dev_error"):
            return 1.0
        train = training_noise_error(linear)
        return train / linear["dev_error"] if train else 1.0

    def describe(self, outcome: TrialOutcome) -> dict[str, Any]:
        return {
            "key": outcome.key,
            "label": self.labels.get(outcome.key, ""),
            "spec": outcome.spec,
            "train_error": outcome.train_error,
            "dev_error": outcome.dev_error,
            "dev_loss": outcome.result["dev_loss"],
            "epochs_run": outcome.result.get("epochs_run"),
            "stopped_early": bool(outcome.result.get("stopped_early")),
            "best_epoch": outcome.result.get("best_epoch"),  # whose weights early stopping kept
            "cut_short": bool(outcome.result.get("cut_short")),
            "diverged": bool(outcome.result.get("diverged")),
        }

    def gradcheck(self, network, label: str, *, standardized: bool = False) -> dict[str, Any]:
        """The gradient check of ``network`` on the first training rows; ``standardized``: a
        regression's targets as the trials train on them, ``(y - mean) / std`` (an untrained
        network's outputs are near 0; against raw targets of 6e4, longley's, the check's
        rounding and kink effects grow with them and read "suspicious")."""
        from deeprecipe.check import gradcheck
        from deeprecipe.recipe.trial import target_scale

        trials = self.data.trials
        rows = min(self.config.gradcheck_rows, len(trials.X_train))
        mode = "full" if network.n_params <= FULL_GRADCHECK_LIMIT else "sampled"
        y = trials.y_train[:rows]
        if standardized:
            centre, spread = target_scale(trials)  # None, None for classes
            y = y if centre is None else network.task.standardize(y, centre, spread)
        result = gradcheck(
            network,
            trials.X_train[:rows],
            y,
            dropout="off",
            mode=mode,
            seed=self.config.seed,
            label=label,
        )
        out = result.to_dict()
        self.emit(
            "gradcheck",
            label=label,
            difference=out.get("difference"),
            verdict=out.get("verdict"),
            passed=out.get("passed"),
            outcome=out.get("outcome"),
            reading=out.get("reading"),
        )
        return out

    # ----------------------------------------------------------------- steps
    def situation(
        self, incumbent: TrialOutcome, diagnosis: Any = None, behind: Any = None
    ) -> Situation:
        return Situation(
            NetworkSpec.from_dict(incumbent.spec),
            incumbent,
            diagnosis,
            self.config,
            self.data.trials.image_shape,
            self.budget_left(),
            self.data.trials,
            None if self.optimization is None else self.optimization["verdict"],
            tuple(tuple(f) for f in (self.optimization or {}).get("fixes", ())),
            behind,
        )

    @property
    def optimization(self) -> dict[str, Any] | None:
        """The optimization probe's reading (None until it ran)."""
        return self.findings.get("optimization")

    def take(self, step: Step, now: Situation) -> tuple[RecipeStep, list, Decision] | None:
        """Sweep the step's candidates, record it, decide and announce; None when it offers
        nothing (or skips itself, with a note)."""
        candidates = step.candidates(now)
        if not candidates:
            return None
        note = step.skip(now, candidates)
        if note is not None:
            self.notes.append(note)
            return None
        diagnosis = None if step.diagnostic else now.diagnosis
        record, outcomes = self.sweep(
            step.name, step.kind, step.reason(now), candidates, now.incumbent, diagnosis
        )
        # this step's candidates by this step's labels: a spec met before under another label
        # ("adam learning rate 0.1" then, "lambda=3" now) is named as this step proposed it
        labels = {**self.labels, **{c["key"]: c["label"] for c in record.candidates}}
        decision = self._keeps_every_class(step.decide(now, outcomes, labels), now.incumbent)
        if decision.findings:
            self.findings.update(decision.findings)
        record.accepted, record.chosen = decision.accepted, decision.chosen
        record.chosen_key, record.decision = decision.chosen_key, decision.text
        record.diagnostic = step.diagnostic
        self.emit(
            "step_end",
            step=step.name,
            index=record.index,
            chosen=None if step.diagnostic else record.chosen,
            accepted=record.accepted,
            decision=record.decision,
        )
        return record, outcomes, decision

    def _keeps_every_class(self, decision: Decision, incumbent: TrialOutcome) -> Decision:
        """With imbalanced classes (:func:`~deeprecipe.diagnose.classes.imbalanced`), a
        winner that gives up a class on dev, one the incumbent finds, is not kept: the error
        rate rewards it (a new user's Hdma, 2% 'yes': L2 lambda=10 took dev error from 3.15%
        to 2.10% by never predicting 'yes', and the run was then done)."""
        winner = decision.winner
        if not decision.accepted or winner is None or incumbent is None:
            return decision
        from deeprecipe.diagnose.classes import imbalanced
        from deeprecipe.recipe.yardsticks import train_shares

        if not imbalanced(train_shares(self)):
            return decision
        lost = sorted(self._classes_found_on_dev(incumbent) - self._classes_found_on_dev(winner))
        if not lost:
            return decision
        names = ", ".join(repr(plain_value(self.data.targets.classes[k])) for k in lost)
        return replace(
            decision,
            accepted=False,
            chosen=self.labels.get(incumbent.key, "the current configuration"),
            chosen_key=incumbent.key,
            winner=None,
            text=(
                f"not kept: {decision.text}, but it never finds {names} on dev, which the "
                "current configuration does: with imbalanced classes the error rate rewards "
                "giving up a rare class"
            ),
        )

    def _classes_found_on_dev(self, outcome: TrialOutcome) -> set[int]:
        """The classes a trial's network predicts right at least once on dev (its recall above
        0), as class indices."""
        from deeprecipe.recipe.trial import network_from_trial

        trials = self.data.trials
        network = network_from_trial(outcome.spec, trials, self.sweeper.theta(outcome.key))
        predicted = np.asarray(network.predict(trials.X_dev))
        truth = np.asarray(trials.y_dev)
        if predicted.ndim != 1 or truth.ndim != 1:
            return set()
        return {int(c) for c in np.unique(truth[predicted == truth])}

    def _within_time(self, name, candidates, incumbent, deadline: float) -> list[Candidate]:
        """The candidates that can finish before the wall-time budget's end, at the incumbent's
        pace (its seconds per epoch, times each candidate's epochs and share of the rows): a
        training the deadline stops early is compared on unequal terms, so it is not started.
        One always runs (the deadline stops it), so that a step is never empty."""
        result, workers = incumbent.result, self.sweeper.workers
        ran = result.get("epochs_run") or 0
        if workers is None or not ran:
            return candidates
        pace = result["seconds"] / ran
        durations = [pace * spec.epochs * spec.train_fraction for _, spec in candidates]
        seconds = deadline - time.time()
        fit = max(1, trainings_that_fit(durations, workers, seconds))
        if fit < len(candidates):
            low, high = f"{min(durations):.0f}", f"{max(durations):.0f}"
            each = low if low == high else f"{low}-{high}"
            self.notes.append(
                f"step {name}: the {max(0.0, seconds):.0f} s left of the budget fit {fit} of its "
                f"{len(candidates)} candidates (about {each} s each on {workers} "
                f"worker{'s' if workers > 1 else ''})"
            )
        return candidates[:fit]

    def sweep(self, name, kind, reason, candidates: list[Candidate], incumbent, diagnosis):
        """Train ``candidates`` (within the budget) and record the step; return the outcomes.

        The budget, of trainings and of time, limits only the candidates not yet measured in
        this run (:meth:`~deeprecipe.recipe.sweep.Sweeper.measured`): the others are their
        outcomes again at no cost, and are always kept, so a sweep that comes back to them
        (L2 past its grid's top) spends what is left on the values it has not tried."""
        left, deadline = self.budget_left(), self.deadline()
        if kind == "baseline" and left == 0:
            # everything after is measured against the baseline: it is trained whatever is
            # left, for one epoch if the wall-time budget is spent (the run ends within it)
            self.notes.append("the budget was spent before the baseline; it was trained anyway")
            left = None
        measured = [self.sweeper.measured(spec) for _, spec in plain(candidates)]
        new = [c for c, m in zip(candidates, measured) if not m]
        if left is not None and len(new) > left:
            reused = len(candidates) - len(new)
            before = f" ({reused} more were measured before)" if reused else ""
            self.notes.append(
                f"step {name}: the budget allowed {left} of its {len(new)} "
                f"{'new ' if reused else ''}candidates{before}"
            )
            new = new[:left]
        if deadline is not None and incumbent is not None:
            new = self._within_time(name, new, incumbent, deadline)
        candidates = measured_and_first_new(candidates, measured, len(new))
        labels = [label for label, _ in candidates]
        index = len(self.steps)
        self.emit(
            "step_start",
            step=name,
            index=index,
            kind=kind,
            reason=reason,
            n_candidates=len(candidates),
            labels=labels,
        )
        started = time.monotonic()
        outcomes = self.sweeper.run(
            [spec for _, spec in plain(candidates)], step=name, labels=labels, deadline=deadline
        )
        cut = [label for label, o in zip(labels, outcomes) if o.result.get("cut_short")]
        if cut:
            self.notes.append(
                f"step {name}: the wall-time budget stopped {len(cut)} of its "
                f"{len(candidates)} trainings before their last epoch "
                f"({('; ' if any(',' in label for label in cut) else ', ').join(cut)})"
            )
        for label, outcome in zip(labels, outcomes):
            self.labels.setdefault(outcome.key, label)
        step = RecipeStep(
            index=index,
            name=name,
            kind=kind,
            reason=reason,
            diagnosis_before=None if diagnosis is None else diagnosis.to_dict(),
            incumbent_before=None if incumbent is None else self.describe(incumbent),
            candidates=[{**o.to_dict(), "label": label} for label, o in zip(labels, outcomes)],
            seconds=time.monotonic() - started,
        )
        self.steps.append(step)
        return step, outcomes
