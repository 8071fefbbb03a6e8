"""The recipe's guards: worse than a reference (paired on the dev rows), no better than trivial,
a single predicted class; and silence for a network within noise."""

from types import SimpleNamespace

import numpy as np
import pytest

from deeprecipe._stats import Z95, binomial_se
from deeprecipe.diagnose.references import fit_references
from deeprecipe.nn import Network
from deeprecipe.recipe.config import TargetEncoding
from deeprecipe.recipe.guards import close_calls, guards, run_guards, single_class_guard
from deeprecipe.recipe.trial import TrialData
from deeprecipe.recipe.yardsticks import reference_data


def _ref(kind, dev, n=100, name=None):
    return {
        "kind": kind,
        "name": name or kind + " model",
        "dev_error": dev,
        "dev_se": np.sqrt(dev * (1 - dev) / n),
    }


def _losses(n, wrong):
    out = np.zeros(n)
    out[list(wrong)] = 1.0
    return out


def test_a_network_worse_than_trivial_or_clearly_worse_than_a_reference_draws_a_loud_guard():
    refs = [_ref("trivial", 0.34), _ref("linear", 0.28), _ref("boosting", 0.30)]
    loud = guards(0.62, refs, regression=False)
    assert [g["kind"] for g in loud] == ["trivial", "linear", "boosting"]
    assert {g["finding"] for g in loud} == {"worse"}
    assert "is WORSE than trivial on dev" in loud[0]["message"]
    assert "use linear model instead" in loud[1]["message"]
    assert all(g["p_value"] < 0.05 and g["test"].startswith("unpaired") for g in loud[1:])
    # within the dev set's noise of linear (0.28 +- 0.088), and of trivial (0.34 +- 0.093):
    # not worse than anything, but no better than trivial either
    (quiet,) = guards(0.33, refs, regression=False)
    assert quiet["finding"] == "no_better" and "NOT SHOWN BETTER than trivial" in quiet["message"]
    assert "WORSE" not in quiet["message"] and "use linear model instead" in quiet["message"]


def test_equal_to_trivial_is_no_better_than_trivial_for_rates_and_for_an_mse():
    # the cat images: the network erred on exactly the rows the majority class errs on
    trivial = _losses(50, range(17))
    refs = [_ref("trivial", 0.34, 50, "majority class"), _ref("linear", 0.28, 50, "logistic")]
    (found,) = guards(
        0.34, refs, regression=False, dev_losses=trivial, reference_losses={"trivial": trivial}
    )
    assert found["finding"] == "no_better" and found["test"] == "McNemar mid-p"
    assert found["p_value"] == 1.0 and found["network_dev"] == found["reference_dev"] == 0.34
    assert "NOT SHOWN BETTER than trivial on dev (34.0% against 34.0%" in found["message"]
    assert "use logistic instead (28.0% on dev)" in found["message"]
    # regression: an MSE equal to the training mean's, or below it by less than the noise of
    # the row-by-row differences (the same squared errors shuffled over the rows, 2% smaller)
    rng = np.random.default_rng(0)
    mean_losses = rng.normal(0, 2.0, 80) ** 2
    refs = [{"kind": "trivial", "name": "training mean", "dev_error": mean_losses.mean()}]
    for network_losses in (mean_losses, 0.98 * rng.permutation(mean_losses)):
        (found,) = guards(
            network_losses.mean(),
            refs,
            regression=True,
            dev_losses=network_losses,
            reference_losses={"trivial": mean_losses},
        )
        assert found["finding"] == "no_better" and found["test"] == "paired t-test"
        assert (
            "NOT SHOWN BETTER than trivial" in found["message"]
            and "training mean" in found["message"]
        )


def test_no_better_than_trivial_on_a_handful_of_dev_rows_blames_the_dev_set_not_the_inputs():
    """copper: 5 dev rows, R^2 0.96 on them, p = 0.076: 'check that the inputs carry
    information' was the wrong advice, and the noise quoted was smaller than the gap."""
    trivial = np.array([4.1e6, 2.0e5, 3.0e6, 1.0e4, 2.3e6])
    network = np.array([1.0e5, 3.0e4, 9.0e4, 2.0e4, 1.1e5])
    refs = [{"kind": "trivial", "name": "training mean", "dev_error": trivial.mean()}]
    (found,) = guards(network.mean(), refs, regression=True, dev_losses=network,
                      reference_losses={"trivial": trivial})  # fmt: skip
    assert found["finding"] == "no_better" and found["p_value"] >= 0.05
    assert "on 5 dev rows it cannot show that it learned anything" in found["message"]
    assert "carry information" not in found["message"]
    assert found["noise"] > abs(trivial.mean() - network.mean())  # the noise the test needs


