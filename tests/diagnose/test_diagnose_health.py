"""Per-layer health: vanishing/exploding gradients, saturation, dead ReLUs, the monitor."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from deeprecipe.diagnose import HealthMonitor, layer_health
from deeprecipe.diagnose.health import (
    DEAD_RELU,
    EXPLODING,
    EXPLODING_ACTIVATIONS,
    NO_GRADIENT,
    SATURATION,
    VANISHING,
)
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.train import fit

DEEP = [10] + [20] * 9 + [1]  # ten weight layers


@pytest.fixture(scope="module")
def probe():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_sigmoid_with_small_random_init_warns_of_vanishing_gradients(probe, seed):
    net = Network(
        DEEP, activation="sigmoid", init="random", init_scale=0.01, seed=seed, dtype="float64"
    )
    report = layer_health(net, *probe)
    assert report.has(VANISHING)
    # the warning reads the back-propagated signal through the hidden layers, dZ[1] against
    # dZ[L-1]; ||dW1|| / ||dW[L]|| is still reported, as data
    first, last = report.layers[0].signal_norm, report.layers[-2].signal_norm
    assert report.signal_ratio == pytest.approx(first / last)
    assert report.signal_ratio < 1e-10
    assert report.orders_of_magnitude == pytest.approx(np.log10(first / last))
    dW1, dW10 = report.layers[0].grad_norm_W, report.layers[-1].grad_norm_W
    assert report.gradient_ratio == pytest.approx(dW1 / dW10)
    message = next(w.message for w in report.warnings if w.kind == VANISHING)
    assert "||dZ1|| / ||dZ9||" in message and "orders of magnitude" in message
    assert f"{-report.orders_of_magnitude:.1f}" in message


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_depth_with_relu_and_he_raises_no_warning(probe, seed):
    net = Network(DEEP, activation="relu", init="he", seed=seed, dtype="float64")
    report = layer_health(net, *probe)
    assert report.ok, report.messages
    assert 1e-2 < report.gradient_ratio < 1e2
    assert 0.1 < report.signal_ratio < 10  # He keeps E ||dZ[l]||^2 from layer to layer


def test_gradient_norms_are_those_of_backprop_and_the_buffer_is_restored(probe):
    X, y = probe
    net = Network([10, 8, 6, 1], activation="tanh", seed=3, dtype="float64")
    net.grad[...] = 7.0
    state = net.rng.bit_generator.state
    theta = net.theta.copy()
    report = layer_health(net, X, y)
    assert np.all(net.grad == 7.0) and np.array_equal(net.theta, theta)
    assert net.rng.bit_generator.state == state
    net.loss_and_gradient(X, net.prepare_targets(y), training=False)
    for name, (s, _) in net.parameter_slices.items():
        assert report.gradient_norms[name] == pytest.approx(np.linalg.norm(net.grad[s]))
    assert report.layers[1].grad_norm_W == pytest.approx(
        np.linalg.norm(net.grad[net.parameter_slices["W2"][0]])
    )
    assert report.cost == pytest.approx(net.cost(X, y))
    # ||dZ[l]||, by hand: dZ[3] = (A[3] - Y) / m, dZ[l] = dZ[l+1] W[l+1]^T (1 - A[l]^2)
    W1, b1, W2, b2, W3, b3 = net.views(net.theta)
    A1 = np.tanh(X @ W1 + b1)
    A2 = np.tanh(A1 @ W2 + b2)
    dZ3 = (1 / (1 + np.exp(-(A2 @ W3 + b3))) - y[:, None]) / len(X)
    dZ2 = dZ3 @ W3.T * (1 - A2**2)
    dZ1 = dZ2 @ W2.T * (1 - A1**2)
    signal = [layer.signal_norm for layer in report.layers]
    assert signal == pytest.approx([np.linalg.norm(d) for d in (dZ1, dZ2, dZ3)])
    assert report.layers[1].grad_norm_W == pytest.approx(np.linalg.norm(A1.T @ dZ2))
    assert report.signal_ratio == pytest.approx(signal[0] / signal[1])


def test_zero_initialization_reports_weights_that_get_no_gradient(probe):
    net = Network([10, 5, 3, 1], activation="relu", init="zeros", seed=0)
    report = layer_health(net, *probe)
    assert report.has(NO_GRADIENT)
    assert report.gradient_norms["W1"] == 0 and report.gradient_norms["b3"] > 0


def test_large_tanh_weights_saturate(probe):
    net = Network([10, 30, 30, 1], activation="tanh", init="random", init_scale=3.0, seed=0)
    report = layer_health(net, *probe)
    assert report.has(SATURATION)
    assert report.layers[0].saturated_fraction > 0.5
    calm = layer_health(Network([10, 30, 30, 1], activation="tanh", seed=0), *probe)
    assert not calm.has(SATURATION) and calm.layers[0].saturated_fraction < 0.1


def test_dead_relus_are_counted_and_reported(probe):
    net = Network([10, 16, 1], activation="relu", seed=0, dtype="float64")
    net["b1"][:12] = -100.0  # 12 of 16 units never fire
    report = layer_health(net, *probe)
    assert report.layers[0].dead_fraction == pytest.approx(12 / 16)
    assert report.has(DEAD_RELU)
    assert report.layers[0].zero_fraction >= 12 / 16


def test_large_random_relu_weights_explode_the_activations(probe):
    net = Network(DEEP, activation="relu", init="random", init_scale=10.0, seed=0)
    report = layer_health(net, *probe)
    assert report.has(EXPLODING_ACTIVATIONS)


def test_histograms_are_data_and_the_report_is_json(probe):
    X, y = probe
    net = Network([10, 8, 4, 1], activation=["sigmoid", "relu"], seed=0)
    report = layer_health(net, X, y, bins=12)
    sigmoid_layer = report.layers[0]
    assert len(sigmoid_layer.histogram.edges) == 13
    assert sum(sigmoid_layer.histogram.counts) == X.shape[0] * 8
    assert sigmoid_layer.histogram.edges[0] == 0.0 and sigmoid_layer.histogram.edges[-1] == 1.0
    data = report.to_dict()
    assert json.loads(json.dumps(data))["layers"][1]["activation"] == "relu"


def test_histogram_plot_is_headless(probe):
    had_pyplot = "matplotlib.pyplot" in sys.modules
    net = Network([10, 8, 4, 1], seed=0)
    fig = layer_health(net, *probe).plot_histograms(title="at init")
    assert len(fig.axes) == 3
    assert fig.axes[0].get_title() == "layer 1 (relu)"
    assert fig.axes[2].get_title() == "layer 3 (logits)"
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_bad_options_are_named(probe):
    net = Network([10, 4, 1], seed=0)
    with pytest.raises(DeepRecipeError, match="bins"):
        layer_health(net, *probe, bins=0)
    with pytest.raises(DeepRecipeError, match="saturation_level"):
        layer_health(net, *probe, saturation_level=0.3)
    with pytest.raises(DeepRecipeError, match="features"):
        layer_health(net, np.zeros((3, 2)), [0, 1, 0])
    with pytest.raises(DeepRecipeError, match="unknown option"):
        HealthMonitor(*probe, dead_fraction=0.2)


def test_monitor_records_along_training_without_changing_it(probe):
    X, y = probe

    def run(callbacks):
        net = Network([10, 12, 8, 1], keep_prob=0.8, seed=5)
        fit(net, X, y, learning_rate=0.1, epochs=9, batch_size=64, seed=1, callbacks=callbacks)
        return net

    monitor = HealthMonitor(X[:50], y[:50], every=3)
    watched, plain = run([monitor]), run([])
    assert np.array_equal(watched.theta, plain.theta)
    assert monitor.epochs == [0, 3, 6, 9]
    norms = monitor.gradient_norms("W1")
    assert len(norms) == 4 and all(n > 0 for n in norms)
    assert norms[0] != norms[-1]
    assert json.loads(json.dumps(monitor.to_dict()))["epochs"] == [0, 3, 6, 9]


def test_exploding_gradients_advise_what_is_not_already_in_use():
    """A new user's trained regressions on He initialization were told to 'try a smaller
    initialization scale (He/Xavier)'."""
    from types import SimpleNamespace

    from deeprecipe.diagnose.health import _gradient_warnings

    # the signal dZ grows 1000-fold from hidden layer 2 to hidden layer 1 (the ratio is read on
    # the hidden layers' dZ since the flow warnings stopped reading ||dW1|| / ||dW[L]||)
    layers = [
        SimpleNamespace(layer=l, grad_norm_W=1.0, signal_norm=norm)
        for l, norm in ((1, 1e3), (2, 1.0), (3, 1.0))
    ]
    (he,), _, _ = _gradient_warnings(layers, 2.0, "he")
    assert "try a lower learning rate (the initialization is already He)" in he.message
    (large,), _, _ = _gradient_warnings(layers, 2.0, "random")
    assert "a smaller initialization scale (He/Xavier)" in large.message


