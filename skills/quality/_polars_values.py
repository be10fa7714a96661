"""The simple value expectations evaluated in Polars, with great-expectations' semantics.

The suites' JSON stays the contract: an expectation is written for great-expectations
(GX) and means what GX makes of it on the pandas copy of a check table. This module
computes the same outcome (success, ``element_count``, ``unexpected_count``,
``unexpected_percent``, the first unexpected values and the positions of the first
unexpected rows) for the types below, without GX's fixed cost of 30-120 ms per validation.
``tests/test_quality_polars.py`` runs both engines on every suite and compares them.

Types evaluated here (``POLARS_TYPES``)
---------------------------------------
``expect_column_values_to_not_be_null``, ``expect_column_values_to_be_null``
    ``mostly``; the rows considered are all rows (NaN is null, as in pandas).
``expect_column_values_to_be_between``
    ``min_value``, ``max_value``, ``strict_min``, ``strict_max``, ``mostly``; nulls are
    left out; numeric columns and bounds only.
``expect_column_values_to_be_in_set``
    ``value_set`` (a list or a ``$PARAMETER``), ``mostly``; string, numeric or boolean
    columns whose set holds values of the same kind.
``expect_column_values_to_match_regex``
    ``regex`` (a string or a ``$PARAMETER``), ``mostly``; string columns. Python's
    :func:`re.search`, as pandas' ``str.contains`` (Polars' own regex engine has no
    look-ahead, which the geo patterns use), once per distinct value.
``expect_column_proportion_of_non_null_values_to_be_between``
    ``min_value``, ``max_value``, ``strict_min``, ``strict_max``: ``observed_value``.
``expect_column_pair_values_a_to_be_greater_than_b``, ``expect_column_pair_values_to_be_equal``
    ``or_equal``, ``ignore_row_if`` (``both_values_are_missing``,
    ``either_value_is_missing``, ``neither``), ``mostly``; two numeric or two string
    columns.

Every one also honours ``row_condition`` in GX's JSON condition form (``comparison``
with ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``IN``, ``NOT_IN``; ``nullity``;
``and``/``or``) with pandas' ``DataFrame.query`` semantics for nulls (a null is unequal
to everything and in no list).

:func:`evaluate` returns None for anything else (another type, another kwarg, a string
row condition, a column or parameter of another kind, bounds GX would reject): such an
expectation goes to GX, which is then imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from skills.quality._report import MAX_EXAMPLES, jsonable
from skills.quality._suite import Expectation

__all__ = ["POLARS_TYPES", "ValueResult", "evaluate"]

#: GX keeps this many unexpected values (``partial_unexpected_count``); the report
#: de-duplicates them and shows :data:`MAX_EXAMPLES`.
PARTIAL_COUNT = 20

_COMMON = frozenset({"column", "mostly", "row_condition"})
_PAIR = frozenset({"column_A", "column_B", "mostly", "row_condition", "ignore_row_if"})
#: Expectation type -> the kwargs this module honours (any other sends it to GX).
POLARS_TYPES: Mapping[str, frozenset[str]] = {
    "expect_column_values_to_not_be_null": _COMMON,
    "expect_column_values_to_be_null": _COMMON,
    "expect_column_values_to_be_between": _COMMON
    | {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_values_to_be_in_set": _COMMON | {"value_set"},
    "expect_column_values_to_match_regex": _COMMON | {"regex"},
    "expect_column_proportion_of_non_null_values_to_be_between": frozenset(
        {"column", "row_condition", "min_value", "max_value", "strict_min", "strict_max"}
    ),
    "expect_column_pair_values_a_to_be_greater_than_b": _PAIR | {"or_equal"},
    "expect_column_pair_values_to_be_equal": _PAIR,
}

_POS = "__skills_pos"
_STRINGS = (pl.String, pl.Categorical, pl.Enum)
#: Row-condition operators that order values (not reproduced on categorical columns).
_ORDERINGS = frozenset({"<", "<=", ">", ">="})


@dataclass(frozen=True)
class ValueResult:
    """What an expectation observed, in the shape the GX path reports.

    Attributes
    ----------
    success
        Whether it held (``mostly`` applied).
    observed
        ``{"unexpected_count", "element_count", "unexpected_values"[, "unexpected_percent"]}``
        for row checks, ``{"observed_value": ..}`` for the non-null proportion.
    unexpected_rows
        Positions (0-based, in the check table) of the first unexpected rows.
    """

    success: bool
    observed: dict[str, Any]
    unexpected_rows: tuple[int, ...] = ()


class _UnsupportedError(Exception):
    """The expectation is outside what this module reproduces: GX runs it."""


# ----------------------------------------------------------------------------- kinds


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _kind(dtype: pl.DataType) -> str:
    """``number``, ``string``, ``bool``, ``null`` or ``other`` (dates, lists, ...)."""
    if dtype.is_integer() or dtype == pl.Float64:
        return "number"
    if isinstance(dtype, _STRINGS) or dtype == pl.String:
        return "string"
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.Null:
        return "null"
    return "other"


def _column(frame: pl.DataFrame, name: Any) -> pl.Expr:
    """The column as pandas sees it: NaN is null, categoricals are strings."""
    if not isinstance(name, str) or name not in frame.columns:
        raise _UnsupportedError
    dtype = frame.schema[name]
    if dtype.is_float():
        return pl.col(name).fill_nan(None)
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.col(name).cast(pl.String)
    return pl.col(name)


def _resolve(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping):
        if set(value) != {"$PARAMETER"} or value["$PARAMETER"] not in params:
            raise _UnsupportedError
        return params[value["$PARAMETER"]]
    return value


# ----------------------------------------------------------------------------- row conditions


def _condition(frame: pl.DataFrame, cond: Any) -> pl.Expr:
    """A GX row condition (JSON form) as a Polars mask with pandas' null semantics."""
    if not isinstance(cond, Mapping):
        raise _UnsupportedError  # string conditions (pandas query syntax): GX parses them
    kind = cond.get("type")
    if kind in ("and", "or"):
        parts = [_condition(frame, c) for c in cond.get("conditions") or []]
        if not parts:
            raise _UnsupportedError
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if kind == "and" else (out | p)
        return out
    column = cond.get("column")
    name = column.get("name") if isinstance(column, Mapping) else None
    col = _column(frame, name)
    if kind == "nullity":
        return col.is_null() if cond.get("is_null") else col.is_not_null()
    if kind != "comparison":
        raise _UnsupportedError
    op, param = cond.get("operator"), cond.get("parameter")
    col_kind = _kind(frame.schema[str(name)])
    values: list[Any] = (
        list(param) if op in ("IN", "NOT_IN") and isinstance(param, list) else [param]
    )
    if col_kind == "string" and all(isinstance(v, str) for v in values):
        if op in _ORDERINGS and frame.schema[str(name)] != pl.String:
            # pandas orders an Enum by its categories and refuses to order an unordered
            # categorical: GX's outcome, not a string comparison
            raise _UnsupportedError
    elif col_kind == "number" and all(_is_number(v) for v in values):
        if any(isinstance(v, float) for v in values):
            col, values = col.cast(pl.Float64), [float(v) for v in values]
    else:
        raise _UnsupportedError
    if op == "IN":
        return col.is_in(values).fill_null(False)
    if op == "NOT_IN":
        return ~col.is_in(values).fill_null(False)
    compare = {
        "==": col == param,
        "!=": col != param,
        "<": col < param,
        "<=": col <= param,
        ">": col > param,
        ">=": col >= param,
    }
    if op not in compare:
        raise _UnsupportedError
    return compare[op].fill_null(op == "!=")


