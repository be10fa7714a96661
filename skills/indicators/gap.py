"""The programme-to-occupation gap: ITS graduates against the hires employers plan.

For ITS technology area :math:`a`, province :math:`r` and year :math:`t`:

.. math::

    Gap_{a,r,t} = Demand_{a,r,t} - Supply_{a,r,t}

* **Supply** is ITS graduates of area *a* in province *r*, averaged over the ``window``
  years ending in *t* (three by default, as is common in programme-demand analysis), by
  the province where the course runs.
* **Demand** is planned hires at the matching education level(s), mapped from
  occupations to areas through the versioned ITS area -> ISCO-08 crosswalk. The
  crosswalk's weights :math:`w_{a \\to o}` sum to 1 per area (where an area's graduates
  go). By default (``allocation="occupation_share"``) each occupation's demand is split
  among the areas linked to it in proportion to those weights,

  .. math::

      Demand_{a,r,t} = \\sum_o \\frac{w_{a \\to o}}{\\sum_b w_{b \\to o}} D_{o,r,t}

  so that no hire is counted twice: crosswalked demand sums to the demand of the
  occupations the crosswalk covers. ``allocation="area_weight"`` uses the literal
  :math:`\\sum_o w_{a \\to o} D_{o,r,t}` instead (each area sees a weighted average of its
  occupations' demand; totals are not preserved).

Every row carries the crosswalk version and variant. Running every variant of the
crosswalk (``central``, ``narrow``, ``broad``) gives the sensitivity band; the
occupations that drive each gap are returned by :func:`its_gap_drivers`, because
crosswalk-based tools are known to overstate demand through loosely related occupations.

Demand periods finer than a year (``2024-Q2``, ``2024-07``) are summed to the year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl

from skills.indicators._frame import as_indicator

__all__ = ["crosswalked_demand", "its_gap", "its_gap_drivers", "its_gap_indicators", "its_supply"]

Allocation = Literal["occupation_share", "area_weight"]
DEFAULT_LEVELS: Mapping[str, float] = {"its_academy": 1.0}


def its_supply(courses: pl.LazyFrame | pl.DataFrame, *, window: int = 3) -> pl.LazyFrame:
    r"""One row per ITS area, province and year: graduates and their trailing mean.

    .. math:: S_{a,r,t} = \frac{1}{k} \sum_{j=0}^{k-1} G_{a,r,t-j}

    over the ``window`` years :math:`t-k+1 \ldots t` (years with no cohort ending count
    as zero graduates, so a new area is not overstated); a year gets a value only once
    the whole window lies inside the years the records cover.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    lf = courses.lazy().filter(pl.col("graduates_n").is_not_null())
    by_year = lf.group_by(
        "its_area", pl.col("geo_nuts3").alias("geo"), pl.col("end_year").alias("year")
    ).agg(pl.col("graduates_n").sum().cast(pl.Float64).alias("graduates_n"))
    span = lf.select(pl.col("end_year").min().alias("y0"), pl.col("end_year").max().alias("y1"))
    keys = by_year.select("its_area", "geo").unique()
    years = span.select(pl.int_ranges(pl.col("y0"), pl.col("y1") + 1).alias("year")).explode("year")
    grid = keys.join(years, how="cross")
    full = (
        grid.join(by_year, on=["its_area", "geo", "year"], how="left")
        .with_columns(pl.col("graduates_n").fill_null(0.0))
        .sort("its_area", "geo", "year")
    )
    return full.with_columns(
        pl.col("graduates_n")
        .rolling_mean(window_size=window, min_samples=window)
        .over("its_area", "geo")
        .alias("supply_n")
    ).filter(pl.col("supply_n").is_not_null())


def _crosswalk_at(crosswalk: pl.DataFrame, digits: int) -> pl.DataFrame:
    """Crosswalk weights rolled up to ``digits``-digit ISCO codes (sums within a group)."""
    return (
        crosswalk.with_columns(pl.col("isco08").str.slice(0, digits).alias("isco08"))
        .group_by("crosswalk_version", "variant", "its_area", "isco08")
        .agg(pl.col("weight").sum())
    )


