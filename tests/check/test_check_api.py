"""numerical_gradient, check_grad, the result object and argument checking."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeprecipe.check import Thresholds, check_grad, gradcheck, numerical_gradient
from deeprecipe.errors import DeepRecipeError
from deeprecipe.nn import Network

RNG = np.random.default_rng(42)
A = RNG.standard_normal((7, 7))
A = A @ A.T
B = RNG.standard_normal(7)


def quadratic(theta):
    return 0.5 * theta @ A @ theta + B @ theta + np.sin(theta).sum()


def quadratic_grad(theta):
    return A @ theta + B + np.cos(theta)


# ------------------------------------------------------------------ numerical_gradient
def test_two_sided_gradient_matches_the_formula():
    theta = RNG.standard_normal(7)
    kept = theta.copy()
    g = numerical_gradient(quadratic, theta)
    np.testing.assert_allclose(g, quadratic_grad(theta), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(theta, kept)


def test_one_sided_error_is_order_eps():
    """Forward difference error ~ (eps/2) f''; centred ~ (eps^2/6) f'''."""
    theta = RNG.standard_normal(7)
    eps = 1e-3
    one = numerical_gradient(quadratic, theta, eps=eps, two_sided=False)
    two = numerical_gradient(quadratic, theta, eps=eps)
    exact = quadratic_grad(theta)
    second = np.diag(A) - np.sin(theta)
    np.testing.assert_allclose(one - exact, eps / 2 * second, rtol=1e-2, atol=1e-9)
    assert np.abs(two - exact).max() < 1e-6 < np.abs(one - exact).max()


def test_indices_and_any_shape():
    theta = RNG.standard_normal((7, 1))
    g = numerical_gradient(
        quadratic_flat := (lambda t: quadratic(t.reshape(-1))), theta, indices=[2, 5]
    )
    np.testing.assert_allclose(g, quadratic_grad(theta[:, 0])[[2, 5]], rtol=1e-6)
    with pytest.raises(DeepRecipeError, match="indices"):
        numerical_gradient(quadratic_flat, theta, indices=[7])


@pytest.mark.parametrize("eps", [0, -1e-7, 2.0, float("nan")])
def test_bad_eps_is_refused(eps):
    with pytest.raises(DeepRecipeError, match="eps"):
        numerical_gradient(quadratic, np.zeros(7), eps=eps)


def test_non_scalar_cost_is_refused():
    with pytest.raises(DeepRecipeError, match="real scalar"):
        numerical_gradient(lambda t: t, np.zeros(3))


# ------------------------------------------------------------------ check_grad
def two_tensor_problem(bug=None):
    """f(M, v) = sum(tanh(M x) * v) + ||v||^2, M 2x3, v 2 (+ 3 unnamed entries)."""
    x = np.array([0.3, -1.2, 0.8])

    def f(theta):
        M, v, rest = theta[:6].reshape(2, 3), theta[6:8], theta[8:]
        return float(np.tanh(M @ x) @ v + v @ v + np.sum(rest**3))

    def grad(theta):
        M, v, rest = theta[:6].reshape(2, 3), theta[6:8], theta[8:]
        h = np.tanh(M @ x)
        dM = np.outer((1 - h**2) * v, x)
        dv = h + 2 * v
        if bug == "v":
            dv = h + v
        return np.concatenate([dM.ravel(), dv, 3 * rest**2])

    return f, grad, RNG.standard_normal(11)


def test_check_grad_names_the_buggy_tensor():
    f, grad, theta = two_tensor_problem()
    names = {"M": (2, 3), "v": 2}
    clean = check_grad(f, grad, theta, names=names)
    assert clean.passed and clean.difference < 1e-7
    assert list(clean.per_tensor) == ["M", "v", "rest"]
    assert clean.per_tensor["rest"].shape == (3,)
    f, grad, theta = two_tensor_problem(bug="v")
    result = check_grad(f, grad, theta, names=names)
    assert result.failing_tensors == ["v"] and result.worst_tensor == "v"
    assert result.worst[0].tensor == "v" and len(result.worst[0].index) == 1
    assert clean.n_forward_passes == 2 * 11 + 1
    assert result.n_forward_passes > clean.n_forward_passes  # one-sided looks at disagreements


def test_check_grad_accepts_slices_and_reports_matrix_indices():
    f, grad, theta = two_tensor_problem()

    def bad(theta):
        g = grad(theta)
        g[4] += 1.0  # M[1, 1]
        return g

    result = check_grad(f, bad, theta, names={"M": (slice(0, 6), (2, 3)), "v": slice(6, 8)})
    assert result.failing_tensors == ["M"]
    assert result.worst[0].index == (1, 1)
    assert result.worst[0].analytic - result.worst[0].numerical == pytest.approx(1.0, abs=1e-6)


def test_check_grad_modes_and_cost():
    f, grad, theta = two_tensor_problem(bug="v")
    sampled = check_grad(f, grad, theta, names={"M": (2, 3), "v": 2}, mode="sampled", n_samples=2)
    assert sampled.n_checked == 2 + 2 + 2
    assert sampled.failing_tensors == ["v"]
    directional = check_grad(
        f, grad, theta, names={"M": (2, 3), "v": 2}, mode="directional", n_directions=3
    )
    assert directional.n_forward_passes == 3 * 3 * 2 + 1
    assert directional.failing_tensors == ["v"]
    assert directional.worst[0].index in {(0,), (1,), (2,)}


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"M": (slice(0, 6), (2, 2))}, "shape"),
        ({"M": slice(0, 6), "N": slice(5, 7)}, "overlaps"),
        ({"M": slice(0, 20)}, "contiguous"),
        ({"M": "W"}, "accepted"),
        ([("M", 6)], "mapping"),
    ],
)
def test_bad_names_are_refused(names, message):
    f, grad, theta = two_tensor_problem()
    with pytest.raises(DeepRecipeError, match=message):
        check_grad(f, grad, theta, names=names)


def test_wrong_gradient_size_is_refused():
    with pytest.raises(DeepRecipeError, match="grad_f returned 3 values"):
        check_grad(quadratic, lambda t: np.zeros(3), np.zeros(7))


# ------------------------------------------------------------------ the result object
def test_thresholds_bands_and_validation():
    t = Thresholds()
    assert [t.verdict(d) for d in (5e-8, 1e-6, 1e-4, 1e-2, float("nan"))] == [
        "great",
        "look again",
        "suspicious",
        "likely a bug",
        "likely a bug",
    ]
    with pytest.raises(DeepRecipeError, match="increase"):
        Thresholds(1e-5, 1e-7, 1e-3)
    f, grad, theta = two_tensor_problem()
    strict = check_grad(
        f, grad, theta, thresholds={"great": 1e-14, "look_again": 1e-13, "bug": 1e-12}
    )
    assert strict.verdict == "likely a bug" and not strict.passed
    with pytest.raises(DeepRecipeError, match="unknown key"):
        check_grad(f, grad, theta, thresholds={"great": 1e-7, "fail": 1})


def small_case(**options):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((12, 4)), rng.integers(0, 3, 12)
    net = Network([4, 5, 3], activation="tanh", loss="softmax_crossentropy", **options)
    return net, X, y


def test_to_dict_is_complete_plain_json():
    net, X, y = small_case(keep_prob=0.8)
    result = gradcheck(net, X, y, dropout="frozen", label="at init", n_worst=3)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["label"] == "at init" and data["dropout"] == "frozen"
    assert data["verdict"] == result.verdict and data["passed"] is True
    assert [row["name"] for row in data["per_tensor"]] == ["W1", "b1", "W2", "b2"]
    assert data["per_tensor"][0]["shape"] == [4, 5]
    assert len(data["worst"]) == 3 and isinstance(data["worst"][0]["index"], list)
    assert data["n_forward_passes"] == 2 * net.n_params + 1
    assert data["thresholds"] == {"great": 1e-7, "look_again": 1e-5, "bug": 1e-3}
    assert any("frozen" in note for note in data["notes"])


def test_str_is_a_readable_table(plant):
    net, X, y = small_case()
    plant.gradient(lambda g, net, m: g["b2"].__imul__(3))
    text = str(gradcheck(net, X, y))
    lines = text.splitlines()
    assert "likely a bug" in lines[1] and "FAILED" in lines[1]
    row = next(line for line in lines if line.startswith("b2 "))
    assert "FAILING" in row and "3/3" in row
    assert not any(line.startswith("W1 ") and "FAILING" in line for line in lines)
    assert "worst entries" in text


# ------------------------------------------------------------------ gradcheck's contract
def test_network_and_its_random_state_are_untouched():
    net, X, y = small_case(keep_prob=0.5)
    theta, state = net.theta.copy(), net.rng.bit_generator.state
    gradcheck(net, X, y, dropout="frozen")
    np.testing.assert_array_equal(net.theta, theta)
    assert net.rng.bit_generator.state == state


def test_same_seed_same_result():
    net, X, y = small_case(keep_prob=0.6)
    runs = [
        gradcheck(net, X, y, dropout="frozen", mode="sampled", n_samples=5, seed=s).to_dict()
        for s in (3, 3, 4)
    ]
    for run in runs:
        run.pop("seconds")
    assert runs[0] == runs[1]
    assert runs[0]["worst"] != runs[2]["worst"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dropout": "on"}, "dropout"),
        ({"mode": "fast"}, "mode"),
        ({"n_samples": 0}, "n_samples"),
        ({"m": 0}, "m="),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_options_are_refused(options, message):
    net, X, y = small_case()
    with pytest.raises(DeepRecipeError, match=message):
        gradcheck(net, X, y, **options)


def test_bad_inputs_are_refused():
    net, X, y = small_case()
    with pytest.raises(TypeError, match="Network"):
        gradcheck("net", X, y)
    with pytest.raises(DeepRecipeError, match="features"):
        gradcheck(net, X[:, :3], y)
    with pytest.raises(DeepRecipeError, match="rows"):
        gradcheck(net, X, y[:5])


def test_full_check_does_a_fraction_of_the_course_loop_work():
    """Work, not time: the layer-wise engine recomputes only what a perturbation changes."""
    rng = np.random.default_rng(8)
    net = Network([64, 64, 32, 10], loss="softmax_crossentropy", seed=8)
    result = gradcheck(net, rng.standard_normal((64, 64)), rng.integers(0, 10, 64))
    assert result.n_forward_passes == 2 * net.n_params + 1
    assert result.forward_pass_equivalents < result.n_forward_passes / 20
    assert result.difference < 2e-7


def test_cheap_modes_on_a_large_network_state_their_cost():
    rng = np.random.default_rng(9)
    net = Network([784, 256, 128, 10], loss="softmax_crossentropy", seed=9)
    X, y = rng.standard_normal((64, 784)), rng.integers(0, 10, 64)
    sampled = gradcheck(net, X, y, mode="sampled", n_samples=32)
    assert sampled.n_checked == 32 * 5 + 10
    assert sampled.n_forward_passes == 2 * sampled.n_checked + 1
    assert sampled.forward_pass_equivalents < 50
    directional = gradcheck(net, X, y, mode="directional", n_directions=4)
    assert directional.n_forward_passes == 2 * 4 * 6 + 1
    for result in (sampled, directional):
        assert result.passed, str(result)


def test_a_float32_cost_is_named_as_the_cause_of_a_numerical_gradient_of_rounding():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    A = A @ A.T
    theta = rng.normal(size=5)

    def cost(t):
        return 0.5 * t @ A @ t

    in_float32 = check_grad(lambda t: float(np.float32(cost(t.astype(np.float32)))),
                            lambda t: A @ t, theta)  # fmt: skip
    assert not in_float32.passed
    assert any("f computes in float32" in n for n in in_float32.notes), in_float32.notes
    a_real_bug = check_grad(cost, lambda t: 2 * A @ t, theta)
    assert not a_real_bug.passed and not any("float32" in n for n in a_real_bug.notes)
    assert check_grad(cost, lambda t: A @ t, theta).passed


def test_a_wrong_tensor_with_a_small_gradient_fails_the_check():
    """A new-user trial: a forgotten bias gradient of 1e-4 next to weights' gradients of about
    1 gave an overall 3.6e-6, and the check passed while listing b as failing."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=600)

    def f(theta):
        return float(0.5 * np.sum(a * theta[:600] ** 2) + 1e-4 * np.sum(theta[600:]))

    def forgot_b(theta):
        return np.concatenate([a * theta[:600], np.zeros(3)])

    def right(theta):
        return np.concatenate([a * theta[:600], np.full(3, 1e-4)])

    names, theta = {"W": (20, 30), "b": (3,)}, rng.normal(size=603)
    result = check_grad(f, forgot_b, theta, names=names)
    assert result.difference <= result.thresholds.look_again
    assert result.failing_tensors == ["b"] and not result.passed
    assert result.outcome == "FAILED" and "b's is 1.000e+00" in " ".join(result.notes)
    assert check_grad(f, right, theta, names=names).passed


def test_a_small_gradient_in_rounding_noise_still_passes():
    """f of size 1e5 rounds its finite differences by about 5e-5 per entry, more than b's
    whole gradient (1e-6): b's relative difference is large and is no evidence of a bug."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=600)

    def f(theta):
        return float(500 * np.sum(a * theta[:600] ** 2) + 1e-6 * np.sum(theta[600:]))

    def grad(theta):
        return np.concatenate([1000 * a * theta[:600], np.full(3, 1e-6)])

    result = check_grad(f, grad, rng.normal(size=603), names={"W": (20, 30), "b": (3,)})
    assert result.thresholds.fails(result.per_tensor["b"].difference)
    assert result.passed and result.failing_tensors == [] and result.noise_floor > 1e-5


def test_a_cost_that_draws_at_random_per_call_is_named():
    rng = np.random.default_rng(0)

    def f(theta):  # a dropout mask redrawn per call
        return float(np.sum((theta * (rng.random(5) > 0.5)) ** 2))

    result = check_grad(f, lambda theta: 2 * theta, rng.normal(size=5))
    assert not result.passed
    assert any("not a function of theta alone" in note for note in result.notes)
    assert not any("not a function" in n for n in check_grad(quadratic, quadratic_grad, B).notes)


def test_check_grad_tells_a_kink_hit_exactly_from_a_bug():
    """A new-user trial: max(theta, 0) at theta = 0 read 'likely a bug' (1.7e-1) without a
    word, where gradcheck on a network resolves the same kink."""

    def f(theta):
        return float(np.sum(3 * np.maximum(theta, 0)))

    theta = np.array([0.0, 1.0, -2.0, 0.5])
    result = check_grad(f, lambda t: 3.0 * (t > 0), theta)
    assert result.passed and result.raw_difference > 0.1
    assert [k.index for k in result.kinks] == [(0,)] and result.kinks[0].right == pytest.approx(3)
    assert "straddle a kink" in str(result)
    wrong = check_grad(f, lambda t: 2.0 * (t > 0), theta)  # 2 where f's slope is 3: a bug
    assert not wrong.passed and wrong.failing_tensors == ["theta"]
    assert {w.index for w in wrong.worst[:2]} == {(1,), (3,)}


def test_check_grad_reports_a_matrix_theta_by_row_and_column():
    theta = np.arange(6.0).reshape(2, 3)

    def wrong(t):
        g = 2 * t
        g[4] += 1.0  # entry (1, 1) of the matrix
        return g

    result = check_grad(lambda t: float(np.sum(t**2)), wrong, theta)
    assert result.worst[0].index == (1, 1) and result.per_tensor["theta"].shape == (2, 3)
