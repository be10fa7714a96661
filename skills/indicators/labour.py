"""Labour-force indicators read or derived from the aligned panel.

Each function takes the aligned panel (see :mod:`skills.align`) and returns indicator rows
(see :data:`skills.indicators.INDICATOR_SCHEMA`). Totals come from the headline source of
each measure; breakdown tables (by education, occupation, sector) contribute only their
breakdowns, so that a total is never published twice from two tables.
"""

from __future__ import annotations

import polars as pl

from skills.align import DIMENSIONS, combine_flags
from skills.indicators._frame import as_indicator

__all__ = [
    "PERSONS_PER_THOUSAND",
    "TOTAL_AGES",
    "UNEMPLOYED_AGES",
    "employment_ths",
    "labour_force_tertiary_share_pct",
    "total_breakdown",
    "unemployed_persons",
    "unemployed_ths",
    "unemployment_rate",
]

#: EU-LFS counts are published in thousands of persons.
PERSONS_PER_THOUSAND = 1000

#: The age bands read as "all ages" of a labour-force total, in order of preference: the
#: ILO/EU-LFS 15-74 band, else 15 and over, else working age 15-64 (the headline of the
#: unemployment rate, the Beveridge curve, the regional profile and the occupation tables).
TOTAL_AGES: tuple[str, ...] = ("Y15-74", "Y_GE15", "Y15-64")

#: The age bands read as "all unemployed" persons: :data:`TOTAL_AGES` without 15-64 (a
#: count of 15-64 year-olds is not the count of all unemployed, while a rate is close).
UNEMPLOYED_AGES: tuple[str, ...] = TOTAL_AGES[:2]

_BREAKDOWN_OF_ROLE = {
    "employment_by_education": "isced11",
    "employment_by_occupation": "isco08",
    "employment_by_sector": "nace_r2",
}
_PASS = ["geo", "geo_level", "period", "value", "flag", "source", *DIMENSIONS]


def employment_ths(panel: pl.LazyFrame) -> pl.LazyFrame:
    """One row per geo, period and breakdown: employed persons, thousands.

    .. math:: E_{g,t,d}

    Totals (by sex and age) from the ``employment`` source (Eurostat lfst_r_lfe2emp);
    breakdowns by ISCED level, ISCO-08 occupation or NACE sector from the matching tables.
    Flags as published. Source: EU-LFS.
    """
    keep = pl.col("role") == "employment"
    for role, dim in _BREAKDOWN_OF_ROLE.items():
        keep = keep | ((pl.col("role") == role) & pl.col(dim).is_not_null())
    rows = panel.filter((pl.col("measure") == "employment_ths") & keep).select(_PASS)
    return as_indicator(rows, "employment_ths", "thousand persons")


def unemployed_ths(panel: pl.LazyFrame) -> pl.LazyFrame:
    """One row per geo, period, sex and age: unemployed persons, thousands (EU-LFS, ILO).

    .. math:: U_{g,t,s,a}

    Persons without work, available to start within two weeks and actively seeking work
    (ILO definition), as published in Eurostat lfst_r_lfu3pers; flags as published.
    """
    rows = panel.filter(
        (pl.col("measure") == "unemployed_ths") & (pl.col("role") == "unemployment")
    ).select(_PASS)
    return as_indicator(rows, "unemployed_ths", "thousand persons")


def unemployment_rate(panel: pl.LazyFrame, *, derive: bool = True) -> pl.LazyFrame:
    r"""One row per geo, period, sex and age: unemployment rate, % of the labour force.

    Published rates (Eurostat lfst_r_lfu3rt / tgs00010) are taken as they are. With
    ``derive=True``, where no published rate exists for a geo, period, sex and age that
    has both unemployed and employed persons, the rate is derived:

    .. math:: u_{g,t} = 100 \cdot \frac{U_{g,t}}{U_{g,t} + E_{g,t}}

    Derived rows say so in ``note`` and carry the union of their inputs' flags. They are
    computed from figures rounded to hundreds of persons, so they can differ from
    Eurostat's own rate in the first decimal.

    References
    ----------
    ILO (1982), Resolution concerning statistics of the economically active population;
    Eurostat, EU-LFS methodology.
    """
    published = panel.filter(
        (pl.col("measure") == "unemployment_rate_pct") & (pl.col("role") == "unemployment_rate")
    ).select(_PASS)
    out = as_indicator(published, "unemployment_rate", "%")
    if not derive:
        return out
    key = ["geo", "geo_level", "period", "sex", "age"]
    unemp = panel.filter(
        (pl.col("measure") == "unemployed_ths") & (pl.col("role") == "unemployment")
    ).select(
        *key, pl.col("value").alias("u"), pl.col("flag").alias("fu"), pl.col("source").alias("su")
    )
    emp = panel.filter(
        (pl.col("measure") == "employment_ths") & (pl.col("role") == "employment")
    ).select(
        *key, pl.col("value").alias("e"), pl.col("flag").alias("fe"), pl.col("source").alias("se")
    )
    derived = (
        unemp.join(emp, on=key, how="inner", validate="1:1", nulls_equal=True)
        .filter(
            pl.col("u").is_not_null()
            & pl.col("e").is_not_null()
            & ((pl.col("u") + pl.col("e")) > 0)
        )
        .select(
            *key,
            (100 * pl.col("u") / (pl.col("u") + pl.col("e"))).alias("value"),
            combine_flags(pl.col("fu"), pl.col("fe")).alias("flag"),
            pl.concat_str([pl.col("su"), pl.col("se")], separator=" + ").alias("source"),
            pl.lit("derived: 100 * unemployed_ths / (unemployed_ths + employment_ths)").alias(
                "note"
            ),
        )
        .join(published.select(key), on=key, how="anti", nulls_equal=True)
    )
    return pl.concat([out, as_indicator(derived, "unemployment_rate", "%")], how="vertical")


