"""The files of ``exports/`` on disk: the CSV writer, and the finished folder synced
and swapped in for the previous one."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import polars as pl

from skills._fileio import fsync_dir

#: The folder, inside the publication, the exports go to.
EXPORTS_DIR = "exports"


def _write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM, comma, '.', ISO dates, nulls as empty cells, floats in full."""
    frame.write_csv(path, include_bom=True, include_header=True, separator=",", null_value="")
    return path


def _swap(work: Path, folder: Path) -> None:
    """Put ``work`` where ``folder`` is (the previous exports are removed)."""
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    work.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        fsync_dir(folder.parent)
