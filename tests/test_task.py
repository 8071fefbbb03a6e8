"""The task object (the output head): each task's labels, metric, trivial prediction, target
scale, and its per-example loss and gradient against PyTorch autograd in float64."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network
from deeprecipe.task import TASKS, get_loss, get_task, infer_task, many_whole_numbers_note

TOL = 1e-12
BINARY, MULTICLASS, REGRESSION = TASKS["binary"], TASKS["multiclass"], TASKS["regression"]


def _logits_and_targets(task, m: int, n_out: int, rng: np.random.Generator):
    """Logits ``(m, n_out)`` spread over saturated and moderate values, with targets."""
    z = rng.normal(scale=4.0, size=(m, n_out))
    if task is MULTICLASS:
        return z, rng.integers(0, n_out, size=m)
    if task is BINARY:
        return z, rng.integers(0, 2, size=(m, n_out)).astype(float)
    return z, rng.normal(size=(m, n_out))


def _torch_example_losses(torch, task, z, y):
    F = torch.nn.functional
    if task is BINARY:
        return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1)
    if task is MULTICLASS:
        return F.cross_entropy(z, y, reduction="none")
    return 0.5 * ((z - y) ** 2).sum(dim=1)


# --------------------------------------------------------------------------- lookup
def test_a_task_is_found_by_its_kind_or_its_loss_name():
    for task in TASKS.values():
        assert get_task(task.kind) is task
        assert get_task(task.name) is task
        assert get_loss(task.name) is task
        assert get_task(task) is task
    with pytest.raises(DeepRecipeError, match="'hinge'.*binary.*mse"):
        get_task("hinge")


def test_the_network_keeps_its_loss_name_in_its_config_and_asks_the_task():
    net = Network([3, 4, 2], loss="softmax_crossentropy")
    assert net.task is MULTICLASS and net.loss is MULTICLASS
    assert net.config["loss"] == "softmax_crossentropy"  # model files stay readable
    assert Network.from_config(net.config).task is MULTICLASS


@pytest.mark.parametrize(
    ("y", "kind", "classes", "n_outputs"),
    [
        (np.array([0, 1, 1]), "binary", [0, 1], 1),
        (np.array(["b", "a", "c", "a"]), "multiclass", ["a", "b", "c"], 3),
        (np.array([0.5, 1.25]), "regression", None, 1),
        (np.arange(40.0) % 20, "multiclass", list(range(20)), 20),
        (np.arange(21.0), "regression", None, 1),
        (np.ones((4, 2)) * [[0.5, 1.5]], "regression", None, 2),
        # integers follow the rule floats do (Computers' 808 prices were 808 classes)
        (np.arange(300) % 10, "multiclass", list(range(10)), 10),
        (np.arange(300) * 7 + 499, "regression", None, 1),
        (np.arange(21, dtype=np.uint8), "regression", None, 1),
        (np.array([True, False, True]), "binary", [False, True], 1),
    ],
)
def test_infer_task_reads_the_task_off_the_targets(y, kind, classes, n_outputs):
    task, found = infer_task(y)
    assert task.kind == kind
    assert (found if found is None else [c.item() if hasattr(c, "item") else c for c in found]) == (
        classes
    )
    assert task.n_outputs(found, y) == n_outputs


def test_many_integers_are_a_regression_unless_a_task_says_classes():
    """One rule for the Python API and the CLI's files (reads_as_classes): whole numbers with
    at most MAX_CLASSES_AUTO distinct values are classes, more are a quantity; a task given
    decides, and text stays classes however many its values."""
    from deeprecipe.task import MAX_CLASSES_AUTO, reads_as_classes

    assert reads_as_classes(np.arange(MAX_CLASSES_AUTO).repeat(2))
    assert not reads_as_classes(np.arange(MAX_CLASSES_AUTO + 1).repeat(5))
    # two rows per class on average: longley's 16 totals in 16 rows are a quantity
    assert not reads_as_classes(np.arange(16) * 1000 + 60000)
    assert reads_as_classes(np.array([0, 1, 1])) and reads_as_classes(np.arange(8).repeat(2))
    note = many_whole_numbers_note(np.arange(16) * 1000 + 60000)
    assert "16 distinct whole numbers in 16 rows, too many to be class labels (at most 8" in note
    assert not reads_as_classes(np.arange(10) + 0.5)
    assert reads_as_classes(np.array([f"c{k}" for k in range(300)], dtype=object))
    many = np.arange(300) + 1000
    assert infer_task(many)[0].kind == "regression"
    task, classes = infer_task(many, "multiclass")
    assert task.kind == "multiclass" and len(classes) == 300


def test_the_notes_on_an_inferred_task_say_how_to_change_it():
    from deeprecipe.task import many_whole_numbers_note, ordered_classes_note

    note = many_whole_numbers_note(np.arange(300) % 30 * 5, "target 'price'")
    assert note.startswith("target 'price' holds 30 distinct whole numbers, more than the 20")
    assert note.endswith("(task='multiclass', --task multiclass)")
    assert many_whole_numbers_note(np.arange(300) % 20) is None  # classes
    assert many_whole_numbers_note(np.arange(300) * 0.5) is None  # not whole numbers
    assert ordered_classes_note(list(range(11)), "target 'score'", "multiclass").startswith(
        "target 'score' holds 11 consecutive whole numbers, 0 to 10, read as 11 classes"
    )
    assert ordered_classes_note(list(np.arange(11.0)), "y", "multiclass") is not None
    assert ordered_classes_note(list(range(0, 22, 2)), "y", "multiclass") is None  # gaps
    assert ordered_classes_note([f"c{k}" for k in range(11)], "y", "multiclass") is None
    assert ordered_classes_note(list(range(6)), "y", "multiclass") is None


def test_missing_or_mixed_labels_are_refused_by_name_never_with_a_bare_type_error():
    """car's Chile: a None among text votes failed in np.unique ('<' not supported between
    instances of 'float' and 'str')."""
    pd = pytest.importorskip("pandas")
    for y in (
        np.array(["Y", None, "N", np.nan], dtype=object),
        pd.Series(["Y", pd.NA, "N"], dtype="string[python]"),
        np.array([1.5, np.nan, 2.5]),
    ):
        with pytest.raises(DeepRecipeError, match=r"y has \d row\(s\) without a label .* row 1"):
            infer_task(y)
    with pytest.raises(DeepRecipeError, match=r"y mixes label types \(float, str\)"):
        infer_task(np.array(["Y", 2.5, "N"], dtype=object))
    # numbers in an object array (a list's, once its gaps are out) are read as numbers
    assert infer_task(np.array([3, 7, 3], dtype=object))[1] == [3, 7]
    assert infer_task(np.array([0.5, 7, 3], dtype=object))[0].kind == "regression"
    with pytest.raises(DeepRecipeError, match="y_dev holds the label 1, unseen"):
        BINARY.encode(np.array(["a", 1], dtype=object), ["a", "b"], "y_dev")


def test_infer_task_refuses_what_a_task_cannot_learn():
    with pytest.raises(DeepRecipeError, match="single class"):
        infer_task(np.array([1, 1]))
    with pytest.raises(DeepRecipeError, match="task='binary' but y holds 3 classes"):
        infer_task(np.array([0, 1, 2]), "binary")
    with pytest.raises(DeepRecipeError, match="regression accepts numbers only"):
        infer_task(np.array(["a", "b"]), "regression")


# --------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    "labels", [np.array(["no", "yes", "yes", "no"]), np.array([3, 7, 7, 3, 7])]
)
def test_binary_labels_round_trip(labels):
    task, classes = infer_task(labels)
    assert task is BINARY
    index = task.encode(labels, classes)
    assert set(index.tolist()) == {0, 1}
    np.testing.assert_array_equal(task.decode(index, classes), labels)


def test_multiclass_labels_round_trip_and_one_hot_rows_read_as_labels():
    labels = np.array(["cat", "dog", "bird", "dog", "cat"])
    task, classes = infer_task(labels)
    assert task is MULTICLASS and classes == ["bird", "cat", "dog"]
    index = task.encode(labels, classes)
    np.testing.assert_array_equal(index, [1, 2, 0, 2, 1])
    np.testing.assert_array_equal(task.decode(index, classes), labels)
    one_hot = np.eye(3)[[2, 0, 1]]
    np.testing.assert_array_equal(task.encode(one_hot, [0, 1, 2]), [2, 0, 1])


def test_an_unseen_label_is_refused_by_name():
    with pytest.raises(DeepRecipeError, match="y_dev holds the label 'fish'.*bird, cat, dog"):
        MULTICLASS.encode(np.array(["cat", "fish"]), ["bird", "cat", "dog"], "y_dev")


def test_regression_targets_round_trip_as_float64():
    y = np.array([1, 2, 5])
    encoded = REGRESSION.encode(y, None)
    assert encoded.dtype == np.float64
    np.testing.assert_array_equal(REGRESSION.decode(encoded, None), y)
    with pytest.raises(DeepRecipeError, match="finite regression targets"):
        REGRESSION.encode(np.array([1.0, np.nan]), None)
    with pytest.raises(DeepRecipeError, match="not numbers"):
        REGRESSION.encode(np.array(["a"]), None)


# --------------------------------------------------------------------------- the metric
def test_each_task_names_and_shows_its_metric():
    assert (BINARY.metric, BINARY.metric_label, BINARY.diagnosis_metric) == (
        "error",
        "error rate",
        "error",
    )
    assert MULTICLASS.metric == "error" and MULTICLASS.is_classifier
    assert (REGRESSION.metric, REGRESSION.metric_label, REGRESSION.diagnosis_metric) == (
        "mse",
        "MSE",
        "loss",
    )
    assert not REGRESSION.is_classifier and not REGRESSION.metric_is_rate
    assert BINARY.format_metric(0.0712) == "7.12%"
    assert REGRESSION.format_metric(1234.5678) == "1235"
    assert REGRESSION.format_metric(None) == BINARY.format_metric(None) == "-"


@pytest.mark.parametrize("task", list(TASKS.values()), ids=list(TASKS))
def test_the_networks_error_is_the_tasks_metric_counted_by_hand(task):
    rng = np.random.default_rng(3)
    n_out = 1 if task is not MULTICLASS else 4
    X = rng.normal(size=(40, 3))
    _, y = _logits_and_targets(task, 40, n_out, rng)
    net = Network([3, 5, n_out], loss=task.name, dtype="float64", seed=1)
    out = net.predict_proba(X)
    if task is BINARY:
        expected = np.mean((out[:, 0] > 0.5) != y[:, 0])
    elif task is MULTICLASS:
        expected = np.mean(out.argmax(axis=1) != y)
    else:
        expected = np.mean((out - y) ** 2)
    assert net.error(X, y) == pytest.approx(expected, abs=1e-15)
    _, error = net._evaluate(X, net.prepare_targets(y, 40), y=y, chunk_rows=7)
    assert error == pytest.approx(expected, rel=1e-12)


def test_predictions_are_read_from_the_logits_where_rounding_cannot_tie():
    # float32: sigma(1e-9) rounds to exactly 0.5, and both rows' softmax to [0.5, 0.5]; the
    # logits still say which side of the boundary each example is on
    tiny = np.float32(1e-9)
    z = np.array([[tiny], [0.0], [-tiny]], dtype=np.float32)
    assert (BINARY.output(z)[:, 0] == 0.5).all()
    assert BINARY.predict_logits(z).tolist() == [1, 0, 0]
    pair = np.array([[0.0, tiny], [tiny, 0.0]], dtype=np.float32)
    assert MULTICLASS.predict_logits(pair).tolist() == [1, 0]
    assert REGRESSION.predict_logits(z).tolist() == z[:, 0].tolist()


@pytest.mark.parametrize("task", list(TASKS.values()), ids=list(TASKS))
def test_the_running_training_error_is_the_error_that_predict_gives(task):
    # full batch, no dropout: the pass's own error is the exact error of the weights it used
    rng = np.random.default_rng(5)
    n_out = 1 if task is not MULTICLASS else 3
    X = rng.normal(size=(30, 4)).astype(np.float32)
    _, y = _logits_and_targets(task, 30, n_out, rng)
    net = Network([4, 6, n_out], loss=task.name, seed=2)
    targets = net.prepare_targets(y, 30)
    net.loss_and_gradient(X, targets, m=30)
    assert net.training_error(targets) == pytest.approx(net.error(X, y), rel=1e-6)


# --------------------------------------------------------------------------- trivial prediction
def test_the_trivial_prediction_is_the_majority_class_or_the_mean():
    y = np.array([2, 0, 2, 1, 2, 0])
    assert MULTICLASS.trivial_prediction(y) == 2
    assert BINARY.trivial_prediction(np.array([1, 0, 0])) == 0
    assert BINARY.trivial_prediction(np.array([1, 0])) == 0  # a tie: the smallest label
    targets = np.array([[1.0, 10.0], [3.0, 30.0]])
    np.testing.assert_array_equal(REGRESSION.trivial_prediction(targets), [2.0, 20.0])


def test_the_trivial_predictions_error_is_the_minority_share_and_the_variance():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=200)
    majority = MULTICLASS.trivial_prediction(labels)
    share = 1 - np.mean(labels == np.bincount(labels).argmax())
    assert np.mean(labels != majority) == pytest.approx(share)
    y = rng.normal(5.0, 2.0, size=200)
    mean = REGRESSION.trivial_prediction(y)
    assert np.mean((y - mean) ** 2) == pytest.approx(y.var(), rel=1e-12)


# --------------------------------------------------------------------------- target scale
def test_classifiers_have_no_target_scale():
    for task in (BINARY, MULTICLASS):
        assert task.target_scale(np.array([0, 1, 1])) == (None, None)
        y = np.array([0, 1])
        assert task.standardize(y, None, None) is y


def test_the_target_scale_standardizes_and_keeps_a_constant_output_at_spread_one():
    y = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    centre, spread = REGRESSION.target_scale(y)
    np.testing.assert_allclose(centre, [3.0, 7.0])
    np.testing.assert_allclose(spread, [np.sqrt(8 / 3), 1.0])
    t = REGRESSION.standardize(y, centre, spread)
    np.testing.assert_allclose(t.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(t[:, 0].std(), 1)
    v = np.array([2.0, 4.0, 9.0])  # a 1-D target keeps its shape
    assert REGRESSION.standardize(v, *REGRESSION.target_scale(v)).shape == (3,)


@pytest.mark.parametrize("n_out", [1, 3])
def test_folding_the_scale_into_the_output_layer_predicts_in_the_targets_units(n_out):
    """A network's outputs on standardized targets, folded back, are the outputs a network on
    raw targets gives: ``spread * f(x) + centre``; and its MSE on raw targets is the MSE on
    standardized ones times spread^2 (one output)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 4))
    y = rng.normal(1000.0, 50.0, size=(30, n_out))
    centre, spread = REGRESSION.target_scale(y)
    net = Network([4, 6, n_out], loss="mse", dtype="float64", seed=2)
    t = REGRESSION.standardize(y, centre, spread)
    before = net.predict_proba(X)
    standardized_mse = net.error(X, t)
    REGRESSION.fold_scale(net.layers[-1].W, net.layers[-1].b, centre, spread)
    np.testing.assert_allclose(net.predict_proba(X), spread * before + centre, rtol=1e-13)
    if n_out == 1:
        assert net.error(X, y) == pytest.approx(standardized_mse * spread[0] ** 2, rel=1e-10)
    # the network's flat theta saw the change: W and b are views into it
    assert np.shares_memory(net.layers[-1].W, net.theta)


