"""Reading Eurostat bulk TSV and SDMX-CSV files: real fixtures and bad input."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import polars as pl
import pytest

from skills.errors import ConfigError, InputError
from skills.sources.eurostat import load_eurostat, normalise_period, read_eurostat


# ----------------------------------------------------------------- reference parsers
def reference_tsv(path: Path) -> dict[tuple[str, ...], tuple[float | None, str | None]]:
    """Parse a bulk TSV by hand, with nothing shared with the package's reader."""
    out: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        years = [h.strip() for h in header[1:]]
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            key = tuple(cells[0].split(","))
            for year, cell in zip(years, cells[1:], strict=True):
                value_text, _, flag = cell.strip().partition(" ")
                value = None if value_text == ":" else float(value_text)
                out[(*key, year)] = (value, flag.strip() or None)
    return out


def reference_sdmx(path: Path) -> dict[tuple[str, ...], tuple[float | None, str | None]]:
    out: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        dims = [
            c
            for c in reader.fieldnames or []
            if c
            not in {
                "DATAFLOW",
                "LAST UPDATE",
                "freq",
                "TIME_PERIOD",
                "OBS_VALUE",
                "OBS_FLAG",
                "CONF_STATUS",
            }
        ]
        for row in reader:
            key = (*[row[d] for d in dims], row["TIME_PERIOD"])
            value = float(row["OBS_VALUE"]) if row["OBS_VALUE"] else None
            out[key] = (value, row["OBS_FLAG"] or None)
    return out


ALL_FIXTURES = [
    "jvs_a_nace2_snap2017_it_bench.tsv",
    "lfst_r_lfe2eedu_snap2017_it_bench.tsv",
    "lfst_r_lfe2eftpt_snap2017_it_bench.tsv",
    "lfst_r_lfe2emp_snap2017_it_bench.tsv",
    "lfst_r_lfe2en2_snap2017_it_bench.tsv",
    "lfst_r_lfp2acedu_snap2017_it_bench.tsv",
    "lfst_r_lfu3pers_snap2017_it_bench.tsv",
    "lfst_r_lfu3rt_snap2014_it_bench.tsv",
    "tgs00010_snap2019_all_nuts2.tsv",
    "trng_lfse_04_snap2017_it_bench.tsv",
    "lfsa_egai2d_it_eu.csv",
    "lfsa_egai2d.csv",
]


def test_every_fixture_is_listed(eurostat_dir: Path) -> None:
    assert sorted(p.name for p in eurostat_dir.iterdir()) == sorted(ALL_FIXTURES)


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_numbers_match_the_file_exactly(eurostat_dir: Path, name: str) -> None:
    path = eurostat_dir / name
    table = load_eurostat(path)
    df = table.frame.collect()
    assert df.columns == [*table.dimensions, "period", "value", "flag"]
    assert df.schema["value"] == pl.Float64
    assert df.schema["period"] == pl.String
    expected = reference_tsv(path) if name.endswith(".tsv") else reference_sdmx(path)
    got = {(*row[:-2],): (row[-2], row[-1]) for row in df.iter_rows()}
    assert len(got) == len(expected) == df.height == table.rows
    assert got == expected


def test_tgs00010_spot_values(eurostat_dir: Path) -> None:
    # Line 2 of the file: "PC,Y_GE15,F,AT11  6.4 u  : bu ..." (by eye in the source file)
    df = read_eurostat(eurostat_dir / "tgs00010_snap2019_all_nuts2.tsv").collect()
    at11 = df.filter(pl.col("geo") == "AT11", pl.col("sex") == "F").sort("period")
    assert at11.row(0) == ("PC", "Y_GE15", "F", "AT11", "2006", 6.4, "u")
    assert at11.row(1) == ("PC", "Y_GE15", "F", "AT11", "2007", None, "bu")
    assert at11["period"].to_list() == [str(y) for y in range(2006, 2018)]


