"""Checkpoints that let a killed training resume bit for bit.

A checkpoint holds everything the next epoch depends on: the weights, the optimizer's moments
and step count, the three random streams (mini-batch shuffling, augmentation, dropout), the
epoch reached and the history so far. It is one safetensors file (arrays) with JSON metadata,
written to a temporary file, fsynced and renamed, so a kill at any instant leaves either the
previous checkpoint or the new one, never a truncated file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._files import atomic_write_bytes
from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn.network import Network
from deeprecipe.train.callbacks import Callback
from deeprecipe.train.history import History
from deeprecipe.train.trainer import Trainer

FORMAT = "deeprecipe.checkpoint"
FORMAT_VERSION = "1"


def save_checkpoint(path: str | os.PathLike, trainer: Trainer) -> Path:
    """Write the trainer's complete state to ``path`` atomically."""
    from deeprecipe.io import content_digest, safetensors_bytes

    optimizer_state = trainer.optimizer.state_dict()
    arrays = {"theta": trainer.network.get_theta()}
    scalars = {}
    for key, value in optimizer_state.items():
        if hasattr(value, "__dlpack__"):  # a moment, on the network's device or the host
            arrays[f"optimizer.{key}"] = trainer.network.backend.to_host(value)
        elif value is not None:
            scalars[key] = value
    state = {
        "network": trainer.network.config,
        "optimizer": scalars,
        "epoch": trainer.epoch,
        "batch_size": trainer.batch_size,
        "metrics_every": trainer.metrics_every,
        "train_metrics": trainer.train_metrics,
        "rng": {
            "shuffle": trainer.shuffle_rng.bit_generator.state,
            "augment": trainer.augment_rng.bit_generator.state,
            "dropout": trainer.network.rng.bit_generator.state,
        },
        "history": trainer.history.to_dict(),
    }
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "state": json.dumps(state)}
    tensors = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    metadata["sha256"] = content_digest(metadata, tensors)
    return atomic_write_bytes(path, safetensors_bytes(tensors, metadata))


def load_checkpoint(path: str | os.PathLike, **trainer_kwargs: Any) -> Trainer:
    """Rebuild the :class:`Trainer` saved at ``path``, ready to ``fit`` the remaining epochs.

    ``trainer_kwargs`` passes what a checkpoint cannot hold (``callbacks``, ``augment``).
    A damaged checkpoint (a flipped bit anywhere, a truncated file, a record that does not
    parse) is refused with a :class:`DeepRecipeError`; it never loads different weights.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    from deeprecipe.io import content_digest

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeepRecipeError(f"checkpoint {path} cannot be read: {exc.strerror}") from None
    try:
        tensors = load(data)
        header_size = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_size])["__metadata__"]
    except (SafetensorError, ValueError, KeyError, TypeError):
        raise DeepRecipeError(f"{path} is not a readable deeprecipe checkpoint") from None
    if not isinstance(metadata, dict) or (
        metadata.get("format") != FORMAT or metadata.get("format_version") != FORMAT_VERSION
    ):
        raise DeepRecipeError(f"{path} is not a deeprecipe checkpoint (version {FORMAT_VERSION})")
    if metadata.get("sha256") != content_digest(metadata, tensors):
        raise DeepRecipeError(f"checkpoint {path} is damaged: its checksum does not match")
    try:
        return _trainer_from_state(json.loads(metadata["state"]), tensors, trainer_kwargs)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DeepRecipeError):
            raise DeepRecipeError(f"checkpoint {path} holds an invalid state: {exc}") from None
        raise DeepRecipeError(
            f"checkpoint {path} holds an invalid state ({type(exc).__name__}: {exc})"
        ) from None


def _trainer_from_state(
    state: dict[str, Any], tensors: dict[str, np.ndarray], trainer_kwargs: dict[str, Any]
) -> Trainer:
    network = Network.from_config(state["network"])
    if tensors["theta"].shape != network.theta.shape:
        raise DeepRecipeError("the weights do not match the saved architecture")
    network.theta = tensors["theta"]
    network.rng.bit_generator.state = state["rng"]["dropout"]
    optimizer_state = dict(state["optimizer"])
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            optimizer_state[key.removeprefix("optimizer.")] = value
    trainer = Trainer(
        network,
        optimizer=optimizer_state["name"],
        learning_rate=optimizer_state["learning_rate"],
        batch_size=state["batch_size"],
        metrics_every=state["metrics_every"],
        train_metrics=state.get("train_metrics", "exact"),  # older checkpoints measured exactly
        **trainer_kwargs,
    )
    hyper = {k: v for k, v in optimizer_state.items() if k in ("beta", "beta1", "beta2", "epsilon")}
    for key, value in hyper.items():
        setattr(trainer.optimizer, key, value)
    trainer.optimizer.load_state_dict(optimizer_state)
    trainer.shuffle_rng.bit_generator.state = state["rng"]["shuffle"]
    trainer.augment_rng.bit_generator.state = state["rng"]["augment"]
    trainer.epoch = int(state["epoch"])
    trainer.history = History.from_dict(state["history"])
    return trainer


class Checkpoint(Callback):
    """Save a checkpoint to ``path`` every ``every`` epochs (and at the end of training)."""

    def __init__(self, path: str | os.PathLike, every: int = 1) -> None:
        self.path = Path(path)
        self.every = int(check_number("checkpoint every", every, low=1, integer=True))

    def on_epoch_end(self, trainer, logs):
        if trainer.epoch % self.every == 0:
            save_checkpoint(self.path, trainer)

    def on_train_end(self, trainer):
        save_checkpoint(self.path, trainer)


def resume(
    path: str | os.PathLike,
    X: Any,
    y: Any,
    *,
    epochs: int,
    checkpoint_every: int | None = None,
    **fit_kwargs: Any,
) -> Trainer:
    """Continue the training saved at ``path`` until ``epochs`` epochs in all have run.

    With ``checkpoint_every``, it goes on checkpointing to the same file. Returns the trainer;
    its ``network`` and ``history`` are those of an uninterrupted run with the same seed.
    """
    callbacks = list(fit_kwargs.pop("callbacks", ()))
    if checkpoint_every:
        callbacks.append(Checkpoint(path, checkpoint_every))
    trainer = load_checkpoint(path, callbacks=callbacks, augment=fit_kwargs.pop("augment", None))
    remaining = int(epochs) - trainer.epoch
    if remaining > 0:
        trainer.fit(X, y, epochs=remaining, **fit_kwargs)
    return trainer
