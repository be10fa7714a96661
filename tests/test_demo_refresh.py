"""The demo workspace and the first publication: contracts, numbers, provenance."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import copy_workspace

from skills.demo import write_demo
from skills.indicators import INDICATOR_KEY, INDICATOR_SCHEMA
from skills.indicators.catalogue import catalogue_ids, catalogue_markdown

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(warm_workspace: Path) -> Path:
    """The session's published demo workspace (tests/conftest.py); read only."""
    return warm_workspace


@pytest.fixture(scope="module")
def indicators(demo: Path) -> pl.DataFrame:
    return pl.read_parquet(demo / "out" / "latest" / "indicators.parquet")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_demo_files_are_byte_identical_for_the_same_seed(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_demo(a)
    write_demo(b)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) >= 10
    for rel in files:
        assert sha(a / rel) == sha(b / rel), rel
    write_demo(tmp_path / "c", seed=7)
    assert sha(a / "data" / "hiring_plans.csv") != sha(tmp_path / "c" / "data" / "hiring_plans.csv")


def test_contract_columns_and_types(indicators: pl.DataFrame) -> None:
    assert dict(indicators.schema) == INDICATOR_SCHEMA
    assert indicators.filter(pl.struct(list(INDICATOR_KEY)).is_duplicated()).height == 0
    assert set(indicators["indicator"].unique()) <= catalogue_ids()


def test_every_output_says_synthetic(demo: Path, indicators: pl.DataFrame) -> None:
    latest = demo / "out" / "latest"
    assert indicators["source"].str.starts_with("synthetic demo data").all()
    panel = pl.read_parquet(latest / "panel.parquet")
    assert panel["source"].str.starts_with("synthetic demo data").all()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["data_label"] == "synthetic demo data"
    for name in ("indicators", "panel", "its_courses", "hiring_plans"):
        meta = pl.read_parquet_metadata(latest / f"{name}.parquet")
        assert meta["skills.data_label"] == "synthetic demo data"
    assert "SYNTHETIC DEMO DATA" in (demo / "README.txt").read_text()


def test_required_indicators_for_every_region_and_year(
    demo: Path, indicators: pl.DataFrame
) -> None:
    # Every geo and year in the unemployment input has the four required indicators.
    text = gzip.decompress((demo / "data" / "lfst_r_lfu3pers.tsv.gz").read_bytes()).decode()
    geos = {line.split("\t")[0].split(",")[-1] for line in text.splitlines()[1:]}
    years = {h.strip() for h in text.splitlines()[0].split("\t")[1:]}
    have = indicators.group_by("indicator").agg(pl.struct("geo", "period").alias("gp"))
    got = {
        r["indicator"]: {(x["geo"], x["period"]) for x in r["gp"]}
        for r in have.iter_rows(named=True)
    }
    expected = {(g, y) for g in geos for y in years}
    assert expected <= got["unemployed_ths"]
    regional = {(g, y) for g, y in expected if len(g) != 5}  # provinces: unemployment only
    for ind in ("unemployment_rate", "employment_ths", "labour_force_tertiary_share_pct"):
        assert regional <= got[ind], ind


def _tsv_cell(path: Path, key: str, year: str) -> tuple[float | None, str | None]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split("\t")]
    for line in lines[1:]:
        cells = line.split("\t")
        if cells[0] == key:
            value, _, flag = cells[header.index(year)].strip().partition(" ")
            return (None if value == ":" else float(value)), (flag or None)
    raise AssertionError(f"{key} not in {path}")


def test_unemployment_rate_is_the_published_cell(demo: Path, indicators: pl.DataFrame) -> None:
    value, flag = _tsv_cell(demo / "data" / "lfst_r_lfu3rt.tsv", "PC,T,Y15-74,ITC1", "2021")
    row = indicators.filter(
        pl.col("indicator") == "unemployment_rate",
        pl.col("geo") == "ITC1",
        pl.col("period") == "2021",
        pl.col("sex") == "T",
        pl.col("age") == "Y15-74",
    )
    assert row.height == 1
    assert row["value"][0] == value and row["flag"][0] == flag == "b"
    assert row["unit"][0] == "%" and row["note"][0] is None


