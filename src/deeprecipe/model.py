"""A trained network bundled with what it needs to read raw inputs: the input scaler fitted on
the training set, the class labels, and the feature names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe.nn.network import Network


@dataclass
class Model:
    """``predict`` on raw inputs: scale with the TRAIN statistics, run the network, map labels.

    ``scaler`` is any object with ``transform(X)`` (a fitted ``Standardizer`` or
    ``MinMaxScaler``), or None when inputs were not normalized.
    """

    network: Network
    scaler: Any = None
    classes: Sequence[Any] | None = None
    feature_names: Sequence[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def _inputs(self, X: Any) -> np.ndarray:
        X = self.network.check_inputs(X)
        return X if self.scaler is None else self.scaler.transform(X).astype(X.dtype, copy=False)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (sigmoid or softmax outputs) for raw inputs."""
        return self.network.predict_proba(self._inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (mapped back through ``classes``) or values, for raw inputs."""
        predictions = self.network.predict(self._inputs(X))
        if self.classes is None:
            return predictions
        return self.network.task.decode(predictions, self.classes)
