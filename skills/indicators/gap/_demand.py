"""ITS-level demand: planned entries allocated from occupations to technology areas."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import polars as pl

from skills.indicators.gap._spec import ALLOCATIONS, DEFAULT_LEVELS, Allocation

#: The key of :func:`crosswalked_demand`'s rows, and all their columns before the allocation.
OCCUPATION_KEY: tuple[str, ...] = (
    "crosswalk_version",
    "variant",
    "allocation",
    "min_link_weight",
    "its_area",
    "geo",
    "year",
    "isco08",
)
OCCUPATION_COLUMNS: tuple[str, ...] = (
    *OCCUPATION_KEY,
    "demand_grain",
    "link_weight",
    "allocation_share",
    "demand_entries_n",
    "hard_to_fill_pct",
)


def _to_year(period: pl.Expr) -> pl.Expr:
    return period.str.slice(0, 4).cast(pl.Int64)


def _occupation_demand(
    plans: pl.LazyFrame | pl.DataFrame, education_levels: Mapping[str, float]
) -> pl.DataFrame:
    """One row per province, year and occupation: entries at ITS level and hard-to-fill."""
    levels = pl.DataFrame(
        {
            "education_level": list(education_levels),
            "_lw": [float(v) for v in education_levels.values()],
        }
    )
    lf = plans.lazy()
    names = lf.collect_schema().names()
    hard = pl.col("hard_to_fill_pct") if "hard_to_fill_pct" in names else pl.lit(None, pl.Float64)
    entries = pl.col("planned_hires_n").cast(pl.Float64) * pl.col("_lw")
    known = hard.is_not_null()
    demand = (
        lf.join(levels.lazy(), on="education_level", how="inner", validate="m:1")
        .group_by(
            pl.col("geo_nuts3").alias("geo"), _to_year(pl.col("period")).alias("year"), "isco08"
        )
        .agg(
            entries.sum().alias("demand_entries_n"),
            # entry-weighted mean over the rows whose share is known
            ((entries * hard).filter(known).sum() / entries.filter(known).sum()).alias(
                "hard_to_fill_pct"
            ),
        )
        .with_columns(
            pl.when(pl.col("hard_to_fill_pct").is_nan())
            .then(None)
            .otherwise(pl.col("hard_to_fill_pct"))
            .alias("hard_to_fill_pct"),
            pl.col("isco08").str.len_chars().alias("_digits"),
        )
        .collect()
    )
    if demand.height == 0:
        raise ValueError(f"no planned entries at the education levels {sorted(education_levels)}")
    bad = demand.filter(~pl.col("_digits").is_in([2, 3]))
    if bad.height:
        raise ValueError(
            f"occupation codes must have 2 or 3 digits for the gap, not {bad['isco08'][0]!r}"
        )
    # A 2-digit row beside 3-digit rows of the same group would count entries twice.
    two = demand.filter(pl.col("_digits") == 2).select("geo", "year", "isco08")
    three = demand.filter(pl.col("_digits") == 3).select(
        "geo", "year", pl.col("isco08").str.slice(0, 2)
    )
    both = two.join(three.unique(), on=["geo", "year", "isco08"], how="inner")
    if both.height:
        g, y, o = both.sort("geo", "year", "isco08").row(0)
        raise ValueError(
            f"planned entries for {g} {y} give ISCO-08 group {o} both as a 2-digit total and "
            f"as 3-digit groups ({o}x): one of them would be counted twice; keep one grain"
        )
    return demand


def _links(crosswalk: pl.DataFrame, spec_rows: pl.DataFrame, digits: int) -> pl.DataFrame:
    """Crosswalk links per (variant, allocation, min weight) at ``digits`` digits, with shares.

    Links below the minimum weight are dropped first (3-digit weights), then weights are
    summed within the ``digits``-digit group, then the allocation share is taken.
    """
    cw = crosswalk.join(spec_rows, on="variant", how="inner").filter(
        pl.col("weight") >= pl.col("min_link_weight") - 1e-12
    )
    cw = (
        cw.with_columns(pl.col("isco08").str.slice(0, digits))
        .group_by(
            "crosswalk_version", "variant", "allocation", "min_link_weight", "its_area", "isco08"
        )
        .agg(pl.col("weight").sum().alias("link_weight"))
    )
    per_occupation = ["crosswalk_version", "variant", "allocation", "min_link_weight", "isco08"]
    return cw.with_columns(
        pl.when(pl.col("allocation") == "occupation_share")
        .then(pl.col("link_weight") / pl.col("link_weight").sum().over(per_occupation))
        .otherwise(pl.col("link_weight"))
        .alias("allocation_share")
    )


def crosswalked_demand(
    plans: pl.LazyFrame | pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    education_levels: Mapping[str, float] = DEFAULT_LEVELS,
    allocation: Allocation | Sequence[Allocation] = "occupation_share",
    min_link_weight: float | Sequence[float] = 0.0,
) -> pl.LazyFrame:
    r"""One row per crosswalk variant, rule, minimum weight, area, province, year, occupation.

    .. math::

        A_{a,o,r,t} = s_{a,o} \cdot H_{o,r,t}, \qquad
        H_{o,r,t} = \sum_\ell \lambda_\ell H_{o,\ell,r,t}

    with :math:`s_{a,o} = w_{a \to o} / \sum_b w_{b \to o}` (``occupation_share``) or
    :math:`s_{a,o} = w_{a \to o}` (``weighted_sum``), over the links with
    :math:`w \ge m` (``min_link_weight``); :math:`H_{o,\ell,r,t}` are planned entries at
    education level :math:`\ell` and :math:`\lambda_\ell` the level's weight
    (``education_levels``, default ``{"its_academy": 1.0}``). Occupations may be given at
    2 or 3 digits: a 3-digit code meets the crosswalk's 3-digit links; a 2-digit code meets
    the links summed within its group. ``allocation`` and ``min_link_weight`` may be lists
    (every combination is returned).

    Columns: ``crosswalk_version``, ``variant``, ``allocation``, ``min_link_weight``,
    ``its_area``, ``geo``, ``year``, ``isco08``, ``demand_grain``, ``link_weight``,
    ``allocation_share``, ``demand_entries_n`` (the occupation's planned entries at ITS
    level), ``hard_to_fill_pct`` (the occupation's) and ``allocated_entries_n`` (the
    part allocated to the area).

    Raises
    ------
    ValueError
        When no planned entries are at the requested levels, a code is not of 2 or 3
        digits, or one province-year gives a group both at 2 and at 3 digits.
    """
    allocations = [allocation] if isinstance(allocation, str) else list(allocation)
    weights = (
        [float(min_link_weight)]
        if isinstance(min_link_weight, int | float)
        else [float(m) for m in min_link_weight]
    )
    for a in allocations:
        if a not in ALLOCATIONS:
            raise ValueError(f"allocation must be one of {ALLOCATIONS}, not {a!r}")
    demand = _occupation_demand(plans, education_levels)
    variants = crosswalk["variant"].unique().sort().to_list()
    spec_rows = pl.DataFrame(
        list(itertools.product(variants, allocations, weights)),
        schema={"variant": pl.String, "allocation": pl.String, "min_link_weight": pl.Float64},
        orient="row",
    )
    parts = []
    for d in (2, 3):
        rows = demand.filter(pl.col("_digits") == d)
        if rows.height == 0:
            continue
        parts.append(
            rows.join(_links(crosswalk, spec_rows, d), on="isco08", how="inner").with_columns(
                pl.lit(f"{d}-digit").alias("demand_grain")
            )
        )
    columns = list(OCCUPATION_COLUMNS)
    if not parts:
        empty = dict.fromkeys(columns, pl.String) | {
            "min_link_weight": pl.Float64,
            "year": pl.Int64,
            "link_weight": pl.Float64,
            "allocation_share": pl.Float64,
            "demand_entries_n": pl.Float64,
            "hard_to_fill_pct": pl.Float64,
            "allocated_entries_n": pl.Float64,
        }
        return pl.LazyFrame(schema=empty)
    return (
        pl.concat(parts)
        .select(
            *columns,
            (pl.col("demand_entries_n") * pl.col("allocation_share")).alias("allocated_entries_n"),
        )
        .sort(*OCCUPATION_KEY)
        .lazy()
    )