def crosswalked_demand(
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    allocation: Allocation = "occupation_share",
) -> pl.LazyFrame:
    r"""One row per crosswalk variant, area, province, year and occupation: allocated demand.

    .. math::

        A_{a,o,r,t} = s_{a,o} \cdot \sum_\ell \lambda_\ell H_{o,\ell,r,t},
        \qquad s_{a,o} = \frac{w_{a \to o}}{\sum_b w_{b \to o}}

    (``occupation_share``; :math:`s_{a,o} = w_{a \to o}` with ``area_weight``), where
    :math:`H_{o,\ell,r,t}` are planned hires at education level :math:`\ell` and
    :math:`\lambda_\ell` the level's weight. ``education_levels`` maps the hiring
    survey's education levels to the weight their planned hires get (default: only
    ``its_academy`` hires, weight 1). Occupations may be
    given at 2 or 3 digits: the crosswalk (3-digit) is rolled up to the demand row's
    level. Columns: ``crosswalk_version``, ``variant``, ``its_area``, ``geo``, ``year``,
    ``isco08``, ``demand_n`` (planned hires of the occupation, after level weights) and
    ``allocated_n`` (the part allocated to the area).
    """
    levels = pl.DataFrame(
        {
            "education_level": list(education_levels),
            "_lw": [float(v) for v in education_levels.values()],
        }
    )
    demand = (
        plans.lazy()
        .join(levels.lazy(), on="education_level", how="inner", validate="m:1")
        .group_by(
            pl.col("geo_nuts3").alias("geo"),
            pl.col("period").str.slice(0, 4).cast(pl.Int64).alias("year"),
            "isco08",
        )
        .agg((pl.col("planned_hires_n") * pl.col("_lw")).sum().alias("demand_n"))
        .with_columns(pl.col("isco08").str.len_chars().alias("_digits"))
    )
    digits = demand.select(pl.col("_digits").unique()).collect()["_digits"].to_list()
    parts = []
    for d in sorted(digits):
        cw = _crosswalk_at(crosswalk, d)
        if allocation == "occupation_share":
            cw = cw.with_columns(
                (
                    pl.col("weight")
                    / pl.col("weight").sum().over("crosswalk_version", "variant", "isco08")
                ).alias("_share")
            )
        else:
            cw = cw.with_columns(pl.col("weight").alias("_share"))
        parts.append(
            demand.filter(pl.col("_digits") == d).join(cw.lazy(), on="isco08", how="inner")
        )
    if not parts:
        raise ValueError("no planned hires at the requested education levels")
    return pl.concat(parts).select(
        "crosswalk_version",
        "variant",
        "its_area",
        "geo",
        "year",
        "isco08",
        "demand_n",
        (pl.col("demand_n") * pl.col("_share")).alias("allocated_n"),
    )


