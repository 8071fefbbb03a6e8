"""One event system: trainings and the recipe publish plain-dict events to a listener, to the
``deeprecipe`` logger, and (when asked) to rich progress bars."""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
import pytest
from rich.console import Console
from sklearn.exceptions import ConvergenceWarning

from deeprecipe import Recipe, fit
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.progress import ProgressView, progress_bars
from deeprecipe.sklearn import DeepClassifier
from deeprecipe.train import EarlyStopping, PublishEvents, Trainer


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    return X, y


def test_fit_sends_each_epoch_to_the_listener_and_to_the_logger(blobs, caplog):
    X, y = blobs
    events = []
    with caplog.at_level(logging.DEBUG, logger="deeprecipe"):
        history = fit(Network([3, 4, 1], seed=0), X, y, epochs=4, on_event=events.append)
    kinds = [e["event"] for e in events]
    assert kinds == ["train_start", "epoch_end", "epoch_end", "epoch_end", "epoch_end", "train_end"]
    assert events[0]["epochs"] == 4 and events[-1]["epochs_run"] == 4
    assert [e["cost"] for e in events[1:-1]] == history.cost
    logged = [r.event for r in caplog.records if r.name == "deeprecipe"]
    assert logged == events  # the same dicts, through logging
    assert {r.levelno for r in caplog.records} == {logging.DEBUG}
    assert "epoch_end: label=training, epoch=1, cost=" in caplog.records[1].getMessage()


