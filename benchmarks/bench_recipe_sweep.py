"""Benchmark: a sweep of 8 candidates on 2 local worker processes vs the same sweep serially.

Each contender runs in its own fresh process (worker start-up included in its time), the two
are interleaved and repeated, and the medians and their ratio are printed. Not a test: run

    .venv/bin/python -m benchmarks.bench_recipe_sweep [--repeats 3] [--epochs 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one(mode: str, epochs: int) -> tuple[float, float]:
    import numpy as np

    from deeprecipe.recipe import TrialData, make_spec, sweep

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    X = rng.standard_normal((400, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
    data = TrialData(X[:300], y[:300], X[300:], y[300:], "binary_crossentropy", 1)
    specs = [
        make_spec(hidden=[20, 3], l2=float(lam), learning_rate=0.3, epochs=epochs,
                  metrics_every=epochs // 100)
        for lam in np.geomspace(0.01, 10, 8)
    ]  # fmt: skip
    start = time.perf_counter()
    outcomes = sweep(specs, data, n_jobs=1 if mode == "serial" else 2)
    return time.perf_counter() - start, sum(o.result["seconds"] for o in outcomes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", choices=("serial", "parallel"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.one:
        wall, busy = one(args.one, args.epochs)
        print(json.dumps({"seconds": wall, "trial_seconds": busy}))
        return
    times: dict[str, list[float]] = {"serial": [], "parallel": []}
    busy: dict[str, list[float]] = {"serial": [], "parallel": []}
    for _ in range(args.repeats):
        for mode in ("serial", "parallel"):
            out = subprocess.run(
                [sys.executable, str(Path(__file__)), "--one", mode, "--epochs", str(args.epochs)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            times[mode].append(figures["seconds"])
            busy[mode].append(figures["trial_seconds"] / figures["seconds"])
    serial, parallel = (statistics.median(times[m]) for m in ("serial", "parallel"))
    print(f"serial   (n_jobs=1): median {serial:.2f} s  {times['serial']}")
    print(f"parallel (n_jobs=2): median {parallel:.2f} s  {times['parallel']}")
    print(f"parallel / serial = {parallel / serial:.2f}  (speed-up {serial / parallel:.2f}x)")
    # trials running at once = summed trial time / wall time; with free cores the speed-up
    # follows it, on a loaded machine each trial slows down instead
    for mode in ("serial", "parallel"):
        print(f"{mode}: trials running at once (median) {statistics.median(busy[mode]):.2f}")


if __name__ == "__main__":
    main()
