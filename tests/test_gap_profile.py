"""Regional profile: hand computations and real data (the ITS gap is in test_its_gap.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import skills
from skills.indicators.profile import Headline, profile_statements, regional_profile


# ------------------------------------------------------------------ profile
def toy_indicators() -> pl.DataFrame:
    rows = []
    for geo, v15, v20 in (
        ("ITC1", 10.0, 7.0),
        ("ITC4", 8.0, 5.0),
        ("ITF3", 20.0, 18.0),
        ("DE11", 4.0, 3.0),
    ):
        for period, v in (("2015", v15), ("2020", v20)):
            rows.append(
                {
                    "indicator": "unemployment_rate",
                    "geo": geo,
                    "period": period,
                    "value": v,
                    "unit": "%",
                    "flag": "b" if period == "2020" and geo == "ITC1" else None,
                    "source": "t",
                    "sex": "T",
                    "age": "Y15-74",
                    "note": None,
                }
            )
    return pl.DataFrame(rows)


def test_profile_rank_percentile_and_benchmarks() -> None:
    head = Headline("unemployment_rate", "Unemployment rate", {"sex": "T", "age": "Y15-74"}, False)
    prof = regional_profile(toy_indicators(), region="ITC1", benchmarks=["DE11"], headlines=[head])
    row = prof.row(0, named=True)
    # 2020 values: DE11 3, ITC4 5, ITC1 7, ITF3 18 -> ITC1 is 3rd of 4 (lower is better)
    assert (row["period"], row["value"], row["rank"], row["regions_n"]) == ("2020", 7.0, 3, 4)
    assert row["percentile"] == pytest.approx(100 * (4 - 3) / 3)
    assert row["change"] == pytest.approx(-3.0) and row["crosses_break"]
    assert row["ranked_among"] == "4 NUTS 2 regions in the data, 2020"
    assert row["benchmarks"] == [{"geo": "DE11", "value": 3.0, "difference": 4.0}]
    text = profile_statements(prof, names={"ITC1": "Piemonte"})[0]
    assert "Piemonte (ITC1) was 7.0% in 2020, down 3.0 points since 2015" in text
    assert "across a series break" in text and "flags: b" in text and "Source: t" in text


@pytest.mark.realdata
def test_piedmont_rank_among_all_eu_regions(eurostat_dir: Path) -> None:
    lf = skills.read_eurostat(
        eurostat_dir / "tgs00010_snap2019_all_nuts2.tsv", filters={"sex": "T"}
    )
    ind = lf.with_columns(
        pl.lit("unemployment_rate").alias("indicator"),
        pl.lit("%").alias("unit"),
        pl.lit("tgs00010").alias("source"),
        pl.lit(None, pl.String).alias("note"),
    ).collect()
    head = Headline("unemployment_rate", "Unemployment rate", {"sex": "T", "age": "Y_GE15"}, False)
    row = regional_profile(ind, region="ITC1", headlines=[head]).row(0, named=True)
    peers = ind.filter(
        pl.col("period") == "2017",
        pl.col("value").is_not_null(),
        pl.col("geo").str.len_chars() == 4,
    )
    itc1 = peers.filter(pl.col("geo") == "ITC1")["value"][0]
    assert row["period"] == "2017" and row["value"] == itc1
    assert row["regions_n"] == peers.height
    assert row["rank"] == peers.filter(pl.col("value") < itc1).height + 1


@pytest.mark.parametrize(
    ("pct", "neutral", "ranked"),
    [
        (100.0, "among the highest 10%", "in the best 10%"),
        (90.0, "among the highest 10%", "in the best 10%"),
        (89.9, "above the median", "in the top half"),
        (50.0, "above the median", "in the top half"),
        (49.9, "below the median", "in the bottom half"),
        (10.1, "below the median", "in the bottom half"),
        (10.0, "among the lowest 10%", "in the bottom 10%"),
        (0.0, "among the lowest 10%", "in the bottom 10%"),
    ],
)
def test_percentile_bands_share_one_rule(pct: float, neutral: str, ranked: str) -> None:
    """Both wordings (no better direction; higher or lower is better) cut at 90, 10, 50."""
    from skills.indicators.profile import _NEUTRAL_BANDS, _RANKED_BANDS, _band
    from skills.report.i18n import Messages

    t = Messages("en")
    assert (_band(pct, _NEUTRAL_BANDS, t), _band(pct, _RANKED_BANDS, t)) == (neutral, ranked)
