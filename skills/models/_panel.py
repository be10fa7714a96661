"""The one place that talks to linearmodels' PanelOLS (imported lazily)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from skills.models.cov import Cov

__all__ = [
    "PanelFit",
    "absorbed_parameters",
    "cluster_codes",
    "codes_of",
    "fit_panelols",
    "is_nested",
    "require_columns",
]

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


def is_nested(inner: IntArray, outer: IntArray) -> bool:
    """True when every value of ``inner`` occurs with one value of ``outer`` only."""
    pairs = np.unique(np.column_stack([inner, outer]), axis=0)
    return bool(np.unique(pairs[:, 0]).size == pairs.shape[0])


def absorbed_parameters(
    entity_codes: IntArray,
    time_codes: IntArray,
    cluster_codes: IntArray,
    *,
    entity_effects: bool,
    time_effects: bool,
) -> int:
    r"""The absorbed effect parameters a cluster-robust CR1 factor counts in :math:`K`.

    Effects nested in the clusters are not counted (each is a cluster-level constant, which
    the cluster-robust sandwich already allows for; Cameron and Miller 2015, section
    III.D; Stata's ``xtreg, fe vce(cluster)``; ``reghdfe``'s absorbed degrees of freedom).
    With :math:`E` entities and :math:`T` periods (a connected panel):

    ========================  ======================  ==================
    effects                   entity nested           entity not nested
    ========================  ======================  ==================
    entity only               0                       :math:`E`
    time only (not nested)    —                       :math:`T`
    entity and time           :math:`T-1`             :math:`E+T-1`
    ========================  ======================  ==================

    (time effects nested in the clusters count 0, and :math:`E-1` beside entity effects
    that are not nested).
    """
    n_e = int(np.unique(entity_codes).size)
    n_t = int(np.unique(time_codes).size)
    e_nested = entity_effects and is_nested(entity_codes, cluster_codes)
    t_nested = time_effects and is_nested(time_codes, cluster_codes)
    if entity_effects and time_effects:
        if e_nested and t_nested:
            return 0
        if e_nested:
            return n_t - 1
        if t_nested:
            return n_e - 1
        return n_e + n_t - 1
    if entity_effects:
        return 0 if e_nested else n_e
    if time_effects:
        return 0 if t_nested else n_t
    return 0


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
    #: The K of the CR1 factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}`: the regressors plus
    #: the absorbed effect parameters not nested in the clusters
    #: (:func:`absorbed_parameters`); for other covariances, the regressors.
    k_counted: int = 0


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
    weights_: FloatArray | None = None,
) -> PanelFit:
    r"""Fit ``y ~ x + effects`` with PanelOLS (weighted when ``weights_`` is given) and the
    covariance ``cov``.

    A cluster covariance is linearmodels' CR0 sandwich scaled by the package's CR1 factor
    :math:`\frac{G}{G-1}\frac{N-1}{N-K}`, where :math:`K` counts the regressors and the
    absorbed effect parameters that are *not* nested in the clusters
    (:func:`absorbed_parameters`): the convention of Stata's ``xtreg, fe vce(cluster)`` and
    ``reghdfe``. linearmodels itself counts both effects of a two-way model whatever the
    nesting, so the factor is applied here for every model alike. iid and robust
    covariances are linearmodels' (every effect counted, as it must be without clusters).
    """
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
    clustered = cov_type == "clustered"
    if clustered:
        # the pure CR0 sandwich from linearmodels (no N/(N-K), no G/(G-1), no effects
        # counted); the CR1 factor is applied below with the package's rule
        config = {**config, "group_debias": False, "auto_df": False, "count_effects": False}
        debiased = False
    weights = None if weights_ is None else pd.Series(weights_[order], index=index)
    model = PanelOLS(
        dep, exog, entity_effects=entity_effects, time_effects=time_effects, weights=weights
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        res = model.fit(cov_type=cov_type, debiased=debiased, **config)
    from skills.models._stats import inference_df

    n_clusters = int(np.unique(cluster_codes).size) if cluster_codes is not None else None
    params = np.asarray(res.params.loc[list(names)].to_numpy(), dtype=np.float64)
    vcov = np.asarray(res.cov.loc[list(names), list(names)].to_numpy(), dtype=np.float64)
    k_counted = len(names)
    if clustered:
        assert cluster_codes is not None and n_clusters is not None
        k_counted += absorbed_parameters(
            entity_codes,
            time_codes,
            cluster_codes,
            entity_effects=entity_effects,
            time_effects=time_effects,
        )
        if cov.small_sample:
            n = int(res.nobs)
            vcov = vcov * (n_clusters / (n_clusters - 1) * (n - 1) / (n - k_counted))
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
        k_counted=k_counted,
    )
