"""ITS supply: graduates per year and their outcome-adjusted count."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def trailing_mean(column: str, window: int, over: Sequence[str]) -> pl.Expr:
    r"""The mean of ``column`` over the ``window`` rows ending at each row, per ``over``.

    .. math:: \bar x_t = \frac{1}{k} \sum_{j=0}^{k-1} x_{t-j}

    The rows must be sorted by year within each group, one row per year. Null until the
    window is full, and null when any value in it is null. Summed term by term (not as a
    running sum, which leaves rounding residue such as ``-1e-14`` where the mean is 0).
    """
    terms = [pl.col(column).shift(j).over(over) for j in range(window)]
    return _plain_sum(terms) / window


def _plain_sum(terms: Sequence[pl.Expr]) -> pl.Expr:
    """``terms[0] + terms[1] + ...``: null as soon as one term is null."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def its_supply(courses: pl.LazyFrame | pl.DataFrame, *, window: int = 3) -> pl.LazyFrame:
    r"""One row per ITS area, province and year: graduates and their trailing mean.

    .. math::

        S_{a,r,t} = \frac{1}{k} \sum_{j=0}^{k-1} G_{a,r,t-j}, \qquad
        S^{coh}_{a,r,t} = \frac{1}{k} \sum_{j=0}^{k-1} K_{a,r,t-j}

    over the ``window`` years :math:`t-k+1 \ldots t`, with :math:`G` graduates and
    :math:`K` graduates employed at 12 months in a coherent job, by end year of the
    course. Years with no cohort ending count as zero graduates (a new area is not
    overstated); a year gets a value only once the whole window lies inside the years
    the records cover. :math:`S^{coh}` is null when any cohort in the window has
    graduates but no known coherent-employment count (outcomes are surveyed a year
    later, so the latest years have none).

    Columns: ``its_area``, ``geo``, ``year``, ``graduates_n``, ``supply_graduates_n``,
    ``graduates_coherent_n``, ``supply_coherent_n``.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    lf = courses.lazy().filter(pl.col("graduates_n").is_not_null())
    names = lf.collect_schema().names()
    coherent = (
        pl.col("employed_coherent_12m_n")
        if "employed_coherent_12m_n" in names
        else pl.lit(None, pl.Int64)
    )
    by_year = lf.group_by(
        "its_area", pl.col("geo_nuts3").alias("geo"), pl.col("end_year").alias("year")
    ).agg(
        pl.col("graduates_n").sum().cast(pl.Float64).alias("graduates_n"),
        # null as soon as one cohort with graduates has no known outcome
        pl.when(coherent.is_null().any())
        .then(None)
        .otherwise(coherent.sum())
        .cast(pl.Float64)
        .alias("graduates_coherent_n"),
    )
    span = lf.select(pl.col("end_year").min().alias("y0"), pl.col("end_year").max().alias("y1"))
    keys = by_year.select("its_area", "geo").unique()
    years = span.select(pl.int_ranges(pl.col("y0"), pl.col("y1") + 1).alias("year")).explode("year")
    grid = keys.join(years, how="cross")
    full = (
        grid.join(by_year, on=["its_area", "geo", "year"], how="left")
        # a year with no cohort ending has 0 coherent graduates; a cohort whose outcomes
        # are unknown keeps its null
        .with_columns(
            pl.when(pl.col("graduates_n").is_null())
            .then(0.0)
            .otherwise(pl.col("graduates_coherent_n"))
            .alias("graduates_coherent_n"),
            pl.col("graduates_n").fill_null(0.0),
        )
        .sort("its_area", "geo", "year")
    )
    return full.with_columns(
        trailing_mean("graduates_n", window, ("its_area", "geo")).alias("supply_graduates_n"),
        trailing_mean("graduates_coherent_n", window, ("its_area", "geo")).alias(
            "supply_coherent_n"
        ),
    ).filter(pl.col("supply_graduates_n").is_not_null())
