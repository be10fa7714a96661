"""Cleaning stages per source and the aligned panel they feed.

Every stage here is a pure function ``LazyFrame -> LazyFrame`` (no I/O, no clock); the
first line of its docstring says what one row is. The refresh engine loads the sources,
calls these stages and writes their results.

The aligned panel (``aligned__panel``) is one long table: one row per measure, geo,
period and dimension values (sex, age, ISCED level, ISCO-08 occupation, NACE sector, ITS
area, required education level), from one source. Geo codes are NUTS codes at the
pipeline's stated version (older codes are recoded where the change is a pure recode) or
country codes; ``geo_level`` is 0 for countries and EU/EA aggregates, 1-3 for NUTS
levels. Dimension columns are null where a measure is not broken down by them. Supply
(ITS graduates, the labour force by education), demand (planned hires, vacancies) and
stocks (employment, unemployment) all live here with their source, vintage and flags.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills import classifications as cls

__all__ = [
    "DIMENSIONS",
    "PANEL_SCHEMA",
    "aligned__panel",
    "clean_eurostat",
    "clean_hiring__province_period_occupation",
    "clean_its__area_province_year",
    "clean_records",
    "combine_flags",
    "geo_level",
]

#: Dimension columns shared by the panel and the indicators table (null = all / not split).
DIMENSIONS: tuple[str, ...] = (
    "sex",
    "age",
    "isced11",
    "isco08",
    "nace_r2",
    "its_area",
    "education_level",
)

PANEL_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "geo": pl.String(),
    "geo_level": pl.Int8(),
    "nuts_version": pl.Int16(),
    "period": pl.String(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "flag": pl.String(),
    **{d: pl.String() for d in DIMENSIONS},
    "role": pl.String(),
    "source": pl.String(),
    "vintage": pl.String(),
    "note": pl.String(),
}
PANEL_KEY: tuple[str, ...] = ("measure", "geo", "period", *DIMENSIONS, "role")

#: Measures each Eurostat role contributes, by the unit code found in the table.
_EUROSTAT_MEASURES: dict[str, tuple[str, str]] = {
    "unemployment_rate": ("unemployment_rate_pct", "%"),
    "employment": ("employment_ths", "thousand persons"),
    "unemployment": ("unemployed_ths", "thousand persons"),
    "active_by_education": ("active_population_ths", "thousand persons"),
    "employment_by_education": ("employment_ths", "thousand persons"),
    "employment_by_occupation": ("employment_ths", "thousand persons"),
    "employment_by_occupation_education": ("employment_ths", "thousand persons"),
    "employment_by_sector": ("employment_ths", "thousand persons"),
    "employment_by_sector_occupation": ("employment_ths", "thousand persons"),
}
_JVS_MEASURES: dict[str, tuple[str, str]] = {
    "JOBVAC": ("job_vacancies_n", "persons"),
    "JOBOCC": ("occupied_posts_n", "persons"),
    "JOBRATE": ("job_vacancy_rate_pct", "%"),
}


def geo_level(col: str = "geo") -> pl.Expr:
    """NUTS level of a geo code: 0 for countries and aggregates (``IT``, ``EU27_2020``)."""
    code = pl.col(col)
    return (
        pl.when(code.str.contains(r"^(EU|EA)") | (code.str.len_chars() == 2))
        .then(0)
        .otherwise(code.str.len_chars() - 2)
        .cast(pl.Int8)
    )


def _align_geo(frame: pl.LazyFrame, nuts_version: int) -> pl.LazyFrame:
    """Recode Italian NUTS codes to ``nuts_version`` and add ``geo_level``/``nuts_version``.

    Pure recodes are applied; codes whose territory changed pass through unchanged with
    the reason in ``note``. ``nuts_version`` is null for countries and EU/EA aggregates.
    """
    frame = cls.recode_nuts(
        frame, "geo", to_version=nuts_version, allow_boundary_changes=True, note_column="note"
    )
    return frame.with_columns(
        geo_level().alias("geo_level"),
        pl.when(geo_level() > 0).then(pl.lit(nuts_version)).otherwise(None).alias("nuts_version"),
    )


def combine_flags(*flags: pl.Expr) -> pl.Expr:
    """The union of several Eurostat flag strings, letters sorted; null when none.

    A value derived from flagged inputs carries every flag of its inputs (a ratio of a
    break-flagged numerator is itself across a break).
    """
    joined = pl.concat_str([f.fill_null("") for f in flags])
    letters = joined.str.split("").list.eval(pl.element().filter(pl.element() != "")).list
    out = letters.unique().list.sort().list.join("")
    return pl.when(out == "").then(None).otherwise(out)


def _finish(frame: pl.LazyFrame) -> pl.LazyFrame:
    missing = [c for c in PANEL_SCHEMA if c not in frame.collect_schema()]
    return frame.with_columns(pl.lit(None).alias(c) for c in missing).select(
        pl.col(c).cast(t) for c, t in PANEL_SCHEMA.items()
    )


def clean_eurostat(
    raw: pl.LazyFrame,
    *,
    role: str,
    source: str,
    vintage: str | None,
    nuts_version: int,
    units: frozenset[str] = frozenset(),
) -> pl.LazyFrame:
    """One row per measure, geo, period and dimension values of one Eurostat table.

    Maps the role's table onto panel measures (``unemployment_rate`` -> ``unemployment_rate_pct``,
    ``employment`` -> ``employment_ths``, ...; job-vacancy ``indic_em`` codes to
    ``job_vacancies_n``, ``occupied_posts_n``, ``job_vacancy_rate_pct``), keeps flags,
    normalises ISCO-08 codes (``OC31`` -> ``31``; ``TOTAL`` -> null meaning all occupations;
    ``NRP``/``UNK`` kept), sets ``TOTAL`` NACE and ISCED to null (all), keeps only the
    all-sizes class of a ``sizeclas`` dimension, keeps only the ``units`` the role reads
    (when the table has a ``unit`` dimension), and recodes NUTS codes to ``nuts_version``
    where the change is a pure recode.
    """
    columns = raw.collect_schema().names()
    frame = raw
    if "unit" in columns and units:
        frame = frame.filter(pl.col("unit").is_in(sorted(units)))
    if "sizeclas" in columns:
        frame = _size_classes(frame, columns)
    if role == "job_vacancies":
        frame = frame.filter(pl.col("indic_em").is_in(list(_JVS_MEASURES))).with_columns(
            pl.col("indic_em")
            .replace_strict({k: v[0] for k, v in _JVS_MEASURES.items()})
            .alias("measure"),
            pl.col("indic_em")
            .replace_strict({k: v[1] for k, v in _JVS_MEASURES.items()})
            .alias("unit"),
        )
    else:
        measure, unit = _EUROSTAT_MEASURES[role]
        frame = frame.with_columns(pl.lit(measure).alias("measure"), pl.lit(unit).alias("unit"))
    if "isco08" in columns:
        frame = frame.with_columns(_isco_dimension(pl.col("isco08")).alias("isco08"))
    for dim in ("nace_r2", "isced11"):
        if dim in columns:
            frame = frame.with_columns(
                pl.when(pl.col(dim) == "TOTAL").then(None).otherwise(pl.col(dim)).alias(dim)
            )
    frame = frame.with_columns(
        pl.lit(role).alias("role"),
        pl.lit(source).alias("source"),
        pl.lit(vintage, pl.String).alias("vintage"),
    )
    aligned = _align_geo(frame, nuts_version)
    if "size_note" in aligned.collect_schema().names():
        aligned = aligned.with_columns(pl.coalesce("note", "size_note").alias("note"))
    return _finish(aligned)


#: What a job vacancy rate read from JVS size class GE10 says (see :func:`_size_classes`).
GE10_NOTE = (
    "job vacancy rate of enterprises with 10 or more employees (JVS size class GE10): "
    "no all-sizes rate is published for this country"
)


def _size_classes(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Keep the all-sizes class (``TOTAL``) of a ``sizeclas`` dimension.

    One named exception: a country whose job vacancy *rate* (``JOBRATE``) has no
    all-sizes value at all (Italy reports only enterprises with 10 or more employees)
    keeps its ``GE10`` rate, with :data:`GE10_NOTE` in ``note`` (via ``size_note``).
    Counts (``JOBVAC``, ``JOBOCC``) never fall back: a GE10 count is not a count of all
    vacancies.
    """
    size = pl.col("sizeclas")
    if "indic_em" not in columns:
        return frame.filter(size == "TOTAL")
    is_rate = pl.col("indic_em") == "JOBRATE"
    has_total = ((size == "TOTAL") & is_rate & pl.col("value").is_not_null()).any().over("geo")
    ge10 = (size == "GE10") & is_rate & ~has_total
    # the country's all-sizes rate rows are all empty: the GE10 rows replace them
    total = (size == "TOTAL") & ~(is_rate & ~has_total)
    return frame.filter(total | ge10).with_columns(
        pl.when(ge10).then(pl.lit(GE10_NOTE)).otherwise(pl.lit(None, pl.String)).alias("size_note")
    )


