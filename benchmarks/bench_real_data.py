"""``deeprecipe run`` with defaults on real data it was never tuned to, beside reference models.

Eight sets that ship offline: scikit-learn's breast cancer, digits, wine and diabetes; the
course's ``data.mat`` (its ``Xval`` is the test set) and cat images (``../shared/datasets/dls``,
the training and test files as the course gives them);
``palmerpenguins`` (species from a CSV with text columns and missing values, and the same
without its incomplete rows); and statsmodels' ``fair`` (hours of affairs, a noisy 6,366-row
regression). Each is split once, with a fixed seed,
60/20/20 into train/dev/test files (stratified for classes), and ``deeprecipe run --data train
--dev-data dev --test-data test --json`` runs on them with nothing else set, in its own
process, timed. The course's sets come as their own training and test files, with no dev file:
``run`` chooses the dev set as a user's run would (half of the test file when the test labels
are distributed differently, the lecture's rule; else a share of the training file), and the
peers are scored on the same rows.

The peers are fitted here on exactly the same training file (standardized with the training
mean and spread, text columns one-hot, missing values the training median): the majority class
or training mean, a linear model (logistic regression with C by 3-fold CV, ridge with alpha by
leave-one-out) and histogram gradient boosting, all scored once on the same test file. The
target: within noise of the best reference (1.96 binomial standard errors of its test error
for rates; 5% for MSE), never worse than trivial, and the cat images at >= 0.72 accuracy.

Usage: ``python -m benchmarks.bench_real_data [--only NAME,...] [--timeout S] [--no-write]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks._runner import ROOT, child_env, machine_description
from deeprecipe.defaults import RUN_BUDGET

RESULTS = Path(__file__).resolve().parent / "results"
DLS = ROOT.parent / "shared" / "datasets" / "dls"
SEED = 0
#: the target's tolerance for MSE: 5% above the best reference
MSE_TOLERANCE = 0.05


# -- the data sets: each returns (task, frames or arrays for train/dev/test, target column) ---


def _split_rows(n, y=None, *, seed=SEED, dev=0.2, test=0.2):
    """Index arrays for a fixed 60/20/20 split (stratified when ``y`` holds classes)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(n)
    rest, test_rows = train_test_split(rows, test_size=test, random_state=seed, stratify=y)
    y_rest = None if y is None else y[rest]
    train_rows, dev_rows = train_test_split(
        rest, test_size=dev / (1 - test), random_state=seed, stratify=y_rest
    )
    return train_rows, dev_rows, test_rows


def _sklearn_set(loader, task):
    bunch = loader()
    X, y = np.asarray(bunch.data, float), np.asarray(bunch.target)
    parts = _split_rows(len(X), y if task != "regression" else None)
    return task, [(X[r], y[r]) for r in parts]


def _own_test(X, y, X_test, y_test):
    """A course set: its training file and its test file, as a user passes them (``--data``
    and ``--test-data``, no dev file): deeprecipe decides where dev comes from."""
    return "binary", [(X, y), None, (X_test, y_test)]


def _as_the_run_splits(task: str, parts):
    """The train/dev/test arrays ``deeprecipe run`` makes of a training and a test file with no
    dev file, through the same public functions and seed: dev is half of the test file when
    its labels differ from the training file's (:func:`deeprecipe.data.shift.dev_from_test`),
    else a share of the training file (:func:`deeprecipe.data.split`)."""
    from deeprecipe.data import split
    from deeprecipe.data.shift import dev_from_test

    (X, y), _, (X_test, y_test) = parts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        drawn = dev_from_test(y, X_test, y_test, regression=task == "regression", seed=SEED)
        if drawn is not None:
            return [(X, y), (drawn.X_dev, drawn.y_dev), (drawn.X_test, drawn.y_test)]
        a = split(X, y, test=0, seed=SEED).apply(X, y)
    return [(a.X_train, a.y_train), (a.X_dev, a.y_dev), (X_test, y_test)]


def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return _sklearn_set(load_breast_cancer, "binary")


def digits():
    from sklearn.datasets import load_digits

    return _sklearn_set(load_digits, "multiclass")


def wine():
    from sklearn.datasets import load_wine

    return _sklearn_set(load_wine, "multiclass")


def diabetes():
    from sklearn.datasets import load_diabetes

    return _sklearn_set(load_diabetes, "regression")


def course_football():
    from deeprecipe.data import load_course_football

    return _own_test(*load_course_football(DLS / "data.mat"))


