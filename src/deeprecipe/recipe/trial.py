"""One trial: train one configuration on one dataset and measure it. A pure function.

A trial is fully described by its *spec* (plain JSON data: architecture, regularization,
optimizer, epochs, seed) and the :class:`TrialData` it runs on. :func:`run_trial` builds the
network, the optimizer and any augmenter inside the process that runs it, trains with BLAS
held to one thread, and returns plain numbers plus the trained parameter vector. The same spec
on the same data therefore gives bit-identical results in this process, in a local worker
process or on a Dask worker of another machine, and :func:`trial_key` (a hash of spec, data
fingerprint and seed) names the result wherever it is stored.

Trials train in float64 by default (``dtype`` in the spec). Measured on this project's machines:
float32 training of the same spec on the same data gave different low bits in a Dask worker's
executor thread than in the main thread (and so, after thousands of epochs, slightly different
weights), while float64 gave bit-identical results in the main process, loky workers and Dask
workers. Reproducibility of the recipe's decisions is worth the slower arithmetic here.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.network import Network
from deeprecipe.task import get_task
from deeprecipe.train.callbacks import EarlyStopping, TimeLimit
from deeprecipe.train.spec import NetworkSpec, build_network
from deeprecipe.train.targets import rescale_output
from deeprecipe.train.trainer import fit

#: bump when the meaning of a spec or of a stored result changes: old records are then ignored
TRIAL_FORMAT = 2  # 2: regression trials train on standardized targets


def make_spec(base: Mapping[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A trial spec in its plain form: :class:`~deeprecipe.train.spec.NetworkSpec`'s defaults,
    then ``base``, then ``changes``, checked; unknown keys are refused. Trials travel (to
    workers, to the record) and are hashed in this form."""
    return NetworkSpec.from_dict(base, **changes).to_dict()


