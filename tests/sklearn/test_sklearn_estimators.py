"""DeepClassifier and DeepRegressor: targets, training modes, inputs and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier

from deeprecipe.errors import DeepRecipeError
from deeprecipe.sklearn import DeepClassifier, DeepRegressor

SMALL = dict(hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=40, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


def test_binary_uses_one_sigmoid_unit_and_maps_labels_back():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    labels = np.array(["no", "yes"])[y]
    clf = DeepClassifier(**SMALL).fit(X, labels)
    assert clf.network_.layer_sizes == [5, 16, 1]
    assert clf.network_.loss.name == "binary_crossentropy"
    assert list(clf.classes_) == ["no", "yes"]
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(X)
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(clf.decision_function(X) > 0, predicted == "yes")
    assert clf.score(X, labels) > 0.85  # measured 0.90-0.91 over seeds 0-3


def test_multiclass_uses_softmax(blobs):
    X, y = blobs
    clf = DeepClassifier(**SMALL).fit(X, y + 10)
    assert clf.network_.loss.name == "softmax_crossentropy"
    assert clf.network_.layer_sizes[-1] == 3
    np.testing.assert_array_equal(clf.classes_, [10, 11, 12])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
    assert clf.score(X, y + 10) > 0.85


def test_integer_labels_are_classes_however_many_a_classifier_is_given(blobs):
    """Recipe.run reads more than 20 distinct whole numbers as a regression (the files' rule);
    a DeepClassifier's user chose classes, so 30 integer labels are 30 classes."""
    X, _ = blobs
    labels = 1000 + 10 * (np.arange(len(X)) % 30)
    clf = DeepClassifier(**{**SMALL, "max_epochs": 2}).fit(X, labels)
    assert clf.network_.layer_sizes[-1] == 30
    assert clf.network_.loss.name == "softmax_crossentropy"
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))


def test_multilabel_uses_one_sigmoid_per_label():
    X, Y = make_multilabel_classification(n_samples=200, n_features=6, n_classes=4, random_state=0)
    clf = DeepClassifier(**{**SMALL, "max_epochs": 150}).fit(X, Y)
    assert clf.network_.layer_sizes[-1] == 4
    assert clf.network_.loss.name == "binary_crossentropy"
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape and predicted.dtype == Y.dtype
    np.testing.assert_array_equal(predicted, (clf.predict_proba(X) > 0.5).astype(Y.dtype))
    majority_per_label = np.maximum(Y.mean(axis=0), 1 - Y.mean(axis=0)).mean()
    assert np.mean(predicted == Y) > majority_per_label + 0.15  # measured 0.80-0.82 vs 0.55


def test_single_and_multi_output_regression():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2, noise=1, random_state=0)
    y = y / y.std(axis=0)
    reg = DeepRegressor(**{**SMALL, "max_epochs": 150}).fit(X, y)
    assert reg.network_.loss.name == "mse" and reg.network_.layer_sizes[-1] == 2
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, y) > 0.9
    single = DeepRegressor(**SMALL).fit(X, y[:, 0])
    assert single.predict(X).shape == (200,)
    assert single.predict(X).dtype == np.float64


