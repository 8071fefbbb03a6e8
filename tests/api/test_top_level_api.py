"""Everything the README and ARCHITECTURE.md name is importable from the top level."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deeprecipe


@pytest.mark.parametrize("name", deeprecipe.__all__)
def test_every_public_name_resolves(name):
    assert getattr(deeprecipe, name) is not None


def test_diagnose_is_the_function_whichever_way_it_is_reached():
    from deeprecipe import diagnose

    assert diagnose(0.01, 0.11).high_variance
    import deeprecipe.diagnose.curves  # noqa: F401

    assert deeprecipe.diagnose(0.15, 0.16).high_bias


def test_import_stays_light():
    code = (
        "import sys, deeprecipe; print(sorted({'matplotlib','sklearn','torch'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
