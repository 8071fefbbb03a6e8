"""Each planted backprop bug is flagged, and the tensor named worst is the one with the bug."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer

from deeprecipe.check import gradcheck, numerical_gradient
from deeprecipe.nn import Network


def make_net(sizes, *, activation="tanh", loss="softmax_crossentropy", seed=0, **options):
    return Network(sizes, activation=activation, loss=loss, seed=seed, **options)


def assert_localized(result, buggy: set[str]) -> None:
    assert not result.passed, str(result)
    assert result.worst_tensor in buggy, str(result)
    assert set(result.failing_tensors) <= buggy, str(result)
    assert result.failing_tensors, str(result)
    assert result.worst[0].tensor in buggy


def test_weight_gradient_scaled_by_two(plant, make_data):
    net = make_net([5, 7, 6, 3])
    X, y = make_data(5, 3, 24, 1, "softmax_crossentropy")
    assert gradcheck(net, X, y).passed
    plant.gradient(lambda g, net, m: g["W2"].__imul__(2))
    result = gradcheck(net, X, y)
    assert_localized(result, {"W2"})
    assert result.failing_tensors == ["W2"]
    assert result.per_tensor["W2"].difference == pytest.approx(1 / 3, rel=1e-5)


def test_bias_gradient_off_by_a_constant_factor(plant, make_data):
    net = make_net([5, 7, 6, 3], activation="relu")
    X, y = make_data(5, 3, 24, 2, "softmax_crossentropy")
    plant.gradient(lambda g, net, m: g["b1"].__imul__(4))
    result = gradcheck(net, X, y)
    assert_localized(result, {"b1"})
    assert result.failing_tensors == ["b1"]


def test_wrong_activation_derivative(plant, make_data):
    """tanh' computed as 1 - a instead of 1 - a^2, in the first layer only."""
    net = make_net([5, 7, 6, 3], activation="tanh")
    X, y = make_data(5, 3, 24, 3, "softmax_crossentropy")
    plant.layer((5, 7), activation_backward=lambda z, a, da, out=None: da * (1 - a))
    result = gradcheck(net, X, y)
    assert_localized(result, {"W1", "b1"})
    for clean in ("W2", "b2", "W3", "b3"):
        assert result.per_tensor[clean].verdict == "great"


def test_missing_l2_term_in_one_layer(plant, make_data):
    net = make_net([5, 7, 6, 3], l2=0.7)
    X, y = make_data(5, 3, 16, 4, "softmax_crossentropy")
    assert gradcheck(net, X, y).passed
    plant.gradient(lambda g, net, m: g["W3"].__isub__(net.l2 / m * net["W3"]))
    result = gradcheck(net, X, y)
    assert_localized(result, {"W3"})
    assert result.failing_tensors == ["W3"]


def test_dropout_backward_forgetting_one_over_keep_prob(plant, make_data):
    # tanh: with ReLU, an example whose every first-layer unit is dropped or off has
    # Z2 = b2 = 0 exactly, on the kink, where no finite difference can agree with backprop
    net = make_net(
        [6, 8, 7, 2], activation="tanh", loss="binary_crossentropy", keep_prob=[0.7, 1.0]
    )
    X, y = make_data(6, 2, 32, 5, "binary_crossentropy")
    assert gradcheck(net, X, y, dropout="frozen").passed
    plant.layer((6, 8), forget_keep_prob=True)
    frozen = gradcheck(net, X, y, dropout="frozen")
    assert_localized(frozen, {"W1", "b1"})
    # with dropout off (the course's advice) dropout's backward never runs: the bug hides
    assert gradcheck(net, X, y, dropout="off").passed


def test_transposed_weight_gradient_on_a_square_layer(plant, make_data):
    net = make_net([5, 6, 6, 2], loss="mse")
    X, y = make_data(5, 2, 20, 6, "mse")
    plant.gradient(lambda g, net, m: g["W2"].__setitem__(Ellipsis, g["W2"].T.copy()))
    result = gradcheck(net, X, y)
    assert_localized(result, {"W2"})
    assert result.failing_tensors == ["W2"]
    worst = result.worst[0]
    assert worst.index[0] != worst.index[1]  # the diagonal of a transpose is right


@pytest.mark.parametrize("mode", ["sampled", "directional"])
def test_cheap_modes_flag_and_localize_a_planted_bug(plant, make_data, mode):
    net = make_net([20, 30, 16, 4], activation="relu")
    X, y = make_data(20, 4, 32, 7, "softmax_crossentropy")
    assert gradcheck(net, X, y, mode=mode, n_samples=16, n_directions=3).passed
    plant.gradient(lambda g, net, m: g["W2"].__imul__(1.5))
    result = gradcheck(net, X, y, mode=mode, n_samples=16, n_directions=3)
    assert_localized(result, {"W2"})
    assert result.n_checked < net.n_params
    assert set(result.per_tensor) == set(net.parameter_names)  # every tensor represented


