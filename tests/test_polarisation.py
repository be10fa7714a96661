"""Skill-group shares, wage-ranked groups, percentile changes: invariants, references, real data."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skills
from skills.indicators.polarisation import (
    COMMON_WINDOW,
    SKILL_GROUPS,
    clean_spans,
    common_window,
    local_linear_smooth,
    occupation_changes,
    percentile_changes,
    share_change,
    skill_group_indicators,
    skill_group_shares,
    wage_group_shares,
)

MAJORS = [str(i) for i in range(10)]


def frame(
    values: dict[str, float], period: str = "2015", geo: str = "IT", flag: str | None = None
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": geo,
            "period": period,
            "isco08": [f"OC{k}" for k in values],
            "value": list(values.values()),
            "flag": flag,
        },
        schema={
            "geo": pl.String,
            "period": pl.String,
            "isco08": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
        },
    )


def test_hand_computed_shares() -> None:
    emp = frame(
        {"0": 5, "1": 10, "2": 20, "3": 10, "4": 10, "5": 15, "6": 50, "7": 10, "8": 5, "9": 20}
    )
    got = skill_group_shares(emp).collect()
    den = 10 + 20 + 10 + 10 + 15 + 10 + 5 + 20  # 0 and 6 excluded
    assert dict(zip(got["skill_group"], got["share_pct"], strict=True)) == pytest.approx(
        {"high": 100 * 40 / den, "middle": 100 * 25 / den, "low": 100 * 35 / den}
    )


def test_two_digit_rows_are_summed_when_majors_are_missing() -> None:
    two = pl.DataFrame(
        {
            "geo": "IT",
            "period": "2015",
            "isco08": ["11", "12", "21", "31", "41", "51", "71", "81", "91", "61", "01"],
            "value": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100, 100],
        }
    )
    got = skill_group_shares(two).collect()
    den = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9
    assert dict(zip(got["skill_group"], got["share_pct"], strict=True)) == pytest.approx(
        {"high": 100 * 10 / den, "middle": 100 * 20 / den, "low": 100 * 15 / den}
    )


def test_a_suppressed_group_gives_null_shares_not_wrong_ones() -> None:
    emp = frame({"1": 10, "2": 20, "3": 10, "4": None, "5": 15, "7": 10, "8": 5, "9": 20})  # type: ignore[dict-item]
    got = skill_group_shares(emp).collect()
    assert got["share_pct"].null_count() == 3


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=1e5), min_size=10, max_size=10))
def test_three_shares_sum_to_100(values: list[float]) -> None:
    got = skill_group_shares(frame(dict(zip(MAJORS, values, strict=True)))).collect()
    assert got.height == 3
    assert got["share_pct"].sum() == pytest.approx(100.0, abs=1e-9)
    assert got["share_pct"].min() >= 0  # type: ignore[operator]


def test_breaks_are_carried_and_changes_across_them_flagged() -> None:
    base = dict.fromkeys(MAJORS, 10.0)
    emp = pl.concat(
        [
            frame(base, "2015"),
            frame(base, "2016", flag="b"),
            frame({**base, "4": 5.0}, "2017"),
        ]
    )
    shares = skill_group_shares(emp).collect()
    assert shares.filter(pl.col("period") == "2016")["flag"].to_list() == ["b"] * 3
    across = share_change(shares, base="2015", end="2017").collect()
    assert across["crosses_break"].all() and across["flag"].to_list() == ["b"] * 3
    assert across["note"][0] == "change across a series break (b in 2016)"
    clean = share_change(shares, base="2016", end="2017").collect()
    assert not clean["crosses_break"].any() and clean["flag"].null_count() == 3
    assert clean["change_pp"].sum() == pytest.approx(0.0, abs=1e-9)
    spans = clean_spans(shares)
    assert spans.select("start", "end", "is_longest").rows() == [
        ("2015", "2015", False),
        ("2016", "2017", True),
    ]


def test_skill_group_indicators_publish_levels_and_changes() -> None:
    base = dict.fromkeys(MAJORS, 10.0)
    emp = pl.concat(
        [frame(base, "2015"), frame({**base, "7": 8.0}, "2016"), frame({**base, "7": 6.0}, "2017")]
    )
    rows = skill_group_indicators(emp, source="t").collect()
    assert set(rows["indicator"]) == {"employment_share_pct", "employment_share_change_pp"}
    change = rows.filter(pl.col("indicator") == "employment_share_change_pp")
    assert change["period"].unique().to_list() == ["2015-2017"]
    assert change.filter(pl.col("skill_group") == "middle")["value"][0] < 0


# ----------------------------------------------------------------- a common window
def _panel(
    geo: str,
    years: range,
    breaks: set[int],
    missing: frozenset[int] | set[int] = frozenset(),
    seed: int = 0,
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for y in years:
        if y in missing:
            continue
        values = {k: float(v) for k, v in zip(MAJORS, rng.uniform(5, 50, len(MAJORS)), strict=True)}
        parts.append(frame(values, str(y), geo, "b" if y in breaks else None))
    return pl.concat(parts)


def _brute_force_window(
    geos: dict[str, tuple[set[int], set[int]]], years: range
) -> tuple[str, str] | None:
    """Every pair of common years, kept when no geo has a break after the first up to
    the last; the one spanning the most common years (ties: the latest)."""
    common = [y for y in years if all(y not in missing for _, missing in geos.values())]
    best: tuple[int, int, int] | None = None
    for i, t0 in enumerate(common):
        for t1 in common[i + 1 :]:
            # a break is a b flag on a period the geo has
            if any(t0 < b <= t1 for br, gone in geos.values() for b in br - gone):
                continue
            n = sum(t0 <= y <= t1 for y in common)
            if best is None or (n, t1) > (best[0], best[2]):
                best = (n, t0, t1)
    return None if best is None else (str(best[1]), str(best[2]))


def test_common_window_italy_and_the_eu() -> None:
    years = range(2011, 2026)
    emp = pl.concat(
        [
            _panel("IT", years, {2018, 2021}, seed=1),
            _panel("EU27_2020", years, {2021}, seed=2),
            _panel("DE", years, {2012}, seed=3),
        ]
    )
    shares = skill_group_shares(emp).collect()
    spans = clean_spans(shares).filter(pl.col("is_longest"))
    assert dict(zip(spans["geo"], zip(spans["start"], spans["end"], strict=True), strict=True)) == {
        "DE": ("2012", "2025"),
        "EU27_2020": ("2011", "2020"),
        "IT": ("2011", "2017"),
    }
    assert common_window(shares, ["ITC1", "IT", "EU27_2020"]) == ("2011", "2017")
    assert common_window(shares, ["IT"]) is None  # one geo: nothing to compare
    # DE's 2012 break and IT's 2018 and 2021 leave 2012-2017 (6 years) as the longest
    assert common_window(shares, ["IT", "EU27_2020", "DE"]) == ("2012", "2017")
    # a tie goes to the latest window: 2011-2015 and 2016-2020 with a break in 2016
    tie = skill_group_shares(
        pl.concat([_panel("A", range(2011, 2021), {2016}), _panel("B", range(2011, 2021), set())])
    ).collect()
    assert common_window(tie, ["A", "B"]) == ("2016", "2020")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(2011, 2020), max_size=3),
            st.sets(st.integers(2011, 2020), max_size=3),
        ),
        min_size=2,
        max_size=3,
    )
)
def test_common_window_matches_a_brute_force_search(
    specs: list[tuple[set[int], set[int]]],
) -> None:
    years = range(2011, 2021)
    geos = {f"G{i}": spec for i, spec in enumerate(specs)}
    emp = pl.concat(
        [
            _panel(g, years, breaks, missing, seed=i)
            for i, (g, (breaks, missing)) in enumerate(geos.items())
        ]
    )
    assert common_window(skill_group_shares(emp).collect(), list(geos)) == _brute_force_window(
        geos, years
    )


def test_changes_over_the_common_window_by_hand() -> None:
    years = range(2011, 2021)
    emp = pl.concat(
        [
            _panel("IT", years, {2018}, seed=4),
            _panel("EU27_2020", years, set(), seed=5),
            _panel("DE", years, {2014}, seed=6),
        ]
    )
    rows = skill_group_indicators(emp, source="t", compare=["ITC1", "IT", "EU27_2020"]).collect()
    common = rows.filter(
        pl.col("indicator") == "employment_share_change_pp", pl.col("variant") == COMMON_WINDOW
    )
    assert set(common["period"]) == {"2011-2017"}
    assert set(common["geo"]) == {"IT", "EU27_2020", "DE"}
    assert (
        common["note"]
        .str.starts_with(
            "common window of IT, EU27_2020: the longest span with no series break in any of them"
        )
        .all()
    )

    def middle(geo: str, year: str) -> float:
        cell: dict[str, float] = {
            r["isco08"][2:]: r["value"]
            for r in emp.filter(pl.col("geo") == geo, pl.col("period") == year).to_dicts()
        }
        den = sum(cell[m] for m in "12345789")
        return 100 * sum(cell[m] for m in "478") / den

    for geo in ("IT", "EU27_2020", "DE"):
        row = common.filter(pl.col("geo") == geo, pl.col("skill_group") == "middle")
        assert row["value"].item() == pytest.approx(middle(geo, "2017") - middle(geo, "2011"))
    # the window is clean for the compared geos, not for DE (break in 2014): flagged
    assert common.filter(pl.col("geo") != "DE")["flag"].null_count() == 6
    de = common.filter(pl.col("geo") == "DE")
    assert (de["flag"] == "b").all() and de["note"].str.contains("b in 2014").all()
    # the geos' own clean spans are still there, without a variant
    own = rows.filter(
        pl.col("indicator") == "employment_share_change_pp", pl.col("variant").is_null()
    )
    assert {("IT", "2011-2017"), ("EU27_2020", "2011-2020")} <= set(
        own.select("geo", "period").unique().rows()
    )
    # no compared geos, no common window
    alone = skill_group_indicators(emp, source="t").collect()
    assert alone["variant"].null_count() == alone.height


# ----------------------------------------------------------------- real data
def _read_it(eurostat_dir: Path) -> dict[tuple[str, str], float]:
    out = {}
    with (eurostat_dir / "lfsa_egai2d_it_eu.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["geo"] == "IT" and row["OBS_VALUE"]:
                out[(row["isco08"], row["TIME_PERIOD"])] = float(row["OBS_VALUE"])
    return out


@pytest.mark.realdata
def test_italy_shares_match_sums_checkable_by_hand(eurostat_dir: Path) -> None:
    cells = _read_it(eurostat_dir)
    emp = skills.read_eurostat(eurostat_dir / "lfsa_egai2d_it_eu.csv", filters={"geo": "IT"})
    shares = skill_group_shares(emp).collect()
    for year in ("2011", "2017", "2025"):
        groups = {"high": 0.0, "middle": 0.0, "low": 0.0}
        for major, grp in SKILL_GROUPS.items():
            groups[grp] += cells[(f"OC{major}", year)]
        den = sum(groups.values())
        got = shares.filter(pl.col("period") == year)
        for grp, num in groups.items():
            assert got.filter(pl.col("skill_group") == grp)["share_pct"][0] == pytest.approx(
                100 * num / den, rel=1e-12
            )


@pytest.mark.realdata
def test_italy_polarises_over_its_longest_clean_span(eurostat_dir: Path) -> None:
    emp = skills.read_eurostat(eurostat_dir / "lfsa_egai2d_it_eu.csv")
    shares = skill_group_shares(emp).collect()
    spans = clean_spans(shares).filter(pl.col("geo") == "IT", pl.col("is_longest"))
    # PROVENANCE: IT breaks (b) in 2011, 2018 and 2021 -> 2011-2017 is the longest clean span
    assert spans.select("start", "end").row(0) == ("2011", "2017")
    change = share_change(shares.filter(pl.col("geo") == "IT"), base="2011", end="2017").collect()
    by = dict(zip(change["skill_group"], change["change_pp"], strict=True))
    assert by["middle"] < 0 < by["high"] and by["low"] > 0
    assert not change["crosses_break"].any()
    # Independent: the 2011 and 2017 middle shares from the cells
    cells = _read_it(eurostat_dir)

    def middle(y: str) -> float:
        tot = sum(cells[(f"OC{m}", y)] for m in SKILL_GROUPS)
        return 100 * sum(cells[(f"OC{m}", y)] for m in ("4", "7", "8")) / tot

    assert by["middle"] == pytest.approx(middle("2017") - middle("2011"), rel=1e-12)


# -------------------------------------------------------- wage-ranked measures
@pytest.fixture
def toy() -> tuple[pl.DataFrame, pl.DataFrame]:
    codes = ["11", "21", "31", "41", "51", "71", "81", "91", "52"]
    wages = pl.DataFrame(
        {"isco08": codes, "mean_hourly_wage_eur": [40.0, 30, 20, 15, 10, 14, 13, 9, 11]}
    )
    base = [10.0, 10, 10, 15, 10, 15, 10, 10, 10]
    end = [12.0, 13, 11, 11, 12, 11, 8, 12, 11]
    emp = pl.DataFrame(
        {
            "geo": "IT",
            "period": ["2015"] * 9 + ["2020"] * 9,
            "isco08": codes * 2,
            "value": base + end,
        }
    )
    return emp, wages


def test_occupation_changes_rank_and_shares(toy: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    emp, wages = toy
    ch = occupation_changes(emp, wages, base="2015", end="2020")
    assert ch["isco08"].to_list() == ["91", "51", "52", "81", "71", "41", "31", "21", "11"]
    assert ch["base_share_pct"].sum() == pytest.approx(100) and ch[
        "end_share_pct"
    ].sum() == pytest.approx(100)
    assert ch["share_change_pp"].sum() == pytest.approx(0, abs=1e-9)
    assert ch["skill_pct"].is_sorted() and 0 < ch["skill_pct"].min() < ch["skill_pct"].max() < 100  # type: ignore[operator]
    assert ch["skill_pct"][0] == pytest.approx(100 * 10 / 100 / 2)


def test_wage_groups_sum_to_zero(toy: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    emp, wages = toy
    for method in ("employment_terciles", "occupation_terciles"):
        groups = wage_group_shares(
            occupation_changes(emp, wages, base="2015", end="2020"), method=method
        )
        assert groups["change_pp"].sum() == pytest.approx(0, abs=1e-9)
        assert set(groups["wage_group"]) == {"lowest_paying", "middling", "highest_paying"}


def test_percentile_changes_sum_to_zero_and_match_occupations(
    toy: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    emp, wages = toy
    ch = occupation_changes(emp, wages, base="2015", end="2020")
    pc = percentile_changes(ch)
    assert pc.height == 100
    assert pc["share_change_pp"].sum() == pytest.approx(0, abs=1e-9)
    # The first occupation (code 91) covers the first 10 percentiles exactly.
    first = ch.row(0, named=True)
    expected = first["end_share_pct"] / first["base_share_pct"] - 1
    assert pc["share_change_pp"][:10].to_list() == pytest.approx([expected] * 10)


def test_local_linear_smooth_equals_statsmodels_lowess() -> None:
    lowess = pytest.importorskip("statsmodels.nonparametric.smoothers_lowess").lowess
    rng = np.random.default_rng(3)
    x = np.linspace(0.5, 99.5, 100)
    y = 0.002 * (x - 50) ** 2 - 2 + rng.normal(0, 0.5, 100)
    ours = local_linear_smooth(x, y, frac=0.8)
    ref = lowess(y, x, frac=0.8, it=0, return_sorted=False)
    assert np.allclose(ours, ref, atol=1e-9)
    # A straight line is reproduced exactly by a local linear smoother.
    assert np.allclose(local_linear_smooth(x, 3 * x + 1, frac=0.3), 3 * x + 1)
