"""The recipe's guards: never hand back, without a loud word, a network that a reference model
beats on dev, that does no better than the trivial reference, or that predicts one class.

All on dev (the test set decides nothing). The network and each reference are scored on the
SAME dev rows, so they are compared row by row (:func:`deeprecipe._stats.paired_test`)::

    error rates:  b = rows the network gets wrong and the reference right, c = the converse
                  McNemar's mid-p on (b, c)
    MSE:          d_i = network's squared error - reference's, on row i
                  paired t-test: t = mean(d) / (std(d) / sqrt(n))

Most rows are easy (or hard) for both models, so a paired test sees a gap that the reference's
own standard error hides: a network 3 standard errors worse than logistic regression on test
sat within 1.96 unpaired standard errors of it on dev. The findings, each with the numbers::

    network dev error > trivial's                           -> "WORSE than trivial"
    otherwise, not better than trivial at p < 0.05          -> "NOT SHOWN BETTER than trivial"
                                                               (not said of imbalanced classes
                                                               whose dev predictions go with
                                                               the labels beyond chance)
    worse than the linear or boosting reference, p < 0.05   -> "WORSE than <model>"
    one class predicted for every train or dev row          -> "predicts a single class"
                                                               (the imbalance blamed first
                                                               when a class is under 10%)

Two quieter notes beside them: a linear or boosting reference ahead on dev but within its
noise (:func:`close_calls`), and, after the single test read, one ahead on test beyond its
noise (:func:`behind_on_test`: reported, never acted on).

Without per-example losses (a reference result from elsewhere), the comparison falls back on
the reference's unpaired standard error: ``z = (network dev - reference dev) / se``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deeprecipe._stats import PairedTest, association_p_value, exceeds, paired_test
from deeprecipe.task import plain_value, short_format

#: a reference whose dev MSE is this many times lower is not called "as good" when the test
#: cannot tell them apart (msft.csv: ridge's dev MSE 1.2e-05 against the network's 0.0081 on 13
#: dev rows, p = 0.11, read "on this evidence it is as good, and simpler")
FAR_AHEAD = 2.0
#: below this many dev rows, "no better than trivial" says the dev set is too small to tell
#: (copper: 5 dev rows, R^2 0.96 on them, p = 0.08)
FEW_DEV_ROWS = 30
#: the two-sided level at which a difference counts as beyond the dev set's noise
ALPHA = 0.05

_PARTS = {"dev": "dev", "train": "training"}


def run_guards(
    run: Any, incumbent: Any, network: Any, baseline: Any = None, baseline_network: Any = None
) -> list[dict]:
    """The guards of the chosen configuration: ``network`` is the incumbent's own network, the
    one trained on the training split alone and judged on dev (not a refit on train + dev).

    Its per-example dev losses are paired with each fitted reference's on the same dev rows
    (the references were fitted on the same normalized training split); its predicted classes
    on train and dev feed the single-class guard. With the ``baseline`` trial and its network,
    a note says when the recipe's gain over it is within the dev set's noise. A classifier's
    per-class figures on dev are recorded from the same predictions (``run.per_class``)."""
    from deeprecipe.diagnose.classes import imbalanced
    from deeprecipe.recipe.yardsticks import (
        network_losses,
        per_class,
        prediction_losses,
        train_shares,
    )

    trials, targets = run.data.trials, run.data.targets
    regression = not targets.head.metric_is_rate
    reference_losses = reference_dev_losses(run)
    dev_prediction = np.asarray(network.predict(trials.X_dev))  # predicted once, read thrice
    dev_losses = prediction_losses(network, dev_prediction, trials.y_dev)
    per_class(run, "dev", dev_prediction, trials.y_dev)
    out = guards(
        incumbent.dev_error,
        run.references,
        regression=regression,
        dev_losses=dev_losses,
        reference_losses=reference_losses,
    )
    run.notes += close_calls(
        incumbent.dev_error,
        run.references,
        regression=regression,
        dev_losses=dev_losses,
        reference_losses=reference_losses,
    )
    if baseline is not None and baseline_network is not None:
        run.notes += gain_within_noise(
            baseline,
            incumbent,
            regression=regression,
            dev_losses=dev_losses,
            baseline_losses=network_losses(baseline_network, trials.X_dev, trials.y_dev),
        )
    if targets.head.is_classifier and imbalanced(train_shares(run)):
        out, notes = learned_despite_imbalance(out, run.per_class.get("dev"))
        run.notes += notes
    if targets.head.is_classifier:
        predicted = {"dev": dev_prediction, "train": network.predict(trials.X_train)}
        single = single_class_guard(
            predicted,
            incumbent.dev_error,
            run.references,
            classes=targets.classes,
            shares=train_shares(run),
            regularization=_regularization(incumbent.spec),
        )
        if single is not None:
            out.insert(0, single)
    return out


def _regularization(spec: Mapping[str, Any]) -> str | None:
    """A trial spec's L2 and dropout in words ("L2 lambda 10, keep_prob 0.8"), None without."""
    parts = []
    if spec.get("l2"):
        parts.append(f"L2 lambda {spec['l2']:g}")
    keep = spec.get("keep_prob", 1.0)
    if any(k < 1 for k in (keep if isinstance(keep, (list, tuple)) else [keep])):
        parts.append(f"keep_prob {keep}")
    return ", ".join(parts) or None


