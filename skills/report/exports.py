r"""Exports: every published table and every chart's data as CSV, and one XLSX workbook.

For the people who take tables to meetings. :func:`write_exports` writes, into
``<publication>/exports/``:

* ``<table>.csv``: every ``*.parquet`` table of the publication, whole;
* ``chart_<chart_id>.csv``: the data each chart of the report draws (the frame
  :func:`skills.report._build.prepare_charts` made, not recomputed);
* ``skills_<region>_<run_id>.xlsx``: one workbook, its first sheet the definitions
  (what one row of each table is, each column's meaning and unit, the indicators'
  definitions from the catalogue, the sources with their vintages, the run id, and the
  synthetic-data label when the publication has one), then one sheet per table;
* ``LEGGIMI.txt`` / ``README.txt``: what the files are and how to open them, with the
  synthetic-data label (a CSV file itself carries no comment line or extra column, so
  that it reads back as the table it is).

CSV files are UTF-8 *with* a byte-order mark, comma-separated, ``.`` as decimal mark,
ISO 8601 dates, column names on the first line, empty cells for nulls, floats written
with the shortest text that reads back to the same double. The mark is what makes
Excel read UTF-8 (without it Excel on Windows reads the file in the ANSI code page and
"Università" becomes "UniversitÃ "); LibreOffice, told the file is UTF-8 in its Text
Import dialog, and Polars' and pandas' readers skip it.

Formula injection (OWASP, "CSV Injection"): a *text* cell whose first character is
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote in front
(:func:`neutralise`), in the CSV files and in the workbook alike. Numeric cells are never
touched: a negative gap stays the number -19.3.

The workbook's data sheets are written as SpreadsheetML text built by Polars
expressions a column at a time and spliced into the package xlsxwriter makes (styles,
frozen header, autofilter, print titles, the definitions sheet): writing the demo's five
million cells one ``write_number`` call at a time takes about 24 s, this about 2 s. The
bytes depend only on the publication (zip entries dated 1980-01-01, the workbook's
creation date the run's start).

>>> neutralise("=1+1"), neutralise("-x"), neutralise("Torino")
("'=1+1", "'-x", 'Torino')
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sys
import time
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import polars as pl

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.i18n import Messages

__all__ = [
    "DANGEROUS_PREFIXES",
    "EXPORTS_DIR",
    "XLSX_MAX_ROWS",
    "ExportFile",
    "ExportsResult",
    "chart_frames_of",
    "exports_section",
    "neutralise",
    "neutralise_expr",
    "sheet_names",
    "write_exports",
]

#: The folder, inside the publication, the exports go to.
EXPORTS_DIR = "exports"
#: First characters that make a spreadsheet read a text cell as a formula (OWASP).
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Data rows a worksheet holds (1,048,576 rows less the header).
XLSX_MAX_ROWS = 1_048_575
#: Columns a worksheet holds.
XLSX_MAX_COLUMNS = 16_384
#: Characters a worksheet cell holds.
XLSX_MAX_CHARS = 32_767
#: Sheet names: at most 31 characters, none of these.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
#: Workbook tables in this order first (the planners' tables), then the rest by name.
TABLE_ORDER: tuple[str, ...] = (
    "its_gap",
    "its_gap_drivers",
    "its_gap_sensitivity",
    "its_gap_specs",
    "its_courses",
    "hiring_plans",
    "profile",
    "indicators",
    "shortage",
    "shortage_sensitivity",
    "beveridge",
    "polarisation_occupations",
    "polarisation_percentiles",
    "models",
    "models_glance",
    "panel",
)
#: Units read off a column name's suffix (docs/style.md: the unit is the suffix).
_UNIT_SUFFIXES: Mapping[str, str] = {
    "n": "exports.unit.n",
    "pct": "exports.unit.pct",
    "pp": "exports.unit.pp",
    "ratio": "exports.unit.ratio",
    "ths": "exports.unit.ths",
}
#: Zip entries are dated this, so that the same publication gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Deflate level of the workbook: 1 is four times faster than 6 for 20% more bytes.
_ZIP_LEVEL = 1
#: Rows of SpreadsheetML built per Polars pass (bounds memory on large tables).
_CHUNK_ROWS = 50_000
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_FIRST_DATE = date(1900, 3, 1)  # serial numbers below 61 carry the 1900 leap-year bug
#: Characters a worksheet's XML cannot hold as they are (a carriage return would be read
#: back as a line feed): written as Excel's ``_xHHHH_`` escapes.
_XML_CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20))]
_XML_CONTROL += ["\ufffe", "\uffff"]
_XML_CONTROL_PATTERN = r"[\x00-\x08\x0B-\x0D\x0E-\x1F\x{FFFE}\x{FFFF}]"


# ---------------------------------------------------------------------------- neutralise
def neutralise(text: str) -> str:
    """``text`` with a single quote in front when a spreadsheet would read it as a formula.

    OWASP's guidance on CSV injection: a cell beginning with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return is prefixed with ``'``. Nothing else changes, so the
    original is the result less its first character whenever the two differ; the
    function is idempotent.

    >>> [neutralise(s) for s in ("=SUM(A1)", "+39 011", "@x", "Torino", "")]
    ["'=SUM(A1)", "'+39 011", "'@x", 'Torino', '']
    """
    return f"'{text}" if text[:1] in DANGEROUS_PREFIXES else text


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`neutralise` on a String expression (nulls stay null, the name is kept)."""
    return expr.str.replace(r"^([=+\-@\t\r])", "'${1}")


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ExportFile:
    """One file of ``exports/``.

    Attributes
    ----------
    path
        Where it is.
    kind
        ``"table"``, ``"chart"``, ``"workbook"`` or ``"readme"``.
    name
        The table name or chart id (the file name for the workbook and the read-me).
    rows
        Data rows (None for the workbook and the read-me).
    bytes
        Size in bytes.
    sheet
        The table's sheet in the workbook (None when it is in the CSV file only).
    """

    path: Path
    kind: str
    name: str
    rows: int | None
    bytes: int
    sheet: str | None = None


