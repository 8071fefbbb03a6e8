"""The basic recipe for machine learning, run automatically (course 2, week 1).

::

    split; normalize on train; compare the parts given as files (labels, features)
    fit the reference models (trivial, linear, boosting) on train; bracket the achievable error
    initialize for the activation; gradient-check; train a baseline
    prove that training works (the optimization probe: 128 rows, several step sizes); on an
    optimization problem, the learning rate and optimizer first
    while avoidable bias is high:   bigger network (wider, then deeper), train longer, Adam
    while variance is high:         L2 (lambda sweep), dropout (keep_prob sweep),
                                    augmentation, early stopping; learning curve -> more data?
    gradient-check the chosen network; measure the test error ONCE, for the chosen network and
    the references together; guard: say loudly when a reference beats the network on dev
    (paired, row by row), when it does no better than trivial, or when it predicts one class

Every step is chosen by dev error alone (ties broken by the dev loss without its L2 term, also a
dev figure): a step's best candidate replaces the current configuration only if it beats it on
dev. The loop goes back to bias whenever a variance fix raised it, and stops when both gaps are
within tolerance and no reference is ahead on dev beyond its noise (two gaps within tolerance
can add up to a demonstrable shortfall: then the bias steps, and then the variance steps, go
on), when no action helps any more, or when the budget is spent. The test set sits
in a :class:`~deeprecipe.recipe.heldout.HeldOutSet` that opens once, in the final step.

Nothing here prints: progress goes to the optional ``on_event(event: dict)`` callback.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from deeprecipe.data.parts import (
    as_pandas,
    check_frame,
    check_target_beside,
    columns_by_name,
    encode_frames,
    flat_images,
    is_frame,
    leave_out_unlabelled,
    needs_encoding,
    refuse_target_among_inputs,
    split_off_groups,
)
from deeprecipe.data.schema import TableSchema
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.events import fan_out
from deeprecipe.model import Model
from deeprecipe.recipe import yardsticks
from deeprecipe.recipe.advice import learning_curve, recommend, validation_curves
from deeprecipe.recipe.config import RecipeConfig
from deeprecipe.recipe.final import evaluate_test, final_network
from deeprecipe.recipe.guards import run_guards
from deeprecipe.recipe.loop import (
    base_spec,
    baseline,
    improve,
    learning_curve_step,
)
from deeprecipe.recipe.prepare import prepare
from deeprecipe.recipe.record import TrialRecord
from deeprecipe.recipe.result import RecipeResult
from deeprecipe.recipe.state import EventCallback, RunState
from deeprecipe.recipe.sweep import Sweeper
from deeprecipe.recipe.trial import network_from_trial, trial_network

#: said when no Bayes error is given
NO_BAYES_NOTE = (
    "no Bayes (human-level) error was given: 0 is assumed, so all of the training error counts "
    "as avoidable bias"
)


class Recipe:
    """Run the basic recipe on ``(X, y)``: ``Recipe(hidden=(20, 3), bayes_error=0.05).run(X, y)``.

    Settings are the fields of :class:`RecipeConfig`, given as a config, as keywords, or both
    (keywords win). ``on_event`` receives plain-dict progress events (``run_start``,
    ``step_start``, ``trial_done``, ``step_end``, ``gradcheck``, ``test_evaluated``,
    ``run_end``); an exception raised there stops the run (finished trials stay recorded).
    The events also go to ``logging.getLogger("deeprecipe")`` (see :mod:`deeprecipe.events`);
    ``progress=True`` draws them as rich progress bars (in a terminal or in Jupyter).
    """

    def __init__(
        self,
        config: RecipeConfig | Mapping[str, Any] | None = None,
        *,
        on_event: EventCallback | None = None,
        progress: bool = False,
        **settings: Any,
    ) -> None:
        if isinstance(config, Mapping):
            settings = {**config, **settings}
            config = None
        if config is not None and not isinstance(config, RecipeConfig):
            raise DeepRecipeError(
                f"config={config!r}; accepted: a RecipeConfig, a dict of its settings, or None"
            )
        unknown = set(settings) - RecipeConfig.field_names()
        if unknown:
            raise DeepRecipeError(
                f"unknown recipe setting(s) {sorted(unknown)}; accepted: "
                f"{', '.join(sorted(RecipeConfig.field_names()))}"
            )
        base = config if config is not None else RecipeConfig()
        self.config = dataclasses.replace(base, **settings) if settings else base
        if on_event is not None and not callable(on_event):
            raise DeepRecipeError(f"on_event={on_event!r}; accepted: a function of one dict")
        self.on_event = on_event
        self.progress = bool(progress)

    def run(
        self,
        X: Any,
        y: Any,
        *,
        X_dev: Any = None,
        y_dev: Any = None,
        X_test: Any = None,
        y_test: Any = None,
        image_shape: tuple[int, ...] | None = None,
        feature_names: Sequence[str] | None = None,
        random_parts: Collection[str] = (),
        groups: Any = None,
        missing_indicator: bool = False,
        schema: TableSchema | None = None,
    ) -> RecipeResult:
        """Split (unless dev/test are given), then run the recipe; see the module docstring.

        ``X_dev``/``y_dev`` and ``X_test``/``y_test`` are the user's own fixed splits; whatever
        is not given is split off ``X``. ``random_parts`` names those of them (``"dev"``,
        ``"test"``) that you drew at random from the same data as ``X`` (with
        :func:`deeprecipe.split`, say): they are then read as the recipe's own split is, not as
        data of their own (no shift between them and training is looked for, and a gap between
        dev and test errors is put down to chance or an overfitted dev set, not to a difference
        of distributions). ``image_shape`` (``(h, w[, c])``) says the rows are flattened
        images, which enables image augmentation; an array of images ``(m, h, w[, c])`` says
        it itself (and is flattened, as are ``X_dev`` and ``X_test`` of the same shape).
        ``feature_names`` name the columns in notes and in the chosen model (a DataFrame's own
        column names by default). ``groups`` (one
        label per row of ``X``: a person, a patient, a session; or the name of a DataFrame's
        column) keeps each group's rows in one part of the split made here
        (:func:`deeprecipe.split`'s ``groups=``); the column holding them is left out of the
        features. A DataFrame with
        text columns or missing cells is read as the CLI reads a file: text one-hot encoded,
        missing cells filled with statistics of the training rows after the split
        (``missing_indicator=True`` appends a 0/1 column ``"<column> (missing)"`` for each
        column with gaps in the training rows, as the CLI's ``--missing-indicator``); the
        chosen model then predicts raw frames the same way. ``schema`` (the
        :class:`~deeprecipe.data.TableSchema` that already encoded ``X``, as
        :func:`deeprecipe.data.load_file`'s ``Dataset.schema``) says which columns one-hot
        encode a text column: the boosting reference reads each such block as one categorical
        feature, as it does a DataFrame's text columns. Rows whose label is missing (None, NaN
        or ``pd.NA`` in ``y``, ``y_dev`` or ``y_test``) are left out before the split, with
        their groups, and a note and a warning say how many, as the CLI leaves a file's out;
        the task is read off the labels that remain (:func:`deeprecipe.task.reads_as_classes`).
        """
        start = time.monotonic()  # a wall-time budget counts the data's preparation too
        X, X_dev, X_test = (
            as_pandas(n, p) for n, p in (("X", X), ("X_dev", X_dev), ("X_test", X_test))
        )
        for part, X_part, y_part in (("", X, y), ("_dev", X_dev, y_dev), ("_test", X_test, y_test)):
            check_target_beside(X_part, y_part, f"X{part}", f"y{part}")
        refuse_target_among_inputs(X, y)
        target_name = _target_name(y)
        X, image_shape = flat_images("X", X, image_shape)  # (m, h, w[, c]): one row per image
        X_dev, _ = flat_images("X_dev", X_dev, image_shape)
        X_test, _ = flat_images("X_test", X_test, image_shape)
        X, groups, group_column, read_notes = split_off_groups(X, groups)
        if group_column is not None:  # dev and test frames leave it out too
            X_dev, X_test = (
                part.drop(columns=[group_column])
                if is_frame(part) and group_column in part.columns
                else part
                for part in (X_dev, X_test)
            )
        (X, y, groups, X_dev, y_dev, X_test, y_test), left_out, labelled = _labelled_only(
            target_name, X, y, groups, X_dev, y_dev, X_test, y_test
        )
        read_notes += left_out
        blocks = _one_hot_blocks(schema, X)
        frame_schema = None  # a DataFrame's own: its imputer fills the parts' missing cells
        if needs_encoding(X):  # text columns or missing cells: read as a table file is
            X, X_dev, X_test, frame_schema, reading = encode_frames(X, X_dev, X_test)
            read_notes += reading
            feature_names = frame_schema.feature_names
            blocks = frame_schema.one_hot_blocks()
        if feature_names is None and is_frame(X):  # a DataFrame names its columns
            feature_names = [str(column) for column in X.columns]
        # DataFrames as float arrays, dev's and test's columns taken by X's names
        X_dev = check_frame("X_dev", columns_by_name("X_dev", X_dev, feature_names))
        X_test = check_frame("X_test", columns_by_name("X_test", X_test, feature_names))
        X = check_frame("X", X)
        data = prepare(
            self.config,
            X,
            y,
            X_dev,
            y_dev,
            X_test,
            y_test,
            image_shape,
            feature_names=feature_names,
            random_parts=random_parts,
            groups=groups,
            groups_name=None if group_column is None else str(group_column),
            schema=frame_schema,
            read_notes=read_notes,
            missing_indicator=missing_indicator,
            categorical_blocks=blocks,
            target_name=target_name,
            rows_of_x=labelled,
        )
        if not self.progress:
            return _execute(RunState(self.config, self.on_event, data, start=start))
        from deeprecipe.progress import ProgressView, progress_bars

        with progress_bars() as bars:
            view = ProgressView(bars, self.config.max_trainings, self.config.max_seconds)
            listener = fan_out([view, self.on_event])
            return _execute(RunState(self.config, listener, data, start=start))


def _one_hot_blocks(schema: Any, X: Any) -> tuple[slice, ...]:
    """The one-hot blocks of the ``schema=`` that encoded ``X`` (none without one)."""
    if schema is None:
        return ()
    if not isinstance(schema, TableSchema):
        raise DeepRecipeTypeError(
            f"schema is a {type(schema).__name__}; accepted: the TableSchema that encoded X "
            "(load_file's Dataset.schema), or None"
        )
    if needs_encoding(X):
        raise DeepRecipeError(
            "schema= describes an X already encoded, but X is a DataFrame with text columns or "
            "missing cells, which the recipe encodes itself; accepted: schema=None for a "
            "DataFrame, or schema= with the encoded array"
        )
    width, columns = len(schema.feature_names), np.shape(X)[-1]
    if width > columns:
        raise DeepRecipeError(
            f"schema= encodes {width} columns but X has {columns}; accepted: the TableSchema "
            "that encoded X (its columns first, any missing-value indicators after them)"
        )
    return schema.one_hot_blocks()


def _labelled_only(label: str, X, y, groups, X_dev, y_dev, X_test, y_test):
    """Every part without its rows whose label is missing (None, NaN, pd.NA), as the CLI
    leaves a file's out, and dev's and test's files' too (their notes named by the part), and
    the positions in ``X`` of the rows kept (None when all were):
    ``np.unique`` failed on car's Chile with 168 missing votes, and NaN regression targets
    drawn into the test part were refused as 'y_test contains NaN', a part the user never
    passed (a new user's trial). Each note is also warned about, as the CLI warns."""
    X, y, groups, note, kept = leave_out_unlabelled("X", X, y, groups, label=label)
    notes = [] if note is None else [note]
    X_dev, y_dev, _, note, _ = leave_out_unlabelled("X_dev", X_dev, y_dev, label=label)
    notes += [] if note is None else [f"X_dev: {note}"]
    X_test, y_test, _, note, _ = leave_out_unlabelled("X_test", X_test, y_test, label=label)
    notes += [] if note is None else [f"X_test: {note}"]
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return (X, y, groups, X_dev, y_dev, X_test, y_test), notes, kept


def _target_name(y: Any) -> str:
    """What the notes call ``y``: a pandas Series' own name (``'price'``), else ``'y'``."""
    name = getattr(y, "name", None) if hasattr(y, "to_numpy") else None
    return "y" if name is None else str(name)


def _execute(run: RunState) -> RecipeResult:
    """The whole run, in the order of the module docstring."""
    cfg, data = run.config, run.data
    with Sweeper(
        data.trials,
        n_jobs=cfg.n_jobs,
        cluster=cfg.cluster,
        record=TrialRecord(cfg.record_dir),
        on_event=run.trial_event,
    ) as run.sweeper:
        run.emit(
            "run_start",
            **data.info,
            task=data.targets.task,
            where=run.sweeper.where,
            bayes_error=cfg.bayes_error,
            max_trainings=cfg.max_trainings,
        )
        yardsticks.fit_references(run)
        base = base_spec(run)
        gradcheck = {
            "init": run.gradcheck(
                trial_network(base.to_dict(), data.trials), "at initialization", standardized=True
            )
        }
        first = baseline(run, base)
        incumbent, stopped = improve(run, first)
        curve = learning_curve(run, learning_curve_step(run, incumbent))
        curves = validation_curves(run)
        network, scaler, refitted = final_network(run, incumbent)
        # the baseline's own network and scaler, for the report's side-by-side pictures
        baseline_network = network_from_trial(first.spec, data.trials, run.sweeper.theta(first.key))
        gradcheck["final"] = run.gradcheck(network, "after training (chosen network)")
        # the guards judge the network that dev judged: the incumbent's own, not a refit
        judged = (
            network
            if refitted is None
            else network_from_trial(incumbent.spec, data.trials, run.sweeper.theta(incumbent.key))
        )
        guards = run_guards(run, incumbent, judged, first, baseline_network)
        test_error = evaluate_test(run, network, scaler, dev_network=refitted is None)
        run.notes += yardsticks.imbalance_notes(run)
        trainings = {
            "total": run.trainings_used,
            "trained": run.sweeper.n_trained,
            "reused": run.sweeper.n_reused,
        }
    final_diagnosis = run.diagnose(incumbent)
    seconds = time.monotonic() - run.start
    run.emit(
        "run_end",
        stopped_because=stopped,
        test_error=test_error,
        seconds=seconds,
        trainings=trainings,
    )
    return RecipeResult(
        config=cfg.to_dict(),
        targets=data.targets.to_dict(),
        data={**data.info, "where": run.sweeper.where, "record_dir": cfg.record_dir},
        steps=run.steps,
        baseline=run.describe(first),
        final=run.describe(incumbent),
        baseline_diagnosis=run.diagnose(first),
        final_diagnosis=final_diagnosis,
        train_error=incumbent.train_error,
        dev_error=incumbent.dev_error,
        test_error=test_error,
        gradcheck=gradcheck,
        learning_curve=curve,
        validation_curves=curves,
        recommendations=recommend(
            run, final_diagnosis, curve, incumbent, stopped, guards, run.per_class.get("dev")
        )
        + [g["message"] for g in guards],
        stopped_because=stopped,
        trainings=trainings,
        seconds=seconds,
        test_access=list(data.heldout.accesses) if data.heldout is not None else [],
        notes=run.notes + yardsticks.bayes_notes(run, NO_BAYES_NOTE),
        network=network,
        scaler=scaler,
        baseline_model=Model(baseline_network, scaler=data.trials.scaler),
        train_rows=(data.raw_train[0], data.trials.y_train),
        split_rows=data.split_rows,
        refit=None
        if refitted is None
        else {
            **run.describe(refitted),
            "n_train": refitted.result["n_train"],
        },
        yardsticks={
            "references": run.references,
            "achievable": None if run.achievable is None else run.achievable.to_dict(),
            "optimization": run.optimization,
            "guards": guards,
            "r2": yardsticks.r2(run, incumbent, test_error),
            "per_class": run.per_class or None,
            "dev_test": run.dev_test,
            "distributions": data.distributions,
        },
    )


def run_recipe(X: Any, y: Any, config: RecipeConfig | Mapping[str, Any] | None = None, **kw):
    """Shorthand for ``Recipe(config).run(X, y, **kw)`` (a dict of settings is accepted)."""
    if isinstance(config, Mapping):
        return Recipe(**config).run(X, y, **kw)
    return Recipe(config).run(X, y, **kw)
