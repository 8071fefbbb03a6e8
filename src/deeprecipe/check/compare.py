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
    owner = np.repeat(np.arange(len(values)), [v.analytic.size for v in values])
    offset = np.concatenate([[0], np.cumsum([v.analytic.size for v in values])])
    worst = []
    for k in np.argsort(-abs_error, kind="stable")[:n_worst]:
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
                rel_error=float(abs_error[k] / scale) if scale else 0.0,
            )
        )
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
