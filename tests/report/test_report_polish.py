"""The report read as a user: tick labels and legends that do not collide with each other or
the bars, one number format per task in tables, decisions and plots, and ties that say how
they were broken."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.recipe.step import better_on_dev
from deeprecipe.recipe.sweep import TrialOutcome
from deeprecipe.report import figures
from deeprecipe.report.build import build_report, steps_section, validation_section
from deeprecipe.task import get_task


def _drawn(figure):
    """The figure laid out by the Agg renderer, as in its PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure).draw()
    return figure


def _boxes(figure, artists):
    renderer = figure.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_gradient_histogram_tick_labels_never_overlap():
    # the last layer's weight gradients: three values of order 1e-4, the case that collided
    layers = [
        {"name": f"layer {k}", "activations": np.random.default_rng(k).random(500),
         "gradients": np.array([-7.1e-4, 1.3e-4, 1.0e-3]) * (k + 1)}
        for k in range(1, 4)
    ]  # fmt: skip
    figure = figures.layer_histograms(layers)
    _drawn(figure)
    for ax in figure.get_axes():
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        boxes = _boxes(figure, labels)
        for a, b in zip(boxes, boxes[1:]):
            assert not _overlap(a, b), [t.get_text() for t in labels]


def test_the_step_legend_covers_no_bar_and_bars_read_as_percentages():
    figure = figures.step_errors(["baseline", "l2", "learning_curve"],
                                 [0.0405, 0.0648, 0.0648], [0.0732, 0.061, 0.061])  # fmt: skip
    _drawn(figure)
    (ax,) = figure.get_axes()
    (legend_box,) = _boxes(figure, [ax.get_legend()])
    for bar_box in _boxes(figure, ax.patches):
        assert not _overlap(legend_box, bar_box)
    texts = [t.get_text() for t in ax.texts]
    assert "7.32%" in texts and "4.05%" in texts
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())


def test_a_regression_plots_its_mse_as_numbers():
    figure = figures.step_errors(["baseline"], [2.5], [3.25], error_format="loss")
    _drawn(figure)
    (ax,) = figure.get_axes()
    assert [t.get_text() for t in ax.texts] == ["2.5", "3.25"]
    assert ax.get_ylabel() == "mean squared error"
    assert not any("%" in t.get_text() for t in ax.get_yticklabels())


def _outcome(key, dev_error, dev_loss, train_error=0.05):
    return TrialOutcome({"key": key, "spec": {}, "train_error": train_error,
                         "dev_error": dev_error, "dev_loss": dev_loss})  # fmt: skip


def test_decisions_speak_in_the_task_format_and_name_the_tie_breaker():
    # the football run's l2 step: lambda 0.3, 1 and 3 tie at 6.10% dev error
    incumbent = _outcome("base", 0.07317, 0.5, 0.04049)
    outcomes = [_outcome("a", 0.06098, 0.3578), _outcome("b", 0.06098, 0.2506, 0.06478),
                _outcome("c", 0.06098, 0.2671), _outcome("d", 0.0976, 0.4)]  # fmt: skip
    labels = {"a": "lambda=0.3", "b": "lambda=1", "c": "lambda=3", "d": "lambda=0.01"}
    decision = better_on_dev(incumbent, outcomes, labels, get_task("binary").format_metric)
    assert decision.winner.key == "b"
    assert decision.text == (
        "kept lambda=1: dev error 7.32% -> 6.10% (train error 4.05% -> 6.48%); 3 candidates "
        "tie at 6.10% dev error, broken by the lowest dev loss without the L2 term "
        "(lambda=1: 0.2506, lambda=3: 0.2671, lambda=0.3: 0.3578)"
    )
    mse = get_task("regression").format_metric
    stay = better_on_dev(_outcome("x", 2.5, 2.5), [_outcome("y", 3.0, 3)], {"y": "wider"}, mse)
    assert stay.text == (
        "no candidate beat the current dev error 2.5 (best: wider with 3); kept the current one"
    )


def test_the_page_marks_tied_candidates_and_explains_the_kept_value():
    curve = {"values": [0.1, 0.3, 1.0, 3.0], "train_error": [0.03, 0.04, 0.06, 0.07],
             "dev_error": [0.073, 0.061, 0.061, 0.061], "chosen": 1.0}  # fmt: skip
    (_image, note) = validation_section({"l2": curve}, "binary")[:2]
    assert note.text.startswith("lambda (L2) = 0.3, 1 and 3 tie at 6.10% dev error; 1 was kept")
    step = {"name": "l2", "decision": "kept lambda=1", "reason": "",
            "trials": [{"label": "lambda=0.3", "train_error": 0.04, "dev_error": 0.061,
                        "tied": True},
                       {"label": "lambda=1", "train_error": 0.06, "dev_error": 0.061,
                        "chosen": True}]}  # fmt: skip
    table = steps_section([step], "binary")[0]
    assert table.rows[0][1:] == ["4.00%", "6.10%", "tie: higher dev loss"]
    assert table.rows[1][3] == "kept"


