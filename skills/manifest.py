"""The manifest of a publication, typed; verify a publication against it; repair ``latest``.

:class:`Manifest` is what ``manifest.json`` holds (docs/design.md, "Contracts"): the
refresh builds one and writes :meth:`Manifest.to_dict` (the keys, in their order, are
the file's contract); :func:`verify_publication` reads the file back with
:meth:`Manifest.parse`. The blocks whose shape varies by source kind or analysis
(``inputs``, ``crosswalks``, ``analyses``, ``extensions``, ``stages``, ``validation``,
``row_counts``) stay JSON objects, described where they are made.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from skills._fileio import file_sha256
from skills.errors import OutputDirError
from skills.lock import RefreshLock
from skills.publish import (
    LATEST,
    PUBLICATIONS,
    RUNS,
    read_publications,
    switch_latest,
)

__all__ = [
    "Manifest",
    "OutputFile",
    "PackageInfo",
    "PipelineInfo",
    "describe_outputs",
    "repair_latest",
    "verify_publication",
]

#: The manifest's file name in a publication folder.
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PackageInfo:
    """``package``: the code that made the publication."""

    name: str = "skills"
    version: str = ""
    #: SHA-256 over the package's files (:func:`skills.stagecache.code_fingerprint`).
    code_fingerprint: str = ""


@dataclass(frozen=True)
class PipelineInfo:
    """``pipeline``: the spec the publication was built from."""

    name: str = ""
    title: str = ""
    #: The title by report language (``[pipeline] titles``); absent in older manifests.
    titles: dict[str, str] = field(default_factory=dict)
    path: str = ""
    sha256: str = ""
    region: str = ""
    nuts_version: int = 0
    benchmarks: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, spec: Any) -> PipelineInfo:
        """The block for a :class:`~skills.spec.PipelineSpec`."""
        return cls(
            name=spec.name,
            title=spec.title,
            titles=dict(spec.titles),
            path=str(spec.path),
            sha256=spec.sha256,
            region=spec.region,
            nuts_version=spec.nuts_version,
            benchmarks=list(spec.benchmarks),
            languages=list(spec.languages),
        )


@dataclass(frozen=True)
class OutputFile:
    """One entry of ``outputs``: a published file, its digest, size and (Parquet) rows."""

    path: str
    sha256: str
    bytes: int
    rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry (``rows`` only for a table)."""
        item: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "bytes": self.bytes}
        if self.rows is not None:
            item["rows"] = self.rows
        return item

    @classmethod
    def from_dict(cls, item: object) -> OutputFile:
        """Read an entry back; :class:`ValueError` when it is not one."""
        if not isinstance(item, Mapping) or not isinstance(item.get("path"), str):
            raise ValueError(f"bad output entry {item!r}")
        size, rows = item.get("bytes"), item.get("rows")
        return cls(
            path=item["path"],
            sha256=str(item.get("sha256", "")),
            bytes=size if isinstance(size, int) else -1,
            rows=rows if isinstance(rows, int) else None,
        )


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` holds; :meth:`to_dict` gives the file's keys in order."""

    run_id: str = ""
    started: str = ""
    finished: str | None = None
    package: PackageInfo = field(default_factory=PackageInfo)
    #: What the publication is a function of (spec, code, inputs, crosswalk).
    fingerprint: str = ""
    pipeline: PipelineInfo = field(default_factory=PipelineInfo)
    data_label: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    skipped_sources: list[dict[str, str]] = field(default_factory=list)
    crosswalks: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, str]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    validation: list[dict[str, Any]] = field(default_factory=list)
    row_counts: dict[str, Any] | None = None
    outputs: list[OutputFile] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``manifest.json``."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["package"] = dataclasses.asdict(self.package)
        data["pipeline"] = dataclasses.asdict(self.pipeline)
        data["outputs"] = [o.to_dict() for o in self.outputs]
        return data

    def write(self, folder: Path) -> None:
        """Write ``folder/manifest.json``."""
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> tuple[Manifest, list[str]]:
        """Read a manifest's JSON object back, with the problems found.

        Keys a manifest does not have (one written by an older version) take their
        defaults; a block of the wrong type, or an output entry that is not one, is a
        problem and is left out.
        """
        problems: list[str] = []
        values: dict[str, Any] = {}
        blocks = {"package": PackageInfo, "pipeline": PipelineInfo}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in blocks:
                if not isinstance(value, Mapping):
                    problems.append(f"{f.name}: not a JSON object")
                    continue
                known = {g.name for g in dataclasses.fields(blocks[f.name])}
                value = blocks[f.name](**{k: v for k, v in value.items() if k in known})
            elif f.name == "outputs":
                if not isinstance(value, list):
                    problems.append("outputs: not a list")
                    continue
                entries = []
                for item in value:
                    try:
                        entries.append(OutputFile.from_dict(item))
                    except ValueError as exc:
                        problems.append(str(exc))
                value = entries
            values[f.name] = value
        return cls(**values), problems


def describe_outputs(folder: Path) -> list[OutputFile]:
    """Every file of a publication folder but the manifest: path, SHA-256, bytes, rows."""
    outputs: list[OutputFile] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        rows = None
        if path.suffix == ".parquet":
            rows = pl.scan_parquet(path).select(pl.len()).collect().item()
        outputs.append(
            OutputFile(str(path.relative_to(folder)), file_sha256(path), path.stat().st_size, rows)
        )
    return outputs


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
    parsed, parse_problems = Manifest.parse(manifest)
    problems += [f"manifest.json: {p}" for p in parse_problems]
    listed = set()
    for item in parsed.outputs:
        rel = item.path
        listed.add(rel)
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        if item.bytes >= 0 and path.stat().st_size != item.bytes:
            problems.append(f"{rel}: {path.stat().st_size} bytes, manifest says {item.bytes}")
        if file_sha256(path) != item.sha256:
            problems.append(f"{rel}: sha256 differs from the manifest")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        if rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    if not parsed.outputs and not parse_problems:
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
