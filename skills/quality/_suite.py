"""Expectation suites as files: loading, checking our meta, and the run-time parameters.

A suite is a great-expectations suite in GX's own JSON shape (``name``, ``expectations``:
``[{type, kwargs, meta}]``, ``meta``) so that ``gx.ExpectationSuite(**json.load(f))``
loads it; skills adds

* per expectation, ``meta.severity`` (``error`` | ``warning``), optionally
  ``meta.reason`` and ``meta.check_table`` (default ``rows``);
* per suite, ``meta.skills``: the table kind, the Eurostat role, and the parameters of
  the check tables (``steps``, ``gaps``, ``periods``, ``shares``, ``levels``, ``totals``,
  ``rows``).

Code lists are GX suite parameters, ``{"$PARAMETER": "codes_isco08"}``, filled at run
time from :mod:`skills.classifications` by :func:`suite_parameters`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skills._resources import bundled_dir
from skills.errors import ConfigError
from skills.quality._report import Severity

__all__ = [
    "CHECK_TABLES",
    "STRUCTURAL_TYPES",
    "Expectation",
    "Suite",
    "available_suites",
    "load_suite",
    "suite_for_role",
    "suite_parameters",
]

#: Expectation types run by Polars before any value suite (columns, dtypes, keys, rows).
STRUCTURAL_TYPES = frozenset(
    {
        "expect_column_to_exist",
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
        "expect_compound_columns_to_be_unique",
        "expect_table_row_count_to_be_between",
    }
)
#: The tables an expectation may run on (``meta.check_table``).
CHECK_TABLES = ("rows", "steps", "jumps", "gaps", "periods", "shares", "levels", "totals")
_KINDS = (
    "eurostat",
    "its_courses",
    "hiring_plans",
    "hires",
    "competing_graduates",
    "wages",
    "panel",
    "indicators",
    "models",
    "tables",
    "records",
)


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite, as written in its file."""

    type: str
    kwargs: Mapping[str, Any]
    meta: Mapping[str, Any]

    @property
    def severity(self) -> Severity:
        """``"error"`` or ``"warning"``."""
        sev = self.meta["severity"]
        assert sev in ("error", "warning")
        return sev  # type: ignore[no-any-return]

    @property
    def reason(self) -> str | None:
        """Why the expectation is set as it is (a known source quirk), if said."""
        reason = self.meta.get("reason")
        return str(reason) if reason else None

    @property
    def check_table(self) -> str:
        """The table it runs on: ``rows`` or an aggregated check table."""
        return str(self.meta.get("check_table", "rows"))

    @property
    def structural(self) -> bool:
        """True for the Polars-level checks (columns, dtypes, keys, row count)."""
        return self.type in STRUCTURAL_TYPES

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns named in the kwargs (column, column_A/B, column_list)."""
        k = self.kwargs
        cols: list[str] = []
        if isinstance(k.get("column"), str):
            cols.append(k["column"])
        for name in ("column_A", "column_B"):
            if isinstance(k.get(name), str):
                cols.append(k[name])
        if isinstance(k.get("column_list"), list):
            cols.extend(str(c) for c in k["column_list"])
        return tuple(cols)

    def to_json_dict(self) -> dict[str, Any]:
        """The expectation as written in the suite file."""
        return {"type": self.type, "kwargs": dict(self.kwargs), "meta": dict(self.meta)}


@dataclass(frozen=True)
class Suite:
    """An expectation suite: GX expectations plus skills' meta (kind, check tables).

    Attributes
    ----------
    name
        The suite name, which is its file name without ``.json``.
    kind
        The kind of table: ``eurostat``, ``its_courses``, ``hiring_plans``, ``wages``,
        ``panel``, ``indicators`` or ``models``.
    role
        For a Eurostat suite, the source role (:data:`skills.spec.ROLES`) whose rows it
        validates.
    key
        The key columns shown with each failing example.
    check_tables
        Parameters of the check tables (``steps``, ``gaps``, ``periods``, ``shares``,
        ``levels``, ``totals``, ``rows``), as in the file.
    expectations
        The expectations, in file order.
    path
        The file the suite was read from.
    """

    name: str
    kind: str
    expectations: tuple[Expectation, ...]
    role: str | None = None
    key: tuple[str, ...] = ()
    check_tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None


def suite_for_role(role: str) -> str | None:
    """The suite name of a source role, from the registry (:data:`skills.roles.ROLES`).

    ``eurostat__<role>`` for Eurostat roles, the role's name for the others, ``None`` for
    a role registered without a suite.

    Examples
    --------
    >>> suite_for_role("unemployment_rate")
    'eurostat__unemployment_rate'
    >>> suite_for_role("its_courses")
    'its_courses'
    """
    from skills.roles import ROLES

    if role not in ROLES:
        raise ConfigError(f"unknown source role {role!r}; roles are {', '.join(ROLES)}")
    return ROLES[role].suite


def available_suites() -> list[str]:
    """The names of the shipped suites (files in ``expectations/``)."""
    return sorted(p.stem for p in bundled_dir("expectations").glob("*.json"))


def load_suite(table: str) -> Suite:
    """Load the suite ``expectations/<table>.json`` shipped with the package.

    Parameters
    ----------
    table
        The suite name: a table name (``indicators``, ``panel``, ``models``,
        ``its_courses``, ``hiring_plans``, ``wages_by_occupation``) or a Eurostat role's
        suite (``eurostat__unemployment_rate``, see :func:`suite_for_role`).

    Returns
    -------
    Suite
        The parsed suite, its meta checked.

    Raises
    ------
    skills.errors.ConfigError
        When there is no such suite, or the file is not a valid suite (bad JSON, an
        expectation without a severity, an unknown check table).
    """
    return _load_suite_cached(table)


@cache
def _load_suite_cached(table: str) -> Suite:
    folder = bundled_dir("expectations")
    path = folder / f"{table}.json"
    if not path.is_file():
        known = ", ".join(available_suites())
        raise ConfigError(f"no expectation suite named {table!r}; suites are: {known}", file=path)
    return parse_suite(path.read_text(encoding="utf-8"), path=path)


def parse_suite(text: str, *, path: Path | None = None) -> Suite:
    """Parse and check a suite's JSON text (see the module docstring for the shape)."""
    where = path if path is not None else "<suite>"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc}", file=where) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("expectations"), list):
        raise ConfigError("a suite is an object with a list 'expectations'", file=where)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("the suite has no 'name'", file=where)
    if path is not None and path.stem != name:
        raise ConfigError(f"the suite is named {name!r} but its file is {path.name}", file=where)
    skills_meta = (doc.get("meta") or {}).get("skills")
    if not isinstance(skills_meta, dict):
        raise ConfigError("the suite has no meta.skills object", file=where)
    kind = skills_meta.get("kind")
    if kind not in _KINDS:
        raise ConfigError(f"meta.skills.kind = {kind!r}: use one of {_KINDS}", file=where)
    check_tables = skills_meta.get("check_tables", {})
    if not isinstance(check_tables, dict) or not set(check_tables) <= set(CHECK_TABLES):
        raise ConfigError(f"meta.skills.check_tables: known tables are {CHECK_TABLES}", file=where)
    expectations = []
    for i, raw in enumerate(doc["expectations"]):
        at = f"expectations[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise ConfigError(f"{at} has no 'type'", file=where)
        kwargs = raw.get("kwargs", {})
        meta = raw.get("meta", {})
        if not isinstance(kwargs, dict) or not isinstance(meta, dict):
            raise ConfigError(f"{at}: kwargs and meta must be objects", file=where)
        if meta.get("severity") not in ("error", "warning"):
            raise ConfigError(
                f"{at} ({raw['type']}): meta.severity must be 'error' or 'warning'", file=where
            )
        exp = Expectation(raw["type"], kwargs, meta)
        if exp.check_table not in CHECK_TABLES:
            raise ConfigError(
                f"{at}: meta.check_table {exp.check_table!r} is not one of {CHECK_TABLES}",
                file=where,
            )
        if exp.check_table != "rows" and exp.check_table not in check_tables:
            raise ConfigError(
                f"{at}: check table {exp.check_table!r} has no parameters in "
                "meta.skills.check_tables",
                file=where,
            )
        if exp.structural and exp.check_table != "rows":
            raise ConfigError(f"{at}: structural checks run on 'rows' only", file=where)
        expectations.append(exp)
    return Suite(
        name=name,
        kind=kind,
        expectations=tuple(expectations),
        role=skills_meta.get("role"),
        key=tuple(skills_meta.get("key", ())),
        check_tables=check_tables,
        description=str(skills_meta.get("description", "")),
        path=path,
    )