def test_tertiary_share_equals_a_hand_computation(demo: Path, indicators: pl.DataFrame) -> None:
    path = demo / "data" / "lfst_r_lfp2acedu.tsv"
    for year in ("2015", "2021", "2025"):
        num, fnum = _tsv_cell(path, "THS,T,Y25-64,ED5-8,ITC1", year)
        den, fden = _tsv_cell(path, "THS,T,Y25-64,TOTAL,ITC1", year)
        assert num is not None and den is not None
        row = indicators.filter(
            pl.col("indicator") == "labour_force_tertiary_share_pct",
            pl.col("geo") == "ITC1",
            pl.col("period") == year,
            pl.col("sex") == "T",
        )
        assert row["value"].to_list() == pytest.approx([100 * num / den], rel=1e-12)
        flags = "".join(sorted(set((fnum or "") + (fden or "")))) or None
        assert row["flag"][0] == flags


def test_derived_rates_say_so_and_match_counts(indicators: pl.DataFrame) -> None:
    derived = indicators.filter(
        pl.col("indicator") == "unemployment_rate", pl.col("note").is_not_null()
    )
    assert derived.height > 0
    sample = derived.filter(pl.col("geo") == "ITC1", pl.col("sex") == "T").row(0, named=True)
    key = [pl.col(c) == sample[c] for c in ("geo", "period", "sex", "age")]
    u = indicators.filter(pl.col("indicator") == "unemployed_ths", *key)["value"][0]
    e = indicators.filter(
        pl.col("indicator") == "employment_ths",
        pl.col("isco08").is_null(),
        pl.col("isced11").is_null(),
        *key,
    )["value"][0]
    assert sample["value"] == pytest.approx(100 * u / (u + e), rel=1e-12)


def test_its_rates_are_ratios_of_sums(demo: Path, indicators: pl.DataFrame) -> None:
    courses = pl.read_parquet(demo / "out" / "latest" / "its_courses.parquet")
    ended = courses.filter(pl.col("end_year") == 2022, pl.col("employed_12m_n").is_not_null())
    expected = 100 * float(ended["employed_12m_n"].sum()) / float(ended["graduates_n"].sum())
    row = indicators.filter(
        pl.col("indicator") == "its_employment_rate_12m_pct",
        pl.col("geo") == "ITC1",
        pl.col("period") == "2022",
        pl.col("its_area").is_null(),
    )
    assert row["value"].to_list() == pytest.approx([expected])
    # Roll-ups add up: provinces sum to the region, areas sum to all areas.
    grads = indicators.filter(pl.col("indicator") == "its_graduates_n", pl.col("period") == "2022")
    region_all = grads.filter(pl.col("geo") == "ITC1", pl.col("its_area").is_null())["value"][0]
    provinces_all = grads.filter(pl.col("geo").str.len_chars() == 5, pl.col("its_area").is_null())
    region_areas = grads.filter(pl.col("geo") == "ITC1", pl.col("its_area").is_not_null())
    assert provinces_all["value"].sum() == region_all == region_areas["value"].sum()
    assert region_all == courses.filter(pl.col("end_year") == 2022)["graduates_n"].sum()


def test_planned_hires_totals(demo: Path, indicators: pl.DataFrame) -> None:
    plans = pl.read_csv(
        demo / "data" / "hiring_plans.csv",
        schema_overrides={"isco08": pl.String, "period": pl.String},
    )
    total = plans.filter(pl.col("period") == "2023")["planned_hires_n"].sum()
    row = indicators.filter(
        pl.col("indicator") == "planned_hires_n",
        pl.col("geo") == "ITC1",
        pl.col("period") == "2023",
        pl.col("isco08").is_null(),
        pl.col("education_level").is_null(),
    )
    assert row["value"].to_list() == [float(total)]


#: Rows of every table of the demo publication, frozen once (the demo is generated from a
#: fixed seed, so these never move by themselves). A difference is a change of what the
#: pipeline publishes: make sure it is meant, then update the number here.
DEMO_TABLE_ROWS = {
    "beveridge": 66,
    "hiring_plans": 24_116,
    "indicators": 122_753,
    "its_courses": 239,
    "its_gap": 720,
    "its_gap_drivers": 2_092,
    "its_gap_sensitivity": 2_880,
    "its_gap_specs": 38_880,
    "models": 8,
    "models_glance": 3,
    "panel": 104_805,
    "polarisation_occupations": 40,
    "polarisation_percentiles": 100,
    "profile": 5,
    "shift_share": 21,
    "shift_share_sectors": 441,
    "shortage": 1_360,
    "shortage_sensitivity": 1_360,
}


