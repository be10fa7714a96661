"""Completeness of a user file: the expected province x period grid, cell by cell.

A hiring-plans (or hires) file is a grid of provinces and periods. A file cut short, or a
province-year deleted by mistake, sums to a smaller demand without any row being wrong;
the value suites cannot see it. This check builds the grid the file itself and the spec
imply and names every empty cell.

The rule (documented in docs/quality.md, "Completeness")
--------------------------------------------------------
* The periods expected are every period from the file's first to its last (typed, one
  frequency: :mod:`skills.periods`); the provinces expected are those of the spec's
  region (``[pipeline] provinces``, else every NUTS 3 province of the region in the
  spec's NUTS version) plus any other province the file has.
* **Error** - a province the file has in some periods has no row at all in another
  period of the span (``no rows for ITC13 in 2023 (every other province has
  2018-2025)``); or a period of the span has no row for any province.
* **Warning** - a province of the region is absent from the whole file (the file may
  cover part of the region on purpose; the report says which).

Cells of a Eurostat table that are suppressed (``:``) are rows with a null value and a
flag, not missing cells: this check is for user files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from skills.periods import Period, parse_period

__all__ = ["Gap", "find_gaps", "region_provinces"]


@dataclass(frozen=True)
class Gap:
    """One empty cell (or whole province) of the expected grid.

    Attributes
    ----------
    severity
        ``"error"`` (stops the run) or ``"warning"`` (reported).
    geo, period
        The province and the period (``None`` for a province absent from every period,
        or a period absent for every province).
    message
        The gap in words, without the file name.
    """

    severity: Literal["error", "warning"]
    geo: str | None
    period: str | None
    message: str


def region_provinces(region: str, nuts_version: int, provinces: Sequence[str] = ()) -> list[str]:
    """The provinces (NUTS 3) expected in a user file: the spec's, else the region's."""
    if provinces:
        return sorted(provinces)
    from skills import classifications as cls

    nuts = cls.nuts_regions(nuts_version)
    return sorted(
        nuts.filter((pl.col("nuts_level") == 3) & pl.col("nuts_code").str.starts_with(region))[
            "nuts_code"
        ].to_list()
    )


def _span(periods: list[Period]) -> list[Period]:
    """Every period from the first to the last (one frequency; annual to monthly)."""
    if not periods or any(p.freq not in ("A", "S", "Q", "M") for p in periods):
        return sorted(periods, key=lambda p: p.ordinal)
    freq = periods[0].freq
    per_year = {"A": 1, "S": 2, "Q": 4, "M": 12}[freq]
    lo = min(p.ordinal for p in periods)
    hi = max(p.ordinal for p in periods)
    out = []
    for ordinal in range(lo, hi + 1):
        year, sub = divmod(ordinal, per_year)
        label = (
            str(year)
            if freq == "A"
            else (f"{year}-{sub + 1:02d}" if freq == "M" else f"{year}-{freq}{sub + 1}")
        )
        out.append(parse_period(label))
    return out


def _range_text(periods: Sequence[Period]) -> str:
    if not periods:
        return "no period"
    if len(periods) == 1:
        return periods[0].label
    return f"{periods[0].label}-{periods[-1].label}"


def find_gaps(
    frame: pl.DataFrame,
    *,
    geo: str,
    period: str = "period",
    expected_geos: Sequence[str] = (),
    what: str = "province",
) -> list[Gap]:
    """The empty cells of the ``geo`` x ``period`` grid of ``frame`` (see the module rule).

    Parameters
    ----------
    frame
        The table as read (one frequency of ``period``; labels the package's).
    geo, period
        The geo and period columns.
    expected_geos
        Codes that should be there (the region's provinces); absent ones are warnings.
    what
        The word for a geo in messages (``province``).

    Returns
    -------
    list of Gap
        Errors first, then warnings; empty when the grid is full.
    """
    cells = frame.select(pl.col(geo).cast(pl.String), pl.col(period).cast(pl.String)).unique()
    labels = [p for p in cells[period].unique().to_list() if p is not None]
    try:
        parsed = {label: parse_period(label) for label in labels}
    except ValueError:
        return []
    span = _span(list(parsed.values()))
    have: dict[str, set[str]] = {}
    for g, p in cells.iter_rows():
        if g is not None and p is not None:
            have.setdefault(g, set()).add(parsed[p].label)
    errors: list[Gap] = []
    all_labels = [p.label for p in span]
    for label in all_labels:
        if not any(label in got for got in have.values()):
            errors.append(
                Gap(
                    "error",
                    None,
                    label,
                    f"no rows for any {what} in {label} (the file has {_range_text(span)})",
                )
            )
    empty_periods = {g.period for g in errors}
    for g in sorted(have):
        missing = [lab for lab in all_labels if lab not in have[g] and lab not in empty_periods]
        if not missing:
            continue
        others = [o for o in have if o != g]
        full = [o for o in others if have[o] >= set(all_labels) - empty_periods]
        if others and len(full) == len(others):
            context = f"every other {what} has {_range_text(span)}"
        else:
            context = f"{g} has {len(have[g])} of the {len(all_labels)} periods {_range_text(span)}"
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        errors.append(Gap("error", g, missing[0], f"no rows for {g} in {shown} ({context})"))
    warnings = [
        Gap(
            "warning",
            g,
            None,
            f"no rows at all for {what} {g} of the region (the file has "
            f"{', '.join(sorted(have)[:8])}{' ...' if len(have) > 8 else ''})",
        )
        for g in sorted(expected_geos)
        if g not in have
    ]
    return [*errors, *warnings]