def test_sdmx_metadata_and_flags(eurostat_dir: Path) -> None:
    table = load_eurostat(eurostat_dir / "lfsa_egai2d_it_eu.csv")
    assert table.dataset == "lfsa_egai2d"
    assert table.last_update == "2026-06-30T11:00:00"
    assert table.dimensions == ("isco08", "age", "sex", "unit", "geo")
    df = table.frame.collect()
    # "ESTAT:LFSA_EGAI2D(1.0),30/06/26 11:00:00,A,NRP,Y15-74,T,THS_PER,EU27_2020,2011,558.1,b,"
    row = df.filter(
        pl.col("isco08") == "NRP", pl.col("geo") == "EU27_2020", pl.col("period") == "2011"
    )
    assert row["value"].to_list() == [558.1] and row["flag"].to_list() == ["b"]
    # PROVENANCE: IT has no OC63 rows, and NRP only for 2013 (empty, u) and 2018 (6.1 b)
    it = df.filter(pl.col("geo") == "IT")
    assert it.filter(pl.col("isco08") == "OC63").height == 0
    nrp = it.filter(pl.col("isco08") == "NRP").sort("period")
    assert nrp.select("period", "value", "flag").rows() == [("2013", None, "u"), ("2018", 6.1, "b")]


def test_filters_and_period_range(eurostat_dir: Path) -> None:
    lf = read_eurostat(
        eurostat_dir / "lfst_r_lfu3pers_snap2017_it_bench.tsv",
        filters={"geo": ["ITC1"], "sex": "T", "age": "Y_GE15"},
        start_period="2010",
        end_period="2015",
    )
    df = lf.collect()
    assert set(df["geo"]) == {"ITC1"}
    assert df["period"].to_list() == [str(y) for y in range(2010, 2016)]
    with pytest.raises(ConfigError, match="unknown dimension 'isco'"):
        read_eurostat(eurostat_dir / "lfst_r_lfu3pers_snap2017_it_bench.tsv", filters={"isco": "1"})


def test_gzipped_tsv_reads_the_same(eurostat_dir: Path, tmp_path: Path) -> None:
    src = eurostat_dir / "tgs00010_snap2019_all_nuts2.tsv"
    gz = tmp_path / "tgs00010.tsv.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    a = read_eurostat(src).collect()
    b = read_eurostat(gz).collect()
    assert a.equals(b)


def test_api_style_tsv_with_freq_and_time_period(tmp_path: Path) -> None:
    path = tmp_path / "api.tsv"
    path.write_text(
        "freq,unit,geo\\TIME_PERIOD\t2019-Q1 \t2019-Q2 \n"
        "Q,PC,ITC1\t4.5 \t: c\n"
        "Q,PC,ITC11\t5 p\t6.25 \n",
        encoding="utf-8",
    )
    df = read_eurostat(path).collect()
    assert df.columns == ["unit", "geo", "period", "value", "flag"]
    assert df.rows() == [
        ("PC", "ITC1", "2019-Q1", 4.5, None),
        ("PC", "ITC1", "2019-Q2", None, "c"),
        ("PC", "ITC11", "2019-Q1", 5.0, "p"),
        ("PC", "ITC11", "2019-Q2", 6.25, None),
    ]


def test_ascending_and_descending_years_give_the_same_table(tmp_path: Path) -> None:
    desc = tmp_path / "desc.tsv"
    asc = tmp_path / "asc.tsv"
    desc.write_text("unit,geo\\time\t2016 \t2015 \nPC,ITC1\t9.3 \t10.2 b\n", encoding="utf-8")
    asc.write_text("unit,geo\\time\t2015 \t2016 \nPC,ITC1\t10.2 b\t9.3 \n", encoding="utf-8")
    assert read_eurostat(desc).collect().equals(read_eurostat(asc).collect())


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2015 ", "2015"),
        ("2019Q3", "2019-Q3"),
        ("2019-Q3", "2019-Q3"),
        ("2019M07", "2019-07"),
        ("2019-07", "2019-07"),
        ("2019S2", "2019-S2"),
        ("2019W05", "2019-W05"),
        ("2019-07-01", "2019-07-01"),
    ],
)
def test_normalise_period(text: str, period: str) -> None:
    result = normalise_period(text)
    assert result is not None and result[0] == period


# --------------------------------------------------------------------- bad input
GOOD = "unit,sex,geo\\time\t2015 \t2014 \nPC,T,ITC1\t9.3 \t10.2 b\nPC,T,ITC11\t8.0 u\t: \n"


