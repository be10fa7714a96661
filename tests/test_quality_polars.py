"""The Polars value engine against great-expectations, on every suite.

The suites' JSON is the contract: an expectation means what great-expectations (GX)
makes of it. For every suite in ``expectations/`` both engines validate the demo
publication's tables and inputs, and deliberately broken copies of them (nulls, NaN,
out-of-range numbers, bad codes, duplicated rows); every outcome must be the same
(success, counts, unexpected values, example rows, observed value). Suites the demo has
no table for run on a copy of a demo table with the suite's columns, so that each of its
value expectations is evaluated by both engines at least once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skills.errors import ConfigError
from skills.quality import (
    ENGINE_ENV,
    ExpectationOutcome,
    available_suites,
    load_suite,
    suite_parameters,
    validate_table,
    value_engine,
)
from skills.quality._checks import describe
from skills.quality._polars_values import POLARS_TYPES, evaluate
from skills.quality._suite import Expectation

# ----------------------------------------------------------------------------- tables


def demo_tables(latest: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    """Table name -> (suite, frame): the demo's inputs (as a refresh loads them) and the
    published tables that have a suite."""
    from skills.quality import suite_for_role
    from skills.refresh import load_source
    from skills.spec import load_spec

    suites = set(available_suites())
    spec = load_spec(latest.parent.parent / "pipeline.toml")
    tables: dict[str, tuple[str, pl.DataFrame]] = {}
    for role, src in spec.sources.items():
        suite = suite_for_role(role)
        if suite in suites:
            frame = load_source(spec, src, offline=True).frame.collect()
            tables[role] = (suite, frame)
    for path in sorted(latest.glob("*.parquet")):
        if path.stem in suites:
            tables[path.name] = (path.stem, pl.read_parquet(path))
    return tables


def _value_columns(suite: str) -> list[str]:
    cols: list[str] = []
    for exp in load_suite(suite).expectations:
        if not exp.structural and exp.check_table == "rows":
            cols += [c for c in exp.columns if c not in cols]
    return cols


def broken_copies(frame: pl.DataFrame, suite: str) -> Iterator[tuple[str, pl.DataFrame]]:
    """Copies of ``frame`` with the faults the suites look for, each named."""
    n = frame.height
    if n == 0:
        return
    every = max(n // 7, 1)
    hit = (pl.int_range(pl.len()) % every) == 0
    cols = [c for c in _value_columns(suite) if c in frame.columns]
    nulled = frame.with_columns(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in cols)
    yield "nulls", nulled
    numeric = [c for c in cols if frame.schema[c].is_numeric()]
    floats = [c for c in numeric if frame.schema[c] == pl.Float64]
    strings = [c for c in cols if frame.schema[c] == pl.String]
    booleans = [c for c in cols if frame.schema[c] == pl.Boolean]
    if floats:
        yield (
            "nan",
            frame.with_columns(
                pl.when(hit).then(float("nan")).otherwise(pl.col(c)).alias(c) for c in floats
            ),
        )
    if numeric:
        yield (
            "out of range",
            frame.with_columns(
                pl.when(hit)
                .then(-pl.col(c) * 1000 - 1)
                .when((pl.int_range(pl.len()) % every) == 1)
                .then(pl.col(c) * 1000 + 10**6)
                .otherwise(pl.col(c))
                .cast(frame.schema[c], strict=False)
                .alias(c)
                for c in numeric
            ),
        )
    if strings or booleans:
        yield (
            "bad codes",
            frame.with_columns(
                pl.when(hit).then(~pl.col(c)).otherwise(pl.col(c)).alias(c) for c in booleans
            ).with_columns(
                pl.when(hit)
                .then(pl.lit("XX9 bad"))
                .when((pl.int_range(pl.len()) % every) == 1)
                .then(pl.col(c).str.to_lowercase() + "_")
                .otherwise(pl.col(c))
                .alias(c)
                for c in strings
            ),
        )
    yield "duplicates", pl.concat([frame, frame.head(max(n // 5, 1))])
    if strings or numeric:
        # pairs out of order: swap the first two numeric or string columns of each kind
        swapped = frame
        for kind in (numeric, strings):
            if len(kind) >= 2:
                a, b = kind[0], kind[1]
                if frame.schema[a] == frame.schema[b]:
                    swapped = swapped.with_columns(
                        pl.when(hit).then(pl.col(b)).otherwise(pl.col(a)).alias(a),
                        pl.when(hit).then(pl.col(a)).otherwise(pl.col(b)).alias(b),
                    )
        yield "swapped", swapped


def stand_in(suite: str, tables: dict[str, tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """A frame for a suite the demo has no table for: the demo table of the same kind
    sharing most of its columns, with the suite's other columns borrowed (by kind)."""
    wanted = _value_columns(suite)
    exps = load_suite(suite).expectations
    types = {
        str(e.kwargs["column"]): str(e.kwargs["type_"])
        for e in exps
        if e.type == "expect_column_values_to_be_of_type"
    }
    kind = load_suite(suite).kind
    same_kind = [f for s, f in tables.values() if load_suite(s).kind == kind]
    best = max(
        same_kind or [f for _s, f in tables.values()],
        key=lambda f: (len(set(wanted) & set(f.columns)), f.height),
    )
    out = best
    numbers = [c for c in best.columns if best.schema[c] == pl.Float64]
    texts = [c for c in best.columns if best.schema[c] == pl.String]
    for col in [*wanted, *types]:
        if col in out.columns:
            continue
        dtype = types.get(col, "String")
        if dtype.startswith(("Float", "Int")) and numbers:
            out = out.with_columns(pl.col(numbers[0]).cast(getattr(pl, dtype)).alias(col))
        elif dtype == "String" and texts:
            out = out.with_columns(pl.col(texts[0]).alias(col))
        elif dtype == "Boolean":
            out = out.with_columns((pl.int_range(pl.len()) % 2 == 0).alias(col))
    return out


