"""Progress bars fed by the trainer's callbacks and the recipe's events."""

from __future__ import annotations

from typing import Any

from rich.progress import Progress, TaskID

from deeprecipe.train import Callback


def _status(logs: dict[str, Any]) -> str:
    # the training cost is the running mean of the epoch's mini-batch costs, as the bar says
    parts = [f"batch-mean cost {logs['cost']:.4g}"]
    if logs.get("dev_error") is not None:
        parts.append(f"dev error {100 * logs['dev_error']:.2f}%")
    return ", ".join(parts)


class EpochProgress(Callback):
    """One bar per training run: epochs done of ``total``, the cost and the dev error."""

    def __init__(self, bars: Progress | None, description: str, total: int) -> None:
        self.bars = bars
        self.description = description
        self.total = total
        self.task: TaskID | None = None

    def on_train_begin(self, trainer) -> None:
        if self.bars is not None:
            self.task = self.bars.add_task(self.description, total=self.total, status="")

    def on_epoch_end(self, trainer, logs) -> None:
        if self.task is not None:
            self.bars.update(self.task, advance=1, status=_status(logs))

    def on_train_end(self, trainer) -> None:
        if self.task is not None:  # stopped early: the bar ends full at the epochs run
            done = next(t.completed for t in self.bars.tasks if t.id == self.task)
            self.bars.update(self.task, total=done, completed=done)
