"""Paired comparisons of two models on the same rows (McNemar, paired t), against statsmodels
and scipy, and the point of pairing: a gap the unpaired standard error misses."""

import numpy as np
import pytest
from scipy.stats import binom, binomtest, ttest_rel

from deeprecipe._stats import (
    Z95,
    binomial_se,
    mcnemar_mid_p,
    paired_t_p_value,
    paired_test,
)
from deeprecipe.errors import DeepRecipeError


@pytest.mark.parametrize("b, c", [(10, 0), (7, 2), (3, 3), (12, 25), (0, 1), (40, 31)])
def test_mcnemar_mid_p_is_the_exact_test_less_the_observed_point(b, c):
    n, k = b + c, min(b, c)
    exact = binomtest(k, n, 0.5).pvalue  # scipy's exact two-sided binomial test
    point = binom.pmf(k, n, 0.5)
    # hand-computed: 2 P(X < k) + P(X = k), X ~ Binomial(n, 1/2)
    by_hand = 2 * sum(binom.pmf(i, n, 0.5) for i in range(k)) + point
    assert mcnemar_mid_p(b, c) == pytest.approx(min(1.0, by_hand), rel=1e-12)
    if b != c:  # at b = c both tests say 1
        assert mcnemar_mid_p(b, c) == pytest.approx(exact - point, rel=1e-12)
    mcnemar = pytest.importorskip("statsmodels.stats.contingency_tables").mcnemar
    table = [[50, b], [c, 40]]
    assert mcnemar(table, exact=True).pvalue == pytest.approx(exact, rel=1e-12)
    assert mcnemar_mid_p(b, c) <= exact


def test_mcnemar_says_nothing_without_discordant_rows():
    assert mcnemar_mid_p(0, 0) == 1.0
    assert mcnemar_mid_p(5, 5) == pytest.approx(1.0)


def test_paired_t_matches_scipy_ttest_rel():
    rng = np.random.default_rng(0)
    a = rng.normal(1.0, 1.0, 60) ** 2
    b = a - rng.normal(0.2, 0.5, 60)
    assert paired_t_p_value(a - b) == pytest.approx(ttest_rel(a, b).pvalue, rel=1e-10)
    result = paired_test(a, b, rates=False)
    assert result.test == "paired t-test" and result.discordant is None
    assert result.difference == pytest.approx(np.mean(a - b))
    assert result.se == pytest.approx(np.std(a - b, ddof=1) / np.sqrt(60))
    assert paired_t_p_value([0.0, 0.0, 0.0]) == 1.0 and paired_t_p_value([1.0, 1.0]) == 0.0
    assert paired_t_p_value([3.0]) == 1.0


def test_pairing_catches_a_loss_that_the_references_unpaired_se_misses():
    # 400 dev rows; the reference errs on 40 (10%); the network on the same 40 and 10 more
    n = 400
    reference = np.zeros(n)
    reference[:40] = 1
    network = reference.copy()
    network[40:50] = 1
    gap = network.mean() - reference.mean()  # 2.5 points
    assert gap < Z95 * binomial_se(reference.mean(), n)  # the unpaired rule: within noise
    result = paired_test(network, reference, rates=True)
    assert result.discordant == (10, 0)
    assert result.p_value == pytest.approx(0.5**10)  # 2 P(X <= 0) - P(X = 0), n = 10
    assert result.worse() and not result.better()
    assert paired_test(reference, network, rates=True).better()


def test_a_network_within_noise_of_the_reference_is_neither_worse_nor_better():
    rng = np.random.default_rng(1)
    reference = (rng.random(300) < 0.2).astype(float)
    network = reference.copy()
    flip = rng.choice(300, 20, replace=False)
    network[flip] = 1 - network[flip]  # 20 discordant rows, some each way
    result = paired_test(network, reference, rates=True)
    b, c = result.discordant
    assert b + c == 20 and abs(b - c) <= 6
    assert not result.worse() and not result.better()


def test_paired_losses_must_pair():
    with pytest.raises(DeepRecipeError, match="one loss per row"):
        paired_test(np.zeros(3), np.zeros(4), rates=True)


def test_the_noise_of_a_paired_t_test_is_the_difference_it_needs():
    """copper, 5 dev rows: p = 0.076 'within the dev set's noise of +-1.53e6' for a gap of
    1.86e6 (1.96 standard errors, where the t-test on 4 degrees of freedom needs 2.78)."""
    from scipy.stats import t as student_t

    d = np.array([-4.1, -0.2, -3.0, 0.4, -2.6])
    test = paired_test(d, np.zeros(5), rates=False)
    assert test.noise() == pytest.approx(student_t.ppf(0.975, 4) * test.se)
    assert (abs(test.difference) > test.noise()) == (test.p_value < 0.05)  # they agree
    big = paired_test(np.r_[d, d, d, d, d, d] * 0.3, np.zeros(30), rates=True)
    assert big.noise() == pytest.approx(Z95 * big.se)
