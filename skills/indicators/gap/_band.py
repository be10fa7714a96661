"""The gap under every specification, the central one with its band, and the sensitivity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from skills.indicators.gap._demand import crosswalked_demand
from skills.indicators.gap._spec import AREA_KEY, CHOICES, DEFAULT_LEVELS, GapChoices, GapSpec
from skills.indicators.gap._supply import its_supply

_SPEC_COLS = ("crosswalk_version", "variant", "allocation", "min_link_weight", "window")


def _null_if_any_null(col: str) -> pl.Expr:
    """Sum of ``col``, null when any value is null (an unknown part makes the total unknown)."""
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(pl.col(col).sum()).alias(col)


def _area_demand(occupations: pl.DataFrame) -> pl.DataFrame:
    """Occupation rows of :func:`crosswalked_demand` summed to the area, hard-to-fill parts kept."""
    known = pl.col("hard_to_fill_pct").is_not_null()
    return occupations.group_by(
        "crosswalk_version", "variant", "allocation", "min_link_weight", *AREA_KEY
    ).agg(
        pl.col("allocated_entries_n").sum().alias("demand_entries_n"),
        (pl.col("allocated_entries_n") * pl.col("hard_to_fill_pct"))
        .filter(known)
        .sum()
        .alias("_htf_num"),
        pl.col("allocated_entries_n").filter(known).sum().alias("_htf_den"),
        pl.when(pl.col("demand_grain").n_unique() == 1)
        .then(pl.col("demand_grain").first())
        .otherwise(pl.lit("mixed"))
        .alias("demand_grain"),
    )


def _with_region(rows: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Province rows plus their sums over each NUTS 2 region (first four characters of geo)."""
    region = (
        rows.with_columns(pl.col("geo").str.slice(0, 4))
        .group_by(*by, *AREA_KEY)
        .agg(
            pl.col(
                "demand_entries_n", "_htf_num", "_htf_den", "graduates_n", "supply_graduates_n"
            ).sum(),
            _null_if_any_null("supply_coherent_n"),
            pl.when(pl.col("demand_grain").drop_nulls().n_unique() > 1)
            .then(pl.lit("mixed"))
            .otherwise(pl.col("demand_grain").drop_nulls().first())
            .alias("demand_grain"),
        )
    )
    return pl.concat([rows.select(region.columns), region])