def learned_despite_imbalance(
    findings: list[dict], figures: Mapping[str, Any] | None
) -> tuple[list[dict], list[str]]:
    """``(findings, notes)``: with imbalanced classes, "NOT SHOWN BETTER than trivial" is dropped
    when the network's dev predictions go with the labels beyond chance
    (:func:`~deeprecipe._stats.association_p_value` on its dev confusion matrix), and a note
    says so. The error rate cannot show such learning: always predicting a 7% class's
    complement errs on 7%, and a network that finds 13 of its 71 dev rows at 59% precision
    (8 times the base rate) errs about as often; it was told it 'has not shown that it learned
    anything' while it beat both logistic regressions on test (a new user's trial)."""
    if not figures or not any(f["finding"] == "no_better" for f in findings):
        return findings, []
    p, test = association_p_value(figures["confusion"])
    if p >= ALPHA:
        return findings, []
    trivial_balanced = 1.0 - 1.0 / len(figures["classes"])
    note = (
        "with imbalanced classes the dev error rate cannot tell the chosen network from always "
        "predicting the majority class, but its predictions go with the labels beyond chance "
        f"({test}, p = {p:.2g}): its balanced error on dev is {figures['balanced_error']:.1%} "
        f"against {trivial_balanced:.0%} for the majority class, so it learned from the inputs"
    )
    return [f for f in findings if f["finding"] != "no_better"], [note]


def reference_dev_losses(run: Any) -> dict[str, np.ndarray]:
    """Each fitted reference's per-example dev losses, computed once for the run."""
    from deeprecipe.diagnose.references import per_example_loss

    if run.reference_dev_losses is None:
        trials, regression = run.data.trials, not run.data.targets.head.metric_is_rate
        run.reference_dev_losses = {
            kind: per_example_loss(model, trials.X_dev, trials.y_dev, regression=regression)
            for kind, model in run.reference_models.items()
        }
    return run.reference_dev_losses


def reference_ahead(run: Any, incumbent: Any) -> dict | None:
    """The guards' "WORSE than <model>" finding for ``incumbent`` (a trial), or None: a linear
    or boosting reference ahead of it on dev beyond the dev set's noise. The recipe is not done
    while one is, whatever its gaps say: bias and variance can each be within tolerance while
    together they leave the network demonstrably behind what the reference reached."""
    from deeprecipe.recipe.trial import network_from_trial
    from deeprecipe.recipe.yardsticks import network_losses

    if not run.reference_models or incumbent.dev_error is None:
        return None
    trials = run.data.trials
    network = network_from_trial(incumbent.spec, trials, run.sweeper.theta(incumbent.key))
    findings = guards(
        incumbent.dev_error,
        [ref for ref in run.references if ref["kind"] != "trivial"],
        regression=not run.data.targets.head.metric_is_rate,
        dev_losses=network_losses(network, trials.X_dev, trials.y_dev),
        reference_losses=reference_dev_losses(run),
    )
    return min(findings, key=lambda f: f["reference_dev"], default=None)


