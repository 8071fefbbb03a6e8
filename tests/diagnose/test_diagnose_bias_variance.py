"""The lecture's bias/variance table, the Bayes-error correction and the train-dev mismatch."""

from __future__ import annotations

import json

import pytest

from deeprecipe.diagnose import LABELS, diagnose
from deeprecipe.errors import DeepRecipeError


@pytest.mark.parametrize(
    ("train", "dev", "label", "high_bias", "high_variance"),
    [
        (0.01, 0.11, "high variance", False, True),
        (0.15, 0.16, "high bias", True, False),
        (0.15, 0.30, "high bias and high variance", True, True),
        (0.005, 0.01, "low bias and low variance", False, False),
    ],
)
def test_lecture_four_examples(train, dev, label, high_bias, high_variance):
    result = diagnose(train, dev, 0.0)
    assert result.label == label
    assert result.high_bias is high_bias
    assert result.high_variance is high_variance
    assert result.avoidable_bias == pytest.approx(train)
    assert result.variance == pytest.approx(dev - train)
    assert result.data_mismatch is None
    assert result.high_mismatch is False
    assert result.bayes_error_assumed is False


def test_bayes_error_of_15_percent_removes_the_bias():
    result = diagnose(0.15, 0.16, bayes_error=0.15)
    assert not result.high_bias
    assert result.avoidable_bias == pytest.approx(0.0)
    assert result.label == "low bias and low variance"
    assert result.actions == ("done: measure the test error once",)


def test_train_dev_separates_mismatch_from_variance():
    result = diagnose(0.01, 0.10, train_dev_error=0.015)
    assert result.label == "data mismatch"
    assert not result.high_variance and not result.high_bias and result.high_mismatch
    assert result.variance == pytest.approx(0.005)
    assert result.data_mismatch == pytest.approx(0.085)
    assert result.focus == "mismatch"
    # without the train-dev set the same numbers read as variance
    assert diagnose(0.01, 0.10).label == "high variance"


def test_unknown_bayes_error_is_assumed_zero_and_said():
    result = diagnose(0.15, 0.16)
    assert result.bayes_error_assumed and result.bayes_error == 0.0
    assert any("assumed 0" in note for note in result.notes)
    assert diagnose(0.15, 0.16, None).to_dict() == result.to_dict()


def test_actions_put_bias_first_and_tolerances_are_reported():
    result = diagnose(0.15, 0.30)
    assert result.actions[0].startswith("bigger network")
    assert any(a.startswith("regularization") for a in result.actions)
    assert result.actions.index("train longer") < result.actions.index(
        "regularization (L2, dropout)"
    )
    assert result.focus == "bias"
    assert result.bias_tolerance == 0.015 and result.variance_tolerance == 0.015
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["label"] in LABELS and isinstance(data["actions"], list)


def test_tolerances_change_the_verdict():
    assert diagnose(0.05, 0.08).high_variance
    assert not diagnose(0.05, 0.08, variance_tolerance=0.05).high_variance
    # the gap exactly at the tolerance is not high, despite float noise (0.07 - 0.05)
    assert not diagnose(0.05, 0.07, variance_tolerance=0.02).high_variance
    # the relative share: one point over 15% is small, one point over 0% is not counted either
    assert diagnose(0.15, 0.175, relative_tolerance=0.2).high_variance is False
    assert diagnose(0.15, 0.175, relative_tolerance=0.0).high_variance is True


def test_combined_labels_are_listed():
    result = diagnose(0.2, 0.5, train_dev_error=0.3)
    assert result.label == "high bias, high variance and data mismatch"
    assert result.label in LABELS


def test_loss_metric_accepts_values_above_one():
    result = diagnose(2.0, 5.0, metric="loss", bias_tolerance=0.5, bayes_error=1.8)
    assert result.metric == "loss"
    assert result.label == "high variance"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"train_error": 1.5, "dev_error": 0.1}, "train_error"),
        ({"train_error": 0.1, "dev_error": -0.1}, "dev_error"),
        ({"train_error": 0.1, "dev_error": 0.2, "bayes_error": 2}, "bayes_error"),
        ({"train_error": 0.1, "dev_error": 0.2, "train_dev_error": float("nan")}, "train_dev"),
        ({"train_error": 0.1, "dev_error": 0.2, "metric": "accuracy"}, "metric"),
        ({"train_error": 0.1, "dev_error": 0.2, "bias_tolerance": -1}, "bias_tolerance"),
        ({"train_error": "0.1", "dev_error": 0.2}, "train_error"),
        ({"train_error": -1.0, "dev_error": 0.2, "metric": "loss"}, "train_error"),
    ],
)
def test_bad_inputs_are_named(kwargs, fragment):
    with pytest.raises(DeepRecipeError, match=fragment):
        diagnose(**kwargs)


