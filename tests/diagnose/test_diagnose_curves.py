"""Learning curves (digits) and validation curves (the course's football data)."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest

from deeprecipe.data import load_course_football
from deeprecipe.diagnose import LearningCurve, learning_curve, validation_curve
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network

DIGITS_NET = {"layer_sizes": [64, 64, 10], "loss": "softmax_crossentropy"}
DIGITS_FIT = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 60}
FOOTBALL_NET = {"layer_sizes": [2, 30, 30, 1], "dtype": "float64"}
FOOTBALL_FIT = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 1500}


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order] / 16.0, y[order]
    return X[:1200], y[:1200], X[1200:], y[1200:]


@pytest.fixture(scope="module")
def football(dls_dir):
    return load_course_football(dls_dir / "data.mat")


@pytest.fixture(scope="module")
def digits_curve(digits):
    return learning_curve(
        DIGITS_NET, *digits, sizes=[50, 150, 400, 1200], fit_kwargs=DIGITS_FIT, n_jobs=1
    )


def test_learning_curve_on_digits_dev_error_falls_with_more_data(digits_curve):
    curve = digits_curve
    assert curve.sizes == [50, 150, 400, 1200]
    dev, train = np.array(curve.dev_error), np.array(curve.train_error)
    assert np.all(np.diff(dev) < 0), dev  # every step of data lowers the dev error
    assert dev[0] - dev[-1] > 0.05
    # the network overfits: it fits every small training set, the gap is wide and closes
    assert train[0] == 0.0 and (dev - train)[0] > 3 * (dev - train)[-1]
    assert curve.metric == "error"
    at_full_size = curve.diagnose()
    assert at_full_size.variance == pytest.approx(dev[-1] - train[-1])
    assert isinstance(curve, LearningCurve)


def test_validation_curve_over_lambda_on_football(football):
    values = [0.0, 0.3, 1.0, 10.0, 30.0]
    curve = validation_curve(
        FOOTBALL_NET, "l2", values, *football, fit_kwargs=FOOTBALL_FIT, n_jobs=1
    )
    train, dev = np.array(curve.train_error), np.array(curve.dev_error)
    assert np.all(np.diff(train) > 0), train  # more lambda, more train error
    best = int(np.argmin(dev))
    assert 0 < best < len(values) - 1, dev  # the dev error dips in between
    assert dev[best] < dev[0] and dev[best] < dev[-1]
    assert curve.best_value == values[best]
    assert curve.diagnose().dev_error == pytest.approx(dev[best])
    assert json.loads(json.dumps(curve.to_dict()))["best_value"] == values[best]


def test_curves_are_reproducible_and_parallel_config_gives_the_same(digits):
    X, y, Xd, yd = (a[:300] for a in digits)
    kwargs = dict(sizes=[0.5, 1.0], fit_kwargs={**DIGITS_FIT, "epochs": 10}, repeats=2, seed=4)
    sequential = learning_curve(DIGITS_NET, X, y, Xd, yd, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        threaded = learning_curve(DIGITS_NET, X, y, Xd, yd, **kwargs)
    assert threaded.to_dict() == sequential.to_dict()
    other = learning_curve(DIGITS_NET, X, y, Xd, yd, n_jobs=1, **{**kwargs, "seed": 5})
    assert other.train_costs != sequential.train_costs
    assert sequential.repeats == 2 and len(sequential.train_errors[0]) == 2
    assert sequential.sizes == [150, 300]


def test_factories_fit_parameters_and_plots(digits):
    X, y, Xd, yd = (a[:200] for a in digits)

    def make(width=8):
        return Network([64, width, 10], loss="softmax_crossentropy")

    curve = validation_curve(
        make, "width", [2, 16], X, y, Xd, yd, fit_kwargs={**DIGITS_FIT, "epochs": 20}, n_jobs=1
    )
    assert curve.train_error[1] < curve.train_error[0]
    rates = validation_curve(
        Network([64, 8, 10], loss="softmax_crossentropy"),
        "fit__learning_rate",
        [1e-5, 1e-1],
        X,
        y,
        Xd,
        yd,
        fit_kwargs={"epochs": 20},
        n_jobs=1,
    )
    assert rates.train_costs[1][0] < rates.train_costs[0][0]
    fig = rates.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate alpha"
    assert ax.get_ylabel() == "error rate" and ax.get_title().startswith("Validation curve")
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"train error", "dev error"}


def test_learning_curve_plot_has_labels(digits_curve):
    ax = digits_curve.plot(title="digits").axes[0]
    assert ax.get_title() == "digits" and ax.get_xlabel() == "training-set size m"
    assert len(ax.get_lines()) == 2


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda d: learning_curve(DIGITS_NET, *d, sizes=[0]), "sizes"),
        (lambda d: learning_curve(DIGITS_NET, *d, sizes=[1.5]), "sizes"),
        (lambda d: learning_curve(DIGITS_NET, *d, fit_kwargs={"seed": 1}), "seed"),
        (lambda d: learning_curve(lambda: "net", *d, sizes=[10]), "make_network"),
        (lambda d: learning_curve(42, *d), "make_network"),
        (lambda d: validation_curve(DIGITS_NET, "l2", [], *d), "values"),
        (lambda d: validation_curve(DIGITS_NET, "lambd", [0.1], *d), "Network settings"),
        (lambda d: validation_curve(DIGITS_NET, "fit__seed", [1], *d), "seed"),
        (lambda d: learning_curve(DIGITS_NET, d[0], d[1][:5], d[2], d[3]), "y_train"),
    ],
)
def test_bad_arguments_are_named(digits, call, fragment):
    with pytest.raises(DeepRecipeError, match=fragment):
        call(digits)


def test_a_dask_backend_runs_the_trainings():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = (X[:, 0] > 0).astype(int)
    args = ({"layer_sizes": [5, 8, 1]}, X[:150], y[:150], X[150:], y[150:])
    kwargs = {"sizes": [50, 150], "fit_kwargs": {"epochs": 5}}
    local = learning_curve(*args, n_jobs=1, **kwargs)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        remote = learning_curve(*args, **kwargs)
    assert len(stream.data) >= 2  # the two trainings ran as Dask tasks
    assert remote.to_dict() == local.to_dict()


def test_curves_diagnose_their_chosen_point(digits_curve):
    at_end = digits_curve.diagnose(0.0)
    assert at_end.train_error == digits_curve.train_error[-1]
    at_start = digits_curve.diagnose(0.0, index=0)
    assert at_start.dev_error == digits_curve.dev_error[0] and at_start.high_variance


def test_a_tie_on_dev_error_goes_to_the_lowest_dev_loss_as_in_the_recipe():
    from deeprecipe.diagnose.curves import ValidationCurve

    def curve(dev_costs):
        return ValidationCurve(
            "l2", [0.0, 1.0, 10.0], [[0.10], [0.12], [0.20]], [[0.155], [0.155], [0.30]],
            [[0.3], [0.4], [0.6]], dev_costs, "error", 0,
        )  # fmt: skip

    assert curve([[0.52], [0.47], [0.80]]).best_value == 1.0  # the tie broken by the loss
    assert curve([[0.47], [0.52], [0.80]]).best_value == 0.0
    assert curve([[0.5], [0.5], [0.8]]).best_value == 0.0  # tied again: the first


def test_dev_costs_leave_out_the_l2_term_so_that_they_compare_across_lambdas():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int)
    curve = validation_curve({"layer_sizes": [2, 8, 1]}, "l2", [0.0, 1e4], X[:60], y[:60],
                             X[60:], y[60:], fit_kwargs={"epochs": 1}, n_jobs=1)  # fmt: skip
    (plain_train, strong_train), (plain_dev, strong_dev) = curve.train_costs, curve.dev_costs
    assert strong_train[0] > 10 * plain_train[0]  # J: the penalty of lambda = 1e4 included
    assert strong_dev[0] < 2 * plain_dev[0] < 2  # the dev loss alone: a cross-entropy
