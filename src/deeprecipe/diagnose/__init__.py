"""Diagnosis: bias and variance from the errors, the achievable-error bracket, reference models,
the optimization probe, learning/validation curves, network health, a classifier's per-class
figures.

Nothing here imports matplotlib or joblib until a plot or a curve is asked for.
"""

import sys
import types

from deeprecipe.diagnose.achievable import AchievableError, Bound, achievable_error
from deeprecipe.diagnose.bias_variance import LABELS, Diagnosis, diagnose
from deeprecipe.diagnose.classes import class_figures
from deeprecipe.diagnose.curves import (
    Curve,
    LearningCurve,
    ValidationCurve,
    learning_curve,
    validation_curve,
)
from deeprecipe.diagnose.health import (
    HealthReport,
    HealthWarning,
    Histogram,
    LayerHealth,
    layer_health,
)
from deeprecipe.diagnose.initialization import (
    InitializationComparison,
    InitializationRun,
    compare_initializations,
    course_weights,
)
from deeprecipe.diagnose.monitor import HealthMonitor
from deeprecipe.diagnose.network import diagnose_network
from deeprecipe.diagnose.optimization import (
    OptimizationProbe,
    SubsetFit,
    probe_optimization,
    read_cost_curve,
)
from deeprecipe.diagnose.references import (
    REFERENCE_KINDS,
    ReferenceData,
    fit_reference,
    fit_references,
)

__all__ = [
    "LABELS",
    "REFERENCE_KINDS",
    "AchievableError",
    "Bound",
    "OptimizationProbe",
    "ReferenceData",
    "SubsetFit",
    "achievable_error",
    "class_figures",
    "fit_reference",
    "fit_references",
    "probe_optimization",
    "read_cost_curve",
    "Curve",
    "Diagnosis",
    "HealthMonitor",
    "HealthReport",
    "HealthWarning",
    "Histogram",
    "InitializationComparison",
    "InitializationRun",
    "LayerHealth",
    "LearningCurve",
    "ValidationCurve",
    "compare_initializations",
    "course_weights",
    "diagnose",
    "diagnose_network",
    "layer_health",
    "learning_curve",
    "validation_curve",
]


class _CallableModule(types.ModuleType):
    """``deeprecipe.diagnose`` names both this subpackage and its main function. Importing the
    subpackage (``import deeprecipe.diagnose.curves``) rebinds the attribute ``diagnose`` of the
    package to the module, so ``from deeprecipe import diagnose`` can yield the module instead of
    the function; calling the module forwards to :func:`diagnose`, so both spellings work."""

    def __call__(self, *args, **kwargs) -> Diagnosis:
        return diagnose(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
