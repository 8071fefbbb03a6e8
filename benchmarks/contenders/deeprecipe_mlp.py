"""deeprecipe's engine and trainer, as a user would call them."""

from __future__ import annotations

import numpy as np

from benchmarks.contenders._common import (
    PARITY_EPOCHS,
    PARITY_TEST_ROWS,
    PARITY_TRAIN_ROWS,
    accuracy,
    current_rss_bytes,
    run_main,
    time_run,
)
from benchmarks.workloads import initial_params, make_data


def build(workload, seed: int = 0):
    from deeprecipe.nn import Network

    net = Network(
        list(workload.sizes),
        activation="relu",
        loss=workload.loss,
        keep_prob=workload.keep_prob,
        l2=workload.l2,
        dtype=np.float32,
        seed=seed,
    )
    weights = {}
    for l, (W, b) in enumerate(initial_params(workload.sizes), start=1):
        weights[f"W{l}"], weights[f"b{l}"] = W, b
    net.set_weights(weights)
    return net


def trainer(net, workload, seed: int = 0, metrics_every: int = 0):
    from deeprecipe.train import Trainer

    optimizer = "gd" if workload.optimizer == "sgd" else "adam"
    return Trainer(
        net,
        optimizer=optimizer,
        learning_rate=workload.learning_rate,
        batch_size=workload.batch_size,
        seed=seed,
        metrics_every=metrics_every,
    )


def run_one(args, w) -> dict:
    if args.mode == "throughput":
        rows = min(w.rows, w.timed_samples)
        X, y = make_data(w, rows)
        epochs = w.timed_samples // rows
        net = build(w)
        warm = min(rows, 4 * w.batch_size)
        trainer(net, w).fit(X[:warm], y[:warm], epochs=min(epochs, 20))
        timed = trainer(net, w)
        seconds = time_run(lambda: timed.fit(X, y, epochs=epochs))
        return {"seconds": seconds, "samples": rows * epochs}
    if args.mode == "memory":
        tiny_X, tiny_y = make_data(w, 512)
        trainer(build(w), w).fit(tiny_X, tiny_y, epochs=1)  # imports and BLAS buffers first
        base = current_rss_bytes()
        X, y = make_data(w)
        net = build(w)
        run = trainer(net, w, metrics_every=1)  # one epoch, with the per-epoch train error
        seconds = time_run(lambda: run.fit(X, y, epochs=1))
        return {"seconds": seconds, "samples": len(X), "rss_before_data": base,
                "dataset_bytes": X.nbytes + y.nbytes}
    X, y = make_data(w, PARITY_TRAIN_ROWS + PARITY_TEST_ROWS)
    net = build(w, seed=args.seed)
    trainer(net, w, seed=args.seed).fit(
        X[:PARITY_TRAIN_ROWS], y[:PARITY_TRAIN_ROWS], epochs=PARITY_EPOCHS
    )
    return {"accuracy": accuracy(net.predict(X[PARITY_TRAIN_ROWS:]), y[PARITY_TRAIN_ROWS:]),
            "seed": args.seed}


def main(argv=None) -> None:
    run_main("deeprecipe", run_one, argv)


if __name__ == "__main__":
    main()
