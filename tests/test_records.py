"""Record-level sources in a pipeline: job ads and labour-force person records (Parquet),
aggregated in a streaming query into the aligned panel, checked, and rerun when they change."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import copy_workspace

from skills.cli import main
from skills.errors import ConfigError, InputError
from skills.refresh import refresh
from skills.sources.records import aggregate_records, read_job_ads, read_lfs_microdata
from skills.sources.records.synthetic import generate
from skills.spec import load_spec

ROWS = 20_000

SOURCES = """
[sources.job_ads]
path = "data/job_ads.parquet"

[sources.lfs_microdata]
path = "data/lfs.parquet"
isco_digits = 1
"""


def _records(ws: Path, seed: int) -> None:
    for kind, name in (("job_ads", "job_ads.parquet"), ("lfs", "lfs.parquet")):
        made = generate(kind, ROWS, ws / "gen", seed=seed)
        shutil.copyfile(made, ws / "data" / name)


@pytest.fixture(scope="module")
def published(warm_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's demo workspace with two record sources added and published
    (the warm cache: the demo's own loads are not run again)."""
    root = copy_workspace(warm_workspace, tmp_path_factory.mktemp("records") / "ws")
    spec = root / "pipeline.toml"
    with spec.open("a", encoding="utf-8") as fh:
        fh.write(SOURCES)
    _records(root, seed=1)
    result = refresh(spec, root / "out", report=False)  # the report is tested elsewhere
    assert result.exit_code == 0, result.message
    return root


def test_records_reach_the_panel_with_provenance_and_checks(published: Path) -> None:
    latest = published / "out" / "latest"
    panel = pl.read_parquet(latest / "panel.parquet")
    ads = panel.filter(pl.col("role") == "job_ads").drop("source")
    expected = read_job_ads(published / "data" / "job_ads.parquet").collect().drop("source")
    assert ads.height == expected.height > 0
    assert ads.sort("geo", "period", "isco08", "education_level").equals(
        expected.sort("geo", "period", "isco08", "education_level")
    )
    assert ads["value"].sum() == ROWS  # every ad counted once
    lfs = panel.filter(pl.col("role") == "lfs_microdata")
    assert set(lfs["measure"]) == {"employment_ths", "unemployed_ths"}
    assert set(lfs.drop_nulls("isco08")["isco08"]) <= {*"0123456789", "UNK"}  # isco_digits = 1
    records = pl.read_parquet(published / "data" / "lfs.parquet")
    kept = records.filter(pl.col("status") < 2)  # employed, unemployed
    assert lfs["value"].sum() == pytest.approx(kept["weight"].sum() / 1000, rel=1e-12)

    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    inputs = {i["role"]: i for i in manifest["inputs"]}
    assert inputs["job_ads"]["records"] == ROWS and inputs["job_ads"]["kind"] == "records"
    assert inputs["job_ads"]["rows"] == ads.height
    quality = json.loads((latest / "quality.json").read_text(encoding="utf-8"))
    assert quality["tables"]["job_ads"]["suite"] == "job_ads"
    assert quality["tables"]["lfs_microdata"]["suite"] == "lfs_microdata"
    assert quality["passed"]


