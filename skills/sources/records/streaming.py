"""Streaming aggregations from record-level data to the aligned panel's long shape.

Two aggregations, each a Polars lazy query over ``scan_parquet`` that never collects
before the group-by (projection and predicate pushdown into the scan, then a streaming
group-by; run it with ``.collect(engine="streaming")`` or :func:`aggregate_file`, which
sinks to Parquet):

* :func:`aggregate_lfs` - labour-force person records -> **weighted** employment and
  unemployment in thousands (sum of survey weights / 1000) by NUTS 2 region, quarter,
  ISCO-08 group (1 or 2 digits; employment only) and ISCED attainment group
  (``ED0-2``, ``ED3_4``, ``ED5-8``);
* :func:`aggregate_job_ads` - job-ad records -> **counts** of ads by NUTS 3 province,
  month (or quarter), ISCO-08 group (2 or 3 digits) and education level asked.

Both return the columns of :data:`skills.align.PANEL_SCHEMA`, sorted by measure and
key, so the result can be concatenated with the other parts of the aligned panel.

How it is fast (see ``BENCHMARKS.md`` for the measurements)
-------------------------------------------------------------
Most of the cost of a group-by is hashing its keys. Every key column is turned into a
small integer before the group-by - read as such from a ``codes``-encoded file, or cast
to a :class:`polars.Enum` of the known codes and taken as its position otherwise - and
the integers are packed into **one** integer (mixed radix: ``((geo * n_period +
period) * n_isco + isco) * n_edu + edu``; ``UInt32`` when it fits, else ``UInt64``), so
the group-by handles one machine word per row. For job ads, whose cells are many (~3.5M
at 50M ads), the keys are sorted and runs of equal keys aggregated instead of hashed
(:data:`STRATEGIES`). Months come from a day -> month lookup table (one gather per row
instead of a calendar computation). After the group-by (a few million rows at most) the
key is unpacked with integer division and each part decoded to its code by a lookup.

Input
-----
A Parquet file with the columns documented in :mod:`skills.sources.records.synthetic`, in
either encoding: integer codes (code lists read from the file's metadata,
:mod:`skills.sources.records.metadata`, or
given with ``codes=``) or text / categorical codes (cast to ``Enum``; an unknown code
raises :class:`polars.exceptions.InvalidOperationError` when the query runs).

Why one module: a little over 500 lines on purpose, both aggregations share the key
packing, the strategies and the decoding, which would otherwise import each other's
private helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from skills._fileio import atomic_path
from skills.sources.records.codes import (
    CALENDAR_YEARS,
    ISCED_GROUPS,
    ISCED_LEVELS,
    ISCO4_ALL,
    LFS_MEASURES,
    LFS_MEASURES_N,
    UNKNOWN,
    panel_constants,
)
from skills.sources.records.metadata import check_code_range, code_lists

__all__ = [
    "JOB_ADS_COLUMNS",
    "LFS_COLUMNS",
    "SORT_BUDGET_BYTES",
    "STRATEGIES",
    "UNKNOWN",
    "aggregate",
    "aggregate_file",
    "aggregate_job_ads",
    "aggregate_lfs",
    "chosen_strategy",
    "code_lists",
    "pack_key",
    "period_labels",
    "to_panel",
    "unpack_key",
]

#: How the group-by keys are built, fastest first:
#:
#: ``sorted``
#:     one packed integer key per row, sorted, then runs of equal keys aggregated (no
#:     hash table; holds the keys, 4 or 8 bytes per input row, while sorting);
#: ``packed``
#:     one packed integer key, hash group-by (memory bounded by the number of groups);
#: ``packed_calendar``
#:     as ``packed``, with months computed by ``dt.year()``/``dt.month()`` instead of a
#:     day -> month lookup table;
#: ``columns``
#:     one small-integer column per key part, multi-column hash group-by;
#: ``strings``
#:     every key part decoded to text first, group-by on strings (a first version).
#:
#: All give the same result. ``auto`` (the default) picks ``sorted`` for job ads (many
#: cells: ~3.5M at 50M ads, where sorting 4-byte keys beats a hash table that no longer
#: fits in cache) unless the keys would take more than :data:`SORT_BUDGET_BYTES`, and
#: ``packed`` for LFS records (fewer cells, and a weight column to carry through a sort).
STRATEGIES: Final[tuple[str, ...]] = (
    "sorted",
    "packed",
    "packed_calendar",
    "columns",
    "strings",
)
#: Largest memory the ``sorted`` strategy may use for its keys under ``auto`` (beyond it,
#: ``auto`` uses the hash group-by, whose memory depends on the groups only).
SORT_BUDGET_BYTES: Final = 512 * 1024**2

#: Columns each aggregation reads (projection pushdown keeps only these).
JOB_ADS_COLUMNS: Final[tuple[str, ...]] = ("posted_on", "geo_nuts3", "isco08", "education_level")
LFS_COLUMNS: Final[tuple[str, ...]] = (
    "geo_nuts2",
    "period",
    "status",
    "isco08",
    "isced11",
    "weight",
)

_FIRST_YEAR, _LAST_YEAR = CALENDAR_YEARS
_U64 = pl.UInt64


# ----------------------------------------------------------------------------- calendar
@cache
def _calendar() -> tuple[pl.Series, pl.Series, pl.Series, pl.Series, int]:
    """Day -> month and day -> quarter index tables (1900-2099) and their labels."""
    days = np.arange(
        np.datetime64(f"{_FIRST_YEAR}-01-01"), np.datetime64(f"{_LAST_YEAR + 1}-01-01")
    )
    month_idx = days.astype("datetime64[M]").astype(np.int64) - (_FIRST_YEAR - 1970) * 12
    years = range(_FIRST_YEAR, _LAST_YEAR + 1)
    month_labels = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    quarter_labels = [f"{y}-Q{q}" for y in years for q in range(1, 5)]
    return (
        pl.Series("month", month_idx.astype(np.uint32)),
        pl.Series("quarter", (month_idx // 3).astype(np.uint32)),
        pl.Series("month_label", month_labels, dtype=pl.String),
        pl.Series("quarter_label", quarter_labels, dtype=pl.String),
        int(days[0].astype(np.int64)),
    )


def period_labels(frequency: str) -> pl.Series:
    """Every period of the calendar, in order: ``1900-01`` ... (``month``) or
    ``1900-Q1`` ... (``quarter``); position = (year - 1900) * 12 + month - 1 (or * 4 +
    quarter - 1)."""
    _, _, month_labels, quarter_labels, _ = _calendar()
    return month_labels if frequency == "month" else quarter_labels


def _days_since_epoch(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(dtype, pl.Date):
        return col.cast(pl.Int32).cast(pl.Int64)
    if isinstance(dtype, pl.Datetime):
        per_day = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
        if dtype.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        return col.cast(pl.Int64) // per_day[dtype.time_unit]
    raise TypeError(f"column {name!r} must be a Date or Datetime, not {dtype}")


# ----------------------------------------------------------------------------- key parts
@dataclass(frozen=True)
class _Part:
    """One key part: an integer code per row (null allowed) and how to decode it."""

    name: str
    code: pl.Expr  # UInt64, null where the value is missing
    size: int  # codes are 0 .. size - 1; the packed key reserves ``size`` for null
    decode: Callable[[pl.Expr], pl.Expr]  # integer code (``size`` = null) -> String
    as_text: pl.Expr  # the part decoded row by row, for the ``strings`` strategy


def _lookup(labels: Sequence[str | None]) -> Callable[[pl.Expr], pl.Expr]:
    table = pl.Series([*labels, None], dtype=pl.String)
    return lambda idx: pl.lit(table).gather(idx)


def _index_code(name: str, dtype: pl.DataType, codes: Sequence[str]) -> pl.Expr:
    """Position of the code in ``codes``: the value itself for integer columns."""
    col = pl.col(name)
    if dtype.is_integer():
        return col.cast(_U64)
    return col.cast(pl.Enum(list(codes))).to_physical().cast(_U64)


def _coded_part(name: str, dtype: pl.DataType, codes: Sequence[str], out: str) -> _Part:
    code = _index_code(name, dtype, codes)
    decode = _lookup(codes)
    return _Part(out, code, len(codes), decode, decode(code))


def _isco_part(dtype: pl.DataType, digits: int, keep: pl.Expr | None = None) -> _Part:
    if not 1 <= digits <= 4:
        raise ValueError(f"isco_digits must be 1 to 4, not {digits}")
    code = _index_code("isco08", dtype, ISCO4_ALL) // 10 ** (4 - digits)
    if keep is not None:
        code = pl.when(keep).then(code).otherwise(None)
    labels = [f"{i:0{digits}d}" for i in range(10**digits)]
    decode = _lookup(labels)
    return _Part("isco08", code, 10**digits, decode, decode(code))


def _period_part(name: str, dtype: pl.DataType, frequency: str, calendar: bool) -> _Part:
    month_of_day, quarter_of_day, month_labels, quarter_labels, first_day = _calendar()
    if frequency not in {"month", "quarter"}:
        raise ValueError(f"period must be 'month' or 'quarter', not {frequency!r}")
    table, labels = (
        (month_of_day, month_labels) if frequency == "month" else (quarter_of_day, quarter_labels)
    )
    if calendar:
        col = pl.col(name)
        months = (col.dt.year().cast(pl.Int64) - _FIRST_YEAR) * 12 + col.dt.month() - 1
        code = (months if frequency == "month" else months // 3).cast(_U64)
    else:
        day = (_days_since_epoch(name, dtype) - first_day).cast(pl.UInt32)
        code = pl.lit(table).gather(day).cast(_U64)
    fmt = "%Y-%m" if frequency == "month" else None
    text = pl.col(name).dt.strftime(fmt) if fmt else _lookup(labels.to_list())(code)
    return _Part("period", code, len(labels), _lookup(labels.to_list()), text)


def pack_key(codes: Sequence[pl.Expr], sizes: Sequence[int]) -> pl.Expr:
    """Pack integer codes (0 .. size - 1, null allowed) into one integer, mixed radix.

    A null code takes the value ``size``, so each part needs ``size + 1`` values; the
    product of them must stay below 2**63. The key is a ``UInt32`` when the product is
    below 2**32 (a smaller hash table: about 7% less CPU in the group-by of 50M job ads
    than ``UInt64``), a ``UInt64`` otherwise, and orders like the tuple of codes, nulls
    last.
    """
    radices = [s + 1 for s in sizes]
    span = math.prod(radices)
    if span >= 2**63:
        raise ValueError(f"key parts of sizes {list(sizes)} do not fit in 63 bits")
    width = pl.UInt32 if span < 2**32 else _U64
    key: pl.Expr | None = None
    for code, size, radix in zip(codes, sizes, radices, strict=True):
        part = code.cast(width).fill_null(size)
        key = part if key is None else key * radix + part
    if key is None:
        raise ValueError("no key parts")
    return key


def unpack_key(key: pl.Expr, sizes: Sequence[int]) -> list[pl.Expr]:
    """The codes packed by :func:`pack_key` (the null slot ``size`` is kept as is)."""
    radices = [s + 1 for s in sizes]
    out = []
    for i, radix in enumerate(radices):
        below = math.prod(radices[i + 1 :])
        out.append((key // below) % radix)
    return out


def _group(
    frame: pl.LazyFrame,
    parts: Sequence[_Part],
    weight: pl.Expr | None,
    strategy: str,
) -> pl.LazyFrame:
    """Group ``frame`` by the parts with ``strategy``: one String column per part and
    ``value`` (the sum of ``weight``, or the number of rows when it is None)."""
    names = [p.name for p in parts]
    carry = [] if weight is None else [weight.alias("value")]
    agg = pl.len() if weight is None else pl.col("value").sum()
    if strategy == "strings":
        return (
            frame.select(*(p.as_text.alias(p.name) for p in parts), *carry)
            .group_by(names)
            .agg(agg.alias("value"))
            .sort(names, nulls_last=True)
        )
    sizes = [p.size for p in parts]
    if strategy == "columns":
        grouped = (
            frame.select(*(p.code.fill_null(p.size).alias(p.name) for p in parts), *carry)
            .group_by(names)
            .agg(agg.alias("value"))
            .sort(names)
        )
        return grouped.select(*(p.decode(pl.col(p.name)).alias(p.name) for p in parts), "value")
    keyed = frame.select(pack_key([p.code for p in parts], sizes).alias("key"), *carry)
    if strategy == "sorted":
        # Sort the keys, then aggregate runs of equal keys: no hash table at all.
        grouped = keyed.sort("key").group_by("key", maintain_order=True).agg(agg.alias("value"))
    else:
        grouped = keyed.group_by("key").agg(agg.alias("value")).sort("key")
    codes = unpack_key(pl.col("key"), sizes)
    return grouped.select(
        *(p.decode(c).alias(p.name) for p, c in zip(parts, codes, strict=True)), "value"
    )


def _resolve_strategy(strategy: str, source: str | Path, parts: Sequence[_Part]) -> str:
    """``strategy`` checked; ``auto`` resolved from the file's row count and key width."""
    if strategy == "auto":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        rows = pq.read_metadata(source).num_rows
        width = 4 if math.prod(p.size + 1 for p in parts) < 2**32 else 8
        return "sorted" if rows * width <= SORT_BUDGET_BYTES else "packed"
    if strategy not in STRATEGIES:
        known = ", ".join(("auto", *STRATEGIES))
        raise ValueError(f"unknown strategy {strategy!r}: use one of {known}")
    return strategy


