"""The recipe's yardsticks: references through the sweeper, R^2 (the guards: test_recipe_guards)."""

import numpy as np
import pytest

from deeprecipe.recipe.sweep import Sweeper
from deeprecipe.recipe.trial import TrialData
from deeprecipe.recipe.yardsticks import (
    losses_on_test,
    r_squared,
    reference_data,
    run_references,
)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    return TrialData(X[:200], y[:200], X[200:], y[200:], loss="binary_crossentropy", n_outputs=1)


def test_references_run_where_the_trials_run_and_score_the_test_set_once():
    data = _data()
    rd = reference_data(data, regression=False, seed=0)
    with Sweeper(data, n_jobs=2) as sweeper:
        results, models = run_references(sweeper, rd)
    assert [r["kind"] for r in results] == ["trivial", "linear", "boosting"]
    assert results[1]["dev_error"] < 0.05 < results[0]["dev_error"]
    rng = np.random.default_rng(9)
    X_test = rng.normal(size=(100, 3))
    losses = losses_on_test(models, X_test, (X_test[:, 0] - X_test[:, 1] > 0), regression=False)
    assert set(losses) == {"trivial", "linear", "boosting"}
    assert all(len(v) == 100 and set(np.unique(v)) <= {0.0, 1.0} for v in losses.values())
    assert losses["linear"].mean() < 0.05 < losses["trivial"].mean()
    assert models["boosting"].is_categorical_ is None  # no table schema: no categories


def test_r_squared_is_one_minus_mse_over_the_parts_variance():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r_squared(np.var(y), y) == pytest.approx(0.0)
    assert r_squared(0.0, y) == 1.0
    assert r_squared(1.0, np.ones(4)) is None and r_squared(None, y) is None


def test_a_regressions_parts_spread_sets_the_scale_the_diagnosis_reads_training_errors_at():
    """Noisy targets put their outliers in one part by chance (fair: ridge regression's MSE
    4.824 on train, 4.082 on dev): the recipe's diagnosis reads training errors at dev's
    scale, ridge's train/dev ratio, and says so when the scale is far from 1."""
    from deeprecipe import Recipe

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = X[:, 0] + rng.normal(scale=0.5, size=600)
    y_dev = X[:200, 0] + rng.normal(scale=0.5, size=200)
    y[:20] += 8.0  # outliers in the training part only
    result = Recipe(task="regression", hidden=(4,), epochs=30, max_trainings=2, n_jobs=1,
                    learning_curve_fractions=(1.0,)).run(
        X, y, X_dev=X[:200], y_dev=y_dev, X_test=X[:200], y_test=y_dev
    )  # fmt: skip
    linear = next(r for r in result.yardsticks["references"] if r["kind"] == "linear")
    scale = linear["train_loo_error"] / linear["dev_error"]
    assert scale > 1.5 and linear["train_loo_error"] >= linear["train_error"]
    assert result.final_diagnosis.train_scale == pytest.approx(scale)
    assert result.final_diagnosis.variance == pytest.approx(
        result.dev_error - result.train_error / scale
    )
    assert any(f"errors run {scale:.3g}x as large on the training part" in n for n in result.notes)


def test_wide_data_do_not_read_the_training_parts_noise_off_ridges_fit():
    """fertility: 51 columns, 27 training rows. Ridge fits the training rows nearly exactly
    (MSE ratio 0.005), and a network 30x worse on dev than on train read as high bias with a
    negative variance. Ridge's leave-one-out error on those rows measures their noise."""
    from deeprecipe.diagnose.references import ReferenceData, fit_reference

    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 51))
    y = X @ rng.normal(size=51) + rng.normal(scale=0.1, size=60)
    data = ReferenceData(X[:27], y[:27], X[27:], y[27:], regression=True)
    linear, _ = fit_reference("linear", data)
    assert linear["train_error"] / linear["dev_error"] < 0.01  # the fit's optimism
    assert 0.5 < linear["train_loo_error"] / linear["dev_error"] < 2.0  # the parts alike


