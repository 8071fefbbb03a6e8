"""A correct backprop stays below the course's 2e-7, at initialization and after training."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.check import gradcheck, gradcheck_during_training
from deeprecipe.nn import Network

COURSE_THRESHOLD = 2e-7

ARCHITECTURES = [
    # sizes, activation, loss, options, dropout mode
    ([6, 9, 5, 3], "tanh", "softmax_crossentropy", {"l2": 0.5}, "off"),
    ([4, 8, 1], "sigmoid", "binary_crossentropy", {}, "off"),
    ([5, 7, 7, 2], "leaky_relu", "mse", {"l2": 1.0}, "off"),
    ([6, 10, 8, 4], ["tanh", "relu"], "softmax_crossentropy", {"keep_prob": [0.8, 0.9]}, "frozen"),
    ([3, 12, 2], "relu", "binary_crossentropy", {"keep_prob": 0.7, "l2": 0.2}, "frozen"),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("sizes", "activation", "loss", "options", "dropout"), ARCHITECTURES)
def test_correct_network_passes_at_init_and_after_100_steps(
    make_data, sizes, activation, loss, options, dropout, seed
):
    net = Network(sizes, activation=activation, loss=loss, seed=seed, **options)
    X, y = make_data(sizes[0], sizes[-1], 48, seed + 10, loss)
    X = X + 0.1  # off-centre inputs, so that no ReLU sits exactly on its kink by symmetry
    before = net.theta.copy()
    run = gradcheck_during_training(
        net,
        X,
        y,
        epochs=(0, 100),
        optimizer="adam",
        learning_rate=0.01,
        dropout=dropout,
        check_examples=32,
        seed=seed,
    )
    np.testing.assert_array_equal(net.theta, before)  # a copy trained, not the network
    assert [epoch for epoch, _ in run.checks] == [0, 100]
    assert run.history.cost[-1] < run.history.cost[0]  # it did train
    for epoch, result in run.checks:
        assert result.difference < COURSE_THRESHOLD, f"epoch {epoch}\n{result}"
        assert result.failing_tensors == []
    assert run.passed


def test_float32_network_is_checked_in_float64():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    net = Network([4, 6, 3], activation="tanh", loss="softmax_crossentropy", dtype=np.float32)
    result = gradcheck(net, X, y)
    assert net.theta.dtype == np.float32
    assert result.difference < COURSE_THRESHOLD


def test_one_sided_difference_is_worse_than_two_sided():
    """The course's lesson: the one-sided error is O(eps), the two-sided O(eps^2)."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
    net = Network([3, 5, 1], activation="tanh", seed=4)
    two = gradcheck(net, X, y, eps=1e-4)
    one = gradcheck(net, X, y, eps=1e-4, two_sided=False)
    assert one.difference > 100 * two.difference
    assert one.n_forward_passes < two.n_forward_passes


@pytest.mark.parametrize("loss", ["softmax_crossentropy", "binary_crossentropy"])
@pytest.mark.parametrize("margin", [8.0, 12.0, 16.0])
def test_a_confidently_right_output_still_passes(loss, margin):
    """A saturated output (loss ~e^-margin, gradient as small) leaves the finite differences
    nothing but rounding unless the loss keeps its digits (log1p, not log(1 + r)): before, a
    correct network scored 1.5e-3 at margin 12, "likely a bug"."""
    n_out = 2 if loss == "softmax_crossentropy" else 1
    net = Network([4, 4, n_out], activation="tanh", loss=loss, dtype=np.float64, seed=0)
    net["b2"][...] = [0.0, margin] if n_out == 2 else [margin]
    X = np.random.default_rng(1).standard_normal((3, 4))
    y = np.array([1, 1, 1]) if n_out == 2 else np.ones((3, 1))
    result = gradcheck(net, X, y)
    assert result.verdict == "great", str(result)


def test_rounding_noise_is_named_when_it_explains_a_failure():
    """The same check with a cost computed the imprecise way: the result says the errors are
    within rounding noise rather than leaving a bare "suspicious"."""
    from deeprecipe.check.numerical import rounding_note
    from deeprecipe.check.result import GradcheckResult, WorstEntry

    worst = [WorstEntry("W1", (0, 1), 1e-5, 1e-5 + 4e-9, 4e-9, 4e-4)]
    failed = GradcheckResult(difference=3e-4, verdict="suspicious", per_tensor={}, worst=worst,
                             n_forward_passes=1, forward_pass_equivalents=1.0)  # fmt: skip
    assert "rounding noise" in rounding_note(failed, scale=12.0)
    assert rounding_note(failed, scale=1e-6) is None  # errors far above the noise: no excuse
    bug = GradcheckResult(difference=0.2, verdict="likely a bug", per_tensor={}, worst=worst,
                          n_forward_passes=1, forward_pass_equivalents=1.0)  # fmt: skip
    assert rounding_note(bug, scale=12.0) is None


