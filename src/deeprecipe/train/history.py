"""What a training run leaves behind: per-epoch figures as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from deeprecipe.errors import DeepRecipeError


@dataclass
class History:
    """Per-epoch records of a fit. Lists are aligned by epoch; a figure not measured is None.

    ``cost`` is the training cost J (L2 included) of each mini-batch in its training pass
    (dropout on), before that batch's update, averaged over the epoch: a running mean, as Keras
    reports its training figures. In full-batch training it is exactly the course's cost of the
    weights the epoch starts from.

    ``train_error`` depends on ``train_metrics``: ``"running"`` (the default of :func:`fit`), the
    error of the same passes averaged the same way (free: no pass of its own; full-batch without
    dropout, the exact error of the weights the epoch starts from); ``"exact"``, the error of the
    weights the epoch ends with over the whole training set, in prediction mode.
    ``dev_cost`` and ``dev_error`` are always exact: the whole dev set, the weights the epoch
    ends with, prediction mode.
    """

    epoch: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    train_error: list[float | None] = field(default_factory=list)
    dev_cost: list[float | None] = field(default_factory=list)
    dev_error: list[float | None] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    message: str = ""
    #: how ``train_error`` was measured: "running" or "exact" (see above)
    train_metrics: str = "running"
    #: what ``train_error``/``dev_error`` measure: ``"error"`` (a rate) or ``"mse"``
    metric: str = "error"

    def append(self, logs: dict[str, Any]) -> None:
        self.epoch.append(int(logs["epoch"]))
        self.cost.append(float(logs["cost"]))
        self.train_error.append(logs.get("train_error"))
        self.dev_cost.append(logs.get("dev_cost"))
        self.dev_error.append(logs.get("dev_error"))

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(0 epochs)"
        from deeprecipe._html import error_format

        show = error_format(self.metric)
        parts = [f"cost {self.cost[-1]:.4g}"]
        parts += [
            f"{name} {show(self._last(name))}"
            for name in ("train_error", "dev_error")
            if self._last(name) is not None
        ]
        if self.best_epoch is not None:
            parts.append(f"best epoch {self.best_epoch}")
        parts += [
            flag
            for flag, on in (("stopped early", self.stopped_early), ("diverged", self.diverged))
            if on
        ]
        return f"History({len(self)} epochs, {', '.join(parts)})"

    def _last(self, name: str) -> float | None:
        measured = [v for v in getattr(self, name) if v is not None]
        return measured[-1] if measured else None

    def plot(self, *, title: str | None = None):
        """Cost and error per epoch, train solid and dev dashed; a matplotlib Figure."""
        from deeprecipe.train.display import plot_history

        return plot_history(self, title=title, error_format=self.metric)

    def _repr_html_(self) -> str:
        """The notebook display: the last figures and the curves, inline."""
        from deeprecipe.train.display import history_html

        return history_html(self)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Rebuild a history saved with :meth:`to_dict` (lists of equal length per figure)."""
        names = [f.name for f in fields(cls)]
        if not isinstance(data, dict) or set(data) - set(names):
            extra = sorted(set(data) - set(names)) if isinstance(data, dict) else None
            raise DeepRecipeError(
                f"a history is a dict of {', '.join(names)}; got "
                f"{extra if extra else type(data).__name__}"
            )
        lists = [n for n in names[:5] if n in data]
        for name in lists:
            if not isinstance(data[name], list):
                raise DeepRecipeError(f"history[{name!r}] is not a list of per-epoch figures")
        if len({len(data[n]) for n in lists}) > 1:
            raise DeepRecipeError("a history's per-epoch lists differ in length")
        if "train_metrics" not in data:  # saved before running figures existed: exact ones
            data = {**data, "train_metrics": "exact"}
        return cls(**data)