@dataclass(frozen=True)
class ExportsResult:
    """What :func:`write_exports` wrote.

    Attributes
    ----------
    folder
        ``<target>/exports``.
    files
        Every file written: the workbook, the read-me, the tables' CSV files (in the
        workbook's order) and the charts' CSV files (in page order).
    sheets
        Each table's sheet in the workbook (a table too large for a sheet has none).
    notes
        What does not export as it is (a table too large for a worksheet, NaN values in
        the workbook, lists written as JSON), in the report's language.
    run_id, data_label
        The publication's run id and synthetic-data label.
    seconds
        Wall time per step (``read``, ``csv``, ``xlsx``, ``total``).
    """

    folder: Path
    files: tuple[ExportFile, ...]
    sheets: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    run_id: str = ""
    data_label: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files written."""
        return tuple(f.path for f in self.files)

    @property
    def workbook(self) -> Path | None:
        """The XLSX workbook (None when ``"xlsx"`` was not asked for)."""
        return next((f.path for f in self.files if f.kind == "workbook"), None)

    @property
    def bytes(self) -> int:
        """Total size of the files."""
        return sum(f.bytes for f in self.files)


# ---------------------------------------------------------------------------- frames
def chart_frames_of(items: Iterable[Any]) -> dict[str, pl.DataFrame]:
    """Each drawn chart's frame, as :func:`~skills.report._build.prepare_charts` made it.

    Takes ``item.frame`` when the item has one, else the frame the chart was built on
    (the ``pl.DataFrame`` of ``item.rows`` rows in the Altair chart: builders pass the
    frame itself to ``alt.Chart``), so no frame is computed twice. A chart whose frame
    cannot be found is left out.
    """
    out: dict[str, pl.DataFrame] = {}
    for item in items:
        frame = getattr(item, "frame", None)
        if not isinstance(frame, pl.DataFrame):
            frame = _find_frame(getattr(item, "chart", None), int(getattr(item, "rows", -1)))
        if frame is not None:
            out[str(item.chart_id)] = frame
    return out


def _find_frame(node: Any, rows: int) -> pl.DataFrame | None:
    if node is None:
        return None
    data = getattr(node, "data", None)
    if isinstance(data, pl.DataFrame) and data.height == rows:
        return data
    for attr in ("layer", "vconcat", "hconcat", "concat"):
        children = getattr(node, attr, None)
        if isinstance(children, list):
            for child in children:
                if (found := _find_frame(child, rows)) is not None:
                    return found
    spec = getattr(node, "spec", None)
    if spec is not None and not isinstance(spec, dict):
        return _find_frame(spec, rows)
    return None


def _table_frames(folder: Path) -> tuple[list[tuple[str, pl.DataFrame]], list[tuple[str, str]]]:
    """Every ``*.parquet`` of ``folder``, in :data:`TABLE_ORDER` then by name; and failures."""
    paths = {p.stem: p for p in folder.glob("*.parquet") if p.is_file()}
    rank = {name: i for i, name in enumerate(TABLE_ORDER)}
    names = sorted(paths, key=lambda n: (rank.get(n, len(rank)), n))
    tables: list[tuple[str, pl.DataFrame]] = []
    failed: list[tuple[str, str]] = []
    for name in names:
        try:
            tables.append((name, pl.read_parquet(paths[name])))
        except Exception as exc:  # an unreadable file must not stop the other exports
            failed.append((name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    return tables, failed


def _is_nested(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.List | pl.Array | pl.Struct)


def _json_cell(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def export_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as the exports hold it: every text cell neutralised, lists and records as
    JSON text, categoricals and binaries as text; numbers, booleans and dates unchanged.

    >>> export_frame(pl.DataFrame({"a": ["=1+1", "x"], "b": [-1.5, 2.0]})).rows()
    [("'=1+1", -1.5), ('x', 2.0)]
    """
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if _is_nested(dtype):
            texts = pl.Series(name, [_json_cell(v) for v in frame[name].to_list()], pl.String)
            exprs.append(neutralise_expr(pl.lit(texts)).alias(name))
        elif isinstance(dtype, pl.Binary):
            exprs.append(col.bin.encode("hex").alias(name))
        elif isinstance(dtype, pl.String | pl.Categorical | pl.Enum | pl.Object | pl.Null):
            exprs.append(neutralise_expr(col.cast(pl.String)).alias(name))
        elif isinstance(dtype, pl.Time | pl.Duration):
            exprs.append(col.cast(pl.String).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs) if exprs else frame


