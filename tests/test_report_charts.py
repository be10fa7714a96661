"""Report chart frames and chart specs: small fixed frames in, checked numbers and snapshots out.

Chart specs are compared with the JSON files in ``tests/snapshots/`` (dataset and view
names, which are hashes, are renamed ``data-0``, ``view-0``, ... first). After a
deliberate change, rewrite them with ``SKILLS_UPDATE_SNAPSHOTS=1 pytest
tests/test_report_charts.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from skills.report import CHART_IDS, build_report
from skills.report import frames as fr
from skills.report.charts import BUILDERS, MAX_ROWS, ChartContext
from skills.report.maps import its_gap_map_frame
from skills.report.page import script_json

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
NAMES = {"ITC1": "Piemonte", "ITC11": "Torino", "ITC12": "Vercelli", "IT": "Italia"}
AREAS = {"ict_data": "ICT and data", "energy": "Energy"}
TITLES = {"25": "ICT professionals", "35": "ICT technicians", "31": "Science associates"}
#: The frames' labels in English (the frame functions' default language).
LABELS = fr.frame_labels()
CTX = ChartContext(
    run_id="20260101T000000Z-abcdef",
    source="lfsa_egai2d (vintage 2026-10-15)",
    data_label="synthetic demo data",
    defaults={"geo": "ITC1", "its_area": "ict_data"},
)


# ----------------------------------------------------------------------------- fixed inputs
_CW = pl.DataFrame(
    {
        "crosswalk_version": "its-isco08-v1",
        "variant": ["central", "central", "central", "narrow", "narrow"],
        "its_area": ["ict_data", "ict_data", "energy", "ict_data", "energy"],
        "isco08": ["251", "351", "311", "251", "311"],
        "weight": [0.6, 0.4, 1.0, 1.0, 1.0],
    }
)


def _gap_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Courses and planned entries for two provinces, two areas, 2024-2025."""
    plan_rows = []
    for geo, g in (("ITC11", 1.0), ("ITC12", 0.5)):
        for year in (2024, 2025):
            for isco, n in (("251", 60), ("351", 40), ("311", 40)):
                plan_rows.append(
                    (geo, str(year), isco, "its_academy", int(n * g) + (year - 2024) * 10)
                )
    plans = pl.DataFrame(
        plan_rows,
        schema=["geo_nuts3", "period", "isco08", "education_level", "planned_hires_n"],
        orient="row",
    )
    course_rows = [
        (area, geo, year, n)
        for area, geo, n in (
            ("ict_data", "ITC11", 5),
            ("ict_data", "ITC12", 80),
            ("energy", "ITC11", 4),
        )
        for year in (2023, 2024, 2025)
    ]
    courses = pl.DataFrame(
        course_rows, schema=["its_area", "geo_nuts3", "end_year", "graduates_n"], orient="row"
    )
    return courses, plans


def its_gap() -> pl.DataFrame:
    from skills.indicators.gap import GapChoices, GapSpec
    from skills.indicators.gap import its_gap as build

    courses, plans = _gap_inputs()
    return build(
        courses,
        plans,
        _CW,
        central=GapSpec(min_link_weight=0.0, window=1),
        choices=GapChoices(min_link_weights=(0.0,), windows=(1,)),
    )


def its_gap_drivers() -> pl.DataFrame:
    from skills.indicators.gap import GapSpec
    from skills.indicators.gap import its_gap_drivers as build

    _, plans = _gap_inputs()
    return build(plans, _CW, central=GapSpec(min_link_weight=0.0, window=1), top=None)


def its_courses() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "foundation_name": ["ITS A", "ITS A", "ITS A", "ITS B"],
            "its_area": ["ict_data", "ict_data", "ict_data", "energy"],
            "end_year": [2022, 2023, 2024, 2023],
            "graduates_n": [20, 10, 15, 30],
            "employed_12m_n": [18, 5, None, 27],
            "employed_coherent_12m_n": [9, 5, None, None],
        }
    )


