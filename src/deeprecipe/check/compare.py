"""Turn analytic and numerical values, tensor by tensor, into a :class:`GradcheckResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprecipe.check.layout import TensorLayout
from deeprecipe.check.result import (
    GradcheckResult,
    TensorCheck,
    Thresholds,
    WorstEntry,
    relative_difference,
)


@dataclass
class TensorValues:
    """The checked values of one tensor: at entries ``local`` (flat, C order) of the tensor, or
    along directions ``0..k-1`` when ``local`` is None."""

    layout: TensorLayout
    local: np.ndarray | None
    analytic: np.ndarray
    numerical: np.ndarray
    #: the numerical values as measured, when some were replaced (kinks)
    raw_numerical: np.ndarray | None = None

    def index(self, k: int) -> tuple[int, ...]:
        """The tensor index (or ``(direction,)``) of the k-th checked value."""
        return (k,) if self.local is None else self.layout.index_of(int(self.local[k]))


def entry_values(
    layout: TensorLayout, local: np.ndarray, analytic_flat: np.ndarray, numerical: np.ndarray
) -> TensorValues:
    """Values at the tensor's ``local`` entries; ``analytic_flat`` is the whole gradient."""
    return TensorValues(layout, local, analytic_flat[layout.positions[local]], numerical)


def direction_values(
    layout: TensorLayout, directions: np.ndarray, analytic_flat: np.ndarray, numerical: np.ndarray
) -> TensorValues:
    """Directional derivatives: ``g . v`` for each row ``v`` of ``directions`` against the
    numerical ones."""
    return TensorValues(layout, None, directions @ analytic_flat[layout.positions], numerical)


def build_result(
    values: list[TensorValues],
    *,
    thresholds: Thresholds,
    n_worst: int,
    n_parameters: int,
    **details,
) -> GradcheckResult:
    """The overall and per-tensor differences, verdicts and the ``n_worst`` worst entries."""
    analytic = np.concatenate([v.analytic for v in values]) if values else np.zeros(0)
    numerical = np.concatenate([v.numerical for v in values]) if values else np.zeros(0)
    difference = relative_difference(numerical, analytic)
    raw = [v.numerical if v.raw_numerical is None else v.raw_numerical for v in values]
    raw_difference = relative_difference(np.concatenate(raw), analytic) if values else 0.0
    per_tensor = {}
    for v in values:
        d = relative_difference(v.numerical, v.analytic)
        error = np.abs(v.numerical - v.analytic)
        per_tensor[v.layout.name] = TensorCheck(
            name=v.layout.name,
            shape=v.layout.shape,
            difference=d,
            verdict=thresholds.verdict(d),
            n_checked=int(v.analytic.size),
            n_entries=v.layout.size,
            analytic_norm=float(np.linalg.norm(v.analytic)),
            numerical_norm=float(np.linalg.norm(v.numerical)),
            max_abs_error=float(error.max()) if error.size else 0.0,
        )
    abs_error = np.abs(numerical - analytic)
    # a NaN or infinite entry is the worst there is: NaN sorted last named a correct entry
    rank = np.where(np.isfinite(abs_error), abs_error, np.inf)
    owner = np.repeat(np.arange(len(values)), [v.analytic.size for v in values])
    offset = np.concatenate([[0], np.cumsum([v.analytic.size for v in values])])
    worst = []
    for k in np.argsort(-rank, kind="stable")[:n_worst]:
        t = int(owner[k])
        a, n = float(analytic[k]), float(numerical[k])
        scale = abs(a) + abs(n)
        worst.append(
            WorstEntry(
                tensor=values[t].layout.name,
                index=values[t].index(int(k - offset[t])),
                analytic=a,
                numerical=n,
                abs_error=float(abs_error[k]),
                rel_error=float(abs_error[k]) / scale if scale else 0.0,
            )
        )
    if thresholds.fails(difference):  # the shape of a bug, where it has a common one
        details["notes"] = [
            *details.get("notes", []),
            *_not_finite(values),
            *_bug_patterns(values, analytic, numerical),
        ]
    return GradcheckResult(
        difference=difference,
        raw_difference=raw_difference,
        verdict=thresholds.verdict(difference),
        per_tensor=per_tensor,
        worst=worst,
        thresholds=thresholds,
        n_parameters=n_parameters,
        n_checked=int(analytic.size),
        **details,
    )


def _not_finite(values: list[TensorValues]) -> list[str]:
    """A note naming the entries where backprop or the numerical gradient is NaN or infinite
    (a derivative that divides by z at z = 0, a log of 0): no difference measures those."""
    notes = []
    for side in ("analytic", "numerical"):
        bad = [(v, k) for v in values for k in np.flatnonzero(~np.isfinite(getattr(v, side)))]
        if bad:
            shown = ", ".join(f"{v.layout.name} {v.index(int(k))}" for v, k in bad[:3])
            what = "backprop" if side == "analytic" else "the numerical gradient (the cost f)"
            notes.append(
                f"{what} is NaN or infinite at {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} "
                f"({shown}{', ...' if len(bad) > 3 else ''}): a division by zero or a log of 0 "
                "at these inputs"
            )
    return notes


#: how closely the entries must agree with a pattern to be named by it
PATTERN_TOLERANCE = 1e-4


def _bug_patterns(values: list[TensorValues], analytic: np.ndarray, numerical: np.ndarray):
    """Notes naming two shapes a failed check often has: backprop off by one constant factor
    everywhere (a missing or extra 1/m, a 2), and a square weight gradient that is the
    transpose of the numerical one."""
    notes = []
    big = np.abs(numerical) > 1e-3 * np.abs(numerical).max() if numerical.size else numerical
    if np.count_nonzero(big) >= 3:
        ratios = analytic[big] / numerical[big]
        factor = float(np.median(ratios))
        if abs(factor - 1) > PATTERN_TOLERANCE and np.allclose(
            ratios, factor, rtol=PATTERN_TOLERANCE, atol=0
        ):
            notes.append(
                f"backprop is {factor:.6g} times the numerical gradient in every entry: one "
                "constant factor went astray (a missing or extra 1/m, a 2 from a square, a "
                "scaling applied twice)"
            )
    for v in values:
        shape = v.layout.shape
        full = v.local is not None and v.analytic.size == v.layout.size
        if not (full and len(shape) == 2 and shape[0] == shape[1] > 1):
            continue
        order = np.argsort(v.local)
        got = v.analytic[order].reshape(shape)
        want = v.numerical[order].reshape(shape)
        scale = PATTERN_TOLERANCE * max(float(np.abs(want).max()), 1e-300)
        if not np.allclose(got, want, rtol=0, atol=scale) and np.allclose(
            got, want.T, rtol=0, atol=scale
        ):
            notes.append(
                f"{v.layout.name}'s backprop gradient is the transpose of the numerical one: "
                "a transposed product in its gradient (A^T dZ against dZ^T A)"
            )
    return notes
