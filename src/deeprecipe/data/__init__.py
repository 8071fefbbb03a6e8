"""Data: splits, normalization, augmentation, embedded datasets and file loading.

The lowest room: it imports nothing from the rest of deeprecipe except errors and validation.
"""

from deeprecipe.data.augment import Augmenter, Compose, GaussianNoise, ImageAugmenter
from deeprecipe.data.datasets import (
    Dataset,
    DatasetInfo,
    course_circles,
    list_datasets,
    load_course_football,
    load_dataset,
)
from deeprecipe.data.dev_test import DevTestAgreement, compare_dev_test
from deeprecipe.data.impute import Imputer
from deeprecipe.data.leakage import overlap_notes, shared_rows
from deeprecipe.data.loading import (
    MISSING_POLICIES,
    from_frame,
    load_csv,
    load_file,
    load_npz,
    load_parquet,
    read_cells,
)
from deeprecipe.data.scaling import (
    SCALERS,
    MinMaxScaler,
    Standardizer,
    make_scaler,
    scaler_from_state,
)
from deeprecipe.data.schema import ColumnSpec, TableSchema
from deeprecipe.data.shift import PartComparison, compare_parts, shift_notes
from deeprecipe.data.split import (
    MIN_EVAL_EXAMPLES,
    SmallSplitWarning,
    Split,
    SplitArrays,
    default_ratios,
    groups_note,
    split,
)

__all__ = [
    "Augmenter",
    "ColumnSpec",
    "Compose",
    "Dataset",
    "DatasetInfo",
    "DevTestAgreement",
    "PartComparison",
    "compare_dev_test",
    "compare_parts",
    "shift_notes",
    "GaussianNoise",
    "ImageAugmenter",
    "Imputer",
    "MISSING_POLICIES",
    "SCALERS",
    "MinMaxScaler",
    "Standardizer",
    "TableSchema",
    "make_scaler",
    "scaler_from_state",
    "MIN_EVAL_EXAMPLES",
    "SmallSplitWarning",
    "Split",
    "SplitArrays",
    "course_circles",
    "default_ratios",
    "from_frame",
    "list_datasets",
    "load_course_football",
    "load_csv",
    "load_dataset",
    "load_file",
    "read_cells",
    "load_npz",
    "load_parquet",
    "overlap_notes",
    "shared_rows",
    "groups_note",
    "split",
]