def indicators() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    shares = {"high": 35.0, "middle": 40.0, "low": 25.0}
    for geo, shift in (("ITC1", 0.0), ("IT", 1.0)):
        for year in range(2019, 2023):
            flag = "b" if year == 2021 else ("p" if year == 2022 else None)
            step = year - 2019
            values = {
                "high": shares["high"] + step + shift,
                "middle": shares["middle"] - 1.5 * step - shift,
                "low": shares["low"] + 0.5 * step,
            }
            for group, value in values.items():
                rows.append(
                    {
                        "indicator": "employment_share_pct",
                        "geo": geo,
                        "period": str(year),
                        "value": value,
                        "flag": flag,
                        "skill_group": group,
                    }
                )
        for period, flag, note in (
            ("2019-2020", None, None),
            ("2019-2022", "bp", "change across a series break (b in 2021)"),
        ):
            for group, value in (("high", 1.0 + shift), ("middle", -1.5), ("low", 0.5)):
                rows.append(
                    {
                        "indicator": "employment_share_change_pp",
                        "geo": geo,
                        "period": period,
                        "value": value * (3 if flag else 1),
                        "flag": flag,
                        "skill_group": group,
                        "note": note,
                    }
                )
    for label, base in (("2024", 0.01), ("2025", 0.02)):
        rows.append(
            {"indicator": "jackman_roper_index", "geo": "ITC1", "period": label, "value": base}
        )
        for alpha, k in (("alpha=0.3", 0.9), ("alpha=0.5", 1.0), ("alpha=0.7", 0.95)):
            rows.append(
                {
                    "indicator": "sahin_mismatch_index",
                    "geo": "ITC1",
                    "period": label,
                    "value": base * k / 10,
                    "variant": alpha,
                }
            )
        for variant, k in (("central", 30.0), ("narrow", 33.0), ("broad", 28.0)):
            rows.append(
                {
                    "indicator": "its_area_mismatch_index",
                    "geo": "ITC1",
                    "period": label,
                    "value": base * k,
                    "variant": variant,
                }
            )
    schema = {
        "indicator": pl.String,
        "geo": pl.String,
        "period": pl.String,
        "value": pl.Float64,
        "flag": pl.String,
        "skill_group": pl.String,
        "variant": pl.String,
        "note": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def percentiles() -> pl.DataFrame:
    x = [10.0, 30.0, 50.0, 70.0, 90.0]
    return pl.DataFrame(
        {
            "geo": ["IT"] * 5,
            "skill_pct": x,
            "share_change_pp": [0.05, -0.02, -0.06, 0.01, 0.08],
            "smoothed_pp": [0.03, -0.01, -0.04, 0.0, 0.07],
            "base_share_pct": [20.0] * 5,
            "period": ["2015-2020"] * 5,
        }
    )


def occupations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": ["IT"] * 3,
            "isco08": ["25", "35", "31"],
            "skill_pct": [90.0, 50.0, 10.0],
            "base_share_pct": [3.0, 2.0, 1.0],
            "share_change_pp": [0.3, -0.2, 0.1],
        }
    )


def models(b2: float = 0.0002) -> tuple[pl.DataFrame, pl.DataFrame]:
    model_id = "polarisation_u_test[IT 2015-2020]"
    coefs = pl.DataFrame(
        {
            "model_id": [model_id] * 3,
            "term": ["intercept", "skill_pct", "skill_pct^2"],
            "estimate": [0.2, -0.02, b2],
        }
    )
    glance = pl.DataFrame(
        {
            "model_id": [model_id],
            "x_min": [10.0],
            "x_max": [90.0],
            "turning_point": [0.02 / (2 * b2)],
        }
    )
    return coefs, glance


def beveridge() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": ["DE", "DE", "DE", "IT", "IT", "IT"],
            "period": ["2019", "2020", "2021"] * 2,
            "unemployment_rate": [3.0, 3.5, 3.2, 10.0, 9.0, 8.5],
            "job_vacancy_rate_pct": [3.0, 2.5, 3.1, 1.0, 1.2, 1.5],
            "flag_u": [None, None, "b", None, None, None],
            "flag_v": [None, None, None, None, None, "p"],
            "segment": pl.Series([1, 1, 2, 1, 1, 1], dtype=pl.UInt32),
        }
    )


