"""Print pip constraints pinning every core dependency to the floor pyproject.toml promises.

``name>=X`` becomes ``name==X``, so the floor job (``make test-floor``) installs exactly the
oldest versions the package claims to support and tests them: a floor that is not tested is a
guess. Dependencies without a ``>=`` floor are left to pip.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

#: the optional extras whose floors are tested too (Parquet/CSV go through pyarrow)
EXTRAS = ("parquet",)


def floor_pins(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    pins = []
    for requirement in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*",
                             requirement)
        if match:
            pins.append(f"{match.group(1)}=={match.group(3)}")
    return pins


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    print("\n".join(floor_pins(root / "pyproject.toml")))
