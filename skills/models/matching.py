r"""The aggregate matching function on a region x period panel (methods 2.3).

References
----------
Petrongolo, B. and Pissarides, C. A. (2001), "Looking into the black box: a survey of the
matching function", Journal of Economic Literature 39(2), 390-431.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from skills.models._bootstrap import BootstrapOutcome, wild_bootstrap
from skills.models._build import build_table, vcov_tuple
from skills.models._panel import (
    cluster_codes,
    codes_of,
    fit_panelols,
    is_nested,
    require_columns,
)
from skills.models._periods import period_ordinal
from skills.models._stats import FEW_CLUSTERS, wald_test
from skills.models.conventions import CONFIDENCE_LEVEL
from skills.models.cov import Cov
from skills.models.results import MatchingResult

__all__ = ["fit_matching_function"]

_DEFAULT_CLUSTER = Cov.cluster("geo")


def fit_matching_function(
    panel: pl.DataFrame,
    *,
    hires: str = "hires",
    unemployed: str = "unemployed",
    vacancies: str = "vacancies",
    entity: str = "geo",
    time: str = "period",
    lag: int = 1,
    cov: Cov = _DEFAULT_CLUSTER,
    bootstrap: Cov | None = None,
    model_id: str = "matching_function",
    level: float = CONFIDENCE_LEVEL,
) -> MatchingResult:
    r"""Estimate a Cobb-Douglas matching function with region and period effects.

    .. math::

        \ln H_{rt} = \ln A + \alpha \ln U_{r,t-\ell} + \beta \ln V_{r,t-\ell}
                     + \mu_r + \tau_t + \varepsilon_{rt}

    by PanelOLS with entity (``entity``) and time (``time``) effects; :math:`\ln A` is not
    separately identified from :math:`\mu_r, \tau_t` and is not reported. Hires in
    period :math:`t` come from the stocks of unemployed and vacancies :math:`\ell` periods
    earlier (Petrongolo and Pissarides 2001). Returns to scale are :math:`\alpha+\beta`;
    :meth:`MatchingResult.crs_test` tests :math:`\alpha + \beta = 1`.

    Parameters
    ----------
    panel : polars.DataFrame
        One row per region and period: ``entity``, ``time``, ``hires``, ``unemployed``,
        ``vacancies`` (or planned hires) in levels.
    hires, unemployed, vacancies, entity, time : str
        Column names. Periods are ``2019``, ``2019-Q3`` or ``2019-07`` labels (one
        frequency) or integer years.
    lag : int
        :math:`\ell \ge 1`, in periods. Lags are taken within a region between periods
        exactly :math:`\ell` apart: a gap in a region's periods is never lagged across.
    cov : Cov
        Covariance, clustered by region by default: CR1,
        :math:`\frac{G}{G-1}\frac{N-1}{N-K}` times the CR0 sandwich, where :math:`K`
        counts :math:`\alpha, \beta` and the :math:`T-1` period effects but not the region
        effects, which are nested in the region clusters (the rule of every model here,
        :func:`skills.models._panel.absorbed_parameters`; Stata's ``reghdfe``). Inference
        :math:`t_{G-1}`.
    bootstrap : Cov or None
        A :meth:`Cov.wild_bootstrap` (``cluster=`` defaults to ``cov.by``, else the
        region): wild cluster bootstrap-t p-values (restricted, WCR) and intervals (by
        inverting the WCR test) for :math:`\alpha` and :math:`\beta`, and for constant
        returns: the WCR p-value of :math:`H_0: \alpha+\beta=1` and the inverted interval
        of :math:`\alpha+\beta`, from the reparameterisation
        :math:`\ln H - \ln V = \alpha(\ln U - \ln V) + \theta \ln V + \ldots`,
        :math:`\theta = \alpha+\beta-1`. The regression is first demeaned by region
        (exact by Frisch-Waugh-Lovell, and valid for the bootstrap because the regions are
        nested in the clusters: a ValueError otherwise) with the period effects kept as
        :math:`T-1` demeaned dummies. Recommended with fewer than
        :data:`~skills.models.conventions.FEW_CLUSTERS` (30) clusters (8 Piedmont
        provinces).
    model_id : str
        Id of the result.
    level : float
        Confidence level.

    Returns
    -------
    MatchingResult
        Terms ``ln_<unemployed>_lag<l>`` (:math:`\alpha`) and ``ln_<vacancies>_lag<l>``
        (:math:`\beta`); ``r2`` is the R² of the effects-transformed regression; extras
        ``returns_to_scale``, ``crs_wald``, ``crs_p_value``, ``r2_within``,
        ``r2_between``, ``r2_overall``; with a bootstrap also ``bootstrap_reps``,
        ``crs_p_value_bootstrap``, ``crs_p_value_bootstrap_upper_bound`` (1 when no draw
        was as extreme: the p-value is then :math:`1/(B+1)`), ``returns_to_scale_low`` and
        ``returns_to_scale_high``.

    Raises
    ------
    ValueError
        Missing columns, duplicate (entity, time) rows, ``lag < 1``, a wild bootstrap as
        ``cov``, or too few usable rows.

    Notes
    -----
    Rows with nulls are dropped; non-positive hires, unemployed or vacancies (no
    logarithm) are set aside before lagging; both are counted in ``notes``, as are the
    rows without an :math:`\ell`-period-earlier observation.
    """
    if lag < 1:
        raise ValueError(f"lag must be >= 1, got {lag}")
    if cov.is_bootstrap:
        raise ValueError("fit_matching_function takes an analytic cov (iid, robust, cluster)")
    if bootstrap is not None and not bootstrap.is_bootstrap:
        raise ValueError(f"bootstrap= must be a Cov.wild_bootstrap(), got {bootstrap.name}")
    what = f"fit_matching_function({model_id})"
    boot_by = None
    if bootstrap is not None:
        boot_by = bootstrap.by or (cov.by if cov.kind == "cluster" else None) or entity
    values = [hires, unemployed, vacancies]
    extra_cols = [c for c in dict.fromkeys([cov.by, boot_by]) if c and c != entity]
    require_columns(panel, [entity, time, *values, *extra_cols], what)
    data = panel.select(list(dict.fromkeys([entity, time, *values, *extra_cols])))
    notes: list[str] = []

    n0 = data.height
    data = data.filter(pl.col(entity).is_not_null() & pl.col(time).is_not_null())
    if data.height < n0:
        notes.append(f"{n0 - data.height} row(s) without {entity} or {time} dropped")
    dup = data.group_by(entity, time).len().filter(pl.col("len") > 1)
    if dup.height:
        first = dup.row(0, named=True)
        raise ValueError(
            f"{what}: {dup.height} duplicate ({entity}, {time}) row(s), e.g. "
            f"{first[entity]!r}, {first[time]!r}"
        )
    for col in values:
        bad = data.filter(pl.col(col).is_not_null() & ~(pl.col(col).cast(pl.Float64) > 0.0))
        if bad.height:
            notes.append(f"{bad.height} non-positive {col} value(s) dropped (no logarithm)")
        data = data.with_columns(
            pl.when(pl.col(col).cast(pl.Float64) > 0.0)
            .then(pl.col(col).cast(pl.Float64).log())
            .otherwise(None)
            .alias(col)
        )
    ordinal, _ = period_ordinal(data[time])
    data = data.with_columns(ordinal)

    u_term = f"ln_{unemployed}_lag{lag}"
    v_term = f"ln_{vacancies}_lag{lag}"
    lagged = data.select(
        pl.col(entity),
        (pl.col("period_ordinal") + lag).alias("period_ordinal"),
        pl.col(unemployed).alias(u_term),
        pl.col(vacancies).alias(v_term),
    )
    joined = data.join(lagged, on=[entity, "period_ordinal"], how="left")
    no_hires = joined.filter(pl.col(hires).is_null()).height
    no_lag = joined.filter(
        pl.col(hires).is_not_null() & pl.col(u_term).is_null() & pl.col(v_term).is_null()
    ).height
    usable = joined.drop_nulls([hires, u_term, v_term])
    lost = joined.height - usable.height
    if lost:
        notes.append(
            f"{lost} region-period row(s) unused: {no_hires} without {hires} (stocks only: "
            f"they serve as the lag of the next period), {no_lag} with {hires} but no "
            f"observation {lag} period(s) earlier (first periods and gaps), the rest with a "
            "missing or non-positive value"
        )
    k = 2
    n_entities = usable[entity].n_unique()
    n_periods = usable["period_ordinal"].n_unique()
    if usable.height <= k + n_entities + n_periods - 1:
        raise ValueError(
            f"{what}: {usable.height} usable row(s) for {n_entities} regions and "
            f"{n_periods} periods: too few for two-way effects"
        )
    usable = usable.sort(entity, "period_ordinal")
    design = usable.select(u_term, v_term).to_numpy().astype(np.float64)
    yv = usable[hires].to_numpy().astype(np.float64)
    ent = codes_of(usable[entity])
    tcodes = usable["period_ordinal"].to_numpy().astype(np.int64)
    fit = fit_panelols(
        yv,
        design,
        [u_term, v_term],
        ent,
        tcodes,
        cluster_codes=cluster_codes(usable, cov),
        entity_effects=True,
        time_effects=True,
        cov=cov,
    )
    n_clusters, df = fit.clusters, fit.df_inference
    extras: dict[str, float] = {}
    boot = None
    if bootstrap is not None:
        assert boot_by is not None
        boot, crs = _bootstrap(
            usable,
            design,
            yv,
            ent,
            tcodes,
            boot_by=boot_by,
            bootstrap=bootstrap,
            level=level,
            what=what,
        )
        extras |= crs
        n_clusters = n_clusters if n_clusters is not None else boot.clusters
        notes.append(
            f"std_error and statistic: {cov.name}; p_value: {bootstrap.name} restricted "
            "(WCR) wild cluster bootstrap-t on the region-demeaned regression with period "
            "dummies; conf_low/conf_high: the WCR test inverted"
        )
    table = build_table(
        [u_term, v_term],
        params=fit.params,
        vcov=fit.vcov,
        df=df,
        level=level,
        boot=boot,
        boot_columns=(0, 1) if boot is not None else (),
    )
    wald, p_crs = wald_test(fit.params, fit.vcov, [1.0, 1.0], 1.0, df)
    if boot is None:
        notes.append(f"inference: {cov.name}, t({df})" if df else f"inference: {cov.name}")
    few = cov.kind == "cluster" and n_clusters is not None and n_clusters < FEW_CLUSTERS
    if few and boot is None:
        notes.append(
            f"only {n_clusters} clusters: cluster-robust p-values can over-reject; consider "
            "bootstrap=Cov.wild_bootstrap()"
        )
    notes.append(
        f"CR1 K = 2 + {fit.k_counted - 2} period effects; the {entity} effects are nested in "
        "the clusters and not counted"
        if cov.kind == "cluster"
        else "K counts every effect"
    )
    notes.append(f"entity and time effects ({entity}, {time}); r2 of the transformed regression")
    formula = (
        f"ln({hires})[t] ~ ln({unemployed})[t-{lag}] + ln({vacancies})[t-{lag}] "
        f"+ EntityEffects({entity}) + TimeEffects({time})"
    )
    return MatchingResult(
        model_id=model_id,
        formula=formula,
        estimator="PanelOLS",
        cov=cov,
        table=table,
        nobs=fit.nobs,
        r2=fit.r2,
        clusters=n_clusters,
        extras={
            "returns_to_scale": float(fit.params.sum()),
            "crs_wald": wald,
            "crs_p_value": p_crs,
            "r2_within": fit.r2_within,
            "r2_between": fit.r2_between,
            "r2_overall": fit.r2_overall,
            **extras,
        },
        notes=tuple(notes),
        bootstrap=bootstrap,
        vcov=vcov_tuple(fit.vcov),
        df_inference=df,
        level=level,
        alpha_term=u_term,
        beta_term=v_term,
    )


def _bootstrap(
    usable: pl.DataFrame,
    design: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    entity_codes: npt.NDArray[np.int64],
    time_codes: npt.NDArray[np.int64],
    *,
    boot_by: str,
    bootstrap: Cov,
    level: float,
    what: str,
) -> tuple[BootstrapOutcome, dict[str, float]]:
    """Wild cluster bootstrap of alpha, beta and alpha + beta (see the fit's docstring)."""
    assert bootstrap.reps is not None and bootstrap.seed is not None
    assert bootstrap.weights is not None
    clusters = codes_of(usable[boot_by])
    if not is_nested(entity_codes, clusters):
        raise ValueError(
            f"{what}: the bootstrap clusters ({boot_by}) must nest the regions, whose effects "
            "are removed by demeaning"
        )
    periods = np.unique(time_codes)
    dummies = np.column_stack([(time_codes == t).astype(np.float64) for t in periods[1:]])

    def demean(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        sums = np.zeros((int(entity_codes.max()) + 1, *values.shape[1:]))
        np.add.at(sums, entity_codes, values)
        counts = np.bincount(entity_codes).astype(np.float64)
        means = sums / (counts[:, None] if values.ndim == 2 else counts)
        return np.asarray(values - means[entity_codes], dtype=np.float64)

    x = demean(np.column_stack([design, dummies]))
    yd = demean(y)
    reps, seed, weights = bootstrap.reps, bootstrap.seed, bootstrap.weights
    boot = wild_bootstrap(
        x, yd, clusters, (0, 1), reps=reps, seed=seed, weights=weights, level=level
    )
    # theta = alpha + beta - 1: (y - lnV) on (lnU - lnV), lnV and the dummies
    xr = x.copy()
    xr[:, 0] = x[:, 0] - x[:, 1]
    crs = wild_bootstrap(
        xr, yd - x[:, 1], clusters, (1,), reps=reps, seed=seed, weights=weights, level=level
    )
    low, high = crs.conf_int[1]
    return boot, {
        "bootstrap_reps": float(bootstrap.reps),
        "crs_p_value_bootstrap": crs.p_value[1],
        "crs_p_value_bootstrap_upper_bound": 1.0 if crs.upper_bound[1] else 0.0,
        "returns_to_scale_low": low + 1.0,
        "returns_to_scale_high": high + 1.0,
    }
