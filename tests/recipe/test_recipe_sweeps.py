"""Sweeps: local processes, a Dask LocalCluster, a worker killed mid-way, and resuming."""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import threading
import time

import numpy as np
import pytest

from deeprecipe.errors import DeepRecipeError
from deeprecipe.recipe import Recipe, Sweeper, TrialRecord, make_spec, sweep

from ._fixtures_recipe import blobs, l2_specs, small_data


def _same(a, b):
    """Trial results equal: the same key and spec, identical errors, costs equal to float64
    rounding (see the note in trial.py on where low bits can differ)."""
    assert a.key == b.key and a.spec == b.spec
    assert a.train_error == b.train_error and a.dev_error == b.dev_error
    np.testing.assert_allclose(a.result["history"]["cost"], b.result["history"]["cost"],
                               rtol=1e-9)  # fmt: skip


def test_local_processes_match_serial_trial_for_trial():
    data = small_data()
    specs = l2_specs(4)
    serial = sweep(specs, data, n_jobs=1)
    parallel = sweep(specs, data, n_jobs=2)
    assert len({o.result["pid"] for o in parallel}) >= 1
    for a, b in zip(serial, parallel):
        _same(a, b)
        assert a.result["history"] == b.result["history"]  # bit-identical in loky workers


def test_a_trial_alone_trains_on_the_cores_the_workers_would_share(monkeypatch):
    """A baseline (one trial) ran on one BLAS thread while the other core sat idle (a new
    user's 307k-row trial); the bits are the same on any thread count."""
    import importlib

    from deeprecipe.recipe.trial import run_trial

    sweep_module = importlib.import_module("deeprecipe.recipe.sweep")  # not the function

    data = small_data()
    (spec,) = l2_specs(1)
    one, _ = run_trial(spec, data, threads=1)
    two, _ = run_trial(spec, data, threads=2)
    _same(sweep_module.TrialOutcome(one), sweep_module.TrialOutcome(two))
    assert one["history"] == two["history"]
    seen = []
    monkeypatch.setattr(
        sweep_module,
        "run_trial",
        lambda spec, data, **kw: seen.append(kw["threads"]) or (one, None),
    )
    with Sweeper(data, n_jobs=2) as alone:
        list(alone._execute([spec]))
    with Sweeper(data, n_jobs=1) as asked_for_one:
        list(asked_for_one._execute([spec]))
    assert seen == [2, 1]


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed", reason="pip install deeprecipe[dask]")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )  # fmt: skip
    yield cluster
    cluster.close()


@pytest.mark.slow
def test_dask_sweep_matches_local_trial_for_trial(dask_cluster):
    data = small_data()
    specs = l2_specs(6)
    local = sweep(specs, data, n_jobs=1)
    remote = sweep(specs, data, cluster=dask_cluster.scheduler_address)
    assert len({o.result["pid"] for o in remote} - {os.getpid()}) >= 1  # ran on the workers
    for a, b in zip(local, remote):
        _same(a, b)


@pytest.mark.slow
def test_a_recipe_runs_on_a_live_dask_client_as_on_local_processes(dask_cluster):
    """``Recipe(cluster=client)`` with a ``dask.distributed.Client`` object (not an address):
    the client is used as given, left open, and the run ends where the local one ends."""
    from dask.distributed import Client

    X, y = blobs(300)
    settings = dict(hidden=(8,), learning_rate=0.5, epochs=150, max_steps=2, l2_grid=(0.01, 1.0),
                    keep_prob_grid=(0.8,), noise_grid=(0.1,), learning_curve_fractions=(0.5,),
                    bias_tolerance=0.0, variance_tolerance=0.0)  # fmt: skip
    local = Recipe(**settings, n_jobs=1).run(X, y)
    with Client(dask_cluster.scheduler_address, timeout=30) as client:
        remote = Recipe(**settings, cluster=client).run(X, y)
        assert client.status == "running"
    assert remote.config["cluster"] == "Client"
    assert [s.chosen for s in remote.steps] == [s.chosen for s in local.steps]
    assert remote.final == local.final and remote.test_error == local.test_error


