"""The training step reuses its memory: buffers, masks and the optimizer's scratch vector."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.nn import Network
from deeprecipe.train.optimizers import get_optimizer


def _batch(m=64, n_x=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n_x), dtype=np.float32), rng.integers(0, 3, m)


@pytest.fixture
def net():
    return Network([6, 8, 5, 3], loss="softmax_crossentropy", keep_prob=0.75, l2=0.5, seed=1)


def test_training_steps_reuse_the_layer_buffers(net):
    X, y = _batch()
    targets = net.prepare_targets(y)
    net.loss_and_gradient(X, targets, m=64)
    first = [(layer._z, layer._a, layer.mask) for layer in net.layers]
    net.loss_and_gradient(X[::-1].copy(), targets[::-1].copy(), m=64)
    for layer, (z, a, mask) in zip(net.layers, first):
        assert layer._z is z and layer._a is a  # the very same arrays, overwritten
        if mask is not None:
            assert layer.mask is mask


def test_a_smaller_last_batch_uses_the_first_rows_of_the_same_buffers(net):
    X, y = _batch()
    targets = net.prepare_targets(y)
    net.loss_and_gradient(X, targets, m=64)
    full_z = net.layers[0]._z
    net.loss_and_gradient(X[:10], targets[:10], m=64)
    small_z = net.layers[0]._z
    assert small_z.shape == (10, 8) and small_z.flags.c_contiguous
    assert np.shares_memory(small_z, full_z)


def test_buffers_do_not_change_the_numbers(net):
    """The buffered training step gives what the allocating public forward gives."""
    X, y = _batch()
    targets = net.prepare_targets(y)
    twin = net.copy()
    cost = net.loss_and_gradient(X, targets, m=64)
    masks = [layer.mask.copy() for layer in net.layers[:-1]]
    logits = twin.forward(X, training=True, masks=masks)
    value = twin.loss.value(logits, targets) + twin.l2_cost(64)
    assert cost == pytest.approx(value, rel=1e-6)
    twin.backward(twin.loss.gradient(logits, targets), m=64)
    np.testing.assert_allclose(net.grad, twin.grad, rtol=1e-5, atol=1e-7)


def test_masks_given_back_are_never_overwritten(net):
    X, y = _batch()
    targets = net.prepare_targets(y)
    net.loss_and_gradient(X, targets, m=64)
    mine = [layer.mask.copy() for layer in net.layers[:-1]]
    kept = [m.copy() for m in mine]
    net.loss_and_gradient(X, targets, m=64, masks=mine)  # frozen masks, as a gradient check does
    net.loss_and_gradient(X, targets, m=64)  # then fresh draws
    for given, before in zip(mine, kept):
        np.testing.assert_array_equal(given, before)


def test_dropout_masks_are_float32_zero_or_one_over_keep_prob(net):
    X, y = _batch(m=256)
    net.loss_and_gradient(X, net.prepare_targets(y), m=256)
    mask = net.layers[0].mask
    assert mask.dtype == np.float32
    assert set(np.unique(mask)) == {np.float32(0), np.float32(1 / 0.75)}
    assert 0.65 < np.mean(mask > 0) < 0.85


def test_clear_cache_drops_the_buffers(net):
    X, y = _batch()
    net.loss_and_gradient(X, net.prepare_targets(y), m=64)
    net.clear_cache()
    assert all(layer._buffers == {} and layer._z is None for layer in net.layers)


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_optimizer_steps_leave_the_gradient_alone_and_reuse_one_scratch(name):
    theta = np.linspace(-1, 1, 50, dtype=np.float32)
    grad = np.cos(np.arange(50, dtype=np.float32))
    before = grad.copy()
    opt = get_optimizer(name, 0.01)
    opt.step(theta, grad)
    scratch = opt._buffer
    opt.step(theta, grad)
    assert opt._buffer is scratch
    np.testing.assert_array_equal(grad, before)
    assert theta.dtype == np.float32
