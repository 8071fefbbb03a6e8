"""The achievable error when nobody knows the Bayes error: a bracket, and what it rests on.

The lecture measures avoidable bias against Bayes error, with human-level error as its proxy.
Most users have neither. Two measurable figures bracket it:

- **Upper bound**: the lowest dev error among the reference models (see
  :mod:`deeprecipe.diagnose.references`). A model scored on data it never saw has shown that
  this error is achievable, so Bayes error is not above it, up to the noise of the dev set
  (a Wilson interval for an error rate, ``1.96 * std / sqrt(n)`` for an MSE).
- **Lower estimate**, classes: the leave-one-out error ``R_NN`` of the 1-nearest-neighbour rule on
  standardized inputs. Cover and Hart (1967) proved, as the number of examples grows, for ``K``
  classes::

      R* <= R_NN <= R* (2 - K/(K-1) R*)       (two classes: R_NN <= 2 R* (1 - R*))

  so ``R* >= (K-1)/K * (1 - sqrt(1 - K/(K-1) * R_NN))``.
- **Lower estimate**, regression: the noise variance from nearest-neighbour differences. For
  ``y = f(x) + noise``, ``E[(y_i - y_NN(i))^2] / 2 = sigma^2 + (what f changes between the two
  points) / 2``; the first term, ``1/(2n) sum_i (y_i - y_NN(i))^2``, is the estimate with one
  neighbour. The Gamma test (Stefansson, Koncar and Jones, 1997) repeats it with the k-th
  neighbour (k = 1..10) and regresses on the squared distance to it; the intercept, at distance
  zero, removes most of what ``f`` changes. That intercept, kept between 0 and the 1-neighbour
  figure, is the estimate.

How far to trust it: both lower estimates are asymptotic. With a few hundred examples in many
dimensions the nearest neighbour is far away, ``R_NN`` (and the neighbour differences) are
inflated, and the "lower" estimate can lie above the true Bayes error, even above an error a
reference reached. Nothing in the literature makes this precise for small data. So the
diagnosis uses only the upper bound (what a model demonstrably reached on unseen data); the
lower estimate is reported beside it, with its interval, as a hint of how much might be left.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from deeprecipe._stats import Z95, mean_se, wilson_interval
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import short_format

#: rows beyond this are subsampled (seeded) for the nearest-neighbour estimate: it costs n^2 d
MAX_NEIGHBOUR_ROWS = 5000
#: neighbours used by the Gamma test's regression
GAMMA_NEIGHBOURS = 10


#: below this many examples behind a bound, the bracket's note says it is a guide only
SMALL_DATA = 1000


@dataclass(frozen=True)
class Bound:
    """One side of the bracket: a point value, its 95% interval, where it comes from, and the
    number of examples it was measured on."""

    value: float
    low: float
    high: float
    source: str
    n: int


@dataclass(frozen=True)
class AchievableError:
    """The bracket on Bayes error: ``upper`` (the best reference's dev error) and ``lower``
    (the nearest-neighbour estimate), either possibly None; ``metric`` is "error" (rates) or
    "mse"; ``notes`` say what each figure rests on and how uncertain it is."""

    metric: str
    upper: Bound | None
    lower: Bound | None
    notes: tuple[str, ...] = ()

    @property
    def bracket(self) -> tuple[float, float]:
        """``(low, high)``: from the low end of the lower estimate's interval (0 without one) to
        the high end of the upper bound's (inf without one)."""
        high = self.upper.high if self.upper is not None else math.inf
        low = self.lower.low if self.lower is not None else 0.0
        return min(low, high), high

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["notes"] = list(self.notes)
        out["bracket"] = list(self.bracket)
        return out

    def __str__(self) -> str:
        fmt = _formatter(self.metric)
        parts = []
        if self.upper is not None:
            u = self.upper
            parts.append(f"at most {fmt(u.value)} ({u.source}; 95% {fmt(u.low)}-{fmt(u.high)})")
        if self.lower is not None:
            lo = self.lower
            above = (
                ", above the upper bound: biased upward at this size, trust the upper bound"
                if self.upper is not None and lo.value > self.upper.value
                else ""
            )
            if self.metric != "error" and lo.value <= 0:  # the Gamma test's intercept, clipped
                parts.append(
                    "nearest-neighbour estimate 0 (the noise variance read off neighbours fell "
                    "below zero at distance 0: no lower bound above 0 here)"
                )
            else:
                parts.append(
                    f"nearest-neighbour estimate {fmt(lo.value)} (95% {fmt(lo.low)}-"
                    f"{fmt(lo.high)}{above})"
                )
        return "achievable error: " + ("; ".join(parts) if parts else "unknown")


def _formatter(metric: str):
    return short_format(metric == "error")


def _standardized(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    X = X.reshape(len(X), -1)
    spread = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def _rows(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if len(X) <= MAX_NEIGHBOUR_ROWS:
        return X, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(X))[:MAX_NEIGHBOUR_ROWS])
    return X[keep], y[keep]


def _neighbours(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of each row's ``k`` nearest other rows (never itself)."""
    from sklearn.neighbors import NearestNeighbors

    search = NearestNeighbors(n_neighbors=k).fit(X)
    return search.kneighbors()  # without X: a row is not its own neighbour


def cover_hart_lower(r_nn: float, n_classes: int) -> float:
    """The Bayes error that Cover and Hart's bound allows at least, given the nearest-neighbour
    error: ``(K-1)/K * (1 - sqrt(1 - K/(K-1) * R_NN))`` (capped where R_NN reaches (K-1)/K)."""
    if n_classes < 2:
        return 0.0
    share = (n_classes - 1) / n_classes
    return share * (1.0 - math.sqrt(max(0.0, 1.0 - min(r_nn, share) / share)))


def nearest_neighbour_error(X: Any, y: Any, *, seed: int = 0) -> tuple[float, int]:
    """The leave-one-out error of the 1-nearest-neighbour rule on standardized ``X``, and the
    number of rows it was measured on (at most :data:`MAX_NEIGHBOUR_ROWS`)."""
    X, y = _rows(_standardized(X), np.asarray(y).ravel(), seed)
    if len(X) < 2:
        raise DeepRecipeError("a nearest-neighbour estimate needs rows; accepted: at least 2")
    _, index = _neighbours(X, 1)
    return float(np.mean(y[index[:, 0]] != y)), len(X)


def neighbour_noise_variance(X: Any, y: Any, *, seed: int = 0) -> tuple[float, float, float, int]:
    """``(gamma, gamma_1, se_1, n)``: the Gamma-test noise variance, the 1-neighbour figure
    ``1/(2n) sum (y_i - y_NN(i))^2`` (averaged over outputs), that figure's standard error
    (approximate: neighbouring pairs share rows) and the rows used."""
    y = np.asarray(y, dtype=np.float64)
    X, y = _rows(_standardized(X), y.reshape(len(y), -1), seed)
    if len(X) < 3:
        raise DeepRecipeError("a noise-variance estimate needs rows; accepted: at least 3")
    k = min(GAMMA_NEIGHBOURS, len(X) - 1)
    distance, index = _neighbours(X, k)
    half_squared = 0.5 * ((y[index] - y[:, None, :]) ** 2).mean(axis=2)  # (n, k)
    gammas = half_squared.mean(axis=0)
    deltas = (distance**2).mean(axis=0)
    gamma_1, se_1 = float(gammas[0]), mean_se(half_squared[:, 0])
    if k < 2 or np.ptp(deltas) == 0:
        return gamma_1, gamma_1, se_1, len(X)
    _, intercept = np.polyfit(deltas, gammas, 1)
    return float(min(max(intercept, 0.0), gamma_1)), gamma_1, se_1, len(X)


def _upper(references: list[dict[str, Any]], metric: str) -> Bound | None:
    scored = [r for r in references if r.get("dev_error") is not None and r.get("n_dev")]
    if not scored:
        return None
    best = min(scored, key=lambda r: r["dev_error"])
    value, n = float(best["dev_error"]), int(best["n_dev"])
    if metric == "error":
        low, high = wilson_interval(value, n)
    else:
        half = Z95 * float(best.get("dev_se") or 0.0)
        low, high = max(0.0, value - half), value + half
    source = f"{best.get('name', best.get('kind', 'reference'))} on {n} dev examples"
    return Bound(value, low, high, source, n)


def achievable_error(
    X: Any,
    y: Any,
    references: list[dict[str, Any]],
    *,
    regression: bool,
    n_classes: int | None = None,
    seed: int = 0,
) -> AchievableError:
    """Bracket the Bayes error from reference results (``fit_reference``'s plain dicts) and the
    nearest-neighbour structure of ``(X, y)`` (the training rows; more rows, a tighter estimate).

    ``n_classes`` defaults to the classes present in ``y``. See the module docstring for what
    each side rests on. A user's own Bayes error (human-level error) always wins over this.
    """
    metric = "mse" if regression else "error"
    fmt = _formatter(metric)
    upper = _upper(references, metric)
    notes = []
    if upper is not None:
        notes.append(
            f"upper bound {fmt(upper.value)}: {upper.source} reached it on unseen data, so Bayes "
            f"error is not above it beyond the dev set's noise (95% {fmt(upper.low)}-"
            f"{fmt(upper.high)})"
        )
    lower = None
    n_rows = len(X)
    if n_rows >= 3:
        if regression:
            value, gamma_1, se_1, n = neighbour_noise_variance(X, y, seed=seed)
            half = Z95 * se_1  # the 1-neighbour figure's spread, carried to the intercept
            lower = Bound(
                value,
                max(0.0, value - half),
                value + half,
                f"nearest-neighbour noise variance (Gamma test) on {n} rows",
                n,
            )
            notes.append(
                f"lower estimate {fmt(value)}: the noise variance read off nearest neighbours "
                f"(1-neighbour figure {fmt(gamma_1)}); biased upward when the target changes "
                "between neighbours, as it does with few rows in many dimensions"
                if value > 0
                else f"lower estimate 0: the noise variance read off nearest neighbours fell "
                f"below zero when extrapolated to distance 0 (1-neighbour figure "
                f"{fmt(gamma_1)}), so the neighbours give no lower bound above 0 here"
            )
        else:
            k = int(n_classes) if n_classes is not None else len(np.unique(np.asarray(y)))
            r_nn, n = nearest_neighbour_error(X, y, seed=seed)
            lo, hi = wilson_interval(r_nn, n)
            value = cover_hart_lower(r_nn, k)
            lower = Bound(
                value,
                cover_hart_lower(lo, k),
                cover_hart_lower(hi, k),
                f"Cover-Hart from the 1-nearest-neighbour error {r_nn:.1%} on {n} rows",
                n,
            )
            notes.append(
                f"lower estimate {fmt(value)}: Cover and Hart's bound R* >= (K-1)/K (1 - sqrt(1 - "
                f"K/(K-1) R_NN)) with R_NN = {r_nn:.1%} (leave-one-out, {n} rows, K = {k}); it "
                "holds as the data grows, and with few rows in many dimensions R_NN is inflated"
            )
    if upper is not None and lower is not None and lower.value > upper.value:
        notes.append(
            "the nearest-neighbour estimate lies above an error a reference reached: at this "
            "sample size it is biased upward; trust the upper bound"
        )
    measured_on = [bound.n for bound in (upper, lower) if bound is not None]
    if measured_on and min(measured_on) < SMALL_DATA:  # not said beside 10,000 dev rows
        notes.append(
            "no known result makes either figure precise for small data: read the bracket as "
            "a guide; a human-level error (bayes_error, --bayes-error) replaces it"
        )
    return AchievableError(metric, upper, lower, tuple(notes))
