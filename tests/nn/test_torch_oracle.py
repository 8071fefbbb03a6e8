"""The engine's gradients against PyTorch autograd, in float64, to a relative 1e-10.

Each case builds the same network twice: once in deeprecipe, once as plain torch tensors with the
same weights (and, for dropout, the same masks), then compares cost and every gradient tensor.
It holds on every backend present (NumPy, array_api_strict, PyTorch CPU; CuPy and CUDA on a GPU).
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.nn import Network

TOL = 1e-10

CASES = [
    # (layer sizes, activation(s), loss, l2, keep_prob)
    ([5, 7, 1], "relu", "binary_crossentropy", 0.0, 1.0),
    ([5, 7, 1], "leaky_relu", "binary_crossentropy", 0.0, 1.0),
    ([5, 7, 1], "tanh", "binary_crossentropy", 0.0, 1.0),
    ([5, 7, 1], "sigmoid", "binary_crossentropy", 0.0, 1.0),
    ([5, 7, 1], "identity", "binary_crossentropy", 0.0, 1.0),
    ([5, 6, 4], "relu", "softmax_crossentropy", 0.0, 1.0),
    ([5, 6, 3], "tanh", "mse", 0.0, 1.0),
    ([5, 6, 3], "sigmoid", "binary_crossentropy", 0.0, 1.0),  # multi-label
    ([6, 8, 7, 5, 4], ["relu", "tanh", "leaky_relu"], "softmax_crossentropy", 0.0, 1.0),
    ([6, 8, 7, 5, 1], ["sigmoid", "relu", "tanh"], "binary_crossentropy", 0.7, 1.0),
    ([6, 8, 7, 3], "relu", "mse", 2.5, 1.0),
    ([6, 9, 7, 1], "relu", "binary_crossentropy", 0.0, [0.8, 0.6]),
    ([6, 9, 7, 4], "tanh", "softmax_crossentropy", 0.3, 0.75),
]


def _targets(loss: str, m: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "softmax_crossentropy":
        return rng.integers(0, n_out, size=m)
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=(m, n_out)).astype(float)
    return rng.normal(size=(m, n_out))


def _torch_cost(torch, net: Network, X, y, masks, m_total: int):
    F = torch.nn.functional
    acts = {
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "identity": lambda z: z,
    }
    params = {k: torch.tensor(v, requires_grad=True) for k, v in net.get_weights().items()}
    a = torch.tensor(X)
    for l in range(1, net.n_layers + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        if l < net.n_layers:
            a = acts[net.activations[l - 1]](z)
            if masks is not None and masks[l - 1] is not None:
                a = a * torch.tensor(masks[l - 1])
        else:
            a = z
    target = torch.tensor(y)
    if net.loss.name == "binary_crossentropy":
        loss = F.binary_cross_entropy_with_logits(
            a, target.reshape(a.shape), reduction="sum"
        ) / len(X)
    elif net.loss.name == "softmax_crossentropy":
        loss = F.cross_entropy(a, target.long(), reduction="mean")
    else:
        loss = 0.5 * ((a - target) ** 2).sum() / len(X)
    l2 = sum((params[f"W{l}"] ** 2).sum() for l in range(1, net.n_layers + 1))
    cost = loss + net.l2 / (2 * m_total) * l2
    cost.backward()
    return cost.item(), {k: p.grad.numpy() for k, p in params.items()}


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("sizes, activation, loss, l2, keep_prob", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_match_torch_autograd(
    torch, backend, sizes, activation, loss, l2, keep_prob, seed
):
    rng = np.random.default_rng(100 + seed)
    net = Network(
        sizes,
        activation=activation,
        loss=loss,
        l2=l2,
        keep_prob=keep_prob,
        init="xavier",
        dtype=np.float64,
        seed=seed,
        backend=backend,
    )
    m, m_total = 11, 50  # a mini-batch of 11 from a training set of 50: L2 divides by 50
    X = rng.normal(size=(m, sizes[0]))
    y = _targets(loss, m, sizes[-1], rng)
    targets = net.prepare_targets(y, m)

    cost = net.loss_and_gradient(X, targets, m=m_total, training=True)
    masks = [
        None if layer.mask is None else backend.to_host(layer.mask) for layer in net.layers[:-1]
    ]
    if np.any(np.asarray(keep_prob) < 1):
        assert all(mask is not None for mask in masks), "dropout drew no mask in training"
    torch_cost, torch_grads = _torch_cost(torch, net, X, y, masks, m_total)

    assert cost == pytest.approx(torch_cost, rel=TOL)
    for name, grad in zip(net.parameter_names, net.views(backend.to_host(net.grad))):
        diff = _relative(grad, torch_grads[name])
        assert diff < TOL, (
            f"{name}: relative difference {diff:.3e}\nours\n{grad}\ntorch\n{torch_grads[name]}"
        )


def test_stable_losses_match_torch_at_extreme_logits(torch):
    from deeprecipe.nn import get_loss

    F = torch.nn.functional
    z = np.array([[-1e4, 1e4, 0.0], [30.0, -30.0, 1e-3]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    bce = get_loss("binary_crossentropy")
    expected = (
        F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y), reduction="sum").item()
        / 2
    )
    assert np.isfinite(bce.value(z, y))
    assert bce.value(z, y) == pytest.approx(expected, rel=1e-12)
    ce = get_loss("softmax_crossentropy")
    labels = np.array([0, 2])
    expected = F.cross_entropy(torch.tensor(z), torch.tensor(labels)).item()
    assert ce.value(z, labels) == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(ce.gradient(z, labels)).all() and np.isfinite(bce.gradient(z, y)).all()
