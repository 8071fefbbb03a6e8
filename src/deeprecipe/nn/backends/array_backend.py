"""Every other array namespace, through the array API standard (``array-api-compat``).

The engine's maths on this path is functional: each operation returns a new array and nothing
relies on views, because the standard promises none (``array_api_strict`` is free to copy on
slicing, and mutating a view is unspecified). What stays simple is the flat parameter vector:
``theta`` is the one owner of the parameters, ``W[l]`` and ``b[l]`` are sliced from it at the
start of each forward pass (views on PyTorch and CuPy, whatever the namespace gives elsewhere),
the gradient is assembled as one flat vector (one ``concat``), and an optimizer step computes
the next ``theta`` from the last. Weights are drawn on the host (NumPy, from the network's
seed) and moved, and so are dropout masks: the same seed gives the same weights, masks and
trajectory on every backend.
"""

from __future__ import annotations

import importlib
from typing import Any

import array_api_compat
import numpy as np

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.activations import LEAKY_SLOPE
from deeprecipe.task import array_sigmoid


class ArrayBackend:
    """One array namespace ``xp`` on one ``device``."""

    in_place = False

    def __init__(self, name: str, xp: Any, device: Any, device_name: str) -> None:
        self.name, self.xp, self.device, self.device_name = name, xp, device, device_name
        #: PyTorch's module when it is the namespace: a few operations have a fused form there
        self._torch = importlib.import_module("torch") if name == "torch" else None

    @classmethod
    def open(cls, name: str, device: str | None) -> ArrayBackend:
        """Import ``name``'s library and resolve ``device`` (refusing one that is absent)."""
        if name == "array_api_strict":
            import array_api_strict as xp

            # device1 and device2 are its stand-ins for a GPU: arrays on two devices refuse
            # to mix, so a test run on one proves every array is made where the data are
            if device not in (None, "cpu", "device1", "device2"):
                raise DeepRecipeError(
                    f"device={device!r} with backend='array_api_strict'; accepted: 'cpu', "
                    "'device1' or 'device2'"
                )
            place = "CPU_DEVICE" if device in (None, "cpu") else device
            return cls(name, xp, xp.Device(place), device or "cpu")
        compat = importlib.import_module(f"array_api_compat.{name}")
        if name == "torch":
            import torch

            try:
                device = torch.device(device or "cpu")
            except RuntimeError:  # PyTorch's own message lists every device type it knows
                raise DeepRecipeError(
                    f"device={device!r} is not a PyTorch device; accepted: 'cpu', 'cuda', "
                    "'cuda:N', 'mps', ..."
                ) from None
            if device.type == "mps" and not torch.backends.mps.is_available():
                raise DeepRecipeError(
                    "device='mps' but PyTorch sees no Apple GPU here; accepted: device='cpu'"
                )
            if device.type == "cuda" and not torch.cuda.is_available():
                raise DeepRecipeError(
                    f"device={str(device)!r} but PyTorch sees no CUDA GPU here; accepted: "
                    "device='cpu', or a machine with a GPU and a CUDA build of PyTorch"
                )
            return cls(name, compat, device, str(device))
        import cupy

        device = device or "cuda"
        if not device.startswith("cuda"):
            raise DeepRecipeError(
                f"device={device!r} with backend='cupy'; accepted: 'cuda' or 'cuda:N'"
            )
        index = int(device.partition(":")[2] or cupy.cuda.runtime.getDevice())
        if index >= cupy.cuda.runtime.getDeviceCount():
            raise DeepRecipeError(f"device={device!r} but CuPy sees no such GPU here")
        return cls(name, compat, cupy.cuda.Device(index), f"cuda:{index}")

    # ------------------------------------------------------------------ moving arrays
    def dtype(self, dtype: np.dtype) -> Any:
        """The namespace's dtype for a NumPy float dtype."""
        return getattr(self.xp, np.dtype(dtype).name)

    def host_dtype(self, dtype: Any) -> np.dtype:
        """The NumPy float dtype for one of the namespace's."""
        for name in ("float32", "float64"):
            if dtype == getattr(self.xp, name):
                return np.dtype(name)
        raise DeepRecipeError(f"dtype {dtype} has no NumPy float twin; accepted: float32, float64")

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """``x`` (host data or this namespace's array) on this backend's device."""
        if dtype is not None and not isinstance(dtype, type(self.xp.float32)):
            dtype = self.dtype(dtype)
        if self.name == "cupy":
            with self.device:
                return self.xp.asarray(x, dtype=dtype)
        return self.xp.asarray(x, dtype=dtype, device=self.device)

    def to_host(self, a: Any) -> np.ndarray:
        """``a`` as a NumPy array (a copy off a GPU; may share memory on the CPU)."""
        if isinstance(a, np.ndarray):
            return a
        if self.name == "torch":
            return a.detach().cpu().numpy()
        if self.name == "cupy":
            return a.get()
        return np.from_dlpack(a)

    def copy(self, a: Any) -> Any:
        return self.xp.asarray(a, copy=True)

    def holds(self, a: Any) -> bool:
        """Whether ``a`` is this namespace's array on this backend's device."""
        try:
            namespace = array_api_compat.array_namespace(a)
        except TypeError:  # not an array of any namespace
            return False
        if namespace is not self.xp:
            return False
        if self._torch is not None:  # "cuda" means the current GPU; a tensor names its index
            here = self.device
            if here.type == "cuda" and here.index is None:
                here = self._torch.device("cuda", self._torch.cuda.current_device())
            return a.device == here
        return array_api_compat.device(a) == self.device

    def scalar(self, value: Any) -> float:
        """A 0-d array as a Python float (on a GPU: waits for the work queued before it)."""
        return float(value)

    # ------------------------------------------------------------------ the flat vector
    def views(self, flat: Any, slices: list[tuple[slice, tuple[int, ...]]]) -> list[Any]:
        """The tensors ``[W1, b1, ...]`` sliced from a flat vector."""
        if self._torch is not None:  # the tensor's own view: no wrapper call per tensor
            return [flat[s].view(shape) for s, shape in slices]
        return [self.xp.reshape(flat[s], shape) for s, shape in slices]

    def flatten(self, parts: list[Any]) -> Any:
        """The tensors ``[dW1, db1, ...]`` laid back to back as one flat vector."""
        if self._torch is not None:
            return self._torch.cat([p.reshape(-1) for p in parts])
        return self.xp.concat([self.xp.reshape(p, (-1,)) for p in parts])

    def dropout_mask(
        self, rng: np.random.Generator, shape: tuple[int, int], keep_prob: float, dtype: Any
    ) -> Any:
        """``D / keep_prob``, ``D = [U < keep_prob]`` in ``dtype``: drawn on the host from the
        network's generator exactly as the NumPy path draws it, then moved."""
        dtype = self.host_dtype(dtype)
        mask = rng.random(shape, dtype=dtype)
        np.less(mask, keep_prob, out=mask)
        mask *= dtype.type(1.0 / keep_prob)
        return self.asarray(mask)

    def take_rows(self, a: Any, index: Any) -> Any:
        """The rows ``a[index]`` (a mini-batch gathered on the device)."""
        if self._torch is not None:  # without the compatibility layer's checks, at every step
            return self._torch.index_select(a, 0, index)
        return self.xp.take(a, index, axis=0)

    def affine(self, x: Any, W: Any, b: Any) -> Any:
        """``x W + b``: one fused GEMM on PyTorch (``addmm``, as ``nn.Linear`` runs it), a
        product and a broadcast sum elsewhere."""
        if self._torch is not None:
            return self._torch.addmm(b, x, W)
        return x @ W + b

    def activation(self, name: str):
        """``(forward(xp, z), backward(xp, z, a, da))`` of a hidden activation (PyTorch's own
        kernels for ReLU: its ``where`` measured ten times slower than ``threshold_backward``)."""
        if self._torch is not None and name in TORCH_ACTIVATIONS:
            return TORCH_ACTIVATIONS[name]
        return ACTIVATIONS[name]

    def loss(self, name: str):
        """``value_and_gradient(z, y)`` of the task ``name`` through PyTorch's own kernels, where
        it has them (those ``nn.CrossEntropyLoss`` runs: 7 kernels where the array API formula
        launches about 20, which on a GPU is most of a small step's time), else None."""
        return TORCH_LOSSES.get(name) if self._torch is not None else None

    def __repr__(self) -> str:
        return f"ArrayBackend({self.name!r}, device={self.device_name!r})"


