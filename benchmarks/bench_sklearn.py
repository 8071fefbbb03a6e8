"""DeepClassifier against scikit-learn's MLPClassifier: fit time, predict time, test accuracy.

Matched settings on scikit-learn's breast cancer and digits data: one hidden layer of 100 ReLU
units, Adam (lr 1e-3), mini-batches of 200, the same number of epochs for both (both loss-plateau
stops are switched off with ``n_iter_no_change=epochs``), ``alpha = 1e-4``, and
standardized inputs (MLPClassifier behind a ``StandardScaler`` in a ``Pipeline``; DeepClassifier
standardizes internally). Both train on the same stratified 80% and are scored on the other 20%.
(With mini-batches MLPClassifier divides its L2 term by the batch size rather than by m, so its
alpha weighs a few times more than the same l2 here; at 1e-4 neither changes the result.)

Each contender runs in its own child process with a pinned thread count (NumPy's thread pool
is set per process); the two alternate, in a rotated order, in every round, and the whole is
repeated ``--rounds`` times. A child fits once to warm up, then times ``--repeats`` fits. The
table gives medians (min-max) over all timed fits and the ratio of medians; the per-round ratios
show how much the machine drifted.

Run it as ``python -m benchmarks.bench_sklearn [--rounds 3] [--threads 1,2] [--quick]``; it
writes ``benchmarks/results/bench_sklearn.{md,json}`` and returns its section to
``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._runner import ROOT, child_env, machine_description, median_cell, summarize

CONTENDERS = ("deeprecipe", "sklearn-mlp")
DATASETS = ("breast_cancer", "digits")
RESULTS = Path(__file__).resolve().parent / "results"
HIDDEN = (100,)
SETTINGS = {"learning_rate": 1e-3, "batch_size": 200, "l2": 1e-4, "test_size": 0.2}


# ----------------------------------------------------------------- the child process
def _build(contender: str, epochs: int, seed: int):
    if contender == "deeprecipe":
        from deeprecipe.sklearn import DeepClassifier

        return DeepClassifier(
            HIDDEN,
            alpha=SETTINGS["l2"],
            learning_rate_init=SETTINGS["learning_rate"],
            batch_size=SETTINGS["batch_size"],
            max_iter=epochs,
            n_iter_no_change=epochs,
            random_state=seed,
        )
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(),
        MLPClassifier(
            HIDDEN,
            alpha=SETTINGS["l2"],
            learning_rate_init=SETTINGS["learning_rate"],
            batch_size=SETTINGS["batch_size"],
            max_iter=epochs,
            n_iter_no_change=epochs,
            random_state=seed,
        ),
    )


def _data(dataset: str, seed: int):
    from sklearn.model_selection import train_test_split

    from sklearn import datasets

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    return train_test_split(X, y, test_size=SETTINGS["test_size"], stratify=y, random_state=seed)


def worker(contender: str, dataset: str, epochs: int, repeats: int, seed: int) -> dict:
    """Fit once to warm up, then time ``repeats`` fits and one predict; one JSON record."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_info

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X_train, X_test, y_train, y_test = _data(dataset, seed)
    _build(contender, epochs, seed).fit(X_train, y_train)
    fit_s = []
    for _ in range(repeats):
        estimator = _build(contender, epochs, seed)
        started = time.perf_counter()
        estimator.fit(X_train, y_train)
        fit_s.append(time.perf_counter() - started)
    started = time.perf_counter()
    accuracy = float((estimator.predict(X_test) == y_test).mean())
    predict_s = time.perf_counter() - started
    final = estimator if contender == "deeprecipe" else estimator[-1]
    return {
        "contender": contender,
        "dataset": dataset,
        "fit_s": fit_s,
        "predict_s": predict_s,
        "test_accuracy": accuracy,
        "epochs_run": int(final.n_iter_),
        "train_rows": int(X_train.shape[0]),
        "features": int(X_train.shape[1]),
        "blas": [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads")}
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ],
    }


# ----------------------------------------------------------------- the parent
def run_child(
    contender: str, dataset: str, *, epochs: int, repeats: int, seed: int, threads: int
) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_sklearn",
        "--worker",
        contender,
        "--dataset",
        dataset,
        "--epochs",
        str(epochs),
        "--repeats",
        str(repeats),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=child_env(threads), capture_output=True, text=True, timeout=900
    )
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return {**json.loads(line), "threads": threads}
    tail = (done.stderr or done.stdout)[-1500:]
    return {
        "contender": contender,
        "dataset": dataset,
        "threads": threads,
        "error": f"exit {done.returncode}: {tail}",
    }


def measure(
    *, rounds: int, repeats: int, epochs: int, threads_list: list[int], seed: int = 0
) -> list[dict]:
    """Every (threads, dataset) pair runs both contenders per round, alternating who goes first."""
    records = []
    for round_ in range(rounds):
        for threads in threads_list:
            for i, dataset in enumerate(DATASETS):
                order = CONTENDERS if (round_ + i) % 2 == 0 else CONTENDERS[::-1]
                for contender in order:
                    record = run_child(
                        contender,
                        dataset,
                        epochs=epochs,
                        repeats=repeats,
                        seed=seed,
                        threads=threads,
                    )
                    records.append({**record, "round": round_})
    return records


