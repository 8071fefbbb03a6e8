"""``deeprecipe run`` on an imbalanced file: the balanced error beside the error in the summary
table, the imbalance note, and the per-class figures in --json and results.json."""

from __future__ import annotations

import json

import numpy as np


def _imbalanced_csv(path, m=400):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 2))
    label = np.where(X[:, 0] + 0.3 * X[:, 1] > 1.8, "yes", "no")  # about 4% "yes"
    rows = [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, label, strict=True)]
    path.write_text("x1,x2,deny\n" + "\n".join(rows) + "\n")
    return path


def test_run_on_an_imbalanced_file_says_so_and_shows_the_balanced_error(invoke, tmp_path):
    data = _imbalanced_csv(tmp_path / "loans.csv")
    args = ["run", "--data", data, "--target", "deny", "--budget", "2", "--epochs", "10",
            "--jobs", "1", "--seed", "0", "--out", tmp_path / "out"]  # fmt: skip
    shown = invoke(*args)
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    (row,) = [line for line in lines if "chosen network, balanced error" in line]
    assert row.count("%") == 2  # dev and test; no train figure
    assert "Note: the classes are imbalanced: 'yes' is" in shown.stdout
    summary = invoke.json(*args)
    assert set(summary["per_class"]) == {"dev", "test"}
    assert summary["per_class"]["dev"]["classes"] == ["no", "yes"]
    recipe = json.loads((tmp_path / "out" / "results.json").read_text())["recipe"]
    assert recipe["per_class"] == summary["per_class"]
