"""A network's numerical gradient without one whole forward pass per parameter.

Perturbing one weight ``W[l][i, j]`` by ``+-eps`` is a rank-1 change of one layer's
pre-activation: only column ``j`` of ``Z[l]`` moves, by ``+-eps * A[l-1][:, i]`` (a bias
``b[l][j]`` moves it by ``+-eps``). So:

1. the layers below ``l`` are never recomputed (their outputs are cached from one forward pass);
2. ``A[l]`` changes in column ``j`` only, so ``Z[l+1]`` changes by the outer product
   ``(A[l]_perturbed - A[l])[:, j] W[l+1][j, :]``: O(m n[l+1]) work instead of a matrix product;
3. only the layers above ``l+1`` need whole matrix products, and those are batched over many
   perturbations at once: the perturbed copies are stacked as ``(P, m, n)`` arrays, ``P`` chosen
   so that a stack stays cache-sized, and each layer is one ``(P m, n) @ (n, n')`` product.

The cost with L2 is ``J = data_loss(Z[L]) + (lambda/(2m)) sum ||W||^2``; the L2 term's finite
difference is computed on its own, entry by entry, from the same formula (it touches only the
perturbed weight), which avoids summing every squared weight twice per perturbation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from deeprecipe.nn.losses import log_softmax
from deeprecipe.nn.network import Network

#: a stack of perturbed activations is kept near this size (bytes), so it stays in cache
CHUNK_BYTES = 1 << 21
KINK_ACTIVATIONS = ("relu", "leaky_relu")


def stacked_loss(loss, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The mean loss of each stacked copy of the logits, ``(P, m, n) -> (P,)``."""
    m = logits.shape[1]
    if loss.name == "binary_crossentropy":
        per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
        return per_entry.sum(axis=(1, 2)) / m
    if loss.name == "softmax_crossentropy":
        picked = np.take_along_axis(log_softmax(logits), targets[None, :, None], axis=2)
        return -picked.sum(axis=(1, 2)) / m
    if loss.name == "mse":
        diff = logits - targets
        return 0.5 * np.einsum("pij,pij->p", diff, diff) / m
    return np.array([loss.value(z, targets) for z in logits])


