"""Running suites: Polars structure first, then the value expectations.

The value expectations run in Polars where :mod:`skills.quality._polars_values`
reproduces great-expectations' outcome (not-null, between, in-set, regex, non-null share,
column pairs) and in great-expectations (:mod:`skills.quality._gx`, imported only then)
for the rest. ``SKILLS_QUALITY_ENGINE=great_expectations`` (or ``engine=`` on
:func:`validate_table` / :func:`validate_tables`) sends every value expectation to GX.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from skills.errors import ConfigError
from skills.quality._checks import (
    LINE,
    ROW,
    build_check_table,
    describe,
    prepare_rows,
    run_structural,
)
from skills.quality._polars_values import ValueResult, evaluate
from skills.quality._report import MAX_EXAMPLES, ExpectationOutcome, ValidationReport, jsonable
from skills.quality._suite import (
    CHECK_TABLES,
    Expectation,
    Suite,
    available_suites,
    load_suite,
    suite_for_role,
    suite_parameters,
)

if TYPE_CHECKING:
    from skills.indicators.catalogue import CatalogueEntry

__all__ = [
    "ENGINE_ENV",
    "Engine",
    "check_structure",
    "gx_context",
    "validate_table",
    "validate_tables",
]

log = logging.getLogger("skills.quality")

#: The environment variable that picks the value engine (see :func:`value_engine`).
ENGINE_ENV = "SKILLS_QUALITY_ENGINE"
#: ``polars``: simple value expectations in Polars, the rest in GX (the default);
#: ``great_expectations``: every value expectation in GX.
Engine = Literal["polars", "great_expectations"]
_ENGINES: Mapping[str, Engine] = {
    "polars": "polars",
    "great_expectations": "great_expectations",
    "gx": "great_expectations",
}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def value_engine(engine: str | None = None) -> Engine:
    """The engine for value expectations: ``engine``, else ``$SKILLS_QUALITY_ENGINE``.

    ``polars`` (default) evaluates the simple types in Polars and the rest in
    great-expectations; ``great_expectations`` (or ``gx``) runs them all in GX, the
    reference the Polars evaluator is tested against.

    Raises
    ------
    skills.errors.ConfigError
        For any other value.
    """
    chosen = engine if engine is not None else os.environ.get(ENGINE_ENV) or "polars"
    if chosen not in _ENGINES:
        where = "engine" if engine is not None else ENGINE_ENV
        raise ConfigError(f"{where} = {chosen!r}: use 'polars' or 'great_expectations' (or 'gx')")
    return _ENGINES[chosen]


def gx_context() -> Any:
    """The process's ephemeral great-expectations context (imports GX on first use)."""
    from skills.quality._gx import gx_context as context

    return context()


def _resolve_suite(table: str, suite: str | None) -> Suite:
    if suite is not None:
        return load_suite(suite)
    if table in available_suites():
        return load_suite(table)
    from skills.spec import ROLES

    if table in ROLES and (name := suite_for_role(table)) is not None:
        return load_suite(name)
    raise ConfigError(
        f"no expectation suite for table {table!r}: name a suite (suites are "
        f"{', '.join(available_suites())}) or a source role"
    )


def _as_frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def check_structure(
    table: str,
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    suite: str | None = None,
    source: str | None = None,
) -> list[ExpectationOutcome]:
    """Run only the structural expectations of a suite, in Polars (no GX import).

    Column presence, dtypes (Polars dtype names, e.g. ``Float64``), key uniqueness
    (nulls compare equal: a null dimension means "all") and the row count.

    Parameters
    ----------
    table
        The table's name; also the suite's, unless ``suite`` is given (a source role such
        as ``unemployment_rate`` finds ``eurostat__unemployment_rate``).
    frame
        The table.
    suite
        The suite to use instead of the one named like ``table``.
    source
        The file the table came from, for messages.

    Returns
    -------
    list of ExpectationOutcome
        One per structural expectation, failed ones with examples.
    """
    s = _resolve_suite(table, suite)
    df = _as_frame(frame)
    rows_n = prepare_rows(df.drop(ROW, strict=False), s).height
    outcomes, _bad = run_structural(df, s, table=table, source=source, rows_n=rows_n)
    return outcomes


