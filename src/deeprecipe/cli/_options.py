"""Options shared by several commands, and the parameter types they need."""

from __future__ import annotations

import datetime as _dt
import functools
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from deeprecipe.cli._ui import UI
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import TASKS


class IntList(click.ParamType):
    """Comma-separated positive integers: ``20,3``."""

    name = "N,N,..."

    def convert(self, value: Any, param, ctx) -> list[int]:
        if isinstance(value, list):
            return value
        try:
            numbers = [int(v) for v in str(value).split(",")]  # "20,,3" is a typo: refused
        except ValueError:
            self.fail(
                f"{value!r} is not a comma-separated list of integers (e.g. 20,3)", param, ctx
            )
        if not numbers or any(n < 1 for n in numbers):
            self.fail(f"{value!r}: every size must be a positive integer (e.g. 20,3)", param, ctx)
        return numbers


class FloatList(click.ParamType):
    """Comma-separated numbers in an interval: ``0.86`` or ``0.8,0.9``."""

    name = "X[,X,...]"

    def __init__(self, low: float, high: float, *, low_open: bool = False) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param, ctx) -> float | list[float]:
        if isinstance(value, (float, list)):
            return value
        try:
            numbers = [float(v) for v in str(value).split(",") if v.strip() != ""]
        except ValueError:
            self.fail(f"{value!r} is not a number or a comma-separated list of numbers", param, ctx)
        left = "(" if self.low_open else "["
        for n in numbers:
            if not (self.low < n if self.low_open else self.low <= n) or not n <= self.high:
                self.fail(
                    f"{n:g} is not in the range {left}{self.low:g}, {self.high:g}]", param, ctx
                )
        if not numbers:
            self.fail("no number given", param, ctx)
        return numbers[0] if len(numbers) == 1 else numbers


class NameList(click.ParamType):
    """Comma-separated column names: ``date,name``."""

    name = "A,B,..."

    def convert(self, value: Any, param, ctx) -> list[str]:
        if isinstance(value, list):
            return value
        names = [v.strip() for v in str(value).split(",")]
        if not names or any(n == "" for n in names):
            self.fail(f"{value!r} is not a comma-separated list of column names", param, ctx)
        return names


class ImageShape(click.ParamType):
    """The shape of one image: ``28,28`` or ``32,32,3``."""

    name = "H,W[,C]"

    def convert(self, value: Any, param, ctx) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            shape = tuple(int(v) for v in str(value).split(","))
        except ValueError:
            shape = ()
        if len(shape) not in (2, 3) or min(shape) < 1:
            self.fail(
                f"{value!r} is not an image shape; accepted: HEIGHT,WIDTH or "
                "HEIGHT,WIDTH,CHANNELS, positive whole numbers (28,28)",
                param,
                ctx,
            )
        return shape


