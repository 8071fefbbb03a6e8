"""The basic recipe for machine learning, run automatically (course 2, week 1).

::

    split; normalize on train; initialize for the activation; gradient-check; train a baseline
    while avoidable bias is high:   bigger network (wider, then deeper), train longer, Adam
    while variance is high:         L2 (lambda sweep), dropout (keep_prob sweep),
                                    augmentation, early stopping; learning curve -> more data?
    gradient-check the chosen network; measure the test error ONCE

Every step is chosen by dev error alone (ties broken by the dev loss without its L2 term, also a
dev figure): a step's best candidate replaces the current configuration only if it beats it on
dev. The loop goes back to bias whenever a variance fix raised it, and stops when both gaps are
within tolerance, when no action helps any more, or when the budget is spent. The test set sits
in a :class:`~deeprecipe.recipe.heldout.HeldOutSet` that opens once, in the final step.

Nothing here prints: progress goes to the optional ``on_event(event: dict)`` callback.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from deeprecipe._validation import check_array
from deeprecipe.data.schema import MAX_CLASSES_AUTO
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.activations import get_activation
from deeprecipe.recipe.actions import BIAS_ACTIONS, VARIANCE_ACTIONS, WHY, propose
from deeprecipe.recipe.config import RecipeConfig, check_bayes_error_for_task, infer_targets
from deeprecipe.recipe.heldout import HeldOutSet
from deeprecipe.recipe.record import TrialRecord
from deeprecipe.recipe.result import RecipeResult, RecipeStep
from deeprecipe.recipe.sweep import Sweeper, TrialOutcome
from deeprecipe.recipe.trial import (
    TrialData,
    build_network,
    make_spec,
    network_from_trial,
    target_scale,
)

EventCallback = Callable[[dict[str, Any]], None]

#: networks with at most this many parameters are gradient-checked entry by entry
FULL_GRADCHECK_LIMIT = 5000
#: a learning curve whose dev error still falls by more than this over its last step says
#: that more data would help
STILL_FALLING = 0.005


class Recipe:
    """Run the basic recipe on ``(X, y)``: ``Recipe(hidden=(20, 3), bayes_error=0.05).run(X, y)``.

    Settings are the fields of :class:`RecipeConfig`, given as a config, as keywords, or both
    (keywords win). ``on_event`` receives plain-dict progress events (``run_start``,
    ``step_start``, ``trial_done``, ``step_end``, ``gradcheck``, ``test_evaluated``,
    ``run_end``); an exception raised there stops the run (finished trials stay recorded).
    """

    def __init__(
        self,
        config: RecipeConfig | Mapping[str, Any] | None = None,
        *,
        on_event: EventCallback | None = None,
        **settings: Any,
    ) -> None:
        if isinstance(config, Mapping):
            settings = {**config, **settings}
            config = None
        if config is not None and not isinstance(config, RecipeConfig):
            raise DeepRecipeError(
                f"config={config!r}; accepted: a RecipeConfig, a dict of its settings, or None"
            )
        unknown = set(settings) - RecipeConfig.field_names()
        if unknown:
            raise DeepRecipeError(
                f"unknown recipe setting(s) {sorted(unknown)}; accepted: "
                f"{', '.join(sorted(RecipeConfig.field_names()))}"
            )
        base = config if config is not None else RecipeConfig()
        self.config = dataclasses.replace(base, **settings) if settings else base
        if on_event is not None and not callable(on_event):
            raise DeepRecipeError(f"on_event={on_event!r}; accepted: a function of one dict")
        self.on_event = on_event

    def run(
        self,
        X: Any,
        y: Any,
        *,
        X_dev: Any = None,
        y_dev: Any = None,
        X_test: Any = None,
        y_test: Any = None,
        image_shape: tuple[int, ...] | None = None,
    ) -> RecipeResult:
        """Split (unless dev/test are given), then run the recipe; see the module docstring.

        ``X_dev``/``y_dev`` and ``X_test``/``y_test`` are the user's own fixed splits; whatever
        is not given is split off ``X``. ``image_shape`` (``(h, w[, c])``) says the rows are
        flattened images, which enables image augmentation.
        """
        return _Run(self.config, self.on_event).execute(
            X, y, X_dev, y_dev, X_test, y_test, image_shape
        )


def check_image_shape(image_shape: Any) -> tuple[int, ...]:
    """``(height, width)`` or ``(height, width, channels)``, positive whole numbers."""
    accepted = "accepted: (height, width) or (height, width, channels), positive whole numbers"
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__"):
        raise DeepRecipeError(f"image_shape={image_shape!r}; {accepted}")
    values = list(image_shape)
    if len(values) not in (2, 3) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise DeepRecipeError(f"image_shape={tuple(values)!r}; {accepted}")
    return tuple(int(v) for v in values)


class _Run:
    """The state of one run: data, budget, the current configuration, the steps so far."""

    def __init__(self, config: RecipeConfig, on_event: EventCallback | None) -> None:
        self.config = config
        self.on_event = on_event
        self.start = time.monotonic()
        self.steps: list[RecipeStep] = []
        self.notes: list[str] = []
        self.labels: dict[str, str] = {}

    # ----------------------------------------------------------------- plumbing
    def emit(self, event: str, **fields: Any) -> None:
        if self.on_event is not None:
            self.on_event({"event": event, "elapsed": time.monotonic() - self.start, **fields})

    def _trial_event(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event({**event, "elapsed": time.monotonic() - self.start})

    @property
    def trainings_used(self) -> int:
        return self.sweeper.n_trained + self.sweeper.n_reused

    def budget_left(self) -> int | None:
        """Trainings left (None: unlimited); 0 when the wall-time budget is spent."""
        cfg = self.config
        if cfg.max_seconds is not None and time.monotonic() - self.start >= cfg.max_seconds:
            return 0
        if cfg.max_trainings is None:
            return None
        return max(0, cfg.max_trainings - self.trainings_used)

    def diagnose(self, outcome: TrialOutcome):
        from deeprecipe.diagnose import diagnose

        cfg = self.config
        scale = 1.0 if self.targets.head.metric_is_rate else self.target_variance
        return diagnose(
            outcome.train_error,
            outcome.dev_error,
            cfg.bayes_error,
            bias_tolerance=cfg.bias_tolerance * scale,
            variance_tolerance=cfg.variance_tolerance * scale,
            relative_tolerance=cfg.relative_tolerance,
            metric=self.targets.head.diagnosis_metric,
        )

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
            "diverged": bool(outcome.result.get("diverged")),
        }

    # ----------------------------------------------------------------- the run
    def execute(self, X, y, X_dev, y_dev, X_test, y_test, image_shape) -> RecipeResult:
        cfg = self.config
        data, heldout, split_info = self.prepare(X, y, X_dev, y_dev, X_test, y_test, image_shape)
        self.data, self.heldout = data, heldout
        record = TrialRecord(cfg.record_dir)
        with Sweeper(data, n_jobs=cfg.n_jobs, cluster=cfg.cluster, record=record,
                     on_event=self._trial_event) as self.sweeper:  # fmt: skip
            self.emit("run_start", **split_info, task=self.targets.task, where=self.sweeper.where,
                      bayes_error=cfg.bayes_error, max_trainings=cfg.max_trainings)  # fmt: skip
            base = self.base_spec(data)
            gradcheck = {"init": self.gradcheck(build_network(base, data), "at initialization")}
            baseline = self.baseline(base)
            incumbent, stopped = self.loop(baseline)
            curve = self.learning_curve(incumbent)
            validation_curves = self.validation_curves()
            refit = self.refit(incumbent) if cfg.refit else None
            if refit is not None:
                final_data, final_outcome, scaler = refit
                network = network_from_trial(
                    final_outcome.spec, final_data, self.sweeper.theta(final_outcome.key)
                )
            else:
                scaler = data.scaler
                network = network_from_trial(
                    incumbent.spec, data, self.sweeper.theta(incumbent.key)
                )
            gradcheck["final"] = self.gradcheck(network, "after training (chosen network)")
            test_error = self.evaluate_test(network, scaler)
            trainings = {
                "total": self.trainings_used,
                "trained": self.sweeper.n_trained,
                "reused": self.sweeper.n_reused,
            }
        baseline_diagnosis = self.diagnose(baseline)
        final_diagnosis = self.diagnose(incumbent)
        recommendations = self.recommend(final_diagnosis, curve, incumbent, stopped)
        seconds = time.monotonic() - self.start
        self.emit("run_end", stopped_because=stopped, test_error=test_error, seconds=seconds,
                  trainings=trainings)  # fmt: skip
        return RecipeResult(
            config=cfg.to_dict(),
            targets=self.targets.to_dict(),
            data={**split_info, "where": self.sweeper.where, "record_dir": cfg.record_dir},
            steps=self.steps,
            baseline=self.describe(baseline),
            final=self.describe(incumbent),
            baseline_diagnosis=baseline_diagnosis,
            final_diagnosis=final_diagnosis,
            train_error=incumbent.train_error,
            dev_error=incumbent.dev_error,
            test_error=test_error,
            gradcheck=gradcheck,
            learning_curve=curve,
            validation_curves=validation_curves,
            recommendations=recommendations,
            stopped_because=stopped,
            trainings=trainings,
            seconds=seconds,
            test_access=list(heldout.accesses) if heldout is not None else [],
            notes=self.notes + ([] if cfg.bayes_error is not None else [
                "no Bayes (human-level) error was given: 0 is assumed, so all of the training "
                "error counts as avoidable bias"
            ]),  # fmt: skip
            network=network,
            scaler=scaler,
            refit=None if refit is None else {
                **self.describe(refit[1]), "n_train": refit[1].result["n_train"],
            },  # fmt: skip
        )

    # ----------------------------------------------------------------- data
    def prepare(self, X, y, X_dev, y_dev, X_test, y_test, image_shape):
        from deeprecipe.data import SmallSplitWarning, Standardizer, overlap_notes, split

        cfg = self.config
        X = check_array("X", X, ndim=2)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            raise DeepRecipeError(
                f"y has {y.size if y.ndim == 0 else len(y)} rows but X has {len(X)}; accepted: "
                "one target per row of X"
            )
        for name, a, b in (("dev", X_dev, y_dev), ("test", X_test, y_test)):
            if (a is None) != (b is None):
                raise DeepRecipeError(f"X_{name} and y_{name} go together; give both or neither")
        self.targets = infer_targets(y, cfg.task)
        given = {"dev": X_dev is not None, "test": X_test is not None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SmallSplitWarning)
            if X_dev is None or X_test is None:
                try:
                    parts = split(
                        X, y,
                        dev=0 if X_dev is not None else cfg.dev,
                        test=0 if X_test is not None else cfg.test,
                        seed=cfg.seed,
                    )  # fmt: skip
                except DeepRecipeError as exc:
                    raise DeepRecipeError(f"{exc}{self.many_classes_hint()}") from None
                X_train, y_train = parts.X_train, parts.y_train
                if X_dev is None:
                    X_dev, y_dev = parts.X_dev, parts.y_dev
                if X_test is None:
                    X_test, y_test = parts.X_test, parts.y_test
                made = f"split from X (seed {cfg.seed})"
            else:
                X_train, y_train = X, y
                made = "given"
        self.notes += [str(w.message) for w in caught if issubclass(w.category, SmallSplitWarning)]
        if len(X_dev) == 0:
            raise DeepRecipeError(
                f"dev={cfg.dev!r} leaves no dev set, and the recipe makes every choice on dev "
                "error; accepted: dev above 0 (a fraction or a count), or X_dev and y_dev"
            )
        X_dev = check_array("X_dev", X_dev, ndim=2)
        for name, part in (("X_dev", X_dev), ("X_test", X_test)):
            shape = np.shape(part)  # the test set's shape only: its values stay unread
            if len(shape) != 2 or shape[1] != X.shape[1]:
                raise DeepRecipeError(
                    f"{name} has shape {shape}; accepted: a 2-D array with {X.shape[1]} columns "
                    "like X"
                )
        for name, a, b in (("dev", X_dev, y_dev), ("test", X_test, y_test)):
            if len(np.asarray(b)) != len(a):
                raise DeepRecipeError(
                    f"y_{name} has {len(np.asarray(b))} rows but X_{name} has {len(a)}; "
                    f"accepted: one target per row of X_{name}"
                )
        # The test set's form is checked now, so a bad one fails before the trainings rather
        # than after them; its values decide nothing until the one read at the end.
        check_array("X_test", X_test, ndim=2, allow_empty=True)
        self.targets.encode(y_test, "y_test")
        own = {"dev": X_dev, "test": X_test}
        self.notes += overlap_notes(X_train, {k: own[k] for k in own if given[k]})
        check_bayes_error_for_task(cfg.bayes_error, self.targets.task)  # task="auto" read off y
        if image_shape is not None:
            image_shape = check_image_shape(image_shape)
            if int(np.prod(image_shape)) != X.shape[1]:
                raise DeepRecipeError(
                    f"image_shape={image_shape} holds {int(np.prod(image_shape))} values but X "
                    f"has {X.shape[1]} columns; accepted: a shape whose product is {X.shape[1]}"
                )
        scaler = Standardizer().fit(X_train) if cfg.normalize else None
        scale = (lambda a: scaler.transform(a)) if scaler is not None else (lambda a: a)
        data = TrialData(
            scale(X_train),
            self.targets.encode(y_train, "y"),
            scale(X_dev),
            self.targets.encode(y_dev, "y_dev"),
            loss=self.targets.loss,
            n_outputs=self.targets.n_outputs,
            image_shape=image_shape,
            scaler=scaler,
        )
        self.raw_train = (X_train, y_train, X_dev, y_dev)
        # regression tolerances are shares of the targets' variance (the scale trials train at)
        _, spread = target_scale(data)
        self.target_variance = 1.0 if spread is None else float(np.mean(spread**2))
        heldout = HeldOutSet(X_test, y_test) if len(X_test) else None
        info = {
            "n_train": int(len(X_train)),
            "n_dev": int(len(X_dev)),
            "n_test": 0 if heldout is None else heldout.n_examples,
            "n_features": int(X.shape[1]),
            "split": made,
            "normalized": scaler is not None,
            "image_shape": None if image_shape is None else list(image_shape),
        }
        return data, heldout, info

    def many_classes_hint(self) -> str:
        """A hint when y was read as many integer classes: it may be a quantity."""
        classes = self.targets.classes or []
        if self.config.task != "auto" or len(classes) <= MAX_CLASSES_AUTO:
            return ""
        return (
            f" (y was read as {len(classes)} integer classes; if it is a quantity, pass "
            "task='regression')"
        )

    def base_spec(self, data: TrialData) -> dict[str, Any]:
        cfg = self.config
        init = cfg.init or get_activation(cfg.activation).recommended_init
        return make_spec(
            hidden=list(cfg.hidden),
            activation=cfg.activation,
            init=init,
            optimizer=cfg.optimizer,
            learning_rate=cfg.effective_learning_rate,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            metrics_every=max(1, cfg.epochs // cfg.history_points),
            seed=cfg.seed,
        )

    # ----------------------------------------------------------------- checks
    def gradcheck(self, network, label: str) -> dict[str, Any]:
        from deeprecipe.check import gradcheck

        rows = min(self.config.gradcheck_rows, len(self.data.X_train))
        mode = "full" if network.n_params <= FULL_GRADCHECK_LIMIT else "sampled"
        result = gradcheck(
            network,
            self.data.X_train[:rows],
            self.data.y_train[:rows],
            dropout="off",
            mode=mode,
            seed=self.config.seed,
            label=label,
        )
        out = result.to_dict()
        self.emit("gradcheck", label=label, difference=out.get("difference"),
                  verdict=out.get("verdict"), passed=out.get("passed"))  # fmt: skip
        return out

    # ----------------------------------------------------------------- steps
    def run_step(self, name, kind, reason, candidates, incumbent, diagnosis):
        """Sweep ``candidates`` ([(label, spec)]) and record the step; return the outcomes."""
        left = self.budget_left()
        if kind == "baseline" and left == 0:
            # everything after is measured against the baseline: it is trained whatever is left
            self.notes.append("the budget was spent before the baseline; it was trained anyway")
            left = None
        if left is not None and len(candidates) > left:
            self.notes.append(
                f"step {name}: the budget allowed {left} of its {len(candidates)} candidates"
            )
            candidates = candidates[:left]
        index = len(self.steps)
        self.emit("step_start", step=name, index=index, kind=kind, reason=reason,
                  n_candidates=len(candidates), labels=[c[0] for c in candidates])  # fmt: skip
        started = time.monotonic()
        outcomes = self.sweeper.run(
            [spec for _, spec in candidates], step=name, labels=[c[0] for c in candidates]
        )
        for (label, _), outcome in zip(candidates, outcomes):
            self.labels.setdefault(outcome.key, label)
        step = RecipeStep(
            index=index,
            name=name,
            kind=kind,
            reason=reason,
            diagnosis_before=None if diagnosis is None else diagnosis.to_dict(),
            incumbent_before=None if incumbent is None else self.describe(incumbent),
            candidates=[
                {**o.to_dict(), "label": label} for (label, _), o in zip(candidates, outcomes)
            ],
            seconds=time.monotonic() - started,
        )
        self.steps.append(step)
        return step, outcomes

    def baseline(self, spec: dict[str, Any]) -> TrialOutcome:
        label = (
            f"hidden {'-'.join(map(str, spec['hidden']))}, {spec['activation']}, "
            f"{spec['init']} init, {spec['optimizer']} lr {spec['learning_rate']:g}, "
            f"{spec['epochs']} epochs"
        )
        step, (outcome,) = self.run_step(
            "baseline", "baseline", "the starting point every later step is compared with",
            [(label, spec)], None, None,
        )  # fmt: skip
        step.chosen, step.chosen_key, step.accepted = label, outcome.key, True
        diagnosis = self.diagnose(outcome)
        step.decision = f"diagnosed {diagnosis}"
        self.emit("step_end", step="baseline", index=0, chosen=label, accepted=True,
                  decision=step.decision, diagnosis=diagnosis.to_dict())  # fmt: skip
        return outcome

    def loop(self, incumbent: TrialOutcome) -> tuple[TrialOutcome, str]:
        """Bias first, then variance, until both are within tolerance or nothing helps."""
        cfg = self.config
        failed: dict[str, set[str]] = {"bias": set(), "variance": set()}
        position = {"bias": 0, "variance": 0}
        actions = {"bias": BIAS_ACTIONS, "variance": VARIANCE_ACTIONS}
        while True:
            diagnosis = self.diagnose(incumbent)
            if not diagnosis.high_bias and not diagnosis.high_variance:
                return incumbent, "both gaps are within tolerance"
            if self.budget_left() == 0:
                return incumbent, "the budget is spent"
            if len(self.steps) > cfg.max_steps:
                return incumbent, f"the step limit ({cfg.max_steps}) is reached"
            focus = None
            for kind, high in (("bias", diagnosis.high_bias),
                               ("variance", diagnosis.high_variance)):  # fmt: skip
                if high and len(failed[kind]) < len(actions[kind]):
                    focus = kind
                    break
            if focus is None:
                return incumbent, "no action of the recipe lowered the dev error any further"
            order = actions[focus]
            while order[position[focus]] in failed[focus]:
                position[focus] = (position[focus] + 1) % len(order)
            action = order[position[focus]]
            position[focus] = (position[focus] + 1) % len(order)
            candidates = propose(action, incumbent.spec, cfg, image_shape=self.data.image_shape)
            if not candidates:
                failed[focus].add(action)
                continue
            reason = f"{diagnosis}; {WHY[action]}"
            step, outcomes = self.run_step(action, focus, reason, candidates, incumbent, diagnosis)
            best = min(outcomes, key=lambda o: o.dev_score)
            if best.dev_score < incumbent.dev_score:
                step.accepted, step.chosen, step.chosen_key = True, self.labels[best.key], best.key
                step.decision = (
                    f"kept {step.chosen}: dev error {incumbent.dev_error:.4g} -> "
                    f"{best.dev_error:.4g} (train error {incumbent.train_error:.4g} -> "
                    f"{best.train_error:.4g})"
                )
                if best.dev_error == incumbent.dev_error:
                    step.decision += (
                        f"; a tie on dev error, broken by the lower dev cost "
                        f"{incumbent.result['dev_loss']:.4g} -> {best.result['dev_loss']:.4g}"
                    )
                incumbent = best
                failed = {"bias": set(), "variance": set()}
            else:
                step.chosen = self.labels.get(incumbent.key, "the current configuration")
                step.chosen_key = incumbent.key
                step.decision = (
                    f"no candidate beat the current dev error {incumbent.dev_error:.4g} (best: "
                    f"{self.labels[best.key]} with {best.dev_error:.4g}); kept the current one"
                )
                failed[focus].add(action)
            self.emit("step_end", step=action, index=step.index, chosen=step.chosen,
                      accepted=step.accepted, decision=step.decision)  # fmt: skip

    # ----------------------------------------------------------------- curves
    def learning_curve(self, incumbent: TrialOutcome):
        """Train the chosen configuration on growing shares of the training set."""
        from deeprecipe.diagnose import LearningCurve

        fractions = sorted(set(self.config.learning_curve_fractions) | {1.0})
        left = self.budget_left()
        todo = [f for f in fractions if f < 1.0]
        if not todo:
            return None
        if left is not None and left < len(todo):
            self.notes.append(
                f"the learning curve was skipped: it needs {len(todo)} trainings and the budget "
                f"has {left} left"
            )
            return None
        candidates = [
            (f"{f:.0%} of the training set", make_spec(incumbent.spec, train_fraction=f))
            for f in todo
        ]
        step, outcomes = self.run_step(
            "learning_curve", "learning_curve",
            "does more data help? the chosen configuration on growing shares of the training set",
            candidates, incumbent, None,
        )  # fmt: skip
        outcomes = [*outcomes, incumbent]
        step.chosen, step.chosen_key = self.labels.get(incumbent.key), incumbent.key
        step.decision = "a diagnostic: nothing is chosen"
        self.emit("step_end", step="learning_curve", index=step.index, chosen=None,
                  accepted=False, decision=step.decision)  # fmt: skip
        return LearningCurve(
            param_name="train_size",
            values=[o.result["n_train"] for o in outcomes],
            train_errors=[[o.train_error] for o in outcomes],
            dev_errors=[[o.dev_error] for o in outcomes],
            train_costs=[[o.result["train_loss"]] for o in outcomes],
            dev_costs=[[o.result["dev_loss"]] for o in outcomes],
            metric=self.targets.head.metric,
            seed=self.config.seed,
            diverged=[[bool(o.result["diverged"])] for o in outcomes],
        )

    def validation_curves(self) -> dict[str, Any]:
        """Train and dev error against lambda and keep_prob, from the first sweep of each."""
        from deeprecipe.diagnose import ValidationCurve

        curves = {}
        for name, param in (("l2", "l2"), ("dropout", "keep_prob")):
            step = next((s for s in self.steps if s.name == name), None)
            if step is None or not step.candidates:
                continue
            order = np.argsort([c["spec"][param] for c in step.candidates], kind="stable")
            points = [step.candidates[i] for i in order]
            curves[param] = ValidationCurve(
                param_name=param,
                values=[c["spec"][param] for c in points],
                train_errors=[[c["train_error"]] for c in points],
                dev_errors=[[c["dev_error"]] for c in points],
                train_costs=[[c["train_loss"]] for c in points],
                dev_costs=[[c["dev_loss"]] for c in points],
                metric=self.targets.head.metric,
                seed=self.config.seed,
                diverged=[[bool(c["diverged"])] for c in points],
            )
        return curves

    def recommend(self, diagnosis, curve, incumbent: TrialOutcome, stopped: str) -> list[str]:
        """What to do next, from the final diagnosis, the learning curve, what was tried and
        why the run stopped."""
        out = []
        diverged = [
            c for step in self.steps for c in step.candidates if c.get("diverged")
        ]  # fmt: skip
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
        tried = {step.kind for step in self.steps if step.kind in ("bias", "variance")}
        budget_spent = stopped == "the budget is spent"
        for kind, high in (("bias", diagnosis.high_bias), ("variance", diagnosis.high_variance)):
            if high and budget_spent and kind not in tried:
                fixes = ("a bigger network, longer training" if kind == "bias"
                         else "regularization, augmentation, early stopping")  # fmt: skip
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
            drop = dev[-2] - dev[-1]
            if diagnosis.high_variance and drop > STILL_FALLING:
                out.append(
                    f"more data is likely to help: the dev error still fell by {drop:.3g} from "
                    f"{sizes[-2]} to {sizes[-1]} training examples (the recipe cannot fetch data)"
                )
            elif diagnosis.high_variance:
                out.append(
                    "variance is still high but the learning curve has flattened: more data of "
                    "the same kind would help little; consider another architecture"
                )
            elif diagnosis.high_bias:
                out.append("more data will not fix bias: the curves have met at a high error")
        elif diagnosis.high_variance and "variance" in tried:
            out.append(
                "variance is still high after the recipe's regularization: more data, or "
                "stronger settings than its grids (l2_grid, keep_prob_grid)"
            )
        if not diagnosis.high_bias and not diagnosis.high_variance:
            out.append("both gaps are within tolerance: the model is done")
        return out

    # ----------------------------------------------------------------- refit and test
    def refit(self, incumbent: TrialOutcome):
        """Retrain the chosen configuration on train + dev (a new scaler fitted on them)."""
        from deeprecipe.data import Standardizer

        X_train, y_train, X_dev, y_dev = self.raw_train
        X_all = np.concatenate([np.asarray(X_train, dtype=np.float64), X_dev])
        y_all = np.concatenate([self.targets.encode(y_train), self.targets.encode(y_dev)])
        scaler = Standardizer().fit(X_all) if self.config.normalize else None
        data = TrialData(
            scaler.transform(X_all) if scaler is not None else X_all, y_all, None, None,
            loss=self.targets.loss, n_outputs=self.targets.n_outputs,
            image_shape=self.data.image_shape, scaler=scaler,
        )  # fmt: skip
        spec = dict(incumbent.spec)
        if spec["early_stopping"]:
            spec["epochs"] = int(incumbent.result["best_epoch"] or incumbent.result["epochs_run"])
            spec["early_stopping"] = None
        self.emit("step_start", step="refit", index=len(self.steps), kind="refit",
                  reason="retrain the chosen configuration on train + dev", n_candidates=1,
                  labels=["refit"])  # fmt: skip
        sweeper = Sweeper(data, n_jobs=1, record=self.sweeper.record,
                          on_event=self._trial_event)  # fmt: skip
        (outcome,) = sweeper.run([spec], step="refit", labels=["refit on train + dev"])
        self.sweeper.n_trained += sweeper.n_trained
        self.sweeper.n_reused += sweeper.n_reused
        self.labels.setdefault(outcome.key, "refit on train + dev")
        self.steps.append(RecipeStep(
            index=len(self.steps), name="refit", kind="refit",
            reason="the configuration chosen on dev, retrained on train + dev for the final model",
            diagnosis_before=None, incumbent_before=self.describe(incumbent),
            candidates=[{**outcome.to_dict(), "label": "refit on train + dev"}],
            chosen="refit on train + dev", chosen_key=outcome.key, accepted=True,
            decision=f"the final model trains on {outcome.result['n_train']} examples",
        ))  # fmt: skip
        return data, outcome, scaler

    def evaluate_test(self, network, scaler) -> float | None:
        """The one and only read of the test set."""
        if self.heldout is None:
            self.notes.append("no test set: the test error was not measured")
            return None
        X_test, y_test = self.heldout.reveal("final evaluation of the chosen network")
        X_test = check_array("X_test", X_test, ndim=2)
        targets = self.targets.encode(y_test, "y_test")
        if scaler is not None:
            X_test = scaler.transform(X_test)
        error = float(network.error(X_test, targets))
        self.emit("test_evaluated", test_error=error, n_test=len(X_test))
        return error


def run_recipe(X: Any, y: Any, config: RecipeConfig | Mapping[str, Any] | None = None, **kw):
    """Shorthand for ``Recipe(config).run(X, y, **kw)`` (a dict of settings is accepted)."""
    if isinstance(config, Mapping):
        return Recipe(**config).run(X, y, **kw)
    return Recipe(config).run(X, y, **kw)
