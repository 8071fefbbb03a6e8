"""The bad-input matrix: every refusal is a DeepRecipeError that names the offending input.

193 distinct bad inputs, in four tables:

- ``API_CASES`` (148): the Python API, i.e. Network, fit/Trainer/EarlyStopping, split,
  Standardizer/MinMaxScaler, the file loaders, gradcheck, diagnose and the curves, Recipe,
  save_model/load_model and checkpoints;
- ``ESTIMATOR_CASES`` (18): DeepClassifier and DeepRegressor;
- ``CLI_CASES`` (25): ``deeprecipe ...`` through click's CliRunner;
- ``SUBPROCESS_CASES`` (2): the installed ``deeprecipe`` console script in a real subprocess.

An API case passes when the call raises a :class:`DeepRecipeError` (never a bare NumPy,
Python or scikit-learn exception) whose message contains every ``needle``: the name of the
input and, where it helps, the offending value. A CLI case passes when the command exits with
code 2 and prints exactly one line on stderr, ``Error: ...`` with the needles, no traceback and
no "unexpected ... (a bug in deeprecipe)" line, and leaves the working folder exactly as it was
(a refused command writes nothing, not even an empty ``--out`` folder).

Every input is a few dozen rows at most and training runs for one epoch, so nothing can hang.
A case may carry ``xfail`` (a known bug, strict: it fails the suite once fixed); none does now.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from deeprecipe import DeepRecipeError
from deeprecipe.check import check_grad, gradcheck
from deeprecipe.cli import cli
from deeprecipe.data import (
    GaussianNoise,
    MinMaxScaler,
    Split,
    Standardizer,
    load_csv,
    load_dataset,
    load_file,
    load_npz,
    split,
)
from deeprecipe.diagnose import diagnose, layer_health, learning_curve
from deeprecipe.io import load_model, save_model
from deeprecipe.model import Model
from deeprecipe.nn import Network
from deeprecipe.train import EarlyStopping, History, fit
from deeprecipe.train.checkpoint import load_checkpoint

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3))
Y_BIN = (X[:, 0] > 0).astype(int)
Y_3 = np.arange(24) % 3
X_NAN = X.copy()
X_NAN[3, 1] = np.nan
X_INF = X.copy()
X_INF[5, 2] = np.inf


def _diverged() -> Network:
    net = _net()
    net.theta[:] = np.nan
    return net


def _net(**kwargs) -> Network:
    return Network([3, 4, 1], **kwargs)


def _softmax_net() -> Network:
    return Network([3, 4, 3], loss="softmax_crossentropy")


# -- files the loaders are pointed at (written into pytest's tmp_path by the `files` fixture) --
GOOD_ROWS = "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(40))
TEXT_FILES = {
    "good.csv": "a,b,y\n" + GOOD_ROWS,
    "ragged.csv": "a,b,y\n1,2,0\n3,4\n5,6,1\n",
    "one_class.csv": "a,b,y\n" + "".join(f"{i % 7},{i % 5},0\n" for i in range(40)),
    "missing.csv": "a,b,y\n1,,0\n" + GOOD_ROWS,
    "infinite.csv": "a,b,y\n1,inf,0\n" + GOOD_ROWS,
    "empty.csv": "",
    "header_only.csv": "a,b,y\n",
    "duplicate_header.csv": "a,a,y\n1,2,0\n3,4,1\n",
    "stray_word.csv": "a,b,y\n" + GOOD_ROWS + "oops,2,1\n",
    "open_quote.csv": 'a,b,y\n1,"2,0\n3,4,1\n',
    "target_only.csv": "y\n0\n1\n",
    "table.xlsx": "a,b\n1,2\n",
    "not_a_zip.npz": "hello",
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in TEXT_FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "binary.safetensors").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "short.safetensors").write_bytes(b"\x01\x02")
    (tmp_path / "a_folder").mkdir()
    np.savez(tmp_path / "no_x.npz", A=X)
    np.savez(tmp_path / "objects.npz", X=np.array([{"a": 1}], dtype=object))
    np.savez(tmp_path / "flat_x.npz", X=np.arange(3.0))
    np.savez(tmp_path / "short_y.npz", X=X, y=Y_BIN[:3])
    save_model(tmp_path / "model.safetensors", _net())
    return tmp_path


@dataclass(frozen=True)
class Case:
    """One bad input: ``call(folder)`` must raise a DeepRecipeError containing ``needles``."""

    id: str
    call: Callable[[Path], object]
    needles: tuple[str, ...]
    xfail: str | None = None


def _recipe(**settings):
    recipe = pytest.importorskip("deeprecipe.recipe")
    return recipe.Recipe(**settings)


API_CASES = [
    # -- Network: settings ------------------------------------------------------------------
    Case("keep_prob 0", lambda d: _net(keep_prob=0), ("keep_prob=0", "(0.0, 1.0]")),
    Case("keep_prob 1.5", lambda d: _net(keep_prob=1.5), ("keep_prob=1.5",)),
    Case("keep_prob text", lambda d: _net(keep_prob="half"), ("keep_prob='half'",)),
    Case(
        "keep_prob per layer, wrong count",
        lambda d: _net(keep_prob=[0.5, 0.5]),
        ("keep_prob", "2 entries"),
    ),
    Case("negative lambda", lambda d: _net(l2=-1.0), ("l2=-1.0",)),
    Case("NaN lambda", lambda d: _net(l2=float("nan")), ("l2=nan",)),
    Case("unknown activation", lambda d: _net(activation="swish"), ("swish", "relu")),
    Case("unknown loss", lambda d: _net(loss="hinge"), ("hinge", "mse")),
    Case("unknown initializer", lambda d: _net(init="orthogonal"), ("orthogonal", "he")),
    Case("unsupported dtype", lambda d: _net(dtype="float16"), ("float16", "float32")),
    Case("layer of zero units", lambda d: Network([3, 0, 1]), ("layer size=0",)),
    Case("one layer size only", lambda d: Network([3]), ("layer_sizes=[3]",)),
    Case("layer sizes as text", lambda d: Network("3,4,1"), ("layer_sizes='3,4,1'",)),
    Case("negative seed", lambda d: _net(seed=-1), ("seed=-1",)),
    Case("seed as text", lambda d: _net(seed="abc"), ("seed='abc'",)),
    Case(
        "set_weights wrong shape",
        lambda d: _net().set_weights({"W1": np.ones((4, 3))}),
        ("W1", "(4, 3)", "(3, 4)"),
    ),
    Case("unknown tensor name", lambda d: _net()["W7"], ("W7", "W1")),
    Case(
        "config with an unknown key",
        lambda d: Network.from_config({"layer_sizes": [3, 1], "bogus": 1}),
        ("bogus",),
    ),
    # -- Network / fit: data ----------------------------------------------------------------
    Case("X 1-D", lambda d: fit(_net(), X[:, 0], Y_BIN, epochs=1), ("X", "(24,)", "2-D")),
    Case("X 3-D", lambda d: fit(_net(), X[:, :, None], Y_BIN, epochs=1), ("X", "(24, 3, 1)")),
    Case(
        "X too few features",
        lambda d: fit(_net(), X[:, :2], Y_BIN, epochs=1),
        ("X has 2 features", "accepts 3"),
    ),
    Case("X of strings", lambda d: fit(_net(), X.astype(str), Y_BIN, epochs=1), ("X", "dtype")),
    Case(
        "X of objects",
        lambda d: fit(_net(), np.array([[1, "a", 2]] * 24, dtype=object), Y_BIN, epochs=1),
        ("X", "object"),
    ),
    Case("X complex", lambda d: fit(_net(), X + 1j, Y_BIN, epochs=1), ("X", "complex")),
    Case(
        "X with NaN",
        lambda d: fit(_net(), X_NAN, Y_BIN, epochs=1),
        ("X", "nan", "row 3", "column 1"),
    ),
    Case("X with inf, predict", lambda d: _net().predict(X_INF), ("X", "inf", "row 5")),
    Case("X empty", lambda d: fit(_net(), np.empty((0, 3)), np.empty(0), epochs=1), ("X", "empty")),
    Case(
        "X ragged rows",
        lambda d: fit(_net(), [[1, 2, 3], [1, 2]], [0, 1], epochs=1),
        ("X", "could not be read"),
    ),
    Case(
        "y shorter than X",
        lambda d: fit(_net(), X, Y_BIN[:5], epochs=1),
        ("y has 5 rows", "X has 24"),
    ),
    Case(
        "label 2 for a sigmoid output",
        lambda d: fit(_net(), X, Y_BIN + 1, epochs=1),
        ("label 2", "0 and 1"),
    ),
    Case(
        "class index past the softmax",
        lambda d: fit(_softmax_net(), X, Y_3 + 1, epochs=1),
        ("class index 3", "0..2"),
    ),
    Case(
        "negative class index",
        lambda d: fit(_softmax_net(), X, Y_3 - 1, epochs=1),
        ("class index -1",),
    ),
    Case(
        "fractional class index",
        lambda d: fit(_softmax_net(), X, Y_3 + 0.5, epochs=1),
        ("non-integer",),
    ),
    Case("y of strings", lambda d: fit(_net(), X, Y_BIN.astype(str), epochs=1), ("y", "dtype")),
    Case(
        "y with NaN (mse)",
        lambda d: fit(Network([3, 4, 1], loss="mse"), X, np.where(Y_BIN, np.nan, 1.0), epochs=1),
        ("y", "NaN"),
    ),
    Case(
        "X_dev without y_dev",
        lambda d: fit(_net(), X, Y_BIN, X_dev=X, epochs=1),
        ("X_dev and y_dev",),
    ),
    Case(
        "X_dev too narrow",
        lambda d: fit(_net(), X, Y_BIN, X_dev=X[:, :2], y_dev=Y_BIN, epochs=1),
        ("X_dev", "2 features"),
    ),
    # -- fit / Trainer: settings ------------------------------------------------------------
    Case(
        "negative learning rate",
        lambda d: fit(_net(), X, Y_BIN, learning_rate=-0.1, epochs=1),
        ("learning_rate=-0.1",),
    ),
    Case(
        "zero learning rate",
        lambda d: fit(_net(), X, Y_BIN, learning_rate=0, epochs=1),
        ("learning_rate=0",),
    ),
    Case("zero epochs", lambda d: fit(_net(), X, Y_BIN, epochs=0), ("epochs=0",)),
    Case("fractional epochs", lambda d: fit(_net(), X, Y_BIN, epochs=2.5), ("epochs=2.5",)),
    Case(
        "batch of zero", lambda d: fit(_net(), X, Y_BIN, batch_size=0, epochs=1), ("batch_size=0",)
    ),
    Case(
        "unknown optimizer",
        lambda d: fit(_net(), X, Y_BIN, optimizer="adagrad", epochs=1),
        ("adagrad", "adam"),
    ),
    Case(
        "augment not callable",
        lambda d: fit(_net(), X, Y_BIN, augment=3, batch_size=8, epochs=1),
        ("augment",),
    ),
    Case(
        "callback of the wrong type",
        lambda d: fit(_net(), X, Y_BIN, callbacks=[3], epochs=1),
        ("callbacks",),
    ),
    Case(
        "early stopping on an unknown figure",
        lambda d: EarlyStopping(monitor="accuracy"),
        ("monitor='accuracy'",),
    ),
    Case(
        "early stopping without dev data",
        lambda d: fit(_net(), X, Y_BIN, epochs=2, callbacks=[EarlyStopping()]),
        ("dev_cost", "X_dev"),
    ),
    Case("negative noise", lambda d: GaussianNoise(-1), ("std=-1",)),
    # -- split and scaling ------------------------------------------------------------------
    Case("split dev 1.5", lambda d: split(X, Y_BIN, dev=1.5), ("dev=1.5",)),
    Case("split negative count", lambda d: split(X, Y_BIN, dev=-1), ("dev=-1",)),
    Case(
        "split ratios sum to 1",
        lambda d: split(X, Y_BIN, dev=0.5, test=0.5),
        ("dev=0.5", "test=0.5"),
    ),
    Case("split dev as text", lambda d: split(X, Y_BIN, dev="20%"), ("dev='20%'",)),
    Case("split empty X", lambda d: split(np.empty((0, 3))), ("X has no rows",)),
    Case("split unknown stratify", lambda d: split(X, Y_BIN, stratify="yes"), ("stratify='yes'",)),
    Case(
        "stratify a class of one example",
        lambda d: split(X, np.r_[np.zeros(23), 1], stratify=True),
        ("class 1", "1 example"),
    ),
    Case("split two rows", lambda d: split(X[:2], Y_BIN[:2]), ("2 rows",)),
    Case("standardizer fit on NaN", lambda d: Standardizer().fit(X_NAN), ("X", "nan", "row 3")),
    Case("standardizer not fitted", lambda d: Standardizer().transform(X), ("not fitted",)),
    Case(
        "standardizer other width",
        lambda d: Standardizer().fit(X).transform(X[:, :2]),
        ("2 features", "fitted on 3"),
    ),
    Case(
        "min-max range reversed", lambda d: MinMaxScaler((1, 0)).fit(X), ("feature_range=(1, 0)",)
    ),
    # -- files ------------------------------------------------------------------------------
    Case("csv missing", lambda d: load_csv(d / "nope.csv", "y"), ("nope.csv", "does not exist")),
    Case("csv is a folder", lambda d: load_csv(d / "a_folder", "y"), ("a_folder", "not a file")),
    Case("csv is binary", lambda d: load_csv(d / "binary.csv", "y"), ("binary.csv", "UTF-8")),
    Case(
        "csv ragged rows",
        lambda d: load_csv(d / "ragged.csv", "y"),
        ("ragged.csv", "line 3", "2 fields"),
    ),
    Case("target column absent", lambda d: load_csv(d / "good.csv", "label"), ("'label'", "'y'")),
    Case("csv single class", lambda d: load_csv(d / "one_class.csv", "y"), ("'y'", "single class")),
    Case(
        "csv missing cell",
        lambda d: load_csv(d / "missing.csv", "y", missing="refuse"),
        ("'b'", "missing", "row 0"),
    ),
    Case("csv infinite cell", lambda d: load_csv(d / "infinite.csv", "y"), ("'b'", "inf")),
    Case("csv empty", lambda d: load_csv(d / "empty.csv", "y"), ("empty.csv", "empty")),
    Case("csv header only", lambda d: load_csv(d / "header_only.csv", "y"), ("no data rows",)),
    Case(
        "csv duplicate header",
        lambda d: load_csv(d / "duplicate_header.csv", "y"),
        ("repeats 'a'",),
    ),
    Case(
        "csv stray word in numbers",
        lambda d: load_csv(d / "stray_word.csv", "y"),
        ("'a'", "'oops'"),
    ),
    Case(
        "csv unclosed quote",
        lambda d: load_csv(d / "open_quote.csv", "y"),
        ("open_quote.csv", "line"),
    ),
    Case(
        "csv of the target alone",
        lambda d: load_csv(d / "target_only.csv", "y"),
        ("no feature columns",),
    ),
    Case("csv unknown feature", lambda d: load_csv(d / "good.csv", "y", features=["c"]), ("'c'",)),
    Case("unknown file type", lambda d: load_file(d / "table.xlsx", "y"), ("table.xlsx", ".csv")),
    Case("npz not a zip", lambda d: load_npz(d / "not_a_zip.npz"), ("not_a_zip.npz",)),
    Case("npz without X", lambda d: load_npz(d / "no_x.npz"), ("no_x.npz", "named X")),
    Case("npz carrying a pickle", lambda d: load_npz(d / "objects.npz"), ("objects.npz",)),
    Case("npz X 1-D", lambda d: load_npz(d / "flat_x.npz"), ("flat_x.npz", "(3,)")),
    Case("npz y too short", lambda d: load_npz(d / "short_y.npz"), ("y in", "(3,)")),
    Case("unknown dataset", lambda d: load_dataset("mnist9"), ("mnist9", "digits")),
    Case("split file is binary", lambda d: Split.load(d / "binary.csv"), ("binary.csv",)),
    Case(
        "split file is a folder", lambda d: Split.load(d / "a_folder"), ("a_folder", "is a folder")
    ),
    # -- model files and checkpoints -------------------------------------------------------
    Case(
        "save into a missing folder",
        lambda d: save_model(d / "no" / "m.safetensors", _net()),
        ("no", "does not exist"),
    ),
    Case("save a non-model", lambda d: save_model(d / "m.safetensors", "net"), ("str",)),
    Case(
        "save diverged weights",
        lambda d: save_model(d / "m.safetensors", _diverged()),
        ("W1", "NaN or infinite"),
    ),
    Case(
        "save with a scaler of another width",
        lambda d: save_model(d / "m.safetensors", _net(), scaler=Standardizer().fit(X[:, :2])),
        ("fitted on 2 features",),
    ),
    Case(
        "save with a scikit-learn scaler",
        lambda d: save_model(d / "m.safetensors", _net(), scaler=object()),
        ("scaler is a object",),
    ),
    Case(
        "save with too few classes",
        lambda d: save_model(
            d / "m.safetensors", Network([3, 4, 3], loss="softmax_crossentropy"), classes=["a"]
        ),
        ("classes has 1 labels", "gives 3"),
    ),
    Case(
        "set_weights beyond float32",
        lambda d: _net().set_weights({"W1": np.full((3, 4), 1e300)}),
        ("W1", "float32's range"),
    ),
    Case(
        "mse error, y too short",
        lambda d: _net(loss="mse").error(X, np.zeros(7)),
        ("y has 7 rows",),
    ),
    Case(
        "mse error, y text",
        lambda d: _net(loss="mse").error(X, np.array(["a"] * 24)),
        ("numbers only",),
    ),
    Case("mse error, y NaN", lambda d: _net(loss="mse").error(X, np.full(24, np.nan)), ("NaN",)),
    Case("fit seed negative", lambda d: fit(_net(), X, Y_BIN, epochs=1, seed=-1), ("seed=-1",)),
    Case("fit seed text", lambda d: fit(_net(), X, Y_BIN, epochs=1, seed="x"), ("seed='x'",)),
    Case(
        "fit callbacks not a list",
        lambda d: fit(_net(), X, Y_BIN, epochs=1, callbacks=5),
        ("callbacks=5",),
    ),
    Case("network dtype a number", lambda d: _net(dtype=5), ("dtype=5",)),
    Case("network dtype None", lambda d: _net(dtype=None), ("dtype=None",)),
    Case("save to a folder", lambda d: save_model(d / "a_folder", _net()), ("is a folder",)),
    Case(
        "check_grad f not callable",
        lambda d: check_grad(5, lambda t: t, np.ones(2)),
        ("f=5", "not callable"),
    ),
    Case(
        "check_grad gradient text",
        lambda d: check_grad(lambda t: 0.0, lambda t: "g", np.ones(2)),
        ("grad_f returned str",),
    ),
    Case(
        "check_grad gradient ragged",
        lambda d: check_grad(lambda t: 0.0, lambda t: [[1], [2, 3]], np.ones(2)),
        ("grad_f returned",),
    ),
    Case(
        "check_grad cost text",
        lambda d: check_grad(lambda t: "1.0", lambda t: t, np.ones(2)),
        ("f returned str",),
    ),
    Case(
        "split mixed label types",
        lambda d: split(X, np.array(["a", 1] * 12, dtype=object)),
        ("mixes label types",),
    ),
    Case(
        "recipe dev=0",
        lambda d: _recipe(dev=0, max_trainings=1).run(X, Y_BIN),
        ("dev=0", "no dev set"),
    ),
    Case(
        "initialize with a negative scale",
        lambda d: _net().initialize("random", scale=-1),
        ("scale=-1",),
    ),
    Case(
        "learning curve unknown fit argument",
        lambda d: learning_curve(_net(), X, Y_BIN, X, Y_BIN, fit_kwargs={"epoch": 5}),
        ("epoch",),
    ),
    Case(
        "fit y_dev with an unknown label",
        lambda d: fit(_net(), X, Y_BIN, epochs=1, X_dev=X, y_dev=Y_BIN + 3),
        ("y_dev", "label"),
    ),
    Case(
        "fit y_dev too short",
        lambda d: fit(_net(), X, Y_BIN, epochs=1, X_dev=X, y_dev=Y_BIN[:5]),
        ("y_dev has 5 rows", "X_dev"),
    ),
    Case(
        "split description with a text seed",
        lambda d: Split.from_dict(
            {"n_samples": 4, "train_idx": [0, 1], "dev_idx": [2], "test_idx": [3], "seed": "x"}
        ),
        ("seed='x'",),
    ),
    Case("history from a list", lambda d: History.from_dict([1]), ("a history is a dict",)),
    Case("layer health of a text", lambda d: layer_health("x", X, Y_BIN), ("network is a str",)),
    Case("set_weights not a dict", lambda d: _net().set_weights(None), ("weights is a NoneType",)),
    Case(
        "load a missing model",
        lambda d: load_model(d / "nope.safetensors"),
        ("nope.safetensors", "does not exist"),
    ),
    Case("load a folder as a model", lambda d: load_model(d / "a_folder"), ("a_folder",)),
    Case(
        "load a binary file as a model",
        lambda d: load_model(d / "binary.safetensors"),
        ("binary.safetensors", "not a deeprecipe model"),
    ),
    Case("load a CSV as a model", lambda d: load_model(d / "good.csv"), ("good.csv",)),
    Case(
        "load a 2-byte model",
        lambda d: load_model(d / "short.safetensors"),
        ("short.safetensors", "too short"),
    ),
    Case(
        "a model file as a checkpoint",
        lambda d: load_checkpoint(d / "model.safetensors"),
        ("model.safetensors", "not a deeprecipe checkpoint"),
    ),
    Case("checkpoint missing", lambda d: load_checkpoint(d / "run.ckpt"), ("run.ckpt",)),
    Case(
        "model on too narrow rows",
        lambda d: Model(_net()).predict(X[:, :2]),
        ("2 features", "accepts 3"),
    ),
    # -- gradcheck, diagnose, curves, recipe ------------------------------------------------
    Case("gradcheck eps 0", lambda d: gradcheck(_net(), X, Y_BIN, eps=0), ("eps=0",)),
    Case(
        "gradcheck unknown mode",
        lambda d: gradcheck(_net(), X, Y_BIN, mode="fast"),
        ("mode='fast'", "sampled"),
    ),
    Case(
        "gradcheck unknown dropout",
        lambda d: gradcheck(_net(), X, Y_BIN, dropout="on"),
        ("dropout='on'", "frozen"),
    ),
    Case("gradcheck on NaN", lambda d: gradcheck(_net(), X_NAN, Y_BIN), ("X", "nan")),
    Case("gradcheck bad label", lambda d: gradcheck(_net(), X, Y_BIN + 3), ("label 4",)),
    Case("gradcheck of a string", lambda d: gradcheck("net", X, Y_BIN), ("network", "str")),
    Case("diagnose error above 1", lambda d: diagnose(1.5, 0.1), ("train_error=1.5",)),
    Case("diagnose negative error", lambda d: diagnose(0.1, -0.1), ("dev_error=-0.1",)),
    Case("diagnose NaN error", lambda d: diagnose(float("nan"), 0.1), ("train_error=nan",)),
    Case("diagnose unknown metric", lambda d: diagnose(0.1, 0.2, metric="auc"), ("metric='auc'",)),
    Case(
        "learning curve of size 0",
        lambda d: learning_curve(_net(), X, Y_BIN, X, Y_BIN, sizes=[0.0]),
        ("sizes",),
    ),
    Case("recipe unknown setting", lambda d: _recipe(hiddenz=(3,)), ("hiddenz",)),
    Case("recipe unknown task", lambda d: _recipe(task="ranking"), ("task='ranking'",)),
    Case(
        "recipe on NaN", lambda d: _recipe(max_trainings=1).run(X_NAN, Y_BIN), ("X", "nan", "row 3")
    ),
    Case(
        "recipe on a single class",
        lambda d: _recipe(max_trainings=1).run(X, np.zeros(24)),
        ("single class",),
    ),
    Case(
        "recipe image_shape of one number",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, image_shape=(3,)),
        ("image_shape=(3,)", "(height, width)"),
    ),
    Case(
        "recipe image_shape not whole",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, image_shape=(1, 2.5)),
        ("image_shape", "whole numbers"),
    ),
    Case(
        "recipe image_shape text",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, image_shape="13"),
        ("image_shape='13'",),
    ),
    Case(
        "recipe bayes_error above 1",
        lambda d: _recipe(max_trainings=1, bayes_error=2.0).run(X, Y_BIN),
        ("bayes_error=2.0", "[0, 1]"),
    ),
    Case(
        "recipe y_test short",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, X_test=X[:5], y_test=Y_BIN[:4]),
        ("y_test has 4 rows", "X_test has 5"),
    ),
    Case(
        "recipe y_dev short",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, X_dev=X[:5], y_dev=Y_BIN[:4]),
        ("y_dev has 4 rows", "X_dev has 5"),
    ),
    Case(
        "recipe NaN in X_test, before training",
        lambda d: _recipe(max_trainings=1).run(X, Y_BIN, X_test=X_NAN, y_test=Y_BIN),
        ("X_test", "nan"),
    ),
    Case(
        "recipe unseen label in y_test",
        lambda d: _recipe(max_trainings=1).run(
            X, Y_BIN, X_test=X[:4], y_test=np.array([0, 1, 7, 1])
        ),
        ("y_test", "label 7"),
    ),
    Case(  # a NaN is a missing label, left out as the CLI leaves a file's; infinity is not
        "recipe infinite regression target",
        lambda d: _recipe(max_trainings=1, task="regression").run(
            X, np.where(Y_BIN > 0, np.inf, 1.0)
        ),
        ("y", "infinity"),
    ),
    Case(
        "recipe without a single label",
        lambda d: _recipe(max_trainings=1).run(X, np.full(len(X), np.nan)),
        ("y has no row with a 'y' label", "accepted: at least one labelled row"),
    ),
    Case(
        "recipe labels of mixed types",
        lambda d: _recipe(max_trainings=1).run(
            X, np.array(["yes" if v else 0 for v in Y_BIN], dtype=object)
        ),
        ("y mixes label types",),
    ),
    Case("recipe hidden not a list", lambda d: _recipe(hidden=20), ("hidden=20",)),
    Case("recipe config not a config", lambda d: _recipe(config=5), ("config=5",)),
]


def _classifier(**kwargs):
    from deeprecipe.sklearn import DeepClassifier

    return DeepClassifier(**{"hidden_layer_sizes": (4,), "max_epochs": 1, "random_state": 0,
                             **kwargs})  # fmt: skip


def _regressor(**kwargs):
    from deeprecipe.sklearn import DeepRegressor

    return DeepRegressor(**{"hidden_layer_sizes": (4,), "max_epochs": 1, "random_state": 0,
                            **kwargs})  # fmt: skip


ESTIMATOR_CASES = [
    Case("classifier single class", lambda d: _classifier().fit(X, np.zeros(24)), ("one class",)),
    Case("classifier NaN", lambda d: _classifier().fit(X_NAN, Y_BIN), ("NaN",)),
    Case(
        "classifier text features",
        lambda d: _classifier().fit(np.array([["a", "b", "c"]] * 24), Y_BIN),
        ("'a'",),
    ),
    Case(
        "classifier keep_prob 0", lambda d: _classifier(keep_prob=0).fit(X, Y_BIN), ("keep_prob=0",)
    ),
    Case(
        "classifier keep_prob 1.5",
        lambda d: _classifier(keep_prob=1.5).fit(X, Y_BIN),
        ("keep_prob=1.5",),
    ),
    Case("classifier negative lambda", lambda d: _classifier(l2=-1).fit(X, Y_BIN), ("l2=-1",)),
    Case(
        "classifier negative learning rate",
        lambda d: _classifier(learning_rate=-1).fit(X, Y_BIN),
        ("learning_rate=-1",),
    ),
    Case(
        "classifier zero epochs",
        lambda d: _classifier(max_epochs=0).fit(X, Y_BIN),
        ("max_epochs=0",),
    ),
    Case(
        "classifier unknown activation",
        lambda d: _classifier(activation="swish").fit(X, Y_BIN),
        ("swish",),
    ),
    Case(
        "classifier unknown optimizer",
        lambda d: _classifier(optimizer="lbfgs").fit(X, Y_BIN),
        ("lbfgs",),
    ),
    Case(
        "classifier layer of 0 units",
        lambda d: _classifier(hidden_layer_sizes=(0,)).fit(X, Y_BIN),
        ("hidden_layer_sizes",),
    ),
    Case(
        "classifier empty",
        lambda d: _classifier().fit(np.empty((0, 3)), np.empty(0)),
        ("0 sample",),
    ),
    Case("classifier 3-D X", lambda d: _classifier().fit(X[:, :, None], Y_BIN), ("dim 3",)),
    Case(
        "classifier predicts other width",
        lambda d: _classifier(batch_size=None).fit(X, Y_BIN).predict(X[:, :2]),
        ("2 features", "expecting 3"),
    ),
    Case("classifier predicts before fit", lambda d: _classifier().predict(X), ("not fitted",)),
    Case(
        "regressor text target", lambda d: _regressor().fit(X, np.where(Y_BIN, "a", "b")), ("'a'",)
    ),
    Case("regressor infinite X", lambda d: _regressor().fit(X_INF, X[:, 0]), ("infinity",)),
    Case(
        "regressor validation_fraction 1.5",
        lambda d: _regressor(early_stopping=True, validation_fraction=1.5).fit(X, X[:, 0]),
        ("validation_fraction=1.5",),
    ),
]


def _params(cases: list[Case]) -> list:
    out = []
    for case in cases:
        marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def test_every_case_is_distinct():
    tables = {"api": API_CASES, "estimator": ESTIMATOR_CASES, "cli": CLI_CASES,
              "subprocess": SUBPROCESS_CASES}  # fmt: skip
    ids = [(table, case.id) for table, cases in tables.items() for case in cases]
    assert len(ids) == len(set(ids))
    assert sum(map(len, tables.values())) >= 40


@pytest.mark.parametrize("case", _params(API_CASES + ESTIMATOR_CASES))
def test_bad_input_is_refused_by_name(case: Case, files: Path):
    before = _snapshot(files)
    with pytest.raises(DeepRecipeError) as info:
        case.call(files)
    message = str(info.value)
    for needle in case.needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    assert _snapshot(files) == before, "a refused call wrote or changed a file"


# -- the command line --------------------------------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    id: str
    args: tuple[str, ...]
    needles: tuple[str, ...]


CLI_CASES = [
    CliCase(
        "ragged csv", ("train", "--data", "ragged.csv", "--target", "y"), ("ragged.csv", "line 3")
    ),
    CliCase(
        "absent target column",
        ("train", "--data", "good.csv", "--target", "label"),
        ("'label'", "'y'"),
    ),
    CliCase(
        "single class", ("train", "--data", "one_class.csv", "--target", "y"), ("single class",)
    ),
    CliCase(
        "missing cell",
        ("train", "--data", "missing.csv", "--target", "y", "--missing", "refuse"),
        ("'b'", "missing"),
    ),
    CliCase(
        "binary data file",
        ("train", "--data", "binary.csv", "--target", "y"),
        ("binary.csv", "UTF-8"),
    ),
    CliCase(
        "data is a folder", ("train", "--data", "a_folder", "--target", "y"), ("--data", "a_folder")
    ),
    CliCase(
        "data file missing",
        ("train", "--data", "a_folder/x.csv", "--target", "y"),
        ("x.csv", "does not exist"),
    ),
    CliCase(
        "dev file ragged",
        ("train", "--data", "good.csv", "--target", "y", "--dev-data", "ragged.csv"),
        ("ragged.csv",),
    ),
    CliCase("keep_prob 1.5", ("train", "--keep-prob", "1.5"), ("--keep-prob", "1.5")),
    CliCase("negative lambda", ("train", "--l2", "-1"), ("--l2",)),
    CliCase("negative learning rate", ("train", "--learning-rate", "-0.5"), ("--learning-rate",)),
    CliCase("zero epochs", ("train", "--epochs", "0"), ("--epochs",)),
    CliCase("layer of zero units", ("train", "--layers", "0"), ("--layers",)),
    CliCase("unknown activation", ("train", "--activation", "swish"), ("--activation", "swish")),
    CliCase("unknown scaler", ("train", "--scaler", "robust"), ("--scaler", "robust")),
    CliCase("batch of zero", ("train", "--batch-size", "0"), ("--batch-size",)),
    CliCase(
        "ratios leave no training rows",
        ("train", "--dev", "0.6", "--test", "0.6"),
        ("dev=0.6", "test=0.6"),
    ),
    CliCase(
        "model is a folder",
        ("predict", "--model", "a_folder", "--data", "good.csv"),
        ("--model", "a_folder"),
    ),
    CliCase(
        "model is binary",
        ("predict", "--model", "binary.safetensors", "--data", "good.csv"),
        ("binary.safetensors", "not a deeprecipe model"),
    ),
    CliCase(
        "model is a csv",
        ("predict", "--model", "good.csv", "--data", "good.csv"),
        ("good.csv", "not a deeprecipe model"),
    ),
    CliCase("gradcheck eps 0", ("gradcheck", "--layers", "5", "--eps", "0"), ("--eps",)),
    CliCase(
        "diagnose NaN",
        ("diagnose", "--train-error", "nan", "--dev-error", "0.1"),
        ("--train-error nan",),
    ),
    CliCase(
        "run on a single class",
        ("run", "--data", "one_class.csv", "--target", "y", "--budget", "1"),
        ("single class",),
    ),
    CliCase("run bayes error 1.5", ("run", "--bayes-error", "1.5"), ("--bayes-error",)),
    CliCase("init-compare unknown init", ("init-compare", "--inits", "foo"), ("--inits", "foo")),
]

SUBPROCESS_CASES = [
    CliCase(
        "subprocess ragged csv",
        ("train", "--data", "ragged.csv", "--target", "y"),
        ("ragged.csv", "line 3"),
    ),
    CliCase(
        "subprocess damaged model",
        ("predict", "--model", "binary.safetensors", "--data", "good.csv"),
        ("not a deeprecipe model",),
    ),
]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``folder`` with its size and modification time."""
    out = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root, name)
            stat = path.stat()
            out[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return out


def _assert_one_line_error(code: int, stderr: str, stdout: str, needles) -> None:
    assert code == 2, (code, stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("Error: "), line
    assert "Traceback" not in stderr + stdout
    assert "unexpected" not in line and "a bug in deeprecipe" not in line, line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"


def _out_args(args: tuple[str, ...]) -> list[str]:
    """Commands that write a folder get --out, so a partial write would show."""
    return ["--out", "out_folder"] if args[0] in ("train", "run") else []


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli_refuses_with_one_line_and_writes_nothing(case: CliCase, files: Path, monkeypatch):
    monkeypatch.chdir(files)
    monkeypatch.delenv("DEEPRECIPE_TRACEBACK", raising=False)
    before = _snapshot(files)
    result = CliRunner().invoke(cli, [*case.args, *_out_args(case.args)],
                                catch_exceptions=False)  # fmt: skip
    _assert_one_line_error(result.exit_code, result.stderr, result.stdout, case.needles)
    assert _snapshot(files) == before, "a refused command wrote or changed a file"


CONSOLE_SCRIPT = Path(sys.executable).parent / "deeprecipe"


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the deeprecipe script is not installed")
@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.id for c in SUBPROCESS_CASES])
def test_console_script_refuses_with_one_line(case: CliCase, files: Path):
    before = _snapshot(files)
    env = {k: v for k, v in os.environ.items() if k != "DEEPRECIPE_TRACEBACK"}
    done = subprocess.run(
        [str(CONSOLE_SCRIPT), *case.args, *_out_args(case.args)],
        cwd=files, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    _assert_one_line_error(done.returncode, done.stderr, done.stdout, case.needles)
    assert _snapshot(files) == before, "a refused command wrote or changed a file"
