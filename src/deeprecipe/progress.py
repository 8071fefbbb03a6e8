"""Progress bars for :mod:`deeprecipe.events`: one display for trainings and for the recipe.

``fit(..., progress=True)``, ``Recipe(..., progress=True)`` and the command line all draw them
with :class:`ProgressView`, a listener of events. The bars are rich's: in a terminal they redraw
in place on stderr; in Jupyter rich renders them as a live output cell (with ipywidgets, the
``deeprecipe[jupyter]`` extra; without it, they are printed in their final state, as text).
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from deeprecipe.events import Event
from deeprecipe.task import get_task


def percent(value: Any) -> str:
    """An error rate as a percentage (``0.0712`` -> ``7.12%``)."""
    if value is None:
        return "-"
    return f"{100 * float(value):.2f}%"


class _TimesColumn(ProgressColumn):
    """The time spent, then ``left`` and the time remaining while the bar runs. A bar that is
    done or stopped shows no time left; one that counts seconds (``seconds=True`` among its
    fields) then shows no time spent either: its count says it."""

    def __init__(self) -> None:
        super().__init__()
        self.spent = TimeElapsedColumn()
        self.left = TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        if not (task.finished or task.stop_time is not None):
            return Text(" ").join([self.spent(task), Text("left"), self.left(task)])
        return Text() if task.fields.get("seconds") else self.spent(task)


def progress_columns() -> tuple:
    """The columns of every deeprecipe progress bar."""
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        _TimesColumn(),
    )


@contextlib.contextmanager
def progress_bars(console: Console | None = None) -> Iterator[Progress]:
    """A live rich progress display (on stderr unless ``console`` says otherwise)."""
    console = console if console is not None else _stderr_console()
    with Progress(*progress_columns(), console=console, transient=False) as bars:
        try:
            yield bars
        finally:
            # rich skips its last redraw in Jupyter, which would leave the cell showing the
            # bars as they were at the last timed redraw (epoch 2223 of 3000, say)
            bars.refresh()


def _stderr_console() -> Console:
    """rich's console on stderr; in Jupyter without ipywidgets, with which rich draws live
    bars there (and without which it only warns), a plain one: the bars' final state is
    printed as text, as in a log. Not a terminal either: ipykernel sets FORCE_COLOR=1, which
    rich reads as one, and every redraw of the bars then reached the cell as new lines."""
    console = Console(stderr=True)
    if console.is_jupyter and importlib.util.find_spec("ipywidgets") is None:
        console = Console(stderr=True, force_jupyter=False, force_terminal=False)
    return console


#: how often a wall-time budget's bar follows the clock between events
TICK_SECONDS = 0.5


class ProgressView:
    """Draws events as bars: one per training (epochs run of those asked, with the cost and
    the dev error), and for the recipe one for the trainings of its budget, one per step's
    candidates, and a line per decision."""

    def __init__(
        self, bars: Progress | None, budget: int | None = None, seconds: float | None = None
    ) -> None:
        self.bars = bars
        self.budget = budget  # trainings
        self.seconds = seconds  # a wall-time budget: the run's bar then counts its seconds
        self.trainings = 0
        self.total: TaskID | None = None
        self.step: TaskID | None = None
        self.training: TaskID | None = None
        self.show = percent  # the error's format, until an event names the task
        self._ticking: threading.Event | None = None  # set: the budget bar's clock stops
        self._clock: threading.Thread | None = None

    def _stop_clock(self) -> None:
        if self._ticking is not None and self._clock is not None:
            self._ticking.set()
            self._clock.join()  # its last move lands before the bar's end is written

    def _tick(self, started: float, stop: threading.Event) -> None:
        """Move a wall-time budget's bar with the clock, twice a second, until the run ends or
        the display stops: between events (the references of a 307k-row table took 80 s, a
        training 200 s) it stood still at 0/300 and read as a hang."""
        while not stop.wait(TICK_SECONDS) and self.bars.live.is_started:
            spent = min(time.monotonic() - started, float(self.seconds or 0))
            with contextlib.suppress(Exception):  # a task removed in between: nothing to move
                self.bars.update(self.total, completed=spent)

    def _line(self, text: str) -> None:
        self.bars.console.print(text, markup=False, highlight=False)

    def _finish(self, task: TaskID) -> None:
        """A bar stopped early ends full at what was done."""
        done = next(t.completed for t in self.bars.tasks if t.id == task)
        self.bars.update(task, total=done, completed=done)

    def __call__(self, event: Event) -> None:
        if self.bars is None:
            return
        if event.get("event") == "run_end":
            self._stop_clock()  # the run's own figure is the last word
        if self.seconds is not None and self.total is not None and "elapsed" in event:
            self.bars.update(self.total, completed=min(float(event["elapsed"]), self.seconds))
        handler = getattr(self, "_on_" + str(event.get("event")), None)
        if handler is not None:
            handler(event)

    # ----------------------------------------------------------------- trainings
    def _on_train_start(self, event: Event) -> None:
        self._learn_task(event)
        self.training = self.bars.add_task(
            event.get("label", "training"), total=event.get("epochs"), status=""
        )

    def _on_epoch_end(self, event: Event) -> None:
        if self.training is None:
            return
        # the training cost is the running mean of the epoch's mini-batch costs, as it says
        status = f"batch-mean cost {event['cost']:.4g}"
        if event.get("dev_error") is not None:
            status += f", dev error {self.show(event['dev_error'])}"
        self.bars.update(self.training, advance=1, status=status)

    def _on_train_end(self, event: Event) -> None:
        if self.training is not None:
            self._finish(self.training)
            self.training = None

    # ----------------------------------------------------------------- the recipe
    def _learn_task(self, event: Event) -> None:
        if event.get("task") is not None:
            self.show = get_task(event["task"]).format_metric

    def _on_run_start(self, event: Event) -> None:
        self._learn_task(event)
        if self.seconds is not None:  # how much of the budget is spent, and how much is left
            total = self.bars.add_task(
                "budget (s)", total=round(self.seconds), status="", seconds=True
            )
            started = time.monotonic() - float(event.get("elapsed", 0.0))
            self._ticking = threading.Event()
            self._clock = threading.Thread(
                target=self._tick, args=(started, self._ticking), daemon=True
            )
            self._clock.start()
        else:
            total = self.bars.add_task("trainings", total=self.budget, status="")
        self.total = total
        self._line(
            f"train {event['n_train']} / dev {event['n_dev']} / test {event['n_test']} "
            f"examples, {_count(event['n_features'], 'feature')}, {event['task']}; trials run "
            f"{event.get('where', '')}"
        )

    def _on_gradcheck(self, event: Event) -> None:
        self._line(
            f"gradient check {event['label']}: {event['difference']:.3g} ({event['reading']})"
        )

    def _on_references(self, event: Event) -> None:
        self._line(
            "references (dev): "
            + ", ".join(f"{r['name']} {self.show(r['dev_error'])}" for r in event["references"])
        )

    def _on_step_start(self, event: Event) -> None:
        self.step = self.bars.add_task(
            f"step {event['step']}", total=event["n_candidates"], status=""
        )

    def _on_trial_done(self, event: Event) -> None:
        status = f"{event.get('label', '')}: dev {self.show(event.get('dev_error'))}"
        if self.step is not None:
            self.bars.update(self.step, advance=1, status=status)
        if event.get("again"):  # measured earlier in the run: no training, none of the budget
            return
        self.trainings += 1
        if self.total is not None and self.seconds is None:
            self.bars.update(self.total, advance=1, status="")
        elif self.total is not None:
            self.bars.update(self.total, status=f"{self.trainings} trainings")

    def _on_step_end(self, event: Event) -> None:
        if self.step is not None:
            self.bars.remove_task(self.step)
            self.step = None
        mark = "kept" if event.get("accepted") else "no change"
        self._line(f"[{mark}] {event['step']}: {event.get('decision', '')}")

    def _on_run_end(self, event: Event) -> None:
        """The run's bar keeps its budget as total and stops at what was used: a run that ends
        early reads ``29/180`` (seconds) or ``13/40`` (trainings), and says so."""
        if self.total is None:
            return
        task = next(t for t in self.bars.tasks if t.id == self.total)
        if self.seconds is not None:  # whole seconds, as the count shows them
            self.bars.update(self.total, completed=round(task.completed))
        self.bars.update(self.total, status=self._end_status(event, task))
        self.bars.stop_task(self.total)

    def _end_status(self, event: Event, task: Task) -> str:
        """Why the run's bar ends where it does, after the trainings run when it counts
        seconds."""
        if str(event.get("stopped_because")).startswith("the budget is spent"):
            why = "the budget is spent"
        elif task.total is not None and task.completed < task.total:
            why = "finished early"
        else:
            why = ""
        if self.seconds is None:
            return why
        return ", ".join(filter(None, [f"{self.trainings} trainings", why]))


def _count(n: int, noun: str) -> str:
    """``1 feature``, ``8 features``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
