"""What the gap publishes beside its tables: the drivers and the indicator rows."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.indicators._frame import as_indicator
from skills.indicators.gap._demand import crosswalked_demand
from skills.indicators.gap._spec import DEFAULT_LEVELS, DEMAND_UNIT, GAP_UNIT, SUPPLY_UNIT, GapSpec


def its_gap_drivers(
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    central: GapSpec | None = None,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    top: int | None = 5,
) -> pl.DataFrame:
    """One row per area, province or region, year and occupation: what drives the demand.

    Under the central specification: ``link_weight`` (the crosswalk weight, summed within
    the group for 2-digit demand), ``allocation_share``, the occupation's
    ``demand_entries_n`` and ``hard_to_fill_pct``, ``allocated_entries_n``, ``share_pct``
    (the occupation's part of the area's demand) and ``rank`` (1 = the largest; ties by
    occupation code). Region rows sum the provinces. ``top`` keeps the largest few per
    area, geo and year (``None`` keeps all).
    """
    central = central or GapSpec()
    cw = crosswalk.filter(pl.col("variant") == central.variant)
    if cw.height == 0:
        raise ValueError(f"the crosswalk has no variant {central.variant!r}")
    rows = crosswalked_demand(
        plans,
        cw,
        education_levels=education_levels,
        allocation=central.allocation,
        min_link_weight=central.min_link_weight,
    ).collect()
    keys = ["crosswalk_version", "variant", "its_area", "year", "isco08", "demand_grain"]
    known = pl.col("hard_to_fill_pct").is_not_null()
    region = (
        rows.with_columns(pl.col("geo").str.slice(0, 4))
        .group_by(*keys, "geo", "link_weight", "allocation_share")
        .agg(
            pl.col("demand_entries_n", "allocated_entries_n").sum(),
            (
                (pl.col("hard_to_fill_pct") * pl.col("demand_entries_n")).filter(known).sum()
                / pl.col("demand_entries_n").filter(known).sum()
            ).alias("hard_to_fill_pct"),
        )
        .with_columns(pl.col("hard_to_fill_pct").fill_nan(None))
    )
    rows = pl.concat([rows.select(region.columns), region.select(region.columns)])
    group = ["its_area", "geo", "year"]
    rows = rows.sort(
        *group, "allocated_entries_n", "isco08", descending=[False] * 3 + [True, False]
    )
    rows = rows.with_columns(
        pl.lit(central.name).alias("specification"),
        (
            100 * pl.col("allocated_entries_n") / pl.col("allocated_entries_n").sum().over(group)
        ).alias("share_pct"),
        pl.int_range(1, pl.len() + 1).over(group).cast(pl.Int32).alias("rank"),
    )
    if top is not None:
        rows = rows.filter(pl.col("rank") <= top)
    return rows.select(
        "specification",
        "crosswalk_version",
        "variant",
        "its_area",
        "geo",
        "year",
        "isco08",
        "demand_grain",
        "link_weight",
        "allocation_share",
        "demand_entries_n",
        "hard_to_fill_pct",
        "allocated_entries_n",
        "share_pct",
        "rank",
    )


#: Indicator id -> (column of :func:`its_gap`, unit).
GAP_INDICATORS: dict[str, tuple[str, str]] = {
    "its_demand_entries_n": ("demand_entries_n", DEMAND_UNIT),
    "its_demand_hard_to_fill_pct": ("hard_to_fill_pct", "%"),
    "its_supply_graduates_n": ("supply_graduates_n", SUPPLY_UNIT),
    "its_supply_coherent_n": ("supply_coherent_n", SUPPLY_UNIT),
    "its_supply_competing_n": ("supply_competing_n", SUPPLY_UNIT),
    "its_gap_n": ("gap_n", GAP_UNIT),
    "its_gap_low_n": ("gap_low_n", GAP_UNIT),
    "its_gap_high_n": ("gap_high_n", GAP_UNIT),
    "its_coverage_ratio": ("coverage_ratio", "graduates per planned entry"),
    "its_coverage_low_ratio": ("coverage_low_ratio", "graduates per planned entry"),
    "its_coverage_high_ratio": ("coverage_high_ratio", "graduates per planned entry"),
    "its_coverage_coherent_ratio": (
        "coverage_coherent_ratio",
        "coherently employed graduates per planned entry",
    ),
    "its_coverage_with_competing_ratio": (
        "coverage_with_competing_ratio",
        "graduates (ITS and competing) per planned entry",
    ),
}


#: Measures per planned entry: not defined (flag ``z``) where there are none, as long as
#: the measure's own input (the key's column) is known.
_PER_ENTRY: dict[str, str] = {
    "coverage_ratio": "supply_graduates_n",
    "coverage_low_ratio": "supply_graduates_n",
    "coverage_high_ratio": "supply_graduates_n",
    "coverage_coherent_ratio": "supply_coherent_n",
    "coverage_with_competing_ratio": "supply_competing_n",
    "hard_to_fill_pct": "demand_entries_n",
}


def its_gap_indicators(gap: pl.DataFrame, *, source: str | None = None) -> pl.LazyFrame:
    """Indicator rows of :data:`GAP_INDICATORS` from :func:`its_gap`.

    One row per indicator, area, geo (province and region) and year; ``variant`` holds
    the central specification's name and ``crosswalk_version`` the crosswalk's. A
    coverage or hard-to-fill share where there are no planned entries is published as a
    null value with Eurostat's flag ``z`` ("not applicable") and a note, so the series has no silent
    hole; other unknown values (outcomes not surveyed yet, no competing file) are left out.
    """
    out = []
    base = gap.lazy().with_columns(
        pl.col("year").cast(pl.String).alias("period"),
        pl.col("specification").alias("variant"),
    )
    no_demand = pl.col("demand_entries_n") <= 0
    for indicator, (col, unit) in GAP_INDICATORS.items():
        undefined = (
            no_demand & pl.col(col).is_null() & pl.col(_PER_ENTRY[col]).is_not_null()
            if col in _PER_ENTRY
            else pl.lit(False)
        )
        out.append(
            as_indicator(
                base.filter(pl.col(col).is_not_null() | undefined).select(
                    "geo",
                    "period",
                    "its_area",
                    "crosswalk_version",
                    "variant",
                    pl.col(col).alias("value"),
                    pl.when(undefined).then(pl.lit("z")).alias("flag"),
                    pl.when(undefined)
                    .then(pl.lit("no planned entries at ITS level: not defined"))
                    .alias("note"),
                ),
                indicator,
                unit,
                source=source,
            )
        )
    return pl.concat(out, how="vertical")