def validate_table(
    table: str,
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    suite: str | None = None,
    source: str | None = None,
    nuts_version: int = 2021,
    catalogue: Sequence[CatalogueEntry] | None = None,
    engine: str | None = None,
) -> list[ExpectationOutcome]:
    """Validate one table with its suite: structure in Polars, then values.

    Parameters
    ----------
    table
        The table's name (``indicators``, ``panel``, ``its_courses``, a source role such
        as ``employment`` or a suite name such as ``eurostat__employment``).
    frame
        The table. For a Eurostat source, the tidy frame :func:`skills.loading.load_source`
        returns (dimension columns, ``period``, ``value``, ``flag``).
    suite
        The suite to use instead of the one found from ``table``.
    source
        The file (path or URL) the table came from; failing examples name it with the
        row's ``_line`` when the frame has that column.
    nuts_version
        The pipeline's NUTS version, for the ``codes_nuts_it`` code list.
    catalogue
        The indicator catalogue an ``indicators`` table is checked against (ids, units,
        valid ranges); default the shipped one
        (:func:`skills.indicators.catalogue.load_catalogue`).
    engine
        ``polars`` (simple value expectations in Polars, the rest in great-expectations)
        or ``great_expectations`` (all in GX); default ``$SKILLS_QUALITY_ENGINE``, else
        ``polars`` (:func:`value_engine`).

    Returns
    -------
    list of ExpectationOutcome
        Structural outcomes first, then value outcomes, in suite order per check table.

    Raises
    ------
    skills.errors.ConfigError
        When no suite is found for ``table``.
    """
    s = _resolve_suite(table, suite)
    return _validate(
        table,
        _as_frame(frame),
        s,
        source=source,
        nuts_version=nuts_version,
        catalogue=catalogue,
        engine=value_engine(engine),
    )


def validate_tables(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    sources: Mapping[str, str] | None = None,
    nuts_version: int = 2021,
    suites: Mapping[str, str] | None = None,
    catalogue: Sequence[CatalogueEntry] | None = None,
    engine: str | None = None,
) -> ValidationReport:
    """Validate several tables (inputs and outputs of a run) into one report.

    Parameters
    ----------
    tables
        Table name -> frame. A name is a suite name (``indicators``, ``panel``,
        ``eurostat__employment``, ...) or a source role (``employment`` is validated with
        ``eurostat__employment``).
    sources
        Table name -> the file it came from, for messages.
    nuts_version
        The pipeline's NUTS version.
    suites
        Table name -> suite name, where the default does not fit.
    catalogue
        The indicator catalogue ``indicators`` tables are checked against; default the
        shipped one. A refresh with extra analyses (``[analyses.<name>]``) passes the
        shipped entries plus the indicators those analyses declare.
    engine
        The value engine, as for :func:`validate_table`.

    Returns
    -------
    ValidationReport
        Every outcome; ``report.passed`` is False when an ``error`` expectation failed.
    """
    start = time.perf_counter()
    chosen = value_engine(engine)
    sources = sources or {}
    suites = suites or {}
    outcomes: list[ExpectationOutcome] = []
    info: dict[str, dict[str, Any]] = {}
    for name, frame in tables.items():
        df = _as_frame(frame)
        s = _resolve_suite(name, suites.get(name))
        info[name] = {"suite": s.name, "source": sources.get(name), "rows": df.height}
        outcomes.extend(
            _validate(
                name,
                df,
                s,
                source=sources.get(name),
                nuts_version=nuts_version,
                catalogue=catalogue,
                engine=chosen,
            )
        )
    return ValidationReport(
        outcomes=tuple(outcomes),
        tables=info,
        nuts_version=nuts_version,
        duration_s=round(time.perf_counter() - start, 3),
    )


# ----------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Where:
    """What an outcome is about: table, suite, check table and source file."""

    table: str
    suite: Suite
    check_table: str
    source: str | None

    def outcome(
        self,
        exp: Expectation,
        success: bool,
        observed: Any,
        examples: tuple[dict[str, Any], ...] = (),
        *,
        skipped: bool = False,
        engine: str = "great_expectations",
    ) -> ExpectationOutcome:
        return ExpectationOutcome(
            suite=self.suite.name,
            table=self.table,
            expectation=exp.type,
            columns=exp.columns,
            severity=exp.severity,
            success=success,
            observed=observed,
            examples=examples,
            reason=exp.reason,
            source=self.source,
            check_table=self.check_table,
            description=describe(exp),
            engine=engine,
            skipped=skipped,
        )


