"""``gradcheck``: prove a network's backprop against its own cost, tensor by tensor.

The course's rules are built in: the check runs in float64 on a copy of the network (the
original is never touched), the cost includes the L2 term ``(lambda/(2m)) sum ||W||^2`` with
``m = len(X)`` unless given, and dropout is either

* ``off`` (the course's advice): every evaluation runs in prediction mode, nothing dropped; or
* ``frozen``: one training forward pass draws the masks (from ``seed``), then backprop and every
  perturbed evaluation reuse them, so dropout's own backward (``dA * D / keep_prob``) is checked.

The numerical gradient of a ``full`` or ``sampled`` check comes from
:class:`~deeprecipe.check.layerwise.LayerwiseCost`, which recomputes only the layers above each
perturbed weight; ``directional`` evaluates whole forward passes along random +-1 directions.

Off NumPy (a network on PyTorch, CuPy, ...) the check runs where the network runs: the float64
copy stays on its backend and device, backprop and every perturbed forward pass run there, and
the numerical gradient takes one whole forward pass per perturbation (the layer-wise engine is
NumPy's); only the scalar costs and the gradient come back to the host to be compared.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from deeprecipe._validation import check_choice, check_number
from deeprecipe.check.activations import activation_notes
from deeprecipe.check.compare import (
    TensorValues,
    build_result,
    direction_values,
    entry_values,
)
from deeprecipe.check.kinks import resolve_kinks
from deeprecipe.check.layerwise import KINK_ACTIVATIONS, LayerwiseCost, one_blas_thread
from deeprecipe.check.layout import (
    DEFAULT_DIRECTIONS,
    DEFAULT_SAMPLES,
    check_mode,
    layout_from_slices,
    rademacher_directions,
    select_entries,
)
from deeprecipe.check.numerical import (
    DEFAULT_EPS,
    DEFAULT_WORST,
    check_eps,
    numerical_directional,
    numerical_gradient,
    rounding_noise,
    rounding_note,
)
from deeprecipe.check.own_loss import loss_note
from deeprecipe.check.result import (
    GradcheckResult,
    as_thresholds,
    hidden_failure_note,
)
from deeprecipe.errors import DeepRecipeTypeError
from deeprecipe.nn.network import Network

DROPOUT_MODES = ("off", "frozen")
#: ReLU pre-activations closer than this many eps to 0 are reported as possible kink crossings
KINK_EPS_FACTOR = 100.0


def gradcheck(
    network: Network,
    X: Any,
    y: Any,
    *,
    eps: float = DEFAULT_EPS,
    two_sided: bool = True,
    dropout: str = "off",
    mode: str = "full",
    n_samples: int = DEFAULT_SAMPLES,
    n_directions: int = DEFAULT_DIRECTIONS,
    seed: Any = 0,
    thresholds: Any = None,
    n_worst: int = DEFAULT_WORST,
    m: int | None = None,
    label: str = "",
) -> GradcheckResult:
    """Compare ``network``'s backprop gradient with a numerical one on ``(X, y)``.

    ``difference = ||g_approx - g|| / (||g_approx|| + ||g||)``, overall and per tensor.

    Args:
        network: the :class:`~deeprecipe.nn.Network` to check (copied to float64; untouched).
        X, y: the data the cost is measured on (a few dozen examples are enough).
        eps: the finite-difference step (the course's 1e-7).
        two_sided: centred differences (default; error O(eps^2)) or forward ones (O(eps)).
        dropout: ``off`` or ``frozen`` (see the module docstring).
        mode: ``full`` (every entry), ``sampled`` (``n_samples`` random entries of every
            tensor) or ``directional`` (``n_directions`` random +-1 directions per tensor,
            comparing ``(J(theta + eps v) - J(theta - eps v)) / (2 eps)`` with ``g . v``).
        seed: drives the dropout masks, the sampled entries and the directions.
        thresholds: the verdict bands, a :class:`~deeprecipe.check.result.Thresholds` or a dict
            ``{"great": 1e-7, "look_again": 1e-5, "bug": 1e-3}``.
        n_worst: how many of the worst entries to report.
        m: the training-set size the L2 term divides by (default ``len(X)``).
        label: a name for this check in reports (e.g. ``"after 100 steps"``).

    Returns:
        A :class:`~deeprecipe.check.result.GradcheckResult`; ``print(result)`` shows the table.

    ReLU kinks: an entry whose finite difference straddles a kink (a pre-activation within
    eps of 0, often exactly 0) disagrees with a correct backprop. Such entries, when their two
    one-sided differences differ and backprop equals one of them, are listed in
    ``result.kinks`` and counted as agreeing; ``result.raw_difference`` keeps the course's
    figure with every entry as measured. Several kinks met by one perturbation cannot be told
    apart this way; the result's notes then count the pre-activations near 0.

    BLAS runs on one thread during the check: its matrix products are small, and on a busy
    machine a second BLAS thread makes them many times slower instead of faster.
    """
    with one_blas_thread():
        return _check_network(
            network,
            X,
            y,
            eps=eps,
            two_sided=two_sided,
            dropout=dropout,
            mode=mode,
            n_samples=n_samples,
            n_directions=n_directions,
            seed=seed,
            thresholds=thresholds,
            n_worst=n_worst,
            m=m,
            label=label,
        )


def _check_network(
    network,
    X,
    y,
    *,
    eps,
    two_sided,
    dropout,
    mode,
    n_samples,
    n_directions,
    seed,
    thresholds,
    n_worst,
    m,
    label,
) -> GradcheckResult:
    start = time.perf_counter()
    if not isinstance(network, Network):
        raise DeepRecipeTypeError(
            f"network is a {type(network).__name__}; accepted: a deeprecipe.nn.Network "
            "(use check_grad for your own function and gradient)"
        )
    eps = check_eps(eps)
    dropout = check_choice("dropout", dropout, DROPOUT_MODES)
    mode, n_samples, n_directions = check_mode(mode, n_samples, n_directions)
    thresholds = as_thresholds(thresholds)
    n_worst = int(check_number("n_worst", n_worst, low=0, integer=True))
    mask_seed, pick_seed = np.random.SeedSequence(_entropy(seed)).spawn(2)

    # copy() builds the network's own class: a subclass that overrides ``backward`` (a
    # developer's custom layer) is checked as itself, not as a plain Network
    net = network.copy(dtype=np.float64)
    net.rng = np.random.default_rng(mask_seed)
    X = net.check_inputs(X)
    targets = net.prepare_targets(y, X.shape[0])
    m = X.shape[0] if m is None else int(check_number("m", m, low=1, integer=True))
    notes: list[str] = []

    has_dropout = any(k < 1.0 for k in net.keep_probs)
    training, masks = False, None
    if dropout == "frozen" and has_dropout:
        net.forward(X, training=True)
        copy = net.backend.copy
        masks = [None if layer.mask is None else copy(layer.mask) for layer in net.layers]
        training = True
        notes.append("dropout masks drawn once from the seed and frozen for every evaluation")
    elif dropout == "frozen":
        notes.append("dropout='frozen' but the network has no dropout: nothing to freeze")
    elif has_dropout:
        notes.append(
            "dropout is off for the check (prediction mode); dropout='frozen' checks "
            "dropout's backward too"
        )

    net.loss_and_gradient(X, targets, m=m, training=training, masks=masks)
    analytic = np.array(net.backend.to_host(net.grad), copy=True)
    theta = net.get_theta()
    layouts = layout_from_slices(net.parameter_slices)
    rng = np.random.default_rng(pick_seed)

    def cost(point: np.ndarray) -> float:
        net.theta = point
        logits = net.backend.to_host(net.forward(X, training=training, masks=masks))
        return net.loss.value(logits, targets) + net.l2_cost(m)

    engine = (
        LayerwiseCost(net, X, targets, m=m, training=training, masks=masks)
        if net.backend.in_place
        else None
    )
    values: list[TensorValues] = []
    evaluations, work = 1, 1.0
    if mode == "directional":
        base = None if two_sided else cost(theta.copy())
        evaluations += 0 if two_sided else 1
        for t, dirs in zip(layouts, rademacher_directions(layouts, n_directions, rng)):
            numerical = numerical_directional(cost, theta, t.positions, dirs, eps, two_sided, base)
            evaluations += len(dirs) * (2 if two_sided else 1)
            values.append(direction_values(t, dirs, analytic, numerical))
        work = float(evaluations)
    else:
        chosen = select_entries(layouts, mode, n_samples, rng)
        if engine is not None and engine.matches_network:
            for index, (t, local) in enumerate(zip(layouts, chosen)):
                kind, k = ("W", index // 2) if index % 2 == 0 else ("b", index // 2)
                numerical = engine.entries(k, kind, local, eps, two_sided)
                values.append(entry_values(t, local, analytic, numerical))
            evaluations += engine.evaluations + (0 if two_sided else 1)
            work += engine.work + (0 if two_sided else 1)
        else:
            notes.append(
                f"{engine.mismatch}; fell back to one whole forward pass per perturbation"
                if engine is not None
                else f"on the {net.backend.name} backend ({net.backend.device_name}): one "
                "whole forward pass per perturbation, on the device"
            )
            flat = np.concatenate([t.positions[local] for t, local in zip(layouts, chosen)])
            numerical = numerical_gradient(cost, theta, eps, two_sided, indices=flat)
            pieces = np.split(numerical, np.cumsum([local.size for local in chosen])[:-1])
            values = [entry_values(t, c, analytic, p) for t, c, p in zip(layouts, chosen, pieces)]
            evaluations += flat.size * (2 if two_sided else 1) + (0 if two_sided else 1)
            work = float(evaluations)
    net.theta = theta

    kinks = []
    if (
        mode != "directional"
        and engine is not None
        and engine.matches_network
        # your own activation may have a kink too: the one-sided slopes tell, whatever its name
        and (any(a in KINK_ACTIVATIONS for a in net.activations) or net.own_activations)
    ):
        evaluations_before = engine.evaluations
        kinks = resolve_kinks(
            lambda t, local, step: engine.entries(  # values are W1, b1, W2, ... in order
                t // 2, "W" if t % 2 == 0 else "b", local, step, two_sided=False
            ),
            values,
            eps,
        )
        evaluations += engine.evaluations - evaluations_before
    near, exact, total = (0, 0, 0) if engine is None else engine.near_kinks(KINK_EPS_FACTOR * eps)
    if near:
        kinds = "/".join(sorted({a for a in net.activations if a in KINK_ACTIVATIONS}))
        zeros = (
            f" ({exact} exactly 0: an example whose inputs to the unit are all 0 or dropped, "
            "with a zero bias)"
            if exact
            else ""
        )
        notes.append(
            f"{near} of {total} {kinds} pre-activations lie within {KINK_EPS_FACTOR:g}*eps of "
            f"the kink at 0{zeros}: a perturbation crossing it makes the finite difference "
            "disagree with backprop there without a bug; if only the entries fed by those "
            "units disagree, it is the kink (a tanh network or other data confirms)"
        )
    result = build_result(
        values,
        thresholds=thresholds,
        n_worst=n_worst,
        n_parameters=net.n_params,
        n_forward_passes=int(evaluations),
        forward_pass_equivalents=float(work),
        mode=mode,
        eps=eps,
        two_sided=bool(two_sided),
        dropout=dropout,
        seconds=time.perf_counter() - start,
        label=label,
        notes=notes,
        kinks=kinks,
    )
    if result.short_of_great:  # the cost's scale then (one more forward pass)
        logits = net.backend.to_host(net.forward(X, training=training, masks=masks))
        cost = net.loss.value(logits, targets) + net.l2_cost(m)
        scale = max(abs(cost), float(np.abs(logits).max()))
        result.noise_floor = rounding_noise(scale, result.eps)
        note = rounding_note(
            result,
            scale,
            remedy=" (the gradient is small when inputs are, or outputs already fitted: "
            "examples the network fits less perfectly enlarge it)",
        )
        if note:
            result.notes.append(note)
        if result.inconclusive:
            largest = max(t.max_abs_error for t in result.per_tensor.values())
            result.notes.append(
                f"inconclusive: every error (largest {largest:.1e}) is within the finite "
                f"differences' rounding noise (about {result.noise_floor:.0e} per entry), so "
                "the gradient itself is that small: training reached a minimum of the cost "
                "(with L2, where the data's gradient and the penalty's cancel), or the output "
                "barely depends on the weights (dead ReLUs, a constant output); the check can "
                "show neither a bug nor its absence here: check at initialization, or on "
                "examples the network does not fit"
            )
        note = hidden_failure_note(result)
        if note:
            result.notes.append(note)
        # a failing tensor is short of great: yours, checked alone, at these logits
        if result.failing_tensors and net.own_loss is not None:
            note = loss_note(net.own_loss, logits, targets)
            if note:
                result.notes.append(note)
        if result.failing_tensors and net.own_activations:
            net.forward(X, training=False)
            result.notes.extend(activation_notes(net, net.own_activations))
    return result


def _entropy(seed: Any) -> Any:
    """Seed material for SeedSequence: an int, or fresh entropy for ``None``/a Generator."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if seed is None:
        return None
    return int(check_number("seed", seed, low=0, integer=True))
