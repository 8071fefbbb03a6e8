"""Where a training step's time goes, phase by phase, at each thread count.

The many-core question of issue 18: the NumPy engine runs its matrix products on BLAS's threads
and everything else (the mini-batch gather, bias adds, activations, the loss, the update) in the
calling thread. On two cores that serial part is about a seventh of a b1024 step; on sixteen,
where the products shrink, it may be most of it. This profile says how much, measured::

    python -m benchmarks.profile_step --threads 1,all [--workload mnist-sgd-b1024] [--steps 40]

For each thread count, in a process of its own (environment pinned as for the contenders), it
runs ``steps`` training steps of the workload and times each phase as the engine runs it: the
gather of the rows (the trainer's ``np.take``), each layer's forward pass, the loss and its
gradient, each layer's backward pass, the optimizer's update. Beside them it times every matrix
product of the step alone (``np.matmul`` / ``np.dot`` on the same shapes and memory layouts),
once at each BLAS thread count from 1 up to the process's, so that each phase splits into its
products and the rest, and each product shows the thread count it runs fastest on (what
"BLAS threads matched to each product's size" would choose). Medians over the steps.

This is a diagnosis, not a contest: no peer runs beside it (``bench_training`` times the peers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from benchmarks._runner import ROOT, child_env, machine_description
from benchmarks.workloads import WORKLOADS

PRODUCT_REPEATS = 15


def _threads_list(text: str) -> list[int]:
    cores = os.cpu_count() or 1
    return [cores if t == "all" else int(t) for t in text.split(",")]


def _powers_of_two_up_to(n: int) -> list[int]:
    counts = [1]
    while counts[-1] * 2 < n:
        counts.append(counts[-1] * 2)
    return counts + ([n] if n > 1 else [])


def _median_ms(samples: list[float]) -> float:
    return 1e3 * statistics.median(samples)


# ------------------------------------------------------------------------------- the child
def profile(workload_name: str, steps: int, threads: int) -> dict:
    """Time the phases of ``steps`` steps, and each product alone at 1..``threads`` threads."""
    from threadpoolctl import threadpool_limits

    from benchmarks.contenders.deeprecipe_mlp import build
    from benchmarks.workloads import make_data
    from deeprecipe.train.optimizers import get_optimizer

    w = WORKLOADS[workload_name]
    X, y = make_data(w)
    net = build(w)
    optimizer = get_optimizer("gd" if w.optimizer == "sgd" else "adam", w.learning_rate)
    m, batch = X.shape[0], w.batch_size
    targets = net.prepare_targets(y, m)
    x_batch = np.empty((batch, X.shape[1]), dtype=X.dtype)
    t_batch = np.empty((batch, *targets.shape[1:]), dtype=targets.dtype)
    order = np.random.default_rng(0).permutation(m)
    clock = time.perf_counter
    phases: dict[str, list[float]] = {}

    def timed(name: str, start: float) -> float:
        now = clock()
        phases.setdefault(name, []).append(now - start)
        return now

    def step(i: int) -> None:
        rows = order[(i * batch) % (m - batch + 1) :][:batch]
        t = clock()
        np.take(X, rows, axis=0, out=x_batch, mode="clip")
        np.take(targets, rows, axis=0, out=t_batch, mode="clip")
        t = timed("gather", t)
        a = x_batch
        for l, layer in enumerate(net.layers, start=1):
            a = layer.forward(a, training=True, rng=net.rng, reuse_buffers=True)
            t = timed(f"forward {l}", t)
        _, da = net.loss.value_and_gradient(a, t_batch)
        t = timed("loss and dZ[L]", t)
        for l in range(net.n_layers, 0, -1):
            da = net.layers[l - 1].backward(da, l2_over_m=net.l2 / m, input_grad=l > 1)
            t = timed(f"backward {l}", t)
        optimizer.step(net.theta, net.grad)
        timed("update", t)

    for i in range(3):  # warm-up: buffers allocated, BLAS threads started
        step(i)
    phases.clear()
    for i in range(steps):
        step(i)
    phase_ms = {name: _median_ms(samples) for name, samples in phases.items()}

    # every product of the step, alone, on the layer's own buffers and layouts
    products = []
    for l, layer in enumerate(net.layers, start=1):
        a_prev, dz = layer._input, np.ones_like(layer._z)
        n_in, n_out = layer.W.shape
        ones = np.ones(batch, dtype=dz.dtype)
        z_out, da_out = np.empty_like(layer._z), np.empty_like(a_prev)
        cases = [
            (f"forward {l}", f"A[{l - 1}] W  {batch}x{n_in} @ {n_in}x{n_out}",
             lambda a=a_prev, W=layer.W, o=z_out: np.matmul(a, W, out=o)),
            (f"backward {l}", f"A[{l - 1}]^T dZ  {n_in}x{batch} @ {batch}x{n_out}",
             lambda a=a_prev, d=dz, o=layer.dW: np.matmul(a.T, d, out=o)),
            (f"backward {l}", f"1^T dZ  {batch} @ {batch}x{n_out}",
             lambda d=dz, o=layer.db, u=ones: np.dot(u, d, out=o)),
        ]  # fmt: skip
        if l > 1:
            cases.append(
                (f"backward {l}", f"dZ W^T  {batch}x{n_out} @ {n_out}x{n_in}",
                 lambda d=dz, W=layer.W, o=da_out: np.matmul(d, W.T, out=o))
            )  # fmt: skip
        for phase, label, run in cases:
            by_threads = {}
            for count in _powers_of_two_up_to(threads):
                with threadpool_limits(limits=count, user_api="blas"):
                    run()
                    samples = []
                    for _ in range(PRODUCT_REPEATS):
                        start = clock()
                        run()
                        samples.append(clock() - start)
                by_threads[count] = _median_ms(samples)
            products.append({"phase": phase, "product": label, "ms": by_threads})
    net.clear_cache()
    return {"threads": threads, "phases": phase_ms, "products": products}


# ------------------------------------------------------------------------------ the parent
def _run_child(workload: str, steps: int, threads: int) -> dict:
    command = [sys.executable, "-m", "benchmarks.profile_step", "--child"]
    command += ["--workload", workload, "--steps", str(steps), "--threads", str(threads)]
    done = subprocess.run(
        command, env=child_env(threads), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"profile at {threads} threads failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for product in result["products"]:  # JSON keys are strings: thread counts again
        product["ms"] = {int(n): ms for n, ms in product["ms"].items()}
    return result


def markdown(workload: str, results: list[dict]) -> str:
    """The phases table (each thread count's own process) and the products table."""
    counts = [r["threads"] for r in results]
    head = " | ".join(f"{n} thread{'s' if n > 1 else ''} (ms)" for n in counts)
    lines = [
        f"### One step of {workload}, phase by phase (medians)\n",
        "`products` is the phase's matrix products timed alone at the process's thread count; "
        "`rest` = phase - products, the work that runs in the calling thread.\n",
        f"| phase | {head} | products at {counts[-1]} | rest at {counts[-1]} |",
        "|---|" + "---|" * (len(counts) + 2),
    ]
    last = results[-1]
    totals = [sum(r["phases"].values()) for r in results]
    product_total = rest_total = 0.0
    for phase in last["phases"]:
        cells = [f"{r['phases'][phase]:.3f}" for r in results]
        in_products = sum(p["ms"][last["threads"]] for p in last["products"] if p["phase"] == phase)
        rest = max(last["phases"][phase] - in_products, 0.0)
        product_total += in_products
        rest_total += rest
        lines.append(f"| {phase} | {' | '.join(cells)} | {in_products:.3f} | {rest:.3f} |")
    lines.append(
        f"| **step** | {' | '.join(f'**{t:.3f}**' for t in totals)} | **{product_total:.3f}** "
        f"| **{rest_total:.3f}** |"
    )
    counts_in_child = sorted({n for p in last["products"] for n in p["ms"]})
    lines += [
        f"\n### Each product alone at each BLAS thread count (ms, medians of "
        f"{PRODUCT_REPEATS}; in the {last['threads']}-thread process)\n",
        "| product | " + " | ".join(f"{n}T" for n in counts_in_child) + " | fastest |",
        "|---|" + "---|" * (len(counts_in_child) + 1),
    ]
    for p in last["products"]:
        ms = p["ms"]
        best = min(ms, key=ms.get)
        cells = " | ".join(f"{ms[n]:.3f}" for n in counts_in_child)
        lines.append(f"| {p['product']} | {cells} | {best}T |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", default="mnist-sgd-b1024", choices=sorted(WORKLOADS))
    parser.add_argument("--threads", default="1,all", help="comma-separated; 'all': every core")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(profile(args.workload, args.steps, int(args.threads))))
        return
    results = [_run_child(args.workload, args.steps, n) for n in _threads_list(args.threads)]
    print(f"machine: {machine_description()}\n")
    print(markdown(args.workload, results))


if __name__ == "__main__":
    main()