def labour_force_tertiary_share_pct(panel: pl.LazyFrame) -> pl.LazyFrame:
    r"""One row per geo, period, sex and age: tertiary-educated share of the labour force, %.

    .. math:: s_{g,t} = 100 \cdot \frac{A^{ED5-8}_{g,t}}{A^{TOTAL}_{g,t}}

    where :math:`A` is the economically active population (employed + unemployed, EU-LFS,
    Eurostat lfst_r_lfp2acedu) and ED5-8 are ISCED 2011 levels 5 to 8 (short-cycle
    tertiary, which includes ITS diplomas, to doctoral). The denominator includes persons
    who did not state their attainment (``NRP``), as Eurostat's totals do. Flags are the
    union of numerator and denominator flags.
    """
    active = panel.filter(
        (pl.col("measure") == "active_population_ths") & (pl.col("role") == "active_by_education")
    )
    key = ["geo", "geo_level", "period", "sex", "age"]
    num = active.filter(pl.col("isced11") == "ED5-8").select(
        *key, pl.col("value").alias("num"), pl.col("flag").alias("fn"), "source"
    )
    den = active.filter(pl.col("isced11").is_null()).select(
        *key, pl.col("value").alias("den"), pl.col("flag").alias("fd")
    )
    rows = num.join(den, on=key, how="inner", validate="1:1", nulls_equal=True).select(
        *key,
        pl.when(pl.col("den") > 0).then(100 * pl.col("num") / pl.col("den")).alias("value"),
        combine_flags(pl.col("fn"), pl.col("fd")).alias("flag"),
        "source",
    )
    return as_indicator(rows, "labour_force_tertiary_share_pct", "%")


def total_breakdown(rows: pl.DataFrame, ages: tuple[str, ...]) -> pl.DataFrame:
    """Rows for both sexes together and the first of ``ages`` the table has.

    A table without ages keeps its rows; a table whose ages are none of ``ages`` (only
    ``Y15-24``, say) gives no rows: another age band is never read as the total.

    Parameters
    ----------
    rows
        Panel rows with ``sex`` and ``age`` columns (null = not broken down).
    ages
        Age bands, most preferred first.

    Returns
    -------
    The rows of sex ``T`` (when the table has it) and of the chosen age band.
    """
    if "T" in rows["sex"].to_list():
        rows = rows.filter(pl.col("sex") == "T")
    present = set(rows["age"].drop_nulls().to_list())
    if not present:
        return rows
    age = next((a for a in ages if a in present), None)
    return rows.filter(pl.col("age") == age) if age is not None else rows.clear()


def unemployed_persons(panel: pl.DataFrame) -> pl.DataFrame:
    r"""Unemployed persons (not thousands) by geo and period, both sexes, all ages.

    .. math:: U_{g,t} = 1000 \cdot U^{\text{ths}}_{g,t,\,s=T,\,a}

    with :math:`a` the first of :data:`UNEMPLOYED_AGES` the ``unemployment`` source has
    (:func:`total_breakdown`). The persons count is what the distribution indices
    (:func:`skills.indicators.mismatch.jackman_roper`,
    :func:`skills.indicators.mismatch.sahin_index`) and tightness
    (:func:`skills.indicators.mismatch.tightness`) compare with vacancies or hires.

    Parameters
    ----------
    panel
        The aligned panel (``measure`` ``unemployed_ths`` of role ``unemployment``).

    Returns
    -------
    ``geo``, ``period``, ``unemployed`` (persons, Float64), ``flag`` and ``source``.

    References
    ----------
    ILO (1982), Resolution concerning statistics of the economically active population;
    Eurostat, EU Labour Force Survey methodology (lfst_r_lfu3pers).
    """
    u = total_breakdown(
        panel.filter(pl.col("measure") == "unemployed_ths", pl.col("role") == "unemployment"),
        UNEMPLOYED_AGES,
    )
    return u.select(
        "geo",
        "period",
        (pl.col("value") * PERSONS_PER_THOUSAND).alias("unemployed"),
        "flag",
        "source",
    )
