"""The course's initialization experiment in one call: zeros, large random, Xavier and He.

The same network (by default the course's 2-10-5-1, ReLU, ReLU, sigmoid) is trained with each
initialization by full-batch gradient descent (learning rate 0.01, 15000 iterations). The
result keeps, per initialization, the cost curve, train and test accuracy, the activation
histograms and gradient health at the start and at the end, and whether the hidden units of
each layer are still identical copies of each other: with zeros they always are (no gradient
can tell them apart, so the network is no better than one unit per layer), which is why
symmetry must be broken at random.

=========== =================================== ==========================================
init        W[l] (course notation)              what the course shows on its circles data
=========== =================================== ==========================================
zeros       0                                   cost stuck at 0.693, accuracy 0.5
random      randn * 10                          huge first cost, train 0.83, test 0.86
xavier      randn * sqrt(1 / n[l-1])            (not in the assignment; tanh's choice)
he          randn * sqrt(2 / n[l-1])            train 0.9933, test 0.96
=========== =================================== ==========================================

``weights_from="course"`` draws the initial weights exactly as the assignment does (NumPy's
legacy stream, ``np.random.seed(3)``, ``randn(n[l], n[l-1])`` per layer, transposed to this
library's ``(n[l-1], n[l])`` layout, read from a private ``RandomState`` so the global state is
untouched); with it, the published figures above come out exactly. The default
``weights_from="seed"`` draws from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import check_array, check_choice, check_number
from deeprecipe.diagnose._parallel import run_parallel
from deeprecipe.diagnose.health import HealthReport, _health
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.initializers import INITIALIZERS
from deeprecipe.nn.network import Network
from deeprecipe.task import TASKS
from deeprecipe.train.trainer import fit

COURSE_LAYER_SIZES = (2, 10, 5, 1)
WEIGHT_SOURCES = ("seed", "course")


@dataclass(frozen=True)
class InitializationRun:
    """One initialization's training: cost per iteration, accuracies, health before and after.

    ``units_identical[l-1]`` is True when every unit of hidden layer ``l`` has the same incoming
    weights and bias after training; ``breaks_symmetry`` is False when that holds for every
    hidden layer.
    """

    init: str
    cost: list[float]
    train_accuracy: float
    test_accuracy: float
    units_identical: list[bool]
    initial_health: HealthReport
    final_health: HealthReport
    diverged: bool

    @property
    def breaks_symmetry(self) -> bool:
        return not all(self.units_identical)

    def to_dict(self) -> dict[str, Any]:
        return {
            "init": self.init,
            "cost": list(self.cost),
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "units_identical": list(self.units_identical),
            "breaks_symmetry": self.breaks_symmetry,
            "diverged": self.diverged,
            "initial_health": self.initial_health.to_dict(),
            "final_health": self.final_health.to_dict(),
        }


@dataclass(frozen=True)
class InitializationComparison:
    """:func:`compare_initializations`'s result: one :class:`InitializationRun` per init."""

    runs: dict[str, InitializationRun]
    settings: dict[str, Any]

    def __getitem__(self, init: str) -> InitializationRun:
        return self.runs[init]

    @property
    def ranking(self) -> list[str]:
        """Initializations from the best test accuracy to the worst (ties: train accuracy)."""
        return sorted(
            self.runs,
            key=lambda k: (-self.runs[k].test_accuracy, -self.runs[k].train_accuracy),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": dict(self.settings),
            "ranking": self.ranking,
            "runs": {name: run.to_dict() for name, run in self.runs.items()},
        }

    def __repr__(self) -> str:
        scores = ", ".join(f"{k}: test {r.test_accuracy:.1%}" for k, r in self.runs.items())
        return f"InitializationComparison({scores})"

    def _repr_html_(self) -> str:
        """The notebook display: accuracies per initialization beside the cost curves."""
        from deeprecipe.diagnose.display import initialization_html

        return initialization_html(self)

    def plot_costs(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Cost against iteration for every initialization (log scale); returns the Figure."""
        from deeprecipe.diagnose.plots import plot_initialization_costs

        return plot_initialization_costs(self, ax=ax, title=title)

    def plot_histograms(self, *, when: str = "initial") -> Any:
        """A grid of activation histograms: one row per init, one column per layer."""
        from deeprecipe.diagnose.plots import plot_initialization_histograms

        return plot_initialization_histograms(self, when=when)


def course_weights(
    layer_sizes: Sequence[int], init: str, *, random_scale: float = 10.0, seed: int = 3
) -> dict[str, np.ndarray]:
    """The assignment's initial weights: ``np.random.seed(seed)`` then per layer
    ``randn(n[l], n[l-1]) * factor``, returned in this library's layout (transposed)."""
    init = check_choice("init", init, INITIALIZERS)
    stream = np.random.RandomState(seed)  # noqa: NPY002 - the course's legacy stream, by design
    weights = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = int(layer_sizes[l - 1]), int(layer_sizes[l])
        factor = {
            "zeros": 0.0,
            "random": random_scale,
            "he": np.sqrt(2.0 / n_in),
            "xavier": np.sqrt(1.0 / n_in),
            "lecun": np.sqrt(1.0 / n_in),
            "glorot": np.sqrt(2.0 / (n_in + n_out)),
        }[init]
        draw = np.zeros((n_out, n_in)) if init == "zeros" else stream.randn(n_out, n_in)
        weights[f"W{l}"] = (draw * factor).T.copy()
        weights[f"b{l}"] = np.zeros(n_out)
    return weights


def _identical_units(net: Network) -> list[bool]:
    out = []
    for layer in net.layers[:-1]:
        W, b = np.asarray(layer.W), np.asarray(layer.b)
        out.append(bool(np.allclose(W, W[:, :1], rtol=1e-9, atol=1e-12) and np.allclose(b, b[0])))
    return out


def _run_one(init, weights, X, y, X_test, y_test, network_kwargs, fit_kwargs, seed, bins):
    net = Network(
        list(network_kwargs["layer_sizes"]),
        **{k: v for k, v in network_kwargs.items() if k != "layer_sizes"},
        init=init,
        seed=seed,
    )
    if weights is not None:
        net.set_weights(weights)
    Xc, targets = net.check_inputs(X), net.prepare_targets(y, X.shape[0])
    thresholds = dict(
        gradient_orders=2.0, saturation_level=0.99, saturation_threshold=0.5, dead_threshold=0.5
    )
    initial = _health(net, Xc, targets, bins=bins, **thresholds)
    history = fit(net, X, y, seed=seed, metrics_every=0, **fit_kwargs)
    final = _health(net, Xc, targets, bins=bins, **thresholds)
    return InitializationRun(
        init=init,
        cost=[float(c) for c in history.cost],
        train_accuracy=1.0 - net.error(X, y),
        test_accuracy=1.0 - net.error(X_test, y_test),
        units_identical=_identical_units(net),
        initial_health=initial,
        final_health=final,
        diverged=bool(history.diverged),
    )


def compare_initializations(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    layer_sizes: Sequence[int] = COURSE_LAYER_SIZES,
    inits: Sequence[str] = ("zeros", "random", "xavier", "he"),
    activation: str = "relu",
    random_scale: float = 10.0,
    learning_rate: float = 0.01,
    epochs: int = 15000,
    optimizer: str = "gd",
    batch_size: int | None = None,
    weights_from: str = "seed",
    initial_weights: Mapping[str, Mapping[str, Any]] | None = None,
    dtype: Any = np.float64,
    seed: int = 0,
    bins: int = 30,
    n_jobs: int | None = None,
) -> InitializationComparison:
    """Train the same network once per initialization and compare them.

    Args:
        X_train, y_train, X_test, y_test: a binary classification task (rows are examples).
        layer_sizes: the network, inputs first; the default is the course's 2-10-5-1.
        inits: initializer names (``zeros``, ``random``, ``xavier``, ``he``, ``glorot``,
            ``lecun``).
        activation: the hidden activation (the course: ReLU; the output is always sigmoid).
        random_scale: the factor of ``random`` (the course's 10).
        learning_rate, epochs, optimizer, batch_size: the training (the course: gradient
            descent, 0.01, 15000 full-batch iterations).
        weights_from: ``"seed"`` (``default_rng(seed)``) or ``"course"`` (the assignment's
            ``np.random.seed(3)`` stream, which reproduces its published accuracies).
        initial_weights: explicit starting weights per init name (``{"he": {"W1": ...}}``);
            they override ``weights_from`` for those inits.
        dtype: float64 by default, as in the course.
        seed: drives ``weights_from="seed"`` and the mini-batch shuffling.
        n_jobs: joblib workers for the inits (``None`` follows ``joblib.parallel_config``).
    """
    X_train = check_array("X_train", X_train, ndim=2)
    X_test = check_array("X_test", X_test, ndim=2)
    inits = [check_choice("inits entry", name, INITIALIZERS) for name in inits]
    if not inits:
        raise DeepRecipeError(f"inits is empty; accepted: some of {', '.join(INITIALIZERS)}")
    weights_from = check_choice("weights_from", weights_from, WEIGHT_SOURCES)
    random_scale = check_number("random_scale", random_scale, low=0.0)
    explicit = dict(initial_weights or {})
    unknown = set(explicit) - set(inits)
    if unknown:
        raise DeepRecipeError(
            f"initial_weights has entries for {sorted(unknown)}, which are not in inits={inits}"
        )
    network_kwargs = {
        "layer_sizes": list(layer_sizes),
        "activation": activation,
        "loss": TASKS["binary"].name,
        "init_scale": random_scale,
        "dtype": dtype,
    }
    fit_kwargs = {
        "optimizer": optimizer,
        "learning_rate": learning_rate,
        "epochs": epochs,
        "batch_size": batch_size,
    }
    tasks = []
    for init in inits:
        if init in explicit:
            weights = explicit[init]
        elif weights_from == "course":
            weights = course_weights(layer_sizes, init, random_scale=random_scale)
        else:
            weights = None
        tasks.append(
            (
                init,
                weights,
                X_train,
                y_train,
                X_test,
                y_test,
                network_kwargs,
                fit_kwargs,
                seed,
                bins,
            )
        )

    runs = run_parallel(_run_one, tasks, n_jobs)
    settings = {
        **{k: v for k, v in network_kwargs.items() if k != "dtype"},
        "dtype": np.dtype(dtype).name,
        **fit_kwargs,
        "weights_from": weights_from,
        "seed": seed,
        "explicit_weights": sorted(explicit),
    }
    return InitializationComparison(runs={run.init: run for run in runs}, settings=settings)
