"""The mini-batch gather: the same rows in the same order on any thread count, ahead or not."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from deeprecipe.nn import Network
from deeprecipe.train import batches, fit
from deeprecipe.train.batches import BatchGatherer


def _gathered(X, targets, order, batch, threads):
    with BatchGatherer(X, targets, batch, threads) as gatherer:
        return [(xb.copy(), tb.copy()) for xb, tb in gatherer.batches(order)]


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
@pytest.mark.parametrize("ahead_bytes", [1, 700, 1 << 20])
def test_batches_are_the_rows_of_the_order_whatever_the_threads_and_the_lookahead(
    monkeypatch, threads, ahead_bytes
):
    monkeypatch.setattr(batches, "AHEAD_BYTES", ahead_bytes)
    monkeypatch.setattr(batches, "MIN_SPLIT_BYTES", 64)  # split even these small gathers
    rng = np.random.default_rng(0)
    X = rng.normal(size=(103, 7)).astype(np.float32)
    targets = rng.normal(size=(103, 3))
    order = rng.permutation(103)
    got = _gathered(X, targets, order, 10, threads)
    assert [len(xb) for xb, _ in got] == [10] * 10 + [3]  # the last batch holds the rest
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), X[order])
    np.testing.assert_array_equal(np.concatenate([tb for _, tb in got]), targets[order])


def test_the_rows_are_split_among_threads_and_the_pool_ends_with_the_gatherer(monkeypatch):
    monkeypatch.setattr(batches, "MIN_SPLIT_BYTES", 64)
    X, targets = np.ones((400, 8)), np.zeros(400, dtype=np.int64)
    rows_of_X = []
    take = np.take

    def recording_take(a, index, *args, **kwargs):
        if a is X:
            rows_of_X.append(len(index))
        return take(a, index, *args, **kwargs)

    monkeypatch.setattr(batches.np, "take", recording_take)
    before = threading.active_count()
    with BatchGatherer(X, targets, 50, threads=3) as gatherer:
        assert len(list(gatherer.batches(np.arange(400)))) == 8
        assert threading.active_count() > before
    assert sorted(rows_of_X) == [133, 133, 134]  # all 400 rows at once, in three blocks
    assert threading.active_count() == before


def test_a_small_gather_stays_in_the_calling_thread():
    X, targets = np.ones((100, 4)), np.zeros(100)
    with BatchGatherer(X, targets, 10, threads=8) as gatherer:
        assert gatherer._pool is None  # 3 KiB: a hand-over would cost more than the copy


def test_training_gathered_on_several_threads_is_the_same_bits(monkeypatch):
    monkeypatch.setattr(batches, "MIN_SPLIT_BYTES", 64)
    monkeypatch.setattr(batches, "AHEAD_BYTES", 4000)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(301, 6)), rng.integers(0, 3, size=301)
    runs = []
    for n in (1, 2, 4):
        net = Network([6, 8, 3], loss="softmax_crossentropy", keep_prob=0.8, seed=1)
        history = fit(net, X, y, optimizer="adam", epochs=3, batch_size=32, n_threads=n)
        runs.append((net.theta.copy(), history.to_dict()))
    for theta, history in runs[1:]:
        np.testing.assert_array_equal(theta, runs[0][0])
        assert history == runs[0][1]