# ---------------------------------------------------------------------------- sheet names
def sheet_names(names: Sequence[str], *, reserved: Collection[str] = ()) -> list[str]:
    """A valid, unique worksheet name for each of ``names`` (in order).

    Excel allows 31 characters, none of ``[ ] : * ? / \\``, no apostrophe at either
    end, not ``History``, and compares names without case. A name that is cut or
    collides gets ``~2``, ``~3``... at its end.

    >>> sheet_names(["its_gap", "a" * 40, "A" * 40], reserved=["Definitions"])
    ['its_gap', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA~2']
    """
    taken = {r.casefold() for r in reserved} | {"history"}
    out: list[str] = []
    for raw in names:
        base = _SHEET_BAD.sub("_", raw).strip("'") or "sheet"
        candidate = base[:_SHEET_MAX]
        n = 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f"~{n}"
            candidate = base[: _SHEET_MAX - len(suffix)].rstrip("'") + suffix
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


# ---------------------------------------------------------------------------- write
def write_exports(
    pub: Publication,
    target: Path,
    *,
    t: Messages,
    chart_frames: Mapping[str, pl.DataFrame],
    formats: Collection[str] = ("csv", "xlsx"),
    max_sheet_rows: int = XLSX_MAX_ROWS,
) -> ExportsResult:
    """Write ``target/exports/``: the tables and charts' data as CSV, and the workbook.

    Parameters
    ----------
    pub
        The publication (its folder's ``*.parquet`` files are read whole: the report's
        own copy of ``indicators`` is filtered).
    target
        The folder the report is written into; ``exports/`` is made inside it.
    t
        The language of the definitions sheet, the read-me and the notes.
    chart_frames
        Each chart's data by chart id (:func:`chart_frames_of` of the report's items).
    formats
        ``"csv"`` (tables and charts), ``"xlsx"`` (the workbook) or both.
    max_sheet_rows
        Tables with more data rows are left out of the workbook, with a note (they are
        in their CSV file); the default is what a worksheet holds.

    The folder is written beside ``exports/`` and swapped in when complete, so a
    rebuild leaves no file of an earlier build.
    """
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    folder = Path(target) / EXPORTS_DIR
    work = Path(target) / f".{EXPORTS_DIR}.{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    notes: list[str] = []
    try:
        tables, failed = _table_frames(pub.folder)
        for name, error in failed:
            notes.append(t("exports.note.unreadable", file=f"{name}.parquet", error=error))
        prepared = [(name, frame, export_frame(frame)) for name, frame in tables]
        charts = [(cid, export_frame(frame)) for cid, frame in chart_frames.items()]
        seconds["read"] = time.perf_counter() - t0
        # how a table is written, for the definitions sheet and the read-me (not a note:
        # nothing is left out)
        remarks: dict[str, list[str]] = {}
        for name, frame, _ in prepared:
            nested = [c for c, d in frame.schema.items() if _is_nested(d)]
            if nested:
                text = t("exports.note.nested", name=name, columns=", ".join(nested))
                remarks.setdefault(name, []).append(text)

        csv_files: dict[str, Path] = {}
        chart_files: list[tuple[str, Path, int]] = []
        if "csv" in formats:
            t1 = time.perf_counter()
            for name, _, out in prepared:
                csv_files[name] = _write_csv(out, work / f"{name}.csv")
            for cid, out in charts:
                chart_files.append((cid, _write_csv(out, work / f"chart_{cid}.csv"), out.height))
            seconds["csv"] = time.perf_counter() - t1

        sheets: dict[str, str] = {}
        workbook: Path | None = None
        if "xlsx" in formats:
            t1 = time.perf_counter()
            workbook = work / _workbook_name(pub)
            sheets, xlsx_notes = _write_workbook(
                pub, workbook, prepared, t=t, max_rows=max_sheet_rows, remarks=remarks
            )
            notes.extend(xlsx_notes)
            seconds["xlsx"] = time.perf_counter() - t1

        readme = work / t("exports.readme.name")
        readme.write_text(
            _readme_text(
                pub,
                t,
                tables=prepared,
                charts=chart_files,
                sheets=sheets,
                workbook=workbook,
                notes=[*notes, *(r for rs in remarks.values() for r in rs)],
            ),
            encoding="utf-8",
        )
        for path in work.iterdir():
            _fsync(path)
        _swap(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    def moved(path: Path) -> Path:
        return folder / path.name

    files: list[ExportFile] = []
    if workbook is not None:
        wb = moved(workbook)
        files.append(ExportFile(wb, "workbook", wb.name, None, wb.stat().st_size))
    rm = moved(readme)
    files.append(ExportFile(rm, "readme", rm.name, None, rm.stat().st_size))
    for name, frame, _ in prepared:
        if name in csv_files:
            p = moved(csv_files[name])
            files.append(
                ExportFile(p, "table", name, frame.height, p.stat().st_size, sheets.get(name))
            )
    for cid, path, rows in chart_files:
        p = moved(path)
        files.append(ExportFile(p, "chart", cid, rows, p.stat().st_size))
    seconds["total"] = time.perf_counter() - t0
    return ExportsResult(
        folder=folder,
        files=tuple(files),
        sheets=sheets,
        notes=tuple(notes),
        run_id=pub.run_id,
        data_label=pub.data_label,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )


def _write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM, comma, '.', ISO dates, nulls as empty cells, floats in full."""
    frame.write_csv(path, include_bom=True, include_header=True, separator=",", null_value="")
    return path


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _swap(work: Path, folder: Path) -> None:
    """Put ``work`` where ``folder`` is (the previous exports are removed)."""
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    work.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        fd = os.open(folder.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _workbook_name(pub: Publication) -> str:
    parts = ["skills", pub.region, pub.run_id]
    clean = [re.sub(r"[^A-Za-z0-9._-]+", "-", p).strip("-.") for p in parts if p]
    return "_".join(p for p in clean if p) + ".xlsx"


# ---------------------------------------------------------------------------- definitions
def _started(pub: Publication) -> datetime:
    """The run's start in UTC (naive), the workbook's creation date; 1980 when unknown."""
    raw = pub.manifest.get("started")
    try:
        when = datetime.fromisoformat(str(raw))
    except (TypeError, ValueError):
        return datetime(1980, 1, 1)
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _inputs(pub: Publication) -> list[Mapping[str, Any]]:
    return [i for i in pub.manifest.get("inputs") or () if isinstance(i, Mapping)]


def _vintages(pub: Publication) -> list[str]:
    found = {str(i["vintage"])[:10] for i in _inputs(pub) if i.get("vintage")}
    return sorted(found)


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
    from skills.indicators.catalogue import load_catalogue

    rows: list[tuple[str, list[Any]]] = []
    title = str(pub.pipeline.get("title") or pub.region or "skills")
    rows.append(("title", [t("exports.def.title", title=title, run_id=pub.run_id)]))
    if pub.data_label:
        rows.append(("label", [t("exports.synthetic", label=_shown_label(pub.data_label, t))]))
    rows.append(("blank", []))
    package = pub.manifest.get("package")
    version = str(package.get("version") or "") if isinstance(package, Mapping) else ""
    vintages = _vintages(pub)
    facts = [
        (t("exports.def.run"), pub.run_id),
        (t("exports.def.started"), t.date(pub.manifest.get("started")) or ""),
        (t("exports.def.region"), pub.region),
        (t("exports.def.package"), version),
        (
            t("exports.def.vintages"),
            ", ".join(vintages) if vintages else t("exports.def.vintage_none"),
        ),
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
        entries = {e.id: e for e in load_catalogue()}
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


# ---------------------------------------------------------------------------- workbook
def _write_workbook(
    pub: Publication,
    path: Path,
    tables: Sequence[tuple[str, pl.DataFrame, pl.DataFrame]],
    *,
    t: Messages,
    max_rows: int,
    remarks: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], list[str]]:
    """Write the workbook; return each table's sheet name and the notes."""
    import xlsxwriter

    notes: list[str] = []
    notes_by_table: dict[str, list[str]] = {k: list(v) for k, v in remarks.items()}
    definitions = t("exports.def.sheet")
    fits = [
        (name, frame, out)
        for name, frame, out in tables
        if frame.height <= max_rows and 0 < frame.width <= XLSX_MAX_COLUMNS
    ]
    for name, frame, _ in tables:
        if frame.height > max_rows:
            note = t(
                "exports.note.csv_only",
                name=name,
                rows=t.number(frame.height),
                limit=t.number(max_rows),
                file=f"{name}.csv",
            )
        elif frame.width == 0:
            note = t("exports.note.no_columns", name=name, file=f"{name}.csv")
        elif frame.width > XLSX_MAX_COLUMNS:
            note = t(
                "exports.note.columns",
                name=name,
                columns=t.number(frame.width),
                limit=t.number(XLSX_MAX_COLUMNS),
                file=f"{name}.csv",
            )
        else:
            continue
        notes.append(note)
        notes_by_table.setdefault(name, []).append(note)
    names = sheet_names([name for name, _, _ in fits], reserved=[definitions])
    sheets = {name: sheet for (name, _, _), sheet in zip(fits, names, strict=True)}
    for name, frame, out in fits:
        for key in _cell_notes(frame, out):
            note = t(key, name=name, file=f"{name}.csv", limit=t.number(XLSX_MAX_CHARS))
            notes.append(note)
            notes_by_table.setdefault(name, []).append(note)

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title = str(pub.pipeline.get("title") or pub.region or "skills")
    label = _shown_label(pub.data_label, t)
    wb.set_properties(
        {
            "title": t("exports.def.title", title=title, run_id=pub.run_id),
            "subject": label,
            "author": "skills",
            "comments": t("exports.synthetic", label=label) if label else "",
            "created": _started(pub),
        }
    )
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "label": wb.add_format({"bold": True, "font_color": "#B00020", "font_size": 12}),
        "key": wb.add_format({"bold": True, "valign": "top"}),
        "heading": wb.add_format({"bold": True, "font_size": 12}),
        "head": wb.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "top": wb.add_format({"valign": "top"}),
    }
    header_text = _print_header(label, pub.run_id)

    ws = wb.add_worksheet(definitions)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 3, 18)
    ws.set_column(4, 4, 80)
    ws.set_column(5, 5, 40)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_header(header_text)
    definition_rows = _definition_rows(pub, t, tables, sheets, notes_by_table)
    for r, (style, cells) in enumerate(definition_rows):
        for c, value in enumerate(cells):
            if style in {"title", "label", "heading", "head"}:
                cell_fmt = fmt[style]
            elif style == "key" and c == 0:
                cell_fmt = fmt["key"]
            else:
                cell_fmt = fmt["wrap"] if c in (1, 4, 5) else fmt["top"]
            _write_cell(ws, r, c, value, cell_fmt)

    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    data_sheets: list[tuple[int, pl.DataFrame]] = []
    for index, (name, frame, out) in enumerate(fits, start=2):
        sheet = wb.add_worksheet(sheets[name])
        for c, column in enumerate(out.columns):
            sheet.write_string(0, c, neutralise(column), fmt["head"])
            dtype = out.schema[column]
            width = _width(out, column)
            if isinstance(dtype, pl.Datetime):
                sheet.set_column(c, c, max(width, 19), datetime_fmt)
            elif isinstance(dtype, pl.Date):
                sheet.set_column(c, c, max(width, 10), date_fmt)
            else:
                sheet.set_column(c, c, width)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(frame.height, 1), out.width - 1)
        sheet.repeat_rows(0)
        sheet.set_landscape()
        sheet.set_header(header_text)
        data_sheets.append((index, out))
    wb.close()
    styles = {"date": date_fmt.xf_index, "datetime": datetime_fmt.xf_index}
    _splice(buffer.getvalue(), path, data_sheets, styles)
    return sheets, notes


