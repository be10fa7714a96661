"""Wages by occupation: the table that ranks occupations for wage-based polarisation.

Goos, Manning and Salomons (2014) and Autor and Dorn (2013) rank occupations by their
mean wage in a base year. In Europe the usual source is the Structure of Earnings Survey
(Eurostat ``earn_ses_*``, mean hourly earnings by ISCO-08 group); users bring whichever
table they trust, and the publication records which one was used.
"""

from __future__ import annotations

from skills.schema import Column, TableSchema
from skills.sources._userfile import isco_codes, user_file_reader

__all__ = ["WAGES", "read_wages"]


WAGES = TableSchema(
    name="wages_by_occupation",
    title="Wages by occupation",
    grain="occupation, geo and year",
    key=("isco08", "geo", "year"),
    columns=(
        Column(
            "isco08",
            "string",
            "Occupation, ISCO-08 major, sub-major or minor group; `OC31` is read as `31`.",
            codes=(isco_codes(1, 2, 3), "ISCO-08 groups"),
            normalise=lambda e: e.str.strip_prefix("OC"),
        ),
        Column(
            "geo",
            "string",
            "Country or region the wage refers to (e.g. IT, ITC1).",
            pattern=r"[A-Z]{2}[0-9A-Z]{0,3}|EU27_2020",
        ),
        Column("year", "int", "Reference year of the wage.", minimum=1990, maximum=2100),
        Column(
            "mean_hourly_wage_eur",
            "float",
            "Mean gross hourly earnings.",
            minimum=0,
            maximum=1000,
            maximum_reason="no occupation's mean wage is near 1000 EUR an hour: a monthly or "
            "yearly figure, or cents?",
            unit="EUR per hour",
        ),
        Column(
            "source_note",
            "string",
            "Where the figure comes from (table, edition).",
            required=False,
            nullable=True,
        ),
    ),
    rules=(),
)


read_wages = user_file_reader(
    WAGES,
    name="read_wages",
    module=__name__,
    doc="Read a wages-by-occupation table (CSV or XLSX) checked against :data:`WAGES`.",
)
