"""The indicators table: its columns, and the helper that shapes a result into it."""

from __future__ import annotations

import polars as pl

from skills.align import DIMENSIONS

__all__ = ["INDICATOR_KEY", "INDICATOR_SCHEMA", "as_indicator"]

#: Columns of ``indicators.parquet``: one row per value (design contract).
INDICATOR_SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "geo": pl.String(),
    "geo_level": pl.Int8(),
    "period": pl.String(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "flag": pl.String(),
    "source": pl.String(),
    **{d: pl.String() for d in DIMENSIONS},
    "skill_group": pl.String(),
    "crosswalk_version": pl.String(),
    "variant": pl.String(),
    "note": pl.String(),
}
#: The key of the indicators table: unique per row.
INDICATOR_KEY: tuple[str, ...] = (
    "indicator",
    "geo",
    "period",
    *DIMENSIONS,
    "skill_group",
    "crosswalk_version",
    "variant",
)


def as_indicator(
    frame: pl.LazyFrame,
    indicator: str,
    unit: str,
    *,
    source: str | pl.Expr | None = None,
) -> pl.LazyFrame:
    """Shape ``frame`` (geo, period, value, and any dimension columns) into indicator rows.

    Adds the indicator id and unit, the missing contract columns as nulls, ``geo_level``
    when absent, and orders and types the columns as :data:`INDICATOR_SCHEMA`.
    """
    from skills.align import geo_level

    present = frame.collect_schema().names()
    extra: list[pl.Expr] = [pl.lit(indicator).alias("indicator"), pl.lit(unit).alias("unit")]
    if source is not None:
        extra.append((pl.lit(source) if isinstance(source, str) else source).alias("source"))
    if "geo_level" not in present:
        extra.append(geo_level().alias("geo_level"))
    frame = frame.with_columns(extra)
    schema = frame.collect_schema().names()
    frame = frame.with_columns(pl.lit(None).alias(c) for c in INDICATOR_SCHEMA if c not in schema)
    return frame.select(pl.col(c).cast(t) for c, t in INDICATOR_SCHEMA.items())