@pytest.mark.slow
def test_dask_sweep_survives_a_killed_worker(dask_cluster, tmp_path):
    """One worker process is killed (SIGKILL) after the first trial is back: its trials are rerun on
    the other (or the restarted) worker and the record has every trial."""
    from dask.distributed import Client

    data = small_data()
    specs = l2_specs(8, epochs=3000)  # long enough that trials are still running
    record = TrialRecord(tmp_path / "record")
    first_done = threading.Event()
    outcome: dict = {}
    done_at: list[float] = []

    def on_event(event):
        done_at.append(time.monotonic())
        first_done.set()

    def go():
        try:
            outcome["result"] = sweep(
                specs, data, cluster=dask_cluster.scheduler_address, record=record,
                on_event=on_event,
            )  # fmt: skip
        except BaseException as exc:  # pragma: no cover - reported below
            outcome["error"] = exc

    thread = threading.Thread(target=go)
    thread.start()
    assert first_done.wait(60)
    with Client(dask_cluster.scheduler_address, timeout=30) as client:
        pids = client.run(os.getpid)
    killed = pids[sorted(pids)[0]]
    os.kill(killed, signal.SIGKILL)  # a worker process dies mid-sweep
    killed_at = time.monotonic()
    thread.join(120)
    assert not thread.is_alive() and "error" not in outcome, outcome.get("error")
    results = outcome["result"]
    assert len(results) == 8
    assert sum(t > killed_at for t in done_at) >= 1  # the sweep was still running at the kill
    assert any(o.result["pid"] != killed for o in results)
    stored = json.loads((tmp_path / "record" / "trials.json").read_text())["trials"]
    assert {o.key for o in results} == set(stored)
    local = sweep(specs[:2], data, n_jobs=1)
    for a, b in zip(local, results[:2]):
        _same(a, b)


def test_resume_after_interruption_skips_finished_trials(tmp_path):
    """A run interrupted mid-sweep (an exception from the progress callback) keeps what it
    finished; the rerun with the same settings loads those trials instead of training them,
    and ends where an uninterrupted run ends."""
    X, y = blobs(300)
    settings = dict(hidden=(8,), learning_rate=0.5, epochs=150, n_jobs=1, max_steps=3,
                    l2_grid=(0.01, 0.1, 1.0), keep_prob_grid=(0.8,), noise_grid=(0.1,),
                    learning_curve_fractions=(0.5,), bias_tolerance=0.0,
                    variance_tolerance=0.0, record_dir=str(tmp_path / "rec"))  # fmt: skip

    class Stop(Exception):
        pass

    seen = []

    def interrupt(event):
        if event["event"] == "trial_done":
            seen.append(event)
            if len(seen) == 3:
                raise Stop

    with pytest.raises(Stop):
        Recipe(**settings, on_event=interrupt).run(X, y)
    assert len(TrialRecord(tmp_path / "rec")) == 3

    resumed = Recipe(**settings).run(X, y)
    assert resumed.trainings["reused"] == 3
    fresh = Recipe(**{**settings, "record_dir": None}).run(X, y)
    assert resumed.trainings["total"] == fresh.trainings["total"]
    assert resumed.trainings["trained"] == fresh.trainings["trained"] - 3
    assert resumed.final == fresh.final and resumed.test_error == fresh.test_error
    # and a third run trains nothing at all
    again = Recipe(**settings).run(X, y)
    assert again.trainings["trained"] == 0


def test_budget_stop_then_rerun_reuses(tmp_path):
    X, y = blobs(300)
    settings = dict(hidden=(8,), learning_rate=0.5, epochs=100, n_jobs=1, max_steps=3,
                    l2_grid=(0.01, 0.1, 1.0), bias_tolerance=0.0, variance_tolerance=0.0,
                    learning_curve_fractions=(0.5,), record_dir=str(tmp_path / "rec"))  # fmt: skip
    short = Recipe(**settings, max_trainings=3).run(X, y)
    assert short.stopped_because == "the budget is spent"
    assert short.trainings["total"] == 3
    longer = Recipe(**settings, max_trainings=None).run(X, y)
    assert longer.trainings["reused"] >= 3


def test_record_is_atomic_and_damaged_weights_are_retrained(tmp_path):
    data = small_data()
    specs = l2_specs(2, epochs=50)
    record = TrialRecord(tmp_path)
    first = sweep(specs, data, record=record)
    assert not [p for p in tmp_path.rglob("*.tmp")]
    (tmp_path / "weights" / f"{first[0].key}.safetensors").write_bytes(b"garbage")
    with Sweeper(data, record=TrialRecord(tmp_path)) as again:
        second = again.run(specs)
    assert again.n_trained == 1 and again.n_reused == 1
    _same(first[0], second[0])


def test_missing_dask_or_bad_address_is_one_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(DeepRecipeError, match=r"deeprecipe\[dask\]"):
        sweep([make_spec(epochs=1)], small_data(), cluster="tcp://127.0.0.1:1")
    monkeypatch.setattr(builtins, "__import__", real_import)
    with pytest.raises(DeepRecipeError, match="n_jobs"):
        Sweeper(small_data(), n_jobs=0)


