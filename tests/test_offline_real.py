"""The shipped Piedmont spec, offline, on the real Eurostat files: ``--eurostat-dir``.

The publication is built once through the CLI (``skills refresh pipelines/piedmont.toml
--offline --eurostat-dir <shared>/data/eurostat``) with an empty cache, so every input
comes from the local folder. The bad-input cases then run against the same output
folder and check that ``OUT/latest`` is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from skills.cli import main
from skills.errors import ConfigError
from skills.manifest import verify_publication
from skills.sources.eurostat_local import find_local_dataset, resolve_eurostat_dir
from skills.spec import load_spec

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow]

PIEDMONT = REPO / "pipelines" / "piedmont.toml"
#: the shared files piedmont.toml reads (lfsa_eisn2 is optional and absent)
USED = {
    "unemployment_rate": "lfst_r_lfu3rt_snap2014_it_bench.tsv",
    "employment": "lfst_r_lfe2emp_snap2017_it_bench.tsv",
    "unemployment": "lfst_r_lfu3pers_snap2017_it_bench.tsv",
    "active_by_education": "lfst_r_lfp2acedu_snap2017_it_bench.tsv",
    "employment_by_occupation": "lfsa_egai2d.csv",
    "job_vacancies": "jvs_a_nace2_snap2017_it_bench.tsv",
}

Cli = Callable[..., tuple[int, str]]


@pytest.fixture(scope="module")
def empty_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty Eurostat cache for the whole module: nothing can come from a user cache."""
    cache = tmp_path_factory.mktemp("empty-cache")
    saved = {k: os.environ.get(k) for k in ("SKILLS_CACHE_DIR", "SKILLS_OFFLINE")}
    os.environ["SKILLS_CACHE_DIR"] = str(cache)
    os.environ.pop("SKILLS_OFFLINE", None)
    yield cache
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_cli(capfd: pytest.CaptureFixture[str] | None, *args: str) -> tuple[int, str]:
    """Run ``skills ARGS`` in-process; return the exit code and stderr + stdout."""
    with pytest.raises(SystemExit) as info:
        main([*args])
    text = ""
    if capfd is not None:
        captured = capfd.readouterr()
        text = captured.err + captured.out
    code = info.value.code
    return (code if isinstance(code, int) else 0), text


