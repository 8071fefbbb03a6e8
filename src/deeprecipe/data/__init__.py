"""Data: splits, normalization, augmentation, embedded datasets and file loading.

The lowest room: it imports nothing from the rest of deeprecipe except errors and validation.
"""

from deeprecipe.data.augment import Augmenter, Compose, GaussianNoise, ImageAugmenter
from deeprecipe.data.scaling import (
    SCALERS,
    MinMaxScaler,
    Standardizer,
    make_scaler,
    scaler_from_state,
)
from deeprecipe.data.split import (
    MIN_EVAL_EXAMPLES,
    SmallSplitWarning,
    Split,
    SplitArrays,
    default_ratios,
    split,
)

__all__ = [
    "Augmenter",
    "Compose",
    "GaussianNoise",
    "ImageAugmenter",
    "SCALERS",
    "MinMaxScaler",
    "Standardizer",
    "make_scaler",
    "scaler_from_state",
    "MIN_EVAL_EXAMPLES",
    "SmallSplitWarning",
    "Split",
    "SplitArrays",
    "default_ratios",
    "split",
]
