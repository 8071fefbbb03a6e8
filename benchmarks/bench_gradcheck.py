"""Gradient checking: deeprecipe's full check against the course's loop and PyTorch's gradcheck.

Workloads (float64, ReLU hidden layers, softmax cross-entropy, He-initialized from one seed,
standard-normal inputs, random labels):

* ``small``: a 64-64-32-10 network (6,570 parameters) on 64 examples. Contenders:
  ``course-loop``, the Gradient Checking assignment's ``gradient_check_n`` written the course's
  way (columns are examples, a copy of theta and a dictionary per perturbation, one whole
  forward pass per J evaluation); ``deeprecipe`` (``gradcheck``, full mode: every entry, with
  the per-tensor report); ``torch-gradcheck`` (``torch.autograd.gradcheck`` on the same cost as
  a function of the six parameter tensors, defaults) and ``torch-gradcheck-fast`` (the same with
  ``fast_mode=True``: one random projection, which cannot say which parameter is wrong).
* ``large``: a 784-256-128-10 network (235,146 parameters) on 64 examples, too big for a full
  check: ``deeprecipe-sampled`` (64 entries per tensor), ``deeprecipe-directional`` (4 random
  +-1 directions per tensor) and ``torch-gradcheck-fast``.

Each contender runs in its own child process (NumPy's and PyTorch's thread pools slow each
other down when they share one) with a pinned thread count; contenders alternate in a rotated
order every round, and each child times ``--repeats`` checks after one warm-up. The table gives
medians (min-max) and the ratio of the course loop's median to each contender's, per workload;
the per-round ratios show the machine's drift.

Run ``python -m benchmarks.bench_gradcheck [--rounds 3] [--repeats 2] [--threads 1[,2]] [--quick]``;
it writes ``benchmarks/results/bench_gradcheck.{md,json}`` and returns its section to
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

RESULTS = Path(__file__).resolve().parent / "results"
WORKLOADS = {
    "small": {"sizes": [64, 64, 32, 10], "m": 64},
    "large": {"sizes": [784, 256, 128, 10], "m": 64},
}
CONTENDERS = {
    "small": ("course-loop", "deeprecipe", "torch-gradcheck", "torch-gradcheck-fast"),
    "large": ("deeprecipe-sampled", "deeprecipe-directional", "torch-gradcheck-fast"),
}
BASELINE = {"small": "course-loop", "large": "torch-gradcheck-fast"}
EPS = 1e-7
SEED = 0


# ----------------------------------------------------------------- shared problem
def problem(workload: str):
    """He-initialized weights ``[(W (n_in, n_out), b (n_out,)), ...]``, X ``(m, n_x)``, labels."""
    import numpy as np

    spec = WORKLOADS[workload]
    rng = np.random.default_rng(SEED)
    sizes = spec["sizes"]
    params = [
        (rng.standard_normal((a, b)) * np.sqrt(2.0 / a), rng.standard_normal(b) * 0.1)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    X = rng.standard_normal((spec["m"], sizes[0]))
    y = rng.integers(0, sizes[-1], spec["m"])
    return params, X, y


# ----------------------------------------------------------------- the course's loop
def course_gradient_check(params, X, y, epsilon=EPS):
    """``gradient_check_n`` as the assignment writes it, for a 3-layer softmax network."""
    import numpy as np

    parameters = {}
    for l, (W, b) in enumerate(params, start=1):
        parameters["W" + str(l)] = W.T.copy()
        parameters["b" + str(l)] = b.reshape(-1, 1).copy()
    X_c = X.T
    Y = np.eye(params[-1][0].shape[1])[y].T  # one-hot columns
    keys = ["W1", "b1", "W2", "b2", "W3", "b3"]
    shapes = {k: parameters[k].shape for k in keys}

    def dictionary_to_vector(parameters):
        return np.concatenate([parameters[k].reshape(-1, 1) for k in keys], axis=0)

    def vector_to_dictionary(theta):
        out, start = {}, 0
        for k in keys:
            size = int(np.prod(shapes[k]))
            out[k] = theta[start : start + size].reshape(shapes[k])
            start += size
        return out

    def forward_propagation_n(X, Y, parameters):
        m = X.shape[1]
        Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
        A1 = np.maximum(0, Z1)
        Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
        A2 = np.maximum(0, Z2)
        Z3 = np.dot(parameters["W3"], A2) + parameters["b3"]
        shifted = Z3 - Z3.max(axis=0, keepdims=True)
        A3 = np.exp(shifted) / np.sum(np.exp(shifted), axis=0, keepdims=True)
        cost = -1.0 / m * np.sum(Y * np.log(A3))
        return cost, (Z1, A1, Z2, A2, A3)

    def backward_propagation_n(X, Y, parameters, cache):
        m = X.shape[1]
        Z1, A1, Z2, A2, A3 = cache
        dZ3 = A3 - Y
        grads = {"W3": 1.0 / m * np.dot(dZ3, A2.T), "b3": 1.0 / m * dZ3.sum(axis=1, keepdims=True)}
        dZ2 = np.dot(parameters["W3"].T, dZ3) * (Z2 > 0)
        grads["W2"] = 1.0 / m * np.dot(dZ2, A1.T)
        grads["b2"] = 1.0 / m * dZ2.sum(axis=1, keepdims=True)
        dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
        grads["W1"] = 1.0 / m * np.dot(dZ1, X.T)
        grads["b1"] = 1.0 / m * dZ1.sum(axis=1, keepdims=True)
        return grads

    parameters_values = dictionary_to_vector(parameters)
    _, cache = forward_propagation_n(X_c, Y, parameters)
    grad = dictionary_to_vector(backward_propagation_n(X_c, Y, parameters, cache))
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        theta_plus = np.copy(parameters_values)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus[i], _ = forward_propagation_n(X_c, Y, vector_to_dictionary(theta_plus))
        theta_minus = np.copy(parameters_values)
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus[i], _ = forward_propagation_n(X_c, Y, vector_to_dictionary(theta_minus))
        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return {"difference": float(numerator / denominator), "forward_passes": 2 * num_parameters}


# ----------------------------------------------------------------- the contenders
def deeprecipe_check(params, X, y, mode: str):
    import numpy as np

    from deeprecipe.check import gradcheck
    from deeprecipe.nn import Network

    sizes = [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]
    net = Network(sizes, activation="relu", loss="softmax_crossentropy", dtype=np.float64)
    net.set_weights(
        {f"{k}{l}": v for l, (W, b) in enumerate(params, 1) for k, v in (("W", W), ("b", b))}
    )
    result = gradcheck(net, X, y, eps=EPS, mode=mode, n_samples=64, n_directions=4)
    return {
        "difference": result.difference,
        "verdict": result.verdict,
        "checked": result.n_checked,
        "forward_passes": result.n_forward_passes,
        "forward_pass_equivalents": round(result.forward_pass_equivalents, 1),
    }


def torch_check(params, X, y, fast: bool):
    import torch

    tensors = []
    for W, b in params:
        tensors += [
            torch.tensor(W, dtype=torch.float64, requires_grad=True),
            torch.tensor(b, dtype=torch.float64, requires_grad=True),
        ]
    X_t = torch.tensor(X, dtype=torch.float64)
    y_t = torch.tensor(y, dtype=torch.long)

    def cost(W1, b1, W2, b2, W3, b3):
        a = torch.relu(X_t @ W1 + b1)
        a = torch.relu(a @ W2 + b2)
        return torch.nn.functional.cross_entropy(a @ W3 + b3, y_t)

    passed = torch.autograd.gradcheck(cost, tuple(tensors), fast_mode=fast, raise_exception=False)
    return {"passed": bool(passed), "checked": 1 if fast else sum(t.numel() for t in tensors)}


def worker(contender: str, workload: str, repeats: int) -> dict:
    from threadpoolctl import threadpool_info

    params, X, y = problem(workload)
    run = {
        "course-loop": lambda: course_gradient_check(params, X, y),
        "deeprecipe": lambda: deeprecipe_check(params, X, y, "full"),
        "deeprecipe-sampled": lambda: deeprecipe_check(params, X, y, "sampled"),
        "deeprecipe-directional": lambda: deeprecipe_check(params, X, y, "directional"),
        "torch-gradcheck": lambda: torch_check(params, X, y, fast=False),
        "torch-gradcheck-fast": lambda: torch_check(params, X, y, fast=True),
    }[contender]
    info = run()  # warm-up, and the figures for the table
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    record = {
        "contender": contender,
        "workload": workload,
        "seconds": seconds,
        **info,
        "blas": [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads")}
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ],
    }
    if contender.startswith("torch"):
        import torch

        record["torch_threads"] = torch.get_num_threads()
    return record


# ----------------------------------------------------------------- the parent
def run_child(contender: str, workload: str, *, repeats: int, threads: int) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_gradcheck",
        "--worker",
        contender,
        "--workload",
        workload,
        "--repeats",
        str(repeats),
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=child_env(threads), capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        return {
            "contender": contender,
            "workload": workload,
            "threads": threads,
            "error": "timed out after 900 s",
        }
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return {**json.loads(line), "threads": threads}
    tail = (done.stderr or done.stdout)[-1500:]
    return {
        "contender": contender,
        "workload": workload,
        "threads": threads,
        "error": f"exit {done.returncode}: {tail}",
    }


def measure(*, rounds: int, repeats: int, threads_list: list[int], workloads: list[str]):
    """Every round runs every contender of every workload, the order rotated each round."""
    records = []
    for round_ in range(rounds):
        for threads in threads_list:
            for workload in workloads:
                contenders = CONTENDERS[workload]
                shift = round_ % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    record = run_child(contender, workload, repeats=repeats, threads=threads)
                    records.append({**record, "round": round_})
    return records


def summarize_records(records: list[dict]) -> list[dict]:
    rows = []
    for threads, workload in sorted({(r["threads"], r["workload"]) for r in records}):
        mine = [r for r in records if r["threads"] == threads and r["workload"] == workload]
        baseline = BASELINE[workload]

        def times(contender, round_=None, mine=mine):
            return [
                t
                for r in mine
                if r["contender"] == contender
                and "error" not in r
                and (round_ is None or r["round"] == round_)
                for t in r["seconds"]
            ]

        base = summarize(times(baseline))
        for contender in CONTENDERS[workload]:
            own = summarize(times(contender))
            per_round = []
            for round_ in sorted({r["round"] for r in mine}):
                a, b = times(baseline, round_), times(contender, round_)
                if a and b:
                    per_round.append(statistics.median(a) / statistics.median(b))
            sample = next((r for r in mine if r["contender"] == contender and "error" not in r), {})
            rows.append(
                {
                    "threads": threads,
                    "workload": workload,
                    "contender": contender,
                    "seconds": own,
                    "baseline": baseline,
                    "speedup": base["median"] / own["median"] if base and own else None,
                    "speedup_per_round": per_round,
                    **{
                        k: sample.get(k)
                        for k in (
                            "difference",
                            "verdict",
                            "passed",
                            "checked",
                            "forward_passes",
                            "forward_pass_equivalents",
                        )
                    },
                    "errors": [
                        r["error"] for r in mine if r["contender"] == contender and "error" in r
                    ],
                }
            )
    return rows


def _outcome(row: dict) -> str:
    if row.get("difference") is not None:
        return f"difference {row['difference']:.2e}"
    if row.get("passed") is not None:
        return "passed" if row["passed"] else "FAILED"
    return "n/a"


def _cost(row: dict) -> str:
    if row.get("forward_pass_equivalents") is not None:
        return f"{row['forward_passes']} evals = {row['forward_pass_equivalents']} passes"
    if row.get("forward_passes") is not None:
        return f"{row['forward_passes']} passes"
    return ""


def to_markdown(rows: list[dict], *, rounds: int, repeats: int) -> str:
    lines = [
        "### Gradient checking: deeprecipe vs the course's loop and torch.autograd.gradcheck",
        "",
        f"float64, ReLU, softmax cross-entropy, eps {EPS:g} (torch: its defaults), 64 examples. "
        f"{rounds} round(s) x {repeats} timed check(s) per contender after a warm-up, each "
        "contender in its own process, order rotated every round. Seconds: median (min-max); "
        "speed-up = the baseline's median / the contender's (baseline: the course loop for "
        "`small`, torch's fast mode for `large`). Cost: J evaluations, and the work they did in "
        "whole forward passes (deeprecipe recomputes only the layers above a perturbed weight).",
        "",
        "| threads | workload | contender | seconds | speed-up | per round | checked | "
        "result | cost |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = "n/a" if r["speedup"] is None else f"{r['speedup']:.1f}x"
        per_round = ", ".join(f"{x:.1f}" for x in r["speedup_per_round"])
        size = "x".join(map(str, WORKLOADS[r["workload"]]["sizes"]))
        lines.append(
            f"| {r['threads']} | {r['workload']} ({size}) | {r['contender']} | "
            f"{median_cell(r['seconds'])} | {ratio} | {per_round} | {r.get('checked') or 'n/a'} | "
            f"{_outcome(r)} | {_cost(r)} |"
        )
        for error in r["errors"]:
            lines.append(f"\nError ({r['contender']}, {r['workload']}): {error[-300:]}")
    lines += ["", *peer_ratios(rows)]
    return "\n".join(lines)


def peer_ratios(rows: list[dict]) -> list[str]:
    """One line per (threads, workload): deeprecipe's full check against each peer."""
    out = []
    for threads, workload in sorted({(r["threads"], r["workload"]) for r in rows}):
        by_name = {
            r["contender"]: r["seconds"]
            for r in rows
            if r["threads"] == threads and r["workload"] == workload and r["seconds"]
        }
        ours = next((n for n in ("deeprecipe", "deeprecipe-sampled") if n in by_name), None)
        if ours is None:
            continue
        ratios = ", ".join(
            f"{by_name[peer]['median'] / by_name[ours]['median']:.1f}x faster than {peer}"
            if by_name[peer]["median"] >= by_name[ours]["median"]
            else f"{by_name[ours]['median'] / by_name[peer]['median']:.1f}x slower than {peer}"
            for peer in by_name
            if not peer.startswith("deeprecipe")
        )
        out.append(f"- {workload}, {threads} thread(s): {ours} is {ratios} (medians).")
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; write ``results/bench_gradcheck.{md,json}``; return the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_gradcheck")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", default="1")
    parser.add_argument("--workloads", default="small,large")
    parser.add_argument("--quick", action="store_true", help="1 round, 1 timed check")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workload", choices=tuple(WORKLOADS), help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.workload, args.repeats)))
        return {}
    if args.quick:
        args.rounds, args.repeats = 1, 1
    threads_list = [int(t) for t in args.threads.split(",")]
    workloads = [w for w in args.workloads.split(",") if w]
    records = measure(
        rounds=args.rounds, repeats=args.repeats, threads_list=threads_list, workloads=workloads
    )
    rows = summarize_records(records)
    markdown = to_markdown(rows, rounds=args.rounds, repeats=args.repeats)
    data = {
        "settings": {
            "eps": EPS,
            "seed": SEED,
            "workloads": WORKLOADS,
            "rounds": args.rounds,
            "repeats": args.repeats,
        },
        "rows": rows,
        "records": records,
    }
    if not args.no_write:
        from deeprecipe._files import atomic_write_text

        RESULTS.mkdir(parents=True, exist_ok=True)
        atomic_write_text(RESULTS / "bench_gradcheck.md", markdown + "\n")
        atomic_write_text(
            RESULTS / "bench_gradcheck.json",
            json.dumps({"machine": machine_description(), **data}, indent=1, default=str),
        )
    return {"name": "gradcheck", "markdown": markdown, "data": data}


if __name__ == "__main__":
    section = main(sys.argv[1:])
    if section:
        print(section["markdown"])
