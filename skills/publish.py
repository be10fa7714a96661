"""Atomic publication: write a run into its own folder, then switch ``latest`` to it.

Layout of an output folder ``DIR``::

    DIR/
      latest -> runs/<run_id>        a symlink, switched with one rename(2)
      runs/<run_id>/                 one complete publication (manifest.json written last)
      runs/.tmp-<run_id>/            a run being written (removed by the next run)
      publications.jsonl             the package's record of its runs (append-only)

Readers that open ``DIR/latest/...`` never see a partial publication: files are written
and fsynced inside a temporary folder, the folder is renamed into ``runs/`` and fsynced,
and only then is a new symlink renamed over ``latest``. A crash at any point leaves
``latest`` pointing at the previous complete publication.

A reader that opens several files should resolve ``latest`` once
(:func:`resolve_latest`, or ``skills manifest path DIR``) and read everything from the
run folder it names: a run folder never changes after it is published, and the run
``latest`` points at and the one it replaced are never pruned, so a reader is safe while
one more publication is made.

``publications.jsonl`` has one JSON object a line: ``{"event": "started", "run_id": ...}``
when a run starts writing, ``{"event": "published", "run_id": ..., "manifest_sha256":
...}`` when it is complete (before ``latest`` switches to it). Pruning reads this record,
never folder names or clocks: it deletes only folders the package recorded, keeps the
newest ``keep`` published runs in the order they were published, and leaves anything
else in ``runs/`` alone (:func:`foreign_entries` lists it for the operator).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from skills._fileio import file_sha256, fsync_dir, fsync_file
from skills._killpoints import checkpoint
from skills.errors import OutputDirError

__all__ = [
    "check_layout",
    "foreign_entries",
    "latest_run",
    "new_run_dir",
    "promote",
    "prune_runs",
    "read_publications",
    "record_publication",
    "resolve_latest",
    "switch_latest",
    "write_table",
]

LATEST = "latest"
RUNS = "runs"
TMP_PREFIX = ".tmp-"
PUBLICATIONS = "publications.jsonl"


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
    record_publication(out_dir, "started", run_id)
    tmp = runs / f"{TMP_PREFIX}{run_id}"
    tmp.mkdir()
    return tmp


def promote(out_dir: Path, tmp_dir: Path, run_id: str) -> Path:
    """Move a fully written run into ``runs/`` and point ``latest`` at it, atomically."""
    for child in tmp_dir.iterdir():
        if child.is_file():
            fsync_file(child)
    fsync_dir(tmp_dir)
    runs = out_dir / RUNS
    final = runs / run_id
    checkpoint("promote:before-rename")
    tmp_dir.rename(final)
    fsync_dir(runs)
    record_publication(
        out_dir, "published", run_id, manifest_sha256=file_sha256(final / "manifest.json")
    )
    checkpoint("promote:renamed")
    switch_latest(out_dir, run_id, checkpoints=True)
    return final


def switch_latest(out_dir: Path, run_id: str, *, checkpoints: bool = False) -> None:
    """Point ``latest`` at ``runs/<run_id>`` with one rename of a new symlink."""
    link_tmp = out_dir / f".{LATEST}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(Path(RUNS) / run_id, target_is_directory=True)
    if checkpoints:
        checkpoint("promote:link-created")
    link_tmp.replace(out_dir / LATEST)
    fsync_dir(out_dir)
    if checkpoints:
        checkpoint("promote:linked")


def record_publication(out_dir: Path, event: str, run_id: str, **extra: str) -> None:
    """Append one event to ``DIR/publications.jsonl`` (fsynced before returning)."""
    line = json.dumps({"event": event, "run_id": run_id, **extra}, sort_keys=True) + "\n"
    fd = os.open(out_dir / PUBLICATIONS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_publications(out_dir: Path) -> list[dict[str, str]]:
    """The events of ``DIR/publications.jsonl`` in the order they were written.

    A line that does not parse (a torn last line after a crash, an edit by hand) is
    skipped: a run it described is then treated as not the package's and kept.
    """
    path = out_dir / PUBLICATIONS
    if not path.is_file():
        return []
    events: list[dict[str, str]] = []
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            item = json.loads(text)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("run_id"), str):
            events.append({str(k): str(v) for k, v in item.items()})
    return events


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


def _latest_name(out_dir: Path) -> str | None:
    """The run id ``latest`` links to (``runs/<id>``), read from the link, or ``None``."""
    link = out_dir / LATEST
    if not link.is_symlink():
        return None
    target = link.readlink()
    if target.parent != Path(RUNS):
        target = link.resolve()
        return target.name if target.parent == (out_dir / RUNS).resolve() else None
    return target.name


def prune_runs(out_dir: Path, keep: int, *, protect: tuple[str, ...] = ()) -> list[Path]:
    """Delete what the package's record says it may: old runs and leftover temporary runs.

    Parameters
    ----------
    out_dir
        The output folder.
    keep
        How many published runs to keep, the newest in the order of
        ``publications.jsonl`` (not by name or clock).
    protect
        Run ids never to delete whatever their age (the run that ``latest`` pointed at
        when this refresh started).

    Returns
    -------
    list of Path
        The folders removed. The run ``latest`` points at, the runs in ``protect`` and any
        folder that ``publications.jsonl`` does not record are never deleted.
    """
    runs = out_dir / RUNS
    if not runs.is_dir():
        return []
    events = read_publications(out_dir)
    recorded = {e["run_id"] for e in events}
    published = [e["run_id"] for e in events if e.get("event") == "published"]
    newest: list[str] = []
    for run_id in reversed(published):
        if run_id not in newest and (runs / run_id).is_dir():
            newest.append(run_id)
    keepers = set(newest[:keep]) | set(protect)
    current = _latest_name(out_dir)
    if current is not None:
        keepers.add(current)
    removed: list[Path] = []
    for child in sorted(runs.iterdir()):
        if child.is_symlink() or not child.is_dir():
            continue
        name = child.name
        run_id = name[len(TMP_PREFIX) :] if name.startswith(TMP_PREFIX) else name
        if run_id not in recorded or run_id in keepers:
            continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    for stray in out_dir.glob(f".{LATEST}.*.tmp"):
        stray.unlink(missing_ok=True)
    return removed


def foreign_entries(out_dir: Path) -> list[Path]:
    """Entries of ``DIR/runs/`` that the package did not record: never pruned, reported."""
    runs = out_dir / RUNS
    if not runs.is_dir():
        return []
    recorded = {e["run_id"] for e in read_publications(out_dir)}
    found = []
    for child in sorted(runs.iterdir()):
        name = child.name
        run_id = name[len(TMP_PREFIX) :] if name.startswith(TMP_PREFIX) else name
        if run_id not in recorded:
            found.append(child)
    return found


def check_layout(out_dir: Path) -> None:
    """Refuse an output folder whose ``latest`` was changed by hand, before any work.

    Raises
    ------
    skills.errors.OutputDirError
        ``latest`` is a real folder or file (nothing is deleted), or the publication it
        points at has a missing, truncated or invalid ``manifest.json`` (repair with
        ``skills manifest repair DIR``).
    """
    link = out_dir / LATEST
    if not os.path.lexists(link):
        return
    if not link.is_symlink():
        kind = "a real folder" if link.is_dir() else "a file"
        raise OutputDirError(
            link,
            f"is {kind}, not the link to runs/<run_id> that the package makes; refused "
            f"before any work, nothing deleted. Move it away (mv {link} {link}.by-hand) and "
            "rerun: the run publishes a new latest",
        )
    if not link.exists():
        return  # a dangling link: the next publication replaces it
    manifest = link / "manifest.json"
    problem = _manifest_problem(manifest)
    if problem:
        raise OutputDirError(
            manifest,
            f"{problem}; refused before any work, nothing changed. Run `skills manifest "
            f"repair {out_dir}` to point latest at the last complete publication the "
            f"package recorded in {out_dir / PUBLICATIONS}",
        )


def _manifest_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable manifest, or ``None``."""
    if not path.is_file():
        return "missing (not a complete publication)"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return f"truncated or not valid JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("run_id"), str):
        return "not a manifest (no run_id)"
    if not isinstance(data.get("outputs"), list) or not data["outputs"]:
        return "not a complete manifest (no outputs listed)"
    return None


def resolve_latest(out_dir: Path) -> Path:
    """The run folder ``DIR/latest`` points at, resolved once, for consistent reading.

    Read every file of one publication from the folder this returns, not through
    ``DIR/latest/...`` path by path: ``latest`` may switch between two reads, the folder
    does not change.

    Raises
    ------
    skills.errors.OutputDirError
        There is no complete publication in ``out_dir``.
    """
    check_layout(out_dir)
    found = latest_run(out_dir)
    if found is None:
        raise OutputDirError(out_dir, "no publication (no latest): run skills refresh first")
    return found
