"""Run every ``benchmarks/bench_*.py`` module's ``main()`` and write ``results/latest.{md,json}``.

A bench module's ``main(argv)`` may return a section, ``{"name", "markdown", "data"}``, which
goes into the combined results; one that returns nothing has simply run. A module that fails
is reported and the others still run; the exit status is then 1.

Usage: ``python -m benchmarks [--only NAME[,NAME]] [--quick] [--no-write] [--device D]``;
``--quick`` is passed to modules that accept it (one round, one thread). A partial run
(``--only``, ``--quick`` or ``--device``) prints its figures and leaves ``results/latest.*`` as
they were. ``--device cuda`` (or ``cpu``) runs only the device table, ``bench_device``:
deeprecipe's torch (and cupy) backend beside PyTorch's own loop on that device.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from benchmarks._runner import machine_description

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def bench_modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def call_main(module, quick: bool):
    main = module.main
    params = inspect.signature(main).parameters
    if not params:
        return main()
    return main(["--quick"] if quick and "quick" in inspect.getsource(module) else [])


def machine_markdown(machine: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    overrides = machine["openblas_overrides_in_parent"]
    note = f"; unset in the benchmark children: {', '.join(overrides)}" if overrides else ""
    return (
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; "
        f"Python {machine['python']}, {versions}; commit {machine['git_commit']}{note}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Each contender timed in its own process beside deeprecipe, on the same "
        "data; medians and ratios, with the machine. A full run writes results/latest.md and "
        ".json (about 11 minutes on 2 cores).",
    )
    modules = ", ".join(n.removeprefix("bench_") for n in bench_modules())
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections to run, of: {modules}"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one round, one thread: a smoke run, not figures"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the figures; leave results/latest.* as is"
    )
    parser.add_argument(
        "--device", default=None, help="only the device table, on this device (cuda, cpu)"
    )
    args = parser.parse_args(argv)
    if args.device:
        from benchmarks import bench_device

        section = bench_device.main(["--device", args.device] + (["--quick"] if args.quick else []))
        return 0 if section and "Failed:" not in section["markdown"] else 1
    names = bench_modules()
    if args.only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only.split(",")}
        names = [n for n in names if n in wanted]
    machine = machine_description()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections, failures = [], []
    for name in names:
        started = time.perf_counter()
        print(f"[benchmarks] {name} ...", file=sys.stderr)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            section = call_main(module, args.quick)
        except Exception:
            failures.append(name)
            print(f"[benchmarks] {name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - started
        print(f"[benchmarks] {name} done in {seconds:.0f} s", file=sys.stderr)
        if isinstance(section, dict) and "markdown" in section:
            sections.append({"module": name, "seconds": seconds, **section})
    markdown = (
        "\n\n".join(
            [f"## Benchmarks ({stamp})", machine_markdown(machine)]
            + [s["markdown"] for s in sections]
            + ([f"Failed: {', '.join(failures)}"] if failures else [])
        )
        + "\n"
    )
    print(markdown)
    if args.only or args.quick:
        print(
            "[benchmarks] partial run (--only/--quick): results/latest.* left as they were",
            file=sys.stderr,
        )
    elif not args.no_write:
        write_atomically(RESULTS / "latest.md", markdown)
        payload = {
            "date": stamp,
            "machine": machine,
            "failed": failures,
            "sections": {
                s["name"]: {"module": s["module"], "seconds": s["seconds"], "data": s.get("data")}
                for s in sections
            },
        }
        write_atomically(RESULTS / "latest.json", json.dumps(payload, indent=1, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
