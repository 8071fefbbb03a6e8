"""Training throughput and peak memory: deeprecipe against the tools a user would pick instead.

Every contender runs in its own process (NumPy's and PyTorch's thread pools slow each other
down when they share one), with the thread count pinned in its environment. The contenders
alternate, in a rotated order, inside each round and each group of workloads, and the whole is
repeated ``--rounds`` times at one thread and at all the machine's cores; the tables give
medians with min-max, and ratios of medians. One child process runs one group of workloads (same
mini-batch size), so the import of torch or scikit-learn is paid once per group.

deeprecipe runs twice: as a user calls it (``fit(net, X, y, optimizer=..., epochs=...,
batch_size=B)``, every other setting at its default, per-epoch training figures included), and
with ``metrics_every=0``; the "tax" column is what the defaults cost. Ratios to the peers use
the defaults.

Run it as ``python -m benchmarks.bench_training [--rounds 5] [--threads 1,all] [--quick]``;
``python -m benchmarks`` runs it with every other ``bench_*.py`` and writes
``benchmarks/results/latest.{md,json}``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from benchmarks._runner import describe_blas, run_contender, summarize
from benchmarks.workloads import MEMORY_WORKLOAD, WORKLOADS, Workload, flops_per_sample

NO_METRICS = "deeprecipe@no-metrics"
CONTENDERS = ("deeprecipe", NO_METRICS, "torch", "sklearn", "course-numpy", "gemm-limit")
PEERS = ("torch", "sklearn", "course-numpy")
BASELINE = "deeprecipe-baseline"
#: the issue's limit on what fit's per-epoch figures may cost: 5% of its throughput
TAX_LIMIT = 0.05


def thread_counts(text: str) -> list[int]:
    """``1,all`` -> [1, os.cpu_count()] (without repeats: a one-core machine gives [1])."""
    counts = []
    for part in text.split(","):
        n = (os.cpu_count() or 1) if part.strip() == "all" else int(part)
        if n not in counts:
            counts.append(n)
    return counts


def groups() -> list[list[str]]:
    """Workloads grouped by mini-batch size: one child process per contender and group."""
    by_batch: dict[str, list[str]] = {}
    for name, w in WORKLOADS.items():
        key = "small" if w.full_batch else str(w.batch_size)
        by_batch.setdefault(key, []).append(name)
    ordered = [by_batch[k] for k in ("32", "256", "1024") if k in by_batch]
    ordered[-1] = ordered[-1] + by_batch.get("small", [])
    return ordered


def applies(contender: str, workload: Workload) -> bool:
    if contender == "sklearn" and workload.regularized:
        return False  # MLPClassifier has no dropout
    if contender == "gemm-limit" and workload.full_batch and workload.rows < 1000:
        return False  # a 211-row full batch is all per-call overhead; no GEMM bound applies
    return True


def _fmt_rate(x: float) -> str:
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"


def _cell(summary: dict | None) -> str:
    if summary is None:
        return "n/a"
    return (
        f"{_fmt_rate(summary['median'])} ({_fmt_rate(summary['min'])}-{_fmt_rate(summary['max'])})"
    )


def collect(records: list[dict]) -> dict:
    """(threads, workload, contender) -> summary of samples/s over the rounds."""
    table: dict = {}
    for r in records:
        if r.get("mode") != "throughput" or "samples_per_s" not in r:
            continue
        key = (r["threads"], r["workload"], r["contender"])
        table.setdefault(key, []).append(r["samples_per_s"])
    return {key: summarize(values) for key, values in table.items()}


def paired_ratios(records: list[dict], threads: int, workload: str, a: str, b: str) -> list:
    """a/b per round: both measured seconds apart, so drifts of the machine mostly cancel."""
    by_round: dict = {}
    for r in records:
        if r.get("threads") == threads and r.get("workload") == workload and "samples_per_s" in r:
            by_round.setdefault(r.get("round"), {})[r["contender"]] = r["samples_per_s"]
    return [d[a] / d[b] for d in by_round.values() if a in d and b in d]


def evaluation_tax(records: list[dict], threads: int, workload: str) -> float | None:
    """What fit()'s defaults cost: metrics_every=0's samples/s over the defaults', minus 1, the
    median of the rounds' paired ratios (a two-thread round can run 20-40% slow as a whole:
    a ratio of the two overall medians then swings by the same)."""
    ratios = paired_ratios(records, threads, workload, NO_METRICS, "deeprecipe")
    return float(np.median(ratios)) - 1 if ratios else None


def throughput_markdown(
    summaries: dict, records: list[dict], threads_list: list[int], contenders: list[str]
) -> str:
    lines = []
    peers = [p for p in PEERS if p in contenders]
    for threads in threads_list:
        cores = " (all cores)" if threads == os.cpu_count() and threads > 1 else ""
        lines.append(
            f"\n#### {threads} thread{'s' if threads > 1 else ''}{cores} "
            "(samples/s: median (min-max); ratio = deeprecipe median / peer median)\n"
        )
        head = ["workload", "deeprecipe fit() defaults"]
        if NO_METRICS in contenders:
            head += ["metrics_every=0", "tax"]
        if BASELINE in contenders:
            head += ["before (baseline src)", "x before"]
        for p in peers:
            head += [p, f"x {p}"]
        if "gemm-limit" in contenders:
            head += ["GEMM limit", "% of limit"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for name in WORKLOADS:
            if not any(key[:2] == (threads, name) for key in summaries):
                continue  # not measured in this run
            ours = summaries.get((threads, name, "deeprecipe"))
            row = [name, _cell(ours)]
            if NO_METRICS in contenders:
                tax = evaluation_tax(records, threads, name)
                row += [
                    _cell(summaries.get((threads, name, NO_METRICS))),
                    "n/a" if tax is None else f"{100 * tax:+.1f}%",
                ]
            others = ([BASELINE] if BASELINE in contenders else []) + peers
            for p in others:
                theirs = summaries.get((threads, name, p))
                ratio = f"{ours['median'] / theirs['median']:.2f}x" if ours and theirs else "n/a"
                row += [_cell(theirs), ratio]
            if "gemm-limit" in contenders:
                limit = summaries.get((threads, name, "gemm-limit"))
                row += [
                    _cell(limit),
                    f"{100 * ours['median'] / limit['median']:.0f}%" if ours and limit else "n/a",
                ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def memory_budget(w: Workload, optimizer_copies: int) -> int:
    """Model buffers: theta, grad and optimizer state, plus per-batch activations (generous)."""
    n_params = sum(a * b + b for a, b in zip(w.sizes[:-1], w.sizes[1:]))
    per_batch = w.batch_size * sum(w.sizes) * 4 * 8
    return n_params * 4 * (2 + optimizer_copies) + per_batch


def memory_markdown(records: list[dict]) -> tuple[str, list[dict]]:
    rows, out = [], []
    w = MEMORY_WORKLOAD
    buffers = memory_budget(w, optimizer_copies=1)
    for r in records:
        if r.get("mode") != "memory" or "rss_before_data" not in r:
            if r.get("mode") == "memory":
                rows.append(f"| {r['contender']} | error: {r.get('error', '?')[:80]} | | | |")
            continue
        used = r["peak_rss_bytes"] - r["rss_before_data"]
        budget = 1.2 * r["dataset_bytes"] + buffers
        out.append(
            {
                "contender": r["contender"],
                "training_bytes": used,
                "dataset_bytes": r["dataset_bytes"],
                "budget_bytes": budget,
                "seconds": r["seconds"],
            }
        )
        rows.append(
            f"| {r['contender']} | {used / 2**20:.0f} MiB | "
            f"{used / r['dataset_bytes']:.2f}x | {budget / 2**20:.0f} MiB | "
            f"{r['seconds']:.2f} s |"
        )
    head = (
        f"\n#### Peak memory of one epoch ({w.name}: {w.rows:,} x {w.sizes[0]} float32, "
        f"batch {w.batch_size}, 1 thread)\n\nPeak RSS minus the RSS before the data was made; "
        f"budget = dataset x 1.2 + model and batch buffers ({buffers / 2**20:.1f} MiB).\n\n"
        "| contender | peak RSS over baseline | / dataset | budget | epoch time |\n"
        "|---|---|---|---|---|"
    )
    return head + "\n" + "\n".join(rows), out


def targets(summaries: dict, records: list[dict], threads_list, memory: list[dict]) -> list:
    """The issue's acceptance figures, each as a dict (check, measured, ceiling, verdict)."""
    checks = []

    def median(threads, name, contender):
        summary = summaries.get((threads, name, contender))
        return summary["median"] if summary else None

    def ratio(threads, name, a, b):
        x, y = median(threads, name, a), median(threads, name, b)
        return x / y if x and y else None

    most = max(threads_list)
    for name, w in WORKLOADS.items():
        for threads in threads_list:
            tax = evaluation_tax(records, threads, name)
            if tax is not None:
                checks.append(
                    (
                        f"{name}, {threads}T: fit() defaults within "
                        f"{100 * TAX_LIMIT:.0f}% of metrics_every=0",
                        1 + tax,  # as a ratio: metrics_every=0 over the defaults
                        "tax",
                        None,
                    )
                )
        if w.full_batch:
            continue
        if w.batch_size in (256, 1024) and most > 1:
            checks.append(
                (
                    f"{name}, {most}T: >= PyTorch CPU",
                    ratio(most, name, "deeprecipe", "torch"),
                    1.0,
                    ratio(most, name, "gemm-limit", "torch"),
                )
            )
        if w.batch_size == 1024:
            checks.append(
                (
                    f"{name}, {most}T: >= 50% of the GEMM limit",
                    ratio(most, name, "deeprecipe", "gemm-limit"),
                    0.5,
                    1.0,
                )
            )
            if most > 1:
                checks.append(
                    (
                        f"{name}: {most} threads >= 1.8x one thread",
                        _thread_speedup(records, name, most),
                        1.8,
                        None,
                    )
                )
    for m in memory:
        if m["contender"] == "deeprecipe":
            checks.append(
                (
                    "peak memory <= dataset x 1.2 + buffers",
                    m["training_bytes"] / m["budget_bytes"],
                    None,
                    None,
                )
            )
    out = []
    for label, value, goal, bound in checks:
        if value is None:
            continue  # that peer or workload was not measured in this run
        if goal is None:  # memory: value is used / budget
            verdict = "met" if value <= 1.0 else "MISSED"
            shown = f"{100 * value:.0f}% of budget"
        elif goal == "tax":
            verdict = "met" if value <= 1 + TAX_LIMIT else "MISSED"
            shown = f"{100 * (value - 1):+.1f}%"
        else:
            verdict = "met" if value >= goal else "MISSED"
            shown = f"{100 * value:.0f}%" if goal < 1 else f"{value:.2f}x"
        if isinstance(goal, float) and verdict == "MISSED" and bound is not None and bound < goal:
            verdict = "MISSED (beyond the GEMM limit)"
        out.append(
            {
                "check": label,
                "measured": shown,
                "verdict": verdict,
                "gemm_ceiling": None
                if bound is None or not isinstance(goal, float) or goal < 1
                else f"{bound:.2f}x",
            }
        )
    return out


