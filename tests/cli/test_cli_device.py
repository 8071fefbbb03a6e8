"""``--device`` and ``--backend`` on train and gradcheck: the same figures on every backend."""

from __future__ import annotations

import pytest

from deeprecipe.io import load_model

ARGS = ("--dataset", "iris", "--layers", "6", "--epochs", "20", "--batch-size", "16")


def _placed(backend) -> list[str]:
    return ["--backend", backend.name, "--device", backend.device_name]


def test_train_on_each_backend_matches_numpy(invoke, backend, tmp_path):
    on_numpy = invoke.json("train", *ARGS, "--out", tmp_path / "numpy")
    here = invoke.json("train", *ARGS, *_placed(backend), "--out", tmp_path / "here")
    for part, figures in on_numpy["errors"].items():  # float32: the costs round differently
        assert here["errors"][part]["error"] == figures["error"]
        assert here["errors"][part]["cost"] == pytest.approx(figures["cost"], rel=1e-5)
    # the model file holds the same architecture and loads onto NumPy from any backend
    model = load_model(tmp_path / "here" / "model.safetensors").network
    assert model.config == load_model(tmp_path / "numpy" / "model.safetensors").network.config


def test_gradcheck_on_each_backend_passes(invoke, backend):
    result = invoke("gradcheck", "--dataset", "iris", "--layers", "5", *_placed(backend))
    assert result.exit_code == 0, result.stderr


def test_a_device_that_is_absent_is_one_line_and_exit_2(invoke):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal cannot be shown here")
    result = invoke("train", *ARGS, "--device", "cuda")
    assert result.exit_code == 2
    assert "no CUDA GPU" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = invoke("train", *ARGS, "--backend", "numpy", "--device", "cuda")
    assert result.exit_code == 2 and "accepted: --device 'cpu'" in result.stderr


def test_threads_reach_the_training_and_give_the_same_bits(invoke, tmp_path, monkeypatch):
    from deeprecipe import _threads as threads
    from deeprecipe.train import Trainer

    seen, train = [], Trainer._fit

    def recording(self, *args):  # the count the training ran on
        seen.append(threads.current_threads())
        return train(self, *args)

    monkeypatch.setattr(Trainer, "_fit", recording)
    one = invoke.json("train", *ARGS, "--threads", "1", "--out", tmp_path / "one")
    every = invoke.json("train", *ARGS, "--threads", "-1", "--out", tmp_path / "every")
    assert seen == [1, threads.check_threads(-1)]
    assert every["errors"] == one["errors"]
    weights = [
        load_model(tmp_path / name / "model.safetensors").network.get_theta()
        for name in ("one", "every")
    ]
    assert (weights[0] == weights[1]).all()


def test_run_refuses_an_absent_device_before_any_training_or_file(invoke, tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal cannot be shown here")
    out = tmp_path / "run"
    result = invoke("run", "--dataset", "moons", "--budget", "2", "--device", "cuda", "--out", out)
    assert result.exit_code == 2 and "no CUDA GPU" in result.stderr
    assert "references" not in result.output and not out.exists()
