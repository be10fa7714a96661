"""What the exports are, in words: the definitions sheet's rows (each table's rows and
columns, the indicators' definitions, the sources and crosswalks) and the read-me."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.exports._frames import _is_nested
from skills.report.exports._text import _shown_label, _title

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.i18n import Messages

#: Units read off a column name's suffix (docs/style.md: the unit is the suffix).
_UNIT_SUFFIXES: Mapping[str, str] = {
    "n": "exports.unit.n",
    "pct": "exports.unit.pct",
    "pp": "exports.unit.pp",
    "ratio": "exports.unit.ratio",
    "ths": "exports.unit.ths",
}


def _inputs(pub: Publication) -> list[Mapping[str, Any]]:
    return [i for i in pub.manifest.get("inputs") or () if isinstance(i, Mapping)]


def _vintages(pub: Publication) -> list[str]:
    found = {str(i["vintage"])[:10] for i in _inputs(pub) if i.get("vintage")}
    return sorted(found)


def _vintages_text(pub: Publication, t: Messages) -> str:
    """The inputs' vintages, comma-separated, or the words for none."""
    vintages = _vintages(pub)
    return ", ".join(vintages) if vintages else t("exports.def.vintage_none")


def _suite_description(name: str) -> str | None:
    from skills._resources import bundled_dir

    try:
        path = bundled_dir("expectations") / f"{name}.json"
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta") or {}
    except (OSError, ValueError, FileNotFoundError):
        return None
    text = (meta.get("skills") or {}).get("description")
    return str(text) if text else None


def _rows_are(name: str, t: Messages) -> str:
    """What one row of table ``name`` is: the catalogue's words, else the suite's."""
    key = f"exports.rows.{name}"
    if t.has(key):
        return t(key)
    return _suite_description(name) or ""


def _type_name(dtype: pl.DataType, t: Messages) -> str:
    if _is_nested(dtype):
        return t("exports.type.json")
    if isinstance(dtype, pl.Boolean):
        return t("exports.type.boolean")
    if dtype.is_integer():
        return t("exports.type.integer")
    if dtype.is_numeric():
        return t("exports.type.number")
    if isinstance(dtype, pl.Datetime):
        return t("exports.type.datetime")
    if isinstance(dtype, pl.Date):
        return t("exports.type.date")
    return t("exports.type.text")


def _column_unit(column: str, t: Messages) -> str:
    if t.has(f"exports.unit_of.{column}"):
        return t(f"exports.unit_of.{column}")
    suffix = column.rsplit("_", 1)[-1] if "_" in column else ""
    if suffix in _UNIT_SUFFIXES:
        return t(_UNIT_SUFFIXES[suffix])
    return ""


def _column_meaning(column: str, t: Messages) -> str:
    key = f"exports.column.{column}"
    return t(key) if t.has(key) else ""


def _indicator_ids(tables: Sequence[tuple[str, pl.DataFrame, pl.DataFrame]]) -> list[str]:
    ids: set[str] = set()
    for name, frame, _ in tables:
        if name in {"indicators", "profile"} and "indicator" in frame.columns:
            ids.update(str(v) for v in frame["indicator"].drop_nulls().unique().to_list())
    return sorted(ids)


