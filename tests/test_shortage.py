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
    assert out.shape == (4 * len(sets), 9)
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
    ]
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
