"""The achievable-error bracket contains the Bayes error of problems where it is known."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import norm

from deeprecipe.data import load_dataset, split
from deeprecipe.diagnose.achievable import (
    achievable_error,
    cover_hart_lower,
    nearest_neighbour_error,
    neighbour_noise_variance,
)
from deeprecipe.diagnose.references import ReferenceData, fit_references


def _bracket(X, y, *, regression, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small dev sets warn
        s = split(X, y, dev=0.2, test=0.2, seed=seed)
    data = ReferenceData(s.X_train, s.y_train, s.X_dev, s.y_dev, regression=regression)
    references = [r for r, _ in fit_references(data)]
    return achievable_error(s.X_train, s.y_train, references, regression=regression)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_bracket_contains_footballs_six_percent_flip_rate(seed):
    ds = load_dataset("football", seed=seed)
    result = _bracket(ds.X, ds.y, regression=False, seed=seed)
    low, high = result.bracket
    assert low <= ds.bayes_error == 0.06 <= high
    assert result.upper.value < 0.25 and result.lower.value < 0.12


def test_the_bracket_contains_a_gaussian_mixtures_bayes_error():
    # two classes N(-mu, I) and N(+mu, I) in 5-D, equal priors: Bayes error Phi(-|2 mu| / 2)
    rng = np.random.default_rng(0)
    mu = np.array([0.5, 0.5, 0.0, 0.0, 0.0])
    m = 2000
    y = rng.integers(0, 2, m)
    X = rng.normal(size=(m, 5)) + np.where(y[:, None] == 1, mu, -mu)
    bayes = norm.cdf(-np.linalg.norm(2 * mu) / 2)  # 0.24
    result = _bracket(X, y, regression=False)
    low, high = result.bracket
    assert low <= bayes <= high
    assert result.upper.value == pytest.approx(bayes, abs=0.05)  # logistic regression is Bayes


def test_the_bracket_of_pure_noise_targets_contains_their_variance():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 3))
    y = rng.normal(0.0, 3.0, size=600)
    result = _bracket(X, y, regression=True)
    low, high = result.bracket
    assert low <= 9.0 <= high
    assert result.lower.value == pytest.approx(9.0, rel=0.3)
    assert "training mean" in result.upper.source or result.upper.value > 8


def test_the_gamma_test_removes_what_a_smooth_function_changes_between_neighbours():
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, size=(800, 2))
    y = 3 * np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + rng.normal(0, 0.3, size=800)
    gamma, gamma_1, _, n = neighbour_noise_variance(X, y)
    assert n == 800 and gamma <= gamma_1
    assert abs(gamma - 0.09) < abs(gamma_1 - 0.09)  # the intercept is the better estimate
    assert gamma == pytest.approx(0.09, abs=0.05)


def test_cover_hart_inverts_the_asymptotic_nearest_neighbour_error():
    for k, r in [(2, 0.1), (2, 0.3), (3, 0.2), (10, 0.05)]:
        r_nn = r * (2 - k / (k - 1) * r)  # the upper end of Cover and Hart's bound
        assert cover_hart_lower(r_nn, k) == pytest.approx(r)
    assert cover_hart_lower(0.0, 2) == 0.0
    assert cover_hart_lower(0.9, 2) == 0.5  # capped at (K-1)/K


def test_nearest_neighbour_error_matches_a_brute_force_leave_one_out():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(60, 3)) * [1.0, 10.0, 0.1]
    y = rng.integers(0, 3, 60)
    Z = (X - X.mean(0)) / X.std(0)
    d = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    expected = np.mean(y[d.argmin(1)] != y)
    assert nearest_neighbour_error(X, y) == (pytest.approx(expected), 60)
    gamma, gamma_1, _, _ = neighbour_noise_variance(X, y.astype(float))
    assert gamma_1 == pytest.approx(0.5 * np.mean((y[d.argmin(1)] - y) ** 2))


def test_the_notes_say_what_the_figures_rest_on_and_that_small_data_is_not_precise():
    ds = load_dataset("football")
    result = _bracket(ds.X, ds.y, regression=False)
    text = " ".join(result.notes)
    assert "Cover and Hart" in text and "no known result" in text
    assert "achievable error: at most" in str(result)
    assert result.to_dict()["bracket"] == list(result.bracket)
    # with thousands of rows behind both figures the bracket is no longer called a guide only
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8000, 2))
    y = (X[:, 0] + 0.5 * rng.normal(size=8000) > 0).astype(int)
    assert not any("no known result" in n for n in _bracket(X, y, regression=False).notes)
    assert math.isfinite(result.bracket[1])


def test_a_lower_estimate_clipped_at_zero_says_why_where_it_is_printed():
    """macrodata in a new-user trial: the console read 'nearest-neighbour estimate 0' with the
    reason in the report alone."""
    from deeprecipe.diagnose.achievable import AchievableError, Bound

    clipped = Bound(0.0, 0.0, 0.02, "nearest-neighbour noise variance (Gamma test) on 40 rows", 40)
    text = str(AchievableError("mse", None, clipped))
    assert "estimate 0 (the noise variance read off neighbours fell below zero" in text
    rate = Bound(0.0, 0.0, 0.05, "Cover-Hart", 40)  # an error rate of 0 is a figure, not a clip
    assert "estimate 0.0% (95% 0.0%-5.0%)" in str(AchievableError("error", None, rate))
