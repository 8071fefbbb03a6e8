"""SIGTERM and SIGHUP handled as Ctrl-C is: one line saying how to resume, workers stopped.

``kill``, ``timeout``, a batch scheduler or a service manager stop a program with SIGTERM, and
Python's default answer is to die on the spot: no ``finally`` runs, so joblib's worker processes
and their resource trackers are left running with parent 1 (until their idle timeout, minutes
later), and the user is not told that the run can be resumed. Here SIGTERM raises
:class:`Terminated`, a :class:`KeyboardInterrupt`, wherever the main thread was. Everything that
already cleans up after Ctrl-C then runs for SIGTERM too: joblib aborts a sweep and kills its
workers, the sweep closes its Dask client, a file being written is removed before it is
renamed into place. The command line then stops any idle worker pool left from an earlier
sweep (:func:`stop_worker_pools`) and exits with 128 + 15 = 143, the code a shell reports for a
process ended by SIGTERM (Ctrl-C: 128 + 2 = 130).

SIGHUP (the terminal or the SSH session that started the command closed) would likewise kill
the command on the spot; it is handled the same way and exits with 128 + 1 = 129. Its line may
have no terminal left to reach: that is no reason to skip the cleanup.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM

#: the signals handled as Ctrl-C is (SIGHUP where the platform has it), and how the line names
#: each; the exit code is 128 + the signal's number
STOP_SIGNALS: dict[int, str] = {signal.SIGTERM: "Terminated (SIGTERM)"}
if hasattr(signal, "SIGHUP"):
    STOP_SIGNALS[signal.SIGHUP] = "Hung up (SIGHUP: the terminal closed)"

RESUME_HINT = (
    "Files are written whole or not at all; rerun the same command (the same --out) and a run "
    "resumes from its finished trials."
)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``signum``), raised in the main thread where Ctrl-C would raise
    :class:`KeyboardInterrupt`."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__()
        self.signum = signum


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Only the first such signal raises: another one, sent while the first is being cleaned up
    after, is ignored so the cleanup finishes (SIGKILL remains for the impatient). Outside the
    main thread (a test runner's worker thread) signals cannot be handled: nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = False

    def raise_terminated(signum, frame) -> None:
        nonlocal received
        if not received:
            received = True
            _quiet_dask()
            raise Terminated(signum)

    previous = {signum: signal.signal(signum, raise_terminated) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _quiet_dask() -> None:
    """From the signal on, a Dask sweep's client abandons its gathers, and distributed logs
    each as a warning on stderr, ahead of the one line: silence it then, if Dask is in use
    (joblib's abort may log before the sweep's own teardown does)."""
    if "distributed" in sys.modules:
        from deeprecipe.recipe.sweep import quiet_teardown

        quiet_teardown()


def stop_signal(exc: BaseException | None) -> int | None:
    """The signal that ``exc`` (or the exception it was raised from, as click's Abort) stands
    for: SIGTERM or SIGHUP; None for Ctrl-C or anything else."""
    while exc is not None:
        if isinstance(exc, Terminated):
            return exc.signum
        exc = exc.__cause__ or exc.__context__
    return None


def interrupted(exc: BaseException | None) -> tuple[str, int]:
    """The one line to print and the exit code, after Ctrl-C, SIGTERM or SIGHUP."""
    signum = stop_signal(exc)
    if signum is not None:
        return f"{STOP_SIGNALS[signum]}. {RESUME_HINT}", 128 + signum
    return f"Interrupted. {RESUME_HINT}", EXIT_INTERRUPTED


def stop_worker_pools() -> None:
    """Stop the local worker processes joblib keeps for the next sweep, if it started any.

    joblib's loky backend keeps its workers alive between ``Parallel`` calls (for 300 s of
    idleness) so the next sweep starts fast. A sweep that is interrupted kills its own workers;
    this stops the ones an earlier, finished sweep left waiting. Nothing is imported or started
    when no sweep ran in parallel. (A Dask client is closed by the sweep that opened it.)
    """
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)  # loky's one reusable executor, or None
    if executor is not None:
        with contextlib.suppress(Exception):  # already broken or shutting down: nothing to stop
            executor.shutdown(wait=True, kill_workers=True)