def _print_header(label: str, run_id: str) -> str:
    """The printed page header: the label on the left, the run id on the right."""

    def clean(text: str) -> str:
        return text.replace("&", "&&")[:100]

    left = f'&L&"-,Bold"{clean(label)}' if label else ""
    return f"{left}&R{clean(run_id)}"


def _width(frame: pl.DataFrame, column: str) -> float:
    """A column width from its header and the first thousand values (8 to 50)."""
    longest = len(column)
    head = frame[column].head(1000)
    if head.dtype == pl.String:
        value = head.str.len_chars().max()
        if isinstance(value, int):
            longest = max(longest, value)
    elif head.dtype.is_numeric():
        longest = max(longest, 12)
    return float(min(max(longest + 2, 8), 50))


def _write_cell(ws: Any, row: int, col: int, value: Any, cell_fmt: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, cell_fmt)
    else:
        ws.write_string(row, col, neutralise(str(value))[:XLSX_MAX_CHARS], cell_fmt)


def _cell_notes(frame: pl.DataFrame, out: pl.DataFrame) -> list[str]:
    """Message keys for what the workbook cannot hold as the table has it."""
    keys: list[str] = []
    floats = [c for c, d in frame.schema.items() if d.is_float()]
    if floats and frame.select(pl.any_horizontal(~pl.col(floats).is_finite()).any()).item():
        keys.append("exports.note.not_finite")
    texts = [c for c, d in out.schema.items() if d == pl.String]
    if texts:
        longest = out.select(pl.max_horizontal(pl.col(texts).str.len_chars().max())).item()
        if longest is not None and longest > XLSX_MAX_CHARS:
            keys.append("exports.note.truncated")
    return keys


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """A String expression escaped for a SpreadsheetML ``<t>`` element."""
    out = (
        expr.str.slice(0, XLSX_MAX_CHARS)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        # a literal _xHHHH_ would be read as an escaped character: escape its underscore
        .str.replace_all(r"_(x[0-9A-Fa-f]{4}_)", "_x005F_$1")
    )
    return out


