"""A network's numerical gradient without one whole forward pass per parameter.

Perturbing one weight ``W[l][i, j]`` by ``+-eps`` is a rank-1 change of one layer's
pre-activation: only column ``j`` of ``Z[l]`` moves, by ``+-eps * A[l-1][:, i]`` (a bias
``b[l][j]`` moves it by ``+-eps``). So:

1. the layers below ``l`` are never recomputed (their outputs are cached from one forward pass);
2. ``A[l]`` changes in column ``j`` only, so ``Z[l+1]`` changes by the outer product
   ``(A[l]_perturbed - A[l])[:, j] W[l+1][j, :]``: O(m n[l+1]) work instead of a matrix product;
3. only the layers above ``l+1`` need whole matrix products, and those are batched over many
   perturbations at once: the perturbed copies are stacked as ``(n, P, m)`` arrays (units
   first, the course's one-example-per-column layout), ``P`` chosen so that a stack stays
   cache-sized, and each layer is one ``W^T (n, P m)`` product;
4. an example whose layer output did not move at all (a ReLU unit that stays off, an input
   that is exactly 0) contributes exactly the same loss to ``J(theta + eps e_i)`` and
   ``J(theta - eps e_i)``, so it is left out of the stack; the difference is summed over the
   examples that moved, which is the same number with less rounding noise. Entries are visited
   column by column so that each stack shares one unit's set of moving examples.

(Stacking thousands of perturbed copies of ALL the parameters and running whole forward
passes over them does more work than the loop it replaces; the savings come from 1, 2 and 4.)

The per-example losses are the task's (:meth:`deeprecipe.task.Task.example_losses`).
The cost with L2 is ``J = data_loss(Z[L]) + (lambda/(2m)) sum ||W||^2``; the L2 term's finite
difference is computed on its own, entry by entry, from the same formula (it touches only the
perturbed weight), which avoids summing every squared weight twice per perturbation.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from deeprecipe.nn.network import Network

#: a stack of perturbed activations is kept near this size (bytes), so it stays in cache
CHUNK_BYTES = 1 << 21
KINK_ACTIVATIONS = ("relu", "leaky_relu")
#: units with fewer entries than this on average (biases, samples) share chunks
MIX_BELOW = 8
#: chunks may run on several threads (NumPy releases the GIL inside each array operation);
#: on a 2-core machine shared with other work one thread measured as fast or faster
THREADS = 1
_CONTROLLER: list[ThreadpoolController] = []


def one_blas_thread():
    """A context holding BLAS to one thread (the library scan is done once and cached)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


