"""DeepClassifier: binary, multi-class and multi-label classification with a deeprecipe network."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.activations import sigmoid
from deeprecipe.nn.losses import log_sigmoid, log_softmax, softmax
from deeprecipe.sklearn._base import DeepEstimatorBase
from deeprecipe.sklearn._docs import SHARED_DOC
from deeprecipe.sklearn._params import check_dtype
from deeprecipe.task import TASKS, Task, plain_value


class DeepClassifier(ClassifierMixin, DeepEstimatorBase):
    __doc__ = (
        """A dense neural network classifier trained by deeprecipe, as a scikit-learn estimator.

    The target decides the output layer: two classes -> one sigmoid unit with binary
    cross-entropy; K > 2 classes -> K softmax units with softmax cross-entropy; a 2-D 0/1
    indicator matrix (multi-label) -> one sigmoid unit per column. Predictions threshold
    probabilities at 0.5 (binary, multi-label) or take the most probable class.
"""
        + SHARED_DOC
        + """    classes_ : ndarray
        The class labels (multi-label: the column indices ``0..n_labels-1``).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from deeprecipe.sklearn import DeepClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = DeepClassifier((32,), alpha=1.0, max_iter=50, random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.95)
    True
"""
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ----------------------------------------------------------------- targets
    def _prepare_targets(self, y: Any, *, continuing: bool, classes: Any) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not continuing:
            self._learn_layout(y, classes)
        return self._encode(y)

    def _learn_layout(self, y: np.ndarray, classes: Any) -> None:
        if y.ndim == 2:
            kind = type_of_target(y)
            if kind != "multilabel-indicator":
                raise DeepRecipeError(
                    f"y is 2-D of type {kind!r}; DeepClassifier accepts 1-D class labels or a "
                    "2-D 0/1 indicator matrix (multi-label)"
                )
            self.classes_ = np.arange(y.shape[1])
            self._target = "multilabel"
            self._label_dtype = y.dtype
            return
        check_classification_targets(y)
        self.classes_ = unique_labels(y) if classes is None else unique_labels(classes)
        if len(self.classes_) < 2:
            raise DeepRecipeError(
                f"y has one class ({plain_value(self.classes_[0])!r}); a classifier needs "
                "examples of at least 2 classes (for partial_fit, list them all in classes=)"
                if len(self.classes_)
                else "classes= is empty; accepted: every label y can take"
            )
        self._target = "binary" if len(self.classes_) == 2 else "multiclass"

    def _encode(self, y: np.ndarray) -> np.ndarray:
        if self._target == "multilabel":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise DeepRecipeError(
                    f"y has shape {y.shape}; this multi-label classifier was fitted on "
                    f"{len(self.classes_)} labels and accepts shape (n_samples, "
                    f"{len(self.classes_)})"
                )
            if type_of_target(y) not in ("multilabel-indicator", "binary"):
                raise DeepRecipeError("y must be a 0/1 indicator matrix for a multi-label fit")
            return y.astype(self._network_dtype())
        if y.ndim != 1:
            raise DeepRecipeError(
                f"y has shape {y.shape}; this classifier was fitted on 1-D labels"
            )
        check_classification_targets(y)
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise DeepRecipeError(
                f"y contains the label {y[unknown][0]!r}, which is not in classes_ "
                f"{list(self.classes_)}; for partial_fit, pass every label in classes= on the "
                "first call; with warm_start, refit with warm_start=False"
            )
        return index if self._target == "multiclass" else index.astype(self._network_dtype())

    def _network_dtype(self) -> str:
        return check_dtype(self.dtype)

    def _output_spec(self) -> tuple[int, Task]:
        if self._target == "multiclass":
            return len(self.classes_), TASKS["multiclass"]
        if self._target == "multilabel":  # one sigmoid per label
            return len(self.classes_), TASKS["binary"]
        return 1, TASKS["binary"]

    def _score_logits(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """Accuracy (multi-label: every label right), as ``score``, from network outputs."""
        predicted = self._output_spec()[1].predict_logits(logits)
        right = predicted == targets.reshape(predicted.shape)
        return float(np.mean(right if right.ndim == 1 else np.all(right, axis=1)))

    def _stratify(self, targets: np.ndarray) -> np.ndarray | None:
        return None if self._target == "multilabel" else targets.astype(np.intp)

    # ----------------------------------------------------------------- public API
    def fit(self, X: Any, y: Any) -> DeepClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,), or a 0/1
        indicator matrix (n_samples, n_labels) for multi-label; return ``self``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DeepClassifier:
        """One epoch over this batch, continuing the same network and optimizer.

        ``classes`` (every label ``y`` may ever take) is required on the first call, unless
        ``y`` is a multi-label indicator matrix.
        """
        shape = np.shape(y)
        labels_1d = len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)
        if not hasattr(self, "network_") and classes is None and labels_1d:
            raise DeepRecipeError(
                "classes= is required on the first call to partial_fit; accepted: every label "
                "y can take, e.g. classes=np.unique(y_all)"
            )
        return self._fit(X, y, incremental=True, classes=classes)

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits Z[L], float64: (n_samples,) for binary (positive class when > 0),
        (n_samples, n_classes) for multi-class, (n_samples, n_labels) for multi-label."""
        logits = self._logits(X)
        return logits[:, 0] if self._target == "binary" else logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, float64: (n_samples, n_classes) for binary and multi-class (rows sum
        to 1), (n_samples, n_labels) independent sigmoids for multi-label."""
        logits = self._logits(X)
        if self._target == "multiclass":
            return softmax(logits)
        p = sigmoid(logits)
        return p if self._target == "multilabel" else self._output_spec()[1].class_probabilities(p)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba`, computed stably from the logits."""
        logits = self._logits(X)
        if self._target == "multiclass":
            return log_softmax(logits)
        if self._target == "multilabel":
            return log_sigmoid(logits)
        return np.hstack([log_sigmoid(-logits), log_sigmoid(logits)])

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (from ``classes_``), or a 0/1 matrix in ``y``'s dtype for multi-label."""
        logits = self._logits(X)  # refuses an unfitted estimator first
        labels = self.network_.loss.predict_logits(logits)
        if self._target == "multilabel":
            return labels.astype(self._label_dtype)
        return self.classes_[labels]

    # ----------------------------------------------------------------- model files
    def _target_metadata(self) -> dict[str, Any]:
        info = {"target": self._target, "classes_dtype": self.classes_.dtype.str}
        if self._target == "multilabel":
            info["label_dtype"] = np.dtype(self._label_dtype).str
        return info

    def _restore_targets(self, model: Any, info: dict[str, Any]) -> None:
        self._target = info["target"]
        dtype = np.dtype(info["classes_dtype"])
        classes = info.get("classes", model.classes)
        self.classes_ = np.asarray(classes, dtype=dtype if dtype.kind != "O" else object)
        if self._target == "multilabel":
            self._label_dtype = np.dtype(info["label_dtype"])

    @classmethod
    def _targets_from_network(cls, model: Any, source: Any) -> dict[str, Any]:
        task, n_out = model.network.task, model.network.layer_sizes[-1]
        if not task.is_classifier:
            raise DeepRecipeError(
                f"{source} holds a regression network ({task.name} loss); load it with "
                "DeepRegressor.load"
            )
        if task.n_classes(n_out) is None:  # several sigmoid units: one per label
            return {
                "target": "multilabel",
                "classes": list(range(n_out)),
                "classes_dtype": "<i8",
                "label_dtype": "<i8",
            }
        target = task.kind
        classes = model.classes if model.classes is not None else list(range(max(n_out, 2)))
        if len(classes) != max(n_out, 2):
            raise DeepRecipeError(
                f"{source} lists {len(classes)} classes for a {target} network with {n_out} "
                "output unit(s)"
            )
        return {
            "target": target,
            "classes": list(classes),
            "classes_dtype": np.asarray(classes).dtype.str,
        }
