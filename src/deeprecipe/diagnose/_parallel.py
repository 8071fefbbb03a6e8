"""Run independent trainings through joblib, following any active ``parallel_config``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

from deeprecipe._validation import check_n_jobs


def run_parallel(func: Callable[..., Any], tasks: Iterable[tuple], n_jobs: int | None) -> list:
    """``[func(*task) for task in tasks]`` through :class:`joblib.Parallel`.

    ``n_jobs=None`` defers to ``joblib.parallel_config`` (sequential when none is active). When
    several workers run at once, BLAS is held to one thread per worker in this process (loky
    workers do the same on their own), so threads do not oversubscribe the cores: small dense
    layers run many times slower when workers x BLAS threads exceed the cores.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    n_jobs = check_n_jobs(n_jobs, none_ok=True)
    tasks = list(tasks)
    workers = effective_n_jobs(n_jobs)
    limit = nullcontext()
    if workers > 1 and len(tasks) > 1:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(limits=1, user_api="blas")
    with limit:
        return Parallel(n_jobs=n_jobs)(delayed(func)(*task) for task in tasks)