def shortage() -> tuple[pl.DataFrame, pl.DataFrame]:
    index = pl.DataFrame(
        {
            "geo": ["ITC1"] * 3,
            "period": ["2015-2020"] * 3,
            "isco08": ["25", "35", "31"],
            "shortage_index": [0.8, -0.1, -0.6],
            "rank": pl.Series([1, 2, 3], dtype=pl.UInt32),
        }
    )
    rows = []
    for isco, ranks in (("25", (1, 1)), ("35", (2, 3)), ("31", (3, 2))):
        for weight_set, rank in zip(("default", "alt"), ranks, strict=True):
            rows.append(("ITC1", "2015-2020", isco, weight_set, rank, min(ranks), max(ranks)))
    sens = pl.DataFrame(
        rows,
        schema=["geo", "period", "isco08", "weight_set", "rank", "rank_min", "rank_max"],
        orient="row",
    )
    return index, sens


def chart_frames() -> dict[str, pl.DataFrame]:
    ind = indicators()
    coefs, glance = models()
    short, sens = shortage()
    geos = ["ITC1", "IT"]
    return {
        "its_gap_by_area": fr.its_gap_by_area_frame(
            its_gap(), region="ITC1", names=NAMES, area_labels=AREAS
        ),
        "its_gap_map": its_gap_map_frame(its_gap(), region="ITC1", names=NAMES, area_labels=AREAS),
        "its_supply_demand_trend": fr.its_supply_demand_trend_frame(
            its_gap(), region="ITC1", names=NAMES, area_labels=AREAS
        ),
        "its_outcomes": fr.its_outcomes_frame(its_courses(), area_labels=AREAS),
        "its_gap_drivers": fr.its_gap_drivers_frame(
            its_gap_drivers(), region="ITC1", names=NAMES, area_labels=AREAS, isco_titles=TITLES
        ),
        "skill_shares_trend": fr.skill_shares_trend_frame(ind, geos=geos, names=NAMES),
        "skill_share_change": fr.skill_share_change_frame(ind, geos=geos, names=NAMES),
        "polarisation_percentiles": fr.polarisation_percentiles_frame(
            percentiles(), prefer=["ITC1", "IT"], names=NAMES
        ),
        "polarisation_u_test": fr.polarisation_u_test_frame(
            occupations(), coefs, glance, isco_titles=TITLES, points=5
        ),
        "beveridge_curve": fr.beveridge_frame(beveridge(), names=NAMES),
        "mismatch_indices": fr.mismatch_indices_frame(ind, region="ITC1"),
        "shortage_ranking": fr.shortage_ranking_frame(
            short, sens, geos=["ITC1"], names=NAMES, isco_titles=TITLES
        ),
    }


# ----------------------------------------------------------------------------- frames
def test_gap_frame_is_the_tables_latest_year_with_its_own_region_rows() -> None:
    gap = its_gap()
    frame = fr.its_gap_by_area_frame(gap, region="ITC1", names=NAMES, area_labels=AREAS)
    assert frame["year"].unique().to_list() == [2025]
    region = frame.filter(pl.col("geo") == "ITC1", pl.col("its_area") == "ict_data").row(
        0, named=True
    )
    table = gap.filter(
        pl.col("geo") == "ITC1", pl.col("its_area") == "ict_data", pl.col("year") == 2025
    )
    # ict_data 2025: 251 (70 + 40) and 351 (50 + 30) entries, all to ict_data; 85 graduates
    assert region["demand_entries_n"] == pytest.approx(190.0)
    assert region["gap_n"] == pytest.approx(190.0 - 85.0)
    assert (region["gap_low_n"], region["gap_high_n"]) == pytest.approx(
        (table["gap_low_n"].item(), table["gap_high_n"].item())
    )
    # the band's low end: the weighted sum on the central crosswalk, 0.6 * 110 + 0.4 * 80
    # (the narrow crosswalk keeps 251 only: 110 under either rule)
    assert region["gap_low_n"] == pytest.approx(0.6 * 110 + 0.4 * 80 - 85.0)
    assert region["coverage_ratio"] == pytest.approx(round(85 / 190, 3))
    assert region["geo_label"] == "Piemonte (ITC1, sum of provinces)"
    surplus = frame.filter(pl.col("geo") == "ITC12", pl.col("its_area") == "ict_data")
    assert surplus["direction"].item() == LABELS.surplus_direction
    energy = frame.filter(pl.col("geo") == "ITC11", pl.col("its_area") == "energy")
    assert energy["area"].item() == "Energy"
    assert energy["direction"].item() == LABELS.shortage_direction
    assert frame.select((pl.col("gap_low_n") <= pl.col("gap_n")).all()).item()
    assert frame.select((pl.col("gap_n") <= pl.col("gap_high_n")).all()).item()


