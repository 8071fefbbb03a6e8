"""The baseline a learner starts from: the course's NumPy code, as the assignments write it.

Examples are columns (``X`` is ``(n_x, m)``), parameters a dict ``W1, b1, ...`` with ``W[l]`` of
shape ``(n[l], n[l-1])``, float64 throughout, ``random_mini_batches`` shuffling the columns
(a copy of the dataset every epoch), caches as tuples, dropout masks from ``rand < keep_prob``.
Nothing here is tuned: it is the reference point, written the way the notebooks teach it.
"""

from __future__ import annotations

import numpy as np

from benchmarks.contenders._common import current_rss_bytes, run_main, time_run
from benchmarks.workloads import initial_params, make_data


def initialize_parameters(sizes):
    parameters = {}
    for l, (W, b) in enumerate(initial_params(sizes), start=1):
        parameters["W" + str(l)] = W.T.copy()
        parameters["b" + str(l)] = b.reshape(-1, 1).copy()
    return parameters


def random_mini_batches(X, Y, mini_batch_size, rng):
    m = X.shape[1]
    permutation = list(rng.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation]
    mini_batches = []
    for k in range(0, m, mini_batch_size):
        mini_batches.append(
            (shuffled_X[:, k : k + mini_batch_size], shuffled_Y[:, k : k + mini_batch_size])
        )
    return mini_batches


def forward_propagation(X, parameters, keep_prob, rng, binary):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        Z = np.dot(parameters["W" + str(l)], A_prev) + parameters["b" + str(l)]
        A = np.maximum(0, Z)
        D = None
        if keep_prob < 1:
            D = rng.random(A.shape) < keep_prob
            A = A * D
            A = A / keep_prob
        caches.append((A_prev, Z, D))
    ZL = np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]
    if binary:
        AL = 1 / (1 + np.exp(-ZL))
    else:
        expZ = np.exp(ZL - np.max(ZL, axis=0, keepdims=True))
        AL = expZ / np.sum(expZ, axis=0, keepdims=True)
    caches.append((A, ZL, None))
    return AL, caches


def compute_cost(AL, Y, parameters, lambd, m_total, binary):
    m = Y.shape[1]
    if binary:
        cost = -np.sum(Y * np.log(AL + 1e-12) + (1 - Y) * np.log(1 - AL + 1e-12)) / m
    else:
        cost = -np.sum(Y * np.log(AL + 1e-12)) / m
    L = len(parameters) // 2
    l2 = sum(np.sum(np.square(parameters["W" + str(l)])) for l in range(1, L + 1))
    return cost + lambd / (2 * m_total) * l2


def backward_propagation(AL, Y, caches, parameters, keep_prob, lambd, m_total):
    grads = {}
    m = Y.shape[1]
    L = len(caches)
    dZ = AL - Y
    for l in reversed(range(1, L + 1)):
        A_prev, _, _ = caches[l - 1]
        W = parameters["W" + str(l)]
        grads["dW" + str(l)] = 1.0 / m * np.dot(dZ, A_prev.T) + lambd / m_total * W
        grads["db" + str(l)] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA_prev = np.dot(W.T, dZ)
            _, Z_prev, D_prev = caches[l - 2]
            if D_prev is not None:
                dA_prev = dA_prev * D_prev
                dA_prev = dA_prev / keep_prob
            dZ = np.array(dA_prev, copy=True)
            dZ[Z_prev <= 0] = 0
    return grads


def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def initialize_adam(parameters):
    v, s = {}, {}
    for key, value in parameters.items():
        v["d" + key] = np.zeros(value.shape)
        s["d" + key] = np.zeros(value.shape)
    return v, s


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    for key in parameters:
        g = grads["d" + key]
        v["d" + key] = beta1 * v["d" + key] + (1 - beta1) * g
        v_corrected = v["d" + key] / (1 - beta1**t)
        s["d" + key] = beta2 * s["d" + key] + (1 - beta2) * np.square(g)
        s_corrected = s["d" + key] / (1 - beta2**t)
        parameters[key] = parameters[key] - learning_rate * v_corrected / (
            np.sqrt(s_corrected) + epsilon
        )
    return parameters, v, s


def model(X, Y, w, epochs, rng, parameters=None, state=None):
    """The course's ``model()``: epochs of mini-batches, GD or Adam. X is (n_x, m), float64."""
    binary = w.sizes[-1] == 1
    m_total = X.shape[1]
    parameters = parameters or initialize_parameters(w.sizes)
    v, s, t = state or (*initialize_adam(parameters), 0)
    for _ in range(epochs):
        for mini_X, mini_Y in random_mini_batches(X, Y, w.batch_size, rng):
            AL, caches = forward_propagation(mini_X, parameters, w.keep_prob, rng, binary)
            compute_cost(AL, mini_Y, parameters, w.l2, m_total, binary)
            grads = backward_propagation(AL, mini_Y, caches, parameters, w.keep_prob, w.l2, m_total)
            if w.optimizer == "sgd":
                parameters = update_parameters_with_gd(parameters, grads, w.learning_rate)
            else:
                t += 1
                parameters, v, s = update_parameters_with_adam(
                    parameters, grads, v, s, t, w.learning_rate
                )
    return parameters, (v, s, t)


def course_layout(X, y, n_out):
    """(m, n_x) rows to the course's (n_x, m) float64 columns; labels one-hot (n_out, m)."""
    X = X.T.astype(np.float64)
    if n_out == 1:
        Y = y.reshape(1, -1).astype(np.float64)
    else:
        Y = np.eye(n_out)[y].T
    return X, Y


def run_one(args, w) -> dict:
    rng = np.random.default_rng(args.seed)
    if args.mode == "throughput":
        rows = min(w.rows, w.timed_samples)
        X, Y = course_layout(*make_data(w, rows), w.sizes[-1])
        epochs = w.timed_samples // rows
        warm = min(rows, 4 * w.batch_size)
        parameters, state = model(X[:, :warm], Y[:, :warm], w, min(epochs, 20), rng)
        seconds = time_run(lambda: model(X, Y, w, epochs, rng, parameters, state))
        return {"seconds": seconds, "samples": rows * epochs}
    if args.mode == "memory":
        model(*course_layout(*make_data(w, 512), w.sizes[-1]), w, 1, rng)  # BLAS buffers first
        base = current_rss_bytes()
        Xr, y = make_data(w)
        dataset_bytes = Xr.nbytes + y.nbytes
        X, Y = course_layout(Xr, y, w.sizes[-1])
        del Xr
        seconds = time_run(lambda: model(X, Y, w, 1, rng))
        return {
            "seconds": seconds,
            "samples": X.shape[1],
            "rss_before_data": base,
            "dataset_bytes": dataset_bytes,
        }
    return {"skipped": "parity is checked against torch only"}


def main(argv=None) -> None:
    run_main("course-numpy", run_one, argv)


if __name__ == "__main__":
    main()
