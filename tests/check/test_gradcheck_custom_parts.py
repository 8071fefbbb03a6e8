"""A layer developer's own activations and losses, written the documented ways: no false
alarm on correct code, the bug named where there is one (a new user's trial)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from deeprecipe import Network
from deeprecipe.check import check_grad, gradcheck
from deeprecipe.errors import DeepRecipeTypeError
from deeprecipe.nn.activations import Activation
from deeprecipe.task import MeanSquaredError


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3))
    X[:4] = 0.0  # exact zeros: pre-activations at a ReLU's kink
    return X, 3 * (X @ [1.0, -2.0, 0.5])


def _huber(r, delta=1.0):
    return np.where(np.abs(r) <= delta, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))


class Huber(MeanSquaredError):
    """value_and_gradient alone, as the Network docstring suggests."""

    def value_and_gradient(self, z, y):
        r = z - y
        return float(_huber(r).sum(axis=1).mean()), np.clip(r, -1.0, 1.0) / z.shape[0]


def test_a_loss_with_value_and_gradient_alone_is_costed_and_checked_as_itself(data):
    """It was costed as its parent's MSE, and the check failed at 0.75 on every tensor."""
    X, y = data
    net = Network([3, 4, 1], activation="tanh", loss=Huber(), dtype=np.float64, seed=1)
    logits = net.forward(X)
    assert net.cost(X, y) == pytest.approx(float(_huber(logits - y[:, None]).mean()))
    result = gradcheck(net, X, y)
    assert result.passed
    assert any("gives no per-example losses (example_losses)" in n for n in result.notes)


def _relu(z, out=None):
    return np.maximum(z, 0, out=out)


def _relu_backward(z, a, da, out=None):
    result = da * (z > 0)
    if out is None:
        return result
    out[...] = result
    return out


def test_a_relu_of_your_own_gets_its_kinks_resolved_whatever_its_name(data):
    X, y = data
    y = (y > 0).astype(float)
    mine = Network([3, 5, 4, 1], activation=Activation("myrelu", _relu, _relu_backward, "he"),
                   dtype=np.float64, seed=3)  # fmt: skip
    builtin = Network([3, 5, 4, 1], activation="relu", dtype=np.float64, seed=3)
    assert gradcheck(mine, X, y).passed and gradcheck(builtin, X, y).passed
    kinks = len(gradcheck(mine, X, y).kinks)
    assert kinks > 0 and kinks == len(gradcheck(builtin, X, y).kinks)


def test_an_activation_that_returns_a_new_array_instead_of_writing_out_works(data):
    """Its result was left unread and the layer computed on uninitialized memory."""
    X, y = data

    def softplus(z, out=None):
        return np.logaddexp(0, z)  # takes out=, returns a new array

    def softplus_backward(z, a, da, out=None):
        return da / (1 + np.exp(-z))

    def no_out(z):
        return np.logaddexp(0, z)

    def no_out_backward(z, a, da):
        return da / (1 + np.exp(-z))

    for pair in ((softplus, softplus_backward), (no_out, no_out_backward)):
        net = Network([3, 5, 1], activation=Activation("softplus", *pair, "xavier"), seed=0,
                      loss="mse", dtype=np.float64)  # fmt: skip
        net.forward(X)
        first = net.layers[0]
        np.testing.assert_allclose(first._a, np.logaddexp(0, X @ first.W + first.b))
        assert gradcheck(net, X, y).passed
    with pytest.raises(DeepRecipeTypeError, match=r"backward is a NoneType; accepted: a func"):
        Activation("softplus", softplus, None, "xavier")