def _validate(
    table: str,
    frame: pl.DataFrame,
    suite: Suite,
    *,
    source: str | None,
    nuts_version: int,
    catalogue: Sequence[CatalogueEntry] | None = None,
    engine: Engine = "polars",
) -> list[ExpectationOutcome]:
    rows = prepare_rows(frame.drop(ROW, strict=False), suite, catalogue=catalogue)
    outcomes, bad = run_structural(frame, suite, table=table, source=source, rows_n=rows.height)
    values = [e for e in suite.expectations if not e.structural]
    if rows.height == 0:
        # nothing to check values on: the row-count expectation has said why
        return outcomes + [
            _Where(table, suite, e.check_table, source).outcome(
                e, True, {"message": "skipped: no rows"}, skipped=True
            )
            for e in values
        ]
    params = suite_parameters(nuts_version)
    if catalogue is not None:
        params["codes_indicator"] = [e.id for e in catalogue]
    for name in CHECK_TABLES:
        exps = [e for e in values if e.check_table == name]
        if exps:
            check = build_check_table(name, rows, suite)
            where = _Where(table, suite, name, source)
            outcomes.extend(_run_values(where, check, exps, bad, params=params, engine=engine))
    return outcomes


def _condition_columns(cond: Any) -> list[str]:
    """Columns a row condition reads (GX condition objects as JSON, or a string)."""
    if isinstance(cond, str):
        return _IDENT.findall(cond)
    if isinstance(cond, Mapping):
        out: list[str] = []
        column = cond.get("column")
        if isinstance(column, Mapping) and isinstance(column.get("name"), str):
            out.append(column["name"])
        for sub in cond.get("conditions") or []:
            out += _condition_columns(sub)
        return out
    return []


def _needed_columns(exp: Expectation, available: list[str]) -> list[str]:
    cols = list(exp.columns)
    from_condition = _condition_columns(exp.kwargs.get("row_condition"))
    if isinstance(exp.kwargs.get("row_condition"), str):
        from_condition = [c for c in from_condition if c in available]
    return cols + [c for c in from_condition if c not in cols]


def _run_values(
    where: _Where,
    check: pl.DataFrame,
    exps: list[Expectation],
    bad: set[str],
    *,
    params: Mapping[str, Any],
    engine: Engine,
) -> list[ExpectationOutcome]:
    """The value expectations of one check table: Polars where it can, GX for the rest."""
    results: dict[int, ExpectationOutcome] = {}
    for_gx: list[tuple[int, Expectation]] = []
    needed: set[str] = set()
    for i, exp in enumerate(exps):
        cols = _needed_columns(exp, check.columns)
        missing = [c for c in cols if c not in check.columns]
        broken = [c for c in cols if where.check_table == "rows" and c in bad]
        if missing or broken:
            why = (
                f"column {missing[0]!r} absent"
                if missing
                else f"column {broken[0]!r} failed its structural check"
            )
            results[i] = where.outcome(exp, True, {"message": f"skipped: {why}"}, skipped=True)
            continue
        done = evaluate(check, exp, params) if engine == "polars" else None
        if done is not None:
            results[i] = _outcome(where, check, exp, done, engine="polars")
            continue
        for_gx.append((i, exp))
        needed.update(cols)
    if for_gx:
        from skills.quality._gx import run_gx

        name = f"{where.suite.name}.{where.check_table}"
        gx_results = run_gx(check, sorted(needed), for_gx, params=params, name=name)
        for i, _exp in for_gx:
            results[i] = _outcome(where, check, exps[i], gx_results[i], engine="great_expectations")
    return [results[i] for i in range(len(exps))]


def _outcome(
    where: _Where, check: pl.DataFrame, exp: Expectation, res: ValueResult, *, engine: str
) -> ExpectationOutcome:
    examples: tuple[dict[str, Any], ...] = ()
    if res.unexpected_rows:
        examples = _examples(check, where, exp, list(res.unexpected_rows))
    return where.outcome(exp, res.success, res.observed, examples, engine=engine)


def _examples(
    check: pl.DataFrame, where: _Where, exp: Expectation, index: list[int]
) -> tuple[dict[str, Any], ...]:
    picked = check[index[:MAX_EXAMPLES]]
    if where.check_table == "rows":
        keep = [*dict.fromkeys([*where.suite.key, *exp.columns, LINE, ROW])]
        extra = {"valid_min", "valid_max", "catalogue_unit"}
        keep = [c for c in keep if c in picked.columns and (c not in extra or c in exp.columns)]
    else:
        keep = [c for c in picked.columns if not c.startswith("_") or c in (LINE, ROW)]
    return tuple(
        {k: jsonable(v) for k, v in row.items() if v is not None}
        for row in picked.select(keep).iter_rows(named=True)
    )
