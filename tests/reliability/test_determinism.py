"""Two runs with the same seed give bit-identical weights and identical reports.

Through the API (weights, histories and model files byte for byte), across processes (a model
file saved by two interpreters), and through the command line: ``deeprecipe train`` twice and
``deeprecipe run`` twice on the smallest budget, into different folders. Model files, PNGs and
``report.html`` must be byte-identical. ``results.json`` must be identical once what a run
cannot repeat is set aside: wall-clock times (``seconds``, ``time``), process ids (``pid``) and
the output folder's path, which :func:`_normalized` replaces or drops; nothing else may differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from deeprecipe.cli import cli
from deeprecipe.data import GaussianNoise
from deeprecipe.io import save_model
from deeprecipe.nn import Network
from deeprecipe.train import EarlyStopping, fit

#: keys whose values are wall-clock readings or process ids, different in every run
VOLATILE_KEYS = {"seconds", "time", "pid"}


def _train_once(seed: int) -> tuple[Network, Any]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] - X[:, 1] ** 2 > 0).astype(int)
    net = Network([5, 16, 8, 1], keep_prob=[0.8, 0.9], l2=0.3, seed=seed)
    history = fit(
        net, X[:240], y[:240], X_dev=X[240:], y_dev=y[240:], optimizer="adam",
        learning_rate=0.01, batch_size=32, epochs=15, seed=seed, augment=GaussianNoise(0.05),
        callbacks=[EarlyStopping(patience=50)],
    )  # fmt: skip
    return net, history


def test_same_seed_gives_bit_identical_weights_history_and_file(tmp_path):
    first, history_a = _train_once(seed=4)
    second, history_b = _train_once(seed=4)
    assert first.theta.tobytes() == second.theta.tobytes()
    assert history_a.to_dict() == history_b.to_dict()
    save_model(tmp_path / "a.safetensors", first, metadata={"note": "x"})
    save_model(tmp_path / "b.safetensors", second, metadata={"note": "x"})
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()


def test_another_seed_gives_other_weights():
    """The test above can fail: the seed does reach the weights."""
    assert _train_once(seed=4)[0].theta.tobytes() != _train_once(seed=5)[0].theta.tobytes()


_SAVE_IN_A_NEW_PROCESS = textwrap.dedent(
    """
    import sys
    import numpy as np
    from deeprecipe.data import Standardizer
    from deeprecipe.io import save_model
    from deeprecipe.nn import Network
    net = Network([3, 4, 2], loss="softmax_crossentropy", seed=1)
    scaler = Standardizer().fit(np.arange(12.0).reshape(4, 3) ** 2)
    save_model(sys.argv[1], net, scaler=scaler, classes=["a", "b"],
               feature_names=["x", "y", "z"], metadata={"k": 1, "j": [1, 2]})
    """
)


def test_model_files_are_identical_across_processes(tmp_path):
    """safetensors writes its metadata in hash-map order, which changes with each process;
    the model file must not."""
    blobs = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.safetensors"
        subprocess.run([sys.executable, "-c", _SAVE_IN_A_NEW_PROCESS, str(path)], check=True,
                       timeout=120)  # fmt: skip
        blobs.append(path.read_bytes())
    assert blobs[0] == blobs[1] == blobs[2]


# -- the command line --------------------------------------------------------------------------


def _normalized(value: Any, folder: Path) -> Any:
    """``value`` with volatile keys dropped and the output folder's path replaced by <OUT>."""
    if isinstance(value, dict):
        return {k: _normalized(v, folder) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_normalized(v, folder) for v in value]
    if isinstance(value, str):
        return value.replace(str(folder), "<OUT>")
    return value


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def _assert_same_outputs(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for name in files_a:
        if name.name == "results.json":
            doc_a = json.loads((a / name).read_text())
            doc_b = json.loads((b / name).read_text())
            assert _normalized(doc_a, a) == _normalized(doc_b, b), name
        elif name.suffix == ".json":  # the trial record: its timings too
            doc_a, doc_b = (json.loads((d / name).read_text()) for d in (a, b))
            assert _normalized(doc_a, a) == _normalized(doc_b, b), name
        else:  # model.safetensors, report.html, every PNG, the trials' weights
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cli_train_twice_gives_identical_files(tmp_path):
    args = ["train", "--dataset", "moons", "--epochs", "15", "--keep-prob", "0.9",
            "--batch-size", "64", "--seed", "7", "--quiet"]  # fmt: skip
    _invoke(*args, "--out", tmp_path / "A")
    _invoke(*args, "--out", tmp_path / "B")
    _assert_same_outputs(tmp_path / "A", tmp_path / "B")
    model = (tmp_path / "A" / "model.safetensors").read_bytes()
    _invoke(*args[:-3], "--seed", "8", "--quiet", "--out", tmp_path / "C")
    assert (tmp_path / "C" / "model.safetensors").read_bytes() != model  # the check can fail


@pytest.mark.slow
def test_cli_run_twice_gives_identical_reports(tmp_path):
    pytest.importorskip("deeprecipe.recipe")
    args = ["run", "--dataset", "moons", "--budget", "1", "--epochs", "10", "--jobs", "1",
            "--seed", "3", "--quiet"]  # fmt: skip
    _invoke(*args, "--out", tmp_path / "A")
    _invoke(*args, "--out", tmp_path / "B")
    assert (tmp_path / "A" / "report.html").exists()
    _assert_same_outputs(tmp_path / "A", tmp_path / "B")
