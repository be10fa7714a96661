"""The XLSX workbook: the definitions sheet first, then one sheet per table.

xlsxwriter makes the package (styles, frozen header, autofilter, print titles, the
definitions sheet); the data sheets' rows are SpreadsheetML text built by Polars
expressions a column at a time and spliced into it (:func:`_splice`): writing the demo's
five million cells one ``write_number`` call at a time takes about 24 s, this about 2 s.
The bytes depend only on the publication (zip entries dated 1980-01-01, the workbook's
creation date the run's start).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.exports._definitions import _definition_rows
from skills.report.exports._text import _shown_label, _title, neutralise

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.i18n import Messages

#: Data rows a worksheet holds (1,048,576 rows less the header).
XLSX_MAX_ROWS = 1_048_575
#: Columns a worksheet holds (:func:`~skills.report.exports.write_exports` passes the
#: package's value).
XLSX_MAX_COLUMNS = 16_384
#: Characters a worksheet cell holds.
XLSX_MAX_CHARS = 32_767
#: Sheet names: at most 31 characters, none of these.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
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


def _workbook_name(pub: Publication) -> str:
    parts = ["skills", pub.region, pub.run_id]
    clean = [re.sub(r"[^A-Za-z0-9._-]+", "-", p).strip("-.") for p in parts if p]
    return "_".join(p for p in clean if p) + ".xlsx"


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


def _write_workbook(
    pub: Publication,
    path: Path,
    tables: Sequence[tuple[str, pl.DataFrame, pl.DataFrame]],
    *,
    t: Messages,
    max_rows: int,
    max_columns: int,
    remarks: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], list[str]]:
    """Write the workbook; return each table's sheet name and the notes.

    A table with more than ``max_rows`` rows, more than ``max_columns`` columns or no
    column at all is left out of it, with a note (it is in its CSV file).
    """
    import xlsxwriter

    notes: list[str] = []
    notes_by_table: dict[str, list[str]] = {k: list(v) for k, v in remarks.items()}
    definitions = t("exports.def.sheet")
    fits = [
        (name, frame, out)
        for name, frame, out in tables
        if frame.height <= max_rows and 0 < frame.width <= max_columns
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
        elif frame.width > max_columns:
            note = t(
                "exports.note.columns",
                name=name,
                columns=t.number(frame.width),
                limit=t.number(max_columns),
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
    label = _shown_label(pub.data_label, t)
    wb.set_properties(
        {
            "title": _title(pub, t),
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


#: What :func:`_xml_text` may have to change in a text, each with a pattern that finds it.
_XML_TEXT_STEPS = ("long", "&", "<", ">", "_xHHHH_")
_ESCAPED_UNDERSCORE = r"_(x[0-9A-Fa-f]{4}_)"


def _xml_text(expr: pl.Expr, steps: Collection[str] = _XML_TEXT_STEPS) -> pl.Expr:
    """A String expression escaped for a SpreadsheetML ``<t>`` element.

    ``steps``: the ones of :data:`_XML_TEXT_STEPS` the column needs (:func:`_text_steps`);
    the others would change nothing in it and are skipped (they are half the time of a
    sheet of short codes). None of the replacements can make text another one matches.
    """
    out = expr
    if "long" in steps:
        out = out.str.slice(0, XLSX_MAX_CHARS)
    if "&" in steps:
        out = out.str.replace_all("&", "&amp;", literal=True)
    if "<" in steps:
        out = out.str.replace_all("<", "&lt;", literal=True)
    if ">" in steps:
        out = out.str.replace_all(">", "&gt;", literal=True)
    if "_xHHHH_" in steps:
        # a literal _xHHHH_ would be read as an escaped character: escape its underscore
        out = out.str.replace_all(_ESCAPED_UNDERSCORE, "_x005F_$1")
    return out


def _text_steps(frame: pl.DataFrame, columns: Sequence[str]) -> dict[str, set[str]]:
    """Per text column, the :func:`_xml_text` steps its values need, plus ``"control"``
    where it holds a character XML cannot (one pass over the frame)."""
    if not columns:
        return {}
    checks: list[pl.Expr] = []
    for i, name in enumerate(columns):
        text = pl.col(name).cast(pl.String)
        checks += [
            (text.str.len_chars().max() > XLSX_MAX_CHARS).alias(f"{i}:long"),
            text.str.contains("&", literal=True).any().alias(f"{i}:&"),
            text.str.contains("<", literal=True).any().alias(f"{i}:<"),
            text.str.contains(">", literal=True).any().alias(f"{i}:>"),
            text.str.contains(_ESCAPED_UNDERSCORE).any().alias(f"{i}:_xHHHH_"),
            text.str.contains(_XML_CONTROL_PATTERN).any().alias(f"{i}:control"),
        ]
    found = frame.select(checks).row(0, named=True)
    steps: dict[str, set[str]] = {name: set() for name in columns}
    for key, hit in found.items():
        index, step = key.split(":", 1)
        if hit:
            steps[columns[int(index)]].add(step)
    return steps


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

    def is_text(dtype: pl.DataType) -> bool:
        return dtype == pl.String or not (
            dtype.is_numeric() or dtype.is_temporal() or isinstance(dtype, pl.Boolean)
        )

    steps = _text_steps(frame, [name for name, dtype in frame.schema.items() if is_text(dtype)])
    exprs: list[pl.Expr] = []
    for i, (name, dtype) in enumerate(frame.schema.items()):
        col = pl.col(name)
        if is_text(dtype):
            text = col.cast(pl.String)
            body = _xml_text(text, steps[name])
            if "control" in steps[name]:
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
