"""What the person at the terminal reads: warnings and notes wrap alike to its width."""

from __future__ import annotations

import warnings

import deeprecipe.diagnose
from deeprecipe.cli._ui import UI

LONG = (
    "the chosen network is WORSE than gradient boosting on dev (29.4% against 26.9%; McNemar "
    "mid-p on 4038 dev rows, p = 5.4e-05): use gradient boosting instead"
)


def test_a_warning_wraps_to_the_width_as_a_note_does(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    UI().warn(LONG)
    warned = capsys.readouterr().err.splitlines()
    UI().note(f"Warning: {LONG}")
    assert warned == capsys.readouterr().err.splitlines()
    assert len(warned) > 1 and max(map(len, warned)) <= 60
    assert " ".join(warned).split() == f"Warning: {LONG}".split()  # every word, in order


def test_a_warning_is_shown_under_json_and_hidden_by_quiet(capsys):
    UI(as_json=True).warn(LONG)
    assert capsys.readouterr().err.startswith("Warning: the chosen network")
    UI(quiet=True).warn(LONG)
    assert capsys.readouterr().err == ""


def test_a_python_warning_wraps_as_the_commands_own_warnings(invoke, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    diagnose = deeprecipe.diagnose.diagnose

    def warned(*args, **kwargs):
        warnings.warn(LONG, UserWarning, stacklevel=1)
        return diagnose(*args, **kwargs)

    monkeypatch.setattr(deeprecipe.diagnose, "diagnose", warned)
    result = invoke("diagnose", "--train-error", "0.1", "--dev-error", "0.2")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Warning: the chosen network") and max(map(len, lines)) <= 60
    assert " ".join(lines).split() == f"Warning: {LONG}".split()
