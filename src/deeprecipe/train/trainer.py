"""The fit loop: mini-batches reshuffled each epoch from the seed, callbacks, a divergence guard.

One epoch visits every training example once. With ``batch_size=None`` (or >= m) each epoch is
one full-batch step, exactly the course's "iteration". Mini-batches are gathered by index into a
preallocated buffer (rows of ``X``, never columns), so no epoch copies the whole dataset.

What each per-epoch figure means (none costs a pass of its own over the training set):

- ``cost``: J (L2 included) of each mini-batch, measured in its training pass (dropout on)
  before that batch's update, averaged over the epoch weighted by batch size. Full-batch, it is
  exactly the course's cost of the weights the epoch starts from.
- ``train_error`` (``train_metrics="running"``, the default): the error of the same passes,
  averaged the same way: the running mean Keras reports as ``accuracy``. Full-batch without
  dropout it is the exact training error of the weights the epoch starts from; with mini-batches
  it is measured along the epoch's path, so it lags the weights the epoch ends with.
  ``train_metrics="exact"`` measures instead the error of the weights the epoch ends with, over
  the whole training set in prediction mode: a forward pass over it each measured epoch, about a
  third of an epoch's work. Exact figures at the end: ``network.error(X, y)``.
- ``dev_cost``, ``dev_error``: exact, over the whole dev set in prediction mode, on the weights
  the epoch ends with (a forward pass over the dev set, in chunks: ``Network._evaluate``).
  ``dev_cost`` is J on dev, the L2 term included (as Keras's ``val_loss``), so it tracks the
  objective early stopping watches; across values of lambda compare the dev loss alone:
  ``network.cost(X_dev, y_dev, l2_term=False)`` (what validation curves and the recipe use).

Threads: :func:`fit` runs on ``n_threads`` threads (default: ``DEEPRECIPE_NUM_THREADS``, else the
BLAS thread count in effect, which sweeps hold to one per worker): BLAS and PyTorch's CPU
kernels are limited to that many, and NumPy's element-wise work runs in the calling thread
(:mod:`deeprecipe._threads` says why); the weights come out the same bits whatever the count.

Off NumPy (a network on PyTorch, CuPy, ...: :mod:`deeprecipe.nn.backends`) the data are
validated on the host and moved to the device once per :func:`fit`; each epoch's order is drawn
on the host from the same seed, mini-batches are gathered on the device, and the epoch's cost
is read back once per epoch, not once per step (which would wait for the GPU every time).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deeprecipe._threads import check_threads, using_threads
from deeprecipe._validation import check_choice, check_number, check_seed_sequence
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.events import fan_out
from deeprecipe.nn.network import Network
from deeprecipe.train.callbacks import Callback, PublishEvents
from deeprecipe.train.history import History
from deeprecipe.train.optimizers import Optimizer, get_optimizer

Augmenter = Callable[[np.ndarray, np.random.Generator], np.ndarray]

#: how the per-epoch training error is measured (see the module docstring)
TRAIN_METRICS = ("running", "exact")

_NO_CONTEXT = contextlib.nullcontext()

#: the guard stops training when the epoch cost exceeds this many times max(first cost, 1)
DIVERGENCE_FACTOR = 1e3

DIVERGENCE_ADVICE = (
    "try a lower learning rate, an initialization suited to the activation (He for ReLU, "
    "Xavier for tanh), or normalized inputs"
)


class Trainer:
    """Trains a :class:`Network` on ``(X, y)``; holds every piece of state a resume needs."""

    def __init__(
        self,
        network: Network,
        *,
        optimizer: str | Optimizer = "gd",
        learning_rate: float | None = None,
        batch_size: int | None = None,
        seed: int | np.random.Generator | None = 0,
        callbacks: Sequence[Callback] = (),
        augment: Augmenter | None = None,
        metrics_every: int = 1,
        divergence_guard: bool = True,
        train_metrics: str = "running",
        n_threads: int | None = None,
        shuffle: bool = True,
    ) -> None:
        self.network = network
        self.optimizer = get_optimizer(optimizer, learning_rate)
        if batch_size is not None:
            batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
        self.batch_size = batch_size
        if isinstance(callbacks, Callback):
            callbacks = [callbacks]
        if not isinstance(callbacks, (list, tuple)):
            raise DeepRecipeTypeError(
                f"callbacks={callbacks!r}; accepted: a list of deeprecipe.train.Callback instances"
            )
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise DeepRecipeTypeError(
                    f"callbacks contains {callback!r}; accepted: deeprecipe.train.Callback "
                    "instances (subclass Callback and override its hooks)"
                )
        if augment is not None and not callable(augment):
            raise DeepRecipeTypeError(
                f"augment={augment!r} is not callable; accepted: None or a function "
                "augment(X_batch, rng) -> X_batch"
            )
        self.augment = augment
        self.metrics_every = int(check_number("metrics_every", metrics_every, low=0, integer=True))
        self.train_metrics = check_choice("train_metrics", train_metrics, TRAIN_METRICS)
        self.n_threads = None if n_threads is None else check_threads(n_threads)
        self.divergence_guard = divergence_guard
        self.shuffle = bool(shuffle)  # False: mini-batches in row order every epoch
        shuffle_seq, augment_seq = check_seed_sequence(seed).spawn(2)
        self.shuffle_rng = np.random.default_rng(shuffle_seq)
        self.augment_rng = np.random.default_rng(augment_seq)
        self.history = History(metric=network.task.metric)  # a rate, or an MSE
        self.epoch = 0
        self.stop_training = False
        self.measures_dev = False  # set by fit(): whether dev figures will be in the logs

    # ----------------------------------------------------------------- the loop
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int = 100,
        X_dev: Any = None,
        y_dev: Any = None,
    ) -> History:
        """Run ``epochs`` more epochs (callbacks may stop earlier); return the history."""
        epochs = int(check_number("epochs", epochs, low=1, integer=True))
        # a diverging run overflows; the guard says so in one message (history.message), so
        # NumPy's overflow / invalid-value warnings from every pass would only repeat it
        quiet = np.errstate(over="ignore", invalid="ignore", divide="ignore")
        with using_threads(self.n_threads), quiet if self.divergence_guard else _NO_CONTEXT:
            return self._fit(X, y, epochs, X_dev, y_dev)

    def _fit(self, X, y, epochs, X_dev, y_dev) -> History:
        net = self.network
        on_host = net.backend.in_place
        # off NumPy, X is moved to the device once (data already there stay), labels to the host
        X = net.check_inputs(X, "X") if on_host else net.inputs_on_device(X, "X")
        y, y_dev = net.fetched(y), net.fetched(y_dev)
        targets = net.prepare_targets(y, X.shape[0])
        dev = None
        if (X_dev is None) != (y_dev is None):
            raise DeepRecipeError("X_dev and y_dev go together; give both or neither")
        if X_dev is not None:
            X_dev = (
                net.check_inputs(X_dev, "X_dev")
                if on_host
                else net.inputs_on_device(X_dev, "X_dev")
            )
            dev = (X_dev, net.prepare_targets(y_dev, X_dev.shape[0], name="y_dev"), y_dev)

        m = X.shape[0]
        batch = m if self.batch_size is None else min(self.batch_size, m)
        x_buffer = t_buffer = None
        if on_host:  # the mini-batches' rows are gathered into these
            x_buffer = np.empty((batch, X.shape[1]), dtype=X.dtype)
            t_buffer = np.empty((batch, *targets.shape[1:]), dtype=targets.dtype)
        # An epoch's cost is measured on the weights it starts from (exactly so in full-batch
        # training), so the weights worth restoring are those at the START of the last epoch
        # whose cost was good, not those its update produced.
        epoch_start = net.backend.copy(net.theta)
        last_good = net.backend.copy(net.theta)
        self._on_device = None
        if not on_host:  # moved once: the epochs' passes read these
            self._on_device = (X, net.backend.asarray(targets))
        full_counter = None  # a full batch's errors, every epoch, counted by one counter
        if batch == m and self.augment is None:
            full_counter = net._error_counter(targets if on_host else self._on_device[1])
        last_good_epoch = self.epoch + 1
        first_cost: float | None = None

        self.stop_training = False
        self.history.train_metrics = self.train_metrics
        self.measures_dev = dev is not None and self.metrics_every > 0
        for callback in self.callbacks:
            callback.on_train_begin(self)
        final_epoch = self.epoch + epochs
        while self.epoch < final_epoch and not self.stop_training:
            if self.divergence_guard:
                epoch_start[...] = net.theta
            for callback in self.callbacks:
                callback.on_epoch_begin(self)
            every = self.metrics_every
            measured = every and ((self.epoch + 1) % every == 0 or self.epoch + 1 == final_epoch)
            running = measured and self.train_metrics == "running"
            cost, error = self._run_epoch(
                X, targets, m, batch, x_buffer, t_buffer, running, full_counter
            )
            self.epoch += 1
            if self.divergence_guard:
                first_cost = cost if first_cost is None else first_cost
                if not np.isfinite(cost) or cost > DIVERGENCE_FACTOR * max(first_cost, 1.0):
                    net.theta = last_good
                    self.history.diverged = True
                    bound = f"beyond {DIVERGENCE_FACTOR:.0f} x max(first cost, 1)"
                    self.history.message = (
                        f"training diverged at epoch {self.epoch} (cost {cost:.4g}, "
                        f"{'not finite' if not np.isfinite(cost) else bound}); the "
                        f"weights from the start of epoch {last_good_epoch}, the last epoch whose "
                        f"cost stayed in bounds, were restored; {DIVERGENCE_ADVICE}"
                    )
                    break
                last_good[...] = epoch_start
                last_good_epoch = self.epoch
            logs = {"epoch": self.epoch, "cost": cost}
            if measured:
                # the data were validated once above: evaluate them in chunks, without
                # validating (or copying) them again each epoch
                logs["train_error"] = (
                    error if running else net._evaluate(X, targets, y=y, cost=False)[1]
                )
                if dev is not None:
                    logs["dev_cost"], logs["dev_error"] = net._evaluate(
                        dev[0], dev[1], y=dev[2], m=m
                    )
            self.history.append(logs)
            for callback in self.callbacks:
                callback.on_epoch_end(self, logs)
        for callback in self.callbacks:
            callback.on_train_end(self)
        net.clear_cache()
        return self.history

    def _run_epoch(self, X, targets, m, batch, x_buffer, t_buffer, errors, full_counter) -> tuple:
        """One epoch: ``(cost, train error)``, running means over its training passes (the
        error is None unless ``errors``; a full batch's are counted by ``full_counter``)."""
        net, step = self.network, self.optimizer.step
        if not net.backend.in_place:
            return self._run_epoch_array(X, targets, m, batch, errors, full_counter)
        if batch == m and self.augment is None:
            cost = net.loss_and_gradient(X, targets, m=m)
            error = None
            if errors:
                wrong, count = net._training_errors_array(full_counter)
                error = float(wrong) / count
            step(net.theta, net.grad)
            return cost, error
        order = self._order(m, batch)
        total = wrong = 0.0
        for start in range(0, m, batch):
            index = order[start : start + batch]
            k = len(index)
            xb, tb = x_buffer[:k], t_buffer[:k]
            # the indices are a permutation of range(m): mode="clip" skips the default mode's
            # bounds check, which gathers into a temporary and copies it into out
            np.take(X, index, axis=0, out=xb, mode="clip")
            np.take(targets, index, axis=0, out=tb, mode="clip")
            if self.augment is not None:
                xb = self.augment(xb, self.augment_rng)
            total += net.loss_and_gradient(xb, tb, m=m) * k
            if errors:  # the pass's own logits, before the update changes the weights
                wrong += net.training_error(tb) * k
            step(net.theta, net.grad)
        return total / m, (wrong / m if errors else None)

    def _order(self, m: int, batch: int) -> np.ndarray:
        """The epoch's row order: a new shuffle over mini-batches (``shuffle``), else 0..m-1."""
        if batch < m and self.shuffle:
            return self.shuffle_rng.permutation(m)
        return np.arange(m)

    def _run_epoch_array(self, X, targets, m, batch, errors, full_counter) -> tuple:
        """:meth:`_run_epoch` off NumPy: the same batches from the same order, gathered on the
        device (augmented ones on the host, then moved), the updates functional; the running
        figures summed on the device and read once."""
        net, step, backend = self.network, self.optimizer.step, self.network.backend
        X_on, t_on = self._on_device
        # one copy an epoch: none that waits at each step
        order_on = backend.asarray(self._order(m, batch))
        total, wrong, counted = 0.0, 0, 0  # wrong: an int, as counts of wrong labels are
        for start in range(0, m, batch):
            stop = min(start + batch, m)  # the standard leaves a slice past the end unspecified
            rows = order_on[start:stop]
            if batch == m and self.augment is None:
                xb, tb = X_on, t_on
            elif self.augment is not None:
                # augmenters work on NumPy arrays: gathered here, augmented there, moved back
                xb = backend.to_host(backend.take_rows(X_on, rows))
                xb = backend.asarray(self.augment(xb, self.augment_rng))
                tb = backend.take_rows(t_on, rows)
            else:
                xb, tb = backend.take_rows(X_on, rows), backend.take_rows(t_on, rows)
            total = total + net._cost_and_gradient(xb, tb, m=m) * (stop - start)
            if errors:  # counts of wrong predictions, summed on the device and read once
                count_errors = full_counter or net._error_counter(tb)
                batch_wrong, batch_count = net._training_errors_array(count_errors)
                wrong, counted = wrong + batch_wrong, counted + batch_count
            net.theta = step(net.theta, net.grad)
        return backend.scalar(total) / m, (backend.scalar(wrong) / counted if errors else None)


def fit(
    network: Network,
    X: Any,
    y: Any,
    *,
    optimizer: str | Optimizer = "gd",
    learning_rate: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int | np.random.Generator | None = 0,
    X_dev: Any = None,
    y_dev: Any = None,
    callbacks: Sequence[Callback] = (),
    augment: Augmenter | None = None,
    metrics_every: int = 1,
    divergence_guard: bool = True,
    train_metrics: str = "running",
    n_threads: int | None = None,
    shuffle: bool = True,
    progress: bool = False,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> History:
    """Train ``network`` in place and return its :class:`History`.

    ``optimizer`` is ``gd`` (the course's batch/mini-batch gradient descent), ``momentum``,
    ``rmsprop`` or ``adam``; ``callbacks=[LearningRateDecay(decay_rate, time_interval)]`` decays
    its learning rate as the course does. ``batch_size=None`` trains full-batch; mini-batches
    are drawn from a new shuffle each epoch (``shuffle=False``: in row order).
    ``augment(X_batch, rng)`` transforms each training mini-batch (never dev data). Nothing is
    printed unless ``progress=True`` (a rich progress bar, in a terminal or in Jupyter);
    ``on_event`` receives the training's events
    (``train_start``, ``epoch_end``, ``train_end``; see :mod:`deeprecipe.events`), which also
    go to ``logging.getLogger("deeprecipe")``.

    Every ``metrics_every`` epochs (and at the last) the history records the training error
    and, given ``X_dev``/``y_dev``, the dev cost and error (``0``: the cost only). The training
    figures are running means of the epoch's own mini-batch passes (``train_metrics="running"``),
    which cost nothing extra; ``"exact"`` measures the whole training set after the epoch
    instead (the module docstring says what each figure means).

    ``n_threads``: threads for the matrix products (``-1``: every core; NumPy's element-wise
    work runs in the calling thread); by default ``DEEPRECIPE_NUM_THREADS``, else the BLAS
    thread count in effect (``OMP_NUM_THREADS``, ``threadpoolctl.threadpool_limits``). The
    result does not depend on it. On a machine busy with other work, use fewer threads than
    cores: BLAS's threads wait for each other at every product, and one that is not scheduled
    stalls them all (a small network then trains several times slower on two threads than on
    one, as a plain NumPy loop does).
    """
    trainer = Trainer(
        network,
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=batch_size,
        seed=seed,
        callbacks=callbacks,
        augment=augment,
        metrics_every=metrics_every,
        divergence_guard=divergence_guard,
        train_metrics=train_metrics,
        n_threads=n_threads,
        shuffle=shuffle,
    )
    with _progress_listener(progress, on_event) as listener:
        trainer.callbacks.append(PublishEvents(listener, epochs=epochs))
        return trainer.fit(X, y, epochs=epochs, X_dev=X_dev, y_dev=y_dev)


@contextlib.contextmanager
def _progress_listener(progress: bool, on_event: Any):
    """``on_event``, and progress bars for the duration of the block when asked."""
    if on_event is not None and not callable(on_event):
        raise DeepRecipeTypeError(f"on_event={on_event!r}; accepted: a function of one dict")
    if not progress:
        yield on_event
        return
    from deeprecipe.progress import ProgressView, progress_bars

    with progress_bars() as bars:
        yield fan_out([ProgressView(bars), on_event])
