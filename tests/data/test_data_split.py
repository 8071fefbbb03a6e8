"""Splits: proportions, stratification and seeding (property tests), saving, and bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeprecipe.data import SmallSplitWarning, Split, default_ratios, split
from deeprecipe.errors import DeepRecipeError

pytestmark = pytest.mark.filterwarnings("ignore::deeprecipe.data.SmallSplitWarning")
FAST = settings(max_examples=40, deadline=None)


def _parts(s: Split) -> list[np.ndarray]:
    return [s.train_idx, s.dev_idx, s.test_idx, s.train_dev_idx]


@pytest.mark.parametrize(
    ("m", "expected"),
    [(1_000, (0.6, 0.2, 0.2)), (50_000, (0.6, 0.2, 0.2)), (100_000, (0.8, 0.1, 0.1)),
     (1_000_000, (0.98, 0.01, 0.01)), (10_000_000, (0.98, 0.01, 0.01))],
)  # fmt: skip
def test_default_ratios_follow_the_size_of_the_data(m, expected):
    assert default_ratios(m) == pytest.approx(expected)


@FAST
@given(m=st.integers(1, 3_000_000))
def test_default_ratios_sum_to_one_and_dev_equals_test(m):
    train, dev, test = default_ratios(m)
    assert train + dev + test == pytest.approx(1.0)
    assert dev == test and 0.01 - 1e-12 <= dev <= 0.2 + 1e-12


@FAST
@given(
    m=st.integers(10, 2_000),
    dev=st.floats(0.01, 0.3),
    test=st.floats(0.01, 0.3),
    train_dev=st.one_of(st.just(0.0), st.floats(0.01, 0.2)),
    seed=st.integers(0, 2**32 - 1),
)
def test_proportions_partition_every_row_once(m, dev, test, train_dev, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSplitWarning)
        s = split(np.zeros((m, 1)), dev=dev, test=test, train_dev=train_dev, seed=seed)
    allrows = np.concatenate(_parts(s))
    assert np.array_equal(np.sort(allrows), np.arange(m))
    for n, frac in ((len(s.dev_idx), dev), (len(s.test_idx), test)):
        assert n == max(1, int(np.floor(frac * m + 0.5)))
    assert all(p.dtype == np.int64 for p in _parts(s))


@FAST
@given(m=st.integers(20, 500), n_dev=st.integers(1, 5), n_test=st.integers(0, 5))
def test_counts_are_taken_exactly(m, n_dev, n_test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSplitWarning)
        s = split(np.zeros((m, 2)), dev=n_dev, test=n_test)
    assert s.sizes == {"train": m - n_dev - n_test, "dev": n_dev, "test": n_test, "train_dev": 0}


@FAST
@given(
    counts=st.lists(st.integers(5, 200), min_size=2, max_size=6),
    dev=st.floats(0.05, 0.3),
    seed=st.integers(0, 1000),
)
def test_stratified_parts_keep_each_class_share_within_one_example(counts, dev, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    m = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSplitWarning)
        s = split(np.zeros((m, 1)), y, dev=dev, test=dev, seed=seed)
    assert s.stratified
    share = np.asarray(counts) / m
    for idx in (s.dev_idx, s.test_idx, s.train_idx):
        got = np.bincount(y[idx], minlength=len(counts))
        assert np.all(np.abs(got - share * len(idx)) <= 1.0 + 1e-9), (got, share * len(idx))
        if idx is s.train_idx:
            assert got.min() >= 1  # every class reaches training


@FAST
@given(m=st.integers(30, 400), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_split_other_seed_other_split(m, seed):
    X = np.arange(m)[:, None]
    y = np.arange(m) % 3
    a, b = split(X, y, seed=seed), split(X, y, seed=seed)
    assert all(np.array_equal(p, q) for p, q in zip(_parts(a), _parts(b), strict=True))
    c = split(X, y, seed=seed + 1)
    assert not all(np.array_equal(p, q) for p, q in zip(_parts(a), _parts(c), strict=True))


def test_seed_accepts_a_generator():
    X = np.zeros((200, 1))
    a = split(X, seed=np.random.default_rng(5))
    b = split(X, seed=np.random.default_rng(5))
    assert np.array_equal(a.train_idx, b.train_idx)


def test_auto_stratifies_labels_not_continuous_targets():
    X = np.zeros((300, 1))
    assert split(X, np.arange(300) % 2).stratified
    assert split(X, np.array(["cat", "dog", "emu"] * 100)).stratified
    assert split(X, (np.arange(300) % 3).astype(float)).stratified
    assert not split(X, np.linspace(0, 1, 300)).stratified
    assert not split(X, np.arange(300.0)).stratified  # whole-dollar prices are not classes
    assert not split(X, np.arange(300) % 2, stratify=False).stratified
    onehot = np.eye(3)[np.arange(300) % 3]
    assert split(X, onehot).stratified


def test_train_dev_comes_from_the_training_pool_and_is_stratified():
    y = np.repeat([0, 1], [600, 400])
    s = split(np.zeros((1000, 1)), y, dev=0.1, test=0.1, train_dev=0.1)
    assert s.sizes == {"train": 700, "dev": 100, "test": 100, "train_dev": 100}
    assert np.bincount(y[s.train_dev_idx]).tolist() == [60, 40]


def test_convenience_arrays_and_apply():
    X = np.arange(1000).reshape(500, 2)
    y = np.arange(500) % 2
    s = split(X, y, train_dev=50)
    assert np.array_equal(s.X_train, X[s.train_idx])
    assert np.array_equal(s.y_dev, y[s.dev_idx])
    assert len(s.X_train_dev) == 50
    X_tr, y_tr, X_dv, y_dv, X_te, y_te, X_td, y_td = s.apply(X * 2, y)
    assert np.array_equal(X_tr, 2 * X[s.train_idx])
    unlabeled = split(X)
    assert unlabeled.y_train is None and len(unlabeled.X_test) == 100


def test_to_dict_from_dict_and_save_load_repeat_the_split(tmp_path):
    X = np.random.default_rng(0).normal(size=(400, 3))
    y = np.arange(400) % 4
    s = split(X, y, seed=11, train_dev=0.05)
    d = json.loads(json.dumps(s.to_dict()))
    again = Split.from_dict(d)
    assert again == s
    assert np.array_equal(again.bind(X, y).X_dev, s.X_dev)
    path = tmp_path / "split.json"
    s.save(path)
    assert Split.load(path) == s
    assert [p.name for p in tmp_path.iterdir()] == ["split.json"]


def test_unbound_split_says_how_to_bind():
    s = Split.from_dict(split(np.zeros((200, 1))).to_dict())
    with pytest.raises(DeepRecipeError, match="bind"):
        _ = s.X_train
    with pytest.raises(DeepRecipeError, match="200"):
        s.bind(np.zeros((10, 1)))


@pytest.mark.parametrize(
    ("d", "match"),
    [
        ({"n_samples": 5, "train_idx": [0, 1], "dev_idx": [1], "test_idx": [2]}, "disjoint"),
        ({"n_samples": 5, "train_idx": [0, 9], "dev_idx": [1], "test_idx": [2]}, "outside"),
        ({"n_samples": 5, "train_idx": [0.5], "dev_idx": [1], "test_idx": [2]}, "integer"),
        ({"n_samples": 5, "train_idx": [0]}, "lacks"),
    ],
)
def test_from_dict_refuses_bad_descriptions(d, match):
    with pytest.raises(DeepRecipeError, match=match):
        Split.from_dict(d)


def test_small_dev_or_test_warns():
    with pytest.warns(SmallSplitWarning, match="percentage point"):
        split(np.zeros((150, 1)))  # iris-sized: 30 dev examples
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSplitWarning)
        split(np.zeros((1000, 1)))  # 200 each: no warning
        split(np.zeros((1000, 1)), test=0)  # no test set asked for: nothing to warn about


def test_a_small_set_of_a_regression_target_warns_in_its_own_terms():
    y = np.random.default_rng(0).normal(size=150)  # 30 dev examples: sqrt(2/30) = 26%
    with pytest.warns(SmallSplitWarning, match=r"MSE .* standard error of about 26%") as seen:
        split(np.zeros((150, 1)), y)
    assert not any("percentage point" in str(w.message) for w in seen)
    with pytest.warns(SmallSplitWarning, match="percentage point"):
        split(np.zeros((150, 1)), np.arange(150) % 3)  # class labels


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"train": 0.7, "dev": 0.2, "test": 0.2}, "sum to 1.1"),
        ({"dev": 0.5, "test": 0.5}, "sum to 1"),
        ({"dev": 1.5}, r"fraction in \[0, 1\)"),
        ({"dev": -3}, "not possible"),
        ({"dev": "10%"}, "accepted"),
        ({"train": 100, "dev": 10, "test": 10}, "add up"),
        ({"train": 900, "dev": 200}, "leaving none for test"),
        ({"stratify": "yes"}, "accepted: 'auto'"),
    ],
)
def test_bad_ratios_are_refused(kwargs, match):
    with pytest.raises(DeepRecipeError, match=match):
        split(np.zeros((1000, 1)), np.arange(1000) % 2, **kwargs)


def test_fewer_rows_than_the_split_needs():
    with pytest.raises(DeepRecipeError, match="fewer than the split needs"):
        split(np.zeros((2, 1)))
    with pytest.raises(DeepRecipeError, match="no rows"):
        split(np.zeros((0, 3)))
    with pytest.raises(DeepRecipeError, match="one label per row"):
        split(np.zeros((10, 1)), np.zeros(9))


def test_a_class_too_small_to_stratify_is_named():
    y = np.array([0] * 50 + [1] * 50 + [7] * 2)
    with pytest.raises(DeepRecipeError, match="class 7 has only 2 example"):
        split(np.zeros((102, 1)), y, stratify=True)  # "auto" trains on them (test below)
    with pytest.raises(DeepRecipeError, match="continuous"):
        split(np.zeros((10, 1)), np.linspace(0, 1, 10), stratify=True)
    s = split(np.zeros((102, 1)), y, stratify=False, dev=10, test=10)
    assert not s.stratified


def test_a_splits_repr_gives_the_sizes_not_the_rows():
    parts = split(np.zeros((300, 2)), np.arange(300) % 2, seed=3)
    assert repr(parts) == (
        "Split(train=180, dev=60, test=60, train_dev=0, n_samples=300, seed=3, stratified=True)"
    )


def test_auto_sends_the_rows_of_a_class_too_rare_to_stratify_to_train_and_names_it():
    y = np.array(["a"] * 60 + ["b"] * 40 + ["rare"] * 2)
    with pytest.warns(SmallSplitWarning, match=r"'rare' \(2\); their rows all train"):
        s = split(np.zeros((102, 1)), y, seed=0)
    assert set(np.flatnonzero(y == "rare")) <= set(s.train_idx)
    assert sorted(np.concatenate([s.train_idx, s.dev_idx, s.test_idx])) == list(range(102))
    for part in (s.dev_idx, s.test_idx):  # the others still stratified
        assert set(y[part]) == {"a", "b"}
    with pytest.raises(DeepRecipeError, match="class 'rare' has only 2 example"):
        split(np.zeros((102, 1)), y, stratify=True, seed=0)  # asked for: refused, as before


def test_many_rare_whole_number_classes_suggest_a_regression():
    """linnerud's Waist in whole inches: 9 'classes' over 20 rows, 5 of them too rare."""
    import warnings

    waist = np.array([36, 37, 38, 35, 35, 36, 37, 33, 34, 33, 34, 34, 33, 34, 33, 46, 36, 37,
                      31, 32] * 3, dtype=float)  # fmt: skip
    waist[:4] = [50, 51, 52, 53]  # four measurements seen once
    with pytest.warns(SmallSplitWarning, match="measurements rather than labels.*--task regr"):
        split(np.zeros((60, 1)), waist, seed=0)
    y = np.array(["a"] * 60 + ["b"] * 40 + ["rare"] * 2)  # names, and one rare class of three
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split(np.zeros((102, 1)), y, seed=0)
    assert not any("measurements" in str(w.message) for w in caught)
    # every value distinct (longley's TOTEMP, 16 rows): a quantity (reads_as_classes), split
    # as values; the small-set warning speaks of an MSE, not of examples' percentage points
    for stratify in ("auto", False):
        with pytest.warns(SmallSplitWarning, match="an MSE measured on it"):
            split(np.zeros((16, 1)), np.arange(60000.0, 60016.0), stratify=stratify, seed=0)
    # ten whole numbers in 16 rows, too many to read as classes (at most 8): values too
    with pytest.warns(SmallSplitWarning, match="an MSE measured on it"):
        split(np.zeros((16, 1)), np.arange(16.0) % 10, seed=0)


