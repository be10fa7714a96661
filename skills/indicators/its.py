"""ITS supply and hiring-demand indicators: counts, outcome rates and planned hires.

Inputs are the checked course records (:func:`skills.sources.its.read_its_courses`) and
planned hires (:func:`skills.sources.hiring.read_hiring_plans`), as LazyFrames. Every
aggregate is an unweighted sum of persons; rates are ratios of sums over the same cohorts
(never means of course-level rates). Results are given per province and technology area,
and rolled up to all areas (``its_area`` null) and to the NUTS 2 region (first four
characters of the NUTS 3 code).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from skills.indicators._frame import as_indicator

__all__ = ["its_outcomes", "planned_hires"]


def _rollups(
    frame: pl.LazyFrame, keys: Sequence[str], aggs: Sequence[pl.Expr], optional: Sequence[str]
) -> pl.LazyFrame:
    """Aggregate by ``keys`` and by every subset that drops some of ``optional`` (as null).

    Also repeats each aggregation at NUTS 2 (``geo`` cut to four characters).
    """
    parts: list[pl.LazyFrame] = []
    import itertools

    for geo_expr in (pl.col("geo"), pl.col("geo").str.slice(0, 4)):
        for r in range(len(optional) + 1):
            for dropped in itertools.combinations(optional, r):
                by = [k for k in keys if k not in dropped]
                part = frame.with_columns(geo_expr.alias("geo")).group_by(by).agg(aggs)
                part = part.with_columns(pl.lit(None, pl.String).alias(d) for d in dropped)
                parts.append(part)
    return pl.concat(parts, how="diagonal_relaxed")


def its_outcomes(courses: pl.LazyFrame, *, source: str = "its_courses") -> pl.LazyFrame:
    r"""One row per indicator, geo (province or region), year and ITS area (or all areas).

    Indicators, with sums over the course cohorts :math:`c` of a group:

    * ``its_courses_n``, ``its_enrolled_n`` - courses and enrolled students, by start year;
    * ``its_graduates_n`` - diplomas awarded, by end year;
    * ``its_graduation_rate_pct`` :math:`= 100\,\sum_c G_c / \sum_c N_c` over cohorts ended
      that year with a known graduate count;
    * ``its_employment_rate_12m_pct`` :math:`= 100\,\sum_c O_c / \sum_c G_c` over cohorts
      whose 12-month survey is known (INDIRE's headline "occupati a 12 mesi");
    * ``its_coherence_rate_pct`` :math:`= 100\,\sum_c K_c / \sum_c O_c`, the share of the
      employed whose job is coherent with the course.

    Reference: INDIRE, *Monitoraggio nazionale ITS* (annual), for the definitions.
    """
    frame = courses.rename({"geo_nuts3": "geo"})
    by_start = _rollups(
        frame.with_columns(pl.col("start_year").cast(pl.String).alias("period")),
        ["geo", "period", "its_area"],
        [
            pl.len().cast(pl.Float64).alias("its_courses_n"),
            pl.col("enrolled_n").sum().cast(pl.Float64).alias("its_enrolled_n"),
        ],
        ["its_area"],
    ).unpivot(index=["geo", "period", "its_area"], variable_name="indicator")

    ended = frame.with_columns(pl.col("end_year").cast(pl.String).alias("period"))
    g_known = pl.col("graduates_n").is_not_null()
    o_known = pl.col("employed_12m_n").is_not_null() & g_known
    k_known = pl.col("employed_coherent_12m_n").is_not_null() & o_known
    by_end = (
        _rollups(
            ended,
            ["geo", "period", "its_area"],
            [
                pl.col("graduates_n").filter(g_known).sum().cast(pl.Float64).alias("g"),
                pl.col("enrolled_n").filter(g_known).sum().cast(pl.Float64).alias("n"),
                g_known.any().alias("g_any"),
                pl.col("employed_12m_n").filter(o_known).sum().cast(pl.Float64).alias("o"),
                pl.col("graduates_n").filter(o_known).sum().cast(pl.Float64).alias("g_o"),
                pl.col("employed_coherent_12m_n").filter(k_known).sum().cast(pl.Float64).alias("k"),
                pl.col("employed_12m_n").filter(k_known).sum().cast(pl.Float64).alias("o_k"),
            ],
            ["its_area"],
        )
        .select(
            "geo",
            "period",
            "its_area",
            pl.when(pl.col("g_any")).then(pl.col("g")).alias("its_graduates_n"),
            pl.when(pl.col("n") > 0)
            .then(100 * pl.col("g") / pl.col("n"))
            .alias("its_graduation_rate_pct"),
            pl.when(pl.col("g_o") > 0)
            .then(100 * pl.col("o") / pl.col("g_o"))
            .alias("its_employment_rate_12m_pct"),
            pl.when(pl.col("o_k") > 0)
            .then(100 * pl.col("k") / pl.col("o_k"))
            .alias("its_coherence_rate_pct"),
        )
        .unpivot(index=["geo", "period", "its_area"], variable_name="indicator")
    )

    rows = pl.concat([by_start, by_end]).filter(pl.col("value").is_not_null())
    units = {
        "its_courses_n": "courses",
        "its_enrolled_n": "persons",
        "its_graduates_n": "persons",
        "its_graduation_rate_pct": "%",
        "its_employment_rate_12m_pct": "%",
        "its_coherence_rate_pct": "%",
    }
    return pl.concat(
        [
            as_indicator(
                rows.filter(pl.col("indicator") == ind).drop("indicator"), ind, unit, source=source
            )
            for ind, unit in units.items()
        ],
        how="vertical",
    )


def planned_hires(plans: pl.LazyFrame, *, source: str = "hiring_plans") -> pl.LazyFrame:
    r"""One row per indicator, geo, period, occupation (or all) and education level (or all).

    * ``planned_hires_n`` :math:`= \sum H` - hires firms plan, summed over sectors;
    * ``hard_to_fill_pct`` :math:`= 100\,\sum H\,h / \sum H` - the hire-weighted share
      firms expect to be hard to fill (:math:`h` the reported share), over rows that report
      it.

    Rolled up to all occupations, all education levels and to the NUTS 2 region.
    Reference: Unioncamere-ANPAL, *Sistema Informativo Excelsior* (shape of the survey).
    """
    frame = plans.rename({"geo_nuts3": "geo"})
    known = pl.col("hard_to_fill_pct").is_not_null()
    rows = _rollups(
        frame,
        ["geo", "period", "isco08", "education_level"],
        [
            pl.col("planned_hires_n").sum().cast(pl.Float64).alias("planned_hires_n"),
            (pl.col("planned_hires_n") * pl.col("hard_to_fill_pct") / 100)
            .filter(known)
            .sum()
            .alias("hard"),
            pl.col("planned_hires_n").filter(known).sum().cast(pl.Float64).alias("h_known"),
        ],
        ["isco08", "education_level"],
    ).with_columns(
        pl.when(pl.col("h_known") > 0)
        .then(100 * pl.col("hard") / pl.col("h_known"))
        .alias("hard_to_fill_pct")
    )
    keys = ["geo", "period", "isco08", "education_level"]
    return pl.concat(
        [
            as_indicator(
                rows.select(*keys, pl.col("planned_hires_n").alias("value")),
                "planned_hires_n",
                "persons",
                source=source,
            ),
            as_indicator(
                rows.filter(pl.col("hard_to_fill_pct").is_not_null()).select(
                    *keys, pl.col("hard_to_fill_pct").alias("value")
                ),
                "hard_to_fill_pct",
                "%",
                source=source,
            ),
        ],
        how="vertical",
    )
