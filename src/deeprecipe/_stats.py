"""How far a measured error can be trusted at its sample size: binomial and normal intervals.

An error rate measured on ``n`` examples is a binomial proportion; its standard error is
``sqrt(p (1 - p) / n)``. The Wilson score interval stays inside [0, 1] and behaves at 0 or 1
errors, where the normal interval collapses to a point::

    centre = (p + z^2 / (2n)) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

A mean squared error is a mean of per-example squared errors; its standard error is their
standard deviation over ``sqrt(n)``. These live here, below every room, because data checks,
the diagnosis and the recipe's guards all ask the same question.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: the two-sided 95% normal quantile
Z95 = 1.959963984540054


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
