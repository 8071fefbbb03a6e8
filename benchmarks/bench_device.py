"""deeprecipe on PyTorch (and CuPy) arrays beside PyTorch's own ``nn`` loop, on one device.

Same workloads (784-256-128-10 ReLU, softmax cross-entropy, plain SGD, the same initial
weights), each contender in its own process, alternating inside each round, ``--rounds`` times;
medians with min-max, and the ratio of medians to PyTorch's. On a GPU the timers stop only when
the device has finished (PyTorch: ``torch.cuda.synchronize``; deeprecipe: ``fit`` reads the
epoch cost back, which waits for every queued kernel).

Usage::

    python -m benchmarks --device cuda          # the GPU table (b256, b1024, b8192)
    python -m benchmarks --device cpu           # the torch backend on the CPU (b256, b1024)
    python -m benchmarks.bench_device --device cuda --rounds 5

Run by ``python -m benchmarks`` without ``--device``, it measures the GPU when one is present
and otherwise says why there is no GPU table.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from benchmarks._runner import run_contender, summarize
from benchmarks.workloads import DEVICE_WORKLOADS

CPU_WORKLOADS = ("mnist-sgd-b256", "mnist-sgd-b1024")
GPU_WORKLOADS = tuple(DEVICE_WORKLOADS)


def gpu_present() -> str | None:
    """None when PyTorch sees a CUDA GPU, else why not."""
    if importlib.util.find_spec("torch") is None:
        return "PyTorch is not installed"
    import torch

    return None if torch.cuda.is_available() else "PyTorch sees no CUDA GPU on this machine"


def contenders(device: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Label -> (contender module key, its extra arguments)."""
    table = {
        "deeprecipe (torch backend)": ("deeprecipe", ("--backend", "torch", "--device", device)),
        "PyTorch nn": ("torch", ("--device", device)),
    }
    if device.startswith("cuda") and importlib.util.find_spec("cupy") is not None:
        table["deeprecipe (cupy backend)"] = (
            "deeprecipe",
            ("--backend", "cupy", "--device", device),
        )
    return table


def _rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1000:.1f}k"


def measure(device: str, rounds: int, threads: int) -> dict:
    names = GPU_WORKLOADS if device.startswith("cuda") else CPU_WORKLOADS
    labels = contenders(device)
    figures: dict[tuple[str, str], list[float]] = {}
    errors: list[str] = []
    for r in range(rounds):
        order = list(labels)
        order = order[r % len(order) :] + order[: r % len(order)]  # rotate who runs first
        for label in order:
            key, extra = labels[label]
            print(f"[bench_device] round {r + 1}/{rounds}: {label}", file=sys.stderr)
            for record in run_contender(key, list(names), threads=threads, extra=extra):
                if "error" in record:
                    errors.append(f"{label} {record['workload']}: {record['error'][-300:]}")
                    continue
                figures.setdefault((label, record["workload"]), []).append(record["samples_per_s"])
    summaries = {k: summarize(v) for k, v in figures.items()}
    return {
        "device": device,
        "threads": threads,
        "rounds": rounds,
        "workloads": list(names),
        "contenders": list(labels),
        "summaries": summaries,
        "errors": errors,
    }


def markdown(result: dict) -> str:
    device, labels = result["device"], result["contenders"]
    peer = "PyTorch nn"
    head = (
        "| workload | "
        + " | ".join(labels)
        + " | "
        + " | ".join(f"{label} / {peer}" for label in labels if label != peer)
        + " |"
    )
    lines = [
        f"### deeprecipe vs PyTorch on `{device}` (samples/s, median (min-max) of "
        f"{result['rounds']} rounds, {result['threads']} CPU thread(s))",
        "",
        head,
        "|" + "---|" * (1 + len(labels) + len(labels) - 1),
    ]
    for name in result["workloads"]:
        cells, medians = [], {}
        for label in labels:
            s = result["summaries"].get((label, name))
            medians[label] = s["median"] if s else None
            cells.append(
                "n/a"
                if s is None
                else f"{_rate(s['median'])} ({_rate(s['min'])}-{_rate(s['max'])})"
            )
        ratios = [
            (
                "n/a"
                if not medians[label] or not medians[peer]
                else f"{medians[label] / medians[peer]:.2f}x"
            )
            for label in labels
            if label != peer
        ]
        lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
    if result["errors"]:
        lines += ["", "Failed: " + "; ".join(result["errors"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_device")
    parser.add_argument(
        "--device",
        default=None,
        help="cuda, cuda:1 or cpu [default: cuda when a GPU is present, else nothing is measured]",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads per process [default: 1 on the CPU, all with a GPU]",
    )
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args(argv)
    device = args.device
    if device is None or device.startswith("cuda"):
        missing = gpu_present()
        if missing:
            print(f"[bench_device] no GPU table: {missing}", file=sys.stderr)
            if device is not None:  # asked for explicitly: a failure, said once
                raise SystemExit(f"--device {device}: {missing}")
            return None
        device = device or "cuda"
    threads = args.threads or (os.cpu_count() if device.startswith("cuda") else 1)
    result = measure(device, 1 if args.quick else args.rounds, threads)
    text = markdown(result)
    print(text)
    data = {
        **result,
        "summaries": {f"{label} | {name}": s for (label, name), s in result["summaries"].items()},
    }
    return {"name": f"device-{device}", "markdown": text, "data": data}


if __name__ == "__main__":
    main()