def guards(
    network_dev: float,
    references: list[dict],
    *,
    regression: bool,
    dev_losses: Any = None,
    reference_losses: Mapping[str, Any] | None = None,
) -> list[dict]:
    """One entry per finding of the module docstring against the references, each with a loud
    ``message`` naming the better model and the numbers.

    ``dev_losses`` are the network's per-example dev losses and ``reference_losses`` each
    reference kind's, on the same rows; without them a comparison is unpaired. An entry holds
    ``kind`` and ``name`` (the reference), ``finding`` (``worse`` or ``no_better``),
    ``network_dev``, ``reference_dev``, ``noise`` (1.96 standard errors of the difference),
    ``test`` and ``p_value``.
    """
    fmt = _formatter(regression)
    out = []
    for ref in references:
        dev = ref.get("dev_error")
        if dev is None:
            continue
        comparison = _compare(network_dev, ref, regression, dev_losses, reference_losses)
        if ref["kind"] == "trivial" and exceeds(network_dev, dev):
            finding = "worse"
        elif ref["kind"] == "trivial" and not comparison.better(ALPHA):
            finding = "no_better"
        elif ref["kind"] != "trivial" and comparison.worse(ALPHA):
            finding = "worse"
        else:
            continue
        noise = _noise(comparison)
        evidence = _evidence(comparison, noise, fmt)
        if finding == "worse":
            trivial = ref["kind"] == "trivial"
            worse = "WORSE than trivial" if trivial else f"WORSE than {ref['name']}"
            whose = f"the trivial reference, {ref['name']}" if trivial else ref["name"]
            message = (
                f"the chosen network is {worse} on dev ({fmt(network_dev)} against "
                f"{fmt(dev)} for {whose}; {evidence}): "
                + _instead(references, network_dev, fmt, reference_losses, regression)
                + "; or give the recipe more budget or a better start"
            )
        else:
            few = comparison.n and comparison.n < FEW_DEV_ROWS
            message = (
                f"the chosen network is NOT SHOWN BETTER than trivial on dev ({fmt(network_dev)} "
                f"against {fmt(dev)} for the trivial reference, {ref['name']}; {evidence}): "
                + (
                    f"on {comparison.n} dev rows it cannot show that it learned anything from "
                    "the inputs, whether it did or not; a larger dev set would tell"
                    if few
                    else "it has not shown that it learned anything from the inputs; "
                    + _instead(references, network_dev, fmt, reference_losses, regression)
                )
            )
        out.append(
            {
                "kind": ref["kind"],
                "name": ref["name"],
                "finding": finding,
                "network_dev": network_dev,
                "reference_dev": dev,
                "noise": noise,
                "test": comparison.test,
                "p_value": comparison.p_value,
                "message": message,
            }
        )
    return out


def close_calls(
    network_dev: float,
    references: list[dict],
    *,
    regression: bool,
    dev_losses: Any = None,
    reference_losses: Mapping[str, Any] | None = None,
) -> list[str]:
    """A note (not a guard's warning) for each linear or boosting reference AHEAD of the
    network on dev but within the dev set's noise (p >= 0.05, the same test as the guards):
    on this evidence the simpler model is as good, which the user should know before
    preferring the network."""
    fmt = _formatter(regression)
    notes = []
    for ref in references:
        dev = ref.get("dev_error")
        if ref["kind"] == "trivial" or dev is None or dev >= network_dev:
            continue
        comparison = _compare(network_dev, ref, regression, dev_losses, reference_losses)
        if comparison.worse(ALPHA):
            continue  # a guard says so, loudly
        noise = _noise(comparison)
        ahead = (
            f"the {ref['kind']} reference, {ref['name']}, is ahead of the chosen network on dev "
            f"({fmt(dev)} against {fmt(network_dev)})"
        )
        # a regression's squared errors are heavy-tailed: few rows leave a paired t-test
        # short of a reference far ahead, which is then not "as good"
        if regression and network_dev >= FAR_AHEAD * dev:
            lower = f"{network_dev / dev:.3g} times lower" if dev > 0 else "with no error"
            won = _rows_won(ref, dev_losses, reference_losses)
            notes.append(
                f"{ahead}, {lower}{won}, which the dev set is too "
                f"small to confirm ({_evidence(comparison, noise, fmt)}): prefer it unless a "
                "larger dev set says otherwise"
            )
            continue
        notes.append(
            f"{ahead}, within the noise ({_evidence(comparison, noise, fmt)}): on this evidence "
            "it is as good, and simpler"
        )
    return notes


def _rows_won(ref: dict, dev_losses: Any, reference_losses: Mapping[str, Any] | None) -> str:
    """ ", lower on 13 of 13 dev rows": how many rows the reference's own loss is lower on
    ("" without both per-example losses)."""
    losses = (reference_losses or {}).get(ref["kind"])
    if dev_losses is None or losses is None or len(losses) != len(dev_losses):
        return ""
    won = int(np.sum(np.asarray(losses) < np.asarray(dev_losses)))
    return f" and lower on {won} of {len(dev_losses)} dev rows"


