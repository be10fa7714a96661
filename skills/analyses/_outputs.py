"""What the analyses hand back to the refresh engine, and the helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from skills.spec import PipelineSpec

__all__ = [
    "EU_AGGREGATES",
    "AnalysisOutputs",
    "bootstrap_settings",
    "longest_span",
    "occupation_employment",
]


@dataclass
class AnalysisOutputs:
    """What the analyses produce for a publication."""

    indicators: list[pl.LazyFrame] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    models: list[Any] = field(default_factory=list)
    crosswalks: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, str]] = field(default_factory=list)

    def note(self, analysis: str, status: str, detail: str) -> None:
        """Record that an analysis ran or was skipped, and why."""
        self.log.append({"analysis": analysis, "status": status, "detail": detail})


def occupation_employment(frame: pl.LazyFrame) -> pl.DataFrame:
    """Employment by occupation for one sex/age breakdown: total sex, the widest age band."""
    from skills.indicators.labour import TOTAL_AGES

    df = frame.collect()
    if "sex" in df.columns and "T" in df["sex"].to_list():
        df = df.filter(pl.col("sex") == "T")
    if "age" in df.columns:
        ages = sorted(set(df["age"].to_list()))
        preferred = next((a for a in (*TOTAL_AGES, "Y20-64") if a in ages), ages[0])
        df = df.filter(pl.col("age") == preferred)
    return df


#: The EU aggregate a region is compared with (as the report's focus geos).
EU_AGGREGATES: tuple[str, ...] = ("EU27_2020",)


def longest_span(shares: pl.DataFrame, geo: str) -> tuple[str, str] | None:
    """A geo's longest span of periods without a series break (None when shorter than 2)."""
    from skills.indicators.polarisation import clean_spans

    spans = clean_spans(shares.filter(pl.col("geo") == geo)).filter(pl.col("is_longest"))
    if spans.height == 0:
        return None
    start, end = spans.select("start", "end").row(0)
    return (start, end) if start < end else None


def bootstrap_settings(spec: PipelineSpec) -> tuple[int, int]:
    """``[models] bootstrap_reps`` and ``seed``, with the package defaults
    (:data:`skills.models.conventions.BOOTSTRAP_REPS`, ``BOOTSTRAP_SEED``)."""
    from skills.models.conventions import BOOTSTRAP_REPS, BOOTSTRAP_SEED

    settings = dict(spec.models)
    return (
        int(settings.get("bootstrap_reps", BOOTSTRAP_REPS)),
        int(settings.get("seed", BOOTSTRAP_SEED)),
    )
