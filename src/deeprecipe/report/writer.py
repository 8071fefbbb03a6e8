"""Writing a report folder: ``report.html``, one PNG per figure, ``results.json``.

Every file is written atomically (temporary file, fsync, rename): the PNGs first, so a
``report.html`` always has everything it shows, and ``results.json`` last, as the commit marker
(a reader treats a folder without it as incomplete).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._files import atomic_write_bytes, atomic_write_text
from deeprecipe.errors import DeepRecipeError
from deeprecipe.report.html import Image, Section, page

REPORT_FILE = "report.html"
RESULTS_FILE = "results.json"


def plain(value: Any) -> Any:
    """JSON-ready data: NumPy values become Python ones, NaN and infinity become None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass
class Report:
    """What a report shows (``sections``) and the plain data behind it (``results``)."""

    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def images(self) -> list[Image]:
        return [image for section in self.sections for image in section.images]

    def to_html(self) -> str:
        return page(self.title, self.subtitle, self.sections)


def write_report(report: Report, folder: str | os.PathLike[str]) -> Path:
    """Write the report into ``folder`` (created if needed); return the path of report.html."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DeepRecipeError(f"report folder {folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    names = [image.name for image in report.images]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DeepRecipeError(f"report images share the name(s) {', '.join(duplicates)}")
    for image in report.images:
        atomic_write_bytes(folder / f"{image.name}.png", image.png)
    _remove_stale_images(folder, set(names))
    results = {**report.results, "report_images": [f"{n}.png" for n in names]}
    text = json.dumps(plain(results), indent=2, allow_nan=False)
    html = atomic_write_text(folder / REPORT_FILE, report.to_html())
    atomic_write_text(folder / RESULTS_FILE, text + "\n")  # last: the folder is complete
    return html


def write_page(report: Report, file: str | os.PathLike[str]) -> Path:
    """Write the self-contained page alone (images inline) to ``file``; return its path."""
    file = Path(file)
    if file.is_dir():
        raise DeepRecipeError(f"report file {file} is a folder; accepted: a path ending in .html")
    file.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(file, report.to_html())


def save(report: Report, path: str | os.PathLike[str]) -> Path:
    """A path ending in ``.html``: the page alone (:func:`write_page`); any other path: a
    report folder (:func:`write_report`). Returns the path of the page."""
    if Path(path).suffix.lower() in (".html", ".htm"):
        return write_page(report, path)
    return write_report(report, path)


def _remove_stale_images(folder: Path, names: set[str]) -> None:
    """A report written into a folder that held an earlier one: the earlier report's images
    that this one does not have (a decision boundary of other data) would sit beside it and
    mislead. Only files the earlier report listed as its own are removed."""
    try:
        earlier = json.loads((folder / RESULTS_FILE).read_text()).get("report_images", [])
    except (OSError, ValueError, AttributeError):
        return
    for file in earlier:
        if isinstance(file, str) and file.endswith(".png") and file[:-4] not in names:
            if Path(file).name == file:  # a bare file name, never a path elsewhere
                (folder / file).unlink(missing_ok=True)