# --------------------------------------------------------------------------- per-example maths
@pytest.mark.parametrize(
    ("task", "n_out"),
    [(BINARY, 1), (BINARY, 3), (MULTICLASS, 4), (REGRESSION, 1), (REGRESSION, 2)],
    ids=["binary", "multilabel", "multiclass", "regression", "regression-2"],
)
def test_per_example_loss_and_gradient_match_torch_float64(torch, task, n_out):
    rng = np.random.default_rng(11)
    m, copies = 9, 3
    z, y = _logits_and_targets(task, m, n_out, rng)
    z[0] = 40.0  # a saturated example: the stable forms must keep its digits
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y)
    losses = _torch_example_losses(torch, task, zt, yt)
    (grad,) = torch.autograd.grad(losses.sum(), zt)  # examples are independent: per example

    targets = task.prepare_targets(y, n_out, np.float64)
    # the layer-wise engine's layout: (n_y, P copies, m examples)
    stack = np.repeat(z.T[:, None, :], copies, axis=1)
    ours = task.example_losses(stack, targets)
    assert ours.shape == (copies, m)
    for p in range(copies):
        np.testing.assert_allclose(ours[p], losses.detach().numpy(), rtol=TOL, atol=1e-300)
    np.testing.assert_allclose(task.example_gradient(z, targets), grad.numpy(), rtol=TOL, atol=TOL)
    # value and gradient are the means of the per-example ones, bit for bit where promised
    assert task.value(z, targets) == pytest.approx(float(losses.detach().mean()), rel=TOL)
    np.testing.assert_array_equal(task.gradient(z, targets), task.example_gradient(z, targets) / m)
    value, gradient = task.value_and_gradient(z, targets)
    assert value == task.value(z, targets)
    np.testing.assert_array_equal(gradient, task.gradient(z, targets))


