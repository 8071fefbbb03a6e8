"""One network spec and its one build path, for ``deeprecipe train``, the recipe and the estimators.

A :class:`NetworkSpec` is everything that says how one network is made and trained: the hidden
sizes, activation and initialization, the L2 strength lambda of ``J + (lambda / (2m)) sum
||W[l]||_F^2`` and the inverted-dropout ``keep_prob``, the optimizer and its learning rate, epochs,
mini-batch size, augmentation, early stopping, and what the recipe's trials add (how often the
figures are measured, a share of the training set, the float type, the seed). It is frozen and
checked when it is made; a change is a new spec, through :meth:`NetworkSpec.replace`, checked
again. Its plain form (:meth:`NetworkSpec.to_dict`, JSON data) is what the recipe stores and
hashes, so a trial record written before this class existed is read by it unchanged.

:func:`build_network` is the only place a spec becomes a :class:`~deeprecipe.nn.Network`; the
optimizer it trains with comes from :meth:`NetworkSpec.optimizer_instance`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import check_choice, check_number
from deeprecipe.defaults import EPOCHS, LEARNING_RATES
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn.activations import ACTIVATIONS
from deeprecipe.nn.initializers import INITIALIZERS
from deeprecipe.nn.network import Network
from deeprecipe.task import Task
from deeprecipe.train.optimizers import OPTIMIZERS, Optimizer, get_optimizer

DTYPES = ("float32", "float64")
AUGMENT_KINDS = ("noise", "image")


@dataclass(frozen=True)
class NetworkSpec:
    """How one network is made and trained; checked on construction, changed by :meth:`replace`.

    ``activation`` and ``keep_prob`` are one value or one per hidden layer (keep_prob is never
    applied to the output layer). ``init`` None: the course's choice for the activation (He for
    ReLU, Xavier for tanh). ``batch_size`` None: full batch. ``augment`` is None or
    ``{"kind": "noise", "std": s}`` / ``{"kind": "image", ...}`` (the options of
    :class:`~deeprecipe.data.augment.ImageAugmenter`); ``early_stopping`` is None or
    ``{"patience": n, "monitor": "dev_cost", "min_delta": 0.0}``. ``metrics_every``: measure
    the train/dev figures every that many epochs (0: never). ``train_fraction``: train on that
    share of a seeded permutation of the training rows. The default learning rate is the
    recipe's for gradient descent (:data:`deeprecipe.defaults.LEARNING_RATES`).
    """

    hidden: tuple[int, ...] = (20,)
    activation: str | tuple[str, ...] = "relu"
    init: str | None = None
    l2: float = 0.0
    keep_prob: float | tuple[float, ...] = 1.0
    optimizer: str = "gd"
    learning_rate: float = LEARNING_RATES["recipe"]["gd"]
    epochs: int = EPOCHS
    batch_size: int | None = None
    metrics_every: int = 10
    augment: dict[str, Any] | None = None
    early_stopping: dict[str, Any] | None = None
    train_fraction: float = 1.0
    dtype: str = "float64"
    seed: int = 0

    def __post_init__(self) -> None:
        # Values are checked but kept as given (an int l2 stays an int): the plain form is
        # hashed into the recipe's trial keys, which must not change under a stored record.
        hidden = self.hidden
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (Sequence, np.ndarray)):
            raise DeepRecipeTypeError(
                f"hidden={hidden!r}; accepted: a list of hidden-layer sizes, e.g. (20, 3)"
            )
        self._set(
            "hidden",
            tuple(int(check_number("hidden layer size", n, low=1, integer=True)) for n in hidden),
        )
        n_hidden = len(self.hidden)
        self._set(
            "activation",
            _per_layer(
                "activation",
                self.activation,
                n_hidden,
                lambda a: check_choice("activation", a, ACTIVATIONS),
            ),
        )
        if self.init is not None:
            check_choice("init", self.init, INITIALIZERS)
        check_number("l2", self.l2, low=0.0)
        self._set(
            "keep_prob",
            _per_layer(
                "keep_prob",
                self.keep_prob,
                n_hidden,
                lambda k: check_number("keep_prob", k, low=0.0, high=1.0, low_inclusive=False),
            ),
        )
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("learning_rate", self.learning_rate, low=0.0, low_inclusive=False)
        check_number("epochs", self.epochs, low=1, integer=True)
        if self.batch_size is not None:
            check_number("batch_size", self.batch_size, low=1, integer=True)
        check_number("metrics_every", self.metrics_every, low=0, integer=True)
        if self.augment is not None:
            if not isinstance(self.augment, Mapping) or "kind" not in self.augment:
                raise DeepRecipeError(
                    f"augment={self.augment!r}; accepted: None or a dict with a 'kind' "
                    f"({', '.join(AUGMENT_KINDS)})"
                )
            check_choice("augment kind", self.augment["kind"], AUGMENT_KINDS)
        if self.early_stopping is not None:
            if (
                not isinstance(self.early_stopping, Mapping)
                or "patience" not in self.early_stopping
            ):
                raise DeepRecipeError(
                    f"early_stopping={self.early_stopping!r}; accepted: None or a dict with "
                    "'patience' (and optionally 'monitor', 'min_delta')"
                )
        check_number("train_fraction", self.train_fraction, low=0.0, high=1.0, low_inclusive=False)
        check_choice("dtype", self.dtype, DTYPES)
        check_number("seed", self.seed, low=0, integer=True)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    # ----------------------------------------------------------------- changes and plain form
    def replace(self, **changes: Any) -> NetworkSpec:
        """A new spec with ``changes``, checked like a new one; unknown names are refused."""
        _refuse_unknown(changes)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any] | None = None, **changes: Any) -> NetworkSpec:
        """Defaults, then ``settings`` (a plain spec, possibly partial), then ``changes``."""
        merged = {**(settings or {}), **changes}
        _refuse_unknown(merged)
        return cls(**{k: _plain(v) for k, v in merged.items()})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data in field order (tuples become lists): what trial keys hash."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return json.loads(json.dumps(out, default=_plain))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    # ----------------------------------------------------------------- what it builds
    def optimizer_instance(self) -> Optimizer:
        """A fresh optimizer of this spec's kind and learning rate."""
        return get_optimizer(self.optimizer, self.learning_rate)


