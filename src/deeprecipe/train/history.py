"""What a training run leaves behind: per-epoch figures as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class History:
    """Per-epoch records of a fit. Lists are aligned by epoch; a figure not measured is None.

    ``cost`` is the training cost J (L2 included) averaged over the epoch's mini-batches; in
    full-batch training it is the cost before that epoch's update, as in the course.
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

    def append(self, logs: dict[str, Any]) -> None:
        self.epoch.append(int(logs["epoch"]))
        self.cost.append(float(logs["cost"]))
        self.train_error.append(logs.get("train_error"))
        self.dev_cost.append(logs.get("dev_cost"))
        self.dev_error.append(logs.get("dev_error"))

    def __len__(self) -> int:
        return len(self.epoch)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls(**data)