# ----------------------------------------------------------------------- activations
# The same g(z) and dz = da * g'(z) as deeprecipe.nn.activations, in array API calls only.


ACTIVATIONS = {
    "relu": (
        lambda xp, z: xp.clip(z, min=0),
        lambda xp, z, a, da: xp.where(z > 0, da, 0.0),
    ),
    "leaky_relu": (
        lambda xp, z: xp.where(z > 0, z, z * LEAKY_SLOPE),
        lambda xp, z, a, da: xp.where(z > 0, da, da * LEAKY_SLOPE),
    ),
    "tanh": (lambda xp, z: xp.tanh(z), lambda xp, z, a, da: da * (1 - a * a)),
    "sigmoid": (array_sigmoid, lambda xp, z, a, da: da * (a * (1 - a))),
    "identity": (lambda xp, z: z, lambda xp, z, a, da: da),
}

#: the same derivatives through the kernels PyTorch's autograd runs for them
TORCH_ACTIVATIONS = {
    "relu": (
        lambda xp, z: _aten().relu(z),
        lambda xp, z, a, da: _aten().threshold_backward(da, z, 0),
    ),
}


def _torch_softmax_crossentropy(z, y):
    """J = -(1/m) sum_i log softmax(z_i)_{y_i} (summed in float64, as the task sums it) and
    dJ/dz = (softmax(z) - onehot(y)) / m, from one log_softmax."""
    import torch

    m = z.shape[0]
    log_p = torch.log_softmax(z, dim=-1)
    value = log_p.gather(1, y[:, None]).sum(dtype=torch.float64).div_(-m)
    # the gradient of J with respect to log_p is -onehot(y) / m; log_softmax's backward
    # turns it into (softmax(z) - onehot(y)) / m
    d_log_p = torch.zeros_like(z).scatter_(1, y[:, None], -1.0 / m)
    return value, _aten()._log_softmax_backward_data(d_log_p, log_p, 1, z.dtype)


TORCH_LOSSES = {"softmax_crossentropy": _torch_softmax_crossentropy}


def _aten():
    import torch

    return torch.ops.aten
