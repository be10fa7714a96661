"""Verify a publication against its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from skills.publish import file_sha256

__all__ = ["verify_publication"]


def verify_publication(directory: Path) -> list[str]:
    """Re-hash every output a manifest lists; return the problems (empty when all match).

    ``directory`` is a publication folder, or an output folder whose ``latest`` is one.
    Checks: the manifest exists and parses; every listed file exists with its recorded
    size and SHA-256; no file in the folder is missing from the manifest.
    """
    folder = directory / "latest" if (directory / "latest").exists() else directory
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return [f"{manifest_path}: no manifest (not a complete publication)"]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"{manifest_path}: not valid JSON ({exc})"]
    problems: list[str] = []
    listed = set()
    for item in manifest.get("outputs", []):
        rel = item["path"]
        listed.add(rel)
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        if path.stat().st_size != item.get("bytes", path.stat().st_size):
            problems.append(f"{rel}: {path.stat().st_size} bytes, manifest says {item['bytes']}")
        if file_sha256(path) != item["sha256"]:
            problems.append(f"{rel}: sha256 differs from the manifest")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        if rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    if not manifest.get("outputs"):
        problems.append("the manifest lists no outputs")
    return problems
