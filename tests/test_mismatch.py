"""Mismatch indices: hand-computed references, invariants (hypothesis) and validation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from skills.indicators.mismatch import (
    beveridge_curve,
    counterfactual_job_finding,
    jackman_roper,
    sahin_index,
    sahin_index_grid,
    tightness,
)

PROPS = settings(max_examples=60, deadline=None)


def units(
    u: Sequence[float | None], v: Sequence[float | None], **extra: Sequence[float]
) -> pl.DataFrame:
    n = len(u)
    return pl.DataFrame(
        {
            "geo": ["ITC1"] * n,
            "period": ["2023"] * n,
            "isco08": [str(i + 1) for i in range(n)],
            "unemployed": list(u),
            "vacancies": list(v),
            **{k: list(x) for k, x in extra.items()},
        },
        schema_overrides={"unemployed": pl.Float64, "vacancies": pl.Float64},
    )


counts = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
alphas = st.floats(min_value=0.05, max_value=0.95)


@st.composite
def count_pairs(draw: st.DrawFn, elements: st.SearchStrategy[float] = counts) -> tuple:
    n = draw(st.integers(min_value=1, max_value=12))
    u = draw(st.lists(elements, min_size=n, max_size=n))
    v = draw(st.lists(elements, min_size=n, max_size=n))
    return u, v


def jr_value(frame: pl.DataFrame, **kw: Any) -> float | None:
    return cast("float | None", jackman_roper(frame, **kw)["jackman_roper_index"].item())


def m_value(frame: pl.DataFrame, **kw: Any) -> float | None:
    return cast("float | None", sahin_index(frame, **kw)["sahin_mismatch_index"].item())


# ------------------------------------------------------------------ Jackman-Roper
def test_jackman_roper_three_units_by_hand() -> None:
    # U shares .5 .3 .2, V shares .2 .3 .5: 0.5 * (.3 + 0 + .3) = 0.3
    out = jackman_roper(units([50, 30, 20], [20, 30, 50]))
    expected = pl.DataFrame(
        {
            "geo": ["ITC1"],
            "period": ["2023"],
            "jackman_roper_index": [0.3],
            "units_n": pl.Series([3], dtype=pl.UInt32),
            "units_dropped_n": pl.Series([0], dtype=pl.UInt32),
        }
    )
    assert_frame_equal(out, expected, abs_tol=1e-12)


def test_jackman_roper_disjoint_units_is_one() -> None:
    assert jr_value(units([10, 5, 0, 0], [0, 0, 7, 1])) == pytest.approx(1.0)


@PROPS
@given(count_pairs())
def test_jackman_roper_in_unit_interval(pair: tuple) -> None:
    u, v = pair
    value = jr_value(units(u, v))
    if sum(u) == 0 or sum(v) == 0:
        assert value is None
    else:
        assert value is not None
        assert 0.0 <= value <= 1.0


@PROPS
@given(st.lists(positive, min_size=1, max_size=12), st.floats(min_value=1e-3, max_value=1e3))
def test_jackman_roper_zero_when_distributions_match(u: list[float], c: float) -> None:
    assert jr_value(units(u, [c * x for x in u])) == pytest.approx(0.0, abs=1e-9)


@PROPS
@given(
    count_pairs(positive),
    st.floats(min_value=1e-3, max_value=1e3),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_jackman_roper_invariant_to_scaling(pair: tuple, cu: float, cv: float) -> None:
    u, v = pair
    base = jr_value(units(u, v))
    scaled = jr_value(units([cu * x for x in u], [cv * x for x in v]))
    assert scaled == pytest.approx(base, abs=1e-9)


def test_jackman_roper_drops_and_counts_missing_units() -> None:
    out = jackman_roper(units([10, 20, None, 5], [20, 10, 4, None]))
    # units 1 and 2 only: shares (1/3, 2/3) vs (2/3, 1/3) -> 1/3
    assert out["jackman_roper_index"].item() == pytest.approx(1 / 3)
    assert out["units_n"].item() == 2
    assert out["units_dropped_n"].item() == 2


def test_jackman_roper_null_when_a_side_is_empty() -> None:
    assert jr_value(units([0, 0], [1, 2])) is None
    assert jr_value(units([1, 2], [0, 0])) is None


def test_jackman_roper_groups_and_empty_by() -> None:
    two = pl.concat([units([1, 1], [1, 1]), units([1, 0], [0, 1]).with_columns(geo=pl.lit("A"))])
    out = jackman_roper(two)
    assert out["geo"].to_list() == ["A", "ITC1"]
    assert out["jackman_roper_index"].to_list() == pytest.approx([1.0, 0.0])
    overall = jackman_roper(units([1, 3], [3, 1]), by=())
    assert overall.columns == ["jackman_roper_index", "units_n", "units_dropped_n"]
    assert overall["jackman_roper_index"].item() == pytest.approx(0.5)


def test_returns_the_kind_it_was_given() -> None:
    frame = units([1, 2], [2, 1])
    assert isinstance(jackman_roper(frame), pl.DataFrame)
    lazy = jackman_roper(frame.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), jackman_roper(frame))


def test_jackman_roper_validation() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['vacancies'\]"):
        jackman_roper(units([1], [1]).drop("vacancies"))
    with pytest.raises(ValueError, match="must be numeric"):
        jackman_roper(units([1], [1]).with_columns(pl.col("unemployed").cast(pl.String)))
    with pytest.raises(ValueError, match="negative"):
        jackman_roper(units([1, -2], [1, 1]))
    with pytest.raises(ValueError, match="used both as by and as unit"):
        jackman_roper(units([1], [1]), unit="geo")
    with pytest.raises(TypeError, match="DataFrame or LazyFrame"):
        jackman_roper({"unemployed": [1]})  # type: ignore[type-var]
    # value checks on a LazyFrame run at collect time, inside the plan
    lazy = jackman_roper(pl.concat([units([1, 2], [1, 2])] * 2).lazy())
    with pytest.raises(ValueError, match="more than one row per"):
        lazy.collect()


def test_nan_counts_are_missing() -> None:
    out = jackman_roper(units([1.0, math.nan, 1.0], [1.0, 1.0, 3.0]))
    assert out["units_dropped_n"].item() == 1
    assert out["jackman_roper_index"].item() == pytest.approx(0.25)


# ------------------------------------------------------------------ Şahin et al.
def test_sahin_two_units_by_hand() -> None:
    # u shares (1/4, 3/4), v shares (3/4, 1/4), alpha 1/2: M = 1 - 2 sqrt(3/16) = 1 - sqrt(3)/2
    assert m_value(units([1, 3], [3, 1])) == pytest.approx(1 - math.sqrt(3) / 2)
    # efficiencies (1, 2): phi_bar = sqrt(1 * 3/4 + 4 * 1/4) = sqrt(7/4);
    # M = 1 - (1 + 2) sqrt(3/16) / sqrt(7/4) = 1 - 3 sqrt(3) / (2 sqrt(7))
    frame = units([1, 3], [3, 1], phi=[1.0, 2.0])
    expected = 1 - 3 * math.sqrt(3) / (2 * math.sqrt(7))
    assert m_value(frame, efficiency="phi") == pytest.approx(expected)


def test_sahin_output_columns() -> None:
    out = sahin_index(units([1, 3], [3, 1]), alpha=0.4)
    assert out.columns == [
        "geo",
        "period",
        "sahin_mismatch_index",
        "alpha",
        "units_n",
        "units_dropped_n",
    ]
    assert out["alpha"].item() == 0.4


@PROPS
@given(count_pairs(positive), alphas)
def test_sahin_in_unit_interval(pair: tuple, alpha: float) -> None:
    u, v = pair
    value = m_value(units(u, v), alpha=alpha)
    assert value is not None
    assert 0.0 <= value <= 1.0


@PROPS
@given(count_pairs(positive), alphas, st.data())
def test_sahin_heterogeneous_in_unit_interval(
    pair: tuple, alpha: float, data: st.DataObject
) -> None:
    u, v = pair
    phi = data.draw(st.lists(st.floats(0.05, 20.0), min_size=len(u), max_size=len(u)))
    value = m_value(units(u, v, phi=phi), alpha=alpha, efficiency="phi")
    assert value is not None
    assert 0.0 <= value <= 1.0


@PROPS
@given(st.lists(positive, min_size=1, max_size=12), st.floats(1e-2, 1e2), alphas)
def test_sahin_zero_when_shares_match(u: list[float], c: float, alpha: float) -> None:
    assert m_value(units(u, [c * x for x in u]), alpha=alpha) == pytest.approx(0.0, abs=1e-9)


@PROPS
@given(count_pairs(positive), alphas, st.floats(0.1, 10.0))
def test_sahin_constant_efficiency_is_homogeneous(pair: tuple, alpha: float, phi: float) -> None:
    u, v = pair
    frame = units(u, v, phi=[phi] * len(u))
    homogeneous = m_value(frame, alpha=alpha)
    heterogeneous = m_value(frame, alpha=alpha, efficiency="phi")
    assert heterogeneous == pytest.approx(homogeneous, abs=1e-9)


@PROPS
@given(count_pairs(positive), alphas, st.data())
def test_sahin_matches_the_planner_allocation(
    pair: tuple, alpha: float, data: st.DataObject
) -> None:
    """Reference: M = 1 - h / h*, with h* from the planner's allocation u*_i ∝ phi_i^(1/a) v_i."""
    u_list, v_list = pair
    phi_list = data.draw(st.lists(st.floats(0.1, 10.0), min_size=len(u_list), max_size=len(u_list)))
    u, v, phi = np.array(u_list), np.array(v_list), np.array(phi_list)
    h = np.sum(phi * v**alpha * u ** (1 - alpha))
    u_star = u.sum() * phi ** (1 / alpha) * v / np.sum(phi ** (1 / alpha) * v)
    h_star = np.sum(phi * v**alpha * u_star ** (1 - alpha))
    expected = 1 - h / h_star
    value = m_value(units(u_list, v_list, phi=phi_list), alpha=alpha, efficiency="phi")
    assert value == pytest.approx(max(expected, 0.0), abs=1e-9)


