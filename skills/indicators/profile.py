"""The regional profile: the statements an OECD regional review makes, computed.

For each headline indicator: the region's level in the latest period, its change since a
base period, its percentile rank among all regions at the same NUTS level present in the
data for that period (each rank states that set and that period), and the comparison with
named benchmark regions. :func:`profile_statements` turns the table into sentences with
source, period and flags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = ["HEADLINES", "Headline", "profile_statements", "regional_profile"]


@dataclass(frozen=True)
class Headline:
    """A headline indicator: which rows, and whether higher is better.

    ``higher_is_better=None`` for measures with no good direction (a skill group's share):
    regions are then ranked from the highest value down and the statement says "highest",
    not "best".

    A filter value may be a tuple of alternatives in order of preference (the age band
    ``("Y15-74", "Y_GE15")``): the first one the region has is used, for the region and
    its peers alike.
    """

    indicator: str
    label: str
    filters: Mapping[str, str | tuple[str, ...] | None]
    higher_is_better: bool | None


HEADLINES: tuple[Headline, ...] = (
    Headline(
        "unemployment_rate",
        "Unemployment rate",
        {"sex": "T", "age": ("Y15-74", "Y_GE15", "Y15-64")},
        False,
    ),
    Headline("unemployment_rate", "Youth unemployment rate", {"sex": "T", "age": "Y15-24"}, False),
    Headline(
        "labour_force_tertiary_share_pct",
        "Tertiary-educated share of the labour force",
        {"sex": "T", "age": ("Y25-64", "Y_GE25", "Y25-74")},
        True,
    ),
    Headline(
        "employment_share_pct",
        "Employment share of middle-skill occupations",
        {"skill_group": "middle"},
        None,
    ),
    Headline(
        "employment_share_pct",
        "Employment share of high-skill occupations",
        {"skill_group": "high"},
        None,
    ),
)


def _select(indicators: pl.DataFrame, head: Headline, region: str) -> pl.DataFrame:
    rows = indicators.filter(pl.col("indicator") == head.indicator)
    for col, value in head.filters.items():
        if value is None:
            rows = rows.filter(pl.col(col).is_null())
            continue
        options = (value,) if isinstance(value, str) else value
        have = set(
            rows.filter(pl.col("geo") == region, pl.col("value").is_not_null())[col].to_list()
        )
        chosen = next((v for v in options if v in have), options[0])
        rows = rows.filter(pl.col(col) == chosen)
    dims = [
        c
        for c in ("isced11", "isco08", "nace_r2", "its_area", "education_level", "variant")
        if c in rows.columns
    ]
    rows = rows.filter(pl.all_horizontal(pl.col(c).is_null() for c in dims)) if dims else rows
    # published values first: derived values only where nothing is published
    return rows.sort("note", nulls_last=False).unique(["geo", "period"], keep="first")


def _label(label: str, age: str | None) -> str:
    """``Unemployment rate`` + ``Y_GE15`` -> ``Unemployment rate (15+)``."""
    if not age:
        return label
    text = age.removeprefix("Y").replace("_GE", "").replace("GE", "")
    text = f"{text}+" if age.startswith(("Y_GE", "YGE")) else text
    return f"{label} ({text})"


def regional_profile(
    indicators: pl.DataFrame,
    *,
    region: str,
    benchmarks: Sequence[str] = (),
    headlines: Sequence[Headline] = HEADLINES,
    base_period: str | None = None,
) -> pl.DataFrame:
    r"""One row per headline indicator: the region's level, change, rank and benchmarks.

    * ``value`` and ``period``: the latest period with a value for the region;
    * ``change`` = value - value in ``base_period`` (default: the region's first period),
      with ``crosses_break`` when a ``b`` flag lies after the base up to the latest period;
    * ``rank`` among the ``regions_n`` regions at the region's NUTS level with a value in
      that period (1 = best, by ``higher_is_better``; 1 = highest when it is None), and
      ``percentile`` =
      :math:`100 \cdot (n - rank) / (n - 1)` (100 = best, 0 = worst); ``ranked_among``
      says which set and which period;
    * ``benchmarks``: a list of structs (geo, value, difference = region - benchmark) in
      the same period.
    """
    level = len(region) - 2
    out: list[dict[str, object]] = []
    for head in headlines:
        rows = _select(indicators, head, region)
        own = rows.filter(pl.col("geo") == region, pl.col("value").is_not_null()).sort("period")
        if own.height == 0:
            continue
        last = own.row(-1, named=True)
        period = last["period"]
        # the change compares like with like: the same source (published, or derived)
        own = own.filter(pl.col("source") == last["source"])
        base = own.filter(pl.col("period") == base_period) if base_period else own.head(1)
        base_row = base.row(0, named=True) if base.height else None
        crosses = False
        if base_row is not None:
            crosses = (
                own.filter((pl.col("period") > base_row["period"]) & (pl.col("period") <= period))[
                    "flag"
                ]
                .fill_null("")
                .str.contains("b")
                .any()
            )
        peers = rows.filter(
            pl.col("period") == period,
            pl.col("value").is_not_null(),
            pl.col("geo").str.len_chars() == len(region),
            ~pl.col("geo").str.starts_with("EU") & ~pl.col("geo").str.starts_with("EA"),
        )
        n = peers.height
        better = (
            (pl.col("value") > last["value"])
            if head.higher_is_better is not False
            else (pl.col("value") < last["value"])
        )
        rank = peers.filter(better).height + 1
        bench = rows.filter(pl.col("period") == period, pl.col("geo").is_in(list(benchmarks)))
        out.append(
            {
                "indicator": head.indicator,
                "label": _label(head.label, last.get("age")),
                "geo": region,
                "period": period,
                "value": last["value"],
                "unit": last["unit"],
                "flag": last["flag"],
                "source": last["source"],
                "base_period": base_row["period"] if base_row else None,
                "change": (last["value"] - base_row["value"])
                if base_row and base_row["value"] is not None
                else None,
                "crosses_break": bool(crosses),
                "rank": rank,
                "regions_n": n,
                "percentile": (100.0 * (n - rank) / (n - 1)) if n > 1 else None,
                "ranked_among": f"{n} NUTS {level} regions in the data, {period}",
                "higher_is_better": head.higher_is_better,
                "benchmarks": [
                    {"geo": b["geo"], "value": b["value"], "difference": last["value"] - b["value"]}
                    for b in bench.sort("geo").iter_rows(named=True)
                    if b["value"] is not None
                ],
            }
        )
    schema: dict[str, Any] = {
        "indicator": pl.String,
        "label": pl.String,
        "geo": pl.String,
        "period": pl.String,
        "value": pl.Float64,
        "unit": pl.String,
        "flag": pl.String,
        "source": pl.String,
        "base_period": pl.String,
        "change": pl.Float64,
        "crosses_break": pl.Boolean,
        "rank": pl.Int64,
        "regions_n": pl.Int64,
        "percentile": pl.Float64,
        "ranked_among": pl.String,
        "higher_is_better": pl.Boolean,
        "benchmarks": pl.List(
            pl.Struct({"geo": pl.String, "value": pl.Float64, "difference": pl.Float64})
        ),
    }
    return pl.DataFrame(out, schema=schema)


def _rank_sentence(r: Mapping[str, Any]) -> str:
    pct = r["percentile"]
    if r["higher_is_better"] is None:
        band = (
            "among the highest 10%"
            if pct >= 90
            else "among the lowest 10%"
            if pct <= 10
            else "above the median"
            if pct >= 50
            else "below the median"
        )
        return (
            f" It ranks {r['rank']} of {r['regions_n']} from the highest ({band};"
            f" {r['ranked_among']})."
        )
    band = (
        "in the best 10%"
        if pct >= 90
        else "in the bottom 10%"
        if pct <= 10
        else "in the top half"
        if pct >= 50
        else "in the bottom half"
    )
    direction = "higher" if r["higher_is_better"] else "lower"
    return (
        f" It ranks {r['rank']} of {r['regions_n']} ({band}; {r['ranked_among']},"
        f" {direction} is better)."
    )


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit == "%" else f"{value:,.1f} {unit}"


def profile_statements(
    profile: pl.DataFrame, *, names: Mapping[str, str] | None = None
) -> list[str]:
    """Headline sentences, one per profile row, each with its source, period and flags.

    Example: "Unemployment rate (15-74) in Piemonte (ITC1) was 6.6% in 2024, down 3.8
    points since 2015. It ranks 12th of 34 NUTS 2 regions in the data (2024), in the best
    67% ... Source: lfst_r_lfu3rt; flags: p."
    """
    names = names or {}
    lines: list[str] = []
    for r in profile.iter_rows(named=True):
        where = f"{names.get(r['geo'], r['geo'])} ({r['geo']})" if r["geo"] in names else r["geo"]
        text = f"{r['label']} in {where} was {_fmt(r['value'], r['unit'])} in {r['period']}"
        if r["change"] is not None and r["base_period"] != r["period"]:
            unit = "points" if r["unit"] in {"%", "percentage points"} else r["unit"]
            direction = "up" if r["change"] > 0 else "down" if r["change"] < 0 else "unchanged"
            amount = f" {abs(r['change']):.1f} {unit}" if r["change"] != 0 else ""
            text += f", {direction}{amount} since {r['base_period']}"
            if r["crosses_break"]:
                text += " (across a series break: not strictly comparable)"
        text += "."
        if r["regions_n"] and r["regions_n"] > 1:
            text += _rank_sentence(r)
        if r["benchmarks"]:
            comps = ", ".join(f"{b['geo']} {_fmt(b['value'], r['unit'])}" for b in r["benchmarks"])
            text += f" Benchmarks: {comps}."
        text += f" Source: {r['source']}"
        text += f"; flags: {r['flag']}." if r["flag"] else "."
        lines.append(text)
    return lines
