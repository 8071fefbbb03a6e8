"""``deeprecipe train`` on a regression trains on (y - mean) / std, as the recipe's trials do,
and keeps the model, ``predict`` and the MSEs in the target's own units."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.io import load_model

#: a small spec; the learning rate and lambda of the command line's defaults would mean nothing
#: on raw targets of about 2e4 (trained on them, the network never got near the mean)
SPEC = ["--layers", "8", "--epochs", "120", "--seed", "3"]


def write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)]) + "\n")
    return path


@pytest.fixture(scope="module")
def big_targets(tmp_path_factory):
    """300 rows, 3 features; y about 2e4 +- 1e4: a regression in units where lambda = 3 and
    alpha = 0.01 on the raw targets are something else entirely."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = 2e4 + 1e4 * (X[:, 0] - 0.5 * X[:, 1] + 0.3 * np.tanh(X[:, 2])) + rng.normal(0, 1e3, 300)
    folder = tmp_path_factory.mktemp("big")
    rows = [[*x.round(5), round(float(t), 3)] for x, t in zip(X, y)]
    return {
        "file": write_csv(folder / "big.csv", ["a", "b", "c", "y"], rows),
        "scaled": write_csv(  # the same targets in other units (y / 100)
            folder / "small.csv", ["a", "b", "c", "y"], [[*r[:3], r[3] / 100] for r in rows]
        ),
        "new": write_csv(folder / "new.csv", ["a", "b", "c"], [r[:3] for r in rows[:20]]),
        "y": y,
    }


def _train(invoke, data, out, *extra):
    return invoke.json("train", "--data", data, "--target", "y", "--task", "regression",
                       *SPEC, *extra, "--out", out)  # fmt: skip


def _trial(csv, **changes):
    """The recipe's trial of the command's spec on the command's split."""
    from deeprecipe.cli._data import prepare
    from deeprecipe.cli._training import network_spec, scaled
    from deeprecipe.recipe.trial import TrialData, run_trial

    data = prepare(dataset=None, data_file=csv, target="y", task="regression", seed=3)
    _, X = scaled(data, "standardize")
    trials = TrialData(X["train"], data.y_train, X["dev"], data.y_dev, data.loss, data.n_outputs)
    options = {"layers": (8,), "epochs": 120, "seed": 3, "learning_rate": 0.01,
               "optimizer": "adam", **changes}  # fmt: skip
    # measured every epoch, as the command measures (and early stopping watches) its dev cost
    return run_trial(network_spec(options).replace(metrics_every=1).to_dict(), trials)[0]


@pytest.mark.parametrize(
    ("extra", "changes"),
    [
        (["--l2", "3"], {"l2": 3.0}),
        (
            ["--early-stopping", "--patience", "5", "--epochs", "400"],
            {"early_stopping": True, "patience": 5, "epochs": 400},
        ),
    ],  # fmt: skip
)
def test_train_reproduces_the_recipe_s_trial_of_the_same_spec(
    invoke, big_targets, tmp_path, extra, changes
):
    """The same spec, seed and split through ``train`` and through ``run_trial`` (in the
    command's float32): the same MSEs, the same history, early stopping at the same epoch.
    On the raw targets ``train`` read a dev MSE of 5.4e8 where the trial read 2.0e6."""
    summary = _train(invoke, big_targets["file"], tmp_path, *extra)
    trial = _trial(big_targets["file"], **changes)
    assert summary["errors"]["dev"]["error"] == trial["dev_error"]
    assert summary["errors"]["train"]["error"] == trial["train_error"]
    history = json.loads((tmp_path / "results.json").read_text())["history"]
    assert history["cost"] == trial["history"]["cost"]  # on the standardized targets, both
    assert history["dev_cost"] == trial["history"]["dev_cost"]
    assert summary["best_epoch"] == trial["best_epoch"]
    assert summary["stopped_early"] == trial["stopped_early"]
    assert summary["target_variance"] == trial["target_variance"]


def test_the_model_predicts_in_the_target_s_units_and_the_costs_say_theirs(
    invoke, big_targets, tmp_path
):
    summary = _train(invoke, big_targets["file"], tmp_path, "--l2", "1")
    y = big_targets["y"]
    model = load_model(tmp_path / "model.safetensors")
    scale = model.metadata["target_scale"]
    assert scale == summary["target_scale"]
    assert 1.5e4 < scale["mean"][0] < 2.5e4 and 8e3 < scale["std"][0] < 1.4e4
    # the MSEs in y's units: far below y's variance (about 1.2e8), near the noise's 1e6
    errors = summary["errors"]
    assert 5e5 < errors["dev"]["error"] < 1e7 and 5e5 < errors["test"]["error"] < 1e7
    # the cost J is the training objective, on the standardized targets (about 0.05, not 1e6)
    assert errors["dev"]["cost"] < 0.5
    history = json.loads((tmp_path / "results.json").read_text())["history"]
    assert history["cost"][-1] < 0.5
    # predict on raw rows: values of y, not of (y - mean) / std
    predicted = invoke.json("predict", "--model", tmp_path / "model.safetensors",
                            "--data", big_targets["new"])["predictions"]  # fmt: skip
    assert np.sqrt(np.mean((np.asarray(predicted) - y[:20]) ** 2)) < 4e3
    net_out = model.predict(np.loadtxt(big_targets["new"], delimiter=",", skiprows=1))
    assert np.allclose(net_out, predicted)


