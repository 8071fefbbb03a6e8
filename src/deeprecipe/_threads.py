"""Many cores: a training step's work over blocks of rows, on a small persistent pool.

A training step is matrix products and element-wise work: the bias add, the activation and its
derivative, the dropout mask, the softmax, the optimizer's update. NumPy releases the GIL inside
a ufunc's loop and inside BLAS, so ``n`` Python threads that each run the same operations over
their own block of rows work in parallel, and since every entry of the result is computed by the
same operations as in one pass, the result is the same bits whatever ``n`` is.

The matrix products are split too, each block a one-thread BLAS call: ``Z = A W`` and
``dA[l-1] = dZ W^T`` by examples (rows), ``dW = A^T dZ`` by input features (rows of ``dW``),
so that no block sums another's work. A mini-batch's products are small for a many-threaded
BLAS: with one 16-thread OpenBLAS call per product, a 16-core Xeon trained 784-256-128-10 at
b1024 at 11% of the speed its BLAS reaches on large products. Blocks of whole rows, each running
its product, bias, activation and mask while they are in cache, hand work over less often.

- :func:`using_threads` sets the thread count for the code it wraps (the trainer wraps
  :meth:`Trainer.fit <deeprecipe.train.Trainer.fit>`): :func:`for_row_blocks` and
  :func:`side_by_side` split work into up to ``n`` blocks, BLAS runs each block on one thread
  (threadpoolctl; with ``n = 1``, BLAS too has one), and PyTorch's CPU kernels (the torch
  backend) get ``n`` threads through ``torch.set_num_threads`` when PyTorch is loaded and ``n``
  was asked for. Outside it, everything runs in the calling thread, BLAS as configured.
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
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import partial
from typing import Any

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError

# Below every room (like _validation): the task's softmax, the layers and the optimizers use it.

#: the environment variable that sets the default thread count of training
ENV_THREADS = "DEEPRECIPE_NUM_THREADS"
#: the fewest entries a block of element-wise work is worth handing to another thread
MIN_BLOCK_ELEMENTS = 1 << 16
#: the fewest multiply-adds a block of a matrix product gets. Worth a hand-over long before
#: that, but OpenBLAS runs products under about a million multiply-adds through small-matrix
#: kernels that sum in another order: blocks that large give the whole product's bits.
MIN_BLOCK_MACS = 1 << 21

_threads: ContextVar[int] = ContextVar("deeprecipe_threads", default=1)
_team_lock = threading.Lock()
_team: list[_Worker] = []  # worker threads, started as the largest split so far needs them
_controller: list[Any] = []


class _Worker:
    """A thread that runs the tasks put in its queue, one at a time, and releases each task's
    lock when it ends (a hand-over of a few microseconds, where a ``ThreadPoolExecutor``'s
    futures took about 60 on two cores)."""

    def __init__(self, name: str) -> None:
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        while True:
            task, done, errors = self.tasks.get()
            try:
                task()
            except BaseException as exc:  # handed to the caller, which raises it
                errors.append(exc)
            finally:
                done.release()


def _workers(count: int) -> list[_Worker]:
    with _team_lock:
        while len(_team) < count:
            _team.append(_Worker(f"deeprecipe-{len(_team) + 1}"))
        return _team[:count]


def _forget_team() -> None:
    """In a forked child the workers do not exist: the next split starts new ones."""
    global _team_lock
    _team.clear()
    _team_lock = threading.Lock()  # it may have been held, by a thread the child lacks


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_team)


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
        if n == 1 and n_threads is None:  # BLAS already runs on one thread
            yield n
        else:  # the blocks are the parallelism: each one's BLAS call runs on one thread
            torch_threads = _torch_threads(n) if n_threads is not None else nullcontext()
            with _blas_controller().limit(limits=1, user_api="blas"), torch_threads:
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


def product_blocks(rows: int, n_in: int, n_out: int) -> int:
    """How many blocks a ``rows x n_in`` by ``n_in x n_out`` product splits into here: up to n,
    each of at least :data:`MIN_BLOCK_MACS` multiply-adds (1 outside :func:`using_threads`)."""
    n = _threads.get()
    if n <= 1:
        return 1
    return max(1, min(n, rows, n_in, rows * n_in * n_out // MIN_BLOCK_MACS))


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


def for_row_blocks(
    func: Callable[..., Any], *arrays: Any, size: int | None = None, blocks: int | None = None
) -> None:
    """``func(*arrays)``, run as ``func(*blocks)`` over row blocks on up to n threads.

    Every ndarray argument is split along its first axis (they must share their row count);
    other arguments (scalars, a bias row) are passed whole. ``func`` must write its results into
    its arguments (``out=``) and must compute each row from that row alone. ``size`` is the work's
    entry count (default: the first array's); ``blocks`` sets the count instead. The calling
    thread runs the first block itself.
    """
    first = next(a for a in arrays if isinstance(a, np.ndarray))
    if blocks is None:
        blocks = n_blocks(first.size if size is None else size)
    rows = first.shape[0]
    if blocks <= 1 or rows < 2:
        func(*arrays)
        return
    blocks = min(blocks, rows)
    parts = [
        [a[s] if isinstance(a, np.ndarray) else a for a in arrays] for s in split_rows(rows, blocks)
    ]
    side_by_side([partial(func, *part) for part in parts])


def side_by_side(tasks: list[Callable[[], Any]]) -> None:
    """Run ``tasks`` at the same time: the first in the calling thread, the others on worker
    threads. Returns when all have ended; an error raised by one reaches the caller.

    Several trainings in threads of their own may share the workers (a worker runs their tasks
    one after another); a task must not itself call this function.
    """
    if len(tasks) == 1:
        tasks[0]()
        return
    errors: list[BaseException] = []
    signals = []
    for worker, task in zip(_workers(len(tasks) - 1), tasks[1:]):
        done = threading.Lock()
        done.acquire()
        worker.tasks.put((task, done, errors))
        signals.append(done)
    try:
        tasks[0]()
    finally:
        for done in signals:
            done.acquire()
    if errors:
        raise errors[0]
