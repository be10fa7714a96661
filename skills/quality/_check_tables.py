"""The aggregated check tables value expectations run on, computed in Polars.

One module for the eight builders: they share the period, series and filter helpers.

``rows``
    The table itself (only the columns the expectations name), plus ``_row`` (1-based row
    number) and ``_line`` when the table has it. A Eurostat table keeps only the rows its
    role reads (its units, the all-sizes class), as :func:`skills.align.clean_eurostat`
    does. The indicators table gets the catalogue's ``valid_min``, ``valid_max`` and
    ``catalogue_unit`` for each row's indicator.
``steps``
    One row per series and pair of consecutive periods with both values > 0: ``ratio``
    = value_t / value_{t-1}.
``jumps``
    One row per group (e.g. indicator) and period: the median ``ratio`` over the
    group's series (``median_ratio``) - a whole period multiplied by 10 shows here.
``gaps``
    One row per series: first and last period with a value, how many periods between
    them have none, and how many of those are unexplained (no flag).
``periods``
    One row per group and period: ``rows_n`` and its ratio to the median of the group's
    other periods.
``shares``
    One row per group of shares (e.g. the skill groups of one geo and period): their sum.
``levels``
    One row per series and period: the value over the median of its series
    (``ratio_to_series_median``) - one cell typed x1000 shows here.
``totals``
    One row per total (a NUTS area, sex ``T``), other dimensions and period: the sum of its
    parts (sub-areas, ``F`` + ``M``) over its own value (``children_to_parent``) - a whole
    series x10 in every year, which no step shows, shows here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from statistics import median
from typing import Any

import polars as pl

from skills.quality._report import MAX_EXAMPLES
from skills.quality._suite import Suite

__all__ = ["LINE", "ROW", "build_check_table", "filtered", "period_ordinal"]

ROW = "_row"
LINE = "_line"
_NOT_DIMENSIONS = frozenset({"period", "value", "flag", ROW, LINE})


# ----------------------------------------------------------------------------- helpers


def period_ordinal(col: str = "period") -> tuple[pl.Expr, pl.Expr]:
    """Frequency (``A``, ``Q``, ``M`` or null) and a consecutive integer of a period.

    ``2019`` -> (A, 2019); ``2019-Q3`` -> (Q, 2019*4+2); ``2019-07`` -> (M, 2019*12+6).
    Other periods (semesters, weeks, days) get nulls and are left out of step and gap
    checks.
    """
    text = pl.col(col).cast(pl.String)
    year = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    sub = text.str.slice(-2).str.replace("Q", "").cast(pl.Int64, strict=False)
    is_a = text.str.contains(r"^\d{4}$")
    is_q = text.str.contains(r"^\d{4}-Q[1-4]$")
    is_m = text.str.contains(r"^\d{4}-(0[1-9]|1[0-2])$")
    freq = (
        pl.when(is_a)
        .then(pl.lit("A"))
        .when(is_q)
        .then(pl.lit("Q"))
        .when(is_m)
        .then(pl.lit("M"))
        .otherwise(None)
    )
    ordinal = (
        pl.when(is_a)
        .then(year)
        .when(is_q)
        .then(year * 4 + sub - 1)
        .when(is_m)
        .then(year * 12 + sub - 1)
        .otherwise(None)
    )
    return freq, ordinal


def _period_text(freq: str, ordinal: int) -> str:
    if freq == "Q":
        return f"{ordinal // 4}-Q{ordinal % 4 + 1}"
    if freq == "M":
        return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"
    return str(ordinal)


def filtered(frame: pl.DataFrame, params: Mapping[str, Any]) -> pl.DataFrame:
    """Rows kept by ``where`` (column -> allowed values) and ``exclude`` (column -> values)."""
    out = frame
    for col, values in (params.get("where") or {}).items():
        if col not in out.columns:
            return out.clear()
        out = out.filter(pl.col(col).cast(pl.String).is_in([str(v) for v in values]))
    for col, values in (params.get("exclude") or {}).items():
        if col in out.columns:
            out = out.filter(
                ~pl.col(col).cast(pl.String).is_in([str(v) for v in values]).fill_null(False)
            )
    return out


def _series(frame: pl.DataFrame, params: Mapping[str, Any]) -> list[str]:
    series = params.get("series", "$dimensions")
    if series == "$dimensions":
        return [c for c in frame.columns if c not in _NOT_DIMENSIONS]
    return [c for c in series if c in frame.columns]


# ----------------------------------------------------------------------------- check tables


def build_check_table(name: str, rows: pl.DataFrame, suite: Suite) -> pl.DataFrame:
    """Compute the aggregated check table ``name`` from the ``rows`` table."""
    params = suite.check_tables.get(name, {})
    if name == "rows":
        return rows
    if name == "steps":
        return _steps(rows, params)
    if name == "gaps":
        return _gaps(rows, params)
    if name == "jumps":
        return _jumps(rows, {**suite.check_tables.get("steps", {}), **params})
    if name == "periods":
        return _periods(rows, params)
    if name == "shares":
        return _shares(rows, params, suite)
    if name == "levels":
        return _levels(rows, params)
    if name == "totals":
        return _totals(rows, params)
    raise ValueError(f"unknown check table {name!r}")


def _steps(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    period, value = p.get("period", "period"), p.get("value", "value")
    flag = p.get("flag", "flag")
    frame = filtered(rows, p)
    if period not in frame.columns or value not in frame.columns:
        return pl.DataFrame({"ratio": []}, schema={"ratio": pl.Float64})
    series = _series(frame, p)
    freq, ordinal = period_ordinal(period)
    extra = [c for c in (flag, LINE, "unit") if c in frame.columns and c not in series]
    lf = (
        frame.lazy()
        .filter(pl.col(value).is_not_null())
        .select(
            *series,
            pl.col(period).cast(pl.String).alias("period"),
            pl.col(value).cast(pl.Float64).alias("value"),
            *extra,
            ROW,
            freq.alias("_freq"),
            ordinal.alias("_ord"),
        )
        .filter(pl.col("_ord").is_not_null())
    )
    if p.get("sum"):
        lf = lf.group_by(*series, "period", "_freq", "_ord").agg(
            pl.col("value").sum(),
            *(pl.col(c).first() for c in extra),
            pl.col(ROW).first(),
        )
    group = [*series, "_freq"]
    lf = lf.sort(*group, "_ord", nulls_last=False).with_columns(
        pl.col("_ord").shift(1).over(group).alias("_prev_ord"),
        pl.col("value").shift(1).over(group).alias("value_prev"),
        pl.col("period").shift(1).over(group).alias("period_prev"),
    )
    lf = lf.filter(
        (pl.col("_ord") - pl.col("_prev_ord") == 1)
        & (pl.col("value") > 0)
        & (pl.col("value_prev") > 0)
    ).with_columns(
        (pl.col("value") / pl.col("value_prev")).alias("ratio"),
        pl.max_horizontal("value", "value_prev").alias("_level"),
    )
    floor = p.get("min_level")
    if isinstance(floor, int | float):
        lf = lf.filter(pl.col("_level") >= floor)
    elif isinstance(floor, Mapping) and "unit" in extra:
        floors = pl.col("unit").replace_strict(
            {str(k): float(v) for k, v in floor.items()}, default=0.0, return_dtype=pl.Float64
        )
        lf = lf.filter(pl.col("_level") >= floors)
    out = lf.select(
        *series, "period_prev", "period", "value_prev", "value", "ratio", *extra, ROW
    ).collect()
    return out


def _jumps(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """One row per group and period: the median step ratio over the group's series."""
    steps = _steps(rows, {k: v for k, v in p.items() if k != "min_level"})
    by = [c for c in p.get("by", []) if c in steps.columns]
    if steps.height == 0:
        return pl.DataFrame(
            {"median_ratio": [], "steps_n": []},
            schema={"median_ratio": pl.Float64, "steps_n": pl.Int64},
        )
    return (
        steps.group_by(*by, "period_prev", "period")
        .agg(
            pl.len().cast(pl.Int64).alias("steps_n"),
            pl.col("ratio").median().alias("median_ratio"),
            pl.col(ROW).min(),
        )
        .sort(*by, "period", nulls_last=False)
    )


