"""The machine's limit: float32 GEMMs totalling the workload's training FLOPs.

It times square 1024 x 1024 x 1024 float32 products (the shape BLAS runs fastest) until they add
up to ``flops_per_sample * timed_samples`` FLOPs, and reports the samples/s a trainer would reach
if every FLOP of training ran at that GEMM throughput. No trainer can beat this figure.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.contenders._common import run_main, time_run
from benchmarks.workloads import flops_per_sample

N = 1024


def run_one(args, w) -> dict:
    if args.mode != "throughput":
        return {"skipped": "the GEMM limit is a throughput figure"}
    per_sample = flops_per_sample(w.sizes)
    total = per_sample * w.timed_samples
    per_gemm = 2 * N**3
    reps = max(2, math.ceil(total / per_gemm))
    rng = np.random.default_rng(0)
    A = rng.standard_normal((N, N), dtype=np.float32)
    B = rng.standard_normal((N, N), dtype=np.float32)
    C = np.empty((N, N), dtype=np.float32)
    for _ in range(2):
        np.matmul(A, B, out=C)

    def run():
        for _ in range(reps):
            np.matmul(A, B, out=C)

    seconds = time_run(run)
    flops_per_s = reps * per_gemm / seconds
    # the seconds the workload's FLOPs would take at this throughput
    return {
        "seconds": total / flops_per_s,
        "samples": w.timed_samples,
        "gemm_gflops": flops_per_s / 1e9,
        "flops_per_sample": per_sample,
    }


def main(argv=None) -> None:
    run_main("gemm-limit", run_one, argv)


if __name__ == "__main__":
    main()
