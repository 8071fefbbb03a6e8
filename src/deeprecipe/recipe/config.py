"""The recipe's settings, and how it reads the task off the targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from deeprecipe._validation import check_choice, check_n_jobs, check_number
from deeprecipe.defaults import (
    DEV_SOURCES,
    LEARNING_RATES,
    PATIENCE,
    RECIPE_MAX_TRAININGS,
    RECIPE_TOLERANCE,
    RELATIVE_TOLERANCE,
    batch_size_for,
    epochs_for,
)
from deeprecipe.errors import DeepRecipeError
from deeprecipe.task import TASKS as TASK_OBJECTS
from deeprecipe.task import Task, get_task, infer_task

TASKS = ("auto", *TASK_OBJECTS)
#: the learning rate used when none is given, per optimizer (see deeprecipe.defaults)
DEFAULT_LEARNING_RATES = LEARNING_RATES["recipe"]


@dataclass
class RecipeConfig:
    """Everything :class:`~deeprecipe.recipe.Recipe` may be told. Every field has a default.

    Diagnosis
        ``bayes_error``: human-level error as the proxy of Bayes error; ``None`` assumes 0 and
        says so in the result. ``bias_tolerance``/``variance_tolerance``: a gap is high when it
        exceeds ``max(tolerance, relative_tolerance * reference)`` (see
        :func:`deeprecipe.diagnose.diagnose`); errors are rates. For regression they are
        mean squared errors and the tolerances are shares of the training targets' variance
        (0.02: 2% of the variance left unexplained), so the verdict does not depend on the
        target's units.
    The starting network
        ``hidden`` sizes, hidden ``activation``, ``init`` (None: He for ReLU, Xavier for tanh),
        ``optimizer``, ``learning_rate`` (None: 0.1 for gd/momentum, 0.001 for Adam/RMSprop),
        ``epochs`` (``"auto"``: 1000 at full batch, fewer over mini-batches, see
        :func:`deeprecipe.defaults.epochs_for`), ``batch_size`` (``"auto"``: the course's
        rule, full batch up to 2,000 training examples and 256 above; None: full batch),
        ``history_points`` (how many times per training the train/dev figures are measured
        for the cost curves).
    The actions
        ``width_factors``, ``max_hidden_units``, ``max_hidden_layers`` (bigger network);
        ``epoch_factors``, ``max_epochs`` (train longer); ``adam_learning_rates``;
        ``l2_grid`` (lambda, a log grid); ``keep_prob_grid``; ``noise_grid`` (Gaussian noise
        std for tabular data, in standardized units); ``image_shifts`` (the largest shift, as
        a fraction of the image's width and height: 0.06 is half a pixel of an 8x8 digit and
        1.7 pixels of a 28x28 one, drawn continuously, bilinear), ``image_rotations`` (largest
        angles, degrees), ``image_zoom`` and ``image_flip`` (image augmentation); ``patience``
        and ``min_delta`` (early stopping, patience counted in measurements of the dev cost).
    Data
        ``task``: ``"auto"`` reads it off ``y`` as the CLI reads a target column
        (:func:`deeprecipe.task.reads_as_classes`: text and booleans are classes, and whole
        numbers with at most 20 distinct values, two rows each on average; other numbers, a
        price or a count, are a regression), or ``"binary"``, ``"multiclass"``,
        ``"regression"`` decide it;
        ``dev``/``test`` (fractions or counts; None: sizes by :func:`deeprecipe.data.split`'s
        rule); ``dev_from``: when a test set is given and no dev set, dev is split off the
        training data (``"train"``), or off the test set (``"test"``: its halves are dev and
        test, the lecture's rule when the test data stand for the distribution you care about
        and the training data differ), or (``"auto"``) off the test set only when its labels
        are distributed differently from the training labels; ``normalize``
        (a Standardizer fitted on train only), ``refit`` (retrain the chosen
        configuration on train + dev before the test; the selection itself stays on dev).
    Budget and execution
        ``max_trainings`` (every distinct trial of the run counts once: one loaded from the
        record of an earlier run included, so a resumed run makes the same decisions; a
        configuration measured earlier in this run is reused and counts nothing again),
        ``max_seconds`` (wall time: a step starts only the candidates that can end within it,
        trainings still running at its end are stopped, and the run ends within it),
        ``max_steps``; ``seed``; ``n_jobs`` (local worker processes, -1 for all cores),
        ``cluster`` (a Dask scheduler address), ``record_dir`` (where finished trials are
        kept for resuming), ``gradcheck_rows``,
        ``learning_curve_fractions``.
    """

    task: str = "auto"
    bayes_error: float | None = None
    bias_tolerance: float = RECIPE_TOLERANCE
    variance_tolerance: float = RECIPE_TOLERANCE
    relative_tolerance: float = RELATIVE_TOLERANCE

    hidden: Sequence[int] = (20,)
    activation: str = "relu"
    init: str | None = None
    optimizer: str = "gd"
    learning_rate: float | None = None
    epochs: int | str = "auto"
    batch_size: int | str | None = "auto"
    history_points: int = 100

    width_factors: Sequence[float] = (2, 4)
    max_hidden_units: int = 1024
    max_hidden_layers: int = 4
    epoch_factors: Sequence[float] = (2, 4)
    max_epochs: int = 100_000
    adam_learning_rates: Sequence[float] = (0.001, 0.003, 0.01)
    l2_grid: Sequence[float] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    keep_prob_grid: Sequence[float] = (0.6, 0.75, 0.9)
    noise_grid: Sequence[float] = (0.05, 0.1, 0.2)
    image_shifts: Sequence[float] = (0.06, 0.12)
    image_rotations: Sequence[float] = (10.0,)
    image_zoom: float = 0.1
    image_flip: bool = False
    patience: int = PATIENCE
    min_delta: float = 0.0

    dev: float | int | None = None
    test: float | int | None = None
    dev_from: str = "auto"
    normalize: bool = True
    refit: bool = False

    max_trainings: int | None = RECIPE_MAX_TRAININGS
    max_seconds: float | None = None
    max_steps: int = 12
    seed: int = 0
    n_jobs: int = -1
    cluster: Any = None
    #: where trials train: None (NumPy), "cuda", "cuda:1", "cpu" (see deeprecipe.nn.backends)
    device: str | None = None
    #: the array library trials train on: None (NumPy, or torch/cupy for a GPU device), "torch"
    backend: str | None = None
    record_dir: str | None = None
    gradcheck_rows: int = 32
    learning_curve_fractions: Sequence[float] = (0.2, 0.4, 0.6, 0.8, 1.0)

    def __post_init__(self) -> None:
        if self.device is not None or self.backend is not None:
            from deeprecipe.nn.backends import get_backend

            get_backend(self.backend, self.device)  # a missing library or GPU: refused now
        from deeprecipe.recipe.sweep import check_cluster

        check_cluster(self.cluster)  # an address in no form Dask reads: before any data
        self.task = check_choice("task", self.task, TASKS)
        self.dev_from = check_choice("dev_from", self.dev_from, DEV_SOURCES)
        if self.bayes_error is not None:
            self.bayes_error = check_number("bayes_error", self.bayes_error, low=0.0)
            check_bayes_error_for_task(self.bayes_error, self.task)
        for name in ("bias_tolerance", "variance_tolerance", "relative_tolerance", "min_delta"):
            setattr(self, name, check_number(name, getattr(self, name), low=0.0))
        self.image_zoom = check_number(
            "image_zoom", self.image_zoom, low=0.0, high=1.0, high_inclusive=False
        )
        if isinstance(self.hidden, (str, bytes)) or not isinstance(self.hidden, Sequence):
            raise DeepRecipeError(
                f"hidden={self.hidden!r}; accepted: a list of hidden-layer sizes, e.g. (20, 3)"
            )
        self.hidden = tuple(
            int(check_number("hidden layer size", n, low=1, integer=True)) for n in self.hidden
        )
        for name in (
            *(("epochs",) if self.epochs != "auto" else ()),
            "history_points",
            "max_hidden_units",
            "max_hidden_layers",
            "max_epochs",
            "patience",
            "max_steps",
            "gradcheck_rows",
        ):
            setattr(self, name, int(check_number(name, getattr(self, name), low=1, integer=True)))
        if self.batch_size is not None and self.batch_size != "auto":
            self.batch_size = int(check_number("batch_size", self.batch_size, low=1, integer=True))
        if self.learning_rate is not None:
            self.learning_rate = check_number(
                "learning_rate", self.learning_rate, low=0.0, low_inclusive=False
            )
        self.optimizer = check_choice("optimizer", self.optimizer, DEFAULT_LEARNING_RATES)
        if self.max_trainings is not None:
            self.max_trainings = int(
                check_number("max_trainings", self.max_trainings, low=1, integer=True)
            )
        if self.max_seconds is not None:
            self.max_seconds = check_number("max_seconds", self.max_seconds, low=0.0)
        # (name, low, low_inclusive, high, a step's grid): each checked now, by its own name,
        # not minutes into the run as the trial's keep_prob=0.0 or learning_rate=0.0
        for name, low, low_inclusive, high, step_grid in (
            ("l2_grid", 0.0, True, None, True),
            ("keep_prob_grid", 0.0, False, 1.0, True),
            ("noise_grid", 0.0, True, None, True),
            ("width_factors", 1.0, True, None, True),
            ("epoch_factors", 1.0, True, None, True),
            ("adam_learning_rates", 0.0, False, None, True),
            ("learning_curve_fractions", 0.0, False, 1.0, True),
            ("image_rotations", 0, True, 180, False),
            ("image_shifts", 0, True, 0.5, False),
        ):
            values = getattr(self, name)
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise DeepRecipeError(f"{name}={values!r}; accepted: a list of numbers")
            if step_grid and not len(values):  # the step was left out without a word
                raise DeepRecipeError(
                    f"{name}={values!r} is empty; accepted: at least one value for its step to try"
                )
            setattr(
                self,
                name,
                tuple(
                    check_number(name, v, low=low, high=high, low_inclusive=low_inclusive)
                    for v in values
                ),
            )
        self.n_jobs = check_n_jobs(self.n_jobs)

    def training_length(self, m: int) -> tuple[int, int | None]:
        """The starting network's ``(epochs, batch_size)`` for ``m`` training examples: as
        given, or by the course's rule where ``"auto"``
        (:func:`deeprecipe.defaults.batch_size_for`, :func:`~deeprecipe.defaults.epochs_for`)."""
        batch = batch_size_for(m) if self.batch_size == "auto" else self.batch_size
        epochs = epochs_for(m, batch) if self.epochs == "auto" else self.epochs
        return int(epochs), batch

    @property
    def effective_learning_rate(self) -> float:
        return self.learning_rate or DEFAULT_LEARNING_RATES[self.optimizer]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready settings (a Dask client object is shown by its type)."""
        # not asdict(): it deep-copies every field, and a live Dask client cannot be copied
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        if self.cluster is not None and not isinstance(self.cluster, str):
            out["cluster"] = type(self.cluster).__name__
        return out

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in fields(cls)}


