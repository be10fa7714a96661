"""Writing demo tables in the shapes of their sources: Eurostat bulk/API TSV and SDMX-CSV
(with flags), an xlsx workbook with fixed properties, a frame from generated rows.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from skills.demo._params import _BREAK_YEAR, _LAST_UPDATE, _PROVISIONAL_YEAR, DEMO_LABEL


def _fmt(value: float | None, flag: str = "") -> str:
    """A Eurostat bulk-TSV cell."""
    text = ":" if value is None else f"{value:.1f}"
    return f"{text} {flag}".rstrip() + (" " if not flag else "")


def _rows_frame(
    rows: Sequence[tuple[Any, ...]],
    schema: Mapping[str, PolarsDataType],
    sort: Sequence[str],
) -> pl.DataFrame:
    """A frame of generated ``rows`` (tuples in ``schema``'s column order), sorted by ``sort``."""
    return pl.DataFrame(rows, schema=schema, orient="row").sort(sort)


def _flag_for(year: int, *, low_reliability: bool = False) -> str:
    flag = ""
    if year == _BREAK_YEAR:
        flag += "b"
    if year == _PROVISIONAL_YEAR:
        flag += "p"
    if low_reliability:
        flag += "u"
    return flag


def _is_small(geo: str) -> bool:
    return geo in {"ITC2", "ITF2", "ITC12", "ITC14", "ITC17", "ITC13"}


def _bulk_tsv(
    frame: pl.DataFrame,
    dims: Sequence[str],
    value: str,
    *,
    time_header: str = "time",
    descending: bool = True,
    freq: str | None = None,
) -> str:
    """Render a frame (dims, year, value) as a Eurostat TSV (bulk or API style)."""
    years = sorted(frame["year"].unique().to_list(), reverse=descending)
    key_dims = (["freq"] if freq else []) + list(dims)
    header = ",".join(key_dims) + "\\" + time_header + "\t" + "\t".join(f"{y} " for y in years)
    lines = [header]
    wide: dict[tuple[str, ...], dict[int, str]] = {}
    for row in frame.sort([*dims, "year"]).iter_rows(named=True):
        key = tuple(str(row[d]) for d in dims)
        small = (
            row.get("geo") is not None and _is_small(str(row["geo"])) and row.get("age") == "Y15-24"
        )
        wide.setdefault(key, {})[row["year"]] = _fmt(
            row[value], _flag_for(row["year"], low_reliability=small)
        )
    for key, cells in wide.items():
        prefix = ([freq] if freq else []) + list(key)
        lines.append(",".join(prefix) + "\t" + "\t".join(cells.get(y, ": ") for y in years))
    return "\n".join(lines) + "\n"


def _sdmx_csv(frame: pl.DataFrame, dataflow: str, dims: Sequence[str], value: str) -> str:
    """Render a frame (dims, year, value) as Eurostat SDMX-CSV."""
    out = io.StringIO()
    out.write(
        ",".join(
            [
                "DATAFLOW",
                "LAST UPDATE",
                "freq",
                *dims,
                "TIME_PERIOD",
                "OBS_VALUE",
                "OBS_FLAG",
                "CONF_STATUS",
            ]
        )
        + "\n"
    )
    for row in frame.sort([*dims, "year"]).iter_rows(named=True):
        flag = _flag_for(row["year"])
        val = "" if row[value] is None else f"{row[value]:.1f}"
        out.write(
            ",".join(
                [
                    dataflow,
                    _LAST_UPDATE,
                    "A",
                    *[str(row[d]) for d in dims],
                    str(row["year"]),
                    val,
                    flag,
                    "",
                ]
            )
            + "\n"
        )
    return out.getvalue()


def _write_xlsx(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    import xlsxwriter

    # Fixed document properties keep the workbook byte-identical across runs.
    with xlsxwriter.Workbook(str(path)) as wb:
        wb.set_properties(
            {
                "title": f"ITS course records ({DEMO_LABEL})",
                "created": datetime(2026, 1, 1),
                "comments": DEMO_LABEL,
            }
        )
        frame.write_excel(wb, worksheet=sheet, autofit=False)
