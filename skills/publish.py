"""Atomic publication: write a run into its own folder, then switch ``latest`` to it.

Layout of an output folder ``DIR``::

    DIR/
      latest -> runs/<run_id>        a symlink, switched with one rename(2)
      runs/<run_id>/                 one complete publication (manifest.json written last)
      runs/.tmp-<run_id>/            a run being written (removed by the next run)

Readers that open ``DIR/latest/...`` never see a partial publication: files are written
and fsynced inside a temporary folder, the folder is renamed into ``runs/`` and fsynced,
and only then is a new symlink renamed over ``latest``. A crash at any point leaves
``latest`` pointing at the previous complete publication.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from skills._killpoints import checkpoint

__all__ = [
    "atomic_write_bytes",
    "file_sha256",
    "fsync_dir",
    "latest_run",
    "new_run_dir",
    "promote",
    "prune_runs",
    "write_table",
]

LATEST = "latest"
RUNS = "runs"
TMP_PREFIX = ".tmp-"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Flush a directory entry to disk (so that a rename inside it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    fsync_dir(path.parent)


def write_table(
    frame: pl.DataFrame, path: Path, *, metadata: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Write a Parquet file, fsync it, and describe it for the manifest.

    The file is serialised in memory and written in two halves, with a kill point
    between them, so that the kill tests can stop a refresh in the middle of writing
    every output.
    """
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True, metadata=dict(metadata or {}))
    data = buffer.getvalue()
    half = len(data) // 2
    with path.open("wb") as fh:
        fh.write(data[:half])
        fh.flush()
        checkpoint(f"publish:mid-write:{path.name}")
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())
    return {"rows": frame.height, "columns": frame.columns}


def new_run_dir(out_dir: Path, run_id: str) -> Path:
    """Create (and return) the temporary folder a run writes into."""
    runs = out_dir / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    tmp = runs / f"{TMP_PREFIX}{run_id}"
    tmp.mkdir()
    return tmp


def promote(out_dir: Path, tmp_dir: Path, run_id: str) -> Path:
    """Move a fully written run into ``runs/`` and point ``latest`` at it, atomically."""
    for child in tmp_dir.iterdir():
        if child.is_file():
            _fsync_file(child)
    fsync_dir(tmp_dir)
    runs = out_dir / RUNS
    final = runs / run_id
    checkpoint("promote:before-rename")
    tmp_dir.rename(final)
    fsync_dir(runs)
    checkpoint("promote:renamed")
    link_tmp = out_dir / f".{LATEST}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(Path(RUNS) / run_id, target_is_directory=True)
    checkpoint("promote:link-created")
    link_tmp.replace(out_dir / LATEST)
    fsync_dir(out_dir)
    checkpoint("promote:linked")
    return final


def latest_run(out_dir: Path) -> Path | None:
    """The folder ``latest`` points at, if it is a complete publication."""
    link = out_dir / LATEST
    if not link.exists():
        return None
    target = link.resolve()
    return target if (target / "manifest.json").is_file() else None


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Load ``manifest.json`` of a publication folder."""
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return data


def prune_runs(out_dir: Path, keep: int) -> list[Path]:
    """Delete leftover temporary runs and all but the newest ``keep`` complete runs.

    The run ``latest`` points at is never deleted. Returns the folders removed.
    """
    runs = out_dir / RUNS
    if not runs.is_dir():
        return []
    current = latest_run(out_dir)
    removed: list[Path] = []
    complete: list[Path] = []
    for child in runs.iterdir():
        if child.name.startswith(TMP_PREFIX):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
        elif child.is_dir():
            complete.append(child)
    complete.sort(key=lambda p: p.name, reverse=True)
    for old in complete[keep:]:
        if current is not None and old.resolve() == current:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    for stray in out_dir.glob(f".{LATEST}.*.tmp"):
        stray.unlink(missing_ok=True)
    return removed
