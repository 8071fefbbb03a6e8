"""The diagnosis tests train many small networks: one BLAS thread each is many times faster on a
shared machine than BLAS threads fighting over two cores for 64 x 64 products."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
