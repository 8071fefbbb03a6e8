"""Many threads give the same bits as one; the BLAS and PyTorch limits follow and are restored."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from deeprecipe import DeepRecipeError
from deeprecipe import _threads as threads
from deeprecipe.nn import Network
from deeprecipe.train import fit


def _data(loss, m=203, n_x=5, n_out=3):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, n_x))
    if loss == "mse":
        return X, rng.normal(size=(m, n_out))
    if loss == "binary_crossentropy":
        return X, rng.integers(0, 2, size=(m, n_out))
    return X, rng.integers(0, n_out, size=m)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("loss", ["softmax_crossentropy", "binary_crossentropy", "mse"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
def test_any_thread_count_trains_the_same_bits(optimizer, loss, activation):
    X, y = _data(loss)
    runs = []
    for n in (1, 2, 3):
        net = Network([5, 7, 6, 3], activation=activation, loss=loss, keep_prob=0.7, l2=0.3, seed=4)
        history = fit(
            net, X, y, optimizer=optimizer, learning_rate=0.05, epochs=3, batch_size=61, n_threads=n
        )
        runs.append((net.theta.copy(), history.to_dict()))
    for theta, history in runs[1:]:
        np.testing.assert_array_equal(theta, runs[0][0])
        assert history == runs[0][1]


def test_using_threads_limits_blas_and_restores_it():
    with threadpool_limits(1, user_api="blas"):
        with threads.using_threads(2) as n:
            assert n == 2 and threads.current_threads() == 2
            assert threads.blas_threads() in (1, 2)  # 1 only where BLAS has one thread at most
        assert threads.blas_threads() == 1 and threads.current_threads() == 1


def test_by_default_training_follows_the_blas_limit_so_sweep_workers_get_one(monkeypatch):
    monkeypatch.delenv(threads.ENV_THREADS, raising=False)
    with threadpool_limits(1):
        assert threads.default_threads() == 1
        with threads.using_threads() as n:
            assert n == 1


def test_the_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv(threads.ENV_THREADS, "3")
    assert threads.default_threads() == 3
    monkeypatch.setenv(threads.ENV_THREADS, "-1")
    assert threads.default_threads() >= 1
    monkeypatch.setenv(threads.ENV_THREADS, "many")
    with pytest.raises(DeepRecipeError, match="DEEPRECIPE_NUM_THREADS='many'"):
        threads.default_threads()


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(DeepRecipeError, match=r"n_threads=.*accepted: a positive int, or -1"):
        threads.check_threads(bad)


def test_pytorchs_own_threads_follow_and_are_restored():
    torch = pytest.importorskip("torch", reason="PyTorch runs the torch backend's CPU kernels")
    before = torch.get_num_threads()
    with threads.using_threads(1):
        assert torch.get_num_threads() == 1
        with threads.using_threads(2):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
