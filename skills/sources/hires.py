"""Realised hires by area and period: the flow the matching function explains.

In Italy, hires are counted from the compulsory communications employers send when a job
starts (*Comunicazioni Obbligatorie*, COB: "attivazioni"), published by the Ministry of
Labour and by regional labour-market observatories by province and quarter or year. Users
bring them as a table with one row per area and period.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from skills import classifications as cls
from skills.schema import MAX_COUNT, MAX_COUNT_REASON, Column, TableSchema, read_table

__all__ = ["HIRES", "read_hires"]


def _italian_codes() -> list[str]:
    return cls.nuts_regions()["nuts_code"].unique().to_list()


HIRES = TableSchema(
    name="hires",
    title="Hires (activations)",
    grain="area and period",
    key=("geo", "period"),
    columns=(
        Column(
            "geo",
            "string",
            "Province or region (Italian NUTS 2 or 3 code, e.g. ITC11).",
            codes=(_italian_codes, "Italian NUTS codes (2006-2021)"),
            aliases=("geo_nuts3", "provincia_nuts3"),
        ),
        Column(
            "period",
            "string",
            "A year (`2024`) or a quarter (`2024-Q2`).",
            pattern=r"\d{4}(-Q[1-4])?",
            aliases=("periodo",),
        ),
        Column(
            "hires_n",
            "int",
            "Hires (employment relationships started) in the period.",
            minimum=0,
            maximum=MAX_COUNT,
            maximum_reason=MAX_COUNT_REASON,
            unit="persons",
            aliases=("attivazioni", "assunzioni"),
        ),
        Column(
            "source_note", "string", "Where the figure comes from.", required=False, nullable=True
        ),
    ),
    notes="Count every activation once, whatever the contract type; say so in `source_note` "
    "if the source counts otherwise.",
)


def read_hires(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    ignore_columns: Sequence[str] = (),
) -> pl.DataFrame:
    """Read a hires table (CSV or XLSX) checked against :data:`HIRES`."""
    return read_table(
        path,
        HIRES,
        sheet=sheet,
        delimiter=delimiter,
        encoding=encoding,
        ignore_columns=ignore_columns,
    )
