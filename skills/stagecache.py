"""Stage results kept between runs, so a stage reruns only when its inputs changed.

Each stage's result is stored under ``DIR/.cache/stages/<stage>/<key>/`` where ``key``
hashes the stage's name, the code fingerprint (every file of the installed package) and
what the stage's declaration says it reads (:func:`skills.stages.stage_key`: spec
fields, run options, upstream stage keys, file digests). A stage whose key is found is
read back instead of run (:func:`skills.stages.cached_step`). Entries are written to a
temporary folder and renamed into place, so a killed run never leaves a half entry.

Each entry's ``meta.json`` records the SHA-256 of every table file it holds. On use the
files are re-hashed: an entry whose files changed (edited by hand, damaged on disk), or
that records no hashes, is discarded with a warning and the stage is rebuilt, so a
cached table is never published unless it is byte for byte what the stage wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from skills._fileio import file_sha256

__all__ = ["StageCache", "code_fingerprint", "digest"]

_PACKAGE = Path(__file__).resolve().parent
log = logging.getLogger("skills.stagecache")


@cache
def code_fingerprint() -> str:
    """SHA-256 over the package's own files (code, code lists, catalogue, suites).

    Any change to the code or shipped data changes every stage key, which is stricter
    than comparing version numbers (a development checkout changes without a release).
    """
    from skills._resources import bundled_dir

    h = hashlib.sha256()
    roots = [_PACKAGE, bundled_dir("expectations")]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if (
                path.is_file()
                and path.suffix in {".py", ".csv", ".toml", ".json"}
                and "__pycache__" not in path.parts
            ):
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def digest(*parts: object) -> str:
    """A short, stable key for JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class StageCache:
    """A folder of stage results keyed by their inputs."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled
        self.events: list[dict[str, str]] = []
        self.used: set[tuple[str, str]] = set()
        #: Entries discarded because their files no longer match their hashes.
        self.warnings: list[str] = []

    def key(self, stage: str, *inputs: object) -> str:
        """The key of ``stage`` given its inputs (and the code fingerprint)."""
        key = digest(stage, code_fingerprint(), *inputs)
        self.used.add((stage, key))
        return key

    def _dir(self, stage: str, key: str) -> Path:
        return self.root / stage.replace(":", "__").replace("/", "_") / key

    def load(self, stage: str, key: str) -> tuple[dict[str, pl.DataFrame], dict[str, Any]] | None:
        """The stored tables and metadata of a stage, or ``None`` when not cached."""
        if not self.enabled:
            return None
        folder = self._dir(stage, key)
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            return None
        try:
            meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
            hashes = meta.get("sha256")
            files = {name: folder / f"{name}.parquet" for name in meta["tables"]}
            changed = (
                [f.name for n, f in files.items() if file_sha256(f) != hashes.get(n)]
                if isinstance(hashes, dict)
                else ["meta.json (no checksums)"]
            )
            if changed:
                self._discard(folder, stage, f"{', '.join(changed)} changed since it was cached")
                return None
            tables = {name: pl.read_parquet(path) for name, path in files.items()}
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
            self._discard(folder, stage, f"unreadable ({type(exc).__name__}: {exc})")
            return None
        return tables, meta.get("meta", {})

    def _discard(self, folder: Path, stage: str, why: str) -> None:
        message = f"{folder}: stage cache entry of {stage!r} discarded and rebuilt: {why}"
        log.warning("%s", message)
        self.warnings.append(message)
        shutil.rmtree(folder, ignore_errors=True)

    def store(
        self,
        stage: str,
        key: str,
        tables: Mapping[str, pl.DataFrame],
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Store a stage's tables and metadata (atomically: temp folder, then rename)."""
        if not self.enabled:
            return
        folder = self._dir(stage, key)
        if folder.exists():
            return
        tmp = folder.with_name(f".tmp-{key}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        hashes = {}
        for name, frame in tables.items():
            frame.write_parquet(tmp / f"{name}.parquet", compression="zstd")
            hashes[name] = file_sha256(tmp / f"{name}.parquet")
        (tmp / "meta.json").write_text(
            json.dumps(
                {
                    "stage": stage,
                    "tables": list(tables),
                    "sha256": hashes,
                    "meta": dict(meta or {}),
                },
                default=str,
            ),
            encoding="utf-8",
        )
        tmp.rename(folder)

    def record(self, stage: str, status: str, seconds: float) -> None:
        """Note that a stage ran or was read from the cache."""
        self.events.append({"stage": stage, "status": status, "seconds": f"{seconds:.3f}"})

    def prune(self, keep: Iterable[tuple[str, str]]) -> None:
        """Delete entries not in ``keep`` (stage, key) and stale temp folders."""
        wanted = {self._dir(stage, key) for stage, key in keep}
        if not self.root.is_dir():
            return
        for stage_dir in self.root.iterdir():
            if not stage_dir.is_dir():
                continue
            for entry in stage_dir.iterdir():
                if entry not in wanted:
                    shutil.rmtree(entry, ignore_errors=True)
