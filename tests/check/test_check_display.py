"""A gradient check in a notebook: the verdict in colour, each tensor's figure, the worst
entries; and a short repr."""

from __future__ import annotations

import numpy as np

from deeprecipe._html import COLORS
from deeprecipe.check import gradcheck
from deeprecipe.nn import Network


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((12, 4)), rng.integers(0, 3, 12)


def test_a_passing_check_shows_its_tensors_and_a_green_verdict(display):
    X, y = _data()
    result = gradcheck(Network([4, 5, 3], activation="tanh", loss="softmax_crossentropy"), X, y)
    shown = display(result)
    for name, tensor in result.per_tensor.items():
        row = shown.cells.index(name)
        assert shown.cells[row + 1] == "x".join(map(str, tensor.shape))
        assert shown.cells[row + 3] == f"{tensor.difference:.3e}"
        assert shown.cells[row + 4] == tensor.verdict
    assert f"difference {result.difference:.3e}: great (passed" in shown.text
    assert shown.color_of("difference") == COLORS["good"]
    worst = result.worst[0]
    assert shown.cells.count(worst.tensor) >= 2  # in both tables
    assert f"{worst.analytic:.6e}" in shown.cells
    assert "<script" not in shown.html


def test_a_planted_bug_is_red_and_named(display, plant):
    X, y = _data(1)
    plant.gradient(lambda g, net, m: g["b2"].__iadd__(0.1))
    result = gradcheck(Network([4, 5, 3], activation="tanh", loss="softmax_crossentropy"), X, y)
    shown = display(result)
    assert "FAILED" in shown.text
    assert shown.color_of("difference") == COLORS["bad"]
    assert shown.color_of("b2") == COLORS["bad"]  # the failing tensor, in red
    assert "likely a bug (failing)" in shown.cells
    assert "worst entries (largest |analytic - numerical|)" in shown.text
    assert result.worst[0].tensor == "b2" and "b2" in shown.cells


def test_repr_is_one_short_line(plant):
    X, y = _data(1)
    plant.gradient(lambda g, net, m: g["W1"].__imul__(2))
    result = gradcheck(Network([4, 5, 3], activation="tanh", loss="softmax_crossentropy"), X, y)
    text = repr(result)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("GradcheckResult(difference=") and "passed=False" in text
    assert "failing=['W1']" in text
