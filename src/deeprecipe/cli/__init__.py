"""The ``deeprecipe`` command line: a thin adapter over the library.

Each command lives in its own module and registers itself on :data:`cli`.
"""

from deeprecipe.cli import (  # noqa: F401  (each module registers its command)
    datasets,
    diagnose,
    gradcheck,
    init_compare,
    predict,
    run,
    train,
)
from deeprecipe.cli.app import cli, main

__all__ = ["cli", "main"]