# -- groups: a person's rows in one part -----------------------------------------------------


@FAST
@given(
    n_groups=st.integers(3, 300),
    max_size=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_a_split_by_group_keeps_every_group_in_one_part_and_every_row_somewhere(
    n_groups, max_size, seed
):
    rng = np.random.default_rng(seed)
    groups = rng.permutation(
        np.repeat(np.arange(n_groups), rng.integers(1, max_size + 1, size=n_groups))
    )
    s = split(np.zeros((len(groups), 1)), groups=groups, seed=seed)
    assert s.grouped and not s.stratified
    assert np.array_equal(np.sort(np.concatenate(_parts(s))), np.arange(len(groups)))
    part_of_row = np.empty(len(groups), dtype=int)
    for k, idx in enumerate(_parts(s)):
        part_of_row[idx] = k
        assert len(idx) > 0 or k == 3  # train, dev and test each get a group
    for g in np.unique(groups):
        assert len(np.unique(part_of_row[groups == g])) == 1


def test_a_split_by_group_puts_no_group_in_two_parts_and_sizes_come_near_the_ratios():
    """modechoice: 210 travellers x 4 modes; a random split put 125 of the 129 test
    travellers in training too."""
    groups = np.repeat(np.arange(210), 4)
    X = np.arange(len(groups), dtype=float)[:, None]
    s = split(X, np.tile([0, 1], 420), groups=groups, seed=1)
    owners = [set(groups[idx]) for idx in (s.train_idx, s.dev_idx, s.test_idx)]
    assert not (owners[0] & owners[1] or owners[0] & owners[2] or owners[1] & owners[2])
    assert s.sizes == {"train": 504, "dev": 168, "test": 168, "train_dev": 0}
    labels = np.tile([0, 1], 420)
    assert s == split(X, labels, groups=groups, seed=1)
    assert s != split(X, labels, groups=groups, seed=2)
    assert "grouped=True" in repr(s)
    assert Split.from_dict(json.loads(json.dumps(s.to_dict()))) == s  # grouped survives


def test_uneven_groups_are_cut_where_the_rows_come_nearest_each_part():
    sizes = np.r_[np.full(50, 2), np.full(10, 30)]  # small groups and large ones
    groups = np.repeat(np.arange(60), sizes)
    s = split(np.zeros((len(groups), 1)), groups=groups, dev=0.2, test=0.2, seed=0)
    for part in (s.dev_idx, s.test_idx):
        assert abs(len(part) - 0.2 * len(groups)) <= 30  # within the largest group
        assert set(groups[part]).isdisjoint(groups[s.train_idx])


def test_text_groups_and_a_train_dev_part_are_split_whole():
    groups = np.array([f"user{k % 40}" for k in range(400)], dtype=object)
    s = split(np.zeros((400, 1)), groups=groups, train_dev=0.1, seed=0)
    parts = [set(groups[idx]) for idx in _parts(s)]
    assert all(parts) and sum(len(p) for p in parts) == 40  # each of the 40 users once


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": np.repeat([0, 1], 50)}, "groups holds 2 group(s), fewer than the split's 3"),
        ({"groups": np.arange(99)}, "groups has shape (99,); accepted: one group label per row"),
        ({"groups": np.r_[np.arange(99.0), np.nan]}, "groups has no group at row 99"),
        ({"groups": np.arange(100), "stratify": True}, "stratify and groups cannot be combined"),
        ({"groups": np.arange(100), "stratify": "bogus"}, "stratify='bogus' is not known"),
        (  # a text column's gap, as pandas gives it
            {"groups": np.array(["a", "b", np.nan, "c"] * 25, dtype=object)},
            "groups has no group at row 2",
        ),
    ],
)
def test_groups_that_cannot_split_are_refused(kwargs, message):
    with pytest.raises(DeepRecipeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        split(np.zeros((100, 1)), np.tile([0, 1], 50), **kwargs)


def test_a_nullable_columns_gap_is_named_as_a_missing_group():
    """A nullable pandas column hands a gap over as pd.NA: it was read as a label of another
    type ('groups mixes label types')."""
    pd = pytest.importorskip("pandas")
    groups = pd.Series(["a", "b", "c", "d", None] * 20, dtype="string[python]").to_numpy()
    with pytest.raises(DeepRecipeError, match="groups has no group at row 4"):
        split(np.zeros((100, 1)), np.tile([0, 1], 50), groups=groups)


def test_one_dominant_group_is_warned_about_when_the_parts_cannot_come_near_their_sizes():
    groups = np.r_[np.zeros(90), np.arange(1, 11)]  # one group of 90 among 100 rows
    with pytest.warns(SmallSplitWarning, match="whole groups cannot come near the asked sizes"):
        split(np.zeros((100, 1)), groups=groups, seed=0)


@pytest.mark.parametrize("seed", range(8))
def test_a_split_by_group_trains_on_every_class_it_scores(seed):
    """OME's 14 classes split by child: a class held by one child landed in test alone, and the
    run stopped with 'y_test holds the label 12, unseen in the training labels'."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(60), 8)
    y = rng.integers(0, 3, 480)
    y[groups == 5], y[np.isin(groups, (9, 10))] = 7, 8  # in 1 and 2 groups of 60
    y[np.isin(groups, (20, 30, 40))] = 9  # in 3 groups: enough, but all three may go away
    s = split(np.zeros((480, 1)), y, groups=groups, seed=seed)
    assert len(s.dev_idx) and len(s.test_idx)
    trained = set(y[s.train_idx])
    assert set(y[s.dev_idx]) <= trained and set(y[s.test_idx]) <= trained
    assert {5, 9, 10} <= set(groups[s.train_idx])
    owners = [set(groups[idx]) for idx in (s.train_idx, s.dev_idx, s.test_idx)]
    assert not (owners[0] & owners[1] or owners[0] & owners[2] or owners[1] & owners[2])


@pytest.mark.parametrize("seed", [4, 39, 153, 173, 174])
def test_few_groups_of_few_classes_still_give_every_part_rows(seed):
    """Review: moving a part's groups to train after the cut left dev or test empty."""
    groups = np.repeat(np.arange(12), 5)
    y = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])[groups]
    s = split(np.zeros((60, 1)), y, groups=groups, seed=seed)
    assert len(s.train_idx) and len(s.dev_idx) and len(s.test_idx)
    assert set(y[s.dev_idx]) | set(y[s.test_idx]) <= set(y[s.train_idx])


def test_a_frame_and_a_series_are_split_into_frames_and_series():
    """split(frame, y) gave object arrays without the column names, which Recipe.run then
    refused as 'dtype object' (barley, a text column): the parts stay frames, as
    scikit-learn's train_test_split keeps them, with the same rows as the arrays'."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"site": rng.choice(["A", "B"], 200), "x": rng.normal(size=200)})
    labels = pd.Series(rng.choice(["hi", "lo"], 200), name="t")
    parts = split(frame, labels, seed=0)
    assert list(parts.X_train.columns) == ["site", "x"] and parts.y_dev.name == "t"
    as_arrays = split(frame.to_numpy(), labels.to_numpy(), seed=0)
    assert np.array_equal(parts.train_idx, as_arrays.train_idx)
    assert parts.X_test.equals(frame.iloc[as_arrays.test_idx])
