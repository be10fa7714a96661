"""The record-level aggregations written once, on narwhals, for DuckDB, Spark or Polars.

The package's default path (:mod:`~skills.sources.records.streaming`,
:mod:`~skills.sources.records.dense`) is tuned for one machine. This module writes the
same two aggregations once on the `narwhals <https://narwhals-dev.github.io/narwhals/>`_
lazy API, so that they run on the engines narwhals drives - DuckDB, PySpark (classic
or Spark Connect), Polars - and give **cell for cell the same panel**
(``tests/test_records_engines.py`` compares them with the default path).

The work is split in two:

1. **on the engine** (:func:`job_ads_cells`, :func:`lfs_cells`): the scan of the four or
   six columns used, the period of each ad (year and month or quarter of its date), the
   ISCO-08 group (integer division of a numeric code, the first digits of a text one),
   and one group-by with a count (ads) or a sum of weights (persons). Codes are grouped
   as they are stored, text or integer, so nothing is decoded row by row; a text ISCO
   code that is not four digits is kept, marked with ``!``, for the check below;
2. **in Polars, on the aggregated cells** (a few million rows at most, back through
   Arrow): every code checked against its code list (an unknown code is an
   :class:`~skills.errors.InputError` naming the file, the column and the code), decoded
   to its label, the ISCED levels merged into their three groups, inactive persons
   dropped, and the rows sorted as the default path sorts them.

Counts are exact on every engine. Sums of survey weights are added in a different order
on each engine (and in two steps here: by ISCED level on the engine, by group in
Polars), so they agree with the default path to the last bit whenever the weights and
their partial sums are exactly representable (as in the generated files), and to about
1e-15 relative otherwise.

Formulas (as in :mod:`~skills.sources.records.streaming`):

.. math::

    A_{p,t,o,e} = \\#\\{\\text{ads } i : (geo_i, period(d_i), isco_i // 10^{4-k},
    edu_i) = (p, t, o, e)\\}

    E_{r,t,o,g} = \\frac{1}{1000} \\sum_{i \\in (r,t,o,g),\\ employed} w_i

with :math:`k` the ISCO-08 digits kept and :math:`g` the ISCED group of the level.

Not supported off Polars: a time-zone-aware ``posted_on`` (engines disagree on the
time zone of a month); use a Date or a naive timestamp in local time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from skills.errors import InputError
from skills.sources.records.codes import (
    CALENDAR_YEARS,
    ISCED_GROUPS,
    ISCED_LEVELS,
    LFS_MEASURES,
    LFS_MEASURES_N,
    UNKNOWN,
    panel_constants,
)
from skills.sources.records.streaming import period_labels, to_panel

if TYPE_CHECKING:
    import narwhals as nw

__all__ = [
    "aggregate_portable",
    "job_ads_cells",
    "lfs_cells",
]

#: Years a period may fall in (the default path's calendar).
FIRST_YEAR, LAST_YEAR = CALENDAR_YEARS
#: Prefix of a text ISCO-08 code that is not four digits, kept for the error message.
_BAD: Final = "!"


# ----------------------------------------------------------------------------- engine side
def _text_or_integer(frame: nw.LazyFrame[Any], column: str, source: str | Path) -> nw.Expr:
    """The column as stored (integer) or as text (categoricals, and a column of nulls
    only, read as strings)."""
    import narwhals as nw

    dtype = frame.collect_schema()[column]
    if dtype.is_integer():
        return nw.col(column)
    if dtype in (nw.String, nw.Categorical, nw.Unknown) or isinstance(dtype, nw.Enum):
        return nw.col(column).cast(nw.String)
    raise InputError(source, f"must hold text or integer codes, not {dtype}", column=column)


def _isco_key(frame: nw.LazyFrame[Any], digits: int, source: str | Path) -> nw.Expr:
    """ISCO-08 group of ``isco08``: ``code // 10**(4 - digits)`` for a number, the first
    ``digits`` characters of a 4-digit text code; any other text kept behind ``!``."""
    import narwhals as nw

    if not 1 <= digits <= 4:
        raise ValueError(f"isco_digits must be 1 to 4, not {digits}")
    col = _text_or_integer(frame, "isco08", source)
    if frame.collect_schema()["isco08"].is_integer():
        group: nw.Expr = col // 10 ** (4 - digits)
        return group
    return (
        nw.when(col.str.contains(r"^[0-9]{4}$"))
        .then(col.str.slice(0, digits))
        .otherwise(nw.concat_str([nw.lit(_BAD), col]))
    )


def _check_columns(frame: nw.LazyFrame[Any], columns: Sequence[str], source: str | Path) -> None:
    names = frame.collect_schema().names()
    for column in columns:
        if column not in names:
            raise InputError(source, f"missing; the source has {', '.join(names)}", column=column)


def job_ads_cells(
    frame: nw.LazyFrame[Any],
    *,
    isco_digits: int = 3,
    period: str = "month",
    source: str | Path = "<frame>",
) -> nw.LazyFrame[Any]:
    """The engine-side job-ad query: ads counted by stored code and period.

    Columns of the result: ``geo_nuts3`` and ``education_level`` as stored (text or
    integer), ``year`` and ``sub`` (month 1-12 or quarter 1-4 of ``posted_on``),
    ``isco08`` (the group: integer, or text with ``!`` before a malformed code), ``n``
    (ads). Lazy: nothing runs until it is collected.
    """
    import narwhals as nw

    if period not in {"month", "quarter"}:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    _check_columns(frame, ("posted_on", "geo_nuts3", "isco08", "education_level"), source)
    dtype = frame.collect_schema()["posted_on"]
    if dtype not in (nw.Date, nw.Datetime):
        raise InputError(source, f"must be a Date or Datetime, not {dtype}", column="posted_on")
    if isinstance(dtype, nw.Datetime) and dtype.time_zone is not None:
        raise InputError(
            source,
            f"a time-zone-aware timestamp ({dtype.time_zone}): engines other than polars "
            "need a Date or a naive timestamp in local time",
            column="posted_on",
        )
    date = nw.col("posted_on")
    sub = date.dt.month() if period == "month" else (date.dt.month() - 1) // 3 + 1
    return (
        frame.select(
            _text_or_integer(frame, "geo_nuts3", source).alias("geo_nuts3"),
            date.dt.year().cast(nw.Int32).alias("year"),
            sub.cast(nw.Int32).alias("sub"),
            _isco_key(frame, isco_digits, source).alias("isco08"),
            _text_or_integer(frame, "education_level", source).alias("education_level"),
        )
        .group_by("geo_nuts3", "year", "sub", "isco08", "education_level")
        .agg(nw.len().cast(nw.Int64).alias("n"))
    )


def lfs_cells(
    frame: nw.LazyFrame[Any],
    *,
    isco_digits: int = 2,
    inactive: str | int = "inactive",
    source: str | Path = "<frame>",
) -> nw.LazyFrame[Any]:
    """The engine-side LFS query: survey weights summed by stored code.

    Persons whose ``status`` is ``inactive`` (its code, when statuses are integers) are
    dropped in the scan. Columns: ``status``, ``geo_nuts2``, ``period``, ``isced11`` as
    stored, ``isco08`` (the group, as in :func:`job_ads_cells`, for every person; kept
    for the employed only when decoded), ``w`` (sum of ``weight``).
    """
    import narwhals as nw

    _check_columns(frame, ("geo_nuts2", "period", "status", "isco08", "isced11", "weight"), source)
    weight = frame.collect_schema()["weight"]
    if not weight.is_numeric():
        raise InputError(source, f"must be numeric, not {weight}", column="weight")
    status = _text_or_integer(frame, "status", source)
    return (
        frame.filter(status != inactive)
        .select(
            status.alias("status"),
            _text_or_integer(frame, "geo_nuts2", source).alias("geo_nuts2"),
            _text_or_integer(frame, "period", source).alias("period"),
            _isco_key(frame, isco_digits, source).alias("isco08"),
            _text_or_integer(frame, "isced11", source).alias("isced11"),
            nw.col("weight").cast(nw.Float64).alias("weight"),
        )
        .group_by("status", "geo_nuts2", "period", "isco08", "isced11")
        .agg(nw.col("weight").sum().alias("w"))
    )


# ----------------------------------------------------------------------------- Polars side
def _index(cells: pl.DataFrame, column: str, codes: Sequence[str], source: str | Path) -> pl.Expr:
    """Position of each stored code in ``codes`` (null stays null); an unknown code is an
    :class:`InputError` naming the file, the column and the code."""
    values = cells[column]
    if values.dtype.is_integer():
        bad = values.filter((values < 0) | (values >= len(codes)))
        if bad.len():
            raise InputError(
                source,
                f"code {bad[0]} is outside its code list (0 to {len(codes) - 1}: "
                f"{len(codes)} codes)",
                column=column,
            )
        return pl.col(column).cast(pl.Int64)
    positions = {code: i for i, code in enumerate(codes)}
    unknown = values.drop_nulls().filter(~values.drop_nulls().is_in(list(positions)))
    if unknown.len():
        raise InputError(source, f"code {unknown[0]!r} is not in its code list", column=column)
    return pl.col(column).replace_strict(positions, default=None, return_dtype=pl.Int64)


def _isco_index(
    cells: pl.DataFrame, digits: int, frame: nw.LazyFrame[Any], source: str | Path
) -> pl.Expr:
    """The ISCO-08 group as an integer (``0`` ... ``10**digits - 1``), checked."""
    import narwhals as nw

    values = cells["isco08"]
    if values.dtype.is_integer():
        if ((values < 0) | (values >= 10**digits)).any():
            raw = nw.col("isco08")
            row = frame.filter((raw < 0) | (raw > 9999)).select(raw).head(1).collect("polars")
            example = f"code {row.item()} " if row.shape[0] else "a code "
            raise InputError(
                source,
                f"{example}is not an ISCO-08 unit group (0 to 9999, 4 digits)",
                column="isco08",
            )
        return pl.col("isco08").cast(pl.Int64)
    bad = values.drop_nulls().filter(values.drop_nulls().str.starts_with(_BAD))
    if bad.len():
        raise InputError(
            source,
            f"code {bad[0][len(_BAD) :]!r} is not an ISCO-08 unit group (4 digits, '2512')",
            column="isco08",
        )
    return pl.col("isco08").cast(pl.Int64)


def _label(index: str, labels: Sequence[str]) -> pl.Expr:
    table = pl.Series([*labels], dtype=pl.String)
    return pl.lit(table).gather(pl.col(index))


def _isco_label(index: str, digits: int) -> pl.Expr:
    return pl.col(index).cast(pl.String).str.zfill(digits)


def _job_ads_panel(
    cells: pl.DataFrame,
    frame: nw.LazyFrame[Any],
    *,
    codes: Mapping[str, Sequence[str]],
    isco_digits: int,
    period: str,
    source: str | Path,
) -> pl.DataFrame:
    years = cells["year"]
    outside = years.filter((years < FIRST_YEAR) | (years > LAST_YEAR))
    if outside.len():
        raise InputError(
            source, f"a date in {outside[0]}, outside {FIRST_YEAR}-{LAST_YEAR}", column="posted_on"
        )
    per_year = 12 if period == "month" else 4
    geo = codes["geo_nuts3"]
    edu = codes["education_level"]
    indexed = cells.select(
        _index(cells, "geo_nuts3", geo, source).alias("g"),
        ((pl.col("year").cast(pl.Int64) - FIRST_YEAR) * per_year + pl.col("sub") - 1).alias("t"),
        _isco_index(cells, isco_digits, frame, source).alias("o"),
        _index(cells, "education_level", edu, source).alias("e"),
        "n",
    )
    # the same cell may come from two stored spellings of a code (an integer file has
    # one; a text file could hold "ITC11" and a categorical "ITC11"): add them up
    grouped = indexed.group_by("g", "t", "o", "e").agg(pl.col("n").sum())
    grouped = grouped.sort("g", "t", "o", "e", nulls_last=True)
    return grouped.select(
        _label("g", geo).alias("geo"),
        pl.lit(period_labels(period)).gather(pl.col("t")).alias("period"),
        _isco_label("o", isco_digits).alias("isco08"),
        _label("e", edu).fill_null(UNKNOWN).alias("education_level"),
        pl.col("n").cast(pl.Float64).alias("value"),
    )


def _lfs_panel(
    cells: pl.DataFrame,
    frame: nw.LazyFrame[Any],
    *,
    codes: Mapping[str, Sequence[str]],
    isco_digits: int,
    thousands: bool,
    source: str | Path,
) -> pl.DataFrame:
    statuses = codes["status"]
    employed = statuses.index("employed")
    level = _index(cells, "isced11", ISCED_LEVELS, source)  # ED3 or 3 -> 3
    indexed = cells.select(
        _index(cells, "status", statuses, source).alias("s"),
        _index(cells, "geo_nuts2", codes["geo_nuts2"], source).alias("g"),
        _index(cells, "period", codes["period"], source).alias("t"),
        _isco_index(cells, isco_digits, frame, source).alias("o"),
        ((level >= 3).cast(pl.Int64) + (level >= 5).cast(pl.Int64)).alias("i"),
        "w",
    ).filter(pl.col("s").is_in([statuses.index(s) for s in LFS_MEASURES if s in statuses]))
    indexed = indexed.with_columns(
        pl.when(pl.col("s") == employed).then(pl.col("o")).otherwise(None).alias("o")
    )
    grouped = indexed.group_by("s", "g", "t", "o", "i").agg(pl.col("w").sum())
    grouped = grouped.sort("s", "g", "t", "o", "i", nulls_last=True)
    measures = LFS_MEASURES if thousands else LFS_MEASURES_N
    measure = pl.Series([measures.get(s, s) for s in statuses], dtype=pl.String)
    return grouped.select(
        pl.lit(measure).gather(pl.col("s")).alias("measure"),
        _label("g", codes["geo_nuts2"]).alias("geo"),
        _label("t", codes["period"]).alias("period"),
        pl.when(pl.col("s") == employed)
        .then(_isco_label("o", isco_digits).fill_null(UNKNOWN))
        .otherwise(None)
        .alias("isco08"),
        _label("i", ISCED_GROUPS).alias("isced11"),
        (pl.col("w") / 1000.0 if thousands else pl.col("w")).alias("value"),
    )


def aggregate_portable(
    kind: str,
    frame: Any,
    *,
    codes: Mapping[str, Sequence[str]],
    isco_digits: int | None = None,
    period: str = "month",
    thousands: bool = True,
    nuts_version: int = 2021,
    source: str | Path = "<frame>",
    source_label: str | None = None,
) -> pl.DataFrame:
    """Aggregate records on whatever engine holds ``frame``; the panel rows in Polars.

    Parameters
    ----------
    kind
        ``job_ads`` or ``lfs``.
    frame
        The records: a narwhals lazy frame, or any native lazy frame narwhals reads
        (a DuckDB relation, a PySpark DataFrame, a Polars LazyFrame, ...).
    codes
        The code lists the stored codes index or belong to: ``geo_nuts3`` and
        ``education_level`` (job ads); ``geo_nuts2``, ``period`` and ``status`` (LFS)
        (:func:`skills.sources.records.metadata.code_lists`).
    isco_digits, period, thousands, nuts_version, source_label
        As in :func:`skills.sources.records.streaming.aggregate_job_ads` and
        :func:`~skills.sources.records.streaming.aggregate_lfs` (ISCO digits default to
        3 for job ads, 2 for LFS).
    source
        Where the records are, for messages and the default ``source`` label.

    Returns
    -------
    polars.DataFrame
        The panel rows (:data:`skills.align.PANEL_SCHEMA`), equal to those of the default
        path on the same records.

    Raises
    ------
    skills.errors.InputError
        A missing column, a column of the wrong type, or a code outside its code list,
        naming the source and the column.
    """
    import narwhals as nw

    constants = panel_constants(
        kind, source, nuts_version=nuts_version, source_label=source_label, thousands=thousands
    )
    lazy = frame if isinstance(frame, nw.LazyFrame) else nw.from_native(frame).lazy()
    if kind == "job_ads":
        digits = 3 if isco_digits is None else isco_digits
        cells = job_ads_cells(lazy, isco_digits=digits, period=period, source=source)
        panel = _job_ads_panel(
            _collect(cells, source),
            lazy,
            codes=codes,
            isco_digits=digits,
            period=period,
            source=source,
        )
    else:
        digits = 2 if isco_digits is None else isco_digits
        statuses = codes["status"]
        stored = lazy.collect_schema().get("status")
        inactive: str | int = (
            statuses.index("inactive")
            if stored is not None and stored.is_integer() and "inactive" in statuses
            else "inactive"
        )
        cells = lfs_cells(lazy, isco_digits=digits, inactive=inactive, source=source)
        panel = _lfs_panel(
            _collect(cells, source),
            lazy,
            codes=codes,
            isco_digits=digits,
            thousands=thousands,
            source=source,
        )
    return to_panel(panel.lazy(), constants).collect()


def _collect(cells: nw.LazyFrame[Any], source: str | Path) -> pl.DataFrame:
    """Run the engine query; only the aggregated cells come back (Arrow -> Polars)."""
    from skills.errors import SkillsError
    from skills.sources.records.engines import engine_fault

    try:
        out = cells.collect("polars").to_native()
    except SkillsError:
        raise
    except Exception as exc:  # each engine's execution errors (bad cast, I/O, a lost job)
        raise engine_fault(exc, source, "the aggregation failed on its engine") from exc
    assert isinstance(out, pl.DataFrame)
    return out