class SplitSize(click.ParamType):
    """A part of the data: a fraction (``0.2``) or a number of examples (``100``)."""

    name = "FRACTION|COUNT"

    def convert(self, value: Any, param, ctx) -> float | int:
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip()
        try:
            number: float | int = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                self.fail(f"{value!r} is neither a fraction (0.2) nor a count (100)", param, ctx)
            if not 0.0 <= number < 1.0:
                self.fail(f"{value!r}: a fraction must be in [0, 1)", param, ctx)
        if number < 0:
            self.fail(f"{value!r}: a count must be >= 0", param, ctx)
        return number


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--quiet`` and ``--json``; the command receives a :class:`UI` as ``ui``."""

    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the result as one JSON document on stdout (no tables, no progress).",
    )
    @click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print nothing but errors (any output files are still written).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, quiet: bool, as_json: bool, **kwargs: Any) -> Any:
        if quiet:
            warnings.simplefilter("ignore")
        try:
            return command(*args, ui=UI(quiet=quiet, as_json=as_json), **kwargs)
        except DeepRecipeError as exc:
            worded = in_flags(str(exc), click.get_current_context())
            if worded == str(exc):
                raise
            raise DeepRecipeError(worded) from exc

    return wrapper


def _shell_list(python_list: str) -> str:
    """``'a', 'b c'`` (the inside of a Python list of names) as ``'a,b c'`` for a shell."""
    text = ",".join(n.strip().strip("'\"") for n in python_list.split(","))
    return text if re.fullmatch(r"[\w.,=-]*", text) else f"'{text}'"


def in_flags(message: str, ctx: click.Context) -> str:
    """A library message in the command line's words: ``learning_rate=nan`` becomes
    ``--learning-rate nan`` for each option of the running command. What a message says
    of Python itself (``drop=['a'] in load_file``) is left out: made a flag it read
    ``--drop a in load_file``."""
    message = re.sub(r",? \w+=\[[^\]]*\] in load_file", "", message)
    for param in ctx.command.params:
        flag = next((o for o in param.opts if o.startswith("--")), None)
        if flag and param.name:
            message = re.sub(rf"(?<![\w-]){re.escape(param.name)}=", f"{flag} ", message)
            # a Python list of names is a comma-separated list on the command line
            message = re.sub(
                rf"{re.escape(flag)} \[([^\]]*)\]",
                lambda m, f=flag: f"{f} {_shell_list(m.group(1))}",
                message,
            )
    return message


def seed_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Seed of every random draw (split, initialization, dropout, shuffling): the same "
        "seed gives the same result.",
    )(command)


def device_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--device``: where networks train (NumPy on the CPU by default)."""
    return click.option(
        "--device",
        help="Where the network trains: cpu (default), cuda, cuda:1, ... A GPU needs "
        "pip install 'deeprecipe[torch]' or 'deeprecipe[cupy]'.",
    )(command)


def device_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--device`` and ``--backend``: where the network's arrays live (NumPy by default)."""
    from deeprecipe.nn.backends import BACKENDS

    command = click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        help="Array library the network runs on [default: numpy; for a GPU device, torch "
        "when installed, else cupy].",
    )(command)
    return device_option(command)


