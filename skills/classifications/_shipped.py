"""Reading the shipped code lists: each CSV's declared schema, checked against its header.

The loaders of the sibling modules call :func:`_read_shipped` once per process (behind
``functools.cache``); ``VERSIONS.toml`` lists the versioned crosswalks and field maps.
"""

from __future__ import annotations

import io
import tomllib
from functools import cache
from typing import Any, Final

import polars as pl

from skills._resources import classification_path
from skills.errors import InputError

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
