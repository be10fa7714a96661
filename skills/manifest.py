"""Verify a publication against its manifest, and repair a damaged ``latest``."""

from __future__ import annotations

import json
from pathlib import Path

from skills.errors import OutputDirError
from skills.lock import RefreshLock
from skills.publish import (
    LATEST,
    PUBLICATIONS,
    RUNS,
    file_sha256,
    read_publications,
    switch_latest,
)

__all__ = ["repair_latest", "verify_publication"]


def _recorded_manifest_sha(folder: Path) -> str | None:
    """The manifest SHA-256 that ``publications.jsonl`` recorded for a run folder."""
    resolved = folder.resolve()
    if resolved.parent.name != RUNS:
        return None
    shas = [
        e.get("manifest_sha256")
        for e in read_publications(resolved.parent.parent)
        if e.get("event") == "published" and e.get("run_id") == resolved.name
    ]
    return shas[-1] if shas else None


def verify_publication(directory: Path) -> list[str]:
    """Re-hash every output a manifest lists; return the problems (empty when all match).

    ``directory`` is a publication folder, or an output folder whose ``latest`` is one.

    What it verifies, and only that:

    * ``manifest.json`` exists, parses, and lists at least one output;
    * when the output folder's ``publications.jsonl`` recorded the run, the manifest's
      own SHA-256 is the one recorded when the run was published (so an edited manifest
      that re-describes edited files is caught);
    * every listed file exists with its recorded size and SHA-256;
    * no file in the publication folder is missing from the manifest.

    It does not re-check the data's quality (the suites ran before publishing), nor the
    inputs (their SHA-256 are in the manifest, the files are the operator's), nor the
    stage cache (each entry is re-hashed when a run uses it).
    """
    folder = directory / LATEST if (directory / LATEST).exists() else directory
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return [f"{manifest_path}: no manifest (not a complete publication)"]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"{manifest_path}: not valid JSON ({exc})"]
    if not isinstance(manifest, dict):
        return [f"{manifest_path}: not a manifest (a JSON object is expected)"]
    problems: list[str] = []
    recorded = _recorded_manifest_sha(folder)
    if recorded is not None and file_sha256(manifest_path) != recorded:
        problems.append(
            f"manifest.json: sha256 differs from the one recorded in {PUBLICATIONS} at publish"
        )
    listed = set()
    outputs = manifest.get("outputs")
    for item in outputs if isinstance(outputs, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            problems.append(f"manifest.json: bad output entry {item!r}")
            continue
        rel = item["path"]
        listed.add(rel)
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        if path.stat().st_size != item.get("bytes", path.stat().st_size):
            problems.append(f"{rel}: {path.stat().st_size} bytes, manifest says {item['bytes']}")
        if file_sha256(path) != item.get("sha256"):
            problems.append(f"{rel}: sha256 differs from the manifest")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        if rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    if not outputs:
        problems.append("the manifest lists no outputs")
    return problems


def repair_latest(out_dir: Path, *, wait: float = 0.0) -> Path:
    """Point ``latest`` at the newest publication the package recorded that verifies.

    Walks ``publications.jsonl`` from the newest ``published`` event back and switches
    ``latest`` (atomically) to the first run whose folder verifies against its manifest
    (:func:`verify_publication`). Takes the output folder's lock. Deletes nothing.

    Returns
    -------
    Path
        The run folder ``latest`` now points at.

    Raises
    ------
    skills.errors.OutputDirError
        ``latest`` is a real folder (move it away by hand first), or no recorded
        publication verifies.
    """
    link = out_dir / LATEST
    with RefreshLock(out_dir, timeout=wait):
        if link.exists() and not link.is_symlink():
            raise OutputDirError(
                link,
                f"is a real folder, not a link; move it away (mv {link} {link}.by-hand) "
                "first: repair never deletes",
            )
        seen: set[str] = set()
        for event in reversed(read_publications(out_dir)):
            run_id = event["run_id"]
            if event.get("event") != "published" or run_id in seen:
                continue
            seen.add(run_id)
            folder = out_dir / RUNS / run_id
            if folder.is_dir() and not verify_publication(folder):
                switch_latest(out_dir, run_id)
                return folder
    raise OutputDirError(
        out_dir / PUBLICATIONS,
        f"records no publication that still verifies; remove the link (rm {link}: the run "
        "folders stay) and rerun skills refresh to publish a new one",
    )