def test_mcnemar_catches_a_loss_on_paired_dev_rows_that_the_unpaired_se_misses():
    # the digits case: 400 dev rows, logistic regression errs on 40, the network on the same
    # 40 and 10 more; 2.5 points is inside 1.96 unpaired standard errors (2.9 points)
    n = 400
    reference, network = _losses(n, range(40)), _losses(n, range(50))
    refs = [_ref("trivial", 0.5, n), _ref("linear", 0.10, n, "logistic regression")]
    assert 0.125 - 0.10 < Z95 * binomial_se(0.10, n)
    assert guards(0.125, refs, regression=False) == []  # unpaired: silent
    losses = {"trivial": _losses(n, range(0, 400, 2)), "linear": reference}
    (found,) = guards(0.125, refs, regression=False, dev_losses=network, reference_losses=losses)
    assert found["kind"] == "linear" and found["finding"] == "worse"
    assert found["test"] == "McNemar mid-p" and found["p_value"] == pytest.approx(0.5**10)
    assert "WORSE than logistic regression" in found["message"]
    assert "10 rows only the network gets wrong, 0 only the reference" in found["message"]
    assert "use logistic regression instead" in found["message"]


def test_a_network_within_noise_of_the_references_and_clearly_better_than_trivial_is_quiet():
    n = 300
    rng = np.random.default_rng(2)
    trivial = _losses(n, range(120))  # 40%
    linear = _losses(n, rng.choice(n, 45, replace=False))  # 15%
    network = linear.copy()
    network[rng.choice(np.flatnonzero(linear == 0), 4, replace=False)] = 1.0
    network[rng.choice(np.flatnonzero(linear == 1), 3, replace=False)] = 0.0
    refs = [_ref("trivial", 0.4, n), _ref("linear", 0.15, n)]
    losses = {"trivial": trivial, "linear": linear}
    assert guards(network.mean(), refs, regression=False, dev_losses=network,
                  reference_losses=losses) == []  # fmt: skip
    # quiet as a guard, but a reference ahead within the noise is told, in a note
    (note,) = close_calls(
        network.mean(), refs, regression=False, dev_losses=network, reference_losses=losses
    )
    assert note.startswith("the linear reference, linear model, is ahead of the chosen network")
    assert "(15.0% against 15.3%), within the noise" in note and "McNemar mid-p" in note
    assert close_calls(0.14, refs, regression=False) == []  # the network ahead: nothing to say


def test_a_network_that_predicts_one_class_draws_the_single_class_guard():
    refs = [_ref("trivial", 0.34, 50, "majority class"), _ref("linear", 0.28, 50, "logistic")]
    predicted = {"dev": np.ones(50, dtype=int), "train": np.ones(167, dtype=int)}
    found = single_class_guard(predicted, 0.34, refs, classes=["cat", "non-cat"])
    assert found["kind"] == found["finding"] == "single_class" and found["name"] == "non-cat"
    assert found["rows"] == {"dev": 50, "train": 167}
    message = found["message"]
    assert (
        "predicts a single class, 'non-cat', for all 50 rows of dev and all 167 rows of training"
        in message
    )
    assert "34.0% against 34.0% for majority class" in message and "use logistic instead" in message
    # one class on dev only, still loud; two classes everywhere: nothing
    predicted["train"][:5] = 0
    assert single_class_guard(predicted, 0.34, refs)["rows"] == {"dev": 50}
    predicted["dev"][0] = 0
    assert single_class_guard(predicted, 0.34, refs) is None


def test_a_single_class_on_imbalanced_labels_blames_the_imbalance_before_the_learning_rate():
    refs = [_ref("trivial", 0.02, 200, "majority class")]
    predicted = {"dev": np.zeros(200, dtype=int), "train": np.zeros(600, dtype=int)}
    message = single_class_guard(predicted, 0.02, refs, classes=["no", "yes"], shares=[0.98, 0.02])[
        "message"
    ]
    assert "the likely cause is the imbalance: 'yes' is only 2.0% of the training labels" in message
    assert "oversample 'yes' in the training split" in message and "no class weights" in message
    assert message.index("imbalance") < message.index("look at the input scale")
    # balanced labels (or the rare class predicted everywhere): the message as before
    for shares in ([0.5, 0.5], None):
        plain = single_class_guard(predicted, 0.5, refs, classes=["no", "yes"], shares=shares)
        assert "imbalance" not in plain["message"] and "look at the input scale" in plain["message"]
    rare_everywhere = {"dev": np.ones(200, dtype=int)}
    found = single_class_guard(
        rare_everywhere, 0.98, refs, classes=["no", "yes"], shares=[0.98, 0.02]
    )
    assert "imbalance" not in found["message"]


