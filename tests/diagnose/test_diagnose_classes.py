"""Per-class figures against numbers worked by hand, a class never predicted among them."""

import json
import warnings

import numpy as np
import pytest

from deeprecipe.diagnose.classes import (
    RARE_SHARE,
    class_figures,
    class_shares,
    imbalance_note,
    imbalanced,
    never_predicted,
    rare_share,
)
from deeprecipe.errors import DeepRecipeError

# 7 rows; "c" is never predicted
TRUE = ["a", "a", "a", "b", "b", "c", "c"]
PRED = ["a", "a", "b", "a", "b", "a", "a"]


def test_the_figures_match_the_confusion_matrix_worked_by_hand():
    f = class_figures(TRUE, PRED, ["a", "b", "c"])
    # rows true, columns predicted:  a  b  c
    assert f["confusion"] == [[2, 1, 0],  # a: 2 found, 1 taken for b
                              [1, 1, 0],  # b
                              [2, 0, 0]]  # c: never predicted  # fmt: skip
    assert f["classes"] == ["a", "b", "c"] and f["support"] == [3, 2, 2] and f["n"] == 7
    assert f["recall"] == pytest.approx([2 / 3, 1 / 2, 0.0])
    # a is predicted 5 times, 2 rightly; b twice, once rightly; c never: 0 (zero_division=0)
    assert f["precision"] == pytest.approx([2 / 5, 1 / 2, 0.0])
    assert f["error"] == pytest.approx(4 / 7)
    assert f["balanced_error"] == pytest.approx(1 - (2 / 3 + 1 / 2 + 0) / 3)  # 11/18
    assert never_predicted(f) == ["c"]


def test_a_class_absent_from_the_part_has_no_recall_and_leaves_the_balanced_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's "classes not in y_true" stays inside
        f = class_figures(["a", "a", "b", "b"], ["a", "c", "b", "b"], ["a", "b", "c"])
    # c is predicted once, wrongly: precision 0; no row of c: no recall
    assert f["recall"] == [0.5, 1.0, None] and f["precision"] == [1.0, 1.0, 0.0]
    assert f["balanced_error"] == pytest.approx(1 - (0.5 + 1.0) / 2)
    assert never_predicted(f) == []


def test_the_figures_speak_the_users_labels_and_are_json_ready():
    labels = np.array([0, 0, 0, 1])
    f = class_figures(labels, np.zeros(4, dtype=np.int64), np.array([0, 1]))
    assert f["classes"] == [0, 1] and type(f["classes"][0]) is int
    assert json.loads(json.dumps(f)) == f
    assert f["error"] == 0.25 and f["balanced_error"] == 0.5 and never_predicted(f) == [1]


@pytest.mark.parametrize(
    ("y_true", "y_pred", "classes", "words"),
    [
        (["a", "b"], ["a"], ["a", "b"], "y_true has 2 rows and y_pred 1"),
        (["a", "x"], ["a", "b"], ["a", "b"], "y_true holds the label 'x'; accepted: one of"),
        (["a", "b"], ["a", "b"], ["a"], "accepted: at least two distinct class labels"),
        ([["a"], ["b"]], ["a", "b"], ["a", "b"], "accepted: one class label per row"),
    ],
)
def test_bad_input_is_one_clear_error(y_true, y_pred, classes, words):
    with pytest.raises(DeepRecipeError, match=words):
        class_figures(y_true, y_pred, classes)


def test_the_imbalance_note_gives_the_majority_error_balanced_error_and_rare_recall():
    dev = class_figures(["no"] * 18 + ["yes"] * 2, ["no"] * 20, ["no", "yes"])
    test = class_figures(["no"] * 9 + ["yes"], ["no"] * 8 + ["yes"] * 2, ["no", "yes"])
    shares = class_shares(["no"] * 97 + ["yes"] * 3, ["no", "yes"])
    assert shares == pytest.approx([0.97, 0.03])
    note = imbalance_note(shares, {"dev": dev, "test": test}, {"dev": 0.1, "test": 0.1})
    assert note.startswith("the classes are imbalanced: 'yes' is 3.0% of the training labels")
    assert "the error rate counts its rows little: a model that never finds it loses" in note
    assert "On dev, the model's error is 10.0% against 10.0% for the majority class" in note
    assert "balanced error (1 - mean per-class recall) 50.0%, and it finds 0.0% of the 'yes'" in (
        note
    )
    assert "; on test, the model's error is 10.0%" in note and "finds 100.0% of the 'yes'" in note
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one label in the part: scikit-learn's warning stays in
        test_without_yes = class_figures(["no"] * 4, ["no"] * 4, ["no", "yes"])
    assert test_without_yes["balanced_error"] == 0.0
    note = imbalance_note(shares, {"dev": dev, "test": test_without_yes}, {})
    assert "on test, the model's error is 0.0%, its balanced error" in note
    assert "the part has no 'yes' row to find" in note
    # at the threshold and above: nothing to say
    assert imbalance_note([1 - RARE_SHARE, RARE_SHARE], {"dev": dev}, {"dev": 0.1}) is None
    assert imbalance_note([0.5, 0.5], {"dev": dev}, {"dev": 0.1}) is None
    # ten balanced digits hold 9.7% each: not imbalanced (a new user's trial was told so);
    # a rare one among ten is under half a balanced share
    assert not imbalanced([0.097, 0.103] * 5) and imbalanced([0.04] + [0.96 / 9] * 9)
    assert rare_share(2) == RARE_SHARE and rare_share(10) == 0.05


def test_the_imbalance_note_names_the_rarest_class_that_dev_or_test_holds():
    """airports' states: 'DC' (one training row, none in dev or test) was named, with nothing
    to say of its recall, where rare classes that were scored went unnamed."""
    labels = ["big", "rare", "tiny"]
    dev = class_figures(["big"] * 18 + ["rare"] * 2, ["big"] * 20, labels)
    shares = [0.95, 0.04, 0.01]
    note = imbalance_note(shares, {"dev": dev}, {"dev": 0.1})
    assert note.startswith("the classes are imbalanced: 'rare' is 4.0% of the training labels")
    assert "finds 0.0% of the 'rare' rows" in note
