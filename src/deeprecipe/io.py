"""Model files: arrays in safetensors, everything else as JSON metadata. Never pickle.

Layout of a ``.safetensors`` model file:

- tensors ``W1, b1, W2, b2, ...`` (the network, in its dtype) and ``scaler.<name>`` arrays;
- metadata ``format = "deeprecipe.model"``, ``format_version``, JSON strings ``network``
  (the architecture), ``scaler`` (its kind), ``classes``, ``feature_names`` and ``extra``, and
  ``sha256``, a digest of all the other metadata and every tensor, so that a flipped bit
  anywhere in the file is refused instead of loading a silently different model.

Loading checks the format, the architecture, and every array's shape and dtype against it, and
refuses anything else with a :class:`DeepRecipeError`. safetensors holds raw numbers and a JSON
header only, so loading can never execute code.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._files import atomic_write_bytes
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.model import Model
from deeprecipe.nn.network import Network

FORMAT = "deeprecipe.model"
FORMAT_VERSION = "1"
_HEADER_LIMIT = 100 * 1024 * 1024


def save_model(path: str | os.PathLike, model: Model | Network, **bundle: Any) -> Path:
    """Save a :class:`Model` (or a bare :class:`Network` plus ``scaler=``, ``classes=``,
    ``feature_names=``, ``metadata=``) to ``path`` atomically."""
    if isinstance(model, Network):
        model = Model(model, **bundle)
    if not isinstance(model, Model) or not isinstance(model.network, Network):
        raise DeepRecipeTypeError(
            f"model is a {type(model).__name__}; accepted: a deeprecipe Model or Network"
        )
    net = model.network
    _check_savable(model, path)
    # from any backend: the weights come to the host first
    tensors = {name: np.ascontiguousarray(w) for name, w in net.get_weights().items()}
    scaler_meta = None
    if model.scaler is not None:
        state = model.scaler.state_dict()
        scaler_meta = {"kind": model.scaler.kind, "arrays": sorted(state)}
        for key, value in state.items():
            tensors[f"scaler.{key}"] = np.ascontiguousarray(value)
    classes = None if model.classes is None else [_plain(c) for c in model.classes]
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "network": json.dumps(net.config),
        "scaler": json.dumps(scaler_meta),
        "classes": json.dumps(classes),
        "feature_names": json.dumps(
            None if model.feature_names is None else [str(f) for f in model.feature_names]
        ),
        "extra": json.dumps(model.metadata or {}),
    }
    metadata["sha256"] = content_digest(metadata, tensors)
    return atomic_write_bytes(path, safetensors_bytes(tensors, metadata))


def _check_savable(model: Model, path: Any) -> None:
    """Refuse, before writing, what :func:`load_model` would refuse to read back."""
    net = model.network
    if net.custom_parts:
        raise DeepRecipeError(
            f"the network uses your own {', '.join(net.custom_parts)}: a model file names its "
            "activations and loss, and would load the built-in ones; accepted: networks of "
            f"built-in activations and losses (pickle keeps yours); nothing was written to "
            f"{os.fspath(path)!r}"
        )
    weights = net.get_weights()
    if not all(np.isfinite(w).all() for w in weights.values()):
        bad = next(n for n, w in weights.items() if not np.isfinite(w).all())
        raise DeepRecipeError(
            f"the network's {bad} holds NaN or infinite weights (diverged training, or values "
            f"beyond {net.dtype.name}'s range); accepted: finite weights; nothing was written "
            f"to {os.fspath(path)!r}"
        )
    if model.scaler is not None:
        if not (hasattr(model.scaler, "state_dict") and hasattr(model.scaler, "kind")):
            raise DeepRecipeTypeError(
                f"scaler is a {type(model.scaler).__name__}; accepted: a fitted deeprecipe "
                "Standardizer or MinMaxScaler (scikit-learn scalers belong in a Pipeline)"
            )
        width = getattr(model.scaler, "n_features_in_", net.layer_sizes[0])
        if width != net.layer_sizes[0]:
            raise DeepRecipeError(
                f"the scaler was fitted on {width} features but the network takes "
                f"{net.layer_sizes[0]}; accepted: a scaler fitted on the network's inputs"
            )
    # None for regression, or multi-label: classes name outputs, not values
    n_classes = net.task.n_classes(net.layer_sizes[-1])
    if model.classes is not None and n_classes is not None and len(model.classes) != n_classes:
        raise DeepRecipeError(
            f"classes has {len(model.classes)} labels but the network's output gives "
            f"{n_classes}; accepted: one label per class"
        )


def safetensors_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The safetensors file of ``tensors`` and ``metadata``, byte for byte the same every time.

    safetensors writes its metadata from a hash map whose order changes from one process to the
    next, so two saves of the same model differed in their header. The header is rewritten here
    as compact JSON with sorted keys, padded with spaces to 8 bytes as the format allows; the
    tensor bytes and their offsets are left exactly as safetensors laid them out.
    """
    from safetensors.numpy import save

    data = save(tensors, metadata=metadata)
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + size :]


