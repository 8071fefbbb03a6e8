"""The record of finished trials, kept on disk as a run goes, so an interrupted run resumes.

Layout of a record folder::

    trials.json                 {"format": "deeprecipe.trials", "version": 1,
                                 "trials": {key: result}}
    weights/<key>.safetensors   the trained parameter vector ``theta`` of each trial

Each write goes to a temporary file beside the target, is fsynced and renamed into place, so a
reader (or a rerun after a crash) sees the old file or the new one, never half of one. Weights
are written before the entry that names them, so every entry has its weights. A rerun with the
same settings finds its trials by key (spec + data fingerprint + seed) and loads them instead of
training again; an entry whose weights file is missing or unreadable is simply trained again.
Without a folder the record lives in memory only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe._files import atomic_write_bytes, atomic_write_text
from deeprecipe.errors import DeepRecipeError
from deeprecipe.recipe.trial import TRIAL_FORMAT

FORMAT = "deeprecipe.trials"


class TrialRecord:
    """Finished trials by key: results as JSON, weights as safetensors (never pickle)."""

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self._results: dict[str, dict[str, Any]] = {}
        self._weights: dict[str, np.ndarray] = {}
        if self.folder is not None:
            if self.folder.exists() and not self.folder.is_dir():
                raise DeepRecipeError(
                    f"record folder {self.folder} is a file; accepted: a folder (created if absent)"
                )
            self._load()  # the folder is made by the first trial stored, not before

    @property
    def path(self) -> Path | None:
        return None if self.folder is None else self.folder / "trials.json"

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DeepRecipeError(
                f"the trial record {self.path} cannot be read ({exc}); accepted: a file written by "
                "deeprecipe, or delete it to start afresh"
            ) from None
        if stored.get("format") != FORMAT or stored.get("version") != TRIAL_FORMAT:
            return  # another format: start afresh (its file is replaced on the next write)
        self._results = dict(stored.get("trials", {}))

    def __contains__(self, key: str) -> bool:
        return key in self._results and self.weights(key) is not None

    def __len__(self) -> int:
        return len(self._results)

    def keys(self) -> list[str]:
        return list(self._results)

    def result(self, key: str) -> dict[str, Any]:
        return self._results[key]

    def weights(self, key: str) -> np.ndarray | None:
        """The stored ``theta`` of a trial, or None when it is not (or no longer) available."""
        if key in self._weights:
            return self._weights[key]
        if self.folder is None:
            return None
        path = self._weights_path(key)
        if not path.exists():
            return None
        from safetensors.numpy import load_file

        try:
            theta = load_file(str(path))["theta"]
        except Exception:  # a damaged file: the trial is trained again
            return None
        self._weights[key] = theta
        return theta

    def _weights_path(self, key: str) -> Path:
        return self.folder / "weights" / f"{key}.safetensors"

    def add(self, result: dict[str, Any], theta: np.ndarray) -> None:
        """Keep a finished trial; on disk, weights first, then the record that names them."""
        key = result["key"]
        self._weights[key] = np.asarray(theta)
        self._results[key] = result
        if self.folder is None:
            return
        from safetensors.numpy import save

        blob = save({"theta": np.ascontiguousarray(theta)}, metadata={"key": key})
        (self.folder / "weights").mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self._weights_path(key), blob)
        document = {"format": FORMAT, "version": TRIAL_FORMAT, "trials": self._results}
        atomic_write_text(self.path, json.dumps(document, allow_nan=False))
