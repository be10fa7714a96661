"""Data-quality suites: files, structure, value checks on bad input, demo and real data."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skills.align import PANEL_KEY, PANEL_SCHEMA
from skills.errors import ConfigError, QualityError
from skills.indicators import INDICATOR_KEY, INDICATOR_SCHEMA
from skills.models.conventions import FEW_CLUSTERS
from skills.quality import (
    ExpectationOutcome,
    ValidationReport,
    available_suites,
    check_structure,
    load_suite,
    parse_suite,
    render_quality_html,
    suite_for_role,
    validate_table,
    validate_tables,
)
from skills.quality._suite import STRUCTURAL_TYPES
from skills.spec import ROLES

REPO = Path(__file__).resolve().parent.parent
EXPECTATIONS = REPO / "expectations"

# --------------------------------------------------------------------------- helpers


def failures(outcomes: list[ExpectationOutcome]) -> list[ExpectationOutcome]:
    return [o for o in outcomes if o.failed]


def only_failure(outcomes: list[ExpectationOutcome], severity: str) -> ExpectationOutcome:
    found = [o for o in outcomes if o.failed and o.severity == severity]
    assert len(found) == 1, [o.line() for o in failures(outcomes)]
    return found[0]


def eurostat(unit: str, values: dict[str, list[float]], *, flags: Any = None) -> pl.DataFrame:
    """A tidy Eurostat table: one series per geo, years 2018-2021."""
    rows = []
    for geo, vals in values.items():
        for i, v in enumerate(vals):
            rows.append(
                {
                    "unit": unit,
                    "sex": "T",
                    "age": "Y15-74",
                    "geo": geo,
                    "period": str(2018 + i),
                    "value": v,
                    "flag": None if flags is None else flags.get((geo, i)),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "unit": pl.String,
            "sex": pl.String,
            "age": pl.String,
            "geo": pl.String,
            "period": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
        },
    )


EMPLOYMENT = {
    "ITC1": [1800.0, 1810.0, 1790.0, 1795.0],
    "DE11": [2100.0, 2120.0, 2130.0, 2125.0],
    "FR71": [2900.0, 2950.0, 2940.0, 2960.0],
}
RATES = {"ITC1": [7.5, 7.2, 8.1, 7.9], "DE11": [3.1, 3.0, 3.6, 3.4]}


def its_courses() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "foundation_id": ["F1", "F1", "F2", "F2", "F1", "F2"],
            "foundation_name": ["Uno", "Uno", "Due", "Due", "Uno", "Due"],
            "course_id": ["C1", "C2", "C3", "C4", "C1", "C3"],
            "course_title": ["a", "b", "c", "d", "a", "c"],
            "its_area": [
                "mechatronics",
                "ict_data",
                "energy",
                "agrifood",
                "mechatronics",
                "energy",
            ],
            "geo_nuts3": ["ITC11", "ITC11", "ITC16", "ITC12", "ITC11", "ITC16"],
            "start_year": [2019, 2019, 2020, 2020, 2021, 2021],
            "end_year": [2021, 2021, 2022, 2022, 2023, 2023],
            "enrolled_n": [25, 30, 22, 28, 26, 24],
            "graduates_n": [20, 24, 18, 21, None, None],
            "employed_12m_n": [16, 20, 15, None, None, None],
            "employed_coherent_12m_n": [14, 18, 12, None, None, None],
            "its_area_source": [
                "mechatronics",
                "ict_data",
                "energy",
                "agrifood",
                "mit_mechanics",
                "energy",
            ],
            "_line": [2, 3, 4, 5, 6, 7],
        },
        schema_overrides=dict.fromkeys(
            ("graduates_n", "employed_12m_n", "employed_coherent_12m_n"), pl.Int64
        ),
    )


def hiring_plans() -> pl.DataFrame:
    rows = []
    line = 2
    for period in ("2021", "2022", "2023"):
        for geo in ("ITC11", "ITC12"):
            for isco, edu in (("31", "its_academy"), ("72", "upper_secondary")):
                rows.append((geo, period, isco, edu, 100 + line, 25.0, None, line))
                line += 1
    return pl.DataFrame(
        rows,
        schema={
            "geo_nuts3": pl.String,
            "period": pl.String,
            "isco08": pl.String,
            "education_level": pl.String,
            "planned_hires_n": pl.Int64,
            "hard_to_fill_pct": pl.Float64,
            "nace_r2": pl.String,
            "_line": pl.Int64,
        },
        orient="row",
    )


def panel() -> pl.DataFrame:
    rows = []
    for geo, vals in EMPLOYMENT.items():
        for i, v in enumerate(vals):
            rows.append(
                {
                    "measure": "employment_ths",
                    "geo": geo,
                    "geo_level": 2,
                    "nuts_version": 2021,
                    "period": str(2018 + i),
                    "value": v,
                    "unit": "thousand persons",
                    "sex": "T",
                    "age": "Y15-74",
                    "role": "employment",
                    "source": "test",
                }
            )
    frame = pl.DataFrame(rows)
    missing = [c for c in PANEL_SCHEMA if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None).alias(c) for c in missing)
    return frame.select(pl.col(c).cast(t) for c, t in PANEL_SCHEMA.items())


def indicators(extra: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for geo, vals in RATES.items():
        for i, v in enumerate(vals):
            rows.append(
                {
                    "indicator": "unemployment_rate",
                    "geo": geo,
                    "geo_level": 2,
                    "period": str(2018 + i),
                    "value": v,
                    "unit": "%",
                    "source": "test",
                    "sex": "T",
                    "age": "Y15-74",
                }
            )
    rows += extra or []
    frame = pl.DataFrame(rows, infer_schema_length=None)
    missing = [c for c in INDICATOR_SCHEMA if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None).alias(c) for c in missing)
    return frame.select(pl.col(c).cast(t) for c, t in INDICATOR_SCHEMA.items())


def models() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "model_id": ["m1", "m1", "m2"],
            "term": ["const", "x", "const"],
            "estimate": [1.0, 0.5, 2.0],
            "std_error": [0.1, 0.2, 0.3],
            "statistic": [10.0, 2.5, 6.7],
            "p_value": [0.0, 0.01, 0.0],
            "conf_low": [0.8, 0.1, 1.4],
            "conf_high": [1.2, 0.9, 2.6],
            "cov": ["cluster(geo)", "cluster(geo)", "robust-HC1"],
            "nobs": [120, 120, 80],
            "r2": [0.4, 0.4, 0.2],
            "clusters": [FEW_CLUSTERS, FEW_CLUSTERS, None],  # not few: no warning
        },
        schema_overrides={"clusters": pl.Int64},
    )


def hires() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": ["ITC11", "ITC11", "ITC11", "ITC12", "ITC12", "ITC12"],
            "period": ["2021", "2022", "2023"] * 2,
            "hires_n": [91000, 94500, 93800, 17100, 17600, 17900],
            "source_note": ["test"] * 6,
            "_line": [2, 3, 4, 5, 6, 7],
        }
    )


def set_value(frame: pl.DataFrame, row: int, column: str, value: Any) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value, dtype=frame.schema[column]))
        .otherwise(pl.col(column))
        .alias(column)
    )


# --------------------------------------------------------------------------- suite files


def test_import_is_light_and_structure_runs_without_gx() -> None:
    code = (
        "import sys, polars as pl\n"
        "import skills.quality as q\n"
        "assert 'great_expectations' not in sys.modules\n"
        "out = q.check_structure('models', pl.DataFrame({'model_id': ['a']}))\n"
        "assert any(o.failed for o in out)\n"
        "assert 'great_expectations' not in sys.modules\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_one_suite_per_table_and_role() -> None:
    names = set(available_suites())
    expected = {"indicators", "panel", "models", "its_courses", "hiring_plans"}
    expected |= {suite_for_role(r) for r in ROLES}
    assert expected <= names
    assert suite_for_role("unemployment_rate") == "eurostat__unemployment_rate"
    assert suite_for_role("wages_by_occupation") == "wages_by_occupation"
    with pytest.raises(ConfigError):
        suite_for_role("nope")
    with pytest.raises(ConfigError, match="no expectation suite"):
        load_suite("nope")


@pytest.mark.parametrize("path", sorted(EXPECTATIONS.glob("*.json")), ids=lambda p: p.stem)
def test_suite_file_is_a_gx_suite_with_our_meta(path: Path) -> None:
    import great_expectations as gx

    doc = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**doc)  # GX itself loads the file
    assert suite.name == path.stem
    ours = load_suite(path.stem)
    assert len(ours.expectations) == len(doc["expectations"]) > 0
    for exp in ours.expectations:
        assert exp.severity in ("error", "warning")
    types = {e.type for e in ours.expectations}
    assert "expect_compound_columns_to_be_unique" in types
    assert "expect_table_row_count_to_be_between" in types


def test_parse_suite_rejects_an_expectation_without_severity() -> None:
    text = json.dumps(
        {
            "name": "x",
            "meta": {"skills": {"kind": "panel"}},
            "expectations": [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}],
        }
    )
    with pytest.raises(ConfigError, match="severity"):
        parse_suite(text)


def _suite_types(name: str) -> dict[str, str]:
    return {
        str(e.kwargs["column"]): str(e.kwargs["type_"])
        for e in load_suite(name).expectations
        if e.type == "expect_column_values_to_be_of_type"
    }


def test_suite_schemas_match_the_code() -> None:
    assert _suite_types("panel") == {c: str(t) for c, t in PANEL_SCHEMA.items()}
    assert _suite_types("indicators") == {c: str(t) for c, t in INDICATOR_SCHEMA.items()}
    keys = {
        name: next(
            e.kwargs["column_list"]
            for e in load_suite(name).expectations
            if e.type == "expect_compound_columns_to_be_unique"
        )
        for name in ("panel", "indicators")
    }
    assert keys == {"panel": list(PANEL_KEY), "indicators": list(INDICATOR_KEY)}
    from skills.sources.hiring import HIRING_PLANS
    from skills.sources.its import ITS_COURSES
    from skills.sources.wages import WAGES

    dtypes = {"string": "String", "int": "Int64", "float": "Float64"}
    for schema in (ITS_COURSES, HIRING_PLANS, WAGES):
        suite_types = _suite_types(schema.name)
        for col in schema.columns:
            assert suite_types[col.name] == dtypes[col.dtype], (schema.name, col.name)
        required = {
            str(e.kwargs["column"])
            for e in load_suite(schema.name).expectations
            if e.type == "expect_column_to_exist"
        }
        assert required == {c.name for c in schema.columns if c.required}, schema.name


def test_models_suite_matches_model_rows_schema() -> None:
    results = pytest.importorskip("skills.models.results")
    schema = results.MODEL_ROWS_SCHEMA
    suite = load_suite("models")
    for exp in suite.expectations:
        if exp.type == "expect_column_values_to_be_of_type":
            assert str(schema[exp.kwargs["column"]]) == exp.kwargs["type_"]
        if exp.type == "expect_column_values_to_be_in_type_list":
            assert str(schema[exp.kwargs["column"]]) in exp.kwargs["type_list"]


# --------------------------------------------------------------------------- clean input passes


@pytest.fixture(scope="module")
def warm_gx() -> None:
    from skills.quality import gx_context

    gx_context()


@pytest.mark.parametrize(
    ("table", "frame"),
    [
        ("employment", eurostat("THS", EMPLOYMENT)),
        ("unemployment_rate", eurostat("PC", RATES)),
        ("its_courses", its_courses()),
        ("hiring_plans", hiring_plans()),
        ("panel", panel()),
        ("indicators", indicators()),
        ("models", models()),
        ("hires", hires()),
    ],
)
def test_clean_tables_pass_without_warnings(warm_gx: None, table: str, frame: pl.DataFrame) -> None:
    out = validate_table(table, frame, source=f"{table}.csv")
    assert failures(out) == [], [o.line() for o in failures(out)]
    assert sum(o.engine == "polars" for o in out) > 0
    assert sum(o.expectation not in STRUCTURAL_TYPES and not o.skipped for o in out) > 0


# --------------------------------------------------------------------------- bad input


def test_unknown_region_code(warm_gx: None) -> None:
    bad = set_value(hiring_plans(), 2, "geo_nuts3", "ITZ99")
    o = only_failure(validate_table("hiring_plans", bad, source="hiring.csv"), "error")
    assert o.columns == ("geo_nuts3",)
    assert o.examples[0]["geo_nuts3"] == "ITZ99" and o.examples[0]["_line"] == 4
    assert "hiring.csv:4" in o.line() and "ITZ99" in o.line()


@pytest.mark.slow
def test_unknown_region_code_in_the_panel_uses_the_pipeline_nuts_version(warm_gx: None) -> None:
    # ITG25 (Sassari) exists in NUTS 2016 but not in NUTS 2021
    bad = set_value(panel(), 0, "geo", "ITG25")
    in_2016 = bad.with_columns(pl.lit(2016, pl.Int16).alias("nuts_version"))
    out = validate_table("panel", bad, source="panel.parquet")
    o = only_failure(out, "error")
    assert o.expectation == "expect_column_values_to_match_regex" and o.columns == ("geo",)
    assert "ITG25" in o.line() and "panel.parquet (table row 1)" in o.line()
    assert not failures(validate_table("panel", in_2016, nuts_version=2016))


def test_non_italian_geo_must_look_like_a_code(warm_gx: None) -> None:
    bad = set_value(eurostat("THS", EMPLOYMENT), 5, "geo", "Stuttgart")
    o = only_failure(validate_table("employment", bad), "error")
    assert o.expectation == "expect_column_values_to_match_regex"
    assert o.examples[0]["geo"] == "Stuttgart"


def test_unknown_occupation_code(warm_gx: None) -> None:
    bad = set_value(hiring_plans(), 0, "isco08", "99")
    o = only_failure(validate_table("hiring_plans", bad, source="hiring.csv"), "error")
    assert o.columns == ("isco08",) and "99" in o.line() and "hiring.csv:2" in o.line()


def test_negative_count(warm_gx: None) -> None:
    bad = set_value(eurostat("THS", EMPLOYMENT), 1, "value", -5.0)
    out = validate_table("employment", bad, source="lfst_r_lfe2emp.tsv")
    o = only_failure(out, "error")
    assert (o.expectation, o.columns) == ("expect_column_values_to_be_between", ("value",))
    assert o.examples[0] == {
        "sex": "T",
        "age": "Y15-74",
        "geo": "ITC1",
        "period": "2019",
        "value": -5.0,
        "_row": 2,
    }
    assert o.line().startswith("ERROR employment: expect_column_values_to_be_between on value")


def test_rate_above_100(warm_gx: None) -> None:
    bad = set_value(eurostat("PC", RATES), 6, "value", 150.0)
    o = only_failure(validate_table("unemployment_rate", bad), "error")
    assert o.columns == ("value",) and o.examples[0]["value"] == 150.0


def test_graduates_above_enrolled(warm_gx: None) -> None:
    bad = set_value(its_courses(), 2, "graduates_n", 40)
    o = only_failure(validate_table("its_courses", bad, source="its.xlsx"), "error")
    assert o.columns == ("enrolled_n", "graduates_n")
    assert o.examples[0]["_line"] == 4 and o.examples[0]["graduates_n"] == 40
    assert "its.xlsx:4" in o.line()


def test_employed_above_graduates(warm_gx: None) -> None:
    bad = set_value(its_courses(), 0, "employed_12m_n", 21)
    o = only_failure(validate_table("its_courses", bad), "error")
    assert o.columns == ("graduates_n", "employed_12m_n")


def test_all_null_column(warm_gx: None) -> None:
    bad = indicators().with_columns(pl.lit(None, pl.Float64).alias("value"))
    out = validate_table("indicators", bad)
    err = only_failure(out, "error")
    assert err.expectation == "expect_column_proportion_of_non_null_values_to_be_between"
    assert err.columns == ("value",)
    warn = only_failure(out, "warning")
    assert warn.expectation == "expect_column_values_to_not_be_null"


def test_all_null_nullable_column_is_a_warning(warm_gx: None) -> None:
    bad = its_courses().with_columns(
        pl.lit(None, pl.Int64).alias(c)
        for c in ("graduates_n", "employed_12m_n", "employed_coherent_12m_n")
    )
    out = validate_table("its_courses", bad)
    assert not [o for o in failures(out) if o.severity == "error"]
    o = only_failure(out, "warning")
    assert o.columns == ("graduates_n",)


def test_a_year_jumping_tenfold_stops_the_run(warm_gx: None) -> None:
    frame = eurostat("THS", EMPLOYMENT)
    bad = frame.with_columns(
        pl.when(pl.col("period") == "2020")
        .then(pl.col("value") * 10)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    out = validate_table("employment", bad, source="emp.tsv")
    err = only_failure(out, "error")
    assert err.check_table == "jumps" and err.columns == ("median_ratio",)
    assert err.examples[0]["period"] == "2020" and err.examples[0]["median_ratio"] > 9.9
    warn = only_failure(out, "warning")
    assert warn.check_table == "steps" and warn.observed["unexpected_count"] == 6
    assert {e["geo"] for e in warn.examples} == {"ITC1", "DE11", "FR71"}


def test_one_series_jumping_is_a_warning(warm_gx: None) -> None:
    bad = set_value(eurostat("THS", EMPLOYMENT), 6, "value", 213.0)  # DE11 2020 / 10
    out = validate_table("employment", bad)
    assert not [o for o in failures(out) if o.severity == "error"]
    warn = only_failure(out, "warning")
    assert warn.check_table == "steps" and warn.examples[0]["geo"] == "DE11"


def test_duplicated_key_rows(warm_gx: None) -> None:
    frame = its_courses()
    bad = pl.concat([frame, frame.slice(1, 1).with_columns(pl.lit(9, pl.Int64).alias("_line"))])
    o = only_failure(validate_table("its_courses", bad, source="its.xlsx"), "error")
    assert o.expectation == "expect_compound_columns_to_be_unique" and o.engine == "polars"
    assert [e["_line"] for e in o.examples] == [3, 9]
    assert o.examples[0]["course_id"] == "C2"
    assert "its.xlsx:3" in o.line()


def test_a_file_from_another_dataset(warm_gx: None) -> None:
    # unemployment in thousands given where the unemployment rate is expected
    thousands = eurostat("THS", {"DE": [1500.0, 1400.0, 1450.0, 1420.0]}).drop("unit")
    o = only_failure(validate_table("unemployment_rate", thousands), "error")
    assert o.columns == ("value",) and o.observed["unexpected_count"] == 4
    # with its unit column, no row is of the role's unit (PC): an empty table for the role
    out = validate_table("unemployment_rate", eurostat("THS", {"DE": [1500.0, 1400.0]}))
    o = only_failure(out, "error")
    assert o.expectation == "expect_table_row_count_to_be_between"
    assert "units the unemployment_rate role reads" in o.line()


def test_empty_table_and_missing_or_mistyped_columns(warm_gx: None) -> None:
    o = only_failure(validate_table("indicators", indicators().clear()), "error")
    assert o.expectation == "expect_table_row_count_to_be_between"
    out = validate_table("indicators", indicators().drop("unit"))
    o = only_failure(out, "error")
    assert o.expectation == "expect_column_to_exist" and o.columns == ("unit",)
    assert any(x.skipped and "unit" in x.columns for x in out)
    out = check_structure("indicators", indicators().with_columns(pl.col("value").cast(pl.String)))
    o = only_failure(out, "error")
    assert o.expectation == "expect_column_values_to_be_of_type" and o.observed == {
        "observed_value": "String"
    }


def test_indicator_values_within_catalogue_range(warm_gx: None) -> None:
    bad = set_value(indicators(), 3, "value", 120.0)
    o = only_failure(validate_table("indicators", bad), "error")
    assert o.columns == ("valid_max", "value")
    assert o.examples[0]["indicator"] == "unemployment_rate" and o.examples[0]["value"] == 120.0
    unknown = set_value(indicators(), 0, "indicator", "made_up_index")
    out = validate_table("indicators", unknown)
    assert any(x.failed and x.columns == ("indicator",) and x.severity == "error" for x in out), [
        x.line() for x in failures(out)
    ]


def test_shares_sum_to_100(warm_gx: None) -> None:
    def shares(values: tuple[float, float, float]) -> list[dict[str, Any]]:
        return [
            {
                "indicator": "employment_share_pct",
                "geo": "ITC1",
                "geo_level": 2,
                "period": "2020",
                "value": v,
                "unit": "%",
                "source": "test",
                "skill_group": g,
            }
            for g, v in zip(("high", "middle", "low"), values, strict=True)
        ]

    frame = indicators(shares((40.0, 35.0, 25.2)))
    out = [o for o in validate_table("indicators", frame) if o.check_table == "shares"]
    # the catalogue may not list employment_share_pct yet: only the share check matters here
    assert len(out) == 1 and out[0].success
    bad = indicators(shares((40.0, 35.0, 20.0)))
    o = next(o for o in validate_table("indicators", bad) if o.check_table == "shares")
    assert o.failed and o.severity == "error"
    assert o.examples[0]["share_sum"] == 95.0 and o.examples[0]["geo"] == "ITC1"


def test_gap_in_a_series_is_a_warning_unless_flagged(warm_gx: None) -> None:
    frame = eurostat("THS", EMPLOYMENT)
    gap = set_value(frame, 1, "value", None)
    o = only_failure(validate_table("employment", gap), "warning")
    assert o.check_table == "gaps" and o.examples[0]["missing_periods"] == "2019"
    flagged = set_value(gap, 1, "flag", "c")
    assert failures(validate_table("employment", flagged)) == []


def test_a_thin_period_is_a_warning(warm_gx: None) -> None:
    frame = its_courses()
    more = [
        frame.slice(0, 4).with_columns(
            pl.col("course_id") + suffix,
            (pl.col("_line") + offset).alias("_line"),
            pl.lit(1, pl.Int64).alias("enrolled_n"),
            *(pl.lit(None, pl.Int64).alias(c) for c in ("graduates_n", "employed_12m_n")),
            pl.lit(None, pl.Int64).alias("employed_coherent_12m_n"),
        )
        for suffix, offset in (("b", 10), ("c", 20))
    ]
    extra = pl.concat([frame, *more])
    o = only_failure(validate_table("its_courses", extra), "warning")
    assert o.check_table == "periods" and o.examples[0]["period"] == "2021"


def test_model_results(warm_gx: None) -> None:
    bad = set_value(set_value(models(), 0, "p_value", 1.5), 1, "conf_low", 0.7)
    out = validate_table("models", bad)
    errors = {o.columns for o in failures(out) if o.severity == "error"}
    assert errors == {("p_value",), ("estimate", "conf_low")}


# --------------------------------------------------------------------------- report and HTML


@pytest.fixture(scope="module")
def mixed_report(warm_gx: None) -> ValidationReport:
    return validate_tables(
        {
            "its_courses": set_value(its_courses(), 2, "graduates_n", 40),
            "employment": set_value(eurostat("THS", EMPLOYMENT), 6, "value", 213.0),
            "panel": panel(),
        },
        sources={"its_courses": "data/its_courses.xlsx"},
    )


def test_report_counts_and_json_round_trip(mixed_report: ValidationReport) -> None:
    rep = mixed_report
    assert not rep.passed
    assert rep.counts["errors"] == 1 and rep.counts["warnings"] == 1
    assert [o.table for o in rep.errors()] == ["its_courses"]
    again = ValidationReport.from_json(rep.to_json())
    assert again == rep
    json.loads(rep.to_json())  # plain JSON
    entries = {e["table"]: e for e in rep.per_suite()}
    assert entries["its_courses"]["passed"] is False
    assert entries["employment"] == {**entries["employment"], "passed": True, "warnings": 1}
    assert entries["its_courses"]["source"] == "data/its_courses.xlsx"
    with pytest.raises(QualityError) as info:
        rep.raise_if_failed()
    assert info.value.exit_code == 1 and info.value.report is rep


def test_summary_text_has_one_line_per_failure(mixed_report: ValidationReport) -> None:
    lines = mixed_report.summary_text().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(
        "ERROR its_courses: expect_column_pair_values_a_to_be_greater_than_b on "
        "enrolled_n, graduates_n"
    )
    assert "data/its_courses.xlsx:4" in lines[0]
    assert lines[1].startswith("WARNING employment: expect_column_values_to_be_between on ratio")
    assert lines[2].startswith("quality FAILED:")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_is_self_contained_and_labelled(mixed_report: ValidationReport) -> None:
    html = render_quality_html(
        mixed_report, title="Piedmont <demo>", run_id="run-1", data_label="synthetic demo data"
    )
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert all(
        not (v or "").startswith(("http", "//")) for k, v in parser.attrs if k in ("src", "href")
    )
    assert "Piedmont &lt;demo&gt;" in html and "run-1" in html
    assert '<p class="label" role="note">synthetic demo data</p>' in html
    assert "@media print" in html
    section = html[html.index('id="t-its_courses"') :]
    assert section.index(">ERROR<") < section.index(">PASS<")  # failures first
    assert "data/its_courses.xlsx:4" in section


def test_validation_is_offline(warm_gx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access during validation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    out = validate_table("its_courses", its_courses())
    assert failures(out) == []


# --------------------------------------------------------------------------- demo publication


def test_demo_publication_passes(warm_workspace: Path) -> None:
    """The refresh validated every input and every published table that has a suite, and
    wrote what it found to ``quality.json``: read back, it passed, with only the demo's
    known warnings. (Running the same suites on the same frames again here cost ~30 s.)"""
    from skills.spec import load_spec

    latest = warm_workspace / "out" / "latest"
    report = ValidationReport.from_json((latest / "quality.json").read_bytes())
    assert report.passed, report.summary_text()
    # warnings are allowed (and reported): a derived indicator whose inputs start later
    # has thin first periods; models clustered on 8 provinces or 21 regions warn (few clusters)
    for o in report.warnings():
        assert o.check_table in ("rows", "periods", "steps", "gaps"), o.line()
    validated = {e["table"] for e in report.per_suite()}
    roles = set(load_spec(warm_workspace / "pipeline.toml").sources)
    with_suite = {p.name for p in latest.glob("*.parquet") if p.stem in available_suites()}
    assert validated == roles | with_suite
    assert validated >= {"indicators.parquet", "panel.parquet", "models.parquet", "hires"}


# --------------------------------------------------------------------------- real data

REAL_FIXTURES = {
    "lfst_r_lfu3rt_snap2014_it_bench.tsv": "unemployment_rate",
    "tgs00010_snap2019_all_nuts2.tsv": "unemployment_rate",
    "lfst_r_lfe2emp_snap2017_it_bench.tsv": "employment",
    "lfst_r_lfu3pers_snap2017_it_bench.tsv": "unemployment",
    "lfst_r_lfp2acedu_snap2017_it_bench.tsv": "active_by_education",
    "lfst_r_lfe2eedu_snap2017_it_bench.tsv": "employment_by_education",
    "lfsa_egai2d.csv": "employment_by_occupation",
    "lfsa_egai2d_it_eu.csv": "employment_by_occupation",
    "lfst_r_lfe2en2_snap2017_it_bench.tsv": "employment_by_sector",
    "jvs_a_nace2_snap2017_it_bench.tsv": "job_vacancies",
}


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize(("name", "role"), sorted(REAL_FIXTURES.items()))
def test_real_fixtures_have_no_errors(
    warm_gx: None, eurostat_dir: Path, name: str, role: str
) -> None:
    from skills import read_eurostat

    frame = read_eurostat(eurostat_dir / name).collect()
    out = validate_table(role, frame, source=name)
    errors = [o.line() for o in failures(out) if o.severity == "error"]
    assert errors == []
    # real data may legitimately warn: single series stepping > 3x (breaks, small cells)
    # and values missing without a flag inside a series
    warned = {o.check_table for o in failures(out)}
    assert warned <= {"steps", "gaps"}


# --------------------------------------------------------------------------- levels and totals

# Piedmont (ITC1) and its eight provinces, in thousands; the provinces add up to ITC1
PIEDMONT = {
    "ITC1": [1800.0, 1810.0, 1790.0, 1795.0],
    **{f"ITC1{i}": [v / 8 for v in (1800.0, 1810.0, 1790.0, 1795.0)] for i in range(1, 9)},
}


def test_provinces_adding_up_to_their_region_pass(warm_gx: None) -> None:
    out = validate_table("unemployment", eurostat("THS", PIEDMONT))
    assert failures(out) == []


def test_one_cell_x1000_stops_the_run(warm_gx: None) -> None:
    bad = set_value(eurostat("THS", EMPLOYMENT), 5, "value", 2120.0 * 1000)  # DE11 2019
    out = validate_table("employment", bad, source="emp.tsv")
    errors = [o for o in failures(out) if o.severity == "error"]
    levels = [o for o in errors if o.check_table == "levels"]
    assert len(levels) == 1 and levels[0].columns == ("ratio_to_series_median",)
    example = levels[0].examples[0]
    assert (example["geo"], example["period"]) == ("DE11", "2019")
    assert example["ratio_to_series_median"] > 900
    assert "emp.tsv" in levels[0].line()


def test_one_cell_x1000_flagged_as_a_break_is_excused_by_the_levels_check(
    warm_gx: None,
) -> None:
    frame = eurostat("THS", EMPLOYMENT, flags={("DE11", 1): "b"})
    bad = set_value(frame, 5, "value", 2120.0 * 1000)
    out = validate_table("employment", bad)
    assert not [o for o in failures(out) if o.check_table == "levels"]
    # the count bound still holds: 2.1e6 thousand persons is beyond a billion
    assert [o.columns for o in failures(out) if o.check_table == "rows"] == [("value",)]


def test_one_cell_x10_only_warns(warm_gx: None) -> None:
    bad = set_value(eurostat("THS", EMPLOYMENT), 5, "value", 21200.0)
    out = validate_table("employment", bad)
    assert not [o for o in failures(out) if o.severity == "error"]
    assert {o.check_table for o in failures(out)} == {"steps"}


def test_a_province_series_x10_in_every_year_stops_the_run(warm_gx: None) -> None:
    values = {**PIEDMONT, "ITC11": [v * 10 for v in PIEDMONT["ITC11"]]}
    out = validate_table("unemployment", eurostat("THS", values), source="u.tsv")
    # no step and no level stands out: only the sum of the provinces does
    o = only_failure(out, "error")
    assert (o.check_table, o.columns) == ("totals", ("children_to_parent",))
    assert o.observed["unexpected_count"] == 4
    assert o.examples[0]["geo"] == "ITC1" and o.examples[0]["children_to_parent"] > 2


def test_a_region_series_x10_in_every_year_stops_the_run(warm_gx: None) -> None:
    values = {**PIEDMONT, "ITC1": [v * 10 for v in PIEDMONT["ITC1"]]}
    o = only_failure(validate_table("unemployment", eurostat("THS", values)), "error")
    assert (o.check_table, o.columns) == ("totals", ("complete_children_to_parent",))
    assert o.examples[0]["children_n"] == 8 and o.examples[0]["is_complete"] is True


def test_a_missing_province_is_not_a_region_too_large(warm_gx: None) -> None:
    # Turin (ITC11) holds half of Piedmont; confidential in 2019, the other provinces add
    # up to half the region that year: incomplete years are not compared from below
    region = PIEDMONT["ITC1"]
    values = {
        "ITC1": region,
        "ITC11": [v / 2 for v in region],
        **{f"ITC1{i}": [v / 14 for v in region] for i in range(2, 9)},
    }
    frame = eurostat("THS", values).filter(
        ~((pl.col("geo") == "ITC11") & (pl.col("period") == "2019"))
    )
    assert not [o for o in failures(validate_table("unemployment", frame)) if o.severity == "error"]
    # the same sum with every province present is an error
    short = eurostat("THS", {**values, "ITC11": [v / 50 for v in region]})
    o = only_failure(validate_table("unemployment", short), "error")
    assert (o.check_table, o.columns) == ("totals", ("complete_children_to_parent",))


def test_hires_cell_x1000_stops_the_run(warm_gx: None) -> None:
    rows = [
        {"geo": geo, "period": str(2018 + i), "hires_n": n, "source_note": None, "_line": 0}
        for geo, base in (("ITC11", 230_000), ("ITC12", 21_000), ("ITC13", 9_000))
        for i, n in enumerate([base, base + 500, base - 800, base + 100])
    ]
    frame = pl.DataFrame(rows).with_columns(
        pl.int_range(2, len(rows) + 2).cast(pl.Int64).alias("_line"),
        pl.col("source_note").cast(pl.String),
    )
    assert not [o for o in failures(validate_table("hires", frame)) if o.severity == "error"]
    bad = set_value(frame, 5, "hires_n", 21_500 * 1000)
    o = only_failure(validate_table("hires", bad, source="hires.csv"), "error")
    assert (o.check_table, o.columns) == ("levels", ("ratio_to_series_median",))
    assert o.examples[0]["geo"] == "ITC12" and o.examples[0]["_line"] == 7


def by_sex(values: dict[str, list[float]]) -> pl.DataFrame:
    """Employment of one region by sex (T, F, M), years 2018-2021."""
    frames = [
        eurostat("THS", {"DE11": vals}).with_columns(pl.lit(sex).alias("sex"))
        for sex, vals in values.items()
    ]
    return pl.concat(frames)


WOMEN, MEN = [980.0, 990.0, 985.0, 992.0], [1120.0, 1130.0, 1145.0, 1133.0]
TOTAL = [w + m for w, m in zip(WOMEN, MEN, strict=True)]


def test_women_plus_men_adding_up_to_the_total_pass(warm_gx: None) -> None:
    out = validate_table("employment", by_sex({"T": TOTAL, "F": WOMEN, "M": MEN}))
    assert failures(out) == []


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"T": [v * 10 for v in TOTAL], "F": WOMEN, "M": MEN}, "complete_children_to_parent"),
        ({"T": TOTAL, "F": [v * 10 for v in WOMEN], "M": MEN}, "children_to_parent"),
    ],
    ids=["total x10", "women x10"],
)
def test_a_sex_series_x10_in_every_year_stops_the_run(
    warm_gx: None, values: dict[str, list[float]], column: str
) -> None:
    o = only_failure(validate_table("employment", by_sex(values), source="e.tsv"), "error")
    assert (o.check_table, o.columns) == ("totals", (column,))
    assert o.observed["unexpected_count"] == 4
    assert o.examples[0]["total_of"] == "sex" and o.examples[0]["sex"] == "T"
    assert o.examples[0]["geo"] == "DE11"
