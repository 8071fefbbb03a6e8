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

The course's ``1/m`` is already inside dZ: the output layer starts backprop from
``dZ[L] = (A[L] - Y) / m_batch`` (:meth:`Task.gradient <deeprecipe.task.Task.gradient>`), so
every dZ[l] here is the course's dZ[l] / m_batch, and ``A[l-1]^T dZ[l]`` is its
``(1/m) dZ[l] A[l-1]^T``, transposed for examples in rows.

Training reuses memory: with ``reuse_buffers=True`` (what :meth:`Network.loss_and_gradient`
asks for) every array above is written into a buffer the layer keeps, through NumPy's ``out=``
arguments, so a mini-batch step allocates nothing. The buffers hold as many rows as the largest
batch seen and a smaller batch uses their first rows (a view, still contiguous); they are
dropped by :meth:`clear_cache`. The price: ``mask``, ``_z``, ``_a`` and ``_input`` describe the
LAST pass only and are overwritten by the next one (copy them to keep them).

That is the NumPy path. On any other array namespace (PyTorch, CuPy, ``array_api_strict``: see
:mod:`deeprecipe.nn.backends`) the same formulas run functionally, in array API calls, at the
end of this file: each pass returns fresh arrays, and ``dW``, ``db`` are fresh arrays that the
network lays into its flat gradient.
"""

from __future__ import annotations

import numpy as np

from deeprecipe.nn.activations import Activation
from deeprecipe.nn.backends.numpy_backend import NUMPY


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
        backend=NUMPY,
    ) -> None:
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.backend = backend
        self._in_place = backend.in_place  # read at every pass: one attribute, not two
        self.activation = activation
        self.keep_prob = float(keep_prob)
        self.mask: np.ndarray | None = None
        self._input: np.ndarray | None = None
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None
        self._reuse = False  # whether the last forward (and so the next backward) uses buffers
        self._buffers: dict[str, np.ndarray] = {}
        self._workspace_key: tuple | None = None
        self._views: dict[str, np.ndarray] = {}

    # ----------------------------------------------------------------- buffers
    def _buffer(self, name: str, rows: int, cols: int, dtype) -> np.ndarray | None:
        """This pass's ``name`` buffer, or None when this pass allocates as usual.

        Buffers grow to the largest batch seen; a pass gets a view of their first ``rows`` rows
        (still contiguous). The views are kept until the row count or dtype changes (the last,
        smaller batch of an epoch), so a step only looks each one up in a dict.
        """
        if not self._reuse:
            return None
        if (rows, dtype) != self._workspace_key:
            self._workspace_key, self._views = (rows, dtype), {}
        view = self._views.get(name)
        if view is None:
            base = self._buffers.get(name)
            if (
                base is None
                or base.shape[0] < rows
                or base.shape[1] != cols
                or (base.dtype != dtype)
            ):
                base = self._buffers[name] = np.empty((rows, cols), dtype=dtype)
            view = self._views[name] = base[:rows]
        return view

    def _ones(self, rows: int, dtype) -> np.ndarray:
        """A vector of ``rows`` ones (kept between passes when buffers are reused)."""
        ones = self._buffers.get("ones") if self._reuse else None
        if ones is None or ones.shape[0] < rows or ones.dtype != dtype:
            ones = np.ones(rows, dtype=dtype)
            if self._reuse:
                self._buffers["ones"] = ones
        return ones[:rows]

    def _uniforms(self, rng: np.random.Generator, rows: int, cols: int, dtype) -> np.ndarray:
        """U uniform in [0, 1) drawn IN ``dtype``, from which forward makes D = [U < keep_prob].

        Drawing float32 uniforms (not float64, not a bool or int mask) keeps a float32 network
        in float32; comparing and scaling in place leaves one array of the activations' shape.
        The draw is one stream from one generator, in the calling thread: the masks are the
        same whatever the thread count.
        """
        out = self._buffer("mask", rows, cols, dtype)
        if out is None:
            return rng.random((rows, cols), dtype=dtype)
        return rng.random(dtype=dtype, out=out)

    # ----------------------------------------------------------------- forward / backward
    def forward(
        self,
        a_prev: np.ndarray,
        *,
        training: bool,
        rng: np.random.Generator | None = None,
        mask: np.ndarray | None = None,
        reuse_buffers: bool = False,
    ) -> np.ndarray:
        """Return this layer's output; with ``training`` and keep_prob < 1, apply dropout.

        ``mask`` (already divided by keep_prob) replaces a fresh draw: the same mask can then be
        used in several evaluations, which is how the gradient check tests dropout's backward.
        ``reuse_buffers`` writes Z, A, the mask and the output into the layer's buffers (see the
        module docstring): the returned array is then overwritten by the next such pass.
        """
        if not self._in_place:
            return self._forward_array(a_prev, training=training, rng=rng, mask=mask)
        self._reuse = reuse_buffers
        rows, cols = a_prev.shape[0], self.W.shape[1]
        dtype = a_prev.dtype if a_prev.dtype == self.W.dtype else np.result_type(a_prev, self.W)
        z = np.matmul(a_prev, self.W, out=self._buffer("z", rows, cols, dtype))
        a = z if self.activation.is_identity else self._buffer("a", rows, cols, dtype)
        if a is None:
            a = np.empty_like(z)
        self.mask, out, draw = None, None, False
        if training and self.keep_prob < 1.0:
            draw = mask is None
            if draw:
                mask = self._uniforms(rng, rows, cols, dtype)
            self.mask = mask
            out = self._buffer("out", rows, cols, dtype)
            if out is None:
                out = np.empty_like(z)
        self._forward_elementwise(z, a, mask, out, draw)
        self._input, self._z, self._a = a_prev, z, a
        return a if out is None else out

    def _forward_elementwise(self, z, a, mask, out, draw) -> None:
        """Z += b; A = g(Z); with dropout, D / keep_prob and A * D / keep_prob, in place."""
        z += self.b
        if a is not z:
            self.activation.forward_into(z, a)
        if draw:  # D as 0.0 / 1.0, then D / keep_prob, in place
            np.less(mask, self.keep_prob, out=mask)
            mask *= mask.dtype.type(1.0 / self.keep_prob)
        if out is not None:
            np.multiply(a, mask, out=out)

    def backward(self, da: np.ndarray, *, l2_over_m: float = 0.0, input_grad: bool = True):
        """Fill ``dW`` and ``db`` from dJ/dA; return dJ/dA of the layer below (or None)."""
        if not self._in_place:
            return self._backward_array(da, l2_over_m=l2_over_m, input_grad=input_grad)
        rows, cols = da.shape
        masked = None
        if self.mask is not None:
            masked = self._buffer("da", rows, cols, da.dtype)
            masked = np.empty_like(da) if masked is None else masked
        if self.activation.is_identity:
            dz = da if masked is None else masked
        else:
            dz = self._buffer("dz", rows, cols, da.dtype)
            dz = np.empty_like(da) if dz is None else dz
        if masked is not None or dz is not da:
            self._backward_elementwise(da, self.mask, masked, self._z, self._a, dz)
        np.matmul(self._input.T, dz, out=self.dW)
        if l2_over_m:
            # dW += (lambda / m) W, the product through a scratch array the size of W
            decay = self.W.dtype.type(l2_over_m)
            if self._reuse:
                scratch = self._buffers.get("decay")
                if scratch is None or scratch.dtype != self.W.dtype:
                    scratch = self._buffers["decay"] = np.empty_like(self.W)
                self.dW += np.multiply(self.W, decay, out=scratch)
            else:
                self.dW += decay * self.W
        if dz.dtype == self.db.dtype:
            # db = 1^T dZ: the sum over examples as one BLAS matrix-vector product, several
            # times faster than NumPy's row-by-row reduction along axis 0
            np.dot(self._ones(rows, dz.dtype), dz, out=self.db)
        else:
            np.sum(dz, axis=0, out=self.db)
        if not input_grad:
            return None
        n_in = self.W.shape[0]
        return np.matmul(dz, self.W.T, out=self._buffer("da_prev", rows, n_in, dz.dtype))

    def _backward_elementwise(self, da, mask, masked, z, a, dz) -> None:
        """dA * D / keep_prob (into ``masked``), then dZ = dA * g'(Z) (into ``dz``)."""
        if masked is not None:
            np.multiply(da, mask, out=masked)
            da = masked
        if dz is not da:
            self.activation.backward_into(z, a, da, dz)

    def clear_cache(self) -> None:
        """Drop the cached activations and the reusable buffers (they can be large)."""
        self._input = self._z = self._a = self.mask = None
        self._buffers, self._views, self._workspace_key = {}, {}, None

    # ----------------------------------------------------------------- any array namespace
    def _forward_array(self, a_prev, *, training, rng, mask):
        """Z = A_prev W + b, A = g(Z), A * D / keep_prob: fresh arrays, array API calls only."""
        xp = self.backend.xp
        forward = self.backend.activation(self.activation.name)[0]
        z = self.backend.affine(a_prev, self.W, self.b)
        a = forward(xp, z)
        self._input, self._z, self._a, self.mask = a_prev, z, a, None
        if training and self.keep_prob < 1.0:
            if mask is None:
                shape = tuple(a.shape)
                mask = self.backend.dropout_mask(rng, shape, self.keep_prob, self.W.dtype)
            self.mask = mask
            return a * mask
        return a

    def _backward_array(self, da, *, l2_over_m, input_grad):
        """dZ = dA * D / keep_prob * g'(Z); dW = A_prev^T dZ + (lambda/m) W; db = sum dZ."""
        xp = self.backend.xp
        backward = self.backend.activation(self.activation.name)[1]
        if self.mask is not None:
            da = da * self.mask
        dz = backward(xp, self._z, self._a, da)
        self.dW = self._input.T @ dz
        if l2_over_m:
            self.dW = self.dW + l2_over_m * self.W
        self.db = xp.sum(dz, axis=0)
        return dz @ self.W.T if input_grad else None