def test_sampled_mode_finds_a_bug_in_a_single_entry(plant, make_data):
    """A bug confined to one unit is found when that unit's entries are sampled."""
    net = make_net([8, 10, 3])
    X, y = make_data(8, 3, 16, 8, "softmax_crossentropy")

    def one_unit(g, net, m):
        g["W1"][:, 4] *= -1

    plant.gradient(one_unit)
    result = gradcheck(net, X, y, mode="sampled", n_samples=40)
    assert_localized(result, {"W1"})
    assert all(w.index[1] == 4 for w in result.worst if w.tensor == "W1" and w.abs_error > 1e-6)


def test_forward_mismatch_falls_back_to_whole_forward_passes(monkeypatch, make_data):
    """A network whose forward the engine cannot reproduce still gets a true check."""
    original = Network.forward

    def shifted_forward(self, X, **kwargs):
        return original(self, X, **kwargs) + 0.25

    monkeypatch.setattr(Network, "forward", shifted_forward)
    net = make_net([4, 5, 3])
    X, y = make_data(4, 3, 10, 9, "softmax_crossentropy")
    result = gradcheck(net, X, y)
    assert any("fell back" in note for note in result.notes)
    assert result.difference < 2e-7
    assert result.forward_pass_equivalents == result.n_forward_passes


def measured_numerical(net, result):
    """Every entry's numerical value as measured (kinks keep their raw centred difference)."""
    values = np.full(net.n_params, np.nan)
    for entry in [*result.worst, *result.kinks]:  # kinks last: their raw value wins
        s, shape = net.parameter_slices[entry.tensor]
        values[s.start + np.ravel_multi_index(entry.index, shape)] = entry.numerical
    return values


def whole_forward_cost(net, X, y, *, frozen: bool):
    """J as a plain function of theta, the masks drawn as gradcheck draws them (seed 0)."""
    twin = net.copy(dtype=np.float64)
    twin.rng = np.random.default_rng(np.random.SeedSequence(0).spawn(2)[0])
    targets = twin.prepare_targets(y, len(X))
    masks = None
    if frozen:
        twin.forward(X, training=True)
        masks = [layer.mask for layer in twin.layers]

    def cost(theta):
        twin.theta[...] = theta
        logits = twin.forward(X, training=frozen, masks=masks)
        return twin.loss.value(logits, targets) + twin.l2_cost(len(X))

    return cost


@pytest.mark.parametrize("two_sided", [True, False])
@pytest.mark.parametrize(
    ("sizes", "activation", "loss", "options"),
    [
        ([5, 6, 4, 3], "relu", "softmax_crossentropy", {"l2": 0.3, "keep_prob": [0.8, 0.6]}),
        ([4, 5, 2], "sigmoid", "binary_crossentropy", {}),
        ([3, 4, 4, 4, 2], "leaky_relu", "mse", {"l2": 1.0}),
    ],
)
def test_finite_differences_match_a_per_parameter_loop(
    make_data, sizes, activation, loss, options, two_sided
):
    """The layer-wise engine computes the same numbers as a plain loop of whole forwards."""
    net = make_net(sizes, activation=activation, loss=loss, dtype=np.float64, **options)
    X, y = make_data(sizes[0], sizes[-1], 12, 10, loss)
    frozen = "keep_prob" in options
    result = gradcheck(
        net, X, y, dropout="frozen" if frozen else "off", two_sided=two_sided, n_worst=10**6
    )
    cost = whole_forward_cost(net, X, y, frozen=frozen)
    loop = numerical_gradient(cost, net.theta.copy(), two_sided=two_sided)
    engine = measured_numerical(net, result)
    np.testing.assert_allclose(engine, loop, rtol=1e-6, atol=1e-7)


class HalvedOutputBias(Network):
    """A developer's subclass whose backward halves db of the output layer."""

    def backward(self, dz_out, *, m):
        grad = super().backward(dz_out, m=m)
        self.views(grad)[-1][...] *= 0.5
        return grad


