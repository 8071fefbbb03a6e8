"""Data: splits, normalization, augmentation, embedded datasets and file loading.

The lowest room: it imports nothing from the rest of deeprecipe except errors and validation.
"""

from deeprecipe.data.split import (
    MIN_EVAL_EXAMPLES,
    SmallSplitWarning,
    Split,
    SplitArrays,
    default_ratios,
    split,
)

__all__ = [
    "MIN_EVAL_EXAMPLES",
    "SmallSplitWarning",
    "Split",
    "SplitArrays",
    "default_ratios",
    "split",
]