def _scan(source: str | Path, columns: Sequence[str]) -> tuple[pl.LazyFrame, pl.Schema]:
    """Scan ``source`` and check it has ``columns`` (an :class:`InputError` otherwise)."""
    from skills.errors import InputError

    if not Path(source).is_file():
        raise InputError(source, "no such Parquet file")
    frame = pl.scan_parquet(source)
    try:
        schema = frame.collect_schema()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise InputError(source, f"not a readable Parquet file ({exc})") from exc
    for column in columns:
        if column not in schema:
            raise InputError(
                source, f"missing; the file has {', '.join(schema.names())}", column=column
            )
    return frame, schema


def to_panel(frame: pl.LazyFrame, constants: Mapping[str, object]) -> pl.LazyFrame:
    """The panel columns (:data:`skills.align.PANEL_SCHEMA`) of ``frame``, in order and type;
    a column ``frame`` lacks is the constant of ``constants`` (null when not there)."""
    from skills.align import PANEL_SCHEMA

    present = set(frame.collect_schema().names())
    return frame.select(
        (pl.col(c) if c in present else pl.lit(constants.get(c))).cast(t).alias(c)
        for c, t in PANEL_SCHEMA.items()
    )


# ----------------------------------------------------------------------------- job ads
def _job_ads_parts(
    source: str | Path,
    isco_digits: int,
    period: str,
    strategy: str,
    codes: Mapping[str, Sequence[str]] | None,
) -> tuple[pl.LazyFrame, list[_Part], dict[str, int]]:
    """The scan, its key parts and each integer-coded column's code-list size."""
    if period not in {"month", "quarter"}:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    needed = ("geo_nuts3", "education_level")
    lists = {**code_lists(source, needed), **{k: tuple(v) for k, v in (codes or {}).items()}}
    frame, schema = _scan(source, JOB_ADS_COLUMNS)
    parts = [
        _coded_part("geo_nuts3", schema["geo_nuts3"], lists["geo_nuts3"], "geo"),
        _period_part("posted_on", schema["posted_on"], period, strategy == "packed_calendar"),
        _isco_part(schema["isco08"], isco_digits),
        _coded_part(
            "education_level",
            schema["education_level"],
            lists["education_level"],
            "education_level",
        ),
    ]
    sizes = {
        "geo_nuts3": len(lists["geo_nuts3"]),
        "education_level": len(lists["education_level"]),
        "isco08": len(ISCO4_ALL),
    }
    return frame, parts, sizes


