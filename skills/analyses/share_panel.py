"""Region x skill-group panel model over the NUTS 2 regions of the focus region's country
(``skill_share_panel`` model; :func:`skills.models.fit_share_panel`)."""

from __future__ import annotations

import polars as pl

from skills.analyses._outputs import AnalysisOutputs, longest_span
from skills.spec import PipelineSpec

__all__ = ["share_panel"]


def share_panel(
    spec: PipelineSpec, shares: pl.DataFrame, out: AnalysisOutputs, *, reps: int, seed: int
) -> None:
    """Fit the share panel on ``shares`` (:func:`skills.indicators.polarisation.
    skill_group_shares`) over the focus region's longest clean span, clustered by region,
    with a wild cluster bootstrap when the regions are few
    (:func:`skills.models.conventions.few_clusters`)."""
    country = spec.region[:2]
    regional = shares.filter(
        pl.col("geo").str.starts_with(country),
        pl.col("geo").str.len_chars() == 4,
        pl.col("share_pct").is_not_null(),
    )
    span = longest_span(shares, spec.region) if regional.height else None
    if span is None or regional["geo"].n_unique() < 3:
        out.note(
            "share panel model",
            "skipped",
            f"needs occupation data for at least 3 NUTS 2 regions of {country}",
        )
        return
    from skills.models import Cov, fit_share_panel
    from skills.models.conventions import few_clusters
    from skills.models.weights import entity_mean_total

    window = regional.filter(pl.col("period") >= span[0], pl.col("period") <= span[1])
    n_regions = window["geo"].n_unique()
    few = few_clusters(n_regions) and reps > 0
    boot = Cov.wild_bootstrap(reps=reps, seed=seed, cluster="geo") if few else None
    weighting = str(dict(spec.models).get("share_panel_weights", "equal"))
    weights = None
    if weighting == "employment":
        # each region's mean employment over the window, constant within the region
        weights = "region_employment"
        window = entity_mean_total(
            window, entity="geo", time="period", value="employment", name=weights
        )
    tag = f"{country} NUTS2 {span[0]}-{span[1]}"
    result = fit_share_panel(
        window,
        entity="geo",
        time="period",
        group="skill_group",
        y="share_pct",
        weights=weights,
        cov=Cov.cluster("geo"),
        bootstrap=boot,
        model_id=f"skill_share_panel[{tag}{', employment-weighted' if weights else ''}]",
    )
    out.models.append(result)
    out.note(
        "share panel model",
        "ran",
        f"{n_regions} regions, {span[0]}-{span[1]} (no series break inside); "
        + (
            "regions weighted by their mean employment"
            if weights
            else "every region weighted equally"
        ),
    )
