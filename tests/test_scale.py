"""Scale: the synthetic generator, the streaming aggregations and the benchmark harness.

Tiny sizes only; the real 1M-50M row benchmarks are ``python benchmarks/run.py`` (see
BENCHMARKS.md), not part of the test suite.
"""

from __future__ import annotations

import json
import math
import re
import signal
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from benchmarks.harness import WORKER, compare_outputs, measure, summary_markdown
from skills.align import PANEL_SCHEMA
from skills.errors import InputError
from skills.sources.records import codes
from skills.sources.records.metadata import code_lists, file_info
from skills.sources.records.streaming import (
    JOB_ADS_COLUMNS,
    LFS_COLUMNS,
    STRATEGIES,
    aggregate,
    aggregate_file,
    aggregate_job_ads,
    aggregate_lfs,
    chosen_strategy,
    pack_key,
    unpack_key,
)
from skills.sources.records.synthetic import (
    ENCODINGS,
    KINDS,
    LFS_QUARTERS,
    data_path,
    generate,
)

ROWS = 3_000
GROUP = 1_000  # rows per row group: three row groups


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("scale")
    return {
        (kind, enc): generate(kind, ROWS, folder, seed=7, encoding=enc, row_group_rows=GROUP)
        for kind in KINDS
        for enc in ENCODINGS
    }


# ----------------------------------------------------------------------------- code lists
def test_code_lists_are_well_formed() -> None:
    assert len(codes.NUTS2_CODES) == 244 == len(set(codes.NUTS2_CODES))
    assert all(re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2}", c) for c in codes.NUTS2_CODES)
    assert list(codes.NUTS2_CODES) == sorted(codes.NUTS2_CODES)
    from skills.classifications import isco08_groups, nuts_regions

    italy = nuts_regions(2021).filter(pl.col("nuts_level") == 2)["nuts_code"].to_list()
    assert [c for c in codes.NUTS2_CODES if c.startswith("IT")] == sorted(
        c for c in italy if not c.endswith("ZZ")
    )
    nuts3 = codes.nuts3_codes()
    assert len(nuts3) == 107 and all(re.fullmatch(r"IT[A-Z][0-9A-Z]{2}", c) for c in nuts3)
    units = codes.isco08_units()
    assert len(units) == 436 == len(set(units)) and list(units) == sorted(units)
    minors = set(isco08_groups().filter(pl.col("level") == 3)["isco08"])
    assert all(len(u) == 4 and u.isdigit() and u[:3] in minors for u in units)
    assert {u[:3] for u in units} == minors
    assert codes.ISCO4_ALL[2512] == "2512" and len(codes.ISCO4_ALL) == 10_000
    assert codes.QUARTERS_ALL[(2023 - codes.QUARTER_FIRST_YEAR) * 4 + 2] == "2023-Q3"


@pytest.mark.realdata
def test_code_lists_match_the_reference_classifications(shared_data: Path) -> None:
    import csv

    reference = shared_data / "classifications"
    with (reference / "isco08_structure_full_esco.csv").open(encoding="utf-8") as f:
        ref_units = {r["isco08_code"] for r in csv.DictReader(f) if r["level"] == "4"}
    assert set(codes.isco08_units()) == ref_units
    with (reference / "nuts2021_eu27_levels1-3.csv").open(encoding="utf-8") as f:
        ref_nuts2 = {
            r["nuts_code"]
            for r in csv.DictReader(f)
            if r["nuts_level"] == "2" and not r["nuts_code"].endswith("ZZ")
        }
    assert set(codes.NUTS2_CODES) == ref_nuts2
    assert set(codes.nuts3_codes()) == {
        r for r in _reference_nuts3(reference) if r.startswith("IT") and not r.endswith("ZZZ")
    }


def _reference_nuts3(reference: Path) -> set[str]:
    import csv

    with (reference / "nuts2021_eu27_levels1-3.csv").open(encoding="utf-8") as f:
        return {r["nuts_code"] for r in csv.DictReader(f) if r["nuts_level"] == "3"}


def test_panel_columns_match_the_aligned_panel() -> None:
    assert list(codes.PANEL_COLUMNS) == list(PANEL_SCHEMA)


# ----------------------------------------------------------------------------- generator
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_generator_is_deterministic(tmp_path: Path, kind: str, encoding: str) -> None:
    a = generate(kind, 2_500, tmp_path / "a", seed=11, encoding=encoding, row_group_rows=1_000)
    b = generate(kind, 2_500, tmp_path / "b", seed=11, encoding=encoding, row_group_rows=1_000)
    c = generate(kind, 2_500, tmp_path / "c", seed=12, encoding=encoding, row_group_rows=1_000)
    assert a.name == b.name == data_path(kind, 2_500, ".", 11, encoding=encoding).name
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert pq.ParquetFile(a).metadata.num_row_groups == 3


def test_generator_reuses_a_matching_file(tmp_path: Path) -> None:
    path = generate("job_ads", 500, tmp_path, seed=1)
    stamp = path.stat().st_mtime_ns
    assert generate("job_ads", 500, tmp_path, seed=1) == path
    assert path.stat().st_mtime_ns == stamp
    generate("job_ads", 500, tmp_path, seed=1, overwrite=True)
    assert not list(tmp_path.glob(".*.tmp"))


