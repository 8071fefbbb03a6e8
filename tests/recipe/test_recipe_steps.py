"""The recipe's steps: one shape, candidates from the incumbent's spec, one decision rule, and a
new step that is one new class."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.recipe import (
    BIAS_STEPS,
    VARIANCE_STEPS,
    Recipe,
    RecipeConfig,
    Situation,
    Step,
    TrialOutcome,
    propose,
)
from deeprecipe.recipe import loop as recipe_loop
from deeprecipe.recipe import state as recipe_state
from deeprecipe.recipe.step import better_on_dev
from deeprecipe.train import NetworkSpec

from ._fixtures_recipe import blobs

CONFIG = RecipeConfig(
    l2_grid=(0.0, 0.1, 1.0),
    keep_prob_grid=(0.8, 1.0),
    noise_grid=(0.1,),
    width_factors=(2,),
    epoch_factors=(2,),
    max_epochs=300,
    history_points=10,
)


def _now(spec: NetworkSpec, image_shape=None) -> Situation:
    return Situation(spec, None, "high bias", CONFIG, image_shape)


def _changed(spec: NetworkSpec, other: NetworkSpec) -> set[str]:
    a, b = spec.to_dict(), other.to_dict()
    return {k for k in a if a[k] != b[k]}


# What each step may change, beside how often the figures are measured.
CHANGES = {
    "less_regularization": {"l2", "keep_prob"},
    "wider": {"hidden"}, "deeper": {"hidden"}, "longer": {"epochs"},
    "adam": {"optimizer", "learning_rate"}, "learning_rate": {"optimizer", "learning_rate"},
    "l2": {"l2"}, "dropout": {"keep_prob"},
    "augment": {"augment", "epochs"}, "early_stopping": {"early_stopping", "epochs"},
}  # fmt: skip


@pytest.mark.parametrize("step", [*BIAS_STEPS, *VARIANCE_STEPS], ids=lambda s: s.name)
def test_every_step_has_the_shape_and_changes_only_its_own_settings(step):
    assert step.kind in ("bias", "variance") and step.why and step.name in CHANGES
    spec = NetworkSpec(hidden=(4,), epochs=100, l2=0.1, keep_prob=0.8)
    candidates = step.candidates(_now(spec))
    assert candidates, f"{step.name} offered nothing from a plain starting spec"
    for label, candidate in candidates:
        assert isinstance(label, str) and isinstance(candidate, NetworkSpec)
        assert _changed(spec, candidate) - {"metrics_every"} <= CHANGES[step.name]
        assert _changed(spec, candidate)  # something new
    assert step.reason(_now(spec)) == f"high bias; {step.why}"


def test_steps_offer_nothing_when_they_have_nothing_new():
    steps = {s.name: s for s in (*BIAS_STEPS, *VARIANCE_STEPS)}
    done = NetworkSpec(optimizer="adam", learning_rate=0.01, augment={"kind": "noise", "std": 0.1},
                       early_stopping={"patience": 5})  # fmt: skip
    for name in ("adam", "augment", "early_stopping"):
        assert steps[name].candidates(_now(done)) == []
    assert steps["dropout"].candidates(_now(NetworkSpec(hidden=()))) == []
    # values already in use are not offered again
    assert [s.l2 for _, s in steps["l2"].candidates(_now(NetworkSpec(l2=0.1)))] == [0.0, 1.0]


def test_image_rows_get_image_augmentation_and_propose_speaks_plain_specs():
    plain = NetworkSpec(hidden=(4,), epochs=100).to_dict()
    *out, (control_label, control) = propose("augment", plain, CONFIG, image_shape=(8, 8))
    assert out and all(spec["augment"]["kind"] == "image" for _, spec in out)
    assert all(isinstance(spec, dict) for _, spec in out)
    *noise, _ = propose("augment", plain, CONFIG)
    assert {spec["augment"]["kind"] for _, spec in noise} == {"noise"}
    # the longer candidates' control: their epochs without augmentation (the digits trial
    # credited augmentation with what twice the epochs did)
    assert control_label == "200 epochs, no augmentation (the control)"
    assert control["augment"] is None and control["epochs"] == 200
    assert any(spec["epochs"] == 200 for _, spec in out)


def _outcome(key, dev_error, dev_loss, train_error=0.1):
    return TrialOutcome({"key": key, "spec": {}, "train_error": train_error,
                         "dev_error": dev_error, "dev_loss": dev_loss})  # fmt: skip


def test_the_decision_rule_keeps_only_what_beats_the_incumbent_on_dev():
    incumbent = _outcome("a", 0.20, 0.5)
    labels = {"a": "now", "b": "worse", "c": "tie, lower cost", "d": "better"}
    stay = better_on_dev(incumbent, [_outcome("b", 0.25, 0.4)], labels)
    assert not stay.accepted and stay.winner is None and stay.chosen == "now"
    assert "no candidate beat the current dev error 0.2 (best: worse with 0.25)" in stay.text
    tie = better_on_dev(incumbent, [_outcome("b", 0.25, 0.1), _outcome("c", 0.20, 0.4)], labels)
    assert tie.accepted and tie.winner.key == "c" and "a tie on dev error" in tie.text
    best = better_on_dev(incumbent, [_outcome("c", 0.20, 0.4), _outcome("d", 0.1, 0.9)], labels)
    assert best.winner.key == "d" and best.text.startswith("kept better: dev error 0.2 -> 0.1")


def test_a_tie_shows_the_losses_that_broke_it_in_enough_digits_to_differ():
    """diabetes in a new-user trial: 'broken by the lowest dev loss (..: 1347, ..: 1347)'."""
    incumbent = _outcome("a", 2800.0, 1400.0)
    labels = {"a": "now", "b": "lambda 1", "c": "lambda 3"}
    tied = [_outcome("b", 2694.0, 1347.4), _outcome("c", 2694.0, 1347.02)]
    text = better_on_dev(incumbent, tied, labels).text
    assert (
        "broken by the lowest dev loss without the L2 term (lambda 3: 1347, lambda 1: 1347.4)"
        in text
    )


def test_errors_equal_up_to_their_last_digits_are_ties():
    """mtcars (a regression, L2 = 10): a wider network was kept for a dev MSE lower by 2.5e-13
    with a training MSE higher by 9e-14, the same function up to rounding."""
    incumbent = _outcome("a", 3.627, 3.627, train_error=11.16)
    labels = {"a": "now", "w": "hidden 80-12", "d": "diverged"}
    wider = [_outcome("w", 3.627 - 2.5e-13, 3.627 - 2.5e-13, train_error=11.16 + 9e-14)]
    stay = better_on_dev(incumbent, wider, labels, grows=True)
    assert not stay.accepted and "ties the current dev error" in stay.text
    assert not better_on_dev(incumbent, wider, labels).accepted  # nor by a rounding of its loss
    assert better_on_dev(incumbent, [_outcome("w", 3.6, 3.6)], labels).accepted
    inf = _outcome("d", float("inf"), float("inf"))  # a diverged trial ties only itself
    assert not better_on_dev(incumbent, [inf], labels).accepted
    assert better_on_dev(inf, [incumbent], labels).accepted


def test_a_step_against_bias_keeps_nothing_that_raises_the_training_error():
    """A new user's mtcars: with high bias, the learning-rate step kept Adam lr 0.003 for dev
    3.627 -> 3.626 while the training MSE rose 11.16 -> 11.42."""
    incumbent = _outcome("a", 3.627, 3.627, train_error=11.16)
    labels = {"a": "now", "r": "learning rate 0.003", "g": "learning rate 0.03"}
    higher = [_outcome("r", 3.626, 3.626, train_error=11.42)]
    stay = better_on_dev(incumbent, higher, labels, bias=True)
    assert not stay.accepted and stay.chosen == "now"
    assert "raises the training error 11.16 -> 11.42" in stay.text
    assert better_on_dev(incumbent, higher, labels).accepted  # a variance step may keep it
    lower = [_outcome("g", 3.5, 3.5, train_error=10.0)]
    assert better_on_dev(incumbent, lower, labels, bias=True).accepted


def test_a_bigger_network_that_only_ties_on_dev_must_lower_the_training_error():
    """The penguins trial: wider, longer and deeper candidates tied at 5.97% dev and 6.53%
    train, each won by a dev loss lower by 0.0002, and the network grew eightfold."""
    incumbent = _outcome("a", 0.20, 0.5, train_error=0.10)
    labels = {"a": "now", "w": "hidden 40", "f": "hidden 80"}
    same_train = [_outcome("w", 0.20, 0.4998, train_error=0.10)]
    stay = better_on_dev(incumbent, same_train, labels, grows=True)
    assert not stay.accepted and stay.chosen == "now"
    assert "hidden 40 ties the current dev error 0.2 without lowering the training error" in (
        stay.text
    )
    assert better_on_dev(incumbent, same_train, labels).accepted  # other steps: the dev loss
    fits_better = [_outcome("f", 0.20, 0.4998, train_error=0.05)]
    assert better_on_dev(incumbent, fits_better, labels, grows=True).winner.key == "f"
    clearly = [_outcome("f", 0.15, 0.6, train_error=0.12)]
    assert better_on_dev(incumbent, clearly, labels, grows=True).winner.key == "f"
    assert {s.name for s in BIAS_STEPS if s.grows} == {"wider", "deeper", "longer"}


class Halve(Step):
    """A step written for this test: half the hidden units (never a real fix for bias)."""

    name, kind = "halve", "bias"
    why = "a test step"

    def candidates(self, now):
        return [("half", now.spec.replace(hidden=[max(1, n // 2) for n in now.spec.hidden]))]


def test_a_new_step_is_one_class_and_one_entry_in_the_order(monkeypatch):
    """The loop takes a step it has never seen, records its reason, candidates and decision."""
    monkeypatch.setitem(recipe_loop.STEPS_FOR, "bias", (Halve(),))
    events = []
    X, y = blobs(240)
    result = Recipe(hidden=(8,), epochs=40, n_jobs=1, bias_tolerance=0.0, relative_tolerance=0.0,
                    bayes_error=0.0, learning_curve_fractions=(1.0,), max_trainings=10,
                    on_event=events.append).run(X, y)  # fmt: skip
    step = next(s for s in result.steps if s.name == "halve")
    assert step.kind == "bias" and step.reason.endswith("; a test step")
    assert [c["label"] for c in step.candidates] == ["half"]
    assert step.candidates[0]["spec"]["hidden"] == [4]
    assert step.decision and step.chosen_key
    ends = [e for e in events if e["event"] == "step_end" and e["step"] == "halve"]
    assert ends and ends[0]["decision"] == step.decision


class Retune(Step):
    """A step of a group of its own, tried before capacity whenever it is needed."""

    name, kind = "retune", "optimization"
    why = "a test group"

    def needed(self, now):
        return now.incumbent.spec["learning_rate"] > 0.05

    def candidates(self, now):
        return [("lr 0.05", now.spec.replace(learning_rate=0.05))]


def test_a_new_group_of_steps_takes_the_focus_first_while_it_is_needed(monkeypatch):
    groups = {"retune": (Retune(),), **recipe_loop.STEPS_FOR}  # a group before all of them
    monkeypatch.setattr(recipe_loop, "STEPS_FOR", groups)
    X, y = blobs(240)
    result = Recipe(hidden=(8,), epochs=40, learning_rate=0.5, n_jobs=1, bias_tolerance=0.0,
                    relative_tolerance=0.0, bayes_error=0.0, learning_curve_fractions=(1.0,),
                    max_trainings=12, max_steps=3).run(X, y)  # fmt: skip
    names = [s.name for s in result.steps]
    assert names[:2] == ["baseline", "retune"]
    retune = result.steps[1]
    assert retune.kind == "optimization" and retune.candidates[0]["spec"]["learning_rate"] == 0.05
    if retune.accepted:  # lr is 0.05 from then on: no longer needed
        assert names.count("retune") == 1


def test_less_regularization_is_offered_against_bias_only_when_some_is_on():
    from types import SimpleNamespace

    step = next(s for s in BIAS_STEPS if s.name == "less_regularization")
    plain, strong = NetworkSpec(hidden=(4,)), NetworkSpec(hidden=(4,), l2=1.0, keep_prob=0.9)
    bias = SimpleNamespace(high_bias=True, high_variance=False)
    assert not step.needed(Situation(plain, None, bias, CONFIG))
    assert step.needed(Situation(strong, None, bias, CONFIG))
    labels = [label for label, _ in step.candidates(_now(strong))]
    assert labels == ["lambda=0.1", "lambda=0", "no dropout"]  # CONFIG's grid: 0, 0.1, 1
    variance = SimpleNamespace(high_bias=False, high_variance=True)
    assert not step.needed(Situation(strong, None, variance, CONFIG))


def test_l2_kept_at_the_top_of_its_grid_is_tried_beyond_it():
    step = next(s for s in VARIANCE_STEPS if s.name == "l2")
    at_top = [spec.l2 for _, spec in step.candidates(_now(NetworkSpec(hidden=(4,), l2=1.0)))]
    assert at_top == [0.0, 0.1, 3.0, 10.0]  # CONFIG's grid (0, 0.1, 1), then 3x and 10x
    inside = [spec.l2 for _, spec in step.candidates(_now(NetworkSpec(hidden=(4,), l2=0.1)))]
    assert inside == [0.0, 1.0]


def test_l2_whose_grid_top_won_comes_first_again_while_the_variance_stays_high():
    from types import SimpleNamespace

    step = next(s for s in VARIANCE_STEPS if s.name == "l2")
    top = SimpleNamespace(winner=SimpleNamespace(spec={"l2": 1.0}))
    inside = SimpleNamespace(winner=SimpleNamespace(spec={"l2": 0.1}))
    now = _now(NetworkSpec(hidden=(4,)))
    assert step.again(now, top) and not step.again(now, inside)
    assert not any(s.again(now, top) for s in (*BIAS_STEPS, *VARIANCE_STEPS) if s is not step)


def test_gaps_within_tolerance_do_not_end_the_run_while_a_reference_is_ahead_on_dev(monkeypatch):
    """The randhie trial: avoidable bias 1.1% and variance 1.4%, each within tolerance, and
    'the model is done' beside 'WORSE than gradient boosting on dev (p = 5e-6)'."""
    monkeypatch.setitem(recipe_loop.STEPS_FOR, "bias", (Halve(),))
    monkeypatch.setitem(recipe_loop.STEPS_FOR, "variance", ())
    ahead = {"name": "gradient boosting", "reference_dev": 0.05, "network_dev": 0.08,
             "p_value": 0.001}  # fmt: skip
    monkeypatch.setattr(recipe_state, "reference_ahead", lambda run, incumbent: ahead)
    X, y = blobs(240)
    loose = dict(bias_tolerance=0.5, variance_tolerance=0.5, bayes_error=0.0)
    result = Recipe(hidden=(8,), epochs=40, n_jobs=1, learning_curve_fractions=(1.0,),
                    max_trainings=10, **loose).run(X, y)  # fmt: skip
    assert result.final_diagnosis.label == "low bias and low variance"
    halve = next(s for s in result.steps if s.name == "halve")
    assert "yet gradient boosting is ahead on dev beyond its noise (5.00% against 8.00%" in (
        halve.reason
    )
    assert result.stopped_because != "both gaps are within tolerance"
    assert not any("the model is done" in r for r in result.recommendations)
    # the diagnoses say it too: not "Next: done" above the warning that boosting is ahead
    for diagnosis in (result.baseline_diagnosis, result.final_diagnosis):
        assert diagnosis.actions == (
            "not done while gradient boosting is ahead: lower the bias, then the variance, or "
            "use gradient boosting",
        )
        assert any("gradient boosting is ahead on dev beyond its noise" in n
                   for n in diagnosis.notes)  # fmt: skip

    monkeypatch.setattr(recipe_state, "reference_ahead", lambda run, incumbent: None)
    done = Recipe(hidden=(8,), epochs=40, n_jobs=1, learning_curve_fractions=(1.0,),
                  max_trainings=10, **loose).run(X, y)  # fmt: skip
    assert [s.name for s in done.steps] == ["baseline"]
    assert done.stopped_because == "both gaps are within tolerance"
    assert "both gaps are within tolerance: the model is done" in done.recommendations
    assert done.final_diagnosis.actions == ("done: measure the test error once",)


def test_variance_advice_names_the_fixes_the_budget_left_untried():
    """digits: the budget ran out after L2 and augmentation, and the advice said 'variance is
    still high after the recipe's regularization' although early stopping never ran."""
    from types import SimpleNamespace

    from deeprecipe.diagnose import diagnose
    from deeprecipe.recipe.advice import recommend

    variance = diagnose(0.01, 0.06, 0.0)
    incumbent = SimpleNamespace(result={}, spec={})

    def advice(names, stopped, hidden=(4,)):
        steps = [SimpleNamespace(name=n, kind="variance", candidates=[]) for n in names]
        now = Situation(NetworkSpec(hidden=hidden), None, variance, CONFIG)
        run = SimpleNamespace(steps=steps, situation=lambda incumbent, diagnosis: now)
        return recommend(run, variance, None, incumbent, stopped)

    cut = advice(["l2", "augment"], "the budget is spent")
    assert ("variance is still high and the budget ran out before the recipe tried dropout, "
            "early_stopping: raise the budget") in cut  # fmt: skip
    every = advice(["l2", "dropout", "augment", "early_stopping"], "the budget is spent")
    assert any(r.startswith("variance is still high after the recipe's regularization")
               for r in every)  # fmt: skip
    # no hidden layer: dropout has nothing to offer, and is not called untried (review)
    flat = advice(["l2", "augment", "early_stopping"], "the budget is spent", hidden=())
    assert any(r.startswith("variance is still high after the recipe's regularization")
               for r in flat)  # fmt: skip


@pytest.mark.parametrize(
    ("dev_errors", "n_dev", "variance", "says"),
    [
        ((0.043, 0.036), 140, 0.1, "cannot tell whether more data would help"),  # biopsy
        ((0.080, 0.036), 2000, 0.1, "more data is likely to help"),
        ((0.036, 0.036), 140, 0.1, "the learning curve has flattened"),
        # Pima: a 5-point gap on 40 dev rows was sent to another architecture
        ((0.225, 0.225), 40, 0.05, "is within the dev set's noise (+-12.94%, 95%)"),
    ],
)
def test_more_data_is_advised_only_for_a_fall_beyond_the_dev_sets_noise(
    dev_errors, n_dev, variance, says
):
    """biopsy: 'more data is likely to help: the dev error still fell by 0.71%', one of 140 dev
    rows, on a curve that went 5.7, 6.4, 5.7, 4.3, 3.6%."""
    from types import SimpleNamespace

    from deeprecipe.recipe.advice import recommend
    from deeprecipe.recipe.state import RunState
    from deeprecipe.task import get_task

    head = get_task("binary")
    data = SimpleNamespace(
        trials=SimpleNamespace(y_dev=np.zeros(n_dev), loss=head.name),
        targets=SimpleNamespace(head=head),
    )
    run = SimpleNamespace(steps=[], data=data)
    run.dev_noise = lambda error: RunState.dev_noise(run, error)  # the run's own rule
    diagnosis = SimpleNamespace(high_bias=False, high_variance=True, variance=variance)
    curve = SimpleNamespace(dev_error=list(dev_errors), sizes=[336, 419])
    incumbent = _outcome("a", dev_errors[-1], 0.1)
    advice = recommend(run, diagnosis, curve, incumbent, "the step limit (12) is reached")
    assert any(says in line for line in advice), advice


def test_a_training_that_diverged_at_a_larger_learning_rate_is_not_advice_to_lower_it():
    """mtcars: '1 of the trainings diverged ... a lower learning rate would give them a fair
    chance', where the one was the learning-rate sweep's rate 1 beside a chosen 0.3."""
    from types import SimpleNamespace

    from deeprecipe.recipe.advice import recommend
    from deeprecipe.task import get_task

    head = get_task("binary")
    data = SimpleNamespace(
        trials=SimpleNamespace(y_dev=np.zeros(100), loss=head.name),
        targets=SimpleNamespace(head=head),
    )
    incumbent = TrialOutcome({"key": "a", "spec": {"learning_rate": 0.3}, "train_error": 0.1,
                              "dev_error": 0.1, "dev_loss": 0.3})  # fmt: skip
    diagnosis = SimpleNamespace(high_bias=False, high_variance=False)

    def advice(diverged_at):
        step = SimpleNamespace(name="s", kind="bias", candidates=[
            {"spec": {"learning_rate": diverged_at}, "diverged": True}])  # fmt: skip
        run = SimpleNamespace(steps=[step], data=data)
        return " ".join(recommend(run, diagnosis, None, incumbent, "both gaps are within"))

    assert "diverged" not in advice(1.0)
    assert "1 of the trainings diverged" in advice(0.3)  # a wider network at the same rate


def test_a_step_names_its_candidates_as_it_proposed_them():
    """sleepstudy: the second L2 step's 'lambda=3' had been trained before as the learning-rate
    step's 'adam learning rate 0.1' (the same spec), and its decision read 'best: adam learning
    rate 0.1 with 2496'."""
    from types import SimpleNamespace

    from deeprecipe.recipe.state import RunState

    state = RunState.__new__(RunState)  # only what take() touches
    state.labels, state.notes, state.findings = {"k": "adam learning rate 0.1"}, [], {}
    incumbent, again = _outcome("i", 0.20, 0.5), _outcome("k", 0.25, 0.4)
    record = SimpleNamespace(candidates=[{"key": "k", "label": "lambda=3"}], index=0)
    state.sweep = lambda *args, **kwargs: (record, [again])
    state.emit = lambda *args, **kwargs: None
    from deeprecipe.recipe.steps import L2Step

    step = L2Step()
    now = SimpleNamespace(incumbent=incumbent, diagnosis=None, data=None)
    step.candidates = lambda now: [("lambda=3", None)]
    step.skip = lambda now, candidates: None
    step.reason = lambda now: "high variance"
    _, _, decision = state.take(step, now)
    assert "(best: lambda=3 with 0.25)" in decision.text
