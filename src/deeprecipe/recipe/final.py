"""The end of a run: the chosen configuration retrained on train + dev (when asked), its network
rebuilt, and the one and only read of the test set."""

from __future__ import annotations

import dataclasses

import numpy as np

from deeprecipe._validation import check_array
from deeprecipe.recipe.result import RecipeStep
from deeprecipe.recipe.state import RunState
from deeprecipe.recipe.sweep import Sweeper, TrialOutcome
from deeprecipe.recipe.trial import TrialData, network_from_trial
from deeprecipe.task import Task

REFIT_LABEL = "refit on train + dev"


def refit(run: RunState, incumbent: TrialOutcome):
    """Retrain the chosen configuration on train + dev (a new scaler fitted on them); return
    ``(data, outcome, scaler)``."""
    from deeprecipe.data import Standardizer

    targets = run.data.targets
    X_train, y_train, X_dev, y_dev = run.data.raw_train
    X_all = np.concatenate([np.asarray(X_train, dtype=np.float64), X_dev])
    y_all = np.concatenate([targets.encode(y_train), targets.encode(y_dev)])
    blocks = run.data.categorical_blocks
    scaler = Standardizer().fit(X_all, unscaled=blocks) if run.config.normalize else None
    data = TrialData(
        scaler.transform(X_all) if scaler is not None else X_all,
        y_all,
        None,
        None,
        loss=targets.loss,
        n_outputs=targets.n_outputs,
        image_shape=run.data.trials.image_shape,
        scaler=scaler,
        device=run.data.trials.device,
        backend=run.data.trials.backend,
    )
    spec = dict(incumbent.spec)
    if spec["early_stopping"]:
        spec["epochs"] = int(incumbent.result["best_epoch"] or incumbent.result["epochs_run"])
        spec["early_stopping"] = None
    run.emit(
        "step_start",
        step="refit",
        index=len(run.steps),
        kind="refit",
        reason="retrain the chosen configuration on train + dev",
        n_candidates=1,
        labels=["refit"],
    )
    sweeper = Sweeper(data, n_jobs=1, record=run.sweeper.record, on_event=run.trial_event)
    (outcome,) = sweeper.run([spec], step="refit", labels=[REFIT_LABEL])
    run.sweeper.n_trained += sweeper.n_trained
    run.sweeper.n_reused += sweeper.n_reused
    run.labels.setdefault(outcome.key, REFIT_LABEL)
    run.steps.append(
        RecipeStep(
            index=len(run.steps),
            name="refit",
            kind="refit",
            reason="the configuration chosen on dev, retrained on train + dev for the final model",
            diagnosis_before=None,
            incumbent_before=run.describe(incumbent),
            candidates=[{**outcome.to_dict(), "label": REFIT_LABEL}],
            chosen=REFIT_LABEL,
            chosen_key=outcome.key,
            accepted=True,
            decision=f"the final model trains on {outcome.result['n_train']} examples",
        )
    )
    return data, outcome, scaler


def final_network(run: RunState, incumbent: TrialOutcome):
    """The network to keep and its scaler: the refit one when asked, else the incumbent's;
    also the refit's outcome (None without one)."""
    if not run.config.refit:
        theta = run.sweeper.theta(incumbent.key)
        return (
            network_from_trial(incumbent.spec, run.data.trials, theta),
            run.data.trials.scaler,
            None,
        )
    data, outcome, scaler = refit(run, incumbent)
    network = network_from_trial(outcome.spec, data, run.sweeper.theta(outcome.key))
    return network, scaler, outcome


def evaluate_test(run: RunState, network, scaler, *, dev_network: bool = True) -> float | None:
    """The one and only read of the test set: the chosen network and the reference models
    together (a classifier's per-class figures from the same predictions). Then, when the
    network never trained on dev (no refit), whether its dev and test errors agree within the
    noise of their sizes (a warning in the notes when not)."""
    from deeprecipe.data.dev_test import compare_dev_test
    from deeprecipe.recipe import yardsticks
    from deeprecipe.recipe.guards import behind_on_test

    run.test_targets = None
    if run.data.heldout is None:
        run.notes.append("no test set: the test error was not measured")
        return None
    X_raw, y_test = run.data.heldout.reveal(
        "final evaluation of the chosen network and the reference models"
    )
    X_raw = check_array("X_test", X_raw, ndim=2)
    targets = run.data.targets.encode(y_test, "y_test")
    run.test_targets = targets
    X_test = scaler.transform(X_raw) if scaler is not None else X_raw
    prediction = np.asarray(network.predict(X_test))  # the error and the per-class figures
    test_losses = yardsticks.prediction_losses(network, prediction, targets)
    yardsticks.per_class(run, "test", prediction, targets)
    error = float(test_losses.mean())
    # the references were fitted on the trials' inputs, scaled by the trials' own scaler
    trials = run.data.trials
    X_ref = trials.scaler.transform(X_raw) if trials.scaler is not None else X_raw
    regression = not run.data.targets.head.metric_is_rate
    tested = yardsticks.losses_on_test(run.reference_models, X_ref, targets, regression=regression)
    for reference in run.references:
        losses = tested.get(reference["kind"])
        reference["test_error"] = None if losses is None else float(losses.mean())
    run.notes += behind_on_test(
        error, run.references, regression=regression, test_losses=test_losses,
        reference_losses=tested,
    )  # fmt: skip
    if dev_network:
        dev_losses = yardsticks.network_losses(network, trials.X_dev, trials.y_dev)
        agreement = compare_dev_test(dev_losses, test_losses)
        run.dev_test = dataclasses.asdict(agreement)
        same_source = bool(run.data.info.get("dev_test_same_source"))
        shared = _moved_alike(run.references, agreement.dev_error, agreement.test_error)
        note = agreement.note(run.data.targets.head.metric, same_source=same_source, shared=shared)
        if note:
            run.notes.append(note + _references_moved(run.references, run.data.targets.head))
    run.emit(
        "test_evaluated",
        test_error=error,
        n_test=len(X_test),
        references={r["kind"]: r.get("test_error") for r in run.references},
    )
    return error


def _moved_alike(references: list[dict], dev: float, test: float) -> bool:
    """Whether every linear and boosting reference moved from dev to test in the network's
    direction by at least a quarter of its relative move: then the test sample differs for
    every model, choices made on dev or not."""
    if dev <= 0:
        return False
    change = test / dev - 1
    moves = [
        r["test_error"] / r["dev_error"] - 1
        for r in references
        if r["kind"] != "trivial" and r.get("dev_error") and r.get("test_error") is not None
    ]
    return bool(moves) and all(m * change > 0 and abs(m) >= abs(change) / 4 for m in moves)


def _references_moved(references: list[dict], head: Task) -> str:
    """How the reference models' errors moved from dev to test, as a clause (in the task's
    format): when they moved as the network's did, the test sample is harder (or easier) for
    every model alike."""
    fmt = head.format_metric
    moves = [
        f"{r['name']} {fmt(r['dev_error'])} -> {fmt(r['test_error'])}"
        for r in references
        if r["kind"] != "trivial"
        and r.get("dev_error") is not None
        and r.get("test_error") is not None
    ]
    return f" (the reference models, dev -> test: {'; '.join(moves)})" if moves else ""
