"""gradcheck_during_training: one call, a check at initialization and after training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.check import gradcheck_during_training
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network


def case():
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((100, 5)), rng.integers(0, 3, 100)
    return Network([5, 8, 3], activation="tanh", loss="softmax_crossentropy", l2=0.1), X, y


def test_a_planted_bug_fails_every_check_and_is_named(plant):
    net, X, y = case()
    plant.gradient(lambda g, net, m: g["b1"].__imul__(2))
    run = gradcheck_during_training(net, X, y, epochs=(0, 20), learning_rate=0.1)
    assert not run.passed
    assert run.failing_tensors == ["b1"]
    assert all(result.worst_tensor == "b1" for _, result in run.checks)
    shown = run._repr_html_()  # the notebook display: FAILED, the tensor, its worst entries
    assert "FAILED" in shown and "failing tensors: b1" in shown and "worst entries" in shown


def test_checks_run_on_a_subset_with_the_training_l2(monkeypatch):
    """check_examples rows are checked, and the L2 term divides by the training-set size."""
    import deeprecipe.check.during_training as module

    seen = []
    real = module.gradcheck

    def spy(network, X, y, **kwargs):
        seen.append((len(X), kwargs["m"], kwargs["label"]))
        return real(network, X, y, **kwargs)

    monkeypatch.setattr(module, "gradcheck", spy)
    net, X, y = case()
    run = gradcheck_during_training(net, X, y, epochs=(30, 0, 10), check_examples=16)
    assert seen == [
        (16, 100, "at initialization"),
        (16, 100, "after 10 epochs"),
        (16, 100, "after 30 epochs"),
    ]
    assert [epoch for epoch, _ in run.checks] == [0, 10, 30]
    assert len(run.history.cost) == 30


def test_report_and_plain_data():
    net, X, y = case()
    run = gradcheck_during_training(net, X, y, epochs=(0, 5), mode="sampled", n_samples=4)
    data = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    assert data["passed"] is True and [c["epoch"] for c in data["checks"]] == [0, 5]
    assert data["checks"][1]["label"] == "after 5 epochs"
    assert data["checks"][0]["mode"] == "sampled"
    text = str(run)
    assert text.startswith("Gradient checks during training: passed")
    assert "epoch 0:" in text and "epoch 5:" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": ()}, "epochs"),
        ({"epochs": (-1,)}, "epochs"),
        ({"m": 5}, "m is set"),
        ({"check_examples": 0}, "check_examples"),
    ],
)
def test_bad_options_are_refused(options, message):
    net, X, y = case()
    with pytest.raises(DeepRecipeError, match=message):
        gradcheck_during_training(net, X, y, **options)