# ------------------------------------------------------------------ run-time parameters

#: Geo codes that are not Italian: a NUTS or country code (2 letters, up to 3 more
#: characters) or a Eurostat aggregate such as ``EU27_2020``.
GEO_SHAPE = r"(?!IT)[A-Z]{2}[0-9A-Z]{0,3}|(?:EU|EA)[0-9]{2}_[0-9]{4}"


def geo_pattern(italian_codes: list[str]) -> str:
    """A regex matching non-Italian geo codes by shape and Italian ones from a list.

    Examples
    --------
    >>> import re
    >>> rx = geo_pattern(["IT", "ITC1"])
    >>> [bool(re.match(rx, g)) for g in ("ITC1", "ITC9", "DE11", "EU27_2020", "Torino")]
    [True, False, True, True, False]
    """
    codes = "|".join(re.escape(c) for c in sorted(italian_codes, key=lambda c: (-len(c), c)))
    return f"^(?:{GEO_SHAPE}|{codes})$"


def suite_parameters(nuts_version: int = 2021) -> dict[str, Any]:
    """The values of the ``$PARAMETER`` placeholders the suites use.

    Parameters
    ----------
    nuts_version
        The pipeline's NUTS version: ``codes_nuts_it`` lists the Italian codes of that
        version (the aligned panel and the indicators use it).

    Returns
    -------
    dict
        ``geo_pattern_nuts_it`` / ``geo_pattern_nuts_it_any`` (regexes: non-Italian codes
        by shape, Italian codes from the list of ``nuts_version`` / of any version),
        ``codes_nuts_it`` (Italian NUTS 0-3 codes of ``nuts_version``),
        ``codes_nuts_it_any`` (of any shipped version: raw inputs are recoded later),
        ``codes_nuts3_it_any``, ``codes_isco08`` (1-3 digit groups, plain digits),
        ``codes_isco08_l23``, ``codes_isco08_panel`` (plus ``NRP``/``UNK``),
        ``codes_isco08_eurostat`` (``OC`` codes plus ``TOTAL``/``NRP``/``UNK``),
        ``codes_isced11``, ``codes_iscedf13_narrow`` (ISCED-F 2013 narrow fields),
        ``codes_nace_r2``, ``codes_its_area`` (2023 scheme),
        ``codes_its_area_any``, ``codes_education_level`` (and ``codes_education_level_panel``,
        plus ``UNK``: not stated), ``codes_indicator`` (catalogue
        ids), ``codes_role`` and ``nuts_version`` (a one-element list).
    """
    return dict(_parameters(int(nuts_version)))


