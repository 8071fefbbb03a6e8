"""The recipe's data: the user's parts checked (by :mod:`deeprecipe.data.parts`), split where not
given, normalized on train only, the test set locked away in a :class:`HeldOutSet`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe.data.parts import check_beside, check_image_shape, check_pairs, check_xy
from deeprecipe.data.shift import dev_from_test
from deeprecipe.errors import DeepRecipeError
from deeprecipe.recipe.config import (
    RecipeConfig,
    TargetEncoding,
    check_bayes_error_for_task,
    infer_targets,
)
from deeprecipe.recipe.heldout import HeldOutSet
from deeprecipe.recipe.trial import TrialData, target_scale
from deeprecipe.task import look_alike_classes_note, many_whole_numbers_note, ordered_classes_note
from deeprecipe.train.targets import TARGET_SCALE, scale_record


@dataclass
class RunData:
    """What a run trains and measures on, and what it learned about its data."""

    trials: TrialData  # normalized train and dev, encoded targets
    heldout: HeldOutSet | None  # the test set, opened once at the end
    targets: TargetEncoding
    info: dict[str, Any]  # sizes, how the split was made, normalization, image shape
    raw_train: tuple[Any, Any, Any, Any]  # X_train, y_train, X_dev, y_dev before scaling
    target_variance: float  # regression tolerances are shares of it (1 for classes)
    notes: list[str] = field(default_factory=list)
    #: parts given as files compared with the training set (labels, features), as plain data
    distributions: list[dict[str, Any]] = field(default_factory=list)
    #: the slices of X that one-hot encode a table's text column (the boosting reference reads
    #: each as one categorical feature); empty for data without a table schema
    categorical_blocks: tuple[slice, ...] = ()
    #: the positions in the caller's X of each part's rows drawn from it (``train``, and
    #: ``dev``/``test`` when the split made them here)
    split_rows: dict[str, np.ndarray] = field(default_factory=dict)


def prepare(
    cfg: RecipeConfig,
    X,
    y,
    X_dev,
    y_dev,
    X_test,
    y_test,
    image_shape,
    *,
    feature_names=None,
    random_parts=(),
    groups=None,
    groups_name=None,
    schema=None,
    read_notes=(),
    missing_indicator=False,
    categorical_blocks=(),
    target_name="y",
    rows_of_x=None,
) -> RunData:
    """Check, split (seeded, stratified for classes), normalize; see the module docstring.

    ``random_parts`` names the given parts (``"dev"``, ``"test"``) that the caller drew at
    random from the same data as ``X``: they are read as the recipe's own split is, not as
    files of their own (no shift looked for, a dev/test gap not put down to distributions).
    ``feature_names`` name the columns in the notes; ``groups`` keep each group's rows in one
    part of the split made here (``groups_name``: the column they came from). ``schema`` (a
    :class:`~deeprecipe.data.TableSchema`, for a DataFrame encoded as a table file) says where
    ``X``'s missing cells (NaN) may be: an imputer fitted on the training rows fills every
    part after the split (``missing_indicator``: a 0/1 column per column with gaps in training
    says which cells were filled); ``read_notes`` are what reading the frame noticed.
    ``categorical_blocks`` (``TableSchema.one_hot_blocks()``) are not standardized, and are
    kept for the references.
    ``target_name`` names ``y`` in the notes on its task (a Series' name, or ``"y"``).
    ``rows_of_x``: the positions of ``X``'s rows in the caller's (rows without a label left
    out before); None: the same rows."""
    from deeprecipe.data import (
        SmallSplitWarning,
        Standardizer,
        groups_note,
        overlap_notes,
        split,
    )
    from deeprecipe.data.vocabulary import keep_training_categories

    X, y = check_xy(X, y, missing_ok=schema is not None)
    check_pairs(dev=(X_dev, y_dev), test=(X_test, y_test))
    random_parts = _check_random_parts(random_parts, dev=X_dev, test=X_test)
    targets = infer_targets(y, cfg.task)
    # parts of their own: given, and not drawn at random from X's data by the caller
    given = {"dev": X_dev is not None, "test": X_test is not None}
    given = {part: given[part] and part not in random_parts for part in given}
    drawn, group_notes = None, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallSplitWarning)
        if X_dev is None:  # a test set unlike the training set may give dev its half
            drawn = dev_from_test(
                y,
                X_test,
                y_test,
                mode=cfg.dev_from,
                regression=not targets.head.metric_is_rate,
                seed=cfg.seed,
            )
        if drawn is not None:
            X_dev, y_dev, X_test, y_test = drawn.X_dev, drawn.y_dev, drawn.X_test, drawn.y_test
            given["dev"] = True
        if X_dev is None or X_test is None:
            parts = split(
                X,
                y,
                dev=0 if X_dev is not None else cfg.dev,
                test=0 if X_test is not None else cfg.test,
                # a regression's whole-number targets (weights, counts) are not classes
                stratify="auto" if targets.head.metric_is_rate else False,
                groups=groups,
                seed=cfg.seed,
            )
            X_train, y_train = parts.X_train, parts.y_train
            if groups is not None:
                group_notes = [groups_note(groups, parts, groups_name)]
            rows = {"train": parts.train_idx}
            if X_dev is None:
                X_dev, y_dev = parts.X_dev, parts.y_dev
                rows["dev"] = parts.dev_idx
            if X_test is None:
                X_test, y_test = parts.X_test, parts.y_test
                rows["test"] = parts.test_idx
            made = f"split from X (seed {cfg.seed}{', by group' if parts.grouped else ''})"
        else:
            if groups is not None:
                raise DeepRecipeError(
                    "groups= keeps groups whole in the split of X, but dev and test are both "
                    "given, so X is not split; accepted: groups=None, or a part left to split"
                )
            X_train, y_train = X, y
            rows = {"train": np.arange(len(X))}
            made = "given" if drawn is None else "dev: half of the test data"
            if len(random_parts) == 2:
                made = "drawn at random from one dataset by the caller"
    notes = [*read_notes, *_target_notes(cfg, targets, y, target_name), *group_notes]
    notes += [str(w.message) for w in caught if issubclass(w.category, SmallSplitWarning)]
    reading = None
    if schema is not None:  # a text column's categories are the training rows'
        schema, cut, note = keep_training_categories(
            schema,
            {
                "train": X_train,
                "dev": np.asarray(X_dev, dtype=np.float64),
                "test": np.asarray(X_test, dtype=np.float64).reshape(-1, X_train.shape[1]),
            },
        )
        X_train, X_dev, X_test = cut["train"], cut["dev"], cut["test"]
        notes += [] if note is None else [note]
        feature_names, categorical_blocks = schema.feature_names, schema.one_hot_blocks()
        # the training rows' statistics fill every part's gaps
        imputed = _impute(schema, (X_train, X_dev, X_test), missing_indicator, feature_names)
        (X_train, X_dev, X_test), reading, note, feature_names = imputed
        notes += [] if note is None else [note]
    # dev drawn from the test data (here, or by the caller, who then says dev_from="test"):
    # that dev and test differ from training is what the split is for, not news
    dev_is_test_data = drawn is not None or (given["dev"] and cfg.dev_from == "test")
    if drawn is not None:
        notes.append(drawn.note)
    if len(X_dev) == 0:
        raise DeepRecipeError(
            f"dev={cfg.dev!r} leaves no dev set, and the recipe makes every choice on dev "
            "error; accepted: dev above 0 (a fraction or a count), or X_dev and y_dev"
        )
    X_dev = check_beside(X_train.shape[1], X_dev, y_dev, X_test, y_test)
    targets.encode(y_test, "y_test")
    own = {"dev": (X_dev, y_dev), "test": (X_test, y_test)}
    notes += overlap_notes(X_train, {k: own[k][0] for k in own if given[k]})
    distributions = []
    if any(given.values()):
        distributions = _compare_distributions(
            targets,
            X_train,
            y_train,
            {part: own[part] for part in own if given[part]},
            notes,
            dev_is_test_data,
            feature_names,
        )
    check_bayes_error_for_task(cfg.bayes_error, targets.task)  # task="auto" read off y
    if image_shape is not None:
        image_shape = check_image_shape(image_shape, X.shape[1])
    # a text column's one-hot block stays 0/1 (Standardizer's docstring says why)
    scaler = Standardizer().fit(X_train, unscaled=categorical_blocks) if cfg.normalize else None
    scale = (lambda a: scaler.transform(a)) if scaler is not None else (lambda a: a)
    trials = TrialData(
        scale(X_train),
        targets.encode(y_train, "y"),
        scale(X_dev),
        targets.encode(y_dev, "y_dev"),
        loss=targets.loss,
        n_outputs=targets.n_outputs,
        image_shape=image_shape,
        scaler=scaler,
        device=cfg.device,
        backend=cfg.backend,
    )
    # regression tolerances are shares of the targets' variance (the scale trials train at)
    centre, spread = target_scale(trials)
    heldout = HeldOutSet(X_test, y_test) if len(X_test) else None
    info = {
        "n_train": int(len(X_train)),
        "n_dev": int(len(X_dev)),
        "n_test": 0 if heldout is None else heldout.n_examples,
        "n_features": int(X_train.shape[1]),
        "split": made,
        # dev and test drawn at random from one source (X, or a test file halved): a gap
        # between their errors is then chance or an overfitted dev set, not a distribution
        "dev_test_same_source": dev_is_test_data or not (given["dev"] or given["test"]),
        "normalized": scaler is not None,
        "image_shape": None if image_shape is None else list(image_shape),
        # the columns' names (a DataFrame's, or feature_names=): the chosen model keeps them
        "feature_names": None if feature_names is None else [str(n) for n in feature_names],
        # a DataFrame read as a table file: how the chosen model reads raw frames
        "reading": reading,
        # a regression's: the trials train on (y - mean) / std (the model file records it)
        TARGET_SCALE: scale_record(centre, spread),
    }
    return RunData(
        trials=trials,
        heldout=heldout,
        targets=targets,
        info=info,
        raw_train=(X_train, y_train, X_dev, y_dev),
        target_variance=1.0 if spread is None else float(np.mean(spread**2)),
        notes=notes,
        distributions=distributions,
        categorical_blocks=tuple(categorical_blocks),
        split_rows={
            part: index if rows_of_x is None else np.asarray(rows_of_x)[index]
            for part, index in rows.items()
        },
    )


def _impute(schema, parts, indicator, feature_names):
    """Every part (train, dev, test) with its missing cells filled with the training rows'
    statistics (``indicator``: 0/1 columns saying which were missing appended); returns the
    parts, the reading a model needs for raw frames (``{"schema": ..., "imputer": ...}``, plain
    data), the run's note on what was filled, and the features' names with the indicators'."""
    from deeprecipe.data.impute import impute_parts, imputed_note

    X_train, X_dev, X_test = parts
    X_test = np.asarray(X_test, dtype=np.float64).reshape(-1, X_train.shape[1])
    named = {"train": X_train, "dev": np.asarray(X_dev, dtype=np.float64), "test": X_test}
    imputer, filled, counts = impute_parts(schema.blocks(), named, indicator=bool(indicator))
    reading = {"schema": schema.to_dict(), "imputer": imputer.to_dict()}
    rows = sum(len(part) for part in named.values())
    note = imputed_note(imputer, schema.feature_names, counts, rows)
    names = None if feature_names is None else imputer.feature_names(feature_names)
    return (filled["train"], filled["dev"], filled["test"]), reading, note, names


def _compare_distributions(
    targets, X_train, y_train, parts, notes, dev_is_test_data=False, feature_names=None
):
    """Parts given as separate files (``{"dev": (X_dev, y_dev), "test": ...}``): are their
    labels and features distributed like the training set's? The test labels' distribution
    is looked at here, never a model's errors on them: the one read of the test set is still
    to come. With dev drawn from the test file, a difference from training is what the split
    was made for: only dev against test (both halves of one file) would be news, and they
    share their source by construction."""
    from deeprecipe.data.shift import compare_parts, shift_notes

    parts = {
        part: (X_part, targets.encode(y_part, f"y_{part}"))
        for part, (X_part, y_part) in parts.items()
        if len(X_part)
    }
    comparisons = compare_parts(
        X_train,
        targets.encode(y_train),
        parts,
        regression=not targets.head.metric_is_rate,
        feature_names=feature_names,
    )
    notes += shift_notes(comparisons, labels=not dev_is_test_data)
    return [
        {
            "part": c.part,
            "label_test": c.label_test,
            "label_p": c.label_p,
            "labels": c.label_summary,
            "labels_differ": c.labels_differ,
            "n_shifted_features": len(c.shifted_features),
            "shifted_features": c.shifted_features[:10],
        }
        for c in comparisons
    ]


def _check_random_parts(random_parts, **parts) -> frozenset:
    """``random_parts`` as a set of given parts' names, or a one-line error."""
    if isinstance(random_parts, str):
        random_parts = (random_parts,)
    names = frozenset(random_parts)
    unknown = sorted(names - set(parts), key=str)
    if unknown:
        raise DeepRecipeError(
            f"random_parts={tuple(random_parts)!r} names {unknown[0]!r}; accepted: 'dev' and "
            "'test', the parts given that were drawn at random from the same data as X"
        )
    missing = sorted(name for name in names if parts[name] is None)
    if missing:
        raise DeepRecipeError(
            f"random_parts names {missing[0]!r}, but X_{missing[0]} is not given; accepted: "
            "the parts given"
        )
    return names


def _target_notes(cfg: RecipeConfig, targets: TargetEncoding, y: Any, name: str) -> list[str]:
    """What the task read off ``y`` may have got wrong, as the CLI says it of a file's target
    (:mod:`deeprecipe.task`'s notes): consecutive whole numbers read as classes may be a score,
    many whole numbers read as a regression may be class ids (not said when a task was given);
    and classes that differ only in case or spaces."""
    label = f"target {name!r}"
    alike = look_alike_classes_note(targets.classes, label)
    if cfg.task != "auto":
        return [] if alike is None else [alike]
    notes = [alike, ordered_classes_note(targets.classes, label, targets.task)]
    if not targets.head.is_classifier:
        notes.append(many_whole_numbers_note(y, label))
    return [note for note in notes if note is not None]