def test_a_network_that_predicts_the_same_for_every_input_is_flagged_with_its_cause(probe):
    """L2 = 100 shrinks football's 2-20-3-1 network to zero weights: the output is one value
    for every example. The warning names the zeroed weights and replaces 'vanishing gradients',
    whose advice (He initialization, a shallower network) would not help."""
    from deeprecipe.diagnose.health import CONSTANT_OUTPUT

    X, y = probe
    net = Network([10, 20, 3, 1], seed=0, l2=100.0, dtype="float64")
    fit(net, X, y, optimizer="adam", learning_rate=0.01, epochs=600)
    report = layer_health(net, X, y)
    (constant,) = [w for w in report.warnings if w.kind == CONSTANT_OUTPUT]
    assert "||W1|| = " in constant.message and "weaken L2" in constant.message
    assert constant.layer == 3 and not report.has(VANISHING)
    deep = Network(DEEP, activation="sigmoid", init="random", init_scale=0.01, seed=0)
    report = layer_health(deep, X, y)  # the signal vanishes: both said, the init's advice kept
    assert report.has(CONSTANT_OUTPUT) and report.has(VANISHING)
    assert "the other warnings name" in report.messages[0] + report.messages[1]
    healthy = Network([10, 20, 3, 1], seed=0, l2=1.0)
    fit(healthy, X, y, optimizer="adam", learning_rate=0.01, epochs=200)
    assert not layer_health(healthy, X, y).has(CONSTANT_OUTPUT)