def cat_images():
    import h5py

    def read(name, prefix):
        with h5py.File(DLS / name, "r") as f:
            X = np.asarray(f[f"{prefix}_set_x"], dtype=np.float64)
            return X.reshape(len(X), -1), np.asarray(f[f"{prefix}_set_y"], dtype=np.int64)

    return _own_test(*read("train_catvnoncat.h5", "train"), *read("test_catvnoncat.h5", "test"))


def penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins()
    y = frame["species"].to_numpy()
    parts = _split_rows(len(frame), y)
    return "multiclass", [frame.iloc[r] for r in parts], "species"


def penguins_complete():
    """The same penguins without the 11 rows that miss a value: the recipe itself, while the
    CSV loader refuses missing values."""
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna().reset_index(drop=True)
    y = frame["species"].to_numpy()
    parts = _split_rows(len(frame), y)
    return "multiclass", [frame.iloc[r] for r in parts], "species"


def fair():
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data
    parts = _split_rows(len(frame))
    return "regression", [frame.iloc[r] for r in parts], "affairs"


DATASETS = {
    "breast_cancer": breast_cancer,
    "digits": digits,
    "wine": wine,
    "diabetes": diabetes,
    "course_football": course_football,
    "cat_images": cat_images,
    "penguins": penguins,
    "penguins_complete": penguins_complete,
    "fair": fair,
}


# -- files for the CLI, arrays for the references ----------------------------------------------


def _write_parts(folder: Path, loaded) -> tuple[str, list[Path], str | None, list[tuple]]:
    """Write train/dev/test files; return the task, paths, target column and the arrays the
    references see (``(X, y)`` per part, encoded from the training part only)."""
    task, parts, *rest = loaded
    target = rest[0] if rest else None
    paths = []
    if target is None:  # arrays: .npz; no dev file: the run chooses its dev set
        for name, part in zip(("train", "dev", "test"), parts):
            path = None if part is None else folder / f"{name}.npz"
            if part is not None:
                np.savez(path, X=part[0], y=part[1])
            paths.append(path)
        return task, paths, None, parts if parts[1] is not None else _as_the_run_splits(task, parts)
    for name, frame in zip(("train", "dev", "test"), parts):
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return task, paths, target, _encode_frames(parts, target)


def _encode_frames(frames, target):
    """One-hot text columns and the training median for missing numbers (training part only);
    rows with a missing target are dropped, as no model can be scored on them."""
    import pandas as pd

    train = frames[0].dropna(subset=[target])
    features = [c for c in train.columns if c != target]
    text = [c for c in features if not pd.api.types.is_numeric_dtype(train[c])]
    medians = train[features].median(numeric_only=True)
    levels = {c: sorted(train[c].dropna().unique()) for c in text}
    out = []
    for frame in frames:
        frame = frame.dropna(subset=[target])
        X = frame[features].fillna(medians)
        for c in text:
            for level in levels[c]:
                X[f"{c}={level}"] = (frame[c] == level).astype(float)
            X = X.drop(columns=c)
        out.append((X.to_numpy(dtype=float), frame[target].to_numpy()))
    return out


def references(task: str, parts) -> dict[str, dict]:
    """The three peers fitted on the training part, scored on test (and dev)."""
    from deeprecipe.diagnose.references import (
        REFERENCE_KINDS,
        ReferenceData,
        fit_reference,
        reference_error,
    )

    (X_train, y_train), (X_dev, y_dev), (X_test, y_test) = parts
    regression = task == "regression"
    if not regression:
        classes = np.unique(y_train)
        y_train, y_dev, y_test = (np.searchsorted(classes, y) for y in (y_train, y_dev, y_test))
    mean, spread = X_train.mean(0), X_train.std(0)
    spread[spread == 0] = 1.0
    Z = [(X - mean) / spread for X in (X_train, X_dev, X_test)]
    data = ReferenceData(Z[0], y_train, Z[1], y_dev, regression=regression, seed=SEED)
    out = {}
    for kind in REFERENCE_KINDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result, model = fit_reference(kind, data)
        test = reference_error(model, Z[2], y_test, regression=regression)
        out[kind] = {"dev": result["dev_error"], "test": test, "seconds": result["seconds"]}
    return out


