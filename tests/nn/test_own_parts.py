"""Your own activation, loss or Network subclass: training runs it, the gradient check checks
it (not a built-in of the same name), copies and pickles keep it, model files refuse it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from deeprecipe.check import gradcheck
from deeprecipe.errors import DeepRecipeError
from deeprecipe.io import save_model
from deeprecipe.nn import Activation, Network
from deeprecipe.task import SoftmaxCrossEntropy

X = np.random.default_rng(0).normal(size=(20, 4))
Y = np.arange(20) % 3


class LastClassTripled(SoftmaxCrossEntropy):
    """A planted bug in a loss of one's own: the last class's gradient three times too big."""

    def value_and_gradient(self, z, y):
        value, grad = super().value_and_gradient(z, y)
        grad[:, -1] *= 3
        return value, grad


class Scaled(Network):
    """A subclass with a constructor argument of its own and a planted bug in backward."""

    def __init__(self, layer_sizes, scale=1.0, **kwargs):
        super().__init__(layer_sizes, **kwargs)
        self.scale = scale

    def backward(self, dz_out, *, m):
        grad = super().backward(dz_out, m=m)
        grad[:5] *= self.scale
        return grad


def _softplus_backward(z, a, da, out=None):
    return np.multiply(da, 1 / (1 + np.exp(-z)), out=out)


SOFTPLUS = Activation("softplus", lambda z, out=None: np.logaddexp(0, z, out=out),
                      _softplus_backward, "xavier")  # fmt: skip


def test_the_gradient_check_checks_your_own_loss_not_the_builtin_of_its_name():
    net = Network([4, 5, 3], activation="tanh", loss=LastClassTripled())
    assert gradcheck(net, X, Y).verdict == "likely a bug"
    assert gradcheck(Network([4, 5, 3], activation="tanh", loss=SoftmaxCrossEntropy()), X, Y).passed


def test_your_own_activation_is_run_and_checked_whatever_its_name():
    wrong = Activation("tanh", np.tanh, lambda z, a, da, out=None: da * (1 - a), "xavier")
    net = Network([4, 5, 3], activation=wrong, loss="softmax_crossentropy")
    assert net.layers[0].activation is wrong
    result = gradcheck(net, X, Y)
    assert not result.passed and set(result.failing_tensors) <= {"W1", "b1"}
    good = Network([4, 5, 3], activation=SOFTPLUS, loss="softmax_crossentropy", dtype="float64")
    assert gradcheck(good, X, Y).verdict == "great" and good.activations == ["softplus"]


def test_a_subclass_with_its_own_arguments_and_attributes_is_checked_as_it_is():
    buggy = Scaled([4, 5, 3], scale=2.0, loss="softmax_crossentropy")
    assert gradcheck(buggy, X, Y).verdict == "likely a bug"
    assert gradcheck(Scaled([4, 5, 3], loss="softmax_crossentropy"), X, Y).passed
    for twin in (buggy.copy(), buggy.copy(dtype=np.float64), copy.deepcopy(buggy), buggy.to("cpu")):
        assert type(twin) is Scaled and twin.scale == 2.0
        assert np.array_equal(twin.get_theta(), buggy.get_theta().astype(twin.dtype))
        assert twin.layers[0].W.base is not None  # a view of the twin's own theta
        assert not np.shares_memory(twin.get_theta(), buggy.theta)


def test_a_model_file_refuses_your_own_parts_it_could_only_name(tmp_path):
    net = Network([4, 5, 3], activation=SOFTPLUS, loss=LastClassTripled())
    assert net.custom_parts == ["activation 'softplus'", "loss 'softmax_crossentropy'"]
    with pytest.raises(DeepRecipeError, match="your own activation 'softplus', loss"):
        save_model(tmp_path / "m.safetensors", net)
    assert not (tmp_path / "m.safetensors").exists()
    assert Network([4, 5, 3], activation="tanh", loss=SoftmaxCrossEntropy()).custom_parts == []
    deep = Network([4, 5, 5, 3], activation=SOFTPLUS)  # one activation on two layers: named once
    assert deep.custom_parts == ["activation 'softplus'"]


def test_your_own_parts_are_refused_off_numpy_where_names_pick_the_computation():
    pytest.importorskip("torch", reason="the torch backend")
    with pytest.raises(DeepRecipeError, match="NumPy backend only.*accepted: backend='numpy'"):
        Network([4, 5, 3], activation=SOFTPLUS, loss="softmax_crossentropy", backend="torch")
    with pytest.raises(DeepRecipeError, match="your own loss"):
        Network([4, 5, 3], loss=LastClassTripled()).to(backend="torch")


def _tanh_backward(z, a, da, out=None):
    return np.multiply(da, 1 - a * a, out=out)


def _tanh_backward_doubled_near_one(z, a, da, out=None):
    """tanh's derivative, doubled where z > 1: a planted bug in one's own activation."""
    grad = _tanh_backward(z, a, da, out=out)
    grad[z > 1.0] *= 2
    return grad


def test_a_failing_check_names_your_own_activation_when_its_backward_is_the_bug():
    """A new user's doubled derivative failed W1, b1, W2 and b2 together, and nothing named
    the activation: its backward is now checked alone against its forward."""
    buggy = Activation("mytanh", np.tanh, _tanh_backward_doubled_near_one, "xavier")
    net = Network([4, 6, 3], activation=buggy, loss="softmax_crossentropy", seed=1)
    net.theta = net.theta * 3  # pre-activations beyond 1, where the bug is
    result = gradcheck(net, X, Y)
    assert result.failing_tensors
    (note,) = [n for n in result.notes if "disagrees with itself" in n]
    assert note.startswith("your activation 'mytanh' disagrees with itself: its backward gives")
    assert "the bug is in its backward" in note
    right = Activation("mytanh", np.tanh, _tanh_backward, "xavier")
    good = gradcheck(
        Network([4, 6, 3], activation=right, loss="softmax_crossentropy", seed=1), X, Y
    )
    assert good.passed and not any("disagrees with itself" in n for n in good.notes)
    bug_elsewhere = gradcheck(
        Scaled([4, 5, 3], scale=2.0, activation=SOFTPLUS, loss="softmax_crossentropy"), X, Y
    )
    assert bug_elsewhere.failing_tensors  # the layer's bug, and softplus is right
    assert not any("disagrees with itself" in n for n in bug_elsewhere.notes)
