"""The [models] options reach the fits: the U test's unit and clustering, the share panel's
weights, and the published labels that say which was used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import copy_workspace

from skills.refresh import refresh


@pytest.fixture(scope="module")
def optioned(warm_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's demo workspace refreshed with [models] options (its warm
    cache: only the stages that read the options run again)."""
    root = copy_workspace(warm_workspace, tmp_path_factory.mktemp("models-options") / "ws")
    spec = root / "pipeline.toml"
    text = spec.read_text(encoding="utf-8")
    assert "[models]" not in text
    spec.write_text(
        text
        + '\n[models]\nbootstrap_reps = 199\npolarisation_unit = "percentile"\n'
        + 'polarisation_cluster = "isco_major_group"\nshare_panel_weights = "employment"\n',
        encoding="utf-8",
    )
    result = refresh(spec, root / "out", report=False)
    assert result.exit_code == 0
    return root / "out" / "latest"


def test_u_test_on_percentile_bins_clustered_by_major_group(optioned: Path) -> None:
    import statsmodels.api as sm

    models = pl.read_parquet(optioned / "models.parquet")
    u = models.filter(pl.col("model_id").str.starts_with("polarisation_u_test[IT "))
    model_id = u["model_id"][0]
    assert "percentile bins, clustered by isco major group" in model_id
    assert set(u["cov"]) == {
        "cluster(isco_major_group) + wild-bootstrap(webb, 199, cluster=isco_major_group)"
    }
    assert set(u["nobs"]) == {100} and set(u["clusters"]) == {9}
    # the estimates are WLS of the published percentile changes on p and p^2
    bins = pl.read_parquet(optioned / "polarisation_percentiles.parquet").filter(
        pl.col("geo") == "IT"
    )
    p = bins["skill_pct"].to_numpy()
    X = np.column_stack([np.ones_like(p), p, p**2])
    wls = sm.WLS(bins["share_change_pp"].to_numpy(), X, weights=bins["base_share_pct"]).fit()
    np.testing.assert_allclose(u["estimate"].to_numpy(), wls.params, rtol=1e-8)
    # every bin is labelled with the occupation at its midpoint, so clusters are well defined
    assert bins["isco08"].null_count() == 0


def test_share_panel_weighted_by_employment(optioned: Path) -> None:
    models = pl.read_parquet(optioned / "models.parquet")
    panel = models.filter(pl.col("model_id").str.starts_with("skill_share_panel"))
    assert panel["model_id"][0].endswith(", employment-weighted]")
    manifest = (optioned / "manifest.json").read_text(encoding="utf-8")
    assert "regions weighted by their mean employment" in manifest
