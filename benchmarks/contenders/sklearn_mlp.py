"""scikit-learn's ``MLPClassifier``: one epoch per ``fit`` with ``max_iter=1``, matched solver.

The first ``fit`` (on the warm-up rows) builds the estimator; the shared initial weights are then
copied into ``coefs_``/``intercepts_`` and the timed ``fit`` continues with ``warm_start=True``.
``sgd`` runs without momentum (plain mini-batch gradient descent, as the other contenders);
``adam`` uses the same betas and epsilon. scikit-learn has no dropout, so it sits out the
regularized workloads.
"""

from __future__ import annotations

import warnings

from benchmarks.contenders._common import current_rss_bytes, run_main, time_run
from benchmarks.workloads import initial_params, make_data


def build(workload, seed: int = 0):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=tuple(workload.sizes[1:-1]),
        activation="relu",
        solver=workload.optimizer,
        alpha=0.0,
        batch_size=workload.batch_size,
        learning_rate_init=workload.learning_rate,
        max_iter=1,
        shuffle=True,
        random_state=seed,
        momentum=0.0,
        nesterovs_momentum=False,
        warm_start=True,
        n_iter_no_change=10**9,
        tol=0.0,
    )


def set_initial_weights(clf, workload) -> None:
    params = initial_params(workload.sizes)
    dtype = clf.coefs_[0].dtype
    clf.coefs_ = [W.astype(dtype) for W, _ in params]
    clf.intercepts_ = [b.astype(dtype) for _, b in params]


def run_one(args, w) -> dict:
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    if w.regularized:
        return {"skipped": "MLPClassifier has no dropout"}
    if args.mode == "throughput":
        rows = min(w.rows, w.timed_samples)
        X, y = make_data(w, rows)
        epochs = w.timed_samples // rows
        clf = build(w)
        warm = min(rows, 4 * w.batch_size)
        clf.fit(X[:warm], y[:warm])
        set_initial_weights(clf, w)

        def run():
            for _ in range(epochs):
                clf.fit(X, y)

        seconds = time_run(run)
        return {"seconds": seconds, "samples": rows * epochs, "dtype": str(clf.coefs_[0].dtype)}
    if args.mode == "memory":
        build(w).fit(*make_data(w, 512))  # imports and BLAS buffers first
        base = current_rss_bytes()
        X, y = make_data(w)
        clf = build(w)
        seconds = time_run(lambda: clf.fit(X, y))
        return {
            "seconds": seconds,
            "samples": len(X),
            "rss_before_data": base,
            "dataset_bytes": X.nbytes + y.nbytes,
        }
    return {"skipped": "parity is checked against torch only"}


def main(argv=None) -> None:
    run_main("sklearn", run_one, argv)


if __name__ == "__main__":
    main()
