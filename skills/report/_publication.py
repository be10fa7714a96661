"""Read one publication folder: its manifest, its tables and its validation report.

Only files inside the publication are read (plus the code lists the package ships); a
missing file is not an error: it becomes a note in the report and the parts that need
it are left out. Notes are kept as functions of the reader's
:class:`~skills.report.i18n.Messages` (:attr:`Publication.notes`), so each language's
page says them in its own words (:meth:`Publication.note_texts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from skills.quality._report import ValidationReport
    from skills.report.i18n import Messages

__all__ = ["TABLES", "Note", "Publication", "read_publication"]

#: A note on the publication, written in the reader's language.
Note = Callable[["Messages"], str]

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
    notes: Sequence[Note] = field(default_factory=tuple)

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

    def title(self, language: str) -> str:
        """The pipeline's title in ``language`` (``[pipeline] titles``), else its title,
        else its name ('' when the manifest has none)."""
        titles = self.pipeline.get("titles")
        localised = titles.get(language) if isinstance(titles, Mapping) else None
        return str(localised or self.pipeline.get("title") or self.pipeline.get("name") or "")

    @property
    def benchmarks(self) -> list[str]:
        return [str(b) for b in self.pipeline.get("benchmarks") or ()]

    @property
    def nuts_version(self) -> int | None:
        version = self.pipeline.get("nuts_version")
        return int(version) if version is not None else None

    @property
    def languages(self) -> tuple[str, ...]:
        """The report's languages recorded by the refresh (``pipeline.languages``), else ()."""
        value = self.pipeline.get("languages")
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)

    def note_texts(self, t: Messages) -> list[str]:
        """The notes on this publication (missing or unreadable files) in ``t``'s language."""
        return [note(t) for note in self.notes]


def read_publication(folder: Path) -> Publication:
    """Read ``manifest.json``, the report's tables and ``quality.json`` from ``folder``."""
    notes: list[Note] = []
    manifest: dict[str, Any] = {}
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        notes.append(lambda t: t("page.note.no_manifest"))
    tables: dict[str, pl.DataFrame] = {}
    indicators = folder / "indicators.parquet"
    if indicators.is_file():
        tables["indicators"] = (
            pl.scan_parquet(indicators).filter(pl.col("indicator").is_in(INDICATOR_IDS)).collect()
        )
    else:
        notes.append(lambda t: t("page.note.no_indicators"))
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
            error = str(exc)
            notes.append(lambda t: t("page.note.quality_unreadable", error=error))
    else:
        notes.append(lambda t: t("page.note.no_quality"))
    return Publication(
        folder=folder,
        manifest=manifest,
        tables=tables,
        quality=quality,
        has_quality_html=(folder / "quality.html").is_file(),
        notes=tuple(notes),
    )
