"""deeprecipe's engine and trainer, as a user calls them: ``fit(net, X, y, optimizer=...,
epochs=..., batch_size=B)`` with every other setting at its default (per-epoch training figures
included). ``--variant no-metrics`` adds ``metrics_every=0``, so the cost of those figures (the
"evaluation tax") shows as the difference of the two. The thread count is fit's default: the
BLAS threads pinned in the environment (``benchmarks._runner``). ``--backend``/``--device``: on
PyTorch or CuPy arrays, the inputs moved to the device once before the clock starts (as the
PyTorch contender moves its tensors; ``fit`` keeps data already there), and the timed fit ends
on the epoch figures' read-back, which waits for every queued kernel."""

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


def build(workload, seed: int = 0, backend=None, device=None):
    from deeprecipe.nn import Network

    net = Network(
        list(workload.sizes),
        activation="relu",
        loss=workload.loss,
        keep_prob=workload.keep_prob,
        l2=workload.l2,
        dtype=np.float32,
        seed=seed,
        backend=backend,
        device=device,
    )
    weights = {}
    for l, (W, b) in enumerate(initial_params(workload.sizes), start=1):
        weights[f"W{l}"], weights[f"b{l}"] = W, b
    net.set_weights(weights)
    return net


VARIANTS = {"": {}, "no-metrics": {"metrics_every": 0}}


def train(net, workload, X, y, epochs: int, seed: int = 0, variant: str = ""):
    """``fit`` as a user calls it: optimizer, learning rate, epochs, batch size, seed."""
    from deeprecipe.train import fit

    return fit(
        net,
        X,
        y,
        optimizer="gd" if workload.optimizer == "sgd" else "adam",
        learning_rate=workload.learning_rate,
        epochs=epochs,
        batch_size=workload.batch_size,
        seed=seed,
        **VARIANTS[variant],
    )


def run_one(args, w) -> dict:
    if args.mode == "throughput":
        rows = min(w.rows, w.timed_samples)
        X, y = make_data(w, rows)
        epochs = w.timed_samples // rows
        net = build(w, backend=args.backend, device=args.device)
        if not net.backend.in_place:  # on the device before the clock starts, as torch_mlp's
            X = net.backend.asarray(X)
        warm = min(rows, 4 * w.batch_size)
        train(net, w, X[:warm], y[:warm], min(epochs, 20), variant=args.variant)
        seconds = time_run(lambda: train(net, w, X, y, epochs, variant=args.variant))
        return {
            "seconds": seconds,
            "samples": rows * epochs,
            "backend": net.backend.name,
            "device": net.backend.device_name,
        }
    if args.mode == "memory":
        tiny_X, tiny_y = make_data(w, 512)
        train(build(w), w, tiny_X, tiny_y, 1)  # imports and BLAS buffers first
        base = current_rss_bytes()
        X, y = make_data(w)
        net = build(w)
        # one epoch with fit's defaults (the per-epoch train error included)
        seconds = time_run(lambda: train(net, w, X, y, 1))
        return {
            "seconds": seconds,
            "samples": len(X),
            "rss_before_data": base,
            "dataset_bytes": X.nbytes + y.nbytes,
        }
    X, y = make_data(w, PARITY_TRAIN_ROWS + PARITY_TEST_ROWS)
    net = build(w, seed=args.seed)
    train(net, w, X[:PARITY_TRAIN_ROWS], y[:PARITY_TRAIN_ROWS], PARITY_EPOCHS, seed=args.seed)
    return {
        "accuracy": accuracy(net.predict(X[PARITY_TRAIN_ROWS:]), y[PARITY_TRAIN_ROWS:]),
        "seed": args.seed,
    }


def main(argv=None) -> None:
    run_main("deeprecipe", run_one, argv)


if __name__ == "__main__":
    main()
