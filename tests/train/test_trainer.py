"""The fit loop: optimizers, mini-batches, history, callbacks, early stopping, divergence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.train import (
    Adam,
    Callback,
    EarlyStopping,
    LearningRateDecay,
    Momentum,
    RMSprop,
    TimeLimit,
    Trainer,
    fit,
)


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=300) > 0).astype(int)
    return X[:200], y[:200], X[200:], y[200:]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_every_optimizer_learns(blobs, optimizer):
    X, y, Xd, yd = blobs
    net = Network([4, 16, 1], seed=0)
    lr = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.01, "adam": 0.01}[optimizer]
    history = fit(
        net,
        X,
        y,
        optimizer=optimizer,
        learning_rate=lr,
        epochs=30,
        batch_size=32,
        X_dev=Xd,
        y_dev=yd,
    )
    assert history.cost[-1] < 0.5 * history.cost[0]
    assert history.dev_error[-1] < 0.15
    assert len(history) == 30 and history.epoch == list(range(1, 31))


def test_adam_matches_torch(torch):
    theta = np.linspace(-1, 1, 12)
    grads = [np.cos(np.arange(12.0) * (k + 1)) for k in range(5)]
    ours = Adam(learning_rate=0.05)
    param = torch.tensor(theta.copy(), requires_grad=True)
    reference = torch.optim.Adam([param], lr=0.05, betas=(0.9, 0.999), eps=1e-8)
    for g in grads:
        ours.step(theta, g)
        param.grad = torch.tensor(g)
        reference.step()
    np.testing.assert_allclose(theta, param.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_rmsprop_matches_torch(torch):
    theta = np.linspace(-1, 1, 12)
    grads = [np.cos(np.arange(12.0) * (k + 1)) for k in range(5)]
    ours = RMSprop(learning_rate=0.05, beta=0.9)
    param = torch.tensor(theta.copy(), requires_grad=True)
    reference = torch.optim.RMSprop([param], lr=0.05, alpha=0.9, eps=1e-8)
    for g in grads:
        ours.step(theta, g)
        param.grad = torch.tensor(g)
        reference.step()
    np.testing.assert_allclose(theta, param.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_rmsprop_is_the_course_formula_and_resumes_from_its_state():
    theta, s = np.ones(3), np.zeros(3)
    opt = RMSprop(learning_rate=0.1, beta=0.9, epsilon=1e-8)
    expected = np.ones(3)
    for g in (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -1.0])):
        opt.step(theta, g)
        s = 0.9 * s + 0.1 * g**2
        expected -= 0.1 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)
    again = RMSprop()
    again.load_state_dict(opt.state_dict())
    assert again.t == 2 and again.beta == 0.9 and np.array_equal(again.s, opt.s)


def test_learning_rate_decay_is_the_courses_schedule(blobs):
    """alpha = alpha0 / (1 + decay_rate * floor(epoch / time_interval)), the lecture's and
    the optimization assignment's scheduled decay."""
    X, y, _, _ = blobs
    rates = []

    class Record(Callback):
        def on_epoch_begin(self, trainer):
            rates.append(trainer.optimizer.learning_rate)

    decay = LearningRateDecay(decay_rate=1.0, time_interval=2)
    trainer = Trainer(Network([4, 3, 1], seed=0), learning_rate=0.1, callbacks=[decay, Record()])
    trainer.fit(X, y, epochs=5)
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.1 / 3])
    trainer.fit(X, y, epochs=1)  # a later fit continues the schedule
    assert rates[-1] == pytest.approx(0.1 / 3)
    every = LearningRateDecay(0.5)
    fit(Network([4, 3, 1], seed=0), X, y, learning_rate=0.2, epochs=3, callbacks=[every])
    with pytest.raises(DeepRecipeError, match="time_interval"):
        LearningRateDecay(1.0, time_interval=0)


def test_momentum_is_the_course_average():
    theta, v = np.zeros(3), np.zeros(3)
    opt = Momentum(learning_rate=0.1, beta=0.9)
    expected = np.zeros(3)
    for g in (np.ones(3), 2 * np.ones(3)):
        opt.step(theta, g)
        v = 0.9 * v + 0.1 * g
        expected -= 0.1 * v
    np.testing.assert_allclose(theta, expected)


