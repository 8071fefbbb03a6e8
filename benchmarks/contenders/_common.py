"""What every contender process shares: arguments, the clock, memory figures and the JSON lines.

A contender is run as
``python -m benchmarks.contenders.NAME --workloads W1,W2 --threads N --mode M``
in a fresh process whose environment already pins the thread count (see ``benchmarks._runner``);
it prints one JSON object per workload, one per line.

Modes:
    throughput  warm up on a few mini-batches, then time one pass over ``timed_samples`` rows.
    memory      train one epoch over the whole dataset; report peak RSS beside the data's size.
    parity      train a few epochs on a train split and report the test accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable

from benchmarks.workloads import DEVICE_WORKLOADS, MEMORY_WORKLOAD, WORKLOADS, Workload

#: accuracy-parity setting: rows for training and testing, and epochs
PARITY_TRAIN_ROWS = 12_000
PARITY_TEST_ROWS = 4_000
PARITY_EPOCHS = 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", required=True, help="comma-separated workload names")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mode", choices=("throughput", "memory", "parity"), default="throughput")
    parser.add_argument("--seed", type=int, default=0, help="parity: shuffle/dropout seed")
    parser.add_argument("--variant", default="", help="another way to call the same contender")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (torch and deeprecipe)")
    parser.add_argument("--backend", default=None, help="deeprecipe's backend: numpy, torch, cupy")
    args = parser.parse_args(argv)
    if args.mode == "memory":
        args.workload_objs = [MEMORY_WORKLOAD]
    else:
        known = {**WORKLOADS, **DEVICE_WORKLOADS}
        args.workload_objs = [known[name] for name in args.workloads.split(",")]
    return args


def current_rss_bytes() -> int:
    """Resident set size now (from /proc), in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, in bytes: ``VmHWM``, the high-water mark
    of its own memory. Not ``ru_maxrss``: Linux carries that over from the parent through fork
    and exec, so a child of a large parent (``python -m benchmarks`` after its real-data runs)
    reported the parent's size, 2.45x the dataset where the epoch took 1.06x."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # not Linux: the rusage figure (KiB on Linux, bytes on macOS)
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def blas_info() -> list[dict]:
    """The BLAS/OpenMP pools loaded in this process, as threadpoolctl reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return []
    keep = ("user_api", "internal_api", "num_threads", "version", "architecture", "prefix")
    return [{k: pool.get(k) for k in keep} for pool in threadpool_info()]


def time_run(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def run_main(
    contender: str, run_one: Callable[[argparse.Namespace, Workload], dict], argv=None
) -> None:
    """Run ``run_one`` for each workload and print one JSON line per workload.

    A failing workload prints its error in its line, and the others still run.
    """
    args = parse_args(argv)
    for workload in args.workload_objs:
        record = {
            "contender": contender,
            "workload": workload.name,
            "mode": args.mode,
            "threads": args.threads,
        }
        try:
            figures = run_one(args, workload)
        except Exception as exc:  # reported, not raised: the harness tabulates the failure
            figures = {
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
            }
        record.update(figures)
        record["blas"] = blas_info()
        record["peak_rss_bytes"] = peak_rss_bytes()
        if "seconds" in record and "samples" in record:
            record["samples_per_s"] = record["samples"] / record["seconds"]
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def accuracy(predicted, y) -> float:
    import numpy as np

    return float(np.mean(np.asarray(predicted) == np.asarray(y)))
