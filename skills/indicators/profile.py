"""The regional profile: the statements an OECD regional review makes, computed.

For each headline indicator: the region's level in the latest period, its change since a
base period, its percentile rank among all regions at the same NUTS level present in the
data for that period (each rank states that set and that period), and the comparison with
named benchmark regions. :func:`profile_statements` turns the table into sentences with
source, period and flags, in the language of the :class:`~skills.report.i18n.Messages`
it is given (English by default; the words are in ``messages/<lang>/profile.toml``).
The table itself keeps English labels: it is data, and the sentences look the label up
again (:func:`headline_label`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from skills.indicators.labour import TOTAL_AGES
from skills.periods import frequency_of, period_sort_key

if TYPE_CHECKING:
    from skills.report.i18n import Messages

__all__ = [
    "HEADLINES",
    "Headline",
    "headline_label",
    "profile_statement_parts",
    "profile_statements",
    "regional_profile",
]


@dataclass(frozen=True)
class Headline:
    """A headline indicator: which rows, and whether higher is better.

    ``higher_is_better=None`` for measures with no good direction (a skill group's share):
    regions are then ranked from the highest value down and the statement says "highest",
    not "best".

    A filter value may be a tuple of alternatives in order of preference (the age band
    ``("Y15-74", "Y_GE15")``): the first one the region has is used, for the region and
    its peers alike.

    ``label`` is the English label written into the profile table; ``key`` names the
    message with the label in the reader's language (``profile.headline.<...>``); a
    headline without a key is shown with its ``label`` in every language.
    """

    indicator: str
    label: str
    filters: Mapping[str, str | tuple[str, ...] | None]
    higher_is_better: bool | None
    key: str | None = None


HEADLINES: tuple[Headline, ...] = (
    Headline(
        "unemployment_rate",
        "Unemployment rate",
        {"sex": "T", "age": TOTAL_AGES},
        False,
        key="profile.headline.unemployment_rate",
    ),
    Headline(
        "unemployment_rate",
        "Youth unemployment rate",
        {"sex": "T", "age": "Y15-24"},
        False,
        key="profile.headline.youth_unemployment_rate",
    ),
    Headline(
        "labour_force_tertiary_share_pct",
        "Tertiary-educated share of the labour force",
        {"sex": "T", "age": ("Y25-64", "Y_GE25", "Y25-74")},
        True,
        key="profile.headline.tertiary_share",
    ),
    Headline(
        "employment_share_pct",
        "Employment share of middle-skill occupations",
        {"skill_group": "middle"},
        None,
        key="profile.headline.middle_skill_share",
    ),
    Headline(
        "employment_share_pct",
        "Employment share of high-skill occupations",
        {"skill_group": "high"},
        None,
        key="profile.headline.high_skill_share",
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


def _one_frequency(rows: pl.DataFrame, base_period: str | None) -> pl.DataFrame:
    """Rows of one frequency: the base period's, else the coarsest present (annual first).

    A headline never compares a quarter with a year: ``2025-Q2`` is not "later" than the
    annual ``2024`` of the same indicator (periods are typed, :mod:`skills.periods`).
    """
    kinds = {p: frequency_of(p) for p in rows["period"].unique().to_list() if p is not None}
    present = set(kinds.values())
    if len(present) <= 1:
        return rows
    wanted = frequency_of(base_period) if base_period else None
    if wanted not in present:
        wanted = next(f for f in ("A", "S", "Q", "M", "W", "D", None) if f in present)
    return rows.filter(pl.col("period").is_in([p for p, f in kinds.items() if f == wanted]))


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
        rows = _one_frequency(rows, base_period)
        rows = rows.with_columns(period_sort_key(rows["period"]).alias("_when"))
        own = rows.filter(pl.col("geo") == region, pl.col("value").is_not_null()).sort(
            "_when", nulls_last=False
        )
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
                own.filter(
                    (pl.col("_when") > base_row["_when"]) & (pl.col("_when") <= last["_when"])
                )["flag"]
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


def _messages(t: Messages | None) -> Messages:
    from skills.report.i18n import Messages

    return t if t is not None else Messages("en")


def headline_label(
    label: str,
    indicator: str,
    t: Messages | None = None,
    headlines: Sequence[Headline] = HEADLINES,
) -> str:
    """A profile row's label in ``t``'s language: ``Unemployment rate (15-74)`` ->
    ``Tasso di disoccupazione (15-74)``. A label no headline with a key matches is
    returned as it is."""
    t = _messages(t)
    for head in headlines:
        if head.key is None or head.indicator != indicator:
            continue
        if label == head.label or label.startswith(head.label + " ("):
            return t(head.key) + label[len(head.label) :]
    return label


#: Message keys of the percentile bands (top 10, bottom 10, upper half, lower half) for an
#: indicator with no better direction, and for one where higher or lower is better.
_NEUTRAL_BANDS: Final = (
    "profile.band.highest_10",
    "profile.band.lowest_10",
    "profile.band.above_median",
    "profile.band.below_median",
)
_RANKED_BANDS: Final = (
    "profile.band.best_10",
    "profile.band.bottom_10",
    "profile.band.top_half",
    "profile.band.bottom_half",
)


def _band(pct: float, keys: tuple[str, str, str, str], t: Messages) -> str:
    """The percentile's band, from the message ``keys`` of top 10, bottom 10, upper half and
    lower half (in that order)."""
    top, bottom, upper, lower = keys
    return t(top if pct >= 90 else bottom if pct <= 10 else upper if pct >= 50 else lower)


def _rank_sentence(r: Mapping[str, Any], t: Messages) -> str:
    pct = r["percentile"]
    among = t(
        "profile.ranked_among",
        n=r["regions_n"],
        level=max(len(str(r["geo"])) - 2, 0),
        period=r["period"],
    )
    if r["higher_is_better"] is None:
        band = _band(pct, _NEUTRAL_BANDS, t)
        return t(
            "profile.rank_from_highest", rank=r["rank"], n=r["regions_n"], band=band, among=among
        )
    band = _band(pct, _RANKED_BANDS, t)
    better = t("profile.higher_better") if r["higher_is_better"] else t("profile.lower_better")
    return t(
        "profile.rank", rank=r["rank"], n=r["regions_n"], band=band, among=among, better=better
    )


def _fmt(value: float, unit: str, t: Messages) -> str:
    return t.percent(value, 1) if unit == "%" else f"{t.number(value, 1)} {unit}"


def profile_statement_parts(
    profile: pl.DataFrame, *, names: Mapping[str, str] | None = None, t: Messages | None = None
) -> list[tuple[str, str]]:
    """One (statement, source) pair per profile row, in ``t``'s language (English by
    default): the level, change, rank and benchmarks; then the source and flags."""
    t = _messages(t)
    names = names or {}
    parts: list[tuple[str, str]] = []
    for r in profile.iter_rows(named=True):
        where = f"{names.get(r['geo'], r['geo'])} ({r['geo']})" if r["geo"] in names else r["geo"]
        label = headline_label(r["label"], r["indicator"], t)
        text = t(
            "profile.level",
            label=label,
            where=where,
            value=_fmt(r["value"], r["unit"], t),
            period=r["period"],
        )
        if r["change"] is not None and r["base_period"] != r["period"]:
            unit = t("profile.points") if r["unit"] in {"%", "percentage points"} else r["unit"]
            amount = t.number(abs(r["change"]), 1)
            base = r["base_period"]
            if r["change"] > 0:
                text += t("profile.change_up", amount=amount, unit=unit, base=base)
            elif r["change"] < 0:
                text += t("profile.change_down", amount=amount, unit=unit, base=base)
            else:
                text += t("profile.change_none", base=base)
            if r["crosses_break"]:
                text += t("profile.across_break")
        text += "."
        if r["regions_n"] and r["regions_n"] > 1:
            text += " " + _rank_sentence(r, t)
        if r["benchmarks"]:
            values = t("profile.list_separator").join(
                f"{b['geo']} {_fmt(b['value'], r['unit'], t)}" for b in r["benchmarks"]
            )
            text += " " + t("profile.benchmarks", values=values)
        source = (
            t("profile.source_flags", source=r["source"], flags=r["flag"])
            if r["flag"]
            else t("profile.source", source=r["source"])
        )
        parts.append((text, source))
    return parts


def profile_statements(
    profile: pl.DataFrame, *, names: Mapping[str, str] | None = None, t: Messages | None = None
) -> list[str]:
    """Headline sentences, one per profile row, each with its source, period and flags.

    In ``t``'s language (a :class:`skills.report.i18n.Messages`; English by default).
    Example: "Unemployment rate (15-74) in Piemonte (ITC1) was 6.6% in 2024, down 3.8
    points since 2015. It ranks 12 of 34 (in the top half; 34 NUTS 2 regions in the
    data, 2024, lower is better) ... Source: lfst_r_lfu3rt; flags: p."; in Italian
    "Tasso di disoccupazione (15-74) in Piemonte (ITC1): 6,6 % nel 2024, in calo di
    3,8 punti percentuali rispetto al 2015. ..."
    """
    return [
        f"{text} {source}" for text, source in profile_statement_parts(profile, names=names, t=t)
    ]
