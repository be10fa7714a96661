"""Models: the U-shape test (reference values, planted shapes), results objects, lazy imports."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from skills.models import (
    MODEL_ROWS_SCHEMA,
    TIDY_SCHEMA,
    Cov,
    ModelResult,
    PolarisationResult,
    compare,
    fit_polarisation,
)

REPS = 199


def _changes(
    seed: int, fn: Callable[[np.ndarray], np.ndarray], n: int = 100, noise: float = 0.1
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    p = np.arange(n, dtype=np.float64) + 0.5
    return pl.DataFrame(
        {
            "skill_pct": p,
            "share_change_pp": fn(p) + rng.normal(0.0, noise, n),
            "base_share_pct": rng.uniform(0.4, 1.6, n),
        }
    )


def _planted_u(p: np.ndarray) -> np.ndarray:
    return 0.4 - 0.03 * p + 0.0003 * p**2


@pytest.fixture(scope="module")
def u_data() -> pl.DataFrame:
    return _changes(20240501, _planted_u)


@pytest.fixture(scope="module")
def u_fit(u_data: pl.DataFrame) -> PolarisationResult:
    return fit_polarisation(u_data, bootstrap=Cov.wild_bootstrap(reps=REPS))


# -- reference: WLS and HC1 by hand -----------------------------------------------------------
def test_wls_coefficients_and_hc1_match_hand_computation(u_data: pl.DataFrame) -> None:
    res = fit_polarisation(u_data, bootstrap=None)
    p = u_data["skill_pct"].to_numpy()
    y = u_data["share_change_pp"].to_numpy()
    w = u_data["base_share_pct"].to_numpy()
    X = np.column_stack([np.ones_like(p), p, p**2])
    # weighted least squares: minimise sum w (y - Xb)^2 via the normal equations
    XtW = X.T * w
    beta = np.linalg.solve(XtW @ X, XtW @ y)
    est = res.tidy()["estimate"].to_numpy()
    np.testing.assert_allclose(est, beta, rtol=1e-10, atol=1e-10)
    # HC1 sandwich on the weighted model: (X'WX)^-1 X'W diag(e^2) W X (X'WX)^-1 * n/(n-k)
    e = y - X @ beta
    bread = np.linalg.inv(XtW @ X)
    meat = (X * (w * e)[:, None]).T @ (X * (w * e)[:, None])
    n, k = X.shape
    vcov = n / (n - k) * bread @ meat @ bread
    np.testing.assert_allclose(
        res.tidy()["std_error"].to_numpy(), np.sqrt(np.diag(vcov)), rtol=1e-8
    )
    np.testing.assert_allclose(res.cov_params(), vcov, rtol=1e-8)
    # t(n - k) inference on the analytic fit
    from scipy import stats

    t = est / np.sqrt(np.diag(vcov))
    np.testing.assert_allclose(res.tidy()["statistic"].to_numpy(), t, rtol=1e-8)
    np.testing.assert_allclose(
        res.tidy()["p_value"].to_numpy(), 2 * stats.t.sf(np.abs(t), n - k), rtol=1e-6
    )
    assert res.df_inference == n - k
    assert res.r2 is not None and 0.0 < res.r2 < 1.0


def test_weighted_cluster_covariance_is_cr1_on_the_whitened_model() -> None:
    # methods.md warns that statsmodels' weighted cluster covariance once lacked the
    # small-sample factor; pin what the installed version does
    data = _changes(9, _planted_u, n=40).with_columns(
        (pl.int_range(pl.len()) // 5).cast(pl.String).alias("occ_group")
    )
    res = fit_polarisation(data, cov=Cov.cluster("occ_group"), bootstrap=None)
    p = data["skill_pct"].to_numpy()
    sw = np.sqrt(data["base_share_pct"].to_numpy())
    X = np.column_stack([np.ones_like(p), p, p**2]) * sw[:, None]
    y = data["share_change_pp"].to_numpy() * sw
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    codes = np.repeat(np.arange(8), 5)
    scores = np.zeros((8, 3))
    np.add.at(scores, codes, X * (y - X @ beta)[:, None])
    bread = np.linalg.inv(X.T @ X)
    n, k, g = 40, 3, 8
    vcov = g / (g - 1) * (n - 1) / (n - k) * bread @ scores.T @ scores @ bread
    np.testing.assert_allclose(res.cov_params(), vcov, rtol=1e-8)
    assert res.clusters == 8 and res.df_inference == 7


def test_unweighted_fit_is_ols() -> None:
    data = _changes(3, _planted_u, n=30)
    res = fit_polarisation(data, weights=None, bootstrap=None, cov=Cov.iid())
    X = np.column_stack([np.ones(30), data["skill_pct"], data["skill_pct"] ** 2])
    beta, *_ = np.linalg.lstsq(X, data["share_change_pp"].to_numpy(), rcond=None)
    np.testing.assert_allclose(res.tidy()["estimate"].to_numpy(), beta, rtol=1e-9)
    assert res.estimator == "OLS"
    assert res.cov.name == "iid"


# -- planted shapes ----------------------------------------------------------------------------
def test_planted_u_is_detected(u_fit: PolarisationResult) -> None:
    assert u_fit.is_u_shaped()
    assert u_fit.is_u_shaped(alpha=0.01)
    assert abs(u_fit.turning_point() - 50.0) < 8.0
    params, pv = u_fit.params, u_fit.pvalues
    assert params["skill_pct"] < 0 < params["skill_pct^2"]
    assert pv["skill_pct"] < 0.01 and pv["skill_pct^2"] < 0.01
    lo, hi = u_fit.turning_point_ci()
    assert lo < u_fit.turning_point() < hi
    assert lo < 50.0 < hi
    assert len(u_fit.turning_point_draws) == REPS
    assert u_fit.extras["turning_point"] == pytest.approx(u_fit.turning_point())


def test_monotone_changes_are_not_u_shaped() -> None:
    rising = fit_polarisation(_changes(11, lambda p: -0.2 + 0.004 * p), bootstrap=None)
    assert not rising.is_u_shaped()
    assert rising.params["skill_pct"] > 0
    # convex but falling over the whole range: p* = 166 lies outside [0, 100]
    falling = fit_polarisation(
        _changes(12, lambda p: 0.5 - 0.01 * p + 0.00003 * p**2, noise=0.01), bootstrap=None
    )
    assert falling.params["skill_pct^2"] > 0 > falling.params["skill_pct"]
    assert falling.turning_point() > 100.0
    assert not falling.is_u_shaped()


def test_turning_point_ci_delta_method(u_data: pl.DataFrame) -> None:
    res = fit_polarisation(u_data, bootstrap=None)
    from scipy import stats

    b1, b2 = res.params["skill_pct"], res.params["skill_pct^2"]
    v = res.cov_params()[1:, 1:]
    g = np.array([-1 / (2 * b2), b1 / (2 * b2**2)])
    se = math.sqrt(g @ v @ g)
    q = stats.t.ppf(0.975, res.df_inference)
    lo, hi = res.turning_point_ci(method="delta")
    assert lo == pytest.approx(res.turning_point() - q * se, rel=1e-10)
    assert hi == pytest.approx(res.turning_point() + q * se, rel=1e-10)
    assert res.turning_point_draws == ()


def test_bootstrap_and_delta_turning_point_intervals_agree(
    u_data: pl.DataFrame, u_fit: PolarisationResult
) -> None:
    delta = fit_polarisation(u_data, bootstrap=None).turning_point_ci(method="delta")
    boot = u_fit.turning_point_ci(method="bootstrap")
    width_d, width_b = delta[1] - delta[0], boot[1] - boot[0]
    assert 0.5 < width_b / width_d < 2.0


def test_lind_mehlum_u_test_equals_hand_computation(u_data: pl.DataFrame) -> None:
    """Slopes at the ends of the data's range from statsmodels' own HC1 covariance."""
    import statsmodels.api as sm
    from scipy import stats

    p = u_data["skill_pct"].to_numpy()
    X = np.column_stack([np.ones_like(p), p, p**2])
    ols = sm.WLS(u_data["share_change_pp"].to_numpy(), X, weights=u_data["base_share_pct"]).fit(
        cov_type="HC1"
    )
    b, v = np.asarray(ols.params), np.asarray(ols.cov_params())
    t_ends = []
    for x in (p.min(), p.max()):
        grad = np.array([0.0, 1.0, 2.0 * x])
        t_ends.append(float(grad @ b / np.sqrt(grad @ v @ grad)))
    t_expected = min(-t_ends[0], t_ends[1])
    res = fit_polarisation(u_data, bootstrap=None)
    test = res.u_test()
    assert test.statistic == pytest.approx(t_expected, rel=1e-9)
    assert test.p_value == pytest.approx(stats.t.sf(t_expected, p.size - 3), rel=1e-9)
    assert res.extras["u_test_t"] == pytest.approx(t_expected, rel=1e-9)
    assert res.is_u_shaped() == (test.p_value < 0.05)


def test_u_test_rejects_a_significant_convex_curve_that_is_monotone_on_the_data() -> None:
    """beta1 < 0 < beta2 both significant, p* inside the range, yet the slope at the top of
    the range is not significantly positive: the old two-coefficient rule said U, the
    Lind-Mehlum test does not."""
    curve = fit_polarisation(
        _changes(22, lambda p: 0.8 - 0.016 * p + 0.00009 * p**2, noise=0.1), bootstrap=None
    )
    pv = curve.pvalues
    assert curve.params["skill_pct"] < 0 < curve.params["skill_pct^2"]
    assert pv["skill_pct"] < 0.05 and pv["skill_pct^2"] < 0.05
    assert curve.x_range[0] < curve.turning_point() < curve.x_range[1]
    test = curve.u_test()
    assert test.t_high < 1.645 and test.p_value > 0.05
    assert not curve.is_u_shaped()
    assert curve.is_u_shaped(alpha=None)  # point estimates: slopes -, + at the ends


def test_fieller_interval_is_the_set_where_the_slope_is_not_significant(
    u_data: pl.DataFrame,
) -> None:
    from scipy import stats

    res = fit_polarisation(u_data, bootstrap=None)
    lo, hi = res.turning_point_ci()
    assert lo < res.turning_point() < hi
    b1, b2 = res.params["skill_pct"], res.params["skill_pct^2"]
    v = res.cov_params()[1:, 1:]
    q = stats.t.ppf(0.975, res.df_inference)
    grid = np.linspace(res.turning_point() - 40, res.turning_point() + 40, 400001)
    t_slope = (b1 + 2 * b2 * grid) / np.sqrt(v[0, 0] + 4 * grid * v[0, 1] + 4 * grid**2 * v[1, 1])
    accepted = grid[np.abs(t_slope) <= q]
    step = grid[1] - grid[0]
    assert lo == pytest.approx(accepted.min(), abs=step)
    assert hi == pytest.approx(accepted.max(), abs=step)
    assert res.extras["turning_point_low"] == pytest.approx(lo)
    # not significant curvature: the Fieller set is unbounded
    flat = fit_polarisation(_changes(22, lambda p: 0.0 * p, noise=0.3), bootstrap=None)
    assert flat.pvalues["skill_pct^2"] > 0.05
    assert flat.turning_point_ci() == (-math.inf, math.inf)


# -- input handling ----------------------------------------------------------------------------
def test_nulls_are_dropped_and_counted() -> None:
    data = _changes(5, _planted_u, n=20).with_columns(
        pl.when(pl.int_range(pl.len()) < 3)
        .then(None)
        .otherwise(pl.col("share_change_pp"))
        .alias("share_change_pp")
    )
    res = fit_polarisation(data, bootstrap=None)
    assert res.nobs == 17
    assert any("3 row(s)" in n for n in res.notes)


def test_bad_inputs_raise_value_error() -> None:
    data = _changes(6, _planted_u, n=10)
    with pytest.raises(ValueError, match="at least 4"):
        fit_polarisation(data.head(3), bootstrap=None)
    with pytest.raises(ValueError, match="non-positive"):
        fit_polarisation(data.with_columns(pl.lit(0.0).alias("base_share_pct")), bootstrap=None)
    with pytest.raises(ValueError, match="missing column"):
        fit_polarisation(data.drop("base_share_pct"), bootstrap=None)
    with pytest.raises(ValueError, match="bootstrap"):
        fit_polarisation(data, cov=Cov.wild_bootstrap())


def test_zero_to_one_scale_is_flagged() -> None:
    data = _changes(7, _planted_u, n=20).with_columns(pl.col("skill_pct") / 100)
    res = fit_polarisation(data, bootstrap=None)
    assert any("0-100" in n for n in res.notes)


def test_higher_degree_refuses_turning_point() -> None:
    res = fit_polarisation(_changes(8, _planted_u), degree=3, bootstrap=None)
    assert res.terms == ("intercept", "skill_pct", "skill_pct^2", "skill_pct^3")
    with pytest.raises(ValueError, match="quadratic"):
        res.turning_point()


# -- results objects ---------------------------------------------------------------------------
def test_results_are_frozen(u_fit: PolarisationResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        u_fit.nobs = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        u_fit.cov = Cov.iid()  # type: ignore[misc]
    with pytest.raises(TypeError):
        u_fit.extras["x_min"] = 3.0  # type: ignore[index]
    tidy = u_fit.tidy()
    tidy = tidy.with_columns(pl.lit(0.0).alias("estimate"))
    assert u_fit.tidy()["estimate"][0] != 0.0
    assert u_fit.tidy() is not u_fit.table


def test_tidy_columns_and_types(u_fit: PolarisationResult) -> None:
    tidy = u_fit.tidy()
    assert dict(tidy.schema) == TIDY_SCHEMA
    assert tidy.columns == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
        "p_value_upper_bound",
    ]
    assert tidy["term"].to_list() == ["intercept", "skill_pct", "skill_pct^2"]
    assert ((tidy["p_value"] >= 0) & (tidy["p_value"] <= 1)).all()
    assert (tidy["conf_low"] < tidy["estimate"]).all()
    assert (tidy["estimate"] < tidy["conf_high"]).all()


def test_views_derive_from_the_table(u_fit: PolarisationResult) -> None:
    tidy = u_fit.tidy()
    assert list(u_fit.params.values()) == tidy["estimate"].to_list()
    assert list(u_fit.std_errors.values()) == tidy["std_error"].to_list()
    assert list(u_fit.pvalues.values()) == tidy["p_value"].to_list()
    ci = u_fit.conf_int()
    assert ci.columns == ["term", "conf_low", "conf_high"]
    assert ci["conf_low"].to_list() == tidy["conf_low"].to_list()
    with pytest.raises(ValueError, match="bootstrap"):
        u_fit.conf_int(0.9)


def test_conf_int_at_another_level_is_analytic(u_data: pl.DataFrame) -> None:
    res = fit_polarisation(u_data, bootstrap=None)
    wide, narrow = res.conf_int(0.99), res.conf_int(0.5)
    assert (wide["conf_low"] < narrow["conf_low"]).all()


def test_to_rows_glance_summary(u_fit: PolarisationResult) -> None:
    rows = u_fit.to_rows()
    assert rows.shape == (3, 13)
    assert dict(rows.schema) == MODEL_ROWS_SCHEMA
    assert rows["model_id"].unique().to_list() == ["polarisation_u_test"]
    assert rows["cov"][0] == "robust-HC1 + wild-bootstrap(webb, 199)"
    glance = u_fit.glance()
    assert glance.height == 1
    assert glance.columns[:6] == ["model_id", "estimator", "nobs", "r2", "cov", "clusters"]
    assert {"x_min", "x_max", "turning_point", "bootstrap_reps"} <= set(glance.columns)
    text = u_fit.summary()
    for term in ("intercept", "skill_pct", "skill_pct^2"):
        assert term in text
    assert "robust-HC1" in text and "wild-bootstrap(webb, 199)" in text
    assert str(u_fit) == text


def test_compare_side_by_side(u_data: pl.DataFrame, u_fit: PolarisationResult) -> None:
    plain = fit_polarisation(u_data, bootstrap=None, degree=3, model_id="cubic")
    table = compare([u_fit, plain])
    assert table.columns == [
        "term",
        "polarisation_u_test:estimate",
        "polarisation_u_test:std_error",
        "cubic:estimate",
        "cubic:std_error",
    ]
    assert table["term"].to_list() == [
        "intercept",
        "skill_pct",
        "skill_pct^2",
        "skill_pct^3",
        "nobs",
        "r2",
    ]
    assert table["polarisation_u_test:estimate"][3] is None
    assert table["cubic:estimate"][4] == 100.0
    with pytest.raises(ValueError, match="distinct"):
        compare([u_fit, u_fit])


def test_model_result_rejects_a_bad_table() -> None:
    with pytest.raises(ValueError, match="columns"):
        ModelResult(
            model_id="x",
            formula="y ~ x",
            estimator="OLS",
            cov=Cov.iid(),
            table=pl.DataFrame({"term": ["a"], "estimate": [1.0]}),
            nobs=3,
        )


# -- lazy imports ------------------------------------------------------------------------------
@pytest.mark.slow
def test_import_skills_models_is_light() -> None:
    code = (
        "import sys, skills.models\n"
        "heavy = [m for m in ('statsmodels', 'linearmodels', 'scipy', 'pandas') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import skills.models pulled in: {out}"
