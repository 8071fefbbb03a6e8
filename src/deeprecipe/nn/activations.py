"""Hidden-layer activations g(z) and their derivatives, side by side.

Each activation is a pair ``forward(z) -> a`` and ``backward(z, a, da) -> dz = da * g'(z)``.
The backward receives both ``z`` and ``a = g(z)`` so each derivative uses whichever is cheaper
(``sigmoid' = a (1 - a)``, ``tanh' = 1 - a^2``, ``relu' = [z > 0]``).
The output layer is always ``identity``: its logits go to a loss that applies sigmoid or
softmax itself, in numerically stable form (see :mod:`deeprecipe.task`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deeprecipe._validation import check_choice
from deeprecipe.errors import DeepRecipeTypeError
from deeprecipe.task import sigmoid  # the output head needs it too; its home is the task

LEAKY_SLOPE = 0.01


# Every forward/backward takes an optional ``out`` array (never one of its inputs) and then
# writes its result there instead of allocating: the training loop passes preallocated buffers.


def _relu(z, out=None):
    # max(z, 0) against an array of zeros, not the scalar 0: NumPy's vectorized loop wants two
    # arrays of one shape, and runs about four times faster than the scalar-broadcast one
    if out is None:
        out = np.zeros_like(z)
    else:
        out.fill(0)
    return np.maximum(z, out, out=out)


def _relu_backward(z, a, da, out=None):
    # dz = da * [z > 0]
    if out is None:
        return da * (z > 0)
    np.greater(z, 0, out=out)
    out *= da
    return out


def _leaky_relu(z, out=None):
    if out is None:
        return np.where(z > 0, z, z * z.dtype.type(LEAKY_SLOPE))
    # for a slope below 1, leaky_relu(z) = max(z, slope * z)
    np.multiply(z, z.dtype.type(LEAKY_SLOPE), out=out)
    return np.maximum(z, out, out=out)


def _leaky_relu_backward(z, a, da, out=None):
    # dz = da where z > 0, slope * da elsewhere
    if out is None:
        return np.where(z > 0, da, da * da.dtype.type(LEAKY_SLOPE))
    np.multiply(da, da.dtype.type(LEAKY_SLOPE), out=out)
    np.copyto(out, da, where=z > 0)
    return out


def _tanh(z, out=None):
    return np.tanh(z, out=out)


def _tanh_backward(z, a, da, out=None):
    # dz = da * (1 - a^2)
    if out is None:
        return da * (1 - a * a)
    np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)
    out *= da
    return out


def _sigmoid_backward(z, a, da, out=None):
    # dz = da * a (1 - a)
    if out is None:
        return da * (a * (1 - a))
    np.subtract(1, a, out=out)
    out *= a
    out *= da
    return out


def _identity(z, out=None):
    return z


def _identity_backward(z, a, da, out=None):
    return da


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z, out=None)`` and ``backward(z, a, da, out=None)``.

    With ``out`` (an array of the result's shape and dtype, not aliasing an input) the result is
    written there and returned; ``identity`` returns its input unchanged either way.
    """

    name: str
    forward: Callable[..., np.ndarray]
    backward: Callable[..., np.ndarray]
    #: the initializer the course recommends for it (He for the ReLU family, Xavier otherwise)
    recommended_init: str

    def __post_init__(self) -> None:
        for role, signature in (("forward", "(z, out=None)"), ("backward", "(z, a, da, out=None)")):
            function = getattr(self, role)
            if not callable(function):
                raise DeepRecipeTypeError(
                    f"activation {self.name!r}: {role} is a {type(function).__name__}; "
                    f"accepted: a function {role}{signature}"
                )

    @property
    def is_identity(self) -> bool:
        """True for ``identity``, whose forward and backward return their input unchanged."""
        return self.forward is _identity

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``g(z)`` written into ``out`` (which never aliases ``z``) and returned. A function
        that returns a new array instead of writing ``out``, or takes no ``out=``, works as
        well: its result is copied in (it was left unread, and the layer computed on
        uninitialized memory)."""
        return _into(out, _call(self.forward, z, out=out))

    def backward_into(
        self, z: np.ndarray, a: np.ndarray, da: np.ndarray, out: np.ndarray
    ) -> np.ndarray:
        """``dA * g'(z)`` written into ``out`` and returned, as :meth:`forward_into`."""
        return _into(out, _call(self.backward, z, a, da, out=out))


def _call(function: Callable[..., np.ndarray], *args: np.ndarray, out: np.ndarray):
    """``function(*args, out=out)``, or ``function(*args)`` when it takes no ``out=``."""
    try:
        return function(*args, out=out)
    except TypeError as exc:
        if "out" not in str(exc):
            raise
        return function(*args)


def _into(out: np.ndarray, result: np.ndarray) -> np.ndarray:
    if result is not out:
        np.copyto(out, result)
    return out


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", _relu, _relu_backward, "he"),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_relu_backward, "he"),
    "tanh": Activation("tanh", _tanh, _tanh_backward, "xavier"),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward, "xavier"),
    "identity": Activation("identity", _identity, _identity_backward, "xavier"),
}


def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by name: relu, leaky_relu, tanh, sigmoid or identity."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