def test_generator_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        generate("vacancies", 10, tmp_path)
    with pytest.raises(ValueError, match="unknown encoding"):
        generate("lfs", 10, tmp_path, encoding="csv")
    with pytest.raises(ValueError, match="at least 1"):
        generate("lfs", 0, tmp_path)


def test_job_ads_schema_and_values(files: dict[tuple[str, str], Path]) -> None:
    path = files["job_ads", "codes"]
    frame = pl.read_parquet(path)
    expected: dict[str, pl.DataType] = {
        "ad_id": pl.Int64(),
        "posted_on": pl.Datetime("ms"),
        "geo_nuts3": pl.UInt8(),
        "isco08": pl.UInt16(),
        "education_level": pl.UInt8(),
        "contract": pl.UInt8(),
    }
    assert frame.schema == pl.Schema(expected)
    assert frame.height == ROWS and frame["ad_id"].to_list() == list(range(ROWS))
    info = file_info(path)
    assert info is not None and info["label"] == "synthetic scale data"
    assert info["codes"]["geo_nuts3"] == list(codes.nuts3_codes())
    assert info["codes"]["education_level"] == list(codes.EDUCATION_LEVELS)
    assert frame["geo_nuts3"].max() < 107  # type: ignore[operator]
    units = {int(u) for u in codes.isco08_units()}
    assert set(frame["isco08"].to_list()) <= units
    assert frame["education_level"].null_count() > 0  # "not stated" exists
    days = frame["posted_on"].dt.date()
    assert str(days.min()) >= "2020-01-01" and str(days.max()) <= "2024-12-31"
    assert (frame["posted_on"].dt.hour() == 0).all()


def test_lfs_schema_and_values(files: dict[tuple[str, str], Path]) -> None:
    frame = pl.read_parquet(files["lfs", "codes"])
    assert frame.schema == pl.Schema(
        {
            "person_id": pl.Int64,
            "geo_nuts2": pl.UInt8,
            "period": pl.UInt8,
            "sex": pl.UInt8,
            "age": pl.Int8,
            "status": pl.UInt8,
            "isco08": pl.UInt16,
            "isced11": pl.UInt8,
            "weight": pl.Float64,
        }
    )
    assert frame["period"].max() == len(LFS_QUARTERS) - 1
    assert frame["isced11"].is_between(0, 8).all()
    assert frame["age"].is_between(15, 74).all()
    # the inactive have no occupation; the employed always have one
    inactive = frame.filter(pl.col("status") == codes.STATUSES.index("inactive"))
    employed = frame.filter(pl.col("status") == codes.STATUSES.index("employed"))
    assert inactive["isco08"].null_count() == inactive.height > 0
    assert employed["isco08"].null_count() == 0
    # weights are multiples of 1/64: every sum of them is exact in float64
    assert ((frame["weight"] * 64) % 1 == 0).all() and (frame["weight"] > 0).all()


@pytest.mark.parametrize("kind", KINDS)
def test_both_encodings_hold_the_same_records(
    files: dict[tuple[str, str], Path], kind: str
) -> None:
    coded = pl.read_parquet(files[kind, "codes"])
    text = pl.read_parquet(files[kind, "strings"])
    lists = code_lists(files[kind, "codes"])
    decoded = coded.with_columns(
        *(
            pl.col(c).replace_strict(list(range(len(lists[c]))), list(lists[c]))
            for c in coded.columns
            if c in lists
        ),
        pl.col("isco08").cast(pl.String).str.zfill(4),
        *([pl.format("ED{}", pl.col("isced11")).alias("isced11")] if kind == "lfs" else []),
    )
    assert decoded.equals(text.with_columns(pl.col(pl.Categorical).cast(pl.String)))


# ----------------------------------------------------------------------------- keys
def test_pack_and_unpack_round_trip() -> None:
    rng = np.random.default_rng(3)
    sizes = [108, 2400, 1000, 5]
    values = {
        f"c{i}": pl.Series(rng.integers(0, s, 5_000), dtype=pl.UInt64) for i, s in enumerate(sizes)
    }
    frame = pl.DataFrame(values).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("c3")).alias("c3")
    )
    names = list(values)
    packed = frame.select(pack_key([pl.col(n) for n in names], sizes).alias("key"))
    back = packed.select(
        (c.alias(n) for n, c in zip(names, unpack_key(pl.col("key"), sizes), strict=True))
    )
    expected = frame.with_columns(pl.col("c3").fill_null(sizes[3]))
    assert back.equals(expected)
    # the key orders like the tuple of codes, nulls (the extra slot) last
    order = packed.with_row_index().sort("key")["index"].to_list()
    tuples = [tuple(r) for r in expected.rows()]
    assert order == sorted(range(len(tuples)), key=lambda i: tuples[i])
    with pytest.raises(ValueError, match="63 bits"):
        pack_key([pl.col("a")] * 5, [10_000] * 5)


def test_codes_decode_round_trip(files: dict[tuple[str, str], Path]) -> None:
    """Code index -> label -> Enum position gives the index back, for every list."""
    for name, labels in code_lists(files["lfs", "codes"]).items():
        series = pl.Series(name, list(range(len(labels))), dtype=pl.UInt32)
        decoded = series.replace_strict(list(range(len(labels))), list(labels))
        again = decoded.cast(pl.Enum(list(labels))).to_physical().cast(pl.UInt32)
        assert again.equals(series)


