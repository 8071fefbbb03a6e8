"""SIGTERM and SIGHUP are handled as Ctrl-C is: one line saying how to resume, every worker
stopped, 143 (129 for SIGHUP).

Before, ``kill -TERM`` on a running ``deeprecipe run`` ended it with no message and left its
loky workers and resource trackers running with parent 1 for minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from deeprecipe.cli._signals import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    STOP_SIGNALS,
    Terminated,
    interrupted,
    sigterm_as_interrupt,
    stop_worker_pools,
)

psutil = pytest.importorskip("psutil")

CONSOLE_SCRIPT = Path(sys.executable).parent / "deeprecipe"


@pytest.fixture
def main_thread() -> None:
    """Signals reach Python handlers in the main thread only; elsewhere SIGTERM would kill the
    test process (never the case under pytest or pytest-xdist, but a runner could do it)."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")


@pytest.mark.parametrize("signum", list(STOP_SIGNALS), ids=lambda s: signal.Signals(s).name)
def test_a_stop_signal_raises_terminated_once_and_the_old_handler_comes_back(main_thread, signum):
    before = signal.getsignal(signum)
    with pytest.raises(Terminated) as raised, sigterm_as_interrupt():
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler runs at the next bytecode: never reached
    assert raised.value.signum == signum
    assert signal.getsignal(signum) is before
    with sigterm_as_interrupt():
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signum)
            time.sleep(5)
        for again in STOP_SIGNALS:  # more of them, during the cleanup: ignored
            os.kill(os.getpid(), again)
        time.sleep(0.05)


def test_the_exit_code_and_line_tell_sigterm_from_ctrl_c():
    import click

    try:
        try:
            raise Terminated()
        except KeyboardInterrupt as exc:
            raise click.Abort() from exc  # what click does with any KeyboardInterrupt
    except click.Abort as abort:
        line, code = interrupted(abort)
    assert code == EXIT_TERMINATED == 143
    assert line.startswith("Terminated (SIGTERM).") and "resumes" in line
    line, code = interrupted(click.Abort())
    assert code == EXIT_INTERRUPTED == 130 and line.startswith("Interrupted.")
    if hasattr(signal, "SIGHUP"):
        line, code = interrupted(Terminated(signal.SIGHUP))
        assert code == 129 and line.startswith("Hung up (SIGHUP") and "resumes" in line


@pytest.mark.parametrize(
    ("signum", "code", "start"),
    [(signal.SIGTERM, 143, "Terminated (SIGTERM).")]
    + ([(signal.SIGHUP, 129, "Hung up (SIGHUP")] if hasattr(signal, "SIGHUP") else []),
    ids=["SIGTERM", "SIGHUP"][: len(STOP_SIGNALS)],
)
def test_a_command_receiving_a_stop_signal_exits_with_one_line(
    main_thread, monkeypatch, invoke, signum, code, start
):
    import deeprecipe.diagnose

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signum)
        time.sleep(5)  # interrupted at once

    monkeypatch.setattr(deeprecipe.diagnose, "diagnose", terminated)
    result = invoke("diagnose", "--train-error", "0.1", "--dev-error", "0.2")
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start) and "resumes" in lines[0]


def test_stopping_worker_pools_kills_idle_loky_workers():
    from joblib import Parallel, delayed

    Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(4))  # leaves 2 idle workers
    me = psutil.Process()
    workers = [p for p in me.children() if "popen_loky" in " ".join(_cmdline(p))]
    assert workers, "joblib started no loky worker"
    stop_worker_pools()
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive


def _cmdline(process) -> list[str]:
    try:
        return process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the deeprecipe script is not installed")
