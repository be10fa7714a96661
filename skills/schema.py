"""Declarative schemas for the files users bring, and the reader that enforces them.

A :class:`TableSchema` lists the columns of a table (name, type, whether required, allowed
codes, range, unit, description, accepted header aliases) and the row rules that tie
columns together (``graduates_n <= enrolled_n``). :func:`read_table` reads a CSV or XLSX
file against it and returns a typed Polars frame, or raises
:class:`~skills.errors.InputError` naming the file, the line (or sheet row), the column and
the value. These are the structural checks that run before any value suite.

The same objects render the schema documentation (:func:`schema_markdown`), so the
documentation cannot drift from what the reader enforces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from skills.errors import ConfigError, InputError

__all__ = [
    "Column",
    "RowRule",
    "TableSchema",
    "read_table",
    "schema_markdown",
]

DType = Literal["string", "int", "float"]
_POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "string": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
}
_LINE = "_line"


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
        Whether the column must be present. Required columns may not be null either.
    nullable
        For optional or required columns: whether empty cells are allowed.
    codes
        A callable returning the allowed values (evaluated lazily, once per read), and the
        name of the code list for messages.
    minimum, maximum
        Closed range for numbers.
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
        For XLSX: the sheet to read (default: the first).
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
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"file not found (expected the {schema.title} table)", file=path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raw, sheet_name = _read_xlsx(path, sheet)
    elif suffix in {".csv", ".txt", ".tsv"}:
        raw = _read_csv(path, delimiter=delimiter, encoding=encoding)
        sheet_name = None
    else:
        raise ConfigError(
            f"unsupported file type {suffix!r} for the {schema.title} table: use .csv or .xlsx",
            file=path,
        )
    return _conform(raw, schema, str(path), sheet_name, ignore_columns)


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
            "encoding = \"cp1252\" for this source in the pipeline spec",
            line=line,
        ) from exc
    text = text.removeprefix("\ufeff")
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
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    width = len(header)
    lines: list[int] = []
    records: list[list[str | None]] = []
    line = 1
    for fields in rows[1:]:
        line += 1
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
    if not records:
        raise InputError(label, "the file has a header but no data rows", line=1)
    _check_header(header, label, None)
    frame = pl.DataFrame(records, schema=dict.fromkeys(header, pl.String), orient="row")
    return frame.with_columns(pl.Series(_LINE, lines, dtype=pl.Int64))


def _read_xlsx(path: Path, sheet: str | None) -> tuple[pl.DataFrame, str]:
    import fastexcel

    label = str(path)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(label, f"cannot open the workbook: {exc}") from exc
    names = reader.sheet_names
    if sheet is not None and sheet not in names:
        raise ConfigError(f"no sheet {sheet!r}; the workbook has {names}", file=path)
    sheet_name = sheet or names[0]
    table = reader.load_sheet_by_name(sheet_name, header_row=0, dtypes="string")
    frame = pl.DataFrame(table.to_arrow())
    header = [str(c).strip() for c in frame.columns]
    _check_header(header, label, sheet_name)
    frame.columns = header
    frame = frame.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in header
    )
    frame = frame.with_row_index(_LINE, offset=2).with_columns(pl.col(_LINE).cast(pl.Int64))
    frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in header))
    if frame.height == 0:
        raise InputError(label, "the sheet has a header but no data rows", sheet=sheet_name)
    return frame, sheet_name


def _check_header(header: list[str], label: str, sheet: str | None) -> None:
    seen: set[str] = set()
    for name in header:
        if not name:
            raise InputError(label, "the header has an empty column name", line=1, sheet=sheet)
        if name in seen:
            raise InputError(label, f"column {name!r} appears twice in the header", line=1,
                             column=name, sheet=sheet)
        seen.add(name)


# ------------------------------------------------------------------------ checking


def _conform(
    raw: pl.DataFrame,
    schema: TableSchema,
    label: str,
    sheet: str | None,
    ignore_columns: Sequence[str],
) -> pl.DataFrame:
    rename: dict[str, str] = {}
    for col in schema.columns:
        for alias in col.aliases:
            for present in raw.columns:
                if present.lower() == alias.lower() and col.name not in raw.columns:
                    rename[present] = col.name
    raw = raw.rename(rename)
    known = {*schema.column_names, _LINE, *ignore_columns}
    unknown = [c for c in raw.columns if c not in known]
    missing = [c.name for c in schema.columns if c.required and c.name not in raw.columns]
    if missing:
        hint = f" (the file has unknown columns {unknown}: renamed?)" if unknown else ""
        raise InputError(
            label,
            f"required column {missing[0]!r} is missing{hint}; required columns are "
            + ", ".join(c.name for c in schema.columns if c.required),
            line=1,
            column=missing[0],
            sheet=sheet,
        )
    if unknown:
        raise InputError(
            label,
            f"unexpected column {unknown[0]!r}; the {schema.title} table has columns "
            + ", ".join(schema.column_names)
            + " (list extra columns under ignore_columns in the pipeline spec to drop them)",
            line=1,
            column=unknown[0],
            sheet=sheet,
        )
    raw = raw.drop([c for c in ignore_columns if c in raw.columns])
    out = raw.with_columns(
        pl.lit(None, pl.String).alias(c.name) for c in schema.columns if c.name not in raw.columns
    )

    def fail(row: dict[str, object], column: str, reason: str) -> InputError:
        return InputError(label, reason, line=int(row[_LINE]), column=column, sheet=sheet)  # type: ignore[call-overload]

    typed: list[pl.Expr] = []
    for col in schema.columns:
        src = pl.col(col.name)
        if col.dtype == "string":
            as_text = src.cast(pl.String)
            typed.append((col.normalise(as_text) if col.normalise else as_text).alias(col.name))
            continue
        target = _POLARS_TYPES[col.dtype]
        as_number = src.str.replace_all(r"^\s+|\s+$", "")
        if col.dtype == "int":
            as_number = as_number.str.replace(r"\.0+$", "")
        cast = as_number.cast(target, strict=False)
        bad = out.filter(src.is_not_null() & cast.is_null())
        if bad.height:
            row = bad.row(0, named=True)
            kind = "a whole number" if col.dtype == "int" else "a number"
            raise fail(row, col.name, f"value {row[col.name]!r} is not {kind}")
        typed.append(cast.alias(col.name))
    out = out.with_columns(typed)

    for col in schema.columns:
        if col.required and out[col.name].null_count() == out.height:
            raise InputError(
                label, f"column {col.name!r} is empty in every row", line=1, column=col.name,
                sheet=sheet,
            )
        if not col.nullable:
            nulls = out.filter(pl.col(col.name).is_null())
            if nulls.height:
                raise fail(nulls.row(0, named=True), col.name, "empty cell in a required column")
        if col.minimum is not None:
            bad = out.filter(pl.col(col.name) < col.minimum)
            if bad.height:
                row = bad.row(0, named=True)
                raise fail(row, col.name, f"value {row[col.name]} is below {col.minimum:g}")
        if col.maximum is not None:
            bad = out.filter(pl.col(col.name) > col.maximum)
            if bad.height:
                row = bad.row(0, named=True)
                raise fail(row, col.name, f"value {row[col.name]} is above {col.maximum:g}")
        if col.pattern is not None:
            bad = out.filter(~pl.col(col.name).str.contains(f"^(?:{col.pattern})$"))
            if bad.height:
                row = bad.row(0, named=True)
                raise fail(row, col.name, f"value {row[col.name]!r} is not of the form "
                           f"{col.pattern!r}")
        if col.codes is not None:
            loader, list_name = col.codes
            allowed = sorted(set(loader()))
            bad = out.filter(pl.col(col.name).is_not_null() & ~pl.col(col.name).is_in(allowed))
            if bad.height:
                row = bad.row(0, named=True)
                raise fail(row, col.name, f"unknown code {row[col.name]!r} (not in {list_name})")

    for rule in schema.rules:
        bad = out.filter(~rule.check.fill_null(True))
        if bad.height:
            row = bad.row(0, named=True)
            shown = {c: row[c] for c in (rule.shows or (rule.column,))}
            raise fail(row, rule.column, f"{rule.message} ({_fmt(shown)})")

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
    return ", ".join(f"{k}={v}" for k, v in values.items())


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
        if col.pattern is not None:
            allowed.append(f"pattern `{col.pattern}`")
        req = "yes" if col.required else "no"
        if col.nullable:
            req += " (may be empty)"
        unit = f" Unit: {col.unit}." if col.unit else ""
        alias = f" Also read from: {', '.join(f'`{a}`' for a in col.aliases)}." if col.aliases else ""
        lines.append(
            f"| `{col.name}` | {col.dtype} | {req} | {'; '.join(allowed) or '-'} | "
            f"{col.description}{unit}{alias} |"
        )
    if schema.rules:
        lines += ["", "Row rules (checked on every row; empty cells pass):", ""]
        lines += [f"- {r.message}" for r in schema.rules]
    if schema.notes:
        lines += ["", schema.notes]
    return "\n".join(lines) + "\n"
