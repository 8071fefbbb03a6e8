"""Normalization: the course's formula, no leakage, dtype kept, state round trip, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler as SkMinMax
from sklearn.preprocessing import StandardScaler

from deeprecipe.data import (
    MinMaxScaler,
    Split,
    Standardizer,
    make_scaler,
    scaler_from_state,
    split,
)
from deeprecipe.errors import DeepRecipeError


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return rng.normal(size=(500, 4)) * np.array([1.0, 1000.0, 0.001, 5.0]) + np.array(
        [0.0, -300.0, 7.0, 2.0]
    )


def test_standardizer_is_the_course_formula_with_one_over_m(X):
    s = Standardizer().fit(X)
    m = len(X)
    mu = X.sum(axis=0) / m
    sigma = np.sqrt(((X - mu) ** 2).sum(axis=0) / m)  # 1/m, divide by sigma (not sigma^2)
    np.testing.assert_allclose(s.mean_, mu, rtol=1e-12)
    np.testing.assert_allclose(s.scale_, sigma, rtol=1e-12)
    Z = s.transform(X)
    np.testing.assert_allclose(Z, (X - mu) / sigma, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    ref = StandardScaler().fit(X)
    np.testing.assert_allclose(s.scale_, ref.scale_, rtol=1e-12)


def test_no_leakage_dev_and_test_never_enter_the_fitted_statistics(X):
    y = np.arange(len(X)) % 2
    sp = split(X, y, seed=3)
    fitted = Standardizer().fit(sp.X_train)
    mean, scale = fitted.mean_.copy(), fitted.scale_.copy()

    changed = X.copy()
    changed[sp.dev_idx] = 1e6 * np.random.default_rng(1).normal(size=(len(sp.dev_idx), 4))
    changed[sp.test_idx] = -42.0
    again = Split.from_dict(sp.to_dict()).bind(changed, y)  # the saved split, repeated
    refit = Standardizer().fit(again.X_train)
    assert refit.mean_.tobytes() == mean.tobytes()  # bit-identical
    assert refit.scale_.tobytes() == scale.tobytes()

    fitted.transform(again.X_dev)  # transforming dev/test never refits
    fitted.transform(again.X_test)
    assert fitted.mean_.tobytes() == mean.tobytes()
    assert fitted.scale_.tobytes() == scale.tobytes()


def test_dev_is_transformed_with_train_statistics(X):
    train, dev = X[:400], X[400:] + 10.0
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.transform(dev), (dev - train.mean(0)) / train.std(0))


def test_constant_feature_gets_sigma_one():
    X = np.column_stack([np.full(50, 0.1), np.arange(50.0), np.zeros(50)])
    s = Standardizer().fit(X)
    assert s.scale_[0] == 1.0 and s.scale_[2] == 1.0
    Z = s.transform(X)
    assert np.all(np.isfinite(Z)) and np.allclose(Z[:, [0, 2]], 0)


def test_a_spread_of_rounding_noise_counts_as_constant():
    """0.1 and 0.3 - 0.2 differ in the last bit; blown up to -1 and +1 they would be a feature.
    The same bound as scikit-learn's StandardScaler: its output is matched."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = np.column_stack([[0.1, 0.3 - 0.2] * 5, 1e8 + 1e-8 * rng.normal(size=10),
                         rng.normal(size=10)])  # fmt: skip
    s = Standardizer().fit(X)
    assert s.scale_[0] == 1.0 and s.scale_[1] == 1.0 and s.scale_[2] != 1.0
    np.testing.assert_allclose(s.transform(X), StandardScaler().fit_transform(X), atol=1e-7)


@pytest.mark.parametrize("cls", [Standardizer, MinMaxScaler])
def test_float32_stays_float32_ints_become_float64(cls, X):
    s = cls().fit(X)
    assert s.transform(X.astype(np.float32)).dtype == np.float32
    assert s.inverse_transform(X.astype(np.float32)).dtype == np.float32
    assert s.transform(X.astype(np.int64)).dtype == np.float64
    X32 = X.astype(np.float32)
    assert cls().fit(X32).state_dict()[next(iter(cls._state_keys))].dtype == np.float64


@pytest.mark.parametrize("cls", [Standardizer, MinMaxScaler])
def test_inverse_transform_round_trips(cls, X):
    s = cls().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.fit_transform(X)), X, rtol=1e-10)
    Xc = X.copy()
    s.transform(Xc)
    assert np.array_equal(Xc, X)  # input untouched


