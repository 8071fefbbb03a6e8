"""Files that never half-exist: write to a temporary file beside the target, fsync, rename."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path

from deeprecipe.errors import DeepRecipeError, os_error


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
    _remove_left_temporaries(folder, path.name)
    try:
        prefix = f".{path.name}.{os.getpid()}."  # whose it is, should the writer be killed
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
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


def _remove_left_temporaries(folder: Path, name: str) -> None:
    """Delete the temporary files beside ``name`` whose writer is gone: a process killed
    mid-write (SIGKILL runs no cleanup) left ``.name.<pid>.<random>.tmp``, as large as the
    file it was writing. A temporary of a process still running is its own, left alone."""
    start = f".{name}."
    for tmp in folder.glob(glob.escape(start) + "*.tmp"):
        pid = tmp.name[len(start) :].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's, EPERM, does)."""
    try:
        os.kill(pid, 0)  # signal 0: the check only
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (``ENOSPC``, ``EACCES``, ...) as a :class:`DeepRecipeOSError` naming the
    file the user asked for, not the temporary file beside it (or nothing: a full disk's
    ``write`` names no file), and what would be accepted."""
    if exc.errno is None:
        return exc
    strerror = exc.strerror or os.strerror(exc.errno)
    return os_error(
        f"cannot write {path}: {strerror}; accepted: a path in a folder you may write to, on a "
        "disk with room for the file",
        exc.errno,
        strerror,
        str(path),
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))
