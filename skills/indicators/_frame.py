"""The indicators table: its columns, and the helper that shapes a result into it."""

from __future__ import annotations

import polars as pl

from skills.align import DIMENSIONS

__all__ = ["INDICATOR_KEY", "INDICATOR_SCHEMA", "as_indicator"]

#: Columns of ``indicators.parquet`` and their types: one row per value (design contract).
#: Build rows with :func:`as_indicator`; ``docs/indicators.md`` says what each column holds.
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
#: The key of the indicators table: unique per row (null dimension values compare equal).
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
    """Shape a frame of values into indicator rows (one row per value, :data:`INDICATOR_SCHEMA`).

    The helper every indicator of the package uses, and the one to use for an indicator
    of your own (an extra analysis of a pipeline spec, ``docs/models.md``, "Extending").

    Parameters
    ----------
    frame
        One row per value, with at least

        * ``geo`` (String): a NUTS code at the pipeline's NUTS version (``ITC1``,
          ``ITC11``), a country code (``IT``) or a Eurostat aggregate (``EU27_2020``);
        * ``period`` (String): ``2019``, ``2019-Q3``, ``2019-07``, or a span of years
          for a change, ``2015-2020``;
        * ``value`` (numeric, cast to Float64; null for a value that cannot be computed).

        Optional columns, kept when present and null otherwise: ``flag`` (Eurostat flags
        such as ``b``, ``p``, ``u``; the union of the inputs' flags for a derived value),
        ``source`` (which inputs the value comes from; or give ``source=``), the
        dimension columns ``sex``, ``age``, ``isced11``, ``isco08``, ``nace_r2``,
        ``its_area``, ``education_level`` (null means "all"), ``skill_group``,
        ``crosswalk_version``, ``variant`` (an alternative definition of the same
        indicator, e.g. ``alpha=0.5``), ``note`` (free text) and ``geo_level``. Any
        other column is dropped.
    indicator
        The indicator id: a catalogue id (``docs/indicators.md``), or an id the extra
        analysis declares with :class:`skills.extensions.IndicatorDefinition`.
    unit
        The unit, exactly as the id's definition states it (``"%"``, ``"ratio"``,
        ``"thousand persons"``); the indicators suite checks that they agree.
    source
        The ``source`` of every row (a string, or an expression over ``frame``); when
        omitted, ``frame``'s own ``source`` column (or null, which the suite refuses).

    Returns
    -------
    polars.LazyFrame
        The columns of :data:`INDICATOR_SCHEMA`, in that order and with those types.
        ``geo_level`` is derived from ``geo`` when ``frame`` has none: 0 for countries
        and EU/EA aggregates, else the NUTS level (length of the code minus 2).

    Raises
    ------
    ValueError
        When ``geo``, ``period`` or ``value`` is missing (named in the message).

    Examples
    --------
    >>> import polars as pl
    >>> rows = as_indicator(
    ...     pl.LazyFrame({"geo": ["ITC11", "IT"], "period": ["2023", "2023"], "value": [1.5, 2]}),
    ...     "hires_per_planned_ratio",
    ...     "ratio",
    ...     source="hires + hiring_plans",
    ... ).collect()
    >>> rows.select("indicator", "geo", "geo_level", "value").rows()
    [('hires_per_planned_ratio', 'ITC11', 3, 1.5), ('hires_per_planned_ratio', 'IT', 0, 2.0)]
    """
    from skills.align import geo_level

    present = frame.collect_schema().names()
    missing = [c for c in ("geo", "period", "value") if c not in present]
    if missing:
        raise ValueError(
            f"as_indicator({indicator!r}): the frame has no column {missing[0]!r} "
            f"(it needs geo, period and value; it has {present})"
        )
    extra: list[pl.Expr] = [pl.lit(indicator).alias("indicator"), pl.lit(unit).alias("unit")]
    if source is not None:
        extra.append((pl.lit(source) if isinstance(source, str) else source).alias("source"))
    if "geo_level" not in present:
        extra.append(geo_level().alias("geo_level"))
    frame = frame.with_columns(extra)
    schema = frame.collect_schema().names()
    frame = frame.with_columns(pl.lit(None).alias(c) for c in INDICATOR_SCHEMA if c not in schema)
    return frame.select(pl.col(c).cast(t) for c, t in INDICATOR_SCHEMA.items())