def gain_within_noise(
    baseline: Any,
    incumbent: Any,
    *,
    regression: bool,
    dev_losses: Any,
    baseline_losses: Any,
) -> list[str]:
    """A note when the recipe's kept changes took the dev error from the baseline's to the
    chosen network's by less than the dev set's noise (the guards' paired test, the chosen
    network against the baseline on the same dev rows): each change was chosen for a lower dev
    error, and on this dev set the baseline is as good (the fair trial: 6.221 -> 4.05 was a
    real gain, but steps kept 4.067 -> 4.053 and 4.053 -> 4.05 against a noise of 1.6)."""
    if incumbent.key == baseline.key or len(dev_losses) != len(baseline_losses):
        return []
    comparison = paired_test(dev_losses, baseline_losses, rates=not regression)
    if comparison.better(ALPHA):
        return []
    fmt = _formatter(regression)
    evidence = _evidence(comparison, _noise(comparison), fmt, other="baseline")
    return [
        f"the recipe's kept changes took the dev error from {fmt(baseline.dev_error)} (the "
        f"baseline) to {fmt(incumbent.dev_error)}, within the dev set's noise ({evidence}): on "
        "this dev set the baseline is as good, and the changes may fit the dev set's noise; a "
        "larger dev set would tell them apart"
    ]


def behind_on_test(
    network_test: float,
    references: list[dict],
    *,
    regression: bool,
    test_losses: Any,
    reference_losses: Mapping[str, Any],
) -> list[str]:
    """A note for each linear or boosting reference that beats the chosen network on the test
    set beyond its noise (the guards' paired test, on the test rows). Reported, not acted on:
    a choice made by the test set would spend it."""
    fmt = _formatter(regression)
    notes = []
    for ref in references:
        test, losses = ref.get("test_error"), reference_losses.get(ref["kind"])
        if ref["kind"] == "trivial" or test is None or losses is None or test >= network_test:
            continue
        comparison = paired_test(test_losses, losses, rates=not regression)
        if not comparison.worse(ALPHA):
            continue
        noise = _noise(comparison)
        evidence = _evidence(comparison, noise, fmt, "test")
        notes.append(
            f"on the test set, {ref['name']} beats the chosen network beyond the noise "
            f"({fmt(test)} against {fmt(network_test)}; {evidence}): reported, not acted on "
            "(a choice made on the test set would spend it); the simpler model may serve "
            "better, and the dev set did not show it"
        )
    return notes


def _compare(network_dev, ref, regression, dev_losses, reference_losses) -> PairedTest:
    """The network against one reference on dev: paired on the same rows when both
    per-example losses are there, else on the reference's unpaired standard error."""
    losses = (reference_losses or {}).get(ref["kind"])
    if dev_losses is not None and losses is not None and len(losses) == len(dev_losses):
        return paired_test(dev_losses, losses, rates=not regression)
    return _unpaired(network_dev, ref["dev_error"], ref.get("dev_se"))


def single_class_guard(
    predicted: Mapping[str, Any],
    network_dev: float,
    references: list[dict],
    *,
    classes: Sequence[Any] | None = None,
    shares: Sequence[float] | None = None,
    regularization: str | None = None,
) -> dict | None:
    """A finding when the network predicts one class for every row of a part: ``predicted``
    maps ``dev``/``train`` to its predicted class indices there (one per row; several binary
    outputs per row are not checked). ``classes`` name the indices; ``shares`` are their
    shares of the training labels: when the rarest is under
    :func:`~deeprecipe.diagnose.classes.rare_share`, the message blames the imbalance first.
    ``regularization`` (the chosen network's, in words: "L2 lambda 10") may have flattened it
    to the class shares: fair's 10.6% positives, chosen at lambda 10 for a dev error that ties
    the majority class, were sent to the input scale and the learning rate.
    None when it predicts at least two classes on each part."""
    from deeprecipe.diagnose.classes import rare_class_fix, rare_share

    single: dict[str, tuple[int, int]] = {}
    for part, labels in predicted.items():
        labels = np.asarray(labels)
        if labels.ndim > 1 and labels.shape[1] != 1:
            continue
        values = np.unique(labels.ravel())
        if len(values) == 1:
            single[part] = (int(values[0]), labels.size)
    if not single:
        return None
    if len({index for index, _ in single.values()}) > 1:  # one class on train, another on dev
        index = single["dev"][0]
    else:
        (index, _), *_ = single.values()
    label = classes[index] if classes is not None and index < len(classes) else index
    label = plain_value(label)
    rows = " and ".join(
        f"all {_rows(n)} of {_PARTS.get(part, part)}"
        for part, (i, n) in sorted(single.items())
        if i == index
    )
    trivial = next((r for r in references if r["kind"] == "trivial"), None)
    trivial_dev = None if trivial is None else trivial.get("dev_error")
    fmt = _formatter(False)
    against = "" if trivial_dev is None else f" against {fmt(trivial_dev)} for {trivial['name']}"
    rare = None if not shares else int(np.argmin(shares))
    imbalance = ""
    if rare is not None and rare != index and shares[rare] < rare_share(len(shares)):
        rare_label = classes[rare] if classes is not None and rare < len(classes) else rare
        imbalance = rare_class_fix(plain_value(rare_label), shares[rare], len(shares)) + "; then "
    flattened = (
        f"its regularization ({regularization}) may have shrunk it to the class shares, where "
        "the error rate ties the majority class's: a weaker one, judged by balanced error; "
        if regularization
        else ""
    )
    message = (
        f"the chosen network predicts a single class, {label!r}, for {rows}: it ignores its "
        f"inputs (dev error {fmt(network_dev)}{against}); {imbalance}{flattened}look at the "
        "input scale and the learning rate (the optimization probe), and "
        + _instead(references, network_dev, fmt)
    )
    return {
        "kind": "single_class",
        "name": str(label),
        "finding": "single_class",
        "network_dev": network_dev,
        "reference_dev": trivial_dev,
        "noise": None,
        "test": None,
        "p_value": None,
        "rows": {part: n for part, (i, n) in single.items() if i == index},
        "message": message,
    }


