"""Hiring demand: planned hires by province, period, occupation and education level.

The shape is that of Italy's survey of firms' hiring plans (Unioncamere-ANPAL Sistema
Informativo Excelsior): for each province and period, the hires firms plan by occupation,
by the education level they ask for, and the share of those hires they expect to be hard
to fill. Occupations are ISCO-08 at 2 or 3 digits (Excelsior publishes Italian CP2021
professions, which users bridge to ISCO-08 before loading); Eurostat's ``OC`` prefix
(``OC31``) is accepted and removed. Job-vacancy statistics from Eurostat are read with
:func:`skills.read_eurostat` instead.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from skills import classifications as cls
from skills.errors import InputError
from skills.schema import Column, TableSchema
from skills.sources._userfile import count_column, isco_codes, province_column, user_file_reader

__all__ = ["HIRING_PLANS", "check_one_frequency", "read_hiring_plans"]


def _education_codes() -> list[str]:
    return cls.education_levels_it()["education_level"].to_list()


HIRING_PLANS = TableSchema(
    name="hiring_plans",
    title="Hiring plans",
    grain="province, period, occupation and required education level",
    key=("geo_nuts3", "period", "isco08", "education_level", "nace_r2"),
    columns=(
        province_column("Province of the workplace (NUTS 3 code, e.g. ITC11)."),
        Column(
            "period",
            "string",
            "Reference period: a year (`2024`), a quarter (`2024-Q2`) or a month (`2024-07`).",
            pattern=r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?",
            aliases=("periodo",),
        ),
        Column(
            "isco08",
            "string",
            "Occupation, ISCO-08 sub-major (2-digit) or minor (3-digit) group; "
            "`OC31` is read as `31`.",
            codes=(isco_codes(2, 3), "ISCO-08 2- and 3-digit groups"),
            aliases=("isco", "isco08_code"),
            normalise=lambda e: e.str.strip_prefix("OC"),
        ),
        Column(
            "education_level",
            "string",
            "Education level asked for: university, its_academy, upper_secondary, "
            "vocational_qualification or compulsory.",
            codes=(_education_codes, "education levels of the hiring-plan survey"),
            aliases=("livello_istruzione",),
        ),
        count_column(
            "planned_hires_n",
            "Hires firms plan for the period.",
            aliases=("entrate_previste", "assunzioni_previste"),
        ),
        Column(
            "hard_to_fill_pct",
            "float",
            "Share of the planned hires firms expect to be hard to fill.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=100,
            unit="%",
            aliases=("difficile_reperimento_pct",),
        ),
        Column(
            "nace_r2",
            "string",
            "Sector of the hiring firms (NACE Rev. 2 section), if "
            "the table is broken down by sector.",
            required=False,
            nullable=True,
            pattern="[A-U]",
        ),
    ),
    notes=(
        "`nace_r2` is part of the key: leave it empty for a table that is not broken "
        "down by sector. Counts are persons; Excelsior rounds them to tens, which is fine."
    ),
)


read_hiring_plans = user_file_reader(
    HIRING_PLANS,
    name="read_hiring_plans",
    module=__name__,
    doc="""Read planned hires (CSV or XLSX) and check them against :data:`HIRING_PLANS`.

    Returns one row per province, period, occupation and education level (and sector when
    ``nace_r2`` is given), with ``isco08`` as plain digits and ``_line`` (file line or
    sheet row).
    """,
)


def check_one_frequency(frame: pl.DataFrame, path: str | Path) -> None:
    """Refuse planned hires whose periods mix years with quarters or months.

    A pipeline sums planned hires by year: a quarterly row next to an annual row of the
    same year would be counted twice (``2024`` and ``2024-Q2`` both in 2024). The refresh
    calls this on the ``hiring_plans`` source (:func:`read_hiring_plans` itself reads any
    mix, for inspection).

    Raises
    ------
    skills.errors.InputError
        Naming the file, the ``period`` column and the line of a row of the rarer
        frequency (and a year that has both kinds, when one does).
    """
    from skills.periods import FREQUENCY_NAMES, frequency_of

    kinds = {p: frequency_of(p) for p in frame["period"].unique().to_list() if p is not None}
    found = sorted({f for f in kinds.values() if f is not None})
    if len(found) == 1 and found[0] in ("Q", "M"):
        _check_whole_years(frame, path, found[0])
    if len(found) <= 1:
        return
    tagged = frame.with_columns(
        pl.col("period").replace_strict(kinds, default=None, return_dtype=pl.String).alias("_f")
    )
    counts = tagged.group_by("_f").agg(pl.len()).sort("len", "_f")
    minority = counts["_f"][0]
    first = tagged.filter(pl.col("_f") == minority).row(0, named=True)
    year = str(first["period"])[:4]
    same_year = tagged.filter(pl.col("period").str.starts_with(year) & (pl.col("_f") != minority))
    clash = (
        f"; {year} has both {first['period']} and {same_year['period'][0]} rows, which "
        "would be added up twice into the year"
        if same_year.height
        else ""
    )
    kinds_text = ", ".join(
        f"{FREQUENCY_NAMES[str(f)]} ({n} rows)"
        for f, n in zip(counts["_f"].to_list(), counts["len"].to_list(), strict=True)
    )
    raise InputError(
        path,
        f"periods mix frequencies: {kinds_text}, e.g. {first['period']!r} on this line"
        f"{clash}. Use one frequency per file (all years, or all quarters, or all months)",
        line=int(first["_line"]) if first.get("_line") is not None else None,
        column="period",
    )


def _check_whole_years(frame: pl.DataFrame, path: str | Path, freq: str) -> None:
    """Quarterly or monthly plans are summed by year: every year needs all its periods.

    A year with 2 of its 4 quarters (a file cut short, the current year in progress)
    would be published as a year of half the demand.
    """
    from skills.periods import parse_period

    per_year = 4 if freq == "Q" else 12
    subs: dict[int, set[int]] = {}
    for label in frame["period"].unique().to_list():
        period = parse_period(label)
        subs.setdefault(period.year, set()).add(period.sub)
    short = sorted(y for y, got in subs.items() if len(got) < per_year)
    if not short:
        return
    year = short[0]
    have = sorted(subs[year])
    first = frame.filter(pl.col("period").str.starts_with(str(year))).row(0, named=True)
    name = "quarters" if freq == "Q" else "months"
    raise InputError(
        path,
        f"{year} has {len(have)} of its {per_year} {name} "
        f"({', '.join(str(s) for s in have)}): planned hires are summed by year, a "
        "partial year would publish too small a demand; give whole years"
        + (f" (also short: {', '.join(map(str, short[1:4]))})" if len(short) > 1 else ""),
        line=int(first["_line"]) if first.get("_line") is not None else None,
        column="period",
    )
