"""Property-based tests (hypothesis): what must hold for every shape, not just the ones we picked.

- random networks (1-3 hidden layers of 1-6 units, an activation per layer, every loss, L2 and
  frozen dropout, L2 over a larger training set) pass ``gradcheck`` in float64: smooth
  activations always, ReLU/leaky ReLU with random biases (pre-activations away from the kink),
  and with zero biases either pass or name the kink in the result's notes;
- ``split`` partitions the rows, gives the asked sizes, keeps class shares within one example,
  and depends only on the number of rows, the labels and the seed;
- a ``Standardizer`` fitted on the training rows does not move when dev/test rows change,
  standardizes the training rows, and ``inverse_transform`` undoes ``transform``.

Every property runs a bounded number of examples (``max_examples``) with ``deadline=None``.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deeprecipe.check import gradcheck
from deeprecipe.data import MinMaxScaler, SmallSplitWarning, Standardizer, split
from deeprecipe.nn import Network

SMOOTH = ["tanh", "sigmoid", "identity"]
KINKED = ["relu", "leaky_relu"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _targets(loss: str, rng: np.random.Generator, m: int, n_out: int) -> np.ndarray:
    if loss == "mse":
        return rng.standard_normal((m, n_out))
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (m, n_out))  # several outputs: a multi-label classifier
    return rng.integers(0, n_out, m)


@st.composite
def networks(draw, activations: list[str]):
    n_hidden = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 6), min_size=n_hidden, max_size=n_hidden))
    loss = draw(st.sampled_from(["binary_crossentropy", "softmax_crossentropy", "mse"]))
    n_out = draw(st.integers(2 if loss == "softmax_crossentropy" else 1, 4))
    sizes = [draw(st.integers(1, 5)), *hidden, n_out]
    settings_ = {
        "activation": draw(st.lists(st.sampled_from(activations), min_size=n_hidden,
                                    max_size=n_hidden)),
        "keep_prob": draw(st.sampled_from([1.0, 0.5, 0.8])),
        "l2": draw(st.sampled_from([0.0, 0.01, 0.7, 5.0])),
        "init": draw(st.sampled_from(["xavier", "he", "random"])),
        "init_scale": 0.5,
    }  # fmt: skip
    seed = draw(st.integers(0, 2**16))
    m = draw(st.integers(1, 12))
    net = Network(sizes, loss=loss, dtype=np.float64, seed=seed, **settings_)
    rng = np.random.default_rng(seed + 1)
    X = rng.standard_normal((m, sizes[0]))
    y = _targets(loss, rng, m, n_out)
    return net, X, y, m + draw(st.integers(0, 40))  # L2 over a training set of m_total rows


@FAST
@given(case=networks(SMOOTH))
def test_random_smooth_networks_pass_gradcheck(case):
    net, X, y, m_total = case
    dropout = "frozen" if any(k < 1 for k in net.keep_probs) else "off"
    result = gradcheck(net, X, y, dropout=dropout, m=m_total)
    assert result.passed, str(result)
    assert result.difference < 1e-6, str(result)


@FAST
@given(case=networks(KINKED + SMOOTH))
def test_random_relu_networks_pass_gradcheck_away_from_the_kinks(case):
    """ReLU and leaky ReLU have a kink at 0, where a finite difference that straddles it
    disagrees with a correct backprop. With freshly initialized (zero) biases, a dead unit feeds
    pre-activations of exactly 0 downstream; random biases keep every pre-activation away from
    0 (within 100 eps only by a fluke), and then the check must pass outright."""
    net, X, y, m_total = case
    rng = np.random.default_rng(net.n_params)
    for name in net.parameter_names[1::2]:
        net[name][...] = rng.normal(size=net[name].shape)
    dropout = "frozen" if any(k < 1 for k in net.keep_probs) else "off"
    result = gradcheck(net, X, y, dropout=dropout, m=m_total)
    assert result.passed, str(result)


@FAST
@given(case=networks(KINKED))
def test_at_a_kink_the_check_passes_or_says_it_is_the_kink(case):
    """With zero biases, exact kinks are common. gradcheck counts an entry that straddles one
    kink as agreeing (both one-sided differences, backprop equal to one of them); a
    perturbation that crosses several kinks at once cannot be resolved that way, and then the
    result must say so in its notes rather than fail silently as a bug."""
    net, X, y, m_total = case
    dropout = "frozen" if any(k < 1 for k in net.keep_probs) else "off"
    result = gradcheck(net, X, y, dropout=dropout, m=m_total)
    assert result.passed or any("kink" in note for note in result.notes), str(result)


@FAST
@given(case=networks(SMOOTH))
def test_a_planted_gradient_bug_is_always_caught(case):
    """The property above can fail: double one bias gradient and the check says so."""
    net, X, y, m_total = case

    class Doubled(Network):
        def backward(self, dz_out, *, m):
            grad = super().backward(dz_out, m=m)
            self.layers[-1].db *= 2.0
            return grad

    twin = Doubled.from_config(net.config)
    twin.theta[...] = net.theta
    targets = twin.prepare_targets(y, len(X))
    twin.loss_and_gradient(X, targets, m=m_total, training=False)
    s, _ = twin.parameter_slices[f"b{twin.n_layers}"]
    assume(np.linalg.norm(twin.grad[s]) > 1e-6)  # a zero gradient doubled is still right
    result = gradcheck(twin, X, y, m=m_total)
    assert not result.passed
    assert f"b{twin.n_layers}" in result.failing_tensors


# -- split -------------------------------------------------------------------------------------


@st.composite
def split_requests(draw):
    m = draw(st.integers(6, 300))
    n_classes = draw(st.integers(1, 4))
    labels = np.random.default_rng(draw(st.integers(0, 2**16))).integers(0, n_classes, m)
    dev = draw(st.one_of(st.none(), st.floats(0.05, 0.3), st.integers(1, m // 4)))
    test = draw(st.one_of(st.none(), st.floats(0.05, 0.3), st.integers(1, m // 4)))
    train_dev = draw(st.one_of(st.just(0), st.floats(0.0, 0.2), st.integers(0, m // 5)))
    stratify = draw(st.booleans())
    return m, labels, dev, test, train_dev, stratify, draw(st.integers(0, 2**16))


def _expected_count(value, m: int, default: float) -> int:
    if value is None:
        return max(1, int(np.floor(default * m + 0.5)))
    if isinstance(value, int):
        return value
    return 0 if value == 0 else max(1, int(np.floor(value * m + 0.5)))


@settings(max_examples=80, deadline=None)
@given(request=split_requests())
def test_split_partitions_sizes_stratification_and_repeatability(request):
    m, labels, dev, test, train_dev, stratify, seed = request
    X = np.arange(m * 2, dtype=float).reshape(m, 2)
    kwargs = {"dev": dev, "test": test, "train_dev": train_dev, "stratify": stratify, "seed": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSplitWarning)
        try:
            s = split(X, labels, **kwargs)
        except ValueError:  # too few rows or too few examples of a class: refused, fine
            assume(False)
        again = split(X * 7 - 3, labels, **kwargs)  # other values, same rows and labels

    parts = [s.train_idx, s.dev_idx, s.test_idx, s.train_dev_idx]
    everything = np.concatenate(parts)
    assert np.array_equal(np.sort(everything), np.arange(m))  # a partition of the rows
    assert s == again  # the split depends on m, the labels and the seed only

    assert len(s.dev_idx) == _expected_count(dev, m, 0.2)
    assert len(s.test_idx) == _expected_count(test, m, 0.2)
    assert len(s.train_dev_idx) == _expected_count(train_dev, m, 0.0)
    np.testing.assert_array_equal(s.X_dev, X[s.dev_idx])
    np.testing.assert_array_equal(s.y_train, labels[s.train_idx])

    if stratify:
        classes, counts = np.unique(labels, return_counts=True)
        for part in parts:
            if len(part) == 0:
                continue
            for k, count in zip(classes, counts):
                target = count * len(part) / m
                got = int(np.sum(labels[part] == k))
                assert abs(got - target) < 1 + 1e-9, (k, got, target, len(part))
        # every class reaches training
        assert set(np.unique(labels[s.train_idx])) == set(classes)


# -- normalization -----------------------------------------------------------------------------

finite_floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw):
    m = draw(st.integers(2, 40))
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    scale = np.array([draw(st.sampled_from([1e-3, 1.0, 1e3, 1e5])) for _ in range(n)])
    shift = np.array([draw(finite_floats) for _ in range(n)])
    X = rng.standard_normal((m, n)) * scale + shift
    constant = [j for j in range(n) if draw(st.booleans()) and draw(st.booleans())]
    X[:, constant] = shift[constant]  # some features constant in the training set
    return X, rng


@settings(max_examples=60, deadline=None)
@given(table=tables())
def test_standardizer_uses_train_only_and_round_trips(table):
    X_train, rng = table
    X_dev = rng.standard_normal((7, X_train.shape[1])) * 1e4
    fitted = Standardizer().fit(X_train)
    mean, scale = fitted.mean_.copy(), fitted.scale_.copy()

    # dev and test rows change: the train statistics and the train transform do not
    other_dev = X_dev * -3 + 11
    transformed_train = fitted.transform(X_train)
    fitted.transform(other_dev)
    refit = Standardizer().fit(X_train)
    assert np.array_equal(refit.mean_, mean) and np.array_equal(refit.scale_, scale)
    assert np.array_equal(fitted.mean_, mean) and np.array_equal(fitted.scale_, scale)
    assert np.array_equal(refit.transform(X_train), transformed_train)

    # the train rows come out centred, with unit spread where the feature varies; float64
    # loses |mean| / scale units in the last place when a feature sits far from 0
    varies = np.ptp(X_train, axis=0) > 0
    conditioning = 1.0 + np.abs(mean) / scale
    assert np.all(np.abs(transformed_train.mean(axis=0)) <= 1e-14 * len(X_train) * conditioning)
    np.testing.assert_allclose(transformed_train[:, varies].std(axis=0), 1.0, rtol=1e-6)
    assert np.all(scale[~varies] == 1.0) and np.all(transformed_train[:, ~varies] == 0.0)

    # transform and inverse_transform undo each other (to float64 rounding)
    for rows in (X_train, X_dev):
        back = fitted.inverse_transform(fitted.transform(rows))
        assert np.all(np.abs(back - rows) <= 1e-12 * (np.abs(rows) + np.abs(mean) + scale))
    z = rng.standard_normal((5, X_train.shape[1]))
    again = fitted.transform(fitted.inverse_transform(z))
    assert np.all(np.abs(again - z) <= 1e-14 * (np.abs(z) + 4 * conditioning))


@settings(max_examples=40, deadline=None)
@given(table=tables(), low=st.floats(-5, 5), width=st.floats(0.1, 10))
def test_minmax_scaler_maps_train_into_its_range_and_round_trips(table, low, width):
    X_train, rng = table
    scaler = MinMaxScaler((low, low + width)).fit(X_train)
    out = scaler.transform(X_train)
    # x * scale_ + min_ (scikit-learn's form) cancels digits when the range is tiny next to
    # the values: the bound allows for that conditioning, |x| / range units in the last place
    data_range = np.where(np.ptp(X_train, axis=0) > 0, np.ptp(X_train, axis=0), 1.0)
    conditioning = 1.0 + np.abs(X_train).max(axis=0) / data_range
    tolerance = 1e-14 * (abs(low) + width) * conditioning
    assert np.all(out.min(axis=0) >= low - tolerance)
    assert np.all(out.max(axis=0) <= low + width + tolerance)
    assert np.all(out[:, np.ptp(X_train, axis=0) == 0] == low)  # a constant maps to low
    back = scaler.inverse_transform(out)
    assert np.all(np.abs(back - X_train) <= 1e-12 * (np.abs(X_train) + data_range))
