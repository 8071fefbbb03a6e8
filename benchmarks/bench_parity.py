"""Accuracy parity: deeprecipe and PyTorch, same network, initialization, data and budget.

This is a race between equals, not a shortcut: both train 784-256-128-10 from the same He
initialization on the same synthetic data for the same epochs, and must reach the same test
accuracy within the seed-to-seed noise (the seeds drive shuffling and dropout, which the two
libraries draw from different generators).
"""

from __future__ import annotations

import statistics
import sys

from benchmarks._runner import run_contender
from benchmarks.contenders._common import PARITY_EPOCHS, PARITY_TEST_ROWS, PARITY_TRAIN_ROWS

WORKLOADS = ("mnist-adam-b256", "mnist-sgd-b32-l2-dropout")
SEEDS = (0, 1, 2, 3, 4)


def verdict(ours: list[float], theirs: list[float]) -> tuple[float, float, bool]:
    """Difference of mean accuracies, the noise it is judged against, and whether it is within.

    Noise is twice the standard error of the difference from the seed-to-seed spread, and at
    least one percentage point (a handful of seeds gives a rough spread).
    """
    diff = statistics.mean(ours) - statistics.mean(theirs)
    spread = statistics.variance(ours) / len(ours) + statistics.variance(theirs) / len(theirs)
    noise = max(2 * spread**0.5, 0.01)
    return diff, noise, abs(diff) <= noise


def main(argv: list[str] | None = None) -> dict:
    accuracies: dict = {}
    for seed in SEEDS:
        for contender in ("deeprecipe", "torch") if seed % 2 == 0 else ("torch", "deeprecipe"):
            for record in run_contender(
                contender, list(WORKLOADS), threads=1, mode="parity", seed=seed
            ):
                if "error" in record:
                    print(
                        f"  {contender} {record['workload']}: {record['error'][:300]}",
                        file=sys.stderr,
                    )
                    continue
                accuracies.setdefault((record["workload"], contender), []).append(
                    record["accuracy"]
                )
    lines = [
        "### Accuracy parity with PyTorch",
        "",
        f"{PARITY_TRAIN_ROWS:,} training and {PARITY_TEST_ROWS:,} test rows of the synthetic "
        f"data, {PARITY_EPOCHS} epochs, seeds {', '.join(map(str, SEEDS))}; test accuracy "
        "mean (min-max).",
        "",
        "| workload | deeprecipe | torch | difference | noise | verdict |",
        "|---|---|---|---|---|---|",
    ]
    data = []
    for workload in WORKLOADS:
        ours = accuracies.get((workload, "deeprecipe"), [])
        theirs = accuracies.get((workload, "torch"), [])
        if len(ours) < 2 or len(theirs) < 2:
            lines.append(f"| {workload} | n/a | n/a | | | not measured |")
            continue
        diff, noise, ok = verdict(ours, theirs)
        lines.append(
            f"| {workload} | {statistics.mean(ours):.4f} ({min(ours):.4f}-{max(ours):.4f}) | "
            f"{statistics.mean(theirs):.4f} ({min(theirs):.4f}-{max(theirs):.4f}) | "
            f"{diff:+.4f} | {noise:.4f} | {'same within noise' if ok else 'DIFFERENT'} |"
        )
        data.append(
            {
                "workload": workload,
                "deeprecipe": ours,
                "torch": theirs,
                "difference": diff,
                "noise": noise,
                "within_noise": ok,
            }
        )
    return {"name": "parity", "markdown": "\n".join(lines), "data": data}


if __name__ == "__main__":
    print(main(sys.argv[1:])["markdown"])
