"""Occupational shortage index: hand references, invariants and weight sensitivity."""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from skills.indicators.shortage import DEFAULT_COMPONENTS, shortage_index, shortage_sensitivity

PROPS = settings(max_examples=40, deadline=None)
COMPONENTS = list(DEFAULT_COMPONENTS)


def table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": ["ITC1"] * 4,
            "period": ["2023"] * 4,
            "isco08": ["1", "2", "3", "4"],
            "wage_growth": [1.0, 2.0, 3.0, None],
            "employment_growth": [0.5, 0.1, -0.2, 0.3],
            "hours_growth": [0.0, 0.0, 0.0, 0.0],
            "unemployment_rate": [5.0, 3.0, 8.0, 10.0],
            "underqualification_growth": [1.0, 1.0, 2.0, -1.0],
        }
    )


def test_shortage_index_by_hand() -> None:
    out = shortage_index(table())
    assert out.columns == [
        "geo",
        "period",
        "isco08",
        *(f"{c}_norm" for c in COMPONENTS),
        "shortage_index",
        "components_n",
        "rank",
    ]
    row = out.filter(pl.col("isco08") == "2").row(0, named=True)
    # wage: mean 2, deviation 0 -> 0; employment: mean .175, dev -.075 / max .375 = -.2;
    # hours: all equal -> 0; unemployment: mean 6.5, dev -3.5 / 3.5, sign -1 -> +1;
    # under-qualification: mean .75, dev .25 / 1.75 = 1/7
    assert row["wage_growth_norm"] == pytest.approx(0.0)
    assert row["employment_growth_norm"] == pytest.approx(-0.2)
    assert row["hours_growth_norm"] == 0.0
    assert row["unemployment_rate_norm"] == pytest.approx(1.0)
    assert row["underqualification_growth_norm"] == pytest.approx(1 / 7)
    assert row["shortage_index"] == pytest.approx((-0.2 + 1 + 1 / 7) / 5)
    assert row["rank"] == 1
    # occupation 4 has no wage growth: 4 components, weights renormalised over them
    four = out.filter(pl.col("isco08") == "4").row(0, named=True)
    assert four["components_n"] == 4
    expected = (0.125 / 0.375 + 0.0 - 1.0 - 1.0) / 4
    assert four["shortage_index"] == pytest.approx(expected)
    assert out["rank"].to_list() == [1, 2, 3, 4]
    assert out["isco08"].to_list() == ["2", "1", "3", "4"]


def test_employment_weighted_centre() -> None:
    frame = pl.DataFrame(
        {
            "isco08": ["1", "2", "3"],
            "wage_growth": [0.0, 3.0, 6.0],
            "employment": [2.0, 1.0, 1.0],
        }
    )
    out = shortage_index(frame, by=(), components={"wage_growth": 1})
    # weighted mean (0*2 + 3 + 6) / 4 = 2.25; deviations -2.25, .75, 3.75; max 3.75
    assert out["wage_growth_norm"].to_list() == pytest.approx([1.0, 0.2, -0.6])
    plain = shortage_index(frame, by=(), components={"wage_growth": 1}, employment=None)
    assert plain.sort("isco08")["wage_growth_norm"].to_list() == pytest.approx([-1.0, 0.0, 1.0])
    no_col = shortage_index(frame.drop("employment"), by=(), components={"wage_growth": 1})
    assert_frame_equal(no_col, plain)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['emp'\]"):
        shortage_index(frame, by=(), components={"wage_growth": 1}, employment="emp")
    with pytest.raises(ValueError, match="missing values"):
        shortage_index(
            frame.with_columns(employment=pl.lit(None, pl.Float64)),
            by=(),
            components={"wage_growth": 1},
        )


def test_equal_weights_are_the_default() -> None:
    default = shortage_index(table())
    equal = shortage_index(table(), weights=dict.fromkeys(COMPONENTS, 1.0))
    scaled = shortage_index(table(), weights=dict.fromkeys(COMPONENTS, 7.5))
    assert_frame_equal(default, equal)
    assert_frame_equal(default, scaled)
    skewed = shortage_index(table(), weights={**dict.fromkeys(COMPONENTS, 1.0), "wage_growth": 5})
    assert not skewed["shortage_index"].equals(default["shortage_index"])


