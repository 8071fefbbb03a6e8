"""Per-layer health of a network: activation and gradient statistics, histograms, warnings.

One forward and backward pass on ``(X, y)`` in prediction mode (no dropout; the network's
gradient buffer is restored afterwards) gives, for each layer ``l``:

- the mean and standard deviation of ``Z[l]`` and ``A[l]``, and a histogram of ``A[l]``
  (counts and bin edges as data, as in Deep Learning from Scratch's initialization experiment);
- for ReLU layers, the fraction of *dead* units (``Z[l] <= 0`` on every example, so no gradient
  ever flows through them), of *silent* examples (``Z[l] <= 0`` in every unit: the layers above
  see one input for all of them) and of zero activations;
- for sigmoid and tanh layers, the fraction of *saturated* activations (``|tanh| >=`` or
  ``max(sigma, 1 - sigma) >= saturation_level``, default 0.99), where ``g'(z)`` is nearly 0;
- ``||dZ[l]||_F``, the back-propagated signal (one row per example, L2 term not included);
- ``||dW[l]||_F``, ``||db[l]||``, and ``||dW[l]|| / ||W[l]||``.

Warnings: gradients *vanish* when the backward signal's ratio ``||dZ[1]||_F / ||dZ[L-1]||_F``
is below ``10**-gradient_orders`` (default 2: a factor of 100 lost from the last hidden layer
to the first) and *explode* when above ``10**gradient_orders``. Why that ratio, and not
``||dW[1]|| / ||dW[L]||`` (still reported, as ``gradient_ratio``, but warned on no more):

- vanishing and exploding gradients are the backward signal ``dZ[l]`` growing or shrinking
  geometrically with depth, one factor ``W[l+1]`` and ``g'(Z[l])`` per layer (the course's
  deep-network lecture; the per-layer back-propagated gradients of Glorot and Bengio, 2010).
  ``dZ[l]`` keeps one row per example, so nothing cancels in its norm;
- ``dW[l] = A[l-1]^T dZ[l]`` sums over the examples, and a trained network's linear output
  layer sits near its least-squares (or cross-entropy) optimum, where that sum is all but zero
  (the normal equations: the residuals are orthogonal to the last hidden features) while
  ``dZ[L]``, the residuals, is not. ``||dW[1]|| / ||dW[L]||`` was then in the thousands on
  well-trained regressions, with no gradient exploding;
- the output layer is left out: its weights carry the targets' units (a regression trained on
  standardized targets has their spread ``s`` folded into ``W[L]``, which multiplies every
  hidden ``dZ[l]`` by ``s**2`` and ``dZ[L]`` by ``s``), while every hidden ``dZ[l]`` carries
  the same factor, so the hidden ratio is the same in any units. With one hidden layer there is
  no depth to vanish through, and no ratio;
- the Frobenius norm, not the per-unit RMS: at He initialization (ReLU) or Xavier's (tanh),
  ``E ||dZ[l-1]||^2 = E ||dZ[l]||^2`` whatever the layers' widths, so a healthy network's
  ratio is about 1 and a funnel of widths is not taken for vanishing.

It is measured on the network as it is (not at its initialization), so a network whose
weights training blew up is still told so. The other warnings: a layer *saturates* or its
ReLUs *die* when more than ``saturation_threshold`` / ``dead_threshold`` (default 0.5) of it
does; a layer that receives no gradient at all cannot learn (the symmetry of zero
initialization); activations *explode* or *vanish* when ``std(A[L-1]) / std(A[1])`` leaves
``10**(+-gradient_orders)``; the output is *constant* when every output ``Z[L]`` varies over
the examples by at most ``CONSTANT_SPREAD`` of the targets' spread (a regression) or of its own
size (``std <= 1e-6 max(1, |mean|)``, logits): the network predicts the same for every input,
whatever its gradients say (L2 that shrank the weights to zero, a layer with no unit active on
any example, a signal that vanished on its way); when its weights were shrunk to zero, it
replaces the vanishing-gradient warning, whose advice (the initialization) does not apply;
more than ``SILENT_SHARE`` (25%) of the examples *silent* in a ReLU layer get one answer
whatever they hold (a new user's cat images: 56 of 155 rows activated none of the 3 units of the
last hidden layer, all scored sigmoid(b) = 0.5, and no warning said so).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeTypeError
from deeprecipe.nn.network import Network

SATURATING = ("sigmoid", "tanh")
RELU = ("relu",)

VANISHING = "vanishing_gradients"
EXPLODING = "exploding_gradients"
SATURATION = "saturation"
DEAD_RELU = "dead_relu"
NO_GRADIENT = "no_gradient"
NON_FINITE = "non_finite"
EXPLODING_ACTIVATIONS = "exploding_activations"
VANISHING_ACTIVATIONS = "vanishing_activations"
CONSTANT_OUTPUT = "constant_output"
SILENT_EXAMPLES = "silent_examples"

#: a ReLU layer that activates none of its units for more than this share of the examples is
#: flagged: the layers above see one and the same input for all of them (at random weights a
#: 3-unit layer leaves out about 1/8 of them, a 2-unit one 1/4)
SILENT_SHARE = 0.25

#: an output whose spread over the examples is at most this share of its size is constant
CONSTANT_SPREAD = 1e-6


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; ``edges`` has one more entry than ``counts``."""

    counts: list[int]
    edges: list[float]

    @classmethod
    def of(cls, values: np.ndarray, bins: int, value_range: tuple[float, float] | None):
        values = values[np.isfinite(values)]
        if values.size == 0:
            return cls([0] * bins, list(np.linspace(0.0, 1.0, bins + 1)))
        if value_range is None:
            low, high = float(values.min()), float(values.max())
            value_range = (low, high) if high > low else (low - 0.5, high + 0.5)
        counts, edges = np.histogram(values, bins=bins, range=value_range)
        return cls([int(c) for c in counts], [float(e) for e in edges])


