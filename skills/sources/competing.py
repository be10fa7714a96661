"""Competing supply: graduates at ISCED 5-6 other than ITS, by field of education.

ITS Academy graduates (ISCED 5) are not the only candidates for ITS-level jobs: some
bachelor's graduates (ISCED 6) and graduates of other short-cycle tertiary programmes
(ISCED 5) take them too. In Italy, degrees awarded by field are published by the Ministry
of University (MUR, *Ufficio di Statistica*: "laureati" by class of degree, university and
year) and by Eurostat (``educ_uoe_grad02``, by ISCED-F 2013 field, national level). Users
bring them as a table with one row per area, year, field and level, the field coded in
ISCED-F 2013 (the MUR classes of degree map to ISCED-F fields; see
``docs/classifications.md``).

The table feeds analyses only (the ITS gap's coverage with competing supply, through
:func:`skills.indicators.competing.competing_supply`); it is not part of the aligned
panel.
"""

from __future__ import annotations

import polars as pl

from skills import classifications as cls
from skills.schema import Column, TableSchema
from skills.sources._userfile import count_column, nuts_codes, user_file_reader

__all__ = ["COMPETING_GRADUATES", "COMPETING_LEVELS", "read_competing_graduates"]

#: ISCED 2011 levels of the table: short-cycle tertiary other than ITS, and bachelor's.
COMPETING_LEVELS = ("ED5", "ED6")


def _narrow_fields() -> list[str]:
    return cls.iscedf13_fields(2)["iscedf13"].to_list()


def _narrow_field(expr: pl.Expr) -> pl.Expr:
    """Eurostat's ``F`` prefix removed; a 4-digit detailed field read as its narrow field."""
    code = expr.str.strip_prefix("F")
    return pl.when(code.str.contains(r"^\d{4}$")).then(code.str.slice(0, 3)).otherwise(code)


COMPETING_GRADUATES = TableSchema(
    name="competing_graduates",
    title="Competing graduates",
    grain="area where the degree was awarded, year of graduation, field of education and "
    "ISCED level",
    key=("geo", "year", "iscedf13", "isced11"),
    columns=(
        Column(
            "geo",
            "string",
            "Region or province where the degree was awarded (Italian NUTS 2 or NUTS 3 "
            "code, e.g. ITC1 or ITC11).",
            codes=(nuts_codes(2, 3), "Italian NUTS 2 and 3 codes (2006-2021)"),
            aliases=("geo_nuts", "nuts", "sede_nuts"),
        ),
        Column(
            "year",
            "int",
            "Calendar year of graduation.",
            minimum=1990,
            maximum=2100,
            aliases=("anno", "anno_solare", "anno_laurea"),
        ),
        Column(
            "iscedf13",
            "string",
            "Field of education, ISCED-F 2013 narrow field (3 digits with the leading zero, "
            "e.g. `061`; write it as text in a spreadsheet). A detailed field (`0613`) is "
            "read as its narrow field (`061`); Eurostat's `F` prefix (`F061`) is removed.",
            codes=(_narrow_fields, "ISCED-F 2013 narrow fields"),
            aliases=("isced_f", "iscedf", "iscedf13_code", "campo_iscedf", "campo_studio"),
            normalise=_narrow_field,
        ),
        Column(
            "isced11",
            "string",
            "ISCED 2011 level: `ED5` (short-cycle tertiary other than ITS) or `ED6` "
            "(bachelor's or equivalent, e.g. the Italian *laurea* and AFAM first-level "
            "diplomas).",
            codes=(lambda: COMPETING_LEVELS, "ED5 or ED6"),
            aliases=("isced", "livello_isced"),
        ),
        count_column(
            "graduates_n",
            "Graduates (degrees awarded) in the year.",
            aliases=("laureati", "diplomati", "titoli_rilasciati"),
        ),
        Column(
            "source_note",
            "string",
            "Where the figure comes from.",
            required=False,
            nullable=True,
            aliases=("fonte",),
        ),
    ),
    notes=(
        "Leave out ITS Academy diplomas (they are the ITS supply, read from the course "
        "records) and master's degrees (ISCED 7). A table by detailed field must be summed "
        "to narrow fields first: two detailed fields of one narrow field (`0612`, `0613`) in "
        "the same area, year and level are a duplicated key. Give a region or its provinces, "
        "not both: the ITS gap sums provinces to their region."
    ),
)


read_competing_graduates = user_file_reader(
    COMPETING_GRADUATES,
    name="read_competing_graduates",
    module=__name__,
    doc="""Read competing graduates (CSV or XLSX) checked against :data:`COMPETING_GRADUATES`.

    Returns one row per area, year, ISCED-F 2013 narrow field and ISCED level, with
    ``iscedf13`` as three digits and ``_line`` (file line or sheet row).
    """,
)