@PROPS
@given(count_pairs(positive), alphas, st.floats(0.1, 10.0))
def test_sahin_zero_under_generalised_jackman_roper_condition(
    pair: tuple, alpha: float, scale: float
) -> None:
    _, v = pair
    phi = [1.0 + i % 3 for i in range(len(v))]
    u = [scale * p ** (1 / alpha) * x for p, x in zip(phi, v, strict=True)]
    assume(sum(u) > 0)
    frame = units(u, v, phi=phi)
    assert m_value(frame, alpha=alpha, efficiency="phi") == pytest.approx(0.0, abs=1e-9)


def test_sahin_disjoint_units_is_one_and_empty_side_null() -> None:
    assert m_value(units([3, 0], [0, 2])) == pytest.approx(1.0)
    assert m_value(units([0, 0], [1, 2])) is None


def test_sahin_validation() -> None:
    frame = units([1, 2], [2, 1], phi=[1.0, 0.0])
    for bad in (0, 1, 1.5, -0.1, True, "0.5", math.nan):
        with pytest.raises(ValueError, match="alpha"):
            sahin_index(units([1], [1]), alpha=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="zero or negative"):
        sahin_index(frame, efficiency="phi")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['eff'\]"):
        sahin_index(frame, efficiency="eff")


def test_sahin_grid_stacks_alphas() -> None:
    frame = pl.concat([units([1, 3], [3, 1]), units([2, 2], [1, 3]).with_columns(geo=pl.lit("B"))])
    grid = sahin_index_grid(frame)
    assert grid.height == 2 * 5
    assert grid["alpha"].to_list()[:5] == [0.3, 0.4, 0.5, 0.6, 0.7]
    one = sahin_index(frame, alpha=0.6)
    picked = grid.filter(pl.col("alpha") == 0.6)
    assert_frame_equal(picked, one)
    assert isinstance(sahin_index_grid(frame.lazy(), alphas=[0.5]), pl.LazyFrame)
    with pytest.raises(ValueError, match="repeats"):
        sahin_index_grid(frame, alphas=[0.5, 0.5])
    with pytest.raises(ValueError, match="non-empty"):
        sahin_index_grid(frame, alphas=[])