def test_trend_band_is_the_tables_demand_band() -> None:
    frame = fr.its_supply_demand_trend_frame(
        its_gap(), region="ITC1", names=NAMES, area_labels=AREAS
    )
    row = frame.filter(
        pl.col("geo") == "ITC11", pl.col("its_area") == "ict_data", pl.col("year") == 2024
    )
    assert row.select(
        "demand_entries_n", "demand_low_n", "demand_high_n", "supply_graduates_n"
    ).row(0) == (100.0, 0.6 * 60 + 0.4 * 40, 100.0, 5.0)  # low: the weighted sum
    assert frame.height == 3 * 2 * 2  # geos (with the region) x areas x years


def test_outcomes_are_ratios_of_sums() -> None:
    frame = fr.its_outcomes_frame(its_courses(), area_labels=AREAS)
    a = frame.filter(pl.col("foundation") == "ITS A")
    employed = a.filter(pl.col("measure") == LABELS.employed_measure).row(0, named=True)
    # cohorts with a known 12-month outcome only: (18 + 5) / (20 + 10), not mean(90%, 50%)
    assert employed["rate_pct"] == pytest.approx(round(100 * 23 / 30, 1))
    assert (employed["numerator_n"], employed["denominator_n"], employed["cohorts_n"]) == (
        23,
        30,
        2,
    )
    coherent = a.filter(pl.col("measure") == LABELS.coherent_measure).row(0, named=True)
    assert coherent["rate_pct"] == pytest.approx(round(100 * 14 / 23, 1))
    # ITS B has no coherence figure: no row, rather than a zero
    assert frame.filter(pl.col("foundation") == "ITS B").height == 1


def test_drivers_frame_keeps_the_top_occupations_of_the_region() -> None:
    frame = fr.its_gap_drivers_frame(
        its_gap_drivers(), region="ITC1", names=NAMES, area_labels=AREAS, isco_titles=TITLES, top=1
    )
    region = frame.filter(pl.col("geo") == "ITC1", pl.col("its_area") == "ict_data")
    # 2025: 251 gives 70 + 40 = 110 entries, 351 gives 50 + 30 = 80
    assert region["isco08"].to_list() == ["251"]
    assert region["allocated_entries_n"].to_list() == [110.0]
    assert region["share_pct"].to_list() == [round(100 * 110 / 190, 1)]
    assert region["occupation"][0] == "251 (no title)"


def test_skill_shares_are_segmented_at_series_breaks() -> None:
    frame = fr.skill_shares_trend_frame(indicators(), geos=["ITC1"], names=NAMES)
    high = frame.filter(pl.col("skill_group") == "high").sort("year")
    assert high["segment"].to_list() == [1, 1, 2, 2]
    assert high["line"].to_list() == ["high#1", "high#1", "high#2", "high#2"]
    assert high.filter(pl.col("is_break"))["break_x"].to_list() == [2020.5]
    # every skill group breaks in the same year
    assert frame.filter(pl.col("is_break"))["year"].unique().to_list() == [2021]


def test_share_change_marks_spans_across_a_break() -> None:
    frame = fr.skill_share_change_frame(indicators(), geos=["ITC1"], names=NAMES)
    crossing = frame.filter(pl.col("crosses_break"))
    assert set(crossing["span"]) == {"2019-2022 (across a series break: b in 2021)"}
    assert set(crossing["span_kind"]) == {LABELS.across_break}
    clean = frame.filter(~pl.col("crosses_break"))
    assert set(clean["span"]) == {"2019-2020 (no break)"}
    assert frame.select((pl.col("label_x") >= 0).all()).item()


