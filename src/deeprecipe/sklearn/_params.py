"""Hyperparameter checks for the estimators, run at ``fit`` time (never in ``__init__``).

scikit-learn's contract is that ``__init__`` only stores what it is given and ``set_params`` never
raises; every value is checked here, when training starts, with a :class:`DeepRecipeError` that
names the parameter and what it accepts.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._threads import check_threads
from deeprecipe._validation import check_choice, check_number
from deeprecipe.data import SCALERS
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn import ACTIVATIONS, INITIALIZERS
from deeprecipe.nn.activations import Activation
from deeprecipe.nn.backends import BACKENDS, Backend, get_backend
from deeprecipe.train import OPTIMIZERS, NetworkSpec, Optimizer, get_optimizer

#: scikit-learn's names of activations that deeprecipe names otherwise
SKLEARN_ACTIVATIONS = {"logistic": "sigmoid"}
DTYPE_NAMES = ("float32", "float64")


#: learning-rate schedules, scikit-learn's ``learning_rate`` (used by ``solver="sgd"``/``"gd"``)
SCHEDULES = ("constant", "invscaling", "adaptive")

#: deeprecipe's earlier parameter names -> scikit-learn's, the one home of each setting
#: (``learning_rate`` given as a number is the fifth: it means ``learning_rate_init``)
ALIASES = {
    "l2": "alpha",
    "optimizer": "solver",
    "max_epochs": "max_iter",
    "patience": "n_iter_no_change",
}


@dataclass(frozen=True)
class Settings:
    """The estimator's hyperparameters, checked, aliases resolved, in canonical form."""

    hidden_layer_sizes: tuple[int, ...]
    activation: str | list[str]
    init: str | None
    alpha: float
    keep_prob: float | list[float]
    solver: str
    learning_rate: str
    learning_rate_init: float
    power_t: float
    momentum: float
    beta_1: float
    beta_2: float
    epsilon: float
    batch_size: int | None
    max_iter: int
    shuffle: bool
    tol: float
    verbose: bool
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    normalize: str | None
    dtype: str
    warm_start: bool
    place: Backend
    n_threads: int | None

    def network_spec(self) -> NetworkSpec:
        """The network and its training as the one spec every face builds from."""
        return NetworkSpec(
            hidden=self.hidden_layer_sizes,
            activation=_tupled(self.activation),
            init=self.init,
            l2=self.alpha,
            keep_prob=_tupled(self.keep_prob),
            optimizer=self.solver,
            learning_rate=self.learning_rate_init,
            epochs=self.max_iter,
            batch_size=self.batch_size,
            dtype=self.dtype,
        )

    def optimizer(self) -> Optimizer:
        """A fresh optimizer of the spec's kind and step, with the solver's own constants."""
        spec = self.network_spec()
        if self.solver == "adam":
            options = {"beta1": self.beta_1, "beta2": self.beta_2, "epsilon": self.epsilon}
        elif self.solver == "momentum":
            options = {"beta": self.momentum}
        else:
            options = {}
        return get_optimizer(spec.optimizer, spec.learning_rate, **options)


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DeepRecipeTypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def _check_activation(value: Any) -> str:
    """A built-in activation's name (scikit-learn's "logistic" for the sigmoid too); your own
    :class:`~deeprecipe.nn.Activation` is refused with where it does go."""
    if isinstance(value, Activation):
        raise DeepRecipeTypeError(
            f"activation={value.name!r} is an Activation of your own; the estimators take the "
            f"built-in names ({', '.join(sorted(ACTIVATIONS))}), so that their model files "
            "load back anywhere; train your own in a deeprecipe.Network with deeprecipe.fit"
        )
    return check_choice(
        "activation",
        SKLEARN_ACTIVATIONS.get(value, value) if isinstance(value, str) else value,
        ACTIVATIONS,
    )


def _per_layer(name: str, value: Any, n_hidden: int, check) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) != n_hidden:
            raise DeepRecipeError(
                f"{name} has {len(value)} entries but hidden_layer_sizes has {n_hidden} layers; "
                "accepted: one value, or one per hidden layer"
            )
        return [check(v) for v in value]
    return check(value)


