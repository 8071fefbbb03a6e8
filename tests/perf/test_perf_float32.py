"""float32 stays float32 through training: no float64 mask, scalar or target promotes it."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.nn import Network
from deeprecipe.train import Trainer


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_a_float32_network_trains_in_float32(activation, optimizer):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((96, 5))  # float64 input: cast once, at the door
    y = rng.integers(0, 3, 96)
    net = Network(
        [5, 7, 4, 3],
        activation=activation,
        loss="softmax_crossentropy",
        keep_prob=0.8,
        l2=0.7,
        seed=0,
    )
    trainer = Trainer(net, optimizer=optimizer, learning_rate=0.01, batch_size=32, seed=0)
    seen = []

    original = net.loss_and_gradient

    def spy(Xb, targets, **kwargs):
        cost = original(Xb, targets, **kwargs)
        seen.append(
            [Xb.dtype, net.grad.dtype]
            + [
                array.dtype
                for layer in net.layers
                for array in (layer._z, layer._a, layer.mask)
                if array is not None
            ]
        )
        return cost

    net.loss_and_gradient = spy
    trainer.fit(X, y, epochs=2)
    assert seen and all(dtype == np.float32 for dtypes in seen for dtype in dtypes)
    assert net.theta.dtype == np.float32
    state = trainer.optimizer.state_dict()
    for key in ("v", "s"):
        if state.get(key) is not None:
            assert state[key].dtype == np.float32


def test_the_training_logits_are_float32():
    net = Network([3, 4, 2], loss="softmax_crossentropy", keep_prob=0.5)
    X = net.check_inputs(np.ones((8, 3)))
    assert net._forward(X, training=True, masks=None, reuse_buffers=True).dtype == np.float32