def test_share_change_shows_the_common_window_where_it_is_not_the_own_span() -> None:
    rows: list[dict[str, Any]] = []
    spans = {
        "IT": (("2011-2017", None, None), ("2011-2025", "b", "change across a series break")),
        "EU27_2020": (
            ("2011-2020", None, None),
            ("2011-2025", "b", "change across a series break"),
        ),
    }
    for geo, own in spans.items():
        for period, flag, note in own:
            rows += [{"geo": geo, "period": period, "flag": flag, "note": note, "variant": None}]
        rows.append(
            {
                "geo": geo,
                "period": "2011-2017",
                "flag": None,
                "note": "common window of IT, EU27_2020",
                "variant": "common_window",
            }
        )
    ind = pl.DataFrame(
        [
            {**r, "indicator": "employment_share_change_pp", "skill_group": g, "value": v}
            for r in rows
            for g, v in (("high", 1.0), ("middle", -1.5), ("low", 0.5))
        ]
    )
    frame = fr.skill_share_change_frame(ind, geos=["IT", "EU27_2020"], names=NAMES)
    kinds = {
        (geo, kind): period
        for geo, kind, period in frame.select("geo", "span_kind", "period").unique().rows()
    }
    # Italy's own clean span is the common window: one bar, not two
    assert kinds == {
        ("IT", LABELS.clean_span): "2011-2017",
        ("IT", LABELS.across_break): "2011-2025",
        ("EU27_2020", LABELS.clean_span): "2011-2020",
        ("EU27_2020", LABELS.common_window): "2011-2017",
        ("EU27_2020", LABELS.across_break): "2011-2025",
    }
    eu = frame.filter(pl.col("span_kind") == LABELS.common_window)
    assert set(eu["span"]) == {"2011-2017 (common window)"} and eu.height == 3
    assert frame.height == 5 * 3


def test_u_test_evaluates_the_published_fit_and_marks_the_turning_point() -> None:
    coefs, glance = models()
    frame = fr.polarisation_u_test_frame(occupations(), coefs, glance, isco_titles=TITLES, points=5)
    fit = frame.filter(pl.col("kind") == "fit").sort("skill_pct")
    assert fit["skill_pct"].to_list() == [10.0, 30.0, 50.0, 70.0, 90.0]
    expected = [round(0.2 - 0.02 * x + 0.0002 * x * x, 4) for x in fit["skill_pct"]]
    assert fit["fitted_pp"].to_list() == pytest.approx(expected)
    turning = frame.filter(pl.col("kind") == "turning_point")
    assert turning["skill_pct"].to_list() == [50.0]
    # a turning point outside the fitted range is not drawn
    coefs, glance = models(b2=0.0001)
    frame = fr.polarisation_u_test_frame(occupations(), coefs, glance, isco_titles=TITLES)
    assert frame.filter(pl.col("kind") == "turning_point").height == 0


def test_beveridge_lines_never_cross_a_break() -> None:
    frame = fr.beveridge_frame(beveridge(), names=NAMES)
    assert frame.filter(pl.col("geo") == "DE")["line"].to_list() == ["DE#1", "DE#1", "DE#2"]
    assert set(frame["geo_label"]) == {"Germany (DE)", "Italia (IT)"}


def test_mismatch_central_values_and_bands() -> None:
    frame = fr.mismatch_indices_frame(indicators(), region="ITC1")
    expected = pl.DataFrame(
        {
            "indicator": ["its_area_mismatch_index", "jackman_roper_index", "sahin_mismatch_index"],
            "value": [0.6, 0.02, 0.002],
            "low": [0.56, None, 0.0018],
            "high": [0.66, None, 0.002],
        }
    )
    got = frame.filter(pl.col("year") == 2025).select("indicator", "value", "low", "high")
    assert_frame_equal(got, expected, check_exact=False, abs_tol=1e-9)


