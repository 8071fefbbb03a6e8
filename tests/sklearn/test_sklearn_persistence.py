"""Save/load through deeprecipe's safe model format, and pickle round trips."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression

from deeprecipe.errors import DeepRecipeError
from deeprecipe.io import load_model
from deeprecipe.sklearn import DeepClassifier, DeepRegressor

SMALL = dict(hidden_layer_sizes=(12, 6), learning_rate=0.01, max_epochs=20, random_state=0)


def _fitted():
    X, y = make_classification(
        n_samples=150, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    Xb, yb = make_classification(n_samples=150, n_features=5, random_state=1)
    Xm, Ym = make_multilabel_classification(n_samples=150, n_features=5, random_state=0)
    Xr, Yr = make_regression(n_samples=150, n_features=5, n_targets=2, random_state=0)
    return {
        "multiclass-str": (DeepClassifier(**SMALL), X, np.array(["ant", "bee", "cat"])[y]),
        "binary-bool": (DeepClassifier(**SMALL, keep_prob=0.8), Xb, yb.astype(bool)),
        "binary-float": (DeepClassifier(**SMALL, normalize="minmax"), Xb, yb * 2.0 - 1.0),
        "multilabel": (DeepClassifier(**SMALL, dtype="float64"), Xm, Ym),
        "regression-1d": (DeepRegressor(**SMALL, normalize=False), Xr, Yr[:, 0] / 100),
        "regression-2d": (DeepRegressor(**SMALL, early_stopping=True), Xr, Yr / 100),
    }


CASES = list(_fitted())


def _outputs(estimator, X):
    out = [estimator.predict(X)]
    for method in ("predict_proba", "decision_function"):
        if hasattr(estimator, method):
            out.append(getattr(estimator, method)(X))
    return out


def _assert_same(a, b, X):
    for left, right in zip(_outputs(a, X), _outputs(b, X)):
        assert left.dtype == right.dtype
        np.testing.assert_array_equal(left, right)
    assert a.get_params() == b.get_params()
    assert a.n_iter_ == b.n_iter_
    assert a.loss_curve_ == b.loss_curve_
    if hasattr(a, "classes_"):
        np.testing.assert_array_equal(a.classes_, b.classes_)
        assert a.classes_.dtype == b.classes_.dtype


@pytest.mark.parametrize("case", CASES)
def test_save_load_gives_identical_predictions(case, tmp_path):
    estimator, X, y = _fitted()[case]
    estimator.fit(X, y)
    path = estimator.save(tmp_path / "model.safetensors")
    assert path.read_bytes()[:8]  # a real file, and no pickle inside:
    assert b"\x80\x04\x95" not in path.read_bytes()[:64]
    loaded = type(estimator).load(path)
    _assert_same(estimator, loaded, X)
    model = load_model(path)  # also readable as a plain deeprecipe Model
    np.testing.assert_array_equal(model.network.theta, estimator.network_.theta)


@pytest.mark.parametrize("case", CASES)
def test_pickle_round_trip_keeps_predictions_and_the_flat_parameter_views(case):
    estimator, X, y = _fitted()[case]
    estimator.fit(X, y)
    twin = pickle.loads(pickle.dumps(estimator))
    _assert_same(estimator, twin, X)
    net = twin.network_
    assert np.shares_memory(net["W1"], net.theta)
    assert all(np.shares_memory(layer.W, net.theta) for layer in net.layers)


def test_loaded_and_unpickled_estimators_keep_training():
    estimator, X, y = _fitted()["multiclass-str"]
    estimator.fit(X, y)
    twin = pickle.loads(pickle.dumps(estimator))
    estimator.partial_fit(X, y)
    twin.partial_fit(X, y)
    np.testing.assert_array_equal(estimator.network_.theta, twin.network_.theta)
    assert twin.n_iter_ == SMALL["max_epochs"] + 1


def test_dataframe_feature_names_survive_save_and_load(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    frame = pd.DataFrame(X, columns=["age", "height", "weight"])
    reg = DeepRegressor(**SMALL).fit(frame, y / 100)
    loaded = DeepRegressor.load(reg.save(tmp_path / "reg.safetensors"))
    assert list(loaded.feature_names_in_) == ["age", "height", "weight"]
    np.testing.assert_array_equal(loaded.predict(frame), reg.predict(frame))


def test_load_refuses_another_estimators_file(tmp_path):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    path = DeepRegressor(**SMALL).fit(X, y).save(tmp_path / "reg.safetensors")
    with pytest.raises(DeepRecipeError, match="holds a .DeepRegressor.; DeepClassifier accepts"):
        DeepClassifier.load(path)


def test_save_needs_a_fitted_estimator(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DeepClassifier().save(tmp_path / "x.safetensors")


def test_a_plain_deeprecipe_model_file_loads_as_an_estimator(tmp_path):
    from deeprecipe.data import Standardizer
    from deeprecipe.io import save_model
    from deeprecipe.nn import Network

    X, y = make_classification(
        n_samples=80, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    net = Network([4, 7, 3], activation="tanh", loss="softmax_crossentropy", l2=0.5, seed=3)
    scaler = Standardizer().fit(X)
    path = save_model(tmp_path / "plain.safetensors", net, scaler=scaler, classes=["x", "y", "z"])
    clf = DeepClassifier.load(path)
    assert clf.get_params()["hidden_layer_sizes"] == (7,)
    assert clf.get_params()["activation"] == "tanh" and clf.get_params()["alpha"] == 0.5
    assert clf.get_params()["normalize"] == "standardize"
    np.testing.assert_array_equal(clf.predict(X), load_model(path).predict(X).astype(str))
    np.testing.assert_array_equal(clf.classes_, ["x", "y", "z"])
    with pytest.raises(DeepRecipeError, match="DeepClassifier.load"):
        DeepRegressor.load(path)
    clf.partial_fit(X, np.array(["x", "y", "z"])[y])  # and it trains on
    assert clf.n_iter_ == 1


def test_a_recipe_model_loads_with_the_training_it_was_chosen_with(tmp_path):
    """A recipe's regression model loaded as a DeepRegressor got MLP's training defaults (Adam
    at 1e-3, batch 200) and no target scale, so a refit or warm start trained something else
    on raw targets (a scikit-learn user's trial, and the train command's helper)."""
    from deeprecipe import Recipe
    from deeprecipe.io import save_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = 1000 + 50 * X[:, 0] + rng.normal(size=300)
    result = Recipe(max_trainings=1, progress=False).run(X, y)
    save_model(tmp_path / "m.safetensors", result.model)
    loaded = DeepRegressor.load(tmp_path / "m.safetensors")
    spec = result.chosen_spec
    params = loaded.get_params()
    assert (params["solver"], params["learning_rate_init"]) == (
        spec["optimizer"],
        spec["learning_rate"],
    )
    assert (params["batch_size"], params["max_iter"]) == (spec["batch_size"], spec["epochs"])
    # the training targets' mean and spread, which a warm start trains against again
    assert loaded._y_centre[0] == pytest.approx(1000, abs=10)
    assert loaded._y_spread[0] == pytest.approx(50, rel=0.2)
    np.testing.assert_allclose(loaded.predict(X[:5]), result.model.predict(X[:5]))


def test_a_recipes_choice_becomes_an_estimator_that_scikit_learn_refits():
    """from_model: the recipe picks the hyperparameters, scikit-learn's cross-validation
    refits them (a scikit-learn user's trial: result.model was no estimator)."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    from deeprecipe import Recipe

    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    result = Recipe(max_trainings=1, progress=False, epochs=50).run(X, y)
    estimator = DeepClassifier.from_model(result.model)
    assert np.array_equal(estimator.predict(X), result.model.predict(X))
    refit = clone(estimator)
    assert refit.get_params()["max_iter"] == 50 and refit.solver == result.chosen_spec["optimizer"]
    assert len(cross_val_score(estimator, X, y, cv=2)) == 2
    with pytest.raises(DeepRecipeError, match="holds a classification network"):
        DeepRegressor.from_model(result.model)
    before = result.model.predict_proba(X)
    estimator.partial_fit(X, y)  # its own network: the recipe's model stays as it was
    np.testing.assert_array_equal(result.model.predict_proba(X), before)


def test_a_frames_text_columns_are_named_and_a_raw_frame_models_estimator_says_what_it_reads():
    """A new user's trial: from_model on a recipe run on a frame with text columns, then
    cross_val_score on that frame, failed with "could not convert string to float: 'no'",
    naming no column and saying nothing of what is accepted."""
    import pandas as pd

    from deeprecipe import Recipe
    from deeprecipe.data import TableSchema
    from deeprecipe.data.parts import encode_by_schema

    X, y = make_classification(n_samples=200, n_features=3, n_informative=2, n_redundant=0,
                               random_state=0)  # fmt: skip
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(cd=np.where(X[:, 0] > 0, "yes", "no"))
    with pytest.raises(DeepRecipeError, match=r"X has text or category columns \['cd'\]"):
        DeepClassifier(max_iter=2).fit(frame, y)
    dated = frame.drop(columns="cd").assign(visit=pd.Timestamp("2024-01-01"))
    with pytest.raises(DeepRecipeError, match=r"X has date or duration columns \['visit'\]"):
        DeepClassifier(max_iter=2).fit(dated, y)
    result = Recipe(max_trainings=1, progress=False, epochs=5).run(frame, y)
    with pytest.warns(UserWarning, match="takes numbers only: it predicts and refits on the"):
        estimator = DeepClassifier.from_model(result.model)
    assert list(estimator.feature_names_in_) == ["a", "b", "c", "cd=no", "cd=yes"]
    schema = TableSchema.from_dict(result.model.metadata["schema"])
    encoded, _ = encode_by_schema("X", frame, schema)  # the columns the estimator reads
    named = pd.DataFrame(encoded, columns=estimator.feature_names_in_)
    assert np.array_equal(estimator.predict(named), result.model.predict(frame))
    with pytest.raises(DeepRecipeError, match="text or category columns"):
        estimator.predict(frame)
