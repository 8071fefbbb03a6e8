"""A recipe run (``RecipeResult.to_dict()``) turned into what :func:`build_report` reads.

The recipe records plain data; this module picks out, for each section of the report, the
figures it needs (errors, diagnoses, steps with their candidates, histories of the baseline
and the chosen model, curves, gradient checks), and adds what only the trained networks can
give (per-layer histograms, decision boundaries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprecipe.nn import Network
from deeprecipe.recipe.result import chosen_network_words
from deeprecipe.report.build import build_report
from deeprecipe.report.probes import boundary_panel, layer_samples
from deeprecipe.report.writer import Report
from deeprecipe.task import get_task

if TYPE_CHECKING:
    from deeprecipe.recipe import RecipeResult

GRADCHECK_LABELS = {"init": "at initialization", "final": "after training (chosen network)"}


def _candidate(steps: list[Mapping[str, Any]], key: str | None) -> Mapping[str, Any] | None:
    """The trial with this key, wherever it was tried (the latest record of it)."""
    found = None
    for step in steps:
        for candidate in step.get("candidates", []):
            if candidate.get("key") == key:
                found = candidate
    return found


def _steps(steps: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for step in steps:
        accepted = bool(step.get("accepted"))
        kept_dev = (_candidate([step], step.get("chosen_key")) or {}).get("dev_error")
        trials = [
            {
                "label": c.get("label", ""),
                "train_error": c.get("train_error"),
                "dev_error": c.get("dev_error"),
                "chosen": accepted and c.get("key") == step.get("chosen_key"),
                # as good on dev as the one kept, which won on the dev loss
                "tied": accepted
                and c.get("key") != step.get("chosen_key")
                and kept_dev is not None
                and c.get("dev_error") == kept_dev,
            }
            for c in step.get("candidates", [])
        ]
        if step.get("accepted"):
            kept = _candidate([step], step.get("chosen_key")) or {}
        else:
            kept = step.get("incumbent_before") or {}
        out.append(
            {
                "name": step.get("name", ""),
                "decision": step.get("decision", ""),
                "reason": step.get("reason", ""),
                "trials": trials,
                "kept": {
                    "train_error": kept.get("train_error"),
                    "dev_error": kept.get("dev_error"),
                },
            }
        )
    return out


def _validation_curves(result: Mapping[str, Any]) -> dict[str, Any]:
    curves = {}
    steps = result.get("steps", [])
    for parameter, step_name in (("l2", "l2"), ("keep_prob", "dropout")):
        curve = (result.get("validation_curves") or {}).get(parameter)
        if not curve:
            continue
        # the last sweep that kept a value: its value is the chosen network's
        step = next(
            (s for s in reversed(steps) if s.get("name") == step_name and s.get("accepted")),
            None,
        )
        chosen = None
        if step is not None:
            kept = _candidate([step], step.get("chosen_key"))
            chosen = None if kept is None else kept["spec"].get(parameter)
        curves[parameter] = {
            "values": curve.get("values", []),
            "train_error": curve.get("train_error", []),
            "dev_error": curve.get("dev_error", []),
            "chosen": chosen,
        }
    return curves


def _learning_curve(result: Mapping[str, Any]) -> dict[str, Any] | None:
    curve = result.get("learning_curve")
    if not curve:
        return None
    return {
        "sizes": curve.get("values", []),
        "train_error": curve.get("train_error", []),
        "dev_error": curve.get("dev_error", []),
        "advice": " ".join(result.get("recommendations") or []),
    }


def target_variance(trial: Mapping[str, Any]) -> float | None:
    """What turns a regression trial's history errors (on standardized targets) into MSEs in
    the targets' units: its training targets' variance; None when its outputs' variances
    differ (the history keeps only their mean) or its record predates them. ``trial``: a
    trial's record, or ``deeprecipe train``'s results, which say it the same way."""
    per_output = trial.get("target_variance")
    if not per_output or not np.allclose(per_output, per_output[0], rtol=1e-9, atol=0.0):
        return None
    return float(per_output[0])


def _without_histories(result: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe's record for results.json, less each candidate's per-epoch history (megabytes
    on a long run; the baseline's and the chosen model's are kept under ``histories``)."""
    out = dict(result)
    out["steps"] = [
        {
            **step,
            "candidates": [
                {k: v for k, v in c.items() if k != "history"} for c in step.get("candidates", [])
            ],
        }
        for step in result.get("steps", [])
    ]
    return out


def _summary(result: Mapping[str, Any]) -> list[str]:
    """Sentences for the top of the report: what was chosen, why the run stopped, what next."""
    lines = [f"WARNING: {g['message']}" for g in result.get("guards") or []]
    final = result.get("final") or {}
    network = result.get("network") or {}
    if final.get("spec") and network:
        lines.append(f"{chosen_network_words(final, network.get('layer_sizes', []))}.")
    if result.get("stopped_because"):
        lines.append(f"The recipe stopped because {result['stopped_because']}.")
    if result.get("optimization"):
        lines.append(f"Optimization probe: {result['optimization']['text']}.")
    achievable = result.get("achievable")
    if achievable:
        lines += [f"Achievable error: {n}." for n in achievable.get("notes", [])]
    lines += [f"Recommendation: {r}" for r in result.get("recommendations") or []]
    lines += [f"Note: {n}" for n in result.get("notes") or []]
    return lines