def run_deeprecipe(folder: Path, paths, target, timeout: float) -> dict:
    out = folder / "run"
    command = [str(Path(sys.executable).with_name("deeprecipe")), "run", "--data", str(paths[0]),
               "--test-data", str(paths[2]), "--out", str(out), "--json"]  # fmt: skip
    if paths[1] is not None:
        command += ["--dev-data", str(paths[1])]
    if target:
        command += ["--target", target]
    start = time.perf_counter()
    # its own process group: on a timeout the run's worker processes end with it
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=child_env(1), cwd=folder, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
        return {"error": f"still running after {timeout:.0f} s", "seconds": timeout}
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-300:], "seconds": seconds}
    result = json.loads(done.stdout)
    final = result["errors"]["final"]
    return {"test": final["test"], "dev": final["dev"], "train": final["train"],
            "seconds": seconds, "json": result}  # fmt: skip


def verdict(task: str, test: float | None, refs: dict, n_test: int) -> str:
    if test is None:
        return "no result"
    best_kind = min(refs, key=lambda k: refs[k]["test"])
    best = refs[best_kind]["test"]
    words = []
    if test > refs["trivial"]["test"]:
        words.append("WORSE THAN TRIVIAL")
    if task == "regression":
        if test > best * (1 + MSE_TOLERANCE):
            words.append(f"{test / best - 1:.0%} above {best_kind}")
    else:
        se = math.sqrt(max(best * (1 - best), 1.0 / n_test) / n_test)
        gap = (test - best) / se
        if gap > 1.96:
            words.append(f"{gap:.1f} SE above {best_kind}")
    return "; ".join(words) or "within noise of the best"


def _cell(task: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if task == "regression" else f"{value:.1%}"


def measure(names: list[str], timeout: float) -> list[dict]:
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            folder = Path(tmp)
            task, paths, target, parts = _write_parts(folder, DATASETS[name]())
            refs = references(task, parts)
            run = run_deeprecipe(folder, paths, target, timeout)
        n = [len(p[1]) for p in parts]
        row = {"dataset": name, "task": task, "n_train": n[0], "n_dev": n[1], "n_test": n[2],
               "deeprecipe": {k: v for k, v in run.items() if k != "json"}, "references": refs,
               "verdict": verdict(task, run.get("test"), refs, n[2])}  # fmt: skip
        if "json" in run:
            j = run["json"]
            row["final_network"] = (j.get("final") or {}).get("hidden")
            row["guards"] = [g["message"] for g in j.get("guards") or []]
            row["trainings"] = j.get("trainings")
        rows.append(row)
        print(f"[bench_real_data] {name}: {row['verdict']} ({run.get('seconds', 0):.0f} s)",
              file=sys.stderr)  # fmt: skip
    return rows


def to_markdown(rows: list[dict], timeout: float) -> str:
    lines = [
        "### deeprecipe run (defaults) on real data, beside reference models",
        "",
        "Test error (rate for classes, MSE for regression) on a fixed 60/20/20 split (the course's "
        "sets: their own training and test files, the dev set chosen by `run`); references fitted "
        "on the same training rows and scored on the same test rows. Wall time of the whole "
        f"`deeprecipe run` process, whose default budget is {RUN_BUDGET} (timeout "
        f"{timeout:.0f} s).",
        "",
        "| data | task | train/dev/test | deeprecipe | trivial | linear | boosting | run time | "
        "verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t, run, refs = r["task"], r["deeprecipe"], r["references"]
        mine = _cell(t, run.get("test")) if "error" not in run else "error: " + run["error"][:60]
        lines.append(
            f"| {r['dataset']} | {t} | {r['n_train']}/{r['n_dev']}/{r['n_test']} | {mine} | "
            + " | ".join(_cell(t, refs[k]["test"]) for k in ("trivial", "linear", "boosting"))
            + f" | {run.get('seconds', 0):.0f} s | {r['verdict']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_real_data")
    parser.add_argument("--only", default="", help="comma-separated data set names")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="the three smallest sets")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args([] if argv is None else argv)
    names = list(DATASETS)
    if args.quick:
        names = ["wine", "course_football", "diabetes"]
    if args.only:
        names = [n for n in args.only.split(",") if n in DATASETS]
    rows = measure(names, args.timeout)
    markdown = to_markdown(rows, args.timeout)
    data = {"seed": SEED, "timeout": args.timeout, "rows": rows}
    if not args.no_write and not args.quick and not args.only:
        from deeprecipe._files import atomic_write_text

        atomic_write_text(RESULTS / "bench_real_data.md", markdown + "\n")
        atomic_write_text(RESULTS / "bench_real_data.json",
                          json.dumps({"machine": machine_description(), **data}, indent=1,
                                     default=str))  # fmt: skip
    print(markdown)
    return {"name": "real_data", "markdown": markdown, "data": data}


if __name__ == "__main__":
    main(sys.argv[1:])
