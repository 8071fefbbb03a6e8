"""A self-contained HTML page: inline CSS, images as base64 PNG data URIs, no JavaScript.

It opens offline, from a mail attachment or a CI artifact, and prints well. Every piece of
text is escaped; the only markup is what this module writes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from deeprecipe._html import Cell, esc, img

#: a number already written as text (a percentage, a formatted figure)
NUMBER_TEXT = re.compile(r"-?\d[\d.,]*(e[-+]?\d+)?%?")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1b1f24; background: #fafbfc; line-height: 1.45; }
header { background: #24292f; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0 0 .3rem 0; font-size: 1.6rem; }
header p { margin: 0; color: #d0d7de; }
nav { padding: .6rem 2rem; background: #eaeef2; font-size: .9rem; }
nav a { margin-right: 1rem; color: #0969da; text-decoration: none; }
main { padding: 0 2rem 2rem 2rem; max-width: 1200px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: 1.2rem 0;
          padding: .4rem 1.2rem 1rem 1.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; white-space: nowrap; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; vertical-align: top; }
th { background: #f6f8fa; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen td { background: #dafbe1; }
figure { margin: .8rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { font-size: .85rem; color: #57606a; }
.note { color: #57606a; font-style: italic; }
.verdict { font-weight: 600; }
.bad { color: #cf222e; } .good { color: #1a7f37; }
"""


def cell(value: Any) -> str:
    """A table cell: numbers right-aligned with 4 significant digits, None as a dash."""
    if isinstance(value, Cell):  # a verdict: its colour as the page's class
        css = {"good": "good", "bad": "bad"}.get(value.color or "", "")
        css += " verdict" if value.bold else ""
        inner = cell(value.value)
        return inner.replace("<td", f'<td class="{css.strip()}"', 1) if css.strip() else inner
    if value is None:
        return "<td>-</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    if isinstance(value, float):
        text = f"{value:.4g}" if math.isfinite(value) else str(value)
        return f'<td class="num">{text}</td>'
    if isinstance(value, str) and NUMBER_TEXT.fullmatch(value):  # "6.10%": aligned as a number
        return f'<td class="num">{esc(value)}</td>'
    return f"<td>{esc(value)}</td>"


@dataclass
class Table:
    """Rows of plain values; ``highlight`` marks rows (by index) such as the chosen model."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    highlight: Sequence[int] = ()

    def to_html(self) -> str:
        head = "".join(f"<th>{esc(c)}</th>" for c in self.columns)
        body = []
        for k, row in enumerate(self.rows):
            css = ' class="chosen"' if k in self.highlight else ""
            body.append(f"<tr{css}>{''.join(cell(v) for v in row)}</tr>")
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        return (
            f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


@dataclass
class Image:
    """A PNG embedded in the page; ``name`` is also its file name beside the report."""

    name: str
    png: bytes
    caption: str = ""

    def to_html(self) -> str:
        caption = f"<figcaption>{esc(self.caption)}</figcaption>" if self.caption else ""
        picture = img(self.png, self.caption or self.name, name=self.name)
        return f"<figure>{picture}{caption}</figure>"


@dataclass
class Text:
    """A paragraph; ``kind`` is ``""``, ``"note"`` (greyed) or ``"verdict"`` (bold)."""

    text: str
    kind: str = ""

    def to_html(self) -> str:
        css = f' class="{self.kind}"' if self.kind else ""
        return f"<p{css}>{esc(self.text)}</p>"


@dataclass
class Section:
    """One titled part of the report; ``id`` is its anchor (stable, used by tests)."""

    id: str
    title: str
    blocks: list[Table | Image | Text] = field(default_factory=list)

    def to_html(self) -> str:
        inner = "\n".join(b.to_html() for b in self.blocks)
        return f'<section id="{esc(self.id)}">\n<h2>{esc(self.title)}</h2>\n{inner}\n</section>'

    @property
    def images(self) -> list[Image]:
        return [b for b in self.blocks if isinstance(b, Image)]


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole document."""
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    body = "\n".join(s.to_html() for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>\n"
        f"<nav>{nav}</nav>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
