"""Numerical gradients of any function of a flat float64 vector, and ``check_grad`` for them.

Two-sided difference (the default; error O(eps^2))::

    g_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

One-sided difference (for teaching why not; error O(eps))::

    g_approx[i] = (J(theta + eps e_i) - J(theta)) / eps

The generic path pays one call of ``f`` per perturbation; networks have a faster engine
(:mod:`deeprecipe.check.layerwise`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from deeprecipe._validation import check_array, check_number, check_rng
from deeprecipe.check.compare import (
    TensorValues,
    build_result,
    direction_values,
    entry_values,
)
from deeprecipe.check.kinks import resolve_kinks
from deeprecipe.check.layout import (
    DEFAULT_DIRECTIONS,
    DEFAULT_SAMPLES,
    check_mode,
    layout_from_names,
    rademacher_directions,
    select_entries,
)
from deeprecipe.check.result import (
    GREAT,
    LIKELY_BUG,
    NOISE_MARGIN,
    GradcheckResult,
    KinkEntry,
    as_thresholds,
    hidden_failure_note,
)
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

DEFAULT_EPS = 1e-7
DEFAULT_WORST = 10


#: below this a float64 step drowns in rounding: theta + eps keeps too few digits of eps
MIN_EPS = 1e-12


def check_eps(eps: Any) -> float:
    eps = check_number("eps", eps, low=0.0, low_inclusive=False, high=1.0)
    if eps < MIN_EPS:
        raise DeepRecipeError(
            f"eps={eps:g} is too small: theta + eps keeps almost none of eps in float64 (16 "
            f"digits), so the finite differences are rounding noise; accepted: {MIN_EPS:g} <= "
            "eps <= 1 (the course's 1e-7)"
        )
    return eps


def _scalar(f: Callable, theta: np.ndarray) -> float:
    value = f(theta)
    try:
        if isinstance(value, (str, bytes)) or np.iscomplexobj(value):
            raise TypeError
        value = float(value)
    except (TypeError, ValueError):
        raise DeepRecipeTypeError(
            f"f returned {type(value).__name__} {value!r}; accepted: a real scalar"
        ) from None
    return value


def _gradient_array(value: Any) -> np.ndarray:
    """grad_f's answer as float64 numbers, or an error saying what it returned."""
    accepted = "accepted: an array of real numbers, one per entry of theta"
    if value is None or isinstance(value, (str, bytes, dict)):
        raise DeepRecipeTypeError(f"grad_f returned {type(value).__name__}; {accepted}")
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError
        return array.astype(np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DeepRecipeTypeError(
            f"grad_f returned a {type(value).__name__} that is not an array of real numbers; "
            f"{accepted}"
        ) from None


def _as_theta(theta: Any) -> np.ndarray:
    theta = check_array("theta", theta, dtype=np.float64)
    return theta.reshape(-1).copy()


def numerical_gradient(
    f: Callable[[np.ndarray], float],
    theta: Any,
    eps: float = DEFAULT_EPS,
    two_sided: bool = True,
    *,
    indices: Any = None,
) -> np.ndarray:
    """The finite-difference gradient of ``f`` at ``theta`` (a float64 copy; ``theta`` is kept).

    Args:
        f: a function of a flat float64 vector returning a real number.
        theta: the point (any shape; it is flattened).
        eps: the step (1e-7 by default, as in the course).
        two_sided: centred difference (default) or forward difference.
        indices: flat positions to differentiate along (default: all of them).

    Returns:
        The gradient, shaped like the flattened ``theta`` (or one value per index).
    """
    eps = check_eps(eps)
    point = _as_theta(theta)
    positions = np.arange(point.size) if indices is None else np.asarray(indices, dtype=np.intp)
    if positions.size and (positions.min() < 0 or positions.max() >= point.size):
        raise DeepRecipeError(
            f"indices reach outside theta (size {point.size}); accepted: 0..{point.size - 1}"
        )
    base = None if two_sided else _scalar(f, point.copy())
    return _differences(f, point, positions, eps, base)


def _differences(
    f: Callable, point: np.ndarray, positions: np.ndarray, step: float, base: float | None
) -> np.ndarray:
    """Centred differences along ``positions`` (``base`` None), else one-sided ones from
    ``base = f(point)``: to the right for a positive ``step``, to the left for a negative one.
    ``point`` is changed in place and restored."""
    out = np.empty(positions.size)
    for k, i in enumerate(positions):
        original = point[i]
        point[i] = original + step
        plus = _scalar(f, point)
        if base is None:
            point[i] = original - step
            out[k] = (plus - _scalar(f, point)) / (2 * step)
        else:
            out[k] = (plus - base) / step
        point[i] = original
    return out


def numerical_directional(
    f: Callable[[np.ndarray], float],
    theta: np.ndarray,
    positions: np.ndarray,
    directions: np.ndarray,
    eps: float,
    two_sided: bool,
    base: float | None,
) -> np.ndarray:
    """``(f(theta + eps v) - f(theta - eps v)) / (2 eps)`` for each row ``v`` of ``directions``
    (placed at ``positions``)."""
    out = np.empty(len(directions))
    point = theta.copy()
    for k, v in enumerate(directions):
        point[positions] = theta[positions] + eps * v
        plus = _scalar(f, point)
        if two_sided:
            point[positions] = theta[positions] - eps * v
            out[k] = (plus - _scalar(f, point)) / (2 * eps)
        else:
            out[k] = (plus - base) / eps
        point[positions] = theta[positions]
    return out


def check_grad(
    f: Callable[[np.ndarray], float],
    grad_f: Callable[[np.ndarray], Any],
    theta: Any,
    *,
    names: Mapping[str, Any] | None = None,
    eps: float = DEFAULT_EPS,
    two_sided: bool = True,
    mode: str = "full",
    n_samples: int = DEFAULT_SAMPLES,
    n_directions: int = DEFAULT_DIRECTIONS,
    seed: Any = 0,
    thresholds: Any = None,
    n_worst: int = DEFAULT_WORST,
    label: str = "",
) -> GradcheckResult:
    """Check a user's gradient ``grad_f`` against the numerical gradient of ``f`` at ``theta``.

    Args:
        f: the cost, a function of a flat float64 vector.
        grad_f: its claimed gradient, returning an array with as many entries as ``theta``.
        theta: the point to check at (flattened; never modified). Without ``names``, a
            matrix's entries are reported by their (row, column).
        names: optional mapping ``name -> slice``, ``(slice, shape)``, shape tuple or size that
            names the tensors inside ``theta`` so the report can say where a bug is (shapes are
            laid out back to back); unnamed entries are reported as ``rest``.
        eps, two_sided: the finite difference (see :func:`numerical_gradient`).
        mode: ``full`` (every entry), ``sampled`` (``n_samples`` random entries per tensor) or
            ``directional`` (``n_directions`` random +-1 directions per tensor).
        seed: drives the sampled entries and the directions.
        thresholds: verdict bands (see :class:`~deeprecipe.check.result.Thresholds`).
        n_worst: how many of the worst entries to report.

    Returns:
        A :class:`~deeprecipe.check.result.GradcheckResult`.
    """
    start = time.perf_counter()
    eps = check_eps(eps)
    mode, n_samples, n_directions = check_mode(mode, n_samples, n_directions)
    thresholds = as_thresholds(thresholds)
    n_worst = int(check_number("n_worst", n_worst, low=0, integer=True))
    rng = check_rng(seed)
    point = _as_theta(theta)
    if names is None and np.ndim(theta) > 1:  # indices in theta's own shape
        names = {"theta": np.shape(theta)}
    layouts = layout_from_names(names, point.size)
    for name, fn in (("f", f), ("grad_f", grad_f)):
        if not callable(fn):
            raise DeepRecipeTypeError(
                f"{name}={fn!r} is not callable; accepted: a function of theta (a 1-D array)"
            )
    analytic = _gradient_array(grad_f(point.copy()))
    if analytic.size != point.size:
        raise DeepRecipeError(
            f"grad_f returned {analytic.size} values for a theta of {point.size}; accepted: one "
            "partial derivative per entry of theta"
        )
    evaluations = 1
    base = None
    values: list[TensorValues] = []
    kinks: list[KinkEntry] = []
    if mode == "directional":
        if not two_sided:
            base = _scalar(f, point.copy())
            evaluations += 1
        for t, dirs in zip(layouts, rademacher_directions(layouts, n_directions, rng)):
            numerical = numerical_directional(f, point, t.positions, dirs, eps, two_sided, base)
            evaluations += len(dirs) * (2 if two_sided else 1)
            values.append(direction_values(t, dirs, analytic, numerical))
    else:
        chosen = select_entries(layouts, mode, n_samples, rng)
        flat = np.concatenate([t.positions[local] for t, local in zip(layouts, chosen)])
        numerical = numerical_gradient(f, point, eps, two_sided, indices=flat)
        evaluations += flat.size * (2 if two_sided else 1) + (0 if two_sided else 1)
        pieces = np.split(numerical, np.cumsum([local.size for local in chosen])[:-1])
        for t, local, piece in zip(layouts, chosen, pieces):
            values.append(entry_values(t, local, analytic, piece))

        def one_sided(t: int, local: np.ndarray, step: float) -> np.ndarray:
            nonlocal base, evaluations
            if base is None:
                base = _scalar(f, point.copy())
                evaluations += 1
            evaluations += local.size
            return _differences(f, point, layouts[t].positions[local], step, base)

        kinks = resolve_kinks(one_sided, values, eps)
    result = build_result(
        values,
        thresholds=thresholds,
        n_worst=n_worst,
        n_parameters=point.size,
        n_forward_passes=evaluations,
        forward_pass_equivalents=float(evaluations),
        mode=mode,
        eps=eps,
        two_sided=two_sided,
        dropout="n/a",
        seconds=time.perf_counter() - start,
        label=label,
        kinks=kinks,
    )
    if result.short_of_great:
        f0 = _scalar(f, point.copy()) if base is None else base  # base: f(theta), if measured
        result.noise_floor = rounding_noise(abs(f0), eps)
        notes = [
            _random_f_note(f0, _scalar(f, point.copy())),
            rounding_note(result, abs(f0), scale_name="f's size"),
            hidden_failure_note(result),
            _float32_note(f0, result, eps, two_sided) if not result.passed else None,
        ]
        result.notes.extend(note for note in notes if note)
    return result


def _random_f_note(first: float, second: float) -> str | None:
    """``f`` gave two values at the same theta: it draws something at random per call."""
    if first == second or (math.isnan(first) and math.isnan(second)):
        return None
    return (
        f"f gave {first:.10g} and then {second:.10g} at the same theta: it is not a function "
        "of theta alone (a dropout mask or a mini-batch drawn per call?), so its finite "
        "differences measure the randomness, not the gradient; fix the draw (a seeded mask, "
        "the same examples) while checking"
    )


def _float32_note(f0: float, result: GradcheckResult, eps: float, two_sided: bool) -> str | None:
    """A failed check whose numerical entries are all whole multiples of what one float32
    rounding step of ``f`` divided by the difference's width gives: ``f`` computes (or
    returns) in float32, whose 7 digits round a step of eps away."""
    quantum = float(np.spacing(np.float32(abs(f0)))) / ((2 if two_sided else 1) * eps)
    steps = [w.numerical / quantum for w in result.worst]
    if not np.isfinite(quantum) or not quantum > 0 or not np.isfinite(steps).all():
        return None  # an infinite cost (log 0) is not a rounding
    if not all(abs(k - round(k)) < 1e-3 for k in steps):
        return None
    return (
        f"every numerical entry shown is a whole multiple of {quantum:.3g}, one float32 "
        f"rounding step of f ({f0:.4g}) over the difference's width: f computes in float32, "
        "whose 7 digits round a step of eps away, so the numerical gradient is rounding, not "
        "a derivative; compute f in float64 (or try a larger eps)"
    )


def rounding_noise(scale: float, eps: float) -> float:
    """The rounding noise of one two-sided difference, ``u * scale / eps`` (``u`` = 2.2e-16,
    ``scale`` the largest quantity the cost is computed from: see :func:`rounding_note`)."""
    return float(np.finfo(np.float64).eps * scale / eps)


def rounding_note(
    result: GradcheckResult, scale: float, scale_name: str = "the logits' size", remedy: str = ""
) -> str | None:
    """Explain a check short of "great" whose every error is within finite-difference
    rounding noise.

    ``(J(theta + eps) - J(theta - eps)) / (2 eps)`` carries the rounding of ``J``'s terms: about
    ``u * scale / eps`` per entry, with ``u`` = 2.2e-16 and ``scale`` the largest quantity the
    cost is computed from (the logits, or ``J`` itself). With a tiny gradient (a saturated output
    the network already fits perfectly) that noise alone can push the relative difference past
    1e-5 without any bug, and a correct network whose gradient is modest land in "look again"
    (errors of 5e-9 per entry in an untrained 64-32-10 network on 20 examples). A difference
    in the bug band is never explained away. ``scale_name`` says what ``scale`` measured and
    ``remedy`` adds a way to enlarge the gradient.
    """
    if result.verdict in (GREAT, LIKELY_BUG) or not result.worst:
        return None
    noise = rounding_noise(scale, result.eps)
    largest = max(entry.abs_error for entry in result.worst)
    if not largest <= NOISE_MARGIN * noise:
        return None
    return (
        f"every error (largest {largest:.1e}) is within the finite differences' rounding "
        f"noise (about {noise:.0e} per entry: 2.2e-16 x {scale_name} {scale:.3g} / eps), "
        "and the gradient itself is small: the relative difference is then not evidence of a "
        f"bug; a larger eps (1e-6, 1e-5) divides the noise by as much{remedy}"
    )