def test_relu_kinks_are_noted():
    """Zero biases and an all-zero example put ReLU pre-activations exactly on the kink."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((10, 3))
    X[0] = 0.0
    net = Network([3, 4, 2], activation="relu", loss="softmax_crossentropy")
    result = gradcheck(net, X, rng.integers(0, 2, 10))
    assert any("kink" in note and "4 exactly 0" in note for note in result.notes)
    assert not any("kink" in n for n in gradcheck(net, X[1:], np.ones(9, int)).notes)


def kinked_case():
    """ReLU after dropout, zero biases: 3 of 32 examples have every first-layer unit off or
    dropped, so Z2 = b2 = 0 exactly there, on the kink."""
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((32, 6)), rng.integers(0, 2, size=(32, 2))
    net = Network(
        [6, 8, 7, 2], activation="relu", loss="binary_crossentropy", keep_prob=[0.7, 1.0], seed=0
    )
    return net, X, y


def test_kink_entries_are_told_apart_from_bugs():
    net, X, y = kinked_case()
    result = gradcheck(net, X, y, dropout="frozen")
    assert result.kinks and {k.tensor for k in result.kinks} == {"b2"}
    assert result.raw_difference > 1e-3  # the course's raw figure would call it a bug
    assert result.passed and result.difference < COURSE_THRESHOLD
    for kink in result.kinks:
        assert abs(kink.left - kink.right) > 1e-4 * (abs(kink.left) + abs(kink.right))
        one_sided = min(abs(kink.analytic - kink.left), abs(kink.analytic - kink.right))
        assert one_sided < 1e-5 * abs(kink.analytic) + 1e-9  # O(eps): one-sided differences
    data = result.to_dict()
    assert data["raw_difference"] == result.raw_difference and len(data["kinks"]) == len(
        result.kinks
    )
    assert "straddle a kink" in str(result)


def test_a_bug_beside_a_kink_is_still_flagged(plant):
    net, X, y = kinked_case()
    plant.gradient(lambda g, net, m: g["b2"].__imul__(1.5))
    result = gradcheck(net, X, y, dropout="frozen")
    assert result.failing_tensors == ["b2"] and not result.kinks


def test_a_correct_network_short_of_great_by_rounding_alone_is_told_so():
    """Inputs in [0, 1/16]: a modest gradient, errors of 5e-9 per entry, all rounding, and a
    relative difference near 1e-6 ("look again"); the note says it is no evidence of a bug,
    and a larger eps indeed brings the check to "great" (its truncation error, O(eps^2), is
    still far below the rounding one)."""
    X = np.random.default_rng(0).random((20, 64)) / 16
    y = np.arange(20) % 10
    net = Network([64, 32, 10], activation="tanh", loss="softmax_crossentropy", seed=0)
    result = gradcheck(net, X, y)
    assert result.verdict == "look again"
    assert any("rounding noise" in n and "eps (1e-6, 1e-5)" in n for n in result.notes), (
        result.notes
    )
    assert gradcheck(net, X, y, eps=1e-5).verdict == "great"


def test_a_tensor_whose_errors_are_rounding_noise_is_not_failing():
    """Tanh 2-6-6-1 at a small random init: b1's gradient is tiny, so its relative difference
    passes 1e-5 on errors of 1e-9, below the rounding noise; the check passes and names no
    failing tensor (it used to pass while listing b1 as FAILING)."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    result = gradcheck(Network([2, 6, 6, 1], activation="tanh", init="random", l2=0.05), X, y)
    assert result.passed and result.failing_tensors == [] and result.noise_floor is not None
    noisy = [t for t in result.per_tensor.values() if result.thresholds.fails(t.difference)]
    assert noisy and all(result.within_noise(t) for t in noisy)
    assert "(rounding noise)" in str(result) and "FAILING" not in str(result)


def test_a_network_collapsed_to_a_constant_is_inconclusive_not_failed():
    """cpunish in a new-user trial: L2 collapsed the network to the training mean, its
    gradients were 1e-17 to 1e-56, and the recipe printed '1 (likely a bug, FAILED)'."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X[:, 0] + rng.normal(size=20)
    net = Network([3, 4, 1], loss="mse", dtype=np.float64, seed=0)
    weights = net.get_weights()
    weights["b1"][:] = -100.0  # every ReLU dead
    weights["b2"][:] = y.mean()  # the output at the training mean, where dJ/db2 = 0
    net.set_weights(weights)
    result = gradcheck(net, X, y)
    assert result.difference > 1e-3 and not result.passed and not result.failing_tensors
    assert result.inconclusive and result.outcome == "inconclusive"
    # its band read as an alarm beside it: '1 (likely a bug, inconclusive)' (a new-user trial)
    assert result.reading == "inconclusive: every error within the rounding noise"
    assert "(inconclusive;" in str(result)
    assert any(n.startswith("inconclusive: every error") for n in result.notes)
    shown = result.to_dict()
    assert shown["outcome"] == "inconclusive"
    assert any(t["rounding_noise"] for t in shown["per_tensor"])
    assert not any(t["failing"] for t in shown["per_tensor"])
    alive = gradcheck(Network([3, 4, 1], loss="mse", dtype=np.float64, seed=0), X, y)
    assert alive.outcome == "passed" and not alive.inconclusive
    assert alive.reading == f"{alive.verdict}, passed" == alive.to_dict()["reading"]