def test_a_regressions_cost_curves_agree_with_its_errors_table(monkeypatch):
    # the recipe trains on standardized targets; the curves once read 0.8 where the table said
    # an MSE of 17 (the targets' variance apart), under the same "mean squared error" label
    from deeprecipe import Recipe
    from deeprecipe.report.from_recipe import report_data

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = 50 + 10 * (X @ np.array([1.0, -2.0, 0.5]) + rng.standard_normal(200))
    result = Recipe(task="regression", hidden=(4,), optimizer="adam", learning_rate=0.01,
                    epochs=20, max_trainings=2, n_jobs=1).run(X, y)  # fmt: skip
    drawn, draw = [], figures.cost_curves

    def keep(*args, **kwargs):
        drawn.append(draw(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(figures, "cost_curves", keep)
    report = build_report(report_data(result.to_dict(), title="regression"))
    (figure,) = drawn
    cost_ax, error_ax = figure.get_axes()
    dev = next(line for line in error_ax.get_lines() if line.get_label() == "chosen: dev")
    assert dev.get_ydata()[-1] == pytest.approx(result.dev_error, rel=1e-9)
    assert error_ax.get_ylabel() == "mean squared error"
    assert cost_ax.get_ylabel() == "cost J (standardized targets)"
    assert f'<td class="num">{get_task("regression").format_metric(result.dev_error)}</td>' in (
        report.to_html()
    )


@pytest.mark.parametrize(("task", "cell"), [("binary", "6.10%"), ("regression", "0.061")])
def test_the_errors_table_uses_the_task_format(task, cell):
    report = build_report({"task": task, "errors": {"chosen": {"train": 0.05, "dev": 0.061}}})
    html = report.to_html()
    assert f'<td class="num">{cell}</td>' in html


def test_the_report_and_the_notebook_share_the_diagnosis_table():
    from deeprecipe.diagnose import diagnose
    from deeprecipe.diagnose.display import diagnosis_rows
    from deeprecipe.report.build import diagnosis_section

    d = diagnose(0.01, 0.11, bayes_error=0.01)  # the lecture: high variance
    table = diagnosis_section({"chosen": d.to_dict()})[0]
    assert [r[:2] for r in table.rows] == [r[:2] for r in diagnosis_rows(d.to_dict(), "MSE")]
    html = table.to_html()
    assert '<td class="num">11.00%</td>' in html
    assert '<td class="bad verdict">HIGH (threshold 1.50%)</td>' in html
    assert '<td class="good">ok (threshold 1.50%)</td>' in html


def test_a_curve_with_no_kept_value_promises_no_dotted_line():
    """keep_prob 1.0 kept (dropout refused): the caption said 'the dotted line is the value
    the dev set chose' over a plot with no line."""
    curve = {"values": [0.8, 0.9], "train_error": [0.1, 0.09], "dev_error": [0.2, 0.21]}
    kept = validation_section({"keep_prob": {**curve, "chosen": 0.9}}, "binary")
    refused = validation_section({"keep_prob": {**curve, "chosen": None}}, "binary")
    assert "the dotted line is the value the dev set chose" in kept[-1].caption
    assert "dotted" not in refused[-1].caption and "none of these values was kept" in (
        refused[-1].caption
    )


def test_the_report_says_how_the_chosen_networks_training_ended():
    """The terminal said 'stopped early after 1360; the weights of epoch 960 restored', the
    report only '4000 epochs': one sentence now, for the CLI, the notebook and the page."""
    from deeprecipe.recipe.result import chosen_network_words

    spec = {"activation": "relu", "l2": 0.0, "keep_prob": 1.0, "optimizer": "adam",
            "learning_rate": 0.01, "batch_size": None, "epochs": 4000}  # fmt: skip
    final = {"spec": spec, "stopped_early": True, "epochs_run": 1360, "best_epoch": 960}
    words = chosen_network_words(final, [5, 20, 1])
    assert words == (
        "Chosen network 5-20-1: relu, L2 lambda 0, keep_prob 1.0, adam learning rate 0.01, "
        "full batch, 4000 epochs (stopped early after 1360; the weights of epoch 960 restored)"
    )
    from deeprecipe.report.from_recipe import _summary

    assert f"{words}." in _summary({"final": final, "network": {"layer_sizes": [5, 20, 1]}})


def test_a_regressions_output_layer_is_not_called_logits():
    from deeprecipe.nn import Network
    from deeprecipe.report.probes import layer_samples

    X = np.random.default_rng(0).normal(size=(20, 3))
    names = {
        loss: layer_samples(Network([3, 4, 1], loss=loss, seed=0), X, X[:, 0] > 0)[-1]["name"]
        for loss in ("mse", "binary_crossentropy")
    }
    assert names == {"mse": "layer 2 (output, predictions)",
                     "binary_crossentropy": "layer 2 (output, logits)"}  # fmt: skip