@dataclass(frozen=True)
class HealthWarning:
    """One finding: ``kind`` (a stable name), the layer it concerns (or None) and a sentence."""

    kind: str
    message: str
    layer: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class LayerHealth:
    """Statistics of layer ``layer`` (1-based; the last is the output layer's logits)."""

    layer: int
    activation: str
    n_units: int
    z_mean: float
    z_std: float
    a_mean: float
    a_std: float
    dead_fraction: float | None
    #: ReLU: the share of examples for which no unit of the layer is active (A row all 0)
    silent_fraction: float | None
    zero_fraction: float | None
    saturated_fraction: float | None
    grad_norm_W: float
    grad_norm_b: float
    signal_norm: float
    weight_norm_W: float
    grad_to_weight: float | None
    histogram: Histogram


@dataclass(frozen=True)
class HealthReport:
    """:func:`layer_health`'s result. ``signal_ratio = ||dZ[1]|| / ||dZ[L-1]||`` (None with
    fewer than two hidden layers or a zero signal) and ``orders_of_magnitude``, its ``log10``,
    are what the gradient warnings read; ``gradient_ratio = ||dW[1]|| / ||dW[L]||`` is data
    (see the module docstring for why it is not warned on)."""

    layers: tuple[LayerHealth, ...]
    gradient_norms: dict[str, float]
    gradient_ratio: float | None
    orders_of_magnitude: float | None
    signal_ratio: float | None
    cost: float
    warnings: tuple[HealthWarning, ...]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing was flagged."""
        return not self.warnings

    @property
    def messages(self) -> list[str]:
        return [w.message for w in self.warnings]

    def has(self, kind: str) -> bool:
        """Whether a warning of this kind (``"vanishing_gradients"``, ...) was raised."""
        return any(w.kind == kind for w in self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}

    def __repr__(self) -> str:
        return (
            f"HealthReport({len(self.layers)} layers, cost {self.cost:.4g}, signal_ratio="
            f"{'-' if self.signal_ratio is None else f'{self.signal_ratio:.3g}'}, "
            f"warnings={[w.kind for w in self.warnings]})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: per-layer statistics, the histograms, the warnings."""
        from deeprecipe.diagnose.display import health_html

        return health_html(self)

    def plot_histograms(self, *, title: str | None = None, axes: Any = None) -> Any:
        """One activation histogram per layer (matplotlib, headless); returns the Figure."""
        from deeprecipe.diagnose.plots import plot_histograms

        return plot_histograms(self, title=title, axes=axes)


