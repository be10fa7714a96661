"""Indicators: pure Polars functions from the aligned panel (and checked inputs) to tidy rows.

Every function returns rows shaped as :data:`INDICATOR_SCHEMA` (one row per value); every
indicator id is documented in the catalogue (:func:`skills.indicators.catalogue.catalogue`,
``docs/indicators.md``).
"""

from __future__ import annotations

import polars as pl

from skills.indicators._frame import INDICATOR_KEY, INDICATOR_SCHEMA, as_indicator
from skills.indicators.its import its_outcomes, planned_hires
from skills.indicators.labour import (
    employment_ths,
    labour_force_tertiary_share_pct,
    unemployed_ths,
    unemployment_rate,
)

__all__ = [
    "INDICATOR_KEY",
    "INDICATOR_SCHEMA",
    "as_indicator",
    "compute_indicators",
    "employment_ths",
    "its_outcomes",
    "labour_force_tertiary_share_pct",
    "planned_hires",
    "unemployed_ths",
    "unemployment_rate",
]


def compute_indicators(
    panel: pl.LazyFrame,
    *,
    its_courses: pl.LazyFrame | None = None,
    hiring_plans: pl.LazyFrame | None = None,
    its_source: str = "its_courses",
    hiring_source: str = "hiring_plans",
) -> pl.LazyFrame:
    """All indicators the inputs allow, as one tidy table sorted by its key."""
    parts = [
        unemployment_rate(panel),
        employment_ths(panel),
        unemployed_ths(panel),
        labour_force_tertiary_share_pct(panel),
    ]
    if its_courses is not None:
        parts.append(its_outcomes(its_courses, source=its_source))
    if hiring_plans is not None:
        parts.append(planned_hires(hiring_plans, source=hiring_source))
    return pl.concat(parts, how="vertical").sort(list(INDICATOR_KEY), nulls_last=False)
