r"""Job polarisation models: the U-shape test and the regional skill-share panel.

* :func:`fit_polarisation` - Autor and Dorn (2013) U-shape test of the change in
  employment share along the skill (wage) percentile (methods 1.3).
* :func:`fit_share_panel` - region x skill-group x period shares with a trend per group
  and region-by-group fixed effects, clustered by region (methods 1.4).

References
----------
Autor, D. H. and Dorn, D. (2013), "The growth of low-skill service jobs and the
polarization of the US labor market", American Economic Review 103(5), 1553-1597.
Goos, M., Manning, A. and Salomons, A. (2014), "Explaining job polarization:
routine-biased technological change and offshoring", American Economic Review 104(8),
2509-2526.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008), Review of Economics and
Statistics 90(3), 414-427. Roodman, D., Nielsen, M. Ø., MacKinnon, J. G. and Webb, M. D.
(2019), Stata Journal 19(1), 4-60.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl

from skills.models._bootstrap import BootstrapOutcome, wild_bootstrap
from skills.models._build import build_table, vcov_tuple
from skills.models._panel import cluster_codes, codes_of, fit_panelols, require_columns
from skills.models._periods import period_ordinal
from skills.models._stats import FEW_CLUSTERS, inference_df
from skills.models.conventions import CONFIDENCE_LEVEL
from skills.models.cov import Cov
from skills.models.results import ModelResult, PolarisationResult

__all__ = ["FEW_CLUSTERS", "fit_polarisation", "fit_share_panel"]


_DEFAULT_ROBUST = Cov.robust()
_DEFAULT_BOOTSTRAP = Cov.wild_bootstrap()
_DEFAULT_CLUSTER = Cov.cluster("geo")


def _drop_missing(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, int]:
    cond = pl.lit(True)
    for c in columns:
        expr = pl.col(c).is_not_null()
        if frame.schema[c].is_float():
            expr = expr & pl.col(c).is_not_nan()
        cond = cond & expr
    kept = frame.filter(cond)
    return kept, frame.height - kept.height


def fit_polarisation(
    changes: pl.DataFrame,
    *,
    x: str = "skill_pct",
    y: str = "share_change_pp",
    weights: str | None = "base_share_pct",
    degree: int = 2,
    cov: Cov = _DEFAULT_ROBUST,
    bootstrap: Cov | None = _DEFAULT_BOOTSTRAP,
    model_id: str = "polarisation_u_test",
    level: float = CONFIDENCE_LEVEL,
) -> PolarisationResult:
    r"""Test for a U shape in employment-share changes along the skill distribution.

    One row of ``changes`` is one occupation (or one skill percentile bin): its base-year
    skill percentile :math:`p` (wage rank, **on a 0-100 scale**), the change in its
    employment share :math:`\Delta s_p` (percentage points) and its base-year share
    :math:`w_p` (the regression weight). The model (Autor and Dorn 2013; Goos, Manning and
    Salomons 2014), by weighted least squares:

    .. math::

        \Delta s_p = \beta_0 + \beta_1 p + \beta_2 p^2 + \varepsilon_p,
        \qquad \hat\beta = \arg\min_\beta \sum_p w_p (\Delta s_p - x_p'\beta)^2

    A U shape on the data's range :math:`[p_l, p_h]` means the slope
    :math:`\beta_1 + 2\beta_2 p` is negative at :math:`p_l` and positive at :math:`p_h`;
    it is tested with the Lind and Mehlum (2010) intersection-union test
    (:meth:`PolarisationResult.u_test`, :meth:`PolarisationResult.is_u_shaped`), and the
    turning point :math:`p^* = -\beta_1/(2\beta_2)` gets a Fieller interval
    (:meth:`PolarisationResult.turning_point_ci`). ``degree`` > 2 adds
    :math:`p^3, \ldots` (the turning-point methods then refuse).

    Parameters
    ----------
    changes : polars.DataFrame
        One row per occupation or percentile: columns ``x``, ``y`` and ``weights``.
    x, y : str
        Skill percentile (0-100) and share change (pp) columns.
    weights : str or None
        Base-year share column (WLS weights, must be positive); None for OLS.
    degree : int
        Polynomial degree (2 for the U test).
    cov : Cov
        Covariance of the standard errors (statsmodels); robust HC1 by default. A cluster
        covariance clusters on column ``cov.by`` of ``changes``.
    bootstrap : Cov or None
        A :meth:`Cov.wild_bootstrap`: observation-level by default (one row per
        occupation/percentile), or by ``cluster=`` column. It replaces the p-values
        (restricted, WCR) and intervals (the WCR test inverted) of every term,
        and its draws of :math:`p^*` give ``turning_point_ci(method="bootstrap")``.
        Its t statistics use the HC1 (CR1) sandwich. None: analytic inference only.
    model_id : str
        Id of the result.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    PolarisationResult
        Terms ``intercept``, ``x``, ``x^2`` (, ``x^3`` ...). ``extras``: ``x_min``,
        ``x_max``, ``bootstrap_reps``, and for degree 2 ``turning_point``,
        ``turning_point_low``/``turning_point_high`` (Fieller, at ``level``; infinite when
        unbounded), ``u_test_t`` and ``u_test_p_value`` (Lind-Mehlum, one-sided, with
        ``cov``).

    Raises
    ------
    ValueError
        Missing columns, fewer than ``degree + 2`` usable rows, non-positive weights, a
        ``degree`` below 1, or a wild bootstrap passed as ``cov``.

    Notes
    -----
    Rows with a null or NaN ``x``, ``y`` or weight are dropped and counted in ``notes``.
    Inference uses :math:`t_{N-K}` (iid, robust) or :math:`t_{G-1}` (cluster).
    """
    import statsmodels.api as sm

    if degree < 1:
        raise ValueError(f"degree must be >= 1, got {degree}")
    if cov.is_bootstrap:
        raise ValueError("pass the wild bootstrap as bootstrap=, and an analytic cov=")
    if bootstrap is not None and not bootstrap.is_bootstrap:
        raise ValueError(f"bootstrap= must be a Cov.wild_bootstrap(), got {bootstrap.name}")
    needed = [x, y, *([weights] if weights else [])]
    extra_cols = [c for c in (cov.by, bootstrap.by if bootstrap else None) if c]
    require_columns(changes, [*needed, *extra_cols], f"fit_polarisation({model_id})")

    data, dropped = _drop_missing(
        changes.select(list(dict.fromkeys([*needed, *extra_cols]))), needed
    )
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} row(s) with a null or NaN {x}, {y} or weight dropped")
    k = degree + 1
    if data.height < degree + 2:
        raise ValueError(
            f"fit_polarisation({model_id}): {data.height} usable row(s); a degree-{degree} "
            f"polynomial needs at least {degree + 2}"
        )
    p = data[x].cast(pl.Float64).to_numpy()
    yv = data[y].cast(pl.Float64).to_numpy()
    w = data[weights].cast(pl.Float64).to_numpy() if weights else np.ones_like(p)
    if weights and not np.all(w > 0.0):
        bad = int(np.sum(~(w > 0.0)))
        raise ValueError(
            f"fit_polarisation({model_id}): column {weights!r} has {bad} non-positive "
            "weight(s); base shares must be > 0"
        )
    if p.min() >= 0.0 and p.max() <= 1.0:
        notes.append(f"{x} lies within [0, 1]: it is expected on a 0-100 percentile scale")

    terms = ["intercept", x, *(f"{x}^{d}" for d in range(2, degree + 1))]
    design = np.column_stack([p**d for d in range(k)])
    groups = cluster_codes(data, cov)
    cov_type, cov_kwds = cov.to_statsmodels(groups)
    model = sm.WLS(yv, design, weights=w) if weights else sm.OLS(yv, design)
    res = model.fit(cov_type=cov_type, cov_kwds=cov_kwds or None, use_t=True)
    params = np.asarray(res.params, dtype=np.float64)
    vcov = np.asarray(res.cov_params(), dtype=np.float64)
    n_clusters = int(np.unique(groups).size) if groups is not None else None
    df = inference_df(cov.kind, cov.small_sample, int(res.df_resid), n_clusters)

    boot: BootstrapOutcome | None = None
    draws: tuple[float, ...] = ()
    if bootstrap is not None:
        assert bootstrap.reps is not None and bootstrap.seed is not None
        assert bootstrap.weights is not None
        sw = np.sqrt(w)
        bcodes = codes_of(data[bootstrap.by]) if bootstrap.by else None
        boot = wild_bootstrap(
            design * sw[:, None],
            yv * sw,
            bcodes,
            range(k),
            reps=bootstrap.reps,
            seed=bootstrap.seed,
            weights=bootstrap.weights,
            level=level,
        )
        if bootstrap.by:
            n_clusters = boot.clusters
        if degree == 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                tp = -boot.beta_draws[1] / (2.0 * boot.beta_draws[2])
            draws = tuple(float(v) for v in tp)
        notes.append(
            f"std_error and statistic: {cov.name}; p_value: {bootstrap.name} restricted "
            "(WCR) bootstrap-t; conf_low/conf_high: the WCR test inverted"
        )
    else:
        notes.append(f"inference: {cov.name}, t({df})" if df else f"inference: {cov.name}")

    table = build_table(
        terms, params=params, vcov=vcov, df=df, level=level, boot=boot, boot_columns=range(k)
    )
    extras: dict[str, float] = {"x_min": float(p.min()), "x_max": float(p.max())}
    if degree == 2 and params[2] != 0.0:
        extras["turning_point"] = float(-params[1] / (2.0 * params[2]))
    if bootstrap is not None and bootstrap.reps is not None:
        extras["bootstrap_reps"] = float(bootstrap.reps)
    powers = " + ".join([x, *(f"{x}^{d}" for d in range(2, degree + 1))])
    formula = f"{y} ~ 1 + {powers}" + (f"  [WLS, weights={weights}]" if weights else "  [OLS]")
    result = PolarisationResult(
        model_id=model_id,
        formula=formula,
        estimator="WLS" if weights else "OLS",
        cov=cov,
        table=table,
        nobs=int(data.height),
        r2=float(res.rsquared),
        clusters=n_clusters,
        extras=extras,
        notes=tuple(notes),
        vcov=vcov_tuple(vcov),
        df_inference=df,
        bootstrap=bootstrap,
        level=level,
        x_term=x,
        x_range=(float(p.min()), float(p.max())),
        turning_point_draws=draws,
    )
    if degree != 2 or params[2] == 0.0:
        return result
    test = result.u_test()
    low, high = result.turning_point_ci(level, method="fieller")
    extras |= {
        "u_test_t": test.statistic,
        "u_test_p_value": test.p_value,
        "turning_point_low": low,
        "turning_point_high": high,
    }
    return dataclasses.replace(result, extras=extras)


def fit_share_panel(
    shares: pl.DataFrame,
    *,
    entity: str = "geo",
    time: str = "period",
    group: str = "skill_group",
    y: str = "share_pct",
    weights: str | None = None,
    cov: Cov = _DEFAULT_CLUSTER,
    bootstrap: Cov | None = None,
    model_id: str = "skill_share_panel",
    reference: str = "middle",
    level: float = CONFIDENCE_LEVEL,
) -> ModelResult:
    r"""Trends of skill-group employment shares across regions (the panel view).

    One row of ``shares`` is one region :math:`r`, skill group :math:`g` and period
    :math:`t`. The model has a linear trend per group and a fixed effect per region x
    group cell, estimated with linearmodels' PanelOLS:

    .. math::

        s_{rgt} = \mu_{rg} + \sum_{h} \delta_h\,\mathbf 1[g = h]\,\text{trend}_t
                  + \varepsilon_{rgt}

    where :math:`\text{trend}_t` is years since the first period (``2019-Q3`` counts as
    2019.5). Each :math:`\delta_h` (term ``trend:<group>``) is the yearly change in the
    share of group :math:`h`, in the units of ``y`` (pp a year for ``share_pct``).

    Parameterisation. The PanelOLS entity is the region x group cell and
    ``entity_effects=True`` absorbs :math:`\mu_{rg}`, which nests the region fixed effects
    and the group intercepts (these are absorbed, not reported). There is no common trend,
    so every group's trend is its own coefficient; differences against the reference group
    (``reference``, "middle" when present, listed first) are Wald tests:
    ``result.linear_test({"trend:high": 1, "trend:middle": -1})``. On a balanced panel the
    :math:`\delta_h` equal those of :math:`s_{rgt} = \alpha_r + \gamma_g + \delta_g
    \text{trend}_t` (region effects plus group intercepts), since the region-by-group
    means of :math:`\mathbf 1[g=h]\,\text{trend}_t` lie in the span of
    :math:`\alpha_r + \gamma_g` there.

    Parameters
    ----------
    shares : polars.DataFrame
        Columns ``entity``, ``time``, ``group``, ``y``; one row per combination.
    entity, time, group, y : str
        Region, period (``2019``, ``2019-Q3``, ``2019-07``), skill group, share columns.
    weights : str or None
        None (default): every region counts equally, and :math:`\delta_h` is the trend
        of the average region. A column of positive weights, e.g. the region's employment
        (held constant within a region, such as its mean over the window): weighted least
        squares, :math:`\min \sum w_{r}(s_{rgt} - \ldots)^2`, and :math:`\delta_h` is
        close to the trend of the pooled (national) share; large regions dominate. The
        within transformation and the bootstrap use the same weights
        (:math:`\sqrt{w}`-whitened rows).
    cov : Cov
        Covariance; by default clustered by region (CR1: linearmodels ``debiased=True``,
        ``group_debias=True``; the cell effects are nested in the regions and are not
        counted in K), inference :math:`t_{G-1}`.
    bootstrap : Cov or None
        A :meth:`Cov.wild_bootstrap` with ``cluster=`` (defaults to ``cov.by``): wild
        cluster bootstrap p-values (WCR) and intervals (WCR inverted) for the trend
        terms, computed on the within-transformed regression. Recommended with fewer than
        :data:`~skills.models.conventions.FEW_CLUSTERS` (30) clusters (8 Piedmont
        provinces, 21 Italian regions).
    model_id : str
        Id of the result.
    reference : str
        Group listed first and named in the notes as the comparison group.
    level : float
        Confidence level.

    Returns
    -------
    ModelResult
        Terms ``trend:<group>``; ``r2`` is the within R²; ``extras`` carries
        ``r2_between``, ``r2_overall``, ``first_period_year`` and ``bootstrap_reps``.

    Raises
    ------
    ValueError
        Missing columns, duplicate (entity, group, period) rows, unknown period labels, or
        fewer than two periods.
    """
    if cov.is_bootstrap:
        raise ValueError("pass the wild bootstrap as bootstrap=, and an analytic cov=")
    if bootstrap is not None and not bootstrap.is_bootstrap:
        raise ValueError(f"bootstrap= must be a Cov.wild_bootstrap(), got {bootstrap.name}")
    boot_by = None
    if bootstrap is not None:
        boot_by = bootstrap.by or (cov.by if cov.kind == "cluster" else None)
        if boot_by is None:
            raise ValueError("a panel wild bootstrap needs cluster= (or a cluster cov)")
    needed = [entity, time, group, y, *([weights] if weights else [])]
    extra_cols = [c for c in (cov.by, boot_by) if c]
    what = f"fit_share_panel({model_id})"
    require_columns(shares, [*needed, *extra_cols], what)
    data, dropped = _drop_missing(
        shares.select(list(dict.fromkeys([*needed, *extra_cols]))), needed
    )
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} row(s) with a null {entity}, {time}, {group} or {y} dropped")
    dup = data.group_by(entity, group, time).len().filter(pl.col("len") > 1)
    if dup.height:
        first = dup.row(0, named=True)
        raise ValueError(
            f"{what}: {dup.height} duplicate ({entity}, {group}, {time}) combination(s), "
            f"e.g. {first[entity]!r}, {first[group]!r}, {first[time]!r}: filter the other "
            "dimensions (sex, age, ...) first"
        )
    ordinal, per_year = period_ordinal(data[time])
    data = data.with_columns(ordinal)
    o = data["period_ordinal"].to_numpy().astype(np.float64)
    if np.unique(o).size < 2:
        raise ValueError(f"{what}: a trend needs at least two periods")
    trend = (o - o.min()) / per_year
    first_year = float(o.min() / per_year)

    levels = sorted(str(v) for v in data[group].unique().to_list())
    if reference in levels:
        levels = [reference, *(lv for lv in levels if lv != reference)]
    gvals = data[group].cast(pl.String).to_numpy()
    design = np.column_stack([np.where(gvals == lv, trend, 0.0) for lv in levels])
    terms = [f"trend:{lv}" for lv in levels]
    yv = data[y].cast(pl.Float64).to_numpy()
    cells = codes_of(
        data.select(
            pl.concat_str(
                [pl.col(entity).cast(pl.String), pl.col(group).cast(pl.String)], separator="|"
            )
        ).to_series()
    )
    time_codes = data["period_ordinal"].to_numpy().astype(np.int64)
    w = np.ones_like(yv) if weights is None else data[weights].cast(pl.Float64).to_numpy()
    if weights is not None and not np.all(w > 0.0):
        raise ValueError(f"{what}: column {weights!r} has non-positive weight(s)")
    fit = fit_panelols(
        yv,
        design,
        terms,
        cells,
        time_codes,
        cluster_codes=cluster_codes(data, cov),
        entity_effects=True,
        time_effects=False,
        cov=cov,
        weights_=None if weights is None else w,
    )
    n_clusters, df = fit.clusters, fit.df_inference

    boot: BootstrapOutcome | None = None
    if bootstrap is not None:
        assert boot_by is not None and bootstrap.reps is not None
        assert bootstrap.seed is not None and bootstrap.weights is not None
        sw = np.sqrt(w)
        yw = (yv - _cell_means(yv, cells, w)) * sw
        xw = (
            design
            - np.column_stack([_cell_means(design[:, j], cells, w) for j in range(design.shape[1])])
        ) * sw[:, None]
        boot = wild_bootstrap(
            xw,
            yw,
            codes_of(data[boot_by]),
            range(len(terms)),
            reps=bootstrap.reps,
            seed=bootstrap.seed,
            weights=bootstrap.weights,
            level=level,
        )
        n_clusters = n_clusters if n_clusters is not None else boot.clusters
        notes.append(
            f"std_error and statistic: {cov.name}; p_value: {bootstrap.name} restricted "
            "(WCR) wild cluster bootstrap-t on the within-transformed regression; "
            "conf_low/conf_high: the WCR test inverted"
        )
    else:
        notes.append(f"inference: {cov.name}, t({df})" if df else f"inference: {cov.name}")
        if cov.kind == "cluster" and n_clusters is not None and n_clusters < FEW_CLUSTERS:
            notes.append(
                f"only {n_clusters} clusters: cluster-robust p-values can over-reject; "
                f"consider bootstrap=Cov.wild_bootstrap(cluster={cov.by!r})"
            )
    notes.append(
        f"weights: {weights} (weighted least squares)"
        if weights
        else f"weights: none (every {entity} counts equally)"
    )
    notes.append(
        f"fixed effects: {entity} x {group} cells (nest {entity} effects and group "
        f"intercepts); one trend per {group}, no common trend; trend = years since "
        f"{_year_label(first_year)}"
    )
    if reference in levels:
        notes.append(
            f"reference group {reference!r}: compare with "
            f"linear_test({{'trend:<group>': 1, 'trend:{reference}': -1}})"
        )
    notes.append("r2 is the within R² (cell effects removed)")
    table = build_table(
        terms,
        params=fit.params,
        vcov=fit.vcov,
        df=df,
        level=level,
        boot=boot,
        boot_columns=range(len(terms)),
    )
    extras = {
        "r2_between": fit.r2_between,
        "r2_overall": fit.r2_overall,
        "first_period_year": first_year,
    }
    if bootstrap is not None and bootstrap.reps is not None:
        extras["bootstrap_reps"] = float(bootstrap.reps)
    formula = (
        f"{y} ~ "
        + " + ".join(f"trend x 1[{group}={lv}]" for lv in levels)
        + f" + EntityEffects({entity} x {group})"
        + (f"  [WLS, weights={weights}]" if weights else "")
    )
    return ModelResult(
        model_id=model_id,
        formula=formula,
        estimator="PanelOLS",
        cov=cov,
        table=table,
        nobs=fit.nobs,
        r2=fit.r2_within,
        clusters=n_clusters,
        extras=extras,
        notes=tuple(notes),
        vcov=vcov_tuple(fit.vcov),
        df_inference=df,
        bootstrap=bootstrap,
        level=level,
    )


def _cell_means(values: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    sums = np.bincount(codes, weights=values * weights)
    totals = np.bincount(codes, weights=weights)
    return np.asarray((sums / totals)[codes], dtype=np.float64)


def _year_label(year: float) -> str:
    whole = math.floor(year)
    return str(whole) if year == whole else f"{year:.2f}"
