"""Periods are typed, frequencies never mix, user files are complete, row counts are frozen.

Issue 16, items 3 and 4: quarterly rows added to an annual table, quarterly hiring plans
summed with an annual row, ``start_period = "2020-Q3"`` on an annual table, a hiring file
cut short, a deleted province-year. Each CLI case corrupts one file of a published demo
workspace (as an operator or a hostile input would) and checks the exit code, that the
message names the file, the column and the row (or cell), and that ``OUT/latest`` is
byte-identical afterwards.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from skills.cli import main
from skills.errors import ConfigError, InputError
from skills.periods import parse_period, period_in_range, period_sort_key
from skills.quality.completeness import find_gaps, region_provinces
from skills.sources.eurostat import load_eurostat
from skills.spec import load_spec

# ------------------------------------------------------------------ typed periods


@pytest.mark.parametrize(
    ("label", "freq", "start", "end"),
    [
        ("2020", "A", "2020-01-01", "2020-12-31"),
        (" 2015 ", "A", "2015-01-01", "2015-12-31"),
        ("2020-Q3", "Q", "2020-07-01", "2020-09-30"),
        ("2020Q4", "Q", "2020-10-01", "2020-12-31"),
        ("2020-S2", "S", "2020-07-01", "2020-12-31"),
        ("2019M02", "M", "2019-02-01", "2019-02-28"),
        ("2020-02", "M", "2020-02-01", "2020-02-29"),
        ("2020-W53", "W", "2020-12-28", "2021-01-03"),
        ("2020-02-29", "D", "2020-02-29", "2020-02-29"),
    ],
)
def test_parse_period_gives_frequency_and_days(label: str, freq: str, start: str, end: str) -> None:
    period = parse_period(label)
    assert (period.freq, period.start.isoformat(), period.end.isoformat()) == (freq, start, end)


@pytest.mark.parametrize("label", ["2020-Q5", "2020-13", "20200", "2019-W54", "2021-02-29", ""])
def test_parse_period_refuses_what_is_not_a_period(label: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(label)


def test_a_quarter_start_keeps_the_year_that_contains_it() -> None:
    """As strings "2020" < "2020-Q3" and the year 2020 was dropped; typed, it overlaps."""
    periods = pl.Series("period", ["2019", "2020", "2021"])
    assert periods.filter(period_in_range(periods, "2020-Q3")).to_list() == ["2020", "2021"]
    assert periods.filter(period_in_range(periods, None, "2020-Q1")).to_list() == [
        "2019",
        "2020",
    ]
    quarters = pl.Series("period", ["2020-Q3", "2020-Q4", "2021-Q1"])
    assert quarters.filter(period_in_range(quarters, None, "2020")).to_list() == [
        "2020-Q3",
        "2020-Q4",
    ]
    with pytest.raises(ValueError, match="after end period"):
        period_in_range(periods, "2021", "2020-Q4")


def test_a_quarter_of_a_year_is_not_later_than_the_year() -> None:
    labels = pl.Series("period", ["2025-Q2", "2024", "2025", "2025-Q4", "2026-Q1"])
    order = labels.to_frame().with_columns(period_sort_key(labels)).sort("period_sort_key")
    assert order["period"].to_list() == ["2024", "2025-Q2", "2025-Q4", "2025", "2026-Q1"]


def test_profile_latest_period_is_not_a_stray_quarter() -> None:
    """A 2025-Q2 row beside an annual series: the headline stays on the annual 2020."""
    from skills.indicators.profile import Headline, regional_profile

    rows = [
        {"geo": geo, "period": period, "value": value}
        for geo, period, value in (
            ("ITC1", "2015", 10.0),
            ("ITC1", "2020", 7.0),
            ("ITC1", "2025-Q2", 99.0),
            ("ITC4", "2020", 5.0),
            ("ITC4", "2025-Q2", 1.0),
        )
    ]
    frame = pl.DataFrame(rows).with_columns(
        indicator=pl.lit("unemployment_rate"),
        unit=pl.lit("%"),
        flag=pl.lit(None, pl.String),
        source=pl.lit("t"),
        sex=pl.lit("T"),
        age=pl.lit("Y15-74"),
        note=pl.lit(None, pl.String),
    )
    head = Headline("unemployment_rate", "Unemployment rate", {"sex": "T", "age": "Y15-74"}, False)
    row = regional_profile(frame, region="ITC1", headlines=[head]).row(0, named=True)
    assert (row["period"], row["value"], row["base_period"]) == ("2020", 7.0, "2015")
    assert row["regions_n"] == 2 and row["change"] == pytest.approx(-3.0)


# ------------------------------------------------------------------ spec


def _spec_with(tmp_path: Path, extra: str) -> Path:
    data = tmp_path / "u.tsv"
    data.write_text("unit,sex,age,geo\\time\t2020 \nPC,T,Y15-74,ITC1\t5.0 \n", encoding="utf-8")
    spec = tmp_path / "p.toml"
    spec.write_text(
        '[pipeline]\nname = "t"\nregion = "ITC1"\n\n[sources.unemployment_rate]\n'
        f'path = "u.tsv"\n{extra}\n',
        encoding="utf-8",
    )
    return spec


@pytest.mark.parametrize(
    ("extra", "texts"),
    [
        ('start_period = "2020-Q5"', ["[sources.unemployment_rate] start_period", "2020-Q5"]),
        ('end_period = "last year"', ["[sources.unemployment_rate] end_period", "last year"]),
        (
            'start_period = "2021"\nend_period = "2020-Q4"',
            ["start_period 2021 is after end_period 2020-Q4"],
        ),
        ('filters = { freq = "X" }', ["filters.freq = 'X' is not a frequency"]),
    ],
)
def test_spec_period_keys_are_parsed(tmp_path: Path, extra: str, texts: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        load_spec(_spec_with(tmp_path, extra))
    for text in texts:
        assert text in str(info.value)
    assert info.value.exit_code == 2


def test_spec_period_labels_are_canonical(tmp_path: Path) -> None:
    spec = load_spec(_spec_with(tmp_path, 'start_period = "2020Q3"\nend_period = "2024M07"'))
    src = spec.sources["unemployment_rate"]
    assert (src.start_period, src.end_period) == ("2020-Q3", "2024-07")


# ------------------------------------------------------------------ Eurostat reader, real data


def test_real_table_start_in_a_quarter_keeps_that_year(eurostat_dir: Path) -> None:
    """lfst_r_lfu3rt (annual): start_period 2010-Q3 keeps 2010, as the file has it."""
    path = eurostat_dir / "lfst_r_lfu3rt_snap2014_it_bench.tsv"
    frame = load_eurostat(path, filters={"geo": "ITC1"}, start_period="2010-Q3").frame.collect()
    assert sorted(frame["period"].unique().to_list()) == ["2010", "2011", "2012", "2013"]
    whole = load_eurostat(path, filters={"geo": "ITC1"}).frame.collect()
    assert frame.height == whole.filter(pl.col("period") >= "2010").height


def _add_quarter_column(src: Path, dest: Path) -> None:
    lines = src.read_text(encoding="utf-8").rstrip("\n").split("\n")
    # a quarterly column appended to an annual table: ':' everywhere but on line 4
    out = [lines[0] + "\t2013Q2 "]
    out += [line + ("\t4.2 " if i == 3 else "\t: ") for i, line in enumerate(lines[1:], start=1)]
    dest.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_real_table_with_a_quarter_column_is_refused(eurostat_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "lfst_r_lfu3rt.tsv"
    _add_quarter_column(eurostat_dir / "lfst_r_lfu3rt_snap2014_it_bench.tsv", bad)
    with pytest.raises(InputError) as info:
        load_eurostat(bad)
    err = info.value
    assert (err.file, err.line, err.column) == (str(bad), 4, "2013Q2")
    assert "mixes period frequencies" in str(err) and 'freq = "A"' in str(err)
    # the spec may select one frequency: then the quarter is dropped, nothing else
    kept = load_eurostat(bad, filters={"freq": "A"}).frame.collect()
    original = load_eurostat(eurostat_dir / "lfst_r_lfu3rt_snap2014_it_bench.tsv")
    assert kept.equals(original.frame.collect())


def test_sdmx_rows_of_another_frequency_are_refused(tmp_path: Path) -> None:
    head = "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    rows = [
        f"ESTAT:X(1.0),15/10/26 23:00:00,A,PC,ITC1,{y},5.{y % 10},\n" for y in range(2018, 2025)
    ]
    rows.insert(5, "ESTAT:X(1.0),15/10/26 23:00:00,Q,PC,ITC1,2025-Q2,9.9,\n")
    path = tmp_path / "x.csv"
    path.write_text(head + "".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_eurostat(path)
    assert (info.value.line, info.value.column) == (7, "TIME_PERIOD")
    assert "2025-Q2" in str(info.value) and "quarterly (1 rows), annual (7 rows)" in str(info.value)
    quarters = load_eurostat(path, filters={"freq": "Q"}).frame.collect()
    assert quarters["period"].to_list() == ["2025-Q2"]


# ------------------------------------------------------------------ completeness, unit


def _grid(drop: frozenset[tuple[str, str]] = frozenset(), geos: int = 4) -> pl.DataFrame:
    rows = [
        (f"ITC1{g}", str(y), 10)
        for g in range(1, geos + 1)
        for y in range(2018, 2026)
        if (f"ITC1{g}", str(y)) not in drop
    ]
    return pl.DataFrame(rows, schema=["geo_nuts3", "period", "planned_hires_n"], orient="row")


def test_a_full_grid_has_no_gaps() -> None:
    assert find_gaps(_grid(), geo="geo_nuts3") == []


def test_a_deleted_province_year_is_named() -> None:
    gaps = find_gaps(_grid(frozenset({("ITC13", "2023")})), geo="geo_nuts3")
    assert [(g.severity, g.message) for g in gaps] == [
        ("error", "no rows for ITC13 in 2023 (every other province has 2018-2025)")
    ]


def test_a_year_missing_everywhere_is_an_error() -> None:
    gaps = find_gaps(_grid(frozenset((f"ITC1{g}", "2021") for g in range(1, 5))), geo="geo_nuts3")
    assert [g.message for g in gaps] == [
        "no rows for any province in 2021 (the file has 2018-2025)"
    ]


def test_a_province_absent_from_the_whole_file_is_a_warning() -> None:
    expected = region_provinces("ITC1", 2021)
    assert expected == [f"ITC1{i}" for i in range(1, 9)]
    gaps = find_gaps(_grid(), geo="geo_nuts3", expected_geos=expected)
    assert {g.severity for g in gaps} == {"warning"}
    assert [g.geo for g in gaps] == ["ITC15", "ITC16", "ITC17", "ITC18"]


def test_missing_quarters_are_named() -> None:
    frame = pl.DataFrame(
        {
            "geo": ["ITC11"] * 3 + ["ITC12"] * 4,
            "period": ["2024-Q1", "2024-Q2", "2024-Q4"] + [f"2024-Q{q}" for q in range(1, 5)],
        }
    )
    gaps = find_gaps(frame, geo="geo")
    assert [g.message for g in gaps] == [
        "no rows for ITC11 in 2024-Q3 (every other province has 2024-Q1-2024-Q4)"
    ]


# ------------------------------------------------------------------ the CLI, end to end


@pytest.fixture
def published(warm_workspace: Path) -> Path:
    """The session's published demo workspace (read only: tests copy it first)."""
    return warm_workspace


