"""Optimization before capacity: can this network fit a small subset, and what do its cost
curves say?

A network with enough parameters to memorize a few hundred examples and that still cannot fit
them has an optimization problem (learning rate, optimizer, initialization, input scale), not a
capacity problem: a bigger network will not help. The test (Karpathy's "overfit one batch",
and the course's "first make the cost go down") is cheap: train on ``size`` examples (128 by
default) and see whether the training error there gets near zero::

    fits  <=>  error on the subset <= floor + margin

where ``floor`` is the error no model can avoid on the subset (identical inputs with different
labels) and ``margin`` is 2% of the subset for classes, or 5% of its target variance for
regression (the mean squared error of standardized targets).

:func:`probe_optimization` tries the current settings and, when they fail, a few others (the
learning rate 100x and 10x higher and 10x lower, Adam at 0.01 and 0.001): one of those fitting
where the current settings did not is the evidence that the problem is optimization, and names
the fix. When none fits, the subset is too hard for this architecture (capacity), or the
probe's epoch budget was too small: it says "undecided", never "optimization".

:func:`read_cost_curve` names the shape of a cost curve: "diverging" (non-finite, or ending
above its start), "oscillating" (the ups and downs far exceed the net progress), "flat" (less
than 1% progress) or "falling".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from deeprecipe.nn.network import Network

#: the subset size of the probe
PROBE_SIZE = 128
#: what "near zero" allows above the subset's floor: error rate (classes), variance share (MSE)
CLASS_MARGIN = 0.02
REGRESSION_MARGIN = 0.05

CURVE_SHAPES = ("diverging", "oscillating", "flat", "falling")


def read_cost_curve(costs: Any, *, flat_below: float = 0.01) -> str:
    """The shape of a cost curve (one value per recorded epoch; None or NaN for non-finite).

    ``diverging``: a non-finite value, or an end more than 10% above the start. ``oscillating``:
    over the second half, the cost stands on average more than 10% of its whole descent above
    the lowest value reached so far (mini-batch jitter of a fraction of that is not
    oscillation). ``flat``: it fell by less than ``flat_below`` of its start. ``falling``: the
    rest.
    """
    values = np.array([np.nan if c is None else float(c) for c in costs], dtype=np.float64)
    if len(values) == 0 or not np.all(np.isfinite(values)):
        return "diverging"
    first, last = values[0], values[-1]
    scale = max(abs(first), 1e-12)
    if last > first + 0.1 * scale:
        return "diverging"
    descent = max(first - values.min(), 1e-12 * scale)
    second_half = values[len(values) // 2 :]
    above_best = second_half - np.minimum.accumulate(values)[len(values) // 2 :]
    if len(values) >= 4 and above_best.mean() > 0.1 * descent and first - last > 0:
        return "oscillating"
    if first - last < flat_below * scale:
        return "flat"
    return "falling"


def curve_advice(shape: str) -> str:
    """What a practitioner does about each shape."""
    return {
        "diverging": "the cost blew up: lower the learning rate (ten times) or check input scale",
        "oscillating": "the cost zig-zags: lower the learning rate or use larger mini-batches",
        "flat": "the cost does not move: raise the learning rate, or check initialization and "
        "input scale (vanishing gradients)",
        "falling": "the cost falls",
    }[shape]


def _floor(X: np.ndarray, y: np.ndarray, regression: bool) -> float:
    """The least error any model has on these rows: identical inputs with different labels
    force mistakes (classes); for regression, the spread of targets within identical inputs."""
    _, group = np.unique(
        np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel(),
        return_inverse=True,
    )
    if regression:
        t = y.reshape(len(y), -1)
        means = np.zeros((group.max() + 1, t.shape[1]))
        np.add.at(means, group, t)
        means /= np.bincount(group)[:, None]
        return float(((t - means[group]) ** 2).mean())
    counts: dict[tuple[int, Any], int] = {}
    for g, label in zip(group.tolist(), y.tolist()):
        counts[(g, label)] = counts.get((g, label), 0) + 1
    best: dict[int, int] = {}
    for (g, _), c in counts.items():
        best[g] = max(best.get(g, 0), c)
    return 1.0 - sum(best.values()) / len(y)


@dataclass(frozen=True)
class SubsetFit:
    """One training on the probe's subset: its settings, error, the floor and margin that
    define "near zero", whether it fit, and the shape of its cost curve."""

    optimizer: str
    learning_rate: float | None
    epochs: int
    n: int
    error: float
    floor: float
    margin: float
    fits: bool
    curve: str


@dataclass(frozen=True)
class OptimizationProbe:
    """The probe's verdict: "trains" (the current settings fit the subset), "optimization"
    (they did not, ``fix`` did) or "undecided" (nothing fit: capacity, or too few epochs)."""

    verdict: str
    current: SubsetFit
    tried: tuple[SubsetFit, ...]
    fix: SubsetFit | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        c = self.current
        head = (
            f"on {c.n} training examples the network reached {c.error:.3g} "
            f"(near zero: <= {c.floor + c.margin:.3g}); cost curve {c.curve}"
        )
        if self.verdict == "trains":
            return head + ": training works"
        if self.verdict == "optimization":
            f = self.fix
            return (
                f"{head}: an optimization problem, not capacity ({f.optimizer}, learning rate "
                f"{f.learning_rate:g} fits it: {f.error:.3g})"
            )
        return head + ": no setting tried fits it (capacity, or more epochs needed)"


def fit_subset(
    network: Network,
    X: Any,
    y: Any,
    *,
    size: int = PROBE_SIZE,
    optimizer: str = "gd",
    learning_rate: float | None = None,
    epochs: int = 500,
    seed: int = 0,
) -> SubsetFit:
    """Train a copy of ``network`` (untrained, as the recipe would start it) full-batch on
    ``size`` seeded training rows; regression targets are standardized first, so the error is
    the share of the subset's target variance left unexplained."""
    from deeprecipe.train.trainer import fit

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    rows = np.sort(np.random.default_rng(seed).permutation(len(X))[: min(size, len(X))])
    Xs, ys = X[rows], y[rows]
    regression = not network.loss.is_classifier
    if regression:
        ys = ys.astype(np.float64)
        t = ys.reshape(len(ys), -1)
        spread = t.std(axis=0)
        ys = ((t - t.mean(axis=0)) / np.where(spread > 0, spread, 1.0)).reshape(ys.shape)
    net = network.copy()
    history = fit(
        net,
        Xs,
        ys,
        optimizer=optimizer,
        learning_rate=learning_rate,
        epochs=epochs,
        seed=seed,
        metrics_every=max(1, epochs // 50),
    )
    error = net.error(Xs, ys) if not history.diverged else math.inf
    floor = _floor(Xs, ys, regression)
    margin = REGRESSION_MARGIN if regression else CLASS_MARGIN
    return SubsetFit(
        optimizer,
        learning_rate,
        epochs,
        len(rows),
        float(error),
        floor,
        margin,
        bool(error <= floor + margin),
        read_cost_curve(history.cost),
    )


def probe_optimization(
    network: Network,
    X: Any,
    y: Any,
    *,
    optimizer: str = "gd",
    learning_rate: float = 0.1,
    size: int = PROBE_SIZE,
    epochs: int = 500,
    seed: int = 0,
    adam_learning_rates: tuple[float, ...] = (0.01, 0.001),
) -> OptimizationProbe:
    """Can ``network`` fit ``size`` training rows with the current settings? If not, does a
    learning rate 100x or 10x higher, 10x lower, or Adam fit them? (See the module docstring.)"""
    kwargs = {"size": size, "epochs": epochs, "seed": seed}
    current = fit_subset(network, X, y, optimizer=optimizer, learning_rate=learning_rate, **kwargs)
    if current.fits:
        return OptimizationProbe("trains", current, (), None)
    others = [(optimizer, learning_rate * f) for f in (100, 10, 0.1)]
    others += [("adam", lr) for lr in adam_learning_rates]
    others = [o for o in others if o != (optimizer, learning_rate)]
    tried = tuple(
        fit_subset(network, X, y, optimizer=o, learning_rate=lr, **kwargs) for o, lr in others
    )
    fitting = [t for t in tried if t.fits]
    if not fitting:
        return OptimizationProbe("undecided", current, tried, None)
    return OptimizationProbe("optimization", current, tried, min(fitting, key=lambda t: t.error))