def test_same_random_state_gives_identical_weights_and_another_differs(blobs):
    X, y = blobs
    a = DeepClassifier(**SMALL).fit(X, y)
    b = DeepClassifier(**SMALL).fit(X, y)
    c = DeepClassifier(**{**SMALL, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    assert not np.array_equal(a.network_.theta, c.network_.theta)


def test_l2_is_the_course_lambda_and_equals_mlp_alpha():
    """J = (1/m) sum L + (lambda/(2m)) sum ||W||^2: the loss MLPClassifier reports with
    alpha = lambda on the same weights (full batch, so m is the same for both)."""
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    lam = 3.0
    ours = DeepClassifier(
        (8,), l2=lam, max_epochs=5, normalize=False, dtype="float64", random_state=0
    ).fit(X, y)
    net = ours.network_
    mlp = MLPClassifier(
        (8,),
        alpha=lam,
        solver="sgd",
        batch_size=120,
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, y)  # sets up every attribute
        mlp.coefs_ = [net["W1"].copy(), net["W2"].copy()]
        mlp.intercepts_ = [net["b1"].copy(), net["b2"].copy()]
        mlp.fit(X, y)  # one step of size ~0: reports the loss at these weights
    p = net.predict_proba(X)[:, 0]
    data_term = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    penalty = lam / (2 * len(y)) * (np.sum(net["W1"] ** 2) + np.sum(net["W2"] ** 2))
    assert penalty > 0.01
    np.testing.assert_allclose(net.cost(X, y), data_term + penalty, rtol=1e-9)
    np.testing.assert_allclose(mlp.loss_curve_[-1], data_term + penalty, rtol=1e-7)


def test_dropout_is_used_in_training_but_never_in_prediction(blobs):
    X, y = blobs
    clf = DeepClassifier(**{**SMALL, "keep_prob": 0.5}).fit(X, y)
    assert clf.network_.layers[0].keep_prob == 0.5
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    without = DeepClassifier(**SMALL).fit(X, y)
    assert not np.allclose(clf.network_.theta, without.network_.theta)


def test_early_stopping_restores_the_best_dev_epoch(blobs):
    X, y = blobs
    clf = DeepClassifier(
        (64,),
        learning_rate=0.05,
        max_epochs=300,
        early_stopping=True,
        patience=5,
        random_state=0,
    ).fit(X, y)
    history = clf.history_
    assert history.stopped_early and clf.n_iter_ < 300
    dev_costs = np.array(history.dev_cost, dtype=float)
    assert history.best_epoch == history.epoch[int(np.argmin(dev_costs))]
    assert clf.n_iter_ - history.best_epoch == 5
    assert all(v is not None for v in history.train_error)


def test_warm_start_continues_and_accumulates_history(blobs):
    X, y = blobs
    clf = DeepClassifier(**{**SMALL, "max_epochs": 10, "warm_start": True}).fit(X, y)
    first = clf.network_
    clf.fit(X, y)
    assert clf.network_ is first
    # as MLPClassifier: n_iter_ counts this fit's epochs, loss_curve_ and t_ the whole run
    assert clf.n_iter_ == 10 and len(clf.loss_curve_) == 20
    assert clf.history_.epoch == list(range(1, 21))
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    clf.set_params(hidden_layer_sizes=(8,))
    with pytest.raises(DeepRecipeError, match="hidden_layer_sizes"):
        clf.fit(X, y)
    # what the continued network cannot take is refused, never silently ignored
    for change in ({"activation": "tanh"}, {"normalize": "minmax"}, {"normalize": False}):
        clf.set_params(hidden_layer_sizes=SMALL.get("hidden_layer_sizes", (100,)), **change)
        with pytest.raises(DeepRecipeError, match=next(iter(change))):
            clf.fit(X, y)
        clf.set_params(activation="relu", normalize=True)
    clf.fit(X, y)  # back to the fitted settings: it continues
    assert clf.n_iter_ == 10 and len(clf.loss_curve_) == 30
    cold = DeepClassifier(**{**SMALL, "max_epochs": 10}).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 10


def test_partial_fit_needs_classes_first_then_runs_one_epoch_per_call(blobs):
    X, y = blobs
    clf = DeepClassifier(**SMALL)
    with pytest.raises(DeepRecipeError, match="classes="):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 31
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    assert clf.score(X, y) > 0.8
    with pytest.raises(DeepRecipeError, match="not in classes_"):
        clf.partial_fit(X[:5], np.full(5, 7))
    with pytest.raises(ValueError, match="X has 5 features"):
        clf.partial_fit(X[:, :5], y)


def test_partial_fit_regressor_learns():
    X, y = make_regression(n_samples=200, n_features=4, noise=0.5, random_state=0)
    y = y / y.std()
    reg = DeepRegressor(**SMALL, batch_size=32)
    for _ in range(40):
        reg.partial_fit(X, y)
    assert reg.score(X, y) > 0.9


def test_dataframe_feature_names_are_recorded_and_checked(blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = DeepClassifier(**SMALL).fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == list(frame.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_frame = clf.predict(frame)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(from_frame, clf.predict(X))
    renamed = frame.rename(columns={"f0": "other"})
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(renamed)


def test_sparse_input_is_densified_or_refused_when_too_big(blobs, monkeypatch):
    X, y = blobs
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = DeepClassifier(**SMALL).fit(X, y)
    sparse = DeepClassifier(**SMALL).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.network_.theta, sparse.network_.theta)
    np.testing.assert_array_equal(dense.predict_proba(X), sparse.predict_proba(sp.csc_array(X)))
    from deeprecipe.sklearn import _base

    monkeypatch.setattr(_base, "MAX_DENSE_ENTRIES", 100)
    with pytest.raises(DeepRecipeError, match="X is sparse with shape"):
        DeepClassifier(**SMALL).fit(sp.csr_matrix(X), y)


@pytest.mark.parametrize(
    ("param", "value", "accepted"),
    [
        ("hidden_layer_sizes", (10, 0), "hidden_layer_sizes entry"),
        ("hidden_layer_sizes", "big", "hidden_layer_sizes"),
        ("activation", "swish", "accepted: identity, leaky_relu"),
        ("l2", -1.0, "l2=-1.0 must be a number in \\[0.0"),
        ("keep_prob", 0.0, "keep_prob=0.0"),
        ("keep_prob", (0.5, 0.5), "keep_prob has 2 entries"),
        ("optimizer", "adagrad", "optimizer='adagrad' is not known"),
        ("batch_size", 0, "batch_size=0"),
        ("max_epochs", 2.5, "max_epochs=2.5"),
        ("validation_fraction", 1.0, "validation_fraction=1.0"),
        ("normalize", "robust", "normalize='robust' is not known"),
        ("dtype", "float16", "dtype='float16' is not known"),
        ("random_state", -3, "random_state=-3"),
        ("early_stopping", "yes", "early_stopping='yes' must be True or False"),
    ],
)
def test_bad_hyperparameters_are_refused_at_fit_naming_the_parameter(blobs, param, value, accepted):
    X, y = blobs
    clf = DeepClassifier(**SMALL).set_params(**{param: value})  # never raises before fit
    with pytest.raises(DeepRecipeError, match=accepted):
        clf.fit(X, y)


def test_bad_inputs_raise_deeprecipe_errors_with_scikit_learn_messages(blobs):
    X, y = blobs
    clf = DeepClassifier(**SMALL)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DeepRecipeError, match="DeepClassifier: Input X contains NaN"):
        clf.fit(bad, y)
    with pytest.raises(DeepRecipeError, match="Unknown label type"):
        clf.fit(X, X[:, 0])
    with pytest.raises(DeepRecipeError, match="one class"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(DeepRecipeError, match="multilabel|indicator"):
        clf.fit(X, np.column_stack([y, y]))
    clf.fit(X, y)
    with pytest.raises(DeepRecipeError, match="X has 2 features, but DeepClassifier is expecting"):
        clf.predict(X[:, :2])
    with pytest.raises(DeepRecipeError, match="early_stopping"):
        DeepRegressor(early_stopping=True).fit(X[:1], y[:1])


def test_missing_labels_and_text_targets_are_named_by_row(blobs):
    """A new-user trial: 'Unknown label type: unknown' and 'could not convert string to
    float: np.str_('a')', each under a chained traceback."""
    X, y = blobs
    labels = y.astype(object)
    labels[2] = None
    with pytest.raises(DeepRecipeError) as refused:
        DeepClassifier(**SMALL).fit(X, labels)
    assert str(refused.value) == (
        "DeepClassifier: y has a missing label (None in row 2); accepted: one per row: leave "
        "the rows without one out of X and y"
    )
    assert refused.value.__cause__ is None  # one error, not a chained traceback
    with pytest.raises(DeepRecipeError, match=r"^DeepRegressor: y holds text \('a' in row 0\)"):
        DeepRegressor(**SMALL).fit(X, ["a"] * len(X))
    DeepRegressor(**SMALL).fit(X, [str(v) for v in y])  # numbers written as text still read


def test_divergence_is_reported_as_a_convergence_warning():
    from sklearn.exceptions import ConvergenceWarning

    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    reg = DeepRegressor(
        (8,), optimizer="gd", learning_rate=10.0, batch_size=None, max_epochs=50, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg.fit(X, y * 100)
    assert np.isfinite(reg.network_.theta).all()


def test_early_stopping_fits_the_scaler_on_training_rows_only(blobs, monkeypatch):
    from deeprecipe.data import Standardizer
    from deeprecipe.sklearn import _base

    seen_rows = []

    class RecordingStandardizer(Standardizer):
        def fit(self, X):
            seen_rows.append(len(X))
            return super().fit(X)

    monkeypatch.setattr(_base, "make_scaler", lambda kind: RecordingStandardizer())
    X, y = blobs
    DeepClassifier(**SMALL, early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert seen_rows == [len(X) - 60]


def test_docstring_examples_run():
    import doctest

    from deeprecipe.sklearn import _classifier, _regressor

    for module in (_classifier, _regressor):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_no_hidden_layer_is_logistic_regression_and_per_layer_settings_apply():
    X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    linear = DeepClassifier((), learning_rate=0.05, max_epochs=50, random_state=0).fit(X, y)
    assert linear.network_.layer_sizes == [4, 1]
    assert linear.score(X, y) > 0.85
    deep = DeepClassifier(
        (8, 6), activation=("tanh", "relu"), keep_prob=(0.9, 0.8), max_epochs=2, random_state=0
    ).fit(X, y)
    assert deep.network_.activations == ["tanh", "relu"]
    assert [layer.keep_prob for layer in deep.network_.layers] == [0.9, 0.8, 1.0]


def test_a_feature_far_from_zero_is_centred_before_the_float32_cast():
    """A timestamp near 1.7e9 in float32 has a step of 128: cast first, 2,000 distinct values
    300 apart became 3, and training saw what prediction (standardized in float64) did not."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 300, 2000)
    X, y = (1.7e9 + t)[:, None], (t > 150).astype(int)
    model = DeepClassifier((16,), max_iter=300, random_state=0).fit(X[:1500], y[:1500])
    assert model.score(X[:1500], y[:1500]) > 0.99 and model.score(X[1500:], y[1500:]) > 0.99


def test_a_target_mean_that_a_float32_bias_would_round_is_warned_about():
    """1.7e9 + a spread of 300: folded into a float32 output bias the mean moves by up to 64
    (review); the warning says so, and float64 (or a subtracted offset) does not need it."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 300, 300)
    with pytest.warns(UserWarning, match="rounded by up to 64"):
        DeepRegressor((), max_iter=2, random_state=0).fit(t[:, None], 1.7e9 + t)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs: still falling
        DeepRegressor((), max_iter=2, random_state=0, dtype="float64").fit(t[:, None], 1.7e9 + t)
        DeepRegressor((), max_iter=2, random_state=0).fit(t[:, None], 1e5 + t)