def test_the_table_and_the_cost_curves_say_the_cost_is_on_standardized_targets(
    invoke, big_targets, tmp_path, monkeypatch
):
    from deeprecipe.report import figures

    drawn = {}
    real = figures.cost_curves

    def spy(histories, **kwargs):
        drawn.update(kwargs)
        return real(histories, **kwargs)

    monkeypatch.setattr(figures, "cost_curves", spy)
    result = invoke("train", "--data", big_targets["file"], "--target", "y", "--task",
                    "regression", *SPEC, "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "cost J (y standardized)" in result.stdout
    variance = json.loads((tmp_path / "results.json").read_text())["target_variance"][0]
    assert drawn["target_variances"] == {"training": pytest.approx(variance, rel=1e-12)}


def test_the_target_s_units_do_not_change_the_training(invoke, big_targets, tmp_path):
    """y and y / 100 train the same network: the MSEs differ by 100^2 and nothing else."""
    big = _train(invoke, big_targets["file"], tmp_path / "big", "--l2", "3")
    small = _train(invoke, big_targets["scaled"], tmp_path / "small", "--l2", "3")
    for part in ("train", "dev", "test"):
        assert big["errors"][part]["error"] == pytest.approx(
            1e4 * small["errors"][part]["error"], rel=1e-4
        )
        assert big["errors"][part]["cost"] == pytest.approx(small["errors"][part]["cost"], rel=1e-4)


def test_a_resumed_regression_continues_in_the_same_units(invoke, big_targets, tmp_path):
    """The checkpoint holds the network as trained, on the standardized targets; the resumed
    run standardizes by the same training split and folds the scale in once, at the end."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    a = _train(invoke, big_targets["file"], whole)
    _train(invoke, big_targets["file"], parts, "--epochs", "50", "--checkpoint-every", "20")
    settings = json.loads((parts / "checkpoint_settings.json").read_text())
    assert settings["target_scale"] == a["target_scale"]
    b = _train(invoke, big_targets["file"], parts, "--checkpoint-every", "20", "--resume")
    assert a["errors"] == b["errors"]
    theta_a = load_model(whole / "model.safetensors").network.theta
    theta_b = load_model(parts / "model.safetensors").network.theta
    assert theta_a.tobytes() == theta_b.tobytes()
    history_a = json.loads((whole / "results.json").read_text())["history"]
    assert history_a == json.loads((parts / "results.json").read_text())["history"]


def test_a_regression_checkpoint_of_raw_targets_is_not_resumed(invoke, big_targets, tmp_path):
    """An older deeprecipe's checkpoint (its settings without a target scale) was trained on
    the raw targets: resuming it on standardized ones would continue another training."""
    _train(invoke, big_targets["file"], tmp_path, "--epochs", "20", "--checkpoint-every", "10")
    path = tmp_path / "checkpoint_settings.json"
    settings = json.loads(path.read_text())
    del settings["target_scale"]
    path.write_text(json.dumps(settings))
    result = invoke("train", "--data", big_targets["file"], "--target", "y", "--task",
                    "regression", *SPEC, "--out", tmp_path, "--resume")  # fmt: skip
    assert result.exit_code == 2
    assert "the raw targets" in result.stderr and "without --resume" in result.stderr


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_deep_regressor_loads_the_command_s_model_with_its_target_scale(
    invoke, big_targets, tmp_path
):
    """A warm start of DeepRegressor from the file continues on the same standardized targets."""
    from deeprecipe.sklearn import DeepRegressor

    summary = _train(invoke, big_targets["file"], tmp_path)
    reg = DeepRegressor.load(tmp_path / "model.safetensors")
    assert reg._y_centre.tolist() == summary["target_scale"]["mean"]
    assert reg._y_spread.tolist() == summary["target_scale"]["std"]
    X = np.loadtxt(big_targets["new"], delimiter=",", skiprows=1)
    model = load_model(tmp_path / "model.safetensors")
    assert np.allclose(reg.predict(X), model.predict(X))
