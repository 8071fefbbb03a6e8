"""Optimizers: fused, in-place updates over the flat parameter vector ``theta``.

=============== ===============================================================
``gd``          theta := theta - alpha * g
``momentum``    v := beta v + (1 - beta) g;  theta := theta - alpha v
``rmsprop``     s := b s + (1 - b) g^2;  theta := theta - alpha * g / (sqrt(s) + eps)
``adam``        v := b1 v + (1 - b1) g;  s := b2 s + (1 - b2) g^2;
                theta := theta - alpha * v_hat / (sqrt(s_hat) + eps),
                v_hat = v / (1 - b1^t),  s_hat = s / (1 - b2^t)
=============== ===============================================================

L2 regularization enters through the gradient (``(lambda/m) W`` from the network), which for
``gd`` is exactly weight decay ``W := (1 - alpha lambda / m) W - alpha dW``. For Adam the two
differ (AdamW decouples the decay); deeprecipe applies the course's L2-in-the-gradient.

Each step runs in place through one preallocated scratch vector, so it allocates nothing. (A
BLAS ``axpy`` would save a pass per update, but SciPy's BLAS is a second OpenBLAS with its own
thread pool: beside NumPy's, at two threads, the two pools' spinning workers slowed training
a hundredfold on a two-core machine. NumPy ufuncs it is.)

Off NumPy (a network on PyTorch, CuPy or another array API namespace) the same formulas run
functionally in ``_step_array``: ``step`` returns the next ``theta`` and the trainer assigns it
(``net.theta = opt.step(net.theta, net.grad)``); on NumPy it returns ``theta`` itself, updated.
The moments ``v``, ``s`` live beside ``theta``, on its device.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from deeprecipe._validation import check_choice, check_number
from deeprecipe.defaults import LEARNING_RATES


class Optimizer:
    """Base class. ``step(theta, grad)`` updates ``theta`` in place (``grad`` is left as is).

    Each step works through one scratch vector shaped like ``theta``, allocated at the first
    step, so a training loop allocates nothing per step.
    """

    name = "optimizer"

    def __init__(self, learning_rate: float = LEARNING_RATES["engine"]["gd"]) -> None:
        self.learning_rate = check_number(
            "learning_rate", learning_rate, low=0.0, low_inclusive=False
        )
        self.t = 0
        self._buffer: np.ndarray | None = None

    def step(self, theta: Any, grad: Any) -> Any:
        """Update ``theta`` from ``grad``; return it (on NumPy the same array, updated)."""
        raise NotImplementedError

    def _moment(self, value: Any, theta: Any) -> Any:
        """A moment buffer for ``theta``'s namespace and device: zeros at the first step, or
        the saved one (NumPy, from a checkpoint) moved there."""
        xp = array_namespace(theta)
        if value is None:
            return xp.zeros_like(theta)
        return xp.asarray(value, dtype=theta.dtype, device=device(theta))

    def _scratch(self, theta: np.ndarray) -> np.ndarray:
        if (
            self._buffer is None
            or self._buffer.shape != theta.shape
            or (self._buffer.dtype != theta.dtype)
        ):
            self._buffer = np.empty_like(theta)
        return self._buffer

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: hyperparameters, the step count and moment buffers."""
        return {"name": self.name, "t": self.t, "learning_rate": self.learning_rate}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        self.learning_rate = float(state["learning_rate"])


class GradientDescent(Optimizer):
    """theta := theta - alpha * g."""

    name = "gd"

    def step(self, theta, grad):
        if not isinstance(theta, np.ndarray):
            return self._step_array(theta, grad)
        self.t += 1
        _gd_update(theta, grad, self._scratch(theta), self.learning_rate)
        return theta

    def _step_array(self, theta, grad):
        self.t += 1
        return theta - self.learning_rate * grad


class Momentum(Optimizer):
    """Gradient descent with momentum (the course's exponentially weighted average)."""

    name = "momentum"

    def __init__(
        self, learning_rate: float = LEARNING_RATES["engine"]["momentum"], beta: float = 0.9
    ) -> None:
        super().__init__(learning_rate)
        self.beta = check_number("beta", beta, low=0.0, high=1.0, high_inclusive=False)
        self.v: np.ndarray | None = None

    def step(self, theta, grad):
        if not isinstance(theta, np.ndarray):
            return self._step_array(theta, grad)
        if self.v is None:
            self.v = np.zeros_like(theta)
        self.t += 1
        _momentum_update(theta, grad, self.v, self._scratch(theta), self.beta, self.learning_rate)
        return theta

    def _step_array(self, theta, grad):
        v = self._moment(self.v, theta)
        self.t += 1
        self.v = self.beta * v + (1 - self.beta) * grad
        return theta - self.learning_rate * self.v

    def state_dict(self):
        return {**super().state_dict(), "beta": self.beta, "v": self.v}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.v = None if state.get("v") is None else np.array(state["v"])


