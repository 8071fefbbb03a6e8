"""Many cores: element-wise work over row blocks on a small persistent pool, and BLAS threads.

A training step is matrix products (BLAS, already multi-threaded) and element-wise work: the
bias add, the activation and its derivative, the dropout mask, the softmax, the optimizer's
update. NumPy releases the GIL inside a ufunc's loop, so ``n`` Python threads that each run the
same ufuncs over their own block of rows work in parallel, and since every entry of the result is
computed by the same operations as in one pass, the result is the same bits whatever ``n`` is.

The products stay whole, on BLAS's own threads. Splitting them into row blocks, each a
one-thread BLAS call on a thread of the pool, trained 784-256-128-10 1.1x faster at b1024 on two
cores, but 0.59x (b256) and 0.86x (b1024) as fast on a 16-core Xeon (sixteen Python threads
contending for the GIL, each packing the same weights): measured, and left out.

- :func:`using_threads` sets the thread count for the code it wraps (the trainer wraps
  :meth:`Trainer.fit <deeprecipe.train.Trainer.fit>`): BLAS is limited to ``n`` threads through
  threadpoolctl, PyTorch's CPU kernels (the torch backend) to ``n`` through
  ``torch.set_num_threads`` when PyTorch is loaded, and :func:`for_row_blocks` splits work into
  up to ``n`` blocks. Outside it, everything runs in the calling thread.
- :func:`default_threads`: ``DEEPRECIPE_NUM_THREADS`` if set, else the BLAS thread count in
  effect (``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, a surrounding
  ``threadpoolctl.threadpool_limits``). Sweeps hold each worker's BLAS to one thread, so a
  training in a worker also runs its element-wise work on one: nothing oversubscribes.
- Work is split only when each block gets at least :data:`MIN_BLOCK_ELEMENTS` entries: below
  that, handing a block to another thread costs more than the block's arithmetic.

What does not split: drawing the dropout mask's uniform numbers (one generator, one stream: the
masks must not depend on the thread count), and reductions whose order would change the bits.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError

# Below every room (like _validation): the task's softmax, the layers and the optimizers use it.

#: the environment variable that sets the default thread count of training
ENV_THREADS = "DEEPRECIPE_NUM_THREADS"
#: the fewest entries a block of element-wise work is worth handing to another thread
MIN_BLOCK_ELEMENTS = 1 << 16

_threads: ContextVar[int] = ContextVar("deeprecipe_threads", default=1)
_pool_lock = threading.Lock()
_pool: list[ThreadPoolExecutor] = []  # one pool, made at first use; it starts threads as needed
_controller: list[Any] = []


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: the next split makes a new pool."""
    _pool.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _blas_controller():
    if not _controller:
        from threadpoolctl import ThreadpoolController

        _controller.append(ThreadpoolController())
    return _controller[0]


def blas_threads() -> int:
    """The BLAS thread count in effect now (1 when no BLAS library is found)."""
    pools = _blas_controller().select(user_api="blas").lib_controllers
    return max((pool.num_threads for pool in pools), default=1)


def check_threads(n_threads: Any, name: str = "n_threads") -> int:
    """A positive int; ``-1`` means every core of the machine."""
    if (
        isinstance(n_threads, (int, np.integer))
        and not isinstance(n_threads, bool)
        and (n_threads == -1)
    ):
        return os.cpu_count() or 1
    try:
        return int(check_number(name, n_threads, low=1, integer=True))
    except DeepRecipeError as exc:  # the check knows [1, inf); -1 is accepted too
        raise type(exc)(
            f"{name}={n_threads!r} is not accepted; accepted: a positive int, or -1 for every core"
        ) from None


def default_threads() -> int:
    """``DEEPRECIPE_NUM_THREADS`` when set, else the BLAS thread count in effect."""
    value = os.environ.get(ENV_THREADS)
    if value is None or value.strip() == "":
        return blas_threads()
    try:
        return check_threads(int(value), ENV_THREADS)
    except ValueError:
        raise DeepRecipeError(
            f"{ENV_THREADS}={value!r} is not accepted; accepted: a positive int, or -1 for "
            "every core"
        ) from None


def current_threads() -> int:
    """The thread count of element-wise work here (1 outside :func:`using_threads`)."""
    return _threads.get()


@contextmanager
def using_threads(n_threads: int | None = None) -> Iterator[int]:
    """Run the enclosed code on ``n_threads`` (default :func:`default_threads`): BLAS limited
    to that many, element-wise work split into up to that many row blocks. Yields the count."""
    n = default_threads() if n_threads is None else check_threads(n_threads)
    token = _threads.set(n)
    try:
        if n_threads is None:  # the BLAS setting in effect is the one asked for
            yield n
        else:
            with _blas_controller().limit(limits=n, user_api="blas"), _torch_threads(n):
                yield n
    finally:
        _threads.reset(token)


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """PyTorch's intra-op threads at ``n`` (its own pool, which threadpoolctl's BLAS limit
    does not reach), when PyTorch is loaded; restored afterwards."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _executor() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool:
            # an upper bound, not a count: the pool starts a thread only when no idle one is
            # free, so a training on n threads starts n - 1 of them (trainings running side by
            # side in threads share them)
            _pool.append(
                ThreadPoolExecutor(4 * (os.cpu_count() or 1) + 4, thread_name_prefix="deeprecipe")
            )
        return _pool[0]


def n_blocks(size: int) -> int:
    """How many blocks work on ``size`` entries splits into here."""
    n = _threads.get()
    if n <= 1:
        return 1
    return max(1, min(n, size // MIN_BLOCK_ELEMENTS))


def split_rows(rows: int, blocks: int) -> list[slice]:
    """``blocks`` contiguous row ranges of nearly equal size covering ``range(rows)``."""
    bounds = [rows * i // blocks for i in range(blocks + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(blocks)]


def for_row_blocks(func: Callable[..., Any], *arrays: Any, size: int | None = None) -> None:
    """``func(*arrays)``, run as ``func(*blocks)`` over row blocks on up to n threads.

    Every ndarray argument is split along its first axis (they must share their row count);
    other arguments (scalars, a bias row) are passed whole. ``func`` must write its results into
    its arguments (``out=``) and must compute each row from that row alone. ``size`` is the work's
    entry count (default: the first array's). The calling thread runs the first block itself.
    """
    first = next(a for a in arrays if isinstance(a, np.ndarray))
    blocks = n_blocks(first.size if size is None else size)
    rows = first.shape[0]
    if blocks <= 1 or rows < 2:
        func(*arrays)
        return
    blocks = min(blocks, rows)
    parts = [
        [a[s] if isinstance(a, np.ndarray) else a for a in arrays] for s in split_rows(rows, blocks)
    ]
    pool = _executor()
    futures = [pool.submit(func, *part) for part in parts[1:]]
    try:
        func(*parts[0])
    finally:
        for future in futures:
            future.result()
