"""ITS Academy course records: one row per course cohort, read from CSV or XLSX.

ITS Academies (Istituti Tecnologici Superiori) run two-year (and three-year) post-secondary
courses at ISCED 5. Their national monitoring (INDIRE) follows each cohort to 12 months
after the diploma. A planner's file has one row per course cohort; the schema below is
what :func:`read_its_courses` accepts. Technology areas may be given in the scheme in
force since the 2022 reform (ten areas) or in the 2008 scheme (six areas, with the Made in
Italy sub-areas); 2008 codes are mapped to the 2023 scheme and the code as given is kept
in ``its_area_source``.
"""

from __future__ import annotations

import polars as pl

from skills import classifications as cls
from skills.schema import Column, RowRule, TableSchema
from skills.sources._userfile import count_column, province_column, user_file_reader

__all__ = ["ITS_COURSES", "read_its_courses"]


def _area_codes() -> list[str]:
    return cls.its_areas()["its_area"].to_list()


ITS_COURSES = TableSchema(
    name="its_courses",
    title="ITS course records",
    grain="ITS course cohort (a course edition run by a foundation, from start to end year)",
    key=("foundation_id", "course_id", "start_year"),
    columns=(
        Column(
            "foundation_id",
            "string",
            "Identifier of the ITS foundation (Fondazione ITS).",
            aliases=("fondazione_id", "codice_fondazione"),
        ),
        Column(
            "foundation_name",
            "string",
            "Name of the foundation.",
            required=False,
            nullable=True,
            aliases=("fondazione", "denominazione_fondazione"),
        ),
        Column(
            "course_id",
            "string",
            "Identifier of the course (unique within a foundation).",
            aliases=("codice_corso", "id_corso"),
        ),
        Column(
            "course_title",
            "string",
            "Title of the course.",
            required=False,
            nullable=True,
            aliases=("titolo_corso", "denominazione_corso"),
        ),
        Column(
            "its_area",
            "string",
            "Technology area, 2023 scheme (ten areas) or 2008 scheme (six areas, Made in "
            "Italy by sub-area); see docs/classifications.md.",
            codes=(_area_codes, "ITS technology areas, 2008 and 2023 schemes"),
            aliases=("area_tecnologica",),
        ),
        province_column("Province where the course runs (NUTS 3 code, e.g. ITC11)."),
        Column(
            "start_year",
            "int",
            "Calendar year the course starts.",
            minimum=2008,
            maximum=2100,
            aliases=("anno_inizio",),
        ),
        Column(
            "end_year",
            "int",
            "Calendar year the course ends (diploma year).",
            minimum=2009,
            maximum=2100,
            aliases=("anno_fine",),
        ),
        count_column("enrolled_n", "Students enrolled at the start.", aliases=("iscritti",)),
        count_column(
            "graduates_n",
            "Students who obtained the diploma.",
            nullable=True,
            aliases=("diplomati",),
        ),
        count_column(
            "employed_12m_n",
            "Graduates employed 12 months after the diploma.",
            required=False,
            nullable=True,
            aliases=("occupati_12_mesi", "occupati"),
        ),
        count_column(
            "employed_coherent_12m_n",
            "Of the employed, those in a job coherent with the course.",
            required=False,
            nullable=True,
            aliases=("occupati_coerenti", "occupati_area_coerente"),
        ),
    ),
    rules=(
        RowRule(
            pl.col("its_area") != "made_in_italy",
            "the 2008 area made_in_italy is undivided and cannot be mapped to the 2023 "
            "scheme: record the Made in Italy sub-area instead (mit_agrifood, "
            "mit_business_services, mit_fashion, mit_housing or mit_mechanics)",
            "its_area",
        ),
        RowRule(
            pl.col("end_year") >= pl.col("start_year"),
            "end_year is before start_year",
            "end_year",
            ("start_year", "end_year"),
        ),
        RowRule(
            pl.col("end_year") - pl.col("start_year") <= 4,
            "the course lasts more than four years",
            "end_year",
            ("start_year", "end_year"),
        ),
        RowRule(
            pl.col("graduates_n") <= pl.col("enrolled_n"),
            "more graduates than enrolled",
            "graduates_n",
            ("enrolled_n", "graduates_n"),
        ),
        RowRule(
            pl.col("employed_12m_n") <= pl.col("graduates_n"),
            "more employed than graduates",
            "employed_12m_n",
            ("graduates_n", "employed_12m_n"),
        ),
        RowRule(
            pl.col("employed_coherent_12m_n") <= pl.col("employed_12m_n"),
            "more employed in a coherent job than employed",
            "employed_coherent_12m_n",
            ("employed_12m_n", "employed_coherent_12m_n"),
        ),
    ),
    notes=(
        "`graduates_n` may be empty for a cohort that has not finished yet; "
        "`employed_12m_n` and `employed_coherent_12m_n` may be empty until the 12-month "
        "survey is done. Italian headers (`iscritti`, `diplomati`, ...) are accepted."
    ),
)


def _map_its_area(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the area code as given in ``its_area_source``; map 2008 areas to the 2023 scheme."""
    frame = frame.with_columns(pl.col("its_area").alias("its_area_source"))
    # the schema has rejected made_in_italy and codes of neither scheme, so this cannot fail
    return cls.map_its_area_2008_to_2023(frame, "its_area")


read_its_courses = user_file_reader(
    ITS_COURSES,
    name="read_its_courses",
    module=__name__,
    doc="""Read ITS course records (CSV or XLSX) and check them against :data:`ITS_COURSES`.

    Returns one row per course cohort with the schema's columns, ``its_area`` in the 2023
    scheme, ``its_area_source`` (the code as given) and ``_line`` (file line or sheet row).
    """,
    raises="; also for the undivided 2008 ``made_in_italy`` area, which cannot be mapped",
    finish=_map_its_area,
)
