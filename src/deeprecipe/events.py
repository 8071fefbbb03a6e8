"""The one event system: plain-dict events, to an optional listener and to ``logging``.

Every progress event deeprecipe produces, from a training (``train_start``, ``epoch_end``,
``train_end``) or from the recipe (``run_start``, ``step_start``, ``trial_done``, ``step_end``,
``gradcheck``, ``test_evaluated``, ``run_end``), is a dict with an ``"event"`` key. It goes to
the listener the caller gave (``fit(on_event=...)``, ``Recipe(on_event=...)``), which may be a
progress display, and always to the logger ``logging.getLogger("deeprecipe")``: per-epoch events
at DEBUG, the rest at INFO, each with the event dict as ``record.event``. The library adds no
handler but a NullHandler, so nothing is printed unless the application configures logging
(``logging.basicConfig(level=logging.INFO)`` shows the recipe's steps).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

Event = dict[str, Any]
Listener = Callable[[Event], None]

logger = logging.getLogger("deeprecipe")
logger.addHandler(logging.NullHandler())

#: events too frequent for INFO
DEBUG_EVENTS = frozenset({"epoch_end", "train_start", "train_end"})


def describe(event: Event) -> str:
    """A one-line reading of an event, for log records."""
    kind = event.get("event", "?")
    fields = ", ".join(
        f"{key}={_short(value)}"
        for key, value in event.items()
        if key not in ("event", "elapsed") and not isinstance(value, (dict, list, tuple))
    )
    return f"{kind}: {fields}" if fields else kind


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def publish(event: Event, listener: Listener | None = None) -> None:
    """Send ``event`` to ``listener`` (if any) and to the ``deeprecipe`` logger."""
    level = logging.DEBUG if event.get("event") in DEBUG_EVENTS else logging.INFO
    if logger.isEnabledFor(level):
        logger.log(level, "%s", describe(event), extra={"event": event})
    if listener is not None:
        listener(event)


def fan_out(listeners: Iterable[Listener | None]) -> Listener | None:
    """One listener calling each of ``listeners`` in turn (None when there is none)."""
    chosen = [listener for listener in listeners if listener is not None]
    if not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0]

    def each(event: Event) -> None:
        for listener in chosen:
            listener(event)

    return each
