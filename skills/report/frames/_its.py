"""The planners' frames: the ITS supply-demand gap, its trend, outcomes and drivers.

Each reads one published ITS table (``its_gap``, ``its_courses``, ``its_gap_drivers``)
and keeps the region's rows: its provinces and its NUTS 2 total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import polars as pl

from skills.report.frames._labels import _occupation, _region_labels, frame_labels
from skills.report.i18n import Messages


def _area_label(area_labels: Mapping[str, str]) -> pl.Expr:
    """``area``: the ITS area's label (the code where there is none)."""
    return (
        pl.col("its_area")
        .replace_strict(dict(area_labels), default=pl.col("its_area"))
        .alias("area")
    )


_COVERAGE_COLS = ("coverage_ratio", "coverage_low_ratio", "coverage_high_ratio")
#: The columns every province-and-area frame starts with.
_AREA_KEYS = ("geo", "geo_label", "its_area", "area", "year")


def _gap_rows(gap: pl.DataFrame, region: str) -> pl.DataFrame:
    """The region's rows of the gap table (its provinces and its NUTS 2 total)."""
    return gap.filter(pl.col("geo").str.starts_with(region))


def _of_year(rows: pl.DataFrame, year: int | None) -> pl.Expr:
    """The filter keeping ``year`` of ``rows`` (the latest when None)."""
    year = year if year is not None else int(rows["year"].max())  # type: ignore[arg-type]
    return pl.col("year").eq(year)


class _Where(NamedTuple):
    """Where a province-and-area frame's rows are and how they are labelled."""

    region: str
    names: Mapping[str, str]
    area_labels: Mapping[str, str]
    t: Messages | None


def _by_area(
    out: pl.DataFrame, where: _Where, columns: Sequence[str | pl.Expr], order: Sequence[str] = ()
) -> pl.DataFrame:
    """``out`` labelled (geo and area), its keys then ``columns``, sorted by geo, area and
    ``order``."""
    region, names, area_labels, t = where
    out = _region_labels(out.with_columns(_area_label(area_labels)), region, names, t)
    return out.select(*_AREA_KEYS, *columns).sort("geo", "its_area", *order)


def its_gap_by_area_frame(
    gap: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    year: int | None = None,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region) and ITS area: the gap in the latest year.

    From the ``its_gap`` table: ``gap_n`` under the central specification, ``gap_low_n``
    / ``gap_high_n`` the band over every specification, coverage and its band, demand,
    supply and the hard-to-fill share. The region's row is the table's own (the sum of
    its provinces under each specification, banded over those sums).
    """
    rows = _gap_rows(gap, region)
    if rows.height == 0:
        return pl.DataFrame()
    labels = frame_labels(t)
    measures = (
        "gap_n",
        "gap_low_n",
        "gap_high_n",
        "demand_entries_n",
        "supply_graduates_n",
        "hard_to_fill_pct",
    )
    out = rows.filter(_of_year(rows, year)).with_columns(
        pl.when(pl.col("gap_n") >= 0)
        .then(pl.lit(labels.shortage_direction))
        .otherwise(pl.lit(labels.surplus_direction))
        .alias("direction"),
        *(pl.col(c).round(1) for c in measures),
        *(pl.col(c).round(3) for c in _COVERAGE_COLS),
    )
    columns = ["specification", *measures, *_COVERAGE_COLS, "direction"]
    return _by_area(out, _Where(region, names, area_labels, t), columns)


def its_supply_demand_trend_frame(
    gap: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region), ITS area and year: demand and supply.

    ``demand_entries_n`` is planned entries at ITS level under the central
    specification, with ``demand_low_n`` / ``demand_high_n`` its band over every
    specification; ``supply_graduates_n`` is ITS graduates per year under the central
    supply window.
    """
    rows = _gap_rows(gap, region)
    if rows.height == 0:
        return pl.DataFrame()
    measures = ("demand_entries_n", "demand_low_n", "demand_high_n", "supply_graduates_n")
    out = rows.select("its_area", "geo", "year", *(pl.col(c).round(1) for c in measures))
    return _by_area(out, _Where(region, names, area_labels, t), measures, order=["year"])


