"""The two Eurostat file formats, parsed into the tidy shape of :mod:`skills.sources.eurostat`.

Split from :mod:`skills.sources.eurostat` (which keeps the public readers, the filters and
the frequency choice): here are the bulk TSV and SDMX-CSV parsers, the period normaliser,
the accepted flags and the value checks every parsed cell goes through.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime

import polars as pl

from skills.errors import MAX_REPORTED, InputError

#: Eurostat observation flags accepted in a cell (letters may combine, e.g. ``bu``):
#: b break in time series, c confidential, d definition differs, e estimated, f forecast,
#: i see metadata (older files), n not significant, p provisional, r revised,
#: s Eurostat estimate, u low reliability, z not applicable.
EUROSTAT_FLAGS = frozenset("bcdefinprsuz")

TIDY_TAIL = ("period", "value", "flag")

#: The largest absolute value a Eurostat cell may hold. No statistic comes near it (the
#: EU's population is 4.5e8 persons, its GDP 1.7e7 million EUR); a larger value (``1e300``)
#: or a non-finite one (``1e999`` reads as infinity) is an error naming the cell. Tighter
#: bounds per source role (a count in thousands at most 1e6, a rate in [0, 100]) are in the
#: role's expectation suite (``expectations/eurostat__<role>.json``).
MAX_ABS_VALUE = 1e12

_SDMX_META = ("DATAFLOW", "LAST UPDATE", "STRUCTURE", "STRUCTURE_ID", "ACTION")
_SDMX_OBS = ("TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "CONF_STATUS")
_CELL_RE = r"^\s*(:|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$"
_NUMBER_RE = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"

_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^(\d{4})$"), "A", "{0}"),
    (re.compile(r"^(\d{4})-?Q([1-4])$"), "Q", "{0}-Q{1}"),
    (re.compile(r"^(\d{4})-?S([12])$"), "S", "{0}-S{1}"),
    (re.compile(r"^(\d{4})-?M?(0[1-9]|1[0-2])$"), "M", "{0}-{1}"),
    (re.compile(r"^(\d{4})-?W(0[1-9]|[1-4]\d|5[0-3])$"), "W", "{0}-W{1}"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), "D", "{0}-{1}-{2}"),
)


def normalise_period(text: str) -> tuple[str, str] | None:
    """Return ``(period, freq)`` in the package's period format, or ``None`` if not a period.

    Examples
    --------
    >>> normalise_period("2015 ")
    ('2015', 'A')
    >>> normalise_period("2019Q3")
    ('2019-Q3', 'Q')
    >>> normalise_period("2019M07")
    ('2019-07', 'M')
    >>> normalise_period("total") is None
    True
    """
    stripped = text.strip()
    for pattern, freq, template in _PERIOD_PATTERNS:
        match = pattern.match(stripped)
        if match:
            return template.format(*match.groups()), freq
    return None


def _decode(raw: bytes, label: str) -> str:
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(
                label, f"the gzip stream is truncated or corrupt ({exc}); download it again"
            ) from exc
    if not raw.strip():
        raise InputError(label, "the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            label,
            f"not valid UTF-8 (byte {raw[exc.start]:#04x}); Eurostat files are UTF-8: "
            "was the file re-saved in another encoding?",
            line=line,
        ) from exc
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.endswith("\n"):
        last = text.count("\n") + 1
        raise InputError(
            label,
            "the file does not end with a line break: it looks truncated (Eurostat files "
            "always end with one); download it again",
            line=last,
        )
    return text


def _check_field_counts(lines: list[str], sep: str, expected: int, label: str) -> None:
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            raise InputError(label, "blank line inside the table", line=number)
        count = line.count(sep) + 1
        if count != expected:
            raise InputError(
                label,
                f"{count} fields where the header has {expected}: the line is "
                + ("truncated" if count < expected else "longer than the header"),
                line=number,
            )


def _parse_tsv(
    text: str, label: str
) -> tuple[pl.DataFrame, tuple[str, ...], str | None, str | None]:
    lines = text[:-1].split("\n")
    header = lines[0].split("\t")
    key_cell = header[0]
    dims_part, _, time_part = key_cell.partition("\\")
    if time_part.strip().lower() not in {"time", "time_period"}:
        raise InputError(
            label,
            f"first header cell {key_cell!r} should end in '\\time' or '\\TIME_PERIOD'",
            line=1,
            column=key_cell,
        )
    dims = tuple(d.strip().lower() for d in dims_part.split(","))
    if any(not d for d in dims) or len(set(dims)) != len(dims):
        raise InputError(label, f"bad dimension list {dims_part!r}", line=1, column=key_cell)
    if len(header) < 2:
        raise InputError(label, "the header has no period columns", line=1)

    periods: list[str] = []
    freqs: set[str] = set()
    for cell in header[1:]:
        parsed = normalise_period(cell)
        if parsed is None:
            raise InputError(label, f"header cell {cell!r} is not a period", line=1, column=cell)
        periods.append(parsed[0])
        freqs.add(parsed[1])
    if len(set(periods)) != len(periods):
        dup = next(p for p in periods if periods.count(p) > 1)
        raise InputError(label, f"period {dup} appears twice in the header", line=1, column=dup)
    if len(lines) < 2:
        raise InputError(label, "the file has a header but no data lines", line=1)
    _check_field_counts(lines, "\t", len(header), label)

    period_cols = [f"p{i}" for i in range(len(periods))]
    raw = pl.read_csv(
        io.StringIO(text),
        separator="\t",
        has_header=False,
        skip_rows=1,
        new_columns=["key", *period_cols],
        infer_schema=False,
        quote_char=None,
        empty_string_is_null=False,
    ).with_row_index("_row")

    keys = raw.select("_row", pl.col("key").str.split(",").alias("_parts")).with_columns(
        pl.col("_parts").list.len().alias("_n")
    )
    bad = keys.filter(pl.col("_n") != len(dims))
    if bad.height:
        row = int(bad["_row"][0])
        raise InputError(
            label,
            f"key {raw['key'][row]!r} has {int(bad['_n'][0])} parts, the header names "
            f"{len(dims)} dimensions ({','.join(dims)})",
            line=row + 2,
            column=key_cell,
        )
    dim_frame = keys.select(
        "_row",
        *[pl.col("_parts").list.get(i).str.strip_chars().alias(d) for i, d in enumerate(dims)],
    )
    if "freq" in dims:
        dims = tuple(d for d in dims if d != "freq")
    _check_unique(dim_frame, list(dims), label, key_cell, "_row")

    long = (
        raw.drop("key")
        .unpivot(index="_row", variable_name="_pcol", value_name="_cell")
        .with_columns(
            pl.col("_pcol")
            .replace_strict(period_cols, periods, return_dtype=pl.String)
            .alias("period"),
            pl.col("_cell").str.extract_groups(_CELL_RE).alias("_g"),
        )
        .unnest("_g")
        .rename({"1": "_num", "2": "flag"})
    )

    def header_of(row: Mapping[str, object]) -> str:
        return header[1 + period_cols.index(str(row["_pcol"]))]

    def key_of(row: Mapping[str, object]) -> str:
        return f"key {raw['key'][int(row['_row'])]!r}"  # type: ignore[call-overload]

    long = long.with_columns(
        pl.col("_pcol").str.slice(1).cast(pl.Int64).alias("_pnum"),
        pl.when(pl.col("_num") == ":").then(None).otherwise(pl.col("_num")).alias("_num_text"),
    )
    _raise_bad_cells(
        long.filter(pl.col("_num").is_null()).sort("_row", "_pnum"),
        label,
        header_of,
        lambda r: (
            f"cell {r['_cell']!r} is not 'value[ flag]' or ':' ({key_of(r)}, period {r['period']})"
        ),
    )
    _raise_bad_cells(
        _implausible(long, "_num_text").sort("_row", "_pnum"),
        label,
        header_of,
        lambda r: (
            f"value {str(r['_num_text']).strip()!r} ({key_of(r)}, period {r['period']}) "
            + _implausible_reason(r["_v"])
        ),
    )
    _check_flags(long, label, lambda r: header[1 + period_cols.index(r["_pcol"])], 2)

    if "freq" in dim_frame.columns:
        _check_freq_agrees(dim_frame, freqs, label, key_cell)
    frame = (
        long.join(dim_frame, on="_row", how="left", validate="m:1")
        .with_columns(
            pl.when(pl.col("_num") == ":")
            .then(None)
            .otherwise(pl.col("_num"))
            .cast(pl.Float64)
            .alias("value"),
            pl.when(pl.col("flag") == "").then(None).otherwise(pl.col("flag")).alias("flag"),
        )
        .sort("_row", "period")
        .with_columns(
            (pl.col("_row") + 2).alias("_line"),
            pl.col("_pcol")
            .replace_strict(period_cols, [h.strip() for h in header[1:]], return_dtype=pl.String)
            .alias("_col"),
        )
        .select(*dims, *TIDY_TAIL, "_line", "_col")
    )
    return frame, dims, None, None


def _check_freq_agrees(dim_frame: pl.DataFrame, freqs: set[str], label: str, column: str) -> None:
    seen = set(dim_frame["freq"].unique().to_list())
    if not seen <= freqs | {None}:
        raise InputError(
            label,
            f"freq values {sorted(map(str, seen))} do not match the period columns "
            f"(frequencies {sorted(freqs)})",
            line=1,
            column=column,
        )


def _check_unique(frame: pl.DataFrame, keys: list[str], label: str, column: str, row: str) -> None:
    dup = frame.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        first = dup.sort(row).row(0, named=True)
        same = dup.filter(pl.all_horizontal(pl.col(k).eq_missing(first[k]) for k in keys))
        lines = ", ".join(str(int(r) + 2) for r in same[row].to_list()[:5])
        raise InputError(
            label,
            "duplicated key " + ",".join(f"{k}={first[k]}" for k in keys) + f" on lines {lines}",
            line=int(first[row]) + 2,
            column=column,
        )


def _check_flags(long: pl.DataFrame, label: str, column_of: object, line_offset: int) -> None:
    flags = long.filter(pl.col("flag").is_not_null() & (pl.col("flag") != ""))
    if not flags.height:
        return
    unknown_letters = "".join(
        sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") - EUROSTAT_FLAGS)
    )
    bad = flags.filter(pl.col("flag").str.contains(f"[{unknown_letters}]"))
    if bad.height:
        # every unknown flag of the file in one error
        order = ["_row", "_pnum"] if "_pnum" in bad.columns else ["_row"]
        _raise_bad_cells(
            bad.sort(order),
            label,
            lambda r: column_of(r) if callable(column_of) else str(column_of),
            lambda r: (
                f"unknown flag {r['flag']!r}; Eurostat flags are letters of "
                f"'{''.join(sorted(EUROSTAT_FLAGS))}'"
            ),
            line_offset,
        )


def _parse_sdmx_csv(
    text: str, label: str
) -> tuple[pl.DataFrame, tuple[str, ...], str | None, str | None]:
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])))
    missing = [c for c in ("TIME_PERIOD", "OBS_VALUE") if c not in header]
    if missing:
        raise InputError(label, f"SDMX-CSV header lacks {missing}", line=1, column=missing[0])
    if len(set(header)) != len(header):
        raise InputError(label, "the header repeats a column name", line=1)
    dims_all = [c for c in header if c not in _SDMX_META and c not in _SDMX_OBS]
    if not dims_all:
        raise InputError(label, "SDMX-CSV header has no dimension columns", line=1)
    if any(":" in c for c in header):
        raise InputError(
            label,
            "the header holds labels ('code: label'); download SDMX-CSV with codes only",
            line=1,
        )

    lines = text[:-1].split("\n")
    if len(lines) < 2:
        raise InputError(label, "the file has a header but no data lines", line=1)
    if '"' in text:
        for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
            if number > 1 and len(fields) != len(header):
                raise InputError(
                    label,
                    f"{len(fields)} fields where the header has {len(header)}",
                    line=number,
                )
    else:
        _check_field_counts(lines, ",", len(header), label)

    raw = pl.read_csv(
        io.StringIO(text), infer_schema=False, empty_string_is_null=True
    ).with_row_index("_row")
    dims = tuple(d.lower() for d in dims_all if d.lower() != "freq")
    raw = raw.rename({d: d.lower() for d in dims_all})

    # Periods
    tp = raw.select("_row", "TIME_PERIOD").unique("TIME_PERIOD", keep="first")
    mapping: dict[str, str] = {}
    period_freq: dict[str, str] = {}
    for row, value in tp.iter_rows():
        parsed = normalise_period(value or "")
        if parsed is None:
            raise InputError(
                label,
                f"TIME_PERIOD {value!r} is not a period",
                line=int(row) + 2,
                column="TIME_PERIOD",
            )
        mapping[value] = parsed[0]
        period_freq[parsed[0]] = parsed[1]

    # Values
    def key_of(row: Mapping[str, object]) -> str:
        return ",".join(f"{d}={row[d]}" for d in dims) + f", TIME_PERIOD={row['TIME_PERIOD']}"

    _raise_bad_cells(
        raw.filter(
            pl.col("OBS_VALUE").is_not_null() & ~pl.col("OBS_VALUE").str.contains(_NUMBER_RE)
        ),
        label,
        lambda r: "OBS_VALUE",
        lambda r: f"OBS_VALUE {r['OBS_VALUE']!r} is not a number ({key_of(r)})",
    )
    _raise_bad_cells(
        _implausible(raw, "OBS_VALUE"),
        label,
        lambda r: "OBS_VALUE",
        lambda r: (
            f"OBS_VALUE {str(r['OBS_VALUE']).strip()!r} ({key_of(r)}) "
            + _implausible_reason(r["_v"])
        ),
    )
    flag_expr = pl.col("OBS_FLAG") if "OBS_FLAG" in raw.columns else pl.lit(None, pl.String)
    conf = pl.col("CONF_STATUS") if "CONF_STATUS" in raw.columns else pl.lit(None, pl.String)
    frame = raw.with_columns(
        pl.col("TIME_PERIOD").replace_strict(mapping, return_dtype=pl.String).alias("period"),
        pl.col("OBS_VALUE").str.strip_chars().cast(pl.Float64).alias("value"),
        flag_expr.str.strip_chars().alias("flag"),
        conf.str.strip_chars().alias("_conf"),
    )
    _check_flags(frame, label, "OBS_FLAG", 2)
    # SDMX confidentiality status C (confidential) is Eurostat's old flag 'c'.
    frame = frame.with_columns(
        pl.when(pl.col("_conf").is_in(["C"]) & ~pl.col("flag").fill_null("").str.contains("c"))
        .then(pl.col("flag").fill_null("") + "c")
        .otherwise(pl.col("flag"))
        .alias("flag")
    ).with_columns(pl.when(pl.col("flag") == "").then(None).otherwise(pl.col("flag")).alias("flag"))

    if "freq" in raw.columns:
        wrong = frame.filter(
            pl.col("freq").ne_missing(
                pl.col("period").replace_strict(period_freq, return_dtype=pl.String)
            )
        )
        if wrong.height:
            first = wrong.row(0, named=True)
            raise InputError(
                label,
                f"freq {first['freq']!r} does not match TIME_PERIOD {first['TIME_PERIOD']!r}",
                line=int(first["_row"]) + 2,
                column="freq",
            )
    _check_unique(frame, [*dims, "period"], label, "TIME_PERIOD", "_row")

    last_update = None
    if "LAST UPDATE" in raw.columns:
        stamps = [s for s in raw["LAST UPDATE"].unique().to_list() if s]
        parsed_stamps = [_parse_last_update(s, label) for s in stamps]
        last_update = max(parsed_stamps) if parsed_stamps else None
    dataset = None
    if "DATAFLOW" in raw.columns:
        flows = [f for f in raw["DATAFLOW"].unique().to_list() if f]
        if len(flows) > 1:
            raise InputError(
                label, f"mixes several DATAFLOW values: {flows[:3]}", column="DATAFLOW"
            )
        if flows:
            match = re.match(r"^(?:[A-Z0-9_]+:)?([A-Za-z0-9_$]+)", flows[0])
            dataset = match.group(1).lower() if match else None
    frame = frame.with_columns(
        (pl.col("_row") + 2).alias("_line"), pl.lit("TIME_PERIOD").alias("_col")
    )
    return frame.select(*dims, *TIDY_TAIL, "_line", "_col"), dims, last_update, dataset


def _implausible(frame: pl.DataFrame, text: str) -> pl.DataFrame:
    """The rows whose number (column ``text``, a string) is not finite or beyond
    :data:`MAX_ABS_VALUE`, with the parsed number as ``_v``."""
    value = pl.col(text).str.strip_chars().cast(pl.Float64, strict=False)
    return frame.with_columns(value.alias("_v")).filter(
        pl.col("_v").is_not_null()
        & (~pl.col("_v").is_finite() | (pl.col("_v").abs() > MAX_ABS_VALUE))
    )


def _implausible_reason(value: object) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number (too large for a double, or not a number)"
    return (
        f"is beyond {MAX_ABS_VALUE:g} in absolute value: no Eurostat statistic is that "
        "large (a unit or file error)"
    )


def _raise_bad_cells(
    bad: pl.DataFrame,
    label: str,
    column_of: Callable[[dict[str, object]], str],
    reason_of: Callable[[dict[str, object]], str],
    line_offset: int = 2,
) -> None:
    """Raise one :class:`InputError` for the bad cells of ``bad`` (rows in file order,
    ``_row`` 0-based after the header): the first :data:`MAX_REPORTED`, then a count."""
    if not bad.height:
        return
    raise InputError.of_many(
        [
            InputError(label, reason_of(r), line=int(r["_row"]) + line_offset, column=column_of(r))
            for r in bad.head(MAX_REPORTED).iter_rows(named=True)
        ],
        total=bad.height,
    )


def _parse_last_update(text: str, label: str) -> str:
    for fmt in ("%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).isoformat()
        except ValueError:
            continue
    raise InputError(label, f"LAST UPDATE {text!r} is not a date", column="LAST UPDATE")
