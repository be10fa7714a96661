"""ISCED 2011 levels, ISCED-F 2013 fields, their map to ITS areas, Excelsior education levels."""

from __future__ import annotations

from functools import cache
from typing import Any, Final

import polars as pl

from skills._resources import classification_path
from skills.classifications._shipped import _read_shipped, _versions_toml
from skills.classifications.crosswalk import WEIGHT_TOLERANCE
from skills.classifications.its import _its_areas
from skills.errors import ConfigError

__all__ = [
    "DEFAULT_FIELD_MAP",
    "education_levels_it",
    "isced11",
    "iscedf13_fields",
    "iscedf13_its_area_map",
]

#: The ISCED-F 2013 field -> ITS area map used when none is named.
DEFAULT_FIELD_MAP: Final = "iscedf13-its-v1"


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