def test_a_high_variance_gap_within_the_dev_sets_noise_is_noted():
    """football's baseline: train 4.05%, dev 7.32% on 82 dev rows, a gap of 3.27 points above
    the recipe's 2-point tolerance, and below the dev set's noise of 5.6 points."""
    from types import SimpleNamespace

    from deeprecipe.diagnose import diagnose
    from deeprecipe.recipe.state import RunState
    from deeprecipe.task import get_task

    def run(n_dev):
        data = SimpleNamespace(trials=SimpleNamespace(y_dev=np.zeros(n_dev)),
                               targets=SimpleNamespace(head=get_task("binary")))  # fmt: skip
        state = SimpleNamespace(data=data)
        state.dev_noise = lambda error: RunState.dev_noise(state, error)
        return state

    gap = diagnose(0.0405, 0.0732, 0.06, bias_tolerance=0.02, variance_tolerance=0.02)
    assert gap.high_variance
    note = RunState._variance_noise_note(run(82), gap)
    assert note == ("the variance gap, 3.27%, is within the dev set's noise (+-5.64%, 95%, on 82 "
                    "dev rows): the recipe treats it, but a larger dev set would tell whether it "
                    "is real")  # fmt: skip
    assert RunState._variance_noise_note(run(5000), gap) is None  # beyond the noise there
    assert RunState._variance_noise_note(run(82), diagnose(0.05, 0.06, 0.05)) is None  # low


def test_the_initial_gradient_check_of_a_regression_reads_the_targets_the_trials_train_on():
    """longley's TOTEMP, about 6e4: against raw targets the untrained network's check read
    7.65e-5, 'suspicious'; the trials train on (y - mean) / std, and so does the check."""
    from deeprecipe import Recipe

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = 60000 + 3000 * X[:, 0] + 500 * rng.normal(size=40)
    result = Recipe(task="regression", hidden=(8,), epochs=20, max_trainings=2, n_jobs=1,
                    learning_curve_fractions=(1.0,)).run(X, y)  # fmt: skip
    assert result.gradcheck["init"]["verdict"] == "great"
    assert result.gradcheck["final"]["passed"]


@pytest.fixture
def boosting_models(monkeypatch) -> list:
    """The fitted boosting reference of every recipe run in the test, in order."""
    from deeprecipe.recipe import yardsticks

    fit_references, fitted = yardsticks.fit_references, []

    def keep_model(run):
        fit_references(run)
        fitted.append(run.reference_models["boosting"])

    monkeypatch.setattr(yardsticks, "fit_references", keep_model)
    return fitted


def _colours(m=400, seed=0):
    """A frame with a numeric column and a text column that decides the class."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "grey"], m)
    frame = pd.DataFrame({"x": rng.normal(size=m), "colour": colour})
    return frame, ((colour == "red") | (colour == "blue")).astype(int)


def _quick_recipe():
    from deeprecipe import Recipe

    return Recipe(hidden=(4,), epochs=20, max_trainings=2, n_jobs=1,
                  learning_curve_fractions=(1.0,))  # fmt: skip


def test_a_frames_text_column_is_one_categorical_feature_to_boosting_from_fit_to_test(
    boosting_models,
):
    """A DataFrame with a text column: the boosting reference reads its one-hot block as one
    categorical feature, fitted on train and scored on dev and, at the end, on test."""
    frame, y = _colours()
    result = _quick_recipe().run(frame, y)
    assert boosting_models[0][-1].is_categorical_.tolist() == [False, True]  # x, colour
    scored = next(r for r in result.yardsticks["references"] if r["kind"] == "boosting")
    assert scored["dev_error"] == 0.0 and scored["test_error"] == 0.0


def test_an_encoded_table_with_its_schema_gives_boosting_the_same_categories(boosting_models):
    """The command line encodes the file itself and passes its schema (schema=)."""
    from deeprecipe.data import from_frame

    frame, y = _colours()
    ds = from_frame(frame, None)
    _quick_recipe().run(ds.X, y, schema=ds.schema)
    _quick_recipe().run(ds.X, y)  # without it: the one-hot columns, as before
    with_schema, without = boosting_models
    assert with_schema[-1].is_categorical_.tolist() == [False, True]
    assert without.is_categorical_ is None and without.n_features_in_ == 5


def test_a_schema_that_did_not_encode_x_is_refused_naming_it():
    from deeprecipe.data import from_frame
    from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

    frame, y = _colours(40)
    ds = from_frame(frame, None)
    with pytest.raises(DeepRecipeTypeError, match="schema is a dict; accepted: the TableSchema"):
        _quick_recipe().run(ds.X, y, schema=ds.schema.to_dict())
    with pytest.raises(DeepRecipeError, match="schema= encodes 5 columns but X has 2"):
        _quick_recipe().run(ds.X[:, :2], y, schema=ds.schema)
    with pytest.raises(DeepRecipeError, match="schema= describes an X already encoded"):
        _quick_recipe().run(frame, y, schema=ds.schema)