# --------------------------------------------------------------------------- its place
def test_the_task_module_imports_no_room_of_the_package():
    """data/ and nn/ both import the task, and data sits below nn: so the task imports neither
    (nor anything above them)."""
    source = Path(__import__("deeprecipe.task").task.__file__).read_text()
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    rooms = {m for m in imported if m.startswith("deeprecipe")}
    # the ground floor, no room: errors, validation, and the thread blocks the softmax runs on
    assert rooms <= {"deeprecipe.errors", "deeprecipe._validation", "deeprecipe._threads"}
    code = (
        "import sys, deeprecipe.task; "
        "print(any(m.startswith('deeprecipe.nn') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_mse_up_to_a_million_prints_without_an_exponent():
    """engel's test MSE of 10004.5 read "1e+04" in the run's table."""
    from deeprecipe.task import get_task

    show = get_task("mse").format_metric
    assert [show(v) for v in (10004.5, 4.779, 0.0119, 1.925e6)] == [
        "10004", "4.779", "0.0119", "1.925e+06"
    ]  # fmt: skip


def test_two_dimensional_labels_that_are_not_one_hot_are_refused_not_argmaxed():
    """Multi-label rows [1, 0, 1] or all-zero rows were read as the index of their largest
    entry: a recipe run on them trained a single-label classifier without a word."""
    from deeprecipe.task import infer_task, label_vector

    assert list(label_vector(np.eye(3)[[2, 0, 1]])) == [2, 0, 1]
    with pytest.raises(DeepRecipeError, match=r"rows are not one-hot \(row 1: \[1, 0, 1\]\)"):
        infer_task(np.array([[0, 1, 0], [1, 0, 1], [0, 0, 1]]))
    with pytest.raises(DeepRecipeError, match=r"row 0: \[0, 0\]"):
        infer_task(np.array([[0, 0], [1, 0]]))


def test_a_split_of_several_numeric_targets_is_not_stratified_by_their_largest():
    from deeprecipe.data import split

    rng = np.random.default_rng(0)
    Y = rng.normal(size=(300, 3))
    assert not split(np.zeros((300, 1)), Y).stratified
    assert split(np.zeros((300, 1)), np.eye(3)[rng.integers(0, 3, 300)]).stratified


def test_classes_that_differ_only_in_case_or_spaces_are_noted():
    """spector's GRADE as Y/N with a few 'y' and 'n': four classes without a word."""
    from deeprecipe.task import look_alike_classes_note

    note = look_alike_classes_note(np.array(["N", "Rain", "Y", "n", "rain ", "y"]), "target 'g'")
    assert note.startswith("target 'g' holds classes that differ only in case or spaces ")
    assert "('N', 'n'; 'Rain', 'rain '; 'Y', 'y')" in note
    assert look_alike_classes_note(["cat", "dog"], "y") is None
    assert look_alike_classes_note([0, 1], "y") is None


def test_a_constant_regression_target_is_refused_by_name():
    """--task regression on a target of 5s trained, and said 'WORSE than trivial (8.6e-06
    against 0)' without saying the target never varies; the single-class error offered
    task='regression' for it."""
    from deeprecipe.task import infer_task

    with pytest.raises(DeepRecipeError, match=r"y holds one value \(5\.0\) in every row"):
        infer_task(np.full(40, 5.0), "regression")
    with pytest.raises(DeepRecipeError, match="single class; accepted: at least two classes$"):
        infer_task(np.full(40, 5))
