"""Diagnosis: bias and variance from the errors, learning/validation curves, network health."""

from deeprecipe.diagnose.bias_variance import LABELS, Diagnosis, diagnose

__all__ = ["LABELS", "Diagnosis", "diagnose"]
