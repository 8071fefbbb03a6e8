"""scikit-learn estimators over deeprecipe's engine: DeepClassifier and DeepRegressor.

They take ``MLPClassifier``/``MLPRegressor``'s parameter names and expose their fitted
attributes (code written for them runs with the class name swapped), pass scikit-learn's own
estimator checks and work in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``; the
course's regularization is ordinary hyperparameters (``alpha``, ``keep_prob``,
``early_stopping``). ``save(path)``/``load(path)`` use deeprecipe's safe model
format (safetensors + JSON, no pickle); ``pickle`` works too.

(This package is ``deeprecipe.sklearn``; it imports the real scikit-learn by absolute imports.)
"""

from deeprecipe.sklearn._base import DeepEstimatorBase
from deeprecipe.sklearn._classifier import DeepClassifier
from deeprecipe.sklearn._regressor import DeepRegressor

__all__ = ["DeepClassifier", "DeepEstimatorBase", "DeepRegressor"]
