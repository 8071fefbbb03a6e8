"""Sweeps: the candidate trainings of a step, run in parallel through joblib.

joblib is the one abstraction. By default the trials run in local worker processes (joblib's
``loky`` backend, ``n_jobs`` of them); given a Dask scheduler address, a
``dask.distributed.Client`` is opened on it and the very same ``Parallel`` call runs inside
``joblib.parallel_config(backend="dask")``, so the trials go to the cluster's workers. If a
worker dies, the scheduler runs its trials again elsewhere. Every trial is a pure function of
(spec, data, seed) with BLAS held to one thread, so results do not depend on where it ran.

Finished trials reach the :class:`~deeprecipe.recipe.record.TrialRecord` one by one, as they
arrive; trials the record already holds are loaded instead of trained. A trial the sweeper has
already measured in this run (:meth:`Sweeper.measured`) is its outcome again, no new training.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprecipe._validation import check_n_jobs
from deeprecipe.errors import DeepRecipeError
from deeprecipe.recipe.record import TrialRecord
from deeprecipe.recipe.trial import TrialData, make_spec, run_trial, trial_key

DASK_HINT = 'Dask is an optional extra: pip install "deeprecipe[dask]"'


#: two errors (or losses) within this share of each other are one number: a regression's MSEs
#: of two networks that learned the same function differ in their last digits (mtcars, L2 = 10:
#: a "wider" network kept for a dev MSE lower by 2.5e-13, with a training MSE higher by 9e-14)
SAME_NUMBER = 1e-6


def same_number(a: float, b: float) -> bool:
    """``a`` and ``b`` equal up to :data:`SAME_NUMBER` of their size (infinities only to
    themselves). Error rates on a dev set differ by one example at least, far above it."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return a == b
    return abs(a - b) <= SAME_NUMBER * max(abs(a), abs(b))


@dataclass
class TrialOutcome:
    """A finished trial: its plain-data result, and whether it was loaded from the record."""

    result: dict[str, Any]
    reused: bool = False

    @property
    def key(self) -> str:
        return self.result["key"]

    @property
    def spec(self) -> dict[str, Any]:
        return self.result["spec"]

    @property
    def train_error(self) -> float:
        return self.result["train_error"]

    @property
    def dev_error(self) -> float | None:
        return self.result["dev_error"]

    @property
    def dev_score(self) -> tuple[float, float]:
        """What steps are chosen by: dev error, then the dev loss without L2 to break ties."""
        error, loss = self.result["dev_error"], self.result["dev_loss"]
        return (np.inf if error is None else error, np.inf if loss is None else loss)

    def ties_on_dev(self, other: TrialOutcome) -> bool:
        """The same dev error, up to the rounding of its last digits (:func:`same_number`)."""
        return same_number(self.dev_score[0], other.dev_score[0])

    def beats_on_dev(self, other: TrialOutcome) -> bool:
        """A lower dev error, or the same one and a lower dev loss, beyond rounding."""
        (error, loss), (their_error, their_loss) = self.dev_score, other.dev_score
        if not same_number(error, their_error):
            return error < their_error
        return not same_number(loss, their_loss) and loss < their_loss

    def trains_lower(self, other: TrialOutcome) -> bool:
        """A lower training error than ``other``'s, beyond rounding."""
        mine, theirs = self.train_error, other.train_error
        return not same_number(mine, theirs) and mine < theirs

    def to_dict(self) -> dict[str, Any]:
        return {**self.result, "reused": self.reused}


#: a scheduler address: an optional scheme, a host (a name, IPv4, or [IPv6]) and a port
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx)://)?(?:[\w.-]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$")
#: seconds a scheduler has to answer before the run is refused
CONNECT_SECONDS = 30
_ACCEPTED_CLUSTER = (
    "accepted: the address a running 'dask scheduler' prints, such as tcp://host:8786 (its "
    "port, not the dashboard's), or a dask.distributed.Client"
)


def check_cluster(cluster: Any) -> None:
    """Refuse a cluster that cannot be one before any data is read: not an address, or an
    address in no form Dask reads ('nonsense', 'http://host:8787' ran to a bare ValueError
    after the split). A Client, or None, passes."""
    # a Client exists only once dask.distributed is imported: asked there, never imported
    client_type = getattr(sys.modules.get("distributed"), "Client", None)
    if cluster is None or (client_type is not None and isinstance(cluster, client_type)):
        return
    if not isinstance(cluster, str) or not _ADDRESS.match(cluster.strip()):
        raise DeepRecipeError(f"cluster={cluster!r} is not accepted; {_ACCEPTED_CLUSTER}")


