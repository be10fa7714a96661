"""The matching function over the provinces of the focus region (``hires``, with the
unemployed and planned hires of :mod:`skills.analyses.mismatch`): ``matching_function``
model (:func:`skills.models.fit_matching_function`)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.analyses._outputs import AnalysisOutputs, bootstrap_settings
from skills.spec import PipelineSpec

__all__ = ["matching_function"]


def matching_function(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    *,
    u: pl.DataFrame,
    v: pl.DataFrame,
    both: pl.DataFrame,
    out: AnalysisOutputs,
) -> None:
    """Fit the matching function on hires against lagged unemployed (``u``) and planned
    hires (``v``) in the provinces of ``both``, clustered by province, with a wild
    cluster bootstrap when they are few (:func:`skills.models.conventions.few_clusters`)."""
    if "hires" not in inputs:
        out.note("matching function", "skipped", "no hires source")
        return
    hires = (
        inputs["hires"]
        .select("geo", "period", pl.col("hires_n").cast(pl.Float64).alias("hires"))
        .collect()
    )
    # Lag first, then join: the stocks of a year with no hires still serve as the lag of
    # the next year's hires, so the panel keeps every row of either side (the fit lags
    # within province and uses each year with hires and stocks a year earlier).
    stocks = u.select("geo", "period", "unemployed").join(
        v, on=["geo", "period"], how="full", coalesce=True, validate="1:1"
    )
    data = stocks.join(hires, on=["geo", "period"], how="full", coalesce=True, validate="1:1")
    data = data.filter(pl.col("geo").is_in(both["geo"].unique().to_list()))
    with_hires = data.filter(pl.col("hires").is_not_null())
    if with_hires["geo"].n_unique() < 3 or with_hires["period"].n_unique() < 4:
        out.note(
            "matching function", "skipped", "needs at least 3 provinces and 4 periods of hires"
        )
        return
    from skills.models import Cov, fit_matching_function
    from skills.models.conventions import few_clusters

    reps, seed = bootstrap_settings(spec)
    few = few_clusters(data["geo"].n_unique()) and reps > 0
    result = fit_matching_function(
        data,
        hires="hires",
        unemployed="unemployed",
        vacancies="vacancies",
        cov=Cov.cluster("geo"),
        bootstrap=Cov.wild_bootstrap(reps=reps, seed=seed, cluster="geo") if few else None,
        model_id=f"matching_function[{spec.region} provinces]",
    )
    out.models.append(result)
    rts = result.returns_to_scale()
    _stat, p = result.crs_test()
    boot_p = result.extras.get("crs_p_value_bootstrap")
    out.note(
        "matching function",
        "ran",
        f"{data['geo'].n_unique()} provinces, {result.nobs} province-years; alpha+beta = "
        f"{rts:.3f}, CRS test p = {p:.3f}"
        + (f" (wild cluster bootstrap p = {boot_p:.3f})" if boot_p is not None else ""),
    )
