"""``device``, ``backend`` and ``n_threads`` on the estimators (the ``backend`` fixture:
tests/conftest.py; a missing library or GPU skips).

NumPy is the reference, as in tests/nn/test_backends.py: the same seed gives the same starting
weights everywhere, and the same predictions to float tolerance (each library sums in its own
order): tight in float64, float32's rounding in float32. Predictions come back as NumPy arrays
whatever the device.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

from deeprecipe import _threads as threads
from deeprecipe.errors import DeepRecipeError
from deeprecipe.io import load_model
from deeprecipe.sklearn import DeepClassifier, DeepRegressor

#: float64 trajectories: rounding differs, the maths must not (tests/nn/test_backends.py)
RTOL_64 = 1e-9
#: float32 trajectories: tests/nn/test_backends.py's float32 bound
RTOL_32, ATOL_32 = 1e-4, 1e-5
#: dropout, early stopping (its dev scores on the device) and the regressor's target scale
SETTINGS = dict(hidden_layer_sizes=(10, 6), keep_prob=0.8, learning_rate_init=0.01, max_iter=15)


def _problems():
    X, y = make_classification(
        n_samples=160, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    Xr, yr = make_regression(n_samples=160, n_features=6, n_targets=2, random_state=0)
    return {
        "multiclass": (DeepClassifier, X, y),
        "binary": (DeepClassifier, X, y == 0),
        "regression": (DeepRegressor, Xr, yr + 50.0),
    }


def _outputs(estimator, X) -> list[np.ndarray]:
    out = [estimator.predict(X), *estimator.coefs_, *estimator.intercepts_]
    if hasattr(estimator, "predict_proba"):
        out.append(estimator.predict_proba(X))
    return out


def _on(backend) -> dict:
    return {"backend": backend.name, "device": backend.device_name}


def _is_native(backend, array) -> bool:
    if backend.name == "numpy":
        return isinstance(array, np.ndarray)
    return not isinstance(array, np.ndarray) and hasattr(array, "__dlpack__")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", ["multiclass", "binary", "regression"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_predictions_match_numpy_on_each_backend(backend, problem, dtype, early_stopping):
    cls, X, y = _problems()[problem]
    kw = dict(SETTINGS, dtype=dtype, early_stopping=early_stopping, random_state=3)
    reference = cls(**kw).fit(X, y)
    here = cls(**kw, **_on(backend)).fit(X, y)
    assert _is_native(backend, here.network_.theta)
    assert here.network_.backend.device_name == backend.device_name
    assert here.n_iter_ == reference.n_iter_
    rtol, atol = (RTOL_64, 1e-12) if dtype == "float64" else (RTOL_32, ATOL_32)
    np.testing.assert_allclose(here.loss_curve_, reference.loss_curve_, rtol=rtol)
    for got, want in zip(_outputs(here, X), _outputs(reference, X)):
        assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape
        if got.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        else:  # labels: equal unless a probability sits on the threshold
            np.testing.assert_array_equal(got, want)
    if early_stopping:
        np.testing.assert_allclose(
            here.validation_scores_, reference.validation_scores_, rtol=rtol, atol=atol
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", ["multiclass", "regression"])
def test_saved_and_pickled_on_a_backend_predict_the_same(backend, problem, tmp_path):
    cls, X, y = _problems()[problem]
    fitted = cls(**SETTINGS, random_state=1, **_on(backend)).fit(X, y)
    path = fitted.save(tmp_path / "model.safetensors")
    assert load_model(path).network.config == fitted.network_.config  # a plain model file
    for again in (cls.load(path), pickle.loads(pickle.dumps(fitted))):
        assert again.get_params() == fitted.get_params()
        assert again.network_.backend is fitted.network_.backend  # where it trained
        for got, want in zip(_outputs(again, X), _outputs(fitted, X)):
            np.testing.assert_array_equal(got, want)
    on_numpy = cls.load(path, backend="numpy")
    assert isinstance(on_numpy.network_.theta, np.ndarray)
    assert on_numpy.get_params()["backend"] == "numpy" and on_numpy.get_params()["device"] is None
    for got, want in zip(_outputs(on_numpy, X), _outputs(fitted, X)):
        np.testing.assert_allclose(got, want, rtol=RTOL_64, atol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "momentum"])
def test_a_new_device_moves_the_fitted_network_and_its_optimizer(backend, solver):
    # partial_fit continues the same optimizer: its moments must move with the weights
    cls, X, y = _problems()["multiclass"]
    kw = dict(SETTINGS, solver=solver, dtype="float64", random_state=2)
    classes = np.unique(y)
    reference, moved = cls(**kw), cls(**kw)
    for estimator in (reference, moved):
        estimator.partial_fit(X, y, classes=classes)
    moved.set_params(**_on(backend))
    for estimator in (reference, moved):
        estimator.partial_fit(X, y)
        estimator.partial_fit(X, y)
    assert _is_native(backend, moved.network_.theta)
    np.testing.assert_allclose(moved.loss_curve_, reference.loss_curve_, rtol=RTOL_64)
    np.testing.assert_allclose(
        moved.predict_proba(X), reference.predict_proba(X), rtol=RTOL_64, atol=1e-12
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", ["multiclass", "regression"])
def test_any_thread_count_fits_the_same_bits(monkeypatch, problem):
    from deeprecipe.train import Trainer

    seen, train = [], Trainer._fit

    def recording(self, *args):  # the count the training ran on
        seen.append(threads.current_threads())
        return train(self, *args)

    monkeypatch.setattr(Trainer, "_fit", recording)
    cls, X, y = _problems()[problem]
    runs = [
        cls(**SETTINGS, early_stopping=True, random_state=4, n_threads=n).fit(X, y)
        for n in (1, 2, -1)
    ]
    assert seen == [1, 2, threads.check_threads(-1)]
    for run in runs[1:]:
        assert run.loss_curve_ == runs[0].loss_curve_
        assert run.validation_scores_ == runs[0].validation_scores_
        for got, want in zip(_outputs(run, X), _outputs(runs[0], X)):
            np.testing.assert_array_equal(got, want)


def test_the_new_parameters_are_ordinary_hyperparameters():
    estimator = DeepClassifier(device="cpu", backend="torch", n_threads=2)
    params = clone(estimator).get_params()
    assert (params["device"], params["backend"], params["n_threads"]) == ("cpu", "torch", 2)
    assert DeepRegressor().get_params()["n_threads"] is None
    estimator.set_params(backend="no such thing", n_threads=0)  # checked at fit, not here
    assert estimator.get_params()["backend"] == "no such thing"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"backend": "jax"}, "backend='jax' is not known; accepted: numpy, torch, cupy"),
        ({"backend": 3}, "backend=3; accepted: None or one of 'numpy'"),
        ({"backend": "numpy", "device": "cuda"}, "device='cuda' with backend='numpy'; accepted"),
        (
            {"backend": "array_api_strict", "device": "cuda"},
            "accepted: 'cpu', 'device1' or 'device2'",
        ),
        ({"n_threads": 0}, "n_threads=0 is not accepted; accepted: a positive int, or -1"),
        ({"n_threads": -2}, "n_threads=-2 is not accepted; accepted: a positive int, or -1"),
        ({"n_threads": "2"}, "n_threads='2' is not accepted; accepted: a positive int, or -1"),
        ({"n_threads": 1.5}, "n_threads=1.5 is not accepted"),
    ],
)
@pytest.mark.parametrize("cls", [DeepClassifier, DeepRegressor])
def test_bad_places_and_thread_counts_are_refused_at_fit(cls, params, fragment):
    if params.get("backend") == "array_api_strict":  # its own device names need the package
        pytest.importorskip("array_api_strict", reason="pip install 'deeprecipe[test]'")
    _, X, y = _problems()["regression"]
    estimator = cls(max_iter=1, **params)
    with pytest.raises(DeepRecipeError, match=fragment.replace("(", r"\(")):
        estimator.fit(X, (y[:, 0] > 50) if cls is DeepClassifier else y)
    assert not hasattr(estimator, "network_")


def test_a_device_pytorch_does_not_know_is_refused_at_fit():
    pytest.importorskip("torch", reason="PyTorch parses the device string")
    _, X, y = _problems()["multiclass"]
    with pytest.raises(DeepRecipeError, match="device='gpu' is not a PyTorch device; accepted"):
        DeepClassifier(backend="torch", device="gpu", max_iter=1).fit(X, y)
