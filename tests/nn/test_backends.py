"""Every backend trains, checks and saves like NumPy (the ``backend`` fixture: tests/conftest.py).

NumPy is the reference: the same seed must give bit-identical starting weights everywhere, and
the same training trajectory to float tolerance (each library sums in its own order).
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.check import gradcheck
from deeprecipe.errors import DeepRecipeError
from deeprecipe.io import load_model, save_model
from deeprecipe.nn import Network
from deeprecipe.nn.backends import get_backend, installed
from deeprecipe.train import EarlyStopping
from deeprecipe.train.trainer import fit

#: relative tolerance on float64 trajectories (rounding differs; the maths must not)
RTOL_64 = 1e-9


def _problem(loss: str, m: int = 120, n: int = 6, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    if loss == "softmax_crossentropy":
        y = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(m, 3)), axis=1)
    elif loss == "binary_crossentropy":
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
    else:
        y = X[:, :2] @ np.array([[1.0, -2.0], [0.5, 1.0]]) + 0.1 * rng.normal(size=(m, 2))
    return X, y


def _net(loss: str, backend, **kw) -> Network:
    n_out = {"softmax_crossentropy": 3, "binary_crossentropy": 1, "mse": 2}[loss]
    return Network([6, 10, 7, n_out], loss=loss, backend=backend, **kw)


def _is_native(backend, array) -> bool:
    """Whether ``array`` is the backend's own array (not a NumPy array slipped in)."""
    if backend.name == "numpy":
        return isinstance(array, np.ndarray)
    return not isinstance(array, np.ndarray) and hasattr(array, "__dlpack__")


def test_same_seed_same_weights_on_every_backend(backend):
    reference = Network([6, 10, 7, 3], keep_prob=0.8, seed=11)
    net = Network([6, 10, 7, 3], keep_prob=0.8, seed=11, backend=backend)
    assert _is_native(backend, net.theta)
    np.testing.assert_array_equal(net.get_theta(), reference.get_theta())
    for name, weights in reference.get_weights().items():
        np.testing.assert_array_equal(net.get_weights()[name], weights)


def test_arrays_stay_on_the_backend_through_a_step(backend):
    # array_api_strict refuses to mix its arrays with NumPy's or across devices, so on it this
    # proves no NumPy-only call (and no array made on the wrong device) is on the path
    X, y = _problem("softmax_crossentropy")
    net = _net("softmax_crossentropy", backend, keep_prob=0.7, l2=0.5, dtype="float64")
    fit(net, X, y, optimizer="adam", epochs=2, batch_size=32, metrics_every=0)
    assert _is_native(backend, net.theta)
    net.loss_and_gradient(X, net.prepare_targets(y), m=len(X))
    assert _is_native(backend, net.grad)
    for layer in net.layers[:-1]:
        assert layer.mask is not None and _is_native(backend, layer.mask)