# ----------------------------------------------------------------------------- aggregation
def _rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def test_job_ads_aggregation_equals_a_hand_count(files: dict[tuple[str, str], Path]) -> None:
    path = files["job_ads", "codes"]
    lists = code_lists(path)
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for r in _rows(path):
        edu = r["education_level"]
        expected[
            (
                lists["geo_nuts3"][r["geo_nuts3"]],
                r["posted_on"].strftime("%Y-%m"),
                f"{r['isco08']:04d}"[:3],
                "UNK" if edu is None else lists["education_level"][edu],
            )
        ] += 1
    out = aggregate_job_ads(path).collect(engine="streaming")
    assert out.schema == pl.Schema(PANEL_SCHEMA)
    got = {
        (g, p, i, e): v
        for g, p, i, e, v in out.select(
            "geo", "period", "isco08", "education_level", "value"
        ).iter_rows()
    }
    assert got == {k: float(v) for k, v in expected.items()}
    assert out["value"].sum() == ROWS
    assert set(out["measure"]) == {"job_ads_n"} and set(out["geo_level"]) == {3}
    keys = ["geo", "period", "isco08", "education_level"]
    ordered = out.select(keys).with_columns(pl.col("education_level").replace("UNK", None))
    assert ordered.equals(ordered.sort(keys, nulls_last=True))  # "UNK" (not stated) last
    assert not out.select(keys).is_duplicated().any()


@pytest.mark.parametrize("digits", [1, 2])
def test_lfs_aggregation_gives_exact_weighted_sums(
    files: dict[tuple[str, str], Path], digits: int
) -> None:
    path = files["lfs", "codes"]
    lists = code_lists(path)
    groups = ["ED0-2"] * 3 + ["ED3_4"] * 2 + ["ED5-8"] * 4
    weights: defaultdict[tuple[str | None, ...], list[float]] = defaultdict(list)
    for r in _rows(path):
        status = lists["status"][r["status"]]
        if status == "inactive":
            continue
        isco = None
        if status == "employed":
            isco = "UNK" if r["isco08"] is None else f"{r['isco08']:04d}"[:digits]
        measure = "employment_n" if status == "employed" else "unemployed_n"
        key = (
            measure,
            lists["geo_nuts2"][r["geo_nuts2"]],
            lists["period"][r["period"]],
            isco,
            groups[r["isced11"]],
        )
        weights[key].append(r["weight"])
    persons = aggregate_lfs(path, isco_digits=digits, thousands=False).collect(engine="streaming")
    cols = ["measure", "geo", "period", "isco08", "isced11", "value"]
    got = {tuple(row[:-1]): row[-1] for row in persons.select(cols).iter_rows()}
    assert got == {k: math.fsum(v) for k, v in weights.items()}  # exact, bit for bit
    assert set(persons["unit"]) == {"persons"}
    thousands = aggregate_lfs(path, isco_digits=digits).collect(engine="streaming")
    assert set(thousands["measure"]) == {"employment_ths", "unemployed_ths"}
    assert set(thousands["unit"]) == {"thousand persons"}
    assert thousands["value"].to_list() == pytest.approx(
        (persons["value"] / 1000).to_list(), rel=1e-15
    )
    unemployed = thousands.filter(pl.col("measure") == "unemployed_ths")
    assert unemployed.height > 0 and unemployed["isco08"].null_count() == unemployed.height


@pytest.mark.parametrize("kind", KINDS)
def test_every_strategy_and_encoding_gives_the_same_panel(
    files: dict[tuple[str, str], Path], kind: str
) -> None:
    reference = aggregate(kind, files[kind, "codes"], source_label="x").collect()
    assert reference.height > 0
    for encoding in ENCODINGS:
        for strategy in STRATEGIES:
            out = aggregate(kind, files[kind, encoding], strategy=strategy, source_label="x")
            assert out.collect(engine="streaming").equals(reference), (encoding, strategy)


