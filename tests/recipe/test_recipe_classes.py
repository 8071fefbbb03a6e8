"""A classifier's per-class figures in the recipe's result, dev and test; the imbalance said
plainly, and a class never found named in the advice."""

from types import SimpleNamespace

import numpy as np
import pytest

from deeprecipe.diagnose.classes import class_figures
from deeprecipe.recipe import Recipe
from deeprecipe.recipe.advice import _never_found
from deeprecipe.recipe.config import TargetEncoding

FAST = dict(hidden=(8,), epochs=60, max_trainings=3, max_steps=2, learning_curve_fractions=(1.0,),
            n_jobs=1, seed=0)  # fmt: skip


def _table(weights, m=600, seed=0):
    from sklearn.datasets import make_classification

    X, y = make_classification(m, 6, n_informative=3, weights=weights, random_state=seed)
    return X, np.where(y == 1, "yes", "no")


@pytest.fixture(scope="module")
def imbalanced():
    return Recipe(**FAST).run(*_table([0.95]))


def test_an_imbalanced_run_carries_the_per_class_figures_on_dev_and_test(imbalanced):
    d = imbalanced.to_dict()
    assert set(d["per_class"]) == {"dev", "test"} and imbalanced.per_class is d["per_class"]
    for part, error in (("dev", imbalanced.dev_error), ("test", imbalanced.test_error)):
        f = d["per_class"][part]
        assert f["classes"] == ["no", "yes"]
        assert sum(map(sum, f["confusion"])) == f["n"] == sum(f["support"])
        assert f["error"] == pytest.approx(error)  # the same predictions as the error
        assert 0.0 <= f["balanced_error"] <= 1.0 and len(f["recall"]) == len(f["precision"]) == 2
    assert len(imbalanced.test_access) == 1  # the figures came from the one test read
    shown = imbalanced._repr_html_()  # the notebook shows them as the report does
    assert "chosen model on dev, class by class" in shown and "predicted yes" in shown


def test_an_imbalanced_run_says_so_with_the_majority_error_and_the_rare_recall(imbalanced):
    d = imbalanced.to_dict()
    (note,) = [n for n in imbalanced.notes if n.startswith("the classes are imbalanced")]
    assert "'yes' is" in note and "the error rate counts its rows little" in note
    trivial = next(r for r in d["references"] if r["kind"] == "trivial")
    for part in ("dev", "test"):
        f = d["per_class"][part]
        assert (
            f"n {part}, the model's error is {f['error']:.1%} against "
            f"{trivial[part + '_error']:.1%} for the majority class" in note
        )
        assert f"balanced error (1 - mean per-class recall) {f['balanced_error']:.1%}" in note


def test_a_network_that_never_finds_the_rare_class_is_told_why_and_what_to_do(imbalanced):
    # 8 hidden units for 60 epochs of gradient descent on 5% positives: it answers "no" to all
    assert imbalanced.per_class["dev"]["recall"] == [1.0, 0.0]
    advice = " ".join(imbalanced.recommendations)
    assert "the likely cause is the imbalance: 'yes' is only" in advice
    assert "oversample 'yes' in the training split" in advice and "no class weights" in advice
    assert "the model is done" not in advice


def test_balanced_classes_get_the_figures_and_no_imbalance_note():
    result = Recipe(**FAST).run(*_table([0.5], m=300))
    assert set(result.to_dict()["per_class"]) == {"dev", "test"}
    assert not [n for n in result.notes if "imbalanced" in n]


def test_a_regression_carries_nothing_per_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    result = Recipe(**FAST).run(X, X @ [1.0, -2.0, 0.5] + rng.normal(0, 0.1, 200))
    assert result.per_class is None and result.to_dict()["per_class"] is None
    assert "class by class" not in result._repr_html_()
    assert not [n for n in result.notes if "imbalanced" in n]


def test_a_class_never_found_on_dev_is_named_with_the_imbalance_as_its_likely_cause():
    # three classes; the network finds "a" and "b" but never "c" (3% of the training labels)
    y_train = np.r_[np.zeros(50), np.ones(47), np.full(3, 2)].astype(np.int64)
    dev = class_figures(["a", "b", "b", "c", "c"], ["a", "b", "b", "a", "b"], ["a", "b", "c"])
    run = SimpleNamespace(
        data=SimpleNamespace(
            targets=TargetEncoding("multiclass", "softmax_crossentropy", 3, ["a", "b", "c"]),
            trials=SimpleNamespace(y_train=y_train),
        ),
    )
    (advice,) = _never_found(run, dev, guards=[])
    assert advice.startswith("the chosen network never finds class 'c' on dev (recall 0 of 2 rows)")
    assert "the likely cause is the imbalance: 'c' is only 3.0% of the training labels" in advice
    assert "oversample 'c' in the training split" in advice
    # the single-class guard carries the same advice: not said twice
    assert _never_found(run, dev, guards=[{"kind": "single_class"}]) == []


def test_a_step_that_wins_by_giving_up_a_rare_class_is_not_kept(monkeypatch):
    """A new user's Hdma (2% 'yes'): L2 lambda=10 took dev error from 3.15% to 2.10% by never
    predicting 'yes', was kept, and the run ended 'both gaps are within tolerance'."""
    from types import SimpleNamespace

    from deeprecipe.recipe import yardsticks
    from deeprecipe.recipe.state import RunState
    from deeprecipe.recipe.step import Decision

    incumbent, winner = SimpleNamespace(key="base"), SimpleNamespace(key="l2=10")
    found = {"base": {0, 1}, "l2=10": {0}}
    run = SimpleNamespace(
        labels={"base": "baseline"},
        data=SimpleNamespace(targets=SimpleNamespace(classes=["no", "yes"])),
        _classes_found_on_dev=lambda outcome: found[outcome.key],
    )
    kept = Decision(True, "lambda=10", "l2=10", "kept lambda=10: dev error 3.15% -> 2.10%",
                    winner=winner)  # fmt: skip
    monkeypatch.setattr(yardsticks, "train_shares", lambda run: [0.98, 0.02])
    refused = RunState._keeps_every_class(run, kept, incumbent)
    assert not refused.accepted and refused.winner is None and refused.chosen_key == "base"
    assert "it never finds 'yes' on dev, which the current configuration does" in refused.text
    monkeypatch.setattr(yardsticks, "train_shares", lambda run: [0.6, 0.4])  # balanced: kept
    assert RunState._keeps_every_class(run, kept, incumbent) is kept
    found["l2=10"] = {0, 1}  # imbalanced, but it still finds both classes: kept
    monkeypatch.setattr(yardsticks, "train_shares", lambda run: [0.98, 0.02])
    assert RunState._keeps_every_class(run, kept, incumbent) is kept


def test_a_class_as_common_as_the_others_is_not_sent_to_oversampling():
    """barley: ten varieties at 9.7% each, none predictable; eight recommendations said
    'oversample' a class no rarer than any other."""
    y_train = np.repeat(np.arange(3), 30)
    dev = class_figures(["a", "b", "c", "c"], ["a", "b", "a", "b"], ["a", "b", "c"])
    run = SimpleNamespace(
        data=SimpleNamespace(
            targets=TargetEncoding("multiclass", "softmax_crossentropy", 3, ["a", "b", "c"]),
            trials=SimpleNamespace(y_train=y_train),
        ),
    )
    (advice,) = _never_found(run, dev, guards=[])
    assert "'c' is 33.3% of the training labels, not rare among 3 classes" in advice
    assert "oversample" not in advice and "imbalance" not in advice