def test_full_batch_cost_is_the_cost_before_each_update(blobs):
    X, y, _, _ = blobs
    net = Network([4, 5, 1], dtype=np.float64, seed=0)
    reference = net.copy()
    history = fit(net, X, y, learning_rate=0.1, epochs=3, metrics_every=0)
    assert history.cost[0] == pytest.approx(reference.cost(X, y), rel=1e-12)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse"])
def test_full_batch_running_figures_are_those_of_the_weights_each_epoch_starts_from(blobs, loss):
    X, y, _, _ = blobs
    net = Network([4, 5, 1], loss=loss, dtype=np.float64, seed=0)
    starts = []
    probe = net.copy()
    for _ in range(3):  # the course's loop, one full-batch step at a time
        starts.append((probe.cost(X, y), probe.error(X, y)))
        fit(probe, X, y, learning_rate=0.1, epochs=1, metrics_every=0)
    history = fit(net, X, y, learning_rate=0.1, epochs=3)
    assert history.train_metrics == "running"
    assert history.cost == pytest.approx([c for c, _ in starts], rel=1e-12)
    assert history.train_error == pytest.approx([e for _, e in starts], rel=1e-12)
    np.testing.assert_array_equal(net.theta, probe.theta)


def test_minibatch_running_error_is_the_mean_of_each_batch_before_its_update(blobs):
    X, y, _, _ = blobs
    net = Network([4, 6, 1], dtype=np.float64, seed=0)
    probe = net.copy()
    # the trainer's shuffle: the first of two streams spawned from the seed
    order = np.random.default_rng(np.random.SeedSequence(3).spawn(2)[0]).permutation(200)
    wrong = cost = 0.0
    for start in range(0, 200, 64):
        index = order[start : start + 64]
        wrong += probe.error(X[index], y[index]) * len(index)
        cost += probe.loss_and_gradient(X[index], y[index, None].astype(float), m=200) * len(index)
        probe.theta -= 0.1 * probe.grad
    history = fit(net, X, y, learning_rate=0.1, epochs=1, batch_size=64, seed=3)
    assert history.cost[0] == pytest.approx(cost / 200, rel=1e-12)
    assert history.train_error[0] == pytest.approx(wrong / 200, rel=1e-12)
    np.testing.assert_allclose(net.theta, probe.theta, rtol=1e-12)


def test_exact_train_metrics_measure_the_whole_set_after_each_epoch(blobs):
    X, y, Xd, yd = blobs
    net = Network([4, 6, 1], seed=0, keep_prob=0.8)
    history = fit(
        net,
        X,
        y,
        learning_rate=0.1,
        epochs=2,
        batch_size=64,
        train_metrics="exact",
        X_dev=Xd,
        y_dev=yd,
    )
    assert history.train_metrics == "exact"
    assert history.train_error[-1] == net.error(X, y)
    assert history.dev_error[-1] == net.error(Xd, yd)


def test_minibatches_reshuffle_each_epoch_from_the_seed(blobs):
    X, y, _, _ = blobs
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, trainer, logs):
            seen.append(trainer.shuffle_rng.bit_generator.state["state"]["state"])

    fit(Network([4, 3, 1]), X, y, epochs=3, batch_size=50, seed=1, callbacks=[Spy()])
    assert len(set(seen)) == 3  # a fresh permutation each epoch