# ----------------------------------------------------------------------------- results


def _mostly(considered: int, unexpected: int, mostly: float) -> bool:
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def _map_result(
    domain: pl.DataFrame,
    bad: pl.Series,
    values: list[Any],
    *,
    element_count: int,
    considered: int,
    mostly: float,
) -> ValueResult:
    """Success and observed of a map expectation (GX's ``_format_map_output``)."""
    unexpected = int(bad.sum())
    if element_count == 0 or considered == 0:
        success = True
    else:
        success = _mostly(considered, unexpected, mostly)
    shown: list[Any] = []
    for raw in values[:PARTIAL_COUNT]:
        value = jsonable(raw)
        if value not in shown:
            shown.append(value)
    observed: dict[str, Any] = {
        "unexpected_count": unexpected,
        "element_count": element_count,
        "unexpected_values": shown[:MAX_EXAMPLES],
    }
    if element_count > 0 and considered > 0:
        observed["unexpected_percent"] = round(unexpected / considered * 100, 4)
    rows: tuple[int, ...] = ()
    if not success and unexpected:
        rows = tuple(domain.filter(bad)[_POS].head(MAX_EXAMPLES).to_list())
    return ValueResult(success, observed, rows)


def _between(value: Any, lo: Any, hi: Any, strict_min: Any, strict_max: Any) -> bool:
    above = lo is None or (value > lo if strict_min else value >= lo)
    below = hi is None or (value < hi if strict_max else value <= hi)
    return bool(above and below)


