"""scikit-learn's MLP training rules, as trainer callbacks: when to stop, the learning-rate
schedules, the verbose lines, and the validation score of each epoch.

- Convergence (``tol``, ``n_iter_no_change``): without early stopping, training stops once the
  epoch cost J has failed ``n_iter_no_change`` times in a row to fall more than ``tol`` below
  the best cost so far (scikit-learn counts one more epoch before stopping). Weights are kept
  as they are, as in scikit-learn.
- Schedules (``learning_rate``, for ``solver`` "sgd"/"gd"/"momentum"; Adam adapts its own
  steps and ignores them, as in scikit-learn): ``"invscaling"`` sets the step after each epoch
  to ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the samples seen; ``"adaptive"``
  divides it by 5 where ``"constant"`` would stop on the tol rule, and stops once it is at most
  1e-6.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeprecipe.train import Callback

#: "adaptive" stops once the step is this small (scikit-learn's threshold)
SMALLEST_ADAPTIVE_STEP = 1e-6


class SklearnRules(Callback):
    """Convergence on the training cost, schedules, verbose lines and the sample count ``t_``."""

    def __init__(self, settings: Any, *, n_train: int, t_start: int, watch_cost: bool) -> None:
        self.settings = settings
        self.n_train = n_train
        self.t = t_start
        self.watch_cost = watch_cost
        self.scheduled = settings.solver != "adam"
        self.converged = False
        self.best = np.inf
        self.wait = 0

    def on_epoch_end(self, trainer, logs: dict[str, Any]) -> None:
        s = self.settings
        self.t += self.n_train
        if s.verbose:  # scikit-learn's own line, so logs written for MLP read the same
            print(f"Iteration {logs['epoch']}, loss = {logs['cost']:.8f}")
        optimizer = trainer.optimizer
        if self.scheduled and s.learning_rate == "invscaling":
            optimizer.learning_rate = s.learning_rate_init / (self.t + 1) ** s.power_t
        if not self.watch_cost:
            return
        cost = logs["cost"]
        self.wait = self.wait + 1 if cost > self.best - s.tol else 0
        self.best = min(self.best, cost)
        if self.wait < s.n_iter_no_change:
            return
        what = (
            f"Training loss did not improve more than tol={s.tol:g} for {s.n_iter_no_change} "
            "consecutive epochs."
        )
        if (
            self.scheduled
            and s.learning_rate == "adaptive"
            and optimizer.learning_rate > SMALLEST_ADAPTIVE_STEP
        ):
            optimizer.learning_rate /= 5.0
            self.wait = 0
            if s.verbose:
                print(f"{what} Setting learning rate to {optimizer.learning_rate:f}")
            return
        self.converged = True
        trainer.stop_training = True
        if s.verbose:
            print(f"{what} Stopping.")


class ValidationScores(Callback):
    """The estimator's ``score`` on the held-out rows after each epoch (accuracy, or R^2),
    as scikit-learn records in ``validation_scores_``."""

    def __init__(self, score: Any, X_dev: np.ndarray, y_dev: np.ndarray) -> None:
        self.score = score
        self.X_dev, self.y_dev = X_dev, y_dev
        self.scores: list[float] = []

    def on_epoch_end(self, trainer, logs: dict[str, Any]) -> None:
        net = trainer.network
        logits = net.backend.to_host(net.forward(self.X_dev, training=False))
        self.scores.append(float(self.score(np.asarray(logits, dtype=np.float64), self.y_dev)))
