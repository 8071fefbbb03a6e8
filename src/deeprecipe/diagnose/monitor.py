"""HealthMonitor: a training callback that records the network's health every ``every`` epochs."""

from __future__ import annotations

from typing import Any

from deeprecipe._validation import check_number
from deeprecipe.diagnose.health import HealthReport, _health
from deeprecipe.train.callbacks import Callback


class HealthMonitor(Callback):
    """Record :func:`~deeprecipe.diagnose.layer_health` at the start of training and every
    ``every`` epochs, on a fixed probe set ``(X, y)`` (a few hundred training rows suffice).

    The probe runs in prediction mode, restores the gradient buffer and draws no random numbers,
    so a run with the monitor is bit-identical to one without. After training, ``epochs[i]`` is
    the epoch of ``reports[i]`` (0 = at initialization).

    Example::

        monitor = HealthMonitor(X_train[:256], y_train[:256], every=10)
        fit(net, X_train, y_train, epochs=100, callbacks=[monitor])
        monitor.gradient_norms("W1")    # ||dW1|| along training
    """

    def __init__(self, X: Any, y: Any, *, every: int = 1, bins: int = 30, **thresholds: Any):
        self.X, self.y = X, y
        self.every = int(check_number("every", every, low=1, integer=True))
        self.bins = int(check_number("bins", bins, low=1, integer=True))
        self.thresholds = {
            "gradient_orders": 2.0,
            "saturation_level": 0.99,
            "saturation_threshold": 0.5,
            "dead_threshold": 0.5,
        }
        unknown = set(thresholds) - set(self.thresholds)
        if unknown:
            from deeprecipe.errors import DeepRecipeError

            raise DeepRecipeError(
                f"HealthMonitor got unknown option(s) {sorted(unknown)}; accepted: every, bins, "
                + ", ".join(self.thresholds)
            )
        self.thresholds.update({k: float(v) for k, v in thresholds.items()})
        self.epochs: list[int] = []
        self.reports: list[HealthReport] = []
        self._probe: tuple | None = None

    def _record(self, trainer) -> None:
        net = trainer.network
        if self._probe is None or self._probe[0] is not net:
            X = net.check_inputs(self.X, "HealthMonitor X")
            self._probe = (net, X, net.prepare_targets(self.y, X.shape[0]))
        _, X, targets = self._probe
        self.epochs.append(int(trainer.epoch))
        self.reports.append(_health(net, X, targets, bins=self.bins, **self.thresholds))

    def on_train_begin(self, trainer) -> None:
        if not self.epochs or self.epochs[-1] != trainer.epoch:
            self._record(trainer)

    def on_epoch_end(self, trainer, logs) -> None:
        if int(logs["epoch"]) % self.every == 0:
            self._record(trainer)

    def on_train_end(self, trainer) -> None:
        self._probe = None  # drop the reference to the probe data and the network

    def gradient_norms(self, name: str) -> list[float]:
        """``||d<name>||`` (e.g. ``"W1"``) at each recorded epoch."""
        return [report.gradient_norms[name] for report in self.reports]

    @property
    def warnings(self) -> list[tuple[int, str]]:
        """Every warning raised, as ``(epoch, message)``."""
        return [(e, w.message) for e, r in zip(self.epochs, self.reports) for w in r.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": list(self.epochs), "reports": [r.to_dict() for r in self.reports]}
