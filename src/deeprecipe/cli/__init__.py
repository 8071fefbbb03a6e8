"""The ``deeprecipe`` command line: a thin adapter over the library.

Each command lives in its own module and registers itself on :data:`cli`.
"""

from deeprecipe.cli import datasets, diagnose, gradcheck, predict, train  # noqa: F401
from deeprecipe.cli.app import cli, main

__all__ = ["cli", "main"]