def test_a_single_class_after_regularization_names_the_regularization_first():
    """fair in a pandas user's trial: 10.6% positives, L2 lambda 10 flattened the network to
    the majority class, and it was told to look at the input scale and the learning rate."""
    from deeprecipe.recipe.guards import _regularization

    refs = [_ref("trivial", 0.106, 600, "majority class"), _ref("linear", 0.113, 600, "logistic")]
    predicted = {"dev": np.zeros(600, dtype=int)}
    found = single_class_guard(predicted, 0.106, refs, classes=["no", "yes"],
                               shares=[0.894, 0.106], regularization="L2 lambda 10")  # fmt: skip
    message = found["message"]
    assert "its regularization (L2 lambda 10) may have shrunk it to the class shares" in message
    assert message.index("regularization") < message.index("look at the input scale")
    assert _regularization({"l2": 10.0, "keep_prob": 1.0}) == "L2 lambda 10"
    assert _regularization({"l2": 0.0, "keep_prob": [0.8, 1.0]}) == "keep_prob [0.8, 1.0]"
    assert _regularization({"l2": 0.0}) is None


def test_run_guards_pairs_the_networks_dev_rows_with_the_fitted_references():
    # a learnable problem with 70% of one class; the network's bias says "class 1" to every row
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + 0.3 * X[:, 1] > -0.5).astype(np.int64)
    trials = TrialData(X[:300], y[:300], X[300:], y[300:], "binary_crossentropy", 1)
    fitted = fit_references(reference_data(trials, regression=False, seed=0), n_jobs=1)
    network = Network([3, 1], loss="binary_crossentropy", dtype=np.float64)
    network.theta = np.array([0.0, 0.0, 0.0, 10.0])
    run = SimpleNamespace(
        data=SimpleNamespace(
            trials=trials,
            targets=TargetEncoding("binary", "binary_crossentropy", 1, ["no", "yes"]),
        ),
        references=[r for r, _ in fitted],
        reference_models={r["kind"]: m for r, m in fitted},
        notes=[],
        reference_dev_losses=None,
        per_class={},
    )
    incumbent = SimpleNamespace(dev_error=network.error(X[300:], y[300:]), spec={})
    found = {g["finding"] + ":" + g["kind"]: g for g in run_guards(run, incumbent, network)}
    assert set(found) == {"single_class:single_class", "no_better:trivial", "worse:linear",
                          "worse:boosting"}  # fmt: skip
    assert found["single_class:single_class"]["name"] == "yes"
    # the per-class figures come from the same dev predictions: every row read as "yes"
    assert run.per_class["dev"]["recall"] == [0.0, 1.0]
    assert found["no_better:trivial"]["p_value"] == 1.0  # the same rows wrong as the majority
    linear = found["worse:linear"]
    assert linear["test"] == "McNemar mid-p" and linear["p_value"] < 1e-6


def test_a_reference_clearly_ahead_on_test_is_reported_not_acted_on():
    from deeprecipe.recipe.guards import behind_on_test

    n = 400
    network, reference = _losses(n, range(50)), _losses(n, range(40))  # 10 more rows wrong
    refs = [{**_ref("linear", 0.10, n, "logistic regression"), "test_error": 0.10},
            {**_ref("trivial", 0.5, n), "test_error": 0.5}]  # fmt: skip
    losses = {"linear": reference, "trivial": _losses(n, range(200))}
    (note,) = behind_on_test(0.125, refs, regression=False, test_losses=network,
                             reference_losses=losses)  # fmt: skip
    assert note.startswith("on the test set, logistic regression beats the chosen network")
    assert "on 400 test rows" in note and "reported, not acted on" in note
    close = _losses(n, range(41))  # one row apart: within the noise
    assert behind_on_test(0.1025, refs, regression=False, test_losses=close,
                          reference_losses=losses) == []  # fmt: skip


def test_a_gain_over_the_baseline_within_the_dev_sets_noise_is_noted():
    from deeprecipe.recipe.guards import gain_within_noise

    baseline = SimpleNamespace(key="a", dev_error=6 / 82)
    chosen = SimpleNamespace(key="b", dev_error=5 / 82)
    before = np.zeros(82)
    before[:6] = 1.0
    after = before.copy()
    after[0] = 0.0  # football: one dev row of 82 set right, none set wrong
    (note,) = gain_within_noise(baseline, chosen, regression=False, dev_losses=after,
                                baseline_losses=before)  # fmt: skip
    assert note.startswith("the recipe's kept changes took the dev error from 7.3% (the baseline)")
    assert "0 rows only the network gets wrong, 1 only the baseline" in note
    assert "on this dev set the baseline is as good" in note
    clearly = np.zeros(82)
    assert gain_within_noise(baseline, chosen, regression=False, dev_losses=clearly,
                             baseline_losses=np.r_[np.ones(40), np.zeros(42)]) == []  # fmt: skip
    assert gain_within_noise(baseline, baseline, regression=False, dev_losses=after,
                             baseline_losses=before) == []  # fmt: skip