def test_published_tables_have_their_frozen_row_counts(demo: Path) -> None:
    latest = demo / "out" / "latest"
    got = {
        p.stem: pl.scan_parquet(p).select(pl.len()).collect().item()
        for p in sorted(latest.glob("*.parquet"))
    }
    diff = {
        name: (DEMO_TABLE_ROWS.get(name), got.get(name))
        for name in sorted(DEMO_TABLE_ROWS.keys() | got.keys())
        if DEMO_TABLE_ROWS.get(name) != got.get(name)
    }
    assert not diff, "the demo's published row counts moved (table: frozen -> now):\n" + "\n".join(
        f"  {name}: {frozen} -> {now}" for name, (frozen, now) in diff.items()
    )


def test_manifest_hashes_match_inputs_and_outputs(demo: Path) -> None:
    latest = demo / "out" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())
    assert {i["role"] for i in manifest["inputs"]} >= {
        "unemployment_rate",
        "employment",
        "its_courses",
    }
    for item in manifest["inputs"]:
        assert sha(Path(item["location"])) == item["sha256"]
        assert Path(item["location"]).stat().st_size == item["bytes"]
    for item in manifest["outputs"]:
        path = latest / item["path"]
        assert sha(path) == item["sha256"]
        if path.suffix == ".parquet":
            assert pl.scan_parquet(path).select(pl.len()).collect().item() == item["rows"]
    names = {item["path"] for item in manifest["outputs"]}
    assert {"indicators.parquet", "panel.parquet", "quality.json", "quality.html"} <= names
    sdmx = next(i for i in manifest["inputs"] if i["role"] == "employment")
    assert sdmx["vintage"] == "2026-10-15T23:00:00"


def test_catalogue_doc_is_in_sync() -> None:
    doc = REPO / "docs" / "indicators.md"
    assert doc.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/indicators.md is stale: run `skills catalogue > docs/indicators.md`"
    )


def test_every_catalogue_function_exists_and_documents_a_formula() -> None:
    import importlib

    from skills.indicators.catalogue import load_catalogue

    for entry in load_catalogue():
        module, _, name = entry.function.rpartition(".")
        func = getattr(importlib.import_module(module), name)
        assert func.__doc__ and (".. math::" in func.__doc__ or ":math:" in func.__doc__), entry.id


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SKILLS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "skills.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_exit_codes(demo: Path, tmp_path: Path) -> None:
    missing = run_cli("refresh", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "pipeline spec not found" in missing.stderr
    usage = run_cli("refresh")
    assert usage.returncode == 2
    # A corrupted input: exit 1, the message names file, line and column, latest untouched.
    ws = copy_workspace(demo, tmp_path / "ws")
    spec = ws / "pipeline.toml"
    good = run_cli("refresh", str(spec), "--out", str(ws / "out"), "--json")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["status"] == "unchanged"  # published by the fixture
    before = {str(p): sha(p) for p in (ws / "out" / "latest").rglob("*") if p.is_file()}
    csv = ws / "data" / "hiring_plans.csv"
    lines = csv.read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[4], "-40", 1)
    csv.write_text("\n".join(lines) + "\n")
    bad = run_cli("refresh", str(spec), "--out", str(ws / "out"))
    assert bad.returncode == 1
    assert f"{csv}:6: column 'planned_hires_n'" in bad.stderr
    assert {str(p): sha(p) for p in (ws / "out" / "latest").rglob("*") if p.is_file()} == before


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from skills.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "heavy = [m for m in ('polars', 'great_expectations', 'statsmodels', 'linearmodels',"
        " 'altair', 'pandas') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY=", out.stdout


# ------------------------------------------------------------- issue 3 outputs
def test_models_are_published_with_their_covariance(demo: Path) -> None:
    latest = demo / "out" / "latest"
    models = pl.read_parquet(latest / "models.parquet")
    ids = set(models["model_id"])
    assert any(i.startswith("polarisation_u_test[IT ") for i in ids)
    assert any(i.startswith("skill_share_panel[IT NUTS2 ") for i in ids)
    # few clusters (21 regions, 8 provinces) and few occupations: the wild bootstrap is used
    assert models["cov"].str.contains("wild-bootstrap").all()
    panel = models.filter(pl.col("model_id").str.starts_with("skill_share_panel"))
    trend = dict(zip(panel["term"], panel["estimate"], strict=True))
    # the demo is built to polarise: middle shrinks, high and low grow
    assert trend["trend:middle"] < 0 < trend["trend:high"] and trend["trend:low"] > 0
    glance = pl.read_parquet(latest / "models_glance.parquet")
    u = glance.filter(pl.col("model_id").str.starts_with("polarisation_u_test")).row(0, named=True)
    assert 0 < u["turning_point"] < 100
    u_terms = models.filter(pl.col("model_id") == u["model_id"])
    coef = dict(zip(u_terms["term"], u_terms["estimate"], strict=True))
    assert coef["skill_pct"] < 0 < coef["skill_pct^2"]
    assert u["turning_point"] == pytest.approx(-coef["skill_pct"] / (2 * coef["skill_pct^2"]))


