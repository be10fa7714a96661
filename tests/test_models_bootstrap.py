"""Wild (cluster) bootstrap and the covariance vocabulary."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from skills.models import Cov, fit_polarisation, fit_share_panel
from skills.models._bootstrap import draw_weights, webb_values, wild_bootstrap

REPS = 199


def _eight_region_shares(seed: int = 0) -> pl.DataFrame:
    """8 clusters with a region-level trend shock and heteroskedastic noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(8):
        shock = rng.normal(0.0, 0.3)
        for g, slope in {"high": 0.5, "middle": -0.8, "low": 0.3}.items():
            base = rng.uniform(20, 40)
            for yr in range(2011, 2023):
                noise = rng.normal(0.0, 1.0 + r / 3)
                rows.append((f"R{r}", str(yr), g, base + (slope + shock) * (yr - 2011) + noise))
    return pl.DataFrame(rows, schema=["geo", "period", "skill_group", "share_pct"], orient="row")


# -- weights -----------------------------------------------------------------------------------
def test_webb_weights_six_points_mean_zero_variance_one() -> None:
    vals = webb_values()
    assert vals.size == 6 and np.unique(vals).size == 6
    assert vals.mean() == pytest.approx(0.0, abs=1e-15)
    assert (vals**2).mean() == pytest.approx(1.0, abs=1e-15)
    draws = draw_weights(50, 400, "webb", 1)
    assert set(np.round(np.unique(draws), 12)) == set(np.round(vals, 12))
    assert abs(draws.mean()) < 0.02 and abs(draws.var() - 1.0) < 0.02
    rad = draw_weights(10, 10, "rademacher", 1)
    assert set(np.unique(rad)) == {-1.0, 1.0}
    np.testing.assert_array_equal(draws, draw_weights(50, 400, "webb", 1))


