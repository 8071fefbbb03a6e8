"""Bias, variance and data mismatch from a model's errors: the lecture's table as a function.

The course's definitions (Bayes error estimated by human-level error, 0 when unknown)::

    avoidable bias = train error - Bayes error
    variance       = dev error - train error              (no train-dev set)
    variance       = train-dev error - train error        (with a train-dev set)
    data mismatch  = dev error - train-dev error          (with a train-dev set)

A gap is *high* when it is strictly larger than its threshold::

    threshold = max(tolerance, relative_tolerance * reference)

where ``tolerance`` is absolute (in the units of the errors: 0.015 is one and a half percentage
points of error rate), and ``reference`` is the lower of the two errors the gap compares (the
Bayes error for the bias, the train error for the variance, the train-dev error for the
mismatch). The relative share keeps a one-point gap between 15% and 16% from counting as
variance while a ten-point gap between 1% and 11% does. With the defaults (0.015 and 0.1) the
lecture's four examples come out as the lecture says: (1%, 11%) high variance; (15%, 16%) high
bias; (15%, 30%) high bias and high variance; (0.5%, 1%) low bias and low variance; and its
human-level example (Bayes 7.5%, train 8%, dev 10%) says to work on variance, a two-point gap
against a half-point one.

Without a Bayes error from the user, 0 is no longer assumed when an achievable-error bracket is
given (:func:`deeprecipe.diagnose.achievable.achievable_error`): the Bayes error is then read as
the bracket's upper bound, the lowest error a reference model reached on unseen dev data. So
avoidable bias counts as high only when the training error is above what is *demonstrably*
achievable, by more than the tolerance; the bracket's lower estimate is reported, never used
to call bias high, because at small sample sizes it can be far off. A user's ``bayes_error``
always wins.

The labels are stable strings, listed in :data:`LABELS`: the names of the high gaps joined in
the order bias, variance, mismatch ("high bias", "high variance", "data mismatch",
"high bias and high variance", "high bias and data mismatch", "high variance and data mismatch",
"high bias, high variance and data mismatch"), or "low bias and low variance" when none is high.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from deeprecipe._stats import exceeds
from deeprecipe._validation import check_choice, check_number
from deeprecipe.defaults import RELATIVE_TOLERANCE, TOLERANCE
from deeprecipe.task import short_format

if TYPE_CHECKING:
    from deeprecipe.diagnose.achievable import AchievableError

#: the default absolute tolerance of each gap (1.5 percentage points of error rate); the
#: recipe's is looser, see :mod:`deeprecipe.defaults`
DEFAULT_TOLERANCE = TOLERANCE
#: a train_scale further than this from 1 is shown beside the training error (and noted by
#: the recipe); nearer, the parts are alike to the eye and the figure is left out
SCALE_SHOWN = 0.05
#: the default relative share of the reference error a gap must exceed to be high
DEFAULT_RELATIVE_TOLERANCE = RELATIVE_TOLERANCE

HIGH_BIAS = "high bias"
HIGH_VARIANCE = "high variance"
DATA_MISMATCH = "data mismatch"
HIGH_BIAS_AND_VARIANCE = "high bias and high variance"
LOW_BIAS_AND_VARIANCE = "low bias and low variance"

#: every label :func:`diagnose` can return
LABELS: tuple[str, ...] = (
    HIGH_BIAS,
    HIGH_VARIANCE,
    DATA_MISMATCH,
    HIGH_BIAS_AND_VARIANCE,
    "high bias and data mismatch",
    "high variance and data mismatch",
    "high bias, high variance and data mismatch",
    LOW_BIAS_AND_VARIANCE,
)

#: the basic recipe's next actions for each problem, most direct first
BIAS_ACTIONS: tuple[str, ...] = (
    "bigger network (more hidden units or layers)",
    "train longer",
    "better optimizer (momentum, Adam) or learning rate",
    "other architecture",
)
VARIANCE_ACTIONS: tuple[str, ...] = (
    "more data (or data augmentation)",
    "regularization (L2, dropout)",
    "early stopping",
    "other architecture",
)
MISMATCH_ACTIONS: tuple[str, ...] = (
    "error analysis: compare training and dev examples by hand",
    "make training data more like dev data (collect or synthesize)",
)
DONE_ACTIONS: tuple[str, ...] = ("done: measure the test error once",)


@dataclass(frozen=True)
class Diagnosis:
    """The outcome of :func:`diagnose`: gaps, verdicts, a label and the recipe's next actions.

    ``actions`` lists bias fixes first, then variance, then mismatch fixes: the basic recipe
    deals with avoidable bias before variance. ``to_dict()`` gives plain JSON-ready data.
    """

    train_error: float
    dev_error: float
    bayes_error: float
    train_dev_error: float | None
    metric: str
    avoidable_bias: float
    variance: float
    data_mismatch: float | None
    high_bias: bool
    high_variance: bool
    high_mismatch: bool
    label: str
    actions: tuple[str, ...]
    bias_tolerance: float
    variance_tolerance: float
    mismatch_tolerance: float
    relative_tolerance: float
    bias_threshold: float
    variance_threshold: float
    mismatch_threshold: float | None
    bayes_error_assumed: bool
    notes: tuple[str, ...] = ()
    bayes_source: str = "given"
    achievable: dict[str, Any] | None = None
    #: the training error's scale over dev's (see :func:`diagnose`); the gaps read
    #: ``train_error / train_scale``
    train_scale: float = 1.0
    #: the label the errors would get without ``train_scale``, when it differs: the verdict
    #: then rests on the scale (diabetes: 1.08 moved "low bias and low variance" to "high
    #: variance" with 88 dev rows), and the reader should know it
    unscaled_label: str | None = None

    @property
    def focus(self) -> str | None:
        """What the recipe works on next: "bias", "variance", "mismatch" or None when done."""
        if self.high_bias:
            return "bias"
        if self.high_variance:
            return "variance"
        if self.high_mismatch:
            return "mismatch"
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (floats, bools, strings, lists), ready for JSON."""
        out = asdict(self)
        out["actions"] = list(self.actions)
        out["notes"] = list(self.notes)
        out["focus"] = self.focus
        return out

    def __repr__(self) -> str:
        from deeprecipe._html import error_format

        show = error_format(self.metric)
        return (
            f"Diagnosis({self.label!r}, train {show(self.train_error)}, dev "
            f"{show(self.dev_error)}, {self._bayes_label} {show(self.bayes_error)}, "
            f"focus={self.focus!r})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: the lecture's table with the verdicts in colour."""
        from deeprecipe.diagnose.display import diagnosis_html

        return diagnosis_html(self)

    @property
    def _bayes_label(self) -> str:
        """The Bayes error's name in the repr: what it is when it is not the user's."""
        return {
            "estimated": "Bayes estimate (best reference's dev)",
            "assumed": "Bayes assumed",
        }.get(self.bayes_source, "Bayes")

    @property
    def _bayes_words(self) -> str:
        """What the Bayes error of this diagnosis is, in words."""
        if self.bayes_source == "estimated":  # no Bayes error given: the achievable bracket
            return "the best reference's dev error"
        return "the Bayes estimate"

    def __str__(self) -> str:
        from deeprecipe._html import error_format

        show = error_format(self.metric)  # rates as percentages, losses as numbers

        def gap(value: float, below: str) -> str:  # a negative gap says what it means
            return f"{show(value)} ({below})" if value < 0 else show(value)

        parts = [
            f"{self.label}: avoidable bias "
            + gap(self.avoidable_bias, f"training error below {self._bayes_words}"),
            "variance " + gap(self.variance, "dev error below the training error"),
        ]
        if self.data_mismatch is not None:
            parts.append(
                "data mismatch " + gap(self.data_mismatch, "dev error below train-dev error")
            )
        if self.unscaled_label is not None:
            parts.append(
                f"with the training error read at dev's scale (divided by "
                f"{self.train_scale:.3g}); as measured: {self.unscaled_label}"
            )
        return ", ".join(parts)


def _label(high_bias: bool, high_variance: bool, high_mismatch: bool) -> str:
    names = [
        name
        for name, high in (
            (HIGH_BIAS, high_bias),
            (HIGH_VARIANCE, high_variance),
            (DATA_MISMATCH, high_mismatch),
        )
        if high
    ]
    if not names:
        return LOW_BIAS_AND_VARIANCE
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _check_error(name: str, value: Any, metric: str) -> float:
    if metric == "error":
        return check_number(name, value, low=0.0, high=1.0)
    return check_number(name, value, low=0.0)


def diagnose(
    train_error: float,
    dev_error: float,
    bayes_error: float | None = None,
    train_dev_error: float | None = None,
    *,
    bias_tolerance: float = DEFAULT_TOLERANCE,
    variance_tolerance: float = DEFAULT_TOLERANCE,
    mismatch_tolerance: float = DEFAULT_TOLERANCE,
    relative_tolerance: float = DEFAULT_RELATIVE_TOLERANCE,
    metric: str = "error",
    achievable: AchievableError | None = None,
    train_scale: float = 1.0,
) -> Diagnosis:
    """Read avoidable bias, variance and data mismatch off a model's errors.

    Args:
        train_error: error (or loss) on the training set.
        dev_error: error on the dev set.
        bayes_error: the best achievable error (human-level error as its proxy). ``None`` (the
            default) means unknown: 0 is assumed, as the course does, ``bayes_error_assumed`` is
            True and a note says so. Pass ``0.0`` to state that a perfect model is possible.
        train_dev_error: error on a train-dev set (drawn from the training distribution, not
            trained on). With it, variance is ``train-dev - train`` and data mismatch
            ``dev - train-dev``.
        bias_tolerance, variance_tolerance, mismatch_tolerance: absolute thresholds, in the
            units of the errors. For ``metric="loss"`` set them in the loss's units.
        relative_tolerance: a gap must also exceed this share of its reference error.
        metric: "error" (rates in [0, 1]) or "loss" (any non-negative value, for regression).
        achievable: the achievable-error bracket, used only when ``bayes_error`` is None: its
            upper bound (the best reference's dev error) stands in for the Bayes error and
            ``bayes_source`` is "estimated". Without it (or without an upper bound) 0 is assumed
            and ``bayes_source`` is "assumed".
        train_scale: how much larger errors run on the training part than on dev by the
            parts alone (the recipe's regression: ridge regression's MSE on train over its MSE
            on dev, the noise the parts drew). The gaps read the training error at dev's
            scale, ``train_error / train_scale``, so that a training part that happened to get
            the outliers of a noisy target is not read as avoidable bias (fair, 3,820 rows:
            1.18, and a network as good as ridge regression on both parts called high bias).
            1 (the default): the parts are alike.

    A gap is high when ``gap > max(tolerance, relative_tolerance * reference)``, the reference
    being the lower of the two errors it compares; with a Bayes error estimated from
    ``achievable``, avoidable bias must also exceed that estimate's noise (its 95% interval
    above the value): a reference's dev error on a few hundred rows demonstrates no finer.
    """
    metric = check_choice("metric", metric, ("error", "loss"))
    measured_train = _check_error("train_error", train_error, metric)
    dev = _check_error("dev_error", dev_error, metric)
    scale = check_number("train_scale", train_scale, low=0.0, low_inclusive=False)
    train = measured_train / scale  # at dev's scale
    notes: list[str] = []
    source = "given"
    upper = achievable.upper if achievable is not None else None
    if bayes_error is not None:
        bayes = _check_error("bayes_error", bayes_error, metric)
    elif upper is not None:
        source = "estimated"
        bayes = _check_error("the achievable error's upper bound", upper.value, metric)
        show = short_format(metric == "error")
        notes.append(
            f"Bayes error unknown: {upper.source} reached {show(upper.value)} on unseen data, so "
            "avoidable bias counts from there (what is demonstrably achievable)"
        )
        if achievable.lower is not None and achievable.lower.value < upper.value:
            notes.append(
                f"the nearest-neighbour estimate puts Bayes error near "
                f"{show(achievable.lower.value)} (95% {show(achievable.lower.low)}-"
                f"{show(achievable.lower.high)}): some of the "
                "remaining error may be avoidable too, but nothing demonstrates it"
            )
    else:
        source = "assumed"
        bayes = 0.0
        notes.append("Bayes error unknown: assumed 0, so avoidable bias is the train error")
    assumed = source == "assumed"
    train_dev = (
        None
        if train_dev_error is None
        else _check_error("train_dev_error", train_dev_error, metric)
    )
    bias_tol = check_number("bias_tolerance", bias_tolerance, low=0.0)
    variance_tol = check_number("variance_tolerance", variance_tolerance, low=0.0)
    mismatch_tol = check_number("mismatch_tolerance", mismatch_tolerance, low=0.0)
    relative = check_number("relative_tolerance", relative_tolerance, low=0.0)

    avoidable_bias = train - bayes
    if train < bayes and source != "estimated":  # a train error below a dev error is ordinary
        notes.append(
            "train error is below the Bayes error estimate: the estimate is too high "
            "or the model fits noise in the training set"
        )
    variance_base = train_dev if train_dev is not None else dev
    variance = variance_base - train
    mismatch = None if train_dev is None else dev - train_dev

    bias_threshold = max(bias_tol, relative * bayes)
    if source == "estimated" and upper.high - upper.value > bias_threshold:
        # what a reference reached on a small dev set is demonstrated only up to its noise:
        # Pima's 2.2 points of "high bias" sat inside logistic regression's 95% interval on
        # 166 dev rows (14.0-25.9%), the network training as well as the reference did
        bias_threshold = upper.high - upper.value
        show = short_format(metric == "error")
        notes.append(
            f"avoidable bias counts beyond that estimate's noise: {show(upper.value)} on "
            f"{upper.n} dev examples, 95% up to {show(upper.high)}"
        )
    variance_threshold = max(variance_tol, relative * train)
    mismatch_threshold = None if train_dev is None else max(mismatch_tol, relative * train_dev)
    high_bias = exceeds(avoidable_bias, bias_threshold)
    high_variance = exceeds(variance, variance_threshold)
    high_mismatch = mismatch is not None and exceeds(mismatch, mismatch_threshold)
    if exceeds(-variance, variance_threshold):  # a learner's 10% train, 5% dev, said "ok"
        show = short_format(metric == "error")
        notes.append(
            f"the {'train-dev' if train_dev is not None else 'dev'} error is below the training "
            f"error by {show(-variance)}: those examples are easier than the training set's (a "
            "different distribution), or too few to measure the gap; variance cannot be read "
            "from a gap of that sign"
        )

    actions: list[str] = []
    if high_bias:
        actions.extend(BIAS_ACTIONS)
    if high_variance:
        actions.extend(a for a in VARIANCE_ACTIONS if a not in actions)
    if high_mismatch:
        actions.extend(MISMATCH_ACTIONS)
    if not actions:
        actions.extend(DONE_ACTIONS)

    return Diagnosis(
        train_error=measured_train,
        dev_error=dev,
        bayes_error=bayes,
        train_dev_error=train_dev,
        metric=metric,
        avoidable_bias=avoidable_bias,
        variance=variance,
        data_mismatch=mismatch,
        high_bias=bool(high_bias),
        high_variance=bool(high_variance),
        high_mismatch=bool(high_mismatch),
        label=_label(high_bias, high_variance, high_mismatch),
        actions=tuple(actions),
        bias_tolerance=bias_tol,
        variance_tolerance=variance_tol,
        mismatch_tolerance=mismatch_tol,
        relative_tolerance=relative,
        bias_threshold=bias_threshold,
        variance_threshold=variance_threshold,
        mismatch_threshold=mismatch_threshold,
        bayes_error_assumed=bool(assumed),
        notes=tuple(notes),
        bayes_source=source,
        achievable=achievable.to_dict() if achievable is not None else None,
        train_scale=scale,
        unscaled_label=_unscaled_label(
            scale,
            _label(high_bias, high_variance, high_mismatch),
            lambda: diagnose(
                train_error,
                dev_error,
                bayes_error,
                train_dev_error,
                bias_tolerance=bias_tolerance,
                variance_tolerance=variance_tolerance,
                mismatch_tolerance=mismatch_tolerance,
                relative_tolerance=relative_tolerance,
                metric=metric,
                achievable=achievable,
            ),
        ),
    )


def _unscaled_label(scale: float, label: str, unscaled: Any) -> str | None:
    """The label of ``unscaled()`` (the same errors diagnosed with ``train_scale=1``) when
    ``scale`` is not 1 and it differs from ``label``; None otherwise."""
    if scale == 1.0:
        return None
    other = unscaled().label
    return None if other == label else other