def chosen_strategy(kind: str, source: str | Path, strategy: str = "auto", **options: Any) -> str:
    """The strategy :func:`aggregate` runs for ``kind`` and ``source`` (``auto`` resolved)."""
    if kind == "lfs":
        return "packed" if strategy == "auto" else _resolve_strategy(strategy, source, [])
    if kind != "job_ads":
        raise ValueError(f"unknown kind {kind!r}: use job_ads or lfs")
    _, parts, _ = _job_ads_parts(
        source,
        options.get("isco_digits", 3),
        options.get("period", "month"),
        strategy,
        options.get("codes"),
    )
    return _resolve_strategy(strategy, source, parts)


def aggregate_job_ads(
    source: str | Path,
    *,
    isco_digits: int = 3,
    period: str = "month",
    strategy: str = "auto",
    codes: Mapping[str, Sequence[str]] | None = None,
    nuts_version: int = 2021,
    source_label: str | None = None,
) -> pl.LazyFrame:
    """One row per province, month (or quarter), ISCO-08 group and education asked: ads.

    Parameters
    ----------
    source
        A job-ad Parquet file (see :mod:`skills.sources.records.synthetic`): ``posted_on`` (Date or
        Datetime), ``geo_nuts3``, ``isco08`` (4 digits), ``education_level`` (null =
        not stated); other columns are not read.
    isco_digits
        ISCO-08 level of the result: 2 (sub-major) or 3 (minor group, default); 1 and 4
        work too.
    period
        ``month`` (``2024-07``) or ``quarter`` (``2024-Q3``).
    strategy
        ``auto`` (default: ``sorted`` while the keys take at most
        :data:`SORT_BUDGET_BYTES`, ``packed`` beyond) or one of :data:`STRATEGIES`; all
        give the same result.
    codes
        Code lists overriding those of :func:`code_lists` (``geo_nuts3``,
        ``education_level``).
    nuts_version, source_label
        Written into the panel's ``nuts_version`` and ``source`` (default: file name).

    Returns
    -------
    polars.LazyFrame
        Panel columns (:data:`skills.align.PANEL_SCHEMA`): ``measure`` =
        ``job_ads_n``, ``unit`` = ``ads``, ``value`` = number of ads (Float64),
        ``geo`` (``geo_level`` 3), ``period``, ``isco08`` (zero-padded digits),
        ``education_level`` (``UNK`` where the ad does not state one), ``role`` =
        ``job_ads``; sorted by geo, period, isco08, education_level (``UNK`` last).
    """
    frame, parts, sizes = _job_ads_parts(source, isco_digits, period, strategy, codes)
    check_code_range(source, frame, frame.collect_schema(), sizes)
    grouped = _group(frame, parts, None, _resolve_strategy(strategy, source, parts))
    grouped = grouped.with_columns(
        pl.col("education_level").fill_null(UNKNOWN), pl.col("value").cast(pl.Float64)
    )
    return to_panel(
        grouped,
        panel_constants("job_ads", source, nuts_version=nuts_version, source_label=source_label),
    )


