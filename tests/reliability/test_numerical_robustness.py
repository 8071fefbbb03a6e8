"""Numbers that never blow up: extreme logits, all-zero inputs, a batch of one, huge lambda,
stable sigmoid / log-sigmoid / log-softmax (against torch in float64), and the divergence
guard on a run that really explodes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe.check import gradcheck
from deeprecipe.data import Standardizer
from deeprecipe.nn import Network, get_loss, log_sigmoid, log_softmax, sigmoid, softmax
from deeprecipe.train import fit

LOSS_OUTPUTS = {"binary_crossentropy": 1, "softmax_crossentropy": 3, "mse": 1}


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    """An overflow or invalid-value warning anywhere in these tests is a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            yield


def _targets(loss: str, m: int) -> np.ndarray:
    if loss == "softmax_crossentropy":
        return np.arange(m) % 3
    if loss == "mse":
        return np.linspace(-1.0, 1.0, m)
    return np.arange(m) % 2


def _network(loss: str, dtype, **kwargs) -> Network:
    return Network([3, 5, LOSS_OUTPUTS[loss]], loss=loss, dtype=dtype, seed=1, **kwargs)


# -- extreme logits ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", sorted(LOSS_OUTPUTS))
@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_cost_and_gradient_are_finite_for_logits_of_1e4(loss, dtype, logit):
    net = _network(loss, dtype)
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = _targets(loss, 8)
    net["b2"][...] = logit  # every logit is +-1e4 (plus a little from W2)
    net["W2"][...] *= 1e-3
    targets = net.prepare_targets(y, 8)
    cost = net.loss_and_gradient(net.check_inputs(X), targets)
    assert np.isfinite(cost) and np.isfinite(net.grad).all()
    assert np.isfinite(net.predict_proba(X)).all()


def test_extreme_logits_give_the_exact_limits():
    """Not just finite: -log sigma(1e4) = 0 exactly-ish and -log sigma(-1e4) = 1e4, and
    the gradient dJ/dz = (sigma(z) - y)/m saturates at 0 or -1/m, never NaN."""
    bce = get_loss("binary_crossentropy")
    z = np.array([[1e4], [-1e4], [1e4], [-1e4]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    per_row = [bce.value(z[i : i + 1], y[i : i + 1]) for i in range(4)]
    assert per_row == [0.0, 1e4, 1e4, 0.0]
    np.testing.assert_array_equal(bce.gradient(z, y), [[0.0], [-0.25], [0.25], [0.0]])

    ce = get_loss("softmax_crossentropy")
    z = np.array([[1e4, -1e4, 0.0]])
    assert ce.value(z, np.array([1])) == 2e4
    assert ce.value(z, np.array([0])) == 0.0
    value, grad = ce.value_and_gradient(z, np.array([2]))
    assert value == 1e4
    np.testing.assert_array_equal(grad, [[1.0, 0.0, -1.0]])


# -- all-zero inputs, a batch of one, huge lambda ----------------------------------------------


@pytest.mark.parametrize("loss, expected", [
    ("binary_crossentropy", np.log(2.0)),
    ("softmax_crossentropy", np.log(3.0)),
])  # fmt: skip
def test_all_zero_inputs_give_the_chance_cost_and_a_finite_gradient(loss, expected):
    """Zero inputs and zero biases make every logit 0: J = log 2 (sigmoid) or log K."""
    net = _network(loss, np.float64, activation="tanh")
    X = np.zeros((6, 3))
    y = _targets(loss, 6)
    cost = net.loss_and_gradient(X, net.prepare_targets(y, 6))
    assert cost == pytest.approx(expected, rel=1e-15)
    assert np.isfinite(net.grad).all()
    # only the output bias can learn from zero inputs: every W gradient is exactly 0
    for name in ("W1", "W2"):
        s, _ = net.parameter_slices[name]
        assert not net.grad[s].any(), name
    history = fit(net, X, y, learning_rate=0.1, epochs=5)
    assert np.isfinite(history.cost).all() and np.isfinite(net.theta).all()


@pytest.mark.parametrize("loss", sorted(LOSS_OUTPUTS))
def test_a_batch_of_one(loss):
    net = _network(loss, np.float64, activation="tanh", keep_prob=0.7, l2=0.3)
    X = np.random.default_rng(2).normal(size=(1, 3))
    y = _targets(loss, 1)
    history = fit(net, X, y, optimizer="adam", learning_rate=0.01, batch_size=1, epochs=3)
    assert np.isfinite(history.cost).all() and np.isfinite(net.theta).all()
    assert net.predict(X).shape == (1,)
    assert gradcheck(net, X, y, dropout="frozen").passed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_lambda_keeps_cost_and_gradient_finite_and_exact(dtype):
    lam, m = 1e8, 10
    net = Network([3, 4, 1], l2=lam, dtype=dtype, seed=0)
    X = np.random.default_rng(3).normal(size=(m, 3))
    y = np.arange(m) % 2
    targets = net.prepare_targets(y, m)
    cost = net.loss_and_gradient(net.check_inputs(X), targets)
    weights = sum(float(np.sum(net[w].astype(np.float64) ** 2)) for w in ("W1", "W2"))
    assert np.isfinite(cost) and np.isfinite(net.grad).all()
    assert cost == pytest.approx(lam / (2 * m) * weights, rel=1e-3)  # the L2 term dominates
    s, shape = net.parameter_slices["W1"]
    np.testing.assert_allclose(net.grad[s].reshape(shape), lam / m * net["W1"], rtol=1e-3)
    if dtype == np.float64:
        assert gradcheck(net, X, y).passed


def test_huge_lambda_training_ends_with_finite_weights():
    """lambda = 1e8 with a step the L2 term cannot take: the guard keeps the weights finite."""
    net = Network([3, 4, 1], l2=1e8, seed=0)
    X = np.random.default_rng(3).normal(size=(10, 3))
    history = fit(net, X, np.arange(10) % 2, optimizer="gd", learning_rate=0.1, epochs=20)
    assert np.isfinite(net.theta).all()
    assert history.diverged and "lower learning rate" in history.message


# -- the stable functions themselves, against torch in float64 --------------------------------

EXTREMES = np.array([-1e4, -800.0, -745.0, -40.0, -1e-8, 0.0, 1e-8, 40.0, 745.0, 800.0, 1e4])


def test_sigmoid_and_log_sigmoid_match_torch_everywhere(torch):
    z = np.concatenate([EXTREMES, np.linspace(-60, 60, 241)])
    t = torch.tensor(z, dtype=torch.float64)
    np.testing.assert_allclose(sigmoid(z), torch.sigmoid(t).numpy(), rtol=1e-14, atol=0)
    expected = torch.nn.functional.logsigmoid(t).numpy()
    np.testing.assert_allclose(log_sigmoid(z), expected, rtol=1e-14, atol=1e-300)
    assert np.isfinite(log_sigmoid(z)).all()


def test_log_softmax_and_softmax_match_torch_for_huge_rows(torch):
    rng = np.random.default_rng(4)
    z = np.vstack([
        rng.normal(size=(5, 4)),
        [1e4, -1e4, 0.0, 1.0],
        [-1e4, -1e4, -1e4, -1e4],
        [1e300, 1e300, -1e300, 0.0],
        [800.0, 799.0, 0.0, -800.0],
    ])  # fmt: skip
    t = torch.tensor(z, dtype=torch.float64)
    np.testing.assert_allclose(log_softmax(z), torch.log_softmax(t, dim=-1).numpy(), rtol=1e-14)
    np.testing.assert_allclose(softmax(z), torch.softmax(t, dim=-1).numpy(), rtol=1e-14)
    assert np.isfinite(log_softmax(z)).all()
    # one row, and a stack of batches, go through the general path: the same values (to the
    # rounding of a BLAS sum, whose order may differ between a vector and a matrix)
    same = {"rtol": 1e-15, "atol": 0}
    np.testing.assert_allclose(log_softmax(z[5]), log_softmax(z)[5], **same)
    stacked = np.stack([z, z[::-1]])
    expected = np.stack([log_softmax(z), log_softmax(z[::-1])])
    np.testing.assert_allclose(log_softmax(stacked), expected, **same)
    np.testing.assert_allclose(softmax(stacked)[1], softmax(z[::-1]), **same)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "softmax_crossentropy"])