def test_a_regression_far_from_zero_is_not_constant_and_zero_weights_without_l2_blame_the_init(
    probe,
):
    """Review: a network predicting targets near 1.7e9 (spread 300) was called constant against
    1e-6 of its mean; zero-initialized weights were blamed on an L2 of 0."""
    from deeprecipe.diagnose.health import CONSTANT_OUTPUT

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1))
    y = 1.7e9 + 300 * X[:, 0]
    net = Network([1, 1], activation="identity", loss="mse", dtype="float64", seed=0)
    W, b = net.views(net.theta)[-2:]
    W[...], b[...] = 300.0, 1.7e9  # the scale folded in: y exactly
    assert not layer_health(net, X, y).has(CONSTANT_OUTPUT)
    zeros = Network([10, 20, 3, 1], init="zeros", seed=0)
    (message,) = [w.message for w in layer_health(zeros, *probe).warnings
                  if w.kind == CONSTANT_OUTPUT]  # fmt: skip
    assert "zero or tiny initialization" in message and "L2" not in message


def _regression(m=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 10))
    y = 4000 * (X[:, 0] - 0.5 * X[:, 1] ** 2 + np.sin(X[:, 2])) + 3000
    return X, y + 1000 * rng.standard_normal(m)  # prices, with noise


@pytest.mark.parametrize("batch_size", [None, 32])
def test_a_trained_regression_is_not_told_its_gradients_explode(batch_size):
    """A new user's regression reports said 'exploding gradients: ||dW1|| / ||dW3|| = 4.03e+03'
    of well-trained networks. The recipe trains on standardized targets and folds their spread
    into the output layer (every hidden dZ then carries spread**2, dW[L] spread alone), and
    a converged output layer has dW[L] = A[L-1]^T dZ[L] near 0 (the normal equations). The
    hidden layers' backward signal does neither; a large initialization still explodes it."""
    X, y = _regression()
    net = Network([10, 20, 3, 1], loss="mse", seed=0, dtype="float64")
    centre, spread = net.task.target_scale(y)
    t = net.task.standardize(y, centre, spread)
    fit(net, X, t, optimizer="adam", learning_rate=0.01, epochs=300, batch_size=batch_size)
    standardized = layer_health(net, X, t)
    W, b = net.views(net.theta)[-2:]
    net.task.fold_scale(W, b, centre, spread)  # what the recipe's chosen network is
    report = layer_health(net, X, y)
    assert report.gradient_ratio > 1e3  # the old formula's false alarm, kept as data
    assert not report.has(EXPLODING) and not report.has(VANISHING), report.messages
    assert 0.1 < report.signal_ratio < 10
    assert report.signal_ratio == pytest.approx(standardized.signal_ratio)  # any units
    big = Network([10] + [20] * 9 + [1], loss="mse", init="random", init_scale=10.0, seed=0)
    exploding = layer_health(big, X, y)
    assert exploding.has(EXPLODING) and exploding.signal_ratio > 1e6
    message = next(w.message for w in exploding.warnings if w.kind == EXPLODING)
    assert "||dZ1|| / ||dZ9||" in message and "a smaller initialization scale" in message


