"""Mini-batches gathered by index, on the training's threads.

Each epoch visits the training rows in a shuffled order; a mini-batch's rows are copied
(gathered) from ``X`` into a preallocated buffer, rows of ``X`` and never columns, so no epoch
copies the whole data set. That copy is element-wise work, so it ran in the calling thread
while the other cores waited: on two cores it was a third of the serial work of a
784-256-128-10 step at b1024 (0.44 of 1.33 ms, ``python -m benchmarks.profile_step``).

``np.take`` releases the GIL, so with ``threads > 1`` the rows are split into contiguous blocks
of the buffer, one per thread, gathered at once. A hand-over to a pool thread costs 20-65 us
(``deeprecipe._threads`` measured it), so the gather runs ahead: up to
:data:`AHEAD_BYTES` of rows at a time, as many whole batches as fit, and below
:data:`MIN_SPLIT_BYTES` it stays in the calling thread. The batches come out the same bits on
any thread count: each row is one copy, whoever makes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: the rows gathered at one time: as many whole batches as fit in this (one at least); a
#: larger block saves hand-overs but is memory an epoch holds beside the data
AHEAD_BYTES = 2 << 20
#: a gather smaller than this runs in the calling thread: a hand-over would cost more
MIN_SPLIT_BYTES = 512 << 10


class BatchGatherer:
    """The mini-batches of ``(X, targets)`` in a given order, gathered ahead on ``threads``.

    Use as a context manager (the pool threads end with it); :meth:`batches` yields views into
    buffers that the next gather overwrites, so use each batch before asking for the next.
    """

    def __init__(self, X: np.ndarray, targets: np.ndarray, batch: int, threads: int = 1):
        self.X, self.targets, self.batch = X, targets, int(batch)
        row_bytes = X.itemsize * int(np.prod(X.shape[1:], dtype=np.int64))
        self.ahead = max(1, AHEAD_BYTES // max(1, self.batch * row_bytes))
        rows = min(self.batch * self.ahead, X.shape[0])
        self.x_buffer = np.empty((rows, *X.shape[1:]), dtype=X.dtype)
        self.t_buffer = np.empty((rows, *targets.shape[1:]), dtype=targets.dtype)
        splits = min(int(threads), rows * row_bytes // MIN_SPLIT_BYTES)
        self._pool = ThreadPoolExecutor(splits - 1) if splits > 1 else None
        self._splits = max(1, splits)

    def __enter__(self) -> BatchGatherer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the pool's threads."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def batches(self, order: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(x_batch, target_batch)`` for consecutive slices of ``order`` (row indices, each
        in ``range(m)``), ``batch`` rows each but the last."""
        step = self.batch * self.ahead
        for start in range(0, len(order), step):
            index = order[start : start + step]
            self._gather(index)
            for s in range(0, len(index), self.batch):
                end = min(s + self.batch, len(index))
                yield self.x_buffer[s:end], self.t_buffer[s:end]

    def _gather(self, index: np.ndarray) -> None:
        k = len(index)
        xs, ts = self.x_buffer[:k], self.t_buffer[:k]
        # the indices lie in range(m): mode="clip" skips the default mode's bounds check,
        # which gathers into a temporary and copies it into out
        np.take(self.targets, index, axis=0, out=ts, mode="clip")
        if self._pool is None or k < 2 * self._splits:
            np.take(self.X, index, axis=0, out=xs, mode="clip")
            return
        bounds = np.linspace(0, k, self._splits + 1).astype(int)
        blocks = list(zip(bounds[:-1], bounds[1:]))
        futures = [
            self._pool.submit(np.take, self.X, index[a:b], 0, xs[a:b], "clip")
            for a, b in blocks[1:]
        ]
        a, b = blocks[0]
        np.take(self.X, index[a:b], axis=0, out=xs[a:b], mode="clip")
        for future in futures:
            future.result()
