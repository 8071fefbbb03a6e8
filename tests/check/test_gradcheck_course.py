"""The Gradient Checking assignment's N-dimensional case, reproduced.

Legacy ``np.random.seed(1)``, then in order ``X = randn(4, 3)``, ``W1 = randn(5, 4)``,
``b1 = randn(5, 1)``, ``W2 = randn(3, 5)``, ``b2 = randn(3, 1)``, ``W3 = randn(1, 3)``,
``b3 = randn(1, 1)`` (course layout, columns are examples; transposed into ours), labels
``[1, 1, 0]``, a 4-5-3-1 relu/relu/sigmoid network, mean cross-entropy, eps = 1e-7. The notebook
plants two bugs: ``dW2`` with an extra factor 2 and ``db1`` computed with ``4/m`` instead of
``1/m``.
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.check import check_grad, gradcheck
from deeprecipe.nn import Network

PUBLISHED_BUGGY = 0.2850931567761623
PUBLISHED_FIXED = 1.1890913024229996e-07


def course_case():
    np.random.seed(1)
    x = np.random.randn(4, 3)
    W1, b1 = np.random.randn(5, 4), np.random.randn(5, 1)
    W2, b2 = np.random.randn(3, 5), np.random.randn(3, 1)
    W3, b3 = np.random.randn(1, 3), np.random.randn(1, 1)
    net = Network([4, 5, 3, 1], activation="relu", loss="binary_crossentropy", dtype=np.float64)
    net.set_weights({"W1": W1.T, "b1": b1, "W2": W2.T, "b2": b2, "W3": W3.T, "b3": b3})
    return net, x.T, np.array([1, 1, 0])


def plant_course_bugs(grads, net, m):
    grads["W2"] *= 2  # dW2 = 1/m dZ2 A1^T * 2
    grads["b1"] *= 4  # db1 = 4/m sum(dZ1)


def course_cost(net, X, y):
    """The notebook's own cost: sigmoid, then -log(A) and -log(1 - A) taken naively."""

    def cost(theta):
        net.theta[...] = theta
        a3 = 1 / (1 + np.exp(-net.forward(X)[:, 0]))
        return np.sum(-np.log(a3) * y - np.log(1 - a3) * (1 - y)) / len(y)

    return cost


def backprop(net, X, y):
    targets = net.prepare_targets(y, len(X))

    def grad(theta):
        net.theta[...] = theta
        net.loss_and_gradient(X, targets, training=False)
        return net.grad.copy()

    return grad


def test_planted_bugs_give_the_published_difference_and_name_w2_and_b1(plant):
    net, X, y = course_case()
    plant.gradient(plant_course_bugs)
    result = gradcheck(net, X, y)
    assert result.difference == pytest.approx(PUBLISHED_BUGGY, rel=1e-6)
    assert result.verdict == "likely a bug" and not result.passed
    assert sorted(result.failing_tensors) == ["W2", "b1"]
    assert result.worst_tensor in ("W2", "b1")
    assert result.per_tensor["W2"].difference == pytest.approx(1 / 3, rel=1e-6)  # |2g-g|/(3g)
    assert result.per_tensor["b1"].difference == pytest.approx(3 / 5, rel=1e-6)  # |4g-g|/(5g)
    assert {w.tensor for w in result.worst[:3]} <= {"W2", "b1"}


def test_fixed_backprop_is_below_the_course_threshold():
    net, X, y = course_case()
    result = gradcheck(net, X, y)
    # the stable log-sigmoid cost leaves far less rounding noise than the notebook's -log(A)
    assert result.difference < 2e-7
    assert result.passed and result.failing_tensors == []


def test_the_notebook_cost_reproduces_both_published_figures(plant):
    """The same check through check_grad on the notebook's own (naive) cost function."""
    net, X, y = course_case()
    theta = net.theta.copy()
    fixed = check_grad(
        course_cost(net, X, y), backprop(net, X, y), theta, names=net.parameter_slices
    )
    assert 5e-8 < fixed.difference < 3e-7  # the published 1.189e-7, up to rounding
    plant.gradient(plant_course_bugs)
    buggy = check_grad(
        course_cost(net, X, y), backprop(net, X, y), theta, names=net.parameter_slices
    )
    assert buggy.difference == pytest.approx(PUBLISHED_BUGGY, rel=1e-6)
    assert sorted(buggy.failing_tensors) == ["W2", "b1"]
    assert fixed.n_forward_passes == 2 * 47 + 1  # a centred difference per entry, and backprop
    assert buggy.n_forward_passes > fixed.n_forward_passes  # one-sided looks at disagreements
