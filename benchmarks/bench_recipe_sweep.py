"""A recipe sweep of 8 candidates: serially, on 2 local worker processes, and on a Dask cluster.

The sweep is one step's worth of trials (8 L2 strengths on a 2-20-3-1 network, full batch,
``--epochs`` iterations each, about 1.5 s per trial at the default). The contenders:

- ``serial``: ``sweep(..., n_jobs=1)``, the peer every other contender is measured against;
- ``local``: ``sweep(..., n_jobs=2)``, joblib's loky worker processes (their start-up is
  inside the timed call, as it is for a user);
- ``dask``: ``sweep(..., cluster=client)`` on a ``dask.distributed.LocalCluster`` of 2 worker
  processes with 1 thread each (cluster start-up is timed separately, since a real cluster is
  started once for many sweeps). Skipped when Dask is not installed.

Each contender runs in its own fresh process, the order is rotated every round, and the medians
over ``--rounds`` rounds and their ratios are reported. "Trials at once" is the summed trial
time over the wall time: the speed-up follows it while cores are free. Every contender must
produce the same dev errors trial for trial; the table says whether they did.

Run it as ``python -m benchmarks.bench_recipe_sweep [--rounds 3] [--epochs 20000] [--quick]``;
it writes ``benchmarks/results/bench_recipe_sweep.{md,json}`` and returns its section to
``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._runner import ROOT, child_env, machine_description, median_cell, summarize

CONTENDERS = ("serial", "local", "dask")
RESULTS = Path(__file__).resolve().parent / "results"
N_CANDIDATES = 8
WORKERS = 2


# ----------------------------------------------------------------- the child process
def worker(contender: str, epochs: int) -> dict:
    """Run the sweep once as ``contender``; its wall time, summed trial time and dev errors."""
    import numpy as np

    from deeprecipe.recipe import TrialData, make_spec, sweep

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    X = rng.standard_normal((400, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
    data = TrialData(X[:300], y[:300], X[300:], y[300:], "binary_crossentropy", 1)
    specs = [
        make_spec(hidden=[20, 3], l2=float(lam), learning_rate=0.3, epochs=epochs,
                  metrics_every=max(1, epochs // 100))
        for lam in np.geomspace(0.01, 10, N_CANDIDATES)
    ]  # fmt: skip
    record: dict = {"contender": contender}
    if contender == "dask":
        from dask.distributed import Client, LocalCluster

        start = time.perf_counter()
        cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
        record["startup_seconds"] = time.perf_counter() - start
        try:
            start = time.perf_counter()
            outcomes = sweep(specs, data, cluster=client)
            record["seconds"] = time.perf_counter() - start
        finally:
            client.close()
            cluster.close()
    else:
        start = time.perf_counter()
        outcomes = sweep(specs, data, n_jobs=1 if contender == "serial" else WORKERS)
        record["seconds"] = time.perf_counter() - start
    record["trial_seconds"] = sum(o.result["seconds"] for o in outcomes)
    record["dev_errors"] = [o.dev_error for o in outcomes]
    return record


# ----------------------------------------------------------------- the parent
def measure(rounds: int, epochs: int, contenders: list[str]) -> list[dict]:
    records = []
    for r in range(rounds):
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for contender in order:
            command = [sys.executable, "-m", "benchmarks.bench_recipe_sweep",
                       "--worker", contender, "--epochs", str(epochs)]  # fmt: skip
            done = subprocess.run(command, cwd=ROOT, env=child_env(1), capture_output=True,
                                  text=True, timeout=1200)  # fmt: skip
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not lines:
                tail = (done.stderr or done.stdout)[-800:]
                records.append({"contender": contender, "round": r,
                                "error": f"exit {done.returncode}: {tail}"})  # fmt: skip
                continue
            records.append({**json.loads(lines[-1]), "round": r})
    return records


def summarize_records(records: list[dict], contenders: list[str]) -> list[dict]:
    ok = [r for r in records if "error" not in r]
    serial = summarize([r["seconds"] for r in ok if r["contender"] == "serial"])
    reference = next((r["dev_errors"] for r in ok if r["contender"] == "serial"), None)
    rows = []
    for contender in contenders:
        mine = [r for r in ok if r["contender"] == contender]
        errors = [r["error"] for r in records if r["contender"] == contender and "error" in r]
        seconds = summarize([r["seconds"] for r in mine])
        rows.append({
            "contender": contender,
            "seconds": seconds,
            "speedup": serial["median"] / seconds["median"] if serial and seconds else None,
            "at_once": summarize([r["trial_seconds"] / r["seconds"] for r in mine]),
            "startup": summarize([r["startup_seconds"] for r in mine if "startup_seconds" in r]),
            "same_results": (all(r["dev_errors"] == reference for r in mine)
                             if mine and reference is not None else None),
            "errors": errors,
        })  # fmt: skip
    return rows


def to_markdown(rows: list[dict], *, rounds: int, epochs: int) -> str:
    lines = [
        "### Recipe sweeps: serial vs local worker processes vs a Dask cluster",
        "",
        f"{N_CANDIDATES} candidates (L2 strengths) of one recipe step, 2-20-3-1 network, full "
        f"batch, {epochs:,} iterations each; {WORKERS} workers (loky processes, or a Dask "
        f"LocalCluster of {WORKERS} one-thread worker processes). {rounds} round(s), each "
        "contender in its own process, order rotated. Seconds: median (min-max) of the sweep "
        "call (worker start-up included for loky; the Dask cluster's start-up is its own "
        "column); speed-up = serial median / contender median.",
        "",
        "| contender | sweep s | speed-up | trials at once | cluster start-up s "
        "| same dev errors as serial |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["seconds"] is None:
            reason = row["errors"][0].splitlines()[-1] if row["errors"] else "not run"
            lines.append(f"| {row['contender']} | n/a | n/a | n/a | n/a | {reason[:120]} |")
            continue
        same = {True: "yes", False: "NO", None: "n/a"}[row["same_results"]]
        speedup = "n/a" if row["speedup"] is None else f"{row['speedup']:.2f}x"
        seconds, at_once, startup = (
            median_cell(row[k], 2) for k in ("seconds", "at_once", "startup")
        )
        lines.append(f"| {row['contender']} | {seconds} | {speedup} | {at_once} | {startup} | "
                     f"{same} |")  # fmt: skip
    best = [r for r in rows if r["speedup"] and r["contender"] != "serial"]
    if best:
        lines.append("")
        lines.extend(
            f"- {r['contender']}: {r['speedup']:.2f}x faster than serial (medians), "
            f"{r['at_once']['median']:.2f} trials at once on {WORKERS} workers."
            for r in best
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; write ``results/bench_recipe_sweep.{md,json}``; return the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_recipe_sweep")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="1 round, 4,000 iterations")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.epochs)))
        return {}
    if args.quick:
        args.rounds, args.epochs = 1, 4000
    contenders = list(CONTENDERS)
    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        contenders.remove("dask")
    records = measure(args.rounds, args.epochs, contenders)
    rows = summarize_records(records, contenders)
    markdown = to_markdown(rows, rounds=args.rounds, epochs=args.epochs)
    data = {"settings": {"epochs": args.epochs, "rounds": args.rounds, "workers": WORKERS,
                         "candidates": N_CANDIDATES},
            "rows": rows, "records": records}  # fmt: skip
    if not args.no_write and not args.quick:
        from deeprecipe._files import atomic_write_text

        machine = machine_description()
        atomic_write_text(RESULTS / "bench_recipe_sweep.md", markdown + "\n")
        atomic_write_text(
            RESULTS / "bench_recipe_sweep.json",
            json.dumps({"machine": machine, **data}, indent=1, default=str),
        )
    return {"name": "recipe_sweep", "markdown": markdown, "data": data}


if __name__ == "__main__":
    section = main(sys.argv[1:])
    if section:
        print(section["markdown"])