def _definition_rows(
    pub: Publication,
    t: Messages,
    tables: Sequence[tuple[str, pl.DataFrame, pl.DataFrame]],
    sheets: Mapping[str, str],
    notes_by_table: Mapping[str, list[str]],
) -> list[tuple[str, list[Any]]]:
    """The definitions sheet as (style, cells) rows; style is one of title, label, key,
    heading, head, row, blank."""
    from skills.indicators.catalogue import publication_catalogue

    rows: list[tuple[str, list[Any]]] = []
    rows.append(("title", [_title(pub, t)]))
    if pub.data_label:
        rows.append(("label", [t("exports.synthetic", label=_shown_label(pub.data_label, t))]))
    rows.append(("blank", []))
    package = pub.manifest.get("package")
    version = str(package.get("version") or "") if isinstance(package, Mapping) else ""
    facts = [
        (t("exports.def.run"), pub.run_id),
        (t("exports.def.started"), t.date(pub.manifest.get("started")) or ""),
        (t("exports.def.region"), pub.region),
        (t("exports.def.package"), version),
        (t("exports.def.vintages"), _vintages_text(pub, t)),
        (t("exports.def.data"), _shown_label(pub.data_label, t) or t("exports.def.data_real")),
        (t("exports.def.csv"), t("exports.encoding")),
        (t("exports.def.formulas"), t("exports.neutralised")),
        (t("exports.def.nulls"), t("exports.nulls")),
    ]
    rows.extend(("key", [k, v]) for k, v in facts)

    rows += [("blank", []), ("heading", [t("exports.def.sheets")])]
    rows.append(
        (
            "head",
            [
                t("exports.def.h_sheet"),
                t("exports.def.h_csv"),
                t("exports.def.h_rows"),
                t("exports.def.h_columns"),
                t("exports.def.h_row_is"),
                t("exports.def.h_note"),
            ],
        )
    )
    for name, frame, _ in tables:
        rows.append(
            (
                "row",
                [
                    sheets.get(name, t("exports.def.not_in_workbook")),
                    f"{name}.csv",
                    frame.height,
                    frame.width,
                    _rows_are(name, t),
                    " ".join(notes_by_table.get(name, [])),
                ],
            )
        )

    rows += [("blank", []), ("heading", [t("exports.def.columns")])]
    rows.append(
        (
            "head",
            [
                t("exports.def.h_sheet"),
                t("exports.def.h_column"),
                t("exports.def.h_type"),
                t("exports.def.h_unit"),
                t("exports.def.h_meaning"),
            ],
        )
    )
    for name, frame, _ in tables:
        sheet = sheets.get(name, f"{name}.csv")
        for column, dtype in frame.schema.items():
            rows.append(
                (
                    "row",
                    [
                        sheet,
                        column,
                        _type_name(dtype, t),
                        _column_unit(column, t),
                        _column_meaning(column, t),
                    ],
                )
            )

    ids = _indicator_ids(tables)
    if ids:
        entries = publication_catalogue(pub.manifest)  # with the extra analyses' ids
        rows += [("blank", []), ("heading", [t("exports.def.indicators")])]
        rows.append(("key", [t("exports.def.catalogue_note")]))
        rows.append(
            (
                "head",
                [
                    t("exports.def.h_indicator"),
                    t("exports.def.h_title"),
                    t("exports.def.h_unit"),
                    t("exports.def.h_sources"),
                    t("exports.def.h_definition"),
                ],
            )
        )
        for ind in ids:
            entry = entries.get(ind)
            if entry is None:
                rows.append(("row", [ind, "", "", "", t("exports.def.not_catalogued")]))
                continue
            rows.append(
                (
                    "row",
                    [
                        ind,
                        entry.title,
                        entry.unit,
                        ", ".join(entry.sources),
                        f"{entry.definition} ({entry.formula})",
                    ],
                )
            )

    inputs = _inputs(pub)
    rows += [("blank", []), ("heading", [t("exports.def.sources")])]
    rows.append(
        (
            "head",
            [
                t("exports.def.h_role"),
                t("exports.def.h_source"),
                t("exports.def.h_format"),
                t("exports.def.h_vintage"),
                t("exports.def.h_sha"),
                t("exports.def.h_rows"),
            ],
        )
    )
    if not inputs:
        rows.append(("row", [t("exports.def.no_sources")]))
    for item in inputs:
        location = str(item.get("location") or "")
        source = str(item.get("dataset") or Path(location).name or "")
        rows.append(
            (
                "row",
                [
                    str(item.get("role") or ""),
                    source,
                    str(item.get("format") or ""),
                    str(item.get("vintage") or t("exports.def.vintage_unstated")),
                    str(item.get("sha256") or "")[:12],
                    item.get("rows") if isinstance(item.get("rows"), int) else "",
                ],
            )
        )
    crosswalks = [c for c in pub.manifest.get("crosswalks") or () if isinstance(c, Mapping)]
    if crosswalks:
        rows += [("blank", []), ("heading", [t("exports.def.crosswalks")])]
        rows.append(
            (
                "head",
                [
                    t("exports.def.h_name"),
                    t("exports.def.h_version"),
                    t("exports.def.h_links"),
                    t("exports.def.h_variants"),
                ],
            )
        )
        for cw in crosswalks:
            rows.append(
                (
                    "row",
                    [
                        str(cw.get("name") or ""),
                        str(cw.get("version") or ""),
                        cw.get("links") if isinstance(cw.get("links"), int) else "",
                        ", ".join(str(v) for v in cw.get("variants") or ()),
                    ],
                )
            )
    return rows


def _readme_text(
    pub: Publication,
    t: Messages,
    *,
    tables: Sequence[tuple[str, pl.DataFrame, pl.DataFrame]],
    charts: Sequence[tuple[str, Path, int]],
    sheets: Mapping[str, str],
    workbook: Path | None,
    notes: Sequence[str],
) -> str:
    lines = [_title(pub, t), ""]
    if pub.data_label:
        lines += [t("exports.synthetic", label=_shown_label(pub.data_label, t)), ""]
    lines += [
        f"{t('exports.def.run')}: {pub.run_id}",
        f"{t('exports.def.started')}: {t.date(pub.manifest.get('started'))}",
        f"{t('exports.def.vintages')}: {_vintages_text(pub, t)}",
        "",
        t("exports.readme.files"),
    ]
    if workbook is not None:
        lines.append(
            "- " + t("exports.readme.workbook", file=workbook.name, sheet=t("exports.def.sheet"))
        )
    for name, frame, _ in tables:
        where = (
            t("exports.readme.sheet", sheet=sheets[name])
            if name in sheets
            else t("exports.def.not_in_workbook")
        )
        about = _rows_are(name, t)
        lines.append(
            "- "
            + t(
                "exports.readme.table",
                file=f"{name}.csv",
                rows=t.number(frame.height),
                where=where,
            )
            + (f" {about}" if about else "")
        )
    for cid, path, rows in charts:
        lines.append(
            "- " + t("exports.readme.chart", file=path.name, chart=cid, rows=t.number(rows))
        )
    lines += [
        "",
        t("exports.readme.how"),
        t("exports.encoding"),
        t("exports.open_excel"),
        t("exports.open_libreoffice"),
        t("exports.neutralised"),
        t("exports.nulls"),
    ]
    if notes:
        lines += ["", t("exports.readme.notes"), *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"