def test_auto_strategy_sorts_job_ads_within_the_memory_budget(
    files: dict[tuple[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.sources.records import streaming

    jobs, lfs = files["job_ads", "codes"], files["lfs", "codes"]
    assert chosen_strategy("job_ads", jobs) == "sorted"
    assert chosen_strategy("lfs", lfs) == "packed"
    assert chosen_strategy("lfs", lfs, "columns") == "columns"
    plan = aggregate_job_ads(jobs).explain()
    assert plan.index("AGGREGATE") < plan.index("SORT BY")  # sort below the group-by
    monkeypatch.setattr(streaming, "SORT_BUDGET_BYTES", ROWS * 4 - 1)
    assert chosen_strategy("job_ads", jobs) == "packed"
    plan = aggregate_job_ads(jobs).explain()
    assert plan.index("SORT BY") < plan.index("AGGREGATE")  # sort of the groups only
    with pytest.raises(ValueError, match="unknown strategy"):
        chosen_strategy("lfs", lfs, "fast")


def test_quarterly_job_ads_and_other_isco_levels(files: dict[tuple[str, str], Path]) -> None:
    path = files["job_ads", "codes"]
    monthly = aggregate_job_ads(path, isco_digits=2).collect(engine="streaming")
    quarterly = aggregate_job_ads(path, isco_digits=2, period="quarter").collect()
    assert quarterly["period"].str.contains(r"^\d{4}-Q[1-4]$").all()
    assert quarterly["value"].sum() == monthly["value"].sum() == ROWS
    assert monthly["isco08"].str.len_chars().unique().to_list() == [2]
    with pytest.raises(ValueError, match="isco_digits"):
        aggregate_job_ads(path, isco_digits=5)
    with pytest.raises(ValueError, match="period"):
        aggregate_job_ads(path, period="week")
    with pytest.raises(ValueError, match="strategy"):
        aggregate_job_ads(path, strategy="magic")


def test_unknown_code_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ads.parquet"
    pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5)] * 2,
            "geo_nuts3": ["ITC11", "XX999"],
            "isco08": ["2512", "2512"],
            "education_level": ["university", None],
        }
    ).write_parquet(path)
    with pytest.raises(pl.exceptions.InvalidOperationError):
        aggregate_job_ads(path).collect(engine="streaming")
    ok = aggregate_job_ads(path, codes={"geo_nuts3": ["ITC11", "XX999"]}).collect()
    assert ok["geo"].to_list() == ["ITC11", "XX999"]
    assert ok["education_level"].to_list() == ["university", "UNK"]


def test_aggregate_file_sinks_the_panel(files: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    out = aggregate_file("lfs", files["lfs", "codes"], tmp_path / "sub" / "panel.parquet")
    assert pl.read_parquet(out).equals(aggregate("lfs", files["lfs", "codes"]).collect())


def test_aggregate_file_never_leaves_a_partial_output(tmp_path: Path) -> None:
    bad = tmp_path / "ads.parquet"
    pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 1)] * 2,
            "geo_nuts3": ["ITC11", "XX999"],
            "isco08": ["2512", "2512"],
            "education_level": ["university", None],
        }
    ).write_parquet(bad)
    out = tmp_path / "panel.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(InputError, match=r"ads.parquet: a code not in .*XX999"):
        aggregate_file("job_ads", bad, out)
    with pytest.raises(InputError, match=r"column 'isco08': missing"):
        aggregate_file("job_ads", _drop(bad, "isco08", tmp_path / "no_isco.parquet"), out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ads.parquet",
        "no_isco.parquet",
        "panel.parquet",
    ]


def _drop(path: Path, column: str, to: Path) -> Path:
    pl.read_parquet(path).drop(column).write_parquet(to)
    return to


def _cli(args: list[str]) -> int:
    from skills.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


