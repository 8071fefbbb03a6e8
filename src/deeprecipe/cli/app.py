"""The ``deeprecipe`` command group: one line on stderr and exit code 2 for every error.

Click's own usage errors (an unknown option, a value out of range), a :class:`DeepRecipeError`
from the library (a bad column, a damaged model file) and an :class:`OSError` (a missing file,
a full disk) all reach the user as ``Error: <what and what is accepted>``, never a traceback.
Set ``DEEPRECIPE_TRACEBACK=1`` to see the traceback of an unexpected error.

Ctrl-C and SIGTERM end a command alike (see :mod:`deeprecipe.cli._signals`): one line saying
how to resume, worker processes stopped, exit code 130 or 143.

Python warnings (a dev set too small to measure 1 point of error, ...) become ``Warning: ...``
on stderr, one paragraph each, wrapped as notes are.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import click

from deeprecipe.cli._signals import interrupted, sigterm_as_interrupt, stop_worker_pools
from deeprecipe.errors import DeepRecipeError

#: the exit code of every user-facing error (bad input, missing file, bad option)
EXIT_ERROR = 2
#: the exit code of a check that ran and failed (``deeprecipe gradcheck`` finding a bug)
EXIT_CHECK_FAILED = 1

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def one_line(message: Any) -> str:
    """``message`` on a single line (internal newlines folded into spaces)."""
    return " ".join(str(message).split())


#: file names a command takes through --data, never as a bare argument
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".npz")


def _usage_message(exc: click.UsageError) -> str:
    message = exc.format_message()
    ctx = exc.ctx
    # "Got unexpected extra argument (data.csv)": the file given without --data
    words = message.rstrip(")").split("(")[-1].split() if "extra argument" in message else []
    extra = next((w for w in words if w.lower().endswith(DATA_SUFFIXES)), None)
    if (
        extra is not None
        and ctx is not None
        and any("--data" in p.opts for p in ctx.command.params)
    ):
        return f"{message}; a data file goes after --data: --data {extra}"
    if ctx is not None:
        hint = f"{ctx.command_path} --help"
        return f"{message} (see '{hint}')"
    return message


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    from deeprecipe.cli._ui import UI

    UI().warn(one_line(message))


class DeepRecipeGroup(click.Group):
    """A click group that turns every error into one line on stderr and exit code 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = 0
        with warnings.catch_warnings(), sigterm_as_interrupt():
            warnings.showwarning = _show_warning
            try:
                result = super().main(
                    args, prog_name or "deeprecipe", complete_var, standalone_mode=False, **extra
                )
                code = result if isinstance(result, int) else 0
            except click.exceptions.Exit as exc:
                code = exc.exit_code
            except NO_ARGS_IS_HELP as exc:  # plain ``deeprecipe``: the help, as it reads
                click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
                code = 0
            except click.UsageError as exc:
                code = _fail(_usage_message(exc))
            except click.ClickException as exc:  # click.FileError and friends
                code = _fail(exc.format_message())
            except click.Abort as exc:  # Ctrl-C, SIGTERM or SIGHUP (see _signals)
                message, code = interrupted(exc)
                with contextlib.suppress(OSError):  # after SIGHUP no terminal may be left
                    click.echo(message, err=True)
                _silence_stderr()  # worker pools shutting down after Ctrl-C print tracebacks
                stop_worker_pools()
            except DeepRecipeError as exc:
                code = _fail(str(exc))
            except BrokenPipeError:
                _silence_stdout()  # the reader went away (``| head``): nothing more to say
                code = 1
            except FileNotFoundError as exc:
                code = _fail(f"{exc.filename}: no such file or folder")
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                code = _fail(f"{where}{exc.strerror or exc}")
            except MemoryError:
                code = _fail("out of memory; try a smaller --batch-size, network or dataset")
            except Exception as exc:
                if os.environ.get("DEEPRECIPE_TRACEBACK"):
                    raise
                code = _fail(
                    f"unexpected {type(exc).__name__}: {exc} (a bug in deeprecipe; rerun with "
                    "DEEPRECIPE_TRACEBACK=1 and report the traceback)"
                )
        if standalone_mode:
            sys.exit(code)
        return code


#: click >= 8.2 raises this for a group called without a command (older clicks print help)
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


def _silence_stderr() -> None:
    try:
        sys.stderr.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


def _fail(message: str) -> int:
    click.echo(f"Error: {one_line(message)}", err=True)
    return EXIT_ERROR


@click.group(cls=DeepRecipeGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="deeprecipe", prog_name="deeprecipe")
def cli() -> None:
    """Train dense networks, then follow the basic recipe of machine learning.

    \b
    Start here:
      deeprecipe run                       the whole recipe on an embedded dataset
      deeprecipe run --data my.csv --target label
      deeprecipe train --layers 20,3 --l2 0.7 --epochs 3000
      deeprecipe predict --model runs/X/model.safetensors --data new.csv
      deeprecipe gradcheck --layers 10,5 --dataset iris
      deeprecipe diagnose --train-error 0.01 --dev-error 0.11

    Every command takes --help. Errors are one line on stderr with exit code 2.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """The console-script entry point: run the command line and return its exit code."""
    return cli.main(args=argv, prog_name="deeprecipe", standalone_mode=False)
