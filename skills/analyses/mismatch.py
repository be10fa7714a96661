"""Mismatch across the provinces of the focus region (``unemployment`` by province and
``hiring_plans``): ``jackman_roper_index``, ``sahin_mismatch_index`` (alpha grid
:data:`skills.indicators.mismatch.SAHIN_ALPHAS`) and ``planned_hires_unemployment_ratio``
(a year's planned hires per unemployed person); with ``hires`` too, the matching
function (:mod:`skills.analyses.matching`)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.analyses._outputs import AnalysisOutputs
from skills.indicators._frame import as_indicator
from skills.indicators.labour import unemployed_persons
from skills.spec import PipelineSpec

__all__ = ["province_mismatch"]

_PLANNED_HIRES_NOTE = (
    "planned hires in the year (a flow of contracts) per unemployed person (a stock); "
    "not comparable with vacancy_unemployment_ratio"
)


_REGIONAL_NOTE = "over the provinces of the region: unemployed persons vs planned hires"


def _regional_rows(frame: pl.DataFrame, index: str, *extra: pl.Expr) -> pl.LazyFrame:
    """The values of a mismatch index computed over the provinces of each ``region``: the
    region as ``geo``, column ``index`` as ``value`` (``extra`` adds e.g. a ``variant``)."""
    return frame.lazy().select(
        pl.col("region").alias("geo"),
        "period",
        pl.col(index).alias("value"),
        *extra,
        pl.lit(_REGIONAL_NOTE).alias("note"),
    )


def province_mismatch(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    panel: pl.DataFrame,
    out: AnalysisOutputs,
) -> None:
    """Jackman-Roper and Sahin indices and planned-hires tightness over the provinces of
    the focus region; then the matching function (:mod:`skills.analyses.matching`)."""
    from skills.indicators.mismatch import (
        SAHIN_ALPHAS,
        jackman_roper,
        sahin_index_grid,
        tightness,
    )

    if "unemployment" not in inputs or "hiring_plans" not in inputs:
        out.note("mismatch across provinces", "skipped", "needs unemployment and hiring_plans")
        return
    u = unemployed_persons(panel).filter(
        pl.col("geo").str.starts_with(spec.region), pl.col("geo").str.len_chars() == 5
    )
    v = (
        inputs["hiring_plans"]
        .group_by(
            pl.col("geo_nuts3").alias("geo"), pl.col("period").str.slice(0, 4).alias("period")
        )
        .agg(pl.col("planned_hires_n").sum().cast(pl.Float64).alias("vacancies"))
        .collect()
    )
    both = u.join(v, on=["geo", "period"], how="inner", validate="1:1")
    if both["geo"].n_unique() < 2:
        out.note(
            "mismatch across provinces",
            "skipped",
            f"needs unemployment and planned hires for at least two provinces of {spec.region}",
        )
        return
    source = f"{labels['unemployment']} + {labels['hiring_plans']}"
    units = both.with_columns(pl.lit(spec.region).alias("region"))
    jr = jackman_roper(units, unit="geo", by=("region", "period"))
    jr_rows = _regional_rows(jr, "jackman_roper_index")
    out.indicators.append(
        as_indicator(jr_rows, "jackman_roper_index", "index (0-1)", source=source)
    )
    sahin = sahin_index_grid(units, alphas=SAHIN_ALPHAS, unit="geo", by=("region", "period"))
    alpha = pl.format("alpha={}", pl.col("alpha").round(2)).alias("variant")
    sahin_rows = _regional_rows(sahin, "sahin_mismatch_index", alpha)
    out.indicators.append(
        as_indicator(sahin_rows, "sahin_mismatch_index", "index (0-1)", source=source)
    )
    # planned hires are a year's flow of contracts, not a stock of open vacancies: their
    # ratio to the unemployed has its own id, never mixed with JVS tightness
    theta = tightness(both, by=("geo", "period"))
    region_theta = tightness(units, by=("region", "period")).rename({"region": "geo"})
    rows = pl.concat([theta.select(region_theta.columns), region_theta])
    out.indicators.append(
        as_indicator(
            rows.lazy().select(
                "geo",
                "period",
                pl.col("vacancy_unemployment_ratio").alias("value"),
                pl.lit(_PLANNED_HIRES_NOTE).alias("note"),
            ),
            "planned_hires_unemployment_ratio",
            "planned hires per unemployed person",
            source=source,
        )
    )
    out.note(
        "mismatch across provinces",
        "ran",
        f"{both['geo'].n_unique()} provinces, {both['period'].n_unique()} years; "
        f"Sahin alpha grid {min(SAHIN_ALPHAS):g}-{max(SAHIN_ALPHAS):g}",
    )

    from skills.analyses.matching import matching_function

    matching_function(spec, inputs, u=u, v=v, both=both, out=out)