def test_cli_generate_and_aggregate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["bench", "generate", "--rows", "2000", "--out", str(tmp_path), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "2,000 job_ads records, synthetic scale data" in printed
    assert "2,000 lfs records, synthetic scale data" in printed
    ads = data_path("job_ads", 2_000, tmp_path, 3)
    assert ads.read_bytes() == generate("job_ads", 2_000, tmp_path / "again", seed=3).read_bytes()
    out = tmp_path / "panel.parquet"
    assert _cli(["bench", "aggregate", "job_ads", str(ads), "--out", str(out)]) == 0
    assert pl.read_parquet(out).equals(aggregate_job_ads(ads).collect())
    assert _cli(["bench", "aggregate", "lfs", str(ads), "--out", str(out)]) == 1
    assert "column 'geo_nuts2': missing" in capsys.readouterr().err
    assert _cli(["bench", "generate", "--rows", "10", "--kind", "vacancies"]) == 2
    missing = str(tmp_path / "none.parquet")
    assert _cli(["bench", "aggregate", "lfs", missing, "--out", str(out)]) == 1


def test_cli_bench_run_delegates_to_the_checkouts_harness(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert _cli(["bench", "run", "--help"]) == 0
    assert "--variant-rows" in capfd.readouterr().out  # benchmarks/run.py's own options


def test_file_metadata_under_the_old_key_is_still_read(
    files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    from skills.sources.records.metadata import LEGACY_META_KEYS, META_KEY

    path = files["job_ads", "codes"]
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    assert META_KEY in meta and not set(LEGACY_META_KEYS) & set(meta)
    old = tmp_path / "old.parquet"
    meta[b"skills.bench"] = meta.pop(META_KEY)  # as generated before the rename
    pq.write_table(table.replace_schema_metadata(meta), old)
    assert file_info(old) == file_info(path)
    ours, before = (aggregate_job_ads(p).collect().drop("source") for p in (path, old))
    assert before.height > 0 and before.equals(ours)


# ----------------------------------------------------------------------------- plans
def test_plans_push_projection_and_predicate_into_the_scan(
    files: dict[tuple[str, str], Path],
) -> None:
    jobs = aggregate_job_ads(files["job_ads", "codes"]).explain()
    assert f"PROJECT {len(JOB_ADS_COLUMNS)}/6 COLUMNS" in jobs
    lfs = aggregate_lfs(files["lfs", "codes"]).explain()
    assert f"PROJECT {len(LFS_COLUMNS)}/9 COLUMNS" in lfs
    scan = lfs[lfs.index("Parquet SCAN") :]
    assert re.search(r'SELECTION: col\("status"\).*is_in', scan)  # inactive skipped in scan


@pytest.mark.parametrize("kind", KINDS)
def test_plans_run_entirely_on_the_streaming_engine(
    files: dict[tuple[str, str], Path], kind: str
) -> None:
    graph = aggregate(kind, files[kind, "codes"]).show_graph(
        engine="streaming", plan_stage="physical", raw_output=True
    )
    assert graph is not None
    nodes = [line for line in graph.splitlines() if "[label=" in line]
    fallback = 'fillcolor="0.0 0.3 1.0"'  # the legend's colour of an in-memory fallback
    assert nodes and not [n for n in nodes if fallback in n]
    scan = [n for n in nodes if "multi-scan[parquet]" in n]
    n_cols = len(JOB_ADS_COLUMNS if kind == "job_ads" else LFS_COLUMNS)
    assert len(scan) == 1 and f"project: {n_cols} total" in scan[0]
    assert any("group-by" in n for n in nodes)
    assert sum("group-by" in n for n in nodes) == 1  # one group-by, on the packed key


# ----------------------------------------------------------------------------- baseline
@pytest.mark.parametrize("kind", KINDS)
def test_pandas_baseline_gives_the_same_numbers(
    files: dict[tuple[str, str], Path], kind: str, tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    from benchmarks.baseline import job_ads_pandas, lfs_pandas

    path = files[kind, "codes"]
    theirs = (job_ads_pandas if kind == "job_ads" else lfs_pandas)(path)
    assert list(theirs.columns) == list(PANEL_SCHEMA)
    theirs.to_parquet(tmp_path / "pandas.parquet", index=False)
    aggregate_file(kind, path, tmp_path / "polars.parquet")
    check = compare_outputs(tmp_path / "polars.parquet", tmp_path / "pandas.parquet", kind)
    assert check["same_keys"] and check["same_numbers"], check
    if kind == "job_ads":
        assert check["identical_values"]


# ----------------------------------------------------------------------------- harness
@pytest.mark.slow
def test_measure_reports_the_child_not_the_parent() -> None:
    ballast = np.ones(40_000_000)  # 305 MiB in this process
    small = measure([sys.executable, "-c", "pass"])
    big = measure([sys.executable, "-c", "import numpy; a = numpy.ones(20_000_000)"])
    assert small.returncode == 0 and big.returncode == 0
    assert small.maxrss_kib < 100 * 1024 < big.maxrss_kib < 300 * 1024
    assert small.seconds > 0
    failed = measure([sys.executable, "-c", "import sys; print('x'); sys.exit(3)"])
    assert failed.returncode == 3 and failed.stdout.strip() == "x"
    # the timeout kills the child (SIGKILL): it never reaches its print
    sleeper = "import time; time.sleep(30); print('finished')"
    killed = measure([sys.executable, "-c", sleeper], timeout=0.5)
    assert killed.returncode == -signal.SIGKILL and "finished" not in killed.stdout
    del ballast


@pytest.mark.slow
def test_worker_reports_json(files: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    cmd = [sys.executable, str(WORKER), "polars", "job_ads"]
    run = measure([*cmd, str(files["job_ads", "codes"]), str(out)])
    assert run.returncode == 0, run.stderr
    report = run.json()
    assert report["rows"] == pl.read_parquet(out).height > 0
    assert report["seconds"] > 0 and report["maxrss_kib"] > 0
    assert report["polars_loaded"] and not report["pandas_loaded"]


def test_summary_markdown_and_comparison(tmp_path: Path) -> None:
    a = pl.DataFrame({c: [None] for c in PANEL_SCHEMA}, schema=PANEL_SCHEMA)
    a = a.with_columns(pl.lit("m").alias("measure"), pl.lit(1.0).alias("value"))
    a.write_parquet(tmp_path / "a.parquet")
    a.with_columns(pl.lit(1.5).alias("value")).write_parquet(tmp_path / "b.parquet")
    assert compare_outputs(tmp_path / "a.parquet", tmp_path / "a.parquet", "job_ads")[
        "same_numbers"
    ]
    assert not compare_outputs(tmp_path / "a.parquet", tmp_path / "b.parquet", "job_ads")[
        "same_numbers"
    ]
    results = json.loads(
        json.dumps(
            {
                "date": "2026-01-01",
                "machine": {"cpu": "x", "cores": 2, "versions": {}},
                "targets": [{"target": "t", "measured": 0.5, "met": True}],
                "help": {
                    "help_module": {"wall_median": 0.08},
                    "import_polars": {"wall_median": 0.16},
                    "help_over_import_polars": 0.5,
                },
            }
        )
    )
    text = summary_markdown(results)
    assert "| t | 0.500 | met |" in text and "0.50 |" in text


def test_read_records_decodes_the_codes_encoding(files: dict[tuple[str, str], Path]) -> None:
    from skills.sources.records.metadata import read_records

    for kind in KINDS:
        coded = read_records(files[kind, "codes"]).collect()
        text = read_records(files[kind, "strings"]).collect()
        as_text = [pl.col(c).cast(pl.String) for c in coded.columns]
        assert coded.select(as_text).equals(text.select(as_text)), kind
    ads = read_records(files["job_ads", "codes"]).collect()
    assert set(ads["geo_nuts3"].cast(pl.String)) <= set(codes.nuts3_codes())
    assert set(ads["isco08"]) <= set(codes.isco08_units())


# ----------------------------------------------------------------------------- dense path
def _plain_count(path: Path, isco_digits: int = 3) -> list[tuple[Any, ...]]:
    """The job-ad panel cells counted in plain Python from the file's rows (any encoding)."""
    table = pq.read_table(path, columns=list(JOB_ADS_COLUMNS))
    info = file_info(path) or {}
    lists = code_lists(path, ["geo_nuts3", "education_level"])
    coded = info.get("encoding") == "codes"
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in table.to_pylist():
        geo, isco, edu = row["geo_nuts3"], row["isco08"], row["education_level"]
        if coded:
            geo = lists["geo_nuts3"][geo]
            edu = None if edu is None else lists["education_level"][edu]
            isco = None if isco is None else f"{isco:04d}"
        group = None if isco is None else isco[:isco_digits]
        counts[geo, row["posted_on"].strftime("%Y-%m"), group, edu or codes.UNKNOWN] += 1
    geo_pos = {g: i for i, g in enumerate(lists["geo_nuts3"])}
    edu_pos = {e: i for i, e in enumerate([*lists["education_level"], codes.UNKNOWN])}
    return sorted(
        ((*key, float(n)) for key, n in counts.items()),
        key=lambda r: (geo_pos[r[0]], r[1], r[2] is None, r[2] or "", edu_pos[r[3]]),
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_dense_panel_equals_a_plain_count_and_the_polars_query(
    files: dict[tuple[str, str], Path], tmp_path: Path, encoding: str
) -> None:
    from skills.sources.records import aggregate_to_parquet

    src = files["job_ads", encoding]
    out = aggregate_to_parquet("job_ads", src, tmp_path / "panel.parquet")
    panel = pl.read_parquet(out)
    assert panel.schema == pl.Schema(PANEL_SCHEMA)
    keys = ["geo", "period", "isco08", "education_level", "value"]
    assert [tuple(r) for r in panel.select(keys).iter_rows()] == _plain_count(src)
    assert panel["value"].sum() == ROWS
    assert panel.equals(aggregate_job_ads(src).collect(engine="streaming"))


@pytest.mark.parametrize(
    ("encoding", "options"),
    [
        ("strings", {"period": "quarter"}),
        ("codes", {"period": "quarter", "isco_digits": 2}),
        ("strings", {"isco_digits": 4}),
        ("codes", {"isco_digits": 1, "source_label": "ads", "nuts_version": 2024}),
    ],
)
def test_dense_options_equal_the_polars_query(
    files: dict[tuple[str, str], Path], encoding: str, options: dict[str, Any]
) -> None:
    from skills.sources.records.dense import job_ads_table

    src = files["job_ads", encoding]
    table = job_ads_table(src, **options)
    assert table is not None
    expected = aggregate_job_ads(src, **options).collect(engine="streaming")
    assert pl.from_arrow(table).cast(dict(expected.schema)).equals(expected)  # type: ignore[union-attr]


def _ads_written_by_polars(path: Path, **columns: Any) -> Path:
    frame = pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5), None, datetime(2024, 3, 31, 23, 59), None],
            "geo_nuts3": ["ITC11", "ITC12", None, "ITC11"],
            "isco08": ["2512", None, "2512", "0110"],
            "education_level": ["university", None, "university", "compulsory"],
            **columns,
        }
    )
    frame.write_parquet(path)
    return path


def test_dense_reads_files_of_other_writers(tmp_path: Path) -> None:
    """Plain text columns, nulls in every key, dates as Date or Datetime(us)."""
    from skills.sources.records.dense import job_ads_table

    for name, columns in {
        "datetime.parquet": {},
        "date.parquet": {"posted_on": [datetime(2024, 1, 5).date(), None, None, None]},
        "us.parquet": {
            "posted_on": pl.Series([datetime(2023, 12, 31, 1), None, None, None]).cast(
                pl.Datetime("us")
            )
        },
    }.items():
        src = _ads_written_by_polars(tmp_path / name, **columns)
        table = job_ads_table(src)
        assert table is not None, name
        expected = aggregate_job_ads(src).collect(engine="streaming")
        assert pl.from_arrow(table).cast(dict(expected.schema)).equals(expected), name  # type: ignore[union-attr]


def test_dense_falls_back_to_the_polars_query(tmp_path: Path) -> None:
    from skills.sources.records import aggregate_to_parquet
    from skills.sources.records.dense import job_ads_table

    zoned = pl.Series([datetime(2024, 1, 5)] * 4).dt.replace_time_zone("Europe/Rome")
    src = _ads_written_by_polars(tmp_path / "zoned.parquet", posted_on=zoned)
    assert job_ads_table(src) is None
    out = aggregate_to_parquet("job_ads", src, tmp_path / "panel.parquet")
    assert pl.read_parquet(out).equals(aggregate_job_ads(src).collect())
    with pytest.raises(ValueError, match="dense path cannot read"):
        aggregate_to_parquet("job_ads", src, tmp_path / "p.parquet", strategy="dense")


def test_dense_unknown_codes_name_the_column_and_row(tmp_path: Path) -> None:
    from skills.sources.records import aggregate_to_parquet

    out = tmp_path / "panel.parquet"
    for column, value, shown in (
        ("geo_nuts3", ["ITC11", "ITC12", "XX999", "ITC11"], "'XX999'"),
        ("isco08", ["2512", "25X2", None, "0110"], "'25X2'"),
        ("education_level", ["university", None, "phd", "compulsory"], "'phd'"),
    ):
        src = _ads_written_by_polars(tmp_path / f"{column}.parquet", **{column: value})
        with pytest.raises(
            InputError, match=rf"column '{column}'.*row {value.index(shown[1:-1]) + 1}: {shown}"
        ):
            aggregate_to_parquet("job_ads", src, out)
        assert not out.exists()
    coded = tmp_path / "coded.parquet"
    pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5)] * 2,
            "geo_nuts3": pl.Series([0, 200], dtype=pl.UInt8),
            "isco08": pl.Series([2512, 110], dtype=pl.UInt16),
            "education_level": pl.Series([0, None], dtype=pl.UInt8),
        }
    ).write_parquet(coded)
    with pytest.raises(InputError, match=r"column 'geo_nuts3'.*row 2: 200 is not in"):
        aggregate_to_parquet("job_ads", coded, out)