class _Workspace:
    """Grow-only flat float64 arrays handed out as C-ordered views of any shape.

    ``get("z", shape)`` may return memory that an earlier ``get("z", ...)`` handed out: the
    caller holds one live view per name. The stack of a matrix product therefore alternates
    between the names ``z`` and ``a``.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        array = self.arrays.get(name)
        if array is None or array.size < size:
            array = self.arrays[name] = np.empty(max(size, 1))
        return array[:size].reshape(shape)


class LayerwiseCost:
    """Finite differences of ``J`` for chosen entries of a float64 network's parameters.

    Internally every cached array is stored transposed, one example per column (the course's
    layout): then a perturbed column of ``Z[l]`` is a contiguous row, and the outer product that
    carries it to the next layer runs along contiguous memory.

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
        chunk_bytes: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.net, self.targets, self.m = net, targets, m
        self.loss = net.loss
        self.chunk_bytes = CHUNK_BYTES if chunk_bytes is None else int(chunk_bytes)
        self.threads = THREADS if threads is None else int(threads)
        self._local = threading.local()
        self.n_examples = X.shape[0]
        n_layers = len(net.layers)
        masks = [
            masks[k] if masks is not None and k < len(masks) and k < n_layers - 1 else None
            for k in range(n_layers)
        ]
        self.masks_t = [None if d is None else np.ascontiguousarray(d.T) for d in masks]
        self.weights_t = [np.ascontiguousarray(layer.W.T) for layer in net.layers]
        # one forward pass; every Z[l] and masked A[l] kept, transposed (inputs_t[0] is X^T)
        self.Z_t, self.A_t, self.inputs_t = [], [], []
        a = X
        for k, layer in enumerate(net.layers):
            self.inputs_t.append(np.ascontiguousarray(a.T))
            z = a @ layer.W + layer.b
            a = layer.activation.forward(z)
            if masks[k] is not None:
                a = a * masks[k]
            self.Z_t.append(np.ascontiguousarray(z.T))
            self.A_t.append(np.ascontiguousarray(a.T))
        reference = net.forward(X, training=training, masks=masks)
        #: why the engine cannot reproduce the network's cost (a custom layer, a task without
        #: per-example losses), in words; None when it can. The caller then falls back to
        #: whole forward passes
        self.mismatch = self._mismatch(reference, z, targets)
        #: the engine reproduces the network's cost
        self.matches_network = self.mismatch is None
        sizes = net.layer_sizes
        self.full_work = float(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))
        #: the work done so far, in whole forward passes
        self.work = 0.0
        #: perturbed evaluations of the cost so far
        self.evaluations = 0

    def _mismatch(self, reference: np.ndarray, z: np.ndarray, targets: np.ndarray) -> str | None:
        """Why the engine's cost (per-example losses of its own forward pass ``z``) is not the
        network's (``reference`` logits, costed by ``loss.value``); None when it is."""
        loss = type(self.loss).__name__
        try:
            self.base_losses = self.loss.example_losses(self.Z_t[-1][:, None], self.targets)[0]
        except NotImplementedError:
            return f"the loss {loss} gives no per-example losses (example_losses)"
        if np.abs(reference - z).max() > 1e-12 * max(1.0, float(np.abs(reference).max())):
            return "the network's forward differs from the layer-wise engine's"
        data_loss = float(self.base_losses.sum() / self.n_examples)
        value = float(self.loss.value(reference, targets))
        if abs(data_loss - value) > 1e-12 * max(1.0, abs(data_loss)):
            return (
                f"the loss {loss} disagrees with itself: the mean of its example_losses is "
                f"{data_loss:.10g}, its value {value:.10g} (is one of them inherited?)"
            )
        return None

    # ------------------------------------------------------------------ public
    def entries(
        self, k: int, kind: str, local: np.ndarray, eps: float, two_sided: bool
    ) -> np.ndarray:
        """Finite differences along entries ``local`` (flat, C order) of ``W`` or ``b`` of
        layer ``k`` (0-based)."""
        layer = self.net.layers[k]
        local = np.asarray(local, dtype=np.intp)
        if kind == "W":
            rows, cols = np.divmod(local, layer.W.shape[1])
        else:
            rows, cols = None, local
        out = np.empty(len(local))
        self._fill(k, rows, cols, out, eps, two_sided)
        if kind == "W" and self.net.l2:
            w = layer.W.reshape(-1)[local]
            coef = self.net.l2 / (2 * self.m)
            if two_sided:
                out += coef * ((w + eps) ** 2 - (w - eps) ** 2) / (2 * eps)
            else:
                out += coef * ((w + eps) ** 2 - w**2) / eps
        return out

    def _fill(self, k, rows, cols, out, eps, two_sided) -> None:
        """The data-loss differences, column by column of ``Z[k]``, in cache-sized chunks.

        Run it under :func:`one_blas_thread`: the products are small, and a second BLAS thread
        only contends with the first (several-fold slower on a busy machine).
        """
        sizes = self.net.layer_sizes
        per_item = 8 * self.n_examples * max(sizes[k + 2 :] if k + 2 < len(sizes) else sizes[-1:])
        step = max(1, self.chunk_bytes // (per_item * (2 if two_sided else 1)))
        order = np.argsort(cols, kind="stable")
        bounds = np.flatnonzero(np.diff(cols[order])) + 1
        if len(cols) < MIX_BELOW * (len(bounds) + 1):
            # few entries per unit (biases, samples): mix units in a chunk rather than pay
            # Python's overhead once per unit
            parts = [order[start : start + step] for start in range(0, len(order), step)]
        else:
            parts = [
                group[start : start + step]
                for group in np.split(order, bounds)
                for start in range(0, len(group), step)
            ]

        def run(part: np.ndarray) -> tuple[np.ndarray, float]:
            if rows is None:
                inputs = np.ones((len(part), self.n_examples))
            else:
                inputs = self.inputs_t[k][rows[part]]
            return self._column_differences(k, cols[part], inputs, eps, two_sided)

        if self.threads > 1 and len(parts) >= 4 * self.threads:
            with ThreadPoolExecutor(self.threads) as pool:
                done = list(pool.map(run, parts))
        else:
            done = [run(part) for part in parts]
        for part, (values, work) in zip(parts, done):
            out[part] = values
            self.work += work
            self.evaluations += len(part) * (2 if two_sided else 1)

    def near_kinks(self, tolerance: float) -> tuple[int, int, int]:
        """ReLU-family pre-activations within ``tolerance`` of the kink at 0, those exactly at
        0, and how many there are in all."""
        near, exact, total = 0, 0, 0
        for z, layer in zip(self.Z_t[:-1], self.net.layers[:-1]):
            if layer.activation.name in KINK_ACTIVATIONS:
                near += int(np.count_nonzero(np.abs(z) <= tolerance))
                exact += int(np.count_nonzero(z == 0))
                total += z.size
        return near, exact, total

    # ------------------------------------------------------------------ internals
    def _column_differences(
        self, k: int, cols: np.ndarray, inputs: np.ndarray, eps: float, two_sided: bool
    ) -> tuple[np.ndarray, float]:
        """Perturb row ``cols[p]`` of ``Z[k]^T`` by ``+-eps * inputs[p]``; the finite
        difference of the data loss for each ``p``, and the work done."""
        n, m = len(cols), self.n_examples
        base = self.Z_t[k][cols]  # (n, examples): the perturbed unit's pre-activations
        if two_sided:
            z_col = np.concatenate([base + eps * inputs, base - eps * inputs])
            cols = np.concatenate([cols, cols])
        else:
            z_col = base + eps * inputs
        sums, moved, work = self._loss_after_column(k, cols, z_col)
        if two_sided:
            return (sums[:n] - sums[n:]) / (m * 2 * eps), work
        return (sums - self.base_losses[moved].sum()) / (m * eps), work

    def _loss_after_column(
        self, k: int, cols: np.ndarray, z_col: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Replace row ``cols[p]`` of ``Z[k]^T`` by ``z_col[p]``; return, for each ``p``, the
        summed loss of the examples that moved, which examples those are, and the work done
        (in whole forward passes).

        Stacks are laid out ``(units, P, examples)``, so each layer above is ONE matrix product
        ``W^T (n, P x examples)`` over the whole stack.
        """
        layers = self.net.layers
        count = len(cols)
        if k == len(layers) - 1:  # an output unit: replace one row of the logits
            moved = np.flatnonzero((z_col != self.Z_t[k][cols]).any(axis=0))
            logits = np.repeat(self.Z_t[k][:, None, moved], count, axis=1)
            logits[cols, np.arange(count)] = z_col[:, moved]
            work = count * moved.size * logits.shape[0] / (self.full_work * self.n_examples)
            return self._summed(logits, moved), moved, work
        change = np.array(layers[k].activation.forward(z_col), copy=True)
        if self.masks_t[k] is not None:
            change *= self.masks_t[k][cols]
        change -= self.A_t[k][cols]  # how unit j's output moved, per example
        moved = np.flatnonzero(change.any(axis=0))
        if moved.size < change.shape[1]:
            change = change[:, moved]
        # Z[k+1] moves by the outer product of that change with unit j's outgoing weights.
        # A chunk holds one unit j (entries are visited column by column), so the outer
        # product of all its perturbations is one rank-1 matrix product.
        space = self._workspace()
        shape = (self.weights_t[k + 1].shape[0], count, moved.size)
        z = space.get("z", shape)
        if (cols == cols[0]).all():  # w[u] * change[p, e], one long loop per unit u
            np.multiply(self.weights_t[k + 1][:, cols[0], None, None], change[None], out=z)
        else:
            np.multiply(self.weights_t[k + 1][:, cols][:, :, None], change[None], out=z)
        z += self.Z_t[k + 1][:, None, moved]
        work = layers[k + 1].W.shape[1]
        for q in range(k + 1, len(layers) - 1):
            a = layers[q].activation.forward_into(z, space.get("a", z.shape))
            if self.masks_t[q] is not None:
                a = np.multiply(a, self.masks_t[q][:, None, moved], out=space.get("a", z.shape))
            W_t = self.weights_t[q + 1]
            flat = np.matmul(
                W_t, a.reshape(W_t.shape[1], -1), out=space.get("z", (W_t.shape[0], a[0].size))
            )
            flat += layers[q + 1].b[:, None]
            z = flat.reshape(W_t.shape[0], count, moved.size)
            work += W_t.size
        work = count * work * moved.size / (self.full_work * self.n_examples)
        return self._summed(z, moved), moved, work

    def _workspace(self) -> _Workspace:
        """This thread's reusable arrays (fresh large arrays cost a page fault per 4 KiB)."""
        space = getattr(self._local, "space", None)
        if space is None:
            space = self._local.space = _Workspace()
        return space

    def _summed(self, logits: np.ndarray, moved: np.ndarray) -> np.ndarray:
        if moved.size == 0:
            return np.zeros(logits.shape[1])
        scratch = self._workspace().get("a", logits.shape)  # free: logits never live in "a"
        return self.loss.example_losses(logits, self.targets[moved], scratch).sum(axis=1)