@pytest.mark.parametrize("signum", list(STOP_SIGNALS), ids=lambda s: signal.Signals(s).name)
def test_a_stop_signal_on_a_parallel_run_leaves_no_process_behind(tmp_path, signum):
    """The real thing: a ``run`` whose sweeps use two local workers gets SIGTERM (or SIGHUP)
    while they train; it prints one line, exits 128 + the signal, and every process it started
    is gone (by pid)."""
    args = [str(CONSOLE_SCRIPT), "run", "--dataset", "moons", "--budget", "60", "--jobs", "2",
            "--epochs", "400", "--quiet", "--out", str(tmp_path / "run")]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DEEPRECIPE_TRACEBACK", None)
    # files, not pipes: an orphaned worker would hold a pipe open and hang the reader
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        run = subprocess.Popen(args, stdout=stdout, stderr=stderr, env=env)
    children: list = []
    try:
        parent = psutil.Process(run.pid)
        deadline = time.monotonic() + 300  # the baseline trains first, on shared cores
        while time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)
            children = _children(parent)
            if sum("popen_loky" in " ".join(_cmdline(p)) for p in children) >= 2:
                break
        else:
            pytest.fail(f"no parallel sweep started (exit {run.poll()}): {err.read_text()}")
        time.sleep(0.5)  # the workers are busy with trials
        children = _children(parent)  # workers, resource trackers: every pid it started
        run.send_signal(signum)
        code = run.wait(timeout=120)
        _, alive = psutil.wait_procs(children, timeout=30)  # by pid and start time
    finally:  # whatever the test failed to see stopped is not left behind
        if run.poll() is None:
            run.kill()
        for process in children:
            with contextlib.suppress(psutil.Error):
                process.kill()  # psutil checks the start time: never another process
    assert code == 128 + signum, err.read_text()
    lines = err.read_text().strip().splitlines()
    # on a loaded machine loky's resource tracker may warn that a semaphore its killed workers
    # held is already gone (FileNotFoundError): its own cleanup race, not a line of ours; the
    # warning echoes its source line, "warnings.warn(...)", whole or cut after the bracket
    ours = [
        line
        for line in lines
        if "resource_tracker" not in line and not line.strip().startswith("warnings.warn(")
    ]
    assert len(ours) == 1, lines
    assert ours[0].startswith(STOP_SIGNALS[signum]) and "resumes" in ours[0]
    assert out.read_text() == ""
    assert not alive, [(p.pid, _cmdline(p)) for p in alive]


def _children(parent) -> list:
    try:
        return parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the deeprecipe script is not installed")
def test_sigterm_on_a_run_on_dask_closes_its_client(tmp_path):
    """With --cluster the sweep's Dask client is closed on the way out: the scheduler sees it
    leave and forgets its trials, and the command still ends with one line and 143."""
    distributed = pytest.importorskip("dask.distributed", reason="pip install deeprecipe[dask]")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    )  # fmt: skip
    scheduler = cluster.scheduler  # in this process: its clients and tasks can be read
    args = [str(CONSOLE_SCRIPT), "run", "--dataset", "moons", "--budget", "60", "--epochs",
            "400", "--cluster", cluster.scheduler_address, "--quiet", "--out",
            str(tmp_path / "run")]  # fmt: skip
    err = tmp_path / "stderr"
    try:
        with open(err, "wb") as stderr:
            run = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None and not scheduler.tasks:
            time.sleep(0.2)
        ours = _run_clients(scheduler)
        assert scheduler.tasks and ours, f"no trial reached the cluster: {run.poll()}"
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=120)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (_run_clients(scheduler) or scheduler.tasks):
            time.sleep(0.2)
        clients, tasks = _run_clients(scheduler), dict(scheduler.tasks)
    finally:
        if run.poll() is None:
            run.kill()
        cluster.close()
    assert code == 143, err.read_text()
    lines = err.read_text().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Terminated (SIGTERM)."), lines
    assert not clients and not tasks


def _run_clients(scheduler) -> set[str]:
    """The scheduler's clients but its own ("fire-and-forget", and a worker's)."""
    return {c for c in scheduler.clients if c != "fire-and-forget" and "-worker-" not in c}