def connect(cluster: Any):
    """A ``dask.distributed.Client`` for a scheduler address (or the client given).

    The connection runs in a thread of its own, given :data:`CONNECT_SECONDS`: Dask's own
    timeout did not end the wait on a server that accepts the connection and never answers
    (the dashboard's port, any HTTP server), and a server that speaks first (SSH) read as a
    frame of 3 EiB, a MemoryError."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise DeepRecipeError(f"cluster={cluster!r} needs Dask; {DASK_HINT}") from None
    if isinstance(cluster, Client):
        return cluster, False
    check_cluster(cluster)
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = Client(cluster.strip(), timeout=CONNECT_SECONDS)
        except BaseException as exc:  # handed to the caller, whatever it is
            outcome["error"] = exc

    thread = threading.Thread(target=attempt, name="deeprecipe-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + 5)
    if "client" in outcome:
        return outcome["client"], True
    error = outcome.get("error")
    if isinstance(error, KeyboardInterrupt):
        raise error
    if error is None:
        why = f"no answer as a Dask scheduler in {CONNECT_SECONDS + 5} s"
    elif isinstance(error, MemoryError):
        why = "what it sent is not Dask's protocol"
    else:
        why = str(error) or type(error).__name__
    raise DeepRecipeError(
        f"cannot reach the Dask scheduler at {cluster!r} ({why}); {_ACCEPTED_CLUSTER}"
    ) from None


#: the loggers (and their children) silenced when a Dask sweep is stopped
QUIET_AT_TEARDOWN = ("tornado.application", "tornado.general", "distributed")


def quiet_teardown() -> None:
    """Ctrl-C or SIGTERM during a Dask sweep: the client is closed while its event loop may be
    writing to the scheduler, and tornado and distributed log the broken stream as errors.
    The user asked the run to stop; those lines are not news, and the process is ending."""
    import logging

    # every logger of theirs: distributed's configuration gives some their own level
    # (distributed.client: WARNING, whose "Couldn't gather ... rescheduling" broke the one line)
    names = [n for n in logging.root.manager.loggerDict if n.startswith(QUIET_AT_TEARDOWN)]
    for name in {*QUIET_AT_TEARDOWN, *names}:
        logging.getLogger(name).setLevel(logging.CRITICAL)


class Sweeper:
    """Runs lists of trial specs on one :class:`TrialData`, locally or on a Dask cluster.

    Use it as a context manager when ``cluster`` is given, so the client it opens is closed.
    ``on_event`` receives one ``{"event": "trial_done", ...}`` dict per finished trial.
    """

    def __init__(
        self,
        data: TrialData,
        *,
        n_jobs: int = 1,
        cluster: Any = None,
        record: TrialRecord | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.data = data
        self.n_jobs = check_n_jobs(n_jobs)
        self.cluster = cluster
        self.record = record if record is not None else TrialRecord()
        self.on_event = on_event
        self.n_trained = 0
        self.n_reused = 0  # loaded from a record an earlier run wrote (a resumed run)
        # the keys of the trials measured in this run, trained or loaded, to their last epoch
        self._measured: set[str] = set()
        self._client = None
        self._owns_client = False

    # ----------------------------------------------------------------- cluster lifetime
    def __enter__(self) -> Sweeper:
        if self.cluster is not None and self._client is None:
            self._client, self._owns_client = connect(self.cluster)
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._client is not None and exc_type and issubclass(exc_type, KeyboardInterrupt):
            quiet_teardown()
        self.close()

    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()
        self._client = None

    @property
    def workers(self) -> int | None:
        """How many trainings run at once here (None on a cluster: its size may change)."""
        if self.cluster is not None:
            return None
        if self.n_jobs == -1:
            from joblib import cpu_count

            return max(1, cpu_count())
        return self.n_jobs

    @property
    def where(self) -> str:
        """Where trials run, in words (for the record and the report)."""
        if self.cluster is not None:
            return f"dask cluster {self.cluster if isinstance(self.cluster, str) else 'client'}"
        if self.n_jobs == 1:
            return "this process"
        cores = os.cpu_count() or 1
        crowded = (
            f", more than the machine's {cores} cores: they share them"
            if (self.n_jobs > cores)
            else ""
        )
        return f"local processes (n_jobs={self.n_jobs}{crowded})"

    # ----------------------------------------------------------------- the sweep
    def measured(self, spec: Mapping[str, Any]) -> bool:
        """Whether ``spec`` was already measured in this run: this sweeper trained it, or
        loaded it from the record, and no deadline cut it short. Sweeping it again returns the
        same outcome and trains nothing, so it costs nothing of the run's budget (the recipe
        comes back to a spec: the second L2 sweep, past the grid's top, repeats the grid; on
        digits those repeats took 4 of 12 trainings, and lambda=30 and 100 were never tried).
        A trial loaded from an earlier run's record counts once, when first met, as its
        training did then, so a resumed run makes the same decisions."""
        return trial_key(spec, self.data) in self._measured

    def run(
        self,
        specs: Sequence[Mapping[str, Any]],
        *,
        step: str = "",
        labels: Sequence[str] = (),
        deadline: float | None = None,
    ) -> list[TrialOutcome]:
        """Run (or load) every spec; return the outcomes in the order of ``specs``.

        ``deadline`` (a :func:`time.time` value) stops every training still running then (see
        :func:`~deeprecipe.recipe.trial.run_trial`). A stored trial that a deadline cut short
        is trained again rather than reused. A trial measured earlier in this run
        (:meth:`measured`) is reused and counted neither as trained nor as reused."""
        specs = [make_spec(s) for s in specs]
        keys = [trial_key(s, self.data) for s in specs]
        outcomes: dict[str, TrialOutcome] = {}
        todo: dict[str, dict[str, Any]] = {}
        for key, spec in zip(keys, specs):
            if key in outcomes or key in todo:
                continue
            again = key in self._measured  # see measured()
            if again or (key in self.record and not self.record.result(key).get("cut_short")):
                outcomes[key] = TrialOutcome(self.record.result(key), reused=True)
                if not again:  # from an earlier run's record: it counts, as its training did
                    self.n_reused += 1
                self._emit(outcomes[key], step, keys, labels, again=again)
            else:
                todo[key] = spec
        if todo:
            for result, theta in self._execute(list(todo.values()), deadline):
                self.record.add(result, theta)
                outcome = TrialOutcome(result)
                outcomes[result["key"]] = outcome
                self.n_trained += 1
                self._emit(outcome, step, keys, labels)
        missing = [k for k in keys if k not in outcomes]
        if missing:  # pragma: no cover - joblib raises before this can happen
            raise DeepRecipeError(f"the sweep lost trial(s) {missing}")
        self._measured.update(k for k, o in outcomes.items() if not o.result.get("cut_short"))
        return [outcomes[k] for k in keys]

    def _execute(self, specs: list[dict[str, Any]], deadline: float | None = None):
        from joblib import Parallel, delayed, parallel_config

        calls = (delayed(run_trial)(spec, self.data, deadline=deadline) for spec in specs)
        if self.cluster is not None:
            self.__enter__()
            with parallel_config(backend="dask"):
                parallel = Parallel(n_jobs=-1, batch_size=1, return_as="generator_unordered")
                yield from parallel(calls)
            return
        if self.n_jobs == 1 or len(specs) == 1:
            # in this process: no pickling, no worker start-up; one trial alone (a baseline)
            # gets the cores the workers would have shared (one core sat idle on two)
            threads = 1 if self.n_jobs == 1 else max(1, self.workers or 1)
            for spec in specs:
                yield run_trial(spec, self.data, deadline=deadline, threads=threads)
            return
        parallel = Parallel(n_jobs=self.n_jobs, batch_size=1, return_as="generator_unordered")
        yield from parallel(calls)

    def call_each(self, func: Callable[..., Any], tasks: Sequence[tuple]) -> list[Any]:
        """``[func(*task) for task in tasks]`` where the trials run (this process, local
        workers or the Dask cluster), in order: for jobs that are not trials, such as the
        reference models. ``func`` and its arguments must pickle."""
        from joblib import Parallel, delayed, parallel_config

        calls = [delayed(func)(*task) for task in tasks]
        if self.cluster is not None:
            self.__enter__()
            with parallel_config(backend="dask"):
                return Parallel(n_jobs=-1, batch_size=1)(calls)
        if self.n_jobs == 1 or len(calls) <= 1:
            return [func(*task) for task in tasks]
        return Parallel(n_jobs=self.n_jobs, batch_size=1)(calls)

    def _emit(
        self, outcome: TrialOutcome, step: str, keys: list[str], labels, *, again: bool = False
    ) -> None:
        """One ``trial_done`` event; ``again``: measured earlier in this run, no new training
        (a progress bar of the budget does not count it)."""
        if self.on_event is None:
            return
        index = keys.index(outcome.key)
        self.on_event(
            {
                "event": "trial_done",
                "step": step,
                "key": outcome.key,
                "index": index,
                "of": len(keys),
                "label": labels[index] if index < len(labels) else "",
                "train_error": outcome.train_error,
                "dev_error": outcome.dev_error,
                "seconds": outcome.result["seconds"],
                "reused": outcome.reused,
                "again": again,
            }
        )

    def theta(self, key: str) -> np.ndarray:
        """The trained parameters of a finished trial."""
        theta = self.record.weights(key)
        if theta is None:
            raise DeepRecipeError(f"no stored weights for trial {key}")
        return theta


def sweep(
    specs: Sequence[Mapping[str, Any]],
    data: TrialData,
    *,
    n_jobs: int = 1,
    cluster: Any = None,
    record: TrialRecord | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> list[TrialOutcome]:
    """Run one sweep of ``specs`` on ``data`` (see :class:`Sweeper`)."""
    with Sweeper(data, n_jobs=n_jobs, cluster=cluster, record=record, on_event=on_event) as s:
        return s.run(specs)