def _bounds(k: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[Any, Any]:
    lo, hi = _resolve(k.get("min_value"), params), _resolve(k.get("max_value"), params)
    if lo is None and hi is None:
        raise _UnsupportedError  # GX rejects it
    if any(v is not None and not _is_number(v) for v in (lo, hi)):
        raise _UnsupportedError
    if lo is not None and hi is not None and lo > hi:
        raise _UnsupportedError  # GX rejects it
    return lo, hi


def _mostly_kwarg(k: Mapping[str, Any]) -> float:
    mostly = k.get("mostly", 1.0)
    if not _is_number(mostly) or not 0 <= mostly <= 1:
        raise _UnsupportedError
    return float(mostly)


def _column_expectation(
    frame: pl.DataFrame, exp: Expectation, params: Mapping[str, Any]
) -> ValueResult:
    k = exp.kwargs
    name = k.get("column")
    col = _column(frame, name)
    kind = _kind(frame.schema[str(name)])
    domain = frame.select(col.alias("v"), _POS)
    n = domain.height
    values = domain["v"]
    nulls = values.is_null()
    t = exp.type
    if t == "expect_column_proportion_of_non_null_values_to_be_between":
        lo, hi = _bounds(k, params)
        proportion: float = (n - int(nulls.sum())) / n if n > 0 else 0
        ok = _between(proportion, lo, hi, k.get("strict_min"), k.get("strict_max"))
        return ValueResult(ok, {"observed_value": proportion})
    mostly = _mostly_kwarg(k)
    if t in ("expect_column_values_to_not_be_null", "expect_column_values_to_be_null"):
        if kind == "other":
            raise _UnsupportedError  # unexpected values of other kinds print differently
        bad = nulls if t == "expect_column_values_to_not_be_null" else ~nulls
        shown = values.filter(bad).head(PARTIAL_COUNT).to_list()
        return _map_result(domain, bad, shown, element_count=n, considered=n, mostly=mostly)
    considered = n - int(nulls.sum())
    if kind == "null" and t in POLARS_TYPES:
        good = pl.Series([True] * n, dtype=pl.Boolean)  # nothing to check
    elif t == "expect_column_values_to_be_between":
        lo, hi = _bounds(k, params)
        if kind not in ("number", "null"):
            raise _UnsupportedError
        v = pl.col("v")
        ok_expr = pl.lit(True)
        if lo is not None:
            ok_expr = ok_expr & ((v > lo) if k.get("strict_min") else (v >= lo))
        if hi is not None:
            ok_expr = ok_expr & ((v < hi) if k.get("strict_max") else (v <= hi))
        good = domain.select(ok_expr.fill_null(True).alias("ok"))["ok"]
    elif t == "expect_column_values_to_be_in_set":
        value_set = _resolve(k.get("value_set"), params)
        if not isinstance(value_set, list | tuple | set | frozenset):
            raise _UnsupportedError
        members = list(value_set)
        if kind == "string" and all(isinstance(m, str) for m in members):
            good = values.is_in(pl.Series(members, dtype=pl.String).implode()).fill_null(True)
        elif kind == "bool" and all(isinstance(m, bool) for m in members):
            good = values.is_in(pl.Series(members, dtype=pl.Boolean).implode()).fill_null(True)
        elif (
            kind == "number"
            and values.dtype.is_integer()
            and all(isinstance(m, int) and not isinstance(m, bool) for m in members)
        ):
            # integers compare exactly (as pandas does), also beyond 2**53
            if not all(-(2**63) <= m < 2**63 for m in members):
                raise _UnsupportedError
            try:
                as_int = values.cast(pl.Int64)
            except pl.exceptions.InvalidOperationError as exc:  # UInt64 beyond Int64
                raise _UnsupportedError from exc
            good = as_int.is_in(pl.Series(members, dtype=pl.Int64).implode()).fill_null(True)
        elif kind == "number" and all(_is_number(m) for m in members):
            as_float = values.cast(pl.Float64)
            good = as_float.is_in(
                pl.Series([float(m) for m in members], dtype=pl.Float64).implode()
            )
            good = good.fill_null(True)
        else:
            raise _UnsupportedError
    elif t == "expect_column_values_to_match_regex":
        regex = _resolve(k.get("regex"), params)
        if not isinstance(regex, str) or kind not in ("string", "null"):
            raise _UnsupportedError
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise _UnsupportedError from exc
        distinct = values.drop_nulls().unique().to_list()
        matching = [d for d in distinct if pattern.search(str(d))]
        good = values.is_in(pl.Series(matching, dtype=pl.String).implode()).fill_null(True)
    else:
        raise _UnsupportedError
    bad = (~good) & ~nulls
    shown = values.filter(bad).head(PARTIAL_COUNT).to_list()
    return _map_result(domain, bad, shown, element_count=n, considered=considered, mostly=mostly)


def _pair_expectation(
    frame: pl.DataFrame, exp: Expectation, params: Mapping[str, Any]
) -> ValueResult:
    k = exp.kwargs
    a_name, b_name = k.get("column_A"), k.get("column_B")
    a, b = _column(frame, a_name), _column(frame, b_name)
    kinds = {_kind(frame.schema[str(a_name)]), _kind(frame.schema[str(b_name)])}
    if kinds not in ({"number"}, {"string"}):
        raise _UnsupportedError
    ordered = exp.type == "expect_column_pair_values_a_to_be_greater_than_b"
    if (
        ordered
        and kinds == {"string"}
        and (frame.schema[str(a_name)] != pl.String or frame.schema[str(b_name)] != pl.String)
    ):
        raise _UnsupportedError  # categorical order is pandas' (categories), not text
    mostly = _mostly_kwarg(k)
    domain = frame.select(a.alias("a"), b.alias("b"), _POS)
    n = domain.height
    ignore = k.get("ignore_row_if", "both_values_are_missing")
    a_null, b_null = domain["a"].is_null(), domain["b"].is_null()
    if ignore == "either_value_is_missing":
        keep = ~(a_null | b_null)
    elif ignore == "both_values_are_missing":
        keep = ~(a_null & b_null)
    elif ignore == "neither":
        keep = pl.Series([True] * n, dtype=pl.Boolean)
    else:
        raise _UnsupportedError
    domain = domain.filter(keep)
    if exp.type == "expect_column_pair_values_to_be_equal":
        holds = pl.col("a") == pl.col("b")
    elif k.get("or_equal"):
        holds = pl.col("a") >= pl.col("b")
    else:
        holds = pl.col("a") > pl.col("b")
    bad = domain.select((~holds).fill_null(True).alias("bad"))["bad"]
    shown = [(x, y) for x, y in domain.filter(bad).head(PARTIAL_COUNT).select("a", "b").iter_rows()]
    return _map_result(domain, bad, shown, element_count=n, considered=domain.height, mostly=mostly)


def evaluate(
    check: pl.DataFrame, exp: Expectation, params: Mapping[str, Any]
) -> ValueResult | None:
    """Evaluate one value expectation on a check table, or None when GX must run it.

    Parameters
    ----------
    check
        The check table (the table's rows or an aggregated check table).
    exp
        The expectation, as written in its suite.
    params
        The suite parameters (``$PARAMETER`` values, :func:`~skills.quality.suite_parameters`).

    Returns
    -------
    ValueResult or None
        The outcome, identical to what great-expectations reports on the pandas copy of
        ``check``; None for an expectation this module does not reproduce.
    """
    allowed = POLARS_TYPES.get(exp.type)
    if allowed is None or not set(exp.kwargs) <= allowed:
        return None
    try:
        frame = check.with_row_index(_POS)
        cond = exp.kwargs.get("row_condition")
        if cond:
            frame = frame.filter(_condition(frame, cond))
        if exp.type.startswith("expect_column_pair_"):
            return _pair_expectation(frame, exp, params)
        return _column_expectation(frame, exp, params)
    except _UnsupportedError:
        return None