def test_dense_path_imports_neither_polars_nor_pandas(
    files: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    import subprocess

    script = (
        "import sys; from skills.sources.records import aggregate_to_parquet; "
        f"aggregate_to_parquet('job_ads', {str(files['job_ads', 'strings'])!r}, "
        f"{str(tmp_path / 'p.parquet')!r}); "
        "print(sorted(m for m in ('polars', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_dense_arrow_types_match_the_panel_schema() -> None:
    from skills.sources.records.dense import PANEL_ARROW_TYPES

    expected = {c: str(t) for c, t in PANEL_SCHEMA.items()}
    names = {"string": "String", "int8": "Int8", "int16": "Int16", "float64": "Float64"}
    assert {c: names[t] for c, t in PANEL_ARROW_TYPES.items()} == expected


def test_dense_panel_written_in_blocks_is_the_same(
    files: dict[tuple[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.sources.records import aggregate_to_parquet, dense

    monkeypatch.setattr(dense, "_BLOCK_ROWS", 100)
    src = files["job_ads", "strings"]
    out = aggregate_to_parquet("job_ads", src, tmp_path / "panel.parquet")
    assert pq.ParquetFile(out).metadata.num_row_groups > 3
    assert pl.read_parquet(out).equals(aggregate_job_ads(src).collect(engine="streaming"))
    none = tmp_path / "none.parquet"
    pl.read_parquet(_ads_written_by_polars(tmp_path / "ads.parquet")).head(0).write_parquet(none)
    panel = pl.read_parquet(aggregate_to_parquet("job_ads", none, tmp_path / "empty.parquet"))
    assert panel.height == 0
    assert panel.schema == pl.Schema(PANEL_SCHEMA)


def test_end_to_end_section_times_whole_processes_and_checks_counts(tmp_path: Path) -> None:
    from benchmarks.harness import bench_end_to_end

    result = bench_end_to_end(
        2_000,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        reps=1,
        engines=("skills", "pandas", "floor"),
        encodings=("strings",),
    )
    item = result["encodings"]["strings"]
    assert all(s["failed"] == 0 for s in item["engines"].values()), item["engines"]
    assert item["check"]["ads"] == 2_000
    assert item["check"]["pandas"]["same_counts"] is True
    assert item["skills_over_floor"] > 0
    text = summary_markdown({"end_to_end": {"job_ads/2000": result}})
    assert "| 2,000 | strings | pandas |" in text


@pytest.mark.slow
def test_measure_samples_the_whole_process_tree() -> None:
    # the parent holds ~100 MiB while its child holds ~200 MiB: ru_maxrss sees one of them
    parent = (
        "import subprocess, sys, numpy as np; a = np.ones(100_000_000 // 8); "
        "subprocess.run([sys.executable, '-c', 'import numpy as np, time; "
        "b = np.ones(200_000_000 // 8); time.sleep(0.5)'])"
    )
    run = measure([sys.executable, "-c", parent], sample_seconds=0.05)
    assert run.returncode == 0, run.stderr
    assert run.tree_peak_kib is not None and run.tree_samples > 5 and run.max_processes == 2
    assert run.maxrss_kib < 250 * 1024 < run.tree_peak_kib < 450 * 1024
    # a descendant the command leaves behind is still counted, and waited for
    orphan = (
        "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import numpy as np, "
        "time; b = np.ones(200_000_000 // 8); time.sleep(0.5)'])"
    )
    left = measure([sys.executable, "-c", orphan], sample_seconds=0.05)
    assert left.returncode == 0 and left.tail_seconds > 0.3
    assert left.tree_peak_kib is not None and left.tree_peak_kib > 150 * 1024
    assert measure([sys.executable, "-c", "pass"]).tree_peak_kib is None  # not sampled


@pytest.mark.slow
def test_engines_section_times_the_portable_path_and_checks_the_panels(tmp_path: Path) -> None:
    from benchmarks.harness import bench_engines

    result = bench_engines(
        2_000,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        reps=1,
        encodings=("strings",),
        spark_rows=(),  # the default engines, Spark skipped at this size
    )
    assert result["engines"] == ["skills", "skills-duckdb", "duckdb", "pandas"]
    assert result["skipped"] == {"skills-spark": "not run (--spark-rows is empty)"}
    item = result["encodings"]["strings"]
    assert "--engine duckdb" in item["commands"]["skills-duckdb"]
    for summary in item["engines"].values():
        assert summary["failed"] == 0, summary
        assert summary["tree_peak_median_mib"] > 0 and summary["max_processes"] >= 1
    assert item["check"]["ads"] == 2_000
    assert item["check"]["skills-duckdb"] == {
        "cells": item["check"]["cells"],
        "same_counts": True,
        "same_frame": True,
    }
    assert item["check"]["duckdb"]["same_counts"] and item["check"]["pandas"]["same_counts"]
    assert item["wall_ratio_to_duckdb_sql"]["duckdb"] == 1.0
    assert item["wall_ratio_to_pandas"]["pandas"] == 1.0
    text = summary_markdown({"engines": {"job_ads/2000": result}})
    assert "| 2,000 | strings | skills --engine duckdb |" in text
    assert "2,000 job ads: skills --engine spark not run (--spark-rows is empty)." in text


def test_engines_section_says_why_spark_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import harness

    monkeypatch.setattr(harness, "spark_missing", lambda: "Java is not found (test)")
    result = harness.bench_engines(
        200,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        reps=1,
        engines=("skills-spark",),
        encodings=("codes",),
        spark_rows=(200,),
    )
    assert result["engines"] == [] and result["master"] is None
    assert result["skipped"] == {"skills-spark": "skipped: Java is not found (test)"}
    text = harness.summary_markdown({"engines": {"job_ads/200": result}})
    assert "200 job ads: skills --engine spark skipped: Java is not found (test)." in text


def test_spark_missing_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from benchmarks.harness import spark_missing

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    if importlib.util.find_spec("pyspark") is None:
        assert "PySpark" in (spark_missing() or "")
    else:
        assert spark_missing() == "Java is not found (JAVA_HOME or java on the PATH)"


@pytest.mark.slow
@pytest.mark.spark
def test_engines_section_on_a_local_spark_session(tmp_path: Path) -> None:
    from conftest import require_spark

    from benchmarks.harness import bench_engines

    require_spark()  # skipped without PySpark or Java; in CI a failure instead
    result = bench_engines(
        2_000,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        reps=1,
        engines=("skills", "skills-spark"),
        encodings=("codes",),
        spark_rows=(2_000,),
    )
    assert result["master"] == "local[2]" and not result["skipped"]
    item = result["encodings"]["codes"]
    spark = item["engines"]["skills-spark"]
    assert spark["failed"] == 0, spark
    assert "--engine spark --master local[2]" in item["commands"]["skills-spark"]
    # the JVM is a child of the Python process: in the tree's peak, not in its ru_maxrss
    assert spark["max_processes"] >= 2
    assert spark["tree_peak_median_mib"] > spark["maxrss_median_mib"] + 100
    assert item["check"]["skills-spark"]["same_frame"] is True


@pytest.mark.parametrize("statistics", [True, False], ids=["with_statistics", "without"])
@pytest.mark.parametrize(
    ("column", "values", "bad_row", "bad"),
    [
        ("geo_nuts3", [0, 1, 200, 1], 3, 200),  # the demo-size list has fewer codes
        ("education_level", [0, 1, 2, -1], 4, -1),
        ("isco08", [2512, 110, 10_000, 3], 3, 10_000),
    ],
)
def test_the_polars_query_refuses_integer_codes_beyond_their_list(
    tmp_path: Path, column: str, values: list[int], bad_row: int, bad: int, statistics: bool
) -> None:
    """An index past its code list would spill into the next part of the packed key and
    be counted in another cell: the reference query must refuse it, naming the row."""
    frame = pl.DataFrame(
        {
            "posted_on": [datetime(2024, 1, 5)] * 4,
            "geo_nuts3": pl.Series([0, 1, 2, 1], dtype=pl.Int32),
            "isco08": pl.Series([2512, 110, 3, 4], dtype=pl.Int32),
            "education_level": pl.Series([0, 1, 2, 0], dtype=pl.Int32),
        }
    ).with_columns(pl.Series(column, values, dtype=pl.Int32))
    src = tmp_path / "coded.parquet"
    frame.write_parquet(src, statistics=statistics)
    with pytest.raises(
        InputError, match=rf"column '{column}'.*row {bad_row}: code {bad} is outside its code list"
    ):
        aggregate_job_ads(src).collect()
    # inside the lists, the same file aggregates
    frame.with_columns(pl.Series(column, [0, 1, 2, 1], dtype=pl.Int32)).write_parquet(
        src, statistics=statistics
    )
    assert aggregate_job_ads(src).collect()["value"].sum() == 4


def test_a_code_list_override_with_a_duplicate_is_refused_on_both_paths(tmp_path: Path) -> None:
    from skills.sources.records.dense import job_ads_table

    src = _ads_written_by_polars(tmp_path / "ads.parquet")
    twice = {"education_level": ["compulsory", "university", "compulsory"]}
    with pytest.raises(ValueError, match="'compulsory' twice"):
        job_ads_table(src, codes=twice)
    with pytest.raises(Exception, match="unique"):
        aggregate_job_ads(src, codes=twice).collect()
