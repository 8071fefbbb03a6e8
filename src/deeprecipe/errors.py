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
