"""Skill-group shares and wage-ranked polarisation (Autor and Dorn 2013 U test).

* skill-group shares (``employment_by_occupation``): ``employment_share_pct``,
  ``employment_share_change_pp`` (each geo's clean span, its full range, and the window
  clean for the region, its country and the EU, variant ``common_window``);
* the region x skill-group panel model (:mod:`skills.analyses.share_panel`);
* wage-ranked polarisation (2-digit occupations and ``wages_by_occupation``):
  ``wage_group_share_change_pp``, ``polarisation_*`` tables, ``polarisation_u_test`` model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from skills.analyses._outputs import (
    EU_AGGREGATES,
    AnalysisOutputs,
    longest_span,
    occupation_employment,
)
from skills.analyses.share_panel import share_panel
from skills.indicators._frame import as_indicator
from skills.spec import PipelineSpec

__all__ = ["polarisation", "u_test"]


def polarisation(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    out: AnalysisOutputs,
    *,
    reps: int,
    seed: int,
) -> None:
    """Skill-group shares and their changes, the share panel model and, with wages, the
    wage-ranked polarisation tables, indicator and U test."""
    from skills.indicators.polarisation import (
        occupation_changes,
        percentile_changes,
        skill_group_indicators,
        skill_group_shares,
        wage_group_shares,
    )

    settings = dict(spec.models)
    label = labels["employment_by_occupation"]
    employment = occupation_employment(inputs["employment_by_occupation"])
    # share changes also over the window clean for the region, its country and the EU
    # (their own clean spans differ, so their changes are not side by side otherwise)
    compare = (spec.region, spec.region[:2], *EU_AGGREGATES)
    out.indicators.append(skill_group_indicators(employment, source=label, compare=compare))
    shares = skill_group_shares(employment).collect()
    out.note("skill-group shares", "ran", f"{shares['geo'].n_unique()} geos")

    share_panel(spec, shares, out, reps=reps, seed=seed)

    if "wages_by_occupation" not in inputs:
        out.note("wage-ranked polarisation", "skipped", "no wages_by_occupation source")
        return
    wages = inputs["wages_by_occupation"].collect()
    wage_geos = sorted(set(wages["geo"].to_list()) & set(employment["geo"].to_list()))
    if not wage_geos:
        out.note(
            "wage-ranked polarisation",
            "skipped",
            "no geo is in both the wage and the occupation tables",
        )
        return
    occ_rows: list[pl.DataFrame] = []
    pct_rows: list[pl.DataFrame] = []
    group_rows: list[pl.DataFrame] = []
    for geo in wage_geos:
        span = longest_span(shares, geo)
        if span is None:
            continue
        geo_wages = wages.filter(pl.col("geo") == geo)
        base_year = min(geo_wages["year"].to_list())
        geo_wages = geo_wages.filter(pl.col("year") == base_year)
        changes = occupation_changes(
            employment.filter(pl.col("geo") == geo), geo_wages, base=span[0], end=span[1]
        )
        if changes.height < 5:
            continue
        tag = f"{geo} {span[0]}-{span[1]}, wages {base_year}"
        occ_rows.append(changes.with_columns(pl.lit(f"{span[0]}-{span[1]}").alias("period")))
        pct_rows.append(
            percentile_changes(changes).with_columns(pl.lit(f"{span[0]}-{span[1]}").alias("period"))
        )
        groups = wage_group_shares(changes).with_columns(
            pl.lit(f"{span[0]}-{span[1]}").alias("period")
        )
        group_rows.append(groups)
        result = u_test(changes, settings, tag=tag, reps=reps, seed=seed)
        out.models.append(result)
    if not occ_rows:
        out.note(
            "wage-ranked polarisation", "skipped", "no geo has a comparable span of 2-digit data"
        )
        return
    out.tables["polarisation_occupations"] = pl.concat(occ_rows)
    out.tables["polarisation_percentiles"] = pl.concat(pct_rows)
    wage_groups = pl.concat(group_rows)
    out.indicators.append(
        as_indicator(
            wage_groups.lazy().select(
                "geo",
                "period",
                pl.col("wage_group").alias("skill_group"),
                pl.col("change_pp").alias("value"),
                pl.when(pl.col("crosses_break")).then(pl.lit("b")).alias("flag"),
            ),
            "wage_group_share_change_pp",
            "percentage points",
            source=f"{labels['employment_by_occupation']} + {labels['wages_by_occupation']}",
        )
    )
    out.note("wage-ranked polarisation", "ran", ", ".join(wage_geos))


def u_test(
    changes: pl.DataFrame, settings: Mapping[str, Any], *, tag: str, reps: int, seed: int
) -> Any:
    """The U test on occupations or on percentile bins, clustered as the spec says.

    ``[models] polarisation_unit``: ``"occupation"`` (default: one row per occupation,
    weighted by its base share) or ``"percentile"`` (Autor and Dorn 2013: the change per
    employment percentile bin, 100 equal-weight rows). ``[models] polarisation_cluster``:
    ``"observation"`` (default: one bootstrap weight per row), ``"occupation"`` (the bins
    of one occupation together; percentile unit only) or ``"isco_major_group"`` (ISCO-08
    major groups, 1 digit).
    """
    from skills.indicators.polarisation import percentile_changes
    from skills.models import Cov, fit_polarisation

    unit = str(settings.get("polarisation_unit", "occupation"))
    cluster = str(settings.get("polarisation_cluster", "observation"))
    rows = percentile_changes(changes) if unit == "percentile" else changes
    rows = rows.with_columns(
        pl.col("isco08").alias("occupation"),
        pl.col("isco08").str.slice(0, 1).alias("isco_major_group"),
    )
    by = None if cluster == "observation" else cluster
    label = "percentile bins" if unit == "percentile" else "occupations"
    if by:
        label += f", clustered by {by.replace('_', ' ')}"
    return fit_polarisation(
        rows,
        x="skill_pct",
        y="share_change_pp",
        weights="base_share_pct",
        cov=Cov.cluster(by) if by else Cov.robust(),
        bootstrap=Cov.wild_bootstrap(reps=reps, seed=seed, cluster=by) if reps > 0 else None,
        model_id=f"polarisation_u_test[{tag}; {label}]",
    )
