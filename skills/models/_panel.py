"""The one place that talks to linearmodels' PanelOLS (imported lazily)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from skills.models.cov import Cov

__all__ = ["PanelFit", "cluster_codes", "codes_of", "fit_panelols", "require_columns"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def require_columns(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a ValueError naming the columns of ``frame`` that ``what`` needs and lacks."""
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {missing}; the frame has {list(frame.columns)}"
        )


def cluster_codes(frame: pl.DataFrame, cov: Cov) -> IntArray | None:
    """Cluster codes of ``frame`` for a clustered ``cov`` (its ``by`` column), else None."""
    return codes_of(frame[cov.by]) if cov.kind == "cluster" and cov.by else None


def codes_of(series: pl.Series) -> IntArray:
    """Integer codes ``0..G-1`` of a column's distinct values (sorted order)."""
    _, inverse = np.unique(series.cast(pl.String).to_numpy(), return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class PanelFit:
    """What the model functions need from a PanelOLS fit."""

    params: FloatArray
    vcov: FloatArray
    df_resid: int
    nobs: int
    r2: float
    r2_within: float
    r2_between: float
    r2_overall: float
    #: Number of clusters (None unless ``cov`` clusters).
    clusters: int | None = None
    #: Degrees of freedom for t / F inference (None: normal / chi-squared), from
    #: :func:`skills.models._stats.inference_df`.
    df_inference: int | None = None


def fit_panelols(
    y: FloatArray,
    x: FloatArray,
    names: Sequence[str],
    entity_codes: IntArray,
    time_codes: IntArray,
    *,
    cluster_codes: IntArray | None,
    entity_effects: bool,
    time_effects: bool,
    cov: Cov,
) -> PanelFit:
    """Fit ``y ~ x + effects`` with PanelOLS and the covariance ``cov`` (CR1 for clusters:
    ``debiased=True, group_debias=True``)."""
    import pandas as pd
    from linearmodels import PanelOLS

    order = np.lexsort((time_codes, entity_codes))
    index = pd.MultiIndex.from_arrays(
        [entity_codes[order], time_codes[order]], names=["entity", "time"]
    )
    dep = pd.Series(y[order], index=index, name="y")
    exog = pd.DataFrame(x[order], index=index, columns=list(names))
    clusters = None
    if cluster_codes is not None:
        clusters = pd.DataFrame({"cluster": cluster_codes[order]}, index=index)
    cov_type, config, debiased = cov.to_linearmodels(entity=None, clusters=clusters)
    model = PanelOLS(dep, exog, entity_effects=entity_effects, time_effects=time_effects)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        res = model.fit(cov_type=cov_type, debiased=debiased, **config)
    from skills.models._stats import inference_df

    n_clusters = int(np.unique(cluster_codes).size) if cluster_codes is not None else None
    params = np.asarray(res.params.loc[list(names)].to_numpy(), dtype=np.float64)
    vcov = np.asarray(res.cov.loc[list(names), list(names)].to_numpy(), dtype=np.float64)
    return PanelFit(
        params=params,
        vcov=vcov,
        df_resid=int(res.df_resid),
        nobs=int(res.nobs),
        r2=float(res.rsquared),
        r2_within=float(res.rsquared_within),
        r2_between=float(res.rsquared_between),
        r2_overall=float(res.rsquared_overall),
        clusters=n_clusters,
        df_inference=inference_df(cov.kind, cov.small_sample, int(res.df_resid), n_clusters),
    )
