"""Dev/test rows repeated from the training set are flagged; naturally repeating rows are not."""

from __future__ import annotations

import numpy as np

from deeprecipe.data import overlap_notes, shared_rows


def test_shared_rows_counts_exact_repeats_as_whole_rows():
    train = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -0.0]])
    other = np.array([[1.0, 2.0], [2.0, 1.0], [-0.0, 0.0], [3.0, 4.5]])
    assert shared_rows(train, other) == 2  # (1, 2) and the zero row, signs of zero aside
    assert shared_rows(train, other[:0]) == 0


def test_a_dev_file_copied_from_training_is_flagged():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    notes = overlap_notes(X[:150], {"dev": X[100:200], "test": rng.normal(size=(50, 3))})
    assert len(notes) == 1 and notes[0].startswith("50 of the 100 dev rows (50%)")


def test_categorical_rows_that_repeat_by_nature_are_not_flagged():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(300, 3)).astype(float)  # 8 possible rows
    assert overlap_notes(X[:200], {"dev": X[200:]}) == []