def check_cores(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """A count of cores or workers (``--jobs``, ``--threads``): -1 (every core) or >= 1."""
    if value is not None and (value == 0 or value < -1):
        raise click.BadParameter(f"{value} is not accepted; accepted: -1 (every core) or >= 1")
    return value


def threads_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--threads``: threads of one training (the command receives ``threads``, or None)."""
    from deeprecipe._threads import ENV_THREADS

    return click.option(
        "--threads",
        type=int,
        callback=check_cores,
        help="Threads for training's matrix products (-1: every core); "
        "on NumPy any count trains the same bits [default: $" + ENV_THREADS + ", else the "
        "BLAS library's own].",
    )(command)


def _one_target(ctx: click.Context, param: click.Parameter, given: tuple[str, ...]) -> str | None:
    """One --target: click keeps the last of repeated options, and the first column would then
    be read as a feature, the target itself among the inputs (a new user's
    --target Weight --target Waist trained on Weight)."""
    if len(given) > 1:
        raise click.BadParameter(
            f"given {len(given)} times ({', '.join(given)}); accepted: one target column "
            "(several outputs: the Python API, Recipe or DeepRegressor with a 2-D y)",
            ctx=ctx,
            param=param,
        )
    return given[0] if given else None


def data_options(default_dataset: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Where the examples come from: an embedded dataset, or the user's file(s)."""
    shown = f" [default: {default_dataset}]" if default_dataset else ""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option(
                "--dataset",
                metavar="NAME",
                help="An embedded dataset (see 'deeprecipe datasets')." + shown,
            ),
            click.option(
                "--data",
                "data_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Your data: a .csv (header row), .parquet or .npz file. It is split "
                "into train/dev/test unless --dev-data/--test-data give fixed parts.",
            ),
            click.option(
                "--target",
                metavar="COLUMN",
                multiple=True,
                callback=_one_target,
                help="The column of --data holding the labels (not needed for .npz).",
            ),
            click.option(
                "--dev-data",
                type=click.Path(dir_okay=False, path_type=Path),
                help="A fixed dev set, same columns as --data.",
            ),
            click.option(
                "--test-data",
                type=click.Path(dir_okay=False, path_type=Path),
                help="A fixed test set, same columns as --data.",
            ),
            click.option(
                "--dev",
                "dev_size",
                type=SplitSize(),
                help="Dev set size: a fraction (0.2) or a count (100) [default: 20% up "
                "to 50k examples, then 10k].",
            ),
            click.option(
                "--test", "test_size", type=SplitSize(), help="Test set size, like --dev."
            ),
            click.option(
                "--task",
                type=click.Choice(list(TASKS)),
                help="Force the task instead of inferring it from the target column.",
            ),
            *reading_options(),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def reading_options() -> list[Callable[..., Any]]:
    """How a table file is read: which columns, missing values, decimal commas, images."""
    return [
        click.option(
            "--image-shape",
            type=ImageShape(),
            help="The feature columns are the pixels of one image per row, in row-major order, "
            "of this shape (28,28 or 32,32,3): image augmentation (shifts, rotations, zoom) "
            "becomes possible. An .npz whose X is (m, h, w[, c]) gives its shape itself.",
        ),
        click.option(
            "--features",
            type=NameList(),
            help="Use only these columns of --data as features (comma-separated).",
        ),
        click.option(
            "--drop",
            type=NameList(),
            help="Leave these columns of --data out (comma-separated), e.g. an id or a date.",
        ),
        click.option(
            "--categories",
            type=NameList(),
            help="Columns of --data whose numbers are codes, not quantities (an occupation "
            "coded 1-6, a region 10, 20, 30), comma-separated: one-hot encoded as text columns "
            "are.",
        ),
        click.option(
            "--group",
            metavar="COLUMN",
            help="A column of --data that says which rows belong together (a person, a "
            "patient, a session): the split keeps each group's rows in one part, so no part is "
            "scored on a group the network trained on. The column is not a feature.",
        ),
        click.option(
            "--missing",
            type=click.Choice(["impute", "drop", "refuse"]),
            help="Missing cells: impute them with statistics of the TRAINING split (median for "
            "numbers, most frequent value for text), drop their rows, or refuse the file "
            "[default: impute].",
        ),
        click.option(
            "--missing-indicator",
            is_flag=True,
            default=None,
            help="With --missing impute: add a 0/1 column per imputed column saying the cell "
            "was missing.",
        ),
        click.option(
            "--decimal",
            type=click.Choice([".", ","]),
            help="The decimal mark of --data [default: '.'; decimal commas are detected in a "
            "file separated by ';' or tabs].",
        ),
        click.option(
            "--max-categories",
            type=click.IntRange(min=2),
            help="Most distinct values a text column may have to be one-hot encoded "
            "[default: 100].",
        ),
    ]


def out_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out`` and ``--overwrite`` (see :mod:`deeprecipe.cli._run_folder`)."""
    out = click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text + " [default: runs/<timestamp>/]",
    )
    overwrite = click.option(
        "--overwrite",
        is_flag=True,
        help="Start afresh in --out: remove what an earlier run wrote there (its model, report, "
        "results, trials, checkpoint; nothing else). Without it a folder holding another run "
        "is refused, and the same run continues.",
    )
    return lambda command: out(overwrite(command))


def run_folder(out_dir: Path | None, *, create: bool = True) -> Path:
    """``out_dir``, created; by default ``runs/<UTC timestamp>/`` (a new one each time).
    With ``create=False`` the path is only chosen and checked (create it once the work is
    sure to start, so a refused command leaves no empty folder behind)."""
    if out_dir is None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        out_dir = Path("runs") / stamp
        k = 1
        while out_dir.exists():
            k += 1
            out_dir = Path("runs") / f"{stamp}-{k}"
    if out_dir.exists() and not out_dir.is_dir():
        raise click.BadParameter(f"{out_dir} exists and is not a folder", param_hint="'--out'")
    if create:
        out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir
