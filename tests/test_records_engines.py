"""The record-level aggregation on other engines (DuckDB, Spark, the portable query on
Polars) gives the default path's panel cell for cell, refuses bad input naming the file
and the column, and is reached from the spec and the CLI."""

from __future__ import annotations

import os
import sys
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from skills.cli import main
from skills.errors import ConfigError, InputError
from skills.sources.records import aggregate_on_engine, aggregate_records, aggregate_to_parquet
from skills.sources.records.codes import EDUCATION_LEVELS
from skills.sources.records.engines import location_digest, scan, spark_session
from skills.sources.records.metadata import read_records
from skills.sources.records.synthetic import generate
from skills.spec import load_spec

#: Engines every run tests (DuckDB is in the dev requirements); Spark has its own tests.
ALWAYS = ("polars", "duckdb")
ROLE = {"job_ads": "job_ads", "lfs": "lfs_microdata"}
VARIANTS: dict[str, tuple[dict[str, Any], ...]] = {
    "job_ads": ({}, {"isco_digits": 2}, {"period": "quarter", "isco_digits": 1}),
    "lfs": ({}, {"isco_digits": 1}, {"thousands": False}),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Generated files of both kinds in both encodings (integer codes, text codes)."""
    root = tmp_path_factory.mktemp("engines")
    return {
        (kind, encoding): generate(kind, 5_000, root / encoding, seed=11, encoding=encoding)
        for kind in ("job_ads", "lfs")
        for encoding in ("codes", "strings")
    }


def _default(kind: str, path: Path, **options: Any) -> pl.DataFrame:
    return aggregate_records(ROLE[kind], path, **options)


# ----------------------------------------------------------------------------- parity
@pytest.mark.parametrize("engine", ALWAYS)
@pytest.mark.parametrize("encoding", ["codes", "strings"])
@pytest.mark.parametrize("kind", ["job_ads", "lfs"])
def test_each_engine_gives_the_default_panel(
    files: dict[tuple[str, str], Path], kind: str, encoding: str, engine: str
) -> None:
    path = files[kind, encoding]
    for options in VARIANTS[kind]:
        expected = _default(kind, path, **options)
        got = aggregate_on_engine(kind, path, engine, **options)
        assert expected.height > 100
        assert_frame_equal(got, expected)


def test_duckdb_reads_a_folder_of_parts_as_one_source(tmp_path: Path) -> None:
    whole = generate("job_ads", 3_000, tmp_path / "whole", seed=5, encoding="strings")
    records = pl.read_parquet(whole)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, part in enumerate(records.iter_slices(1_000)):
        part.write_parquet(parts / f"part-{i}.parquet")
    got = aggregate_on_engine("job_ads", parts, "duckdb", source_label="ads")
    assert_frame_equal(got, aggregate_records("job_ads", whole, source_label="ads"))


def test_job_ad_counts_match_a_plain_python_count(tmp_path: Path) -> None:
    """An independent computation: the records counted with collections.Counter."""
    path = generate("job_ads", 2_000, tmp_path, seed=9, encoding="strings")
    rows = pl.read_parquet(path).select(
        pl.col("geo_nuts3", "isco08", "education_level").cast(pl.String), "posted_on"
    )
    counted = Counter(
        (geo, f"{when.year}-{when.month:02d}", isco[:3], edu or "UNK")
        for geo, isco, edu, when in rows.iter_rows()
    )
    panel = aggregate_on_engine("job_ads", path, "duckdb")
    got = {
        (r["geo"], r["period"], r["isco08"], r["education_level"]): r["value"]
        for r in panel.iter_rows(named=True)
    }
    assert got == {k: float(v) for k, v in counted.items()}


_DAYS = st.dates(min_value=date(1999, 12, 1), max_value=date(2001, 2, 28))
_TIMES = st.times()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), _DAYS),
            st.one_of(st.none(), _TIMES),
            st.one_of(st.none(), st.sampled_from(["ITC11", "ITC12", "ITC4C", "ITF33"])),
            st.one_of(st.none(), st.integers(0, 9999).map(lambda i: f"{i:04d}")),
            st.one_of(st.none(), st.sampled_from(EDUCATION_LEVELS)),
        ),
        min_size=1,
        max_size=60,
    ),
    timestamps=st.booleans(),
    period=st.sampled_from(["month", "quarter"]),
)
def test_property_duckdb_equals_the_default_on_any_records(
    tmp_path: Path, rows: list[Any], timestamps: bool, period: str
) -> None:
    """Nulls anywhere, month and year ends, leap days, the last millisecond of a day."""
    posted = [
        None
        if day is None
        else (datetime.combine(day, (t or time()).replace(microsecond=0)) if timestamps else day)
        for day, t, *_ in rows
    ]
    frame = pl.DataFrame(
        {
            "posted_on": pl.Series(posted, dtype=pl.Datetime("ms") if timestamps else pl.Date),
            "geo_nuts3": [r[2] for r in rows],
            "isco08": [r[3] for r in rows],
            "education_level": [r[4] for r in rows],
        },
        schema_overrides={"geo_nuts3": pl.String, "isco08": pl.String},
    )
    path = tmp_path / f"ads_{os.getpid()}.parquet"
    frame.write_parquet(path)
    expected = aggregate_records("job_ads", path, period=period)
    assert_frame_equal(aggregate_on_engine("job_ads", path, "duckdb", period=period), expected)
    assert expected["value"].sum() == len(rows)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["ITC1", "ITC4", "ITF3"]),
            st.sampled_from(["2022-Q4", "2023-Q1"]),
            st.sampled_from(["employed", "unemployed", "inactive"]),
            st.one_of(st.none(), st.integers(0, 9999).map(lambda i: f"{i:04d}")),
            st.sampled_from([f"ED{i}" for i in range(9)]),
            st.integers(1, 4_000).map(lambda w: w / 4),  # exact binary fractions
        ),
        min_size=1,
        max_size=60,
    ),
    digits=st.integers(1, 3),
)
def test_property_duckdb_equals_the_default_on_any_lfs_records(
    tmp_path: Path, rows: list[Any], digits: int
) -> None:
    names = ("geo_nuts2", "period", "status", "isco08", "isced11", "weight")
    frame = pl.DataFrame(
        dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)),
        schema_overrides={"isco08": pl.String},
    )
    path = tmp_path / f"lfs_{os.getpid()}.parquet"
    frame.write_parquet(path)
    expected = aggregate_records("lfs_microdata", path, isco_digits=digits)
    got = aggregate_on_engine("lfs", path, "duckdb", isco_digits=digits)
    assert_frame_equal(got, expected)


# ----------------------------------------------------------------------------- bad input
def _ads(tmp_path: Path, **columns: Any) -> Path:
    base: dict[str, Any] = {
        "posted_on": [date(2024, 1, 2), date(2024, 2, 3)],
        "geo_nuts3": ["ITC11", "ITC12"],
        "isco08": ["2512", "7223"],
        "education_level": ["university", None],
    }
    base.update(columns)
    path = tmp_path / "ads.parquet"
    pl.DataFrame({k: v for k, v in base.items() if v is not None}).write_parquet(path)
    return path


BAD_ADS: list[tuple[dict[str, Any], str, str]] = [
    ({"isco08": None}, "isco08", "missing"),
    ({"geo_nuts3": ["ITC11", "XX999"]}, "geo_nuts3", "'XX999' is not in its code list"),
    ({"isco08": ["2512", "72A3"]}, "isco08", "'72A3' is not an ISCO-08 unit group"),
    ({"isco08": [2512, 12345]}, "isco08", "12345 is not an ISCO-08 unit group"),
    ({"isco08": [2512, -7]}, "isco08", "-7 is not an ISCO-08 unit group"),
    ({"geo_nuts3": [0, 500]}, "geo_nuts3", "code 500 is outside its code list"),
    ({"posted_on": ["2024-01-02", "2024-02-03"]}, "posted_on", "must be a Date or Datetime"),
    ({"posted_on": [date(2024, 1, 2), date(2150, 1, 1)]}, "posted_on", "outside 1900-2099"),
    ({"isco08": [1.5, 2.5]}, "isco08", "text or integer codes"),
]


@pytest.mark.parametrize("engine", ALWAYS)
@pytest.mark.parametrize(("columns", "column", "message"), BAD_ADS)
def test_bad_job_ads_are_refused_naming_file_and_column(
    tmp_path: Path, engine: str, columns: dict[str, Any], column: str, message: str
) -> None:
    path = _ads(tmp_path, **columns)
    with pytest.raises(InputError, match=message) as caught:
        aggregate_on_engine("job_ads", path, engine)
    assert caught.value.column == column
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("engine", ALWAYS)
def test_bad_lfs_records_are_refused(tmp_path: Path, engine: str) -> None:
    good = {
        "geo_nuts2": ["ITC1", "ITC1"],
        "period": ["2023-Q1", "2023-Q2"],
        "status": ["employed", "unemployed"],
        "isco08": ["2512", None],
        "isced11": ["ED3", "ED6"],
        "weight": [100.0, 50.0],
    }
    path = tmp_path / "lfs.parquet"
    for change, column, message in (
        ({"status": ["employed", "retired"]}, "status", "'retired' is not in its code list"),
        ({"isced11": ["ED3", "ED9"]}, "isced11", "'ED9' is not in its code list"),
        ({"isced11": [3, 9]}, "isced11", "code 9 is outside its code list"),
        ({"weight": ["1", "2"]}, "weight", "must be numeric"),
        ({"period": ["2023-Q1", "2023Q2"]}, "period", "'2023Q2' is not in its code list"),
    ):
        pl.DataFrame({**good, **change}).write_parquet(path)
        with pytest.raises(InputError, match=message) as caught:
            aggregate_on_engine("lfs", path, engine)
        assert caught.value.column == column


@pytest.mark.parametrize("engine", ALWAYS)
def test_missing_or_broken_sources_are_input_errors(tmp_path: Path, engine: str) -> None:
    with pytest.raises(InputError, match="no such Parquet file"):
        aggregate_on_engine("job_ads", tmp_path / "none.parquet", engine)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a readable Parquet source") as caught:
        aggregate_on_engine("job_ads", broken, engine)
    assert str(broken) in str(caught.value)


def test_engine_faults_are_input_errors_only_when_about_the_data() -> None:
    """A source the engine cannot read is the operator's input (exit 1); a lost session
    or job is a fault that may pass (exit 3), not blamed on the data."""
    from skills.sources.records.engines import EngineError, engine_fault

    class AnalysisException(Exception):  # noqa: N818 (named as PySpark names it)
        pass

    class SparkConnectGrpcException(Exception):  # noqa: N818
        pass

    data = engine_fault(AnalysisException("[PATH_NOT_FOUND] no\nstack"), "s3a://b/x", "reading")
    assert isinstance(data, InputError) and data.exit_code == 1
    assert str(data) == "s3a://b/x: reading ([PATH_NOT_FOUND] no)"
    assert isinstance(engine_fault(OSError("gone"), "f.parquet", "reading"), InputError)
    lost = engine_fault(SparkConnectGrpcException("UNAVAILABLE"), "s3a://b/x", "counting")
    assert isinstance(lost, EngineError) and lost.exit_code == 3
    assert "SparkConnectGrpcException: UNAVAILABLE" in str(lost) and "s3a://b/x" in str(lost)


def test_a_time_zone_aware_date_is_refused_off_polars(tmp_path: Path) -> None:
    # 00:30 on 1 February in Rome is still January in UTC: the month depends on the zone
    stamps = pl.Series([datetime(2024, 2, 1, 0, 30)]).dt.replace_time_zone("Europe/Rome")
    path = _ads(tmp_path, posted_on=stamps.extend(stamps), geo_nuts3=["ITC11"] * 2)
    with pytest.raises(InputError, match="time-zone-aware") as caught:
        aggregate_on_engine("job_ads", path, "duckdb")
    assert caught.value.column == "posted_on"
    assert set(aggregate_records("job_ads", path)["period"]) == {"2024-02"}  # wall time


def test_unknown_and_missing_engines_are_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ads(tmp_path)
    with pytest.raises(ConfigError, match="unknown engine 'dask'"):
        aggregate_on_engine("job_ads", path, "dask")
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ConfigError, match=r"pip install 'skills\[spark\]'"):
        spark_session("local[1]")
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(ConfigError, match="needs DuckDB"):
        scan(path, "duckdb")


def test_spark_without_java_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        pytest.skip("a Spark session is already running in this process")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="needs Java 17 or 21"):
        spark_session("local[1]")


# ----------------------------------------------------------------------------- spec, CLI
def _cli(args: list[str]) -> int:
    """Run the command line as the shell does; its exit code."""
    with pytest.raises(SystemExit) as done:
        main(args)
    return int(done.value.code or 0)


def _spec(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pipeline.toml"
    path.write_text(f'[pipeline]\nname = "t"\nregion = "ITC1"\n{body}', encoding="utf-8")
    return path


def test_spec_takes_an_engine_a_master_a_folder_and_a_uri(tmp_path: Path) -> None:
    (tmp_path / "ads.parquet").write_bytes(b"")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "p0.parquet").write_bytes(b"")
    spec = load_spec(_spec(tmp_path, '[sources.job_ads]\npath = "parts"\nengine = "duckdb"\n'))
    src = spec.sources["job_ads"]
    assert src.path == tmp_path / "parts" and dict(src.options) == {"engine": "duckdb"}
    spec = load_spec(
        _spec(
            tmp_path,
            '[sources.job_ads]\nuri = "s3a://bucket/ads/"\nengine = "spark"\n'
            'master = "spark://head:7077"\n',
        )
    )
    src = spec.sources["job_ads"]
    assert src.path is None and src.uri == "s3a://bucket/ads/" == src.location
    assert dict(src.options) == {"engine": "spark", "master": "spark://head:7077"}
    spec = load_spec(_spec(tmp_path, '[sources.job_ads]\npath = "ads.parquet"\n'))
    assert dict(spec.sources["job_ads"].options) == {}  # polars, the default, not recorded


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('path = "ads.parquet"\nengine = "dask"\n', "engine must be one of"),
        ('path = "ads.parquet"\nmaster = "local[2]"\n', 'needs engine = "spark"'),
        ('uri = "s3a://b/ads/"\n', 'needs engine = "spark"'),
        ('uri = "s3a://b/ads/"\nengine = "duckdb"\n', 'needs engine = "spark"'),
        ('uri = "ads.parquet"\nengine = "spark"\n', 'needs engine = "spark"'),
        ('path = "ads.parquet"\nuri = "s3a://b/"\nengine = "spark"\n', "exactly one of"),
        ('path = "parts"\n', "file not found"),  # a folder needs an engine that reads one
        ('path = "empty"\nengine = "duckdb"\n', r"no \.parquet file"),
    ],
)
def test_spec_refuses_bad_engine_keys(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "ads.parquet").write_bytes(b"")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "p0.parquet").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=message):
        load_spec(_spec(tmp_path, f"[sources.job_ads]\n{body}"))


def test_a_spec_source_on_duckdb_loads_the_same_rows_with_provenance(
    files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    from skills._fileio import file_sha256
    from skills.loading import load_source, source_digest

    path = files["job_ads", "strings"]
    loaded = {}
    for engine in ("polars", "duckdb"):
        spec = load_spec(
            _spec(tmp_path, f'[sources.job_ads]\npath = "{path}"\nengine = "{engine}"\n')
        )
        loaded[engine] = load_source(spec, spec.sources["job_ads"])
    assert_frame_equal(loaded["duckdb"].frame.collect(), loaded["polars"].frame.collect())
    provenance = loaded["duckdb"].provenance
    assert provenance["engine"] == "duckdb" and "engine" not in loaded["polars"].provenance
    assert provenance["sha256"] == file_sha256(path) == loaded["polars"].provenance["sha256"]
    assert provenance["records"] == 5_000 == loaded["polars"].provenance["records"]

    parts = tmp_path / "parts"
    parts.mkdir()
    for i, part in enumerate(pl.read_parquet(path).iter_slices(2_000)):
        part.write_parquet(parts / f"p{i}.parquet")
    spec = load_spec(_spec(tmp_path, '[sources.job_ads]\npath = "parts"\nengine = "duckdb"\n'))
    src = spec.sources["job_ads"]
    item = load_source(spec, src)
    assert item.provenance["records"] == 5_000 and item.provenance["files"] == 3
    assert item.provenance["sha256"] == source_digest(src)[0]
    assert_frame_equal(
        item.frame.collect().drop("source"), loaded["polars"].frame.collect().drop("source")
    )


def test_a_folder_digest_changes_with_any_part(tmp_path: Path) -> None:
    for i in range(2):
        pl.DataFrame({"a": [i]}).write_parquet(tmp_path / f"p{i}.parquet")
    before, size, n = location_digest(tmp_path)
    assert n == 2 and size == sum(p.stat().st_size for p in tmp_path.glob("*.parquet"))
    assert location_digest(tmp_path)[0] == before
    pl.DataFrame({"a": [7]}).write_parquet(tmp_path / "p1.parquet")
    assert location_digest(tmp_path)[0] != before


def test_cli_aggregates_on_duckdb_and_checks_its_options(
    files: dict[tuple[str, str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = files["job_ads", "codes"]
    out = tmp_path / "panel.parquet"
    assert (
        _cli(["bench", "aggregate", "job_ads", str(path), "--out", str(out), "--engine", "duckdb"])
        == 0
    )
    assert "engine duckdb" in capsys.readouterr().out
    assert_frame_equal(pl.read_parquet(out), aggregate_records("job_ads", path))
    for extra, message in (
        (["--engine", "dask"], "unknown engine"),
        (["--master", "local[2]"], "--master is for --engine spark"),
    ):
        code = _cli(["bench", "aggregate", "job_ads", str(path), "--out", str(out), *extra])
        assert code == 2 and message in capsys.readouterr().err
    code = _cli(["bench", "aggregate", "job_ads", "s3a://b/ads/", "--out", str(out)])
    assert code == 2 and "use --engine spark" in capsys.readouterr().err


def test_aggregate_to_parquet_on_an_engine_writes_atomically(tmp_path: Path) -> None:
    out = tmp_path / "panel.parquet"
    out.write_bytes(b"the previous panel")
    bad = _ads(tmp_path, geo_nuts3=["ITC11", "XX999"])
    with pytest.raises(InputError):
        aggregate_to_parquet("job_ads", bad, out, engine="duckdb")
    assert out.read_bytes() == b"the previous panel"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.parquet", "panel.parquet"]


# ----------------------------------------------------------------------------- Spark
@pytest.mark.parametrize("encoding", ["codes", "strings"])
@pytest.mark.parametrize("kind", ["job_ads", "lfs"])
def test_spark_gives_the_default_panel(
    spark: Any, files: dict[tuple[str, str], Path], kind: str, encoding: str
) -> None:
    path = files[kind, encoding]
    for options in VARIANTS[kind]:
        got = aggregate_records(ROLE[kind], path, engine="spark", **options)
        assert_frame_equal(got, _default(kind, path, **options))


def test_spark_session_stays_on_loopback(spark: Any) -> None:
    assert spark.conf.get("spark.driver.host") == "127.0.0.1"
    assert spark.conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert os.environ["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert spark.sparkContext.master.startswith("local")


def test_spark_refuses_bad_input_naming_file_and_column(spark: Any, tmp_path: Path) -> None:
    for columns, column, message in BAD_ADS[:4]:
        path = _ads(tmp_path, **columns)
        with pytest.raises(InputError, match=message) as caught:
            aggregate_records("job_ads", path, engine="spark")
        assert caught.value.column == column and str(path) in str(caught.value)
    with pytest.raises(InputError, match="no such Parquet file"):
        aggregate_records("job_ads", tmp_path / "none", engine="spark")
    with pytest.raises(InputError, match="not a readable Parquet source") as missing:
        aggregate_records("job_ads", (tmp_path / "none").as_uri(), engine="spark")
    assert "none" in str(missing.value)


def test_spark_reads_a_uri_and_fingerprints_its_listing(
    spark: Any, files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    from skills.loading import load_source

    path = files["lfs", "codes"]
    uri = path.resolve().as_uri()  # file:///...: the URI form a cluster path takes
    spec = load_spec(_spec(tmp_path, f'[sources.lfs_microdata]\nuri = "{uri}"\nengine = "spark"\n'))
    item = load_source(spec, spec.sources["lfs_microdata"])
    expected = aggregate_records("lfs_microdata", path).drop("source")
    assert_frame_equal(item.frame.collect().drop("source"), expected)
    assert item.provenance["records"] == 5_000 and item.provenance["files"] == 1
    assert item.provenance["bytes"] == path.stat().st_size
    digest = location_digest(uri)[0]
    assert item.provenance["sha256"] == digest
    os.utime(path, (1_000_000_000, 1_000_000_000))  # the file rewritten: a new listing
    assert location_digest(uri)[0] != digest


def test_cli_runs_on_spark(spark: Any, files: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    path = files["job_ads", "strings"]
    out = tmp_path / "panel.parquet"
    args = ["bench", "aggregate", "job_ads", str(path), "--out", str(out)]
    assert _cli([*args, "--engine", "spark", "--master", "local[2]"]) == 0
    assert_frame_equal(pl.read_parquet(out), aggregate_records("job_ads", path))


def _run_probe(
    tmp_path: Path, launcher: list[str], first: str, args: list[str], env: dict[str, str]
) -> str:
    """Run a script that runs ``first`` (Python statements) and then the ``skills``
    command line with ``args``, started by ``launcher`` (python or spark-submit) in the
    environment ``env`` added to this one; its standard output (a failure: stderr)."""
    import subprocess

    import skills

    probe = tmp_path / "probe.py"
    probe.write_text(
        f"{first}\nimport sys\nfrom skills.cli import main\nmain(sys.argv[1:])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [*launcher, str(probe), *args],
        env={
            **os.environ,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
            "PYTHONPATH": os.pathsep.join([str(Path(skills.__file__).parents[1]), *sys.path]),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


#: Prints which session the package takes: its module (classic or Connect) and master.
_PROBE = (
    "from skills.sources.records.engines import spark_session\n"
    "session = spark_session()\n"
    "print('SESSION', type(session).__module__, session.conf.get('spark.master'))"
)


def test_spark_submit_supplies_the_master_and_the_cli_runs_under_it(
    spark: Any, files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    """The cluster path of docs/scale.md: ``spark-submit --master M script bench
    aggregate ... --engine spark`` uses spark-submit's session, not ``local[*]``."""
    import pyspark

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    path = files["job_ads", "codes"]
    out = tmp_path / "panel.parquet"
    loopback = [
        f"--conf=spark.{key}" for key in ("driver.host=127.0.0.1", "driver.bindAddress=127.0.0.1")
    ]
    stdout = _run_probe(
        tmp_path,
        [str(submit), "--master", "local[1]", *loopback, "--conf=spark.ui.enabled=false"],
        _PROBE,
        ["bench", "aggregate", "job_ads", str(path), "--out", str(out), "--engine", "spark"],
        {},
    )
    assert "SESSION pyspark.sql.session local[1]" in stdout
    assert_frame_equal(pl.read_parquet(out), aggregate_records("job_ads", path))


def test_spark_remote_runs_the_cli_on_spark_connect(
    spark: Any, files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    """``SPARK_REMOTE`` (Spark Connect): here a local Connect server (``local[2]``) that
    the client starts, its gRPC port bound to 127.0.0.1; the panel is the default's."""
    path = files["lfs", "strings"]
    out = tmp_path / "panel.parquet"
    stdout = _run_probe(
        tmp_path,
        [sys.executable],
        _PROBE,
        ["bench", "aggregate", "lfs", str(path), "--out", str(out), "--engine", "spark"],
        {
            "SPARK_REMOTE": "local[2]",
            "PYSPARK_SUBMIT_ARGS": "--conf spark.connect.grpc.binding.address=127.0.0.1 "
            "--conf spark.ui.enabled=false pyspark-shell",
        },
    )
    assert "SESSION pyspark.sql.connect.session" in stdout
    assert_frame_equal(pl.read_parquet(out), aggregate_records("lfs_microdata", path))


def test_a_folder_of_integer_coded_parts_takes_its_code_lists_from_the_parts(
    tmp_path: Path,
) -> None:
    """Generated files carry their code lists in their metadata; a folder of them (as a
    cluster job writes parts) is read with those lists, not the defaults."""
    parts = tmp_path / "parts"
    for seed in (1, 2):
        made = generate("lfs", 1_500, tmp_path / f"g{seed}", seed=seed)
        parts.mkdir(exist_ok=True)
        made.rename(parts / f"part-{seed}.parquet")
    whole = pl.concat([pl.read_parquet(p) for p in sorted(parts.iterdir())])
    decoded = pl.concat([read_records(p).collect() for p in sorted(parts.iterdir())]).with_columns(
        pl.col("geo_nuts2", "period", "status").cast(pl.String)
    )
    assert whole["geo_nuts2"].dtype.is_integer()  # integer codes: the lists matter
    text = tmp_path / "text.parquet"
    decoded.write_parquet(text)
    expected = aggregate_records("lfs_microdata", text, source_label="x")
    assert_frame_equal(aggregate_on_engine("lfs", parts, "duckdb", source_label="x"), expected)