@pytest.mark.parametrize("loss", ["softmax_crossentropy", "binary_crossentropy", "mse"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_fit_follows_numpys_trajectory(backend, loss, optimizer):
    X, y = _problem(loss)
    kw = dict(l2=0.3, keep_prob=0.8, dtype="float64", seed=5)
    runs = {}
    for where in (get_backend("numpy"), backend):
        net = _net(loss, where, **kw)
        history = fit(
            net, X, y, optimizer=optimizer, epochs=4, batch_size=32, X_dev=X[:30], y_dev=y[:30]
        )
        runs[where.name] = (history, net.get_theta())
    (h0, theta0), (h1, theta1) = runs["numpy"], runs[backend.name]
    np.testing.assert_allclose(h1.cost, h0.cost, rtol=RTOL_64)
    np.testing.assert_allclose(h1.dev_cost, h0.dev_cost, rtol=RTOL_64)
    # error rates agree exactly unless a prediction sits on the threshold; an MSE to tolerance
    np.testing.assert_allclose(h1.train_error, h0.train_error, rtol=RTOL_64)
    np.testing.assert_allclose(h1.dev_error, h0.dev_error, rtol=RTOL_64)
    np.testing.assert_allclose(theta1, theta0, rtol=RTOL_64, atol=1e-12)


def test_mini_batches_in_row_order_are_in_row_order_on_every_backend(backend):
    """A learner's trial: shuffle=False kept row order on NumPy and shuffled elsewhere."""
    X, y = _problem("binary_crossentropy")
    runs = {}
    for where in (get_backend("numpy"), backend):
        net = _net("binary_crossentropy", where, dtype="float64", seed=5)
        fit(net, X, y, epochs=2, batch_size=16, shuffle=False, metrics_every=0)
        runs[where.name] = net.get_theta()
    np.testing.assert_allclose(runs[backend.name], runs["numpy"], rtol=RTOL_64, atol=1e-12)
    shuffled = _net("binary_crossentropy", get_backend("numpy"), dtype="float64", seed=5)
    fit(shuffled, X, y, epochs=2, batch_size=16, metrics_every=0)
    assert not np.allclose(shuffled.get_theta(), runs["numpy"])


def test_data_kept_on_the_device_train_as_host_data_do_and_stay_there(backend, monkeypatch):
    # a PyTorch or CuPy user's data already on the GPU: checked there, neither fetched nor
    # copied, and the same training as from NumPy arrays (labels may live there too)
    X, y = _problem("softmax_crossentropy")
    kw = dict(keep_prob=0.8, dtype="float64", seed=5)
    reference = _net("softmax_crossentropy", get_backend("numpy"), **kw)
    expected = fit(
        reference, X, y, optimizer="adam", epochs=3, batch_size=32, X_dev=X[:30], y_dev=y[:30]
    )
    net = _net("softmax_crossentropy", backend, **kw)
    X_on, y_on = backend.asarray(X), backend.asarray(y)
    assert net.inputs_on_device(X_on) is X_on
    fetch = backend.to_host

    def to_host(a):  # only small arrays (labels, figures) come back, never X
        assert a is not X_on and a.shape != X_on.shape
        return fetch(a)

    monkeypatch.setattr(backend, "to_host", to_host)
    history = fit(
        net, X_on, y_on, optimizer="adam", epochs=3, batch_size=32, X_dev=X_on[:30, ...],
        y_dev=y_on[:30, ...],
    )  # fmt: skip
    monkeypatch.undo()
    np.testing.assert_allclose(history.cost, expected.cost, rtol=RTOL_64)
    np.testing.assert_allclose(history.dev_error, expected.dev_error, rtol=RTOL_64)
    np.testing.assert_allclose(net.get_theta(), reference.get_theta(), rtol=RTOL_64, atol=1e-12)


def test_bad_data_on_the_device_get_the_host_checks_errors(backend):
    net = _net("mse", backend)
    X, y = _problem("mse")
    bad = X.copy()
    bad[7, 2] = np.nan
    with pytest.raises(DeepRecipeError, match="X contains nan at row 7, column 2"):
        fit(net, backend.asarray(bad), y, epochs=1)
    with pytest.raises(DeepRecipeError, match="X has 5 features"):
        fit(net, backend.asarray(X[:, :5]), y, epochs=1)


def test_float32_fit_and_full_batch_agree_with_numpy(backend):
    X, y = _problem("binary_crossentropy")
    thetas = []
    for where in (get_backend("numpy"), backend):
        net = _net("binary_crossentropy", where, seed=2)
        fit(net, X, y, learning_rate=0.5, epochs=20, metrics_every=0)  # full batch
        thetas.append(net.get_theta())
    assert thetas[1].dtype == np.float32
    np.testing.assert_allclose(thetas[1], thetas[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dropout", ["off", "frozen"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradcheck_passes_on_every_backend(backend, dropout, activation):
    X, y = _problem("softmax_crossentropy", m=16)
    net = _net("softmax_crossentropy", backend, activation=activation, keep_prob=0.8, l2=0.2)
    result = gradcheck(net, X, y, dropout=dropout)
    assert result.passed, str(result)
    assert result.difference < 1e-7
    assert _is_native(backend, net.theta) and net.dtype == np.float32  # the original untouched


def test_gradcheck_finds_a_planted_bug_on_every_backend(backend):
    X, y = _problem("mse", m=12)
    net = _net("mse", backend, activation="tanh")

    class Broken(type(net)):
        def backward(self, dz_out, *, m):
            grad = super().backward(dz_out, m=m)
            self.grad = grad * 1.01  # every gradient 1% too large
            return self.grad

    broken = Broken([6, 10, 7, 2], loss="mse", activation="tanh", backend=backend)
    broken.theta = net.get_theta()
    assert not gradcheck(broken, X, y).passed


def test_predictions_match_numpy(backend):
    X, y = _problem("softmax_crossentropy")
    reference = _net("softmax_crossentropy", "numpy", dtype="float64")
    fit(reference, X, y, epochs=3, batch_size=40, metrics_every=0)
    net = reference.to(backend=backend)
    np.testing.assert_allclose(net.predict_proba(X), reference.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), reference.predict(X))
    assert net.error(X, y) == reference.error(X, y)
    assert net.cost(X, y) == pytest.approx(reference.cost(X, y), rel=1e-12)


def test_model_files_travel_between_backends(backend, tmp_path):
    X, y = _problem("binary_crossentropy")
    net = _net("binary_crossentropy", backend)
    fit(net, X, y, epochs=2, batch_size=40, metrics_every=0)
    path = save_model(tmp_path / "model.safetensors", net)
    on_numpy = load_model(path).network
    assert on_numpy.backend.name == "numpy"
    np.testing.assert_array_equal(on_numpy.get_theta(), net.get_theta())
    again = load_model(path, backend=backend.name, device=backend.device_name).network
    assert again.backend.name == backend.name and _is_native(backend, again.theta)
    np.testing.assert_array_equal(again.get_theta(), net.get_theta())
    np.testing.assert_array_equal(again.predict(X), on_numpy.predict(X))


def test_early_stopping_restores_the_best_weights(backend):
    X, y = _problem("binary_crossentropy")
    net = _net("binary_crossentropy", backend, dtype="float64")
    stop = EarlyStopping(patience=2, monitor="dev_cost")
    history = fit(net, X[:80], y[:80], X_dev=X[80:], y_dev=y[80:], learning_rate=3.0,
                  epochs=30, batch_size=16, callbacks=[stop])  # fmt: skip
    best = int(np.argmin(history.dev_cost))
    assert net.cost(X[80:], y[80:], m=80) == pytest.approx(history.dev_cost[best], rel=1e-9)


def test_set_weights_and_pickle_keep_the_backend(backend):
    import pickle

    net = Network([3, 4, 2], loss="softmax_crossentropy", backend=backend)
    net.set_weights({"W1": np.ones((3, 4)), "b2": np.array([1.0, -1.0])})
    assert (net.get_weights()["W1"] == 1).all() and net.get_weights()["b2"][1] == -1
    twin = pickle.loads(pickle.dumps(net))
    assert twin.backend.name == backend.name
    np.testing.assert_array_equal(twin.get_theta(), net.get_theta())


def test_unknown_backend_and_device_are_refused():
    with pytest.raises(DeepRecipeError, match="backend='jax' is not known; accepted: numpy"):
        Network([2, 1], backend="jax")
    with pytest.raises(DeepRecipeError, match="device='cuda' with backend='numpy'"):
        Network([2, 1], backend="numpy", device="cuda")


def test_missing_library_names_the_extra(monkeypatch):
    import deeprecipe.nn.backends as backends

    monkeypatch.setattr(backends, "installed", lambda name: name == "numpy")
    with pytest.raises(DeepRecipeError, match=r"pip install 'deeprecipe\[cupy\]'"):
        Network([2, 1], backend="cupy")
    with pytest.raises(DeepRecipeError, match="needs PyTorch or CuPy"):
        Network([2, 1], device="cuda")


@pytest.mark.skipif(not installed("torch"), reason="PyTorch is not installed")
@pytest.mark.parametrize("device", ["gpu", "3", "cuda:x"])
def test_a_device_pytorch_cannot_parse_is_a_clear_error(device):
    # PyTorch's own RuntimeError would reach the user as a traceback
    with pytest.raises(DeepRecipeError, match=f"device='{device}' is not a PyTorch device"):
        Network([2, 1], backend="torch", device=device)


@pytest.mark.skipif(not installed("torch"), reason="PyTorch is not installed")
def test_cuda_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal cannot be shown here")
    with pytest.raises(DeepRecipeError, match="PyTorch sees no CUDA GPU"):
        Network([2, 1], device="cuda")


def test_checkpoint_resumes_onto_the_backend_bit_for_bit(backend, tmp_path):
    from deeprecipe.train import Trainer
    from deeprecipe.train.checkpoint import load_checkpoint, save_checkpoint

    X, y = _problem("softmax_crossentropy")

    def trainer():
        net = _net("softmax_crossentropy", backend, keep_prob=0.8, dtype="float64")
        return Trainer(net, optimizer="adam", batch_size=32, seed=4)

    straight = trainer()
    straight.fit(X, y, epochs=4)
    halves = trainer()
    halves.fit(X, y, epochs=2)
    path = save_checkpoint(tmp_path / "ckpt.safetensors", halves)
    resumed = load_checkpoint(path)  # on NumPy, as a checkpoint always loads
    resumed.network = resumed.network.to(backend=backend)
    resumed.fit(X, y, epochs=2)
    np.testing.assert_array_equal(resumed.network.get_theta(), straight.network.get_theta())
    assert resumed.history.cost == straight.history.cost


@pytest.mark.parametrize("train_metrics", ["running", "exact"])
def test_epoch_figures_match_numpy(backend, train_metrics):
    X, y = _problem("binary_crossentropy")
    logs = []
    for where in (get_backend("numpy"), backend):
        net = _net("binary_crossentropy", where, dtype="float64", keep_prob=0.9)
        logs.append(fit(net, X[:90], y[:90], X_dev=X[90:], y_dev=y[90:], epochs=3,
                        batch_size=30, train_metrics=train_metrics))  # fmt: skip
    for key in ("cost", "train_error", "dev_cost", "dev_error"):
        np.testing.assert_allclose(getattr(logs[1], key), getattr(logs[0], key), rtol=RTOL_64)