def _derived(rows: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Gap, coverage, hard-to-fill share and the area's rank within its geo and year."""
    demand = pl.col("demand_entries_n")
    ratio = pl.when(demand > 0)
    return (
        rows.with_columns(
            (demand - pl.col("supply_graduates_n")).alias("gap_n"),
            ratio.then(pl.col("supply_graduates_n") / demand).alias("coverage_ratio"),
            ratio.then(pl.col("supply_coherent_n") / demand).alias("coverage_coherent_ratio"),
            pl.when(pl.col("_htf_den") > 0)
            .then(pl.col("_htf_num") / pl.col("_htf_den"))
            .alias("hard_to_fill_pct"),
        )
        .sort(*by, "geo", "year", "its_area")
        .with_columns(
            pl.col("gap_n")
            .rank("ordinal", descending=True)
            .over(*by, "geo", "year")
            .cast(pl.Int32)
            .alias("rank")
        )
        .drop("_htf_num", "_htf_den")
    )


def its_gap_specs(
    courses: pl.LazyFrame | pl.DataFrame,
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    central: GapSpec | None = None,
    choices: GapChoices | None = None,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
) -> pl.DataFrame:
    r"""One row per specification, ITS area, province or region, and year.

    Every specification of the band (:meth:`GapChoices.specs`), each with
    :math:`D` (``demand_entries_n``), :math:`S` (``supply_graduates_n``),
    :math:`S^{coh}` (``supply_coherent_n``), ``gap_n`` :math:`= D - S`,
    ``coverage_ratio`` :math:`= S / D` (null when :math:`D = 0`),
    ``coverage_coherent_ratio`` :math:`= S^{coh} / D`, ``hard_to_fill_pct`` and ``rank``
    (1 = the area with the largest gap in that geo, year and specification; ties by area
    code). Region rows (NUTS 2) are sums over the provinces; their hard-to-fill share is
    entry-weighted.

    Only years that every specification can compute are kept (demand years whose supply
    window lies inside the course records for the longest window), so the band is over
    the same specifications in every year. Within them an area-province with demand but no
    graduates has supply 0, and one with graduates but no linked demand has demand 0.

    Columns: ``specification`` (the name), the choices (``crosswalk_version``,
    ``variant``, ``allocation``, ``min_link_weight``, ``window``), ``is_central``,
    ``its_area``, ``geo``, ``year``, ``demand_grain`` and the measures above.
    """
    central = central or GapSpec()
    choices = choices or GapChoices()
    specs = choices.specs(central, crosswalk["variant"].unique().to_list())
    spec_frame = pl.DataFrame(
        [(s.name, s.variant, s.allocation, s.min_link_weight, s.window) for s in specs],
        schema={
            "specification": pl.String,
            "variant": pl.String,
            "allocation": pl.String,
            "min_link_weight": pl.Float64,
            "window": pl.Int64,
        },
        orient="row",
    ).with_columns((pl.col("specification") == central.name).alias("is_central"))

    occupations = crosswalked_demand(
        plans,
        crosswalk.filter(pl.col("variant").is_in(spec_frame["variant"].unique().to_list())),
        education_levels=education_levels,
        allocation=sorted({s.allocation for s in specs}),
        min_link_weight=sorted({s.min_link_weight for s in specs}),
    ).collect()
    demand = _area_demand(occupations)
    windows = sorted({s.window for s in specs})
    supply = pl.concat(
        [
            its_supply(courses, window=w)
            .with_columns(pl.lit(w, pl.Int64).alias("window"))
            .collect()
            for w in windows
        ]
    )
    years = set(demand["year"].to_list())
    for w in windows:
        years &= set(supply.filter(pl.col("window") == w)["year"].to_list())
    if not years:
        raise ValueError(
            "no year has both planned entries and a full supply window of graduates "
            f"(windows {windows}): the course records and the hiring plans do not overlap"
        )
    demand = demand.filter(pl.col("year").is_in(years))
    supply = supply.filter(pl.col("year").is_in(years))
    # every area-province seen in either source, in every year (no hole in a series)
    pairs = pl.concat([demand.select("its_area", "geo"), supply.select("its_area", "geo")])
    keys = pairs.unique().join(pl.DataFrame({"year": sorted(years)}), how="cross")
    versions = crosswalk.select("crosswalk_version").unique()
    grid = spec_frame.join(versions, how="cross").join(keys, how="cross")
    rows = (
        grid.join(
            demand,
            on=["crosswalk_version", "variant", "allocation", "min_link_weight", *AREA_KEY],
            how="left",
        )
        .join(
            supply.with_columns(pl.lit(True).alias("_has_supply")),
            on=["window", *AREA_KEY],
            how="left",
        )
        .with_columns(
            pl.col(
                "demand_entries_n", "_htf_num", "_htf_den", "graduates_n", "supply_graduates_n"
            ).fill_null(0.0),
            pl.when(pl.col("_has_supply").is_null())
            .then(0.0)
            .otherwise(pl.col("supply_coherent_n"))
            .alias("supply_coherent_n"),
        )
        .drop("_has_supply", "graduates_coherent_n")
    )
    by = ["specification", *_SPEC_COLS, "is_central"]
    rows = _derived(_with_region(rows, by), by)
    order = [
        "specification",
        *_SPEC_COLS,
        "is_central",
        "its_area",
        "geo",
        "year",
        "demand_grain",
        "demand_entries_n",
        "hard_to_fill_pct",
        "graduates_n",
        "supply_graduates_n",
        "supply_coherent_n",
        "gap_n",
        "coverage_ratio",
        "coverage_coherent_ratio",
        "rank",
    ]
    return rows.select(order).sort(
        pl.col("is_central"),
        "specification",
        "its_area",
        "geo",
        "year",
        descending=[True, False, False, False, False],
    )


def its_gap(
    courses: pl.LazyFrame | pl.DataFrame,
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    central: GapSpec | None = None,
    choices: GapChoices | None = None,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    competing: pl.LazyFrame | pl.DataFrame | None = None,
    specs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    r"""One row per ITS area, province or region, and year: the central gap and its band.

    The measures of :func:`its_gap_specs` for the central specification, and the band
    over every specification (each a min and a max over the same rows):
    ``demand_low_n``/``demand_high_n``, ``gap_low_n``/``gap_high_n``,
    ``coverage_low_ratio``/``coverage_high_ratio``, ``rank_best``/``rank_worst`` and
    ``band_specs_n`` (how many specifications the band spans).

    With ``competing`` (one row per ``its_area``, ``geo``, ``year`` with
    ``supply_competing_n``, e.g. from :func:`skills.indicators.competing.competing_supply`;
    NUTS 3 rows are also summed to their region): ``supply_competing_n`` and
    ``coverage_with_competing_ratio`` :math:`= (S + S^{comp}) / D`; both are null where
    the competing file has no row for the geo and year.

    ``specs`` may pass a table already computed by :func:`its_gap_specs` with the same
    arguments.
    """
    central = central or GapSpec()
    if specs is None:
        specs = its_gap_specs(
            courses,
            plans,
            crosswalk,
            central=central,
            choices=choices,
            education_levels=education_levels,
        )
    band = specs.group_by(AREA_KEY).agg(
        pl.col("demand_entries_n").min().alias("demand_low_n"),
        pl.col("demand_entries_n").max().alias("demand_high_n"),
        pl.col("gap_n").min().alias("gap_low_n"),
        pl.col("gap_n").max().alias("gap_high_n"),
        pl.col("coverage_ratio").min().alias("coverage_low_ratio"),
        pl.col("coverage_ratio").max().alias("coverage_high_ratio"),
        pl.col("rank").min().alias("rank_best"),
        pl.col("rank").max().alias("rank_worst"),
        pl.col("specification").n_unique().cast(pl.Int32).alias("band_specs_n"),
    )
    out = (
        specs.filter(pl.col("is_central"))
        .drop("is_central")
        .join(band, on=list(AREA_KEY), how="left", validate="1:1")
    )
    if competing is not None:
        comp = competing.lazy().select(*AREA_KEY, "supply_competing_n").collect()
        provinces = comp.filter(pl.col("geo").str.len_chars() == 5)
        comp = pl.concat(
            [
                comp,
                provinces.with_columns(pl.col("geo").str.slice(0, 4))
                .group_by(AREA_KEY)
                .agg(pl.col("supply_competing_n").sum())
                .join(comp.select(AREA_KEY), on=list(AREA_KEY), how="anti"),
            ]
        )
        # years the competing file covers: an area without competing graduates there has 0
        covered = comp.select("geo", "year").unique()
        out = (
            out.join(comp, on=list(AREA_KEY), how="left")
            .join(covered.with_columns(pl.lit(True).alias("_cov")), on=["geo", "year"], how="left")
            .with_columns(
                pl.when(pl.col("_cov"))
                .then(pl.col("supply_competing_n").fill_null(0.0))
                .alias("supply_competing_n")
            )
            .drop("_cov")
        )
    else:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("supply_competing_n"))
    d = pl.col("demand_entries_n")
    out = out.with_columns(
        pl.when(d > 0)
        .then((pl.col("supply_graduates_n") + pl.col("supply_competing_n")) / d)
        .alias("coverage_with_competing_ratio")
    )
    return out.sort("its_area", "geo", "year")


def its_gap_sensitivity(specs: pl.DataFrame) -> pl.DataFrame:
    """One row per ITS area, geo, year and modelling choice: how far that choice moves it.

    One choice at a time around the central specification (the others held at their
    central values): ``gap_min_n``/``gap_max_n`` over the choice's values,
    ``swing_n`` = their difference, ``rank_best``/``rank_worst`` and ``rank_swing``.
    ``is_largest`` marks, per area, geo and year, the choice with the largest gap swing
    (ties: the first in ``variant, allocation, min_link_weight, window``); ``values`` lists
    the values tried and ``central_value`` the central one.

    ``specs`` is the table of :func:`its_gap_specs`.
    """
    central = specs.filter(pl.col("is_central"))
    if central.height == 0:
        raise ValueError("the specifications table has no central specification")
    centre = central.row(0, named=True)
    parts = []
    for k, choice in enumerate(CHOICES):
        others = [c for c in CHOICES if c != choice]
        rows = specs.filter(*(pl.col(c) == centre[c] for c in others))
        parts.append(
            rows.group_by(AREA_KEY)
            .agg(
                pl.col("gap_n").min().alias("gap_min_n"),
                pl.col("gap_n").max().alias("gap_max_n"),
                pl.col("rank").min().alias("rank_best"),
                pl.col("rank").max().alias("rank_worst"),
                pl.col(choice).cast(pl.String).unique().sort().str.join(", ").alias("values"),
            )
            .with_columns(
                pl.lit(choice).alias("choice"),
                pl.lit(k, pl.Int32).alias("_order"),
                pl.lit(str(centre[choice])).alias("central_value"),
            )
        )
    out = pl.concat(parts).with_columns(
        (pl.col("gap_max_n") - pl.col("gap_min_n")).alias("swing_n"),
        (pl.col("rank_worst") - pl.col("rank_best")).alias("rank_swing"),
    )
    out = out.sort(*AREA_KEY, pl.col("swing_n"), "_order", descending=[False] * 3 + [True, False])
    out = out.with_columns(
        (pl.int_range(pl.len()).over(AREA_KEY) == 0).alias("is_largest"),
        pl.lit(centre["specification"]).alias("specification"),
    )
    return out.select(
        "specification",
        *AREA_KEY,
        "choice",
        "central_value",
        "values",
        "gap_min_n",
        "gap_max_n",
        "swing_n",
        "rank_best",
        "rank_worst",
        "rank_swing",
        "is_largest",
    ).sort(*AREA_KEY, "swing_n", descending=[False] * 3 + [True])
