"""The ITS gap: both allocation rules against an independent computation, the band,
the sensitivity table, the demand grain, outcome-adjusted supply, and invariants."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills import classifications as cls
from skills.indicators.gap import (
    GapChoices,
    GapSpec,
    crosswalked_demand,
    its_gap,
    its_gap_drivers,
    its_gap_indicators,
    its_gap_sensitivity,
    its_gap_specs,
    its_supply,
)

# A hand-built crosswalk: weights sum to 1 per area and variant.
CW_ROWS = [
    ("central", "mechatronics", "311", 0.50),
    ("central", "mechatronics", "721", 0.35),
    ("central", "mechatronics", "313", 0.15),
    ("central", "ict_data", "311", 0.10),
    ("central", "ict_data", "351", 0.60),
    ("central", "ict_data", "251", 0.30),
    ("narrow", "mechatronics", "311", 0.70),
    ("narrow", "mechatronics", "721", 0.30),
    ("narrow", "ict_data", "351", 0.70),
    ("narrow", "ict_data", "251", 0.30),
]
CW = pl.DataFrame(
    {
        "crosswalk_version": "t-v1",
        "variant": [r[0] for r in CW_ROWS],
        "its_area": [r[1] for r in CW_ROWS],
        "isco08": [r[2] for r in CW_ROWS],
        "weight": [r[3] for r in CW_ROWS],
    }
)
# (province, period, isco08, education level, planned entries, hard-to-fill %)
PLAN_ROWS: list[tuple[str, str, str, str, int, float | None]] = [
    ("ITC11", "2022", "311", "its_academy", 100, 60.0),
    ("ITC11", "2022", "721", "its_academy", 50, 40.0),
    ("ITC11", "2022", "351", "its_academy", 40, None),
    ("ITC11", "2022", "251", "its_academy", 20, 50.0),
    ("ITC11", "2022", "311", "university", 999, 10.0),
    ("ITC11", "2022", "422", "its_academy", 70, 10.0),  # linked to no area
    ("ITC12", "2022", "31", "its_academy", 30, 20.0),  # 2-digit: meets the rolled-up links
    ("ITC12", "2022", "72", "its_academy", 10, None),
    ("ITC11", "2021", "311", "its_academy", 80, 55.0),
    ("ITC12", "2021-Q3", "72", "its_academy", 20, 30.0),  # a quarter counts in its year
]
# (area, province, end year, graduates, coherently employed or None)
COURSE_ROWS: list[tuple[str, str, int, int, int | None]] = [
    ("mechatronics", "ITC11", 2019, 20, 15),
    ("mechatronics", "ITC11", 2020, 24, 18),
    ("mechatronics", "ITC11", 2021, 30, 22),
    ("mechatronics", "ITC11", 2022, 36, None),
    ("ict_data", "ITC12", 2020, 25, 20),
    ("ict_data", "ITC12", 2022, 19, 15),
]


def plans(rows: Sequence[tuple[str, str, str, str, int, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "geo_nuts3": pl.String,
            "period": pl.String,
            "isco08": pl.String,
            "education_level": pl.String,
            "planned_hires_n": pl.Int64,
            "hard_to_fill_pct": pl.Float64,
        },
        orient="row",
    )


def courses(rows: Sequence[tuple[str, str, int, int, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "its_area": pl.String,
            "geo_nuts3": pl.String,
            "end_year": pl.Int64,
            "graduates_n": pl.Int64,
            "employed_coherent_12m_n": pl.Int64,
        },
        orient="row",
    )


# ------------------------------------------------------------ independent computation
def ref_demand(
    plan_rows: Sequence[tuple[str, str, str, str, int, float | None]],
    cw_rows: Sequence[tuple[str, str, str, float]],
    *,
    variant: str,
    rule: str,
    min_weight: float,
    levels: Mapping[str, float] | None = None,
) -> dict[tuple[str, str, int], float]:
    """(area, geo, year) -> demand, written from the formulas with loops and prefixes."""
    levels = levels or {"its_academy": 1.0}
    occupation: dict[tuple[str, int, str], float] = defaultdict(float)
    for geo, period, code, level, n, _ in plan_rows:
        if level in levels:
            occupation[(geo, int(period[:4]), code)] += n * levels[level]
    links = [(a, o, w) for v, a, o, w in cw_rows if v == variant and w >= min_weight]
    out: dict[tuple[str, str, int], float] = defaultdict(float)
    for (geo, year, code), d in occupation.items():
        per_area: dict[str, float] = defaultdict(float)
        for area, link, w in links:
            if link.startswith(code):  # a 2-digit code takes every link inside its group
                per_area[area] += w
        total = sum(per_area.values())
        for area, w in per_area.items():
            share = w / total if rule == "occupation_share" else w
            out[(area, geo, year)] += share * d
    for (area, geo, year), v in list(out.items()):
        out[(area, geo[:4], year)] += v
    return dict(out)


def ref_supply(
    rows: Sequence[tuple[str, str, int, int, int | None]], window: int
) -> dict[tuple[str, str, int], float]:
    """(area, geo, year) -> mean graduates over the window (zero years count)."""
    grads: dict[tuple[str, str, int], int] = defaultdict(int)
    for area, geo, year, g, _ in rows:
        grads[(area, geo, year)] += g
    years = [r[2] for r in rows]
    first, last = min(years), max(years)
    out: dict[tuple[str, str, int], float] = {}
    for area, geo in {(r[0], r[1]) for r in rows}:
        for t in range(first + window - 1, last + 1):
            v = sum(grads.get((area, geo, t - j), 0) for j in range(window)) / window
            out[(area, geo, t)] = v
            out[(area, geo[:4], t)] = out.get((area, geo[:4], t), 0.0) + v
    return out


SPECS = [
    GapSpec(v, a, m, w)  # type: ignore[arg-type]
    for v, a, m, w in itertools.product(
        ("central", "narrow"), ("occupation_share", "weighted_sum"), (0.0, 0.2), (1, 2)
    )
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_specification_matches_the_independent_computation(spec: GapSpec) -> None:
    central = GapSpec("central", "occupation_share", 0.0, 2)
    choices = GapChoices(
        ("central", "narrow"), ("occupation_share", "weighted_sum"), (0.0, 0.2), (1, 2)
    )
    table = its_gap_specs(
        courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=central, choices=choices
    )
    rows = table.filter(pl.col("specification") == spec.name)
    cw_rows = [(v, a, o, w) for v, a, o, w in CW_ROWS]
    demand = ref_demand(
        PLAN_ROWS,
        cw_rows,
        variant=spec.variant,
        rule=spec.allocation,
        min_weight=spec.min_link_weight,
    )
    supply = ref_supply(COURSE_ROWS, spec.window)
    # years every specification can compute: demand years with a full window of the longest
    assert sorted(rows["year"].unique()) == [2021, 2022]
    assert rows.height == 2 * 2 * 3  # 2 areas x (2 provinces + region) x 2 years
    for r in rows.iter_rows(named=True):
        key = (r["its_area"], r["geo"], r["year"])
        d, s = demand.get(key, 0.0), supply.get(key, 0.0)
        assert r["demand_entries_n"] == pytest.approx(d, abs=1e-12), key
        assert r["supply_graduates_n"] == pytest.approx(s, abs=1e-12), key
        assert r["gap_n"] == pytest.approx(d - s, abs=1e-12), key
        if d > 0:
            assert r["coverage_ratio"] == pytest.approx(s / d, rel=1e-12), key
        else:
            assert r["coverage_ratio"] is None


def test_the_two_rules_by_hand() -> None:
    p = plans(PLAN_ROWS).filter(pl.col("geo_nuts3") == "ITC11", pl.col("period") == "2022")
    share = crosswalked_demand(p, CW.filter(pl.col("variant") == "central")).collect()
    mech = share.filter(pl.col("its_area") == "mechatronics")
    # 311 is linked to mechatronics (0.5) and ict_data (0.1): mechatronics gets 5/6 of it;
    # 721 is linked to mechatronics only: all of it, whatever the weight.
    assert mech["allocated_entries_n"].sum() == pytest.approx(100 * 0.5 / 0.6 + 50)
    literal = crosswalked_demand(
        p, CW.filter(pl.col("variant") == "central"), allocation="weighted_sum"
    ).collect()
    mech = literal.filter(pl.col("its_area") == "mechatronics")
    assert mech["allocated_entries_n"].sum() == pytest.approx(0.5 * 100 + 0.35 * 50)
    # a minimum link weight of 0.2 drops 311 -> ict_data (0.1): mechatronics takes all of 311
    pruned = crosswalked_demand(
        p, CW.filter(pl.col("variant") == "central"), min_link_weight=0.2
    ).collect()
    assert pruned.filter(pl.col("its_area") == "mechatronics")[
        "allocated_entries_n"
    ].sum() == pytest.approx(100 + 50)
    assert set(pruned["demand_grain"]) == {"3-digit"}


def test_two_digit_demand_meets_the_rolled_up_links_and_says_so() -> None:
    p = plans(PLAN_ROWS).filter(pl.col("geo_nuts3") == "ITC12", pl.col("period") == "2022")
    d = crosswalked_demand(p, CW.filter(pl.col("variant") == "central")).collect()
    assert set(d["demand_grain"]) == {"2-digit"}
    # group 31 links: mechatronics 311 + 313 = 0.65, ict_data 311 = 0.10
    mech31 = d.filter(pl.col("its_area") == "mechatronics", pl.col("isco08") == "31").row(
        0, named=True
    )
    assert mech31["link_weight"] == pytest.approx(0.65)
    assert mech31["allocated_entries_n"] == pytest.approx(30 * 0.65 / 0.75)
    gap = its_gap(
        courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=GapSpec(window=2, min_link_weight=0)
    )
    grains = dict(
        gap.filter(pl.col("year") == 2022, pl.col("its_area") == "mechatronics")
        .select("geo", "demand_grain")
        .iter_rows()
    )
    assert grains == {"ITC11": "3-digit", "ITC12": "2-digit", "ITC1": "mixed"}


def test_a_group_given_at_two_grains_is_refused() -> None:
    p = plans(
        [
            ("ITC11", "2022", "31", "its_academy", 30, None),
            ("ITC11", "2022", "311", "its_academy", 10, None),
        ]
    )
    with pytest.raises(ValueError, match="both as a 2-digit total and as 3-digit"):
        crosswalked_demand(p, CW).collect()


def test_outcome_adjusted_supply_is_null_while_outcomes_are_unknown() -> None:
    s = its_supply(courses(COURSE_ROWS), window=2).collect()
    mech = s.filter(pl.col("its_area") == "mechatronics").sort("year")
    assert mech["year"].to_list() == [2020, 2021, 2022]
    assert mech["supply_graduates_n"].to_list() == [22.0, 27.0, 33.0]
    # 2022's cohort has no known outcome yet: the window ending in 2022 is unknown
    assert mech["supply_coherent_n"].to_list() == [16.5, 20.0, None]
    ict = s.filter(pl.col("its_area") == "ict_data").sort("year")
    # 2021 has no cohort: zero graduates, zero coherently employed
    assert ict["supply_graduates_n"].to_list() == [12.5, 12.5, 9.5]
    assert ict["supply_coherent_n"].to_list() == [10.0, 10.0, 7.5]


def test_hard_to_fill_is_the_entry_weighted_mean_over_known_shares() -> None:
    central = GapSpec("central", "occupation_share", 0.0, 1)
    gap = its_gap(courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=central)
    ict = gap.filter(
        pl.col("its_area") == "ict_data", pl.col("geo") == "ITC11", pl.col("year") == 2022
    )
    # ict_data in ITC11 2022: 311 -> 100/6 (60 %), 351 -> 40 (unknown), 251 -> 20 (50 %)
    a311 = 100 * 0.1 / 0.6
    expected = (a311 * 60 + 20 * 50) / (a311 + 20)
    assert ict["hard_to_fill_pct"].item() == pytest.approx(expected)


def test_band_sensitivity_and_ranks() -> None:
    central = GapSpec("central", "occupation_share", 0.0, 2)
    choices = GapChoices(
        ("central", "narrow"), ("occupation_share", "weighted_sum"), (0.0, 0.2), (1, 2)
    )
    specs = its_gap_specs(
        courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=central, choices=choices
    )
    assert specs["specification"].n_unique() == 16
    gap = its_gap(courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=central, specs=specs)
    assert (gap["band_specs_n"] == 16).all()
    by_hand = specs.group_by("its_area", "geo", "year").agg(
        pl.col("gap_n").min().alias("lo"), pl.col("gap_n").max().alias("hi")
    )
    joined = gap.join(by_hand, on=["its_area", "geo", "year"])
    assert (joined["gap_low_n"] == joined["lo"]).all() and (
        joined["gap_high_n"] == joined["hi"]
    ).all()
    sens = its_gap_sensitivity(specs)
    assert set(sens["choice"]) == {"variant", "allocation", "min_link_weight", "window"}
    # one choice at a time: the allocation row varies only the rule
    row = sens.filter(
        pl.col("its_area") == "mechatronics",
        pl.col("geo") == "ITC11",
        pl.col("year") == 2022,
        pl.col("choice") == "allocation",
    ).row(0, named=True)
    share = 100 * 0.5 / 0.6 + 50
    literal = 0.5 * 100 + 0.35 * 50
    supply = (30 + 36) / 2
    assert (row["gap_min_n"], row["gap_max_n"]) == pytest.approx((literal - supply, share - supply))
    largest = sens.filter(pl.col("is_largest"))
    assert largest.select("its_area", "geo", "year").is_unique().all()
    top = (
        sens.sort("swing_n", descending=True)
        .group_by("its_area", "geo", "year", maintain_order=True)
        .first()
    )
    assert (
        top.join(largest, on=["its_area", "geo", "year"])
        .select((pl.col("swing_n") == pl.col("swing_n_right")).all())
        .item()
    )
    # rank 1 = the larger gap in each geo and year
    ranked = specs.filter(pl.col("is_central"), pl.col("geo") == "ITC11", pl.col("year") == 2022)
    best = ranked.sort("gap_n", descending=True)["its_area"][0]
    assert ranked.filter(pl.col("rank") == 1)["its_area"].item() == best


def test_drivers_and_indicators_name_the_central_specification() -> None:
    central = GapSpec("central", "occupation_share", 0.0, 1)
    drv = its_gap_drivers(plans(PLAN_ROWS), CW, central=central, top=None)
    mech = drv.filter(
        pl.col("its_area") == "mechatronics", pl.col("geo") == "ITC11", pl.col("year") == 2022
    )
    assert mech["isco08"].to_list() == ["311", "721"] and mech["rank"].to_list() == [1, 2]
    assert mech["share_pct"].sum() == pytest.approx(100)
    assert set(drv["specification"]) == {central.name}
    region = drv.filter(
        pl.col("geo") == "ITC1", pl.col("year") == 2022, pl.col("its_area") == "mechatronics"
    )
    assert region["allocated_entries_n"].sum() == pytest.approx(
        drv.filter(
            pl.col("geo") != "ITC1", pl.col("year") == 2022, pl.col("its_area") == "mechatronics"
        )["allocated_entries_n"].sum()
    )
    gap = its_gap(
        courses(COURSE_ROWS),
        plans(PLAN_ROWS),
        CW,
        central=central,
        choices=GapChoices(windows=(1,)),
    )
    ind = its_gap_indicators(gap, source="test").collect()
    assert set(ind["variant"]) == {central.name}
    assert ind["geo_level"].null_count() == 0
    # a coverage without planned entries is published as not applicable, not dropped
    undefined = ind.filter(pl.col("indicator") == "its_coverage_ratio", pl.col("value").is_null())
    no_demand = gap.filter(pl.col("demand_entries_n") == 0)
    assert undefined.height == no_demand.height > 0
    assert set(undefined["flag"]) == {"z"}


def test_competing_supply_adds_a_second_coverage() -> None:
    central = GapSpec("central", "occupation_share", 0.0, 1)
    competing = pl.DataFrame(
        {
            "its_area": ["mechatronics", "mechatronics"],
            "geo": ["ITC11", "ITC12"],
            "year": [2022, 2022],
            "supply_competing_n": [14.0, 6.0],
        }
    )
    gap = its_gap(courses(COURSE_ROWS), plans(PLAN_ROWS), CW, central=central, competing=competing)
    g22 = gap.filter(pl.col("year") == 2022)
    region = g22.filter(pl.col("geo") == "ITC1", pl.col("its_area") == "mechatronics").row(
        0, named=True
    )
    assert region["supply_competing_n"] == 20.0
    assert region["coverage_with_competing_ratio"] == pytest.approx(
        (region["supply_graduates_n"] + 20.0) / region["demand_entries_n"]
    )
    # covered geo-year without a row for the area: zero competing graduates
    ict = g22.filter(pl.col("geo") == "ITC11", pl.col("its_area") == "ict_data")
    assert ict["supply_competing_n"].item() == 0.0
    # a year the file does not cover: unknown
    assert (
        gap.filter(pl.col("year") == 2021)["supply_competing_n"].null_count()
        == gap.filter(pl.col("year") == 2021).height
    )


def test_spec_and_choices_are_checked() -> None:
    with pytest.raises(ValueError, match="allocation"):
        GapSpec(allocation="area_weight")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_link_weight"):
        GapSpec(min_link_weight=1.0)
    with pytest.raises(ValueError, match="no variant 'wide'"):
        GapChoices().specs(GapSpec(variant="wide"), ["central"])
    with pytest.raises(ValueError, match="do not overlap"):
        its_gap_specs(courses([("mechatronics", "ITC11", 2010, 5, None)]), plans(PLAN_ROWS), CW)


# ------------------------------------------------------------------------ invariants
SHIPPED = cls.its_isco08_crosswalk()
CODES = sorted(set(SHIPPED["isco08"]) | {"422", "512", "931"})


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ITC11", "ITC12", "ITC16"]),
            st.sampled_from(["2021", "2022"]),
            st.sampled_from(CODES),
            st.integers(0, 400),
            st.one_of(st.none(), st.floats(0, 100)),
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["mechatronics", "ict_data", "energy", "fashion"]),
            st.sampled_from(["ITC11", "ITC12", "ITC16"]),
            st.integers(2018, 2022),
            st.integers(0, 40),
        ),
        min_size=1,
        max_size=15,
    ),
)
def test_band_coverage_and_allocation_invariants(
    plan_rows: list[tuple[str, str, str, int, float | None]],
    course_rows: list[tuple[str, str, int, int]],
) -> None:
    p = plans([(g, y, o, "its_academy", n, h) for g, y, o, n, h in plan_rows]).unique(
        ["geo_nuts3", "period", "isco08"], keep="first"
    )
    c = courses(
        [(a, g, y, n, None) for a, g, y, n in course_rows] + [("energy", "ITC11", 2018, 1, None)]
    )
    choices = GapChoices(
        ("narrow", "central", "broad"),
        ("occupation_share", "weighted_sum"),
        (0.0, 0.1, 0.2),
        (1, 2),
    )
    try:
        specs = its_gap_specs(c, p, SHIPPED, choices=choices, central=GapSpec(window=2))
    except ValueError as e:  # no year with both sources
        assert "do not overlap" in str(e)
        return
    gap = its_gap(c, p, SHIPPED, central=GapSpec(window=2), specs=specs)
    # the band contains the central value
    for col, lo, hi in (
        ("gap_n", "gap_low_n", "gap_high_n"),
        ("demand_entries_n", "demand_low_n", "demand_high_n"),
    ):
        assert ((gap[lo] <= gap[col]) & (gap[col] <= gap[hi])).all()
    with_cov = gap.filter(pl.col("coverage_ratio").is_not_null())
    assert (with_cov["coverage_low_ratio"] <= with_cov["coverage_ratio"] + 1e-12).all()
    # coverage is never negative
    assert (specs["coverage_ratio"].drop_nulls() >= 0).all()
    # an area's demand never exceeds the ITS-level demand of its geo and year
    total = (
        p.with_columns(pl.col("period").cast(pl.Int64).alias("year"))
        .group_by("geo_nuts3", "year")
        .agg(pl.col("planned_hires_n").sum().alias("total"))
    )
    total = pl.concat(
        [
            total.rename({"geo_nuts3": "geo"}),
            total.group_by(pl.col("geo_nuts3").str.slice(0, 4).alias("geo"), "year").agg(
                pl.col("total").sum()
            ),
        ]
    )
    joined = specs.join(total, on=["geo", "year"], how="left").with_columns(
        pl.col("total").fill_null(0)
    )
    assert (joined["demand_entries_n"] <= joined["total"] + 1e-9).all()
    # occupation_share never counts an entry twice: the areas' sum is at most the total
    shares = (
        joined.filter(pl.col("allocation") == "occupation_share")
        .group_by("specification", "geo", "year")
        .agg(pl.col("demand_entries_n").sum(), pl.col("total").first())
    )
    assert (shares["demand_entries_n"] <= shares["total"] + 1e-9).all()