def _norm(array: np.ndarray) -> float:
    return float(np.linalg.norm(array.astype(np.float64, copy=False).ravel()))


def _histogram_range(activation: str, a: np.ndarray) -> tuple[float, float] | None:
    if activation == "sigmoid":
        return (0.0, 1.0)
    if activation == "tanh":
        return (-1.0, 1.0)
    return None


def _backward_signal(network, output: np.ndarray, targets) -> list[float]:
    """``||dZ[l]||_F`` for ``l = 1..L``: the loss's ``dZ[L]`` back-propagated, in float64, through
    the forward pass the layers cached (``dA[l-1] = dZ[l] W[l]^T``, ``dZ[l] = dA[l] g'(Z[l])``),
    into fresh arrays: the network's buffers and gradient are not touched."""
    layers = network.layers
    with np.errstate(over="ignore", invalid="ignore"):
        dz = np.asarray(network.loss.gradient(output, targets), dtype=np.float64)
        norms = [_norm(dz)]
        for l in range(len(layers) - 1, 0, -1):
            below = layers[l - 1]
            da = dz @ np.asarray(layers[l].W, dtype=np.float64).T
            z = np.asarray(below._z, dtype=np.float64)
            a = np.asarray(below._a, dtype=np.float64)
            dz = below.activation.backward(z, a, da)
            norms.append(_norm(dz))
    return norms[::-1]


def _layer_stats(l: int, layer, activation: str, bins: int, saturation_level: float, signal: float):
    z = np.asarray(layer._z, dtype=np.float64)
    a = np.asarray(layer._a, dtype=np.float64)
    dead = silent = zero = saturated = None
    if activation in RELU:
        dead = float(np.mean(np.all(z <= 0, axis=0)))
        silent = float(np.mean(np.all(z <= 0, axis=1)))
        zero = float(np.mean(a == 0))
    if activation == "sigmoid":
        saturated = float(np.mean(np.maximum(a, 1 - a) >= saturation_level))
    elif activation == "tanh":
        saturated = float(np.mean(np.abs(a) >= saturation_level))
    w_norm, g_norm = _norm(layer.W), _norm(layer.dW)
    return LayerHealth(
        layer=l,
        activation=activation,
        n_units=int(z.shape[1]),
        z_mean=float(np.mean(z)),
        z_std=float(np.std(z)),
        a_mean=float(np.mean(a)),
        a_std=float(np.std(a)),
        dead_fraction=dead,
        silent_fraction=silent,
        zero_fraction=zero,
        saturated_fraction=saturated,
        grad_norm_W=g_norm,
        grad_norm_b=_norm(layer.db),
        signal_norm=signal,
        weight_norm_W=w_norm,
        grad_to_weight=g_norm / w_norm if w_norm > 0 else None,
        histogram=Histogram.of(a.ravel(), bins, _histogram_range(activation, a)),
    )


#: the initializers scaled to the fan-in, by their authors' names
SCALED = {"he": "He", "xavier": "Xavier", "lecun": "LeCun"}