def _xml_controls(expr: pl.Expr) -> pl.Expr:
    """Characters XML 1.0 cannot hold, as Excel's ``_xHHHH_`` escapes."""
    for char in _XML_CONTROL:
        expr = expr.str.replace_all(char, f"_x{ord(char):04X}_", literal=True)
    return expr


def _cell(index: int, body: pl.Expr, *, attrs: str = "", text: bool = False) -> pl.Expr:
    """``<c r="B7"{attrs}>`` holding ``body`` as an inline string or a value (null: null)."""
    if text:
        head, tail = f'"{attrs} t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
    else:
        head, tail = f'"{attrs}><v>', "</v></c>"
    ref = pl.lit(f'<c r="{_column_letter(index)}')
    return pl.concat_str([ref, pl.col("__row"), pl.lit(head), body, pl.lit(tail)])


def _cell_exprs(frame: pl.DataFrame, styles: Mapping[str, int | None]) -> list[pl.Expr]:
    """One expression per column giving each row's ``<c>`` element ('' for an empty cell).

    Text is an inline string (``t="inlineStr"``), escaped for XML; a boolean ``t="b"``;
    a date or a timestamp its Excel serial number with a date style (text before
    1900-03-01, where Excel's serials are wrong); other numbers their shortest
    round-trip text, NaN and infinities an empty cell.
    """
    exprs: list[pl.Expr] = []
    for i, (name, dtype) in enumerate(frame.schema.items()):
        col = pl.col(name)
        if dtype == pl.String or not (
            dtype.is_numeric() or dtype.is_temporal() or isinstance(dtype, pl.Boolean)
        ):
            text = col.cast(pl.String)
            body = _xml_text(text)
            if frame.select(text.str.contains(_XML_CONTROL_PATTERN).any()).item():
                body = _xml_controls(body)
            # an empty text is an empty cell: a spreadsheet shows no difference
            cell: pl.Expr = pl.when(text != "").then(_cell(i, body, text=True))
        elif isinstance(dtype, pl.Boolean):
            cell = _cell(i, col.cast(pl.UInt8).cast(pl.String), attrs=' t="b"')
        elif isinstance(dtype, pl.Date):
            days = (col - pl.lit(_EXCEL_EPOCH)).dt.total_days().cast(pl.String)
            number = _cell(i, days, attrs=f' s="{styles["date"] or 0}"')
            cell = (
                pl.when(col >= pl.lit(_EXCEL_FIRST_DATE))
                .then(number)
                .otherwise(_cell(i, col.cast(pl.String), text=True))
            )
        elif isinstance(dtype, pl.Datetime):
            naive = (
                col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
                if dtype.time_zone is not None
                else col
            ).cast(pl.Datetime("us"))
            micros = (naive - pl.lit(datetime(1899, 12, 30))).dt.total_microseconds()
            days = (micros.cast(pl.Float64) / 86_400_000_000).cast(pl.String)
            number = _cell(i, days, attrs=f' s="{styles["datetime"] or 0}"')
            cell = (
                pl.when(naive >= pl.lit(datetime(1900, 3, 1)))
                .then(number)
                .otherwise(_cell(i, naive.cast(pl.String), text=True))
            )
        elif dtype.is_numeric():
            value = col.cast(pl.Float64) if isinstance(dtype, pl.Decimal) else col
            if dtype.is_float() or isinstance(dtype, pl.Decimal):
                value = pl.when(value.is_finite()).then(value)
            cell = _cell(i, value.cast(pl.String))
        else:  # Time and Duration: export_frame made them text already
            cell = _cell(i, _xml_text(col.cast(pl.String)), text=True)
        exprs.append(cell.fill_null(""))
    return exprs


