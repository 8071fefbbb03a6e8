"""The command line's files: written atomically, then given ordinary permissions."""

from __future__ import annotations

import os
from pathlib import Path

from deeprecipe._files import atomic_write_bytes, atomic_write_text
from deeprecipe.report.writer import publish


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    return publish(atomic_write_text(path, text))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    return publish(atomic_write_bytes(path, data))
