"""What a gradient check found: the figure, its verdict, each tensor's figure, the worst entries.

The figure is the course's relative difference between the numerical gradient ``g_approx`` and
backprop's gradient ``g``::

    difference = ||g_approx - g||_2 / (||g_approx||_2 + ||g||_2)

(0 when both are zero). It is read against three thresholds (settable):

=================== ============================ ===============================================
verdict             difference                   what to do
=================== ============================ ===============================================
``great``           below ``great`` (1e-7)       nothing: backprop matches
``look again``      up to ``look_again`` (1e-5)  probably fine; look at the worst entries
``suspicious``      up to ``bug`` (1e-3)         the band the course leaves open: rarely a clean
                                                 backprop (ReLU kinks, a float32 computation,
                                                 a large eps); treat as failing until explained
``likely a bug``    above ``bug`` (1e-3)         a bug in backprop, in the tensors named
=================== ============================ ===============================================

A tensor *fails* when its own difference is above ``look_again`` and its errors are above the
finite differences' rounding noise. A check *passes* when its difference is at most
``look_again`` and no tensor fails: a tensor whose gradient is small next to the others' (a
bias, an early layer's weights under vanishing gradients) can be wholly wrong within an overall
figure that reads "great".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

GREAT, LOOK_AGAIN, SUSPICIOUS, LIKELY_BUG = "great", "look again", "suspicious", "likely a bug"
#: errors up to this many times the rounding noise per entry are taken as noise
NOISE_MARGIN = 10


@dataclass(frozen=True)
class Thresholds:
    """The bands of the verdict: ``great < look_again < bug`` (the course's 1e-7, 1e-5, 1e-3)."""

    great: float = 1e-7
    look_again: float = 1e-5
    bug: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("great", "look_again", "bug"):
            check_number(f"thresholds.{name}", getattr(self, name), low=0.0, low_inclusive=False)
        if not self.great < self.look_again < self.bug:
            raise DeepRecipeError(
                f"thresholds great={self.great}, look_again={self.look_again}, bug={self.bug} "
                "must increase strictly; accepted: great < look_again < bug"
            )

    def verdict(self, difference: float) -> str:
        """The band ``difference`` falls in (NaN counts as a bug)."""
        if not difference <= self.bug:  # also catches NaN
            return LIKELY_BUG
        if difference < self.great:
            return GREAT
        if difference <= self.look_again:
            return LOOK_AGAIN
        return SUSPICIOUS

    def fails(self, difference: float) -> bool:
        return not difference <= self.look_again


def as_thresholds(value: Any) -> Thresholds:
    """Accept a :class:`Thresholds`, a mapping of its fields, a 3-tuple, or ``None`` (defaults)."""
    if value is None:
        return Thresholds()
    if isinstance(value, Thresholds):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {"great", "look_again", "bug"}
        if unknown:
            raise DeepRecipeError(
                f"thresholds has unknown key(s) {sorted(unknown)}; accepted: great, look_again, bug"
            )
        return Thresholds(**dict(value))
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
        return Thresholds(*value)
    raise DeepRecipeTypeError(
        f"thresholds={value!r}; accepted: None, a Thresholds, a dict with keys great, "
        "look_again, bug, or a tuple (great, look_again, bug)"
    )


def relative_difference(numerical: np.ndarray, analytic: np.ndarray) -> float:
    """``||numerical - analytic|| / (||numerical|| + ||analytic||)``; 0 when both are zero."""
    numerator = float(np.linalg.norm(numerical - analytic))
    denominator = float(np.linalg.norm(numerical)) + float(np.linalg.norm(analytic))
    if denominator == 0.0:
        return 0.0 if numerator == 0.0 else math.inf
    return numerator / denominator


@dataclass(frozen=True)
class TensorCheck:
    """One parameter tensor's share of the check."""

    name: str
    shape: tuple[int, ...]
    difference: float
    verdict: str
    n_checked: int
    n_entries: int
    analytic_norm: float
    numerical_norm: float
    max_abs_error: float


@dataclass(frozen=True)
class WorstEntry:
    """One entry where backprop and the numerical gradient disagree most (by absolute error).

    In directional mode ``index`` is ``(k,)``, the k-th random direction restricted to ``tensor``,
    and the two values are the directional derivatives ``g . v``.
    """

    tensor: str
    index: tuple[int, ...]
    analytic: float
    numerical: float
    abs_error: float
    rel_error: float


@dataclass(frozen=True)
class KinkEntry:
    """An entry whose finite difference straddles a ReLU kink: its two one-sided differences
    ``left`` and ``right`` differ, and backprop's value equals one of them."""

    tensor: str
    index: tuple[int, ...]
    analytic: float
    numerical: float
    left: float
    right: float


def _fmt(value: float) -> str:
    return f"{value:.3e}" if math.isfinite(value) else str(value)


@dataclass
class GradcheckResult:
    """The outcome of a gradient check; ``str(result)`` is a readable plain-text table.

    Attributes:
        difference: the course's relative difference over every checked entry.
        verdict: ``great``, ``look again``, ``suspicious`` or ``likely a bug``
            (see :class:`Thresholds`).
        per_tensor: each tensor's :class:`TensorCheck`, by name (``W1``, ``b1``, ...).
        worst: the entries with the largest absolute error, largest first.
        n_forward_passes: evaluations of the cost at perturbed parameters (what a course-style
            loop would pay as whole forward passes), plus the one that gave backprop's gradient.
        forward_pass_equivalents: the work actually done, in units of one whole forward pass
            (a full check that recomputes only the layers above each perturbed weight costs
            far fewer than ``n_forward_passes``).
        notes: caveats found while checking (ReLU kinks, dropout handling, engine fallbacks).
        raw_difference: the course's figure with every entry as measured. It differs from
            ``difference`` only when ``kinks`` is not empty: an entry whose two one-sided
            differences disagree (a ReLU kink within eps) and where backprop equals one of them
            counts as agreeing in ``difference`` (see :mod:`deeprecipe.check.kinks`).
        kinks: those entries, with both one-sided differences.
    """

    difference: float
    verdict: str
    per_tensor: dict[str, TensorCheck]
    worst: list[WorstEntry]
    n_forward_passes: int
    forward_pass_equivalents: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    mode: str = "full"
    eps: float = 1e-7
    two_sided: bool = True
    dropout: str = "off"
    n_parameters: int = 0
    n_checked: int = 0
    seconds: float = 0.0
    label: str = ""
    notes: list[str] = field(default_factory=list)
    #: the course's figure with every entry as measured, kinks included
    raw_difference: float | None = None
    #: entries explained by a ReLU kink (counted as agreeing in ``difference``)
    kinks: list[KinkEntry] = field(default_factory=list)
    #: the finite differences' rounding noise per entry (``u * scale / eps``), measured when
    #: the check or a tensor falls short of "great"; None otherwise
    noise_floor: float | None = None

    @property
    def passed(self) -> bool:
        """True when the overall difference is at most ``thresholds.look_again`` and no tensor
        fails (see :attr:`failing_tensors`)."""
        return not self.thresholds.fails(self.difference) and not self.failing_tensors

    @property
    def short_of_great(self) -> bool:
        """The overall verdict is short of "great", or a tensor's own difference is above
        ``thresholds.look_again``: a check to explain (the checkers then measure its rounding
        noise, :attr:`noise_floor`)."""
        return self.verdict != GREAT or any(
            self.thresholds.fails(t.difference) for t in self.per_tensor.values()
        )

    @property
    def inconclusive(self) -> bool:
        """Short of passing with every tensor's errors within the rounding noise: the gradient
        itself is that small (an output that no longer depends on the weights: dead ReLUs, a
        network collapsed to a constant), and the check shows neither a bug nor its absence."""
        return (
            not self.passed
            and bool(self.per_tensor)
            and all(self.within_noise(t) for t in self.per_tensor.values())
        )

    @property
    def outcome(self) -> str:
        """ "passed", "inconclusive" (see :attr:`inconclusive`) or "FAILED", as displays say it."""
        if self.passed:
            return "passed"
        return "inconclusive" if self.inconclusive else "FAILED"

    @property
    def reading(self) -> str:
        """The verdict and outcome as displays say them beside the difference ("great,
        passed", "likely a bug, FAILED"); an inconclusive check's band would read as an alarm
        ("1 (likely a bug, inconclusive)"), so it says why instead."""
        if self.inconclusive:
            return "inconclusive: every error within the rounding noise"
        return f"{self.verdict}, {self.outcome}"

    def within_noise(self, tensor: TensorCheck) -> bool:
        """Every error of ``tensor`` is within the finite differences' rounding noise: its
        relative difference, however large, is then no evidence of a bug."""
        floor = self.noise_floor
        return floor is not None and tensor.max_abs_error <= NOISE_MARGIN * floor

    def fails(self, tensor: TensorCheck) -> bool:
        """``tensor``'s own difference is above ``thresholds.look_again``, beyond the noise."""
        return self.thresholds.fails(tensor.difference) and not self.within_noise(tensor)

    @property
    def failing_tensors(self) -> list[str]:
        """Tensors whose own difference is above ``thresholds.look_again`` (and errors above
        the rounding noise), worst first."""
        failing = [t for t in self.per_tensor.values() if self.fails(t)]
        failing.sort(key=lambda t: -t.difference if math.isfinite(t.difference) else -math.inf)
        return [t.name for t in failing]

    @property
    def worst_tensor(self) -> str | None:
        """The tensor with the largest difference (``None`` when nothing was checked)."""
        if not self.per_tensor:
            return None
        return max(
            self.per_tensor.values(),
            key=lambda t: math.inf if math.isnan(t.difference) else t.difference,
        ).name

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: every figure, the per-tensor table, the worst entries, notes."""

        def clean(value: float) -> float | str:
            return float(value) if math.isfinite(value) else str(value)

        tensors = []
        for t in self.per_tensor.values():
            row = asdict(t)
            row["shape"] = list(t.shape)
            for key in ("difference", "analytic_norm", "numerical_norm", "max_abs_error"):
                row[key] = clean(row[key])
            row["failing"] = self.fails(t)
            # above the thresholds, with every error within the rounding noise: no evidence
            row["rounding_noise"] = self.thresholds.fails(t.difference) and self.within_noise(t)
            tensors.append(row)
        worst = []
        for w in self.worst:
            row = asdict(w)
            row["index"] = list(w.index)
            for key in ("analytic", "numerical", "abs_error", "rel_error"):
                row[key] = clean(row[key])
            worst.append(row)
        return {
            "label": self.label,
            "difference": clean(self.difference),
            "verdict": self.verdict,
            "passed": self.passed,
            "outcome": self.outcome,
            "reading": self.reading,
            "failing_tensors": self.failing_tensors,
            "worst_tensor": self.worst_tensor,
            "thresholds": asdict(self.thresholds),
            "mode": self.mode,
            "eps": self.eps,
            "two_sided": self.two_sided,
            "dropout": self.dropout,
            "n_parameters": self.n_parameters,
            "n_checked": self.n_checked,
            "n_forward_passes": self.n_forward_passes,
            "forward_pass_equivalents": self.forward_pass_equivalents,
            "seconds": self.seconds,
            "raw_difference": clean(
                self.difference if self.raw_difference is None else self.raw_difference
            ),
            "kinks": [{**asdict(k), "index": list(k.index)} for k in self.kinks],
            "per_tensor": tensors,
            "worst": worst,
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        failing = f", failing={self.failing_tensors}" if self.failing_tensors else ""
        return (
            f"GradcheckResult(difference={_fmt(self.difference)}, verdict={self.verdict!r}, "
            f"passed={self.passed}, mode={self.mode!r}, tensors={len(self.per_tensor)}"
            f"{failing})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: verdict in colour, per-tensor table, worst entries."""
        from deeprecipe.check.display import gradcheck_html

        return gradcheck_html(self)

    def __str__(self) -> str:
        title = f"Gradient check{f' ({self.label})' if self.label else ''}: {self.mode} mode"
        lines = [
            title,
            f"difference {_fmt(self.difference)}  ->  {self.verdict}"
            f"  ({self.outcome}; great < {self.thresholds.great:g}, "
            f"look again <= {self.thresholds.look_again:g}, bug > {self.thresholds.bug:g})",
            (
                f"checked {self.n_checked} random directions over all {self.n_parameters} entries"
                if self.mode == "directional"
                else f"checked {self.n_checked} of {self.n_parameters} entries"
            )
            + f", eps={self.eps:g} "
            f"({'two' if self.two_sided else 'one'}-sided), dropout {self.dropout}; "
            f"{self.n_forward_passes} cost evaluations = "
            f"{self.forward_pass_equivalents:.1f} forward passes of work",
            "",
        ]
        header = ("tensor", "shape", "checked", "difference", "verdict")
        rows = [
            (
                t.name,
                "x".join(map(str, t.shape)),
                f"{t.n_checked} dirs"
                if self.mode == "directional"
                else f"{t.n_checked}/{t.n_entries}",
                _fmt(t.difference),
                t.verdict
                + (
                    "  <-- FAILING"
                    if self.fails(t)
                    else ("  (rounding noise)" if self.thresholds.fails(t.difference) else "")
                ),
            )
            for t in self.per_tensor.values()
        ]
        lines += _table(header, rows)
        if self.worst:
            lines.append("")
            if self.mode == "directional":
                lines.append(
                    "worst directions (index = the random direction v; values are the "
                    "directional derivatives g . v):"
                )
            else:
                lines.append("worst entries (largest |analytic - numerical|):")
            header = ("tensor", "index", "analytic", "numerical", "abs error", "rel error")
            rows = [
                (
                    w.tensor,
                    _index_text(w.index),
                    f"{w.analytic:.6e}",
                    f"{w.numerical:.6e}",
                    _fmt(w.abs_error),
                    _fmt(w.rel_error),
                )
                for w in self.worst
            ]
            lines += _table(header, rows)
        if self.kinks:
            lines.append("")
            lines.append(
                f"{len(self.kinks)} entries straddle a kink (a ReLU's at 0, say: left and right "
                "slopes differ, the gradient takes one): counted as agreeing; the raw course "
                "figure is "
                f"{_fmt(self.raw_difference)}"
            )
            header = ("tensor", "index", "analytic", "numerical", "left slope", "right slope")
            rows = [
                (
                    k.tensor,
                    _index_text(k.index),
                    f"{k.analytic:.6e}",
                    f"{k.numerical:.6e}",
                    f"{k.left:.6e}",
                    f"{k.right:.6e}",
                )
                for k in self.kinks[:5]
            ]
            lines += _table(header, rows)
        if self.notes:
            lines.append("")
            lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    render = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [render(header), render(["-" * w for w in widths]), *map(render, rows)]


def _index_text(index: tuple[int, ...]) -> str:
    """An entry's index as printed: ``(1, 0)`` in a matrix, ``3`` in a vector, ``()`` in a
    scalar tensor."""
    return str(index[0]) if len(index) == 1 else str(index)


def hidden_failure_note(result: GradcheckResult) -> str | None:
    """Why a check whose overall difference passes still fails: a tensor's gradient is small
    next to the others', so its error vanishes in the whole gradient's figure."""
    if result.thresholds.fails(result.difference) or not result.failing_tensors:
        return None
    named = ", ".join(
        f"{name}'s is {_fmt(result.per_tensor[name].difference)} "
        f"({result.per_tensor[name].verdict})"
        for name in result.failing_tensors
    )
    return (
        f"the whole gradient's difference is {_fmt(result.difference)}, but {named}: "
        "a tensor whose gradient is small next to the others' (a bias, an early layer under "
        "vanishing gradients) can be wrong without moving the overall figure, so the check "
        "fails on the tensors named"
    )
