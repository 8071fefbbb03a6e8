"""Run contenders in child processes with a pinned thread count, and summarize their figures.

Each child gets its own environment: ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` (and the rest of the usual family) set to the thread count, and
``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` removed together (they are set on some hosts to work
around old OpenBLAS builds and would slow the current one down; tests and CI keep them). The
child records the BLAS kernel it actually ran with threadpoolctl.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
#: removed together from the children's environment, never from the parent's
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

CONTENDER_MODULES = {
    "deeprecipe": "benchmarks.contenders.deeprecipe_mlp",
    "torch": "benchmarks.contenders.torch_mlp",
    "sklearn": "benchmarks.contenders.sklearn_mlp",
    "course-numpy": "benchmarks.contenders.course_numpy",
    "gemm-limit": "benchmarks.contenders.gemm_limit",
}


def child_env(threads: int, pythonpath: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    # an alternative deeprecipe source tree (--baseline-src) comes before the installed one
    paths = ([pythonpath] if pythonpath else []) + [str(ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run_contender(
    contender: str,
    workloads: list[str],
    *,
    threads: int,
    mode: str = "throughput",
    seed: int = 0,
    pythonpath: str | None = None,
    timeout: float = 600,
    extra: tuple[str, ...] = (),
) -> list[dict]:
    """Run one contender process over ``workloads``; one record per workload, errors included.
    ``extra`` arguments go to the contender (``--device cuda``, ``--backend torch``)."""
    name, _, variant = contender.partition("@")
    module = CONTENDER_MODULES[name]
    command = [
        sys.executable,
        "-m",
        module,
        "--workloads",
        ",".join(workloads),
        "--threads",
        str(threads),
        "--mode",
        mode,
        "--seed",
        str(seed),
        *extra,
    ]
    if variant:  # NAME@VARIANT: the same contender called another way (e.g. deeprecipe@no-metrics)
        command += ["--variant", variant]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=child_env(threads, pythonpath),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return [
            {
                "contender": contender,
                "workload": w,
                "threads": threads,
                "mode": mode,
                "error": f"timed out after {timeout:.0f} s",
            }
            for w in workloads
        ]
    records = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            record["contender"] = contender
            records.append(record)
    if not records:
        tail = (done.stderr or done.stdout)[-1500:]
        return [
            {
                "contender": contender,
                "workload": w,
                "threads": threads,
                "mode": mode,
                "error": f"exit {done.returncode}: {tail}",
            }
            for w in workloads
        ]
    return records


def summarize(values: list[float]) -> dict | None:
    """Median, min and max of the rounds' figures (None when nothing was measured)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "values": values,
    }


def median_cell(summary: dict | None, digits: int = 3) -> str:
    """A table cell ``median (min-max)`` from :func:`summarize`; ``n/a`` when nothing ran."""
    if summary is None:
        return "n/a"
    median, low, high = (f"{summary[k]:.{digits}f}" for k in ("median", "min", "max"))
    return f"{median} ({low}-{high})"


def machine_description() -> dict:
    """CPU model, cores, memory and library versions of this machine."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for name in ("numpy", "torch", "sklearn", "threadpoolctl"):
        try:
            from importlib.metadata import version

            versions[name] = version("scikit-learn" if name == "sklearn" else name)
        except Exception:
            versions[name] = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "versions": versions,
        "git_commit": commit,
        "openblas_overrides_in_parent": {
            name: os.environ.get(name) for name in OPENBLAS_OVERRIDES if name in os.environ
        },
    }


def describe_blas(record: dict) -> str:
    """One line naming the BLAS a child ran: library, version, kernel, threads."""
    parts = []
    for pool in record.get("blas", []):
        if pool.get("user_api") == "blas":
            parts.append(
                f"{pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture')} kernel, {pool.get('num_threads')} threads)"
            )
    if record.get("torch_blas"):
        parts.append(f"torch: {record['torch_blas']}")
    return "; ".join(parts) or "?"