def _isco_dimension(code: pl.Expr) -> pl.Expr:
    """ISCO-08 as plain digits; ``TOTAL`` -> null (all occupations); other codes kept."""
    digits = cls.normalise_isco08(code)
    return pl.when(code == "TOTAL").then(None).otherwise(pl.coalesce(digits, code))


def clean_its__area_province_year(
    courses: pl.LazyFrame, *, source: str, nuts_version: int
) -> pl.LazyFrame:
    """One row per ITS measure, province, year and technology area (summed over courses).

    Enrolment and course counts are dated by the start year; graduates and 12-month
    outcomes by the end (diploma) year. Sums are unweighted counts of persons; a count is
    null when every course in the group left it empty (not yet surveyed), never zero.
    """
    base = courses.with_columns(pl.col("geo_nuts3").alias("geo"))
    start = base.group_by("geo", "its_area", pl.col("start_year").alias("year")).agg(
        pl.col("enrolled_n").sum().cast(pl.Float64).alias("its_enrolled_n"),
        pl.len().cast(pl.Float64).alias("its_courses_n"),
    )
    outcome_cols = ("graduates_n", "employed_12m_n", "employed_coherent_12m_n")
    end = base.group_by("geo", "its_area", pl.col("end_year").alias("year")).agg(
        pl.when(pl.col(c).is_not_null().any())
        .then(pl.col(c).sum())
        .otherwise(None)
        .cast(pl.Float64)
        .alias(f"its_{c}")
        for c in outcome_cols
    )
    longs = [
        start.unpivot(index=["geo", "its_area", "year"], variable_name="measure"),
        end.unpivot(index=["geo", "its_area", "year"], variable_name="measure"),
    ]
    frame = (
        pl.concat(longs)
        .filter(pl.col("value").is_not_null())
        .with_columns(
            pl.col("year").cast(pl.String).alias("period"),
            pl.lit("persons").alias("unit"),
            pl.lit("its_courses").alias("role"),
            pl.lit(source).alias("source"),
        )
    )
    return _finish(_align_geo(frame, nuts_version))


