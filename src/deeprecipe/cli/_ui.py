"""What a command shows: results on stdout, progress and notes on stderr, JSON for scripts.

- default: rich tables on stdout, progress bars on stderr;
- ``--quiet``: nothing but errors and warnings (files are still written);
- ``--json``: one JSON document on stdout and nothing else there (no progress either).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator, Sequence
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from deeprecipe.progress import percent as percent  # its home is the progress display
from deeprecipe.progress import progress_columns
from deeprecipe.report.writer import plain


def to_json(data: Any) -> str:
    """``data`` as indented, strict JSON (no NaN)."""
    return json.dumps(plain(data), indent=2, allow_nan=False)


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table cell: ``-`` for missing, ``4`` significant digits otherwise."""
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}g}"
    return str(value)


class _LazyProgress(Progress):
    """A progress display that appears with its first bar: an error before any work starts
    then stays one line, with no empty live display printed around it."""

    def __enter__(self) -> _LazyProgress:
        return self

    def stop(self) -> None:
        if self.live.is_started:
            super().stop()

    def add_task(self, *args: Any, **kwargs: Any):
        if not self.live.is_started:
            self.start()
        return super().add_task(*args, **kwargs)


def _console(*, stderr: bool) -> Console:
    """A rich console; 120 columns when not a terminal (pipes, files, tests) unless COLUMNS."""
    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


class UI:
    """The one place a command writes to the terminal."""

    def __init__(self, *, quiet: bool = False, as_json: bool = False) -> None:
        self.quiet = quiet
        self.as_json = as_json
        # file=None makes rich look up sys.stdout / sys.stderr at each write, so click's test
        # runner (which swaps them) sees the output.
        self.out = _console(stderr=False)
        self.err = _console(stderr=True)

    @property
    def chatty(self) -> bool:
        """Whether tables, notes and progress are shown (neither quiet nor JSON)."""
        return not (self.quiet or self.as_json)

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr), hidden by --quiet and --json."""
        if self.chatty:
            self.err.print(text, markup=False)

    def warn(self, text: str) -> None:
        """``Warning: ...`` on stderr, wrapped as notes are (hidden by --quiet only: scripts
        reading JSON see it)."""
        if not self.quiet:
            self.err.print(f"Warning: {text}", markup=False)

    def say(self, text: str) -> None:
        """A result line on stdout (hidden by --quiet and --json)."""
        if self.chatty:
            self.out.print(text, markup=False)

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        caption: str | None = None,
    ) -> None:
        """A rich table on stdout (hidden by --quiet and --json)."""
        if not self.chatty:
            return
        table = Table(title=title, caption=caption, title_justify="left", min_width=len(title))
        for k, name in enumerate(columns):
            table.add_column(name, justify="left" if k == 0 else "right")
        for row in rows:
            table.add_row(*(fmt(v) if not isinstance(v, str) else v for v in row))
        self.out.print(table)

    def emit_json(self, data: Any) -> None:
        """The command's result as one JSON document on stdout, when --json was given."""
        if self.as_json:
            click.echo(to_json(data))

    @contextlib.contextmanager
    def progress(self) -> Iterator[Progress | None]:
        """A rich progress display on stderr, or None when progress is hidden."""
        if not self.chatty:
            yield None
            return
        bars = _LazyProgress(*progress_columns(), console=self.err, transient=False)
        with bars:
            yield bars
