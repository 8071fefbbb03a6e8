"""The network spec: checked when made and when changed, one build path, a stable plain form."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.recipe import make_spec
from deeprecipe.train import NetworkSpec, build_network


def test_a_spec_is_frozen_and_changes_only_through_a_checked_replace():
    spec = NetworkSpec(hidden=[8, 4], l2=0.5, keep_prob=0.8)
    assert spec.hidden == (8, 4)
    with pytest.raises(AttributeError):
        spec.l2 = 1.0  # frozen
    wider = spec.replace(hidden=(16, 8))
    assert wider.hidden == (16, 8) and spec.hidden == (8, 4) and wider.l2 == 0.5
    for bad, match in (
        ({"l2": -1.0}, "l2=-1.0"),
        ({"keep_prob": 0.0}, "keep_prob=0.0"),
        ({"keep_prob": (0.5, 0.5, 0.5)}, "keep_prob has 3 entries"),
        ({"learning_rate": 0.0}, "learning_rate=0.0"),
        ({"optimizer": "adagrad"}, "optimizer"),
        ({"activation": "swish"}, "activation"),
        ({"dtype": "float16"}, "dtype"),
        ({"augment": {"std": 0.1}}, "augment="),
        ({"early_stopping": {"monitor": "dev_cost"}}, "early_stopping="),
        ({"hidden": (8, 0)}, "hidden layer size"),
    ):
        with pytest.raises(DeepRecipeError, match=match):
            spec.replace(**bad)
    with pytest.raises(DeepRecipeError, match="unknown network setting"):
        spec.replace(lambd=0.1)


#: the recipe's spec defaults as the trial record has held them since format 2: the plain form
#: must not drift, or every stored trial would be trained again
RECORDED_DEFAULTS = {
    "hidden": [20], "activation": "relu", "init": None, "l2": 0.0, "keep_prob": 1.0,
    "optimizer": "gd", "learning_rate": 0.1, "epochs": 1000, "batch_size": None,
    "metrics_every": 10, "augment": None, "early_stopping": None, "train_fraction": 1.0,
    "dtype": "float64", "seed": 0,
}  # fmt: skip


def test_the_plain_form_is_the_recorded_one_and_round_trips():
    """make_spec (what the recipe hashes and stores) is the spec's plain form: JSON data with the
    keys, order and values the trial record has always held (an int lambda stays an int)."""
    assert make_spec() == RECORDED_DEFAULTS and list(make_spec()) == list(RECORDED_DEFAULTS)
    changes = {"hidden": (16, 4), "l2": 1, "keep_prob": 0.9,
               "augment": {"kind": "noise", "std": 0.1}}  # fmt: skip
    plain = make_spec(**changes)
    assert plain == {**RECORDED_DEFAULTS, **changes, "hidden": [16, 4]}
    assert isinstance(plain["l2"], int)
    assert NetworkSpec.from_dict(plain).to_dict() == plain
    with pytest.raises(DeepRecipeError, match="unknown network setting"):
        make_spec(lambd=0.1)


def test_build_network_is_the_network_the_spec_describes():
    spec = NetworkSpec(hidden=(5, 3), activation=("relu", "tanh"), keep_prob=(0.8, 0.9), l2=0.7,
                       init="xavier", dtype="float32", seed=3)  # fmt: skip
    net = build_network(spec, 4, 2, "softmax_crossentropy")
    twin = Network([4, 5, 3, 2], activation=["relu", "tanh"], keep_prob=[0.8, 0.9], l2=0.7,
                   init="xavier", dtype="float32", seed=3, loss="softmax_crossentropy")  # fmt: skip
    assert net.config == twin.config
    np.testing.assert_array_equal(net.theta, twin.theta)
    # a seed stream (the estimators' random_state) replaces the spec's own seed
    reseeded = build_network(spec, 4, 2, "softmax_crossentropy", seed=np.random.default_rng(9))
    assert not np.array_equal(reseeded.theta, net.theta)


def test_the_optimizer_comes_from_the_spec():
    optimizer = NetworkSpec(optimizer="momentum", learning_rate=0.05).optimizer_instance()
    assert optimizer.name == "momentum" and optimizer.learning_rate == 0.05
