"""The NumPy backend: the engine's specialised path.

On NumPy the engine works in place: each ``W[l]``, ``b[l]`` (and ``dW[l]``, ``db[l]``) is a view
of the flat ``theta`` (``grad``), the layers write into reusable buffers through ``out=``, and
the optimizers update ``theta`` in place (see :mod:`deeprecipe.nn.dense`). This object only says
so, and moves arrays to and from the host, which is where they already are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

if hasattr(np, "astype"):  # NumPy >= 2.1 has the standard's functions in its own namespace
    numpy_namespace = np
else:  # pragma: no cover - the floor job's NumPy 1.x
    import array_api_compat.numpy as numpy_namespace


class NumpyBackend:
    """NumPy arrays on the CPU, updated in place."""

    name = "numpy"
    device_name = "cpu"
    #: the array API namespace of NumPy arrays, for what the engine shares with the other
    #: backends (the running training error): NumPy's own from 2.1 on, array-api-compat's
    #: (which adds ``astype``, ...) below it. NumPy's own, because the running error is counted
    #: at every step, and compat's wrappers cost a full-batch epoch of a small network 1%
    #: (its ``count_nonzero`` makes NumPy's 0-d count into an array; NumPy's is an int, as good
    #: to a trainer that reads it at once)
    xp = numpy_namespace
    device = "cpu"
    #: views of theta are trusted, buffers are reused, updates are in place
    in_place = True

    def dtype(self, dtype: np.dtype) -> np.dtype:
        return dtype

    def asarray(self, x: Any, dtype: Any = None) -> np.ndarray:
        """``x`` as a NumPy array (no copy when it already is one of ``dtype``)."""
        return np.asarray(x, dtype=dtype)

    def to_host(self, a: Any) -> np.ndarray:
        """``a`` as a NumPy array; may share memory with ``a``."""
        return np.asarray(a)

    def copy(self, a: np.ndarray) -> np.ndarray:
        return a.copy()

    def holds(self, a: Any) -> bool:
        """Whether ``a`` is a NumPy array."""
        return isinstance(a, np.ndarray)

    def scalar(self, value: Any) -> float:
        return float(value)

    def __repr__(self) -> str:
        return "NumpyBackend()"


NUMPY = NumpyBackend()