def write(tmp_path: Path, text: str, name: str = "bad.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        (GOOD[:-9], 3, None, "truncated"),  # cut mid-line, no final newline
        (GOOD.replace("PC,T,ITC11\t8.0 u\t: \n", "PC,T,ITC11\t8.0 u\n"), 3, None, "truncated"),
        (GOOD.replace("\\time", ""), 1, "unit,sex,geo", "should end in"),
        (GOOD.replace("2014 ", "total"), 1, "total", "not a period"),
        (GOOD.replace("9.3 ", "9,3 "), 2, "2015 ", "not 'value[ flag]'"),
        (GOOD.replace("8.0 u", "abc"), 3, "2015 ", "not 'value[ flag]'"),
        (GOOD.replace("10.2 b", "10.2 x"), 2, "2014 ", "unknown flag 'x'"),
        (GOOD + "PC,T,ITC1\t1.0 \t2.0 \n", 2, "unit,sex,geo\\time", "duplicated key"),
        (GOOD.replace("PC,T,ITC11", "PC,ITC11"), 3, "unit,sex,geo\\time", "has 2 parts"),
        (GOOD + "\n", 4, None, "blank line"),
        ("unit,sex,geo\\time\t2015 \n", 1, None, "no data lines"),
        ("", None, None, "empty"),
        ("country;value;year\nIT;3;2015\n", 1, None, "not a Eurostat table"),
    ],
)
def test_bad_tsv_names_file_line_and_column(
    tmp_path: Path, text: str, line: int | None, column: str | None, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    exc = err.value
    assert exc.file == str(path)
    assert exc.line == line
    assert exc.column == column
    assert reason in exc.reason
    assert str(path) in str(exc)


def test_duplicated_key_lists_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "PC,T,ITC1\t1.0 \t2.0 \n")
    with pytest.raises(InputError, match=r"on lines 2, 4"):
        read_eurostat(path)


def test_latin1_file_is_rejected_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    text = "unit,geo\\time\t2015 \nPC,ITC1\t1.0 \nPC,Citt\u00e0\t2.0 \n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        read_eurostat(path)
    assert err.value.line == 3


def test_truncated_gzip(tmp_path: Path, eurostat_dir: Path) -> None:
    data = gzip.compress((eurostat_dir / "tgs00010_snap2019_all_nuts2.tsv").read_bytes())
    path = tmp_path / "cut.tsv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="gzip stream is truncated"):
        read_eurostat(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        read_eurostat(tmp_path / "nope.tsv")


SDMX = (
    "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
    "ESTAT:TGS00010(1.0),12/03/25 23:00:00,A,PC,ITC1,2019,7.6,,\n"
    "ESTAT:TGS00010(1.0),12/03/25 23:00:00,A,PC,ITC1,2020,,u,\n"
    "ESTAT:TGS00010(1.0),12/03/25 23:00:00,A,PC,ITC1,2021,7.3,,C\n"
)


def test_sdmx_small(tmp_path: Path) -> None:
    table = load_eurostat(write(tmp_path, SDMX, "t.csv"))
    assert table.dataset == "tgs00010"
    assert table.last_update == "2025-03-12T23:00:00"
    assert table.frame.collect().rows() == [
        ("PC", "ITC1", "2019", 7.6, None),
        ("PC", "ITC1", "2020", None, "u"),
        ("PC", "ITC1", "2021", 7.3, "c"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        (SDMX.replace(",7.6,", ",7,6,"), 2, None, "10 fields where the header has 9"),
        (SDMX.replace(",7.6,", ",n/a,"), 2, "OBS_VALUE", "is not a number"),
        (SDMX.replace(",,u,", ",,q,"), 3, "OBS_FLAG", "unknown flag 'q'"),
        (SDMX.replace(",2021,", ",2020,"), 3, "TIME_PERIOD", "duplicated key"),
        (SDMX.replace(",2021,", ",21,"), 4, "TIME_PERIOD", "is not a period"),
        (SDMX.replace("A,PC,ITC1,2020", "Q,PC,ITC1,2020"), 3, "freq", "does not match"),
        (SDMX.replace("OBS_VALUE", "VALUE"), 1, "OBS_VALUE", "lacks"),
    ],
)
def test_bad_sdmx(tmp_path: Path, text: str, line: int, column: str | None, reason: str) -> None:
    path = write(tmp_path, text, "bad.csv")
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    assert (err.value.line, err.value.column) == (line, column)
    assert reason in err.value.reason


def test_error_message_shape(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("8.0 u", "abc"))
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    assert re.fullmatch(rf"{re.escape(str(path))}:3: column '2015 ': .+", str(err.value))


# --------------------------------------------------------------------- absurd values


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1e999 ", "is not a finite number"),  # overflows a double: read as infinity
        ("1e999 b", "is not a finite number"),  # a flag does not excuse it
        ("1e300 ", "is beyond 1e+12 in absolute value"),
        ("-2.5e13 ", "is beyond 1e+12 in absolute value"),
        ("inf ", "is not 'value[ flag]' or ':'"),
        ("nan ", "is not 'value[ flag]' or ':'"),
    ],
)
def test_tsv_non_finite_or_absurd_value_names_the_cell(
    tmp_path: Path, cell: str, reason: str
) -> None:
    path = write(tmp_path, GOOD.replace("10.2 b", cell))
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    exc = err.value
    assert (exc.file, exc.line, exc.column) == (str(path), 2, "2014 ")
    assert reason in exc.reason
    # the key of the cell, not only its line: a planner finds it with the file's filter
    assert "key 'PC,T,ITC1', period 2014" in exc.reason
    assert str(exc).startswith(f"{path}:2: column '2014 ': ")


