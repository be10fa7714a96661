"""Panel models: the skill-share panel and the matching function against dummy-variable OLS,
the documented standard-error relationships, planted parameters and input handling."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from skills.models import Cov, MatchingResult, fit_matching_function, fit_share_panel
from skills.models._periods import period_ordinal

GROUPS = {"high": 0.5, "middle": -0.8, "low": 0.3}


def _shares(seed: int, regions: int = 8, years: range = range(2011, 2023)) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(regions):
        shock = rng.normal(0.0, 0.3)
        for g, slope in GROUPS.items():
            base = rng.uniform(20, 40)
            for yr in years:
                noise = rng.normal(0.0, 1.0 + r / 3)
                rows.append((f"R{r}", str(yr), g, base + (slope + shock) * (yr - years[0]) + noise))
    return pl.DataFrame(rows, schema=["geo", "period", "skill_group", "share_pct"], orient="row")


def _matching_panel(
    seed: int, alpha: float, beta: float, *, regions: int = 20, periods: int = 12, sd: float = 0.05
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.0, 0.3, regions)
    tau = rng.normal(0.0, 0.2, periods)
    ln_u = rng.normal(9.0, 0.5, (regions, 1)) + rng.normal(0.0, 0.3, (regions, periods))
    ln_v = rng.normal(7.5, 0.5, (regions, 1)) + rng.normal(0.0, 0.3, (regions, periods))
    rows = []
    for r in range(regions):
        for t in range(periods):
            if t == 0:
                ln_h = 8.0 + rng.normal(0.0, 0.1)
            else:
                ln_h = (
                    -1.0
                    + alpha * ln_u[r, t - 1]
                    + beta * ln_v[r, t - 1]
                    + mu[r]
                    + tau[t]
                    + rng.normal(0.0, sd)
                )
            rows.append(
                (f"R{r:02d}", str(2010 + t), np.exp(ln_h), np.exp(ln_u[r, t]), np.exp(ln_v[r, t]))
            )
    return pl.DataFrame(
        rows, schema=["geo", "period", "hires", "unemployed", "vacancies"], orient="row"
    )


def _lagged_logs(data: pl.DataFrame) -> pl.DataFrame:
    """Logs of hires and of the stocks one period earlier, by a within-region shift."""
    return (
        data.sort("geo", "period")
        .with_columns(
            pl.col("unemployed").log().shift(1).over("geo").alias("lu"),
            pl.col("vacancies").log().shift(1).over("geo").alias("lv"),
            pl.col("hires").log().alias("lh"),
        )
        .drop_nulls()
    )


def _cluster_ols(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> Any:  # noqa: N803
    import statsmodels.api as sm

    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


# -- share panel -------------------------------------------------------------------------------
def test_share_panel_matches_dummy_variable_ols_and_documented_se_ratio() -> None:
    data = _shares(1)
    res = fit_share_panel(data)
    assert res.terms == ("trend:middle", "trend:high", "trend:low")
    # dummy-variable regression: one dummy per region x group cell, group-specific trends
    trend = data["period"].cast(pl.Int64).to_numpy() - 2011.0
    grp = data["skill_group"].to_numpy()
    cell = (data["geo"] + "|" + data["skill_group"]).to_numpy()
    cells = np.unique(cell)
    X = np.column_stack(
        [np.where(grp == g, trend, 0.0) for g in ("middle", "high", "low")]
        + [(cell == c).astype(float) for c in cells]
    )
    geo = np.unique(data["geo"].to_numpy(), return_inverse=True)[1]
    ols = _cluster_ols(data["share_pct"].to_numpy(), X, geo)
    np.testing.assert_allclose(res.tidy()["estimate"].to_numpy(), ols.params[:3], rtol=1e-8)
    # documented relationship: linearmodels CR1 counts only the K=3 slopes (cell effects are
    # nested in the regions), statsmodels CR1 on the dummy regression counts all 3 + 24
    # columns: Var_lm / Var_sm = (N - K_dummies) / (N - K)
    n, k_dv, k = X.shape[0], X.shape[1], 3
    ratio = (res.tidy()["std_error"].to_numpy() / ols.bse[:3]) ** 2
    np.testing.assert_allclose(ratio, (n - k_dv) / (n - k), rtol=1e-10)
    assert ratio[0] < 1.0
    # both use t(G-1) here
    assert res.df_inference == 7 == int(ols.df_resid_inference)
    assert res.clusters == 8


def test_share_panel_recovers_planted_trends_and_notes_few_clusters() -> None:
    res = fit_share_panel(_shares(2, regions=25))
    for g, slope in GROUPS.items():
        assert res.params[f"trend:{g}"] == pytest.approx(slope, abs=0.2)
    wald, p = res.linear_test({"trend:high": 1.0, "trend:middle": -1.0})
    assert wald > 0 and p < 0.001
    assert any("25 clusters" in n for n in res.notes)
    assert res.cov.name == "cluster(geo)"


def test_share_panel_quarterly_trend_is_in_years() -> None:
    rows = []
    for r in ("A", "B", "C"):
        for g in ("high", "middle"):
            for q in range(12):
                label = f"{2019 + q // 4}-Q{q % 4 + 1}"
                rows.append((r, label, g, 30.0 + (2.0 if g == "high" else -1.0) * q / 4))
    data = pl.DataFrame(rows, schema=["geo", "period", "skill_group", "share_pct"], orient="row")
    res = fit_share_panel(data, cov=Cov.iid())
    assert res.params["trend:high"] == pytest.approx(2.0, abs=1e-10)
    assert res.params["trend:middle"] == pytest.approx(-1.0, abs=1e-10)


def test_share_panel_rejects_duplicates() -> None:
    data = _shares(3)
    with pytest.raises(ValueError, match="duplicate"):
        fit_share_panel(pl.concat([data, data.head(1)]))


def test_period_labels() -> None:
    ordinal, per_year = period_ordinal(pl.Series("period", ["2019-Q3", "2019Q4", "2020-Q1"]))
    assert per_year == 4
    assert (ordinal - ordinal.min()).to_list() == [0, 1, 2]
    ordinal, per_year = period_ordinal(pl.Series("period", ["2019-11", "2019-12", "2020M01"]))
    assert per_year == 12 and (ordinal - ordinal.min()).to_list() == [0, 1, 2]
    ordinal, per_year = period_ordinal(pl.Series("period", ["2019", "2021"]))
    assert per_year == 1 and ordinal.to_list() == [2019, 2021]
    with pytest.raises(ValueError, match="mixes"):
        period_ordinal(pl.Series("period", ["2019", "2019-Q1"]))
    with pytest.raises(ValueError, match="not annual"):
        period_ordinal(pl.Series("period", ["2019/20"]))


# -- matching function -------------------------------------------------------------------------
def test_matching_function_matches_dummy_variable_ols_with_equal_ses() -> None:
    data = _matching_panel(4, 0.6, 0.3)
    res = fit_matching_function(data)
    assert isinstance(res, MatchingResult)
    d = _lagged_logs(data)
    regions = np.unique(d["geo"].to_numpy())
    periods = np.unique(d["period"].to_numpy())
    X = np.column_stack(
        [d["lu"].to_numpy(), d["lv"].to_numpy(), np.ones(d.height)]
        + [(d["geo"].to_numpy() == r).astype(float) for r in regions[1:]]
        + [(d["period"].to_numpy() == t).astype(float) for t in periods[1:]]
    )
    geo = np.unique(d["geo"].to_numpy(), return_inverse=True)[1]
    ols = _cluster_ols(d["lh"].to_numpy(), X, geo)
    np.testing.assert_allclose(res.tidy()["estimate"].to_numpy(), ols.params[:2], rtol=1e-8)
    # documented rule (docs/models.md): the region effects are nested in the region clusters
    # and are not counted in K; the T-1 time effects are. statsmodels' CR1 on the dummy
    # regression counts every column, so Var_ours / Var_sm = (N - K_dummies) / (N - 2 - (T-1))
    n, k_dv = X.shape
    k_ours = 2 + (periods.size - 1)
    ratio = (res.tidy()["std_error"].to_numpy() / ols.bse[:2]) ** 2
    np.testing.assert_allclose(ratio, (n - k_dv) / (n - k_ours), rtol=1e-10)
    # t(G-1) p-values from our standard errors
    from scipy import stats

    t_ours = res.tidy()["estimate"].to_numpy() / res.tidy()["std_error"].to_numpy()
    np.testing.assert_allclose(
        res.tidy()["p_value"].to_numpy(), 2 * stats.t.sf(np.abs(t_ours), 19), rtol=1e-10
    )
    assert res.nobs == 20 * 11 and res.clusters == 20 and res.df_inference == 19


def test_matching_function_recovers_planted_elasticities_and_tests_crs() -> None:
    drs = fit_matching_function(_matching_panel(5, 0.6, 0.3))
    assert drs.params["ln_unemployed_lag1"] == pytest.approx(0.6, abs=0.05)
    assert drs.params["ln_vacancies_lag1"] == pytest.approx(0.3, abs=0.05)
    assert drs.returns_to_scale() == pytest.approx(0.9, abs=0.06)
    wald, p = drs.crs_test()
    assert p < 0.01 and wald > 10
    assert drs.extras["crs_p_value"] == pytest.approx(p)
    crs = fit_matching_function(_matching_panel(6, 0.6, 0.4))
    wald_c, p_c = crs.crs_test()
    assert p_c > 0.05
    # W = t^2 of alpha + beta - 1 with the same covariance
    v = crs.cov_params()
    t = (crs.returns_to_scale() - 1) / np.sqrt(v.sum())
    assert wald_c == pytest.approx(t**2, rel=1e-10)


def test_matching_lags_skip_gaps_and_drop_non_positive() -> None:
    data = _matching_panel(7, 0.6, 0.3, regions=6, periods=8)
    # a gap: region R00 loses 2013, so 2014 has no one-year lag for R00
    gapped = data.filter(~((pl.col("geo") == "R00") & (pl.col("period") == "2013")))
    # a zero: R01 has no vacancies in 2012, so its 2013 row has no lagged log
    gapped = gapped.with_columns(
        pl.when((pl.col("geo") == "R01") & (pl.col("period") == "2012"))
        .then(0.0)
        .otherwise(pl.col("vacancies"))
        .alias("vacancies")
    )
    res = fit_matching_function(gapped)
    # 6 regions x 7 lagged periods = 42; minus R00 (2013 missing, 2014 unlagged); minus R01 2013
    assert res.nobs == 42 - 2 - 1
    assert any("non-positive vacancies" in n for n in res.notes)
    two = fit_matching_function(data, lag=2)
    assert two.nobs == 6 * 6
    assert two.terms == ("ln_unemployed_lag2", "ln_vacancies_lag2")


def test_matching_function_bad_inputs() -> None:
    data = _matching_panel(8, 0.6, 0.3, regions=4, periods=5)
    with pytest.raises(ValueError, match="lag"):
        fit_matching_function(data, lag=0)
    with pytest.raises(ValueError, match="duplicate"):
        fit_matching_function(pl.concat([data, data.head(1)]))
    with pytest.raises(ValueError, match="analytic"):
        fit_matching_function(data, cov=Cov.wild_bootstrap(cluster="geo"))
    with pytest.raises(ValueError, match="missing column"):
        fit_matching_function(data.drop("hires"))


def test_matching_robust_and_iid_covariances_run() -> None:
    data = _matching_panel(9, 0.6, 0.3)
    for cov in (Cov.iid(), Cov.robust()):
        res = fit_matching_function(data, cov=cov)
        assert res.clusters is None
        assert res.cov_label == cov.name
    with pytest.raises(ValueError, match="HC1"):
        fit_matching_function(data, cov=Cov.robust("HC3"))


# -- matching function: wild cluster bootstrap --------------------------------------------------
def _dummy_wcr_p(
    y: np.ndarray,
    X: np.ndarray,  # noqa: N803
    codes: np.ndarray,
    v: np.ndarray,
    j: int,
    null: float = 0.0,
) -> float:
    """WCR p-value of beta_j = null on the full dummy-variable regression, re-fitting every
    bootstrap sample (CR1 counting every column: the scale cancels in the p-value)."""

    def t_of(yy: np.ndarray) -> float:
        k = X.shape[1]
        b = np.linalg.lstsq(X, yy, rcond=None)[0]
        u = yy - X @ b
        a = np.linalg.pinv(X.T @ X)
        s = np.zeros((codes.max() + 1, k))
        np.add.at(s, codes, X * u[:, None])
        var = a @ s.T @ s @ a
        return float((b[j] - null) / np.sqrt(var[j, j]))

    t_hat = t_of(y)
    keep = [c for c in range(X.shape[1]) if c != j]
    yr = y - null * X[:, j]
    br = np.linalg.lstsq(X[:, keep], yr, rcond=None)[0]
    fitted = X[:, keep] @ br + null * X[:, j]
    resid = yr - X[:, keep] @ br
    t_star = np.array([t_of(fitted + resid * v[codes, i]) for i in range(v.shape[1])])
    tol = 1e-9 * max(1.0, abs(t_hat))
    return float(np.mean(np.abs(t_star) >= abs(t_hat) - tol))


def test_matching_bootstrap_equals_dummy_variable_brute_force() -> None:
    from skills.models._bootstrap import draw_weights

    data = _matching_panel(12, 0.5, 0.1, regions=6, periods=7, sd=0.4)
    reps = 99
    boot = Cov.wild_bootstrap(reps=reps, seed=3, cluster="geo")
    res = fit_matching_function(data, bootstrap=boot)
    d = _lagged_logs(data)
    regions = np.unique(d["geo"].to_numpy())
    periods = np.unique(d["period"].to_numpy())
    lu, lv, lh = d["lu"].to_numpy(), d["lv"].to_numpy(), d["lh"].to_numpy()
    dummies = [(d["geo"].to_numpy() == r).astype(float) for r in regions] + [
        (d["period"].to_numpy() == t).astype(float) for t in periods[1:]
    ]
    X = np.column_stack([lu, lv, *dummies])
    codes = np.unique(d["geo"].to_numpy(), return_inverse=True)[1]
    v = draw_weights(regions.size, reps, "webb", 3)
    tidy = res.tidy()
    for j in (0, 1):
        brute = _dummy_wcr_p(lh, X, codes, v, j)
        expected = brute if brute > 0 else 1 / (reps + 1)
        assert tidy["p_value"][j] == pytest.approx(expected, abs=1e-12)
        assert tidy["p_value_upper_bound"][j] == (brute == 0)
    assert 0 < tidy["p_value"].max() < 1 and tidy["p_value"].max() > 1 / (reps + 1)
    # constant returns: (lnH - lnV) on (lnU - lnV), lnV, dummies; test the lnV coefficient = 0
    Xc = np.column_stack([lu - lv, lv, *dummies])
    p_crs = _dummy_wcr_p(lh - lv, Xc, codes, v, 1)
    assert res.extras["crs_p_value_bootstrap"] == pytest.approx(p_crs, abs=1e-12)
    # the interval of alpha is the set of nulls the brute-force WCR test does not reject
    lo, hi = tidy["conf_low"][0], tidy["conf_high"][0]
    eps = 1e-4 * tidy["std_error"][0]
    assert _dummy_wcr_p(lh, X, codes, v, 0, lo + eps) > 0.05
    assert _dummy_wcr_p(lh, X, codes, v, 0, lo - eps) <= 0.05
    assert _dummy_wcr_p(lh, X, codes, v, 0, hi - eps) > 0.05
    assert _dummy_wcr_p(lh, X, codes, v, 0, hi + eps) <= 0.05
    low, high = res.extras["returns_to_scale_low"], res.extras["returns_to_scale_high"]
    assert low < res.returns_to_scale() < high
    assert res.bootstrap == boot and "WCR" in " ".join(res.notes)
    # analytic columns are unchanged by the bootstrap
    plain = fit_matching_function(data)
    assert plain.tidy()["std_error"].equals(tidy["std_error"])


def test_matching_bootstrap_needs_clusters_that_nest_the_regions() -> None:
    data = _matching_panel(13, 0.5, 0.4, regions=6, periods=6).with_columns(
        pl.col("period").alias("by_year")
    )
    with pytest.raises(ValueError, match="nest the regions"):
        fit_matching_function(data, bootstrap=Cov.wild_bootstrap(reps=99, cluster="by_year"))


def test_matching_uses_every_row_with_a_lagged_stock() -> None:
    """Stocks one year longer at the start and hires one year longer at the end: the first
    stock year serves as a lag and the last hires year is used (nothing usable is lost)."""
    data = _matching_panel(14, 0.5, 0.4, regions=5, periods=8)
    stocks = data.filter(pl.col("period") < "2017").select(
        "geo", "period", "unemployed", "vacancies"
    )
    flows = data.filter(pl.col("period") > "2010").select("geo", "period", "hires")
    full = stocks.join(flows, on=["geo", "period"], how="full", coalesce=True)
    res = fit_matching_function(full)
    # hires 2011-2017 each have stocks a year earlier (2010-2016): 7 periods x 5 regions
    assert res.nobs == 35
    assert any("without hires" in n for n in res.notes)


def test_weighted_share_panel_equals_dummy_variable_wls() -> None:
    data = _shares(21)
    sizes = {f"R{r}": float(10 + 40 * r) for r in range(8)}  # a 29x size range
    data = data.with_columns(pl.col("geo").replace_strict(sizes).alias("employment"))
    res = fit_share_panel(data, weights="employment")
    trend = data["period"].cast(pl.Int64).to_numpy() - 2011.0
    grp = data["skill_group"].to_numpy()
    cell = (data["geo"] + "|" + data["skill_group"]).to_numpy()
    X = np.column_stack(
        [np.where(grp == g, trend, 0.0) for g in ("middle", "high", "low")]
        + [(cell == c).astype(float) for c in np.unique(cell)]
    )
    import statsmodels.api as sm

    geo = np.unique(data["geo"].to_numpy(), return_inverse=True)[1]
    wls = sm.WLS(data["share_pct"].to_numpy(), X, weights=data["employment"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": geo}, use_t=True
    )
    np.testing.assert_allclose(res.tidy()["estimate"].to_numpy(), wls.params[:3], rtol=1e-8)
    n, k_dv = X.shape
    ratio = (res.tidy()["std_error"].to_numpy() / wls.bse[:3]) ** 2
    np.testing.assert_allclose(ratio, (n - k_dv) / (n - 3), rtol=1e-8)
    assert "weights: employment" in " ".join(res.notes) and "WLS" in res.formula
    unweighted = fit_share_panel(data)
    assert "every geo counts equally" in " ".join(unweighted.notes)
    assert not np.allclose(unweighted.tidy()["estimate"], res.tidy()["estimate"])
    # constant weights change nothing
    const = fit_share_panel(data.with_columns(pl.lit(5.0).alias("one")), weights="one")
    np.testing.assert_allclose(const.tidy()["estimate"], unweighted.tidy()["estimate"], rtol=1e-10)
    np.testing.assert_allclose(const.tidy()["std_error"], unweighted.tidy()["std_error"], rtol=1e-8)
    boot = Cov.wild_bootstrap(reps=99, cluster="geo")
    wb = fit_share_panel(data, weights="employment", bootstrap=boot)
    cb = fit_share_panel(data.with_columns(pl.lit(5.0).alias("one")), weights="one", bootstrap=boot)
    ub = fit_share_panel(data, bootstrap=boot)
    assert cb.tidy()["p_value"].equals(ub.tidy()["p_value"])
    np.testing.assert_allclose(cb.tidy()["conf_low"], ub.tidy()["conf_low"], rtol=1e-6)
    assert wb.tidy()["p_value"].is_between(0.0, 1.0).all()
    with pytest.raises(ValueError, match="non-positive"):
        fit_share_panel(data.with_columns(pl.lit(0.0).alias("zero")), weights="zero")
