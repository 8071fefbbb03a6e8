"""The NumPy engine: dense layers over one flat parameter vector, activations, losses, init."""

from deeprecipe.nn.activations import ACTIVATIONS, Activation, get_activation, sigmoid
from deeprecipe.nn.dense import Dense
from deeprecipe.nn.initializers import INITIALIZERS, initial_weights
from deeprecipe.nn.losses import LOSSES, get_loss, log_sigmoid, log_softmax, softmax
from deeprecipe.nn.network import Network

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "Activation",
    "LOSSES",
    "Dense",
    "Network",
    "get_activation",
    "get_loss",
    "initial_weights",
    "log_sigmoid",
    "log_softmax",
    "sigmoid",
    "softmax",
]
