"""What is exported: the publication's tables, the charts' frames, and each frame as
the exports hold it (text neutralised, lists and records as JSON text)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from skills.report.exports._text import neutralise_expr

#: Workbook tables in this order first (the planners' tables), then the rest by name.
TABLE_ORDER: tuple[str, ...] = (
    "its_gap",
    "its_gap_drivers",
    "its_gap_sensitivity",
    "its_gap_specs",
    "its_courses",
    "hiring_plans",
    "profile",
    "indicators",
    "shortage",
    "shortage_sensitivity",
    "beveridge",
    "polarisation_occupations",
    "polarisation_percentiles",
    "models",
    "models_glance",
    "panel",
)


def chart_frames_of(items: Iterable[Any]) -> dict[str, pl.DataFrame]:
    """Each drawn chart's frame, as :func:`~skills.report._build.prepare_charts` made it.

    Takes ``item.frame`` when the item has one, else the frame the chart was built on
    (the ``pl.DataFrame`` of ``item.rows`` rows in the Altair chart: builders pass the
    frame itself to ``alt.Chart``), so no frame is computed twice. A chart whose frame
    cannot be found is left out.
    """
    out: dict[str, pl.DataFrame] = {}
    for item in items:
        frame = getattr(item, "frame", None)
        if not isinstance(frame, pl.DataFrame):
            frame = _find_frame(getattr(item, "chart", None), int(getattr(item, "rows", -1)))
        if frame is not None:
            out[str(item.chart_id)] = frame
    return out


def _find_frame(node: Any, rows: int) -> pl.DataFrame | None:
    if node is None:
        return None
    data = getattr(node, "data", None)
    if isinstance(data, pl.DataFrame) and data.height == rows:
        return data
    for attr in ("layer", "vconcat", "hconcat", "concat"):
        children = getattr(node, attr, None)
        if isinstance(children, list):
            for child in children:
                if (found := _find_frame(child, rows)) is not None:
                    return found
    spec = getattr(node, "spec", None)
    if spec is not None and not isinstance(spec, dict):
        return _find_frame(spec, rows)
    return None


def _table_frames(folder: Path) -> tuple[list[tuple[str, pl.DataFrame]], list[tuple[str, str]]]:
    """Every ``*.parquet`` of ``folder``, in :data:`TABLE_ORDER` then by name; and failures."""
    paths = {p.stem: p for p in folder.glob("*.parquet") if p.is_file()}
    rank = {name: i for i, name in enumerate(TABLE_ORDER)}
    names = sorted(paths, key=lambda n: (rank.get(n, len(rank)), n))
    tables: list[tuple[str, pl.DataFrame]] = []
    failed: list[tuple[str, str]] = []
    for name in names:
        try:
            tables.append((name, pl.read_parquet(paths[name])))
        except Exception as exc:  # an unreadable file must not stop the other exports
            failed.append((name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    return tables, failed


def _is_nested(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.List | pl.Array | pl.Struct)


def _json_cell(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def export_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as the exports hold it: every text cell neutralised, lists and records as
    JSON text, categoricals and binaries as text; numbers, booleans and dates unchanged.

    >>> export_frame(pl.DataFrame({"a": ["=1+1", "x"], "b": [-1.5, 2.0]})).rows()
    [("'=1+1", -1.5), ('x', 2.0)]
    """
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if _is_nested(dtype):
            texts = pl.Series(name, [_json_cell(v) for v in frame[name].to_list()], pl.String)
            exprs.append(neutralise_expr(pl.lit(texts)).alias(name))
        elif isinstance(dtype, pl.Binary):
            exprs.append(col.bin.encode("hex").alias(name))
        elif isinstance(dtype, pl.String | pl.Categorical | pl.Enum | pl.Object | pl.Null):
            exprs.append(neutralise_expr(col.cast(pl.String)).alias(name))
        elif isinstance(dtype, pl.Time | pl.Duration):
            exprs.append(col.cast(pl.String).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs) if exprs else frame