def test_a_nan_in_backprop_is_named_first_and_an_infinite_cost_does_not_crash():
    theta = np.arange(6.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        nan = check_grad(lambda t: float(t @ t), lambda t: np.where(t == 2, np.nan, 2 * t),
                         theta, names={"W": (2, 3)})  # fmt: skip
    assert (nan.worst[0].tensor, nan.worst[0].index) == ("W", (0, 2))
    assert any("backprop is NaN or infinite at 1 entry (W (0, 2))" in n for n in nan.notes)
    blows = check_grad(lambda t: float(t @ t) if t[1] < 1.0000001 else float("inf"),
                       lambda t: 2 * t, theta)  # fmt: skip
    assert not blows.passed and blows.worst[0].index == (1,)
    assert any("the numerical gradient (the cost f) is NaN or infinite" in n for n in blows.notes)


def _tanh_backward(z, a, da, out=None):
    return da * (1 - np.tanh(z) ** 2)


def _tanh_in_float32(z, out=None):
    return np.tanh(z.astype(np.float32))


NOISE = np.random.default_rng(0)


def _tanh_with_noise(z, out=None):
    return np.tanh(z) * (1 + 1e-3 * NOISE.standard_normal(z.shape))


def _tanh_over_its_input(z, out=None):
    return np.tanh(z, out=z)


@pytest.mark.parametrize(
    "forward, fault",
    [
        (_tanh_in_float32, "returns float32 for float64 z"),
        (_tanh_with_noise, "gives two different outputs for the same z"),
        (_tanh_over_its_input, "changes its input z in place"),
    ],
)
def test_a_faulty_forward_is_blamed_not_the_correct_backward(data, forward, fault):
    """A new-user trial: each of these forwards, with a correct backward, was reported as
    'the bug is in its backward'."""
    X, y = data
    net = Network([3, 5, 1], activation=Activation("mytanh", forward, _tanh_backward, "xavier"),
                  loss="mse", dtype=np.float64, seed=0)  # fmt: skip
    result = gradcheck(net, X, y)
    assert not result.passed
    (note,) = [n for n in result.notes if n.startswith("your activation 'mytanh'")]
    assert fault in note and "the bug is in its forward" in note


class HuberLosses(MeanSquaredError):
    """example_losses overridden, value inherited: the two costs disagree."""

    def example_losses(self, logits, targets, scratch=None):
        return _huber(logits - targets.T[:, None, :])


def test_a_loss_that_disagrees_with_itself_is_named(data):
    X, y = data
    net = Network([3, 4, 1], activation="tanh", loss=HuberLosses(), dtype=np.float64, seed=1)
    result = gradcheck(net, X, y)
    (note,) = [n for n in result.notes if "fell back" in n]
    assert note.startswith("the loss HuberLosses disagrees with itself: the mean of its example")


class DoubledGradient(MeanSquaredError):
    """example_gradient overridden with a factor of 2 too many; value inherited."""

    name = "doubled"

    def example_gradient(self, z, y):
        return 2 * (z - y)


class HuberWithoutClip(Huber):
    """value_and_gradient whose gradient forgets Huber's clip: MSE's beyond |r| = 1."""

    name = "huber"

    def value_and_gradient(self, z, y):
        value, _ = super().value_and_gradient(z, y)
        return value, (z - y) / z.shape[0]


@pytest.mark.parametrize("loss", [DoubledGradient(), HuberWithoutClip()])
def test_a_loss_whose_gradient_is_wrong_is_named(data, loss):
    """A new-user trial: a loss overriding example_gradient with a bug failed every tensor,
    with no note naming the loss (activations get one)."""
    X, y = data
    net = Network([3, 4, 1], activation="tanh", loss=loss, dtype=np.float64, seed=1)
    result = gradcheck(net, X, y)
    assert not result.passed
    (note,) = [n for n in result.notes if n.startswith("your loss")]
    assert f"your loss {loss.name!r} disagrees with itself: its gradient gives dJ/dz" in note
    assert "the bug is in its gradient" in note
    right = Network([3, 4, 1], activation="tanh", loss=Huber(), dtype=np.float64, seed=1)
    assert not any(n.startswith("your loss") for n in gradcheck(right, X, y).notes)
