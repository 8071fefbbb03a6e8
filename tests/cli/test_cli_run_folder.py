"""An ``--out`` folder belongs to one run: another run is refused (unless --overwrite), the same
run resumes and says so, and results.json is written last, as the folder's commit marker."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

import deeprecipe._files
from deeprecipe import DeepRecipeError
from deeprecipe.cli._run_folder import CLAIM_FILE, OUTPUTS

TINY = ["--dataset", "moons", "--budget", "3", "--epochs", "20", "--jobs", "1", "--seed", "3"]
TRAIN = ["train", "--dataset", "moons", "--layers", "4", "--epochs", "5", "--seed", "1"]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _trial_keys(folder: Path) -> set[str]:
    return set(json.loads((folder / "trials" / "trials.json").read_text())["trials"])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from deeprecipe.cli import cli

    out = tmp_path_factory.mktemp("owned") / "run"
    result = CliRunner().invoke(cli, ["run", *TINY, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "resuming" not in result.stderr  # a new folder: nothing to resume
    return out


# ----------------------------------------------------------------- another run is refused
@pytest.mark.parametrize(
    ("other", "needles"),
    [
        (["--layers", "5"], ["--layers is [20, 3], this one's [5]"]),
        (["--seed", "4"], ["--seed"]),
        (["--dataset", "circles"], ["other data"]),
        (["--dev", "0.3"], ["other data"]),
    ],
    ids=["options", "seed", "data", "split"],
)
def test_a_different_run_is_refused_in_a_foreign_out(finished_run, invoke, other, needles):
    before = _snapshot(finished_run)
    args = [*TINY, *other]
    if "--seed" in other:
        args = [*TINY[:-2], *other]
    if "--dataset" in other:
        args = [*TINY[2:], *other]
    result = invoke("run", *args, "--out", finished_run)
    _one_line_error(result, f"--out {finished_run} holds another run", "--overwrite", *needles)
    assert _snapshot(finished_run) == before  # not one file touched


def test_train_refuses_a_run_folder_and_another_training(finished_run, invoke, tmp_path):
    before = _snapshot(finished_run)
    result = invoke(*TRAIN, "--out", finished_run)
    _one_line_error(result, "holds the output of 'deeprecipe run'", "--overwrite")
    assert _snapshot(finished_run) == before
    assert invoke(*TRAIN, "--checkpoint-every", "5", "--out", tmp_path).exit_code == 0
    result = invoke(*TRAIN[:-4], "--layers", "6", "--seed", "1", "--out", tmp_path)
    _one_line_error(result, "holds another train", "--layers is [4], this one's [6]")
    assert invoke(*TRAIN, "--epochs", "9", "--out", tmp_path).exit_code == 0  # the same: fine


def test_outputs_without_an_owner_are_refused_a_users_folder_is_not(invoke, tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "model.safetensors").write_bytes(b"an older deeprecipe's model")
    _one_line_error(invoke(*TRAIN, "--out", legacy), "model.safetensors", "name no run")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("the user's")
    assert invoke(*TRAIN, "--out", mine).exit_code == 0
    assert (mine / "notes.txt").read_text() == "the user's"
    assert (mine / CLAIM_FILE).exists() and (mine / "results.json").exists()


def test_overwrite_replaces_another_runs_files_and_nothing_else(finished_run, invoke, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished_run, out)
    earlier_keys = _trial_keys(out)
    earlier_images = json.loads((out / "results.json").read_text())["report_images"]
    (out / "notes.txt").write_text("the user's")
    (out / "checkpoint.safetensors").write_bytes(b"another training's checkpoint")
    result = invoke(*TRAIN, "--out", out, "--overwrite")
    assert result.exit_code == 0, result.stderr
    left = {p.name for p in out.iterdir()}
    assert left == {CLAIM_FILE, "model.safetensors", "results.json", "cost_curves.png",
                    "split.json", "notes.txt"}, left  # fmt: skip
    assert json.loads((out / CLAIM_FILE).read_text())["command"] == "train"
    gone = set(earlier_images) - {"cost_curves.png"}  # train writes its own cost_curves.png
    assert gone and not any((out / name).exists() for name in gone)
    # and back: a run with --overwrite starts afresh, reusing none of the earlier trials
    again = invoke.json("run", *TINY, "--out", out, "--overwrite")
    assert again["trainings"]["reused"] == 0 and _trial_keys(out) <= earlier_keys
    assert json.loads((out / CLAIM_FILE).read_text())["command"] == "run"
    assert (out / "notes.txt").exists()


def test_resume_and_overwrite_together_are_refused(invoke, tmp_path):
    result = invoke(*TRAIN, "--out", tmp_path, "--resume", "--overwrite")
    _one_line_error(result, "--resume", "--overwrite")


def test_outputs_names_every_file_train_and_run_write():
    from deeprecipe.cli._training import MODEL_FILE, SPLIT_FILE
    from deeprecipe.cli.run import TRIALS_FOLDER
    from deeprecipe.cli.train import CHECKPOINT_FILE, CHECKPOINT_SETTINGS_FILE
    from deeprecipe.report.writer import REPORT_FILE, RESULTS_FILE

    names = (MODEL_FILE, TRIALS_FOLDER, CHECKPOINT_FILE, CHECKPOINT_SETTINGS_FILE, REPORT_FILE,
             RESULTS_FILE, SPLIT_FILE, "cost_curves.png")  # fmt: skip
    assert set(names) <= set(OUTPUTS)


# ----------------------------------------------------------------- the same run resumes
def test_an_interrupted_run_resumes_and_says_how_far_it_got(invoke, tmp_path, monkeypatch):
    from deeprecipe.progress import ProgressView as RecipeProgress  # run's display

    out = tmp_path / "run"
    calls = {"done": 0}
    original = RecipeProgress.__call__

    def interrupt_after_two(self, event):
        original(self, event)
        if event["event"] == "trial_done":
            calls["done"] += 1
            if calls["done"] == 2:
                raise KeyboardInterrupt  # Ctrl-C after the second training

    monkeypatch.setattr(RecipeProgress, "__call__", interrupt_after_two)
    first = invoke("run", *TINY, "--out", out)
    assert first.exit_code == 130, first.stderr
    assert (out / CLAIM_FILE).exists() and not (out / "results.json").exists()  # incomplete
    monkeypatch.setattr(RecipeProgress, "__call__", original)
    second = invoke("run", *TINY, "--out", out)
    assert second.exit_code == 0, second.stderr
    assert "resuming: 2 of 3 trainings already done" in second.stderr.splitlines()
    assert (out / "results.json").exists()
    again = invoke.json("run", *TINY, "--out", out)  # --json: the note stays off stdout
    assert again["trainings"]["reused"] == again["trainings"]["total"] == 3


def test_a_finished_run_rerun_says_so_and_a_new_budget_counts(finished_run, invoke):
    n = len(_trial_keys(finished_run))
    again = invoke("run", *TINY, "--out", finished_run)
    assert again.exit_code == 0
    assert f"resuming: {n} of 3 trainings already done" in again.stderr
    more = [*TINY[:2], "--budget", "5", *TINY[4:]]  # a larger budget: the same run, continued
    again = invoke("run", *more, "--out", finished_run)
    assert again.exit_code == 0 and f"resuming: {n} of 5 trainings already done" in again.stderr


# ----------------------------------------------------------------- write errors
def _full_disk_on(monkeypatch, name: str) -> None:
    """Creating ``name`` (its temporary file) fails as on a full disk: ENOSPC, no file named."""
    real = deeprecipe._files.tempfile.mkstemp

    def mkstemp(*args, prefix="", **kwargs):
        if prefix.startswith(f".{name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(deeprecipe._files.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("failing", ["model.safetensors", "report.html", "results.json"])
def test_a_run_that_cannot_write_names_the_file_and_leaves_no_commit(
    finished_run, invoke, tmp_path, monkeypatch, failing
):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)  # complete; then rerun
    _full_disk_on(monkeypatch, failing)
    result = invoke("run", *TINY, "--out", out, "--quiet")
    line = _one_line_error(result, str(out / failing), "No space left on device", "incomplete")
    assert "unexpected" not in line
    assert not (out / "results.json").exists()  # the earlier commit is withdrawn
    assert not [p for p in out.rglob("*.tmp")]  # no temporary file left behind
    monkeypatch.undo()
    assert invoke("run", *TINY, "--out", out).exit_code == 0  # room again: it completes
    assert (out / "results.json").exists()


def test_a_training_that_cannot_write_names_the_file(invoke, tmp_path, monkeypatch):
    _full_disk_on(monkeypatch, "cost_curves.png")
    result = invoke(*TRAIN, "--out", tmp_path, "--quiet")
    _one_line_error(result, str(tmp_path / "cost_curves.png"), "No space left", "incomplete")
    assert (tmp_path / "model.safetensors").exists() and not (tmp_path / "results.json").exists()


@pytest.mark.parametrize("command", ["run", "train"])
def test_results_json_is_the_last_file_written(invoke, tmp_path, monkeypatch, command):
    written = []
    real = deeprecipe._files.os.replace

    def replace(src, dst, *args, **kwargs):
        written.append(Path(dst).name)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(deeprecipe._files.os, "replace", replace)
    args = ["run", *TINY] if command == "run" else TRAIN
    assert invoke(*args, "--out", tmp_path).exit_code == 0
    assert written[-1] == "results.json" and written.count("results.json") == 1
    assert {"model.safetensors", CLAIM_FILE} <= set(written[:-1])


def test_committing_withdraws_the_commit_and_the_earlier_reports_extra_images(tmp_path):
    """The earlier results.json goes before anything is written (its report's images are
    read first); once the new one is written, images only the earlier report had go too."""
    from deeprecipe.cli._data import prepare
    from deeprecipe.cli._run_folder import RunFolder

    data = prepare(dataset="moons", data_file=None, target=None)
    owner = RunFolder(tmp_path, "run", data, {})
    for name in ("a.png", "b.png", "mine.png"):
        (tmp_path / name).write_bytes(b"png")
    (tmp_path / "results.json").write_text(json.dumps({"report_images": ["a.png", "b.png"]}))
    with owner.committing():
        assert not (tmp_path / "results.json").exists()  # incomplete while writing
        (tmp_path / "results.json").write_text(json.dumps({"report_images": ["a.png"]}))
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["a.png", "mine.png"]
    with pytest.raises(DeepRecipeError, match="cannot write .*x.png: No space left"):
        with owner.committing():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x.png"))
    assert not (tmp_path / "results.json").exists() and (tmp_path / "a.png").exists()


def test_the_data_fingerprint_follows_the_split_and_takes_an_empty_test_set():
    from deeprecipe.cli._data import prepare
    from deeprecipe.cli._run_folder import data_fingerprint

    def fingerprint(**kwargs) -> str:
        return data_fingerprint(prepare(dataset="moons", data_file=None, target=None, **kwargs))

    assert fingerprint(seed=0) == fingerprint(seed=0)
    assert fingerprint(seed=0) != fingerprint(seed=1)
    assert fingerprint(test_size=0) != fingerprint()  # no test set at all: still a fingerprint


def test_a_claim_left_by_a_run_stopped_before_it_kept_anything_is_free(invoke, tmp_path):
    """A new-user trial: Ctrl-C in a run's first seconds left deeprecipe-run.json alone, and
    the folder refused a rerun with another --seed as 'another run'."""
    folder = tmp_path / "stopped"
    folder.mkdir()
    claim = {"format": "deeprecipe.run-folder", "version": 1, "command": "train", "data": "x"}
    (folder / CLAIM_FILE).write_text(json.dumps(claim | {"options": {}}))
    assert invoke(*TRAIN, "--seed", "3", "--out", folder).exit_code == 0
    assert (folder / "results.json").exists()
    owner = json.loads((folder / CLAIM_FILE).read_text())
    assert owner["options"] and owner["data"] != "x"