def _gradient_warnings(
    layers, orders: float, init: str = "he"
) -> tuple[list[HealthWarning], float | None, float | None]:
    """No-gradient, vanishing and exploding warnings; the signal ratio and its ``log10``."""
    warnings = []
    silent = [h.layer for h in layers if h.grad_norm_W == 0]
    if silent:
        names = ", ".join(f"W{l}" for l in silent)
        warnings.append(
            HealthWarning(
                NO_GRADIENT,
                f"no gradient reaches {names}: those weights cannot learn (every unit of a layer "
                "receives the same zero signal, as after zero initialization)",
                silent[0],
            )
        )
    hidden = layers[:-1]  # the output layer's weights carry the targets' units
    if len(hidden) < 2:
        return warnings, None, None
    first, last = hidden[0].signal_norm, hidden[-1].signal_norm
    if not (np.isfinite(first) and np.isfinite(last)) or first == 0 or last == 0:
        return warnings, None, None
    ratio = first / last
    magnitude = float(np.log10(ratio))
    top = hidden[-1].layer
    measured = f"||dZ1|| / ||dZ{top}|| = {ratio:.3g}"
    if magnitude < -orders:
        warnings.append(
            HealthWarning(
                VANISHING,
                f"vanishing gradients: the back-propagated signal shrinks by {-magnitude:.1f} "
                f"orders of magnitude from the last hidden layer to the first ({measured}); try "
                "He initialization with ReLU, Xavier with tanh, or a shallower network",
                1,
            )
        )
    elif magnitude > orders:
        warnings.append(
            HealthWarning(
                EXPLODING,
                f"exploding gradients: the back-propagated signal grows by {magnitude:.1f} "
                f"orders of magnitude from the last hidden layer to the first ({measured}); try "
                + (
                    f"a lower learning rate (the initialization is already {SCALED[init]})"
                    if init in SCALED
                    else "a smaller initialization scale (He/Xavier) or a lower learning rate"
                ),
                1,
            )
        )
    return warnings, ratio, magnitude


def _layer_list(layers) -> str:
    names = ", ".join(str(h.layer) for h in layers)
    kinds = sorted({h.activation for h in layers})
    return f"layer{'s' if len(layers) > 1 else ''} {names} ({', '.join(kinds)})"


def _activation_warnings(layers, orders: float) -> list[HealthWarning]:
    """Activations whose spread grows or collapses by many orders from layer 1 to layer L-1."""
    hidden = [h for h in layers[:-1]]
    if len(hidden) < 2 or hidden[0].a_std == 0 or hidden[-1].a_std == 0:
        return []
    first, last = hidden[0], hidden[-1]
    magnitude = float(np.log10(last.a_std / first.a_std))
    if magnitude > orders:
        return [
            HealthWarning(
                EXPLODING_ACTIVATIONS,
                f"exploding activations: std(A{last.layer}) / std(A{first.layer}) = "
                f"{last.a_std / first.a_std:.3g} ({magnitude:.1f} orders of magnitude); the "
                "initialization scale is too large for this depth (use He or Xavier)",
                last.layer,
            )
        ]
    if magnitude < -orders:
        return [
            HealthWarning(
                VANISHING_ACTIVATIONS,
                f"vanishing activations: std(A{last.layer}) / std(A{first.layer}) = "
                f"{last.a_std / first.a_std:.3g} ({-magnitude:.1f} orders of magnitude): the "
                "units of the deep layers all output nearly the same value; the initialization "
                "scale is too small for this depth (use He or Xavier)",
                last.layer,
            )
        ]
    return []


def _output_scale(network, output: np.ndarray, targets) -> np.ndarray:
    """What the output's spread over the examples is measured against, per output: a
    regression's targets' spread (a network folded to predict targets near 1.7e9 varies by
    300, which is no constant), else the logits' size, at least 1."""
    if not network.task.is_classifier:
        y = np.asarray(network.backend.to_host(targets), dtype=np.float64).reshape(len(output), -1)
        spread = y.std(axis=0)
        if np.all(spread > 0):
            return spread
    return np.maximum(1.0, np.abs(output.mean(axis=0)))