def test_an_imbalanced_classifier_that_finds_rare_rows_is_not_called_no_better_than_trivial():
    """A new user's HI (7% positive): the network found 13 of 71 rare dev rows at 59%
    precision, within noise of the majority class's error rate, and was told it 'has not
    shown that it learned anything' while it beat both logistic regressions on test."""
    from deeprecipe._stats import association_p_value
    from deeprecipe.diagnose.classes import class_figures
    from deeprecipe.recipe.guards import learned_despite_imbalance

    truth = np.array(["no"] * 929 + ["yes"] * 71)
    found = np.array(["no"] * 920 + ["yes"] * 9 + ["no"] * 58 + ["yes"] * 13)
    figures = class_figures(truth, found, ["no", "yes"])
    p, test = association_p_value(figures["confusion"])
    assert p < 1e-6 and test == "Fisher's exact test"
    no_better = {"finding": "no_better", "kind": "trivial", "message": "NO BETTER"}
    worse = {"finding": "worse", "kind": "linear", "message": "WORSE"}
    kept, notes = learned_despite_imbalance([no_better, worse], figures)
    assert kept == [worse]
    assert (
        "its predictions go with the labels beyond chance (Fisher's exact test, p = " in (notes[0])
    )
    assert f"balanced error on dev is {figures['balanced_error']:.1%} against 50%" in notes[0]
    guessing = class_figures(truth, np.roll(found, 500), ["no", "yes"])  # unrelated to labels
    assert learned_despite_imbalance([no_better], guessing) == ([no_better], [])
    assert association_p_value([[10, 0], [3, 0]])[0] == 1.0  # one class predicted


def test_no_reference_is_recommended_that_is_itself_no_better_than_trivial():
    """Hdma's pbcr (7.4% positive): 'NO BETTER than trivial ... use gradient boosting
    instead', where boosting was no better than the majority class either."""
    n = 400
    trivial = np.zeros(n)
    trivial[:30] = 1.0  # the majority class errs on the 30 rare rows
    barely = trivial.copy()
    barely[:2] = 0.0  # boosting finds 2 of them: within the dev set's noise
    clearly = trivial.copy()
    clearly[:25] = 0.0  # finds 25: beyond it
    references = [
        {"kind": "trivial", "name": "majority class", "dev_error": trivial.mean()},
        {"kind": "boosting", "name": "gradient boosting", "dev_error": barely.mean()},
    ]
    (found,) = guards(trivial.mean(), references, regression=False, dev_losses=trivial,
                      reference_losses={"trivial": trivial, "boosting": barely})  # fmt: skip
    assert found["finding"] == "no_better"
    assert (
        "gradient boosting (7.0% on dev) is not ahead of the trivial reference"
        in (found["message"])
    )
    references[1]["dev_error"] = clearly.mean()
    found = guards(trivial.mean(), references, regression=False, dev_losses=trivial,
                   reference_losses={"trivial": trivial, "boosting": clearly})  # fmt: skip
    assert any("use gradient boosting instead" in f["message"] for f in found)


def test_a_reference_far_ahead_is_not_called_as_good_when_few_rows_cannot_confirm_it():
    """msft.csv (64 rows) in a new-user check: ridge's dev MSE 1.2e-05 against the network's
    0.0081 on 13 dev rows, p = 0.11, read 'on this evidence it is as good, and simpler'."""
    network = np.r_[0.1, np.linspace(1e-4, 2e-4, 12)]  # one row far off: a heavy tail
    ridge = np.linspace(0.8e-5, 1.6e-5, 13)
    refs = [_ref("trivial", 1.06, 13, "training mean"), _ref("linear", ridge.mean(), 13, "ridge")]
    losses = {"linear": ridge}
    assert (
        guards(network.mean(), refs, regression=True, dev_losses=network, reference_losses=losses)
        == []
    )  # fmt: skip  (the t-test lacks the rows)
    (note,) = close_calls(
        network.mean(), refs, regression=True, dev_losses=network, reference_losses=losses
    )
    assert "times lower and lower on 13 of 13 dev rows, which the dev set is too small" in note
    assert "prefer it unless a larger dev set says otherwise" in note and "as good" not in note
    exact = [_ref("linear", 0.0, 13, "ridge")]  # a reference that fits exactly
    (note,) = close_calls(network.mean(), exact, regression=True, dev_losses=network,
                          reference_losses={"linear": np.zeros(13)})  # fmt: skip
    assert "(0 against 0.007831), with no error and lower on 13 of 13 dev rows" in note
