"""deeprecipe: train dense networks on NumPy, then follow the basic recipe of machine learning.

The public API, importable from the top level (loaded on first use, so ``import deeprecipe``
stays fast and pulls in neither matplotlib nor scikit-learn)::

    from deeprecipe import Network, fit, split, Standardizer, gradcheck, diagnose, Recipe
"""

from __future__ import annotations

import importlib
from typing import Any

from deeprecipe.errors import DeepRecipeError

__version__ = "0.1.0"

_LAZY = {
    "Network": "deeprecipe.nn",
    "fit": "deeprecipe.train",
    "Trainer": "deeprecipe.train",
    "EarlyStopping": "deeprecipe.train",
    "LearningRateDecay": "deeprecipe.train",
    "History": "deeprecipe.train",
    "split": "deeprecipe.data",
    "Standardizer": "deeprecipe.data",
    "MinMaxScaler": "deeprecipe.data",
    "load_dataset": "deeprecipe.data",
    "list_datasets": "deeprecipe.data",
    "gradcheck": "deeprecipe.check",
    "check_grad": "deeprecipe.check",
    "gradcheck_during_training": "deeprecipe.check",
    "diagnose": "deeprecipe.diagnose",
    "learning_curve": "deeprecipe.diagnose",
    "validation_curve": "deeprecipe.diagnose",
    "compare_initializations": "deeprecipe.diagnose",
    "diagnose_network": "deeprecipe.diagnose",
    "layer_health": "deeprecipe.diagnose",
    "HealthMonitor": "deeprecipe.diagnose",
    "Recipe": "deeprecipe.recipe",
    "RecipeConfig": "deeprecipe.recipe",
    "RecipeResult": "deeprecipe.recipe",
    "Model": "deeprecipe.model",
    "save_model": "deeprecipe.io",
    "save_report": "deeprecipe.report",
    "load_model": "deeprecipe.io",
    "DeepClassifier": "deeprecipe.sklearn",
    "DeepRegressor": "deeprecipe.sklearn",
}

__all__ = ["DeepRecipeError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'deeprecipe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