def test_zero_weight_and_ties_break_by_code() -> None:
    frame = pl.DataFrame(
        {
            "isco08": ["9", "31", "4", "2"],
            "wage_growth": [1.0, 1.0, 1.0, 0.0],
            "unemployment_rate": [None, 2.0, 2.0, 3.0],
        }
    )
    comps: dict[str, Literal[1, -1]] = {"wage_growth": 1, "unemployment_rate": -1}
    out = shortage_index(
        frame, by=(), components=comps, weights={"wage_growth": 0, "unemployment_rate": 1}
    )
    # "9" has only the zero-weight component: no index, no rank
    nine = out.filter(pl.col("isco08") == "9").row(0, named=True)
    assert (nine["shortage_index"], nine["rank"], nine["components_n"]) == (None, None, 0)
    # "31" and "4" tie: the lower code sorts first
    assert out["isco08"].to_list()[:3] == ["31", "4", "2"]
    assert out["rank"].to_list() == [1, 2, 3, None]


@st.composite
def shortage_tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(min_value=1, max_value=15))
    value = st.one_of(st.none(), st.floats(-50, 50, allow_nan=False))
    cols = {c: draw(st.lists(value, min_size=n, max_size=n)) for c in COMPONENTS}
    codes = draw(
        st.lists(st.from_regex(r"[1-9][0-9]?", fullmatch=True), min_size=n, max_size=n, unique=True)
    )
    geos = draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n))
    emp = draw(st.lists(st.floats(0.1, 1e3), min_size=n, max_size=n))
    return pl.DataFrame(
        {"geo": geos, "period": ["2023"] * n, "isco08": codes, **cols, "employment": emp},
        schema_overrides=dict.fromkeys(COMPONENTS, pl.Float64),
    )


@pytest.mark.slow
@PROPS
@given(shortage_tables())
def test_sub_indices_and_index_in_range(frame: pl.DataFrame) -> None:
    out = shortage_index(frame)
    for c in COMPONENTS:
        values = out[f"{c}_norm"].drop_nulls()
        assert ((values >= -1.0) & (values <= 1.0)).all()
    index = out["shortage_index"].drop_nulls()
    assert ((index >= -1.0 - 1e-12) & (index <= 1.0 + 1e-12)).all()
    assert out.height == frame.height
    # ranks are 1..n over the occupations with an index, per group
    for _geo, part in out.group_by("geo"):
        ranked = part.filter(pl.col("rank").is_not_null())
        assert sorted(ranked["rank"].to_list()) == list(range(1, ranked.height + 1))
        assert part["shortage_index"].null_count() == part["rank"].null_count()


@pytest.mark.slow
@PROPS
@given(shortage_tables(), st.integers(0, 10**6))
def test_ranks_do_not_depend_on_row_order(frame: pl.DataFrame, seed: int) -> None:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(shortage_index(frame), shortage_index(shuffled))
    lazy = shortage_index(shuffled.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(shortage_index(frame), lazy.collect())


def test_validation() -> None:
    with pytest.raises(ValueError, match=r"must be \+1 or -1"):
        shortage_index(table(), components={"wage_growth": 2})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"must be \+1 or -1"):
        shortage_index(table(), components={"wage_growth": True})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="non-empty mapping"):
        shortage_index(table(), components={})
    with pytest.raises(ValueError, match=r"unknown \['wages'\], missing \['wage_growth'\]"):
        shortage_index(table(), weights={**dict.fromkeys(COMPONENTS[1:], 1.0), "wages": 1.0})
    with pytest.raises(ValueError, match="finite number >= 0"):
        shortage_index(table(), weights={**dict.fromkeys(COMPONENTS, 1.0), "wage_growth": -1})
    with pytest.raises(ValueError, match="not all be zero"):
        shortage_index(table(), weights=dict.fromkeys(COMPONENTS, 0))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['hours_growth'\]"):
        shortage_index(table().drop("hours_growth"))
    with pytest.raises(ValueError, match="more than one row"):
        shortage_index(pl.concat([table(), table()]))
    with pytest.raises(ValueError, match="infinite"):
        shortage_index(table().with_columns(wage_growth=pl.lit(float("inf"))))


