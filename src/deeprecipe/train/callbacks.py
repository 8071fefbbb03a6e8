"""Hooks into the fit loop. A callback sees the trainer after each epoch and may stop it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprecipe._validation import check_choice, check_number
from deeprecipe.defaults import PATIENCE
from deeprecipe.errors import DeepRecipeError
from deeprecipe.events import publish

if TYPE_CHECKING:
    from deeprecipe.train.trainer import Trainer


class Callback:
    """Override any of these; ``trainer.stop_training = True`` ends the run after this epoch."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, Any]) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when the monitored dev figure has not improved by ``min_delta`` for ``patience``
    measurements (each epoch, or every ``metrics_every`` epochs), and ALWAYS restore the
    weights of the best epoch (also when training ran to the end without stopping).

    The dev figures are measured on the weights an epoch ends with, and those are restored. The
    training ``cost`` is measured on the weights an epoch starts from (exactly so full-batch;
    mini-batch, the average along the epoch's path), so with ``monitor="cost"`` the weights
    restored are those at the START of the best epoch: the ones that cost was measured on.
    """

    def __init__(self, monitor: str = "dev_cost", patience: int = PATIENCE, min_delta: float = 0.0):
        self.monitor = check_choice("monitor", monitor, ("dev_cost", "dev_error", "cost"))
        self.patience = int(check_number("patience", patience, low=1, integer=True))
        self.min_delta = check_number("min_delta", min_delta, low=0.0)

    def on_train_begin(self, trainer):
        if self.monitor != "cost" and not trainer.measures_dev:
            raise DeepRecipeError(
                f"early stopping monitors {self.monitor!r} but the trainer does not measure it; "
                "give X_dev and y_dev (and metrics_every >= 1), or monitor 'cost'"
            )
        self.best = np.inf
        self.best_epoch: int | None = None
        copy = trainer.network.backend.copy
        self.best_theta = copy(trainer.network.theta)
        self.epoch_start = copy(trainer.network.theta) if self.monitor == "cost" else None
        self.wait = 0

    def on_epoch_begin(self, trainer):
        if self.epoch_start is not None:
            self.epoch_start[...] = trainer.network.theta

    def on_epoch_end(self, trainer, logs):
        value = logs.get(self.monitor)
        if value is None:
            return  # measured every metrics_every epochs: patience counts measurements
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, logs["epoch"], 0
            if self.epoch_start is not None:  # swap: no copy, the next epoch overwrites it
                self.best_theta, self.epoch_start = self.epoch_start, self.best_theta
            else:
                self.best_theta[...] = trainer.network.theta
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                trainer.history.stopped_early = True

    def on_train_end(self, trainer):
        if self.best_epoch is not None:
            trainer.network.theta = trainer.network.backend.copy(self.best_theta)
            trainer.history.best_epoch = self.best_epoch


class LearningRateDecay(Callback):
    """The course's learning-rate decay, set at the start of each epoch::

        alpha = alpha0 / (1 + decay_rate * floor(epoch / time_interval))

    ``epoch`` counts the epochs run before this one (0 at the first), and ``alpha0`` is the
    optimizer's learning rate when training first begins. ``time_interval=1`` decays every
    epoch, the lecture's ``alpha0 / (1 + decay_rate * epoch_num)``; a larger interval holds
    each step for that many epochs (the assignment's scheduled decay, every 1000 epochs).
    """

    def __init__(self, decay_rate: float, time_interval: int = 1) -> None:
        self.decay_rate = check_number("decay_rate", decay_rate, low=0.0)
        self.time_interval = int(check_number("time_interval", time_interval, low=1, integer=True))
        self.alpha0: float | None = None

    def on_train_begin(self, trainer):
        if self.alpha0 is None:  # a later fit() continues the same schedule
            self.alpha0 = trainer.optimizer.learning_rate

    def on_epoch_begin(self, trainer):
        steps = trainer.epoch // self.time_interval
        trainer.optimizer.learning_rate = self.alpha0 / (1 + self.decay_rate * steps)


class TimeLimit(Callback):
    """Stop at the end of the first epoch that ends after ``seconds`` of training, or after the
    wall-clock time ``until`` (a :func:`time.time` value, which means the same in every process
    of a machine; the recipe gives all of a sweep's trainings one such deadline).

    ``reached`` says afterwards whether the limit stopped the training. Combined with
    :class:`EarlyStopping`, the best weights seen so far are still the ones restored.
    """

    def __init__(self, seconds: float | None = None, *, until: float | None = None) -> None:
        if (seconds is None) == (until is None):
            raise DeepRecipeError(
                f"TimeLimit(seconds={seconds!r}, until={until!r}); accepted: exactly one of "
                "seconds (a duration) and until (a time.time() value)"
            )
        self.seconds = None if seconds is None else check_number("seconds", seconds, low=0.0)
        self.until = until
        self.reached = False

    def on_train_begin(self, trainer):
        self.reached = False
        self.deadline = time.time() + self.seconds if self.until is None else self.until

    def on_epoch_end(self, trainer, logs):
        if time.time() >= self.deadline:
            self.reached = True
            trainer.stop_training = True


class PublishEvents(Callback):
    """The trainer's hooks as events of :mod:`deeprecipe.events`: ``train_start`` (with the
    ``epochs`` to run), ``epoch_end`` (the epoch's logs: ``epoch``, ``cost``, and dev figures
    when measured) and ``train_end`` (``epochs_run``, ``stopped_early``, ``diverged``), sent to
    ``listener`` and to the ``deeprecipe`` logger."""

    def __init__(
        self, listener: Any = None, *, epochs: int | None = None, label: str = "training"
    ) -> None:
        self.listener = listener
        self.epochs = epochs
        self.label = label

    def on_train_begin(self, trainer):
        self.first_epoch = trainer.epoch
        publish(
            {
                "event": "train_start",
                "label": self.label,
                "epochs": self.epochs,
                "epoch": trainer.epoch,
                "task": trainer.network.loss.kind,
            },
            self.listener,
        )

    def on_epoch_end(self, trainer, logs):
        publish({"event": "epoch_end", "label": self.label, **logs}, self.listener)

    def on_train_end(self, trainer):
        history = trainer.history
        publish(
            {
                "event": "train_end",
                "label": self.label,
                "epochs_run": trainer.epoch - self.first_epoch,
                "stopped_early": history.stopped_early,
                "diverged": history.diverged,
            },
            self.listener,
        )
