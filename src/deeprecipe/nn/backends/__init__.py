"""Where the engine's arrays live: NumPy (the default) or any array API namespace.

=================== ============================ ==============================================
``backend=``        arrays                       devices
=================== ============================ ==============================================
``numpy``           ``numpy.ndarray``            ``cpu``
``torch``           ``torch.Tensor``             ``cpu``, ``cuda``, ``cuda:1``, ``mps``, ...
``cupy``            ``cupy.ndarray``             ``cuda``, ``cuda:1``
``array_api_strict`` ``array_api_strict.Array``  its CPU device (proves no NumPy-only call)
=================== ============================ ==============================================

``get_backend(backend, device)`` picks one: no backend and no device (or ``device="cpu"``) is
NumPy; ``device="cuda"`` alone is PyTorch when installed, else CuPy. See :mod:`.numpy_backend`
for the NumPy path (in place, through reusable buffers) and :mod:`.array_backend` for every
other namespace (functional, through the array API standard and ``array-api-compat``).
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.backends.array_backend import ArrayBackend
from deeprecipe.nn.backends.numpy_backend import NUMPY, NumpyBackend

BACKENDS = ("numpy", "torch", "cupy", "array_api_strict")
#: the module each backend imports, and the pip extra that installs it
_MODULES = {
    "torch": ("torch", "torch"),
    "cupy": ("cupy", "cupy"),
    "array_api_strict": ("array_api_strict", "test"),
}

_DEFAULT_DEVICE = {"torch": "cpu", "cupy": "cuda", "array_api_strict": "cpu"}

Backend = NumpyBackend | ArrayBackend


def installed(name: str) -> bool:
    """Whether backend ``name``'s array library can be imported here (without importing it)."""
    return name == "numpy" or importlib.util.find_spec(_MODULES[name][0]) is not None


def get_backend(backend: Any = None, device: Any = None) -> Backend:
    """The backend for ``backend`` (a name or a backend object) on ``device``."""
    if isinstance(backend, (NumpyBackend, ArrayBackend)):
        if device is not None and str(device) != backend.device_name:
            return get_backend(backend.name, device)
        return backend
    if device is not None and not isinstance(device, str):
        device = str(device)  # a torch.device, a cupy Device
    if backend is None:
        backend = _default_for(device)
    if not isinstance(backend, str) or backend.lower() not in BACKENDS:
        raise DeepRecipeError(f"backend={backend!r} is not known; accepted: {', '.join(BACKENDS)}")
    backend = backend.lower()
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise DeepRecipeError(
                f"device={device!r} with backend='numpy'; accepted: device='cpu' (NumPy runs on "
                "the CPU; backend='torch' or 'cupy' runs on a GPU)"
            )
        return NUMPY
    module, extra = _MODULES[backend]
    if not installed(backend):
        raise DeepRecipeError(
            f"backend={backend!r} needs the {module} package, which is not installed; accepted: "
            f"pip install 'deeprecipe[{extra}]', or backend='numpy'"
        )
    return _open(backend, device or _DEFAULT_DEVICE[backend])


@functools.cache
def _open(name: str, device: str | None) -> ArrayBackend:
    """One backend object per (library, device), so networks on one device share it."""
    return ArrayBackend.open(name, device)


def _default_for(device: str | None) -> str:
    if device is None or device == "cpu":
        return "numpy"
    if device.startswith("cuda"):
        for name in ("torch", "cupy"):
            if installed(name):
                return name
        raise DeepRecipeError(
            f"device={device!r} needs PyTorch or CuPy, and neither is installed; accepted: "
            "pip install 'deeprecipe[torch]' or 'deeprecipe[cupy]', or device='cpu'"
        )
    return "torch"  # mps, xpu, ...: PyTorch's device names


def available_backends() -> list[str]:
    """The backends whose library is installed here (NumPy always)."""
    return [name for name in BACKENDS if installed(name)]


__all__ = [
    "BACKENDS",
    "ArrayBackend",
    "Backend",
    "NumpyBackend",
    "available_backends",
    "get_backend",
    "installed",
]