@pytest.mark.slow
def test_recipe_on_a_dask_cluster_decides_as_locally(dask_cluster):
    X, y = blobs(240)
    settings = dict(
        hidden=(8,),
        learning_rate=0.5,
        epochs=100,
        max_steps=2,
        l2_grid=(0.1, 1.0),
        learning_curve_fractions=(0.5,),
        bias_tolerance=0.0,
        variance_tolerance=0.0,
    )
    local = Recipe(**settings, n_jobs=1).run(X, y)
    remote = Recipe(**settings, cluster=dask_cluster.scheduler_address).run(X, y)
    assert remote.data["where"].startswith("dask")
    assert [s.chosen for s in remote.steps] == [s.chosen for s in local.steps]
    assert remote.final["key"] == local.final["key"]
    assert remote.test_error == local.test_error


def test_a_trial_cut_short_by_the_deadline_is_trained_again_not_reused(tmp_path):
    """A deadline makes a result depend on the clock, not on the spec alone: it says so, and a
    later sweep of the same spec trains it again."""
    data = small_data()
    spec = make_spec(hidden=[8], learning_rate=0.3, epochs=200, metrics_every=20)
    record = TrialRecord(str(tmp_path / "rec"))
    with Sweeper(data, record=record) as sweeper:
        (cut,) = sweeper.run([spec], deadline=time.time())
        assert cut.result["cut_short"] and cut.result["epochs_run"] == 1
        (full,) = sweeper.run([spec])
        assert not full.reused and not full.result["cut_short"]
        assert full.result["epochs_run"] == 200 and sweeper.n_trained == 2
        (again,) = sweeper.run([spec])
        assert again.reused


def test_a_wall_time_budget_stops_the_trainings_in_flight():
    """A training far longer than the budget is stopped at the deadline, and the run says so
    (the baseline is trained whatever the budget, the later steps within it)."""
    X, y = blobs(300)
    result = Recipe(hidden=(8,), epochs=10_000_000, max_seconds=2, n_jobs=1, max_trainings=None,
                    learning_curve_fractions=(0.5,), bias_tolerance=0.0,
                    variance_tolerance=0.0).run(X, y)  # fmt: skip
    assert result.final["cut_short"] and result.final["epochs_run"] < 10_000_000
    assert any("wall-time budget stopped" in note for note in result.notes)


def test_trainings_that_fit_schedule_in_order_on_the_free_worker():
    from deeprecipe.recipe.state import trainings_that_fit

    assert trainings_that_fit([10, 10, 10, 10], workers=2, seconds=25) == 4
    assert trainings_that_fit([10, 10, 10, 10], workers=2, seconds=15) == 2
    assert trainings_that_fit([10, 10, 10], workers=1, seconds=25) == 2
    assert trainings_that_fit([30, 5, 5], workers=2, seconds=20) == 0  # the first cannot end
    assert trainings_that_fit([5, 30, 5, 5], workers=2, seconds=20) == 1  # order is kept
    assert trainings_that_fit([], workers=4, seconds=1) == 0


def test_a_step_starts_only_the_candidates_that_can_end_within_the_budget():
    """At the incumbent's pace (10 s for its 100 epochs), 25 s left on 2 workers fit 4 of 7
    equal candidates, and the run says so; with no time left one still runs (the deadline
    stops it), so that a step is never empty."""
    from types import SimpleNamespace

    from deeprecipe.recipe.state import RunState
    from deeprecipe.train.spec import NetworkSpec

    incumbent = SimpleNamespace(result={"seconds": 10.0, "epochs_run": 100})
    run = SimpleNamespace(sweeper=SimpleNamespace(workers=2), notes=[])
    candidates = [(f"lambda={k}", NetworkSpec(epochs=100, l2=float(k))) for k in range(7)]
    kept = RunState._within_time(run, "l2", candidates, incumbent, time.time() + 25)
    assert [label for label, _ in kept] == [f"lambda={k}" for k in range(4)]
    assert "fit 4 of its 7 candidates (about 10 s each on 2 workers)" in run.notes[0]
    assert len(RunState._within_time(run, "l2", candidates, incumbent, time.time())) == 1
    on_a_cluster = SimpleNamespace(sweeper=SimpleNamespace(workers=None), notes=[])
    assert RunState._within_time(on_a_cluster, "l2", candidates, incumbent, time.time()) == (
        candidates
    )


