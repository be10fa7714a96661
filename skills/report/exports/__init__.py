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

This module holds the public API (:func:`write_exports` and what it returns); the work
is done by ``_text`` (neutralising, shared texts), ``_frames`` (the tables and charts'
frames as exported), ``_files`` (CSV files, the folder's swap), ``_xlsx`` (the workbook
and its fast sheet XML), ``_definitions`` (the definitions sheet and the read-me) and
``_section`` (the report page's section).

>>> neutralise("=1+1"), neutralise("-x"), neutralise("Torino")
("'=1+1", "'-x", 'Torino')
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from skills._fileio import fsync_file
from skills.report.exports._definitions import _readme_text
from skills.report.exports._files import EXPORTS_DIR, _swap, _write_csv
from skills.report.exports._frames import TABLE_ORDER as TABLE_ORDER
from skills.report.exports._frames import _is_nested, _table_frames, chart_frames_of
from skills.report.exports._frames import export_frame as export_frame
from skills.report.exports._section import exports_section
from skills.report.exports._text import DANGEROUS_PREFIXES, neutralise, neutralise_expr
from skills.report.exports._xlsx import XLSX_MAX_CHARS as XLSX_MAX_CHARS
from skills.report.exports._xlsx import XLSX_MAX_COLUMNS as XLSX_MAX_COLUMNS
from skills.report.exports._xlsx import (
    XLSX_MAX_ROWS,
    _workbook_name,
    _write_workbook,
    sheet_names,
)

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.i18n import Messages

# The names imported ``as`` themselves above (TABLE_ORDER, XLSX_MAX_CHARS,
# XLSX_MAX_COLUMNS, export_frame) are importable from here too, as before the split.
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
                pub,
                workbook,
                prepared,
                t=t,
                max_rows=max_sheet_rows,
                # read here, so that the package's XLSX_MAX_COLUMNS is the one in effect
                max_columns=XLSX_MAX_COLUMNS,
                remarks=remarks,
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
            fsync_file(path)
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
