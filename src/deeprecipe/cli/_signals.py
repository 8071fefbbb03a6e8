"""SIGTERM handled as Ctrl-C is: one line saying how to resume, worker processes stopped, 143.

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
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM

RESUME_HINT = (
    "Files are written whole or not at all; rerun the same command (the same --out) and a run "
    "resumes from its finished trials."
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread where Ctrl-C would raise :class:`KeyboardInterrupt`."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread.

    Only the first SIGTERM raises: a second one, sent while the first is being cleaned up
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
            raise Terminated()

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def was_terminated(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or the exception it was raised from, as click's Abort) is SIGTERM."""
    while exc is not None:
        if isinstance(exc, Terminated):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def interrupted(exc: BaseException | None) -> tuple[str, int]:
    """The one line to print and the exit code, after Ctrl-C or SIGTERM."""
    if was_terminated(exc):
        return f"Terminated (SIGTERM). {RESUME_HINT}", EXIT_TERMINATED
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