def _gaps(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    period, value = p.get("period", "period"), p.get("value", "value")
    flag = p.get("flag", "flag")
    frame = filtered(rows, p)
    if period not in frame.columns or value not in frame.columns:
        return pl.DataFrame({"missing_unflagged_n": []}, schema={"missing_unflagged_n": pl.Int64})
    series = _series(frame, p)
    freq, ordinal = period_ordinal(period)
    has_flag = flag in frame.columns
    flagged = (pl.col(flag).is_not_null() & (pl.col(flag) != "")) if has_flag else pl.lit(False)
    base = (
        frame.lazy()
        .select(
            *series,
            pl.col(value).is_not_null().alias("_has"),
            flagged.alias("_flagged"),
            freq.alias("_freq"),
            ordinal.alias("_ord"),
            *([LINE] if LINE in frame.columns else []),
            ROW,
        )
        .filter(pl.col("_ord").is_not_null())
    )
    group = [*series, "_freq"]
    agg = (
        base.group_by(group)
        .agg(
            pl.col("_ord").filter(pl.col("_has")).min().alias("_first"),
            pl.col("_ord").filter(pl.col("_has")).max().alias("_last"),
            pl.col("_ord").filter(pl.col("_has")).unique().alias("_present"),
            pl.col("_ord").filter(~pl.col("_has") & pl.col("_flagged")).unique().alias("_expl"),
            pl.col(ROW).min(),
        )
        .filter(pl.col("_first").is_not_null())
        .with_columns(
            pl.int_ranges(pl.col("_first"), pl.col("_last") + 1).alias("_all"),
        )
        .with_columns(
            pl.col("_all").list.set_difference(pl.col("_present")).alias("_missing"),
        )
        .with_columns(
            pl.col("_missing").list.set_difference(pl.col("_expl")).alias("_unexpl"),
        )
        .with_columns(
            pl.col("_missing").list.len().cast(pl.Int64).alias("missing_n"),
            pl.col("_unexpl").list.len().cast(pl.Int64).alias("missing_unflagged_n"),
            pl.col("_present").list.len().cast(pl.Int64).alias("present_n"),
        )
        .collect()
    )
    texts = []
    for freq_v, first, last, missing in agg.select(
        "_freq", "_first", "_last", pl.col("_unexpl").list.sort()
    ).iter_rows():
        texts.append(
            (
                _period_text(freq_v, first),
                _period_text(freq_v, last),
                ", ".join(_period_text(freq_v, m) for m in missing[:MAX_EXAMPLES])
                + (" ..." if len(missing) > MAX_EXAMPLES else ""),
            )
        )
    firsts = [t[0] for t in texts]
    lasts = [t[1] for t in texts]
    missing_txt = [t[2] for t in texts]
    return agg.select(
        *series,
        pl.Series("first", firsts, dtype=pl.String),
        pl.Series("last", lasts, dtype=pl.String),
        "present_n",
        "missing_n",
        "missing_unflagged_n",
        pl.Series("missing_periods", missing_txt, dtype=pl.String),
        ROW,
    ).sort([*series, ROW], nulls_last=False)


def _periods(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    period = p.get("period", "period")
    frame = filtered(rows, p)
    by = [c for c in p.get("by", []) if c in frame.columns]
    if period not in frame.columns:
        return pl.DataFrame({"ratio_to_median": []}, schema={"ratio_to_median": pl.Float64})
    counts = (
        frame.group_by(*by, pl.col(period).cast(pl.String).alias("period"))
        .agg(pl.len().cast(pl.Int64).alias("rows_n"))
        .sort(*by, "period", nulls_last=False)
    )
    medians: list[float | None] = []
    keys = counts.select(by).rows() if by else [()] * counts.height
    by_group: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
    for k, per, n in zip(keys, counts["period"], counts["rows_n"], strict=True):
        by_group.setdefault(tuple(k), []).append((per, n))
    for k, per, _n in zip(keys, counts["period"], counts["rows_n"], strict=True):
        others = [m for q, m in by_group[tuple(k)] if q != per]
        medians.append(float(median(others)) if others else None)
    return counts.with_columns(
        pl.Series("median_other_n", medians, dtype=pl.Float64),
    ).with_columns((pl.col("rows_n") / pl.col("median_other_n")).alias("ratio_to_median"))


def _shares(rows: pl.DataFrame, p: Mapping[str, Any], suite: Suite) -> pl.DataFrame:
    value = p.get("value", "value")
    over = p.get("over", "skill_group")
    frame = filtered(rows, p)
    group_by = p.get("group_by") or [k for k in suite.key if k != over]
    group_by = [c for c in group_by if c in frame.columns]
    if value not in frame.columns or over not in frame.columns:
        return pl.DataFrame({"share_sum": []}, schema={"share_sum": pl.Float64})
    return (
        frame.filter(pl.col(over).is_not_null())
        .group_by(group_by)
        .agg(
            pl.col(value).sum().alias("share_sum"),
            pl.len().cast(pl.Int64).alias("parts_n"),
            pl.col(value).null_count().alias("_nulls"),
            pl.col(ROW).min(),
        )
        .filter(pl.col("_nulls") == 0)
        .drop("_nulls")
        .sort(group_by, nulls_last=False)
    )


def _levels(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """One row per series and period: the value against the median of its series.

    ``ratio_to_series_median`` = value / median of the series' values (> 0) over all its
    periods; a series needs ``min_periods`` values (default 3) to have a history. A cell
    typed x1000 stands out here even when the steps around it cancel out. Rows whose flag
    has a letter of ``excuse_flags`` (a break ``b``, low reliability ``u``) are left out,
    and so are cells whose larger of value and median is below ``min_level`` (number, or
    unit -> number, as for ``steps``). ``sum`` sums the value per series and period first.
    """
    period, value = p.get("period", "period"), p.get("value", "value")
    flag = p.get("flag", "flag")
    frame = filtered(rows, p)
    empty = pl.DataFrame(
        {"ratio_to_series_median": []}, schema={"ratio_to_series_median": pl.Float64}
    )
    if period not in frame.columns or value not in frame.columns:
        return empty
    series = _series(frame, p)
    extra = [c for c in (flag, LINE, "unit") if c in frame.columns and c not in series]
    lf = (
        frame.lazy()
        .filter(pl.col(value) > 0)
        .select(
            *series,
            pl.col(period).cast(pl.String).alias("period"),
            pl.col(value).cast(pl.Float64).alias("value"),
            *extra,
            ROW,
        )
    )
    if p.get("sum"):
        lf = lf.group_by(*series, "period").agg(
            pl.col("value").sum(), *(pl.col(c).first() for c in extra), pl.col(ROW).first()
        )
    over: list[str | pl.Expr] = [*series] if series else [pl.lit(1)]
    lf = lf.with_columns(
        pl.col("value").median().over(over).alias("series_median"),
        pl.len().over(over).cast(pl.Int64).alias("series_values_n"),
    ).filter(pl.col("series_values_n") >= int(p.get("min_periods", 3)))
    excuse = str(p.get("excuse_flags", ""))
    if excuse and flag in extra:
        lf = lf.filter(~pl.col(flag).fill_null("").str.contains(f"[{re.escape(excuse)}]"))
    level = pl.max_horizontal("value", "series_median")
    floor = p.get("min_level")
    if isinstance(floor, int | float):
        lf = lf.filter(level >= floor)
    elif isinstance(floor, Mapping) and "unit" in extra:
        floors = pl.col("unit").replace_strict(
            {str(k): float(v) for k, v in floor.items()}, default=0.0, return_dtype=pl.Float64
        )
        lf = lf.filter(level >= floors)
    return (
        lf.with_columns((pl.col("value") / pl.col("series_median")).alias("ratio_to_series_median"))
        .select(
            *series,
            "period",
            "value",
            "series_median",
            "series_values_n",
            "ratio_to_series_median",
            *extra,
            ROW,
        )
        .sort(ROW)
        .collect()
    )


def _totals(rows: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """One row per total, other dimensions and period: the sum of its parts.

    ``hierarchies`` lists how totals split into parts, each ``{"column": "geo", "nuts":
    true}`` or ``{"column": "sex", "parts": {"T": ["F", "M"]}}`` (default: NUTS on the
    ``geo`` column). The parts of a NUTS code are the codes one character longer that
    start with it (``ITC11`` ... ``ITC18`` of ``ITC1``; ``ITC1`` ... ``ITC4`` of ``ITC``);
    Eurostat aggregates (``EU27_2020``, ``EA20``) are not areas. ``total_of`` names the
    column; ``children_to_parent`` = sum of the parts' values / the total's value;
    ``is_complete`` says whether every part (every listed part; for NUTS, every sub-area the
    table has for that area in any period) has a value, and
    ``complete_children_to_parent`` is the ratio where it does (null elsewhere: with a part
    missing, the sum may fall short of the total legitimately). Totals whose value is below
    ``min_level`` and totals with fewer than two parts with a value are left out. ``sum``
    sums the value per code and period first.
    """
    period, value = p.get("period", "period"), p.get("value", "value")
    frame = filtered(rows, p)
    empty = pl.DataFrame({"children_to_parent": []}, schema={"children_to_parent": pl.Float64})
    hierarchies = p.get("hierarchies") or [{"column": p.get("geo", "geo"), "nuts": True}]
    if period not in frame.columns or value not in frame.columns:
        return empty
    floor = p.get("min_level", 0)
    level = float(floor) if isinstance(floor, int | float) else 0.0
    out: list[pl.DataFrame] = []
    for h in hierarchies:
        column = str(h["column"])
        if column not in frame.columns:
            continue
        dims = [c for c in _series(frame, p) if c != column]
        cells = (
            frame.select(
                *dims,
                pl.col(column).cast(pl.String).alias("_code"),
                pl.col(period).cast(pl.String).alias("period"),
                pl.col(value).cast(pl.Float64).alias("value"),
                ROW,
            )
            .group_by(*dims, "_code", "period")
            .agg(
                (
                    pl.when(pl.col("value").is_not_null().any()).then(pl.col("value").sum())
                    if p.get("sum")
                    else pl.col("value").first()
                ),
                pl.col(ROW).min(),
            )
        )
        if h.get("nuts"):
            cells = cells.filter(
                pl.col("_code").str.contains(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
                & ~pl.col("_code").str.contains(r"^(EU|EA|EFTA)")
            )
            children = cells.filter(pl.col("_code").str.len_chars() > 2).with_columns(
                pl.col("_code").str.head(-1).alias("parent")
            )
            known = children.group_by("parent").agg(
                pl.col("_code").n_unique().cast(pl.Int64).alias("children_known_n")
            )
        else:
            parts: Mapping[str, Sequence[str]] = h.get("parts") or {}
            of = {str(c): str(t) for t, cs in parts.items() for c in cs}
            children = cells.filter(pl.col("_code").is_in(list(of))).with_columns(
                pl.col("_code").replace_strict(of, return_dtype=pl.String).alias("parent")
            )
            known = pl.DataFrame(
                {"parent": list(parts), "children_known_n": [len(v) for v in parts.values()]},
                schema={"parent": pl.String, "children_known_n": pl.Int64},
            )
        sums = (
            children.filter(pl.col("value").is_not_null())
            .group_by("parent", *dims, "period")
            .agg(
                pl.col("value").sum().alias("children_sum"),
                pl.len().cast(pl.Int64).alias("children_n"),
            )
            .filter(pl.col("children_n") >= 2)
        )
        totals = cells.filter(pl.col("value").is_not_null()).rename(
            {"_code": "parent", "value": "parent_value"}
        )
        table = (
            totals.join(sums, on=["parent", *dims, "period"], how="inner", nulls_equal=True)
            .join(known, on="parent", how="left")
            .filter((pl.col("parent_value") > 0) & (pl.col("parent_value") >= level))
            .with_columns(
                (pl.col("children_sum") / pl.col("parent_value")).alias("children_to_parent"),
                (pl.col("children_n") == pl.col("children_known_n")).alias("is_complete"),
            )
            .with_columns(
                pl.when(pl.col("is_complete"))
                .then(pl.col("children_to_parent"))
                .alias("complete_children_to_parent")
            )
        )
        out.append(
            table.select(
                pl.lit(column).alias("total_of"),
                *dims,
                pl.col("parent").alias(column),
                "period",
                "parent_value",
                "children_sum",
                "children_n",
                "is_complete",
                "children_to_parent",
                "complete_children_to_parent",
                ROW,
            )
        )
    if not out:
        return empty
    return pl.concat(out, how="diagonal_relaxed").sort(ROW)
