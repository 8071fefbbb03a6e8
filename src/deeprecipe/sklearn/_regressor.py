"""DeepRegressor: single- and multi-output regression with a deeprecipe network."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

from deeprecipe.errors import DeepRecipeError
from deeprecipe.sklearn._base import DeepEstimatorBase
from deeprecipe.sklearn._docs import SHARED_DOC
from deeprecipe.sklearn._params import check_dtype
from deeprecipe.task import TASKS, Task


class DeepRegressor(RegressorMixin, DeepEstimatorBase):
    __doc__ = (
        """A dense neural network regressor trained by deeprecipe, as a scikit-learn estimator.

    Linear output units and the squared-error loss ``L = (1/2) ||yhat - y||^2`` (the course's
    1/2, as in ``MLPRegressor``); ``y`` of shape (n_samples,) gives one output, (n_samples,
    n_targets) gives one output unit per target and predictions of the same shape. Targets are
    not rescaled: standardize them yourself (e.g. ``TransformedTargetRegressor``) when their
    scale is far from 1.
"""
        + SHARED_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from deeprecipe.sklearn import DeepRegressor
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> reg = DeepRegressor((16,), learning_rate=0.01, max_epochs=300, random_state=0)
    >>> reg = reg.fit(X, np.sin(3 * X[:, 0]))
    >>> bool(reg.score(X, np.sin(3 * X[:, 0])) > 0.9)
    True
"""
    )

    _is_regressor = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    def _prepare_targets(self, y: Any, *, continuing: bool, classes: Any) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise DeepRecipeError(
                f"y has shape {y.shape}; DeepRegressor accepts (n_samples,) or "
                "(n_samples, n_targets)"
            )
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        if not continuing:
            self._y_ndim, self._n_targets = y.ndim, n_targets
        elif n_targets != self._n_targets:
            raise DeepRecipeError(
                f"y has {n_targets} target column(s); this regressor was fitted on "
                f"{self._n_targets} (warm_start and partial_fit continue the same network)"
            )
        return y.reshape(len(y), n_targets).astype(check_dtype(self.dtype))

    def _output_spec(self) -> tuple[int, Task]:
        return self._n_targets, TASKS["regression"]

    def fit(self, X: Any, y: Any) -> DeepRegressor:
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples,
        n_targets); return ``self``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> DeepRegressor:
        """One epoch over this batch, continuing the same network and optimizer."""
        return self._fit(X, y, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, float64, shaped like the training ``y`` ((n,) or (n, n_targets))."""
        out = self._logits(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def _target_metadata(self) -> dict[str, Any]:
        return {"y_ndim": self._y_ndim}

    def _restore_targets(self, model: Any, info: dict[str, Any]) -> None:
        self._y_ndim = int(info["y_ndim"])
        self._n_targets = model.network.layer_sizes[-1]

    @classmethod
    def _targets_from_network(cls, model: Any, source: Any) -> dict[str, Any]:
        if model.network.task.is_classifier:
            raise DeepRecipeError(
                f"{source} holds a classification network ({model.network.task.name}); load it "
                "with DeepClassifier.load"
            )
        return {"y_ndim": 1 if model.network.layer_sizes[-1] == 1 else 2}
