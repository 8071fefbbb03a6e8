"""Entries whose finite difference straddles a ReLU kink, told apart from bugs.

A ReLU is not differentiable at 0. When a pre-activation lies within the finite difference's
reach of 0 (exactly 0 happens often: an example whose every input to a unit is 0 or dropped,
with the bias still 0), the centred difference averages the slopes of the two sides, while
backprop, rightly, uses one side (``relu'(0) = 0``). Such an entry then disagrees although
backprop is correct.

For the entries that disagree, the two one-sided differences are measured::

    right = (J(theta + eps e_i) - J(theta)) / eps
    left  = (J(theta) - J(theta - eps e_i)) / eps

A smooth entry has ``left == right`` (up to O(eps)); an entry on a kink has two different
slopes. When they differ and backprop equals one of them, the entry is a kink, not a bug: it is
listed in ``GradcheckResult.kinks`` and counted as agreeing (its numerical value becomes the
matching side), while ``GradcheckResult.raw_difference`` keeps the course's figure with every
entry as measured.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from deeprecipe.check.compare import TensorValues
from deeprecipe.check.result import KinkEntry

#: ``one_sided(t, local, step)``: the one-sided differences of the cost along entries ``local``
#: of the t-th checked tensor, to the right for a positive step and to the left for a negative
OneSided = Callable[[int, np.ndarray, float], np.ndarray]

#: at most this many disagreeing entries are examined (the largest errors first)
KINK_LIMIT = 2048
#: an entry disagrees when |numerical - analytic| exceeds this share of |numerical| + |analytic|
#: and this share of the tensor's largest |analytic| (rounding noise stays below both)
DISAGREE_RTOL, DISAGREE_SCALE = 1e-5, 1e-5
#: the two sides differ when |right - left| exceeds this share of |right| + |left|
SIDES_RTOL, SIDES_ATOL = 1e-4, 1e-7
#: backprop equals a side within this tolerance
MATCH_RTOL, MATCH_ATOL = 1e-5, 1e-8


def resolve_kinks(one_sided: OneSided, values: list[TensorValues], eps: float) -> list[KinkEntry]:
    """Find the kink entries among ``values`` (entry checks, one per tensor) and count them as
    agreeing; return them, largest raw error first."""
    errors = []
    for t, v in enumerate(values):
        error = np.abs(v.numerical - v.analytic)
        suspect = error > DISAGREE_RTOL * (np.abs(v.numerical) + np.abs(v.analytic))
        scale = float(np.abs(v.analytic).max()) if v.analytic.size else 0.0
        suspect &= error > DISAGREE_SCALE * scale
        errors += [(-float(error[i]), t, int(i)) for i in np.flatnonzero(suspect)]
    errors.sort()
    chosen: dict[int, list[int]] = {}
    for _, t, i in errors[:KINK_LIMIT]:
        chosen.setdefault(t, []).append(i)
    kinks = []
    for t, rows in sorted(chosen.items()):
        v = values[t]
        rows = np.array(sorted(rows))
        local = v.local[rows]
        right = one_sided(t, local, eps)
        left = one_sided(t, local, -eps)
        analytic = v.analytic[rows]
        two_slopes = np.abs(right - left) > SIDES_RTOL * (np.abs(right) + np.abs(left)) + SIDES_ATOL
        to_right = np.abs(analytic - right) <= MATCH_RTOL * (np.abs(analytic) + np.abs(right))
        to_left = np.abs(analytic - left) <= MATCH_RTOL * (np.abs(analytic) + np.abs(left))
        to_right |= np.abs(analytic - right) <= MATCH_ATOL
        to_left |= np.abs(analytic - left) <= MATCH_ATOL
        explained = two_slopes & (to_right | to_left)
        if not explained.any():
            continue
        if v.raw_numerical is None:
            v.raw_numerical = v.numerical.copy()
        for r, side_r, side_l, a, is_right in zip(
            rows[explained],
            right[explained],
            left[explained],
            analytic[explained],
            to_right[explained],
        ):
            kinks.append(
                KinkEntry(
                    tensor=v.layout.name,
                    index=v.index(int(r)),
                    analytic=float(a),
                    numerical=float(v.raw_numerical[r]),
                    left=float(side_l),
                    right=float(side_r),
                )
            )
            v.numerical[r] = side_r if is_right else side_l
    kinks.sort(key=lambda e: -abs(e.numerical - e.analytic))
    return kinks