def its_outcomes_frame(
    courses: pl.DataFrame, *, area_labels: Mapping[str, str], t: Messages | None = None
) -> pl.DataFrame:
    """One row per ITS foundation, technology area and outcome: a ratio of sums.

    * employed at 12 months = 100 · Σ employed_12m_n / Σ graduates_n over the cohorts
      whose 12-month survey is known;
    * coherent = 100 · Σ employed_coherent_12m_n / Σ employed_12m_n over the cohorts where
      both are known.

    Never a mean of course rates. ``numerator_n``, ``denominator_n``, ``cohorts_n`` and
    the cohorts' end years travel with each rate for the tooltip.
    """
    if courses.height == 0:
        return pl.DataFrame()
    keys = ["foundation_name", "its_area"]

    def ratio(numerator: str, denominator: str, measure: str) -> pl.DataFrame:
        known = pl.col(numerator).is_not_null() & pl.col(denominator).is_not_null()
        return (
            courses.filter(known)
            .group_by(keys)
            .agg(
                pl.col(numerator).sum().alias("numerator_n"),
                pl.col(denominator).sum().alias("denominator_n"),
                pl.len().alias("cohorts_n"),
                pl.col("end_year").min().alias("first_end_year"),
                pl.col("end_year").max().alias("last_end_year"),
            )
            .with_columns(pl.lit(measure).alias("measure"))
        )

    labels = frame_labels(t)
    employed = ratio("employed_12m_n", "graduates_n", labels.employed_measure)
    coherent = ratio("employed_coherent_12m_n", "employed_12m_n", labels.coherent_measure)
    out = (
        pl.concat([employed, coherent])
        .filter(pl.col("denominator_n") > 0)
        .with_columns(
            (100.0 * pl.col("numerator_n") / pl.col("denominator_n")).round(1).alias("rate_pct"),
            _area_label(area_labels),
        )
        .with_columns(
            (pl.col("foundation_name") + pl.lit(" · ") + pl.col("area")).alias("label"),
            (
                pl.col("first_end_year").cast(pl.String)
                + pl.lit("-")
                + pl.col("last_end_year").cast(pl.String)
            ).alias("cohorts_ending"),
        )
    )
    return out.select(
        pl.col("foundation_name").alias("foundation"),
        "its_area",
        "area",
        "label",
        "measure",
        "rate_pct",
        "numerator_n",
        "denominator_n",
        "cohorts_n",
        "cohorts_ending",
    ).sort("foundation", "its_area", "measure")


def its_gap_drivers_frame(
    drivers: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    isco_titles: Mapping[str, str],
    top: int = 8,
    year: int | None = None,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region), ITS area and leading occupation, latest year.

    From the ``its_gap_drivers`` table (central specification): ``allocated_entries_n``
    is the ITS-level planned entries the occupation contributes to the area,
    ``share_pct`` its share of the area's demand, ``link_weight`` the crosswalk weight
    behind it. At most ``top`` occupations per area and geo.
    """
    rows = _gap_rows(drivers, region)
    if rows.height == 0:
        return pl.DataFrame()
    out = rows.filter(_of_year(rows, year), pl.col("rank") <= top).with_columns(
        _occupation(isco_titles, t),
        *(pl.col(c).round(1) for c in ("allocated_entries_n", "demand_entries_n", "share_pct")),
        pl.col("link_weight").round(3),
    )
    columns: list[str | pl.Expr] = [
        "isco08",
        "occupation",
        "allocated_entries_n",
        "share_pct",
        "demand_entries_n",
        "link_weight",
        pl.col("rank").cast(pl.Int64),
    ]
    return _by_area(out, _Where(region, names, area_labels, t), columns, order=["rank"])