@pytest.fixture(scope="module")
def out(eurostat_dir: Path, empty_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("piedmont-offline") / "out"
    code, _ = run_cli(
        None,
        "refresh",
        str(PIEDMONT),
        "--offline",
        "--eurostat-dir",
        str(eurostat_dir),
        "--out",
        str(folder),
        "--json",
    )
    assert code == 0
    return folder


def tsv_cell(path: Path, key: str, year: str) -> str:
    """The raw cell (value and flag) of a bulk TSV, as a person reads it in the file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split("\t")]
    for line in lines[1:]:
        cells = line.split("\t")
        if cells[0] == key:
            return cells[header.index(year)].strip()
    raise KeyError(key)


def linked_folder(eurostat_dir: Path, folder: Path, names: list[str] | None = None) -> Path:
    """A folder of symlinks to the shared files (never copies of them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(eurostat_dir.iterdir()):
        if names is None or path.name in names:
            (folder / path.name).symlink_to(path)
    return folder


# ------------------------------------------------------------------ the publication


def test_piedmont_publishes_offline_from_the_local_files(out: Path, eurostat_dir: Path) -> None:
    latest = out / "latest"
    assert verify_publication(latest) == []
    manifest = json.loads((latest / "manifest.json").read_text())
    inputs = {i["role"]: i for i in manifest["inputs"]}
    assert set(inputs) == set(USED)
    for role, name in USED.items():
        path = eurostat_dir / name
        assert inputs[role]["location"] == str(path.absolute())
        assert inputs[role]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert inputs[role]["local_file"] is True
    # the 2014 bulk file predates lfst_r_lfu3rt's unit and isced11 dimensions
    assert inputs["unemployment_rate"]["filters_not_in_file"] == ["isced11", "unit"]
    skipped = manifest["skipped_sources"]
    assert [s["role"] for s in skipped] == ["employment_by_sector_occupation"]
    assert "lfsa_eisn2" in skipped[0]["reason"] and "--eurostat-dir" in skipped[0]["reason"]


def test_piedmont_beveridge_uses_italy_s_national_vacancy_rate(
    out: Path, eurostat_dir: Path
) -> None:
    latest = out / "latest"
    bev = pl.read_parquet(latest / "beveridge.parquet")
    rows = bev.filter(pl.col("geo") == "ITC1").sort("period")
    lfu = eurostat_dir / USED["unemployment_rate"]
    jvs = eurostat_dir / USED["job_vacancies"]
    assert rows["period"].to_list() == ["2012", "2013"]  # start_period 2012, file ends 2013
    assert rows["vacancy_rate_geo"].to_list() == ["IT", "IT"]
    assert rows["unemployment_rate"].to_list() == [
        float(tsv_cell(lfu, "Y_GE15,T,ITC1", y)) for y in ("2012", "2013")
    ]
    # Italy publishes its vacancy rate only for enterprises with 10+ employees (GE10)
    assert rows["job_vacancy_rate_pct"].to_list() == [
        float(tsv_cell(jvs, "B-S,GE10,TOTAL,JOBRATE,IT", y)) for y in ("2012", "2013")
    ]
    manifest = json.loads((latest / "manifest.json").read_text())
    note = next(a for a in manifest["analyses"] if a["analysis"] == "Beveridge curve")
    assert note["status"] == "ran" and "national job vacancy rates" in note["detail"]
    assert "ITC1 with IT," in note["detail"]
    ind = pl.read_parquet(latest / "indicators.parquet")
    it = ind.filter(
        pl.col("indicator") == "job_vacancy_rate_pct",
        pl.col("geo") == "IT",
        pl.col("period") == "2013",
    )
    assert it["value"].to_list() == [0.4] and "10 or more employees" in it["note"][0]
    # a country with an all-sizes rate keeps it, without the note
    de = ind.filter(
        pl.col("indicator") == "job_vacancy_rate_pct",
        pl.col("geo") == "DE",
        pl.col("period") == "2013",
    )
    assert de["value"].to_list() == [float(tsv_cell(jvs, "B-S,TOTAL,TOTAL,JOBRATE,DE", "2013"))]
    assert de["note"].to_list() == [None]


def test_the_unemployment_rate_is_15_plus_never_the_youth_band(out: Path) -> None:
    """The spec keeps every age band; a 15-24 rate must never stand in for the total."""
    bev = pl.read_parquet(out / "latest" / "beveridge.parquet")
    it = bev.filter(pl.col("geo") == "IT", pl.col("period") == "2013")
    assert it["unemployment_rate"].to_list() == [12.2]  # Y_GE15; Y15-24 is 40.0


# ------------------------------------------------------------------ bad inputs


def test_two_files_for_one_dataset(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    folder = linked_folder(eurostat_dir, tmp_path / "dir")
    (folder / "lfst_r_lfe2emp_copy.tsv").symlink_to(eurostat_dir / USED["employment"])
    before = snapshot(out)
    code, text = run_cli(
        capfd, "refresh", str(PIEDMONT), "--offline", "--eurostat-dir", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert str(folder) in text and "dataset lfst_r_lfe2emp: 2 files" in text
    assert f"{PIEDMONT}: [sources.employment] eurostat = 'lfst_r_lfe2emp'" in text
    assert "lfst_r_lfe2emp_copy.tsv" in text and USED["employment"] in text
    assert snapshot(out) == before


def test_eurostat_dir_that_does_not_exist(
    out: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    before = snapshot(out)
    missing = tmp_path / "no-such-folder"
    code, text = run_cli(
        capfd, "refresh", str(PIEDMONT), "--offline", "--eurostat-dir", str(missing),
        "--out", str(out),
    )  # fmt: skip
    assert code == 2 and str(missing) in text and "--eurostat-dir" in text
    assert snapshot(out) == before


def test_required_dataset_missing_offline_names_a_real_option(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    """job_vacancies is not optional: without its file and offline the run stops, and the
    hint names options that exist (not the fetch_eurostat key= argument)."""
    names = [n for r, n in USED.items() if r != "job_vacancies"]
    folder = linked_folder(eurostat_dir, tmp_path / "dir", names)
    before = snapshot(out)
    code, text = run_cli(
        capfd, "refresh", str(PIEDMONT), "--offline", "--eurostat-dir", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert f"{PIEDMONT}: [sources.job_vacancies] eurostat = 'jvs_a_nace2'" in text
    assert "no cached copy" in text
    assert "--eurostat-dir" in text and "skills fetch jvs_a_nace2" in text
    assert "key=" not in text
    assert snapshot(out) == before


def test_filter_on_a_dimension_the_local_file_lacks(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    """isced11 = "ED5-8" on a file without isced11 would read totals as graduates."""
    text = PIEDMONT.read_text(encoding="utf-8").replace(
        'isced11 = "TOTAL" }\nstart_period', 'isced11 = "ED5-8" }\nstart_period', 1
    )
    assert 'isced11 = "ED5-8"' in text
    spec = tmp_path / "piedmont.toml"
    spec.write_text(text, encoding="utf-8")
    before = snapshot(out)
    code, message = run_cli(
        capfd, "refresh", str(spec), "--offline", "--eurostat-dir", str(eurostat_dir),
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert "[sources.unemployment_rate] filters.isced11" in message
    assert USED["unemployment_rate"] in message and "no 'isced11' dimension" in message
    assert snapshot(out) == before


def test_corrupt_local_file_names_file_line_and_column(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    names = [n for r, n in USED.items() if r != "employment"]
    folder = linked_folder(eurostat_dir, tmp_path / "dir", names)
    lines = (eurostat_dir / USED["employment"]).read_text(encoding="utf-8").splitlines()
    cells = lines[5].split("\t")
    cells[3] = "12,5"  # a decimal comma: not a number
    lines[5] = "\t".join(cells)
    bad = folder / "lfst_r_lfe2emp.tsv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = snapshot(out)
    code, text = run_cli(
        capfd, "refresh", str(PIEDMONT), "--offline", "--eurostat-dir", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    header = lines[0].split("\t")
    assert f"{bad}:6: column {header[3]!r}" in text  # file, line, column (the year)
    assert snapshot(out) == before


def test_spec_eurostat_dir_is_relative_to_the_spec(tmp_path: Path, eurostat_dir: Path) -> None:
    linked_folder(eurostat_dir, tmp_path / "data")
    spec = tmp_path / "p.toml"
    spec.write_text(
        PIEDMONT.read_text(encoding="utf-8").replace(
            'region = "ITC1"', 'region = "ITC1"\neurostat_dir = "data"', 1
        ),
        encoding="utf-8",
    )
    resolved = resolve_eurostat_dir(load_spec(spec))
    assert resolved.eurostat_dir == (tmp_path / "data").resolve()
    src = resolved.sources["employment"]
    assert src.path == (tmp_path / "data" / USED["employment"]).absolute()
    assert src.eurostat == "lfst_r_lfe2emp"
    assert resolved.sources["employment_by_sector_occupation"].path is None  # not in the folder


def test_spec_eurostat_dir_missing_names_the_key(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "p.toml"
    spec.write_text(
        PIEDMONT.read_text(encoding="utf-8").replace(
            'region = "ITC1"', 'region = "ITC1"\neurostat_dir = "nowhere"', 1
        ),
        encoding="utf-8",
    )
    code, text = run_cli(capfd, "refresh", str(spec), "--offline", "--out", str(tmp_path / "o"))
    assert code == 2 and str(spec) in text and "[pipeline] eurostat_dir" in text
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ the matching rule


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("x", encoding="utf-8")


def test_exact_name_wins_over_prefixed(tmp_path: Path) -> None:
    touch(tmp_path, "lfsa_egai2d.csv", "lfsa_egai2d_it_eu.csv", "lfsa_egai2d.txt")
    assert find_local_dataset("LFSA_EGAI2D", tmp_path) == tmp_path / "lfsa_egai2d.csv"


def test_one_prefixed_file_is_used_gz_included(tmp_path: Path) -> None:
    touch(tmp_path, "lfst_r_lfu3rt_snap2014.tsv.gz", "lfst_r_lfu3rtx.tsv", "notes.md")
    assert find_local_dataset("lfst_r_lfu3rt", tmp_path) == (
        tmp_path / "lfst_r_lfu3rt_snap2014.tsv.gz"
    )


def test_no_file_means_the_cache(tmp_path: Path) -> None:
    touch(tmp_path, "lfst_r_lfu3rt.txt", "other.tsv")
    (tmp_path / "lfst_r_lfu3rt.tsv").mkdir()  # a folder, not a file
    assert find_local_dataset("lfst_r_lfu3rt", tmp_path) is None


def test_two_exact_names_are_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "jvs_a_nace2.csv", "jvs_a_nace2.tsv")
    with pytest.raises(ConfigError, match=r"jvs_a_nace2.csv, jvs_a_nace2.tsv"):
        find_local_dataset("jvs_a_nace2", tmp_path)


def test_an_optional_source_that_is_there_but_broken_still_stops_the_run(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    """optional = true forgives a dataset that is not available, never a bad file."""
    folder = linked_folder(eurostat_dir, tmp_path / "dir", list(USED.values()))
    bad = folder / "lfsa_eisn2.csv"
    bad.write_text("<html><body>Service unavailable</body></html>\n", encoding="utf-8")
    before = snapshot(out)
    code, text = run_cli(
        capfd, "refresh", str(PIEDMONT), "--offline", "--eurostat-dir", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert f"{bad}:1" in text and "not a Eurostat table" in text
    assert snapshot(out) == before


def test_a_local_file_named_after_another_dataset(
    out: Path,
    eurostat_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    """lfsa_egais.csv that holds lfsa_egai2d (its DATAFLOW says so) is not lfsa_egais."""
    names = [n for r, n in USED.items() if r != "employment_by_occupation"]
    folder = linked_folder(eurostat_dir, tmp_path / "dir", names)
    (folder / "lfsa_egais.csv").symlink_to(eurostat_dir / "lfsa_egai2d.csv")
    spec = tmp_path / "piedmont.toml"
    spec.write_text(
        PIEDMONT.read_text(encoding="utf-8").replace('"lfsa_egai2d"', '"lfsa_egais"', 1),
        encoding="utf-8",
    )
    before = snapshot(out)
    code, text = run_cli(
        capfd, "refresh", str(spec), "--offline", "--eurostat-dir", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert f"{folder / 'lfsa_egais.csv'}:1: column 'DATAFLOW'" in text
    assert "holds Eurostat dataset lfsa_egai2d" in text
    assert "[sources.employment_by_occupation] asks for lfsa_egais" in text
    assert snapshot(out) == before
