"""Training: optimizers, the fit loop, callbacks and the history they record."""

from deeprecipe.train.callbacks import Callback, EarlyStopping
from deeprecipe.train.history import History
from deeprecipe.train.optimizers import (
    OPTIMIZERS,
    Adam,
    GradientDescent,
    Momentum,
    Optimizer,
    get_optimizer,
)
from deeprecipe.train.trainer import Trainer, fit

__all__ = [
    "OPTIMIZERS",
    "Adam",
    "Callback",
    "EarlyStopping",
    "GradientDescent",
    "History",
    "Momentum",
    "Optimizer",
    "Trainer",
    "fit",
    "get_optimizer",
]
