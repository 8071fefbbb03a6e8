"""The README's Python examples, block by block, each as a script in a fresh process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_python_examples():
    assert len(python_blocks()) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_every_readme_python_block_runs(index, tmp_path):
    block = python_blocks()[index]
    if "dask" in block:
        pytest.importorskip("dask.distributed", reason='pip install "deeprecipe[dask]"')
    script = tmp_path / f"block_{index}.py"
    script.write_text(block)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, f"README python block {index} failed:\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), "every block prints what it shows"
