"""The one error type users catch.

Every public error is a :class:`DeepRecipeError` whose message names the offending input and
what would be accepted. It subclasses :class:`ValueError`, so code written against NumPy or
scikit-learn conventions (``except ValueError``) keeps working.
"""

from __future__ import annotations


class DeepRecipeError(ValueError):
    """Bad input or an impossible request, explained in one line."""


class DeepRecipeTypeError(DeepRecipeError, TypeError):
    """An argument of the wrong type (also a :class:`TypeError`)."""


class NotFittedError(DeepRecipeError, AttributeError):
    """An estimator or object was used before it was fitted.

    The scikit-learn adapter raises a subclass that is also scikit-learn's NotFittedError,
    so both ``except DeepRecipeError`` and scikit-learn's own checks catch it.
    """


class DeepRecipeOSError(DeepRecipeError, OSError):
    """A file that cannot be written (a full disk, a folder you may not write to), named.

    Also an :class:`OSError` with its ``errno``, ``strerror`` and ``filename``, so code that
    catches ``OSError`` (or checks ``errno.ENOSPC``) keeps working; :func:`os_error` gives the
    subclass its errno names (a :class:`PermissionError` for ``EACCES``), as ``OSError`` does.
    """

    def __init__(
        self,
        message: str,
        errno: int | None = None,
        strerror: str | None = None,
        filename: str | None = None,
    ) -> None:
        super().__init__(message)
        self.errno, self.strerror, self.filename = errno, strerror, filename

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self):  # pickled across worker processes with every field
        return type(self), (self.args[0], self.errno, self.strerror, self.filename)


class DeepRecipePermissionError(DeepRecipeOSError, PermissionError):
    """:class:`DeepRecipeOSError` for ``EACCES`` and ``EPERM``."""


class DeepRecipeFileNotFoundError(DeepRecipeOSError, FileNotFoundError):
    """:class:`DeepRecipeOSError` for ``ENOENT``."""


_OS_ERRORS = {
    PermissionError: DeepRecipePermissionError,
    FileNotFoundError: DeepRecipeFileNotFoundError,
}


def os_error(message: str, errno: int, strerror: str, filename: str) -> DeepRecipeOSError:
    """The :class:`DeepRecipeOSError` for ``errno``: of the ``OSError`` subclass that errno
    names where there is one here, else the plain one."""
    kind = type(OSError(errno, strerror))
    return _OS_ERRORS.get(kind, DeepRecipeOSError)(message, errno, strerror, filename)