def _sheet_rows(frame: pl.DataFrame, styles: Mapping[str, int | None]) -> Iterator[bytes]:
    """The data rows of a sheet as SpreadsheetML, from row 2, in chunks."""
    exprs = _cell_exprs(frame, styles)
    for offset in range(0, frame.height, _CHUNK_ROWS):
        part = frame.slice(offset, _CHUNK_ROWS)
        first = offset + 2
        rows = (
            part.lazy()
            .with_columns(pl.int_range(first, first + part.height).cast(pl.String).alias("__row"))
            .select(
                pl.concat_str(
                    [pl.lit('<row r="'), pl.col("__row"), pl.lit('">'), *exprs, pl.lit("</row>")]
                ).alias("xml")
            )
            .collect()
        )
        yield "".join(rows["xml"].to_list()).encode("utf-8")


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    if sys.version_info >= (3, 13):
        info.compress_level = _ZIP_LEVEL
    else:  # the same attribute, private before 3.13
        info._compresslevel = _ZIP_LEVEL  # type: ignore[attr-defined]
    info.external_attr = 0o600 << 16
    return info


def _splice(
    package: bytes,
    path: Path,
    data_sheets: Sequence[tuple[int, pl.DataFrame]],
    styles: Mapping[str, int | None],
) -> None:
    """Copy xlsxwriter's ``package`` to ``path`` with the data rows inside each data sheet."""
    frames = {f"xl/worksheets/sheet{index}.xml": frame for index, frame in data_sheets}
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            frame = frames.get(entry.filename)
            with target.open(_zip_info(entry.filename), "w") as out:
                if frame is None:
                    out.write(data)
                    continue
                text = data.decode("utf-8")
                end = text.find("</sheetData>")
                if end < 0 or text.count("</sheetData>") != 1:
                    raise RuntimeError(f"unexpected worksheet XML in {entry.filename}")
                last = f"{_column_letter(max(frame.width - 1, 0))}{frame.height + 1}"
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', text)
                end = text.find("</sheetData>")
                out.write(text[:end].encode("utf-8"))
                for chunk in _sheet_rows(frame, styles):
                    out.write(chunk)
                out.write(text[end:].encode("utf-8"))


