"""Embedded datasets: the registry tells the truth, generation is seeded, course data is exact."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.data import course_circles, list_datasets, load_course_football, load_dataset
from deeprecipe.errors import DeepRecipeError

NAMES = ["digits", "breast_cancer", "iris", "wine", "moons", "circles", "flower", "football"]


def test_registry_lists_every_name():
    assert [i.name for i in list_datasets()] == NAMES
    assert all(i.task in ("binary", "multiclass", "regression") for i in list_datasets())


@pytest.mark.parametrize("info", list_datasets(), ids=lambda i: i.name)
def test_registry_shapes_and_tasks_match_the_data(info):
    ds = load_dataset(info.name)
    assert ds.name == info.name
    assert ds.X.dtype == np.float64 and ds.X.shape == (info.n_samples, info.n_features)
    assert ds.task == info.task and ds.n_classes == info.n_classes
    assert ds.y.shape == (info.n_samples,) and ds.y.dtype == np.int64
    assert set(np.unique(ds.y)) == set(range(info.n_classes))
    assert len(ds.feature_names) == info.n_features
    assert ds.image_shape == info.image_shape
    assert np.isfinite(ds.X).all()


def test_digits_are_8x8_images_in_0_1():
    ds = load_dataset("digits")
    assert ds.image_shape == (8, 8)
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert list(ds.classes) == list(range(10))


def test_breast_cancer_keeps_its_label_names():
    ds = load_dataset("breast_cancer")
    assert list(ds.classes) == ["malignant", "benign"]


@pytest.mark.parametrize("name", ["moons", "circles", "flower", "football"])
def test_generated_sets_are_seeded(name):
    a, b, c = load_dataset(name, seed=4), load_dataset(name, seed=4), load_dataset(name, seed=5)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_football_lookalike_resembles_the_course_data():
    ds = load_dataset("football")
    assert -0.7 < ds.X[:, 0].min() and ds.X[:, 0].max() < 0.4
    assert -0.8 < ds.X[:, 1].min() and ds.X[:, 1].max() < 0.7
    assert 0.4 < ds.y.mean() < 0.6


def test_football_bayes_error_is_its_label_flip_rate():
    """The registry's Bayes error is what the construction gives: the noiseless boundary, the
    best possible classifier, disagrees with about 6% of the labels (4,110 examples, 10 seeds:
    a binomial standard deviation of 0.4 points)."""
    disagree, total = 0, 0
    for seed in range(10):
        ds = load_dataset("football", seed=seed)
        x1, x2 = ds.X[:, 0], ds.X[:, 1]
        clean = x2 > 1.3 * (x1 + 0.2) - 0.15 + 0.08 * np.sin(12 * x1)
        disagree += int(np.sum(clean != ds.y.astype(bool)))
        total += len(ds.y)
    assert ds.bayes_error == 0.06
    assert {i.name: i.bayes_error for i in list_datasets()}["football"] == 0.06
    assert abs(disagree / total - ds.bayes_error) < 0.015, disagree / total
    # where nothing fixes it, nothing is claimed
    assert load_dataset("moons").bayes_error is None
    assert load_dataset("digits").bayes_error is None


def test_unknown_name_lists_the_accepted_ones():
    with pytest.raises(DeepRecipeError, match="accepted: digits, breast_cancer"):
        load_dataset("mnist")
    with pytest.raises(DeepRecipeError, match="seed"):
        load_dataset("moons", seed=-1)


def test_course_football_file(dls_dir):
    X_train, y_train, X_test, y_test = load_course_football(dls_dir / "data.mat")
    assert X_train.shape == (211, 2) and y_train.shape == (211,)
    assert X_test.shape == (200, 2) and y_test.shape == (200,)
    assert np.bincount(y_train).tolist() == [105, 106]
    assert np.bincount(y_test).tolist() == [113, 87]
    assert X_train[:, 0].min() == pytest.approx(-0.596774, abs=1e-6)


def test_course_football_missing_file_is_named(tmp_path):
    with pytest.raises(DeepRecipeError, match="does not exist"):
        load_course_football(tmp_path / "nope.mat")
    bad = tmp_path / "bad.mat"
    bad.write_text("not a mat file")
    with pytest.raises(DeepRecipeError, match="could not be read"):
        load_course_football(bad)


def test_course_circles_follow_the_recipe_and_leave_global_state_alone():
    from sklearn.datasets import make_circles

    np.random.seed(123)  # noqa: NPY002
    before = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    X_train, y_train, X_test, y_test = course_circles()
    assert np.random.random() == before  # noqa: NPY002
    assert X_train.shape == (300, 2) and X_test.shape == (100, 2)
    assert np.bincount(y_train).tolist() == [150, 150]
    assert np.bincount(y_test).tolist() == [50, 50]
    np.random.seed(1)  # noqa: NPY002
    ref_X, ref_y = make_circles(n_samples=300, noise=0.05)
    assert np.array_equal(X_train, ref_X) and np.array_equal(y_train, ref_y)