def test_its_gap_rows_carry_the_specification_and_add_up(
    demo: Path, indicators: pl.DataFrame
) -> None:
    latest = demo / "out" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["crosswalks"][0]["version"] == "its-isco08-v1"
    gap = indicators.filter(pl.col("indicator") == "its_gap_n")
    assert gap["crosswalk_version"].null_count() == 0
    assert set(gap["variant"]) == {"central/occupation_share/min0.10/3y"}
    assert set(gap["unit"]) == {"planned entries minus graduates per year"}
    table = pl.read_parquet(latest / "its_gap.parquet")
    for col in ("gap_n", "demand_entries_n", "supply_graduates_n", "graduates_n"):
        sums = (
            table.filter(pl.col("geo").str.len_chars() == 5)
            .group_by("its_area", "year")
            .agg(pl.col(col).sum().alias("provinces"))
            .join(table.filter(pl.col("geo") == "ITC1"), on=["its_area", "year"])
        )
        assert sums["provinces"].to_list() == pytest.approx(sums[col].to_list()), col
    drivers = pl.read_parquet(latest / "its_gap_drivers.parquet")
    shares = drivers.group_by("its_area", "geo", "year").agg(pl.col("share_pct").sum())
    assert shares["share_pct"].to_list() == pytest.approx([100.0] * shares.height)
    sensitivity = pl.read_parquet(latest / "its_gap_sensitivity.parquet")
    assert sensitivity.filter(pl.col("is_largest")).height == table.height


def test_demo_is_calibrated_to_the_published_its_magnitudes(demo: Path) -> None:
    """Excelsior 2022 (4,300 planned ITS entries in Piemonte, 56 % hard to fill) and INDIRE
    (Piedmont 305 graduates in 2018; 87 % employed at 12 months, 94 % of them coherently):
    the synthetic demo must be of those orders, with surpluses and shortages to show."""
    latest = demo / "out" / "latest"
    plans = pl.read_parquet(latest / "hiring_plans.parquet").filter(
        pl.col("education_level") == "its_academy"
    )
    its_2022 = plans.filter(pl.col("period") == "2022")
    assert 3_500 <= its_2022["planned_hires_n"].sum() <= 5_000
    hard = its_2022.select(
        (pl.col("planned_hires_n") * pl.col("hard_to_fill_pct")).sum()
        / pl.col("planned_hires_n").sum()
    ).item()
    assert 40 <= hard <= 65
    courses = pl.read_parquet(latest / "its_courses.parquet")
    by_year = courses.group_by("end_year").agg(pl.col("graduates_n").sum())
    grads = dict(by_year.iter_rows())
    assert 200 <= grads[2018] <= 450 and 300 <= grads[2024] <= 900
    known = courses.filter(pl.col("employed_coherent_12m_n").is_not_null())
    employed, coherent = known.select(
        pl.col("employed_12m_n").sum() / pl.col("graduates_n").sum(),
        pl.col("employed_coherent_12m_n").sum() / pl.col("employed_12m_n").sum(),
    ).row(0)
    assert 0.82 <= employed <= 0.92 and 0.88 <= coherent <= 0.98
    gap = pl.read_parquet(latest / "its_gap.parquet")
    provinces = gap.filter(pl.col("geo").str.len_chars() == 5, pl.col("year") == 2024)
    assert (provinces["gap_n"] < 0).sum() >= 3 and (provinces["gap_n"] > 0).sum() >= 30
    # the demo's hiring file is 3-digit; rows without any demand have no grain
    assert set(gap["demand_grain"].drop_nulls()) == {"3-digit"}