# ---------------------------------------------------------------------------- read-me
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
    title = str(pub.pipeline.get("title") or pub.region or "skills")
    lines = [t("exports.def.title", title=title, run_id=pub.run_id), ""]
    if pub.data_label:
        lines += [t("exports.synthetic", label=_shown_label(pub.data_label, t)), ""]
    vintages = _vintages(pub)
    lines += [
        f"{t('exports.def.run')}: {pub.run_id}",
        f"{t('exports.def.started')}: {t.date(pub.manifest.get('started'))}",
        f"{t('exports.def.vintages')}: "
        + (", ".join(vintages) if vintages else t("exports.def.vintage_none")),
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


# ---------------------------------------------------------------------------- HTML
def _size(n: int, t: Messages) -> str:
    if n < 1024:
        return t("exports.size.bytes", n=t.number(n))
    if n < 1024 * 1024:
        return t("exports.size.kb", n=t.number(n / 1024))
    return t("exports.size.mb", n=t.number(n / (1024 * 1024), 1))


def _shown_label(label: str | None, t: Messages) -> str:
    """The data label in the reader's language, in capitals ('' for real data)."""
    from skills.report.frames import data_label_text

    text = data_label_text(label, t)
    return text.upper() if text else ""


def exports_section(result: ExportsResult, *, t: Messages) -> str:
    """The page's ``<section id="exports">``: every file, linked relatively, with its rows
    and size. Every text is escaped.
    """
    e = escape
    out = [f'<section id="exports"><h2>{e(t("exports.heading"))}</h2>']
    if result.data_label:
        label = t("exports.synthetic", label=_shown_label(result.data_label, t))
        out.append(f'<p class="notes" role="note">{e(label)}</p>')
    out.append(f'<p class="muted">{e(t("exports.lead"))}</p>')
    head = (
        f'<th scope="col">{e(t("exports.html.file"))}</th>'
        f'<th scope="col">{e(t("exports.html.contents"))}</th>'
        f'<th class="num" scope="col">{e(t("exports.html.rows"))}</th>'
        f'<th class="num" scope="col">{e(t("exports.html.size"))}</th>'
    )
    body: list[str] = []
    for item in result.files:
        if item.kind == "table" and item.bytes == 0:
            continue  # a table in the workbook only: the workbook's own row lists it
        href = f"{EXPORTS_DIR}/{quote(item.path.name)}"
        if item.kind == "workbook":
            contents = t("exports.kind.workbook", sheet=t("exports.def.sheet"))
        elif item.kind == "readme":
            contents = t("exports.kind.readme")
        elif item.kind == "chart":
            contents = t("exports.kind.chart", name=item.name)
        else:
            contents = t("exports.kind.table", name=item.name)
            if item.sheet is not None:
                contents += " " + t("exports.kind.sheet", sheet=item.sheet)
        rows = t.number(item.rows) if item.rows is not None else ""
        body.append(
            f'<tr><td><a href="{e(href, quote=True)}">{e(item.path.name)}</a></td>'
            f"<td>{e(contents)}</td><td class=num>{e(rows)}</td>"
            f"<td class=num>{e(_size(item.bytes, t))}</td></tr>"
        )
    out.append(
        f'<div class="tablewrap"><table class="exports"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    out.append(
        f'<p class="muted">{e(t("exports.encoding"))} {e(t("exports.open_excel"))} '
        f"{e(t('exports.open_libreoffice'))} {e(t('exports.neutralised'))}</p>"
    )
    if result.notes:
        items = "".join(f"<li>{e(n)}</li>" for n in result.notes)
        out.append(f'<div class="notes"><ul>{items}</ul></div>')
    out.append("</section>")
    return "".join(out)
