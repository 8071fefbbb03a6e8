"""Training: optimizers, the fit loop, callbacks and the history they record."""

from deeprecipe.train.callbacks import (
    Callback,
    EarlyStopping,
    LearningRateDecay,
    PublishEvents,
    TimeLimit,
)
from deeprecipe.train.history import History
from deeprecipe.train.optimizers import (
    OPTIMIZERS,
    Adam,
    GradientDescent,
    Momentum,
    Optimizer,
    RMSprop,
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
    "LearningRateDecay",
    "Momentum",
    "NetworkSpec",
    "Optimizer",
    "PublishEvents",
    "RMSprop",
    "TimeLimit",
    "Trainer",
    "build_network",
    "fit",
    "get_optimizer",
]