def check_bayes_error_for_task(bayes_error: float | None, task: str) -> None:
    """A classifier's Bayes error is an error rate; a regression's is an MSE, any size."""
    rate = task != "auto" and get_task(task).metric_is_rate
    if bayes_error is not None and rate and bayes_error > 1:
        raise DeepRecipeError(
            f"bayes_error={bayes_error!r} for a {task} task; accepted: an error rate in [0, 1]"
        )


@dataclass(frozen=True)
class TargetEncoding:
    """How raw targets become what the loss trains on (the task does the work)."""

    task: str
    loss: str
    n_outputs: int
    classes: list[Any] | None

    @property
    def head(self) -> Task:
        """The task object (the output head) that :attr:`task` names."""
        return get_task(self.task)

    def encode(self, y: Any, name: str = "y") -> np.ndarray:
        return self.head.encode(y, self.classes, name)

    def to_dict(self) -> dict[str, Any]:
        classes = None if self.classes is None else [_plain(c) for c in self.classes]
        return {
            "task": self.task,
            "loss": self.loss,
            "n_outputs": self.n_outputs,
            "classes": classes,
        }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def infer_targets(y: Any, task: str = "auto") -> TargetEncoding:
    """Read the task off ``y`` (:func:`deeprecipe.task.infer_task`): text and booleans are
    classes, numbers too when they are whole numbers with at most 20 distinct values
    (:func:`deeprecipe.task.reads_as_classes`), other numbers a regression; two labels are
    binary, more multiclass. ``task`` forces it."""
    head, classes = infer_task(y, task)
    return TargetEncoding(head.kind, head.name, head.n_outputs(classes, y), classes)