def test_diagnose_network_measures_the_errors():
    import numpy as np

    from deeprecipe.diagnose import diagnose_network
    from deeprecipe.nn import Network

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    net = Network([3, 4, 1], seed=0)
    result = diagnose_network(
        net, X[:40], y[:40], X[40:], y[40:], X_train_dev=X[:20], y_train_dev=y[:20], bayes_error=0.0
    )
    assert result.train_error == net.error(X[:40], y[:40])
    assert result.dev_error == net.error(X[40:], y[40:])
    assert result.train_dev_error == net.error(X[:20], y[:20])
    regression = Network([3, 4, 1], loss="mse", seed=0)
    assert diagnose_network(regression, X, X[:, 0] * 30, X, X[:, 0] * 30).metric == "loss"
    with pytest.raises(DeepRecipeError, match="X_train_dev"):
        diagnose_network(net, X, y, X, y, X_train_dev=X)


def test_top_level_diagnose_is_callable_even_after_the_subpackage_is_imported():
    import deeprecipe
    import deeprecipe.diagnose.curves  # noqa: F401 - rebinds deeprecipe.diagnose to the module
    from deeprecipe import diagnose as top_level

    assert top_level(0.01, 0.11).label == "high variance"
    assert deeprecipe.diagnose(0.15, 0.16).label == "high bias"


def test_the_human_level_lecture_example_points_at_variance():
    """Human-level error 7.5%, train 8%, dev 10%: avoidable bias 0.5 points, variance 2 points,
    so the lecture says to reduce variance."""
    result = diagnose(0.08, 0.10, bayes_error=0.075)
    assert result.high_variance and not result.high_bias
    assert result.focus == "variance"
    with_human_1 = diagnose(0.08, 0.10, bayes_error=0.01)
    assert with_human_1.high_bias and with_human_1.actions[0].startswith("bigger network")


def _bracket(upper, lower=None):
    from deeprecipe.diagnose.achievable import AchievableError, Bound

    up = Bound(upper, upper - 0.03, upper + 0.03, "logistic regression on 200 dev examples", 200)
    low = None if lower is None else Bound(lower, lower - 0.02, lower + 0.02, "1-NN", 400)
    return AchievableError("error", up, low)


def test_avoidable_bias_is_high_only_above_what_a_reference_reached_on_unseen_data():
    # the diabetes story: the baseline's training error is far from 0 but below what any
    # reference reached on dev, so it is not avoidable bias
    result = diagnose(0.20, 0.30, achievable=_bracket(0.25, 0.10))
    assert not result.high_bias and result.high_variance
    assert result.bayes_source == "estimated" and result.bayes_error == 0.25
    assert not result.bayes_error_assumed
    assert any("demonstrably achievable" in n for n in result.notes)
    assert any("nearest-neighbour estimate" in n for n in result.notes)
    assert not any("fits noise" in n for n in result.notes)
    # a training error above a reference's dev error plus the tolerance is avoidable bias
    assert diagnose(0.30, 0.31, achievable=_bracket(0.10)).high_bias
    assert not diagnose(0.11, 0.12, achievable=_bracket(0.10)).high_bias  # within tolerance
    assert json.loads(json.dumps(result.to_dict()))["achievable"]["upper"]["value"] == 0.25


def test_the_users_bayes_error_wins_over_the_bracket_and_none_means_assumed():
    result = diagnose(0.20, 0.21, 0.05, achievable=_bracket(0.25))
    assert result.high_bias and result.bayes_error == 0.05 and result.bayes_source == "given"
    assumed = diagnose(0.20, 0.21)
    assert assumed.bayes_source == "assumed" and assumed.bayes_error_assumed


def test_a_nearest_neighbour_estimate_above_the_upper_bound_says_so_where_it_is_shown():
    assert "above the upper bound: biased upward" in str(_bracket(0.05, 0.11))
    assert "above the upper bound" not in str(_bracket(0.25, 0.10))


def test_a_negative_gap_says_what_it_means():
    text = str(diagnose(0.02, 0.01, bayes_error=0.05))
    assert "avoidable bias -3.00% (training error below the Bayes estimate)" in text
    assert "variance -1.00% (dev error below the training error)" in text
    assert "(" not in str(diagnose(0.10, 0.12, bayes_error=0.05)).split(": ", 1)[1]
    # no Bayes error given: the estimate is a reference's dev error, and it says so (the
    # randhie trial read "below the Bayes estimate" beside "no Bayes error was given")
    estimated = str(diagnose(0.20, 0.21, achievable=_bracket(0.25)))
    assert "avoidable bias -5.00% (training error below the best reference's dev error)" in (
        estimated
    )


def test_a_training_part_that_runs_larger_errors_is_read_at_devs_scale():
    """statsmodels' fair data as regression (3,820 training rows): the training mean's MSE is
    5.092 on train and 4.357 on dev; a network as good as ridge regression on both parts
    (4.779 / 4.05 against 4.824 / 4.082) was called high bias against ridge's dev error."""
    from deeprecipe.diagnose.display import diagnosis_rows

    achievable = _bracket(4.082)
    plain = diagnose(4.779, 4.05, metric="loss", achievable=achievable)
    assert plain.high_bias and plain.variance < 0  # the parts' spread, read as bias
    scale = 5.092 / 4.357
    read = diagnose(4.779, 4.05, metric="loss", achievable=achievable, train_scale=scale)
    assert not read.high_bias and not read.high_variance
    assert read.train_error == 4.779 and read.train_scale == scale  # the measured error kept
    assert read.avoidable_bias == pytest.approx(4.779 / scale - 4.082)
    assert read.variance == pytest.approx(4.05 - 4.779 / scale)
    train_row = diagnosis_rows(read.to_dict(), "MSE")[1]
    assert train_row[1] == "4.779 (4.089 at dev's scale)"
    assert "dev's scale" not in str(diagnosis_rows(plain.to_dict(), "MSE"))
    near = diagnose(4.779, 4.05, metric="loss", achievable=achievable, train_scale=1.01)
    assert "dev's scale" not in str(diagnosis_rows(near.to_dict(), "MSE"))  # alike to the eye
    with pytest.raises(DeepRecipeError, match="train_scale"):
        diagnose(0.1, 0.2, train_scale=0)


def test_bias_against_an_estimated_bayes_error_counts_beyond_the_estimates_noise():
    """A new user's Pima: logistic regression reached 19.3% on 166 dev rows (95% 14.0-25.9%),
    the network trained to 21.5%, as the reference did on its own training rows, and was
    told 'high bias: try another architecture'."""
    from deeprecipe.diagnose.achievable import AchievableError, Bound

    def bracket(n, high):
        upper = Bound(0.193, 0.14, high, "logistic regression", n)
        return AchievableError("error", upper, None)

    small = diagnose(0.215, 0.193, achievable=bracket(166, 0.259))
    assert not small.high_bias
    assert any("beyond that estimate's noise: 19.3% on 166 dev examples" in n for n in small.notes)
    large = diagnose(0.215, 0.193, achievable=bracket(20000, 0.199))
    assert large.high_bias


def test_a_dev_error_well_below_the_training_error_is_noted_not_read_as_fine():
    """A learner's 10% train, 5% dev: variance -5% shown as 'ok' without a word."""
    easier = diagnose(0.10, 0.05, bayes_error=0.0)
    assert any("the dev error is below the training error by 5.0%" in n for n in easier.notes)
    assert not any("below the training error" in n for n in diagnose(0.10, 0.095, 0.0).notes)


@pytest.mark.parametrize("unit", [1.0, 1e-4, 1e-7, 1e4])
def test_the_diagnosis_does_not_depend_on_the_targets_units(unit):
    """diabetes' target times 1e-7: train 1.276e-11, dev 6.016e-11 (dev 5x train) read 'low
    bias and low variance': an absolute 1e-9 in the float-noise allowance swallowed every gap
    below it. MSEs scale with the unit squared; so do the tolerances given in its units."""
    scale = unit**2
    found = diagnose(
        1276 * scale, 6016 * scale, metric="loss",
        bias_tolerance=2000 * scale, variance_tolerance=120 * scale,
    )  # fmt: skip
    assert found.high_variance and not found.high_bias


def test_a_verdict_that_rests_on_the_parts_noise_scale_says_so():
    """diabetes in a CLI trial: a scale of 1.08 (88 dev rows) moved the chosen network from
    no high gap to "high variance", and nothing said the verdict rested on it."""
    gaps = {"bias_tolerance": 0.0, "variance_tolerance": 0.0, "relative_tolerance": 0.1}
    scaled = diagnose(2584.0, 2694.0, 2200.0, metric="loss", train_scale=1.08, **gaps)
    plain = diagnose(2584.0, 2694.0, 2200.0, metric="loss", **gaps)
    assert scaled.label != plain.label and scaled.unscaled_label == plain.label
    assert str(scaled).endswith(f"(divided by 1.08); as measured: {plain.label}")
    assert plain.unscaled_label is None and "as measured" not in str(plain)
    from deeprecipe.diagnose.display import diagnosis_rows

    assert diagnosis_rows(scaled.to_dict())[-1][:2] == [
        "verdict with the train loss as measured",
        plain.label,
    ]
    assert "as measured" not in str(diagnosis_rows(plain.to_dict()))
    same = diagnose(0.10, 0.30, 0.0, train_scale=1.02)  # the scale changes no verdict
    assert same.unscaled_label is None