# ----------------------------------------------------------------------------- comparison


def _rounded(value: Any) -> Any:
    """Floats to 12 significant digits: a check table's group sums are built twice (once
    per engine) and Polars may add a group's values in another order."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _comparable(o: ExpectationOutcome) -> dict[str, Any]:
    d = o.to_dict()
    d.pop("engine")
    return dict(_rounded(d))


def assert_same_outcomes(table: str, suite: str, frame: pl.DataFrame, label: str) -> int:
    """Validate with both engines; assert identical outcomes. Returns how many value
    outcomes the Polars engine produced itself."""
    polars_out = validate_table(table, frame, suite=suite, engine="polars", source="t")
    gx_out = validate_table(table, frame, suite=suite, engine="great_expectations", source="t")
    assert len(polars_out) == len(gx_out)
    for p, g in zip(polars_out, gx_out, strict=True):
        where = f"{suite} on {table} ({label}): {p.expectation} {p.description}"
        assert (p.success, (p.observed or {}).get("unexpected_count")) == (
            g.success,
            (g.observed or {}).get("unexpected_count"),
        ), where
        assert _comparable(p) == _comparable(g), where
    return sum(o.engine == "polars" and o.expectation in POLARS_TYPES for o in polars_out)


@pytest.fixture(scope="module")
def tables(demo_publication: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    return demo_tables(demo_publication)


@pytest.mark.slow
@pytest.mark.parametrize("suite", available_suites())
def test_both_engines_agree_on_every_suite(
    suite: str, tables: dict[str, tuple[str, pl.DataFrame]]
) -> None:
    mine = {name: frame for name, (s, frame) in tables.items() if s == suite}
    if not mine:
        mine = {suite: stand_in(suite, tables)}
    evaluated = 0
    for name, frame in mine.items():
        evaluated += assert_same_outcomes(name, suite, frame, "as published")
        for label, broken in broken_copies(frame, suite):
            evaluated += assert_same_outcomes(name, suite, broken, label)
    assert evaluated > 0, f"{suite}: no value expectation ran in Polars"


@pytest.mark.slow
def test_shipped_suites_need_no_gx_and_broken_copies_fail(
    tables: dict[str, tuple[str, pl.DataFrame]],
) -> None:
    for suite in available_suites():
        mine = {name: frame for name, (s, frame) in tables.items() if s == suite}
        if not mine:
            mine = {suite: stand_in(suite, tables)}
        ran: set[str] = set()
        failed: set[str] = set()
        for name, frame in mine.items():
            for label, copy in [("as published", frame), *broken_copies(frame, suite)]:
                for o in validate_table(name, copy, suite=suite, engine="polars"):
                    if o.skipped or o.expectation not in POLARS_TYPES:
                        continue
                    assert o.engine == "polars", (suite, label, o.expectation, o.description)
                    ran.add(o.description)
                    if o.failed:
                        failed.add(o.description)
        simple = {describe(e) for e in load_suite(suite).expectations if e.type in POLARS_TYPES}
        assert ran, suite
        assert failed, f"{suite}: no broken copy failed a value expectation"
        assert len(ran) >= len(simple) // 2, (suite, sorted(simple - ran))


# ----------------------------------------------------------------------------- unit cases


PARAMS = {"codes": ["A", "B"], "rx": r"^(?!X)[A-Z]$"}


def _exp(type_: str, **kwargs: Any) -> Expectation:
    return Expectation(type_, kwargs, {"severity": "error"})


def _gx(frame: pl.DataFrame, exp: Expectation) -> tuple[bool, dict[str, Any], tuple[int, ...]]:
    from skills.quality._gx import run_gx

    cols = list(dict.fromkeys([*exp.columns, *_condition_cols(exp)]))
    res = run_gx(frame, cols, [(0, exp)], params=PARAMS, name="unit")[0]
    return res.success, res.observed, res.unexpected_rows


def _condition_cols(exp: Expectation) -> list[str]:
    cond = exp.kwargs.get("row_condition")
    return [cond["column"]["name"]] if isinstance(cond, dict) else []


FRAME = pl.DataFrame(
    {
        "x": [1.0, None, 5.0, float("nan"), 12.0, -3.0],
        "n": [1, 2, None, 4, 5, 6],
        "code": ["A", "B", "C", None, "X", "a"],
        "unit": ["%", "%", None, "THS", "%", "THS"],
        "y": [0.5, 2.0, 5.0, 1.0, None, -4.0],
    }
)

UNIT_CASES = [
    _exp("expect_column_values_to_not_be_null", column="x"),
    _exp("expect_column_values_to_not_be_null", column="x", mostly=0.6),
    _exp("expect_column_values_to_be_null", column="code"),
    _exp("expect_column_values_to_be_between", column="x", min_value=0, max_value=10),
    _exp(
        "expect_column_values_to_be_between",
        column="x",
        min_value=1,
        max_value=12,
        strict_min=True,
        strict_max=True,
    ),
    _exp("expect_column_values_to_be_between", column="n", max_value=4, mostly=0.5),
    _exp(
        "expect_column_values_to_be_between",
        column="x",
        min_value=0,
        row_condition={
            "type": "comparison",
            "column": {"name": "unit"},
            "operator": "!=",
            "parameter": "%",
        },
    ),
    _exp(
        "expect_column_values_to_be_in_set",
        column="code",
        value_set={"$PARAMETER": "codes"},
        row_condition={
            "type": "comparison",
            "column": {"name": "n"},
            "operator": ">",
            "parameter": 1,
        },
    ),
    _exp("expect_column_values_to_be_in_set", column="n", value_set=[1, 2, 4.0]),
    _exp("expect_column_values_to_match_regex", column="code", regex={"$PARAMETER": "rx"}),
    _exp(
        "expect_column_proportion_of_non_null_values_to_be_between",
        column="x",
        min_value=0.7,
        strict_min=True,
        max_value=1,
    ),
    _exp(
        "expect_column_pair_values_a_to_be_greater_than_b",
        column_A="x",
        column_B="y",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    ),
    _exp(
        "expect_column_pair_values_a_to_be_greater_than_b",
        column_A="x",
        column_B="y",
        ignore_row_if="both_values_are_missing",
    ),
    _exp(
        "expect_column_pair_values_to_be_equal",
        column_A="x",
        column_B="y",
        ignore_row_if="either_value_is_missing",
        row_condition={
            "type": "comparison",
            "column": {"name": "unit"},
            "operator": "IN",
            "parameter": ["%", "THS"],
        },
    ),
]


@pytest.mark.parametrize("exp", UNIT_CASES, ids=lambda e: e.type.removeprefix("expect_"))
def test_each_kwarg_as_great_expectations_reads_it(exp: Expectation) -> None:
    mine = evaluate(FRAME, exp, PARAMS)
    assert mine is not None
    assert (mine.success, mine.observed, mine.unexpected_rows) == _gx(FRAME, exp)


def test_the_cases_above_fail_and_pass() -> None:
    outcomes = [evaluate(FRAME, e, PARAMS) for e in UNIT_CASES]
    assert any(o is not None and o.success for o in outcomes)
    assert any(o is not None and not o.success for o in outcomes)


@pytest.mark.parametrize(
    "exp",
    [
        _exp("expect_column_values_to_be_unique", column="x"),
        _exp("expect_column_values_to_be_between", column="code", min_value=0),
        _exp("expect_column_values_to_be_between", column="x"),
        _exp("expect_column_values_to_be_in_set", column="code", value_set=[1, 2]),
        _exp("expect_column_values_to_match_regex", column="x", regex="1"),
        _exp("expect_column_values_to_not_be_null", column="x", catch_exceptions=True),
        _exp("expect_column_values_to_be_in_set", column="code", value_set={"$PARAMETER": "?"}),
        _exp("expect_column_values_to_not_be_null", column="x", row_condition='unit=="%"'),
    ],
    ids=lambda e: e.type.removeprefix("expect_"),
)
def test_what_polars_does_not_reproduce_goes_to_gx(exp: Expectation) -> None:
    assert evaluate(FRAME, exp, PARAMS) is None


def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert value_engine() == "polars"
    assert value_engine("gx") == "great_expectations"
    monkeypatch.setenv(ENGINE_ENV, "great_expectations")
    assert value_engine() == "great_expectations"
    assert value_engine("polars") == "polars"
    monkeypatch.setenv(ENGINE_ENV, "pandas")
    with pytest.raises(ConfigError, match=ENGINE_ENV):
        value_engine()
    with pytest.raises(ConfigError, match="engine = 'duckdb'"):
        value_engine("duckdb")


@pytest.mark.slow
def test_gx_engine_forced_by_env(
    monkeypatch: pytest.MonkeyPatch, tables: dict[str, tuple[str, pl.DataFrame]]
) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    suite, frame = tables["hiring_plans"]
    values = [o for o in validate_table("hiring_plans", frame, suite=suite) if not o.skipped]
    assert {o.engine for o in values if o.expectation in POLARS_TYPES} == {"polars"}
    monkeypatch.setenv(ENGINE_ENV, "great_expectations")
    forced = [o for o in validate_table("hiring_plans", frame, suite=suite) if not o.skipped]
    assert {o.engine for o in forced if o.expectation in POLARS_TYPES} == {"great_expectations"}
    monkeypatch.setenv(ENGINE_ENV, "pandas")
    with pytest.raises(ConfigError, match=ENGINE_ENV):
        validate_table("hiring_plans", frame, suite=suite)


@pytest.mark.slow
def test_shipped_suites_validate_without_importing_gx(
    tables: dict[str, tuple[str, pl.DataFrame]], tmp_path: Path
) -> None:
    name, (suite, frame) = next((n, t) for n, t in tables.items() if t[0] == "indicators")
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    code = (
        "import sys, polars as pl\n"
        "from skills.quality import validate_table\n"
        f"out = validate_table({name!r}, pl.read_parquet({str(path)!r}), suite={suite!r})\n"
        "assert out and all(o.engine == 'polars' for o in out if not o.skipped), out\n"
        "assert 'great_expectations' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    env.pop(ENGINE_ENV, None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_suite_parameters_cover_the_code_lists() -> None:
    params = suite_parameters()
    for suite in available_suites():
        for exp in load_suite(suite).expectations:
            for value in exp.kwargs.values():
                if isinstance(value, dict) and "$PARAMETER" in value:
                    assert value["$PARAMETER"] in params, (suite, exp.type)


def _cond(column: str, operator: str, parameter: Any) -> dict[str, Any]:
    return {
        "type": "comparison",
        "column": {"name": column},
        "operator": operator,
        "parameter": parameter,
    }


EDGE = pl.DataFrame(
    {
        "x": [1.0, 2.0, 3.0],
        "big": [2**53 + 1, 2**53, 7],
        "e": pl.Series(["z", "a", "m"], dtype=pl.Enum(["z", "a", "m"])),
        "e2": pl.Series(["a", "z", "m"], dtype=pl.Enum(["z", "a", "m"])),
        "c": pl.Series(["a", "b", "a"], dtype=pl.Categorical),
    }
)


@pytest.mark.parametrize(
    "exp",
    [
        # a list mixing int and float in a row condition (was a Polars TypeError)
        _exp(
            "expect_column_values_to_not_be_null",
            column="x",
            row_condition=_cond("x", "IN", [1, 2.0]),
        ),
        _exp(
            "expect_column_values_to_not_be_null",
            column="x",
            row_condition=_cond("x", "NOT_IN", [3, 1.0]),
        ),
        # integers beyond 2**53 compare exactly, as pandas compares them
        _exp("expect_column_values_to_be_in_set", column="big", value_set=[2**53, 7]),
    ],
    ids=["in_mixed", "not_in_mixed", "in_set_big_ints"],
)
def test_edge_cases_agree_with_great_expectations(exp: Expectation) -> None:
    mine = evaluate(EDGE, exp, PARAMS)
    assert mine is not None
    assert (mine.success, mine.observed, mine.unexpected_rows) == _gx(EDGE, exp)


def test_big_integers_are_not_rounded_into_the_set() -> None:
    exp = _exp("expect_column_values_to_be_in_set", column="big", value_set=[2**53, 7])
    mine = evaluate(EDGE, exp, PARAMS)
    assert mine is not None and not mine.success and mine.unexpected_rows == (0,)


@pytest.mark.parametrize(
    "exp",
    [
        # pandas orders an Enum by its categories and refuses to order a plain categorical
        _exp("expect_column_values_to_not_be_null", column="x", row_condition=_cond("e", "<", "m")),
        _exp(
            "expect_column_values_to_not_be_null", column="x", row_condition=_cond("c", ">=", "b")
        ),
        _exp("expect_column_pair_values_a_to_be_greater_than_b", column_A="e", column_B="e2"),
    ],
    ids=["enum_order", "categorical_order", "enum_pair"],
)
def test_categorical_orderings_go_to_gx(exp: Expectation) -> None:
    assert evaluate(EDGE, exp, PARAMS) is None


def test_an_error_inside_great_expectations_is_reported_as_could_not_run() -> None:
    """GX keys a metric's exception by the metric's id: the message must still come out."""
    exp = _exp(
        "expect_column_values_to_not_be_null", column="x", row_condition=_cond("c", "<", "b")
    )
    success, observed, _ = _gx(EDGE, exp)
    assert not success
    assert observed["message"].startswith("could not run: ")
    assert "Categorical" in observed["message"]
