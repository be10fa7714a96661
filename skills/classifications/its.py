"""ITS Academy technology areas (2008 and 2023 schemes) and the mapping between them."""

from __future__ import annotations

from functools import cache
from typing import Final

import polars as pl

from skills.classifications._shipped import _read_shipped
from skills.errors import ConfigError

__all__ = ["ITS_SCHEMES", "its_area_map", "its_areas", "map_its_area_2008_to_2023"]

#: ITS technology-area schemes: DPCM 25/01/2008 and DM 203/2023 (Law 99/2022).
ITS_SCHEMES: Final[tuple[str, ...]] = ("2008", "2023")


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