def test_shift_share_equals_a_hand_computation_from_the_demo_file(
    demo: Path, indicators: pl.DataFrame
) -> None:
    """The published within- and between-sector parts for IT, computed again in plain
    Python from data/lfsa_eisn2.csv: OECD skill groups, NACE sections with every grouped
    cell published in both years, the span 2015-2020 (2021 carries the LFS break)."""
    groups = {"1": "high", "2": "high", "3": "high", "4": "middle", "7": "middle"}
    groups |= {"8": "middle", "5": "low", "9": "low"}
    cells: dict[tuple[str, str, str], float | None] = {}
    flags: set[tuple[str, str]] = set()
    with (demo / "data" / "lfsa_eisn2.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            year, nace, isco = row["TIME_PERIOD"], row["nace_r2"], row["isco08"]
            if row["geo"] != "IT" or len(nace) != 1 or isco.removeprefix("OC") not in groups:
                continue
            value = row["OBS_VALUE"]
            cells[(year, nace, isco[2:])] = float(value) if value else None
            flags |= {(year, letter) for letter in row["OBS_FLAG"]}
    base, end = "2015", "2020"
    assert ("2021", "b") in flags and not any(f == "b" for y, f in flags if base < y <= end)
    sectors = sorted({s for (_, s, _) in cells})
    used = [
        s
        for s in sectors
        if all(cells.get((y, s, m)) is not None for y in (base, end) for m in groups)
    ]
    total = {y: sum(cells[(y, s, m)] or 0.0 for s in used for m in groups) for y in (base, end)}
    expected: dict[tuple[str, str], float] = {}
    for g in ("high", "middle", "low"):
        within = between = 0.0
        for s in used:
            e, sh = {}, {}
            for y in (base, end):
                e_j = sum(cells[(y, s, m)] or 0.0 for m in groups)
                e_gj = sum(cells[(y, s, m)] or 0.0 for m in groups if groups[m] == g)
                e[y], sh[y] = e_j / total[y], e_gj / e_j
            between += 100 * (e[end] - e[base]) * (sh[base] + sh[end]) / 2
            within += 100 * (e[base] + e[end]) / 2 * (sh[end] - sh[base])
        expected[("skill_share_change_within_pp", g)] = within
        expected[("skill_share_change_between_pp", g)] = between
    published = indicators.filter(
        pl.col("indicator").str.starts_with("skill_share_change_"), pl.col("geo") == "IT"
    )
    assert set(published["period"]) == {f"{base}-{end}"}
    got = {(r["indicator"], r["skill_group"]): r["value"] for r in published.iter_rows(named=True)}
    assert got == pytest.approx(expected, abs=1e-9)
    excluded = sorted(set(sectors) - set(used))
    assert excluded  # the demo suppresses small cells, e.g. managers in households (T)
    assert published["note"].str.ends_with(", ".join(excluded)).all()
    assert published["source"].str.starts_with("synthetic demo data").all()
    # the demo is built to polarise inside sectors too: middle-skill jobs lose both ways
    assert got[("skill_share_change_within_pp", "middle")] < 0
    assert got[("skill_share_change_between_pp", "middle")] < 0
    # the per-sector table adds up to the same parts
    table = pl.read_parquet(demo / "out" / "latest" / "shift_share_sectors.parquet").filter(
        pl.col("geo") == "IT", pl.col("skill_group") == "middle"
    )
    assert table["within_pp"].sum() == pytest.approx(
        expected[("skill_share_change_within_pp", "middle")]
    )
    assert sorted(table.filter(~pl.col("is_included"))["nace_r2"]) == excluded


def test_profile_and_analysis_log(demo: Path) -> None:
    from skills.indicators.profile import profile_statements

    latest = demo / "out" / "latest"
    profile = pl.read_parquet(latest / "profile.parquet")
    assert set(profile["geo"]) == {"ITC1"}
    assert profile["ranked_among"].str.contains("NUTS 2 regions in the data").all()
    assert len(profile_statements(profile)) == profile.height
    log = json.loads((latest / "manifest.json").read_text())["analyses"]
    assert {entry["analysis"] for entry in log if entry["status"] == "ran"} >= {
        "skill-group shares",
        "share panel model",
        "wage-ranked polarisation",
        "ITS gap",
        "regional profile",
        "shift-share decomposition",
    }


def test_every_catalogue_indicator_is_published_within_its_range(indicators: pl.DataFrame) -> None:
    from skills.indicators.catalogue import load_catalogue

    published = set(indicators["indicator"])
    for entry in load_catalogue():
        assert entry.id in published, f"{entry.id} is documented but the demo does not publish it"
        values = indicators.filter(pl.col("indicator") == entry.id)["value"].drop_nulls()
        if entry.valid_min is not None:
            assert values.min() >= entry.valid_min, entry.id  # type: ignore[operator]
        if entry.valid_max is not None:
            assert values.max() <= entry.valid_max, entry.id  # type: ignore[operator]


def test_mismatch_indices_and_matching_function(demo: Path, indicators: pl.DataFrame) -> None:
    jr = indicators.filter(pl.col("indicator") == "jackman_roper_index")
    assert set(jr["geo"]) == {"ITC1"} and jr["note"].str.contains("provinces").all()
    sahin = indicators.filter(pl.col("indicator") == "sahin_mismatch_index")
    assert set(sahin["variant"]) == {
        "alpha=0.3",
        "alpha=0.4",
        "alpha=0.5",
        "alpha=0.6",
        "alpha=0.7",
    }
    oq = indicators.filter(
        pl.col("indicator") == "overqualification_rate_pct", pl.col("geo") == "IT"
    )
    by_rule = oq.pivot("variant", index="period", values="value")
    # ITS graduates in technician and skilled-trade jobs are matched under the ISCED-5-aware rule
    assert (by_rule["its_aware"] <= by_rule["eurostat"]).all()
    models = pl.read_parquet(demo / "out" / "latest" / "models.parquet")
    mf = models.filter(pl.col("model_id").str.starts_with("matching_function"))
    assert set(mf["term"]) == {"ln_unemployed_lag1", "ln_vacancies_lag1"}
    beveridge = pl.read_parquet(demo / "out" / "latest" / "beveridge.parquet")
    it = beveridge.filter(pl.col("geo") == "IT").sort("period")
    # the 2021 break starts a new segment, so no line is drawn across it
    assert (
        it.filter(pl.col("period") == "2021")["segment"][0]
        > it.filter(pl.col("period") == "2020")["segment"][0]
    )


def test_matching_function_loses_no_usable_province_year(demo: Path) -> None:
    """Every province-year with hires and both stocks a year earlier enters the fit, counted
    here from the demo's input files and published tables, not from the model code."""
    import csv

    latest = demo / "out" / "latest"
    with (demo / "data" / "hires.csv").open(encoding="utf-8") as fh:
        hires = {
            (r["geo"], int(r["period"])) for r in csv.DictReader(fh) if float(r["hires_n"]) > 0
        }
    panel = pl.read_parquet(latest / "panel.parquet").filter(
        pl.col("measure") == "unemployed_ths",
        pl.col("role") == "unemployment",
        pl.col("sex") == "T",
        pl.col("age") == "Y15-74",
        pl.col("geo").str.starts_with("ITC1"),
        pl.col("geo").str.len_chars() == 5,
        pl.col("value") > 0,
    )
    unemployed = {(g, int(p)) for g, p in panel.select("geo", "period").iter_rows()}
    plans = pl.read_parquet(latest / "hiring_plans.parquet")
    planned = {
        (g, int(p[:4]))
        for g, p, n in plans.group_by("geo_nuts3", "period")
        .agg(pl.col("planned_hires_n").sum())
        .iter_rows()
        if n > 0
    }
    usable = {(g, y) for g, y in hires if (g, y - 1) in unemployed and (g, y - 1) in planned}
    models = pl.read_parquet(latest / "models.parquet")
    mf = models.filter(pl.col("model_id").str.starts_with("matching_function"))
    assert set(mf["nobs"]) == {len(usable)}
    assert len(usable) == 72  # 8 provinces x 9 years
    glance = pl.read_parquet(latest / "models_glance.parquet").filter(
        pl.col("model_id").str.starts_with("matching_function")
    )
    row = glance.row(0, named=True)
    assert 0.0 < row["crs_p_value_bootstrap"] <= 1.0
    assert row["returns_to_scale_low"] < row["returns_to_scale"] < row["returns_to_scale_high"]


def test_commands_exit_with_their_own_codes(demo: Path, tmp_path: Path) -> None:
    from skills.cli import main

    bad = tmp_path / "pub"
    bad.mkdir()
    (bad / "manifest.json").write_text(
        '{"outputs": [{"path": "x.parquet", "sha256": "0", "bytes": 1}]}'
    )
    with pytest.raises(SystemExit) as exc:
        main(["manifest", "verify", str(bad)])
    assert exc.value.code == 1
    with pytest.raises(SystemExit) as exc:
        main(["manifest", "verify", str(demo / "out")])
    assert exc.value.code == 0
