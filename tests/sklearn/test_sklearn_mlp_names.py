"""Code written for scikit-learn's MLPClassifier/MLPRegressor runs with the class name swapped:
the same parameter names, the same fitted attributes, the same warnings. Each usage pattern
runs on scikit-learn's own MLP first (the peer: the code is valid MLP code) and then on ours."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

from deeprecipe.errors import DeepRecipeError
from deeprecipe.sklearn import DeepClassifier, DeepRegressor
from deeprecipe.sklearn._rules import SklearnRules


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def mlp_classifier_usage(Estimator, cancer) -> dict:
    """scikit-learn's MLPClassifier usage, verbatim except for the class."""
    X_train, X_test, y_train, y_test = cancer
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # 1. a grid search over the L2 strength
        search = GridSearchCV(
            Estimator(
                hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.01, random_state=0
            ),
            {"alpha": [1e-4, 1.0, 10.0]},
            cv=3,
        ).fit(X_train, y_train)
        out["grid_alpha"] = search.best_params_["alpha"]
        out["grid_score"] = search.score(X_test, y_test)
        # 2. early stopping on a held-out tenth
        clf = Estimator(
            hidden_layer_sizes=(32,),
            early_stopping=True,
            validation_fraction=0.1,
            n_iter_no_change=5,
            tol=1e-4,
            max_iter=300,
            random_state=0,
        )
        clf.fit(X_train, y_train)
        out["es_n_iter"] = clf.n_iter_
        out["es_scores"] = list(clf.validation_scores_)
        out["es_best"] = clf.best_validation_score_
        out["es_best_loss"] = clf.best_loss_
        out["es_score"] = clf.score(X_test, y_test)
        # 3. a partial_fit loop over mini-batches
        online = Estimator(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
        classes = np.unique(y_train)
        for _epoch in range(5):
            for start in range(0, len(X_train), 64):
                batch = slice(start, start + 64)
                online.partial_fit(X_train[batch], y_train[batch], classes=classes)
        out["online_score"] = online.score(X_test, y_test)
        out["online_n_iter"] = online.n_iter_
        out["online_t"] = online.t_
        # 4. reading the fitted attributes
        plain = Estimator(
            hidden_layer_sizes=(8, 4),
            activation="logistic",
            solver="adam",
            batch_size="auto",
            learning_rate="constant",
            shuffle=True,
            verbose=False,
            max_iter=20,
            random_state=0,
        ).fit(X_train, y_train)
        out["coef_shapes"] = [w.shape for w in plain.coefs_]
        out["intercept_shapes"] = [b.shape for b in plain.intercepts_]
        out["loss_curve_len"] = len(plain.loss_curve_)
        out["n_iter"] = plain.n_iter_
        out["t"] = plain.t_
        out["layers"] = (plain.n_layers_, plain.n_outputs_, plain.out_activation_)
        out["best_loss_is_min"] = plain.best_loss_ == min(plain.loss_curve_)
        out["loss_is_last"] = plain.loss_ == plain.loss_curve_[-1]
        out["no_validation"] = (plain.validation_scores_, plain.best_validation_score_)
    return out


@pytest.mark.slow
def test_mlp_classifier_code_runs_with_the_class_swapped(cancer):
    peer = mlp_classifier_usage(MLPClassifier, cancer)
    ours = mlp_classifier_usage(DeepClassifier, cancer)
    n_train = len(cancer[0])
    for result in (peer, ours):
        assert result["grid_alpha"] in (1e-4, 1.0, 10.0)
        assert result["coef_shapes"] == [(30, 8), (8, 4), (4, 1)]
        assert result["intercept_shapes"] == [(8,), (4,), (1,)]
        assert result["loss_curve_len"] == result["n_iter"] == 20
        assert result["t"] == 20 * n_train
        assert result["layers"] == (4, 1, "logistic")
        assert result["best_loss_is_min"] and result["no_validation"] == (None, None)
        assert result["loss_is_last"]
        assert len(result["es_scores"]) == result["es_n_iter"] < 300
        assert result["es_best"] in result["es_scores"] and result["es_best_loss"] is None
        assert result["online_t"] == 5 * n_train  # samples seen
    # one epoch per partial_fit call (scikit-learn leaves n_iter_ at 1 there)
    assert ours["online_n_iter"] == 5 * int(np.ceil(n_train / 64))
    # as good as the peer on held-out rows (both see the same data and the same settings)
    for key in ("grid_score", "es_score", "online_score"):
        assert ours[key] >= peer[key] - 0.03, (key, ours[key], peer[key])


def test_mlp_regressor_code_runs_with_the_class_swapped():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scores = {}
    for Estimator in (MLPRegressor, DeepRegressor):
        reg = Estimator(
            hidden_layer_sizes=(32,),
            early_stopping=True,
            validation_fraction=0.1,
            max_iter=2000,
            learning_rate_init=0.01,
            random_state=0,
        )
        reg.fit(X_train, y_train)
        assert reg.out_activation_ == "identity" and reg.n_outputs_ == 1
        assert reg.best_validation_score_ == pytest.approx(max(reg.validation_scores_), abs=0.05)
        scores[Estimator.__name__] = reg.score(X_test, y_test)
    # MLPRegressor does not scale y and learns this y (std ~100) slowly; ours standardizes it
    assert scores["DeepRegressor"] > 0.95
    assert scores["DeepRegressor"] >= scores["MLPRegressor"] - 0.02


@pytest.mark.parametrize(
    "make_data, out_activation",
    [
        (lambda: load_breast_cancer(return_X_y=True), "logistic"),
        (lambda: load_iris(return_X_y=True), "softmax"),
        (
            lambda: make_multilabel_classification(n_samples=120, n_classes=3, random_state=0),
            "logistic",
        ),
    ],
)
def test_coefs_run_through_scikit_learns_own_forward_pass(make_data, out_activation):
    """The oracle is MLPClassifier itself: given our coefs_/intercepts_ (the input scaler is
    folded into the first layer), its predict_proba equals ours."""
    X, y = make_data()
    ours = DeepClassifier((8, 5), max_iter=30, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        peer = MLPClassifier((8, 5), max_iter=1, random_state=0).fit(X, y)
    assert ours.out_activation_ == peer.out_activation_ == out_activation
    assert (ours.n_layers_, ours.n_outputs_) == (peer.n_layers_, peer.n_outputs_)
    assert [w.shape for w in ours.coefs_] == [w.shape for w in peer.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in peer.intercepts_]
    peer.coefs_, peer.intercepts_ = ours.coefs_, ours.intercepts_
    np.testing.assert_allclose(peer.predict_proba(X), ours.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_regressor_coefs_reproduce_predictions_in_the_targets_units():
    X, y = make_regression(n_samples=150, n_features=4, noise=1.0, random_state=1)
    y = 1000.0 * y + 5e4  # far from unit scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = DeepRegressor((8,), max_iter=50, random_state=0).fit(X, y)
        peer = MLPRegressor(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(X, y)
    peer.coefs_, peer.intercepts_ = ours.coefs_, ours.intercepts_
    np.testing.assert_allclose(peer.predict(X), ours.predict(X), rtol=1e-9)


def test_aliases_resolve_to_one_setting_and_a_conflict_is_refused(cancer):
    X, y = cancer[0][:150], cancer[2][:150]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        old = DeepClassifier(
            (8,),
            l2=0.5,
            learning_rate=0.02,
            max_epochs=7,
            optimizer="momentum",
            patience=3,
            random_state=0,
        ).fit(X, y)
        new = DeepClassifier(
            (8,),
            alpha=0.5,
            learning_rate_init=0.02,
            max_iter=7,
            solver="momentum",
            n_iter_no_change=3,
            random_state=0,
        ).fit(X, y)
    for a, b in zip(old.coefs_, new.coefs_):
        np.testing.assert_array_equal(a, b)
    assert old.network_.l2 == 0.5 and old.n_iter_ == 7
    for conflict, message in [
        (dict(l2=1.0, alpha=2.0), r"l2=1.0 and alpha=2.0 set the same thing"),
        (
            dict(learning_rate=0.1, learning_rate_init=0.01),
            r"learning_rate=0.1 and "
            r"learning_rate_init=0.01",
        ),
        (dict(max_epochs=5, max_iter=50), r"max_epochs=5 and max_iter=50"),
        (dict(optimizer="gd", solver="sgd"), r"optimizer='gd' and solver='sgd'"),
        (dict(patience=2, n_iter_no_change=4), r"patience=2 and n_iter_no_change=4"),
    ]:
        with pytest.raises(DeepRecipeError, match=message):
            DeepClassifier(**conflict).fit(X, y)
    # the same value under both names is no conflict; errors name the name the user gave
    DeepClassifier((4,), l2=2.0, alpha=2.0, max_iter=2).fit(X, y)
    with pytest.raises(DeepRecipeError, match=r"^l2=-1"):
        DeepClassifier(l2=-1.0).fit(X, y)
    with pytest.raises(
        DeepRecipeError,
        match=r"learning_rate='fast' is not known; accepted: "
        r"'constant', 'invscaling', 'adaptive'",
    ):
        DeepClassifier(learning_rate="fast").fit(X, y)
    with pytest.raises(DeepRecipeError, match="solver='lbfgs' is not available"):
        DeepClassifier(solver="lbfgs").fit(X, y)


def test_set_params_by_one_name_resets_the_other_so_the_value_set_last_trains(cancer):
    """GridSearchCV over alpha on an estimator built with l2=5.0: the alpha=1e-4 point (the
    default) trained at l2 = 5.0 while cv_results_ reported alpha=1e-4 (a scikit-learn user's
    trial)."""
    built = DeepClassifier((8,), l2=5.0, max_epochs=7, learning_rate=0.05)
    built.set_params(alpha=1e-4, max_iter=20, learning_rate_init=0.2)
    settings = built._settings()
    assert (settings.alpha, settings.max_iter, settings.learning_rate_init) == (1e-4, 20, 0.2)
    assert built.l2 is None and built.max_epochs is None and built.learning_rate == "constant"
    back = DeepClassifier(alpha=0.5).set_params(l2=3.0)  # and the other way round
    assert back._settings().alpha == 3.0 and back.alpha == 1e-4
    X, y = cancer[0][:150], cancer[2][:150]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        built = DeepClassifier((4,), l2=5.0, max_iter=3, random_state=0)
        search = GridSearchCV(built, {"alpha": [1e-4, 1e-2]}, cv=2, error_score="raise")
        search.fit(X, y)
    assert search.best_estimator_.network_.l2 == search.best_params_["alpha"]


def test_a_schedule_set_over_a_numeric_learning_rate_keeps_its_step_size(cancer):
    """learning_rate=0.05 is the step size; a GridSearchCV over the schedule ("constant",
    "adaptive") overwrote it with the name and every candidate trained at the default 0.001
    without a word (a scikit-learn user's trial)."""
    built = DeepClassifier((8,), solver="sgd", learning_rate=0.05)
    built.set_params(learning_rate="adaptive")
    assert (built.learning_rate, built.learning_rate_init) == ("adaptive", 0.05)
    assert built._settings().learning_rate_init == 0.05
    plain = DeepClassifier(learning_rate_init=0.2).set_params(learning_rate="invscaling")
    assert plain.learning_rate_init == 0.2
    X, y = cancer[0][:150], cancer[2][:150]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(DeepClassifier((4,), solver="sgd", learning_rate=0.05, max_iter=3,
                                             random_state=0),
                              {"learning_rate": ["constant", "adaptive"]}, cv=2)  # fmt: skip
        search.fit(X, y)
    assert search.best_estimator_.get_params()["learning_rate_init"] == 0.05


def test_every_mlp_parameter_is_accepted_and_a_momentum_for_plain_sgd_is_warned_about(cancer):
    """MLPClassifier(nesterovs_momentum=..., max_fun=...) code raised TypeError with the class
    swapped, and solver='sgd' ignored momentum=0.5 without a word (a scikit-learn user's
    trial)."""
    import inspect

    missing = set(inspect.signature(MLPClassifier).parameters) - set(
        inspect.signature(DeepClassifier).parameters
    )
    assert not missing
    X, y = cancer[0][:100], cancer[2][:100]
    with pytest.warns(UserWarning, match="momentum=0.5 has no effect with solver='sgd'"):
        DeepClassifier((4,), solver="sgd", momentum=0.5, nesterovs_momentum=False, max_fun=9,
                       max_iter=2).fit(X, y)  # fmt: skip
    with pytest.raises(DeepRecipeError, match="max_fun"):
        DeepClassifier(max_fun=0).fit(X, y)


class _Trainer:
    """What SklearnRules touches on a trainer."""

    def __init__(self, learning_rate):
        self.optimizer = type("Opt", (), {"learning_rate": learning_rate})()
        self.stop_training = False


def _settings(**kw):
    base = DeepClassifier(**kw)
    return base._settings()


def test_tol_rule_counts_epochs_that_fail_to_beat_the_best_cost_by_tol():
    rules = SklearnRules(
        _settings(tol=0.1, n_iter_no_change=2), n_train=10, t_start=0, watch_cost=True
    )
    trainer = _Trainer(0.001)
    # 1.0 best; 0.95 fails by tol (1); 0.85 beats 1.0 - 0.1 (reset); 0.8 (1); 0.79 (2): stop
    for epoch, cost in enumerate([1.0, 0.95, 0.85, 0.8, 0.79], start=1):
        assert not trainer.stop_training
        rules.on_epoch_end(trainer, {"epoch": epoch, "cost": cost})
    assert trainer.stop_training and rules.converged and rules.t == 50


def test_adaptive_divides_the_step_by_5_until_it_is_tiny_and_invscaling_decays_it():
    rules = SklearnRules(
        _settings(
            solver="sgd",
            learning_rate="adaptive",
            tol=0.1,
            n_iter_no_change=1,
            learning_rate_init=1e-5,
        ),
        n_train=10,
        t_start=0,
        watch_cost=True,
    )
    trainer = _Trainer(1e-5)
    steps = []
    for epoch in range(1, 6):
        rules.on_epoch_end(trainer, {"epoch": epoch, "cost": 1.0})
        steps.append(trainer.optimizer.learning_rate)
        if trainer.stop_training:
            break
    # 1e-5 -> 2e-6 -> 4e-7 (<= 1e-6: the next plateau stops)
    assert steps == pytest.approx([1e-5, 2e-6, 4e-7, 4e-7])
    assert trainer.stop_training
    rules = SklearnRules(
        _settings(solver="sgd", learning_rate="invscaling", power_t=0.5, learning_rate_init=0.1),
        n_train=10,
        t_start=30,
        watch_cost=False,
    )
    trainer = _Trainer(0.1)
    rules.on_epoch_end(trainer, {"epoch": 4, "cost": 1.0})
    assert trainer.optimizer.learning_rate == pytest.approx(0.1 / 41**0.5)
    # Adam adapts its own steps: the schedules leave it alone, as in scikit-learn
    adam = SklearnRules(
        _settings(learning_rate="invscaling"), n_train=10, t_start=0, watch_cost=False
    )
    trainer = _Trainer(0.001)
    adam.on_epoch_end(trainer, {"epoch": 1, "cost": 1.0})
    assert trainer.optimizer.learning_rate == 0.001


def test_convergence_warning_when_max_iter_stops_a_falling_cost_as_mlp_does(cancer):
    X, y = cancer[0], cancer[2]
    for Estimator in (MLPClassifier, DeepClassifier):
        with pytest.warns(ConvergenceWarning, match="max_iter|Maximum iterations"):
            Estimator((8,), max_iter=3, random_state=0).fit(X, y)
        with warnings.catch_warnings():  # converged by the tol rule: no warning
            warnings.simplefilter("error", ConvergenceWarning)
            fitted = Estimator((8,), max_iter=500, tol=0.05, random_state=0).fit(X, y)
        assert fitted.n_iter_ < 500
    # partial_fit never warns (one epoch is not a budget), as in scikit-learn
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DeepClassifier((8,), random_state=0).partial_fit(X, y, classes=[0, 1])


def test_verbose_prints_scikit_learns_iteration_lines(cancer, capsys):
    X, y = cancer[0][:100], cancer[2][:100]
    line = re.compile(r"^Iteration (\d+), loss = \d+\.\d{8}$")
    for Estimator in (MLPClassifier, DeepClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Estimator((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
        lines = capsys.readouterr().out.splitlines()
        iterations = [int(m.group(1)) for m in map(line.match, lines) if m]
        assert iterations == [1, 2, 3], (Estimator.__name__, lines)


def test_regressor_standardizes_its_targets_so_units_do_not_matter():
    X, y = make_regression(n_samples=200, n_features=5, noise=2.0, random_state=0)
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for scale, shift in ((1.0, 0.0), (1e3, -7e5)):
            reg = DeepRegressor(
                (16,), max_iter=200, learning_rate_init=0.01, dtype="float64", random_state=0
            )
            fits[scale] = reg.fit(X, scale * y + shift), shift
    (metres, _), (millis, shift) = fits[1.0], fits[1e3]
    # the same training in other units: the same cost curve, predictions scaled exactly
    np.testing.assert_allclose(millis.loss_curve_, metres.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(millis.predict(X), 1e3 * metres.predict(X) + shift, rtol=1e-9)
    assert millis.score(X, 1e3 * y + shift) == pytest.approx(metres.score(X, y), rel=1e-9)
    assert metres.score(X, y) > 0.95


def test_regressor_partial_fit_and_warm_start_keep_the_first_fits_target_scale(tmp_path):
    X, y = make_regression(n_samples=120, n_features=3, noise=1.0, random_state=2)
    y = 50.0 * y + 300.0
    reg = DeepRegressor((8,), dtype="float64", random_state=0)
    for _ in range(30):
        reg.partial_fit(X, y)
    centre = reg._y_centre.copy()
    reg.partial_fit(X[:10], y[:10] + 1e4)  # a shifted batch: the scale learned first stays
    np.testing.assert_array_equal(reg._y_centre, centre)
    # a saved model predicts the same, and continues training from the same units
    before = reg.predict(X)
    loaded = DeepRegressor.load(reg.save(tmp_path / "reg.safetensors"))
    np.testing.assert_array_equal(loaded.predict(X), before)
    np.testing.assert_array_equal(loaded._y_spread, reg._y_spread)


@pytest.mark.parametrize(
    "Estimator, Peer", [(DeepClassifier, MLPClassifier), (DeepRegressor, MLPRegressor)]
)
def test_alpha_is_scikit_learns_alpha_in_full_batch_training(cancer, Estimator, Peer):
    """The oracle is scikit-learn's own loss: full batch, the same weights, the same data, its
    loss_curve_ entry (data loss + (alpha/2) sum ||W||^2 / m) equals our cost J with
    alpha = lambda (no input normalization; regression targets already standardized, so our
    standardization is the identity)."""
    X, y = cancer[0][:200], cancer[2][:200].astype(float)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    if Estimator is DeepRegressor:
        y = (y - y.mean()) / y.std()
    settings = dict(
        hidden_layer_sizes=(6,),
        alpha=3.0,
        batch_size=len(X),
        max_iter=1,
        solver="sgd",
        learning_rate_init=0.05,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Estimator(**settings, normalize=False, dtype="float64").fit(X, y)
        peer = Peer(**settings, momentum=0.0, warm_start=True).fit(X, y)
        peer.coefs_, peer.intercepts_ = ours.coefs_, ours.intercepts_
        ours.set_params(warm_start=True).fit(X, y)  # the full-batch cost is J at the start
        peer.fit(X, y)
    assert ours.loss_curve_[-1] == pytest.approx(peer.loss_curve_[-1], rel=1e-10)


def test_fitted_attributes_survive_save_load_and_pickle(cancer, tmp_path):
    import pickle

    X, y = cancer[0], cancer[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DeepClassifier((8,), early_stopping=True, max_iter=15, random_state=0).fit(X, y)
    names = (
        "n_iter_",
        "t_",
        "loss_curve_",
        "validation_scores_",
        "best_validation_score_",
        "best_loss_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
    )
    for copy in (
        DeepClassifier.load(clf.save(tmp_path / "clf.safetensors")),
        pickle.loads(pickle.dumps(clf)),
    ):
        for name in names:
            assert getattr(copy, name) == getattr(clf, name), name
        for a, b in zip(copy.coefs_ + copy.intercepts_, clf.coefs_ + clf.intercepts_):
            np.testing.assert_array_equal(a, b)


def test_an_activation_of_your_own_is_refused_with_where_it_goes(cancer):
    """A new-user trial: it read 'activation=Activation(name=..., forward=<function ...>) is
    not known', which did not say that the estimators take built-in names on purpose."""
    from deeprecipe.errors import DeepRecipeTypeError
    from deeprecipe.nn import Activation

    swish = Activation("swish", lambda z, out=None: z, lambda z, a, da, out=None: da, "he")
    X, _, y, _ = cancer
    with pytest.raises(DeepRecipeTypeError) as refused:
        DeepClassifier(activation=swish).fit(X, y)
    assert str(refused.value).startswith(
        "activation='swish' is an Activation of your own; the estimators take the built-in "
        "names (identity, leaky_relu, relu, sigmoid, tanh), so that their model files load "
        "back anywhere; train your own in a deeprecipe.Network"
    )
