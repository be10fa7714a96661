"""A whole refresh on the real Eurostat fixtures (not the demo): it publishes, and the
published figures match cells a person can check in the source files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from skills.manifest import verify_publication
from skills.refresh import refresh

pytestmark = [pytest.mark.slow]

SPEC = """
[pipeline]
name = "piedmont-real-fixtures"
region = "ITC1"
nuts_version = 2021
benchmarks = ["DE11", "DE21", "FR71", "ES51", "AT31", "NL41"]

[sources.unemployment_rate]
path = "{d}/tgs00010_snap2019_all_nuts2.tsv"
[sources.employment]
path = "{d}/lfst_r_lfe2emp_snap2017_it_bench.tsv"
[sources.unemployment]
path = "{d}/lfst_r_lfu3pers_snap2017_it_bench.tsv"
[sources.active_by_education]
path = "{d}/lfst_r_lfp2acedu_snap2017_it_bench.tsv"
[sources.employment_by_education]
path = "{d}/lfst_r_lfe2eedu_snap2017_it_bench.tsv"
[sources.employment_by_sector]
path = "{d}/lfst_r_lfe2en2_snap2017_it_bench.tsv"
[sources.employment_by_occupation]
path = "{d}/lfsa_egai2d.csv"
[sources.job_vacancies]
path = "{d}/jvs_a_nace2_snap2017_it_bench.tsv"
"""


@pytest.fixture(scope="module")
def publication(eurostat_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real")
    spec = root / "pipeline.toml"
    spec.write_text(SPEC.format(d=eurostat_dir), encoding="utf-8")
    result = refresh(spec, root / "out", report=False)
    assert result.status == "published"
    return root / "out" / "latest"


def tsv_cell(path: Path, key: str, year: str) -> float:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split("\t")]
    for line in lines[1:]:
        cells = line.split("\t")
        if cells[0] == key:
            return float(cells[header.index(year)].split()[0])
    raise KeyError(key)


def test_publishes_and_verifies(publication: Path) -> None:
    assert verify_publication(publication) == []
    manifest = json.loads((publication / "manifest.json").read_text())
    assert manifest["data_label"] is None
    quality = json.loads((publication / "quality.json").read_text())
    assert not [o for o in quality["outcomes"] if not o["success"] and o["severity"] == "error"]


def test_piedmont_unemployment_rate_is_the_published_cell(
    publication: Path, eurostat_dir: Path
) -> None:
    ind = pl.read_parquet(publication / "indicators.parquet")
    expected = tsv_cell(
        eurostat_dir / "tgs00010_snap2019_all_nuts2.tsv", "PC,Y_GE15,T,ITC1", "2017"
    )
    row = ind.filter(
        pl.col("indicator") == "unemployment_rate",
        pl.col("geo") == "ITC1",
        pl.col("period") == "2017",
        pl.col("sex") == "T",
        pl.col("age") == "Y_GE15",
        pl.col("note").is_null(),
    )
    assert row["value"].to_list() == [expected]


def test_tertiary_share_for_piedmont(publication: Path, eurostat_dir: Path) -> None:
    path = eurostat_dir / "lfst_r_lfp2acedu_snap2017_it_bench.tsv"
    num = tsv_cell(path, "THS,T,Y25-64,ED5-8,ITC1", "2015")
    den = tsv_cell(path, "THS,T,Y25-64,TOTAL,ITC1", "2015")
    ind = pl.read_parquet(publication / "indicators.parquet")
    row = ind.filter(
        pl.col("indicator") == "labour_force_tertiary_share_pct",
        pl.col("geo") == "ITC1",
        pl.col("period") == "2015",
        pl.col("sex") == "T",
        pl.col("age") == "Y25-64",
    )
    assert row["value"].to_list() == pytest.approx([100 * num / den], rel=1e-12)


def test_italy_skill_shares_and_the_clean_change(publication: Path, eurostat_dir: Path) -> None:
    cells: dict[tuple[str, str], float] = {}
    with (eurostat_dir / "lfsa_egai2d.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["geo"] == "IT" and r["OBS_VALUE"]:
                cells[(r["isco08"], r["TIME_PERIOD"])] = float(r["OBS_VALUE"])

    def middle(year: str) -> float:
        den = sum(cells[(f"OC{m}", year)] for m in "12345789")
        return 100 * sum(cells[(f"OC{m}", year)] for m in "478") / den

    ind = pl.read_parquet(publication / "indicators.parquet")
    change = ind.filter(
        pl.col("indicator") == "employment_share_change_pp",
        pl.col("geo") == "IT",
        pl.col("period") == "2011-2017",
        pl.col("skill_group") == "middle",
    ).sort("variant", nulls_last=False)
    # Italy's longest clean span, and the window clean for Piedmont, Italy and the EU
    assert change["variant"].to_list() == [None, "common_window"]
    assert change["value"].to_list() == pytest.approx(
        [middle("2017") - middle("2011")] * 2, rel=1e-12
    )
    assert change["flag"].to_list() == [None, None]  # no break inside
    full = ind.filter(
        pl.col("indicator") == "employment_share_change_pp",
        pl.col("geo") == "IT",
        pl.col("period") == "2011-2025",
        pl.col("skill_group") == "middle",
    )
    assert full["flag"].to_list() == ["b"] and "2018, 2021" in full["note"][0]


def test_piedmont_rank_among_every_nuts2_region(publication: Path) -> None:
    profile = pl.read_parquet(publication / "profile.parquet")
    row = profile.filter(pl.col("label").str.starts_with("Unemployment rate")).row(0, named=True)
    assert row["period"] == "2017" and row["regions_n"] > 250  # all EU/EFTA/candidate NUTS 2
    assert row["ranked_among"].startswith(f"{row['regions_n']} NUTS 2 regions in the data, 2017")
    benchmarks = {b["geo"] for b in row["benchmarks"]}
    assert {"DE11", "ES51", "AT31"} <= benchmarks