def test_shuffle_false_visits_the_rows_in_order_every_epoch(blobs):
    """Without shuffling, the seed no longer changes the batches: two seeds train identically,
    and the same as feeding the row-ordered batches by hand."""
    X, y, _, _ = blobs
    trained = []
    for seed in (0, 1):
        net = Network([4, 3, 1], seed=5, dtype="float64")
        Trainer(
            net,
            optimizer="gd",
            learning_rate=0.1,
            batch_size=64,
            seed=seed,
            shuffle=False,
            metrics_every=0,
        ).fit(X, y, epochs=2)
        trained.append(net.theta.copy())
    np.testing.assert_array_equal(trained[0], trained[1])
    by_hand = Network([4, 3, 1], seed=5, dtype="float64")
    for _ in range(2):
        for start in range(0, len(X), 64):
            by_hand.loss_and_gradient(
                X[start : start + 64], by_hand.prepare_targets(y[start : start + 64]), m=len(X)
            )
            by_hand.theta -= 0.1 * by_hand.grad
    np.testing.assert_allclose(trained[0], by_hand.theta, rtol=1e-12)
    shuffled = Network([4, 3, 1], seed=5, dtype="float64")
    Trainer(
        shuffled, optimizer="gd", learning_rate=0.1, batch_size=64, seed=0, metrics_every=0
    ).fit(X, y, epochs=2)
    assert not np.allclose(shuffled.theta, trained[0])


def test_augment_sees_only_training_batches(blobs):
    X, y, Xd, yd = blobs
    shapes = []

    def augment(batch, rng):
        shapes.append(batch.shape)
        return batch + rng.normal(scale=0.01, size=batch.shape).astype(batch.dtype)

    fit(Network([4, 3, 1]), X, y, epochs=2, batch_size=64, X_dev=Xd, y_dev=yd, augment=augment)
    assert shapes == [(64, 4), (64, 4), (64, 4), (8, 4)] * 2


def test_early_stopping_always_restores_the_best_weights(blobs):
    X, y, Xd, yd = blobs
    net = Network([4, 64, 64, 1], seed=0)
    snapshots = {}

    class Snapshot(Callback):
        def on_epoch_end(self, trainer, logs):
            snapshots[logs["epoch"]] = trainer.network.theta.copy()

    stopper = EarlyStopping(monitor="dev_cost", patience=1000)  # never stops: still restores
    history = fit(
        net,
        X,
        y,
        optimizer="adam",
        learning_rate=0.01,
        epochs=60,
        batch_size=16,
        X_dev=Xd,
        y_dev=yd,
        callbacks=[Snapshot(), stopper],
    )
    best = int(np.argmin(history.dev_cost)) + 1
    assert history.best_epoch == best
    np.testing.assert_array_equal(net.theta, snapshots[best])


