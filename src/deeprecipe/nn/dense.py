"""One fully connected layer, its forward and backward side by side.

Forward (examples are rows, so the course's ``Z = W A + b`` becomes ``Z = A W + b``)::

    Z[l] = A[l-1] W[l] + b[l]
    A[l] = g(Z[l])
    A[l] = A[l] * D[l] / keep_prob      (inverted dropout, training only, hidden layers only)

Backward, given dJ/dA[l] (``m`` = training-set size, ``lambda`` the L2 strength)::

    dA[l]   = dA[l] * D[l] / keep_prob  (the same mask as forward)
    dZ[l]   = dA[l] * g'(Z[l])
    dW[l]   = A[l-1]^T dZ[l] + (lambda / m) W[l]
    db[l]   = sum over examples of dZ[l]
    dA[l-1] = dZ[l] W[l]^T
"""

from __future__ import annotations

import numpy as np

from deeprecipe.nn.activations import Activation


class Dense:
    """A dense layer whose ``W``, ``b``, ``dW``, ``db`` are views into the network's flat vectors.

    ``forward`` caches exactly what ``backward`` needs (the input, ``Z``, ``A`` and the dropout
    mask), and ``backward`` writes into its slice of the flat gradient.
    """

    def __init__(
        self,
        W: np.ndarray,
        b: np.ndarray,
        dW: np.ndarray,
        db: np.ndarray,
        activation: Activation,
        keep_prob: float = 1.0,
    ) -> None:
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.activation = activation
        self.keep_prob = float(keep_prob)
        self.mask: np.ndarray | None = None
        self._input: np.ndarray | None = None
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None

    def forward(
        self,
        a_prev: np.ndarray,
        *,
        training: bool,
        rng: np.random.Generator | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return this layer's output; with ``training`` and keep_prob < 1, apply dropout.

        ``mask`` (already divided by keep_prob) replaces a fresh draw: the same mask can then be
        used in several evaluations, which is how the gradient check tests dropout's backward.
        """
        z = a_prev @ self.W
        z += self.b
        a = self.activation.forward(z)
        self._input, self._z, self._a = a_prev, z, a
        self.mask = None
        if training and self.keep_prob < 1.0:
            if mask is None:
                keep = rng.random(a.shape, dtype=a.dtype) < self.keep_prob
                mask = keep.astype(a.dtype)
                mask *= a.dtype.type(1.0 / self.keep_prob)
            self.mask = mask
            return a * mask
        return a

    def backward(self, da: np.ndarray, *, l2_over_m: float = 0.0, input_grad: bool = True):
        """Fill ``dW`` and ``db`` from dJ/dA; return dJ/dA of the layer below (or None)."""
        if self.mask is not None:
            da = da * self.mask
        dz = self.activation.backward(self._z, self._a, da)
        np.matmul(self._input.T, dz, out=self.dW)
        if l2_over_m:
            self.dW += self.W.dtype.type(l2_over_m) * self.W
        np.sum(dz, axis=0, out=self.db)
        return dz @ self.W.T if input_grad else None

    def clear_cache(self) -> None:
        """Drop the cached activations (they can be large)."""
        self._input = self._z = self._a = self.mask = None