def test_counterfactual_job_finding() -> None:
    assert counterfactual_job_finding(0.3, 0.25) == pytest.approx(0.4)
    assert counterfactual_job_finding(0.3, 0) == pytest.approx(0.3)
    frame = pl.DataFrame({"f": [0.3, 0.2, 0.5], "m": [0.25, 1.0, -0.1]})
    out = frame.select(counterfactual_job_finding("f", "m").alias("f_star"))
    assert out["f_star"].to_list()[0] == pytest.approx(0.4)
    assert out["f_star"].to_list()[1:] == [None, None]
    assert frame.select(counterfactual_job_finding(pl.col("f"), 0.5))["f"].to_list() == (
        pytest.approx([0.6, 0.4, 1.0])
    )
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        counterfactual_job_finding(0.3, 1.0)
    with pytest.raises(ValueError, match=">= 0"):
        counterfactual_job_finding(-0.1, 0.2)


# ------------------------------------------------------------------ tightness
def test_tightness_groups_and_holes() -> None:
    frame = pl.DataFrame(
        {
            "geo": ["A", "A", "B", "B", "C"],
            "period": ["2023"] * 5,
            "unemployed": [10.0, 30.0, 5.0, None, 0.0],
            "vacancies": [4.0, 6.0, 1.0, 1.0, 3.0],
        }
    )
    out = tightness(frame)
    assert out.columns == ["geo", "period", "unemployed", "vacancies", "vacancy_unemployment_ratio"]
    assert out["vacancy_unemployment_ratio"].to_list() == [pytest.approx(0.25), None, None]
    assert out["unemployed"].to_list() == [40.0, None, 0.0]
    rows = frame.filter(pl.col("geo") == "A").with_columns(isco08=pl.Series(["1", "2"]))
    row = tightness(rows, by=("geo", "period", "isco08"))
    assert row["vacancy_unemployment_ratio"].to_list() == pytest.approx([0.4, 0.2])
    with pytest.raises(ValueError, match="used both as by and as unemployed"):
        tightness(frame, by=("geo", "unemployed"))


