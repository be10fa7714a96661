"""Wages by occupation: the table that ranks occupations for wage-based polarisation.

Goos, Manning and Salomons (2014) and Autor and Dorn (2013) rank occupations by their
mean wage in a base year. In Europe the usual source is the Structure of Earnings Survey
(Eurostat ``earn_ses_*``, mean hourly earnings by ISCO-08 group); users bring whichever
table they trust, and the publication records which one was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from skills import classifications as cls
from skills.schema import Column, TableSchema, read_table

__all__ = ["WAGES", "read_wages"]


def _isco_codes() -> list[str]:
    return cls.isco08_groups().filter(pl.col("level").is_in([1, 2, 3]))["isco08"].to_list()


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
            codes=(_isco_codes, "ISCO-08 groups"),
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


def read_wages(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    ignore_columns: Sequence[str] = (),
) -> pl.DataFrame:
    """Read a wages-by-occupation table (CSV or XLSX) checked against :data:`WAGES`."""
    return read_table(
        path,
        WAGES,
        sheet=sheet,
        delimiter=delimiter,
        encoding=encoding,
        ignore_columns=ignore_columns,
    )
