"""Whose an ``--out`` folder is: one run of one command, named by what decides its results.

``run`` and ``train`` write their outputs into an ``--out`` folder, and ``run`` keeps its trial
record there so that an interrupted run resumes. The folder names its owner in
``deeprecipe-run.json``: the command, a fingerprint of the data as split (every part's arrays,
the task, the classes, the feature names) and the options that decide any result. A ``run``'s
budget and where its trials run are not among them: a rerun with a larger budget continues it.

A command given an ``--out`` folder that holds

- nothing of deeprecipe's (absent, empty, only the user's own files) takes it;
- the same run continues it (``run`` reuses its finished trials and says how many);
- another run (other data, other options, the other command), or deeprecipe outputs that name
  no owner, is refused with one line, unless ``--overwrite``: then the earlier run's files (the
  names deeprecipe writes, nothing else) are removed before the new run starts, so a checkpoint
  never sits beside an unrelated model.

``results.json`` is the commit marker: it is removed before any other output is replaced and
written last, so a folder without it is incomplete (interrupted, or a write failed) and a folder
with it holds the complete set of outputs it describes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import numpy as np

from deeprecipe._files import atomic_write_text
from deeprecipe.cli._data import Prepared
from deeprecipe.cli._training import MODEL_FILE, SPLIT_FILE
from deeprecipe.errors import DeepRecipeError
from deeprecipe.report.writer import REPORT_FILE, RESULTS_FILE, plain

CLAIM_FILE = "deeprecipe-run.json"
FORMAT = "deeprecipe.run-folder"
VERSION = 1
TRIALS_FOLDER = "trials"
#: what ``run`` and ``train`` write into their folder; --overwrite removes these and nothing else
#: (plus the PNGs the earlier results.json lists as its report's images)
OUTPUTS = (
    RESULTS_FILE, REPORT_FILE, MODEL_FILE, SPLIT_FILE, "cost_curves.png",
    "checkpoint.safetensors", "checkpoint_settings.json", TRIALS_FOLDER,
)  # fmt: skip
#: outputs that show a folder holds a run even without an owner file (an older deeprecipe's)
SIGNS_OF_A_RUN = (
    RESULTS_FILE, REPORT_FILE, MODEL_FILE, "checkpoint.safetensors", f"{TRIALS_FOLDER}/trials.json",
)  # fmt: skip


def data_fingerprint(data: Prepared) -> str:
    """sha256 of the data as split: the six parts' arrays, the task, classes and feature names.
    It changes with the file's content, the target, the split sizes and the split's seed."""
    digest = hashlib.sha256()
    for array in (data.X_train, data.y_train, data.X_dev, data.y_dev, data.X_test, data.y_test):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        if array.dtype == object:
            digest.update(json.dumps(plain(array)).encode())
        else:
            digest.update(array.reshape(-1).view(np.uint8))  # no copy; an empty part too
    meta = {"task": data.task, "classes": data.classes, "features": data.feature_names}
    digest.update(json.dumps(plain(meta), sort_keys=True).encode())
    return digest.hexdigest()[:32]


class RunFolder:
    """An ``--out`` folder as one ``command`` on ``data`` with ``options`` would own it.

    ``options`` maps option names (as click names them: ``learning_rate``) to the values that
    decide the results; they are compared as JSON, so ``(20, 3)`` equals ``[20, 3]``.
    """

    def __init__(
        self, path: Path, command: str, data: Prepared, options: Mapping[str, Any]
    ) -> None:
        self.path = Path(path)
        self.owner = {
            "format": FORMAT,
            "version": VERSION,
            "command": command,
            "data": data_fingerprint(data),
            "options": json.loads(json.dumps(plain(dict(options)), sort_keys=True)),
        }

    # ----------------------------------------------------------------- before the work
    def open(self, *, overwrite: bool) -> bool:
        """Refuse a folder that holds another run (or, with ``overwrite``, clear it); return
        whether this command continues the run the folder already holds.

        Call it once every option has been accepted: with ``overwrite`` it removes files."""
        earlier = self._earlier_owner()
        if not self._signs_of_a_run():  # nothing of deeprecipe's here, or a claim alone
            if earlier is not None and earlier != self.owner:
                self.clear()  # a run stopped before it kept anything (Ctrl-C in its first seconds)
            return False
        if overwrite:
            self.clear()
            return False
        if earlier == self.owner:
            return True
        raise DeepRecipeError(self._refusal(earlier))

    def claim(self) -> None:
        """Make the folder (if needed) and name this run its owner. Call it just before the
        first output is written, so a command refused earlier leaves no folder behind."""
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path / CLAIM_FILE, json.dumps(self.owner, indent=2) + "\n")

    def clear(self) -> None:
        """Remove what an earlier run wrote here: results.json first (the folder is then marked
        incomplete), the owner file last. Files deeprecipe does not write are left alone."""
        images = self._report_images()  # read before results.json, which lists them, goes
        for name in (*OUTPUTS, *images, CLAIM_FILE):
            target = self.path / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)

    # ----------------------------------------------------------------- writing the outputs
    @contextlib.contextmanager
    def committing(self) -> Iterator[None]:
        """Around the writing of the outputs, which writes results.json last.

        results.json is removed first, so from the first replaced file until the last one is
        written the folder is marked incomplete; then the earlier report's images that the new
        results.json does not list are removed (they would show another result). A write error
        (a full disk, a read-only folder) becomes one message naming the file and saying what
        the folder holds."""
        earlier = set(self._report_images())
        try:
            (self.path / RESULTS_FILE).unlink(missing_ok=True)
            yield
            for name in earlier - set(self._report_images()):
                (self.path / name).unlink(missing_ok=True)
        except OSError as exc:
            where = exc.filename or self.path
            raise DeepRecipeError(
                f"cannot write {where}: {exc.strerror or exc}; {self.path} is left incomplete "
                f"(no {RESULTS_FILE}): make room or fix the folder's permissions, then rerun the "
                "same command to finish it"
            ) from exc

    # ----------------------------------------------------------------- reading the folder
    def _earlier_owner(self) -> dict[str, Any] | None:
        path = self.path / CLAIM_FILE
        if not path.is_file():
            return None
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # unreadable: owned by no run we can name, refused like one
        return owner if isinstance(owner, dict) else {}

    def _signs_of_a_run(self) -> list[str]:
        return [name for name in SIGNS_OF_A_RUN if (self.path / name).exists()]

    def _report_images(self) -> list[str]:
        try:
            results = json.loads((self.path / RESULTS_FILE).read_text(encoding="utf-8"))
            images = results.get("report_images", [])
        except (OSError, ValueError, AttributeError):
            return []
        return [f for f in images if isinstance(f, str) and f.endswith(".png") and "/" not in f]

    def _refusal(self, earlier: dict[str, Any] | None) -> str:
        accepted = "accepted: another --out, or --overwrite to replace its files"
        if not earlier or earlier.get("format") != FORMAT or earlier.get("version") != VERSION:
            found = ", ".join(self._signs_of_a_run()) or CLAIM_FILE
            return (
                f"--out {self.path} holds deeprecipe outputs ({found}) that name no run this "
                f"version can compare with; {accepted}"
            )
        if earlier.get("command") != self.owner["command"]:
            return (
                f"--out {self.path} holds the output of 'deeprecipe {earlier.get('command')}', "
                f"not of a {self.owner['command']}; {accepted}"
            )
        ours, theirs = self.owner["options"], earlier.get("options") or {}
        differ = [n for n in ours if n not in theirs or theirs[n] != ours[n]]
        if differ:
            name = differ[0]
            what = f"its {_flag(name)} is {theirs.get(name)!r}, this one's {ours[name]!r}"
        else:
            what = "on other data: another file, target, split or seed"
        return (
            f"--out {self.path} holds another {self.owner['command']} ({what}); accepted: the "
            f"same data and options to continue it, {accepted.removeprefix('accepted: ')}"
        )


def _flag(name: str) -> str:
    """``learning_rate`` as the running command spells it: ``--learning-rate``."""
    ctx = click.get_current_context(silent=True)
    for param in ctx.command.params if ctx is not None else ():
        if param.name == name and param.opts:
            return param.opts[0]
    return name


def resume_note(record_dir: Path, max_trainings: int | None) -> str | None:
    """``resuming: N of M trainings already done`` for a run that continues, or None when its
    trial record holds no finished training (M, the budget, is left out when it is a time)."""
    from deeprecipe.recipe import TrialRecord

    record = TrialRecord(record_dir)
    done = sum(key in record for key in record.keys())  # only trials whose weights are there
    if not done:
        return None
    if max_trainings is not None and done <= max_trainings:
        return f"resuming: {done} of {max_trainings} trainings already done"
    return f"resuming: {done} trainings already done"
