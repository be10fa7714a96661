"""ITS supply-demand gap and regional profile: hand computations, invariants, real data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skills
from skills import classifications as cls
from skills.indicators.gap import crosswalked_demand, its_gap, its_gap_drivers, its_supply
from skills.indicators.profile import Headline, profile_statements, regional_profile

CW = pl.DataFrame(
    {
        "crosswalk_version": "test-v1",
        "variant": ["central"] * 4 + ["narrow"] * 2,
        "its_area": [
            "mechatronics",
            "mechatronics",
            "ict_data",
            "ict_data",
            "mechatronics",
            "ict_data",
        ],
        "isco08": ["311", "721", "311", "351", "311", "351"],
        "weight": [0.6, 0.4, 0.5, 0.5, 1.0, 1.0],
    }
)


def courses(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """(area, province, end_year, graduates)"""
    return pl.DataFrame(
        {
            "its_area": [r[0] for r in rows],
            "geo_nuts3": [r[1] for r in rows],
            "end_year": [r[2] for r in rows],
            "graduates_n": [r[3] for r in rows],
        },
        schema={
            "its_area": pl.String,
            "geo_nuts3": pl.String,
            "end_year": pl.Int64,
            "graduates_n": pl.Int64,
        },
    )


def plans(rows: list[tuple[str, str, str, str, int]]) -> pl.DataFrame:
    """(province, period, isco08, education_level, hires)"""
    return pl.DataFrame(
        {
            "geo_nuts3": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "isco08": [r[2] for r in rows],
            "education_level": [r[3] for r in rows],
            "planned_hires_n": [r[4] for r in rows],
        },
    )


def test_supply_is_a_trailing_three_year_mean_with_zero_years() -> None:
    c = courses(
        [
            ("mechatronics", "ITC11", 2020, 30),
            ("mechatronics", "ITC11", 2022, 60),
            ("ict_data", "ITC11", 2021, 9),
        ]
    )
    s = its_supply(c).collect().sort("its_area", "year")
    assert s.filter(pl.col("its_area") == "mechatronics")["supply_n"].to_list() == [
        30.0
    ]  # (30+0+60)/3 in 2022
    assert s.filter(pl.col("its_area") == "ict_data")["supply_n"].to_list() == [3.0]


def test_gap_by_hand_with_occupation_share_allocation() -> None:
    c = courses([("mechatronics", "ITC11", y, 30) for y in (2020, 2021, 2022)])
    p = plans(
        [
            ("ITC11", "2022", "311", "its_academy", 100),
            ("ITC11", "2022", "721", "its_academy", 50),
            ("ITC11", "2022", "351", "its_academy", 40),
            ("ITC11", "2022", "311", "university", 999),
        ]
    )
    gap = its_gap(c, p, CW).filter(pl.col("variant") == "central")
    mech = gap.filter(pl.col("its_area") == "mechatronics").row(0, named=True)
    # 311 is shared 0.6 : 0.5 between mechatronics and ict_data; 721 is mechatronics only.
    assert mech["demand_n"] == pytest.approx(100 * 0.6 / 1.1 + 50)
    assert mech["supply_n"] == 30.0
    assert mech["gap_n"] == pytest.approx(mech["demand_n"] - 30)
    ict = gap.filter(pl.col("its_area") == "ict_data").row(0, named=True)
    assert ict["demand_n"] == pytest.approx(100 * 0.5 / 1.1 + 40) and ict["supply_n"] == 0.0
    assert {r["crosswalk_version"] for r in gap.iter_rows(named=True)} == {"test-v1"}
    # the band spans the variants
    narrow = its_gap(c, p, CW).filter(
        pl.col("variant") == "narrow", pl.col("its_area") == "mechatronics"
    )
    lo, hi = sorted([mech["gap_n"], narrow["gap_n"][0]])
    assert (mech["gap_low_n"], mech["gap_high_n"]) == pytest.approx((lo, hi))


def test_area_weight_allocation_is_the_literal_formula() -> None:
    p = plans(
        [("ITC11", "2022", "311", "its_academy", 100), ("ITC11", "2022", "721", "its_academy", 50)]
    )
    d = crosswalked_demand(p, CW, allocation="area_weight").collect()
    mech = d.filter(pl.col("variant") == "central", pl.col("its_area") == "mechatronics")
    assert mech["allocated_n"].sum() == pytest.approx(0.6 * 100 + 0.4 * 50)


def test_two_digit_demand_uses_the_rolled_up_crosswalk() -> None:
    p = plans(
        [("ITC11", "2022", "31", "its_academy", 100), ("ITC11", "2022", "72", "its_academy", 10)]
    )
    d = crosswalked_demand(p, CW).collect().filter(pl.col("variant") == "central")
    assert d.filter(pl.col("its_area") == "mechatronics")["allocated_n"].sum() == pytest.approx(
        100 * 0.6 / 1.1 + 10
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["31", "35", "72", "311", "351", "721", "251", "13"]),
            st.integers(0, 500),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_crosswalked_demand_totals_equal_input_totals(rows: list[tuple[str, int]]) -> None:
    cw = cls.its_isco08_crosswalk(variant="central")
    p = plans([("ITC11", "2023", code, "its_academy", n) for code, n in rows]).unique(
        ["geo_nuts3", "period", "isco08"], keep="first"
    )
    d = crosswalked_demand(p, cw).collect()
    covered = set(cw["isco08"]) | set(cw["isco08"].str.slice(0, 2))
    expected = p.filter(pl.col("isco08").is_in(sorted(covered)))["planned_hires_n"].sum()
    assert d["allocated_n"].sum() == pytest.approx(float(expected), abs=1e-6)


def test_drivers_rank_occupations_and_shares_sum_to_100() -> None:
    p = plans(
        [("ITC11", "2022", "311", "its_academy", 100), ("ITC11", "2022", "721", "its_academy", 50)]
    )
    drv = its_gap_drivers(p, CW, top=None).filter(pl.col("its_area") == "mechatronics")
    assert drv["isco08"].to_list() == ["311", "721"] and drv["rank"].to_list() == [1, 2]
    assert drv["share_pct"].sum() == pytest.approx(100)


def test_demo_gap_every_row_has_a_crosswalk_version(tmp_path: Path) -> None:
    spec = skills.write_demo(tmp_path)
    c = skills.read_its_courses(spec.parent / "data" / "its_courses.xlsx", sheet="courses")
    h = skills.read_hiring_plans(spec.parent / "data" / "hiring_plans.csv")
    gap = its_gap(c, h, cls.its_isco08_crosswalk())
    assert gap["crosswalk_version"].null_count() == 0 and set(gap["variant"]) == {
        "central",
        "narrow",
        "broad",
    }
    assert (gap["gap_low_n"] <= gap["gap_n"]).all() and (gap["gap_n"] <= gap["gap_high_n"]).all()


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