def test_the_largest_plausible_value_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("10.2 b", "1e12 b"))
    assert read_eurostat(path).collect()["value"].to_list() == [1e12, 9.3, None, 8.0]


@pytest.mark.parametrize(
    ("value", "reason"),
    [("1e999", "is not a finite number"), ("-1e300", "is beyond 1e+12 in absolute value")],
)
def test_sdmx_non_finite_or_absurd_value_names_the_cell(
    tmp_path: Path, value: str, reason: str
) -> None:
    path = write(tmp_path, SDMX.replace(",7.3,", f",{value},"), "bad.csv")
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    assert (err.value.line, err.value.column) == (4, "OBS_VALUE")
    assert reason in err.value.reason
    assert "unit=PC,geo=ITC1, TIME_PERIOD=2021" in err.value.reason


def test_every_bad_cell_of_a_table_is_reported_in_one_run(tmp_path: Path) -> None:
    header = "unit,geo\\time\t2016 \t2015 \n"
    rows = [f"THS,ITC{i:02d}\t1e999 \t{i}.0 \n" for i in range(25)]
    rows[3] = "THS,ITC03\t1e999 \t1e300 \n"
    path = write(tmp_path, header + "".join(rows))
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    exc = err.value
    lines = str(exc).splitlines()
    assert len(lines) == 21 and exc.total == 26
    assert lines[-1] == f"{path}: 26 problems in all; the first 20 are shown"
    # file order, then period-column order within a line
    assert lines[3].startswith(f"{path}:5: column '2016 ': value '1e999'")
    assert lines[4].startswith(f"{path}:5: column '2015 ': value '1e300'")
    assert lines[19].startswith(f"{path}:20: column '2016 '")


def test_sdmx_every_non_number_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, SDMX.replace(",7.6,", ",n/a,").replace(",7.3,", ",7;3,"), "bad.csv")
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    assert str(err.value).splitlines() == [
        f"{path}:2: column 'OBS_VALUE': OBS_VALUE 'n/a' is not a number "
        "(unit=PC,geo=ITC1, TIME_PERIOD=2019)",
        f"{path}:4: column 'OBS_VALUE': OBS_VALUE '7;3' is not a number "
        "(unit=PC,geo=ITC1, TIME_PERIOD=2021)",
        f"{path}: 2 problems in all",
    ]


def test_every_unknown_flag_is_reported_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("10.2 b", "10.2 x").replace("8.0 u", "8.0 q"))
    with pytest.raises(InputError) as err:
        read_eurostat(path)
    assert [line.split(": ", 1)[0] for line in str(err.value).splitlines()] == [
        f"{path}:2",
        f"{path}:3",
        f"{path}",
    ]
    assert "column '2014 ': unknown flag 'x'" in str(err.value)
    assert "column '2015 ': unknown flag 'q'" in str(err.value)
    assert err.value.total == 2