def _zeroed(layers) -> list[LayerHealth]:
    """The layers whose weights are all but zero (too strong an L2 leaves them so)."""
    return [h for h in layers if h.weight_norm_W <= CONSTANT_SPREAD]


def _constant_output_warning(
    output: np.ndarray, scale: np.ndarray, layers, l2: float
) -> HealthWarning | None:
    """A warning when every output is the same for every example (see the module docstring),
    with its cause where the statistics show it: weights shrunk to zero (by L2, or drawn so),
    or a dead layer. ``scale``: per output, what a spread is measured against."""
    m = output.shape[0]
    if m < 2:
        return None
    spread = output.std(axis=0)
    if np.any(spread > CONSTANT_SPREAD * scale):
        return None
    zeroed = _zeroed(layers)
    dead = [h for h in layers[:-1] if h.dead_fraction == 1.0]
    if zeroed:
        norms = ", ".join(f"||W{h.layer}|| = {h.weight_norm_W:.2g}" for h in zeroed)
        cause = f"its weights are all but zero ({norms}), " + (
            f"as too strong an L2 leaves them: weaken L2 (now {l2:g})"
            if l2 > 0
            else "as a zero or tiny initialization leaves them: use He or Xavier initialization"
        )
    elif dead:
        cause = (
            f"no unit of {_layer_list(dead)} is active on any example: lower the learning rate "
            "or use He initialization"
        )
    else:
        cause = "the other warnings name what stops the inputs' signal on its way"
    varies = "does not vary" if spread.max() == 0 else f"varies by {spread.max():.2g} at most"
    return HealthWarning(
        CONSTANT_OUTPUT,
        f"constant output: Z[L] {varies} (standard deviation) over the {m} examples, so the "
        f"network predicts the same for every input and has learned nothing from them; {cause}",
        len(layers),
    )


def layer_health(
    network: Network,
    X: Any,
    y: Any,
    *,
    bins: int = 30,
    gradient_orders: float = 2.0,
    saturation_level: float = 0.99,
    saturation_threshold: float = 0.5,
    dead_threshold: float = 0.5,
) -> HealthReport:
    """Per-layer activation and gradient statistics of ``network`` on ``(X, y)``, with warnings.

    The pass runs in prediction mode (dropout off) and draws nothing from the network's random
    stream, so calling it during training leaves the training bit-identical.
    """
    if not isinstance(network, Network):
        raise DeepRecipeTypeError(
            f"network is a {type(network).__name__}; accepted: a deeprecipe Network"
        )
    if not network.backend.in_place:
        # statistics are read on the host: a NumPy twin, bit-identical weights and random state
        network = network.to(backend="numpy")
    X = network.check_inputs(X)
    targets = network.prepare_targets(y, X.shape[0])
    return _health(
        network,
        X,
        targets,
        bins=int(check_number("bins", bins, low=1, integer=True)),
        gradient_orders=check_number("gradient_orders", gradient_orders, low=0.0),
        saturation_level=check_number(
            "saturation_level", saturation_level, low=0.5, high=1.0, low_inclusive=False
        ),
        saturation_threshold=check_number(
            "saturation_threshold", saturation_threshold, low=0.0, high=1.0
        ),
        dead_threshold=check_number("dead_threshold", dead_threshold, low=0.0, high=1.0),
    )