@dataclass(frozen=True, eq=False)
class TrialData:
    """What every trial of a run trains on: normalized train and dev arrays and their targets.

    Inputs are stored C-contiguous in float64, the same layout in every process (BLAS takes other
    code paths for Fortran-ordered or strided inputs, and rounds differently).

    ``X_dev``/``y_dev`` may be None (a refit on train + dev). ``scaler`` is the fitted input
    scaler, needed only to augment images in raw pixel units. The test set is never here.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray | None
    y_dev: np.ndarray | None
    loss: str
    n_outputs: int
    image_shape: tuple[int, ...] | None = None
    scaler: Any = None
    fingerprint: str = field(default="", compare=False)
    #: where the trials train (``cuda``; ``backend="torch"``; None: NumPy): not in the
    #: fingerprint, since a result does not depend on it beyond rounding
    device: str | None = field(default=None, compare=False)
    backend: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # One memory layout everywhere: pickling to a worker would otherwise change it.
        for name in ("X_train", "X_dev"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, np.ascontiguousarray(value, dtype=np.float64))
        for name in ("y_train", "y_dev"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, np.ascontiguousarray(value))
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", self._fingerprint())

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        parts = [self.X_train, self.y_train, self.X_dev, self.y_dev]
        if self.scaler is not None and hasattr(self.scaler, "state_dict"):
            parts += list(self.scaler.state_dict().values())
        for array in parts:
            if array is None:
                digest.update(b"none")
                continue
            array = np.ascontiguousarray(array)
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(array.tobytes())
        meta = {"loss": self.loss, "n_outputs": self.n_outputs, "image_shape": self.image_shape}
        digest.update(json.dumps(meta, sort_keys=True).encode())
        return digest.hexdigest()[:32]

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])


def trial_key(spec: Mapping[str, Any], data: TrialData) -> str:
    """sha256 of (format, spec, data fingerprint); the seed is part of the spec."""
    payload = json.dumps(
        {"format": TRIAL_FORMAT, "spec": make_spec(spec), "data": data.fingerprint},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def trial_network(spec: Mapping[str, Any], data: TrialData) -> Network:
    """The untrained network a plain spec describes on ``data`` (initialized from its seed)."""
    head = get_task(data.loss)
    return build_network(
        NetworkSpec.from_dict(spec),
        data.n_features,
        data.n_outputs,
        head,
        backend=data.backend,
        device=data.device,
    )


def _augmenter(spec: Mapping[str, Any], data: TrialData):
    setting = spec["augment"]
    if not setting:
        return None
    from deeprecipe.data.augment import GaussianNoise, ImageAugmenter

    kind = setting.get("kind")
    if kind == "noise":
        return GaussianNoise(setting["std"])
    if kind == "image":
        if data.image_shape is None:
            raise DeepRecipeError("image augmentation needs image_shape; accepted: (h, w[, c])")
        options = {k: v for k, v in setting.items() if k != "kind"}
        return ImageAugmenter(data.image_shape, scaler=data.scaler, **options)
    raise DeepRecipeError(f"augment kind {kind!r} is not known; accepted: noise, image")


def _subset(spec: Mapping[str, Any], data: TrialData) -> tuple[np.ndarray, np.ndarray]:
    """The first ``train_fraction`` of a seeded permutation of the training rows."""
    fraction = float(spec["train_fraction"])
    if fraction >= 1.0:
        return data.X_train, data.y_train
    m = len(data.X_train)
    order = np.random.default_rng(spec["seed"]).permutation(m)
    keep = np.sort(order[: max(1, math.ceil(fraction * m))])
    return data.X_train[keep], data.y_train[keep]


def _finite(value: Any) -> Any:
    """Floats made JSON-safe: NaN and infinity become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def target_scale(data: TrialData) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Per-output mean and standard deviation of a regression's training targets (None for a
    classifier). A constant output keeps the spread 1. The task owns the rule."""
    return get_task(data.loss).target_scale(data.y_train)


def run_trial(
    spec: Mapping[str, Any], data: TrialData, *, deadline: float | None = None, threads: int = 1
) -> tuple[dict[str, Any], np.ndarray]:
    """Train ``spec`` on ``data``; return ``(result, theta)``.

    ``deadline`` (a :func:`time.time` value): the recipe's wall-time budget. The training stops
    at the first epoch that ends after it, and the result says ``cut_short``: it is then no
    longer a function of the spec alone, and a resumed run trains it again.

    ``result`` is plain JSON data: the key, the spec, final train/dev errors, the data loss on
    dev without the L2 term (a tie-breaker that does not penalize regularization), the history
    (cost curves), where and how long it ran. ``theta`` is the trained parameter vector.

    A regression trains on standardized targets, ``t = (y - mean) / std`` per output, so its
    history (cost and errors per epoch) is in those units; the scale is then folded into the
    output layer, and the errors and ``theta`` are in the targets' own units.
    ``target_variance`` (per output, ``std ** 2``; None for a classifier) turns the history's
    squared errors into those units.

    ``threads``: the BLAS threads of its matrix products; 1 where trials run side by side (so
    nothing oversubscribes), the cores the workers would share when a step has one trial
    (a baseline). The result is the same bits on any count (see :mod:`deeprecipe._threads`).
    """
    from threadpoolctl import threadpool_limits

    spec = make_spec(spec)
    start = time.perf_counter()
    with threadpool_limits(limits=threads):
        net = trial_network(spec, data)
        X, y = _subset(spec, data)
        has_dev = data.X_dev is not None
        callbacks = []
        if spec["early_stopping"] and has_dev:
            es = spec["early_stopping"]
            callbacks.append(
                EarlyStopping(
                    monitor=es.get("monitor", "dev_cost"),
                    patience=es["patience"],
                    min_delta=es.get("min_delta", 0.0),
                )
            )
        limit = None if deadline is None else TimeLimit(until=deadline)
        if limit is not None:
            callbacks.append(limit)
        # a regression trains on standardized targets (the step sizes and the L2 term then do
        # not depend on the target's units); the scale is folded back into the output layer
        centre, spread = target_scale(data)
        history = fit(
            net,
            X,
            net.task.standardize(y, centre, spread),
            optimizer=spec["optimizer"],
            learning_rate=spec["learning_rate"],
            epochs=spec["epochs"],
            batch_size=spec["batch_size"],
            seed=spec["seed"],
            X_dev=data.X_dev if has_dev else None,
            y_dev=net.task.standardize(data.y_dev, centre, spread) if has_dev else None,
            callbacks=callbacks,
            augment=_augmenter(spec, data),
            metrics_every=spec["metrics_every"],
            n_threads=threads,
        )
        rescale_output(net, net.task.fold_scale, centre, spread)
        result = {
            "key": trial_key(spec, data),
            "spec": spec,
            "n_train": int(len(X)),
            "train_error": net.error(X, y),
            "train_loss": float(net.cost(X, y, l2_term=False)),
            "dev_error": net.error(data.X_dev, data.y_dev) if has_dev else None,
            "dev_loss": float(net.cost(data.X_dev, data.y_dev, l2_term=False)) if has_dev else None,
            "epochs_run": len(history),
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
            "cut_short": limit is not None and limit.reached,
            "diverged": history.diverged,
            "message": history.message,
            "history": {k: _finite(v) for k, v in history.to_dict().items()},
            "target_variance": None if spread is None else (spread**2).tolist(),
            "seconds": time.perf_counter() - start,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
    result = {k: _finite(v) for k, v in result.items()}
    return result, net.get_theta()


def network_from_trial(spec: Mapping[str, Any], data: TrialData, theta: np.ndarray) -> Network:
    """Rebuild a trained network from its spec and stored parameter vector."""
    net = trial_network(spec, data)
    theta = np.asarray(theta)
    if theta.shape != net.theta.shape:
        raise DeepRecipeError(
            f"stored parameters have shape {theta.shape}; this spec needs {net.theta.shape}"
        )
    net.theta = theta
    return net