# ------------------------------------------------------------------ sensitivity
def test_sensitivity_default_sets() -> None:
    out = shortage_sensitivity(table())
    sets = out["weight_set"].unique(maintain_order=True).to_list()
    assert sets[0] == "default"
    assert len(sets) == 1 + 2 * len(COMPONENTS)
    assert {f"drop_{c}" for c in COMPONENTS} | {f"double_{c}" for c in COMPONENTS} <= set(sets)
    assert out.shape == (4 * len(sets), 11)
    assert out.columns == [
        "geo",
        "period",
        "isco08",
        "weight_set",
        "shortage_index",
        "rank",
        "rank_min",
        "rank_max",
        "spearman_vs_default",
        "components_entered",
        "status",
    ]
    assert set(out["status"]) == {"ok"}
    default = out.filter(pl.col("weight_set") == "default")
    assert (default["spearman_vs_default"] == 1.0).all()
    assert_frame_equal(
        default.select("isco08", "shortage_index", "rank"),
        shortage_index(table()).select("isco08", "shortage_index", "rank"),
    )
    assert ((out["rank_min"] <= out["rank"]) & (out["rank"] <= out["rank_max"])).all()
    # spearman of one set, recomputed with numpy on the ranks
    one = out.filter(pl.col("weight_set") == "drop_unemployment_rate").sort("isco08")
    ref = default.sort("isco08")
    rho = np.corrcoef(one["rank"].to_numpy(), ref["rank"].to_numpy())[0, 1]
    assert one["spearman_vs_default"][0] == pytest.approx(rho)


def test_sensitivity_custom_sets_and_validation() -> None:
    sets = {"wages_only": {**dict.fromkeys(COMPONENTS, 0.0), "wage_growth": 1.0}}
    out = shortage_sensitivity(table(), sets)
    assert out["weight_set"].unique(maintain_order=True).to_list() == ["default", "wages_only"]
    wages = out.filter(pl.col("weight_set") == "wages_only")
    # occupation 4 has no wage growth: unranked under that set
    assert wages.filter(pl.col("isco08") == "4")["rank"].item() is None
    assert wages["rank"].drop_nulls().to_list() == [1, 2, 3]
    assert isinstance(shortage_sensitivity(table().lazy(), sets), pl.LazyFrame)
    with pytest.raises(ValueError, match="not 'default'"):
        shortage_sensitivity(table(), {"default": dict.fromkeys(COMPONENTS, 1.0)})
    with pytest.raises(ValueError, match="set 'bad'"):
        shortage_sensitivity(table(), {"bad": {"wage_growth": 1.0}})


def test_sensitivity_single_occupation_has_no_correlation() -> None:
    out = shortage_sensitivity(table().head(1))
    assert out["spearman_vs_default"].null_count() == out.height


# ------------------------------------------------------------------ degenerate sensitivity
def _hand_ranks(cols: list[np.ndarray]) -> np.ndarray:
    """Plain-mean shortage index by hand (numpy), ranked 1 = highest."""
    norms = []
    for x in cols:
        dev = x - x.mean()
        norms.append(dev / np.abs(dev).max())
    index = np.mean(norms, axis=0)
    order = np.argsort(-index, kind="stable")
    ranks = np.empty(len(index), dtype=float)
    ranks[order] = np.arange(1, len(index) + 1)
    return ranks