@cache
def _parameters(nuts_version: int) -> Mapping[str, Any]:
    import polars as pl

    from skills import classifications as cls
    from skills.indicators.catalogue import load_catalogue
    from skills.spec import ROLES

    nuts = cls.nuts_regions()
    isco = cls.isco08_groups()
    isco_codes = isco["isco08"].to_list()
    areas = cls.its_areas()
    it_version = cls.nuts_regions(nuts_version)["nuts_code"].unique().to_list()
    it_any = nuts["nuts_code"].unique().to_list()
    return {
        "geo_pattern_nuts_it": geo_pattern(it_version),
        "geo_pattern_nuts_it_any": geo_pattern(it_any),
        "codes_nuts_it": sorted(cls.nuts_regions(nuts_version)["nuts_code"].unique().to_list()),
        "codes_nuts_it_any": sorted(nuts["nuts_code"].unique().to_list()),
        "codes_nuts3_it_any": sorted(
            nuts.filter(pl.col("nuts_level") == 3)["nuts_code"].unique().to_list()
        ),
        "codes_isco08": isco_codes,
        "codes_isco08_l23": isco.filter(pl.col("level").is_in([2, 3]))["isco08"].to_list(),
        "codes_isco08_panel": [*isco_codes, "NRP", "UNK"],
        "codes_isco08_eurostat": [*(f"OC{c}" for c in isco_codes), "TOTAL", "NRP", "UNK"],
        "codes_isced11": cls.isced11()["isced11"].to_list(),
        "codes_iscedf13_narrow": cls.iscedf13_fields(2)["iscedf13"].to_list(),
        "codes_nace_r2": cls.nace_r2()["nace_r2"].to_list(),
        "codes_its_area": areas.filter(pl.col("scheme") == "2023")["its_area"].to_list(),
        "codes_its_area_any": areas["its_area"].unique().sort().to_list(),
        "codes_education_level": cls.education_levels_it()["education_level"].to_list(),
        "codes_education_level_panel": [
            *cls.education_levels_it()["education_level"].to_list(),
            "UNK",
        ],
        "codes_indicator": [e.id for e in load_catalogue()],
        "codes_role": list(ROLES),
        "nuts_version": [nuts_version],
    }