def _unpaired(network_dev: float, reference_dev: float, se: float | None) -> PairedTest:
    """The fallback: ``z = (network dev - reference dev) / se`` on the reference's own standard
    error, two-sided normal p-value."""
    from scipy.stats import norm

    difference = network_dev - reference_dev
    se = float(se or 0.0)
    if se > 0:
        p = float(2.0 * norm.sf(abs(difference) / se))
    else:
        p = (
            0.0
            if exceeds(network_dev, reference_dev) or exceeds(reference_dev, network_dev)
            else 1.0
        )
    return PairedTest("unpaired z (the reference's standard error)", difference, se, p, 0)


def _noise(comparison: PairedTest) -> float | None:
    """The difference the comparison's test needs at the 5% level (None: unknown)."""
    noise = comparison.noise()
    return noise if math.isfinite(noise) else None


def _evidence(
    comparison: PairedTest, noise: float | None, fmt, part: str = "dev", other: str = "reference"
) -> str:
    """The test, its p-value and the noise of ``part``, in words (``other``: what the network
    is compared with)."""
    where = f" on {comparison.n} {part} rows" if comparison.n else ""
    text = f"{comparison.test}{where}, p = {comparison.p_value:.2g}"
    if comparison.discordant == (0, 0):
        return f"{text}: both err on exactly the same rows"
    if comparison.discordant is not None:
        b, c = comparison.discordant
        text += f"; {_rows(b)} only the network gets wrong, {c} only the {other}"
    if noise is not None:
        beyond = comparison.p_value < ALPHA
        text += (  # the noise: the difference the test needs at 5% (PairedTest.noise)
            f", {'beyond' if beyond else 'within'} the {part} set's noise of +-{fmt(noise)} (95%)"
        )
    return text


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _instead(
    references: list[dict],
    network_dev: float,
    fmt,
    reference_losses: Mapping[str, Any] | None = None,
    regression: bool = False,
) -> str:
    """The better model to use, in words: the reference with the lowest dev error; a linear
    or boosting one only when it is itself ahead of the trivial reference beyond the dev set's
    noise (paired on the same rows, with ``reference_losses``): Hdma's pbcr (7.4% positive)
    was told to use gradient boosting, no better than the majority class on test either."""
    scored = [r for r in references if r.get("dev_error") is not None]
    best = min(scored, key=lambda r: r["dev_error"]) if scored else None
    if best is None or best["dev_error"] >= network_dev:
        return "check that the inputs carry information about the target"
    losses = reference_losses or {}
    if best["kind"] != "trivial" and best["kind"] in losses and "trivial" in losses:
        against_trivial = paired_test(losses[best["kind"]], losses["trivial"], rates=not regression)
        if not against_trivial.better(ALPHA):
            return (
                f"{best['name']} ({fmt(best['dev_error'])} on dev) is not ahead of the trivial "
                "reference beyond the dev set's noise either: check that the inputs carry "
                "information about the target"
            )
    if best["kind"] == "trivial":
        return (
            f"use the {best['name']} ({fmt(best['dev_error'])} on dev), and check that the "
            "inputs carry information about the target"
        )
    return f"use {best['name']} instead ({fmt(best['dev_error'])} on dev)"


def _formatter(regression: bool):
    return short_format(not regression)
