"""Checkpoint and resume: a training killed with SIGKILL resumes to bit-identical weights."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.train import EarlyStopping, Trainer
from deeprecipe.train.checkpoint import Checkpoint, load_checkpoint, resume, save_checkpoint

EPOCHS = 30


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    y = (X[:, :3].sum(axis=1) > 0).astype(int)
    return X, y


def _network():
    return Network([20, 64, 32, 1], keep_prob=[0.8, 0.9], l2=0.1, seed=7)


def _trainer(net, **kwargs):
    return Trainer(net, optimizer="adam", learning_rate=0.003, batch_size=32, seed=11, **kwargs)


@pytest.fixture(scope="module")
def uninterrupted():
    X, y = _data()
    net = _network()
    trainer = _trainer(net)
    trainer.fit(X, y, epochs=EPOCHS)
    return net.theta.copy(), trainer.history


@pytest.mark.parametrize("stop_at", [1, 13, EPOCHS - 1])
def test_resume_in_process_is_bit_identical(tmp_path, uninterrupted, stop_at):
    X, y = _data()
    path = tmp_path / "run.ckpt"
    _trainer(_network(), callbacks=[Checkpoint(path, every=1)]).fit(X, y, epochs=stop_at)
    trainer = resume(path, X, y, epochs=EPOCHS)
    assert trainer.epoch == EPOCHS
    assert trainer.network.theta.tobytes() == uninterrupted[0].tobytes()
    assert trainer.history.cost == uninterrupted[1].cost


_WORKER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from test_checkpoint import _data, _network, _trainer, EPOCHS
    from deeprecipe.train import Callback
    from deeprecipe.train.checkpoint import Checkpoint, resume
    import os

    class Progress(Callback):
        def on_epoch_end(self, trainer, logs):
            print("epoch", trainer.epoch, flush=True)

    X, y = _data()
    path = {path!r}
    if os.path.exists(path):
        trainer = resume(path, X, y, epochs=EPOCHS, checkpoint_every=1, callbacks=[Progress()])
    else:
        trainer = _trainer(_network(), callbacks=[Checkpoint(path, every=1), Progress()])
        trainer.fit(X, y, epochs=EPOCHS)
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume(tmp_path, uninterrupted):
    """Kill the training process several times at random instants; every kill leaves a
    loadable checkpoint, and the resumed run ends bit-identical to the uninterrupted one."""
    path = tmp_path / "run.ckpt"
    script = tmp_path / "worker.py"
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    script.write_text(_WORKER.format(tests=tests_dir, path=str(path)))
    rng = np.random.default_rng(0)
    kills = 0
    for _attempt in range(12):
        process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        # let a random number of epochs pass, then kill at a random instant inside the next one
        for _ in range(int(rng.integers(1, 6))):
            line = process.stdout.readline()
            if not line.startswith("epoch"):
                break
        time.sleep(float(rng.uniform(0.0, 0.03)))
        if process.poll() is not None or not line.startswith("epoch"):
            process.wait()
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        if path.exists():  # never truncated: every kill leaves a checkpoint that loads
            load_checkpoint(path)
        leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        for leftover in leftovers:  # a temp file may remain; the checkpoint itself is whole
            leftover.unlink()
    else:
        pytest.fail("training never finished")
    assert process.returncode == 0, process.stdout.read()
    assert kills >= 2, "the training finished before it could be killed twice"
    final = load_checkpoint(path)
    assert final.epoch == EPOCHS
    assert final.network.theta.tobytes() == uninterrupted[0].tobytes()


def test_checkpoint_keeps_optimizer_and_random_state(tmp_path):
    X, y = _data()
    trainer = _trainer(_network())
    trainer.fit(X[:200], y[:200], epochs=2)
    save_checkpoint(tmp_path / "c", trainer)
    loaded = load_checkpoint(tmp_path / "c")
    assert loaded.optimizer.t == trainer.optimizer.t
    np.testing.assert_array_equal(loaded.optimizer.s, trainer.optimizer.s)
    assert loaded.shuffle_rng.bit_generator.state == trainer.shuffle_rng.bit_generator.state
    assert loaded.network.rng.bit_generator.state == trainer.network.rng.bit_generator.state


def test_damaged_checkpoint_is_refused(tmp_path):
    path = tmp_path / "c"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(DeepRecipeError, match="not a readable deeprecipe checkpoint"):
        load_checkpoint(path)
    with pytest.raises(DeepRecipeError, match="cannot be read"):
        load_checkpoint(tmp_path / "missing")


def test_early_stopping_with_checkpoints_still_restores_best(tmp_path):
    X, y = _data()
    net = _network()
    stopper = EarlyStopping(monitor="cost", patience=2)
    _trainer(net, callbacks=[stopper, Checkpoint(tmp_path / "c", every=2)]).fit(
        X[:300], y[:300], epochs=6
    )
    assert (tmp_path / "c").exists()
