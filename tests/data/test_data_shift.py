"""Train, dev and test from the same distribution: label and feature comparisons."""

import numpy as np
import pytest

from deeprecipe.data.dev_test import compare_dev_test
from deeprecipe.data.shift import compare_parts, shift_notes


def _part(rng, m, share_ones):
    y = (rng.random(m) < share_ones).astype(np.int64)
    return rng.normal(size=(m, 5)), y


def test_flipped_class_priors_in_a_test_file_draw_the_mismatch_warning():
    rng = np.random.default_rng(0)
    X_train, y_train = _part(rng, 209, 0.34)  # the cat images: 34% cats in training
    X_test, y_test = _part(rng, 50, 0.66)  # and 66% in the test file
    X_dev, y_dev = _part(rng, 60, 0.34)
    comparisons = compare_parts(
        X_train, y_train, {"dev": (X_dev, y_dev), "test": (X_test, y_test)}, regression=False
    )
    by_part = {c.part: c for c in comparisons}
    assert by_part["test"].labels_differ and not by_part["dev"].labels_differ
    notes = shift_notes(comparisons)
    assert len(notes) == 1 and "test labels are distributed differently" in notes[0]
    assert "same distribution" in notes[0]


def test_one_moved_feature_is_named_and_the_others_are_not():
    rng = np.random.default_rng(1)
    X_train, X_dev = rng.normal(size=(400, 50)), rng.normal(size=(200, 50))
    X_dev[:, 7] += 1.0
    names = [f"f{j}" for j in range(50)]
    (c,) = compare_parts(
        X_train, None, {"dev": (X_dev, None)}, regression=True, feature_names=names
    )
    assert [f["feature"] for f in c.shifted_features] == ["f7"]
    assert c.shifted_features[0]["shift_in_sd"] == pytest.approx(1.0, abs=0.2)
    assert "f7" in shift_notes([c])[0]


def test_regression_targets_are_compared_with_kolmogorov_smirnov():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 2))
    same = compare_parts(
        X, rng.normal(size=300), {"dev": (X[:150], rng.normal(size=150))}, regression=True
    )
    moved = compare_parts(
        X, rng.normal(size=300), {"dev": (X[:150], rng.normal(1, 1, 150))}, regression=True
    )
    assert not same[0].labels_differ and moved[0].labels_differ
    assert moved[0].label_test == "Kolmogorov-Smirnov"


def test_dev_and_test_errors_beyond_binomial_noise_draw_a_warning():
    dev = np.r_[np.ones(13), np.zeros(29)]  # 31% of 42 (the cat images' run)
    test = np.r_[np.ones(31), np.zeros(19)]  # 62% of 50
    result = compare_dev_test(dev, test)
    se = np.sqrt(13 / 42 * 29 / 42 / 42 + 0.62 * 0.38 / 50)
    assert result.se == pytest.approx(se)
    assert result.differ and "different distributions" in result.note()
    close = compare_dev_test(np.r_[np.ones(20), np.zeros(180)], np.r_[np.ones(24), np.zeros(176)])
    assert not close.differ and close.note() is None


def test_squared_errors_are_compared_by_their_own_spread():
    rng = np.random.default_rng(3)
    a, b = rng.chisquare(1, 300), rng.chisquare(1, 300)
    assert not compare_dev_test(a, b).differ
    assert compare_dev_test(a, 2 * b).differ