def test_early_stopping_on_the_training_cost_restores_the_weights_that_cost_was_measured_on():
    """An epoch's cost is measured before its update: the weights restored must give it back.
    Learning rate 2.3 on this least-squares problem oscillates, so the best cost is early."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = X @ np.array([1.0, 2.0])
    net = Network([2, 1], loss="mse", dtype=np.float64, seed=0)
    history = fit(net, X, y, learning_rate=2.3, epochs=50,
                  callbacks=[EarlyStopping(monitor="cost", patience=3)])  # fmt: skip
    assert history.best_epoch is not None and history.stopped_early
    assert net.cost(X, y) == pytest.approx(min(history.cost), rel=1e-12)


def test_early_stopping_stops_after_patience(blobs):
    X, y, Xd, yd = blobs
    net = Network([4, 64, 64, 1], seed=0)
    history = fit(
        net,
        X,
        y,
        optimizer="adam",
        learning_rate=0.02,
        epochs=500,
        batch_size=16,
        X_dev=Xd,
        y_dev=yd,
        callbacks=[EarlyStopping(patience=5)],
    )
    assert history.stopped_early and len(history) < 500
    assert len(history) - history.best_epoch == 5


def test_divergence_guard_restores_last_good_weights(blobs):
    X, y, _, _ = blobs
    X = X * 100
    net = Network([4, 32, 1], loss="mse", seed=0, dtype=np.float64)
    history = fit(net, X, X[:, 0] * 100, learning_rate=10.0, epochs=50)
    assert history.diverged
    assert "lower learning rate" in history.message
    assert np.isfinite(net.theta).all()
    assert len(history) < 50


def test_a_guarded_divergence_says_so_once_not_in_numpy_overflow_warnings():
    """A new user's notebook filled with 'overflow encountered in matmul' and 'invalid value
    encountered in multiply' from a diverging trial, beside the guard's own message."""
    import warnings

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 5)) * 100, rng.normal(size=200) * 1e3
    kwargs = {"learning_rate": 10.0, "epochs": 5, "batch_size": 10}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        history = fit(Network([5, 20, 1], loss="mse", dtype="float32"), X, y, **kwargs)
    assert history.diverged and "lower learning rate" in history.message
    with pytest.warns(RuntimeWarning):  # unguarded, NumPy's warnings are the only sign left
        fit(
            Network([5, 20, 1], loss="mse", dtype="float32"), X, y, divergence_guard=False,
            **kwargs,
        )  # fmt: skip


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"epochs": 0}, "epochs=0"),
        ({"learning_rate": -1.0}, "learning_rate=-1.0"),
        ({"optimizer": "adagrad"}, "optimizer='adagrad'"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"X_dev": np.ones((3, 4))}, "X_dev and y_dev"),
        ({"train_metrics": "full"}, "train_metrics='full'"),
        ({"n_threads": 0}, "n_threads=0"),
    ],
)
def test_bad_training_settings(blobs, kwargs, fragment):
    X, y, _, _ = blobs
    with pytest.raises(DeepRecipeError, match=fragment):
        fit(Network([4, 3, 1]), X, y, **kwargs)


def test_trainer_continues_where_it_stopped(blobs):
    X, y, _, _ = blobs
    a, b = Network([4, 8, 1], seed=0), Network([4, 8, 1], seed=0)
    Trainer(a, optimizer="adam", batch_size=32, seed=5).fit(X, y, epochs=6)
    twice = Trainer(b, optimizer="adam", batch_size=32, seed=5)
    twice.fit(X, y, epochs=2)
    twice.fit(X, y, epochs=4)
    assert twice.epoch == 6
    np.testing.assert_array_equal(a.theta, b.theta)


def test_early_stopping_counts_measurements_when_metrics_are_sparse(blobs):
    X, y, Xd, yd = blobs
    net = Network([4, 64, 64, 1], seed=0)
    history = fit(
        net,
        X,
        y,
        optimizer="adam",
        learning_rate=0.02,
        epochs=500,
        batch_size=16,
        X_dev=Xd,
        y_dev=yd,
        metrics_every=5,
        callbacks=[EarlyStopping(patience=3)],
    )
    assert history.stopped_early and history.best_epoch % 5 == 0
    assert len(history) - history.best_epoch == 15  # three measurements, five epochs apart


def test_time_limit_stops_at_the_end_of_the_epoch_that_passes_it(blobs):
    X, y, Xd, yd = blobs
    limit = TimeLimit(seconds=0)
    history = fit(Network([4, 8, 1], seed=0), X, y, epochs=50, callbacks=[limit])
    assert limit.reached and len(history) == 1
    later = TimeLimit(until=time.time() + 3600)
    history = fit(Network([4, 8, 1], seed=0), X, y, epochs=5, callbacks=[later])
    assert not later.reached and len(history) == 5


def test_a_time_limit_with_early_stopping_still_restores_the_best_weights(blobs):
    X, y, Xd, yd = blobs
    net = Network([4, 8, 1], seed=0)
    es = EarlyStopping(patience=100)
    fit(net, X, y, epochs=50, X_dev=Xd, y_dev=yd, callbacks=[es, TimeLimit(seconds=0)])
    assert es.best_epoch == 1


@pytest.mark.parametrize("kwargs", [{}, {"seconds": 1.0, "until": 2.0}, {"seconds": -1.0}])
def test_a_time_limit_takes_exactly_one_valid_setting(kwargs):
    with pytest.raises(DeepRecipeError, match="seconds"):
        TimeLimit(**kwargs)


def test_a_trainer_pickles_after_fit(blobs):
    """The full batch's error counter is a closure: kept on the trainer, it made a fitted
    Trainer unpicklable (and held the targets alive)."""
    import pickle

    X, y, _, _ = blobs
    trainer = Trainer(Network([X.shape[1], 4, 1], seed=0))
    trainer.fit(X, y, epochs=3)
    again = pickle.loads(pickle.dumps(trainer))
    assert again.history.train_error == trainer.history.train_error
