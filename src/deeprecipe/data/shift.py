"""Do train, dev and test come from the same distribution? The lecture's rule, checked.

Dev and test must come from the same distribution (and, for the diagnosis to mean what it
says, so should training). When the parts arrive as separate files nobody has checked that.
Before training, :func:`compare_parts` compares each part with the training set:

- labels: for classes, a chi-square test of homogeneity on the class counts (with the share
  of each class printed); for regression targets, a two-sample Kolmogorov-Smirnov test;
- features: per feature, the difference of means in units of its standard error,
  ``z = (mean_a - mean_b) / sqrt(var_a / n_a + var_b / n_b)``, flagged beyond the Bonferroni
  threshold ``|z| > Phi^-1(1 - alpha / (2 n_features))``, so that thousands of pixel columns do
  not raise alarms by chance.

A flag is a p-value below ``alpha`` (0.01 by default): a difference beyond the noise of these
sample sizes, not proof of a different source, and no flag is no proof of the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: the default significance level of every flag
ALPHA = 0.01
#: features named in a note, at most
SHOWN_FEATURES = 3


@dataclass(frozen=True)
class PartComparison:
    """One part (dev or test) against the training set: label test, its p-value, the label
    shares (classes) or means (regression) side by side, and the features that moved."""

    part: str
    label_test: str
    label_p: float
    label_summary: dict[str, Any]
    shifted_features: list[dict[str, Any]] = field(default_factory=list)
    n_features: int = 0
    alpha: float = ALPHA

    @property
    def labels_differ(self) -> bool:
        return self.label_p < self.alpha


def _label_comparison(y_train: np.ndarray, y_part: np.ndarray, regression: bool):
    from scipy import stats

    if regression:
        a, b = y_train.reshape(len(y_train), -1), y_part.reshape(len(y_part), -1)
        p = min(stats.ks_2samp(a[:, j], b[:, j]).pvalue for j in range(a.shape[1]))
        p = min(1.0, p * a.shape[1])  # Bonferroni over outputs
        summary = {"train_mean": a.mean(axis=0).tolist(), "part_mean": b.mean(axis=0).tolist()}
        return "Kolmogorov-Smirnov", float(p), summary
    classes = np.union1d(np.unique(y_train), np.unique(y_part))
    counts = np.array([[np.sum(y == c) for c in classes] for y in (y_train, y_part)])
    summary = {
        "classes": [c.item() if hasattr(c, "item") else c for c in classes],
        "train_share": (counts[0] / counts[0].sum()).tolist(),
        "part_share": (counts[1] / counts[1].sum()).tolist(),
    }
    if len(classes) < 2:
        return "chi-square", 1.0, summary
    # (chi2, p, dof, expected): a plain tuple before SciPy 1.11, so index it rather than .pvalue
    p = stats.chi2_contingency(counts, correction=len(classes) == 2)[1]
    return "chi-square", float(p), summary


def _shifted_features(X_train: np.ndarray, X_part: np.ndarray, names: list[str], alpha: float):
    from scipy.stats import norm

    a = X_train.reshape(len(X_train), -1).astype(np.float64)
    b = X_part.reshape(len(X_part), -1).astype(np.float64)
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    diff = b.mean(axis=0) - a.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    threshold = norm.isf(alpha / (2 * a.shape[1]))
    order = np.argsort(-np.abs(z))
    spread = a.std(axis=0)
    return [
        {
            "feature": names[j] if j < len(names) else f"x{j}",
            "z": float(z[j]),
            "train_mean": float(a[:, j].mean()),
            "part_mean": float(b[:, j].mean()),
            "shift_in_sd": float(diff[j] / spread[j]) if spread[j] > 0 else None,
        }
        for j in order
        if abs(z[j]) > threshold
    ]


def compare_parts(
    X_train: Any,
    y_train: Any,
    parts: dict[str, tuple[Any, Any]],
    *,
    regression: bool,
    feature_names: list[str] | None = None,
    alpha: float = ALPHA,
) -> list[PartComparison]:
    """Compare each part (``{"dev": (X_dev, y_dev), "test": (X_test, y_test)}``; a part that is
    None, empty or unlabeled is skipped, as are its labels when None) with the training set."""
    X_train = np.asarray(X_train)
    y_train = np.asarray(y_train)
    names = list(feature_names) if feature_names is not None else []
    out = []
    for part, (X, y) in parts.items():
        if X is None or len(X) < 2 or len(X_train) < 2:
            continue
        if y is not None and len(y):
            test, p, summary = _label_comparison(y_train, np.asarray(y), regression)
        else:
            test, p, summary = "none", 1.0, {}
        shifted = _shifted_features(X_train, np.asarray(X), names, alpha)
        out.append(PartComparison(part, test, p, summary, shifted, X_train.shape[1], alpha))
    return out


def _label_words(c: PartComparison) -> str:
    s = c.label_summary
    if "classes" in s:
        pairs = [
            f"{cls}: {t:.0%} vs {p:.0%}"
            for cls, t, p in zip(s["classes"], s["train_share"], s["part_share"])
        ][:5]
        return "class shares (train vs " + c.part + ") " + ", ".join(pairs)
    return (
        "target means (train vs "
        + c.part
        + ") "
        + ", ".join(f"{t:.4g} vs {p:.4g}" for t, p in zip(s["train_mean"], s["part_mean"]))
    )


def shift_notes(comparisons: list[PartComparison], *, labels: bool = True) -> list[str]:
    """One warning per part whose labels or features differ from the training set's
    (``labels=False``: features only, when a label difference is what the split was made for,
    see :func:`dev_from_test`)."""
    notes = []
    for c in comparisons:
        if labels and c.labels_differ:
            notes.append(
                f"the {c.part} labels are distributed differently from the training labels "
                f"({c.label_test} p = {c.label_p:.2g}; {_label_words(c)}): the lecture's rule is "
                f"that dev and test come from the same distribution as the data you care about; "
                "shuffle the files together and split again, or say why they differ"
            )
        if c.shifted_features:
            shown = ", ".join(
                f"{f['feature']} ({f['train_mean']:.3g} vs {f['part_mean']:.3g})"
                for f in c.shifted_features[:SHOWN_FEATURES]
            )
            verb = "has" if len(c.shifted_features) == 1 else "have"
            notes.append(
                f"{len(c.shifted_features)} of the {c.n_features} features {verb} a different mean "
                f"in the {c.part} set than in training, beyond chance (Bonferroni, alpha "
                f"{c.alpha:g}): {shown}"
            )
    return notes


@dataclass(frozen=True)
class DevFromTest:
    """The test data halved into dev and test, and the note that says why."""

    X_dev: Any
    y_dev: Any
    X_test: Any
    y_test: Any
    note: str
    #: the halving: dev is its dev part, test its train part (rows of the test data)
    halves: Any = field(default=None, repr=False)


def dev_from_test(
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    mode: str = "auto",
    regression: bool,
    seed: int = 0,
    alpha: float = ALPHA,
) -> DevFromTest | None:
    """Where the dev set comes from when a test set is given and no dev set.

    The lecture's rule: dev and test come from the same distribution, the one you care about,
    which the test data stand for; the training data may differ. So when the test labels are
    distributed differently from the training labels (``mode="auto"``: the chi-square test on
    class counts, or Kolmogorov-Smirnov on a regression target, p < ``alpha``), or always
    (``mode="test"``), the test data are split in two seeded halves (stratified for classes):
    dev and test, and all the training data train. ``mode="train"``, no difference, or test
    data too small to halve: None, and dev comes off the training data as usual. Only the
    labels' distribution is looked at, never a model's errors on them.
    """
    from deeprecipe.data.split import split
    from deeprecipe.errors import DeepRecipeError

    if mode == "train" or X_test is None or len(X_test) < 2:
        return None
    label_test, p, _ = _label_comparison(np.asarray(y_train), np.asarray(y_test), regression)
    differ = p < alpha
    if mode == "auto" and not differ:
        return None
    try:
        halves = split(X_test, y_test, dev=0.5, test=0, seed=seed)
    except DeepRecipeError as exc:
        if mode == "test":
            raise DeepRecipeError(
                f"dev_from='test': the test set cannot be halved: {exc}"
            ) from None
        return None
    why = (
        f"the test labels are distributed differently from the training labels ({label_test} "
        f"p = {p:.2g} < {alpha:g})"
        if differ
        else "dev_from='test' asks for it"
    )
    note = (
        f"{why}: following the lecture (dev and test from the distribution you care about; the "
        f"training data may differ), the dev set is half of the test data ({len(halves.X_dev)} "
        f"rows) and the test set the other half ({len(halves.X_train)} rows), and all the "
        "training data train. The variance gap then includes any mismatch between the two "
        "sources. dev_from='train' (--dev-from train) keeps dev from the training data"
    )
    return DevFromTest(halves.X_dev, halves.y_dev, halves.X_train, halves.y_train, note, halves)
