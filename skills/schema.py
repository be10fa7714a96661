"""Declarative schemas for the files users bring, and the reader that enforces them.

A :class:`TableSchema` lists the columns of a table (name, type, whether required, allowed
codes, range, unit, description, accepted header aliases) and the row rules that tie
columns together (``graduates_n <= enrolled_n``). :func:`read_table` reads a CSV or XLSX
file against it and returns a typed Polars frame, or raises
:class:`~skills.errors.InputError` naming the file, the line (or sheet row), the column and
the value. These are the structural checks that run before any value suite.

The same objects render the schema documentation (:func:`schema_markdown`), so the
documentation cannot drift from what the reader enforces. This module knows no source:
each reader (``skills.sources.*``) declares its schema with it, and the registry of
source roles (:mod:`skills.roles`) says which schema belongs to which role.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from skills.errors import MAX_REPORTED, ConfigError, InputError

__all__ = [
    "MAX_COUNT",
    "MAX_COUNT_REASON",
    "Column",
    "RowRule",
    "TableSchema",
    "read_table",
    "schema_markdown",
    "schemas_document",
]

DType = Literal["string", "int", "float"]
_POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "string": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
}
_LINE = "_line"

#: The largest plausible count of persons in one cell of a user file (hires, enrolled,
#: graduates): Italy has about 59 million residents. Bounding counts here also means that
#: a sum of up to 9 billion cells cannot overflow Int64 (9.2e18).
MAX_COUNT = 1_000_000_000
MAX_COUNT_REASON = "the largest plausible count of persons in one cell"


@dataclass(frozen=True)
class Column:
    """One column of a user file.

    Parameters
    ----------
    name
        Canonical column name (snake_case, unit or code system as suffix).
    dtype
        ``"string"``, ``"int"`` or ``"float"``.
    description
        What the column holds, for the documentation.
    required
        Whether the column must be present.
    nullable
        For optional or required columns: whether empty cells are allowed. A required
        column that is not nullable may have no empty cell (and a column empty in every
        row is reported as such); a required nullable column must be present but may be
        empty, even in every row.
    codes
        A callable returning the allowed values (evaluated lazily, once per read), and the
        name of the code list for messages.
    minimum, maximum
        Closed range for numbers. For a measure without a natural upper limit,
        ``maximum`` is the largest plausible value (:data:`MAX_COUNT` for counts of
        persons), so that a unit or typing error (a value x1000, ``1e300``) stops the read
        and a sum of counts cannot overflow ``Int64``.
    maximum_reason
        Why the maximum is what it is, shown in the message and the documentation.
    pattern
        Regular expression a string value must match in full.
    aliases
        Other header names accepted for this column (e.g. Italian headers).
    unit
        The unit of a measure, for the documentation.
    normalise
        A transformation applied to string values before they are checked (e.g. removing
        Eurostat's ``OC`` prefix from occupation codes).
    """

    name: str
    dtype: DType
    description: str
    required: bool = True
    nullable: bool = False
    codes: tuple[Callable[[], Iterable[str]], str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    maximum_reason: str | None = None
    pattern: str | None = None
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    normalise: Callable[[pl.Expr], pl.Expr] | None = None


@dataclass(frozen=True)
class RowRule:
    """A rule on each row, e.g. graduates cannot exceed enrolled.

    ``check`` is a Polars expression that is true on valid rows (nulls count as valid, so
    that optional columns can be empty); ``column`` is the column blamed in the message.
    """

    check: pl.Expr
    message: str
    column: str
    shows: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """The schema of one user-supplied table."""

    name: str
    title: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[RowRule, ...] = ()
    notes: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def empty(self) -> pl.DataFrame:
        """An empty frame with this schema's columns and types."""
        return pl.DataFrame(schema={c.name: _POLARS_TYPES[c.dtype] for c in self.columns})


def read_table(
    path: str | Path,
    schema: TableSchema,
    *,
    sheet: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    ignore_columns: Sequence[str] = (),
) -> pl.DataFrame:
    """Read a CSV or XLSX file and check it against ``schema``.

    Parameters
    ----------
    path
        A ``.csv`` (or ``.txt``) or ``.xlsx`` file.
    schema
        The table's schema.
    sheet
        For XLSX: the sheet to read (default: the first visible one). The header is the
        sheet's first non-empty row; rows are numbered as in the spreadsheet.
    delimiter, encoding
        For CSV: the field separator and text encoding (UTF-8 and comma by default; set
        ``delimiter=";"`` or ``encoding="cp1252"`` for files saved by Italian spreadsheets).
    ignore_columns
        Extra columns that may be present and are dropped; any other unknown column is an
        error, so that a renamed header is never silently ignored.

    Returns
    -------
    polars.DataFrame
        The schema's columns in schema order (optional columns absent from the file are
        added as nulls), typed, plus ``_line``: the file line (CSV) or sheet row (XLSX) of
        each record, for messages further down the pipeline.

    Raises
    ------
    skills.errors.ConfigError
        If the file does not exist, its type is not supported, the sheet does not exist, or
        ``delimiter`` / ``encoding`` are not usable.
    skills.errors.InputError
        If the content breaks the schema; the error names the file, the line (or sheet and
        sheet row) and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"file not found (expected the {schema.title} table)", file=path)
    suffix = path.suffix.lower()
    header_line = 1
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raw, sheet_name, header_line = _read_xlsx(path, sheet)
    elif suffix in {".csv", ".txt", ".tsv"}:
        if len(delimiter) != 1:
            raise ConfigError(f"delimiter must be one character, not {delimiter!r}", file=path)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigError(f"{encoding!r} is not a known text encoding", file=path) from None
        raw = _read_csv(path, delimiter=delimiter, encoding=encoding)
        sheet_name = None
    else:
        raise ConfigError(
            f"unsupported file type {suffix!r} for the {schema.title} table: use .csv or .xlsx",
            file=path,
        )
    return _conform(
        raw,
        schema,
        str(path),
        sheet=sheet_name,
        header_line=header_line,
        ignore_columns=ignore_columns,
    )


# ------------------------------------------------------------------------ reading


def _read_csv(path: Path, *, delimiter: str, encoding: str) -> pl.DataFrame:
    data = path.read_bytes()
    label = str(path)
    if not data.strip():
        raise InputError(label, "the file is empty")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        snippet = data[max(0, exc.start - 12) : exc.start + 12].decode("latin-1")
        raise InputError(
            label,
            f"not valid {encoding} text near {snippet.strip()!r}: the file looks saved as "
            "Latin-1/Windows-1252 (accented Italian names); re-save it as UTF-8, or set "
            'encoding = "cp1252" for this source in the pipeline spec',
            line=line,
        ) from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(label, "the file is empty")
    header_line = text.split("\n", 1)[0]
    if delimiter not in header_line:
        for other in (";", "\t", "|", ","):
            if other != delimiter and other in header_line:
                raise InputError(
                    label,
                    f"the header is separated by {other!r}, not {delimiter!r}: save the file "
                    f"as comma-separated CSV, or set delimiter = {other!r} for this source "
                    "in the pipeline spec",
                    line=1,
                )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[int] = []
    records: list[list[str | None]] = []
    try:
        header = [h.strip() for h in next(reader)]
        width = len(header)
        # a quoted field may span several lines: a record starts on the line after the
        # previous record ended
        start = reader.line_num + 1
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != width:
                raise InputError(
                    label,
                    f"{len(fields)} fields where the header has {width}"
                    + (": the line is truncated" if len(fields) < width else ""),
                    line=line,
                )
            records.append([f.strip() or None for f in fields])
            lines.append(line)
    except csv.Error as exc:
        raise InputError(label, f"not readable as CSV: {exc}", line=reader.line_num) from exc
    if not records:
        raise InputError(label, "the file has a header but no data rows", line=1)
    _check_header(header, label, None)
    frame = pl.DataFrame(records, schema=dict.fromkeys(header, pl.String), orient="row")
    return frame.with_columns(pl.Series(_LINE, lines, dtype=pl.Int64))


def _read_xlsx(path: Path, sheet: str | None) -> tuple[pl.DataFrame, str, int]:
    import fastexcel

    from skills.xlsx_guard import check_workbook

    label = str(path)
    # A bounded look at the XML first: the sheet to read (never a hidden one implicitly),
    # and every cell that would not read as it looks (formulas without saved values, error
    # values, merged cells), a damaged file or a used range the reader would allocate
    # whole (a stray cell in XFD1048576 aborts the process), before fastexcel opens it.
    choice = check_workbook(path, sheet)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(label, f"cannot open the workbook: {exc}") from exc
    names = reader.sheet_names
    if sheet is not None and sheet not in names:
        raise ConfigError(f"no sheet {sheet!r}; the workbook has {names}", file=path)
    sheet_name = choice.sheet if choice is not None else sheet or names[0]
    # Without a header row and with no rows skipped, fastexcel returns every row from sheet
    # row 1 (leading empty rows included), so row numbers are the sheet's own even when the
    # table does not start in row 1. The header is the first non-empty row.
    try:
        table = reader.load_sheet_by_name(sheet_name, header_row=None, skip_rows=0, dtypes="string")
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(label, f"cannot read the sheet: {exc}", sheet=sheet_name) from exc
    cells = pl.DataFrame(table.to_arrow())
    values = cells.columns
    cells = cells.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in values
    )
    cells = cells.with_row_index(_LINE, offset=1).with_columns(pl.col(_LINE).cast(pl.Int64))
    if values:
        cells = cells.filter(~pl.all_horizontal(pl.col(c).is_null() for c in values))
    if cells.height == 0:
        raise InputError(label, "the sheet is empty", sheet=sheet_name)
    head = cells.row(0, named=True)
    header_line = int(head[_LINE])
    data = cells.slice(1)
    # columns with neither a header nor a value (formatting, stray spaces) are not columns
    keep = [c for c in values if head[c] is not None or data[c].null_count() < data.height]
    header = [str(head[c] or "") for c in keep]
    _check_header(header, label, sheet_name, header_line)
    if data.height == 0:
        raise InputError(
            label, "the sheet has a header but no data rows", line=header_line, sheet=sheet_name
        )
    frame = data.select(*(pl.col(c).alias(h) for c, h in zip(keep, header, strict=True)), _LINE)
    return frame, sheet_name, header_line


def _check_header(header: list[str], label: str, sheet: str | None, line: int = 1) -> None:
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise InputError(
                label,
                f"the header has an empty column name (column {position}): name it, or "
                "delete the column",
                line=line,
                sheet=sheet,
            )
        if name in seen:
            raise InputError(
                label,
                f"column {name!r} appears twice in the header",
                line=line,
                column=name,
                sheet=sheet,
            )
        seen.add(name)


# ------------------------------------------------------------------------ checking


def _conform(
    raw: pl.DataFrame,
    schema: TableSchema,
    label: str,
    *,
    sheet: str | None,
    header_line: int,
    ignore_columns: Sequence[str],
) -> pl.DataFrame:
    # ignored columns go first, so that an ignored column is never read through an alias
    raw = raw.drop([c for c in ignore_columns if c in raw.columns and c != _LINE])
    rename: dict[str, str] = {}
    for col in schema.columns:
        if col.name in raw.columns:
            continue
        # the canonical name in another case (``Enrolled_N``) counts as an alias
        aliases = {a.lower() for a in col.aliases} | {col.name.lower()}
        found = [c for c in raw.columns if c.lower() in aliases]
        if len(found) > 1:
            raise InputError(
                label,
                f"columns {found[0]!r} and {found[1]!r} are both read as {col.name!r}: keep "
                "one, or list the other under ignore_columns in the pipeline spec",
                line=header_line,
                column=found[1],
                sheet=sheet,
            )
        if found:
            rename[found[0]] = col.name
    raw = raw.rename(rename)
    known = {*schema.column_names, _LINE}
    unknown = [c for c in raw.columns if c not in known]
    missing = [c.name for c in schema.columns if c.required and c.name not in raw.columns]
    if missing:
        hint = f" (the file has unknown columns {unknown}: renamed?)" if unknown else ""
        raise InputError(
            label,
            f"required column {missing[0]!r} is missing{hint}; required columns are "
            + ", ".join(c.name for c in schema.columns if c.required),
            line=header_line,
            column=missing[0],
            sheet=sheet,
        )
    if unknown:
        raise InputError(
            label,
            f"unexpected column {unknown[0]!r}; the {schema.title} table has columns "
            + ", ".join(schema.column_names)
            + " (list extra columns under ignore_columns in the pipeline spec to drop them)",
            line=header_line,
            column=unknown[0],
            sheet=sheet,
        )
    out = raw.with_columns(
        pl.lit(None, pl.String).alias(c.name) for c in schema.columns if c.name not in raw.columns
    )

    def fail(row: dict[str, object], column: str, reason: str) -> InputError:
        return InputError(label, reason, line=int(row[_LINE]), column=column, sheet=sheet)  # type: ignore[call-overload]

    for col in schema.columns:
        # a required column that may hold empty cells (graduates of cohorts still running)
        # may be empty in every row; any other required column may not
        if col.required and not col.nullable and out[col.name].null_count() == out.height:
            raise InputError(
                label,
                f"column {col.name!r} is empty in every row",
                line=header_line,
                column=col.name,
                sheet=sheet,
            )

    # Every bad cell is collected (file line, column position) -> message, so that one run
    # reports all of them (the first MAX_REPORTED in the message, the rest counted); a cell
    # keeps the first problem found (a value that is not a number is not also "empty").
    problems: dict[tuple[int, int], tuple[str, str]] = {}
    position = {c.name: i for i, c in enumerate(schema.columns)}

    def collect(bad: pl.DataFrame, column: str, reason: Callable[[dict[str, object]], str]) -> None:
        where = position[column]
        lines = bad[_LINE].to_list()
        todo = [ln for ln in lines if (ln, where) not in problems]
        if not todo:
            return
        shown = set(sorted(todo)[:MAX_REPORTED])
        for row in bad.filter(pl.col(_LINE).is_in(list(shown))).iter_rows(named=True):
            key = (int(row[_LINE]), where)
            if key not in problems:
                problems[key] = (column, reason(row))
        for ln in todo:
            problems.setdefault((int(ln), where), (column, ""))

    typed: list[pl.Expr] = []
    for col in schema.columns:
        src = pl.col(col.name)
        if col.dtype == "string":
            as_text = src.cast(pl.String)
            typed.append((col.normalise(as_text) if col.normalise else as_text).alias(col.name))
            continue
        target = _POLARS_TYPES[col.dtype]
        as_number = src.str.strip_chars()
        if col.dtype == "int":
            # "20.0" (a count written as a decimal) is 20; "1.000" is not read as 1: with
            # an Italian thousands separator it means one thousand, so it fails below
            grouped = as_number.str.contains(r"^[+-]?\d{1,3}(\.\d{3})+$")
            as_number = (
                pl.when(grouped).then(as_number).otherwise(as_number.str.replace(r"\.0+$", ""))
            )
        cast = as_number.cast(target, strict=False)
        name, dtype = col.name, col.dtype
        collect(
            out.filter(src.is_not_null() & cast.is_null()),
            name,
            lambda r, n=name, d=dtype: _not_a_number(str(r[n]), d),  # type: ignore[misc]
        )
        if col.dtype == "float":
            # "inf", "nan" and "1e999" (read as infinity) are numbers to Polars, not to us
            collect(
                out.filter(cast.is_not_null() & ~cast.is_finite()),
                name,
                lambda r, n=name: f"value {str(r[n])!r} is not a finite number",  # type: ignore[misc]
            )
            cast = pl.when(cast.is_finite()).then(cast)
        typed.append(cast.alias(col.name))
    out = out.with_columns(typed)

    for col in schema.columns:
        name = col.name
        if not col.nullable:
            collect(
                out.filter(pl.col(name).is_null()),
                name,
                lambda r: "empty cell in a required column",
            )
        if col.minimum is not None:
            lo = col.minimum
            collect(
                out.filter(pl.col(name) < lo),
                name,
                lambda r, n=name, lo=lo: f"value {r[n]} is below {lo:g}",  # type: ignore[misc]
            )
        if col.maximum is not None:
            hi, why = col.maximum, col.maximum_reason
            collect(
                out.filter(pl.col(name) > hi),
                name,
                lambda r, n=name, hi=hi, why=why: (  # type: ignore[misc]
                    f"value {r[n]} is above {hi:g}" + (f" ({why})" if why else "")
                ),
            )
        if col.pattern is not None:
            pattern, description = col.pattern, col.description
            collect(
                out.filter(~pl.col(name).str.contains(f"^(?:{pattern})$")),
                name,
                lambda r, n=name, p=pattern, d=description: (  # type: ignore[misc]
                    f"value {r[n]!r} is not of the form {p!r}; expected: {d}"
                ),
            )
        if col.codes is not None:
            loader, list_name = col.codes
            allowed = sorted(set(loader()))
            collect(
                out.filter(pl.col(name).is_not_null() & ~pl.col(name).is_in(allowed)),
                name,
                lambda r, n=name, ln=list_name: f"unknown code {r[n]!r} (not in {ln})",  # type: ignore[misc]
            )

    for rule in schema.rules:
        shows = rule.shows or (rule.column,)
        collect(
            out.filter(~rule.check.fill_null(True)),
            rule.column,
            lambda r, m=rule.message, sh=shows: f"{m} ({_fmt({c: r[c] for c in sh})})",  # type: ignore[misc]
        )

    if problems:
        listed = sorted(problems.items())
        raise InputError.of_many(
            [
                InputError(label, reason, line=ln, column=column, sheet=sheet)
                for (ln, _), (column, reason) in listed[:MAX_REPORTED]
            ],
            total=len(listed),
        )

    dup = out.filter(pl.struct(list(schema.key)).is_duplicated())
    if dup.height:
        first = dup.sort(_LINE).row(0, named=True)
        same = dup.filter(
            pl.all_horizontal(pl.col(k).eq_missing(first[k]) for k in schema.key)
        ).sort(_LINE)
        lines = ", ".join(str(v) for v in same[_LINE].to_list()[:5])
        raise fail(
            same.row(1, named=True),
            schema.key[0],
            "duplicated key " + _fmt({k: first[k] for k in schema.key}) + f" on lines {lines}",
        )
    return out.select(*schema.column_names, _LINE)


def _fmt(values: dict[str, object]) -> str:
    return ", ".join(f"{k}={'(empty)' if v is None else v}" for k, v in values.items())


def _not_a_number(value: str, dtype: DType) -> str:
    """The message for a cell that is not a number, with the likely cause when it shows."""
    if dtype == "int":
        message = f"value {value!r} is not a whole number"
        if re.fullmatch(r"[+-]?\d{19,}", value.strip()):
            return message + ": it is too large to be a count (at most 1e+09)"
        if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", value):
            return message + ": write counts without thousands separators (1000, not 1.000)"
        if re.fullmatch(r"[+-]?\d*[.,]\d+", value):
            return message + ": counts cannot have decimals"
        return message
    message = f"value {value!r} is not a number"
    if re.fullmatch(r"[+-]?[\d.]*,\d+", value):
        return message + ": use a dot as the decimal separator (45.3, not 45,3)"
    return message


# ------------------------------------------------------------------------ documentation


def schema_markdown(schema: TableSchema) -> str:
    """Render a schema as a Markdown section (used to build ``docs/schemas.md``)."""
    lines = [
        f"## {schema.title} (`{schema.name}`)",
        "",
        f"One row per {schema.grain}. Key: " + ", ".join(f"`{k}`" for k in schema.key) + ".",
        "",
        "| column | type | required | allowed values | description |",
        "|---|---|---|---|---|",
    ]
    for col in schema.columns:
        allowed: list[str] = []
        if col.codes is not None:
            allowed.append(f"code list: {col.codes[1]}")
        if col.minimum is not None or col.maximum is not None:
            lo = "" if col.minimum is None else f"{col.minimum:g}"
            hi = "" if col.maximum is None else f"{col.maximum:g}"
            allowed.append(f"[{lo}, {hi}]".replace("[, ", "(-inf, ").replace(", ]", ", inf)"))
            if col.maximum_reason:
                allowed[-1] += f" (maximum: {col.maximum_reason})"
        if col.pattern is not None:
            allowed.append(f"pattern `{col.pattern}`")
        req = "yes" if col.required else "no"
        if col.nullable:
            req += " (may be empty)"
        unit = f" Unit: {col.unit}." if col.unit else ""
        alias = (
            f" Also read from: {', '.join(f'`{a}`' for a in col.aliases)}." if col.aliases else ""
        )
        cells = [f"`{col.name}`", col.dtype, req, "; ".join(allowed) or "-"]
        cells.append(f"{col.description}{unit}{alias}")
        # a "|" (in a pattern) would end the table cell, even inside backticks
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if schema.rules:
        lines += ["", "Row rules (checked on every row; empty cells pass):", ""]
        lines += [f"- {r.message}" for r in schema.rules]
    if schema.notes:
        lines += ["", schema.notes]
    return "\n".join(lines) + "\n"


_SCHEMAS_INTRO = """\
# The files users bring

<!-- Generated by skills.schema.schemas_document(); do not edit by hand. Regenerate with:
python -c "from skills.schema import schemas_document; print(schemas_document(), end='')" \\
  > docs/schemas.md -->

Besides the Eurostat tables it downloads, a pipeline reads tables that planners supply,
each under its source role (`[sources.<role>]` in the pipeline spec):

{roles}

This page lists, for each, the columns the reader accepts and the checks it runs; it is
generated from the same schema objects the reader enforces, for every user-file role of
the registry (`skills/roles.py`; `skills schema` prints it too).

## File format

- **CSV**: UTF-8 text, comma-separated, the header row on the first line. Blank lines
  are skipped. Quote a value that contains a comma (`"Torino, Piemonte"`).
- **XLSX**: the first *visible* sheet (a hidden sheet is read only when the spec names
  it), or the sheet named in the pipeline spec; the header row is the first non-empty row
  of the sheet, the data below it. Empty rows are skipped. Cells are read as Excel shows
  them or refused: a formula without a saved value, an error value (`#DIV/0!`, `#N/A`,
  ...) or merged cells in the table stop the read with the cell named (all of them, in
  one message); so does a stray cell far from the table (see `docs/operations.md`,
  "Spreadsheets").
- Column names are the canonical names below (snake_case, unit or code system as a
  suffix); the Italian headers listed under "Also read from" are accepted too. Columns
  with "no" under *required* may be left out; they are then read as empty.
- Numbers use a dot as decimal separator and no thousands separator (`1250`, `45.3`);
  counts are whole numbers. Empty cells are allowed only where a column says "may be
  empty".

## Errors

Every problem stops the read with a message naming the file, the line (the header is
line 1) or, for XLSX, the sheet and sheet row, and the column, in the shape
`file:line: column 'x': reason` (`file[sheet]:row: column 'x': reason` for XLSX):

```text
courses.csv:14: column 'graduates_n': more graduates than enrolled (enrolled_n=20, graduates_n=23)
courses.xlsx[courses]:7: column 'start_year': value '2O24' is not a whole number
```

Every bad cell of the file is reported in one run, one per line, in file order: the first
20, then a count of all (`courses.csv: 57 problems in all; the first 20 are shown`); the
cells of a workbook that would not read as they look are reported the same way, before
the read.
Numbers must be finite: `inf`, `nan` or `1e999` (read as infinity) are errors, and so is
a number beyond a column's range. A measure without a natural upper limit has a
*plausible* maximum (a count of persons at most 1e+09, a wage at most 1000 EUR an hour),
so that a unit or typing error stops the read, and a sum of counts cannot overflow.

A missing file, an unsupported file type or a missing sheet is a configuration error (exit
code 2); a file whose content breaks its schema is a data error (exit code 1).

## Options in the pipeline spec

Each file source in the pipeline spec (`[sources.<role>]`, with `path = "..."` relative to
the spec) accepts:

- `sheet` (XLSX; default: the first visible sheet): the sheet to read; a hidden sheet is
  read only when named here.
- `delimiter` (CSV; default `","`): the field separator, e.g. `";"` for a file saved by
  an Italian spreadsheet.
- `encoding` (CSV; default `"utf-8"`): the text encoding, e.g. `"cp1252"` for a file
  saved as Windows/Latin-1 text (accented names such as `Città` then read correctly).
- `ignore_columns` (default `[]`): extra columns to drop. Any other column not listed
  below is an error, so that a renamed header is never silently ignored.
"""


def schemas_document() -> str:
    """Return ``docs/schemas.md``: the file conventions and the schema of every user table.

    The schemas are those of the user-file roles of the registry (:mod:`skills.roles`),
    in its order. The tests compare the checked-in file with this function's output, so
    the documentation cannot drift from what the readers enforce.
    """
    from skills.roles import file_roles

    schemas = [s for r in file_roles().values() if (s := r.load_schema()) is not None]
    roles = "\n".join(f"- `{s.name}`: {s.title}, one row per {s.grain}." for s in schemas)
    intro = _SCHEMAS_INTRO.replace("{roles}", roles)
    return "\n".join([intro, *(schema_markdown(s) for s in schemas)])