def test_a_sweep_back_over_measured_specs_spends_the_budget_on_the_new_ones():
    """digits, a budget of 12 trainings: the second L2 sweep (past the grid's top) came back to
    lambda=0.01..0.3, got the very same dev errors, and they took the last 4 trainings, so
    lambda=30 and 100 were never tried. A spec measured earlier in the run is its outcome
    again: always kept, no new training, nothing of the budget (nor of the budget's bar)."""
    import io

    from rich.console import Console

    from deeprecipe.progress import ProgressView, progress_bars
    from deeprecipe.recipe import RecipeConfig
    from deeprecipe.recipe.state import RunState
    from deeprecipe.train.spec import NetworkSpec

    events = []
    run = RunState.__new__(RunState)  # what sweep() touches
    run.config = RecipeConfig(max_trainings=4, max_seconds=None)
    run.sweeper = Sweeper(small_data(), on_event=events.append)
    run.notes, run.labels, run.steps = [], {}, []
    run.emit = lambda *args, **kwargs: None
    spec = NetworkSpec(hidden=(4,), learning_rate=0.3, epochs=20, metrics_every=10)

    def lambdas(*values):
        return [(f"lambda={lam:g}", spec.replace(l2=lam)) for lam in values]

    run.sweep("l2", "variance", "high variance", lambdas(0.01, 0.1, 1.0), None, None)
    _, outcomes = run.sweep(
        "l2", "variance", "high variance", lambdas(0.01, 3.0, 0.1, 10.0, 1.0), None, None
    )
    assert [o.spec["l2"] for o in outcomes] == [0.01, 3.0, 0.1, 1.0]  # 10 is past the budget
    assert [o.reused for o in outcomes] == [True, False, True, True]
    assert (run.sweeper.n_trained, run.sweeper.n_reused) == (4, 0)
    assert run.trainings_used == 4 and run.budget_left() == 0
    assert run.notes == [
        "step l2: the budget allowed 1 of its 2 new candidates (3 more were measured before)"
    ]
    assert [(e["label"], e["again"]) for e in events[3:]] == [
        ("lambda=0.01", True),
        ("lambda=0.1", True),
        ("lambda=1", True),
        ("lambda=3", False),  # the reused are told first, as they need no training
    ]
    console = Console(file=io.StringIO(), width=100)
    with progress_bars(console) as bars:
        view = ProgressView(bars, 4)
        view({"event": "run_start", "task": "binary", "n_train": 150, "n_dev": 50, "n_test": 0,
              "n_features": 2, "where": "here", "elapsed": 0.0})  # fmt: skip
        for event in events:
            view({**event, "elapsed": 1.0})
        assert view.trainings == 4 and bars.tasks[0].completed == 4


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"keep_prob_grid": [0.0]}, "keep_prob_grid=0.0"),
        ({"adam_learning_rates": [0.0]}, "adam_learning_rates=0.0"),
        ({"learning_curve_fractions": [0.0]}, "learning_curve_fractions=0.0"),
        ({"l2_grid": []}, "l2_grid=[] is empty"),
        ({"width_factors": ()}, "width_factors=() is empty"),
        ({"cluster": "nonsense"}, "cluster='nonsense' is not accepted"),
        ({"cluster": "http://127.0.0.1:8787"}, "its port, not the dashboard's"),
    ],
)
def test_a_setting_no_trial_can_run_is_refused_before_any_training(setting, named):
    """keep_prob_grid=[0.0] passed the check and failed 17 s into the run as the trial's
    'keep_prob=0.0'; an empty grid left its step out without a word; 'nonsense' as a
    cluster was 'unexpected ValueError ... a bug in deeprecipe', after the split."""
    from deeprecipe import Recipe

    with pytest.raises(DeepRecipeError, match=re.escape(named)):
        Recipe(**setting)


def test_a_server_that_never_answers_as_a_scheduler_is_refused_in_time(monkeypatch):
    """An HTTP server's port (the dashboard's, say) as --cluster waited 10 minutes."""
    import socket

    pytest.importorskip("distributed")
    sweeps = importlib.import_module("deeprecipe.recipe.sweep")  # the module, not the function
    monkeypatch.setattr(sweeps, "CONNECT_SECONDS", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        port = silent.getsockname()[1]
        with pytest.raises(
            DeepRecipeError, match=f"cannot reach the Dask scheduler at 'tcp://127.0.0.1:{port}'"
        ):
            sweeps.connect(f"tcp://127.0.0.1:{port}")
    finally:
        silent.close()


@pytest.mark.parametrize("n_jobs", [0, -5, "x", 2.5, True])
def test_the_curves_read_n_jobs_as_the_recipe_does(n_jobs):
    """validation_curve(n_jobs=0) raised joblib's own ValueError, n_jobs='x' a TypeError,
    and learning_curve(n_jobs=-5) ran."""
    from deeprecipe.diagnose._parallel import run_parallel

    with pytest.raises(DeepRecipeError, match="accepted: a positive int, or -1 for all cores"):
        run_parallel(abs, [(1,)], n_jobs)
    with pytest.raises(DeepRecipeError, match="accepted: a positive int, or -1 for all cores"):
        Recipe(n_jobs=n_jobs)


def test_more_workers_than_cores_is_said_where_the_trials_run(monkeypatch):
    """--jobs 8 on a 2-core machine started 8 workers without a word."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert Sweeper(small_data(), n_jobs=8).where == (
        "local processes (n_jobs=8, more than the machine's 2 cores: they share them)"
    )
    assert Sweeper(small_data(), n_jobs=2).where == "local processes (n_jobs=2)"
