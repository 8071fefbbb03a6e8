"""The Network's contract: one flat vector, named views, seeds, dropout only in training."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe.nn import Network


def test_parameters_are_views_into_one_flat_vector():
    net = Network([3, 4, 2], loss="softmax_crossentropy", seed=0)
    assert net.theta.size == 3 * 4 + 4 + 4 * 2 + 2 == net.n_params
    assert net.parameter_names == ["W1", "b1", "W2", "b2"]
    assert net["W1"].shape == (3, 4) and net["b2"].shape == (2,)
    net.theta[:] = 0
    net["W2"][1, 0] = 7.0
    index = 3 * 4 + 4 + 1 * 2 + 0
    assert net.theta[index] == 7.0
    assert net.layers[1].W[1, 0] == 7.0
    assert np.shares_memory(net.layers[0].dW, net.grad)


def test_same_seed_gives_bit_identical_weights_and_training():
    X = np.random.default_rng(5).normal(size=(40, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    a, b = (Network([6, 8, 1], keep_prob=0.8, seed=42) for _ in range(2))
    assert a.theta.tobytes() == b.theta.tobytes()
    from deeprecipe.train import fit

    for net in (a, b):
        fit(net, X, y, optimizer="adam", epochs=5, batch_size=8, seed=3)
    assert a.theta.tobytes() == b.theta.tobytes()
    assert (
        Network([6, 8, 1], seed=43).theta.tobytes() != Network([6, 8, 1], seed=42).theta.tobytes()
    )


def test_prediction_never_drops_a_unit():
    """Dropout acts only under the explicit training flag: prediction is deterministic and no
    mask is ever drawn outside training."""
    net = Network([5, 50, 50, 1], keep_prob=0.5, seed=0, dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(20, 5))
    before = net.rng.bit_generator.state
    first = net.predict_proba(X)
    second = net.predict_proba(X)
    assert net.rng.bit_generator.state == before, "prediction drew random numbers"
    assert all(layer.mask is None for layer in net.layers)
    np.testing.assert_array_equal(first, second)
    # the same pass with dropout switched on by hand differs, so the flag is what matters
    logits_train = net.forward(X, training=True)
    assert not np.allclose(logits_train, net.forward(X, training=False))


def test_inverted_dropout_keeps_the_expected_activation():
    net = Network([1, 20000, 1], activation="identity", keep_prob=0.8, seed=0, dtype=np.float64)
    net["W1"][...] = 1.0
    layer = net.layers[0]
    out = layer.forward(np.ones((1, 1)), training=True, rng=net.rng)
    kept = out != 0
    assert kept.mean() == pytest.approx(0.8, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / 0.8)  # survivors are scaled by 1/keep_prob
    assert out.mean() == pytest.approx(1.0, abs=0.02)


def test_float32_by_default_float64_on_request():
    X = np.random.default_rng(0).normal(size=(10, 3))
    net = Network([3, 4, 1], keep_prob=0.9)
    assert net.theta.dtype == np.float32
    assert net.forward(net.check_inputs(X), training=True).dtype == np.float32
    assert Network([3, 4, 1], dtype="float64").theta.dtype == np.float64


@pytest.mark.parametrize(
    "init, expected_std",
    [
        ("he", np.sqrt(2 / 400)),
        ("xavier", np.sqrt(1 / 400)),
        ("lecun", np.sqrt(1 / 400)),
        ("glorot", np.sqrt(2 / 600)),
        ("random", 0.01),
    ],
)
def test_initializer_scales(init, expected_std):
    net = Network([400, 200, 1], init=init, seed=0)
    assert net["W1"].std() == pytest.approx(expected_std, rel=0.02)
    assert not net["b1"].any()


def test_zeros_initializer_and_default_per_activation():
    assert not Network([3, 4, 1], init="zeros").theta.any()
    relu = Network([300, 300, 1], activation="relu", seed=0)
    tanh = Network([300, 300, 1], activation="tanh", seed=0)
    assert relu["W1"].std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)  # He for ReLU
    assert tanh["W1"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)  # Xavier for tanh
    # one activation per hidden layer: each layer its own (a learner's trial: every layer
    # took the first layer's Xavier), the output layer the last hidden layer's
    mixed = Network([300, 300, 300, 300], activation=["tanh", "relu"], seed=0)
    assert mixed["W1"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)
    assert mixed["W2"].std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert mixed["W3"].std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)


def test_set_and_get_weights_by_name():
    net = Network([2, 3, 1], dtype=np.float64)
    w = np.arange(6.0).reshape(2, 3)
    net.set_weights({"W1": w, "b2": np.array([[0.5]])})
    np.testing.assert_array_equal(net.get_weights()["W1"], w)
    assert net["b2"][0] == 0.5
    copy = net.get_weights()["W1"]
    copy[0, 0] = 99
    assert net["W1"][0, 0] == 0  # get_weights returns copies


def test_l2_cost_uses_training_set_size():
    net = Network([2, 3, 1], l2=0.7, dtype=np.float64, seed=0)
    X, y = np.ones((4, 2)), np.array([0, 1, 1, 0])
    squares = sum(float((net[f"W{l}"] ** 2).sum()) for l in (1, 2))
    unregularized = Network([2, 3, 1], dtype=np.float64)
    unregularized.theta[:] = net.theta
    base = unregularized.cost(X, y)
    assert net.cost(X, y) == pytest.approx(base + 0.7 / (2 * 4) * squares)
    assert net.cost(X, y, m=100) == pytest.approx(base + 0.7 / (2 * 100) * squares)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"activation": "swish"}, "activation='swish'"),
        ({"init": "orthogonal"}, "init='orthogonal'"),
        ({"loss": "hinge"}, "loss='hinge'"),
        ({"keep_prob": 0.0}, "keep_prob=0.0"),
        ({"keep_prob": 1.5}, "keep_prob=1.5"),
        ({"keep_prob": [0.5]}, "keep_prob has 1 entries"),
        ({"l2": -0.1}, "l2=-0.1"),
        ({"dtype": "float16"}, "dtype='float16'"),
    ],
)
def test_bad_settings_are_refused_by_name(kwargs, fragment):
    with pytest.raises(DeepRecipeError, match=fragment.replace("[", r"\[")):
        Network([3, 4, 4, 1], **kwargs)


def test_bad_sizes_are_refused():
    with pytest.raises(DeepRecipeError, match="layer_sizes"):
        Network([3])
    with pytest.raises(DeepRecipeError, match="layer size"):
        Network([3, 0, 1])


@pytest.mark.parametrize(
    "X, y, loss, fragment",
    [
        (np.ones((4, 3)), [0, 1, 1, 0], "binary_crossentropy", "features"),
        (np.ones((4, 2)), [0, 1, 2, 0], "binary_crossentropy", "labels 0 and 1"),
        (np.ones((4, 2)), [0, 1, 5, 0], "softmax_crossentropy", "class index 5"),
        (np.ones((4, 2)), [0, 1, 1], "binary_crossentropy", "3 rows but X has 4"),
        (np.array([[1, np.nan], [0, 0]]), [0, 1], "binary_crossentropy", "nan at row 0, column 1"),
        (np.array([[1, np.inf], [0, 0]]), [0, 1], "binary_crossentropy", "inf at row 0"),
        (np.array([["a", "b"]]), [0], "binary_crossentropy", "dtype"),
        (np.ones(4), [0, 1, 1, 0], "binary_crossentropy", "2-D"),
    ],
)
def test_bad_data_is_refused_by_name(X, y, loss, fragment):
    n_out = 3 if loss == "softmax_crossentropy" else 1
    net = Network([2, 3, n_out], loss=loss)
    with pytest.raises(DeepRecipeError, match=fragment):
        net.cost(X, y)


def test_errors_are_value_errors():
    assert issubclass(DeepRecipeError, ValueError)


def test_predict_shapes_per_loss():
    X = np.random.default_rng(0).normal(size=(7, 3))
    assert Network([3, 4, 1]).predict(X).shape == (7,)
    assert set(Network([3, 4, 1]).predict(X)) <= {0, 1}
    assert Network([3, 4, 5], loss="softmax_crossentropy").predict(X).max() < 5
    assert Network([3, 4, 2], loss="binary_crossentropy").predict(X).shape == (7, 2)
    assert Network([3, 4, 2], loss="mse").predict(X).shape == (7, 2)
    proba = Network([3, 4, 5], loss="softmax_crossentropy").predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


def test_copy_is_independent():
    net = Network([3, 4, 1], keep_prob=0.5, seed=0)
    twin = net.copy(dtype=np.float64)
    assert twin.dtype == np.float64
    np.testing.assert_array_equal(twin.theta, net.theta.astype(np.float64))
    twin.theta[:] = 0
    assert net.theta.any()


def test_pickle_and_deepcopy_keep_parameters_as_views():
    import copy
    import pickle

    net = Network([3, 4, 2], loss="softmax_crossentropy", keep_prob=0.7, seed=1)
    for twin in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert twin.theta.tobytes() == net.theta.tobytes()
        assert twin.rng.bit_generator.state == net.rng.bit_generator.state
        twin.theta[:] = 0
        assert not twin["W1"].any() and not twin.layers[1].W.any()  # still views
        assert net.theta.any()


def test_from_config_refuses_unknown_keys():
    with pytest.raises(DeepRecipeError, match="unknown key"):
        Network.from_config({"layer_sizes": [2, 1], "width": 3})


def test_regularization_changes_through_one_checked_method_and_reaches_the_gradient():
    """keep_prob lives in the layers only: the network's view, its config and the dropout the
    layers apply all follow set_regularization; lambda reaches the gradient as (lambda/m) W."""
    X = np.random.default_rng(0).standard_normal((6, 3))
    y = np.array([0, 1, 0, 1, 1, 0])
    net = Network([3, 4, 4, 1], keep_prob=1.0, dtype="float64", seed=0)
    targets = net.prepare_targets(y)
    net.loss_and_gradient(X, targets)
    plain = net.grad.copy()
    net.set_regularization(l2=0.6, keep_prob=[0.5, 0.9])
    assert net.keep_probs == [0.5, 0.9] == net.config["keep_prob"]
    assert [layer.keep_prob for layer in net.layers] == [0.5, 0.9, 1.0]
    net.set_regularization(keep_prob=1.0)  # dropout off again: only the L2 term differs now
    net.loss_and_gradient(X, targets)
    W1 = net.parameter_slices["W1"][0]
    np.testing.assert_allclose(net.grad[W1] - plain[W1], 0.6 / 6 * net.theta[W1], atol=1e-12)
    with pytest.raises(DeepRecipeError, match="keep_prob"):
        net.set_regularization(keep_prob=[0.5])
    with pytest.raises(DeepRecipeError, match="l2"):
        net.set_regularization(l2=-1)


def test_a_network_shows_its_layers_in_a_notebook(display):
    """The one object of the API without an HTML display (a new user's notebook): one row per
    layer, as Keras's summary() gives them, with the output's activation the loss's own."""
    from deeprecipe.nn import Network

    shown = display(Network([2, 20, 3, 1], keep_prob=0.8, l2=0.5))
    assert shown.cells[:5] == ["layer", "units", "activation", "parameters", "keep_prob"]
    assert shown.cells[10:15] == ["hidden 1", "20", "relu", "60", "0.8"]
    assert shown.cells[20:25] == ["output", "1", "sigmoid", "4", "1"]
    assert "127 parameters" in shown.text and "L2 lambda 0.5" in shown.text
