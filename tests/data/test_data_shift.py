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


def test_a_gap_between_parts_drawn_from_one_dataset_is_not_put_down_to_distributions():
    dev, test = np.r_[np.ones(13), np.zeros(29)], np.r_[np.ones(31), np.zeros(19)]
    note = compare_dev_test(dev, test).note(same_source=True)
    assert "different distributions" not in note and "not a difference of distributions" in note
    assert "the dev set was overfitted" in note
    easier = compare_dev_test(test, dev).note(same_source=True)  # test better than dev
    assert "overfitted" not in easier and "the dev set happens to be harder" in easier
    shared = compare_dev_test(dev, test).note(same_source=True, shared=True)
    assert "a test sample harder for every model (the reference models" in shared
    assert "overfitted" not in shared


def test_squared_errors_are_compared_by_their_own_spread():
    rng = np.random.default_rng(3)
    a, b = rng.chisquare(1, 300), rng.chisquare(1, 300)
    assert not compare_dev_test(a, b).differ
    assert compare_dev_test(a, 2 * b).differ


def test_dev_from_test_halves_a_test_set_whose_labels_differ_and_keeps_its_classes():
    from deeprecipe.data.shift import dev_from_test

    rng = np.random.default_rng(0)
    y_train = rng.integers(0, 2, 300)  # about half 1s
    y_test = np.r_[np.ones(70, int), np.zeros(30, int)]
    X_test = np.arange(100.0)[:, None]
    drawn = dev_from_test(y_train, X_test, y_test, regression=False, seed=0)
    assert drawn is not None and len(drawn.y_dev) == len(drawn.y_test) == 50
    assert drawn.y_dev.mean() == drawn.y_test.mean() == 0.7  # stratified halves
    rows = np.sort(np.r_[drawn.X_dev[:, 0], drawn.X_test[:, 0]])
    np.testing.assert_array_equal(rows, X_test[:, 0])  # every test row once
    assert "chi-square" in drawn.note and "half of the test data" in drawn.note
    assert dev_from_test(y_train, X_test, y_test, mode="train", regression=False) is None
    same = rng.integers(0, 2, 100)
    assert dev_from_test(y_train, X_test, same, regression=False) is None
    forced = dev_from_test(y_train, X_test, same, mode="test", regression=False)
    assert forced is not None and "asks for it" in forced.note


def test_dev_from_test_reads_a_regression_target_with_kolmogorov_smirnov():
    from deeprecipe.data.shift import dev_from_test

    rng = np.random.default_rng(1)
    drawn = dev_from_test(
        rng.normal(0, 1, 400), rng.normal(size=(80, 2)), rng.normal(3, 1, 80), regression=True
    )
    assert drawn is not None and "Kolmogorov-Smirnov" in drawn.note


def test_with_labels_off_a_label_difference_is_not_told_but_moved_features_still_are():
    """Dev drawn from the test data: the label difference is what the split was made for, a
    feature whose mean moved is still news."""
    from deeprecipe.data.shift import compare_parts, shift_notes

    rng = np.random.default_rng(0)
    X_train, y_train = rng.normal(size=(400, 3)), rng.integers(0, 2, 400)
    X_test = rng.normal(size=(200, 3))
    X_test[:, 1] += 2.0
    (c,) = compare_parts(X_train, y_train, {"test": (X_test, np.ones(200, int))}, regression=False)
    assert c.labels_differ and c.shifted_features
    both = shift_notes([c])
    features_only = shift_notes([c], labels=False)
    assert len(both) == 2 and features_only == both[1:]
    assert "x1" in features_only[0]
