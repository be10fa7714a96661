"""The great-expectations engine: value expectations on pandas copies of check tables.

great_expectations is imported here lazily, inside functions, and once per process: one
ephemeral, offline context (no files, no Data Docs, progress bars off) with one pandas
data source whose single dataframe asset receives every check table in turn. It runs the
value expectations :mod:`skills.quality._polars_values` does not reproduce, and all of
them when the GX engine is forced (``SKILLS_QUALITY_ENGINE=great_expectations``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import polars as pl

from skills.quality._polars_values import PARTIAL_COUNT, ValueResult
from skills.quality._report import MAX_EXAMPLES, jsonable
from skills.quality._suite import Expectation

__all__ = ["gx_context", "run_gx"]

_GX: dict[str, Any] = {}
#: Every expectation runs with ``BASIC`` (success, counts, observed values, up to 20
#: unexpected values); only those that fail with unexpected rows run again with
#: ``SUMMARY``, whose index list gives the example rows. ``SUMMARY`` for all costs about a
#: third more: GX builds extra metrics per expectation, mostly for checks that pass.
_FIRST_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": PARTIAL_COUNT}
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_COUNT}


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


def run_gx(
    check: pl.DataFrame,
    columns: list[str],
    runnable: list[tuple[int, Expectation]],
    *,
    params: Mapping[str, Any],
    name: str,
) -> dict[int, ValueResult]:
    """Validate expectations on the pandas copy of ``columns`` of a check table.

    Returns, per index of ``runnable``, the outcome in :class:`ValueResult` form (a GX
    exception becomes a failure whose message says so).
    """
    narrowed, run_params = _narrow_code_lists(check, runnable, params)
    results = _gx_validate(
        check, columns, narrowed, params=run_params, name=name, result_format=_FIRST_FORMAT
    )
    again = [(i, e) for i, e in narrowed if _has_unexpected_rows(results[i])]
    if again:
        results.update(
            _gx_validate(
                check, columns, again, params=run_params, name=name, result_format=_RESULT_FORMAT
            )
        )
    return {i: _from_gx(results[i]) for i, _exp in runnable}


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
    result_format: Mapping[str, Any],
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


def _from_gx(res: Any) -> ValueResult:
    info = res.exception_info or {}
    # one block for the expectation, or one per metric (keyed by the metric's id) when a
    # metric's computation raised
    blocks = [info, *(v for v in info.values() if isinstance(v, dict))]
    raised = next((b for b in blocks if b.get("raised_exception")), None)
    if raised is not None:
        message = str(raised.get("exception_message") or "great-expectations raised an error")
        return ValueResult(False, {"message": f"could not run: {message}"})
    result = dict(res.result or {})
    if "observed_value" in result:
        return ValueResult(
            bool(res.success), {"observed_value": jsonable(result["observed_value"])}
        )
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
    rows: tuple[int, ...] = ()
    if not res.success and index:
        rows = tuple(int(i) for i in index[:MAX_EXAMPLES])
    return ValueResult(bool(res.success), observed, rows)