def _rewrite(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _quarterly_table_for_annual_role(ws: Path) -> None:
    """Every period column of the annual unemployment rate relabelled as a quarter."""

    def change(lines: list[str]) -> list[str]:
        cells = lines[0].split("\t")
        head = [cells[0], *(f"{c.strip()}Q4 " for c in cells[1:])]
        return ["\t".join(head), *lines[1:]]

    _rewrite(ws / "data" / "lfst_r_lfu3rt.tsv", change)


def _quarterly_rows_in_annual_sdmx(ws: Path) -> None:
    """freq=Q rows (2025-Q2) appended to the annual employment table."""

    def change(lines: list[str]) -> list[str]:
        extra = [
            ln.replace(",A,", ",Q,", 1).replace(",2025,", ",2025-Q2,", 1)
            for ln in lines[1:]
            if ",ITC1,2025," in ln
        ]
        assert extra
        return [*lines, *extra]

    _rewrite(ws / "data" / "lfst_r_lfe2emp.csv", change)


def _quarter_columns_in_tsv(ws: Path) -> None:
    def change(lines: list[str]) -> list[str]:
        return [lines[0] + "\t2025Q2 "] + [ln + "\t7.5 " for ln in lines[1:]]

    _rewrite(ws / "data" / "lfst_r_lfu3rt.tsv", change)


def _quarters_beside_the_year(ws: Path) -> None:
    """2024 hiring plans repeated as four quarters: the year's demand would double."""

    def change(lines: list[str]) -> list[str]:
        extra = []
        for ln in lines[1:]:
            cells = ln.split(",")
            if cells[1] == "2024":
                for q in range(1, 5):
                    n = int(cells[4]) // 4
                    extra.append(
                        ",".join([cells[0], f"2024-Q{q}", *cells[2:4], str(n), *cells[5:]])
                    )
        return [*lines, *extra]

    _rewrite(ws / "data" / "hiring_plans.csv", change)


def _cut_at_60_percent(ws: Path) -> None:
    _rewrite(ws / "data" / "hiring_plans.csv", lambda ls: ls[: int(len(ls) * 0.6)])


def _delete_province_year(ws: Path) -> None:
    _rewrite(
        ws / "data" / "hiring_plans.csv",
        lambda ls: [ln for ln in ls if not ln.startswith("ITC13,2023,")],
    )


def _delete_hires_year(ws: Path) -> None:
    _rewrite(
        ws / "data" / "hires.csv", lambda ls: [ln for ln in ls if not ln.startswith("ITC18,2020,")]
    )


# (case, corrupt(workspace), exit code, texts the message must contain)
CASES: list[tuple[str, Callable[[Path], None], int, list[str]]] = [
    (
        "freq=Q rows in an annual SDMX-CSV table",
        _quarterly_rows_in_annual_sdmx,
        1,
        ["lfst_r_lfe2emp.csv:", "column 'TIME_PERIOD'", "mixes period frequencies", "2025-Q2"],
    ),
    (
        "quarterly column in an annual TSV table",
        _quarter_columns_in_tsv,
        1,
        ["lfst_r_lfu3rt.tsv:2: column '2025Q2'", "mixes period frequencies", 'freq = "A"'],
    ),
    (
        "a quarterly table where the role reads annual periods",
        _quarterly_table_for_annual_role,
        1,
        [
            "lfst_r_lfu3rt.tsv: column 'period'",
            "the unemployment_rate source reads annual periods",
            "(quarterly)",
        ],
    ),
    (
        "quarterly hiring plans beside the annual row",
        _quarters_beside_the_year,
        1,
        [
            "hiring_plans.csv:",
            "column 'period'",
            "2024 has both 2024-Q1 and 2024 rows",
            "added up twice",
        ],
    ),
    (
        "hiring file cut at 60 % of its lines",
        _cut_at_60_percent,
        1,
        ["hiring_plans.csv: column 'geo_nuts3'", "incomplete: no rows for ITC1"],
    ),
    (
        "one province-year deleted",
        _delete_province_year,
        1,
        [
            "hiring_plans.csv: column 'geo_nuts3'",
            "no rows for ITC13 in 2023 (every other province has 2017-2025)",
        ],
    ),
    (
        "one province-year of realised hires deleted",
        _delete_hires_year,
        1,
        ["hires.csv: column 'geo'", "no rows for ITC18 in 2020 (every other province has"],
    ),
]


def _run(ws: Path, *extra: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out"), *extra])
    code = exit_info.value.code
    assert isinstance(code, int)
    return code


@pytest.mark.parametrize(("case", "corrupt", "code", "texts"), CASES, ids=[c[0] for c in CASES])
def test_period_and_completeness_faults_stop_the_run(
    published: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
    case: str,
    corrupt: Callable[[Path], None],
    code: int,
    texts: list[str],
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    before = snapshot(ws / "out")
    corrupt(ws)
    got = _run(ws)
    err = capsys.readouterr().err
    assert got == code, err
    for text in texts:
        assert text in err, f"{case}: {text!r} not in:\n{err}"
    assert snapshot(ws / "out") == before


def test_a_large_row_drop_stops_unless_accepted(
    published: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
) -> None:
    """Hiring plans without their last three years: a complete grid, a third fewer rows."""
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    before = snapshot(ws / "out")
    _rewrite(
        ws / "data" / "hiring_plans.csv",
        lambda ls: [ln for ln in ls if ln.split(",")[1] not in ("2023", "2024", "2025")],
    )
    rows_before = len(
        (published / "data" / "hiring_plans.csv").read_text(encoding="utf-8").splitlines()
    )
    rows = len((ws / "data" / "hiring_plans.csv").read_text(encoding="utf-8").splitlines()) - 1
    drop = round(100 * (rows_before - 1 - rows) / (rows_before - 1), 1)
    assert drop > 20
    assert _run(ws) == 1
    err = capsys.readouterr().err
    assert f"hiring_plans.csv: input 'hiring_plans' has {rows} rows" in err, err
    assert f"had {rows_before - 1} (-{drop} %, more than 20 %)" in err
    assert f"hiring_plans.parquet: table 'hiring_plans' has {rows} rows" in err
    assert "--accept-row-drop" in err
    assert snapshot(ws / "out") == before

    assert _run(ws, "--accept-row-drop") == 0
    manifest = json.loads((ws / "out" / "latest" / "manifest.json").read_text())
    counts = manifest["row_counts"]
    assert counts["accepted"] is True
    assert counts["inputs"]["hiring_plans"] == rows
    assert {(d["kind"], d["name"]) for d in counts["drops"]} >= {("input", "hiring_plans")}
    hiring = pl.read_parquet(ws / "out" / "latest" / "hiring_plans.parquet")
    assert hiring.height == rows


def test_row_count_rule_inputs_by_selection_tables_by_unchanged_spec(tmp_path: Path) -> None:
    """The rule of check_row_counts, case by case, on a hand-made previous manifest."""
    from types import SimpleNamespace

    from skills.errors import QualityError
    from skills.refresh import check_row_counts

    spec = load_spec(_spec_with(tmp_path, ""))
    now = SimpleNamespace(
        inputs=[{"role": "unemployment_rate", "location": "u.tsv", "rows": 70}],
        tables={"indicators": pl.DataFrame({"a": range(50)})},
    )
    first = check_row_counts(spec, now, None)
    assert first["previous_run"] is None and first["drops"] == []
    previous = {
        "run_id": "r0",
        "pipeline": {"name": "t", "region": "ITC1", "sha256": spec.sha256},
        "data_label": spec.data_label,
        "inputs": [{"role": "unemployment_rate", "rows": 100}],
        "outputs": [{"path": "indicators.parquet", "rows": 100}, {"path": "x.csv"}],
        "row_counts": {"selections": first["selections"]},
    }
    with pytest.raises(QualityError) as info:
        check_row_counts(spec, now, previous)
    assert "u.tsv: input 'unemployment_rate' has 70 rows" in str(info.value)
    assert "had 100 (-30.0 %, more than 20 %)" in str(info.value)
    assert "indicators.parquet: table 'indicators' has 50 rows" in str(info.value)
    accepted = check_row_counts(spec, now, previous, accept=True)
    assert accepted["accepted"] is True
    assert [(d["kind"], d["name"]) for d in accepted["drops"]] == [
        ("input", "unemployment_rate"),
        ("table", "indicators"),
    ]
    # an edited spec: tables are not compared, an input read the same way still is
    edited = {**previous, "pipeline": {**previous["pipeline"], "sha256": "0" * 64}}
    with pytest.raises(QualityError, match="input 'unemployment_rate'") as info:
        check_row_counts(spec, now, edited)
    assert "table 'indicators'" not in str(info.value)
    # ... and an input read with another selection (start_period changed) is not
    (tmp_path / "b").mkdir()
    other = load_spec(_spec_with(tmp_path / "b", 'start_period = "2020"'))
    changed = check_row_counts(other, now, edited)
    assert changed["drops"] == [] and changed["tables_compared"] is False
    # growth is never a drop; another pipeline is never compared
    grown = SimpleNamespace(
        inputs=[{"role": "unemployment_rate", "location": "u.tsv", "rows": 150}],
        tables={"indicators": pl.DataFrame({"a": range(200)})},
    )
    assert check_row_counts(spec, grown, previous)["drops"] == []
    stranger = {**previous, "pipeline": {**previous["pipeline"], "name": "other"}}
    assert check_row_counts(spec, now, stranger)["previous_run"] is None


def _plans(periods: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo_nuts3": ["ITC11"] * len(periods),
            "period": periods,
            "planned_hires_n": [10] * len(periods),
            "_line": list(range(2, len(periods) + 2)),
        }
    )


def test_quarterly_plans_need_whole_years() -> None:
    from skills.sources.hiring import check_one_frequency

    check_one_frequency(_plans([f"2024-Q{q}" for q in range(1, 5)]), "plans.csv")
    with pytest.raises(InputError) as info:
        check_one_frequency(
            _plans([*(f"2024-Q{q}" for q in range(1, 5)), "2025-Q1", "2025-Q2"]), "plans.csv"
        )
    assert (info.value.file, info.value.line, info.value.column) == ("plans.csv", 6, "period")
    assert "2025 has 2 of its 4 quarters (1, 2)" in str(info.value)
    with pytest.raises(InputError, match="2019 has 11 of its 12 months"):
        check_one_frequency(_plans([f"2019-{m:02d}" for m in range(1, 12)]), "plans.csv")


def test_monthly_plans_beside_a_year_are_refused() -> None:
    from skills.sources.hiring import check_one_frequency

    with pytest.raises(InputError) as info:
        check_one_frequency(_plans(["2023", "2024", "2024-07"]), "plans.csv")
    assert (info.value.line, info.value.column) == (4, "period")
    assert "2024 has both 2024-07 and 2024 rows" in str(info.value)
