"""Running suites: Polars structure first, then value expectations in great-expectations.

great_expectations is imported here lazily, inside functions, and once per process: one
ephemeral, offline context (no files, no Data Docs, progress bars off) with one pandas
data source whose single dataframe asset receives every check table in turn.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

__all__ = ["check_structure", "gx_context", "validate_table", "validate_tables"]

log = logging.getLogger("skills.quality")

_GX: dict[str, Any] = {}
#: Every expectation runs with ``BASIC`` (success, counts, observed values, up to 20
#: unexpected values); only those that fail with unexpected rows run again with
#: ``SUMMARY``, whose index list gives the example rows. ``SUMMARY`` for all costs about a
#: third more: GX builds extra metrics per expectation, mostly for checks that pass.
_FIRST_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 20}
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def gx_context() -> Any:
    """The process's ephemeral great-expectations context (created on first use).

    Offline and in memory: no project folder, no Data Docs, no usage statistics, progress
    bars off and GX's logging turned down to errors.
    """
    if "context" not in _GX:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(
                globally=False, metric_calculations=False
            )
            source = context.data_sources.add_pandas("skills_quality")
            asset = source.add_dataframe_asset("check_table")
            _GX["batch_definition"] = asset.add_batch_definition_whole_dataframe("whole")
            _GX["suite_class"] = gx.ExpectationSuite
            _GX["context"] = context
    return _GX["context"]


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
) -> list[ExpectationOutcome]:
    """Validate one table with its suite: structure in Polars, then values in GX.

    Parameters
    ----------
    table
        The table's name (``indicators``, ``panel``, ``its_courses``, a source role such
        as ``employment`` or a suite name such as ``eurostat__employment``).
    frame
        The table. For a Eurostat source, the tidy frame :func:`skills.refresh.load_source`
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
        table, _as_frame(frame), s, source=source, nuts_version=nuts_version, catalogue=catalogue
    )


def validate_tables(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    sources: Mapping[str, str] | None = None,
    nuts_version: int = 2021,
    suites: Mapping[str, str] | None = None,
    catalogue: Sequence[CatalogueEntry] | None = None,
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

    Returns
    -------
    ValidationReport
        Every outcome; ``report.passed`` is False when an ``error`` expectation failed.
    """
    start = time.perf_counter()
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
            engine="great_expectations",
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
            outcomes.extend(_run_gx(where, check, exps, bad, params=params))
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


def _run_gx(
    where: _Where,
    check: pl.DataFrame,
    exps: list[Expectation],
    bad: set[str],
    *,
    params: Mapping[str, Any],
) -> list[ExpectationOutcome]:
    results: dict[int, ExpectationOutcome] = {}
    runnable: list[tuple[int, Expectation]] = []
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
        runnable.append((i, exp))
        needed.update(cols)
    if runnable:
        narrowed, run_params = _narrow_code_lists(check, runnable, params)
        name = f"{where.suite.name}.{where.check_table}"
        columns = sorted(needed)
        gx_results = _gx_validate(
            check, columns, narrowed, params=run_params, name=name, result_format=_FIRST_FORMAT
        )
        again = [(i, e) for i, e in narrowed if _has_unexpected_rows(gx_results[i])]
        if again:
            gx_results.update(
                _gx_validate(
                    check,
                    columns,
                    again,
                    params=run_params,
                    name=name,
                    result_format=_RESULT_FORMAT,
                )
            )
        for i, _exp in runnable:
            results[i] = _from_gx(where, check, exps[i], gx_results[i])
    return [results[i] for i in range(len(exps))]


def _narrow_code_lists(
    check: pl.DataFrame, runnable: list[tuple[int, Expectation]], params: Mapping[str, Any]
) -> tuple[list[tuple[int, Expectation]], dict[str, Any]]:
    """Pass each code-list check only the codes its column holds.

    GX copies an expectation's kwargs many times while validating, so a value set of
    hundreds of codes costs ~60 ms per expectation; the codes absent from the column cannot
    change the outcome, so each expectation gets its own parameter holding the code list
    intersected with the column's distinct values.
    """
    out: list[tuple[int, Expectation]] = []
    run_params = dict(params)
    for i, exp in runnable:
        vs = exp.kwargs.get("value_set")
        col = exp.kwargs.get("column")
        param = vs.get("$PARAMETER") if isinstance(vs, Mapping) else None
        if isinstance(param, str) and param in params and isinstance(col, str):
            present = set(check.get_column(col).drop_nulls().unique().to_list())
            name = f"{param}__{i}"
            run_params[name] = [c for c in params[param] if c in present]
            kwargs = {**exp.kwargs, "value_set": {"$PARAMETER": name}}
            out.append((i, Expectation(exp.type, kwargs, exp.meta)))
        else:
            out.append((i, exp))
    return out, run_params


def _has_unexpected_rows(res: Any) -> bool:
    """A failed row-level expectation: it has unexpected values to show examples of."""
    return not res.success and bool((res.result or {}).get("partial_unexpected_list"))


def _gx_validate(
    check: pl.DataFrame,
    columns: list[str],
    runnable: list[tuple[int, Expectation]],
    *,
    params: Mapping[str, Any],
    name: str,
    result_format: Mapping[str, Any] = _RESULT_FORMAT,
) -> dict[int, Any]:
    gx_context()
    batch_definition = _GX["batch_definition"]
    suite_class = _GX["suite_class"]
    pdf = _to_pandas(check, columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gx_suite = suite_class(
            name=name,
            expectations=[
                {
                    "type": exp.type,
                    "kwargs": dict(exp.kwargs),
                    "meta": {**exp.meta, "_skills_index": i},
                    "severity": "critical" if exp.severity == "error" else "warning",
                }
                for i, exp in runnable
            ],
        )
        batch = batch_definition.get_batch(batch_parameters={"dataframe": pdf})
        result = batch.validate(
            gx_suite, result_format=dict(result_format), expectation_parameters=dict(params)
        )
    return {int(r.expectation_config.meta["_skills_index"]): r for r in result.results}


def _to_pandas(check: pl.DataFrame, columns: list[str]) -> Any:
    """A pandas copy of the columns GX needs (an index-only frame when it needs none)."""
    import pandas as pd

    if not columns:
        return pd.DataFrame(index=range(check.height))
    return check.select(columns).to_pandas()


def _from_gx(where: _Where, check: pl.DataFrame, exp: Expectation, res: Any) -> ExpectationOutcome:
    info = res.exception_info or {}
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "great-expectations raised an error")
        return where.outcome(exp, False, {"message": f"could not run: {message}"})
    result = dict(res.result or {})
    if "observed_value" in result:
        observed = {"observed_value": jsonable(result["observed_value"])}
        return where.outcome(exp, bool(res.success), observed)
    values: list[Any] = []
    for raw in result.get("partial_unexpected_list") or []:
        value = jsonable(raw)
        if value not in values:
            values.append(value)
    observed = {
        "unexpected_count": result.get("unexpected_count"),
        "element_count": result.get("element_count"),
        "unexpected_values": values[:MAX_EXAMPLES],
    }
    if result.get("unexpected_percent") is not None:
        observed["unexpected_percent"] = round(float(result["unexpected_percent"]), 4)
    index = result.get("partial_unexpected_index_list") or []
    examples: tuple[dict[str, Any], ...] = ()
    if not res.success and index:
        examples = _examples(check, where, exp, [int(i) for i in index])
    return where.outcome(exp, bool(res.success), observed, examples)


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
