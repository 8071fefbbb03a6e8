"""Hyperparameter checks for the estimators, run at ``fit`` time (never in ``__init__``).

scikit-learn's contract is that ``__init__`` only stores what it is given and ``set_params`` never
raises; every value is checked here, when training starts, with a :class:`DeepRecipeError` that
names the parameter and what it accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import check_choice, check_number
from deeprecipe.data import SCALERS
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn import ACTIVATIONS, INITIALIZERS
from deeprecipe.train import OPTIMIZERS, NetworkSpec

DTYPE_NAMES = ("float32", "float64")


@dataclass(frozen=True)
class Settings:
    """The estimator's hyperparameters, checked and in canonical form."""

    hidden_layer_sizes: tuple[int, ...]
    activation: str | list[str]
    init: str | None
    l2: float
    keep_prob: float | list[float]
    optimizer: str
    learning_rate: float
    batch_size: int | None
    max_epochs: int
    early_stopping: bool
    validation_fraction: float
    patience: int
    normalize: str | None
    dtype: str
    warm_start: bool

    def network_spec(self) -> NetworkSpec:
        """The network and its training as the one spec every face builds from."""
        return NetworkSpec(
            hidden=self.hidden_layer_sizes,
            activation=_tupled(self.activation),
            init=self.init,
            l2=self.l2,
            keep_prob=_tupled(self.keep_prob),
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            epochs=self.max_epochs,
            batch_size=self.batch_size,
            dtype=self.dtype,
        )


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DeepRecipeTypeError(f"{name}={value!r} must be True or False")
    return bool(value)


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


def check_settings(params: dict[str, Any]) -> Settings:
    """Check every hyperparameter; return them canonical. Raises DeepRecipeError."""
    hidden = check_hidden_layer_sizes(params["hidden_layer_sizes"])
    n_hidden = len(hidden)
    activation = _per_layer(
        "activation", params["activation"], n_hidden,
        lambda a: check_choice("activation", a, ACTIVATIONS),
    )
    init = params["init"]
    init = None if init is None else check_choice("init", init, INITIALIZERS)
    keep_prob = _per_layer(
        "keep_prob", params["keep_prob"], n_hidden,
        lambda k: check_number("keep_prob", k, low=0.0, high=1.0, low_inclusive=False),
    )
    batch_size = params["batch_size"]
    if batch_size is not None:
        batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
    return Settings(
        hidden_layer_sizes=hidden,
        activation=activation,
        init=init,
        l2=check_number("l2", params["l2"], low=0.0),
        keep_prob=keep_prob,
        optimizer=check_choice("optimizer", params["optimizer"], OPTIMIZERS),
        learning_rate=check_number(
            "learning_rate", params["learning_rate"], low=0.0, low_inclusive=False
        ),
        batch_size=batch_size,
        max_epochs=int(check_number("max_epochs", params["max_epochs"], low=1, integer=True)),
        early_stopping=_check_bool("early_stopping", params["early_stopping"]),
        validation_fraction=check_number(
            "validation_fraction", params["validation_fraction"], low=0.0, high=1.0,
            low_inclusive=False, high_inclusive=False,
        ),
        patience=int(check_number("patience", params["patience"], low=1, integer=True)),
        normalize=check_normalize(params["normalize"]),
        dtype=check_dtype(params["dtype"]),
        warm_start=_check_bool("warm_start", params["warm_start"]),
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
