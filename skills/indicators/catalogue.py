"""The indicator catalogue: what each id in ``indicators.parquet`` means.

The catalogue is a TOML file shipped with the package (``catalogue.toml``); this module
loads it into typed entries and renders ``docs/indicators.md``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CatalogueEntry", "catalogue_markdown", "load_catalogue", "publication_catalogue"]

_PATH = Path(__file__).with_name("catalogue.toml")


@dataclass(frozen=True)
class CatalogueEntry:
    """One indicator: id, title, unit, definition, formula, dimensions, sources, references."""

    id: str
    title: str
    unit: str
    definition: str
    formula: str
    dimensions: tuple[str, ...]
    sources: tuple[str, ...]
    function: str
    references: tuple[str, ...]
    valid_min: float | None = None
    valid_max: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data."""
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatalogueEntry:
        """The entry :meth:`as_dict` wrote (raises TypeError for unknown or missing keys)."""
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)


@cache
def load_catalogue() -> tuple[CatalogueEntry, ...]:
    """Every catalogue entry, in file order."""
    doc = tomllib.loads(_PATH.read_text(encoding="utf-8"))
    entries = []
    for key, body in doc.items():
        entries.append(
            CatalogueEntry(
                id=key,
                title=body["title"],
                unit=body["unit"],
                definition=body["definition"],
                formula=body["formula"],
                dimensions=tuple(body.get("dimensions", ())),
                sources=tuple(body.get("sources", ())),
                function=body["function"],
                references=tuple(body.get("references", ())),
                valid_min=body.get("valid_min"),
                valid_max=body.get("valid_max"),
            )
        )
    return tuple(entries)


def publication_catalogue(manifest: Mapping[str, Any]) -> dict[str, CatalogueEntry]:
    """The catalogue of one publication: the shipped entries, plus the indicators its extra
    analyses declared (``manifest.json`` ``extensions[].indicators``), by id.

    A malformed extension entry is left out (the shipped catalogue is always there).
    """
    entries = {e.id: e for e in load_catalogue()}
    for ext in manifest.get("extensions") or ():
        if not isinstance(ext, Mapping):
            continue
        for item in ext.get("indicators") or ():
            if not isinstance(item, Mapping) or item.get("id") in entries:
                continue
            try:
                entry = CatalogueEntry.from_dict(item)
            except TypeError:
                continue
            entries[entry.id] = entry
    return entries


def _range_text(entry: CatalogueEntry) -> str:
    lo = "-inf" if entry.valid_min is None else f"{entry.valid_min:g}"
    hi = "+inf" if entry.valid_max is None else f"{entry.valid_max:g}"
    return f"[{lo}, {hi}] (checked before publication)"


def catalogue_ids() -> frozenset[str]:
    """The set of documented indicator ids."""
    return frozenset(e.id for e in load_catalogue())


def catalogue_markdown() -> str:
    """The catalogue as Markdown (the content of ``docs/indicators.md``)."""
    lines = [
        "# Indicator catalogue",
        "",
        "Every `indicator` id that can appear in `indicators.parquet`, with its definition, "
        "formula, unit, dimensions and source tables. Generated from "
        "`skills/indicators/catalogue.toml` by `skills catalogue`; do not edit by hand.",
        "",
        "Common columns of every row: `indicator`, `geo`, `geo_level`, `period`, `value`, "
        "`unit`, `flag` (Eurostat flags, the union of the inputs' flags for derived values), "
        "`source`, the dimension columns (null = all) and `note`.",
        "",
        "| id | title | unit |",
        "|---|---|---|",
    ]
    entries = load_catalogue()
    lines += [f"| [`{e.id}`](#{e.id}) | {e.title} | {e.unit} |" for e in entries]
    for e in entries:
        lines += [
            "",
            f"## {e.id}",
            "",
            f"**{e.title}** ({e.unit}). {e.definition}",
            "",
            f"- Formula: `{e.formula}`",
            f"- Valid range: {_range_text(e)}",
            f"- Dimensions: {', '.join(f'`{d}`' for d in e.dimensions) or 'none'}",
            f"- Sources: {', '.join(e.sources)}",
            f"- Computed by: `{e.function}`",
            f"- References: {'; '.join(e.references)}",
        ]
    return "\n".join(lines) + "\n"