def batch_words(batch_size: int | None) -> str:
    """A spec's ``batch_size`` in words, as summaries show it: "full batch" or "batch 256"."""
    return "full batch" if batch_size is None else f"batch {batch_size}"


def build_network(
    spec: NetworkSpec,
    n_inputs: int,
    n_outputs: int,
    task: Task | str,
    *,
    seed: int | np.random.Generator | None = None,
    backend: Any = None,
    device: Any = None,
) -> Network:
    """The untrained network ``n_inputs - spec.hidden - n_outputs`` with the output head ``task``
    (a :class:`~deeprecipe.task.Task`, or its loss name as model files store it), on
    ``backend``/``device`` (NumPy by default; where a network trains is not part of its spec).

    The one build path of the package. ``seed`` (an int or a Generator) replaces the spec's own,
    for a caller that draws its seeds from a stream (the estimators' ``random_state``).
    """
    return Network(
        [int(n_inputs), *spec.hidden, int(n_outputs)],
        activation=_listed(spec.activation),
        loss=task,
        init=spec.init,
        keep_prob=_listed(spec.keep_prob),
        l2=spec.l2,
        dtype=spec.dtype,
        seed=spec.seed if seed is None else seed,
        backend=backend,
        device=device,
    )


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _per_layer(name: str, value: Any, n_hidden: int, check) -> Any:
    """One value for every hidden layer, or a tuple of one per hidden layer."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_hidden:
            raise DeepRecipeError(
                f"{name} has {len(value)} entries but the network has {n_hidden} hidden layers; "
                "accepted: one value, or one per hidden layer"
            )
        for v in value:
            check(v)
        return tuple(value)
    check(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _refuse_unknown(settings: Mapping[str, Any]) -> None:
    unknown = set(settings) - set(NetworkSpec.field_names())
    if unknown:
        raise DeepRecipeError(
            f"unknown network setting(s) {sorted(unknown)}; accepted: "
            f"{', '.join(NetworkSpec.field_names())}"
        )