class LayerwiseCost:
    """Finite differences of ``J`` for chosen entries of a float64 network's parameters.

    Args:
        net: a float64 :class:`Network` (the gradient check's private copy).
        X, targets: validated inputs and targets.
        m: the size L2 divides by.
        training, masks: as in :meth:`Network.forward` (frozen dropout masks, or none).
    """

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        targets: np.ndarray,
        *,
        m: int,
        training: bool,
        masks: Sequence[np.ndarray | None] | None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self.net, self.targets, self.m = net, targets, m
        self.loss = net.loss
        self.chunk_bytes = chunk_bytes
        n_layers = len(net.layers)
        self.masks = [
            masks[k] if masks is not None and k < len(masks) and k < n_layers - 1 else None
            for k in range(n_layers)
        ]
        # one forward pass, every Z[l] and masked A[l] kept (A[-1] is X)
        self.Z, self.A = [], []
        a = X
        self.inputs = []
        for k, layer in enumerate(net.layers):
            self.inputs.append(a)
            z = a @ layer.W + layer.b
            a = layer.activation.forward(z)
            if self.masks[k] is not None:
                a = a * self.masks[k]
            self.Z.append(z)
            self.A.append(a)
        self.logits = self.Z[-1]
        reference = net.forward(X, training=training, masks=masks)
        scale = max(1.0, float(np.abs(reference).max()))
        #: False when the network's own forward computes something else (a custom layer):
        #: the caller then falls back to whole forward passes
        self.matches_network = bool(np.abs(reference - self.logits).max() <= 1e-12 * scale)
        self.data_loss = float(stacked_loss(self.loss, self.logits[None], targets)[0])
        self.matches_network &= bool(
            abs(self.data_loss - self.loss.value(self.logits, targets))
            <= 1e-12 * max(1.0, abs(self.data_loss))
        )
        sizes = net.layer_sizes
        self.full_work = float(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))
        self.work = 0.0
        self.evaluations = 0

    # ------------------------------------------------------------------ public
    def entries(
        self, k: int, kind: str, local: np.ndarray, eps: float, two_sided: bool
    ) -> np.ndarray:
        """Finite differences along entries ``local`` (flat, C order) of ``W`` or ``b`` of
        layer ``k`` (0-based)."""
        layer = self.net.layers[k]
        n_out = layer.W.shape[1]
        if kind == "W":
            rows, cols = np.divmod(local, n_out)
        else:
            rows, cols = None, np.asarray(local)
        out = np.empty(len(local))
        per_item = self.m * (self._width_above(k) + 1) * (2 if two_sided else 1)
        step = max(1, self.chunk_bytes // (8 * per_item))
        for start in range(0, len(local), step):
            part = slice(start, start + step)
            inputs = (
                self.inputs[k][:, rows[part]].T
                if rows is not None
                else np.ones((len(cols[part]), self.m))
            )
            out[part] = self._column_differences(k, cols[part], inputs, eps, two_sided)
        if kind == "W" and self.net.l2:
            w = layer.W.reshape(-1)[local]
            coef = self.net.l2 / (2 * self.m)
            if two_sided:
                out += coef * ((w + eps) ** 2 - (w - eps) ** 2) / (2 * eps)
            else:
                out += coef * ((w + eps) ** 2 - w**2) / eps
        return out

    def near_kinks(self, tolerance: float) -> tuple[int, int]:
        """How many ReLU-family pre-activations lie within ``tolerance`` of 0, out of how many."""
        near, total = 0, 0
        for z, layer in zip(self.Z[:-1], self.net.layers[:-1]):
            if layer.activation.name in KINK_ACTIVATIONS:
                near += int(np.count_nonzero(np.abs(z) <= tolerance))
                total += z.size
        return near, total

    # ------------------------------------------------------------------ internals
    def _width_above(self, k: int) -> int:
        return max(self.net.layer_sizes[k + 1 :])

    def _column_differences(
        self, k: int, cols: np.ndarray, inputs: np.ndarray, eps: float, two_sided: bool
    ) -> np.ndarray:
        """Perturb column ``cols[p]`` of ``Z[k]`` by ``+-eps * inputs[p]``; the finite
        difference of the data loss for each ``p``."""
        n = len(cols)
        z_col = self.Z[k][:, cols].T  # (n, m)
        if two_sided:
            z_col = np.concatenate([z_col + eps * inputs, z_col - eps * inputs])
            cols = np.concatenate([cols, cols])
        else:
            z_col = z_col + eps * inputs
        losses = self._loss_after_column(k, cols, z_col)
        self.evaluations += len(cols)
        if two_sided:
            return (losses[:n] - losses[n:]) / (2 * eps)
        return (losses - self.data_loss) / eps

    def _loss_after_column(self, k: int, cols: np.ndarray, z_col: np.ndarray) -> np.ndarray:
        layers = self.net.layers
        count = len(cols)
        if k == len(layers) - 1:  # an output unit: replace one column of the logits
            logits = np.repeat(self.logits[None], count, axis=0)
            logits[np.arange(count), :, cols] = z_col
            self.work += count * self.logits.shape[1] / self.full_work
            return stacked_loss(self.loss, logits, self.targets)
        a_col = layers[k].activation.forward(z_col)
        if self.masks[k] is not None:
            a_col *= self.masks[k][:, cols].T
        a_col -= self.A[k][:, cols].T  # the change of column j of A[k]
        above = layers[k + 1]
        z = self.Z[k + 1][None] + a_col[:, :, None] * above.W[cols][:, None, :]
        work = above.W.shape[1]
        for q in range(k + 1, len(layers) - 1):
            a = layers[q].activation.forward(z)
            if self.masks[q] is not None:
                a *= self.masks[q]
            W = layers[q + 1].W
            z = (a.reshape(-1, W.shape[0]) @ W).reshape(count, self.m, W.shape[1])
            z += layers[q + 1].b
            work += W.size
        self.work += count * work / self.full_work
        return stacked_loss(self.loss, z, self.targets)
