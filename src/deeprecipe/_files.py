"""Files that never half-exist: write to a temporary file beside the target, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from deeprecipe.errors import DeepRecipeError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new one, never
    a truncated mix. The temporary file sits in the same folder, so the rename is atomic."""
    path = Path(path)
    if path.is_symlink():  # replace what the link points at, and keep the link
        path = path.resolve()
    if path.exists() and not path.is_file() and not path.is_dir():
        # a device or a pipe (/dev/null, /dev/stdout, a FIFO): written through, as open()
        # would; renaming a file over it would replace the device for everyone
        with open(path, "wb") as handle:
            handle.write(data)
        return path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DeepRecipeError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise DeepRecipeError(
            f"cannot write {path}: it is a folder; accepted: a file path, e.g. {path / 'model'}"
            f"{path.suffix or '.safetensors'}"
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _naming(exc, path) from exc
    try:
        # mkstemp creates 0600; give the file the permissions an ordinary open() would
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # gone already, or the disk refuses even that
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from exc
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (``ENOSPC``, ``EACCES``, ...) naming the file the user asked for, not the
    temporary file beside it (or nothing: a full disk's ``write`` names no file)."""
    if exc.errno is None:
        return exc
    # OSError(errno, ...) picks the subclass itself: PermissionError for EACCES, ...
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))
