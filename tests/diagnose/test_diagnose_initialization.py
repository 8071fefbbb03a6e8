"""The course's initialization experiment on its circles data (2-10-5-1, ReLU, ReLU, sigmoid)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.data import course_circles
from deeprecipe.diagnose import compare_initializations, course_weights
from deeprecipe.errors import DeepRecipeError


@pytest.fixture(scope="module")
def circles():
    return course_circles()


@pytest.fixture(scope="module")
def short_run(circles):
    return compare_initializations(*circles, epochs=300, weights_from="course")


def test_zeros_never_breaks_symmetry(short_run):
    zeros = short_run["zeros"]
    assert zeros.units_identical == [True, True]
    assert not zeros.breaks_symmetry
    assert zeros.train_accuracy == 0.5 and zeros.test_accuracy == 0.5
    assert zeros.cost[0] == pytest.approx(np.log(2)) and zeros.cost[-1] == pytest.approx(np.log(2))
    assert short_run["he"].breaks_symmetry and short_run["random"].breaks_symmetry


def test_large_random_starts_with_a_huge_cost(short_run):
    assert short_run["random"].cost[0] > 100
    assert short_run["he"].cost[0] < 1.0
    assert short_run["xavier"].cost[0] < 1.0
    # the activations of randn * 10 are spread orders of magnitude wider than He's
    random_std = short_run["random"].initial_health.layers[1].a_std
    he_std = short_run["he"].initial_health.layers[1].a_std
    assert random_std > 50 * he_std


def test_result_is_plain_data_with_histograms_and_plots(short_run):
    data = json.loads(json.dumps(short_run.to_dict()))
    assert set(data["runs"]) == {"zeros", "random", "xavier", "he"}
    assert len(data["runs"]["he"]["cost"]) == 300
    hist = data["runs"]["he"]["initial_health"]["layers"][0]["histogram"]
    assert sum(hist["counts"]) == 300 * 10
    assert data["settings"]["layer_sizes"] == [2, 10, 5, 1]
    fig = short_run.plot_costs()
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[0].get_lines()) == 4
    grid = short_run.plot_histograms(when="final")
    assert len(grid.axes) == 4 * 3


def test_course_weights_follow_the_legacy_stream():
    weights = course_weights([2, 10, 5, 1], "he")
    np.random.seed(3)
    W1 = np.random.randn(10, 2) * np.sqrt(2.0 / 2)
    W2 = np.random.randn(5, 10) * np.sqrt(2.0 / 10)
    np.testing.assert_array_equal(weights["W1"], W1.T)
    np.testing.assert_array_equal(weights["W2"], W2.T)
    assert not course_weights([2, 3, 1], "zeros")["W1"].any()


@pytest.mark.slow
def test_the_course_figures_after_15000_iterations(circles):
    result = compare_initializations(
        *circles, inits=("zeros", "random", "he"), weights_from="course", n_jobs=1
    )
    he, random, zeros = result["he"], result["random"], result["zeros"]
    assert he.train_accuracy == pytest.approx(0.9933333333333333)
    assert he.test_accuracy == pytest.approx(0.96)
    assert random.train_accuracy == pytest.approx(0.83)
    assert random.test_accuracy == pytest.approx(0.86)
    assert zeros.train_accuracy == 0.5 and zeros.units_identical == [True, True]
    assert result.ranking == ["he", "random", "zeros"]
    assert len(he.cost) == 15000


def test_explicit_initial_weights_are_used(circles):
    weights = course_weights([2, 10, 5, 1], "he")
    explicit = compare_initializations(
        *circles, inits=("he",), epochs=5, initial_weights={"he": weights}
    )
    course = compare_initializations(*circles, inits=("he",), epochs=5, weights_from="course")
    seeded = compare_initializations(*circles, inits=("he",), epochs=5)
    assert explicit["he"].cost == course["he"].cost
    assert seeded["he"].cost != course["he"].cost


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"inits": ("zeros", "orthogonal")}, "inits"),
        ({"inits": ()}, "inits"),
        ({"weights_from": "keras"}, "weights_from"),
        ({"initial_weights": {"he": {}}, "inits": ("zeros",)}, "initial_weights"),
        ({"random_scale": -1}, "random_scale"),
    ],
)
def test_bad_arguments_are_named(circles, kwargs, fragment):
    with pytest.raises(DeepRecipeError, match=fragment):
        compare_initializations(*circles, epochs=1, **kwargs)
