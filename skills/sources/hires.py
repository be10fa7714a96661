"""Realised hires by area and period: the flow the matching function explains.

In Italy, hires are counted from the compulsory communications employers send when a job
starts (*Comunicazioni Obbligatorie*, COB: "attivazioni"), published by the Ministry of
Labour and by regional labour-market observatories by province and quarter or year. Users
bring them as a table with one row per area and period.
"""

from __future__ import annotations

from skills.schema import Column, TableSchema
from skills.sources._userfile import count_column, nuts_codes, user_file_reader

__all__ = ["HIRES", "read_hires"]


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
            codes=(nuts_codes(), "Italian NUTS codes (2006-2021)"),
            aliases=("geo_nuts3", "provincia_nuts3"),
        ),
        Column(
            "period",
            "string",
            "A year (`2024`) or a quarter (`2024-Q2`).",
            pattern=r"\d{4}(-Q[1-4])?",
            aliases=("periodo",),
        ),
        count_column(
            "hires_n",
            "Hires (employment relationships started) in the period.",
            aliases=("attivazioni", "assunzioni"),
        ),
        Column(
            "source_note", "string", "Where the figure comes from.", required=False, nullable=True
        ),
    ),
    notes="Count every activation once, whatever the contract type; say so in `source_note` "
    "if the source counts otherwise.",
)


read_hires = user_file_reader(
    HIRES,
    name="read_hires",
    module=__name__,
    doc="Read a hires table (CSV or XLSX) checked against :data:`HIRES`.",
)