def load_model(path: str | os.PathLike, *, backend: Any = None, device: Any = None) -> Model:
    """Load a model file written by :func:`save_model`; refuse anything else clearly.

    The network lands on ``backend``/``device`` (NumPy by default), whichever backend saved it.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DeepRecipeError(f"model file {path} does not exist") from None
    except OSError as exc:
        raise DeepRecipeError(f"model file {path} cannot be read: {exc.strerror}") from None
    return model_from_bytes(data, source=str(path), backend=backend, device=device)


def model_from_bytes(
    data: bytes, *, source: str = "<bytes>", backend: Any = None, device: Any = None
) -> Model:
    """Parse the bytes of a model file (see :func:`load_model`)."""
    metadata = _read_metadata(data, source)
    # the checksum first: nothing in a damaged file (an architecture asking for a billion
    # weights, say) is acted upon
    tensors = _read_tensors(data, source)
    if metadata.get("sha256") != content_digest(metadata, tensors):
        raise DeepRecipeError(f"{source} is damaged: its checksum does not match its contents")
    try:
        config = json.loads(metadata["network"])
        scaler_meta = json.loads(metadata.get("scaler", "null"))
        classes = json.loads(metadata.get("classes", "null"))
        feature_names = json.loads(metadata.get("feature_names", "null"))
        extra = json.loads(metadata.get("extra", "{}"))
        _check_size(config, tensors, source)
        network = Network.from_config(config)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        if isinstance(exc, DeepRecipeError) and str(exc).startswith(source):
            raise
        raise DeepRecipeError(f"{source} has an invalid architecture record: {exc}") from None
    expected = dict(zip(network.parameter_names, network.shapes))
    names = {k for k in tensors if not k.startswith("scaler.")}
    if names != set(expected):
        raise DeepRecipeError(
            f"{source} holds tensors {sorted(names)}; its architecture needs {sorted(expected)}"
        )
    for name, shape in expected.items():
        array = tensors[name]
        if array.shape != tuple(shape) or array.dtype != network.dtype:
            raise DeepRecipeError(
                f"{source}: tensor {name} is {array.dtype}{list(array.shape)}; the architecture "
                f"needs {network.dtype.name}{list(shape)}"
            )
        network[name][...] = array
    if not np.isfinite(network.theta).all():
        raise DeepRecipeError(f"{source} holds non-finite weights; refusing to load it")
    if backend is not None or device is not None:
        network = network.to(device, backend=backend)

    scaler = None
    if scaler_meta is not None:
        from deeprecipe.data import scaler_from_state

        arrays = {
            k.removeprefix("scaler."): v for k, v in tensors.items() if k.startswith("scaler.")
        }
        try:
            scaler = scaler_from_state(scaler_meta["kind"], arrays)
        except (KeyError, TypeError) as exc:
            raise DeepRecipeError(f"{source} has an invalid scaler record: {exc}") from None
        if getattr(scaler, "n_features_in_", network.layer_sizes[0]) != network.layer_sizes[0]:
            raise DeepRecipeError(
                f"{source}: the scaler's width does not match the network's input"
            )
    return Model(
        network, scaler=scaler, classes=classes, feature_names=feature_names, metadata=extra
    )


def _check_size(config: Any, tensors: dict[str, np.ndarray], source: str) -> None:
    """Refuse an architecture that needs more weights than the file holds, before a network of
    that size is allocated (the per-tensor check after it names the tensor that differs)."""
    sizes = config["layer_sizes"]
    if not isinstance(sizes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes
    ):
        raise DeepRecipeError(f"{source}: layer_sizes={sizes!r} is not a list of positive ints")
    needed = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    held = sum(int(v.size) for k, v in tensors.items() if not k.startswith("scaler."))
    if needed > held:
        raise DeepRecipeError(
            f"{source}: the architecture {sizes} needs {needed} weights but the file holds {held}"
        )


#: what a model file is, for the errors of one that is not
_ACCEPTED = (
    "accepted: a .safetensors model file written by deeprecipe (run, train, save_model, an "
    "estimator's save)"
)


def _read_metadata(data: bytes, source: str) -> dict[str, str]:
    """The JSON header's ``__metadata__``, read by hand so a damaged header gives our error."""
    if len(data) < 8:
        raise DeepRecipeError(f"{source} is not a deeprecipe model file (too short); {_ACCEPTED}")
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size <= _HEADER_LIMIT and header_size > len(data) - 8 and data[8:9] == b"{":
        raise _cut_short(source, len(data), header_size + 8)  # it ends inside its header
    if header_size > min(_HEADER_LIMIT, len(data) - 8):
        raise DeepRecipeError(
            f"{source} is not a deeprecipe model file (bad header size); {_ACCEPTED}"
        )
    try:
        header = json.loads(data[8 : 8 + header_size].decode("utf-8"))
        metadata = header.get("__metadata__") or {}
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        raise DeepRecipeError(
            f"{source} is not a deeprecipe model file (damaged header); {_ACCEPTED}"
        ) from None
    needed = 8 + header_size + _tensor_bytes(header)
    if needed > len(data):
        raise _cut_short(source, len(data), needed)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise DeepRecipeError(
            f"{source} is not a deeprecipe model file (format {metadata.get('format')!r}; "
            f"accepted: {FORMAT!r})"
            if isinstance(metadata, dict)
            else f"{source} is not a deeprecipe model file; {_ACCEPTED}"
        )
    if metadata.get("format_version") != FORMAT_VERSION:
        raise DeepRecipeError(
            f"{source} has format version {metadata.get('format_version')!r}; this deeprecipe "
            f"reads version {FORMAT_VERSION}"
        )
    return metadata