def check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    """An int, or a sequence of positive ints (empty: no hidden layer, a linear model)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise DeepRecipeTypeError(
            f"hidden_layer_sizes={value!r}; accepted: a positive int or a sequence of positive "
            "ints such as (100,) or (64, 32)"
        )
    return tuple(
        int(check_number("hidden_layer_sizes entry", n, low=1, integer=True)) for n in value
    )


def check_normalize(value: Any) -> str | None:
    """True/"standardize" -> "standardize"; "minmax"; False/None/"none" -> None."""
    if value is None or value is False or (isinstance(value, np.bool_) and not value):
        return None
    if value is True or isinstance(value, np.bool_):
        return "standardize"
    if isinstance(value, str) and value.lower() == "none":
        return None
    if not isinstance(value, str) or value.lower() not in SCALERS:
        raise DeepRecipeError(
            f"normalize={value!r} is not known; accepted: True, False, "
            f"{', '.join(repr(k) for k in SCALERS)}"
        )
    return value.lower()


def check_dtype(value: Any) -> str:
    """``"float32"``/``"float64"`` or the NumPy types themselves."""
    try:
        name = np.dtype(value).name
    except TypeError:
        name = value
    return check_choice("dtype", name, DTYPE_NAMES)


def _given(value: Any, default: Any) -> bool:
    """Whether ``value`` differs from ``default`` (numbers compared by value)."""
    try:
        return bool(value != default)
    except (TypeError, ValueError):  # arrays and other exotic values: treat as given
        return True


def resolve_aliases(
    params: dict[str, Any], defaults: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Fold deeprecipe's earlier names into scikit-learn's. Return the parameters without
    them, and for each setting given by its earlier name, that name (errors use it).

    An alias left at None defers to its scikit-learn name. An alias that is set wins over a
    scikit-learn name left at its default; when both are set to different values, neither may
    silently win: a DeepRecipeError names both. ``learning_rate`` given as a number is the
    earlier name of ``learning_rate_init`` (the schedule is then ``"constant"``); given as a
    string it is scikit-learn's schedule.
    """
    out = dict(params)
    given_as: dict[str, str] = {}
    pairs = [(alias, name, out.pop(alias)) for alias, name in ALIASES.items()]
    rate = out["learning_rate"]
    if _is_rate(rate):
        pairs.append(("learning_rate", "learning_rate_init", rate))
        out["learning_rate"] = "constant"
    for alias, name, value in pairs:
        if value is None:
            continue
        if _given(out[name], defaults[name]) and _given(out[name], value):
            raise DeepRecipeError(
                f"{alias}={value!r} and {name}={out[name]!r} set the same thing ({alias} is "
                f"deeprecipe's earlier name for scikit-learn's {name}); give only {name}"
            )
        out[name] = value
        given_as[name] = alias
    return out, given_as