def its_gap(
    courses: pl.LazyFrame | pl.DataFrame,
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    window: int = 3,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    allocation: Allocation = "occupation_share",
) -> pl.DataFrame:
    r"""One row per crosswalk variant, ITS area, province and year: demand, supply and gap.

    .. math:: Gap_{a,r,t} = Demand_{a,r,t} - S_{a,r,t}

    Only years covered by both sources are kept; within them an area-province with
    demand but no graduates has supply 0 (and vice versa), so unmet demand shows.
    Columns: ``crosswalk_version``, ``variant``, ``its_area``, ``geo``, ``year``,
    ``demand_n``, ``supply_n``, ``gap_n``, and ``gap_low_n`` / ``gap_high_n``: the range
    of the gap across the crosswalk's variants (the sensitivity band), on every row.
    """
    supply = its_supply(courses, window=window).collect()
    demand = (
        crosswalked_demand(
            plans, crosswalk, education_levels=education_levels, allocation=allocation
        )
        .group_by("crosswalk_version", "variant", "its_area", "geo", "year")
        .agg(pl.col("allocated_n").sum().alias("demand_n"))
        .collect()
    )
    years = sorted(set(supply["year"].to_list()) & set(demand["year"].to_list()))
    supply = supply.filter(pl.col("year").is_in(years))
    demand = demand.filter(pl.col("year").is_in(years))
    variants = demand.select("crosswalk_version", "variant").unique()
    keys = pl.concat(
        [demand.select("its_area", "geo", "year"), supply.select("its_area", "geo", "year")]
    ).unique()
    grid = variants.join(keys, how="cross")
    out = (
        grid.join(
            demand, on=["crosswalk_version", "variant", "its_area", "geo", "year"], how="left"
        )
        .join(
            supply.select("its_area", "geo", "year", "supply_n"),
            on=["its_area", "geo", "year"],
            how="left",
        )
        .with_columns(pl.col("demand_n").fill_null(0.0), pl.col("supply_n").fill_null(0.0))
        .with_columns((pl.col("demand_n") - pl.col("supply_n")).alias("gap_n"))
        .with_columns(
            pl.col("gap_n")
            .min()
            .over("crosswalk_version", "its_area", "geo", "year")
            .alias("gap_low_n"),
            pl.col("gap_n")
            .max()
            .over("crosswalk_version", "its_area", "geo", "year")
            .alias("gap_high_n"),
        )
    )
    return out.sort("crosswalk_version", "variant", "its_area", "geo", "year")


def its_gap_drivers(
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    variant: str = "central",
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    allocation: Allocation = "occupation_share",
    top: int | None = 5,
) -> pl.DataFrame:
    """One row per area, province, year and occupation: what drives the crosswalked demand.

    ``share_pct`` is the occupation's part of the area's allocated demand; ``rank`` 1 is
    the largest (ties broken by occupation code). ``top`` keeps the largest few per area,
    province and year (``None`` keeps all).
    """
    cw = crosswalk.filter(pl.col("variant") == variant)
    if cw.height == 0:
        raise ValueError(f"the crosswalk has no variant {variant!r}")
    rows = crosswalked_demand(
        plans, cw, education_levels=education_levels, allocation=allocation
    ).collect()
    group = ["crosswalk_version", "variant", "its_area", "geo", "year"]
    rows = rows.sort(
        *group, "allocated_n", "isco08", descending=[False] * len(group) + [True, False]
    )
    rows = rows.with_columns(
        (100 * pl.col("allocated_n") / pl.col("allocated_n").sum().over(group)).alias("share_pct"),
        pl.int_range(1, pl.len() + 1).over(group).alias("rank"),
    )
    if top is not None:
        rows = rows.filter(pl.col("rank") <= top)
    return rows


def its_gap_indicators(gap: pl.DataFrame, *, source: str | None = None) -> pl.LazyFrame:
    """Indicator rows ``its_gap_n``, ``its_demand_n`` and ``its_supply_n`` from :func:`its_gap`.

    One row per variant, area, province and year, with ``crosswalk_version`` and
    ``variant`` set; the same values rolled up to the NUTS 2 region (sum over provinces).
    """
    region = (
        gap.with_columns(pl.col("geo").str.slice(0, 4))
        .group_by("crosswalk_version", "variant", "its_area", "geo", "year")
        .agg(pl.col("demand_n", "supply_n", "gap_n").sum())
    )
    rows = pl.concat([gap.select(region.columns), region]).with_columns(
        pl.col("year").cast(pl.String).alias("period")
    )
    out = []
    for col, ind in (("gap_n", "its_gap_n"), ("demand_n", "its_demand_n")):
        out.append(
            as_indicator(
                rows.lazy().select(
                    "geo",
                    "period",
                    "its_area",
                    "crosswalk_version",
                    "variant",
                    pl.col(col).alias("value"),
                ),
                ind,
                "persons",
                source=source,
            )
        )
    # Supply does not depend on the crosswalk: one row per area, geo and year.
    supply = rows.select("geo", "period", "its_area", pl.col("supply_n").alias("value")).unique(
        subset=["geo", "period", "its_area"]
    )
    out.append(as_indicator(supply.lazy(), "its_supply_n", "persons", source=source))
    return pl.concat(out, how="vertical")
