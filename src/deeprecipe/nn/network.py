"""A dense network whose parameters live in one flat vector.

``theta`` holds ``W1, b1, W2, b2, ...`` back to back and ``grad`` mirrors it; every ``W[l]``,
``b[l]`` (and ``dW[l]``, ``db[l]``) is a view. An optimizer step is then one fused update over
``theta``, gradient checking perturbs ``theta[i]`` directly, and saving writes one array.

Cost with L2 regularization (``m`` = training-set size; biases are not penalized)::

    J = (1/m) sum_i L(yhat_i, y_i) + (lambda / (2 m)) sum_l ||W[l]||_F^2

The arrays live on a backend (:mod:`deeprecipe.nn.backends`): NumPy by default, where the
views above are permanent and training works in place; or PyTorch, CuPy or any array API
namespace, where ``theta`` is still the one owner of the parameters but ``W[l]``, ``b[l]`` are
sliced from it at each forward pass and ``grad`` is assembled after each backward pass (the
standard promises no views). Data, weights and dropout masks start on the host (NumPy, from
the seed) and move to the device, so every backend starts from the same bits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from deeprecipe._validation import (
    check_array,
    check_choice,
    check_number,
    check_rng,
    course_inputs_hint,
)
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn.activations import ACTIVATIONS, Activation, get_activation
from deeprecipe.nn.backends import Backend, get_backend
from deeprecipe.nn.dense import Dense
from deeprecipe.nn.initializers import INITIALIZERS, initial_weights
from deeprecipe.task import LOSSES, Task, get_loss

DTYPES = {"float32": np.float32, "float64": np.float64}
#: rows per chunk when :meth:`Network.evaluate` runs over a whole dataset
EVAL_CHUNK_ROWS = 4096


def _sum_is_finite(X: np.ndarray) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.sum()))


def _resolve_dtype(dtype: Any) -> np.dtype:
    if dtype is None or not isinstance(dtype, (str, type, np.dtype)):
        raise DeepRecipeError(f"dtype={dtype!r} is not accepted; accepted: {', '.join(DTYPES)}")
    try:
        name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        raise DeepRecipeError(
            f"dtype={dtype!r} is not accepted; accepted: {', '.join(DTYPES)}"
        ) from None
    return np.dtype(DTYPES[check_choice("dtype", name, DTYPES)])


def _check_keep_probs(keep_prob: Any, n_hidden: int) -> list[float]:
    return [
        check_number("keep_prob", k, low=0.0, high=1.0, low_inclusive=False)
        for k in _per_hidden_layer("keep_prob", keep_prob, n_hidden)
    ]


def _per_hidden_layer(name: str, value: Any, n_hidden: int) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n_hidden:
            raise DeepRecipeError(
                f"{name} has {len(value)} entries; accepted: one value, or one per hidden layer "
                f"({n_hidden})"
            )
        return list(value)
    return [value] * n_hidden


#: The settings a network is built from: ``Network(**config)`` and ``Network.config``.
CONFIG_KEYS = (
    "layer_sizes",
    "activation",
    "loss",
    "init",
    "init_scale",
    "keep_prob",
    "l2",
    "dtype",
)


class Network:
    """A fully connected network: hidden layers with ``activation``, logits into ``loss``.

    Args:
        layer_sizes: ``[n_x, n[1], ..., n[L]]``, inputs first, output units last.
        activation: hidden activation name, or one per hidden layer; or your own
            :class:`~deeprecipe.nn.Activation` ``(name, forward, backward, recommended_init)``,
            which training and the gradient check then run.
        loss: ``binary_crossentropy`` (sigmoid outputs), ``softmax_crossentropy`` or ``mse``;
            or your own (a subclass of one of :mod:`deeprecipe.task`'s, overriding
            ``value_and_gradient``, say). A model file names activations and losses, so a
            network with your own is refused there (pickling and copies keep it).
        init: initializer name (``he``, ``xavier``, ``glorot``, ``lecun``, ``random``,
            ``zeros``); by default the one the course recommends for each hidden layer's
            ``activation`` (He for ReLU, Xavier for tanh), the output layer taking the last
            hidden layer's.
        init_scale: the factor of ``random`` initialization (``N(0, 1) * init_scale``).
        keep_prob: inverted-dropout keep probability, one value or one per hidden layer;
            never applied to the output layer.
        l2: the L2 strength lambda in ``(lambda / (2m)) sum ||W||^2``. It is the PyTorch
            ``weight_decay`` ``lambda/m`` and the Keras ``L2(lambda/(2m))``.
        dtype: ``float32`` (default) or ``float64``.
        seed: int, ``None`` or ``numpy.random.Generator``; drives initialization and dropout.
        backend: ``numpy`` (default), ``torch``, ``cupy`` or ``array_api_strict`` (see
            :mod:`deeprecipe.nn.backends`); not part of :attr:`config`: where a network runs
            is not what it is, and a model file loads onto any backend.
        device: ``cpu`` (default), ``cuda``, ``cuda:1``, ...; ``device="cuda"`` alone picks
            PyTorch, or CuPy when PyTorch is absent.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        activation: str | Activation | Sequence[str | Activation] = "relu",
        loss: str | Task = "binary_crossentropy",
        init: str | None = None,
        init_scale: float = 0.01,
        keep_prob: float | Sequence[float] = 1.0,
        l2: float = 0.0,
        dtype: Any = np.float32,
        seed: int | np.random.Generator | None = 0,
        backend: str | Backend | None = None,
        device: Any = None,
    ) -> None:
        self.backend = get_backend(backend, device)
        self.layer_sizes = self._check_sizes(layer_sizes)
        n_hidden = len(self.layer_sizes) - 2
        # the objects themselves (an Activation of your own included), and their names
        self._activation_fns = [
            get_activation(a) for a in _per_hidden_layer("activation", activation, n_hidden)
        ]
        self.activations = [a.name for a in self._activation_fns]
        keep_probs = _check_keep_probs(keep_prob, n_hidden)
        self.loss = get_loss(loss)
        self.l2 = check_number("l2", l2, low=0.0)
        self.init = init if init is None else check_choice("init", init, INITIALIZERS)
        self.init_scale = check_number("init_scale", init_scale, low=0.0)
        self.dtype = _resolve_dtype(dtype)
        self.rng = check_rng(seed)

        self.shapes = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            self.shapes += [(n_in, n_out), (n_out,)]
        self._slices = list(self._parameter_slices().values())
        self._allocate(self.backend, self.dtype, keep_probs)
        self.initialize()

    def _allocate(self, backend: Backend, dtype: np.dtype, keep_probs: list[float]) -> None:
        """Zero ``theta`` and ``grad`` in ``dtype`` on ``backend``, and the layers over them."""
        if not backend.in_place and self.custom_parts:
            raise DeepRecipeError(
                f"your own {', '.join(self.custom_parts)} runs on the NumPy backend only: "
                f"backend {backend.name!r} computes activations and losses by their names; "
                "accepted: backend='numpy', or the built-in activations and losses"
            )
        self.backend, self.dtype = backend, dtype
        zeros = np.zeros(sum(int(np.prod(s)) for s in self.shapes), dtype=dtype)
        self._theta = backend.asarray(zeros)
        self.grad = backend.asarray(np.zeros_like(zeros))
        self.layers = self._build_layers(keep_probs)

    # ----------------------------------------------------------------- construction
    @staticmethod
    def _check_sizes(layer_sizes: Sequence[int]) -> list[int]:
        if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
            raise DeepRecipeTypeError(
                f"layer_sizes={layer_sizes!r}; accepted: a list of positive ints [n_x, ..., n_y]"
            )
        sizes = list(layer_sizes)
        if len(sizes) < 2:
            raise DeepRecipeError(
                f"layer_sizes={sizes!r} needs at least an input and an output size"
            )
        for n in sizes:
            check_number("layer size", n, low=1, integer=True)
        return [int(n) for n in sizes]

    def _build_layers(self, keep_probs: list[float]) -> list[Dense]:
        # off NumPy these views are rebound at each forward pass (_bind) and dW, db replaced
        views = self.views(self.theta)
        grads = self.views(self.grad)
        layers = []
        for l in range(self.n_layers):
            hidden = l < self.n_layers - 1
            activation = self._activation_fns[l] if hidden else get_activation("identity")
            layers.append(
                Dense(
                    views[2 * l],
                    views[2 * l + 1],
                    grads[2 * l],
                    grads[2 * l + 1],
                    activation,
                    keep_prob=keep_probs[l] if hidden else 1.0,
                    backend=self.backend,
                )
            )
        return layers

    @property
    def keep_probs(self) -> list[float]:
        """The keep probability of each hidden layer, read from the layers (their one home)."""
        return [layer.keep_prob for layer in self.layers[:-1]]

    def set_regularization(
        self, *, l2: float | None = None, keep_prob: float | Sequence[float] | None = None
    ) -> None:
        """Change lambda and/or keep_prob of a built network (a warm start takes new ones),
        checked as in the constructor; the weights stay."""
        if l2 is not None:
            self.l2 = check_number("l2", l2, low=0.0)
        if keep_prob is not None:
            keep_probs = _check_keep_probs(keep_prob, len(self.layers) - 1)
            for layer, k in zip(self.layers[:-1], keep_probs):
                layer.keep_prob = k

    def initialize(self, init: str | None = None, *, scale: float | None = None) -> None:
        """(Re)draw every ``W[l]`` from the initializer and zero every ``b[l]``."""
        hidden = self._activation_fns or [get_activation("identity")]
        # each hidden layer its activation's; the output layer the last hidden layer's
        recommended = [a.recommended_init for a in hidden] + [hidden[-1].recommended_init]
        scale = self.init_scale if scale is None else check_number("scale", scale, low=0.0)
        host = self._host_theta()
        tensors = self.views(host)
        for l, (n_in, n_out) in enumerate(self.shapes[::2]):
            name = init or self.init or recommended[l]
            tensors[2 * l][...] = initial_weights(name, n_in, n_out, self.rng, scale=scale)
            tensors[2 * l + 1][...] = 0
        self.theta = host

    # ----------------------------------------------------------------- the flat vector
    @property
    def theta(self) -> Any:
        """All parameters, ``W1, b1, W2, b2, ...`` back to back, in the backend's arrays."""
        return self._theta

    @theta.setter
    def theta(self, values: Any) -> None:
        """Set every parameter from a flat vector (host data or the backend's array). On
        NumPy the values are copied into ``theta``, whose views the layers keep."""
        if self.backend.in_place:
            if values is not self._theta:
                self._theta[...] = values
            return
        if isinstance(values, np.ndarray) or values.dtype != self._theta.dtype:
            values = self.backend.asarray(values, dtype=self.dtype)
        if tuple(values.shape) != tuple(self._theta.shape):
            raise DeepRecipeError(
                f"theta has shape {tuple(values.shape)}; this network accepts "
                f"{tuple(self._theta.shape)}"
            )
        self._theta = values

    def get_theta(self) -> np.ndarray:
        """A NumPy copy of ``theta`` (from the device when there is one)."""
        return np.array(self.backend.to_host(self.theta), dtype=self.dtype, copy=True)

    def _host_theta(self) -> np.ndarray:
        """``theta`` itself on NumPy, a host copy elsewhere: edit it, then assign it back."""
        return self.theta if self.backend.in_place else self.get_theta()

    def _bind(self) -> None:
        """Off NumPy: slice each layer's ``W``, ``b`` from the current ``theta``."""
        tensors = self.backend.views(self.theta, self._slices)
        for l, layer in enumerate(self.layers):
            layer.W, layer.b = tensors[2 * l], tensors[2 * l + 1]

    # ----------------------------------------------------------------- structure
    @property
    def task(self) -> Task:
        """The output head (:mod:`deeprecipe.task`): loss, output activation, error metric,
        label decoding. The same object as :attr:`loss`."""
        return self.loss

    @property
    def n_layers(self) -> int:
        """L, the number of weight layers (hidden layers + the output layer)."""
        return len(self.layer_sizes) - 1

    @property
    def n_params(self) -> int:
        return int(self.theta.shape[0])

    @property
    def parameter_names(self) -> list[str]:
        """``["W1", "b1", "W2", "b2", ...]`` in the order they sit in ``theta``."""
        return [f"{kind}{l}" for l in range(1, self.n_layers + 1) for kind in ("W", "b")]

    @property
    def parameter_slices(self) -> dict[str, tuple[slice, tuple[int, ...]]]:
        """Each tensor's name mapped to its slice of ``theta`` and its shape."""
        return dict(zip(self.parameter_names, self._slices))

    def _parameter_slices(self) -> dict[str, tuple[slice, tuple[int, ...]]]:
        out, start = {}, 0
        for name, shape in zip(self.parameter_names, self.shapes):
            size = int(np.prod(shape))
            out[name] = (slice(start, start + size), shape)
            start += size
        return out

    def views(self, flat: Any) -> list[Any]:
        """Split a flat vector shaped like ``theta`` into ``[W1, b1, W2, b2, ...]`` views
        (slices of the backend's arrays off NumPy)."""
        slices = self._slices
        if isinstance(flat, np.ndarray):
            return [flat[s].reshape(shape) for s, shape in slices]
        return self.backend.views(flat, slices)

    def __getitem__(self, name: str) -> Any:
        """``net["W1"]``: one parameter tensor (on NumPy a view; set it with
        :meth:`set_weights` to work on every backend)."""
        slices = self.parameter_slices
        if name not in slices:
            raise DeepRecipeError(f"no parameter named {name!r}; accepted: {', '.join(slices)}")
        return self.views(self.theta)[list(slices).index(name)]

    def get_weights(self) -> dict[str, np.ndarray]:
        """A NumPy copy of every tensor by name (``W1``, ``b1``, ...)."""
        return dict(zip(self.parameter_names, self.views(self.get_theta())))

    def set_weights(self, weights: Mapping[str, Any]) -> None:
        """Set tensors from arrays by name; shapes must match exactly (a bias may be (n, 1))."""
        slices = self.parameter_slices
        if not isinstance(weights, Mapping):
            raise DeepRecipeError(
                f"weights is a {type(weights).__name__}; accepted: a dict of arrays by name "
                f"({', '.join(slices)})"
            )
        unknown = set(weights) - set(slices)
        if unknown:
            raise DeepRecipeError(
                f"unknown parameter name(s) {sorted(unknown)}; accepted: {', '.join(slices)}"
            )
        host = self._host_theta()
        tensors = dict(zip(self.parameter_names, self.views(host)))
        for name, value in weights.items():
            if not isinstance(value, np.ndarray) and hasattr(value, "__dlpack__"):
                value = self.backend.to_host(value)
            array = check_array(name, value)
            shape = slices[name][1]
            column_bias = len(shape) == 1 and array.shape in ((shape[0], 1), (1, shape[0]))
            if array.shape != shape and not column_bias:
                raise DeepRecipeError(
                    f"{name} has shape {array.shape}; this network accepts shape {shape}"
                )
            limit = np.finfo(self.dtype).max
            if np.abs(array).max(initial=0.0) > limit:
                raise DeepRecipeError(
                    f"{name} holds values beyond {self.dtype.name}'s range (|w| <= {limit:.3g}); "
                    "accepted: weights this network's dtype can hold (or dtype=float64)"
                )
            tensors[name][...] = array.reshape(shape)
        self.theta = host

    @property
    def config(self) -> dict[str, Any]:
        """The architecture and settings as plain JSON-able data (no weights)."""
        return {
            "layer_sizes": self.layer_sizes,
            "activation": self.activations,
            "loss": self.loss.name,
            "init": self.init,
            "init_scale": self.init_scale,
            "keep_prob": self.keep_probs,
            "l2": self.l2,
            "dtype": self.dtype.name,
        }

    @property
    def own_activations(self) -> list[Activation]:
        """The hidden layers' activations that are your own (not the built-ins of their
        names), each once, in layer order."""
        own = {id(a): a for a in self._activation_fns if ACTIVATIONS.get(a.name) != a}
        return list(own.values())

    @property
    def custom_parts(self) -> list[str]:
        """Your own activations and loss (not the built-ins of their names), which
        :attr:`config`, and so a model file, can only name: a copy and a pickle keep them."""
        out = [f"activation {a.name!r}" for a in self.own_activations]
        if self.own_loss is not None:
            out.append(f"loss {self.loss.name!r}")
        return out

    @property
    def own_loss(self) -> Task | None:
        """The loss when it is your own (not the built-in of its name), else None."""
        return None if LOSSES.get(self.loss.name) == self.loss else self.loss

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, seed=0, backend: Any = None, device: Any = None
    ) -> Network:
        """A network from :attr:`config` (freshly initialized: set its weights afterwards), on
        ``backend`` and ``device`` (NumPy by default)."""
        if not isinstance(config, Mapping):
            raise DeepRecipeTypeError(f"config={config!r}; accepted: a mapping like Network.config")
        unknown = sorted(set(config) - set(CONFIG_KEYS))
        if unknown:
            raise DeepRecipeError(
                f"config has unknown key(s) {unknown}; accepted: {', '.join(CONFIG_KEYS)}"
            )
        if "layer_sizes" not in config:
            raise DeepRecipeError("config has no 'layer_sizes'; it is the one required key")
        return cls(**dict(config), seed=seed, backend=backend, device=device)

    def copy(self, *, dtype: Any = None) -> Network:
        """An independent copy on the same backend: its own weights (in ``dtype``, default
        this network's) and a copy of the random state. It is this network's class with the
        same loss and activation objects (your own included) and a shallow copy of a
        subclass's attributes, so that a gradient check of the copy checks your code."""
        twin = self._twin(self.backend, self.dtype if dtype is None else _resolve_dtype(dtype))
        twin.theta = self.backend.copy(self.theta) if dtype is None else self.theta
        return twin

    def to(self, device: Any = None, *, backend: Any = None) -> Network:
        """A copy on another backend or device (``net.to("cuda")``, ``net.to(backend="numpy")``):
        the same weights, bit for bit, and the same random state."""
        twin = self._twin(get_backend(backend, device), self.dtype)
        twin.theta = self.get_theta()
        return twin

    def _twin(self, backend: Backend, dtype: np.dtype) -> Network:
        """A shallow copy of this network with its own zero weights and gradient in ``dtype``
        on ``backend``, its own layers (views of them), and a copy of the random state."""
        state = {k: v for k, v in self.__dict__.items() if k not in _ARRAY_STATE}
        return _restore(type(self), state, self.keep_probs, None, self.rng.bit_generator.state,
                        backend, dtype)  # fmt: skip

    def __reduce__(self):
        """Pickle and deepcopy as (the class, its settings and objects, theta on the host, the
        random state, the backend's name and device), so the copy's ``W[l]`` and ``b[l]`` are
        views into its own flat ``theta`` again, not loose arrays, and a subclass's attributes
        and your own loss or activation objects come along."""
        state = {k: v for k, v in self.__dict__.items() if k not in _ARRAY_STATE}
        place = (self.backend.name, self.backend.device_name)
        rng_state = self.rng.bit_generator.state
        return (
            _restore,
            (type(self), state, self.keep_probs, self.get_theta(), rng_state, place, self.dtype),
        )

    def __repr__(self) -> str:
        layers = "-".join(map(str, self.layer_sizes))
        return (
            f"Network({layers}, activation={self.activations}, loss={self.loss.name!r}, "
            f"keep_prob={self.keep_probs}, l2={self.l2}, dtype={self.dtype.name}"
            + (
                ""
                if self.backend.in_place
                else f", backend={self.backend.name!r}, device={self.backend.device_name!r}"
            )
            + ")"
        )

    def _repr_html_(self) -> str:
        """The notebook display: one row per layer (units, activation, parameters, keep_prob)
        and the settings that shape training, as Keras's ``summary()`` lists them."""
        from deeprecipe._html import block, paragraph, table

        sizes = self.layer_sizes
        rows: list[list[Any]] = [["input", sizes[0], "-", "-", "-"]]
        for l, layer in enumerate(self.layers, start=1):
            output = l == len(self.layers)  # its activation is the loss's (sigmoid, softmax)
            kind, activation = (
                ("output", self.loss.output_activation)
                if output
                else (f"hidden {l}", layer.activation.name)
            )
            weights = sizes[l - 1] * sizes[l] + sizes[l]
            rows.append([kind, sizes[l], activation, weights, layer.keep_prob])
        where = (
            "numpy"
            if self.backend.in_place
            else f"{self.backend.name} on {self.backend.device_name}"
        )
        settings = (
            f"loss {self.loss.name}, L2 lambda {self.l2:g}, {self.n_params} parameters, "
            f"{self.dtype.name}, {where}"
        )
        return block(
            "deeprecipe Network",
            table(["layer", "units", "activation", "parameters", "keep_prob"], rows),
            paragraph(settings),
        )

    # ----------------------------------------------------------------- computation
    def check_inputs(self, X: Any, name: str = "X") -> np.ndarray:
        """Validate ``X`` (2-D, finite, ``n_x`` columns) and cast it to the network's dtype.

        An array already in the network's dtype is returned as is, never copied. Inputs are
        checked on the host: the backend's own arrays (a torch tensor) are fetched first.
        """
        X = self.fetched(X)
        X = check_array(name, X, ndim=2, finite=False)
        if X.shape[1] != self.layer_sizes[0]:
            raise DeepRecipeError(
                f"{name} has {X.shape[1]} features (shape {X.shape}); this network accepts "
                f"{self.layer_sizes[0]}{course_inputs_hint(X.shape, self.layer_sizes[0])}"
            )
        # A sum is finite only if every entry is (NaN and infinity propagate), and it needs no
        # temporary the size of X, unlike isfinite(X).all(). Only when it is not finite (a bad
        # entry, or a sum that overflowed) does the full check run, to name the first bad entry.
        if X.dtype.kind == "f" and not _sum_is_finite(X):
            check_array(name, X, ndim=2)
        if X.dtype.itemsize > self.dtype.itemsize and X.size:
            _check_fits(name, X, self.dtype)
        return X.astype(self.dtype, copy=False)

    def inputs_on_device(self, X: Any, name: str = "X") -> Any:
        """``X`` checked as :meth:`check_inputs` checks it, on the backend's device.

        An array already there, in the network's dtype, is checked there (its shape, and one
        sum read back: finite only if every entry is) and used as it is: data kept on a GPU
        are neither fetched nor copied. Anything else is checked on the host and moved once.
        """
        backend = self.backend
        if (
            not backend.in_place
            and backend.holds(X)
            and X.ndim == 2
            and X.shape[1] == self.layer_sizes[0]
            and X.dtype == backend.dtype(self.dtype)
            and math.isfinite(backend.scalar(backend.xp.sum(X)))
        ):
            return X
        return backend.asarray(self.check_inputs(X, name))

    def fetched(self, a: Any) -> Any:
        """``a`` on the host when it is an array of another library (a torch tensor, a CuPy
        array), which is where inputs and labels are checked; anything else as it is."""
        if not isinstance(a, np.ndarray) and hasattr(a, "__dlpack__") and hasattr(a, "shape"):
            return self.backend.to_host(a)
        return a

    def prepare_targets(self, y: Any, m: int | None = None, *, name: str = "y") -> np.ndarray:
        """Validate ``y`` for the loss and convert it to the form the loss uses; errors call it
        ``name`` (``y_dev`` for a dev set) and its inputs ``X`` + the same suffix."""
        try:
            targets = self.loss.prepare_targets(y, self.layer_sizes[-1], self.dtype)
        except DeepRecipeError as exc:
            if name == "y":
                raise
            raise type(exc)(re.sub(r"^y\b", name, str(exc))) from None
        if m is not None and targets.shape[0] != m:
            inputs = "X" + name[1:]
            raise DeepRecipeError(
                f"{name} has {targets.shape[0]} rows but {inputs} has {m}; accepted: one label "
                f"per row of {inputs}"
            )
        return targets

    def forward(
        self,
        X: np.ndarray,
        *,
        training: bool = False,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> np.ndarray:
        """Return the logits ``Z[L]``. Dropout acts only when ``training`` is True.

        ``masks`` (one per hidden layer, as left in ``layer.mask`` by an earlier training pass)
        freezes dropout, so repeated evaluations see the same network.
        """
        return self._forward(X, training=training, masks=masks, reuse_buffers=False)

    def _forward(self, X, *, training, masks, reuse_buffers) -> np.ndarray:
        if not self.backend.in_place:
            self._bind()
            if isinstance(X, np.ndarray):  # host data; the backend's own arrays stay as they are
                X = self.backend.asarray(X)
        a = X
        for l, layer in enumerate(self.layers):
            mask = masks[l] if masks is not None and l < len(masks) else None
            a = layer.forward(
                a, training=training, rng=self.rng, mask=mask, reuse_buffers=reuse_buffers
            )
        return a

    def backward(self, dz_out: np.ndarray, *, m: int) -> np.ndarray:
        """Backpropagate dJ/dZ[L] through the cached forward pass; fill and return ``grad``."""
        l2_over_m = self.l2 / m
        da = dz_out
        for l in range(self.n_layers - 1, -1, -1):
            da = self.layers[l].backward(da, l2_over_m=l2_over_m, input_grad=l > 0)
        if not self.backend.in_place:
            parts = [p for layer in self.layers for p in (layer.dW, layer.db)]
            self.grad = self.backend.flatten(parts)
        return self.grad

    def l2_cost(self, m: int) -> float:
        """(lambda / (2m)) sum_l ||W[l]||_F^2."""
        return self.backend.scalar(self._l2_term(m))

    def _l2_term(self, m: int) -> Any:
        """:meth:`l2_cost` as a float on NumPy, a 0-d array on the device elsewhere."""
        if not self.l2:
            return 0.0
        if self.backend.in_place:
            squares = sum(float(np.vdot(layer.W, layer.W)) for layer in self.layers)
        else:
            self._bind()
            xp = self.backend.xp
            squares = sum(xp.sum(layer.W * layer.W) for layer in self.layers)
        return self.l2 / (2 * m) * squares

    def loss_and_gradient(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        *,
        m: int | None = None,
        training: bool = True,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> float:
        """Cost J on this batch (L2 included) and its gradient, left in ``self.grad``.

        ``X`` and ``targets`` must already be validated (:meth:`check_inputs`,
        :meth:`prepare_targets`). ``m`` is the training-set size the L2 term divides by
        (default: this batch's size, i.e. full-batch training).

        This is the training step's hot path: each layer works in its reusable buffers, so the
        layers' ``mask``, ``_z`` and ``_a`` are overwritten by the next call (copy a mask to
        keep it; passing ``masks`` back in never overwrites them).
        """
        cost = self._cost_and_gradient(X, targets, m=m, training=training, masks=masks)
        return cost if self.backend.in_place else self.backend.scalar(cost)

    def _cost_and_gradient(self, X, targets, *, m=None, training=True, masks=None) -> Any:
        """:meth:`loss_and_gradient`, its cost left on the device off NumPy (a 0-d array:
        reading it would wait for the GPU at every step)."""
        m = X.shape[0] if m is None else m
        logits = self._forward(X, training=training, masks=masks, reuse_buffers=True)
        if self.backend.in_place:
            value, dz_out = self.loss.value_and_gradient(logits, targets)
        else:
            if isinstance(targets, np.ndarray):  # the trainer's are on the device already
                targets = self.backend.asarray(targets)
            fused = self.backend.loss(self.loss.name)
            value, dz_out = (
                fused(logits, targets)
                if fused is not None
                else self.loss.array_value_and_gradient(self.backend.xp, logits, targets)
            )
        self.backward(dz_out, m=m)
        return value + self._l2_term(m)

    def cost(self, X: Any, y: Any, *, m: int | None = None, l2_term: bool = True) -> float:
        """J on ``(X, y)`` in prediction mode (no dropout), L2 term included (its ``m``: the
        training set's size; default the rows of ``X``). ``l2_term=False``: the mean loss
        alone (cross-entropy or squared error), which compares across values of lambda."""
        X = self.check_inputs(X)
        targets = self.prepare_targets(y, X.shape[0])
        logits = self.backend.to_host(self.forward(X, training=False))
        loss = self.loss.value(logits, targets)
        return loss + self.l2_cost(X.shape[0] if m is None else m) if l2_term else loss

    def predict_proba(self, X: Any) -> np.ndarray:
        """The output activation of the logits: sigmoid, softmax or identity. Never drops a unit."""
        logits = self.forward(self.check_inputs(X), training=False)
        return self.loss.output(self.backend.to_host(logits))

    def predict(self, X: Any) -> np.ndarray:
        """Class indices (softmax), 0/1 labels (sigmoid), or values (mse).

        Read from the logits: the largest one's class, 1 where the logit is positive (where
        sigma(z) > 0.5 in exact arithmetic). :meth:`predict_proba` rounds: a logit within
        rounding of a tie can read as 0.5 (or equal softmax entries) there while ``predict``
        still tells the two sides apart."""
        logits = self.forward(self.check_inputs(X), training=False)
        return self.loss.predict_logits(self.backend.to_host(logits))

    def error(self, X: Any, y: Any) -> float:
        """The task's error metric: misclassification rate for classifiers; the mean squared
        error for ``mse``."""
        predictions = self.predict(X)
        targets = self.prepare_targets(y, len(predictions))  # refuses a wrong length, text, NaN
        return float(np.mean(self.loss.error_terms(predictions, targets, y)))

    def _evaluate(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        *,
        y: Any = None,
        m: int | None = None,
        cost: bool = True,
        chunk_rows: int = EVAL_CHUNK_ROWS,
    ) -> tuple[float | None, float]:
        """``(cost, error)`` on data already validated; the trainer's per-epoch metrics.

        The same figures as :meth:`cost` and :meth:`error` (bit for bit when ``X`` has at most
        ``chunk_rows`` rows), without validating ``X`` and ``y`` again, and in chunks of
        ``chunk_rows`` rows so that no temporary grows with the dataset. ``targets`` come from
        :meth:`prepare_targets`; for ``mse`` the error is measured against ``y`` as given
        (float64), as :meth:`error` does. ``cost=False`` skips the cost (returned as None).
        """
        n = X.shape[0]
        loss_sum = 0.0
        wrong = 0.0
        count = 0
        truth_all = None if y is None else np.asarray(y)
        for start in range(0, n, chunk_rows):
            stop = min(start + chunk_rows, n)
            rows = X[start:stop, ...]  # "..." too: the array API indexes every axis
            logits = self._forward(rows, training=False, masks=None, reuse_buffers=False)
            logits = self.backend.to_host(logits)  # the metric's bookkeeping runs on the host
            if cost:
                value = self.loss.value(logits, targets[start:stop])
                loss_sum += value if stop - start == n else value * (stop - start)
            wrong_chunk, count_chunk = self._error_sum(
                logits, targets[start:stop], None if truth_all is None else truth_all[start:stop]
            )
            wrong += wrong_chunk
            count += count_chunk
        error = wrong / count
        if not cost:
            return None, error
        mean_loss = loss_sum if n <= chunk_rows else loss_sum / n
        return mean_loss + self.l2_cost(n if m is None else m), error

    def _error_sum(self, logits: np.ndarray, targets: np.ndarray, y: Any = None) -> tuple:
        """``(errors summed, count)`` of these logits: the task's error terms against
        ``targets`` (or ``y`` as given, which a regression measures in float64)."""
        predictions = self.loss.predict_logits(logits)
        terms = self.loss.error_terms(predictions, targets, y)
        return float(np.sum(terms)), predictions.size

    def training_error(self, targets: np.ndarray) -> float:
        """The error of the last :meth:`loss_and_gradient` pass, from its own logits (dropout
        as it was in that pass), against the ``targets`` it was given: the trainer's running
        training error, at no cost of a forward pass of its own."""
        wrong, count = self._training_errors_array(self._error_counter(targets))
        return float(wrong) / count

    def _error_counter(self, targets: Any) -> Callable[[Any], tuple[Any, int]]:
        """The task's :meth:`~deeprecipe.task.Task.error_counter` of ``targets``: a trainer
        makes a full batch's once, and counts its errors at every epoch with it."""
        return self.loss.error_counter(self.backend.xp, targets)

    def _training_errors_array(self, count_errors: Callable) -> tuple[Any, int]:
        """:meth:`training_error` as ``(summed error terms, count)`` from ``count_errors`` (an
        :meth:`_error_counter`), the sum left on the device (a 0-d array), so that a trainer
        off NumPy can add them up and read them once."""
        return count_errors(self.layers[-1]._a)

    def clear_cache(self) -> None:
        for layer in self.layers:
            layer.clear_cache()


#: a network's attributes that are rebuilt, not copied, by copy(), to() and pickling
_ARRAY_STATE = ("backend", "_theta", "grad", "layers", "rng")


def _restore(
    cls: type,
    state: dict,
    keep_probs: list[float],
    theta: np.ndarray | None,
    rng_state: dict,
    place: Any,
    dtype: np.dtype,
) -> Network:
    """A network of class ``cls`` with the attributes ``state``, its arrays and layers
    allocated on ``place`` (a backend, or a pickled ``(name, device)``), ``theta`` set (zeros
    when None) and the random state restored."""
    net = object.__new__(cls)
    net.__dict__.update(state)
    backend = place if not isinstance(place, tuple) else get_backend(place[0], place[1])
    net._allocate(backend, np.dtype(dtype), keep_probs)
    if theta is not None:
        net.theta = theta
    bit_generator = getattr(np.random, rng_state["bit_generator"])()  # PCG64, ...
    bit_generator.state = rng_state
    net.rng = np.random.Generator(bit_generator)
    return net


def _rebuild(
    cls: type, config: dict, theta: np.ndarray, rng_state: dict, place=("numpy", None)
) -> Network:
    """Unpickle a network pickled by deeprecipe 0.x before ``_restore`` (its config only)."""
    net = cls.from_config(config, backend=place[0], device=place[1])
    net.theta = theta
    net.rng.bit_generator.state = rng_state
    return net


def _check_fits(name: str, X: np.ndarray, dtype: np.dtype) -> None:
    """Refuse values that the cast to ``dtype`` would turn into infinity."""
    limit = np.finfo(dtype).max
    if max(X.max(), -X.min()) > limit:  # no temporary the size of X, unlike abs(X)
        where = tuple(int(i) for i in np.argwhere(np.abs(X) > limit)[0])
        raise DeepRecipeError(
            f"{name} holds {X[where]:.4g} at row {where[0]}, column {where[1]}, beyond the "
            f"{dtype.name} range of this network (|x| <= {limit:.3g}); normalize the inputs "
            "or build the network with dtype='float64'"
        )
