"""Read one publication folder: its manifest, its tables and its validation report.

Only files inside the publication are read (plus the code lists the package ships); a
missing file is not an error: it becomes a note in the report and the parts that need
it are left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from skills.quality._report import ValidationReport

__all__ = ["TABLES", "Publication", "read_publication"]

#: The tables the report reads; indicators are filtered to these ids when read.
TABLES: tuple[str, ...] = (
    "its_gap",
    "its_gap_drivers",
    "its_courses",
    "polarisation_occupations",
    "polarisation_percentiles",
    "models",
    "models_glance",
    "profile",
    "beveridge",
    "shortage",
    "shortage_sensitivity",
)
INDICATOR_IDS: tuple[str, ...] = (
    "employment_share_pct",
    "employment_share_change_pp",
    "jackman_roper_index",
    "sahin_mismatch_index",
    "its_area_mismatch_index",
)


@dataclass(frozen=True)
class Publication:
    """What the report knows about one publication."""

    folder: Path
    manifest: Mapping[str, Any]
    tables: Mapping[str, pl.DataFrame]
    quality: ValidationReport | None
    has_quality_html: bool
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or "unknown run")

    @property
    def data_label(self) -> str | None:
        label = self.manifest.get("data_label")
        return str(label) if label else None

    @property
    def pipeline(self) -> Mapping[str, Any]:
        pipe = self.manifest.get("pipeline")
        return pipe if isinstance(pipe, Mapping) else {}

    @property
    def region(self) -> str:
        return str(self.pipeline.get("region") or "")

    @property
    def benchmarks(self) -> list[str]:
        return [str(b) for b in self.pipeline.get("benchmarks") or ()]

    @property
    def nuts_version(self) -> int | None:
        version = self.pipeline.get("nuts_version")
        return int(version) if version is not None else None

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)


def read_publication(folder: Path) -> Publication:
    """Read ``manifest.json``, the report's tables and ``quality.json`` from ``folder``."""
    notes: list[str] = []
    manifest: dict[str, Any] = {}
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        notes.append(
            "manifest.json is not in this publication: run id, sources and vintages are unknown."
        )
    tables: dict[str, pl.DataFrame] = {}
    indicators = folder / "indicators.parquet"
    if indicators.is_file():
        tables["indicators"] = (
            pl.scan_parquet(indicators).filter(pl.col("indicator").is_in(INDICATOR_IDS)).collect()
        )
    else:
        notes.append("indicators.parquet is not in this publication.")
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.is_file():
            tables[name] = pl.read_parquet(path)
    quality: ValidationReport | None = None
    quality_path = folder / "quality.json"
    if quality_path.is_file():
        from skills.quality._report import ValidationReport

        try:
            quality = ValidationReport.from_json(quality_path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError) as exc:
            notes.append(f"quality.json could not be read ({exc}); validation details omitted.")
    else:
        notes.append(
            "quality.json is not in this publication: the validation summary below comes "
            "from manifest.json only."
        )
    return Publication(
        folder=folder,
        manifest=manifest,
        tables=tables,
        quality=quality,
        has_quality_html=(folder / "quality.html").is_file(),
        notes=tuple(notes),
    )