def test_an_output_layer_at_its_least_squares_optimum_is_no_exploding_gradient():
    """dW[L] = A[L-1]^T (Yhat - Y) / m is 0 (to rounding) when W[L], b[L] solve the least
    squares on the last hidden features, however large the residuals: ||dW1|| / ||dW[L]|| is
    unbounded there, while the hidden layers' dZ (one row per example, no sum over them to
    cancel) keep their usual ratio, near 1."""
    X, y = _regression(seed=1)
    t = (y - y.mean()) / y.std()
    net = Network([10, 20, 3, 1], loss="mse", seed=0, dtype="float64")
    fit(net, X, t, optimizer="adam", learning_rate=0.01, epochs=50)
    W1, b1, W2, b2, W, b = net.views(net.theta)
    A2 = np.maximum(np.maximum(X @ W1 + b1, 0) @ W2 + b2, 0)  # the last hidden features
    features = np.hstack([A2, np.ones((len(X), 1))])
    solution = np.linalg.lstsq(features, t, rcond=None)[0]
    W[:, 0], b[0] = solution[:-1], solution[-1]
    report = layer_health(net, X, t)
    assert report.layers[-1].grad_norm_W < 1e-10 < report.layers[0].grad_norm_W
    assert report.gradient_ratio > 1e6
    assert not report.has(EXPLODING) and 0.1 < report.signal_ratio < 10, report.messages


def test_examples_that_activate_no_unit_of_a_layer_are_flagged(probe):
    """A new user's cat images: 56 of 155 rows activated none of the 3 ReLU units of the last
    hidden layer, so all of them scored sigmoid(b) = 0.5, and health said nothing."""
    from deeprecipe.diagnose.health import SILENT_EXAMPLES

    X, y = probe
    net = Network([10, 8, 3, 1], seed=0, dtype="float64")
    weights = net.get_weights()
    weights["b2"] = weights["b2"] - 3.0 * np.abs(weights["W2"]).sum(axis=0).mean()
    weights["b2"][0] += 2.0 * np.abs(weights["W2"]).sum(axis=0).mean()  # one unit, some rows
    net.set_weights(weights)
    report = layer_health(net, X, y)
    silent = report.layers[1].silent_fraction
    assert 0.25 < silent < 1.0
    (warning,) = [w for w in report.warnings if w.kind == SILENT_EXAMPLES]
    assert f"{silent:.0%} of the examples activate none of the 3 ReLU units of layer 2" in (
        warning.message
    )
    healthy = layer_health(Network([10, 8, 3, 1], seed=0), X, y)
    assert not healthy.has(SILENT_EXAMPLES) and healthy.layers[1].silent_fraction <= 0.25