def _is_rate(value: Any) -> bool:
    """``learning_rate`` given as a number: the earlier name of ``learning_rate_init``."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def one_name_per_setting(
    params: dict[str, Any], current: dict[str, Any], defaults: dict[str, Any]
) -> dict[str, Any]:
    """``set_params``'s updates, with the other name of each setting they give reset (an
    alias to None, a scikit-learn name to its default): the value set last is the one that
    trains. Without this an estimator built with ``l2=5.0`` kept training at 5.0 through a
    GridSearchCV over ``alpha`` whose value equalled the default, while ``cv_results_``
    reported that ``alpha``."""
    out = dict(params)
    schedule_only = isinstance(out.get("learning_rate"), str) and "learning_rate_init" not in out
    if schedule_only and _is_rate(current.get("learning_rate")):
        # the number held the step size: a schedule set over it (a grid over "constant",
        # "adaptive") keeps that step size rather than falling back to the default 0.001
        out["learning_rate_init"] = current["learning_rate"]
    pairs = [*ALIASES.items(), ("learning_rate", "learning_rate_init")]
    for alias, name in pairs:
        alias_set = alias in out and (
            _is_rate(out[alias]) if alias == "learning_rate" else out[alias] is not None
        )
        if name in out and alias not in out:
            held = current.get(alias)
            if _is_rate(held) if alias == "learning_rate" else held is not None:
                out[alias] = defaults[alias]
        elif alias_set and name not in out:
            out[name] = defaults[name]
    return out


def check_place(backend: Any, device: Any) -> Backend:
    """Where the network lives: ``backend`` a name (or None: NumPy, or for a GPU ``device``
    PyTorch when installed, else CuPy), ``device`` a string like ``"cuda:1"`` or a
    ``torch.device``. Backend objects are refused: parameters are plain values, which clone
    copies and model files store."""
    if backend is not None and not isinstance(backend, str):
        raise DeepRecipeTypeError(
            f"backend={backend!r}; accepted: None or one of {', '.join(map(repr, BACKENDS))}"
        )
    return get_backend(backend, device)


def check_batch_size(value: Any) -> int | None:
    """``"auto"`` (scikit-learn's: min(200, n_samples)), a positive int, or None (full batch)."""
    if isinstance(value, str) and value == "auto":
        return 200
    if value is None:
        return None
    if isinstance(value, str):
        raise DeepRecipeError(
            f"batch_size={value!r}; accepted: 'auto' (200), a positive int, or None (full batch)"
        )
    return int(check_number("batch_size", value, low=1, integer=True))


def check_schedule(value: Any) -> str:
    """scikit-learn's schedule name (a number was resolved to ``learning_rate_init`` before)."""
    if not isinstance(value, str) or value.lower() not in SCHEDULES:
        raise DeepRecipeError(
            f"learning_rate={value!r} is not known; accepted: {', '.join(map(repr, SCHEDULES))} "
            "(scikit-learn's schedules), or a positive number (the step size, as "
            "learning_rate_init)"
        )
    return value.lower()


def check_solver(name: str, value: Any) -> str:
    if isinstance(value, str) and value == "lbfgs":
        raise DeepRecipeError(
            f"{name}='lbfgs' is not available: deeprecipe trains with the course's first-order "
            f"updates; accepted: {', '.join(repr(k) for k in OPTIMIZERS)} (for a small dataset, "
            "solver='adam' with batch_size=None trains full-batch)"
        )
    return check_choice(name, value, OPTIMIZERS)


def _check_mlp_only(params: dict[str, Any], defaults: dict[str, Any], solver_name: str) -> None:
    """MLPClassifier's parameters that no solver here uses, accepted so that its code runs:
    ``max_fun`` (L-BFGS's, which is refused), ``nesterovs_momentum`` and ``momentum`` with the
    plain ``sgd`` (scikit-learn's ``sgd`` adds Nesterov momentum; here ``momentum`` is the
    ``solver="momentum"``'s beta): a momentum set for ``sgd`` is warned about, not ignored
    silently."""
    _check_bool("nesterovs_momentum", params["nesterovs_momentum"])
    check_number("max_fun", params["max_fun"], low=1, integer=True)
    if params["solver"] in ("sgd", "gd") and _given(params["momentum"], defaults["momentum"]):
        warnings.warn(
            f"momentum={params['momentum']!r} has no effect with {solver_name}="
            f"{params['solver']!r}, which is plain gradient descent here (scikit-learn's sgd "
            "adds Nesterov momentum); solver='momentum' uses it as its beta",
            UserWarning,
            stacklevel=4,
        )


def check_settings(params: dict[str, Any], defaults: dict[str, Any]) -> Settings:
    """Check every hyperparameter, resolve the aliases; return them canonical. Raises
    DeepRecipeError. ``defaults`` are the estimator's ``__init__`` defaults."""
    params, given_as = resolve_aliases(params, defaults)

    def named(name: str) -> str:  # the name the user gave the setting by
        return given_as.get(name, name)

    hidden = check_hidden_layer_sizes(params["hidden_layer_sizes"])
    n_hidden = len(hidden)
    _check_mlp_only(params, defaults, named("solver"))
    activation = _per_layer(
        "activation",
        params["activation"],
        n_hidden,
        _check_activation,
    )
    init = params["init"]
    init = None if init is None else check_choice("init", init, INITIALIZERS)
    keep_prob = _per_layer(
        "keep_prob",
        params["keep_prob"],
        n_hidden,
        lambda k: check_number("keep_prob", k, low=0.0, high=1.0, low_inclusive=False),
    )

    def unit_open(name: str) -> float:
        return check_number(name, params[name], low=0.0, high=1.0, high_inclusive=False)

    return Settings(
        hidden_layer_sizes=hidden,
        activation=activation,
        init=init,
        alpha=check_number(named("alpha"), params["alpha"], low=0.0),
        keep_prob=keep_prob,
        solver=check_solver(named("solver"), params["solver"]),
        learning_rate=check_schedule(params["learning_rate"]),
        learning_rate_init=check_number(
            named("learning_rate_init"),
            params["learning_rate_init"],
            low=0.0,
            low_inclusive=False,
        ),
        power_t=check_number("power_t", params["power_t"], low=0.0),
        momentum=unit_open("momentum"),
        beta_1=unit_open("beta_1"),
        beta_2=unit_open("beta_2"),
        epsilon=check_number("epsilon", params["epsilon"], low=0.0, low_inclusive=False),
        batch_size=check_batch_size(params["batch_size"]),
        max_iter=int(check_number(named("max_iter"), params["max_iter"], low=1, integer=True)),
        shuffle=_check_bool("shuffle", params["shuffle"]),
        tol=check_number("tol", params["tol"], low=0.0),
        verbose=_check_bool("verbose", params["verbose"]),
        early_stopping=_check_bool("early_stopping", params["early_stopping"]),
        validation_fraction=check_number(
            "validation_fraction",
            params["validation_fraction"],
            low=0.0,
            high=1.0,
            low_inclusive=False,
            high_inclusive=False,
        ),
        n_iter_no_change=int(
            check_number(named("n_iter_no_change"), params["n_iter_no_change"], low=1, integer=True)
        ),
        normalize=check_normalize(params["normalize"]),
        dtype=check_dtype(params["dtype"]),
        warm_start=_check_bool("warm_start", params["warm_start"]),
        place=check_place(params["backend"], params["device"]),
        n_threads=None if params["n_threads"] is None else check_threads(params["n_threads"]),
    )


def seed_sequence(random_state: Any) -> np.random.SeedSequence:
    """A SeedSequence from scikit-learn's ``random_state`` (None, int or RandomState) or a
    NumPy Generator. ``None`` draws fresh entropy, as in scikit-learn."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise DeepRecipeError(
                f"random_state={random_state!r} must be None, a non-negative int, a "
                "numpy.random.RandomState or a numpy.random.Generator"
            )
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(np.iinfo(np.int32).max)))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    raise DeepRecipeTypeError(
        f"random_state={random_state!r} must be None, a non-negative int, a "
        "numpy.random.RandomState or a numpy.random.Generator"
    )
