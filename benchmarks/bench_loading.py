"""Loading a CSV file: deeprecipe's loader beside ``pandas.read_csv`` and ``pyarrow.csv.read_csv``.

One generated file, ``rows x cols`` standard-normal numbers written with 6 decimals
(1,000,000 x 50 is about 480 MB), is read by each contender in a fresh child process:

* ``pandas``: ``pandas.read_csv(path)`` (a DataFrame of float64);
* ``pyarrow``: ``pyarrow.csv.read_csv(path)`` (an Arrow table of float64), the floor: the
  parser deeprecipe itself uses;
* ``deeprecipe``: ``deeprecipe.data.load_csv(path)``: the same parse, then the checks and the
  float32 feature matrix ``X`` a network trains on.

Each child reports its wall time and its peak resident memory (``VmHWM``, so a fresh
process per reading); contenders alternate in a rotated order every round. The table gives
medians (min-max) over the rounds and the ratios to pyarrow's medians, beside the sizes of the
Arrow table (float64) and of the float32 matrix.

Run ``python -m benchmarks.bench_loading [--rows 1000000] [--cols 50] [--rounds 3] [--quick]``;
it writes ``benchmarks/results/bench_loading.{md,json}`` and returns its section to
``python -m benchmarks``. The file is cached in the system's temporary folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._runner import ROOT, child_env, machine_description, median_cell, summarize
from benchmarks.contenders._common import peak_rss_bytes

RESULTS = Path(__file__).resolve().parent / "results"
CONTENDERS = ("pandas", "pyarrow", "deeprecipe")
BASELINE = "pyarrow"
SEED = 0


def make_file(rows: int, cols: int) -> Path:
    """The benchmark's CSV, written once (Arrow's writer; rounding keeps cells ~9 characters)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(tempfile.gettempdir()) / f"deeprecipe-bench-{rows}x{cols}-s{SEED}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    partial = path.with_suffix(".partial")
    with pacsv.CSVWriter(partial, pa.schema([(f"x{j}", pa.float64()) for j in range(cols)])) as w:
        for start in range(0, rows, 100_000):
            block = np.round(rng.standard_normal((min(100_000, rows - start), cols)), 6)
            w.write_table(pa.table({f"x{j}": block[:, j] for j in range(cols)}))
    partial.replace(path)
    return path


def worker(contender: str, path: str) -> dict:
    """Read ``path`` once with ``contender``; wall time (imports excluded), peak RSS and the
    result's shape."""
    import pyarrow.csv as pacsv  # imports are not timed: every contender pays them once

    if contender == "pandas":
        import pandas as pd
    elif contender == "deeprecipe":
        from deeprecipe.data import load_csv
    start = time.perf_counter()
    if contender == "pandas":
        shape = pd.read_csv(path).shape
    elif contender == "pyarrow":
        table = pacsv.read_csv(path)
        shape = (table.num_rows, table.num_columns)
    else:
        shape = load_csv(path).X.shape
    seconds = time.perf_counter() - start
    peak_mib = peak_rss_bytes() / 2**20
    return {"contender": contender, "seconds": seconds, "peak_mib": peak_mib,
            "shape": list(shape)}  # fmt: skip


def measure(path: Path, rounds: int) -> list[dict]:
    records = []
    for r in range(rounds):
        order = CONTENDERS[r % len(CONTENDERS) :] + CONTENDERS[: r % len(CONTENDERS)]
        for contender in order:
            command = [sys.executable, "-m", "benchmarks.bench_loading", "--worker", contender,
                       "--file", str(path)]  # fmt: skip
            done = subprocess.run(command, cwd=ROOT, env=child_env(1), capture_output=True,
                                  text=True, timeout=900)  # fmt: skip
            lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
            record = (
                json.loads(lines[-1])
                if lines
                else {"contender": contender, "error": (done.stderr or done.stdout)[-800:]}
            )
            records.append({**record, "round": r})
    return records


def to_markdown(rows: dict, path: Path, shape: tuple[int, int], rounds: int) -> str:
    n, k = shape
    arrow_mib, matrix_mib = n * k * 8 / 2**20, n * k * 4 / 2**20
    lines = [
        "### Loading a CSV file: deeprecipe vs pandas.read_csv and pyarrow.csv.read_csv",
        "",
        f"{n:,} rows x {k} numeric columns, {path.stat().st_size / 2**20:.0f} MiB; each reading "
        f"in a fresh process, {rounds} rounds, contenders in rotated order. Arrow table (float64) "
        f"{arrow_mib:.0f} MiB, float32 matrix {matrix_mib:.0f} MiB.",
        "",
        "| contender | seconds, median (min-max) | x pyarrow | peak RSS MiB, median (min-max) "
        "| x pyarrow |",
        "|---|---|---|---|---|",
    ]
    base = rows.get(BASELINE, {})
    for contender in CONTENDERS:
        row = rows.get(contender)
        if row is None or row["seconds"] is None:
            lines.append(f"| {contender} | failed | | | |")
            continue
        t_ratio = row["seconds"]["median"] / base["seconds"]["median"] if base else float("nan")
        m_ratio = row["peak_mib"]["median"] / base["peak_mib"]["median"] if base else float("nan")
        lines.append(
            f"| {contender} | {median_cell(row['seconds'], 2)} | {t_ratio:.2f} | "
            f"{median_cell(row['peak_mib'], 0)} | {m_ratio:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; write ``results/bench_loading.{md,json}``; return the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_loading")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 1 round")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.file)))
        return {}
    if args.quick:
        args.rows, args.rounds = 100_000, 1
    path = make_file(args.rows, args.cols)
    records = measure(path, args.rounds)
    rows = {}
    for contender in CONTENDERS:
        mine = [r for r in records if r["contender"] == contender and "error" not in r]
        rows[contender] = {
            "seconds": summarize([r["seconds"] for r in mine]),
            "peak_mib": summarize([r["peak_mib"] for r in mine]),
            "errors": [
                r["error"] for r in records if r["contender"] == contender and "error" in r
            ],  # fmt: skip
        }
    markdown = to_markdown(rows, path, (args.rows, args.cols), args.rounds)
    data = {"settings": {"rows": args.rows, "cols": args.cols, "rounds": args.rounds,
                         "file_bytes": path.stat().st_size, "seed": SEED},
            "rows": rows, "records": records}  # fmt: skip
    if not args.no_write and not args.quick:
        from deeprecipe._files import atomic_write_text

        RESULTS.mkdir(parents=True, exist_ok=True)
        atomic_write_text(RESULTS / "bench_loading.md", markdown + "\n")
        atomic_write_text(RESULTS / "bench_loading.json",
                          json.dumps({"machine": machine_description(), **data}, indent=1,
                                     default=str))  # fmt: skip
    return {"name": "loading", "markdown": markdown, "data": data}


if __name__ == "__main__":
    section = main(sys.argv[1:])
    if section:
        print(section["markdown"])
