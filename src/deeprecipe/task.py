"""The task, or output head: everything about a network's output, in one object per task.

============== ============ ======================= ============================================
task (kind)    output A[L]  loss (``name``)         per-example loss L(z, y)
============== ============ ======================= ============================================
``binary``     sigmoid      ``binary_crossentropy`` ``max(z, 0) - z y + log(1 + e^-|z|)``
``multiclass`` softmax      ``softmax_crossentropy`` ``logsumexp(z) - z_y``
``regression`` identity     ``mse``                 ``(1/2) ||z - y||^2`` (the course's 1/2)
============== ============ ======================= ============================================

A :class:`Task` owns, for its kind of output: the output activation and the loss (``value`` is
the MEAN loss ``(1/m) sum_i L(z_i, y_i)``, ``gradient`` its derivative ``dJ/dZ = (A[L] - Y)/m``,
already divided by the batch size), the per-example loss and gradient (the gradient checker's
layer-wise engine sums them over stacks of perturbed copies), label encoding and decoding, the
error metric with its name and display format, the trivial reference prediction, and target
scaling with its fold into the output layer. Every room asks the task; nobody compares task or
loss names as strings, and a new task (multi-label, a Huber loss) is one new class here plus its
line in :data:`TASKS`.

Why a module of its own at the bottom of the package: ``data/`` (which encodes labels and
infers the task from a target column) and ``nn/`` (whose network trains on the loss) both need
it, and data sits BELOW nn in the one-way import order (data -> nn -> train -> ...). So the task
imports only NumPy and the package's own ground floor (:mod:`deeprecipe.errors`,
:mod:`deeprecipe._validation`, :mod:`deeprecipe._threads`), and owns the loss maths itself;
:mod:`deeprecipe.nn.losses` re-exports it under its old names.

Training off NumPy (PyTorch, CuPy, any array API namespace: :mod:`deeprecipe.nn.backends`)
asks the task for one thing more, :meth:`Task.array_value_and_gradient`: the same loss and
gradient in array API calls, the loss left on the device. Everything else (predictions,
metrics, labels) runs on the host, on logits fetched from the device.

A task is stored by name: model files and network configs keep the loss name (``"mse"``), the
table schema and results keep the kind (``"regression"``); :func:`get_task` accepts either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import device as _device

from deeprecipe._validation import check_choice, course_labels_hint, missing_values
from deeprecipe.errors import DeepRecipeError

#: A numeric target with whole-number values and at most this many distinct values is taken
#: as class labels; otherwise it is a regression target (:func:`reads_as_classes`). Pass
#: ``task=`` to decide yourself.
MAX_CLASSES_AUTO = 20
#: Targets read as at least this many classes, consecutive whole numbers (a score 0..10, a
#: count), are noted as perhaps an ordered scale: a classifier reads its values as unordered
#: (:func:`ordered_classes_note`).
ORDERED_CLASSES_MIN = 7


# ----------------------------------------------------------------------- stable maths
def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), computed without overflow for large |z|."""
    # 1/(1+exp(-z)) only overflows in exp(-z) for z << 0, where the result underflows to 0:
    # NumPy then returns the correct limit, so silence the overflow warning instead of branching.
    with np.errstate(over="ignore"):
        if out is None:
            return 1.0 / (1.0 + np.exp(-z))
        np.negative(z, out=out)
        np.exp(out, out=out)
        out += 1.0
        return np.divide(1.0, out, out=out)


def array_sigmoid(xp: Any, z: Any) -> Any:
    """:func:`sigmoid` in array API calls: from ``e = exp(-|z|)``, which never overflows,
    ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` below."""
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log sigma(z) = -(max(-z, 0) + log(1 + e^-|z|)), finite for every finite z."""
    return -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) along the last axis: s - log1p(r), from :func:`_shifted_exp`."""
    shifted, _, rest = _shifted_exp(z)
    return shifted - np.log1p(rest)


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j} = e^{s_k} / (1 + r), from :func:`_shifted_exp`."""
    _, exp_shifted, rest = _shifted_exp(z)
    exp_shifted /= 1 + rest
    return exp_shifted


def _shifted_exp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, e^s, r)`` along the last axis: ``s = z - max(z)``, and ``r`` the sum of the terms
    ``e^s`` but the max's, which is exactly 1 (``r`` keeps a trailing axis of 1).

    So ``sum_k e^{s_k} = 1 + r`` and ``log sum_k e^{s_k} = log1p(r)``. ``log(1 + r)`` would
    round ``r`` away when the softmax saturates (r ~ 1e-6 keeps only 10 of its digits), and with
    it the loss of a confidently right example: its finite differences become rounding noise
    and a correct gradient fails its check. ``log1p(r)`` keeps ``r`` to full precision.

    The row maximum is read at the row's argmax and ``r`` summed by one matrix-vector product:
    NumPy's reductions along short rows (ten classes) take several times as long.
    """
    ones = np.ones(z.shape[-1], dtype=z.dtype)
    if z.ndim == 2:  # a batch of rows, the training path: plain indexing is the quickest
        rows, top = np.arange(z.shape[0]), z.argmax(axis=-1)
        shifted = z - z[rows, top][:, None]
        exp_shifted = np.exp(shifted)
        exp_shifted[rows, top] = 0.0
        rest = exp_shifted @ ones
        exp_shifted[rows, top] = 1.0
    else:
        top = z.argmax(axis=-1)[..., None]
        shifted = z - np.take_along_axis(z, top, axis=-1)
        exp_shifted = np.exp(shifted)
        np.put_along_axis(exp_shifted, top, 0.0, axis=-1)
        rest = exp_shifted @ ones
        np.put_along_axis(exp_shifted, top, 1.0, axis=-1)
    return shifted, exp_shifted, rest[..., None]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * float(value):.2f}%"