# ------------------------------------------------------------------ Beveridge curve
def test_beveridge_segments_split_at_breaks() -> None:
    frame = pl.DataFrame(
        {
            "geo": ["IT"] * 6 + ["DE"] * 3,
            "period": ["2018", "2019", "2020", "2021", "2022", "2023", "2022", "2021", "2023"],
            "unemployment_rate": [10.6, 10.0, 9.3, None, 8.1, 7.7, 3.1, 3.6, 3.0],
            "job_vacancy_rate_pct": [1.0, 1.1, 1.0, 1.7, 2.2, 2.0, 4.6, 3.8, 4.1],
            "flag": ["b", None, None, "b", None, "bp", None, None, None],
        }
    )
    out = beveridge_curve(frame)
    assert out.columns == [
        "geo",
        "period",
        "unemployment_rate",
        "job_vacancy_rate_pct",
        "flag",
        "segment",
    ]
    assert out["geo"].to_list() == ["DE"] * 3 + ["IT"] * 5
    assert out["period"].to_list() == [
        "2021",
        "2022",
        "2023",
        "2018",
        "2019",
        "2020",
        "2022",
        "2023",
    ]
    # a b on the first point opens nothing; the 2021 break (missing rate) still splits
    assert out["segment"].to_list() == [1, 1, 1, 1, 1, 1, 2, 3]
    assert out["segment"].dtype == pl.UInt32