def _thread_speedup(records: list[dict], name: str, threads: int) -> float | None:
    """deeprecipe's samples/s on ``threads`` over one thread's, the median of the rounds'
    paired ratios (both thread counts run in each round, as :func:`evaluation_tax` pairs)."""
    by_round: dict = {}
    for r in records:
        if r.get("workload") == name and r.get("contender") == "deeprecipe":
            if "samples_per_s" in r:
                by_round.setdefault(r.get("round"), {})[r["threads"]] = r["samples_per_s"]
    ratios = [d[threads] / d[1] for d in by_round.values() if 1 in d and threads in d]
    return float(np.median(ratios)) if ratios else None


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_training")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--threads", default="1,all", help="comma-separated thread counts; 'all' = every core"
    )
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--workloads", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS epoch")
    parser.add_argument("--quick", action="store_true", help="1 round, 1 thread, no memory")
    parser.add_argument(
        "--baseline-src",
        default=None,
        help="another deeprecipe source tree (its src/ folder) to time as "
        "'deeprecipe-baseline', e.g. an older commit's checkout",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv if argv is not None else [])
    if args.quick:
        args.rounds, args.threads, args.no_memory = 1, "1", True
    threads_list = thread_counts(args.threads)
    contenders = [c for c in args.contenders.split(",") if c]
    if args.baseline_src:
        contenders.insert(1, BASELINE)
    wanted = set(args.workloads.split(",")) if args.workloads else set(WORKLOADS)
    started = time.perf_counter()
    records: list[dict] = []
    for round_ in range(args.rounds):
        for threads in threads_list:
            for g, group in enumerate(groups()):
                shift = (round_ + g) % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    names = [
                        n
                        for n in group
                        if n in wanted
                        and applies(contender.replace(BASELINE, "deeprecipe"), WORKLOADS[n])
                    ]
                    if not names:
                        continue
                    module = "deeprecipe" if contender == BASELINE else contender
                    found = run_contender(
                        module,
                        names,
                        threads=threads,
                        pythonpath=args.baseline_src if contender == BASELINE else None,
                    )
                    for record in found:
                        record["contender"], record["round"] = contender, round_
                        if "error" in record:
                            print(
                                f"  {contender} {record['workload']}: {record['error'][:300]}",
                                file=sys.stderr,
                            )
                    records += found
                print(
                    f"[bench_training] round {round_ + 1}/{args.rounds}, {threads} thread(s), "
                    f"group {g + 1}: {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
    memory_records: list[dict] = []
    if not args.no_memory:
        for contender in ("deeprecipe", "torch", "sklearn", "course-numpy"):
            if contender in contenders:
                memory_records += run_contender(
                    contender, [MEMORY_WORKLOAD.name], threads=1, mode="memory"
                )
        print(f"[bench_training] memory: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    summaries = collect(records)
    blas_lines = {}
    for r in records:
        if "blas" in r:
            blas_lines.setdefault((r["contender"], r["threads"]), describe_blas(r))
    md = [
        "### Training throughput",
        "",
        f"{args.rounds} rounds; each round runs every contender, in rotated order, on each group "
        "of workloads, in a fresh process per contender and group. Throughput is timed over a "
        "fixed number of mini-batches (one pass over the first `timed_samples` rows, after a "
        "4-batch warm-up), not whole epochs: "
        + ", ".join(
            sorted(
                {
                    f"batch {w.batch_size}: {w.timed_samples:,} samples"
                    for w in WORKLOADS.values()
                    if not w.full_batch
                }
            )
        )
        + "; the small network: 5,000 full-batch iterations on 211 examples. "
        "deeprecipe is called as a user calls it, `fit(net, X, y, optimizer=..., epochs=..., "
        "batch_size=B)` with every other setting at its default (its per-epoch training figures "
        "included), and again with `metrics_every=0`: the tax column is what the defaults cost, "
        "the median over rounds of each round's ratio of the two (run seconds apart; negative: "
        "within noise). "
        "All contenders start from the same He initialization; torch uses `nn.Sequential`, "
        "`torch.optim.SGD`/`Adam` (weight_decay = lambda/m) and `nn.Dropout`; scikit-learn is "
        "`MLPClassifier(max_iter=1, warm_start=True)` without momentum, float32 (it has no "
        "dropout, so no regularized figures); the course baseline is the notebooks' code "
        "(float64, examples as columns); the GEMM limit is float32 1024^3 products totalling "
        "the same FLOPs (" + f"{flops_per_sample(WORKLOADS['mnist-sgd-b256'].sizes):,}"
        " FLOPs per sample for 784-256-128-10).",
        throughput_markdown(summaries, records, threads_list, contenders),
    ]
    memory_md, memory = memory_markdown(memory_records) if memory_records else ("", [])
    md.append(memory_md)
    checks = targets(summaries, records, threads_list, memory)
    md.append(
        "\n#### The issue's targets\n\nThe ceiling is the GEMM limit over the peer's median: "
        "the ratio a trainer would reach if every FLOP ran at the machine's best matrix-multiply "
        "speed. A target above its ceiling cannot be met on this machine by any implementation."
        "\n\n| check | measured | ceiling | verdict |\n|---|---|---|---|"
    )
    md += [
        f"| {c['check']} | {c['measured']} | {c['gemm_ceiling'] or ''} | {c['verdict']} |"
        for c in checks
    ]
    md.append("\n#### BLAS per contender (threadpoolctl, in the child process)\n")
    md += [f"- {c}, {t} thread(s): {line}" for (c, t), line in sorted(blas_lines.items())]
    md.append(f"\nWall time of this benchmark: {time.perf_counter() - started:.0f} s.")
    data = {
        "workloads": {n: w.to_dict() for n, w in WORKLOADS.items()},
        "summaries": [
            {"threads": t, "workload": n, "contender": c, **s}
            for (t, n, c), s in sorted(summaries.items())
            if s
        ],
        "paired_ratios": [
            {
                "threads": t,
                "workload": n,
                "peer": p,
                "ratios": paired_ratios(records, t, n, "deeprecipe", p),
            }
            for t in threads_list
            for n in WORKLOADS
            for p in contenders
            if p != "deeprecipe"
        ],
        "memory": memory,
        "targets": checks,
        "records": [
            {k: v for k, v in r.items() if k not in ("blas", "traceback")}
            for r in records + memory_records
        ],
    }
    return {"name": "training", "markdown": "\n".join(md), "data": data}


if __name__ == "__main__":
    section = main(sys.argv[1:])
    print(section["markdown"])
