"""Locate the files the package ships: code lists, pipeline specs, expectation suites.

The top-level ``pipelines/`` and ``expectations/`` folders of the repository are copied into
the wheel as ``skills/_bundled/...``; in a source checkout (an editable install) they are
read where they are. Nothing is ever looked up relative to the working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

_PACKAGE_DIR = Path(__file__).resolve().parent

Bundle = Literal["pipelines", "expectations"]


@cache
def bundled_dir(name: Bundle) -> Path:
    """Return the folder holding the shipped ``pipelines`` or ``expectations`` files."""
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    msg = f"the package's '{name}' folder is missing: reinstall skills"
    raise FileNotFoundError(msg)


def classification_path(filename: str) -> Path:
    """Return the path of a code-list file shipped in ``skills/classifications/data``."""
    path = _PACKAGE_DIR / "classifications" / "data" / filename
    if not path.is_file():
        msg = f"code list '{filename}' is not shipped with this version of skills"
        raise FileNotFoundError(msg)
    return path