def test_beveridge_explicit_flag_columns_and_no_flags() -> None:
    frame = pl.DataFrame(
        {
            "geo": ["IT"] * 3,
            "period": ["2021Q1", "2021Q2", "2021Q3"],
            "u": [9.0, 9.5, 9.1],
            "v": [1.0, 1.2, 1.3],
            "flag_u": [None, None, None],
            "flag_v": [None, "b", None],
        }
    )
    out = beveridge_curve(
        frame, vacancy_rate="v", unemployment_rate="u", flags=["flag_u", "flag_v"]
    )
    assert out["segment"].to_list() == [1, 2, 2]
    plain = beveridge_curve(frame.drop("flag_u", "flag_v"), vacancy_rate="v", unemployment_rate="u")
    assert plain["segment"].to_list() == [1, 1, 1]
    with pytest.raises(ValueError, match="more than one row"):
        beveridge_curve(pl.concat([frame, frame]), vacancy_rate="v", unemployment_rate="u")


def test_jvs_vacancies_and_planned_hires_are_two_indicators() -> None:
    """JVS vacancies (a stock) and a year's planned hires (a flow) per unemployed person
    are published under two ids, each computed as the hand ratio of its own inputs."""
    from types import SimpleNamespace

    from skills.analyses import AnalysisOutputs
    from skills.analyses.beveridge import beveridge
    from skills.analyses.mismatch import province_mismatch
    from skills.spec import PipelineSpec

    unemployed_ths = {"IT": 2500.0, "ITC11": 40.0, "ITC12": 10.0}
    panel = pl.DataFrame(
        [
            *(
                {"measure": "unemployed_ths", "role": "unemployment", "geo": g, "value": v}
                for g, v in unemployed_ths.items()
            ),
            {"measure": "job_vacancies_n", "role": "job_vacancies", "geo": "IT", "value": 175e3},
            {"measure": "job_vacancy_rate_pct", "role": "job_vacancies", "geo": "IT", "value": 1.1},
            {
                "measure": "unemployment_rate_pct",
                "role": "unemployment_rate",
                "geo": "IT",
                "value": 10.0,
            },
        ]
    ).with_columns(
        period=pl.lit("2019"),
        sex=pl.lit("T"),
        age=pl.lit("Y15-74"),
        nace_r2=pl.when(pl.col("measure").str.starts_with("job_")).then(pl.lit("B-S")),
        flag=pl.lit(None, pl.String),
        source=pl.lit("lfs"),
    )
    months = [f"2019-{m:02d}" for m in range(1, 13)]
    plans = pl.DataFrame(
        {
            "geo_nuts3": ["ITC11"] * 12 + ["ITC12"] * 12,
            "period": months * 2,
            "planned_hires_n": [5000] * 12 + [1000] * 12,
        }
    )
    inputs = {"unemployment": pl.LazyFrame(), "hiring_plans": plans.lazy()}
    labels = {"unemployment": "lfs", "hiring_plans": "excelsior"}
    spec = cast(PipelineSpec, SimpleNamespace(region="ITC1"))
    out = AnalysisOutputs()
    province_mismatch(spec, inputs, labels, panel, out)
    beveridge(panel, out)
    rows = pl.concat([lf.collect() for lf in out.indicators]).filter(
        pl.col("indicator").str.ends_with("unemployment_ratio")
    )
    got = {(r["indicator"], r["geo"]): r for r in rows.iter_rows(named=True)}
    flow = "planned_hires_unemployment_ratio"
    # a year's planned hires over the unemployed persons (thousands x 1000), by hand
    assert got[(flow, "ITC11")]["value"] == pytest.approx(12 * 5000 / 40_000)
    assert got[(flow, "ITC12")]["value"] == pytest.approx(12 * 1000 / 10_000)
    assert got[(flow, "ITC1")]["value"] == pytest.approx(12 * 6000 / 50_000)
    assert got[(flow, "ITC1")]["unit"] == "planned hires per unemployed person"
    assert "a flow" in got[(flow, "ITC1")]["note"]
    stock = got[("vacancy_unemployment_ratio", "IT")]
    assert stock["value"] == pytest.approx(175e3 / 2_500_000)
    assert stock["unit"] == "vacancies per unemployed person"
    assert "JVS" in stock["note"]
    # one id, one definition: no region or province under the JVS id, no country under
    # the planned-hires one
    assert {g for i, g in got if i == "vacancy_unemployment_ratio"} == {"IT"}
    assert {g for i, g in got if i == flow} == {"ITC1", "ITC11", "ITC12"}
