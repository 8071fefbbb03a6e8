"""The one "not fitted yet" error: scikit-learn's NotFittedError and a DeepRecipeError."""

from __future__ import annotations

from typing import Any

from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from deeprecipe.errors import NotFittedError as DeepRecipeNotFittedError


class EstimatorNotFittedError(NotFittedError, DeepRecipeNotFittedError):
    """Raised by predict/score/save before fit; caught by both error families."""


def require_fitted(estimator: Any) -> None:
    """Raise :class:`EstimatorNotFittedError` unless ``estimator`` has been fitted."""
    try:
        check_is_fitted(estimator, "network_")
    except NotFittedError as exc:
        raise EstimatorNotFittedError(str(exc)) from None