def test_nothing_is_printed_by_default_and_progress_true_draws_a_bar(blobs, capsys):
    X, y = blobs
    fit(Network([3, 4, 1], seed=0), X, y, epochs=3)
    assert capsys.readouterr() == ("", "")
    fit(Network([3, 4, 1], seed=0), X, y, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err and "cost " in err


def test_a_bar_stopped_early_ends_full_at_the_epochs_run(blobs):
    X, y = blobs
    console = Console(file=io.StringIO(), width=100)
    with progress_bars(console) as bars:
        trainer = Trainer(
            Network([3, 4, 1], seed=0),
            optimizer="adam",
            learning_rate=0.5,
            callbacks=[
                EarlyStopping("dev_cost", patience=1, min_delta=10.0),
                PublishEvents(ProgressView(bars), epochs=50),
            ],
        )
        history = trainer.fit(X[:80], y[:80], epochs=50, X_dev=X[80:], y_dev=y[80:])
        task = bars.tasks[0]
    assert history.stopped_early and len(history) < 50
    assert task.completed == task.total == len(history)
    assert "dev error" in task.fields["status"]


def test_recipe_progress_and_logging(caplog, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    settings = dict(
        hidden=(4,),
        epochs=30,
        max_trainings=3,
        max_steps=1,
        n_jobs=1,
        learning_curve_fractions=(1.0,),
    )
    events = []
    with caplog.at_level(logging.INFO, logger="deeprecipe"):
        Recipe(**settings, on_event=events.append, progress=True).run(X, y)
    logged = [r.event["event"] for r in caplog.records if r.name == "deeprecipe"]
    assert logged == [e["event"] for e in events]
    assert logged[0] == "run_start" and logged[-1] == "run_end" and "trial_done" in logged
    err = capsys.readouterr().err
    assert "trainings" in err and "train 1" in err  # the bar and the split line
    capsys.readouterr()
    Recipe(**settings).run(X, y)  # off by default in the library
    assert capsys.readouterr() == ("", "")


def test_estimators_log_their_epochs(blobs, caplog):
    X, y = blobs
    with caplog.at_level(logging.DEBUG, logger="deeprecipe"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DeepClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    events = [r.event for r in caplog.records if r.name == "deeprecipe"]
    assert [e["event"] for e in events] == ["train_start", "epoch_end", "epoch_end", "train_end"]
    assert events[0]["label"] == "DeepClassifier"


def test_a_listener_that_is_not_callable_is_refused(blobs):
    X, y = blobs
    with pytest.raises(DeepRecipeError, match="on_event=3"):
        fit(Network([3, 1]), X, y, epochs=1, on_event=3)


def test_in_jupyter_without_ipywidgets_the_bars_are_printed_as_text(monkeypatch):
    """rich draws live bars in Jupyter through ipywidgets; without it, rich would only warn
    and draw nothing: the bars' final state is printed instead, as in a log."""
    import importlib.util

    import rich.console

    import deeprecipe.progress as progress

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")  # as ipykernel sets it
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        progress.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else find_spec(name, *a),
    )
    console = progress._stderr_console()
    # not a terminal either: each redraw reached a real kernel's cell as new lines
    assert not console.is_jupyter and not console.is_terminal
    monkeypatch.setattr(progress.importlib.util, "find_spec", lambda name, *a: object())
    assert progress._stderr_console().is_jupyter


def test_progress_renders_in_jupyter():
    """In a notebook kernel rich draws the bars into a live ipywidgets output cell."""
    for module in ("nbclient", "nbformat", "ipykernel", "ipywidgets"):
        pytest.importorskip(module, reason="a notebook kernel and ipywidgets")
    import nbformat
    from nbclient import NotebookClient

    code = (
        "import numpy as np\n"
        "from deeprecipe import fit\n"
        "from deeprecipe.nn import Network\n"
        "X = np.random.default_rng(0).normal(size=(50, 2)); y = (X[:, 0] > 0).astype(int)\n"
        "history = fit(Network([2, 3, 1]), X, y, epochs=5, progress=True)\n"
        "print(len(history))"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    printed = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert widgets, outputs  # the live bar, not text written to the cell's stderr
    assert printed.strip() == "5"
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs


def _run_bar(budget, seconds, elapsed, stopped_because):
    """The run's bar and its printed final line after two trainings and a run_end event."""
    console = Console(file=io.StringIO(), width=100)
    with progress_bars(console) as bars:
        view = ProgressView(bars, budget, seconds)
        view({"event": "run_start", "task": "binary", "n_train": 80, "n_dev": 20, "n_test": 20,
              "n_features": 2, "where": "here", "elapsed": 0.0})  # fmt: skip
        for k in range(2):
            view({"event": "trial_done", "label": f"t{k}", "dev_error": 0.1, "elapsed": 9.0})
        view({"event": "run_end", "stopped_because": stopped_because, "elapsed": elapsed})
        task = bars.tasks[0]
    (line,) = [s for s in console.file.getvalue().splitlines() if s.startswith(task.description)]
    return task, line


def test_a_run_that_ends_early_keeps_its_budget_as_the_bars_total():
    """29 s of 180: the bar reads 29/180 and says why it stopped short, with no time left
    and no clock beside a count that is already seconds."""
    task, line = _run_bar(None, 180.0, 28.6, "both gaps are within tolerance")
    assert (task.completed, task.total) == (29, 180)
    assert task.fields["status"] == "2 trainings, finished early"
    assert "29/180 2 trainings, finished early" in line
    assert "left" not in line and "0:00" not in line
    task, line = _run_bar(40, None, 28.6, "both gaps are within tolerance")
    assert (task.completed, task.total) == (2, 40) and "2/40 finished early 0:00:" in line
    assert "left" not in line


def test_a_run_that_spends_its_budget_says_so():
    spent = "the budget is spent, and it stopped the chosen network's training at epoch 3"
    task, line = _run_bar(None, 20.0, 18.4, spent)
    assert "18/20 2 trainings, the budget is spent" in line and "left" not in line
    task, line = _run_bar(2, None, 18.4, "the budget is spent")
    assert "2/2 the budget is spent" in line and "left" not in line


def test_a_finished_training_shows_its_time_but_no_time_left(blobs):
    X, y = blobs
    console = Console(file=io.StringIO(), width=100)
    with progress_bars(console) as bars:
        fit(Network([3, 4, 1], seed=0), X, y, epochs=3, on_event=ProgressView(bars))
    (line,) = console.file.getvalue().splitlines()
    assert "3/3" in line and "0:00:0" in line and "left" not in line


def test_a_wall_time_budgets_bar_moves_with_the_clock_between_events():
    """A 307k-row table: the references took 80 s and the bar stood at 0/300 meanwhile."""
    import time

    console = Console(file=io.StringIO(), width=100)
    with progress_bars(console) as bars:
        view = ProgressView(bars, None, 60.0)
        view({"event": "run_start", "task": "binary", "n_train": 80, "n_dev": 20, "n_test": 20,
              "n_features": 2, "where": "here", "elapsed": 2.0})  # fmt: skip
        time.sleep(1.2)  # no event: the clock alone moves the bar
        moving = bars.tasks[0].completed
        view({"event": "run_end", "stopped_because": "both gaps are within tolerance",
              "elapsed": 3.4})  # fmt: skip
        ended = bars.tasks[0].completed
    assert 2.5 <= moving <= 60 and ended == 3  # the run's own figure is the last word
    assert not view._clock.is_alive()