# ----------------------------------------------------------------------------- LFS


def aggregate_lfs(
    source: str | Path,
    *,
    isco_digits: int = 2,
    strategy: str = "auto",
    codes: Mapping[str, Sequence[str]] | None = None,
    nuts_version: int = 2021,
    source_label: str | None = None,
    thousands: bool = True,
) -> pl.LazyFrame:
    """One row per measure, region, quarter, ISCO-08 group and ISCED group: thousands.

    Weighted sums: ``value`` = sum of the survey ``weight`` of the person records in
    the cell / 1000. ``employment_ths`` (status employed) is broken down by ISCO-08
    group of the job; ``unemployed_ths`` (status unemployed) is not (``isco08`` null =
    all occupations). Inactive persons are filtered out in the scan (predicate
    pushdown).

    Polars divides a column by a constant by multiplying with its reciprocal, so a
    value in thousands can differ from ``sum / 1000`` computed elsewhere by one unit in
    the last place. ``thousands=False`` returns the sums themselves (measures
    ``employment_n`` and ``unemployed_n``, unit ``persons``): they are exact whenever
    the weights and their sums are exactly representable, as those of the generated
    files are.

    Parameters
    ----------
    source
        An LFS Parquet file (see :mod:`skills.sources.records.synthetic`): ``geo_nuts2``,
        ``period``, ``status``, ``isco08``, ``isced11`` (level 0-8 or ``ED0``-``ED8``),
        ``weight``; other columns are not read.
    isco_digits
        1 (major group) or 2 (sub-major group, default); 3 and 4 work too.
    strategy
        ``auto`` (default: ``packed``) or one of :data:`STRATEGIES`.
    codes, nuts_version, source_label
        As in :func:`aggregate_job_ads` (``codes`` keys: ``geo_nuts2``, ``period``,
        ``status``).
    thousands
        Values in thousands of persons (default) or in persons.

    Returns
    -------
    polars.LazyFrame
        Panel columns: ``measure`` (``employment_ths``, ``unemployed_ths``), ``unit`` =
        ``thousand persons``, ``geo`` (``geo_level`` 2), ``period`` (``2023-Q1``),
        ``isco08`` (digits; ``UNK`` for an employed person without one; null for the
        unemployed), ``isced11`` (``ED0-2``, ``ED3_4``, ``ED5-8``), ``role`` =
        ``lfs_microdata``; sorted by measure, geo, period, isco08 (``UNK`` and null
        last), isced11.
    """
    strategy = "packed" if strategy == "auto" else _resolve_strategy(strategy, source, [])
    needed = ("geo_nuts2", "period", "status")
    lists = {**code_lists(source, needed), **{k: tuple(v) for k, v in (codes or {}).items()}}
    frame, schema = _scan(source, LFS_COLUMNS)
    check_code_range(
        source,
        frame,
        schema,
        {
            **{k: len(lists[k]) for k in needed},
            "isco08": len(ISCO4_ALL),
            "isced11": len(ISCED_LEVELS),
        },
    )
    statuses = lists["status"]
    status = _index_code("status", schema["status"], statuses)
    employed = statuses.index("employed")
    kept = [statuses.index(s) for s in LFS_MEASURES]
    frame = frame.filter(status.is_in(kept))
    measures = LFS_MEASURES if thousands else LFS_MEASURES_N
    measure_codes = [measures.get(s, s) for s in statuses]
    measure = _Part(
        "measure", status, len(statuses), _lookup(measure_codes), _lookup(measure_codes)(status)
    )
    isced = _index_code("isced11", schema["isced11"], ISCED_LEVELS)
    isced_group = (isced >= 3).cast(_U64) + (isced >= 5).cast(_U64)
    isced_decode = _lookup(ISCED_GROUPS)
    parts = [
        measure,
        _coded_part("geo_nuts2", schema["geo_nuts2"], lists["geo_nuts2"], "geo"),
        _coded_part("period", schema["period"], lists["period"], "period"),
        _isco_part(schema["isco08"], isco_digits, keep=status == employed),
        _Part("isced11", isced_group, len(ISCED_GROUPS), isced_decode, isced_decode(isced_group)),
    ]
    grouped = _group(frame, parts, pl.col("weight"), strategy)
    grouped = grouped.with_columns(
        pl.when(pl.col("measure") == measures["employed"])
        .then(pl.col("isco08").fill_null(UNKNOWN))
        .otherwise(None)
        .alias("isco08"),
        pl.col("value") / 1000.0 if thousands else pl.col("value"),
    )
    return to_panel(
        grouped,
        panel_constants(
            "lfs",
            source,
            nuts_version=nuts_version,
            source_label=source_label,
            thousands=thousands,
        ),
    )


# ----------------------------------------------------------------------------- dispatch
def aggregate(kind: str, source: str | Path, **options: object) -> pl.LazyFrame:
    """:func:`aggregate_job_ads` or :func:`aggregate_lfs` by ``kind``."""
    if kind == "job_ads":
        return aggregate_job_ads(source, **options)  # type: ignore[arg-type]
    if kind == "lfs":
        return aggregate_lfs(source, **options)  # type: ignore[arg-type]
    raise ValueError(f"unknown kind {kind!r}: use job_ads or lfs")


def aggregate_file(kind: str, source: str | Path, out: str | Path, **options: object) -> Path:
    """Aggregate ``source`` and stream the panel rows into the Parquet file ``out``.

    The rows go to a temporary file next to ``out``, renamed into place when complete:
    an interrupted or failed run never leaves a partial ``out``. A code missing from the
    code lists raises :class:`skills.errors.InputError` naming the file and column.
    """
    from skills.errors import InputError

    out = Path(out)
    with atomic_path(out) as tmp:
        try:
            aggregate(kind, source, **options).sink_parquet(tmp, engine="streaming")
        except pl.exceptions.InvalidOperationError as exc:
            raise InputError(source, f"a code not in its code list: {exc}") from exc
    return out