def test_shortage_rank_range_comes_from_the_sensitivity_table() -> None:
    short, sens = shortage()
    frame = fr.shortage_ranking_frame(short, sens, geos=["ITC1"], names=NAMES, isco_titles=TITLES)
    assert frame.select("isco08", "rank", "rank_min", "rank_max").rows() == [
        ("25", 1, 1, 1),
        ("35", 2, 2, 3),
        ("31", 3, 2, 3),
    ]
    without = fr.shortage_ranking_frame(short, None, geos=["ITC1"], names=NAMES, isco_titles=TITLES)
    assert without["rank_min"].to_list() == without["rank"].to_list()


def test_focus_geos_keep_the_region_first() -> None:
    got = fr.focus_geos("ITC1", ["DE11", "XX99"], ["DE11", "IT", "ITC1", "EU27_2020", "FR"])
    assert got == ["ITC1", "IT", "EU27_2020", "DE11"]
    assert fr.geo_label("EU27_2020", {}) == "EU-27 (2020)"
    assert fr.geo_label("ITC11", NAMES) == "Torino (ITC11)"


# ----------------------------------------------------------------------------- charts
def normalised(spec: dict[str, Any]) -> str:
    text = json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False)
    names: dict[str, str] = {}
    for name in re.findall(r"data-[0-9a-f]{32}", text):
        names.setdefault(name, f"data-{len(names)}")
    # view names hash the chart's repr (and so Polars' display settings): number them
    for name in re.findall(r"view_[0-9a-f]{16}", text):
        names.setdefault(name, f"view-{sum(v.startswith('view-') for v in names.values())}")
    for old, new in names.items():
        text = text.replace(old, new)
    return text + "\n"


def test_builders_cover_every_chart_id() -> None:
    assert tuple(BUILDERS) == CHART_IDS


# the map's snapshot leaves out its coordinates: tests/test_report_map.py keeps it
@pytest.mark.parametrize("chart_id", [c for c in CHART_IDS if c != "its_gap_map"])
def test_chart_spec_snapshot(chart_id: str) -> None:
    frame = chart_frames()[chart_id]
    assert 0 < frame.height < MAX_ROWS
    spec = BUILDERS[chart_id](frame, CTX).to_dict()
    # the source and the run first (the map adds its boundaries' attribution after them)
    assert spec["title"]["subtitle"][:2] == [
        "Source: lfsa_egai2d (vintage 2026-10-15)",
        "Run 20260101T000000Z-abcdef · SYNTHETIC DEMO DATA",
    ]
    assert spec["description"]
    text = normalised(spec)
    path = SNAPSHOTS / f"{chart_id}.vl.json"
    if os.environ.get("SKILLS_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path}: run with SKILLS_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{chart_id}: the chart spec changed; if intended, rewrite the snapshot with "
        "SKILLS_UPDATE_SNAPSHOTS=1 and review the diff"
    )


def test_selectors_are_bound_select_parameters() -> None:
    spec = BUILDERS["its_supply_demand_trend"](
        chart_frames()["its_supply_demand_trend"], CTX
    ).to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == {"province", "area"}
    province = params["province"]
    assert province["select"] == {"type": "point", "fields": ["geo"], "clear": False}
    assert len(province["views"]) == 1  # defined once, on the lines layer
    assert province["bind"]["input"] == "select"
    assert province["bind"]["options"][0] == "ITC1"  # the default comes first
    assert province["value"] == [{"geo": "ITC1"}]
    assert params["area"]["value"] == [{"its_area": "ict_data"}]


def test_builders_refuse_microdata_sized_frames() -> None:
    big = pl.DataFrame({"geo": ["ITC1"] * (MAX_ROWS + 1)})
    with pytest.raises(ValueError, match="aggregate in Polars first"):
        BUILDERS["beveridge_curve"](big, CTX)
    with pytest.raises(ValueError, match="no rows"):
        BUILDERS["beveridge_curve"](pl.DataFrame({"geo": []}), CTX)