def summarize_records(records: list[dict]) -> list[dict]:
    rows = []
    keys = sorted({(r["threads"], r["dataset"]) for r in records})
    for threads, dataset in keys:
        picked = {
            c: [
                r
                for r in records
                if r["threads"] == threads
                and r["dataset"] == dataset
                and r["contender"] == c
                and "error" not in r
            ]
            for c in CONTENDERS
        }
        fit = {c: summarize([t for r in picked[c] for t in r["fit_s"]]) for c in CONTENDERS}
        per_round = []
        for round_ in sorted({r["round"] for r in records}):
            ours = [r for r in picked["deeprecipe"] if r["round"] == round_]
            peer = [r for r in picked["sklearn-mlp"] if r["round"] == round_]
            if ours and peer:
                per_round.append(
                    statistics.median(peer[0]["fit_s"]) / statistics.median(ours[0]["fit_s"])
                )
        rows.append(
            {
                "threads": threads,
                "dataset": dataset,
                "fit_s": fit,
                "speedup": (
                    fit["sklearn-mlp"]["median"] / fit["deeprecipe"]["median"]
                    if fit["deeprecipe"] and fit["sklearn-mlp"]
                    else None
                ),
                "speedup_per_round": per_round,
                "predict_s": {
                    c: summarize([r["predict_s"] for r in picked[c]]) for c in CONTENDERS
                },
                "test_accuracy": {
                    c: summarize([r["test_accuracy"] for r in picked[c]]) for c in CONTENDERS
                },
                "epochs_run": {c: sorted({r["epochs_run"] for r in picked[c]}) for c in CONTENDERS},
                "errors": [
                    r["error"]
                    for r in records
                    if r["threads"] == threads and r["dataset"] == dataset and "error" in r
                ],
            }
        )
    return rows


def to_markdown(rows: list[dict], *, rounds: int, repeats: int, epochs: int) -> str:
    lines = [
        "### scikit-learn estimators: DeepClassifier vs MLPClassifier",
        "",
        f"Matched: hidden {HIDDEN}, ReLU, Adam lr {SETTINGS['learning_rate']}, batch "
        f"{SETTINGS['batch_size']}, {epochs} epochs each, l2 = alpha = {SETTINGS['l2']}, "
        f"standardized inputs; stratified 80/20 split. {rounds} round(s) x {repeats} timed "
        "fit(s) per contender, each contender in its own process, alternating. Fit seconds: "
        "median (min-max); speed-up = MLPClassifier median / DeepClassifier median.",
        "",
        "| threads | data | DeepClassifier fit s | MLPClassifier fit s | speed-up | per-round "
        "| test acc (ours / MLP) | predict s (ours / MLP) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        acc = r["test_accuracy"]
        pred = r["predict_s"]
        ratio = "n/a" if r["speedup"] is None else f"{r['speedup']:.2f}x"
        per_round = ", ".join(f"{x:.2f}" for x in r["speedup_per_round"])
        lines.append(
            f"| {r['threads']} | {r['dataset']} | {median_cell(r['fit_s']['deeprecipe'])} | "
            f"{median_cell(r['fit_s']['sklearn-mlp'])} | {ratio} | {per_round} | "
            + " / ".join("n/a" if acc[c] is None else f"{acc[c]['median']:.3f}" for c in CONTENDERS)
            + " | "
            + " / ".join(
                "n/a" if pred[c] is None else f"{pred[c]['median'] * 1000:.1f} ms"
                for c in CONTENDERS
            )
            + " |"
        )
        for error in r["errors"]:
            lines.append(f"\nError ({r['dataset']}, {r['threads']} threads): {error[-300:]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; write ``results/bench_sklearn.{md,json}``; return the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sklearn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--quick", action="store_true", help="1 round, 1 thread, 50 epochs")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", choices=DATASETS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.dataset, args.epochs, args.repeats, args.seed)))
        return {}
    if args.quick:
        args.rounds, args.repeats, args.epochs, args.threads = 1, 1, 50, "1"
    threads_list = [int(t) for t in args.threads.split(",")]
    records = measure(
        rounds=args.rounds, repeats=args.repeats, epochs=args.epochs, threads_list=threads_list
    )
    rows = summarize_records(records)
    markdown = to_markdown(rows, rounds=args.rounds, repeats=args.repeats, epochs=args.epochs)
    data = {
        "settings": {
            **SETTINGS,
            "hidden": list(HIDDEN),
            "epochs": args.epochs,
            "rounds": args.rounds,
            "repeats": args.repeats,
        },
        "rows": rows,
        "records": records,
    }
    if not args.no_write:
        from deeprecipe._files import atomic_write_text

        RESULTS.mkdir(parents=True, exist_ok=True)
        machine = machine_description()
        atomic_write_text(RESULTS / "bench_sklearn.md", markdown + "\n")
        atomic_write_text(
            RESULTS / "bench_sklearn.json",
            json.dumps({"machine": machine, **data}, indent=1, default=str),
        )
    return {"name": "sklearn", "markdown": markdown, "data": data}


if __name__ == "__main__":
    section = main(sys.argv[1:])
    if section:
        print(section["markdown"])
