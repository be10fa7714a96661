"""Code lists of the synthetic scale data and the packed integer keys of the aggregations.

Two kinds of list live here:

* the lists the **generator** draws from (:data:`NUTS2_CODES`, :func:`nuts3_codes`,
  :func:`isco08_units`, ...): the 244 NUTS 2021 level-2 regions of the EU-27, the 107
  Italian provinces (NUTS 3) and the 436 ISCO-08 unit groups - real code lists, checked
  against the reference classifications by the tests. The *records* drawn from them are
  synthetic; none of them is a published statistic.
* the lists the **aggregations** cast to :class:`polars.Enum`, so that a code becomes a
  small integer (its position) that can be packed into one ``UInt64`` group key and
  decoded after the group-by: :data:`ISCO4_ALL` (every 4-digit string ``0000``-``9999``,
  so ``position // 10`` is the 3-digit minor group, ``// 100`` the sub-major group and
  ``// 1000`` the major group), :data:`QUARTERS_ALL` (``1990-Q1``-``2049-Q4``) and the
  short lists of ISCED levels, statuses and education levels.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

__all__ = [
    "CALENDAR_YEARS",
    "CONTRACTS",
    "EDUCATION_LEVELS",
    "ISCED_GROUPS",
    "ISCED_LEVELS",
    "ISCO4_ALL",
    "LFS_MEASURES",
    "LFS_MEASURES_N",
    "NUTS2_CODES",
    "PANEL_COLUMNS",
    "QUARTERS_ALL",
    "QUARTER_FIRST_YEAR",
    "SEXES",
    "STATUSES",
    "UNKNOWN",
    "isco08_units",
    "nuts3_codes",
    "panel_constants",
]

#: NUTS 2021 level-2 regions of the EU-27 (Extra-Regio ``..ZZ`` excluded), as the
#: second and third characters after the country code; Italy's are ``ITC1`` ... ``ITI4``.
#: Checked against the NUTS 2021 reference list by ``tests/test_scale.py``.
_NUTS2_2021: Final[dict[str, str]] = {
    "AT": "11 12 13 21 22 31 32 33 34",
    "BE": "10 21 22 23 24 25 31 32 33 34 35",
    "BG": "31 32 33 34 41 42",
    "CY": "00",
    "CZ": "01 02 03 04 05 06 07 08",
    "DE": "11 12 13 14 21 22 23 24 25 26 27 30 40 50 60 71 72 73 80 91 92 93 94 "
          "A1 A2 A3 A4 A5 B1 B2 B3 C0 D2 D4 D5 E0 F0 G0",
    "DK": "01 02 03 04 05",
    "EE": "00",
    "EL": "30 41 42 43 51 52 53 54 61 62 63 64 65",
    "ES": "11 12 13 21 22 23 24 30 41 42 43 51 52 53 61 62 63 64 70",
    "FI": "19 1B 1C 1D 20",
    "FR": "10 B0 C1 C2 D1 D2 E1 E2 F1 F2 F3 G0 H0 I1 I2 I3 J1 J2 K1 K2 L0 M0 "
          "Y1 Y2 Y3 Y4 Y5",
    "HR": "02 03 05 06",
    "HU": "11 12 21 22 23 31 32 33",
    "IE": "04 05 06",
    "IT": "C1 C2 C3 C4 F1 F2 F3 F4 F5 F6 G1 G2 H1 H2 H3 H4 H5 I1 I2 I3 I4",
    "LT": "01 02",
    "LU": "00",
    "LV": "00",
    "MT": "00",
    "NL": "11 12 13 21 22 23 32 34 35 36 41 42",
    "PL": "21 22 41 42 43 51 52 61 62 63 71 72 81 82 84 91 92",
    "PT": "11 15 19 1A 1B 1C 1D 20 30",
    "RO": "11 12 21 22 31 32 41 42",
    "SE": "11 12 21 22 23 31 32 33",
    "SI": "03 04",
    "SK": "01 02 03 04",
}  # fmt: skip

#: The 244 NUTS 2021 level-2 regions of the EU-27, sorted.
NUTS2_CODES: Final[tuple[str, ...]] = tuple(
    sorted(cc + s for cc, suffixes in _NUTS2_2021.items() for s in suffixes.split())
)

#: ISCED 2011 attainment levels as Eurostat writes them, in level order.
ISCED_LEVELS: Final[tuple[str, ...]] = tuple(f"ED{i}" for i in range(9))
#: The three Eurostat attainment groups, in order: levels 0-2, 3-4 and 5-8.
ISCED_GROUPS: Final[tuple[str, ...]] = ("ED0-2", "ED3_4", "ED5-8")
#: Labour-force status of a person record (ILO definitions).
STATUSES: Final[tuple[str, ...]] = ("employed", "unemployed", "inactive")
SEXES: Final[tuple[str, ...]] = ("F", "M")
#: Education levels of the Excelsior survey (``skills.classifications.education_levels_it``).
EDUCATION_LEVELS: Final[tuple[str, ...]] = (
    "compulsory",
    "its_academy",
    "university",
    "upper_secondary",
    "vocational_qualification",
)
CONTRACTS: Final[tuple[str, ...]] = ("apprenticeship", "fixed_term", "other", "permanent")
#: Written for a dimension value that the record does not state (Eurostat's code).
UNKNOWN: Final = "UNK"
#: The columns of :data:`skills.align.PANEL_SCHEMA`, in order, without importing Polars
#: (the pandas baseline uses them; a test checks that they match).
PANEL_COLUMNS: Final[tuple[str, ...]] = (
    "measure",
    "geo",
    "geo_level",
    "nuts_version",
    "period",
    "value",
    "unit",
    "flag",
    "sex",
    "age",
    "isced11",
    "isco08",
    "nace_r2",
    "its_area",
    "education_level",
    "role",
    "source",
    "vintage",
    "note",
)

#: First and last year of the aggregations' calendar: a posting date outside is refused.
CALENDAR_YEARS: Final = (1900, 2099)
#: The panel measure of each labour-force status counted (inactive persons are not), in
#: thousands of persons and in persons.
LFS_MEASURES: Final[dict[str, str]] = {
    "employed": "employment_ths",
    "unemployed": "unemployed_ths",
}
LFS_MEASURES_N: Final[dict[str, str]] = {"employed": "employment_n", "unemployed": "unemployed_n"}


def panel_constants(
    kind: str,
    source: str | Path,
    *,
    nuts_version: int = 2021,
    source_label: str | None = None,
    thousands: bool = True,
) -> dict[str, object]:
    """The panel columns that are one value for every row of an aggregation of ``kind``
    (``job_ads`` or ``lfs``): measure (job ads), level, unit, role, NUTS version, source
    label (default: the file's name). Every path - Polars query, dense count, portable
    query on another engine - writes the same."""
    common: dict[str, object] = {
        "nuts_version": nuts_version,
        "source": source_label or Path(str(source)).name,
    }
    if kind == "job_ads":
        return {"measure": "job_ads_n", "geo_level": 3, "unit": "ads", "role": "job_ads", **common}
    if kind == "lfs":
        unit = "thousand persons" if thousands else "persons"
        return {"geo_level": 2, "unit": unit, "role": "lfs_microdata", **common}
    raise ValueError(f"unknown kind {kind!r}: use job_ads or lfs")


#: Every 4-digit string: position == int(code), so integer division gives the parents.
ISCO4_ALL: Final[tuple[str, ...]] = tuple(f"{i:04d}" for i in range(10_000))
#: First year of :data:`QUARTERS_ALL`.
QUARTER_FIRST_YEAR: Final = 1990
#: Every quarter ``1990-Q1`` ... ``2049-Q4``: position == (year - 1990) * 4 + quarter - 1.
QUARTERS_ALL: Final[tuple[str, ...]] = tuple(
    f"{y}-Q{q}" for y in range(QUARTER_FIRST_YEAR, 2050) for q in range(1, 5)
)


@cache
def nuts3_codes() -> tuple[str, ...]:
    """The Italian NUTS 3 codes of NUTS 2021 (provinces; Extra-Regio ``ITZZZ`` excluded)."""
    from skills.classifications import nuts_regions

    frame = nuts_regions(2021)
    codes = frame.filter(frame["nuts_level"] == 3)["nuts_code"].to_list()
    return tuple(sorted(c for c in codes if not c.endswith("ZZZ")))


#: ISCO-08 unit groups (4 digits) by minor group: the fourth digits in use. A minor
#: group with a single unit group codes it ``0`` (``0110``); ``9`` is "not elsewhere
#: classified". 436 unit groups; checked against the ISCO-08 reference structure by
#: ``tests/test_scale.py``.
_ISCO08_UNIT_DIGITS: Final[dict[str, str]] = {
    "011": "0", "021": "0", "031": "0", "111": "1234", "112": "0", "121": "1239",
    "122": "123", "131": "12", "132": "1234", "133": "0", "134": "1234569", "141": "12",
    "142": "0", "143": "19", "211": "1234", "212": "0", "213": "123", "214": "1234569",
    "215": "123", "216": "123456", "221": "12", "222": "12", "223": "0", "224": "0",
    "225": "0", "226": "12345679", "231": "0", "232": "0", "233": "0", "234": "12",
    "235": "1234569", "241": "123", "242": "1234", "243": "1234", "251": "12349",
    "252": "1239", "261": "129", "262": "12", "263": "123456", "264": "123",
    "265": "1234569", "311": "123456789", "312": "123", "313": "123459", "314": "123",
    "315": "12345", "321": "1234", "322": "12", "323": "0", "324": "0", "325": "123456789",
    "331": "12345", "332": "1234", "333": "12349", "334": "1234", "335": "123459",
    "341": "123", "342": "123", "343": "12345", "351": "1234", "352": "12", "411": "0",
    "412": "0", "413": "12", "421": "1234", "422": "12345679", "431": "123", "432": "123",
    "441": "1234569", "511": "123", "512": "0", "513": "12", "514": "12", "515": "123",
    "516": "123459", "521": "12", "522": "123", "523": "0", "524": "1234569", "531": "12",
    "532": "129", "541": "12349", "611": "1234", "612": "1239", "613": "0", "621": "0",
    "622": "1234", "631": "0", "632": "0", "633": "0", "634": "0", "711": "123459",
    "712": "1234567", "713": "123", "721": "12345", "722": "1234", "723": "1234",
    "731": "123456789", "732": "123", "741": "123", "742": "12", "751": "123456",
    "752": "123", "753": "123456", "754": "12349", "811": "1234", "812": "12", "813": "12",
    "814": "123", "815": "12345679", "816": "0", "817": "12", "818": "1239", "821": "129",
    "831": "12", "832": "12", "833": "12", "834": "1234", "835": "0", "911": "12",
    "912": "1239", "921": "123456", "931": "123", "932": "19", "933": "1234", "941": "12",
    "951": "0", "952": "0", "961": "123", "962": "12349",
}  # fmt: skip


def isco08_units() -> tuple[str, ...]:
    """The 436 ISCO-08 unit groups (4-digit codes, ``0110`` ... ``9629``), sorted."""
    return tuple(m + d for m, digits in sorted(_ISCO08_UNIT_DIGITS.items()) for d in digits)