def _health(
    network,
    X,
    targets,
    *,
    bins,
    gradient_orders,
    saturation_level,
    saturation_threshold,
    dead_threshold,
) -> HealthReport:
    saved_grad = network.grad.copy()
    try:
        cost = float(network.loss_and_gradient(X, targets, training=False))
        output = np.asarray(network.layers[-1]._z, dtype=np.float64)
        signal = _backward_signal(network, output, targets)
        activations = [*network.activations, "identity"]
        layers = tuple(
            _layer_stats(l + 1, layer, activations[l], bins, saturation_level, signal[l])
            for l, layer in enumerate(network.layers)
        )
        norms = {name: _norm(network.grad[s]) for name, (s, _) in network.parameter_slices.items()}
        finite = np.isfinite(network.grad).all() and all(
            np.isfinite(layer._z).all() for layer in network.layers
        )
    finally:
        network.grad[...] = saved_grad
        network.clear_cache()

    warnings: list[HealthWarning] = []
    if not finite or not np.isfinite(cost):
        warnings.append(
            HealthWarning(
                NON_FINITE,
                "non-finite activations, cost or gradients: lower the initialization scale or "
                "the learning rate",
            )
        )
    # the initializer the network was drawn from: its own, or its activation's (He for ReLU)
    init = network.init or network.layers[0].activation.recommended_init
    gradient_warnings, signal_ratio, magnitude = _gradient_warnings(layers, gradient_orders, init)
    first, last = layers[0].grad_norm_W, layers[-1].grad_norm_W
    ratio = first / last if first > 0 and last > 0 and len(layers) > 1 else None
    constant = (
        _constant_output_warning(
            output, _output_scale(network, output, targets), layers, network.l2
        )
        if finite
        else None
    )
    if constant is not None:
        warnings.append(constant)
        if _zeroed(layers):  # the gradients vanish for want of weights, not by the init
            gradient_warnings = [w for w in gradient_warnings if w.kind != VANISHING]
    warnings.extend(gradient_warnings)
    warnings.extend(_activation_warnings(layers, gradient_orders))
    saturated = [
        h
        for h in layers[:-1]
        if h.saturated_fraction is not None and h.saturated_fraction > saturation_threshold
    ]
    if saturated:
        worst = max(h.saturated_fraction for h in saturated)
        warnings.append(
            HealthWarning(
                SATURATION,
                f"{_layer_list(saturated)} saturate: up to {worst:.0%} of the activations are "
                f"within {1 - saturation_level:.2g} of the asymptotes, where the derivative is "
                "nearly 0; use a smaller initialization (Xavier) or normalized inputs",
                saturated[0].layer,
            )
        )
    dead = [
        h for h in layers[:-1] if h.dead_fraction is not None and h.dead_fraction > dead_threshold
    ]
    if dead:
        worst = max(h.dead_fraction for h in dead)
        warnings.append(
            HealthWarning(
                DEAD_RELU,
                f"dead ReLUs in {_layer_list(dead)}: up to {worst:.0%} of the units have Z <= 0 "
                "on every example, so they never learn; lower the learning rate, use He "
                "initialization, or leaky ReLU",
                dead[0].layer,
            )
        )
    silent = [
        h for h in layers[:-1] if h.silent_fraction is not None and h.silent_fraction > SILENT_SHARE
    ]
    if silent and not any(w.kind == CONSTANT_OUTPUT for w in warnings):
        worst = max(silent, key=lambda h: h.silent_fraction)
        warnings.append(
            HealthWarning(
                SILENT_EXAMPLES,
                f"{worst.silent_fraction:.0%} of the examples activate none of the "
                f"{worst.n_units} ReLU units of layer {worst.layer}: the layers above see one "
                "and the same input for all of them, so the network gives them one answer "
                "whatever they hold; widen that layer, lower the learning rate, or use leaky "
                "ReLU",
                worst.layer,
            )
        )
    return HealthReport(
        layers=layers,
        gradient_norms=norms,
        gradient_ratio=ratio,
        orders_of_magnitude=magnitude,
        signal_ratio=signal_ratio,
        cost=cost,
        warnings=tuple(warnings),
        thresholds={
            "gradient_orders": gradient_orders,
            "saturation_level": saturation_level,
            "saturation_threshold": saturation_threshold,
            "dead_threshold": dead_threshold,
        },
    )