def test_script_json_cannot_close_the_script_element() -> None:
    text = script_json({"title": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"title": "</script><script>alert(1)</script> & <!--"}


def test_import_is_light() -> None:
    code = (
        "import sys, skills.report\n"
        "print(','.join(m for m in ('altair', 'vl_convert', 'polars') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_an_empty_folder_gives_a_page_of_notes(tmp_path: Path) -> None:
    result = build_report(tmp_path, formats=("html", "svg"), strict=True)
    assert result.chart_ids == ()
    assert result.charts == ()
    html = result.report.read_text(encoding="utf-8") if result.report else ""
    assert "manifest.json is not in this publication" in html
    assert "quality.json is not in this publication" in html
    assert "data-label-banner" not in html
    assert html.count("window.vegaEmbed=") == 1


def test_a_broken_table_becomes_a_note_not_a_failed_publication(tmp_path: Path) -> None:
    manifest = {"run_id": "r1", "pipeline": {"region": "ITC1", "nuts_version": 2021}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    pl.DataFrame({"geo": ["ITC11"], "oops": [1]}).write_parquet(tmp_path / "its_gap.parquet")
    pl.DataFrame({"label": ["x"]}).write_parquet(tmp_path / "profile.parquet")
    beveridge().write_parquet(tmp_path / "beveridge.parquet")
    result = build_report(tmp_path, formats=("html",), languages=("en",))
    assert result.chart_ids == ("beveridge_curve",)
    assert any(
        n.startswith("Supply-demand gap by technology area (its_gap_by_area) could not")
        for n in result.notes
    )
    html = result.report.read_text(encoding="utf-8") if result.report else ""
    assert "This section could not be written" in html  # the profile
    with pytest.raises(pl.exceptions.PolarsError):
        build_report(tmp_path, formats=("html",), strict=True, languages=("en",))


def test_specs_are_schema_validated_only_when_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh skips Altair's jsonschema pass (our builders make the specs); strict
    builds (the tests, e.g. the demo report in both languages) validate every chart."""
    import altair as alt
    from altair.utils.schemapi import SchemaValidationError

    from skills.report._build import prepare_charts
    from skills.report._publication import read_publication

    manifest = {"run_id": "r1", "pipeline": {"region": "ITC1", "nuts_version": 2021}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    beveridge().write_parquet(tmp_path / "beveridge.parquet")
    pub = read_publication(tmp_path)

    def invalid(frame: pl.DataFrame, ctx: ChartContext) -> Any:
        chart = alt.Chart(frame).mark_point()
        chart.width = "wide"  # not a width; attribute assignment is not checked
        return chart

    monkeypatch.setitem(BUILDERS, "beveridge_curve", invalid)
    with pytest.raises(SchemaValidationError, match="wide"):
        prepare_charts(pub, strict=True)
    items, _ = prepare_charts(pub)
    assert [i.chart_id for i in items] == ["beveridge_curve"]
    assert items[0].spec["width"] == "wide"


def test_builders_skip_altairs_per_object_checks() -> None:
    """Every builder runs without Altair's check of each object as it is made (the spec
    is validated whole in strict builds instead); outside them the check is back."""
    import altair as alt
    from altair.utils import schemapi

    from skills.report.charts import _unchecked

    def sized(frame: pl.DataFrame, ctx: ChartContext) -> Any:
        return alt.Chart(frame).mark_point(size="big")  # not a size

    assert all(hasattr(builder, "__wrapped__") for builder in BUILDERS.values())
    chart = _unchecked(sized)(pl.DataFrame({"a": [1]}), CTX)
    assert chart.mark.size == "big"
    assert schemapi.DEBUG_MODE
    with pytest.raises(schemapi.SchemaValidationError):
        sized(pl.DataFrame({"a": [1]}), CTX)


@pytest.mark.parametrize("ctx", [CTX, None])
def test_the_shared_look_is_one_config_equal_to_altairs_configure_calls(
    ctx: ChartContext | None,
) -> None:
    """``_finish`` sets the look in one ``Config``; a chart that already has a config
    goes through Altair's ``configure_*`` calls instead. Both give the same spec, key
    order included (the chart files are the JSON as it comes)."""
    import altair as alt

    from skills.report.charts._common import _finish

    def base() -> Any:
        return alt.Chart(alt.InlineData(values=[{"a": 1}])).mark_point().encode(x="a:Q")

    fast = _finish(base(), ctx).to_dict()
    chained = _finish(base().configure_point(size=5), ctx).to_dict()
    assert chained["config"].pop("point", None) == ({"size": 5} if ctx is None else None)
    assert json.dumps(fast) == json.dumps(chained)
    assert ("locale" in fast["config"]) is (ctx is not None)


# ----------------------------------------------------------------------------- rendering
def _items(n: int) -> list[Any]:
    from skills.report._build import ChartItem

    items = []
    for i in range(n):
        item = ChartItem(f"chart{i}", "s", "h", "l", "src", "src")
        item.spec = {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": "container",
            "data": {"values": [{"x": k, "y": (k * (i + 3)) % 7} for k in range(6)]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "x", "type": "ordinal"},
                "y": {"field": "y", "type": "quantitative"},
            },
        }
        items.append(item)
    return items


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_chart_files_are_the_same_with_a_helper_process(tmp_path: Path) -> None:
    from skills.report._chart_files import write_chart_files

    formats = ("json", "svg", "png")
    alone, shared = _items(5), _items(5)
    write_chart_files(alone, tmp_path / "one", formats, "5.20", processes=1)
    write_chart_files(shared, tmp_path / "two", formats, "5.20", processes=2)
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert len(one) == 15 and one == two  # no temporary file left, same bytes
    assert one["chart3.svg"].startswith(b"<svg") and one["chart4.png"][:4] == b"\x89PNG"
    assert [p.name for p in shared[1].files] == ["chart1.vl.json", "chart1.svg", "chart1.png"]


def test_a_failing_helper_process_falls_back_to_rendering_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from skills.report import _chart_files

    monkeypatch.setattr(_chart_files, "HELPER_MODULE", "skills.report.no_such_module")
    items = _items(4)
    _chart_files.write_chart_files(items, tmp_path, ("svg",), "5.20", processes=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"chart{i}.svg" for i in range(4)]
    assert "chart helper process failed" in caplog.text


def test_the_helper_process_is_killed_when_the_parent_leaves_early(tmp_path: Path) -> None:
    from skills.report._chart_files import _Helper, static_spec

    jobs = [
        {
            "id": item.chart_id,
            "spec": static_spec(item.spec),
            "svg": str(tmp_path / f"{item.chart_id}.svg"),
        }
        for item in _items(30)
    ]
    with pytest.raises(KeyboardInterrupt), _Helper(jobs, ["svg"], "5.20") as helper:
        assert helper.process is not None and helper.process.poll() is None
        raise KeyboardInterrupt
    assert helper.process.returncode == -9  # killed, not finished (30 charts take seconds)
    assert helper.jobs_file is not None and not helper.jobs_file.exists()


def test_render_processes_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from skills.report._chart_files import render_processes

    monkeypatch.setenv("SKILLS_REPORT_PROCESSES", "1")
    assert render_processes() == 1
    monkeypatch.setenv("SKILLS_REPORT_PROCESSES", "8")
    assert render_processes() == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    monkeypatch.setenv("SKILLS_REPORT_PROCESSES", "")
    assert render_processes() == 1


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_a_chart_vl_convert_cannot_render_gets_a_note_not_a_failure(
    tmp_path: Path, processes: int
) -> None:
    from skills.report._chart_files import write_chart_files

    items = _items(5)
    items[3].spec = {**items[3].spec, "mark": "nonsense"}  # valid JSON, fails in Vega-Lite
    _, notes = write_chart_files(
        items, tmp_path, ("json", "svg", "png"), "5.20", processes=processes
    )
    assert len(notes) == 1 and "(chart3): no SVG/PNG file, vl-convert failed" in notes[0]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "chart3.vl.json" in names and "chart3.svg" not in names and "chart3.png" not in names
    assert {f"chart{i}.{ext}" for i in (0, 1, 2, 4) for ext in ("svg", "png")} <= set(names)
    assert [p.name for p in items[3].files] == ["chart3.vl.json"]
    with pytest.raises(RuntimeError, match="chart3"):
        write_chart_files([*_items(5)[:3], items[3]], tmp_path / "s", ("svg",), "5.20", strict=True)
