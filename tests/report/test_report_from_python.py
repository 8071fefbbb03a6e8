"""The report from Python: ``RecipeResult.save_report`` writes the page ``deeprecipe run``
writes, and ``save_report`` reports one trained model."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest

from deeprecipe import (
    DeepRecipeError,
    Network,
    Recipe,
    Standardizer,
    fit,
    load_dataset,
    save_report,
    split,
)
from deeprecipe.model import Model
from deeprecipe.report.build import SECTIONS

#: the CLI's run, and the same settings spelled for Recipe
ARGS = ["--dataset", "moons", "--budget", "3", "--epochs", "20", "--jobs", "1", "--seed", "3"]
SETTINGS = dict(hidden=(20, 3), optimizer="adam", learning_rate=0.01, epochs=20,
                max_trainings=3, n_jobs=1, seed=3)  # fmt: skip

IMAGE = re.compile(r'<img src="data:image/png;base64,([^"]+)" alt="[^"]*" data-name="(\w+)"')


def images(html: str) -> dict[str, bytes]:
    return {name: base64.b64decode(data) for data, name in IMAGE.findall(html)}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The CLI's report folder and the one Python writes, for the same run."""
    from click.testing import CliRunner

    from deeprecipe.cli import cli

    cli_out = tmp_path_factory.mktemp("cli")
    done = CliRunner().invoke(cli, ["run", *ARGS, "--out", str(cli_out)], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    ds = load_dataset("moons", seed=3)
    result = Recipe(**SETTINGS).run(ds.X, ds.y)
    py_out = tmp_path_factory.mktemp("python") / "report"
    page = result.save_report(py_out, title="deeprecipe report: moons")
    return cli_out, py_out, page, result


@pytest.mark.slow
def test_python_writes_the_page_the_cli_writes(both):
    cli_out, py_out, page, _ = both
    assert page == py_out / "report.html"
    cli_html, py_html = (cli_out / "report.html").read_text(), page.read_text()
    for sid, _title in SECTIONS:
        assert f'<section id="{sid}">' in py_html
    cli_images, py_images = images(cli_html), images(py_html)
    assert "decision_boundary" in py_images and "layer_health" in py_images
    assert list(py_images) == list(cli_images)
    # the same run draws the same pictures, pixel for pixel (the baseline's boundary included)
    for name in cli_images:
        assert py_images[name] == cli_images[name], name
    assert sorted(p.stem for p in py_out.glob("*.png")) == sorted(py_images)
    cli_results = json.loads((cli_out / "results.json").read_text())
    py_results = json.loads((py_out / "results.json").read_text())
    assert py_results["errors"] == cli_results["errors"]
    assert py_results["steps"] == cli_results["steps"]
    assert "model" in cli_results and "model" not in py_results  # the CLI adds its model file


@pytest.mark.slow
def test_a_path_ending_in_html_is_the_page_alone(both, tmp_path):
    _, _, _, result = both
    page = result.save_report(tmp_path / "sub" / "moons.html")
    assert page == tmp_path / "sub" / "moons.html"
    assert sorted(p.name for p in page.parent.iterdir()) == ["moons.html"]
    html = page.read_text()
    assert "<h1>deeprecipe report</h1>" in html
    assert "decision_boundary" in images(html)


def test_the_function_reports_a_trained_network_on_its_data(tmp_path):
    from matplotlib.image import imread

    ds = load_dataset("moons")
    parts = split(ds.X, ds.y, seed=0)
    scaler = Standardizer().fit(parts.X_train)
    net = Network([2, 8, 1], seed=0)
    history = fit(net, scaler.transform(parts.X_train), parts.y_train, optimizer="adam",
                  learning_rate=0.01, epochs=30, X_dev=scaler.transform(parts.X_dev),
                  y_dev=parts.y_dev)  # fmt: skip
    model = Model(net, scaler=scaler)
    page = save_report(model, parts.X_train, parts.y_train, parts.X_dev, parts.y_dev,
                       path=tmp_path / "model", history=history, bayes_error=0.0)  # fmt: skip
    html = page.read_text()
    train = net.error(scaler.transform(parts.X_train), parts.y_train)
    dev = net.error(scaler.transform(parts.X_dev), parts.y_dev)
    assert f"{100 * train:.2f}%" in html and f"{100 * dev:.2f}%" in html
    assert "<h1>deeprecipe report: network 2-8-1</h1>" in html
    assert "W1" in html and "b2" in html  # the gradient check, per tensor
    pictures = images(html)
    assert {"cost_curves", "gradient_check", "layer_health", "decision_boundary"} <= set(pictures)
    for png in pictures.values():
        assert imread(io.BytesIO(png)).shape[0] > 50
    # no recipe: no steps, no sweeps, and no test set read
    assert html.count("no recipe was run; this is the report of one trained model") == 3
    assert "The test set is measured once" not in html


def test_a_network_on_scaled_rows_gives_the_same_errors(tmp_path):
    ds = load_dataset("moons")
    X, y = ds.X[:200], ds.y[:200]
    net = Network([2, 4, 1], seed=1)
    page = save_report(net, X[:150], y[:150], X[150:], y[150:], path=tmp_path / "r.html")
    assert f"{100 * net.error(X[:150], y[:150]):.2f}%" in page.read_text()


@pytest.mark.slow
def test_misuse_is_one_clear_error(both, tmp_path):
    _, _, _, result = both
    X = np.zeros((4, 2))
    with pytest.raises(DeepRecipeError, match="RecipeResult carries its own data"):
        save_report(result, X, np.zeros(4), path=tmp_path / "x")
    with pytest.raises(DeepRecipeError, match="y_dev is missing"):
        save_report(Network([2, 1]), X, np.zeros(4), X, path=tmp_path / "x")
    with pytest.raises(DeepRecipeError, match="accepted: a RecipeResult, a Network or a Model"):
        save_report("model.safetensors", X, np.zeros(4), X, np.zeros(4), path=tmp_path / "x")
    assert not (tmp_path / "x").exists()
