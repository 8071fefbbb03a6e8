"""The small HTML and PNG pieces every room's ``_repr_html_`` is made of.

Jupyter shows an object's ``_repr_html_()`` in place of its ``repr``. These helpers keep those
displays alike across rooms (check, diagnose, train, recipe, report) without any of them
importing a higher one: escaped text, a table with optional row and cell colours, a matplotlib
figure as an inline PNG, and the number formats (error rates as percentages, losses as plain
numbers). Styles are inline, since a notebook's page has its own stylesheet.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

from deeprecipe.task import TASKS

#: verdict colours: good (green), doubtful (amber), bad (red)
COLORS = {"good": "#1a7f37", "warn": "#9a6700", "bad": "#cf222e"}
#: the row colour of a chosen / kept row
CHOSEN_BACKGROUND = "#dafbe1"

_CELL = "border:1px solid #d0d7de;padding:2px 8px;"
_NUMBER = _CELL + "text-align:right;font-variant-numeric:tabular-nums;"


def esc(value: Any) -> str:
    """Text made safe for HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def percent(value: Any) -> str:
    """An error rate as a percentage (``0.0732 -> "7.32%"``); None as a dash. The task's own
    format for rates (:meth:`deeprecipe.task.Task.format_metric`), so every display agrees."""
    return TASKS["binary"].format_metric(value)


def number(value: Any) -> str:
    """A loss or a mean squared error with 4 significant digits; None as a dash (the task's own
    format for an MSE)."""
    return TASKS["regression"].format_metric(value)


def error_format(metric: str):
    """The formatter for one kind of error: percentages for rates (``"error"``), plain
    numbers for losses (``"loss"``, ``"mse"``)."""
    return percent if metric == "error" else number


class Cell:
    """A table cell with a colour (``COLORS`` key) or bold text; plain values need none."""

    def __init__(self, value: Any, color: str | None = None, bold: bool = False) -> None:
        self.value, self.color, self.bold = value, color, bold


def _cell(value: Any) -> str:
    style, text = _CELL, value
    if isinstance(value, Cell):
        if value.color:
            style += f"color:{COLORS.get(value.color, value.color)};"
        if value.bold:
            style += "font-weight:600;"
        text = value.value
    if isinstance(text, bool):
        text = "yes" if text else "no"
    elif isinstance(text, int):
        style = style.replace(_CELL, _NUMBER)
    elif isinstance(text, float):
        style, text = style.replace(_CELL, _NUMBER), number(text)
    return f'<td style="{style}">{esc("-" if text is None else text)}</td>'


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str = "",
    highlight: Sequence[int] = (),
) -> str:
    """An HTML table; ``highlight`` gives the indices of rows to shade (the chosen one)."""
    head = "".join(
        f'<th style="{_CELL}background:#f6f8fa;text-align:left">{esc(c)}</th>' for c in columns
    )
    body = []
    for k, row in enumerate(rows):
        shade = f' style="background:{CHOSEN_BACKGROUND}"' if k in highlight else ""
        body.append(f"<tr{shade}>{''.join(_cell(v) for v in row)}</tr>")
    cap = (
        f'<caption style="text-align:left;font-weight:600;padding:2px 0;white-space:nowrap">'
        f"{esc(caption)}</caption>"
        if caption
        else ""
    )
    return (
        f'<table style="border-collapse:collapse;margin:4px 0;font-size:90%">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def png_bytes(figure: Any, *, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (Agg, no display needed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def img(png: bytes, alt: str, *, name: str = "", width: int | None = None) -> str:
    """An ``<img>`` with the PNG inline (a data URI): the page needs no file beside it."""
    data = base64.b64encode(png).decode("ascii")
    named = f' data-name="{esc(name)}"' if name else ""
    sized = f' width="{width}"' if width else ""
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}"{named}{sized}>'


def figure_img(figure: Any, alt: str, *, width: int | None = None) -> str:
    """A matplotlib figure drawn inline."""
    return img(png_bytes(figure), alt, width=width)


def paragraph(text: str, color: str | None = None, *, bold: bool = False) -> str:
    style = ""
    if color:
        style += f"color:{COLORS.get(color, color)};"
    if bold:
        style += "font-weight:600;"
    styled = f' style="{style}"' if style else ""
    return f"<p{styled}>{esc(text)}</p>"


def block(title: str, *parts: str) -> str:
    """The frame of one object's display: a bold title, then its parts."""
    return (
        '<div class="deeprecipe" style="font-family:system-ui,sans-serif;line-height:1.4">'
        f'<div style="font-weight:600;margin:2px 0">{esc(title)}</div>{"".join(parts)}</div>'
    )
