"""After the single test read: do the dev and test errors agree within their noise?

Dev and test should come from the same distribution; then the test error differs from the dev
error only by the noise of two finite samples (plus the optimism of having chosen the model on
dev). For per-example losses ``l`` (0/1 for a misclassification, the squared error for
regression) the difference of means has standard error::

    se = sqrt(var(l_dev) / n_dev + var(l_test) / n_test)

which for error rates is the binomial ``sqrt(p_d (1 - p_d) / n_dev + p_t (1 - p_t) / n_test)``.
A gap beyond ``z * se`` (1.96 by default, about 5% two-sided) draws a warning: the two sets seem
to come from different distributions (or the dev set was overused), and a decision taken on dev
may not carry over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._stats import Z95


@dataclass(frozen=True)
class DevTestAgreement:
    """Dev and test error, the standard error of their difference, and the verdict."""

    dev_error: float
    test_error: float
    n_dev: int
    n_test: int
    se: float
    z: float
    differ: bool

    def note(
        self, metric: str = "error", *, same_source: bool = False, shared: bool = False
    ) -> str | None:
        """The warning, or None when they agree. ``same_source``: dev and test were drawn at
        random from the same data, so a gap cannot be a difference of distributions.
        ``shared``: models never chosen on dev (the references) moved the same way, so the
        test sample itself is harder or easier, not the dev error optimistic."""
        if not self.differ:
            return None
        fmt = (lambda v: f"{v:.1%}") if metric == "error" else (lambda v: f"{v:.4g}")
        direction = "worse" if self.test_error > self.dev_error else "better"
        gap = (
            f"the test error ({fmt(self.test_error)}, {self.n_test} examples) is {direction} than "
            f"the dev error ({fmt(self.dev_error)}, {self.n_dev} examples) beyond the noise of "
            f"their sizes (gap {abs(self.z):.1f} standard errors)"
        )
        if same_source:
            if shared:
                cause = (
                    f"a test sample {'harder' if direction == 'worse' else 'easier'} for every "
                    "model (the reference models, never chosen on dev, moved the same way)"
                    + (
                        ", beside any optimism of a dev error the choices were made on"
                        if direction == "worse"
                        else ""
                    )
                )
            elif direction == "worse":
                cause = (
                    "the dev error is optimistic after the choices made on it (the dev set was "
                    "overfitted)"
                )
            else:
                cause = "the dev set happens to be harder"
            return (
                f"{gap}, though both were drawn at random from the same data: not a difference "
                f"of distributions, but chance or {cause}; the test figure is the one to trust, "
                "and a larger dev set would make the choices sturdier"
            )
        return (
            f"{gap}: dev and test seem to come from different distributions; compare how they "
            "were collected, draw both from the data you care about, and re-decide on the new "
            "dev set"
        )


def _losses(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).ravel()


def compare_dev_test(dev_losses: Any, test_losses: Any, *, z: float = Z95) -> DevTestAgreement:
    """Compare per-example losses on dev and test (0/1 errors or squared errors)."""
    dev, test = _losses(dev_losses), _losses(test_losses)
    d, t = float(dev.mean()), float(test.mean())
    var_d = dev.var(ddof=1) if len(dev) > 1 else 0.0
    var_t = test.var(ddof=1) if len(test) > 1 else 0.0
    if set(np.unique(dev)) <= {0.0, 1.0} and set(np.unique(test)) <= {0.0, 1.0}:
        var_d, var_t = d * (1 - d), t * (1 - t)  # the binomial form for error rates
    se = math.sqrt(var_d / max(len(dev), 1) + var_t / max(len(test), 1))
    if se == 0.0:
        gap = 0.0 if d == t else math.inf
    else:
        gap = (t - d) / se
    return DevTestAgreement(d, t, len(dev), len(test), se, gap, abs(gap) > z)
