"""Optimization before capacity, as trials: can the starting network fit a small subset?

The recipe's form of :mod:`deeprecipe.diagnose.optimization`: the candidates are the starting
spec on :data:`PROBE_ROWS` training rows (``train_fraction``), at its own settings and at a few
others (learning rate 100x, 10x and 0.1x; Adam at 0.01 and 0.001), trained as ordinary trials
of the sweep, so they run in parallel, are recorded and resume like every other step. The
training error on the subset decides::

    fits  <=>  subset error <= margin

with the margins of :mod:`deeprecipe.diagnose.optimization` (2% for error rates; 5% of the
training targets' variance for an MSE; identical rows with different labels, which the
diagnose-room probe allows for, are left out here: they are rare in 128 rows). The verdict is
"trains" when the starting settings fit, "optimization" when they do not and another setting
does (the learning rate or optimizer is the problem, not the network's size; the fitting
settings become the recipe's learning-rate candidates), and "undecided" when nothing fits
(capacity, or too few epochs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deeprecipe.diagnose.optimization import (
    CLASS_MARGIN,
    REGRESSION_MARGIN,
    curve_advice,
    read_cost_curve,
)
from deeprecipe.task import short_format

#: training rows of the probe
PROBE_ROWS = 128
#: the probe trains at most this many epochs (full batch on the subset)
PROBE_EPOCHS = 300
#: learning-rate factors tried beside the starting one, then Adam's rates
LR_FACTORS = (100.0, 10.0, 0.1)
ADAM_RATES = (0.01, 0.001)


def settings_label(optimizer: str, learning_rate: float) -> str:
    return f"{optimizer} lr {learning_rate:g}"


def probe_candidates(spec: Mapping[str, Any], n_train: int) -> list[tuple[str, dict[str, Any]]]:
    """``[(label, plain spec)]``: the starting settings first, then the others."""
    fraction = min(1.0, PROBE_ROWS / max(n_train, 1))
    epochs = min(int(spec["epochs"]), PROBE_EPOCHS)
    base = {
        **spec,
        "train_fraction": fraction,
        "epochs": epochs,
        "batch_size": None,
        "early_stopping": None,
        "augment": None,
        "l2": 0.0,
        "keep_prob": 1.0,
        "metrics_every": max(1, epochs // 50),
    }
    optimizer, lr = spec["optimizer"], float(spec["learning_rate"])
    settings = [(optimizer, lr)] + [(optimizer, lr * f) for f in LR_FACTORS]
    settings += [("adam", a) for a in ADAM_RATES if ("adam", a) not in settings]
    return [
        (settings_label(o, r), {**base, "optimizer": o, "learning_rate": r}) for o, r in settings
    ]


def probe_verdict(
    outcomes: list[Any], labels: list[str], *, regression: bool, target_variance: float
) -> dict[str, Any]:
    """The probe's reading of its outcomes (``TrialOutcome``s, starting settings first)."""
    margin = REGRESSION_MARGIN * target_variance if regression else CLASS_MARGIN
    rows = []
    for label, outcome in zip(labels, outcomes):
        error = outcome.train_error
        curve = read_cost_curve(outcome.result["history"]["cost"])
        fits = error is not None and not outcome.result.get("diverged") and error <= margin
        rows.append(
            {
                "label": label,
                "optimizer": outcome.spec["optimizer"],
                "learning_rate": outcome.spec["learning_rate"],
                "error": error,
                "fits": bool(fits),
                "curve": curve,
            }
        )
    current, others = rows[0], rows[1:]
    fitting = [r for r in others if r["fits"]]
    if current["fits"]:
        verdict = "trains"
    else:
        verdict = "optimization" if fitting else "undecided"
    n = outcomes[0].result["n_train"]
    fmt = short_format(not regression)
    text = (
        f"on {n} training examples the starting network ({current['label']}) reached "
        f"{fmt(current['error'])} ({'within' if current['fits'] else 'above'} {fmt(margin)}, "
        f"what counts as near zero here); its cost curve is {current['curve']}"
    )
    if verdict == "trains":
        text += ": training works"
    elif verdict == "optimization":
        names = ", ".join(r["label"] for r in fitting)
        text += (
            f": an optimization problem, not a lack of capacity ({names} fit it); "
            f"{curve_advice(current['curve'])}"
        )
    else:
        text += ": no setting tried fits it (capacity, or more epochs needed)"
    return {
        "verdict": verdict,
        "margin": margin,
        "rows": rows,
        "text": text,
        "fixes": [(r["optimizer"], r["learning_rate"]) for r in fitting],
    }
