"""Training: optimizers, the fit loop, callbacks and the history they record."""

from deeprecipe.train.callbacks import Callback, EarlyStopping, PublishEvents, TimeLimit
from deeprecipe.train.history import History
from deeprecipe.train.optimizers import (
    OPTIMIZERS,
    Adam,
    GradientDescent,
    Momentum,
    Optimizer,
    get_optimizer,
)
from deeprecipe.train.spec import NetworkSpec, build_network
from deeprecipe.train.trainer import Trainer, fit

__all__ = [
    "OPTIMIZERS",
    "Adam",
    "Callback",
    "EarlyStopping",
    "GradientDescent",
    "History",
    "Momentum",
    "NetworkSpec",
    "Optimizer",
    "PublishEvents",
    "TimeLimit",
    "Trainer",
    "build_network",
    "fit",
    "get_optimizer",
]
