"""Losses computed from the output layer's logits ``Z[L]``, in numerically stable form.

Each loss owns its output activation, so the pair (activation, loss) is evaluated together and
its gradient with respect to the logits is the familiar ``dZ[L] = (A[L] - Y) / m``:

============================ ============ ==============================================
loss                         output A[L]  per-example loss L(z, y)
============================ ============ ==============================================
``binary_crossentropy``      sigmoid      ``max(z, 0) - z y + log(1 + e^-|z|)``
``softmax_crossentropy``     softmax      ``logsumexp(z) - z_y``
``mse``                      identity     ``(1/2) ||z - y||^2`` (the course's 1/2)
============================ ============ ==============================================

``value`` returns the MEAN loss over the batch, ``(1/m) sum_i L(z_i, y_i)``; ``gradient``
returns its derivative ``dJ/dZ``, already divided by the batch size ``m``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprecipe._validation import check_choice
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.activations import sigmoid


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log sigma(z) = -(max(-z, 0) + log(1 + e^-|z|)), finite for every finite z."""
    return -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) along the last axis, shifted by the row maximum so nothing overflows."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - _log_sum_exp_shifted(shifted, np.exp(shifted))


def _log_sum_exp_shifted(shifted: np.ndarray, exp_shifted: np.ndarray) -> np.ndarray:
    """``log sum_k e^{s_k}`` of max-shifted logits ``s``, as ``log1p`` of the terms but the max's.

    The max's term is exactly 1, so the sum is ``1 + r``. ``log(1 + r)`` would round ``r`` away
    when the softmax saturates (r ~ 1e-6 keeps only 10 of its digits), and with it the loss of a
    confidently right example: its finite differences become rounding noise and a correct
    gradient fails its check. ``log1p(r)`` keeps ``r`` to full precision.
    """
    rest = exp_shifted.copy()
    top = shifted.argmax(axis=-1)
    if rest.ndim == 2:  # a batch of rows, the training path: plain indexing is the quickest
        rest[np.arange(rest.shape[0]), top] = 0.0
    else:
        np.put_along_axis(rest, top[..., None], 0.0, axis=-1)
    return np.log1p(rest.sum(axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j}, computed on the max-shifted logits."""
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    shifted /= shifted.sum(axis=-1, keepdims=True)
    return shifted


@dataclass(frozen=True)
class Loss:
    """Base class: a loss on logits with its own output activation."""

    name: str = ""
    output_activation: str = ""

    def prepare_targets(self, y, n_outputs: int, dtype) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def value(self, z: np.ndarray, y: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def gradient(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def output(self, z: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def value_and_gradient(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """``(value(z, y), gradient(z, y))``; a loss may share the work between the two."""
        return self.value(z, y), self.gradient(z, y)


def _as_2d_targets(y, n_outputs: int, dtype, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DeepRecipeError(f"y has dtype {y.dtype}; the {name} loss accepts numbers only")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise DeepRecipeError(
            f"y has shape {np.shape(y)}; the {name} loss on {n_outputs} output unit(s) accepts "
            f"shape (m,) or (m, {n_outputs})" if n_outputs == 1 else
            f"y has shape {np.shape(y)}; the {name} loss on {n_outputs} output units accepts "
            f"shape (m, {n_outputs})"
        )
    y = y.astype(dtype, copy=False)
    if not np.isfinite(y).all():
        raise DeepRecipeError(f"y contains NaN or infinity; the {name} loss accepts finite values")
    return y


@dataclass(frozen=True)
class BinaryCrossEntropy(Loss):
    """J = -(1/m) sum [y log a + (1 - y) log(1 - a)], a = sigmoid(z); one sigmoid per output
    unit, so several output units make a multi-label classifier."""

    name: str = "binary_crossentropy"
    output_activation: str = "sigmoid"

    def prepare_targets(self, y, n_outputs, dtype):
        y = _as_2d_targets(y, n_outputs, dtype, self.name)
        if not np.isin(y, (0, 1)).all():
            bad = y[~np.isin(y, (0, 1))][0]
            raise DeepRecipeError(
                f"y contains the label {bad}; binary_crossentropy accepts labels 0 and 1 only"
            )
        return y

    def value(self, z, y):
        m = z.shape[0]
        per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(per_entry.sum(dtype=np.float64) / m)

    def gradient(self, z, y):
        grad = sigmoid(z)
        grad -= y
        grad /= z.shape[0]
        return grad

    def output(self, z):
        return sigmoid(z)


@dataclass(frozen=True)
class SoftmaxCrossEntropy(Loss):
    """J = -(1/m) sum_i log softmax(z_i)_{y_i}; targets are class indices 0..K-1."""

    name: str = "softmax_crossentropy"
    output_activation: str = "softmax"

    def prepare_targets(self, y, n_outputs, dtype):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == n_outputs and y.shape[1] > 1:
            # one-hot rows: turn them into indices
            if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
                raise DeepRecipeError(
                    "y is 2-D but not one-hot; softmax_crossentropy accepts class indices of "
                    f"shape (m,) or one-hot rows of shape (m, {n_outputs})"
                )
            y = y.argmax(axis=1)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise DeepRecipeError(
                f"y has shape {y.shape}; softmax_crossentropy accepts class indices of shape (m,)"
            )
        if y.dtype.kind == "f":
            if not np.isfinite(y).all() or not (y == np.round(y)).all():
                raise DeepRecipeError(
                    "y contains non-integer values; softmax_crossentropy accepts class indices "
                    f"0..{n_outputs - 1}"
                )
        elif y.dtype.kind not in "biu":
            raise DeepRecipeError(
                f"y has dtype {y.dtype}; softmax_crossentropy accepts integer class indices "
                f"0..{n_outputs - 1}"
            )
        y = y.astype(np.intp)
        if y.size and (y.min() < 0 or y.max() >= n_outputs):
            bad = y[(y < 0) | (y >= n_outputs)][0]
            raise DeepRecipeError(
                f"y contains the class index {bad}; a network with {n_outputs} output units "
                f"accepts class indices 0..{n_outputs - 1}"
            )
        return y

    def value(self, z, y):
        m = z.shape[0]
        log_p = log_softmax(z)
        return float(-log_p[np.arange(m), y].sum(dtype=np.float64) / m)

    def gradient(self, z, y):
        m = z.shape[0]
        grad = softmax(z)
        grad[np.arange(m), y] -= 1
        grad /= m
        return grad

    def output(self, z):
        return softmax(z)

    def value_and_gradient(self, z, y):
        # one exponential for both: with s = z - max(z), log softmax(z)_y = s_y - log sum e^s
        # and softmax(z) = e^s / sum e^s (the same operations as value and gradient, so the
        # same bits)
        m = z.shape[0]
        rows = np.arange(m)
        shifted = z - z.max(axis=-1, keepdims=True)
        grad = np.exp(shifted)
        total = grad.sum(axis=-1, keepdims=True)
        log_p = shifted[rows, y] - _log_sum_exp_shifted(shifted, grad)[:, 0]
        value = float(-log_p.sum(dtype=np.float64) / m)
        grad /= total
        grad[rows, y] -= 1
        grad /= m
        return value, grad


@dataclass(frozen=True)
class MeanSquaredError(Loss):
    """J = (1/m) sum_i (1/2) ||z_i - y_i||^2; the output is the logits themselves."""

    name: str = "mse"
    output_activation: str = "identity"

    def prepare_targets(self, y, n_outputs, dtype):
        return _as_2d_targets(y, n_outputs, dtype, self.name)

    def value(self, z, y):
        diff = z - y
        return float(0.5 * np.einsum("ij,ij->", diff, diff, dtype=np.float64) / z.shape[0])

    def gradient(self, z, y):
        grad = z - y
        grad /= z.shape[0]
        return grad

    def output(self, z):
        return z


LOSSES: dict[str, Loss] = {
    "binary_crossentropy": BinaryCrossEntropy(),
    "softmax_crossentropy": SoftmaxCrossEntropy(),
    "mse": MeanSquaredError(),
}


def get_loss(name: str | Loss) -> Loss:
    """Look a loss up by name: ``binary_crossentropy``, ``softmax_crossentropy`` or ``mse``."""
    if isinstance(name, Loss):
        return name
    return LOSSES[check_choice("loss", name, LOSSES)]