def clean_hiring__province_period_occupation(
    plans: pl.LazyFrame, *, source: str, nuts_version: int
) -> pl.LazyFrame:
    """One row per hiring measure, province, period, occupation, education level (and sector).

    ``planned_hires_n`` as given; ``hard_to_fill_n`` = planned hires x hard-to-fill share
    / 100, so that it can be summed over occupations and provinces (the share itself is
    not additive).
    """
    frame = plans.rename({"geo_nuts3": "geo"})
    hires = frame.select(
        "geo",
        "period",
        "isco08",
        "education_level",
        "nace_r2",
        pl.lit("planned_hires_n").alias("measure"),
        pl.col("planned_hires_n").cast(pl.Float64).alias("value"),
    )
    hard = frame.filter(pl.col("hard_to_fill_pct").is_not_null()).select(
        "geo",
        "period",
        "isco08",
        "education_level",
        "nace_r2",
        pl.lit("hard_to_fill_n").alias("measure"),
        (pl.col("planned_hires_n") * pl.col("hard_to_fill_pct") / 100).alias("value"),
    )
    out = pl.concat([hires, hard]).with_columns(
        pl.lit("persons").alias("unit"),
        pl.lit("hiring_plans").alias("role"),
        pl.lit(source).alias("source"),
    )
    return _finish(_align_geo(out, nuts_version))


def clean_records(frame: pl.LazyFrame, *, nuts_version: int) -> pl.LazyFrame:
    """Panel rows aggregated from record-level data (:mod:`skills.sources.records`).

    Already in the panel's columns; Italian codes are recoded to ``nuts_version`` (as for
    every other source) and ``geo_level`` / ``nuts_version`` set from the codes.
    """
    return _finish(_align_geo(frame.drop("geo_level", "nuts_version", "note"), nuts_version))


def aligned__panel(parts: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
    """One row per measure, geo, period, dimension values and source: the aligned panel.

    Concatenates cleaned sources (vertical, schema-checked); the key
    (measure, geo, period, dimensions, role) is unique by construction of the stages and
    is checked by the structural contract before publication.
    """
    if not parts:
        return pl.LazyFrame(schema=PANEL_SCHEMA)
    return pl.concat(list(parts.values()), how="vertical").sort(
        "measure", "geo", "period", *DIMENSIONS, "role", nulls_last=False
    )