def test_changed_records_rerun_their_load_and_the_panel(published: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    generate("job_ads", ROWS, ws / "gen2", seed=2)
    shutil.copyfile(ws / "gen2" / f"job_ads_{ROWS}_s2.parquet", ws / "data" / "job_ads.parquet")
    result = refresh(ws / "pipeline.toml", ws / "out", on_stage=None, report=False)
    assert result.exit_code == 0, result.message
    ran = {s["stage"] for s in result.as_dict()["stages"] if s["status"] == "ran"}
    assert {"load:job_ads", "panel"} <= ran
    assert "load:lfs_microdata" not in ran and "load:employment" not in ran
    panel = pl.read_parquet(ws / "out" / "latest" / "panel.parquet")
    new = read_job_ads(ws / "data" / "job_ads.parquet").collect()
    got = panel.filter(pl.col("role") == "job_ads")
    assert got.height == new.height
    assert got.select(pl.col("value").sum()).item() == ROWS


def test_records_on_duckdb_from_a_folder_publish_the_same_panel(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The job ads split into parts, read by DuckDB: the same panel rows; the manifest
    names the engine and the files; a bad part stops the run naming it."""
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    parts = ws / "data" / "ads_parts"
    parts.mkdir()
    ads = pl.read_parquet(ws / "data" / "job_ads.parquet")
    for i, part in enumerate(ads.iter_slices(7_000)):
        part.write_parquet(parts / f"part-{i}.parquet")
    spec = ws / "pipeline.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace('path = "data/job_ads.parquet"', 'path = "data/ads_parts"\nengine = "duckdb"'),
        encoding="utf-8",
    )
    result = refresh(spec, ws / "out", report=False)
    assert result.exit_code == 0, result.message
    latest = ws / "out" / "latest"
    before = pl.read_parquet(published / "out" / "latest" / "panel.parquet")
    after = pl.read_parquet(latest / "panel.parquet")
    assert (
        after.filter(pl.col("role") == "job_ads")
        .drop("source")
        .equals(before.filter(pl.col("role") == "job_ads").drop("source"))
    )
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    item = {i["role"]: i for i in manifest["inputs"]}["job_ads"]
    assert (item["engine"], item["files"], item["records"]) == ("duckdb", 3, ROWS)

    pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5)],
            "geo_nuts3": ["ITX99"],
            "isco08": ["2512"],
            "education_level": [None],
        },
        schema_overrides={"education_level": pl.String},
    ).write_parquet(parts / "part-9.parquet")
    published_before = (latest / "manifest.json").read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(spec), "--out", str(ws / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1, err
    assert "ads_parts" in err and "geo_nuts3" in err and "ITX99" in err, err
    assert (latest / "manifest.json").read_bytes() == published_before


def _drop_isco(ws: Path) -> None:
    path = ws / "data" / "job_ads.parquet"
    pl.read_parquet(path).drop("isco08").write_parquet(path)


def _unknown_province(ws: Path) -> None:
    pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5), datetime(2024, 2, 5)],
            "geo_nuts3": ["ITC11", "ITX99"],
            "isco08": ["2512", "3115"],
            "education_level": ["its_academy", None],
        }
    ).write_parquet(ws / "data" / "job_ads.parquet")


def _negative_weight(ws: Path) -> None:
    path = ws / "data" / "lfs.parquet"
    frame = pl.read_parquet(path)
    frame.with_columns(pl.col("weight") * -1).write_parquet(path)


@pytest.mark.parametrize(
    ("corrupt", "texts"),
    [
        (_drop_isco, ["job_ads.parquet", "column 'isco08': missing"]),
        (_unknown_province, ["job_ads.parquet", "a code not in its code list", "ITX99"]),
        (_negative_weight, ["lfs_microdata", "expect_column_values_to_be_between on value"]),
    ],
    ids=["missing column", "unknown code", "negative weights"],
)
def test_bad_records_stop_the_run_and_keep_the_publication(
    published: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
    corrupt: object,
    texts: list[str],
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    before = snapshot(ws / "out")
    assert callable(corrupt)
    corrupt(ws)
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1, err
    for text in texts:
        assert text in err, f"{text!r} not in:\n{err}"
    assert snapshot(ws / "out") == before


# ----------------------------------------------------------------------------- spec
def _spec(tmp_path: Path, body: str) -> Path:
    (tmp_path / "ads.parquet").write_bytes(b"")
    path = tmp_path / "pipeline.toml"
    path.write_text(f'[pipeline]\nname = "t"\nregion = "ITC1"\n{body}', encoding="utf-8")
    return path


def test_spec_reads_record_sources_and_their_options(tmp_path: Path) -> None:
    spec = load_spec(
        _spec(
            tmp_path,
            '[sources.job_ads]\npath = "ads.parquet"\nisco_digits = 2\nperiod = "quarter"\n',
        )
    )
    src = spec.sources["job_ads"]
    assert src.kind == "records" and src.path == tmp_path / "ads.parquet"
    assert dict(src.options) == {"isco_digits": 2, "period": "quarter"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('path = "ads.parquet"\nisco_digits = 4\n', "isco_digits must be 1, 2 or 3"),
        ('path = "ads.parquet"\nperiod = "week"\n', "period must be"),
        ('path = "ads.parquet"\nsheet = "x"\n', "sheet"),
        ("isco_digits = 2\n", "exactly one of 'path'"),
    ],
)
def test_spec_rejects_bad_record_options(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_spec(_spec(tmp_path, f"[sources.job_ads]\n{body}"))


def test_spec_wants_parquet_and_lfs_has_no_period(tmp_path: Path) -> None:
    (tmp_path / "ads.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="record-level sources are Parquet files"):
        load_spec(_spec(tmp_path, '[sources.job_ads]\npath = "ads.csv"\n'))
    with pytest.raises(ConfigError, match="job_ads only"):
        load_spec(
            _spec(tmp_path, '[sources.lfs_microdata]\npath = "ads.parquet"\nperiod = "month"\n')
        )


def test_aggregate_records_api(tmp_path: Path) -> None:
    path = generate("lfs", 2_000, tmp_path, seed=4)
    frame = aggregate_records("lfs_microdata", path, source_label="lfs")
    assert frame.equals(read_lfs_microdata(path, source_label="lfs").collect())
    with pytest.raises(InputError, match="no such Parquet file"):
        aggregate_records("job_ads", tmp_path / "none.parquet")
    with pytest.raises(ValueError, match="unknown record-level role"):
        aggregate_records("hires", path)