def test_a_subclass_is_checked_as_itself(make_data):
    net = HalvedOutputBias([4, 6, 3], activation="tanh", loss="softmax_crossentropy")
    X, y = make_data(4, 3, 16, 12, "softmax_crossentropy")
    result = gradcheck(net, X, y)
    assert result.failing_tensors == ["b2"]


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "identity"]),
    loss=st.sampled_from(["binary_crossentropy", "softmax_crossentropy", "mse"]),
    keep_prob=st.sampled_from([1.0, 0.6]),
    l2=st.sampled_from([0.0, 0.8]),
    m_examples=st.integers(1, 9),
    seed=st.integers(0, 2**16),
)
def test_engine_equals_the_loop_on_random_networks(
    sizes, activation, loss, keep_prob, l2, m_examples, seed
):
    """Random shapes, activations, losses, frozen dropout, L2 over a larger training set."""
    if loss == "softmax_crossentropy" and sizes[-1] == 1:
        sizes = [*sizes[:-1], 2]
    net = Network(
        sizes,
        activation=activation,
        loss=loss,
        keep_prob=keep_prob,
        l2=l2,
        seed=seed,
        dtype=np.float64,
    )
    rng = np.random.default_rng(seed)
    # biases off zero, as training leaves them: with zero biases, a unit whose inputs are all
    # dropped sits exactly on the ReLU kink, where the two engines' last-bit differences decide
    # which side a finite difference falls on (the kinks have tests of their own above)
    for name, (where, _) in net.parameter_slices.items():
        if name.startswith("b"):
            net.theta[where] = rng.normal(0.0, 0.1, where.stop - where.start)
    X = rng.standard_normal((m_examples, sizes[0])) + 0.05
    if loss == "mse":
        y = rng.standard_normal((m_examples, sizes[-1]))
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, (m_examples, sizes[-1]))
    else:
        y = rng.integers(0, sizes[-1], m_examples)
    frozen = keep_prob < 1 and len(sizes) > 2
    result = gradcheck(net, X, y, dropout="frozen" if frozen else "off", m=50, n_worst=10**6)
    twin = net.copy()
    twin.rng = np.random.default_rng(np.random.SeedSequence(0).spawn(2)[0])
    targets = twin.prepare_targets(y, len(X))
    masks = None
    if frozen:
        twin.forward(X, training=True)
        masks = [layer.mask for layer in twin.layers]

    def cost(theta):
        twin.theta[...] = theta
        logits = twin.forward(X, training=frozen, masks=masks)
        return twin.loss.value(logits, targets) + twin.l2_cost(50)

    loop = numerical_gradient(cost, net.theta.copy())
    engine = measured_numerical(net, result)
    np.testing.assert_allclose(engine, loop, rtol=1e-6, atol=1e-7)


class _NoOneOverM(Network):
    """The course's commonest slip: the gradient summed over the batch, not averaged."""

    def backward(self, dz_out, *, m):
        return super().backward(dz_out * m, m=m)


class _TransposedW2(Network):
    """A square weight gradient built the wrong way round: dZ^T A instead of A^T dZ."""

    def backward(self, dz_out, *, m):
        grad = super().backward(dz_out, m=m)
        self.layers[1].dW[...] = self.layers[1].dW.T.copy()
        return grad


def test_a_constant_factor_and_a_transposed_gradient_are_named_by_their_shape(make_data):
    X, y = make_data(4, 3, 8, 1, "softmax_crossentropy")
    scaled = gradcheck(_NoOneOverM([4, 6, 6, 3], activation="tanh", loss="softmax_crossentropy"),
                       X, y)  # fmt: skip
    assert any(n.startswith("backprop is 8 times the numerical gradient") for n in scaled.notes)
    transposed = gradcheck(_TransposedW2([4, 6, 6, 3], activation="tanh",
                                         loss="softmax_crossentropy"), X, y)  # fmt: skip
    assert transposed.failing_tensors == ["W2"]
    assert any(n.startswith("W2's backprop gradient is the transpose") for n in transposed.notes)
    assert not any("constant factor" in n for n in transposed.notes)


class FlippedFirstBias(Network):
    """A sign error in the first layer's bias gradient."""

    def backward(self, dz_out, *, m):
        grad = super().backward(dz_out, m=m)
        self.views(grad)[1][...] *= -1
        return grad


def test_a_bug_in_a_vanishing_gradient_fails_the_check():
    """A new-user trial: a sign error in b1 of a deep sigmoid network, whose early gradients
    vanish, gave an overall 3.9e-6 and passed with b1 listed as failing."""
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    net = FlippedFirstBias([30] + [32] * 8 + [1], activation="sigmoid", seed=0)
    result = gradcheck(net, X[:64], y[:64])
    assert result.difference <= result.thresholds.look_again  # the overall figure hides it
    assert "b1" in result.failing_tensors and not result.passed
    assert any(note.startswith("the whole gradient's difference") for note in result.notes)
