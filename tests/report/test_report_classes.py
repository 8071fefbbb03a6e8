"""A classifier's report shows the chosen model's confusion matrix with recall and precision,
dev and test, in the errors section; a regression's shows none."""

import re

import numpy as np

from deeprecipe.diagnose.classes import class_figures
from deeprecipe.recipe import Recipe
from deeprecipe.report.build import build_report


def _errors_section(html: str) -> str:
    return re.search(r'<section id="errors">.*?</section>', html, re.S).group(0)


def test_the_errors_section_holds_one_class_table_per_part():
    dev = class_figures(["no"] * 3 + ["yes"], ["no"] * 4, ["no", "yes"])
    test = class_figures(["no", "no", "yes", "yes"], ["no", "yes", "yes", "no"], ["no", "yes"])
    run = {
        "task": "binary",
        "errors": {"chosen": {"train": 0.1, "dev": 0.25, "test": 0.5}},
        "per_class": {"dev": dev, "test": test},
    }
    section = _errors_section(build_report(run).to_html())
    assert "chosen model on dev, class by class: error 25.00%, balanced error" in section
    assert "chosen model on test, class by class: error 50.00%" in section
    head = (
        "<th>true class</th><th>predicted no</th><th>predicted yes</th><th>rows</th>"
        "<th>recall</th><th>precision</th>"
    )
    assert section.count(head) == 2
    # dev: "yes" never predicted: its row 1 0, recall 0.00%, precision 0.00%
    assert (
        '<tr><td>yes</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>'
        '<td class="num">0.00%</td><td class="num">0.00%</td></tr>' in section
    )


def test_a_recipe_run_on_imbalanced_data_writes_the_table_into_a_self_contained_page(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = np.where(X[:, 0] > 1.7, "rare", "common")  # about 4.5% "rare"
    result = Recipe(hidden=(4,), epochs=40, max_trainings=2, max_steps=1, n_jobs=1,
                    learning_curve_fractions=(1.0,), seed=0).run(X, y)  # fmt: skip
    html = result.save_report(tmp_path / "page.html").read_text()
    section = _errors_section(html)
    for part in ("dev", "test"):
        assert f"chosen model on {part}, class by class" in section
    assert "<th>predicted rare</th>" in section and "the classes are imbalanced" in section
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_a_regression_report_has_no_class_table():
    run = {"task": "regression", "errors": {"chosen": {"train": 1.0, "dev": 2.0}}}
    assert "class by class" not in build_report(run).to_html()
