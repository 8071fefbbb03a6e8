"""Named tensors inside a flat parameter vector, and which of their entries a check visits.

A check reports per tensor, so it needs to know where each tensor sits in ``theta``. A
:class:`TensorLayout` holds a tensor's name, shape and the flat positions of its entries (in the
tensor's C order). The modes choose entries or directions per tensor:

* ``full``: every entry;
* ``sampled``: ``n_samples`` random entries of each tensor (all of a smaller tensor), so every
  tensor is always represented;
* ``directional``: ``n_directions`` random Rademacher directions ``v`` (entries +-1) supported on
  one tensor each; the check compares ``(J(theta + eps v) - J(theta - eps v)) / (2 eps)`` with
  ``g . v``. A +-1 direction moves every entry of the tensor by eps, so the finite difference
  keeps the same precision as a single-entry one while probing the whole tensor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import check_choice, check_number
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

MODES = ("full", "sampled", "directional")
DEFAULT_SAMPLES = 64
DEFAULT_DIRECTIONS = 4


@dataclass(frozen=True)
class TensorLayout:
    """One named tensor: its shape and the flat positions of its entries in ``theta``."""

    name: str
    shape: tuple[int, ...]
    positions: np.ndarray

    @property
    def size(self) -> int:
        return int(self.positions.size)

    def index_of(self, local: int) -> tuple[int, ...]:
        """The tensor index of its ``local``-th entry in C order."""
        return tuple(int(i) for i in np.unravel_index(local, self.shape))


def layout_from_slices(slices: Mapping[str, tuple[slice, tuple[int, ...]]]) -> list[TensorLayout]:
    """The layout of a :class:`~deeprecipe.nn.Network` (its ``parameter_slices``)."""
    return [
        TensorLayout(name, tuple(shape), np.arange(s.start, s.stop))
        for name, (s, shape) in slices.items()
    ]


def layout_from_names(names: Mapping[str, Any] | None, n: int) -> list[TensorLayout]:
    """Parse ``check_grad``'s ``names``: name -> slice, ``(slice, shape)``, shape or size.

    Shapes and sizes are laid out one after another from position 0 (or after the previous
    tensor); slices are taken as given. Entries no tensor claims are reported as ``rest``.
    """
    if names is None:
        return [TensorLayout("theta", (n,), np.arange(n))]
    if not isinstance(names, Mapping):
        raise DeepRecipeTypeError(
            f"names={names!r}; accepted: None or a mapping name -> slice, (slice, shape), "
            "shape tuple or size"
        )
    layouts, cursor = [], 0
    claimed = np.zeros(n, dtype=bool)
    for name, spec in names.items():
        if isinstance(spec, slice):
            s, shape = spec, None
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], slice):
            s, shape = spec[0], tuple(int(d) for d in np.atleast_1d(spec[1]))
        elif isinstance(spec, (int, np.integer)) or (
            isinstance(spec, tuple) and all(isinstance(d, (int, np.integer)) for d in spec)
        ):
            shape = (int(spec),) if isinstance(spec, (int, np.integer)) else tuple(map(int, spec))
            s = slice(cursor, cursor + int(np.prod(shape)))
        else:
            raise DeepRecipeTypeError(
                f"names[{name!r}]={spec!r}; accepted: a slice, (slice, shape), a shape tuple or "
                "a size"
            )
        start, stop, step = s.indices(n)
        if step != 1 or s.start is not None and s.start > n or s.stop is not None and s.stop > n:
            raise DeepRecipeError(
                f"names[{name!r}] covers {s} but theta has {n} entries; accepted: a contiguous "
                f"slice inside [0, {n})"
            )
        positions = np.arange(start, stop)
        shape = (positions.size,) if shape is None else shape
        if int(np.prod(shape)) != positions.size:
            raise DeepRecipeError(
                f"names[{name!r}] has shape {shape} ({int(np.prod(shape))} entries) but its slice "
                f"holds {positions.size}; accepted: a shape whose size matches the slice"
            )
        if claimed[positions].any():
            raise DeepRecipeError(f"names[{name!r}] overlaps an earlier tensor; accepted: disjoint")
        claimed[positions] = True
        layouts.append(TensorLayout(str(name), shape, positions))
        cursor = stop
    rest = np.flatnonzero(~claimed)
    if rest.size:
        layouts.append(TensorLayout("rest", (rest.size,), rest))
    return layouts


def check_mode(mode: Any, n_samples: Any, n_directions: Any) -> tuple[str, int, int]:
    mode = check_choice("mode", mode, MODES)
    n_samples = int(check_number("n_samples", n_samples, low=1, integer=True))
    n_directions = int(check_number("n_directions", n_directions, low=1, integer=True))
    return mode, n_samples, n_directions


def select_entries(
    layouts: list[TensorLayout], mode: str, n_samples: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Per tensor, the sorted local indices to check (all of them in ``full`` mode)."""
    chosen = []
    for t in layouts:
        if mode == "full" or t.size <= n_samples:
            chosen.append(np.arange(t.size))
        else:
            chosen.append(np.sort(rng.choice(t.size, size=n_samples, replace=False)))
    return chosen


def rademacher_directions(
    layouts: list[TensorLayout], n_directions: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Per tensor, an ``(n_directions, size)`` array of random +-1 directions."""
    return [
        rng.integers(0, 2, size=(n_directions, t.size)).astype(np.float64) * 2.0 - 1.0
        for t in layouts
    ]