def test_sensitivity_with_one_component_says_degenerate_not_spearman_one() -> None:
    emp_a = [0.5, -1.0, 2.0, 0.1, 1.2]
    wage_a = [3.0, 1.0, -0.5, 2.5, 0.0]
    frame = pl.DataFrame(
        {
            "geo": ["A"] * 5 + ["B"] * 5,
            "period": ["2016-2019"] * 5 + ["2015-2020"] * 5,
            "isco08": ["11", "21", "31", "41", "51"] * 2,
            "employment_growth": [*emp_a, 1.0, 2.0, 3.0, 4.0, 5.0],
            "wage_growth": wage_a + [None] * 5,
        },
        schema_overrides={"wage_growth": pl.Float64},
    )
    comps: dict[str, Literal[1, -1]] = {"employment_growth": 1, "wage_growth": 1}
    out = shortage_sensitivity(frame, components=comps, employment=None)
    b = out.filter(pl.col("geo") == "B")
    # B has employment growth only: one ranking, no correlation, a status that says why
    assert b["weight_set"].unique().to_list() == ["default"] and b.height == 5
    assert b["spearman_vs_default"].null_count() == 5
    assert b["status"].unique().to_list() == [
        "degenerate: only one component entered (employment_growth); weights cannot "
        "change the ranking"
    ]
    assert b["components_entered"].unique().to_list() == ["employment_growth"]
    a = out.filter(pl.col("geo") == "A")
    assert set(a["status"]) == {"ok"}
    assert a["components_entered"].unique().to_list() == ["employment_growth, wage_growth"]
    # the correlation for dropping wage growth, recomputed with numpy from hand ranks
    default = _hand_ranks([np.array(emp_a), np.array(wage_a)])
    emp_only = _hand_ranks([np.array(emp_a)])
    rho = np.corrcoef(default, emp_only)[0, 1]
    drop = a.filter(pl.col("weight_set") == "drop_wage_growth").sort("isco08")
    assert drop["rank"].to_list() == emp_only.astype(int).tolist()
    assert drop["spearman_vs_default"][0] == pytest.approx(rho)
    assert rho < 1  # the test can fail: the two rankings differ
    ref = a.filter(pl.col("weight_set") == "default").sort("isco08")
    assert ref["rank"].to_list() == default.astype(int).tolist()


def test_sensitivity_set_that_touches_only_absent_components_has_no_effect() -> None:
    frame = table().with_columns(hours_growth=pl.lit(None, pl.Float64))
    out = shortage_sensitivity(frame)
    hours = out.filter(pl.col("weight_set").is_in(["drop_hours_growth", "double_hours_growth"]))
    assert set(hours["status"]) == {
        "no effect: the set reweights only components that did not enter"
    }
    assert hours["spearman_vs_default"].null_count() == hours.height
    others = out.filter(~pl.col("weight_set").is_in(["drop_hours_growth", "double_hours_growth"]))
    assert set(others["status"]) == {"ok"}
    assert "hours_growth" not in out["components_entered"][0]


# ------------------------------------------------------------------ one common window
OCCS = ["11", "21", "31", "41", "51", "71", "81", "91"]


def _employment(geo: str, years: range, break_year: int | None = None) -> pl.DataFrame:
    rows = []
    for k, occ in enumerate(OCCS):
        for y in years:
            rows.append(
                {
                    "geo": geo,
                    "period": str(y),
                    "isco08": f"OC{occ}",
                    "value": 100.0 + 10 * k + (k - 3) * (y - years[0]) + 0.3 * k * k,
                    "flag": "b" if y == break_year else None,
                }
            )
    return pl.DataFrame(rows)


def _wages(geo: str, years: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"geo": geo, "year": y, "isco08": occ, "mean_hourly_wage_eur": 10.0 + k + 0.2 * k * i}
            for i, y in enumerate(years)
            for k, occ in enumerate(OCCS)
        ]
    )


def _growth(x0: float, x1: float, years: int) -> float:
    return float(100 * ((x1 / x0) ** (1 / years) - 1))


