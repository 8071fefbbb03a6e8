"""DeepRegressor: single- and multi-output regression with a deeprecipe network."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from deeprecipe.errors import DeepRecipeError
from deeprecipe.sklearn._base import DeepEstimatorBase
from deeprecipe.sklearn._docs import SHARED_DOC
from deeprecipe.sklearn._params import check_dtype
from deeprecipe.task import TASKS, Task
from deeprecipe.train.targets import TARGET_SCALE, rescale_output


class DeepRegressor(RegressorMixin, DeepEstimatorBase):
    __doc__ = (
        """A dense neural network regressor trained by deeprecipe, as a scikit-learn estimator.

    Linear output units and the squared-error loss ``L = (1/2) ||yhat - y||^2`` (the course's
    1/2, as in ``MLPRegressor``); ``y`` of shape (n_samples,) gives one output, (n_samples,
    n_targets) gives one output unit per target and predictions of the same shape.

    Targets are standardized, ``t = (y - mean) / std`` per output with the statistics of the
    training targets (the first batch's for ``partial_fit``; never the early-stopping dev
    rows), so the step sizes, ``alpha`` and ``tol`` do not depend on the targets' units: y in
    millimetres trains exactly like y in metres. After each ``fit`` the scale is folded into
    the output layer (``W[L] *= std``, ``b[L] = std * b[L] + mean``), so ``network_``,
    ``coefs_``, ``intercepts_``, ``predict`` and saved model files are in the targets' own
    units, while ``loss_curve_``, ``best_loss_`` and ``history_`` are costs on the
    standardized targets (the numbers ``tol`` is compared with).
"""
        + SHARED_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from deeprecipe.sklearn import DeepRegressor
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> reg = DeepRegressor((16,), learning_rate_init=0.01, max_iter=300, random_state=0)
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
        # float64 until standardized: a float32 cast first rounds targets far from zero
        # (1.7e9 + a spread of 300 took 3 distinct values)
        return y.reshape(len(y), n_targets).astype(np.float64)

    def _output_spec(self) -> tuple[int, Task]:
        return self._n_targets, TASKS["regression"]

    def _scale_targets(self, targets, y_dev, *, fresh: bool):
        """Standardize with the training targets' statistics (learned on a fresh fit)."""
        task = TASKS["regression"]
        if fresh:
            self._y_centre, self._y_spread = task.target_scale(targets)
        centre, spread = self._y_centre, self._y_spread

        def scaled(values):
            if values is None:
                return None
            return task.standardize(values, centre, spread).astype(check_dtype(self.dtype))

        return scaled(targets), scaled(y_dev)

    @contextlib.contextmanager
    def _training_units(self, *, fresh: bool) -> Iterator[None]:
        """Train on standardized targets: unfold the scale from a fitted network first, fold
        it back into the output layer afterwards (also when training is interrupted)."""
        task = TASKS["regression"]
        if not fresh:
            self._rescale_output(task.unfold_scale)
        try:
            yield
        finally:
            self._rescale_output(task.fold_scale)

    def _rescale_output(self, how) -> None:
        """``how(W[L], b[L], centre, spread)`` in place on the output layer (see
        :func:`~deeprecipe.train.targets.rescale_output`)."""
        rescale_output(self.network_, how, self._y_centre, self._y_spread)

    def _score_logits(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """R^2 (averaged over outputs); the same on standardized targets as in their units."""
        return float(r2_score(targets, logits))

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
        return {
            "y_ndim": self._y_ndim,
            "y_mean": self._y_centre.tolist(),
            "y_std": self._y_spread.tolist(),
        }

    def _restore_targets(self, model: Any, info: dict[str, Any]) -> None:
        self._y_ndim = int(info["y_ndim"])
        self._n_targets = model.network.layer_sizes[-1]
        # a file without the scale (a plain model file) continues training in y's own units
        self._y_centre = np.asarray(info.get("y_mean", np.zeros(self._n_targets)), dtype=float)
        self._y_spread = np.asarray(info.get("y_std", np.ones(self._n_targets)), dtype=float)

    @classmethod
    def _targets_from_network(cls, model: Any, source: Any) -> dict[str, Any]:
        if model.network.task.is_classifier:
            raise DeepRecipeError(
                f"{source} holds a classification network ({model.network.task.name}); load it "
                "with DeepClassifier.load"
            )
        info = {"y_ndim": 1 if model.network.layer_sizes[-1] == 1 else 2}
        metadata = model.metadata if isinstance(model.metadata, dict) else {}
        scale = metadata.get(TARGET_SCALE)
        if isinstance(scale, dict):  # deeprecipe train's and run's: trained on (y - mean) / std
            info.update(y_mean=scale["mean"], y_std=scale["std"])
        return info
