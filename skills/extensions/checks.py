"""Structural checks of the tables extra analyses publish, as a validation report."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from skills.quality import ValidationReport

__all__ = ["check_extension_tables"]


def check_extension_tables(
    tables: Mapping[str, tuple[str, pl.DataFrame]],
) -> ValidationReport:
    """Structural checks of extra analyses' tables, in Polars, as a validation report.

    Parameters
    ----------
    tables
        Table name -> (the analysis' name, the table).

    Returns
    -------
    ValidationReport
        Per table (suite ``extension``): at least one row (error) and every
        floating-point column finite, NaN and infinities refused (error; null is fine).
    """
    from skills.quality import ExpectationOutcome, ValidationReport

    outcomes: list[ExpectationOutcome] = []
    info: dict[str, dict[str, Any]] = {}
    for name, (analysis, frame) in tables.items():
        source = f"[analyses.{analysis}]"
        info[name] = {"suite": "extension", "source": source, "rows": frame.height}
        outcomes.append(
            ExpectationOutcome(
                suite="extension",
                table=name,
                expectation="expect_table_row_count_to_be_between",
                columns=(),
                severity="error",
                success=frame.height >= 1,
                observed={"observed_value": frame.height},
                reason="An empty table: the analysis found nothing to compute.",
                source=source,
                description="at least 1 row",
                engine="polars",
            )
        )
        floats = [c for c, t in frame.schema.items() if t in (pl.Float32, pl.Float64)]
        if not floats:
            continue
        bad_row = pl.any_horizontal(
            [(pl.col(c).is_nan() | pl.col(c).is_infinite()).fill_null(False) for c in floats]
        )
        bad = frame.with_row_index("_row", offset=1).filter(bad_row)
        values: list[Any] = []
        for c in floats:
            for v in bad[c].to_list():
                if v is not None and not math.isfinite(v) and str(v) not in values:
                    values.append(str(v))
        outcomes.append(
            ExpectationOutcome(
                suite="extension",
                table=name,
                expectation="expect_column_values_to_be_finite",
                columns=tuple(floats),
                severity="error",
                success=bad.height == 0,
                observed={
                    "unexpected_count": bad.height,
                    "element_count": frame.height,
                    "unexpected_values": values[:5],
                },
                examples=tuple(
                    {k: v for k, v in row.items() if v is not None}
                    for row in bad.head(5).iter_rows(named=True)
                ),
                reason="NaN and infinity are not numbers a reader can use: publish null.",
                source=source,
                description="finite or null",
                engine="polars",
            )
        )
    return ValidationReport(outcomes=tuple(outcomes), tables=info)