def _plain_number(value: float | None) -> str:
    """4 significant digits, without an exponent for whole numbers up to a million (engel's
    test MSE of 10004.5 read "1e+04")."""
    if value is None:
        return "-"
    text = f"{float(value):.4g}"
    return f"{float(value):.0f}" if "e+" in text and abs(value) < 1e6 else text


def short_format(metric_is_rate: bool) -> Callable[[float], str]:
    """Errors in running text (notes, warnings): a rate to a tenth of a point, an MSE as the
    tables show it (33425, where ``.4g`` wrote 3.342e+04 beside it)."""
    return (lambda v: f"{v:.1%}") if metric_is_rate else _plain_number


#: a target mean rounded in the output bias by more than this share of the targets' spread is
#: warned about
BIAS_ROUNDING = 1e-3


def _warn_if_the_bias_rounds_the_mean(centre: Any, spread: Any, dtype: Any) -> None:
    """Folded into a float32 bias, a mean of 1.7e9 is rounded to a multiple of 128: against a
    spread of 300 every prediction moves by up to 64 (R^2 0.92 where float64 gives 0.99)."""
    centre, spread = np.asarray(centre, dtype=np.float64), np.asarray(spread, dtype=np.float64)
    rounding = np.spacing(np.abs(centre).astype(dtype)).astype(np.float64) / 2
    worst = int(np.argmax(rounding / spread))
    if rounding[worst] <= BIAS_ROUNDING * spread[worst]:
        return
    import warnings

    warnings.warn(
        f"the targets' mean {centre[worst]:.6g} is large against their spread "
        f"{spread[worst]:.3g}: folded into the network's {np.dtype(dtype).name} output bias it "
        f"is rounded by up to {rounding[worst]:.3g} ({rounding[worst] / spread[worst]:.1%} of "
        "the spread); subtract an offset from the targets, or train in float64 "
        "(dtype='float64')",
        UserWarning,
        stacklevel=3,
    )


