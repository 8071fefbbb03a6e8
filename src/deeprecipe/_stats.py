"""How far a measured error can be trusted at its sample size: binomial and normal intervals.

An error rate measured on ``n`` examples is a binomial proportion; its standard error is
``sqrt(p (1 - p) / n)``. The Wilson score interval stays inside [0, 1] and behaves at 0 or 1
errors, where the normal interval collapses to a point::

    centre = (p + z^2 / (2n)) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

A mean squared error is a mean of per-example squared errors; its standard error is their
standard deviation over ``sqrt(n)``. Two models scored on the same rows are compared row by
row (:func:`paired_test`): McNemar's test on the rows where exactly one of them errs, or a
paired t-test on the squared-error differences; this sees a gap that the two unpaired standard
errors hide, because most rows are easy or hard for both. These live here, below every room,
because data checks, the diagnosis and the recipe's guards all ask the same question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError

#: the two-sided 95% normal quantile
Z95 = 1.959963984540054


def exceeds(a: float, b: float) -> bool:
    """``a > b`` beyond float rounding (0.07 - 0.05 is 0.020000000000000004), relative to
    their size: errors are rates, or mean squared errors in the target's units, and a target
    measured in 1e-7 units has MSEs of 1e-11 whose differences matter as much as any."""
    return a - b > 1e-9 * max(abs(a), abs(b))


def binomial_se(p: float, n: int) -> float:
    """Standard error of an error rate ``p`` measured on ``n`` examples (inf for n = 0)."""
    if n <= 0:
        return math.inf
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)


def wilson_interval(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` observed on ``n`` trials."""
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1.0 - p), 0.0) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_se(values: Any) -> float:
    """Standard error of the mean of ``values`` (per-example losses): ``std / sqrt(n)``."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if len(values) < 2:
        return math.inf
    return float(values.std(ddof=1) / math.sqrt(len(values)))


@dataclass(frozen=True)
class PairedTest:
    """Two models compared on the same rows: ``difference`` is the mean of ``a - b`` per-example
    losses (> 0: ``a`` is worse), ``se`` its standard error, ``p_value`` two-sided, ``test`` the
    test's name, ``n`` the rows, ``discordant`` ``(b, c)`` for error rates (None otherwise)."""

    test: str
    difference: float
    se: float
    p_value: float
    n: int
    discordant: tuple[int, int] | None = None

    def worse(self, alpha: float = 0.05) -> bool:
        """``a`` loses to ``b`` beyond the noise of the rows (two-sided level ``alpha``)."""
        return self.difference > 0 and self.p_value < alpha

    def better(self, alpha: float = 0.05) -> bool:
        """``a`` beats ``b`` beyond the noise of the rows (two-sided level ``alpha``)."""
        return self.difference < 0 and self.p_value < alpha

    def noise(self) -> float:
        """The difference the test needs to call it at the 5% level: 1.96 standard errors, or
        the t distribution's t_{0.975, n-1} of the paired t-test (2.78 on 5 rows, where 1.96
        called a difference 'within the noise' of a smaller one); inf when unknown."""
        if not math.isfinite(self.se):
            return math.inf
        if self.test == "paired t-test" and self.n >= 2:
            from scipy.stats import t as student_t

            return float(student_t.ppf(0.975, self.n - 1)) * self.se
        return Z95 * self.se


def mcnemar_mid_p(b: int, c: int) -> float:
    """McNemar's mid-p test of two classifiers scored on the same rows.

    Only the discordant rows say which model is better: ``b`` rows the first gets wrong and the
    second right, ``c`` the converse. Under "equally good" each discordant row falls either way
    with probability 1/2, so with ``n = b + c``, ``k = min(b, c)`` and ``X ~ Binomial(n, 1/2)``::

        exact p = min(1, 2 P(X <= k))
        mid-p   = 2 P(X <= k) - P(X = k)  =  2 P(X < k) + P(X = k)

    The mid-p halves the weight of the observed count; it keeps close to the nominal level
    where the exact test is conservative (Fagerland, Lydersen and Laake, BMC Medical Research
    Methodology 13:91, 2013). 1.0 when no row is discordant.
    """
    from scipy.stats import binom

    n, k = int(b) + int(c), min(int(b), int(c))
    if n == 0:
        return 1.0
    return float(min(1.0, 2.0 * binom.cdf(k, n, 0.5) - binom.pmf(k, n, 0.5)))


def association_p_value(confusion: Any) -> tuple[float, str]:
    """``(p, test)``: whether a classifier's predictions go with the labels beyond chance, from
    its confusion matrix (rows: true classes, columns: predicted), the classes never seen or
    never predicted left out. Fisher's exact test on a 2 x 2 table (one-sided: more right than
    chance), the chi-square test of independence on a larger one; 1.0 when the predictions
    or the labels take a single value (nothing to associate)."""
    from scipy.stats import chi2_contingency, fisher_exact

    table = np.asarray(confusion, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 1.0, "no test: one class only"
    if table.shape == (2, 2):
        return float(fisher_exact(table, alternative="greater")[1]), "Fisher's exact test"
    return float(chi2_contingency(table)[1]), "chi-square test of independence"


def paired_t_p_value(differences: Any) -> float:
    """Two-sided p-value of the paired t-test that per-example loss differences ``d`` have
    mean zero::

        t = mean(d) / (std(d, ddof=1) / sqrt(n)),   p = 2 P(T_{n-1} > |t|)

    1.0 with fewer than two rows or no difference at all; 0.0 for a constant nonzero difference.
    """
    from scipy.stats import t as student_t

    d = np.asarray(differences, dtype=np.float64).ravel()
    if len(d) < 2:
        return 1.0
    mean, se = float(d.mean()), mean_se(d)
    if se == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    return float(2.0 * student_t.sf(abs(mean / se), len(d) - 1))


def paired_test(a: Any, b: Any, *, rates: bool) -> PairedTest:
    """Compare models ``a`` and ``b`` by their per-example losses on the same rows: McNemar's
    mid-p (:func:`mcnemar_mid_p`) on 0/1 losses when ``rates``, else the paired t-test
    (:func:`paired_t_p_value`) on the differences ``a_i - b_i`` (squared errors)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise DeepRecipeError(
            f"paired losses of {len(a)} and {len(b)} rows; accepted: one loss per row for both"
        )
    d = a - b
    difference = float(d.mean()) if len(d) else 0.0
    if not rates:
        return PairedTest("paired t-test", difference, mean_se(d), paired_t_p_value(d), len(d))
    worse, better = int(np.count_nonzero(d > 0)), int(np.count_nonzero(d < 0))
    return PairedTest(
        "McNemar mid-p",
        difference,
        mean_se(d),
        mcnemar_mid_p(worse, better),
        len(d),
        (worse, better),
    )