def test_growth_components_share_one_window_and_say_what_entered() -> None:
    from skills.indicators.shortage import growth_components

    emp = pl.concat(
        [
            _employment("IT", range(2014, 2024), break_year=2021),
            _employment("ITC1", range(2014, 2024)),
        ]
    ).with_columns(pl.col("isco08").str.slice(2))
    spans = pl.DataFrame(
        {"geo": ["IT", "ITC1"], "start": ["2014", "2014"], "end": ["2020", "2023"]}
    )
    wages = pl.concat([_wages("IT", [2012, 2016, 2019, 2022]), _wages("ITC1", [2014, 2025])])
    out = growth_components(emp, spans, wages)
    it = out.filter(pl.col("geo") == "IT").sort("isco08")
    # IT: the wage years inside the clean span 2014-2020 are 2016 and 2019
    assert it["period"].unique().to_list() == ["2016-2019"]
    assert it["components"].unique().to_list() == ["employment_growth, wage_growth"]
    assert it["note"].null_count() == it.height
    cells = {(r["period"], r["isco08"]): r["value"] for r in emp.filter(geo="IT").to_dicts()}
    w = {
        (r["year"], r["isco08"]): r["mean_hourly_wage_eur"]
        for r in wages.to_dicts()
        if r["geo"] == "IT"
    }
    for row in it.iter_rows(named=True):
        occ = row["isco08"]
        assert row["employment_growth"] == pytest.approx(
            _growth(cells[("2016", occ)], cells[("2019", occ)], 3)
        )
        assert row["wage_growth"] == pytest.approx(_growth(w[(2016, occ)], w[(2019, occ)], 3))
        assert row["employment"] == cells[("2019", occ)]
    # ITC1: its wages (2014, 2025) are not two years inside 2014-2023: employment only,
    # over the whole clean span, and the note says why
    itc1 = out.filter(pl.col("geo") == "ITC1")
    assert itc1["period"].unique().to_list() == ["2014-2023"]
    assert itc1["wage_growth"].null_count() == itc1.height
    assert itc1["components"].unique().to_list() == ["employment_growth"]
    assert itc1["note"].unique().to_list() == [
        "wage growth left out: wages for 2014, 2025, not two years inside the clean span 2014-2023"
    ]
    row = itc1.filter(pl.col("isco08") == "51").row(0, named=True)
    c1 = {(r["period"], r["isco08"]): r["value"] for r in emp.filter(geo="ITC1").to_dicts()}
    assert row["employment_growth"] == pytest.approx(
        _growth(c1[("2014", "51")], c1[("2023", "51")], 9)
    )


def test_shortage_rows_name_only_the_components_that_entered() -> None:
    from skills.analyses import AnalysisOutputs
    from skills.analyses.shortage import shortage

    emp = pl.concat(
        [
            _employment("IT", range(2014, 2024), break_year=2021),
            _employment("ITC1", range(2014, 2024), break_year=2021),
        ]
    ).with_columns(sex=pl.lit("T"), age=pl.lit("Y15-74"))
    wages = _wages("IT", [2014, 2016, 2019, 2022]).with_columns(pl.col("isco08"))
    out = AnalysisOutputs()
    labels = {"employment_by_occupation": "lfs", "wages_by_occupation": "ses"}
    shortage(
        {"employment_by_occupation": emp.lazy(), "wages_by_occupation": wages.lazy()}, labels, out
    )
    rows = pl.concat([lf.collect() for lf in out.indicators])
    it = rows.filter(pl.col("geo") == "IT")
    itc1 = rows.filter(pl.col("geo") == "ITC1")
    # the clean span is 2014-2020 (break in 2021); IT's wage years inside it: 2014 .. 2019
    assert it["period"].unique().to_list() == ["2014-2019"]
    assert it["note"].unique().to_list() == [
        "components: employment_growth, wage_growth over 2014-2019 (growth annualised over "
        "the same years; OECD Skills for Jobs; equal weights)"
    ]
    assert it["source"].unique().to_list() == ["lfs + ses"]
    assert itc1["period"].unique().to_list() == ["2014-2020"]
    assert itc1["source"].unique().to_list() == ["lfs"]
    note = itc1["note"].unique().to_list()
    assert note == [
        "components: employment_growth over 2014-2020 (growth annualised over the same years; "
        "OECD Skills for Jobs; equal weights); wage growth left out: no wages for this geo"
    ]
    # ITC1's index is employment growth alone: its normalised deviation, by hand
    cells = {(r["period"], r["isco08"][2:]): r["value"] for r in emp.filter(geo="ITC1").to_dicts()}
    g = np.array([_growth(cells[("2014", o)], cells[("2020", o)], 6) for o in OCCS])
    e = np.array([cells[("2020", o)] for o in OCCS])
    dev = g - (g * e).sum() / e.sum()
    expected = dict(zip(OCCS, dev / np.abs(dev).max(), strict=True))
    for r in itc1.iter_rows(named=True):
        assert r["value"] == pytest.approx(expected[r["isco08"]])
    sens = out.tables["shortage_sensitivity"]
    s1 = sens.filter(pl.col("geo") == "ITC1")
    assert s1["weight_set"].unique().to_list() == ["default"]
    assert s1["spearman_vs_default"].null_count() == s1.height
    assert s1["status"].str.starts_with("degenerate").all()
    s_it = sens.filter(pl.col("geo") == "IT")
    assert set(s_it["status"]) == {"ok"} and s_it["weight_set"].n_unique() == 5
