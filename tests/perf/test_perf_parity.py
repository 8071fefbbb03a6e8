"""A race between equals: deeprecipe and PyTorch, same network, initialization, data and
mini-batches, reach the same accuracy (the same weights, in fact, up to float32 rounding)."""

from __future__ import annotations

import numpy as np

from deeprecipe.nn import Network
from deeprecipe.train.optimizers import get_optimizer


def test_same_weights_and_accuracy_as_torch_after_an_epoch(torch):
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 20), dtype=np.float32)
    y = rng.integers(0, 4, 2048)
    X = (rng.standard_normal((2048, 20), dtype=np.float32) + centres[y]).astype(np.float32)
    net = Network([20, 32, 16, 4], loss="softmax_crossentropy", seed=0)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 4),
    )
    linears = [model[0], model[2], model[4]]
    with torch.no_grad():
        for layer, linear in zip(net.layers, linears):
            linear.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.b.copy()))
    ours = get_optimizer("adam", 0.01)
    theirs = torch.optim.Adam(model.parameters(), lr=0.01)
    order = rng.permutation(1536)
    for start in range(0, 1536, 64):  # the same mini-batches for both
        index = order[start : start + 64]
        net.loss_and_gradient(X[index], net.prepare_targets(y[index]), m=1536)
        ours.step(net.theta, net.grad)
        theirs.zero_grad()
        torch.nn.functional.cross_entropy(
            model(torch.from_numpy(X[index])), torch.from_numpy(y[index])
        ).backward()
        theirs.step()
    for layer, linear in zip(net.layers, linears):
        np.testing.assert_allclose(layer.W, linear.weight.detach().numpy().T, atol=2e-3)
    test_X, test_y = X[1536:], y[1536:]
    with torch.no_grad():
        torch_accuracy = np.mean(model(torch.from_numpy(test_X)).argmax(1).numpy() == test_y)
    our_accuracy = np.mean(net.predict(test_X) == test_y)
    assert torch_accuracy > 0.5  # it learned something, so the comparison means something
    assert abs(our_accuracy - torch_accuracy) <= 0.01
