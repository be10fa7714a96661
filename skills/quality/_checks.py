"""Polars side of the quality checks: the ``rows`` table, structural contracts, words.

Structural checks (column presence, dtypes, key uniqueness, row count) run here, in
Polars, before any value suite. Value expectations run on the ``rows`` table
(:func:`prepare_rows`) and on aggregated check tables Polars computes from it
(:mod:`skills.quality._check_tables`): in Polars where :mod:`skills.quality._polars_values`
reproduces great-expectations, else in great-expectations on pandas copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.quality._check_tables import LINE, ROW, build_check_table, filtered, period_ordinal
from skills.quality._report import MAX_EXAMPLES, ExpectationOutcome
from skills.quality._suite import Expectation, Suite

if TYPE_CHECKING:
    from skills.indicators.catalogue import CatalogueEntry

__all__ = [
    "LINE",
    "ROW",
    "build_check_table",
    "describe",
    "period_ordinal",
    "prepare_rows",
    "run_structural",
]


def _example(row: Mapping[str, Any], keep: Sequence[str]) -> dict[str, Any]:
    return {k: row[k] for k in keep if k in row and row[k] is not None}


# ----------------------------------------------------------------------------- rows


def prepare_rows(
    frame: pl.DataFrame, suite: Suite, *, catalogue: Sequence[CatalogueEntry] | None = None
) -> pl.DataFrame:
    """The ``rows`` check table: ``_row`` added, role filter and catalogue columns applied.

    ``catalogue`` is the indicator catalogue whose ``valid_min``, ``valid_max`` and unit
    (``catalogue_unit``) are joined on (default: the shipped one; a run with extra
    analyses passes it with their declared indicators added).
    """
    out = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    if suite.kind == "eurostat" and suite.role:
        from skills.spec import ROLES

        role = ROLES.get(suite.role)
        if role is not None and role.units and "unit" in out.columns:
            out = out.filter(pl.col("unit").is_in(sorted(role.units)))
        if "sizeclas" in out.columns:
            out = out.filter(pl.col("sizeclas") == "TOTAL")
    out = filtered(out, suite.check_tables.get("rows", {}))
    if suite.check_tables.get("rows", {}).get("catalogue") and "indicator" in out.columns:
        from skills.indicators.catalogue import load_catalogue

        entries = load_catalogue() if catalogue is None else tuple(catalogue)
        cat = pl.DataFrame(
            {
                "indicator": [e.id for e in entries],
                "valid_min": [e.valid_min for e in entries],
                "valid_max": [e.valid_max for e in entries],
                "catalogue_unit": [e.unit for e in entries],
            },
            schema={
                "indicator": pl.String,
                "valid_min": pl.Float64,
                "valid_max": pl.Float64,
                "catalogue_unit": pl.String,
            },
        )
        out = out.join(cat, on="indicator", how="left", maintain_order="left")
    return out


# ----------------------------------------------------------------------------- structure


def _dtype_name(dtype: pl.DataType) -> str:
    return str(dtype)


def _resolve_key(exp: Expectation, frame: pl.DataFrame) -> list[str]:
    """The key columns; ``meta.key = "all_dimensions"`` adds every dimension column.

    A Eurostat table's key is all its dimension columns plus ``period``, whatever
    dimensions the dataset has; the file lists the ones every table of the role has.
    """
    cols = [str(c) for c in exp.kwargs["column_list"]]
    if exp.meta.get("key") == "all_dimensions":
        dims = [c for c in frame.columns if c not in {"value", "flag", ROW, LINE}]
        cols = [*dims, *(c for c in cols if c not in dims)]
    return cols


def run_structural(
    frame: pl.DataFrame,
    suite: Suite,
    *,
    table: str,
    source: str | None,
    rows_n: int | None = None,
) -> tuple[list[ExpectationOutcome], set[str]]:
    """Run the suite's structural expectations with Polars.

    ``rows_n`` is the number of rows the suite checks (for a Eurostat table, the rows in
    the role's units); the row-count expectation applies to it.

    Returns the outcomes and the set of columns that are missing or of the wrong type
    (value expectations on them are skipped: the structural error already says why).
    """
    outcomes: list[ExpectationOutcome] = []
    bad: set[str] = set()

    def outcome(exp: Expectation, success: bool, observed: Any, **kw: Any) -> None:
        outcomes.append(
            ExpectationOutcome(
                suite=suite.name,
                table=table,
                expectation=exp.type,
                columns=kw.pop("columns", exp.columns),
                severity=exp.severity,
                success=success,
                observed=observed,
                reason=exp.reason,
                source=source,
                check_table="rows",
                description=describe(exp),
                engine="polars",
                **kw,
            )
        )

    for exp in suite.expectations:
        if not exp.structural:
            continue
        k = exp.kwargs
        if exp.type == "expect_column_to_exist":
            col = str(k["column"])
            ok = col in frame.columns
            if not ok:
                bad.add(col)
            shown = [c for c in frame.columns if c != LINE]
            msg = "present" if ok else f"column '{col}' is missing; the table has {shown}"
            outcome(exp, ok, {"message": msg})
        elif exp.type in (
            "expect_column_values_to_be_of_type",
            "expect_column_values_to_be_in_type_list",
        ):
            col = str(k["column"])
            if col not in frame.columns:
                outcome(exp, True, {"message": "column absent"}, skipped=True)
                continue
            allowed = [k["type_"]] if "type_" in k else list(k["type_list"])
            dtype = frame.schema[col]
            ok = _dtype_name(dtype) in allowed or dtype == pl.Null
            if not ok:
                bad.add(col)
            outcome(exp, ok, {"observed_value": _dtype_name(dtype)})
        elif exp.type == "expect_compound_columns_to_be_unique":
            cols = _resolve_key(exp, frame)
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                outcome(
                    exp,
                    True,
                    {"message": f"key columns {missing} absent"},
                    columns=tuple(cols),
                    skipped=True,
                )
                continue
            dup = frame.with_row_index(ROW, offset=1).filter(pl.struct(cols).is_duplicated())
            shown = [*cols, LINE, ROW]
            examples = tuple(
                _example(r, shown) for r in dup.head(MAX_EXAMPLES).iter_rows(named=True)
            )
            outcome(
                exp,
                dup.height == 0,
                {
                    "unexpected_count": dup.height,
                    "element_count": frame.height,
                    "message": f"{dup.height} of {frame.height} rows share a key"
                    if dup.height
                    else "key unique",
                },
                columns=tuple(cols),
                examples=examples,
            )
        elif exp.type == "expect_table_row_count_to_be_between":
            lo, hi = k.get("min_value"), k.get("max_value")
            n = frame.height if rows_n is None else rows_n
            ok = (lo is None or n >= lo) and (hi is None or n <= hi)
            observed: dict[str, Any] = {"observed_value": n}
            if n != frame.height:
                observed["message"] = (
                    f"{n} rows of the {frame.height} in the table are of the units the "
                    f"{suite.role} role reads"
                )
            outcome(exp, ok, observed)
    return outcomes, bad


# ----------------------------------------------------------------------------- words


def _num(v: Any) -> str:
    if isinstance(v, Mapping) and "$PARAMETER" in v:
        return f"code list {v['$PARAMETER']}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def describe(exp: Expectation) -> str:
    """An expectation in a few words, e.g. ``value in [0, 100]``."""
    k = exp.kwargs
    t = exp.type
    col = k.get("column", "")
    text = ""
    if t == "expect_column_to_exist":
        text = f"column {col} present"
    elif t == "expect_column_values_to_be_of_type":
        text = f"type {k.get('type_')}"
    elif t == "expect_column_values_to_be_in_type_list":
        text = "type in " + ", ".join(k.get("type_list", []))
    elif t == "expect_compound_columns_to_be_unique":
        cols = k.get("column_list")
        text = "key unique" + (f" ({', '.join(cols)})" if isinstance(cols, list) else "")
    elif t == "expect_table_row_count_to_be_between":
        text = f"rows in [{_num(k.get('min_value', '-inf'))}, {_num(k.get('max_value', 'inf'))}]"
    elif t in (
        "expect_column_values_to_be_between",
        "expect_column_proportion_of_non_null_values_to_be_between",
    ):
        lo, hi = k.get("min_value"), k.get("max_value")
        lb = "(" if k.get("strict_min") else "["
        rb = ")" if k.get("strict_max") else "]"
        what = f"non-null share of {col}" if "proportion" in t else col
        text = (
            f"{what} in {lb}{_num(lo) if lo is not None else '-inf'}, "
            f"{_num(hi) if hi is not None else 'inf'}{rb}"
        )
    elif t == "expect_column_values_to_be_in_set":
        vs = k.get("value_set")
        if isinstance(vs, Mapping):
            text = f"{col} in {_num(vs)}"
        else:
            items = list(vs or [])
            more = ", ..." if len(items) > 8 else ""
            text = f"{col} in {{{', '.join(map(str, items[:8]))}{more}}}"
    elif t == "expect_column_values_to_match_regex":
        rx = k.get("regex")
        text = f"{col} matches " + (
            f"pattern {rx['$PARAMETER']}" if isinstance(rx, Mapping) else str(rx)
        )
    elif t == "expect_column_values_to_not_be_null":
        text = f"{col} not null"
    elif t == "expect_column_pair_values_a_to_be_greater_than_b":
        op = ">=" if k.get("or_equal") else ">"
        text = f"{k.get('column_A')} {op} {k.get('column_B')}"
    elif t == "expect_column_pair_values_to_be_equal":
        text = f"{k.get('column_A')} == {k.get('column_B')}"
    else:
        text = t.removeprefix("expect_").replace("_", " ")
    if "mostly" in k:
        text += f" (mostly {_num(k['mostly'])})"
    if "row_condition" in k:
        text += f" where {condition_text(k['row_condition'])}"
    return text


def condition_text(cond: Any) -> str:
    """A GX row condition (JSON form) in words: ``unit == %``, ``indic_em IN [...]``."""
    if isinstance(cond, Mapping):
        kind = cond.get("type")
        if kind == "comparison":
            name = (cond.get("column") or {}).get("name")
            return f"{name} {cond.get('operator')} {cond.get('parameter')}"
        if kind == "nullity":
            name = (cond.get("column") or {}).get("name")
            return f"{name} is {'null' if cond.get('is_null') else 'not null'}"
        if kind in ("and", "or"):
            return f" {kind} ".join(condition_text(c) for c in cond.get("conditions") or [])
        if kind == "pass_through":
            return str(cond.get("pass_through_filter"))
    return str(cond)
