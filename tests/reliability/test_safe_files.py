"""Files that never half-exist, and that look like ordinary files once they do."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe._files import atomic_write_text
from deeprecipe.data import Split, split
from deeprecipe.io import content_digest, model_from_bytes, safetensors_bytes, save_model
from deeprecipe.nn import Network

pytestmark = pytest.mark.filterwarnings("ignore::deeprecipe.data.SmallSplitWarning")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_saved_split_round_trips_and_leaves_no_temporary_file(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    s = split(X, np.arange(20) % 2, dev=4, test=4, seed=3)
    s.save(tmp_path / "split.json")
    assert Split.load(tmp_path / "split.json") == s
    assert [p.name for p in tmp_path.iterdir()] == ["split.json"]


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    X = np.arange(40.0).reshape(20, 2)
    first = split(X, seed=1)
    first.save(tmp_path / "split.json")
    before = (tmp_path / "split.json").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        split(X, seed=2).save(tmp_path / "split.json")
    assert (tmp_path / "split.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["split.json"]


def test_a_failed_write_names_the_file_asked_for(tmp_path, monkeypatch):
    """A full disk's write() names no file, and a failing mkstemp names its temporary file:
    the error names the target, keeps its kind (errno, subclass), and leaves no temporary."""
    target = tmp_path / "report.html"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)
        with pytest.raises(OSError) as raised:
            atomic_write_text(target, "<html>")
    assert raised.value.errno == 28 and raised.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []

    def refused(*args, dir=None, prefix="", **kwargs):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "x.tmp"))

    monkeypatch.setattr("tempfile.mkstemp", refused)
    with pytest.raises(PermissionError) as raised:
        atomic_write_text(target, "<html>")
    assert raised.value.filename == str(target) and raised.value.strerror == "Permission denied"


def test_save_model_gives_the_permissions_open_would(tmp_path):
    path = save_model(tmp_path / "m.safetensors", Network([2, 1]))
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~_umask()


def test_a_model_file_asking_for_a_huge_network_is_refused_before_allocating():
    """A file with a valid checksum whose architecture needs 10^12 weights (a crafted file, or
    a bug): refused by name, not a MemoryError after trying to allocate 4 TB."""
    tensors = {"W1": np.zeros((2, 1), np.float32), "b1": np.zeros(1, np.float32)}
    config = Network([2, 1]).config
    config["layer_sizes"] = [1_000_000, 1_000_000]
    metadata = {"format": "deeprecipe.model", "format_version": "1",
                "network": json.dumps(config), "scaler": "null", "classes": "null",
                "feature_names": "null", "extra": "{}"}  # fmt: skip
    metadata["sha256"] = content_digest(metadata, tensors)
    with pytest.raises(DeepRecipeError, match=r"needs 1000001000000 weights .* holds 3"):
        model_from_bytes(safetensors_bytes(tensors, metadata))


def test_a_symlink_target_is_replaced_and_the_link_kept(tmp_path):
    """Writing to a link writes the file it points at (atomically); the link stays a link."""
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_device_or_pipe_is_written_through_never_replaced(tmp_path):
    """/dev/null or a FIFO as the output: a rename over it would replace the device itself
    (a QA run did that to /dev/null). A FIFO stands in here for every non-regular file."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write_text(fifo, "through the pipe")
    reader.join(10)
    assert received == ["through the pipe"] and not fifo.is_file()


def test_a_full_disk_is_a_deeprecipe_error_that_is_still_an_os_error(tmp_path, monkeypatch):
    """save_model on a full disk raised a bare OSError: now a DeepRecipeError naming the file
    and what is accepted, still an OSError (errno, filename) for code that catches those."""

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(DeepRecipeError) as raised:
        save_model(tmp_path / "m.safetensors", Network([2, 3, 1], seed=0))
    assert isinstance(raised.value, OSError) and raised.value.errno == 28
    assert str(raised.value).startswith(f"cannot write {tmp_path / 'm.safetensors'}: No space")
    assert "accepted:" in str(raised.value)


def test_a_killed_writers_temporary_is_removed_by_the_next_save(tmp_path):
    """SIGKILL mid-save left a hidden temporary as large as the model, for good."""
    import subprocess
    import sys

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    left = tmp_path / f".m.safetensors.{finished.pid}.x1y2.tmp"
    running = tmp_path / f".m.safetensors.{os.getpid()}.x1y2.tmp"  # a save under way here
    other = tmp_path / f".other.safetensors.{finished.pid}.x1y2.tmp"
    for path in (left, running, other):
        path.write_bytes(b"partial")
    save_model(tmp_path / "m.safetensors", Network([2, 3, 1], seed=0))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([running.name, other.name, "m.safetensors"])