def plain_value(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (a class label for messages and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _one_hot_rows(y: np.ndarray) -> np.ndarray:
    """Per row of a 2-D array: whether it holds a single 1 and zeros otherwise (text: never)."""
    if y.dtype.kind not in "biuf":
        return np.zeros(len(y), dtype=bool)
    return np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)


def is_one_hot(y: np.ndarray) -> bool:
    """A 2-D array whose rows each hold a single 1 and zeros otherwise."""
    return bool(y.ndim == 2 and _one_hot_rows(y).all())


def label_vector(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Labels as a vector: ``(m,)`` as is, ``(m, 1)`` flattened, one-hot ``(m, k)`` as each
    row's index of its 1. Other 2-D targets (multi-label rows, scores) are refused: read as
    the index of their largest entry they would silently become one label per row."""
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    if y.ndim == 2 and is_one_hot(y):
        return np.argmax(y, axis=1)
    if y.ndim == 2:
        bad = int(np.flatnonzero(~_one_hot_rows(y))[0])
        row = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in y[bad].tolist())
        raise DeepRecipeError(
            f"{name} has shape {y.shape} and its rows are not one-hot (row {bad}: [{row}]); "
            "accepted: labels of shape (m,) or (m, 1), one-hot rows (a single 1 each), or "
            f"task='regression' for several numeric targets{course_labels_hint(y.shape)}"
        )
    raise DeepRecipeError(f"{name} has shape {y.shape}; accepted: (m,), (m, 1) or one-hot (m, k)")


def _as_2d_targets(y, n_outputs: int, dtype, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DeepRecipeError(f"y has dtype {y.dtype}; the {name} loss accepts numbers only")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise DeepRecipeError(
            f"y has shape {np.shape(y)}; the {name} loss on {n_outputs} output unit(s) accepts "
            f"shape (m,) or (m, {n_outputs}){course_labels_hint(np.shape(y))}"
            if n_outputs == 1
            else f"y has shape {np.shape(y)}; the {name} loss on {n_outputs} output units accepts "
            f"shape (m, {n_outputs})"
        )
    y = y.astype(dtype, copy=False)
    if not np.isfinite(y).all():
        raise DeepRecipeError(f"y contains NaN or infinity; the {name} loss accepts finite values")
    return y


# ----------------------------------------------------------------------- the tasks
def _value_from_value_and_gradient(self: Task, z: np.ndarray, y: np.ndarray) -> float:
    """The mean loss of a task that defines only ``value_and_gradient``."""
    return float(self.value_and_gradient(z, y)[0])


@dataclass(frozen=True)
class Task:
    """Base class: one kind of output (see the module docstring for what a task owns).

    Attributes:
        kind: the task as users name it (``binary``, ``multiclass``, ``regression``).
        name: the loss's name, as network configs and model files store it.
        output_activation: the activation the loss applies to the logits.
        metric: the error metric's short name (``error`` or ``mse``).
        metric_label: its name for people (``error rate`` or ``MSE``).
    """

    kind: str = ""
    name: str = ""
    output_activation: str = ""
    metric: str = "error"
    metric_label: str = "error rate"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A loss of your own keeps its methods consistent with what it overrides: with
        ``value_and_gradient`` alone, ``value`` is its first half (a Huber loss written so
        was costed, and gradient-checked, as its parent's MSE); with either, the parent's
        per-example losses no longer describe it, so they are not inherited (the gradient
        check then uses whole forward passes instead of its layer-wise engine)."""
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if "value_and_gradient" in own and "value" not in own:
            cls.value = _value_from_value_and_gradient
        if ("value" in own or "value_and_gradient" in own) and "example_losses" not in own:
            cls.example_losses = Task.example_losses

    # -- what kind of output -----------------------------------------------------------------
    @property
    def is_classifier(self) -> bool:
        """True when outputs are class labels (decoded through ``classes``)."""
        return self.metric == "error"

    @property
    def metric_is_rate(self) -> bool:
        """True when the error metric is a rate in [0, 1] (shown in percent)."""
        return self.metric == "error"

    @property
    def diagnosis_metric(self) -> str:
        """The metric as :func:`deeprecipe.diagnose.diagnose` names it: ``error`` for a rate in
        [0, 1], ``loss`` for any non-negative value."""
        return "error" if self.metric_is_rate else "loss"

    def format_metric(self, value: float | None) -> str:
        """The error metric for display: a percentage for rates, 4 digits for an MSE."""
        return _percent(value) if self.metric_is_rate else _plain_number(value)

    def n_outputs(self, classes: Sequence[Any] | None, y: Any = None) -> int:
        """Output units for these classes (classifiers) or targets ``y`` (regression)."""
        raise NotImplementedError  # pragma: no cover

    def check_classes(self, classes: Sequence[Any]) -> None:
        """Refuse a set of class labels this task cannot learn."""

    def n_classes(self, n_outputs: int) -> int | None:
        """How many class labels a network with ``n_outputs`` units predicts (None: values)."""
        return None

    # -- the loss on logits ------------------------------------------------------------------
    def prepare_targets(self, y, n_outputs: int, dtype) -> np.ndarray:  # pragma: no cover
        """Validate encoded targets and convert them to the form the loss uses."""
        raise NotImplementedError

    def output(self, z: np.ndarray) -> np.ndarray:  # pragma: no cover
        """The output activation ``A[L]`` of the logits."""
        raise NotImplementedError

    def example_gradient(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover
        """``dL(z_i, y_i)/dz_i`` for every example: ``A[L] - Y``, shaped like ``z``."""
        raise NotImplementedError

    def example_losses(
        self, logits: np.ndarray, targets: np.ndarray, scratch: np.ndarray | None = None
    ) -> np.ndarray:  # pragma: no cover
        """Each example's loss in each of ``P`` stacked copies: logits ``(n_y, P, m)`` (one
        example per column) -> ``(P, m)``. ``value`` is the mean of these; ``scratch``, shaped
        like ``logits``, saves an allocation."""
        raise NotImplementedError

    def value(self, z: np.ndarray, y: np.ndarray) -> float:  # pragma: no cover
        """The mean loss ``(1/m) sum_i L(z_i, y_i)``."""
        raise NotImplementedError

    def gradient(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``dJ/dZ = (A[L] - Y) / m``, the mean loss's gradient."""
        grad = self.example_gradient(z, y)
        grad /= z.shape[0]
        return grad

    def value_and_gradient(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """``(value(z, y), gradient(z, y))``; a task may share the work between the two."""
        return self.value(z, y), self.gradient(z, y)

    def array_value_and_gradient(self, xp: Any, z: Any, y: Any) -> tuple[Any, Any]:
        """:meth:`value_and_gradient` on namespace ``xp``'s arrays (``y`` from
        :meth:`prepare_targets`, moved to ``z``'s device); the value is a 0-d float64 array,
        left on the device."""
        raise NotImplementedError  # pragma: no cover

    def error_counter(self, xp: Any, targets: Any) -> Callable[[Any], tuple[Any, int]]:
        """A function ``count(z) -> (summed error terms, count)`` of logits ``z`` against
        ``targets`` (from :meth:`prepare_targets`, on namespace ``xp``): :meth:`error_terms`
        of :meth:`predict_logits`, the sum left on the device. The targets are decoded once,
        here: a trainer counts a full batch's errors at every epoch with one counter."""
        raise NotImplementedError  # pragma: no cover

    # -- predictions and the error metric ----------------------------------------------------
    def predict_logits(self, z: np.ndarray) -> np.ndarray:
        """Logits ``Z[L]`` -> predictions: class indices, 0/1 labels, or values (one column
        comes out as a vector). Read from the logits, not from ``A[L]``: the most probable
        class is the largest logit, and sigma(z) > 0.5 exactly when z > 0, a test that costs no
        exponential and that rounding in sigma or softmax cannot tie."""
        return z[:, 0] if z.shape[1] == 1 else z

    def class_probabilities(self, out: np.ndarray) -> np.ndarray:
        """Outputs ``A[L]`` -> one probability per class, as scikit-learn's classifiers give
        them (a single sigmoid ``p`` reads as ``[1 - p, p]``); otherwise the outputs as they
        are (softmax rows, a multi-label network's sigmoids, a regression's values)."""
        return out

    def error_terms(self, predictions: np.ndarray, targets: np.ndarray, y: Any = None):
        """Per-entry errors whose mean is the metric; ``targets`` from :meth:`prepare_targets`,
        ``y`` the targets as given (a regression measures against them in float64)."""
        raise NotImplementedError  # pragma: no cover

    # -- labels ------------------------------------------------------------------------------
    def encode(self, y: Any, classes: Sequence[Any] | None, name: str = "y") -> np.ndarray:
        """Raw targets -> what the loss trains on (class indices, or float64 values)."""
        raise NotImplementedError  # pragma: no cover

    def decode(self, predictions: np.ndarray, classes: Sequence[Any] | None) -> np.ndarray:
        """Predictions -> raw labels (through ``classes``) or values."""
        return predictions

    def trivial_prediction(self, targets: Any) -> Any:
        """The best constant prediction learned from encoded training targets: the majority
        class, or the mean; any model worth training beats it."""
        raise NotImplementedError  # pragma: no cover

    # -- target scaling ----------------------------------------------------------------------
    def target_scale(self, y_train: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Per-output ``(mean, std)`` to standardize training targets by; ``(None, None)`` when
        the targets are labels."""
        return None, None

    def standardize(self, y: Any, centre: np.ndarray | None, spread: np.ndarray | None) -> Any:
        """``t = (y - centre) / spread`` per output (``y`` unchanged without a scale)."""
        if centre is None:
            return y
        y = np.asarray(y, dtype=np.float64)
        return ((y.reshape(len(y), -1) - centre) / spread).reshape(y.shape)

    def fold_scale(
        self, W: np.ndarray, b: np.ndarray, centre: np.ndarray | None, spread: np.ndarray | None
    ) -> None:
        """Fold ``y = spread * t + centre`` into the output layer, in place: ``W[L] *= spread``,
        ``b[L] = spread * b[L] + centre``, so a network trained on standardized targets predicts
        them in their own units."""
        if centre is None:
            return
        _warn_if_the_bias_rounds_the_mean(centre, spread, b.dtype)
        W *= spread.astype(W.dtype)
        b *= spread.astype(b.dtype)
        b += centre.astype(b.dtype)

    def unfold_scale(
        self, W: np.ndarray, b: np.ndarray, centre: np.ndarray | None, spread: np.ndarray | None
    ) -> None:
        """Undo :meth:`fold_scale` in place (to continue training on standardized targets;
        exact up to one rounding per weight)."""
        if centre is None:
            return
        b -= centre.astype(b.dtype)
        b /= spread.astype(b.dtype)
        W /= spread.astype(W.dtype)


class _ClassLabels:
    """Encoding shared by the classification tasks: labels -> indices into sorted ``classes``."""

    def encode(self, y, classes, name="y"):
        labels = label_vector(np.asarray(y), name)
        known = np.asarray(classes)
        try:
            index = np.clip(np.searchsorted(known, labels), 0, len(known) - 1)
            unknown = known[index] != labels
        except TypeError:  # labels of another type than the classes (1 among 'a', 'b'; None)
            lookup = {plain_value(c): k for k, c in enumerate(classes)}
            index = np.array([lookup.get(v, -1) for v in labels.tolist()], dtype=np.int64)
            unknown = index < 0
        if unknown.any():
            bad = plain_value(labels[np.flatnonzero(unknown)[0]])
            raise DeepRecipeError(
                f"{name} holds the label {bad!r}, unseen in the training labels; accepted: "
                f"{', '.join(map(str, classes))}"
            )
        return index.astype(np.int64)

    def decode(self, predictions, classes):
        return predictions if classes is None else np.asarray(classes)[predictions]

    def trivial_prediction(self, targets):
        values, counts = np.unique(np.asarray(targets), return_counts=True)
        return plain_value(values[np.argmax(counts)])  # ties: the smallest label


@dataclass(frozen=True)
class BinaryCrossEntropy(_ClassLabels, Task):
    """J = -(1/m) sum [y log a + (1 - y) log(1 - a)], a = sigmoid(z); one sigmoid per output
    unit, so several output units make a multi-label classifier."""

    kind: str = "binary"
    name: str = "binary_crossentropy"
    output_activation: str = "sigmoid"

    def n_outputs(self, classes, y=None):
        return 1

    def check_classes(self, classes):
        if len(classes) != 2:
            raise DeepRecipeError(
                f"task='{self.kind}' but y holds {len(classes)} classes; accepted: exactly two, "
                "or task='multiclass'"
            )

    def n_classes(self, n_outputs):
        return 2 if n_outputs == 1 else None  # several units: labels name outputs, not values

    def prepare_targets(self, y, n_outputs, dtype):
        y = _as_2d_targets(y, n_outputs, dtype, self.name)
        if not np.isin(y, (0, 1)).all():
            bad = y[~np.isin(y, (0, 1))][0]
            raise DeepRecipeError(
                f"y contains the label {bad}; binary_crossentropy accepts labels 0 and 1 only"
            )
        return y

    def example_losses(self, logits, targets, scratch=None):
        y = targets.T[:, None, :]
        per_entry = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
        return per_entry.sum(axis=0)

    def value(self, z, y):
        m = z.shape[0]
        per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(per_entry.sum(dtype=np.float64) / m)

    def example_gradient(self, z, y):
        grad = sigmoid(z)
        grad -= y
        return grad

    def array_value_and_gradient(self, xp, z, y):
        m = z.shape[0]
        per_entry = xp.clip(z, min=0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))
        return xp.sum(per_entry, dtype=xp.float64) / m, (array_sigmoid(xp, z) - y) / m

    def error_counter(self, xp, targets):
        labels = targets > 0.5  # the 0/1 labels as booleans, as z > 0 predicts them
        # a 0-d zero: NumPy converts a Python 0 at every comparison
        zero = xp.zeros((), dtype=targets.dtype, device=_device(targets))
        count = int(targets.shape[0] * targets.shape[1])
        return lambda z: (xp.count_nonzero((z > zero) != labels), count)

    def output(self, z):
        return sigmoid(z)

    def predict_logits(self, z):
        labels = (z > 0).astype(np.int64)  # sigma(z) > 0.5
        return labels[:, 0] if labels.shape[1] == 1 else labels

    def class_probabilities(self, out):
        return np.hstack([1.0 - out, out]) if out.shape[1] == 1 else out

    def error_terms(self, predictions, targets, y=None):
        truth = targets[:, 0] if targets.shape[1] == 1 else targets
        return predictions != truth


@dataclass(frozen=True)
class SoftmaxCrossEntropy(_ClassLabels, Task):
    """J = -(1/m) sum_i log softmax(z_i)_{y_i}; targets are class indices 0..K-1."""

    kind: str = "multiclass"
    name: str = "softmax_crossentropy"
    output_activation: str = "softmax"

    def n_outputs(self, classes, y=None):
        return len(classes)

    def n_classes(self, n_outputs):
        return n_outputs

    def prepare_targets(self, y, n_outputs, dtype):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == n_outputs and y.shape[1] > 1:
            # one-hot rows: turn them into indices
            if not is_one_hot(y):
                raise DeepRecipeError(
                    "y is 2-D but not one-hot; softmax_crossentropy accepts class indices of "
                    f"shape (m,) or one-hot rows of shape (m, {n_outputs})"
                )
            y = y.argmax(axis=1)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise DeepRecipeError(
                f"y has shape {y.shape}; softmax_crossentropy accepts class indices of shape (m,)"
            )
        if y.dtype.kind == "f":
            if not np.isfinite(y).all() or not (y == np.round(y)).all():
                raise DeepRecipeError(
                    "y contains non-integer values; softmax_crossentropy accepts class indices "
                    f"0..{n_outputs - 1}"
                )
        elif y.dtype.kind not in "biu":
            raise DeepRecipeError(
                f"y has dtype {y.dtype}; softmax_crossentropy accepts integer class indices "
                f"0..{n_outputs - 1}"
            )
        y = y.astype(np.intp)
        if y.size and (y.min() < 0 or y.max() >= n_outputs):
            bad = y[(y < 0) | (y >= n_outputs)][0]
            raise DeepRecipeError(
                f"y contains the class index {bad}; a network with {n_outputs} output units "
                f"accepts class indices 0..{n_outputs - 1}"
            )
        return y

    def example_losses(self, logits, targets, scratch=None):
        # -log softmax(z)_y = log sum_k e^{d_k} with d = z - z_y; with t = max(d) >= 0 that is
        # t + log1p(the terms e^{d_k - t} but the max's 1). For a confidently right example
        # (t = 0, the loss ~1e-6) nothing cancels: its finite differences keep their digits.
        index = np.broadcast_to(targets[None, None, :], (1, *logits.shape[1:]))
        d = np.subtract(logits, np.take_along_axis(logits, index, axis=0), out=scratch)
        top = d.max(axis=0)
        d -= top
        np.exp(d, out=d)
        np.put_along_axis(d, d.argmax(axis=0)[None], 0.0, axis=0)
        return np.log1p(d.sum(axis=0)) + top

    def value(self, z, y):
        m = z.shape[0]
        log_p = log_softmax(z)
        return float(-log_p[np.arange(m), y].sum(dtype=np.float64) / m)

    def example_gradient(self, z, y):
        grad = softmax(z)
        grad[np.arange(z.shape[0]), y] -= 1
        return grad

    def output(self, z):
        return softmax(z)

    def value_and_gradient(self, z, y):
        # one exponential for both, the same operations as value and gradient (so the same
        # bits): log softmax(z)_y = s_y - log1p(r) and softmax(z) = e^s / (1 + r)
        m = z.shape[0]
        rows = np.arange(m)
        shifted, grad, rest = _shifted_exp(z)
        log_p = shifted[rows, y] - np.log1p(rest[:, 0])
        grad /= 1 + rest
        grad[rows, y] -= 1
        grad /= m
        return float(-log_p.sum(dtype=np.float64) / m), grad

    def array_value_and_gradient(self, xp, z, y):
        # value_and_gradient's steps, with one-hot masks where NumPy indexes rows
        m, k = z.shape
        shifted = z - xp.max(z, axis=-1, keepdims=True)
        e = xp.exp(shifted)
        classes = xp.arange(k, device=_device(z))
        top = classes == xp.argmax(shifted, axis=-1)[:, None]  # one max per row, ties or not
        log_sum = xp.log1p(xp.sum(xp.where(top, 0.0, e), axis=-1))
        hot = classes == y[:, None]
        log_p = xp.sum(xp.where(hot, shifted, 0.0), axis=-1) - log_sum
        value = -xp.sum(log_p, dtype=xp.float64) / m
        grad = (e / xp.sum(e, axis=-1, keepdims=True) - xp.astype(hot, z.dtype)) / m
        return value, grad

    def error_counter(self, xp, targets):
        count = int(targets.shape[0])
        return lambda z: (xp.count_nonzero(xp.argmax(z, axis=1) != targets), count)

    def predict_logits(self, z):
        return z.argmax(axis=1)

    def error_terms(self, predictions, targets, y=None):
        return predictions != targets


@dataclass(frozen=True)
class MeanSquaredError(Task):
    """J = (1/m) sum_i (1/2) ||z_i - y_i||^2; the output is the logits themselves. The error
    metric is the plain mean squared error ``(1/m) sum_i ||yhat_i - y_i||^2 / n_y``."""

    kind: str = "regression"
    name: str = "mse"
    output_activation: str = "identity"
    metric: str = "mse"
    metric_label: str = "MSE"

    def n_outputs(self, classes, y=None):
        y = np.asarray(y) if y is not None else np.empty(0)
        return 1 if y.ndim <= 1 else y.shape[1]

    def prepare_targets(self, y, n_outputs, dtype):
        return _as_2d_targets(y, n_outputs, dtype, self.name)

    def example_losses(self, logits, targets, scratch=None):
        diff = logits - targets.T[:, None, :]
        return 0.5 * np.einsum("ipj,ipj->pj", diff, diff)

    def value(self, z, y):
        diff = z - y
        return float(0.5 * np.einsum("ij,ij->", diff, diff, dtype=np.float64) / z.shape[0])

    def example_gradient(self, z, y):
        return z - y

    def array_value_and_gradient(self, xp, z, y):
        diff = z - y
        return 0.5 * xp.sum(diff * diff, dtype=xp.float64) / z.shape[0], diff / z.shape[0]

    def error_counter(self, xp, targets):
        truth = xp.astype(targets, xp.float64)  # the metric is measured in float64
        count = int(targets.shape[0] * targets.shape[1])

        def count_errors(z):
            diff = xp.astype(z, xp.float64) - truth
            return xp.sum(diff * diff), count

        return count_errors

    def output(self, z):
        return z

    def error_terms(self, predictions, targets, y=None):
        truth = np.asarray(targets if y is None else y, dtype=np.float64)
        return (predictions - truth.reshape(predictions.shape)) ** 2

    def encode(self, y, classes, name="y"):
        y = np.asarray(y)
        try:
            values = y.astype(np.float64)
        except (TypeError, ValueError):
            raise DeepRecipeError(
                f"{name} holds values that are not numbers (dtype {y.dtype}); accepted: "
                "numeric targets for regression"
            ) from None
        if not np.isfinite(values).all():
            raise DeepRecipeError(
                f"{name} contains NaN or infinity; accepted: finite regression targets"
            )
        return values.reshape(len(values), -1) if values.ndim > 1 else values

    def trivial_prediction(self, targets):
        y = np.asarray(targets, dtype=np.float64)
        return y.mean(axis=0)

    def target_scale(self, y_train):
        y = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
        spread = y.std(axis=0)
        return y.mean(axis=0), np.where(spread > 0, spread, 1.0)


#: every task by its kind; adding a task is one class above and one line here
TASKS: dict[str, Task] = {
    task.kind: task for task in (BinaryCrossEntropy(), SoftmaxCrossEntropy(), MeanSquaredError())
}
#: the same tasks by their loss's name (what network configs and model files store)
LOSSES: dict[str, Task] = {task.name: task for task in TASKS.values()}

#: Kept so that ``isinstance(x, Loss)`` in older code still reads well: a loss is a task.
Loss = Task


def get_task(name: str | Task) -> Task:
    """A task by its kind (``binary``, ``multiclass``, ``regression``) or its loss's name
    (``binary_crossentropy``, ``softmax_crossentropy``, ``mse``)."""
    if isinstance(name, Task):
        return name
    if isinstance(name, str) and name in TASKS:
        return TASKS[name]
    return LOSSES[check_choice("task", name, [*TASKS, *LOSSES])]


def get_loss(name: str | Task) -> Task:
    """Look a loss up by name: ``binary_crossentropy``, ``softmax_crossentropy`` or ``mse``."""
    if isinstance(name, Task):
        return name
    return LOSSES[check_choice("loss", name, LOSSES)]


def classification_task(n_classes: int) -> Task:
    """The task that learns ``n_classes`` labels: one sigmoid for two, a softmax for more."""
    return TASKS["binary"] if n_classes == 2 else TASKS["multiclass"]


def reads_as_classes(values: Any) -> bool:
    """Whether targets are class labels when no task is given: text, booleans and other
    objects always; numbers (integers or floats alike) when they are whole numbers with at
    most :data:`MAX_CLASSES_AUTO` distinct values (a grade 1..5, digits 0..9), and at most
    half as many as there are rows (two rows per class on average, two classes at least).
    More whole numbers are a quantity (a price, a count) and so a regression: read as classes,
    Ecdat's Computers prices made an 808-way softmax with 99.9% error, and longley's 16
    employment totals in 16 rows were 16 classes of one row each (new users' trials).

    The one home of the rule: the Python API (:func:`infer_task`, so ``Recipe.run``) and the
    CLI's table files (:class:`~deeprecipe.data.TableSchema`) both ask it, so a file and its
    DataFrame get the same task. A task given (``task='multiclass'``, ``--task``) overrides
    it; :class:`~deeprecipe.sklearn.DeepClassifier` never asks (its user chose classes)."""
    values = np.asarray(values)
    if values.dtype.kind in "bUSO":
        return True
    if values.dtype.kind not in "iuf" or values.size == 0:
        return False
    distinct = np.unique(values)
    return len(distinct) <= _most_classes(len(values)) and _whole_numbers(distinct)


def _most_classes(rows: int) -> int:
    """The most distinct whole numbers that ``rows`` targets may hold to read as classes."""
    return min(MAX_CLASSES_AUTO, max(2, rows // 2))


def _whole_numbers(values: np.ndarray) -> bool:
    return values.dtype.kind in "iu" or bool(
        values.dtype.kind == "f"
        and np.isfinite(values).all()
        and np.all(values == np.round(values))
    )


def many_whole_numbers_note(values: Any, name: str = "target 'y'") -> str | None:
    """A note when no task was given and whole numbers were read as a regression for having
    more than :data:`MAX_CLASSES_AUTO` distinct values (:func:`reads_as_classes`): a price or
    a count mostly, but they may be the ids of many classes (100 species numbered 0..99), and
    the Python API read every integer target as classes before (Computers' 808 prices were
    808 classes, a new user's trial). The reading stays; the note says how to change it.
    ``name`` says what holds the targets (``"target column 'price'"``)."""
    values = np.asarray(values)
    if values.dtype.kind not in "iuf" or reads_as_classes(values) or not _whole_numbers(values):
        return None
    n, limit = len(np.unique(values)), _most_classes(len(values))
    many = (
        f", more than the {MAX_CLASSES_AUTO} read as class labels"
        if n > MAX_CLASSES_AUTO
        else f" in {len(values)} rows, too many to be class labels (at most {limit}: two rows "
        "per class on average)"
    )
    return (
        f"{name} holds {n} distinct whole numbers{many}, so it is read as a regression "
        f"target (a quantity); if they label {n} classes, the task is multiclass "
        "(task='multiclass', --task multiclass)"
    )


def ordered_classes_note(classes: Sequence[Any] | None, name: str, kind: str) -> str | None:
    """A note when the task was inferred and the ``classes`` are :data:`ORDERED_CLASSES_MIN`
    or more consecutive whole numbers (car's Vocab: a vocabulary score 0..10 read as 11
    classes, 77% error, 'the model is done'): a classifier counts a 6 for a 7 as wrong as a
    0, where an ordered score or a count is better read as numbers. The inference stays: such
    numbers may be labels too (digits 0..9). ``name`` says what holds the targets."""
    classes = list(classes or [])
    if len(classes) < ORDERED_CLASSES_MIN or not all(
        isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool)
        for c in classes
    ):
        return None
    low, high = plain_value(classes[0]), plain_value(classes[-1])  # sorted, from np.unique
    if high - low != len(classes) - 1 or not _whole_numbers(np.asarray(classes)):
        return None
    low, high = int(low), int(high)
    return (
        f"{name} holds {len(classes)} consecutive whole numbers, {low} to {high}, read as "
        f"{len(classes)} classes ({kind}): a classifier treats them as unordered labels, so "
        f"predicting {high - 1} for {high} counts as wrong as predicting {low}; if they are an "
        "ordered score or a count, the task is a regression (--task regression, "
        "task='regression'), which reads them as numbers"
    )


def look_alike_classes_note(classes: Sequence[Any] | None, name: str) -> str | None:
    """A note when text ``classes`` differ only in case or surrounding spaces ('Rain', 'rain',
    'rain '; 'N' and 'n'): each is a class of its own, which is rarely what was meant."""
    groups: dict[str, list[str]] = {}
    for c in [] if classes is None else classes:
        if isinstance(c, str):
            groups.setdefault(c.strip().casefold(), []).append(str(c))
    alike = [members for members in groups.values() if len(members) > 1]
    if not alike:
        return None
    shown = "; ".join(", ".join(map(repr, members)) for members in alike[:3])
    return (
        f"{name} holds classes that differ only in case or spaces ({shown}"
        + (f"; and {len(alike) - 3} more such sets" if len(alike) > 3 else "")
        + "): each is a class of its own; if they mean the same, write them one way in the "
        "data"
    )


def label_array(y: Any) -> np.ndarray:
    """Targets as a NumPy array, an object array that holds only numbers (or only booleans)
    as the numbers it holds: what is left of a list or a nullable pandas column once its
    missing labels are out (``[3, 7, None]`` without the None) is read as numbers are, by
    :func:`reads_as_classes` and a regression alike, not as text."""
    y = np.asarray(y)
    if y.dtype != object or y.size == 0:
        return y
    values = y.ravel().tolist()
    booleans = all(isinstance(v, bool) for v in values)
    if booleans or all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values).reshape(y.shape)
    return y


def distinct_labels(labels: Any, name: str = "y") -> np.ndarray:
    """The sorted distinct labels (``np.unique``); labels of kinds that cannot be ordered
    (text beside numbers, in an object array) are refused by name, not with NumPy's bare
    TypeError ('<' not supported between instances of 'float' and 'str')."""
    labels = np.asarray(labels)
    try:
        return np.unique(labels)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in labels.ravel().tolist()})
        raise DeepRecipeError(
            f"{name} mixes label types ({', '.join(kinds)}) that cannot be ordered; accepted: "
            f"labels of one type (convert them, e.g. {name}.astype(str))"
        ) from None


def _refuse_missing_labels(y: np.ndarray) -> None:
    """A row without a label cannot be learned from: refused by name. ``Recipe.run`` leaves
    such rows out first, as the CLI does with a file's
    (:func:`deeprecipe.data.loading.labelled_rows`)."""
    missing = missing_values(y).reshape(len(y), -1).any(axis=1)
    if missing.any():
        rows = np.flatnonzero(missing)
        raise DeepRecipeError(
            f"y has {len(rows)} row(s) without a label (None, NaN or pd.NA), the first at row "
            f"{rows[0]}; accepted: a label on every row (Recipe.run leaves such rows out, as "
            "the CLI does)"
        )


def refuse_constant_target(values: Any, name: str) -> None:
    """A regression target with one value in every row has nothing to learn (the trivial
    reference is exact); refused by name rather than trained and compared against a zero."""
    values = np.asarray(values, dtype=np.float64)
    present = values[~np.isnan(values)]
    if present.size and np.all(present == present.flat[0]):
        raise DeepRecipeError(
            f"{name} holds one value ({plain_value(present.flat[0])!r}) in every row: there is "
            "nothing to learn; accepted: targets that vary from row to row"
        )


def infer_task(y: Any, kind: str = "auto") -> tuple[Task, list[Any] | None]:
    """Read the task off raw targets ``y``; return it with the sorted class labels (None for
    regression). Text and booleans are classes; numbers are classes when
    :func:`reads_as_classes` says so (whole numbers, at most :data:`MAX_CLASSES_AUTO` of them),
    otherwise a regression; two labels are binary, more multiclass. ``kind`` (a task's kind,
    or ``auto``) forces it: ``"multiclass"`` reads 300 distinct integers as 300 classes.
    Missing labels and labels of kinds that cannot be ordered are refused by name."""
    y = label_array(y)
    if y.size == 0 or y.ndim == 0:
        raise DeepRecipeError(
            f"y is {'empty' if y.size == 0 else 'a single value'}; accepted: one target per row "
            "of X"
        )
    _refuse_missing_labels(y)
    if kind == "auto":
        if not reads_as_classes(y):
            kind = TASKS["regression"].kind
        else:
            n = len(distinct_labels(label_vector(y, "y")))
            if n < 2:
                raise DeepRecipeError("y holds a single class; accepted: at least two classes")
            kind = classification_task(n).kind
    task = get_task(kind)
    if not task.is_classifier:
        if y.dtype.kind not in "biuf":
            raise DeepRecipeError(f"y has dtype {y.dtype}; regression accepts numbers only")
        refuse_constant_target(y, "y")
        return task, None
    classes = list(distinct_labels(label_vector(y, "y")))
    task.check_classes(classes)
    return task, classes
