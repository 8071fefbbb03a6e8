"""Imports flow one way: data -> nn -> train -> check/diagnose -> recipe -> report, with cli
and sklearn on top. A module-level import of a higher room from a lower one fails here (an
import inside a function, made when it runs, is how a lower room reaches up on purpose:
``RecipeResult.save_report`` imports the report when it is called)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "deeprecipe"

#: each room's rank; modules at the top of the package rank as listed (the bottom ones: 0)
RANK = {
    "errors": 0, "_validation": 0, "_files": 0, "task": 0, "_html": 0, "_figure": 0, "defaults": 0,
    "_threads": 0, "events": 0, "progress": 0, "_stats": 0,
    "data": 1, "nn": 2, "model": 2.5, "io": 2.5, "train": 3, "check": 4, "diagnose": 4,
    "recipe": 5, "report": 6, "cli": 7, "sklearn": 7, "__init__": 8,
}  # fmt: skip


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_module_imports_a_higher_room_at_module_level():
    upward = []
    for file in PACKAGE.rglob("*.py"):
        module = ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        assert _room(module) in RANK, f"{module}: give its room a rank in RANK"
        mine = RANK[_room(module)]
        for node in ast.parse(file.read_text()).body:  # module level; TYPE_CHECKING blocks skip
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deeprecipe."):
                theirs = RANK[_room(node.module)]
                if theirs > mine:
                    upward.append(f"{module} imports {node.module}")
    assert not upward