def _tensor_bytes(header: dict[str, Any]) -> int:
    """How many bytes of tensor data the header describes (0 when it describes none)."""
    ends = [
        entry["data_offsets"][1]
        for name, entry in header.items()
        if name != "__metadata__" and isinstance(entry, dict)
        if isinstance(entry.get("data_offsets"), list) and len(entry["data_offsets"]) == 2
    ]
    return max((end for end in ends if isinstance(end, int)), default=0)


def _cut_short(source: str, size: int, needed: int) -> DeepRecipeError:
    return DeepRecipeError(
        f"{source} is cut short ({size} bytes where it needs {needed}): a copy or download "
        f"that did not finish; {_ACCEPTED}, whole"
    )


def _read_tensors(data: bytes, source: str) -> dict[str, np.ndarray]:
    from safetensors.numpy import load

    try:
        return load(data)
    except Exception as exc:  # safetensors raises its own error types on damaged files
        raise DeepRecipeError(f"{source} has damaged tensor data: {exc}") from None


def content_digest(metadata: dict[str, str], tensors: dict[str, np.ndarray]) -> str:
    """SHA-256 over the metadata (less the digest itself) and every tensor's name, dtype,
    shape and bytes, in a fixed order."""
    sha = hashlib.sha256()
    fields = {k: v for k, v in metadata.items() if k != "sha256"}
    sha.update(json.dumps(fields, sort_keys=True).encode())
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        sha.update(f"{name}|{array.dtype.str}|{array.shape}".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def _plain(value: Any) -> Any:
    """Class labels as JSON scalars (NumPy integers, floats and strings become Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