def test_losses_at_extreme_logits_match_torch(torch, loss):
    rng = np.random.default_rng(5)
    k = LOSS_OUTPUTS[loss]
    z = rng.choice([-1e4, -50.0, 0.0, 50.0, 1e4], size=(12, k)) + rng.normal(size=(12, k))
    y = _targets(loss, 12)
    ours = get_loss(loss)
    targets = ours.prepare_targets(y, k, np.float64)
    value, grad = ours.value_and_gradient(z, targets)
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    if loss == "binary_crossentropy":
        reference = torch.nn.functional.binary_cross_entropy_with_logits(
            t, torch.tensor(targets, dtype=torch.float64)
        )
    else:
        reference = torch.nn.functional.cross_entropy(t, torch.tensor(targets))
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-13)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-300)


# -- the divergence guard on a run that really explodes ----------------------------------------


def _exploding_run(epochs: int, guard: bool = True):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = Network([2, 20, 3, 1], seed=0, dtype=np.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        history = fit(net, X, y, optimizer="gd", learning_rate=1e6, epochs=epochs,
                      divergence_guard=guard)  # fmt: skip
    return net, history, X, y


def test_divergence_guard_stops_and_says_what_to_try():
    net, history, X, y = _exploding_run(50)
    assert history.diverged and len(history) < 50
    message = history.message
    assert "diverged at epoch" in message
    for advice in ("lower learning rate", "initialization", "normalized inputs"):
        assert advice in message, message
    assert np.isfinite(net.theta).all()


def test_divergence_guard_restores_weights_whose_cost_was_measured_good():
    net, history, X, y = _exploding_run(50)
    assert history.diverged
    # full batch: history.cost[-1] is J of the weights at the start of the last good epoch
    with np.errstate(all="ignore"):
        restored_cost = net.cost(X, y)
    assert restored_cost == pytest.approx(history.cost[-1], rel=1e-9)


# -- inputs near the limits of the floating-point types ----------------------------------------


def test_standardizer_on_features_near_the_float64_limit():
    """Sums of 1e308-sized values overflow; the scaler measures them in their own units."""
    X = np.array([[1e308, 1.0], [-1e308, 2.0], [5e307, 3.0]])
    scaler = Standardizer().fit(X)
    assert np.isfinite(scaler.mean_).all() and np.isfinite(scaler.scale_).all()
    expected = [(X[:, 0] / 1e308).std() * 1e308, X[:, 1].std()]
    np.testing.assert_allclose(scaler.scale_, expected, rtol=1e-12)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-12)


def test_inputs_beyond_float32_range_are_refused_by_a_float32_network():
    X = np.ones((4, 3))
    X[2, 1] = 1e39
    with pytest.raises(DeepRecipeError, match="row 2"):
        Network([3, 4, 1]).predict(X)
