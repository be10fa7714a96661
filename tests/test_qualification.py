"""Qualification mismatch: hand examples per rule, code handling, invariants."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from skills.indicators.qualification import (
    DEFAULT_ISCED5_MATCHED,
    QUALIFICATION_STATUSES,
    eurostat_overqualification_rate,
    ilo_normative_mismatch,
    its_aware_overqualification_rate,
    realised_matches,
)

PROPS = settings(max_examples=25, deadline=None)


def employment(rows: Sequence[tuple[str, str, float | None]], geo: str = "ITC1") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": [geo] * len(rows),
            "period": ["2023"] * len(rows),
            "isco08": [r[0] for r in rows],
            "isced11": [r[1] for r in rows],
            "value": [r[2] for r in rows],
        },
        schema_overrides={"value": pl.Float64},
    )


def shares(out: pl.DataFrame) -> dict[str, float]:
    return dict(zip(out["qualification_status"], out["share_pct"], strict=True))


# ------------------------------------------------------------------ ILO normative
def test_ilo_normative_four_rows_by_hand() -> None:
    frame = employment(
        [
            ("2", "ED7", 10.0),  # professional with a master's: level 4 = 4, matched
            ("4", "ED6", 5.0),  # clerk with a bachelor's: 4 > 2, over
            ("9", "ED1", 3.0),  # elementary, primary: 1 = 1, matched
            ("3", "ED3", 2.0),  # technician, upper secondary: 2 < 3, under
        ]
    )
    out = ilo_normative_mismatch(frame)
    assert out.columns == [
        "geo",
        "period",
        "qualification_status",
        "employed",
        "share_pct",
        "share_classified_pct",
        "share_upper_pct",
        "note",
    ]
    assert out["qualification_status"].to_list() == list(QUALIFICATION_STATUSES)
    assert out["employed"].to_list() == [5.0, 13.0, 2.0, 0.0]
    assert shares(out) == pytest.approx(
        {"over": 25.0, "matched": 65.0, "under": 10.0, "unclassified": 0.0}
    )
    assert out["note"].null_count() == 4


def test_ilo_normative_managers_span_two_levels() -> None:
    frame = employment([("1", "ED5", 1.0), ("1", "ED8", 1.0), ("1", "ED4", 2.0)])
    assert shares(ilo_normative_mismatch(frame)) == pytest.approx(
        {"over": 0.0, "matched": 50.0, "under": 50.0, "unclassified": 0.0}
    )


def test_ilo_normative_aggregate_codes_are_not_guessed() -> None:
    frame = employment(
        [
            ("4", "ED5-8", 10.0),  # levels 3-4 > 2 either way: over
            ("2", "ED5-8", 20.0),  # level 3 under, level 4 matched: unclassified
            ("1", "ED0-2", 5.0),  # levels 1-2 < 3 either way: under
            ("9", "ED0-2", 5.0),  # level 1 matched, level 2 over: unclassified
            ("7", "ED3_4", 10.0),  # level 2: matched
        ]
    )
    out = ilo_normative_mismatch(frame)
    assert dict(zip(out["qualification_status"], out["employed"], strict=True)) == {
        "over": 10.0,
        "matched": 10.0,
        "under": 5.0,
        "unclassified": 25.0,
    }
    assert out["note"].drop_nulls().str.contains("ED5-8").all()
    assert out["note"].null_count() == 0
    # by hand: 50 employed, 25 classified; ED5-8 in ISCO 2 could be under or matched,
    # ED0-2 in ISCO 9 matched or over
    got = {r["qualification_status"]: r for r in out.iter_rows(named=True)}
    assert got["over"]["share_classified_pct"] == pytest.approx(100 * 10 / 25)
    assert got["matched"]["share_classified_pct"] == pytest.approx(100 * 10 / 25)
    assert got["under"]["share_classified_pct"] == pytest.approx(100 * 5 / 25)
    assert got["over"]["share_upper_pct"] == pytest.approx(100 * (10 + 5) / 50)
    assert got["matched"]["share_upper_pct"] == pytest.approx(100 * (10 + 20 + 5) / 50)
    assert got["under"]["share_upper_pct"] == pytest.approx(100 * (5 + 20) / 50)
    assert got["unclassified"]["share_classified_pct"] is None
    assert got["unclassified"]["share_upper_pct"] is None
    with pytest.raises(ValueError, match="cannot be classified"):
        ilo_normative_mismatch(frame, ambiguous="raise")
    # the unambiguous rows alone pass in raise mode
    ok = frame.filter(~pl.col("isco08").is_in(["2", "9"]))
    assert ilo_normative_mismatch(ok, ambiguous="raise")["employed"].sum() == 25.0


@st.composite
def employment_tables(draw: st.DrawFn) -> pl.DataFrame:
    codes = draw(
        st.sampled_from(
            [
                ["ED0-2", "ED3_4", "ED5-8"],
                ["ED0", "ED1", "ED2", "ED3", "ED4", "ED5", "ED6", "ED7", "ED8"],
                ["ED0-2", "ED3_4", "ED5", "ED6", "ED7", "ED8"],
            ]
        )
    )
    majors = draw(st.lists(st.sampled_from("123456789"), min_size=1, max_size=9, unique=True))
    geos = draw(st.lists(st.sampled_from(["ITC1", "ITC4", "ITH3"]), min_size=1, unique=True))
    rows = []
    for g in geos:
        for m in majors:
            for c in codes:
                rows.append((g, m, c, draw(st.floats(0, 1e4, allow_nan=False))))
    return pl.DataFrame(
        rows, schema=["geo", "isco08", "isced11", "value"], orient="row"
    ).with_columns(period=pl.lit("2023"))


@pytest.mark.slow
@PROPS
@given(employment_tables())
def test_ilo_normative_shares_sum_to_100(frame: pl.DataFrame) -> None:
    out = ilo_normative_mismatch(frame)
    sums = out.group_by("geo", "period").agg(
        pl.col("share_pct").sum(), pl.col("employed").sum(), pl.len()
    )
    assert (sums["len"] == 4).all()
    for row in sums.iter_rows(named=True):
        if row["employed"] > 0:
            assert row["share_pct"] == pytest.approx(100.0)


_LEVELS = {"ED0-2": ("ED1", "ED2"), "ED5-8": ("ED5", "ED6")}


@pytest.mark.slow
@PROPS
@given(employment_tables(), st.lists(st.floats(0, 1), min_size=60, max_size=60))
def test_ilo_bounds_hold_for_any_split_of_the_aggregates(
    frame: pl.DataFrame, fractions: list[float]
) -> None:
    """Split each aggregate (ED0-2, ED5-8) into two detailed levels at random: the
    classified shares of all employment then fall between the published bounds."""
    out = ilo_normative_mismatch(frame)
    rows = []
    for i, r in enumerate(frame.iter_rows(named=True)):
        parts = _LEVELS.get(r["isced11"])
        if parts is None:
            rows.append(r)
            continue
        f = fractions[i % len(fractions)]
        rows.append({**r, "isced11": parts[0], "value": r["value"] * f})
        rows.append({**r, "isced11": parts[1], "value": r["value"] * (1 - f)})
    split = ilo_normative_mismatch(pl.DataFrame(rows, schema=frame.schema))
    assert split.filter(pl.col("qualification_status") == "unclassified")["employed"].sum() == (
        pytest.approx(0.0)
    )
    both = out.join(split, on=["geo", "period", "qualification_status"], suffix="_split")
    for r in both.filter(pl.col("qualification_status") != "unclassified").iter_rows(named=True):
        if r["share_pct"] is None:
            continue
        assert r["share_pct"] - 1e-9 <= r["share_pct_split"] <= r["share_upper_pct"] + 1e-9
        if r["share_classified_pct"] is not None:
            assert r["share_classified_pct"] >= r["share_pct"] - 1e-9


@pytest.mark.slow
@PROPS
@given(employment_tables(), st.randoms())
def test_ilo_normative_row_order_does_not_matter(frame: pl.DataFrame, rnd: object) -> None:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))  # type: ignore[attr-defined]
    assert_frame_equal(ilo_normative_mismatch(frame), ilo_normative_mismatch(shuffled))


# ------------------------------------------------------------------ code handling
def test_nested_isced_codes_are_not_double_counted() -> None:
    detailed = [
        ("2", "ED3_4", 5.0),
        ("2", "ED5", 1.0),
        ("2", "ED6", 2.0),
        ("2", "ED7", 3.0),
        ("2", "ED8", 4.0),
    ]
    with_total = employment([*detailed, ("2", "ED5-8", 10.0), ("2", "ED3-8", 15.0)])
    got = ilo_normative_mismatch(with_total)
    assert got["employed"].sum() == 15.0
    assert_frame_equal(got, ilo_normative_mismatch(employment(detailed)))
    # ED3-8 without ED3_4 cannot be replaced: it is kept whole (levels 2-4: unclassified
    # for professionals) and the detail inside it is ignored
    no_34 = ilo_normative_mismatch(employment([*detailed[1:], ("2", "ED3-8", 30.0)]))
    assert no_34["employed"].to_list() == [0.0, 0.0, 0.0, 30.0]
    # incomplete detail: the aggregate is kept and the detail ignored
    partial = employment([("4", "ED5", 1.0), ("4", "ED5-8", 10.0), ("4", "ED3_4", 5.0)])
    rate = eurostat_overqualification_rate(partial)
    assert rate["tertiary_employed"].item() == 10.0
    # ED3-8 is superseded by ED3_4 + ED5-8
    sup = employment([("4", "ED3-8", 99.0), ("4", "ED3_4", 5.0), ("4", "ED5-8", 10.0)])
    assert eurostat_overqualification_rate(sup)["tertiary_employed"].item() == 10.0


def test_nested_isco_codes_use_the_major_group_total() -> None:
    frame = employment(
        [
            ("OC2", "ED5-8", 10.0),
            ("OC21", "ED5-8", 4.0),
            ("OC22", "ED5-8", 5.0),
            ("OC3", "ED5-8", 8.0),
            ("71", "ED5-8", 3.0),  # no 1-digit total for group 7: the 2-digit codes add up
            ("72", "ED5-8", 2.0),
        ]
    )
    out = eurostat_overqualification_rate(frame)
    assert out["tertiary_employed"].item() == 23.0
    assert out["overqualified_employed"].item() == 5.0


def test_non_classifying_codes_are_left_out() -> None:
    frame = employment(
        [
            ("TOTAL", "ED5-8", 100.0),
            ("NRP", "ED5-8", 3.0),
            ("0", "ED5-8", 4.0),  # armed forces
            ("OC01", "ED5-8", 1.0),
            ("4", "TOTAL", 50.0),
            ("4", "NRP", 1.0),
            ("4", "ED5-8", 10.0),
            ("4", "ED3_4", None),  # suppressed cell
            ("2", "ED5-8", 30.0),
        ]
    )
    out = eurostat_overqualification_rate(frame)
    assert out["tertiary_employed"].item() == 40.0
    # null codes mean "all", as in the aligned panel: left out like TOTAL
    nulls = frame.with_columns(
        pl.when(pl.col(c) == "TOTAL").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("isco08", "isced11")
    )
    assert_frame_equal(eurostat_overqualification_rate(nulls), out)
    assert out["overqualification_rate_pct"].item() == pytest.approx(25.0)


def test_input_validation() -> None:
    good = employment([("2", "ED5-8", 1.0)])
    with pytest.raises(ValueError, match="not ISCO-08 codes"):
        eurostat_overqualification_rate(employment([("X1", "ED5-8", 1.0)]))
    with pytest.raises(ValueError, match="not ISCO-08 codes"):
        eurostat_overqualification_rate(employment([("99", "ED5-8", 1.0)]))
    with pytest.raises(ValueError, match="not Eurostat ISCED 2011 codes"):
        eurostat_overqualification_rate(employment([("2", "ISCED5", 1.0)]))
    with pytest.raises(ValueError, match="negative"):
        eurostat_overqualification_rate(employment([("2", "ED5-8", -1.0)]))
    with pytest.raises(ValueError, match="more than one row"):
        eurostat_overqualification_rate(pl.concat([good, good]))
    with pytest.raises(ValueError, match="OC2 = 2"):
        eurostat_overqualification_rate(pl.concat([good, employment([("OC2", "ed5-8 ", 1.0)])]))
    with pytest.raises(ValueError, match="must be String"):
        eurostat_overqualification_rate(good.with_columns(pl.col("isco08").cast(pl.Int64)))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['value'\]"):
        eurostat_overqualification_rate(good.rename({"value": "employment_ths"}))
    with pytest.raises(ValueError, match="mixes tertiary"):
        eurostat_overqualification_rate(employment([("4", "ED3-8", 5.0), ("4", "ED0-2", 1.0)]))
    lazy = eurostat_overqualification_rate(employment([("2", "ED9", 1.0)]).lazy())
    assert isinstance(lazy, pl.LazyFrame)
    with pytest.raises(ValueError, match="not Eurostat ISCED"):
        lazy.collect()


# ------------------------------------------------------------------ over-qualification
def test_eurostat_rate_four_rows_by_hand() -> None:
    frame = employment(
        [
            ("2", "ED5-8", 40.0),  # professional: not over
            ("4", "ED5-8", 10.0),  # clerk: over
            ("7", "ED5-8", 10.0),  # craft worker: over
            ("9", "ED3_4", 50.0),  # not tertiary: outside the rate
        ]
    )
    out = eurostat_overqualification_rate(frame)
    expected = pl.DataFrame(
        {
            "geo": ["ITC1"],
            "period": ["2023"],
            "overqualification_rate_pct": [100 * 20 / 60],
            "overqualified_employed": [20.0],
            "tertiary_employed": [60.0],
            "rule": ["eurostat"],
        }
    )
    assert_frame_equal(out, expected)


def test_its_aware_rate_four_rows_by_hand() -> None:
    frame = employment(
        [
            ("3", "ED5", 10.0),  # ITS technician: matched under both rules
            ("7", "ED5", 10.0),  # ITS graduate as craft worker: over (Eurostat), matched (ITS)
            ("7", "ED6", 5.0),  # bachelor's as craft worker: over under both
            ("5", "ED5", 5.0),  # ITS graduate in sales: over under both
        ]
    )
    eurostat = eurostat_overqualification_rate(frame)
    its = its_aware_overqualification_rate(frame)
    assert eurostat["overqualification_rate_pct"].item() == pytest.approx(100 * 20 / 30)
    assert its["overqualification_rate_pct"].item() == pytest.approx(100 * 10 / 30)
    assert its["rule"].item() == "isced5_aware:3,7,8"
    assert DEFAULT_ISCED5_MATCHED == ("3", "7", "8")
    # ISCED 5 matched in 6 too (agri-food), given as integers
    assert its_aware_overqualification_rate(frame, isced5_matched=[3, 7, 8, 5])[
        "overqualified_employed"
    ].item() == pytest.approx(5.0)


def test_its_aware_needs_isced5_apart() -> None:
    frame = employment([("7", "ED5-8", 10.0), ("4", "ED5-8", 5.0), ("2", "ED5-8", 5.0)])
    with pytest.raises(ValueError, match=r"needs short-cycle tertiary \(ED5"):
        its_aware_overqualification_rate(frame)
    # where the split does not matter (ISCO 1-3, or groups where ISCED 5 is over), ED5-8 is fine
    fine = frame.filter(pl.col("isco08") != "7")
    assert its_aware_overqualification_rate(fine)["overqualification_rate_pct"].item() == (
        pytest.approx(50.0)
    )
    with pytest.raises(ValueError, match="major groups 1-9"):
        its_aware_overqualification_rate(fine, isced5_matched=["0"])
    with pytest.raises(ValueError, match="major groups 1-9"):
        its_aware_overqualification_rate(fine, isced5_matched=["31"])


@st.composite
def tertiary_tables(draw: st.DrawFn) -> pl.DataFrame:
    rows = []
    for major in "123456789":
        for code in ("ED5", "ED6", "ED7", "ED8", "ED3_4"):
            rows.append((major, code, draw(st.floats(0, 1e4, allow_nan=False))))
    return employment(rows)


@pytest.mark.slow
@PROPS
@given(
    tertiary_tables(),
    st.sets(st.sampled_from("123456789")),
    st.sets(st.sampled_from("123456789")),
)
def test_its_aware_rate_falls_as_isced5_matches_more_groups(
    frame: pl.DataFrame, small: set[str], extra: set[str]
) -> None:
    eurostat = eurostat_overqualification_rate(frame)["overqualified_employed"].item()
    narrow = its_aware_overqualification_rate(frame, isced5_matched=small)
    wide = its_aware_overqualification_rate(frame, isced5_matched=small | extra)
    n, w = narrow["overqualified_employed"].item(), wide["overqualified_employed"].item()
    assert w <= n + 1e-9
    assert n <= eurostat + 1e-9
    same = its_aware_overqualification_rate(frame, isced5_matched={"1", "2", "3"})
    assert same["overqualified_employed"].item() == pytest.approx(eurostat)
    rate_w, rate_e = wide["overqualification_rate_pct"].item(), None
    rate_e = eurostat_overqualification_rate(frame)["overqualification_rate_pct"].item()
    if rate_e is not None:
        assert rate_w <= rate_e + 1e-9


def test_overqualification_groups_and_null_without_graduates() -> None:
    frame = pl.concat(
        [
            employment([("4", "ED5-8", 1.0), ("2", "ED5-8", 3.0)], geo="A"),
            employment([("4", "ED3_4", 1.0)], geo="B"),
        ]
    )
    out = eurostat_overqualification_rate(frame)
    assert out["geo"].to_list() == ["A", "B"]
    assert out["overqualification_rate_pct"].to_list() == [pytest.approx(25.0), None]
    overall = eurostat_overqualification_rate(frame, by=())
    assert overall["overqualification_rate_pct"].item() == pytest.approx(25.0)


# ------------------------------------------------------------------ realised matches
def test_realised_matches_four_rows_by_hand() -> None:
    frame = employment(
        [
            ("25", "ED0-2", 10.0),
            ("25", "ED3_4", 60.0),
            ("25", "ED5-8", 30.0),
            ("72", "ED3_4", 40.0),
        ]
    )
    out = realised_matches(frame)
    assert out.columns == [
        "geo",
        "period",
        "isco08",
        "required_level",
        "level_sd",
        "employed",
        "over_pct",
        "matched_pct",
        "under_pct",
        "rule",
    ]
    first = out.row(0, named=True)
    # levels 1, 2, 3 with weights .1, .6, .3: mode 2, mean 2.2, sd sqrt(.36) = .6
    assert first["isco08"] == "25"
    assert first["required_level"] == 2.0
    assert first["level_sd"] == pytest.approx(0.6)
    assert (first["under_pct"], first["matched_pct"], first["over_pct"]) == pytest.approx(
        (10.0, 60.0, 30.0)
    )
    second = out.row(1, named=True)
    assert (second["required_level"], second["level_sd"], second["matched_pct"]) == (
        2.0,
        0.0,
        100.0,
    )
    assert first["rule"] == "mode+-1sd:broad"
    # mean rule, k = 0.5: band 2.2 +- 0.3 = [1.9, 2.5]: 1 under, 3 over
    mean = realised_matches(frame, statistic="mean", k=0.5).row(0, named=True)
    assert mean["required_level"] == pytest.approx(2.2)
    assert (mean["under_pct"], mean["over_pct"]) == pytest.approx((10.0, 30.0))
    # k = 2: everything within mode +- 1.2
    assert realised_matches(frame, k=2)["matched_pct"].to_list() == pytest.approx([100.0, 100.0])


def test_realised_matches_mode_ties_go_to_the_lowest_level() -> None:
    frame = employment([("5", "ED0-2", 40.0), ("5", "ED5-8", 20.0), ("5", "ED3_4", 40.0)])
    out = realised_matches(frame, k=0)
    assert out["required_level"].item() == 1.0
    reordered = realised_matches(frame.reverse(), k=0)
    assert_frame_equal(out, reordered)


def test_realised_matches_scales_industry_and_digits() -> None:
    frame = pl.DataFrame(
        {
            "geo": ["ITC1"] * 6,
            "period": ["2023"] * 6,
            "nace_r2": ["C", "C", "C", "G", "G", "C"],
            "isco08": ["72", "72", "72", "72", "72", "7"],
            "isced11": ["ED3", "ED4", "ED5", "ED3", "ED6", "ED3"],
            "value": [10.0, 10.0, 5.0, 5.0, 5.0, 99.0],
        }
    )
    out = realised_matches(frame, scale="isced", industry="nace_r2")
    assert out["nace_r2"].to_list() == ["C", "G"]
    assert out["isco08"].to_list() == ["72", "72"]
    assert out["required_level"].to_list() == [3.0, 3.0]  # tie 3/4 in C -> 3; tie 3/6 in G -> 3
    assert out["employed"].to_list() == [25.0, 10.0]  # the 1-digit "7" row is left out
    one_digit = realised_matches(frame, scale="ilo", isco_digits=1, industry="nace_r2")
    assert one_digit["isco08"].to_list() == ["7"]
    with pytest.raises(ValueError, match="spans several levels"):
        realised_matches(employment([("2", "ED5-8", 1.0)]), scale="ilo")
    with pytest.raises(ValueError, match="statistic"):
        realised_matches(frame, statistic="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be"):
        realised_matches(frame, k=-1)
    with pytest.raises(ValueError, match="isco_digits"):
        realised_matches(frame, isco_digits=5)


# ------------------------------------------------------------------ what a publication publishes
def _panel(cells: dict[tuple[str, str, str, str], float]) -> pl.DataFrame:
    """Aligned-panel rows: (geo, age, isco08, isced11) -> thousands employed, 2023."""
    return pl.DataFrame(
        [
            {"geo": g, "age": a, "isco08": o, "isced11": e, "value": v}
            for (g, a, o, e), v in cells.items()
        ]
    ).with_columns(
        measure=pl.lit("employment_ths"),
        role=pl.lit("employment_by_occupation_education"),
        period=pl.lit("2023"),
        sex=pl.lit("T"),
    )


def test_publication_rates_ages_and_ilo_shares_by_hand() -> None:
    from skills.analyses import AnalysisOutputs
    from skills.analyses.qualification import qualification

    cells: dict[tuple[str, str, str, str], float] = {}
    for age, k in (("Y15-74", 1.0), ("Y20-64", 0.8)):
        cells |= {
            ("IT", age, "OC2", "ED5-8"): 40 * k,  # unclassified (level 3 under, 4 matched)
            ("IT", age, "OC3", "ED5-8"): 10 * k,  # unclassified (level 3 matched, 4 over)
            ("IT", age, "OC4", "ED5-8"): 12 * k,  # over
            ("IT", age, "OC4", "ED3_4"): 30 * k,  # matched
            ("IT", age, "OC9", "ED3_4"): 8 * k,  # over
            ("IT", age, "OC7", "ED0-2"): 20 * k,  # unclassified (level 1 under, 2 matched)
            ("IT", age, "OC1", "ED0-2"): 5 * k,  # under
        }
    # the 20-64 band has a different mix, so the band chosen shows in the rate
    cells[("IT", "Y20-64", "OC4", "ED5-8")] = 20.0
    cells |= {
        ("ITC1", "Y15-74", "OC2", "ED5-8"): 9.0,
        ("ITC1", "Y15-74", "OC5", "ED5-8"): 3.0,
    }
    out = AnalysisOutputs()
    qualification(_panel(cells), {"employment_by_occupation_education": "lfs"}, out)
    ind = pl.concat([lf.collect() for lf in out.indicators])

    def one(indicator: str, geo: str, **dims: str) -> dict[str, object]:
        rows = ind.filter(pl.col("indicator") == indicator, pl.col("geo") == geo)
        for col, val in dims.items():
            rows = rows.filter(pl.col(col) == val)
        assert rows.height == 1, (indicator, geo, rows)
        return rows.row(0, named=True)

    # Eurostat rule: IT has ages 20-64, so that band only; tertiary in ISCO 4-9 over all
    # tertiary, by hand from the 20-64 cells
    it = one("overqualification_rate_pct", "IT", variant="eurostat")
    tertiary = 40 * 0.8 + 10 * 0.8 + 20.0
    assert it["age"] == "Y20-64" and it["note"] is None
    assert it["value"] == pytest.approx(100 * 20.0 / tertiary)
    assert ind.filter(
        pl.col("indicator") == "overqualification_rate_pct", pl.col("age") == "Y15-74", geo="IT"
    ).is_empty()
    # ITC1 has only 15-74: used, and the row says why
    itc1 = one("overqualification_rate_pct", "ITC1", variant="eurostat")
    assert itc1["age"] == "Y15-74" and itc1["value"] == pytest.approx(100 * 3 / 12)
    assert itc1["note"] == "ages Y15-74: no Y20-64 (Eurostat's headline band) in the input"
    # ILO, ages 15-74 (every band is published): 125 employed, 70 unclassified
    total, unclassified = 125.0, 70.0
    over, under = 12.0 + 8.0, 5.0
    classified = total - unclassified
    assert one("unclassified_ilo_pct", "IT", age="Y15-74")["value"] == pytest.approx(
        100 * unclassified / total
    )
    head = one("overqualified_ilo_pct", "IT", age="Y15-74")
    assert head["value"] == pytest.approx(100 * over / classified)
    assert "classified" in str(head["note"])
    assert one("underqualified_ilo_pct", "IT", age="Y15-74")["value"] == pytest.approx(
        100 * under / classified
    )
    lower = one("overqualified_ilo_lower_bound_pct", "IT", age="Y15-74")
    assert lower["value"] == pytest.approx(100 * over / total)
    assert str(lower["note"]).startswith("lower bound")
    # could be over: ED5-8 in ISCO 3; could be under: ED5-8 in ISCO 2 and ED0-2 in ISCO 7
    assert one("overqualified_ilo_upper_bound_pct", "IT", age="Y15-74")["value"] == (
        pytest.approx(100 * (over + 10) / total)
    )
    assert one("underqualified_ilo_lower_bound_pct", "IT", age="Y15-74")["value"] == (
        pytest.approx(100 * under / total)
    )
    assert one("underqualified_ilo_upper_bound_pct", "IT", age="Y15-74")["value"] == (
        pytest.approx(100 * (under + 40 + 20) / total)
    )