# -- the fast algebra equals the textbook loop -------------------------------------------------
def _crv1(X: np.ndarray, y: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
    n, k = X.shape
    g = codes.max() + 1
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ b
    A = np.linalg.inv(X.T @ X)
    S = np.zeros((g, k))
    np.add.at(S, codes, X * u[:, None])
    V = g / (g - 1) * (n - 1) / (n - k) * A @ S.T @ S @ A
    return b, np.sqrt(np.diag(V))


def test_wild_cluster_bootstrap_equals_brute_force_loop() -> None:
    rng = np.random.default_rng(0)
    n, G, B = 60, 6, 99
    codes = np.repeat(np.arange(G), n // G)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ np.array([1.0, 0.2, 0.0]) + rng.normal(size=n) + rng.normal(size=G)[codes]
    out = wild_bootstrap(X, y, codes, [1, 2], reps=B, seed=7, weights="webb", interval="wcu")
    v = draw_weights(G, B, "webb", 7)
    b, se = _crv1(X, y, codes)
    for j in (1, 2):
        keep = [c for c in range(3) if c != j]
        br = np.linalg.lstsq(X[:, keep], y, rcond=None)[0]
        fitted, resid = X[:, keep] @ br, y - X[:, keep] @ br
        t_r = []
        for i in range(B):
            bs, ss = _crv1(X, fitted + resid * v[codes, i], codes)
            t_r.append(bs[j] / ss[j])
        p = np.mean(np.abs(t_r) >= abs(b[j] / se[j]))
        u_hat = y - X @ b
        t_u = []
        for i in range(B):
            bs, ss = _crv1(X, X @ b + u_hat * v[codes, i], codes)
            t_u.append((bs[j] - b[j]) / ss[j])
        lo, hi = np.quantile(t_u, [0.025, 0.975])
        assert out.t_stat[j] == pytest.approx(b[j] / se[j], rel=1e-10)
        assert out.p_value[j] == pytest.approx(p, abs=1e-12)
        assert out.conf_int[j][0] == pytest.approx(b[j] - hi * se[j], rel=1e-9)
        assert out.conf_int[j][1] == pytest.approx(b[j] - lo * se[j], rel=1e-9)


# -- behaviour ---------------------------------------------------------------------------------
def test_bootstrap_is_deterministic_with_the_seed() -> None:
    data = _eight_region_shares()
    boot = Cov.wild_bootstrap(reps=REPS, cluster="geo")
    a = fit_share_panel(data, bootstrap=boot)
    b = fit_share_panel(data, bootstrap=boot)
    assert a.tidy().equals(b.tidy())
    c = fit_share_panel(data, bootstrap=Cov.wild_bootstrap(reps=REPS, seed=1, cluster="geo"))
    assert not a.tidy().equals(c.tidy())
    # the analytic columns do not depend on the bootstrap
    assert a.tidy()["std_error"].equals(c.tidy()["std_error"])


def test_few_clusters_bootstrap_ci_is_wider_than_naive_cluster_ci() -> None:
    data = _eight_region_shares()
    boot = fit_share_panel(data, bootstrap=Cov.wild_bootstrap(reps=REPS, cluster="geo"))
    naive = fit_share_panel(data, cov=Cov.cluster("geo", small_sample=False))
    width = boot.tidy()["conf_high"] - boot.tidy()["conf_low"]
    naive_width = naive.tidy()["conf_high"] - naive.tidy()["conf_low"]
    assert (width >= naive_width).all()
    assert boot.clusters == 8
    assert boot.tidy()["p_value"].is_between(0.0, 1.0).all()
    assert boot.bootstrap is not None and boot.cov_label.endswith("cluster=geo)")
    assert any("WCR" in n for n in boot.notes)
    # p-values are multiples of 1/B, except the upper bounds 1/(B+1) (no draw as extreme)
    tidy = boot.tidy()
    exact = tidy.filter(~pl.col("p_value_upper_bound"))["p_value"].to_numpy()
    assert np.allclose((exact * REPS) % 1.0, 0.0)
    bounds = tidy.filter(pl.col("p_value_upper_bound"))["p_value"].to_numpy()
    assert np.allclose(bounds, 1.0 / (REPS + 1))


def _brute_wcr_p(
    X: np.ndarray,  # noqa: N803
    y: np.ndarray,
    codes: np.ndarray,
    v: np.ndarray,
    j: int,
    null: float,
) -> float:
    """The WCR bootstrap p-value of beta_j = null, re-running every regression."""
    b, se = _crv1(X, y, codes)
    t_hat = (b[j] - null) / se[j]
    keep = [c for c in range(X.shape[1]) if c != j]
    yr = y - null * X[:, j]
    br = np.linalg.lstsq(X[:, keep], yr, rcond=None)[0]
    fitted, resid = X[:, keep] @ br + null * X[:, j], yr - X[:, keep] @ br
    t_r = []
    for i in range(v.shape[1]):
        bs, ss = _crv1(X, fitted + resid * v[codes, i], codes)
        t_r.append((bs[j] - null) / ss[j])
    count = int(np.sum(np.abs(t_r) >= abs(t_hat) - 1e-12 * max(1.0, abs(t_hat))))
    return count / v.shape[1]


def test_wcr_nonzero_null_and_inverted_interval_equal_brute_force() -> None:
    """The interval is the set of nulls the WCR test does not reject (Roodman et al. 2019):
    just inside each end the brute-force p-value exceeds 5 %, just outside it does not."""
    rng = np.random.default_rng(3)
    n, G, B = 48, 8, 199
    codes = np.repeat(np.arange(G), n // G)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ np.array([1.0, 0.5, -0.2]) + rng.normal(size=n) * (1 + codes / 4)
    v = draw_weights(G, B, "webb", 11)
    out = wild_bootstrap(X, y, codes, [1, 2], reps=B, seed=11, weights="webb", nulls={1: 0.3})
    assert out.p_value[1] == pytest.approx(_brute_wcr_p(X, y, codes, v, 1, 0.3), abs=1e-12)
    b, se = _crv1(X, y, codes)
    assert out.t_stat[1] == pytest.approx((b[1] - 0.3) / se[1], rel=1e-10)
    for j in (1, 2):
        lo, hi = out.conf_int[j]
        assert lo < b[j] < hi
        eps = 1e-4 * se[j]
        assert _brute_wcr_p(X, y, codes, v, j, lo + eps) > 0.05
        assert _brute_wcr_p(X, y, codes, v, j, lo - eps) <= 0.05
        assert _brute_wcr_p(X, y, codes, v, j, hi - eps) > 0.05
        assert _brute_wcr_p(X, y, codes, v, j, hi + eps) <= 0.05


def test_zero_exceedances_are_published_as_an_upper_bound() -> None:
    rng = np.random.default_rng(5)
    n = 40
    X = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    y = 2.0 + 3.0 * X[:, 1] + rng.normal(size=n) * 0.01
    out = wild_bootstrap(X, y, None, [1], reps=99, seed=1, weights="webb")
    assert out.upper_bound[1] and out.p_value[1] == pytest.approx(1 / 100)
    data = pl.DataFrame({"skill_pct": X[:, 1], "share_change_pp": y, "w": np.ones(n)})
    res = fit_polarisation(
        data.with_columns(
            (pl.col("skill_pct") ** 2 * 1e-6 + pl.col("share_change_pp")).alias("y2")
        ),
        y="y2",
        weights="w",
        bootstrap=Cov.wild_bootstrap(reps=99),
    )
    row = res.tidy().filter(pl.col("term") == "skill_pct")
    assert row["p_value_upper_bound"].item() and row["p_value"].item() == pytest.approx(0.01)
    assert "<0.0100" in res.summary() and "below 1/(B+1)" in res.summary()


def test_share_panel_bootstrap_defaults_to_the_cov_clusters() -> None:
    data = _eight_region_shares()
    res = fit_share_panel(data, bootstrap=Cov.wild_bootstrap(reps=REPS))
    assert res.clusters == 8
    with pytest.raises(ValueError, match="cluster"):
        fit_share_panel(data, cov=Cov.robust(), bootstrap=Cov.wild_bootstrap(reps=REPS))


def test_polarisation_bootstrap_p_values_in_unit_interval() -> None:
    rng = np.random.default_rng(3)
    p = np.linspace(1, 99, 40)
    data = pl.DataFrame(
        {
            "skill_pct": p,
            "share_change_pp": rng.normal(0.0, 0.2, 40),
            "base_share_pct": rng.uniform(0.5, 2.0, 40),
            "occ_group": np.repeat(np.arange(10), 4).astype(str),
        }
    )
    res = fit_polarisation(data, bootstrap=Cov.wild_bootstrap(reps=REPS))
    assert res.tidy()["p_value"].is_between(0.0, 1.0).all()
    # no true shape: the U is not significant
    assert not res.is_u_shaped(alpha=0.05)
    clustered = fit_polarisation(
        data, bootstrap=Cov.wild_bootstrap(reps=REPS, weights="rademacher", cluster="occ_group")
    )
    assert clustered.clusters == 10
    assert clustered.tidy()["p_value"].is_between(0.0, 1.0).all()


# -- the covariance vocabulary -----------------------------------------------------------------
def test_cov_names() -> None:
    assert Cov.iid().name == "iid"
    assert Cov.robust().name == "robust-HC1"
    assert Cov.robust("HC3").name == "robust-HC3"
    assert Cov.cluster("geo").name == "cluster(geo)"
    assert Cov.cluster("geo", small_sample=False).name == "cluster(geo, CR0)"
    assert Cov.wild_bootstrap().name == "wild-bootstrap(webb, 999)"
    assert Cov.wild_bootstrap(cluster="geo").name == "wild-bootstrap(webb, 999, cluster=geo)"
    assert str(Cov.wild_bootstrap(reps=199, weights="rademacher")) == (
        "wild-bootstrap(rademacher, 199)"
    )


def test_cov_is_frozen_and_validated() -> None:
    cov = Cov.cluster("geo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cov.by = "nuts2"  # type: ignore[misc]
    assert Cov.cluster("geo") == cov and hash(Cov.cluster("geo")) == hash(cov)
    with pytest.raises(ValueError):
        Cov.robust("HC9")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Cov.cluster("")
    with pytest.raises(ValueError):
        Cov.wild_bootstrap(reps=0)
    with pytest.raises(ValueError):
        Cov.wild_bootstrap(weights="mammen")  # type: ignore[arg-type]


def test_cov_backend_translation() -> None:
    assert Cov.iid().to_statsmodels() == ("nonrobust", {})
    assert Cov.robust("HC2").to_statsmodels() == ("HC2", {})
    groups = np.array([0, 0, 1])
    cov_type, kwds = Cov.cluster("geo").to_statsmodels(groups)
    assert cov_type == "cluster" and kwds["use_correction"] is True
    assert kwds["groups"] is groups
    assert Cov.iid().to_linearmodels() == ("unadjusted", {}, True)
    assert Cov.robust().to_linearmodels() == ("robust", {}, True)
    assert Cov.cluster("geo").to_linearmodels(entity="geo") == (
        "clustered",
        {"group_debias": True, "cluster_entity": True},
        True,
    )
    assert Cov.cluster("geo", small_sample=False).to_linearmodels(clusters=groups)[2] is False
    with pytest.raises(ValueError, match="method of inference"):
        Cov.wild_bootstrap().to_statsmodels()
    with pytest.raises(ValueError, match="groups"):
        Cov.cluster("geo").to_statsmodels()
    assert Cov.wild_bootstrap(cluster="geo").analytic() == Cov.cluster("geo")
    assert Cov.wild_bootstrap().analytic() == Cov.robust("HC1")


@pytest.mark.slow
def test_wcr_bootstrap_size_with_eight_clusters() -> None:
    """Monte Carlo (400 samples, seeded): under H0 with 8 clusters of unequal error scale,
    the WCR bootstrap rejects near 5%; CR1 with t(G-1) and with the normal over-reject.
    docs/models.md quotes these figures."""
    from scipy import stats

    rng = np.random.default_rng(11)
    G, per, sims = 8, 30, 400
    codes = np.repeat(np.arange(G), per)
    rejections = {"wcr": 0, "t": 0, "normal": 0}
    for s in range(sims):
        n = G * per
        x = rng.normal(size=G)[codes] + 0.5 * rng.normal(size=n)
        u = (rng.normal(size=G) * np.linspace(0.5, 3.0, G))[codes] + rng.normal(size=n)
        X = np.column_stack([np.ones(n), x])
        out = wild_bootstrap(X, 1.0 + u, codes, [1], reps=REPS, seed=s, weights="webb")
        t = abs(out.t_stat[1])
        rejections["wcr"] += out.p_value[1] < 0.05
        rejections["t"] += 2 * stats.t.sf(t, G - 1) < 0.05
        rejections["normal"] += 2 * stats.norm.sf(t) < 0.05
    rate = {k: v / sims for k, v in rejections.items()}
    assert 0.02 <= rate["wcr"] <= 0.075
    assert rate["t"] > 0.08 and rate["normal"] > rate["t"]


@pytest.mark.parametrize("clustered", [True, False])
def test_restricted_draws_linear_in_the_null_equal_a_fresh_fit_per_null(clustered: bool) -> None:
    """The interval search reuses, per term, the draws at r = 0 and their slope in r: for
    any null they equal the restricted fit and ``_draw_t`` computed afresh."""
    from skills.models._bootstrap import _draw_t, _make_design

    rng = np.random.default_rng(8)
    n, B = 36, 99
    codes = np.repeat(np.arange(6), n // 6) if clustered else np.arange(n)
    X = np.column_stack([np.ones(n), rng.uniform(0, 100, n), rng.uniform(0, 100, n) ** 2])
    y = X @ np.array([0.3, -0.02, 2e-4]) + rng.normal(size=n) * (1 + codes % 3)
    v = draw_weights(int(codes.max()) + 1, B, "webb", 4)
    design, _ = _make_design(X, y, codes.astype(np.int64), v)
    for j in range(3):
        for r in (0.0, 0.7, -3.5, 41.0, -1e3):
            num, se = design.draws(j, r)
            ref_num, ref_se = _draw_t(
                design.a[j],
                a=design.a,
                scores=design.restricted_scores(j, r),
                gram_by_cluster=design.gram,
                v=v,
                factor=design.factor,
            )
            scale = max(1.0, float(np.max(np.abs(ref_num))))
            np.testing.assert_allclose(num, ref_num, rtol=1e-12, atol=1e-12 * scale)
            np.testing.assert_allclose(se, ref_se, rtol=1e-12)
