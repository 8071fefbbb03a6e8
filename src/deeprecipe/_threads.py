"""Many cores: how many threads a training runs on, and what runs on them.

A training step is matrix products (BLAS, multi-threaded) and element-wise work (the bias add,
the activation and its derivative, the dropout mask, the softmax, the optimizer's update).
:func:`using_threads` sets the thread count for the code it wraps (the trainer wraps
:meth:`Trainer.fit <deeprecipe.train.Trainer.fit>`): BLAS is limited to ``n`` threads through
threadpoolctl, and PyTorch's CPU kernels (the torch backend) to ``n`` through
``torch.set_num_threads`` when PyTorch is loaded. :func:`default_threads` is
``DEEPRECIPE_NUM_THREADS`` if set, else the BLAS thread count in effect
(``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, a surrounding ``threadpoolctl.threadpool_limits``).
Sweeps hold each worker's BLAS to one thread, so nothing oversubscribes.

The element-wise work stays in the calling thread. Two designs that handed it to Python threads
were measured and left out:

- Row blocks of each element-wise operation on a pool of Python threads (NumPy releases the GIL
  inside a ufunc). A hand-over costs 20 us when the pool thread is awake and 50-65 us after the
  2 ms that a product leaves it idle (a virtual CPU that halted must be woken), and the pool's
  threads compete for the cores with BLAS's, which spin after each product. On two cores
  (AMD EPYC) training 784-256-128-10 ran 5-7% slower with the split at b256 and b1024
  (135k vs 128k, 145k vs 136k samples/s) and gained nothing measurable on wider layers
  (784-2048-2048-10) or larger batches (b8192). On a 16-core Xeon, 16 threads with the split
  trained only 1.5x (b256) and 1.6x (b1024) as fast as one, where the same products alone
  ran 7.6x and 9.2x as fast.
- Row blocks of the products too, each a one-thread BLAS call on a Python thread: 1.1x faster
  at b1024 on two cores, 0.59x (b256) and 0.86x (b1024) on the 16-core Xeon.
- The mini-batch gather alone (the largest serial piece, 0.44 of 1.33 ms of a b1024 step on
  two cores), in row blocks of 2 MiB on a pool (``np.take`` releases the GIL): a 1024-row
  MNIST gather took 0.37 ms on two threads against 0.56 ms on one, alone; inside training,
  85.1k samples/s against 87.3k without it (two threads, b1024, a 2-vCPU Xeon, medians of 15
  epochs). The pool's thread competes with the BLAS thread still spinning after the product.

Both keep the same bits for any thread count; so does this design: BLAS splits a product's
output among its threads, and each entry is one dot product in one thread.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError

# Below every room (like _validation): the trainer, the estimators and the CLI use it.

#: the environment variable that sets the default thread count of training
ENV_THREADS = "DEEPRECIPE_NUM_THREADS"

_threads: ContextVar[int] = ContextVar("deeprecipe_threads", default=1)
_controller: list[Any] = []


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
    """The thread count :func:`using_threads` set here (1 outside it)."""
    return _threads.get()


@contextmanager
def using_threads(n_threads: int | None = None) -> Iterator[int]:
    """Run the enclosed code on ``n_threads`` (default :func:`default_threads`): BLAS and
    PyTorch's CPU kernels limited to that many. Yields the count."""
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
