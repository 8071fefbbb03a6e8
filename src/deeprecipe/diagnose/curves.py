"""Learning curves and validation curves: train and dev error against data size or a setting.

A learning curve trains the same network on growing subsets of the training set: when the dev
error is still falling at the largest size (and the gap to the train error is wide), more data
would help; when both curves have met at a high error, the problem is bias and more data will
not. A validation curve trains one network per value of a hyperparameter (lambda, keep_prob,
width, learning rate...): train error rises with regularization while the dev error dips to a
minimum, the value to keep.

Every training point is independent, so they run through :class:`joblib.Parallel`. ``n_jobs``
(default ``None``) follows an active ``joblib.parallel_config`` (threads, processes, or a Dask
cluster with ``parallel_config(backend="dask")``), else runs sequentially.

Seeding uses common random numbers: repeat ``r`` draws one subset order, one set of initial
weights and one shuffling stream from ``SeedSequence(seed)``, and reuses them at every point of
the curve, so the points differ only by the size or the value under study. Same seed, same
curve, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe._validation import check_array, check_number, check_seed_sequence
from deeprecipe.diagnose._parallel import run_parallel
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn.network import CONFIG_KEYS, Network
from deeprecipe.train.trainer import fit

#: prefix that sends a validation-curve parameter to ``fit`` instead of the network factory
FIT_PREFIX = "fit__"
#: default learning-curve sizes, as fractions of the training set
DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)

NetworkFactory = Callable[..., Network] | Mapping[str, Any] | Network


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Curve:
    """Train and dev figures per point of a curve, as plain data.

    ``train_errors[i][r]`` is the train error of point ``i`` in repeat ``r`` (likewise
    ``dev_errors``, ``train_costs``, ``dev_costs``). ``train_costs`` are J, the training
    objective (L2 term included); ``dev_costs`` the dev loss alone (cross-entropy or squared
    error), which compares across values of lambda. ``metric`` names what ``*_error`` measures:
    ``"error"`` (misclassification rate) or ``"mse"`` (the regression networks' error).
    """

    param_name: str
    values: list[Any]
    train_errors: list[list[float]]
    dev_errors: list[list[float]]
    train_costs: list[list[float]]
    dev_costs: list[list[float]]
    metric: str
    seed: int | None
    diverged: list[list[bool]] = field(default_factory=list)

    kind = "curve"

    @property
    def train_error(self) -> list[float]:
        """Mean train error per point (over repeats)."""
        return [float(np.mean(row)) for row in self.train_errors]

    @property
    def dev_error(self) -> list[float]:
        """Mean dev error per point (over repeats)."""
        return [float(np.mean(row)) for row in self.dev_errors]

    @property
    def train_error_std(self) -> list[float]:
        return [float(np.std(row)) for row in self.train_errors]

    @property
    def dev_error_std(self) -> list[float]:
        return [float(np.std(row)) for row in self.dev_errors]

    @property
    def repeats(self) -> int:
        return len(self.train_errors[0]) if self.train_errors else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, the per-point means included."""
        return {
            "kind": self.kind,
            "param_name": self.param_name,
            "values": [_plain(v) for v in self.values],
            "train_error": self.train_error,
            "dev_error": self.dev_error,
            "train_error_std": self.train_error_std,
            "dev_error_std": self.dev_error_std,
            "train_errors": self.train_errors,
            "dev_errors": self.dev_errors,
            "train_costs": self.train_costs,
            "dev_costs": self.dev_costs,
            "diverged": self.diverged,
            "metric": self.metric,
            "seed": self.seed,
            "repeats": self.repeats,
        }

    def default_index(self) -> int:
        """The point :meth:`diagnose` reads by default."""
        return len(self.values) - 1

    def diagnose(
        self, bayes_error: float | None = None, *, index: int | None = None, **tolerances: Any
    ):
        """:func:`~deeprecipe.diagnose.diagnose` on the mean errors of one point: by default the
        largest training set (learning curve) or the value with the lowest dev error
        (validation curve). ``tolerances`` go to ``diagnose``."""
        from deeprecipe.diagnose.bias_variance import diagnose

        i = self.default_index() if index is None else int(index)
        metric = "error" if self.metric == "error" else "loss"
        return diagnose(
            self.train_error[i], self.dev_error[i], bayes_error, metric=metric, **tolerances
        )

    def __repr__(self) -> str:
        best = f", best={self.values[self.default_index()]!r}" if self.kind == "validation" else ""
        return (
            f"{type(self).__name__}({self.param_name!r}, {len(self.values)} points, "
            f"metric={self.metric!r}, repeats={self.repeats}{best})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: train and dev error per point, beside the plot."""
        from deeprecipe.diagnose.display import curve_html

        return curve_html(self)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Draw the curve (matplotlib, headless); returns the Figure. See :mod:`.plots`."""
        from deeprecipe.diagnose.plots import plot_curve

        return plot_curve(self, ax=ax, title=title)


@dataclass(frozen=True, repr=False)
class LearningCurve(Curve):
    """:func:`learning_curve`'s result: ``values`` are training-set sizes (also ``sizes``)."""

    kind = "learning"

    @property
    def sizes(self) -> list[int]:
        return list(self.values)


@dataclass(frozen=True, repr=False)
class ValidationCurve(Curve):
    """:func:`validation_curve`'s result: ``values`` of the hyperparameter ``param_name``."""

    kind = "validation"

    @property
    def best_index(self) -> int:
        """Index of the lowest mean dev error; on a tie, of the lowest mean dev loss among the
        tied (the recipe's rule: an error rate ties often on a small dev set, the loss
        rarely), then the first."""
        errors = np.asarray(self.dev_error)
        tied = np.flatnonzero(errors == np.nanmin(errors)) if np.isfinite(errors).any() else [0]
        losses = [float(np.mean(self.dev_costs[i])) for i in tied]
        return int(tied[int(np.nanargmin(losses))]) if np.isfinite(losses).any() else int(tied[0])

    @property
    def best_value(self) -> Any:
        """The value with the lowest mean dev error."""
        return self.values[self.best_index]

    def default_index(self) -> int:
        return self.best_index

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["best_value"] = _plain(self.best_value)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- one training
def _build(make_network: NetworkFactory, params: Mapping[str, Any], init_seed: int) -> Network:
    """A fresh network for one point: built from the factory, weights redrawn from the seed."""
    if isinstance(make_network, Network) and not params:
        net = make_network.copy()
    elif isinstance(make_network, (Network, Mapping)):
        base = make_network.config if isinstance(make_network, Network) else make_network
        unknown = sorted(set(params) - set(CONFIG_KEYS))
        if unknown:
            raise DeepRecipeError(
                f"parameter(s) {unknown} are not network settings; accepted: Network settings "
                f"({', '.join(CONFIG_KEYS)}), or 'fit__<name>' for a fit argument"
            )
        net = Network.from_config({**base, **params}, seed=init_seed)
    else:
        net = make_network(**params)
        if not isinstance(net, Network):
            raise DeepRecipeTypeError(
                f"make_network returned {type(net).__name__}; accepted: a deeprecipe Network"
            )
    net.rng = np.random.default_rng(init_seed)
    net.initialize()
    return net


def _train_point(
    make_network: NetworkFactory,
    params: Mapping[str, Any],
    fit_kwargs: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    X_dev: np.ndarray,
    y_dev: np.ndarray,
    init_seed: int,
    fit_seed: int,
) -> tuple[float, float, float, float, bool, str]:
    net = _build(make_network, params, init_seed)
    history = fit(net, X, y, seed=fit_seed, metrics_every=0, **fit_kwargs)
    metric = net.task.metric
    return (
        net.error(X, y),
        net.error(X_dev, y_dev),
        net.cost(X, y),
        net.cost(X_dev, y_dev, l2_term=False),  # comparable across lambdas
        bool(history.diverged),
        metric,
    )


def _run(tasks: list[tuple], n_jobs: int | None) -> list[tuple]:
    return run_parallel(_train_point, tasks, n_jobs)


def _repeat_seeds(seed: int | None, repeats: int) -> list[tuple[int, int, int]]:
    """(subset, init, fit) integer seeds per repeat, all from one SeedSequence."""
    out = []
    for child in check_seed_sequence(seed).spawn(repeats):
        a, b, c = (int(s) for s in child.generate_state(3, np.uint32))
        out.append((a, b, c))
    return out


def _check_data(X_train, y_train, X_dev, y_dev):
    X_train = check_array("X_train", X_train, ndim=2)
    X_dev = check_array("X_dev", X_dev, ndim=2)
    y_train, y_dev = np.asarray(y_train), np.asarray(y_dev)
    if y_train.shape[0] != X_train.shape[0]:
        raise DeepRecipeError(
            f"y_train has {y_train.shape[0]} rows but X_train has {X_train.shape[0]}; "
            "accepted: one label per row"
        )
    if y_dev.shape[0] != X_dev.shape[0]:
        raise DeepRecipeError(
            f"y_dev has {y_dev.shape[0]} rows but X_dev has {X_dev.shape[0]}; "
            "accepted: one label per row"
        )
    if X_dev.shape[1] != X_train.shape[1]:
        raise DeepRecipeError(
            f"X_dev has {X_dev.shape[1]} features but X_train has {X_train.shape[1]}; "
            "accepted: the same columns"
        )
    return X_train, y_train, X_dev, y_dev


def _check_factory(make_network: Any) -> None:
    if not (isinstance(make_network, (Network, Mapping)) or callable(make_network)):
        raise DeepRecipeTypeError(
            f"make_network={make_network!r}; accepted: a function returning a Network, "
            "a Network config dict, or a Network to copy"
        )


def _check_fit_kwargs(fit_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    if fit_kwargs is not None and not isinstance(fit_kwargs, Mapping):
        raise DeepRecipeTypeError(f"fit_kwargs={fit_kwargs!r}; accepted: a dict of fit arguments")
    fit_kwargs = dict(fit_kwargs or {})
    accepted = "epochs, learning_rate, optimizer, batch_size, callbacks, augment, divergence_guard"
    reserved = {"seed", "metrics_every", "X_dev", "y_dev"} & set(fit_kwargs)
    if reserved:
        raise DeepRecipeError(
            f"fit_kwargs sets {sorted(reserved)}, which the curve controls; accepted: {accepted}"
        )
    unknown = set(fit_kwargs) - set(accepted.split(", "))
    if unknown:
        raise DeepRecipeError(f"fit_kwargs has unknown {sorted(unknown)}; accepted: {accepted}")
    return fit_kwargs


def _sizes(sizes: Sequence[float] | None, m: int) -> list[int]:
    sizes = DEFAULT_FRACTIONS if sizes is None else sizes
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
        raise DeepRecipeTypeError(
            f"sizes={sizes!r}; accepted: a list of fractions in (0, 1] or of row counts"
        )
    out = []
    for s in sizes:
        if isinstance(s, (float, np.floating)):
            frac = check_number("sizes entry", s, low=0.0, high=1.0, low_inclusive=False)
            out.append(max(1, int(round(frac * m))))
        else:
            out.append(int(check_number("sizes entry", s, low=1, high=m, integer=True)))
    if not out:
        raise DeepRecipeError("sizes is empty; accepted: at least one training-set size")
    return sorted(set(out))


# --------------------------------------------------------------------------- the curves
def learning_curve(
    make_network: NetworkFactory,
    X_train: Any,
    y_train: Any,
    X_dev: Any,
    y_dev: Any,
    *,
    sizes: Sequence[float] | None = None,
    fit_kwargs: Mapping[str, Any] | None = None,
    repeats: int = 1,
    n_jobs: int | None = None,
    seed: int | None = 0,
) -> LearningCurve:
    """Train on growing subsets of the training set; measure train and dev error at each size.

    Args:
        make_network: ``make_network() -> Network``, a Network config dict, or a Network
            (copied). Each point redraws the initial weights from its seed with the network's
            own initializer, so every size starts from the same weights within a repeat.
        X_train, y_train: the training set; subsets are nested (the first ``n`` rows of one
            seeded permutation per repeat).
        X_dev, y_dev: the dev set, always used whole.
        sizes: fractions in (0, 1] (floats) or row counts (ints); default 10%, 25%, 50%,
            75%, 100%.
        fit_kwargs: passed to :func:`deeprecipe.train.fit` (``epochs``, ``learning_rate``,
            ``optimizer``, ``batch_size``, ...). Callbacks given here are shared by every
            training: use ones that reset in ``on_train_begin`` (as ``EarlyStopping`` does),
            and a process backend when trainings run in threads.
        repeats: independent repetitions (other subsets, weights and shuffles); the result
            keeps every one and reports the mean and standard deviation.
        n_jobs: joblib workers; ``None`` follows ``joblib.parallel_config`` (sequential
            by default).
        seed: the root of every random draw.
    """
    _check_factory(make_network)
    X_train, y_train, X_dev, y_dev = _check_data(X_train, y_train, X_dev, y_dev)
    fit_kwargs = _check_fit_kwargs(fit_kwargs)
    repeats = int(check_number("repeats", repeats, low=1, integer=True))
    m = X_train.shape[0]
    size_list = _sizes(sizes, m)
    seeds = _repeat_seeds(seed, repeats)
    tasks = []
    for n in size_list:
        for subset_seed, init_seed, fit_seed in seeds:
            index = np.random.default_rng(subset_seed).permutation(m)[:n]
            tasks.append(
                (
                    make_network,
                    {},
                    fit_kwargs,
                    X_train[index],
                    y_train[index],
                    X_dev,
                    y_dev,
                    init_seed,
                    fit_seed,
                )
            )
    return _collect(LearningCurve, "n_train", size_list, _run(tasks, n_jobs), repeats, seed)


def validation_curve(
    make_network: NetworkFactory,
    param_name: str,
    values: Sequence[Any],
    X_train: Any,
    y_train: Any,
    X_dev: Any,
    y_dev: Any,
    *,
    fit_kwargs: Mapping[str, Any] | None = None,
    repeats: int = 1,
    n_jobs: int | None = None,
    seed: int | None = 0,
) -> ValidationCurve:
    """Train one network per value of ``param_name``; measure train and dev error for each.

    ``make_network(**{param_name: value})`` builds each network (with a config dict or a
    Network, the value replaces that config entry: ``l2``, ``keep_prob``, ``layer_sizes``,
    ``activation``...). A name starting with ``fit__`` goes to :func:`~deeprecipe.train.fit`
    instead: ``"fit__learning_rate"``, ``"fit__epochs"``, ``"fit__batch_size"``. Within a repeat
    every value starts from weights drawn from the same seed (see :func:`learning_curve` for the
    other arguments).
    """
    _check_factory(make_network)
    if not isinstance(param_name, str) or not param_name or param_name == FIT_PREFIX:
        raise DeepRecipeTypeError(
            f"param_name={param_name!r}; accepted: a network setting such as 'l2', or "
            "'fit__<name>' for a fit argument such as 'fit__learning_rate'"
        )
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray):
        raise DeepRecipeTypeError(f"values={values!r}; accepted: a list of values to try")
    values = list(values)
    if not values:
        raise DeepRecipeError("values is empty; accepted: at least one value to try")
    X_train, y_train, X_dev, y_dev = _check_data(X_train, y_train, X_dev, y_dev)
    fit_kwargs = _check_fit_kwargs(fit_kwargs)
    repeats = int(check_number("repeats", repeats, low=1, integer=True))
    to_fit = param_name.startswith(FIT_PREFIX)
    name = param_name[len(FIT_PREFIX) :] if to_fit else param_name
    if to_fit:
        _check_fit_kwargs({name: None})
    seeds = _repeat_seeds(seed, repeats)
    tasks = []
    for value in values:
        params = {} if to_fit else {name: value}
        kwargs = {**fit_kwargs, name: value} if to_fit else fit_kwargs
        for _, init_seed, fit_seed in seeds:
            tasks.append(
                (make_network, params, kwargs, X_train, y_train, X_dev, y_dev, init_seed, fit_seed)
            )
    return _collect(ValidationCurve, param_name, values, _run(tasks, n_jobs), repeats, seed)


def _collect(cls, param_name, values, results, repeats, seed):
    def grid(k):
        return [[results[i * repeats + r][k] for r in range(repeats)] for i in range(len(values))]

    return cls(
        param_name=param_name,
        values=list(values),
        train_errors=grid(0),
        dev_errors=grid(1),
        train_costs=grid(2),
        dev_costs=grid(3),
        diverged=grid(4),
        metric=results[0][5],
        seed=seed,
    )
