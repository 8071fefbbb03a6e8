"""Check backprop at initialization and again after some training, from one call.

The course's advice: a backprop bug can hide while the weights are near zero (at
initialization) and show only once they grow, so check at initialization, train a while, and
check again. ``gradcheck_during_training`` trains a COPY of the network (the original is left as
it is) and runs :func:`~deeprecipe.check.gradcheck` at each requested epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe._validation import check_number, check_rng
from deeprecipe.check.gradcheck import gradcheck
from deeprecipe.check.result import GradcheckResult
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.network import Network
from deeprecipe.train.history import History
from deeprecipe.train.optimizers import Optimizer
from deeprecipe.train.trainer import Trainer

DEFAULT_EPOCHS = (0, 100)
DEFAULT_CHECK_EXAMPLES = 64


@dataclass
class TrainingGradcheck:
    """The checks made along one training run, in epoch order.

    Attributes:
        checks: ``(epoch, result)`` pairs; epoch 0 is the initialization.
        history: the training history of the copy that was trained.
        notes: what happened to the run (divergence, for instance).
    """

    checks: list[tuple[int, GradcheckResult]]
    history: History
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(result.passed for _, result in self.checks)

    @property
    def difference(self) -> float:
        """The largest difference among the checks."""
        values = [r.difference for _, r in self.checks]
        return math.inf if any(math.isnan(v) for v in values) else max(values, default=0.0)

    @property
    def failing_tensors(self) -> list[str]:
        """Tensors failing in any check, in the order they first fail."""
        names: list[str] = []
        for _, result in self.checks:
            names += [n for n in result.failing_tensors if n not in names]
        return names

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "difference": self.difference if math.isfinite(self.difference) else "inf",
            "failing_tensors": self.failing_tensors,
            "checks": [{"epoch": epoch, **result.to_dict()} for epoch, result in self.checks],
            "final_cost": self.history.cost[-1] if self.history.cost else None,
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        """The notebook display: one row per epoch checked, the first failing check in full."""
        from deeprecipe.check.display import training_gradcheck_html

        return training_gradcheck_html(self)

    def __str__(self) -> str:
        parts = [str(result) for _, result in self.checks]
        summary = ", ".join(f"epoch {e}: {r.difference:.3e} ({r.verdict})" for e, r in self.checks)
        head = f"Gradient checks during training: {'passed' if self.passed else 'FAILED'}"
        notes = [f"note: {note}" for note in self.notes]
        return "\n\n".join([f"{head}\n{summary}", *parts, *notes])


def gradcheck_during_training(
    network: Network,
    X: Any,
    y: Any,
    *,
    epochs: Sequence[int] = DEFAULT_EPOCHS,
    optimizer: str | Optimizer = "gd",
    learning_rate: float | None = None,
    batch_size: int | None = None,
    check_examples: int | None = DEFAULT_CHECK_EXAMPLES,
    seed: Any = 0,
    **check_options: Any,
) -> TrainingGradcheck:
    """Train a copy of ``network`` on ``(X, y)`` and gradient-check it at each of ``epochs``.

    Args:
        network: the network to check; it is copied, never trained in place.
        X, y: the training data.
        epochs: the epochs after which to check (0 = at initialization), e.g. ``(0, 100)``.
            With ``batch_size=None`` an epoch is one full-batch gradient step.
        optimizer, learning_rate, batch_size: how the copy trains (as in
            :func:`deeprecipe.train.fit`).
        check_examples: each check runs on this many examples drawn once from ``seed``
            (all of them when ``None`` or when ``X`` is smaller); the L2 term still divides by
            the training-set size, as in training.
        seed: drives the training shuffles, the examples checked and each check's draws.
        **check_options: passed to :func:`~deeprecipe.check.gradcheck` (``mode``, ``dropout``,
            ``eps``, ``thresholds``, ...).

    Returns:
        A :class:`TrainingGradcheck` with one :class:`GradcheckResult` per epoch.
    """
    marks = sorted({int(check_number("epochs", e, low=0, integer=True)) for e in epochs})
    if not marks:
        raise DeepRecipeError("epochs is empty; accepted: epochs to check at, e.g. (0, 100)")
    for reserved in ("m", "label", "seed"):
        if reserved in check_options:
            raise DeepRecipeError(
                f"{reserved} is set by gradcheck_during_training; accepted options: those of "
                "gradcheck other than m, label and seed"
            )
    twin = network.copy()
    X_all = twin.check_inputs(X)
    twin.prepare_targets(y, X_all.shape[0])  # validate early, with the training names
    y_all = np.asarray(y)
    m = X_all.shape[0]
    rng = check_rng(seed)
    if check_examples is not None:
        check_examples = int(check_number("check_examples", check_examples, low=1, integer=True))
    if check_examples is None or check_examples >= m:
        rows = np.arange(m)
    else:
        rows = np.sort(rng.choice(m, size=check_examples, replace=False))
    train_seed, check_seed = (int(s) for s in rng.integers(0, 2**32, size=2))

    trainer = Trainer(
        twin,
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=batch_size,
        seed=train_seed,
        metrics_every=0,
    )
    checks, notes = [], []
    for mark in marks:
        if mark > trainer.epoch and not trainer.history.diverged:
            trainer.fit(X_all, y_all, epochs=mark - trainer.epoch)
            if trainer.history.diverged:
                notes.append(trainer.history.message)
        label = "at initialization" if mark == 0 else f"after {trainer.epoch} epochs"
        result = gradcheck(
            twin, X_all[rows], y_all[rows], m=m, seed=check_seed, label=label, **check_options
        )
        checks.append((trainer.epoch, result))
    return TrainingGradcheck(checks=checks, history=trainer.history, notes=notes)
