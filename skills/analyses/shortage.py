"""Occupational shortages (2-digit occupations; every component over one window per geo,
wage growth only where the wage table has two years inside the geo's clean span):
``shortage_index`` and the ``shortage`` and ``shortage_sensitivity`` tables (degenerate
where one component entered); :func:`skills.indicators.shortage.growth_components`,
:func:`skills.indicators.shortage.shortage_index`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl

from skills import classifications as cls
from skills.analyses._outputs import AnalysisOutputs, occupation_employment
from skills.indicators._frame import as_indicator

__all__ = ["shortage"]


def shortage(
    inputs: Mapping[str, pl.LazyFrame], labels: Mapping[str, str], out: AnalysisOutputs
) -> None:
    """The shortage index over each geo's common window and its sensitivity to the weights."""
    from skills.indicators.polarisation import clean_spans, skill_group_shares
    from skills.indicators.shortage import (
        growth_components,
        shortage_index,
        shortage_sensitivity,
    )

    employment = (
        occupation_employment(inputs["employment_by_occupation"])
        .with_columns(cls.normalise_isco08(pl.col("isco08")).alias("isco08"))
        .filter(pl.col("isco08").str.len_chars() == 2, ~pl.col("isco08").str.starts_with("0"))
    )
    if employment.height == 0:
        out.note("shortage index", "skipped", "no 2-digit occupation data")
        return
    spans = clean_spans(skill_group_shares(inputs["employment_by_occupation"].collect()).collect())
    wages = inputs["wages_by_occupation"].collect() if "wages_by_occupation" in inputs else None
    # every component over one window per geo: the clean employment span, narrowed to the
    # wage years inside it when there are two (else wage growth does not enter there)
    data = growth_components(
        employment, spans.filter(pl.col("is_longest")), wages, occupation="isco08"
    )
    if data.height == 0:
        out.note("shortage index", "skipped", "no geo has two comparable periods of 2-digit data")
        return
    # the table's columns follow the inputs (a wage table gives wage_growth_norm), its
    # values what entered: null where wage growth did not enter for the geo
    components: dict[str, Literal[1, -1]] = {"employment_growth": 1}
    if wages is not None:
        components["wage_growth"] = 1
    index = shortage_index(
        data.drop("components", "note"),
        occupation="isco08",
        by=("geo", "period"),
        components=components,
    )
    per_geo = data.select("geo", "period", "components", "note").unique(["geo", "period"])
    emp_label = labels["employment_by_occupation"]
    wage_label = labels.get("wages_by_occupation")
    note = pl.format(
        "components: {} over {} (growth annualised over the same years; OECD Skills for "
        "Jobs; equal weights)",
        pl.col("components"),
        pl.col("period"),
    )
    source = pl.lit(emp_label)
    if wage_label is not None:
        source = (
            pl.when(pl.col("components").str.contains("wage_growth"))
            .then(pl.lit(f"{emp_label} + {wage_label}"))
            .otherwise(source)
        )
    out.indicators.append(
        as_indicator(
            index.lazy()
            .join(per_geo.lazy(), on=["geo", "period"], how="left", validate="m:1")
            .select(
                "geo",
                "period",
                "isco08",
                pl.col("shortage_index").alias("value"),
                pl.when(pl.col("note").is_not_null())
                .then(pl.concat_str([note, pl.col("note")], separator="; "))
                .otherwise(note)
                .alias("note"),
                source.alias("source"),
            ),
            "shortage_index",
            "index (-1 to 1)",
        )
    )
    out.tables["shortage"] = index
    sensitivity = shortage_sensitivity(
        data.drop("components", "note"),
        occupation="isco08",
        by=("geo", "period"),
        components=components,
    )
    out.tables["shortage_sensitivity"] = sensitivity
    two = sorted(per_geo.filter(pl.col("components").str.contains(","))["geo"].to_list())
    one = per_geo.height - len(two)
    out.note(
        "shortage index",
        "ran",
        f"{per_geo.height} geos; wage and employment growth over a common window in "
        f"{len(two)} ({', '.join(two) or 'none'}); employment growth only in {one} "
        "(sensitivity to the weights degenerate there)",
    )