def test_minmax_matches_scikit_learn(X):
    ours = MinMaxScaler(feature_range=(-1, 1)).fit(X)
    ref = SkMinMax(feature_range=(-1, 1)).fit(X)
    for attr in ("min_", "scale_", "data_min_", "data_max_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(X[:7] * 3), ref.transform(X[:7] * 3), rtol=1e-12)
    Xc = np.column_stack([X[:, 0], np.full(len(X), 3.0)])
    assert np.all(MinMaxScaler().fit_transform(Xc)[:, 1] == 0.0)


@pytest.mark.parametrize("scaler", [Standardizer(), MinMaxScaler((-2.0, 3.0))])
def test_state_dict_round_trip(scaler, X):
    scaler.fit(X)
    state = scaler.state_dict()
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in state.values())
    again = scaler_from_state(type(scaler).kind, {k: v.copy() for k, v in state.items()})
    assert type(again) is type(scaler)
    assert np.array_equal(again.transform(X), scaler.transform(X))
    assert again.n_features_in_ == 4
    if isinstance(again, MinMaxScaler):
        assert again.feature_range == (-2.0, 3.0)


def test_kinds_and_factory():
    assert Standardizer.kind == "standardize" and MinMaxScaler.kind == "minmax"
    assert isinstance(make_scaler("standardize"), Standardizer)
    assert isinstance(make_scaler("MinMax"), MinMaxScaler)
    assert make_scaler(None) is None and make_scaler("none") is None
    with pytest.raises(DeepRecipeError, match="accepted: standardize, minmax"):
        make_scaler("robust")


def test_bad_input_is_named(X):
    with pytest.raises(DeepRecipeError, match="not fitted"):
        Standardizer().transform(X)
    bad = X.copy()
    bad[17, 2] = np.nan
    with pytest.raises(DeepRecipeError, match="row 17, column 2"):
        Standardizer().fit(bad)
    with pytest.raises(DeepRecipeError, match="4 columns"):
        Standardizer().fit(X).transform(X[:, :3])
    with pytest.raises(DeepRecipeError, match="2-D"):
        Standardizer().fit(X[:, 0])
    with pytest.raises(DeepRecipeError, match="low < high"):
        MinMaxScaler(feature_range=(1, 0)).fit(X)
    with pytest.raises(DeepRecipeError, match="lacks scale"):
        scaler_from_state("standardize", {"mean": np.zeros(3)})
    with pytest.raises(DeepRecipeError, match="not known"):
        scaler_from_state("zscore", {})
    with pytest.raises(DeepRecipeError, match="<= 0"):
        scaler_from_state("standardize", {"mean": np.zeros(2), "scale": np.array([1.0, 0.0])})


def test_the_repr_lists_the_settings_and_the_fitted_width():
    X = np.ones((3, 2))
    assert repr(Standardizer()) == "Standardizer()"
    assert repr(Standardizer().fit(X)) == "Standardizer(n_features_in_=2)"
    assert repr(MinMaxScaler().fit(X)) == "MinMaxScaler(feature_range=(0.0, 1.0), n_features_in_=2)"


def test_unscaled_blocks_keep_their_values_and_the_rest_is_standardized():
    """A text column's one-hot block stays 0/1: standardized, a category seen once in 56 rows
    became a 0/7.4 column (a new user's Cars93, where logistic regression's dev error went
    from 37% to 58%)."""
    rng = np.random.default_rng(0)
    numbers = rng.normal(5.0, 3.0, size=(56, 2))
    one_hot = np.zeros((56, 3))
    category = np.zeros(56, dtype=int)
    category[:5] = [2, 1, 1, 1, 1]  # the third seen once in 56 rows
    one_hot[np.arange(56), category] = 1.0
    X = np.hstack([numbers[:, :1], one_hot, numbers[:, 1:]])
    scaler = Standardizer().fit(X, unscaled=[slice(1, 4)])
    Z = scaler.transform(X)
    np.testing.assert_array_equal(Z[:, 1:4], one_hot)
    plain = Standardizer().fit(X).transform(X)
    np.testing.assert_allclose(Z[:, [0, 4]], plain[:, [0, 4]])
    assert plain[0, 3] > 7  # what it was: the rare category far out
    again = scaler_from_state("standardize", scaler.state_dict())  # as a model file has it
    np.testing.assert_array_equal(again.transform(X), Z)


def test_minmax_keeps_unscaled_blocks_too():
    """The train command fits either scaler with the one-hot blocks passed through."""
    X = np.array([[0.0, 1.0, 10.0], [1.0, 0.0, 20.0], [0.0, 1.0, 30.0]])
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X, unscaled=[slice(0, 2)])
    Z = scaler.transform(X)
    np.testing.assert_array_equal(Z[:, :2], X[:, :2])
    np.testing.assert_allclose(Z[:, 2], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
