"""Diagnosis: bias and variance from the errors, learning/validation curves, network health.

Nothing here imports matplotlib or joblib until a plot or a curve is asked for.
"""

from deeprecipe.diagnose.bias_variance import LABELS, Diagnosis, diagnose
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

__all__ = [
    "LABELS",
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