class RMSprop(Optimizer):
    """RMSprop, as the course gives it: each parameter's step divided by the root of an
    exponentially weighted average of its squared gradients (no bias correction; ``beta`` is
    Keras's ``rho`` and PyTorch's ``alpha``, 0.9 as Hinton's lecture and Keras take it)."""

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: float = LEARNING_RATES["engine"]["rmsprop"],
        beta: float = 0.9,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta = check_number("beta", beta, low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_number("epsilon", epsilon, low=0.0, low_inclusive=False)
        self.s: np.ndarray | None = None

    def step(self, theta, grad):
        if not isinstance(theta, np.ndarray):
            return self._step_array(theta, grad)
        if self.s is None:
            self.s = np.zeros_like(theta)
        self.t += 1
        scratch = self._scratch(theta)
        _rmsprop_update(theta, grad, self.s, scratch, self.beta, self.learning_rate, self.epsilon)
        return theta

    def _step_array(self, theta, grad):
        s = self._moment(self.s, theta)
        self.t += 1
        self.s = self.beta * s + (1 - self.beta) * (grad * grad)
        root = array_namespace(theta).sqrt(self.s)
        return theta - self.learning_rate * (grad / (root + self.epsilon))

    def state_dict(self):
        return {**super().state_dict(), "beta": self.beta, "epsilon": self.epsilon, "s": self.s}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.s = None if state.get("s") is None else np.array(state["s"])


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba), as in the course."""

    name = "adam"

    def __init__(
        self,
        learning_rate: float = LEARNING_RATES["engine"]["adam"],
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_number("beta1", beta1, low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_number("beta2", beta2, low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_number("epsilon", epsilon, low=0.0, low_inclusive=False)
        self.v: np.ndarray | None = None
        self.s: np.ndarray | None = None

    def step(self, theta, grad):
        if not isinstance(theta, np.ndarray):
            return self._step_array(theta, grad)
        if self.v is None:
            self.v, self.s = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        # theta -= alpha_t * v / (sqrt(s) + eps_t): the bias corrections folded into two scalars
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        alpha_t = self.learning_rate * np.sqrt(correction2) / correction1
        eps_t = self.epsilon * np.sqrt(correction2)
        scratch = self._scratch(theta)
        _adam_update(theta, grad, self.v, self.s, scratch, self.beta1, self.beta2, alpha_t, eps_t)
        return theta

    def _step_array(self, theta, grad):
        v, s = self._moment(self.v, theta), self._moment(self.s, theta)
        self.t += 1
        self.v = self.beta1 * v + (1 - self.beta1) * grad
        self.s = self.beta2 * s + (1 - self.beta2) * (grad * grad)
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        alpha_t = self.learning_rate * float(np.sqrt(correction2)) / correction1
        eps_t = self.epsilon * float(np.sqrt(correction2))
        return theta - alpha_t * (self.v / (array_namespace(theta).sqrt(self.s) + eps_t))

    def state_dict(self):
        return {
            **super().state_dict(),
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "v": self.v,
            "s": self.s,
        }

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.v = None if state.get("v") is None else np.array(state["v"])
        self.s = None if state.get("s") is None else np.array(state["s"])


# The updates, in place, through the scratch vector ``buf``.


def _gd_update(theta, grad, buf, learning_rate) -> None:
    theta -= np.multiply(grad, theta.dtype.type(learning_rate), out=buf)


def _momentum_update(theta, grad, v, buf, beta, learning_rate) -> None:
    dtype = theta.dtype.type
    v *= dtype(beta)
    v += np.multiply(grad, dtype(1 - beta), out=buf)
    theta -= np.multiply(v, dtype(learning_rate), out=buf)


def _rmsprop_update(theta, grad, s, buf, beta, learning_rate, epsilon) -> None:
    _squared_average(grad, s, buf, beta)
    _adaptive_step(theta, grad, s, buf, learning_rate, epsilon)


def _adam_update(theta, grad, v, s, buf, beta1, beta2, alpha_t, eps_t) -> None:
    dtype = theta.dtype.type
    v *= dtype(beta1)
    v += np.multiply(grad, dtype(1 - beta1), out=buf)
    _squared_average(grad, s, buf, beta2)
    _adaptive_step(theta, v, s, buf, alpha_t, eps_t)


def _squared_average(grad, s, buf, beta) -> None:
    """s := beta s + (1 - beta) g^2 (RMSprop's, and Adam's second moment)."""
    dtype = s.dtype.type
    np.multiply(grad, grad, out=buf)
    s *= dtype(beta)
    buf *= dtype(1 - beta)
    s += buf


def _adaptive_step(theta, direction, s, buf, step, eps) -> None:
    """theta := theta - step * direction / (sqrt(s) + eps)."""
    dtype = theta.dtype.type
    np.sqrt(s, out=buf)
    buf += dtype(eps)
    np.divide(direction, buf, out=buf)
    buf *= dtype(step)
    theta -= buf


OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def get_optimizer(name: str | Optimizer, learning_rate: float | None = None, **kwargs) -> Optimizer:
    """An optimizer by name (``gd``/``sgd``, ``momentum``, ``rmsprop``, ``adam``) or an
    instance as is."""
    if isinstance(name, Optimizer):
        return name
    cls = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]
    if learning_rate is not None:
        kwargs["learning_rate"] = learning_rate
    return cls(**kwargs)