def report_data(
    result: Mapping[str, Any],
    *,
    title: str,
    subtitle: str = "",
    chosen: Network | None = None,
    predict_chosen: Any = None,
    predict_baseline: Any = None,
    X_train: np.ndarray | None = None,
    y_train: np.ndarray | None = None,
    X_train_scaled: np.ndarray | None = None,
) -> dict[str, Any]:
    """The mapping :func:`~deeprecipe.report.build.build_report` reads.

    ``X_train``/``y_train`` are the raw training rows (for the decision boundary, drawn in the
    units of the data); ``X_train_scaled`` the same rows as the network sees them (for the
    histograms). ``predict_*`` map raw rows to probabilities (network + scaler).
    """
    steps = list(result.get("steps", []))
    task = (result.get("targets") or {}).get("task", "binary")
    errors = result.get("errors") or {}
    baseline_key = (result.get("baseline") or {}).get("key")
    final_key = (result.get("final") or {}).get("key")
    histories, variances = {}, {}
    for label, key in (("baseline", baseline_key), ("chosen", final_key)):
        trial = _candidate(steps, key)
        if trial and trial.get("history"):
            histories[label] = trial["history"]
            variances[label] = target_variance(trial)
    if histories.get("baseline") is histories.get("chosen"):
        histories.pop("baseline", None)  # the baseline was kept: one curve, not two
        variances.pop("baseline", None)

    data: dict[str, Any] = {
        "title": title,
        "subtitle": subtitle,
        "task": task,
        "bayes_error": (result.get("config") or {}).get("bayes_error"),
        "errors": {
            "baseline": errors.get("baseline", {}),
            "chosen": errors.get("final", {}),
            **{
                f"reference: {r['name']}": {
                    "train": r["train_error"],
                    "dev": r["dev_error"],
                    "test": r.get("test_error"),
                }
                for r in result.get("references") or []
            },
        },
        "per_class": result.get("per_class"),
        "diagnoses": {
            "baseline": result.get("baseline_diagnosis"),
            "chosen": result.get("final_diagnosis"),
        },
        "steps": _steps(steps),
        "histories": histories,
        # a regression's trials train on standardized targets: their histories are in those units
        "target_variances": None if get_task(task).metric_is_rate else variances,
        "validation_curves": _validation_curves(result),
        "learning_curve": _learning_curve(result),
        "gradchecks": {
            GRADCHECK_LABELS.get(k, k): v for k, v in (result.get("gradcheck") or {}).items() if v
        },
        "recipe": _without_histories(result),
    }
    data["diagnoses"] = {k: v for k, v in data["diagnoses"].items() if v}
    data["summary"] = _summary(result)
    panels = [("baseline", predict_baseline), ("chosen model", predict_chosen)]
    data.update(network_pictures(chosen, X_train, y_train, X_train_scaled, task, panels))
    return data


def network_pictures(
    network: Network | None,
    X_train: np.ndarray | None,
    y_train: np.ndarray | None,
    X_train_scaled: np.ndarray | None,
    task: str,
    panels: list[tuple[str, Any]],
) -> dict[str, Any]:
    """What only a trained network gives: per-layer histograms and health warnings (on the
    scaled rows), and for 2-D classifiers a decision boundary per ``(title, predict_proba)``
    panel (a None ``predict_proba`` is skipped) over the raw rows."""
    data: dict[str, Any] = {}
    if network is not None and X_train_scaled is not None and y_train is not None:
        from deeprecipe.diagnose import layer_health

        data["layer_samples"] = layer_samples(network, X_train_scaled, y_train)
        health = layer_health(network, X_train_scaled[:512], np.asarray(y_train)[:512])
        data["health_warnings"] = list(health.messages)
    two_d = X_train is not None and X_train.shape[1] == 2 and get_task(task).is_classifier
    if two_d and panels and panels[-1][1] is not None:  # no boundary without the last model's
        data["boundary"] = {
            "X": X_train,
            "y": y_train,
            "panels": [boundary_panel(t, p, X_train) for t, p in panels if p is not None],
        }
    return data


def _proba(network: Network | None, scaler: Any) -> Any:
    """Raw rows -> probabilities: the scaler fitted on the network's training rows, then it."""
    if network is None:
        return None
    return lambda X: network.predict_proba(X if scaler is None else scaler.transform(X))


def recipe_report(
    result: RecipeResult,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    notes: Sequence[str] = (),
    results: Mapping[str, Any] | None = None,
) -> Report:
    """The report of a recipe run, the page ``deeprecipe run`` writes.

    ``notes`` are sentences about the data (shown under the errors table once each);
    ``results`` are extra entries for ``results.json`` (the CLI adds the data's description
    and the model file).
    """
    recipe = result.to_dict()
    X_train, y_train = result.train_rows if result.train_rows is not None else (None, None)
    scaler = result.scaler
    X_scaled = None
    if X_train is not None:
        X_scaled = X_train if scaler is None else scaler.transform(X_train)
    baseline = result.baseline_model
    run = report_data(
        recipe,
        title=title or "deeprecipe report",
        subtitle=subtitle or f"{result.targets['task']}; {result.stopped_because}",
        chosen=result.network,
        predict_chosen=_proba(result.network, scaler),
        predict_baseline=None if baseline is None else _proba(baseline.network, baseline.scaler),
        X_train=X_train,
        y_train=y_train,
        X_train_scaled=X_scaled,
    )
    summary = run.get("summary", [])
    run["summary"] = [*summary, *(f"Note: {n}" for n in notes if f"Note: {n}" not in summary)]
    run.update(results or {})
    return build_report(run)
