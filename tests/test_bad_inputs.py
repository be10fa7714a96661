"""Bad input an unattended refresh must survive: non-zero exit, a message a planner can act
on, a failure report beside the publications, and the last publication left byte-for-byte
intact. Each case corrupts one file of a published demo workspace and runs the CLI."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from skills.cli import main


@pytest.fixture
def published(warm_workspace: Path) -> Path:
    """The session's published demo workspace (read only: tests copy it first)."""
    return warm_workspace


def edit_lines(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def sub_cell(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _its_graduates_above_enrolled(ws: Path) -> None:
    path = ws / "data" / "its_courses.xlsx"
    df = pl.read_excel(path, sheet_name="courses")
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.col("enrolled_n") + 5)
        .otherwise(pl.col("graduates_n"))
        .alias("graduates_n")
    )
    df.write_excel(path, worksheet="courses")


def _multiply_year(ws: Path) -> None:
    path = ws / "data" / "lfst_r_lfe2emp.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[7] == "2020" and cells[8]:
            cells[8] = f"{float(cells[8]) * 10:.1f}"
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _latin1(ws: Path) -> None:
    path = ws / "data" / "wages_by_occupation.csv"
    text = path.read_text(encoding="utf-8").replace("shaped like", "Città, shaped like", 1)
    path.write_bytes(text.encode("latin-1"))


# (case, corrupt(workspace), expected exit code, texts the message must contain)
CASES: list[tuple[str, Callable[[Path], object], int, list[str]]] = [
    (
        "missing file",
        lambda ws: (ws / "data" / "hires.csv").unlink(),
        2,
        ["[sources.hires] path", "file not found"],
    ),
    (
        "empty file",
        lambda ws: (ws / "data" / "hires.csv").write_text(""),
        1,
        ["hires.csv", "the file is empty"],
    ),
    (
        "truncated file",
        lambda ws: (ws / "data" / "lfst_r_lfu3rt.tsv").write_bytes(
            (ws / "data" / "lfst_r_lfu3rt.tsv").read_bytes()[:5000]
        ),
        1,
        ["lfst_r_lfu3rt.tsv:", "truncated"],
    ),
    (
        "wrong delimiter",
        lambda ws: (ws / "data" / "hires.csv").write_text(
            (ws / "data" / "hires.csv").read_text().replace(",", ";")
        ),
        1,
        ["hires.csv:1", "separated by ';'", "delimiter"],
    ),
    ("wrong encoding (Latin-1)", _latin1, 1, ["wages_by_occupation.csv:2", "UTF-8", "encoding"]),
    (
        "header renamed",
        lambda ws: sub_cell(ws / "data" / "hiring_plans.csv", "planned_hires_n", "hires"),
        1,
        ["hiring_plans.csv:1: column 'planned_hires_n'", "missing", "renamed?"],
    ),
    (
        "extra unexpected column",
        lambda ws: edit_lines(
            ws / "data" / "hires.csv", lambda ls: [ls[0] + ",comment"] + [x + ",ok" for x in ls[1:]]
        ),
        1,
        ["hires.csv:1: column 'comment'", "unexpected column", "ignore_columns"],
    ),
    (
        "duplicated key rows",
        lambda ws: edit_lines(ws / "data" / "hiring_plans.csv", lambda ls: [*ls, ls[1]]),
        1,
        ["hiring_plans.csv:", "duplicated key", "lines 2, "],
    ),
    (
        "unknown region code",
        lambda ws: sub_cell(ws / "data" / "hires.csv", "ITC11,", "ITC19,"),
        1,
        ["hires.csv:2: column 'geo'", "unknown code 'ITC19'"],
    ),
    (
        "unknown occupation code",
        lambda ws: sub_cell(ws / "data" / "hiring_plans.csv", "ITC11,2017,111,", "ITC11,2017,119,"),
        1,
        ["hiring_plans.csv:2: column 'isco08'", "unknown code '119'"],
    ),
    (
        "unknown region code in a Eurostat table",
        lambda ws: sub_cell(ws / "data" / "lfst_r_lfe2emp.csv", ",ITC1,2015,", ",ITC9,2015,", 3),
        1,
        ["ERROR employment:", "on geo", "ITC9", "lfst_r_lfe2emp.csv"],
    ),
    (
        "negative counts",
        lambda ws: sub_cell(ws / "data" / "hires.csv", "ITC11,2018,", "ITC11,2018,-"),
        1,
        ["hires.csv:2: column 'hires_n'", "below 0"],
    ),
    (
        "negative count in a Eurostat table",
        lambda ws: edit_lines(
            ws / "data" / "lfst_r_lfp2acedu.tsv",
            lambda ls: [ls[0], ls[1].replace("\t", "\t-", 1), *ls[2:]],
        ),
        1,
        ["ERROR active_by_education:", "on value", "lfst_r_lfp2acedu.tsv"],
    ),
    (
        "rate above 100",
        lambda ws: edit_lines(
            ws / "data" / "lfst_r_lfu3rt.tsv",
            lambda ls: [ls[0], ls[1].replace(ls[1].split("\t")[1], "150.0 ", 1), *ls[2:]],
        ),
        1,
        ["ERROR unemployment_rate:", "on value", "150", "lfst_r_lfu3rt.tsv"],
    ),
    (
        "graduates above enrolled",
        _its_graduates_above_enrolled,
        1,
        ["its_courses.xlsx[courses]:5: column 'graduates_n'", "more graduates than enrolled"],
    ),
    (
        "a value that is text",
        lambda ws: sub_cell(ws / "data" / "hires.csv", "ITC11,2018,", "ITC11,2018,circa "),
        1,
        ["hires.csv:2: column 'hires_n'", "is not a whole number"],
    ),
    (
        "a Eurostat value that is text",
        lambda ws: sub_cell(ws / "data" / "lfst_r_lfe2emp.csv", ",2015,98.7,", ",2015,n.d.,"),
        1,
        ["lfst_r_lfe2emp.csv:2: column 'OBS_VALUE'", "is not a number"],
    ),
    (
        "all-null column",
        lambda ws: edit_lines(
            ws / "data" / "hires.csv",
            lambda ls: (
                [ls[0]]
                + [
                    ",".join(c if i != 2 else "" for i, c in enumerate(x.split(",")))
                    for x in ls[1:]
                ]
            ),
        ),
        1,
        ["hires.csv:1: column 'hires_n'", "empty in every row"],
    ),
    (
        "a year jumping by 10x",
        _multiply_year,
        1,
        ["ERROR employment:", "median_ratio", "period=2020", "lfst_r_lfe2emp.csv"],
    ),
    (
        "a file from a different dataset under the expected name",
        lambda ws: shutil.copy(ws / "data" / "lfsa_egai2d.csv", ws / "data" / "lfst_r_lfe2emp.csv"),
        1,
        ["lfst_r_lfe2emp.csv:1", "lfsa_egai2d"],
    ),
]


def edit_gz_lines(path: Path, change: Callable[[str], str]) -> None:
    """Apply ``change`` to every line of a gzipped text file."""
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")
    path.write_bytes(gzip.compress("\n".join(change(x) for x in lines).encode("utf-8")))


def scale_cells(line: str, prefix: str, factor: float, columns: slice) -> str:
    """Multiply the value of the TSV cells ``columns`` of the line starting with ``prefix``."""
    if not line.startswith(prefix):
        return line
    cells = line.split("\t")
    for i in range(len(cells))[columns]:
        number, _, flag = cells[i].partition(" ")
        if number != ":":
            cells[i] = f"{float(number) * factor:.1f} {flag}"
    return "\t".join(cells)


UNEMPLOYMENT = "lfst_r_lfu3pers.tsv.gz"


def _scale_sdmx_series(ws: Path, key: str, factor: float) -> None:
    """Multiply OBS_VALUE on every line of lfst_r_lfe2emp.csv whose key contains ``key``."""

    def scale(line: str) -> str:
        if key not in line:
            return line
        cells = line.split(",")
        cells[8] = f"{float(cells[8]) * factor:.1f}" if cells[8] else cells[8]
        return ",".join(cells)

    edit_lines(ws / "data" / "lfst_r_lfe2emp.csv", lambda ls: [scale(x) for x in ls])


# Values: non-finite, implausible, overflowing, and levels that no single check sees.
VALUE_CASES: list[tuple[str, Callable[[Path], object], int, list[str]]] = [
    (
        "a Eurostat value that overflows to infinity",
        lambda ws: edit_lines(
            ws / "data" / "lfst_r_lfu3rt.tsv",
            lambda ls: [ls[0], ls[1].replace(ls[1].split("\t")[1], "1e999 ", 1), *ls[2:]],
        ),
        1,
        ["lfst_r_lfu3rt.tsv:2: column '", "'1e999'", "key '", "is not a finite number"],
    ),
    (
        "a Eurostat value of 1e300",
        lambda ws: sub_cell(ws / "data" / "lfst_r_lfe2emp.csv", ",2015,98.7,", ",2015,1e300,"),
        1,
        ["lfst_r_lfe2emp.csv:2: column 'OBS_VALUE'", "geo=AT", "beyond 1e+12"],
    ),
    (
        "a Eurostat count in thousands above a billion persons",
        lambda ws: sub_cell(ws / "data" / "lfst_r_lfe2emp.csv", ",2015,98.7,", ",2015,2500000,"),
        1,
        ["ERROR employment:", "on value", "2.5e+06", "lfst_r_lfe2emp.csv", "geo=AT"],
    ),
    (
        "a wage of 1e300",
        lambda ws: sub_cell(ws / "data" / "wages_by_occupation.csv", ",2014,24.0,", ",2014,1e300,"),
        1,
        ["wages_by_occupation.csv:2: column 'mean_hourly_wage_eur'", "above 1000"],
    ),
    (
        "a wage of inf",
        lambda ws: sub_cell(ws / "data" / "wages_by_occupation.csv", ",2014,24.0,", ",2014,inf,"),
        1,
        ["wages_by_occupation.csv:2: column 'mean_hourly_wage_eur'", "'inf' is not a finite"],
    ),
    (
        "planned hires at Int64 max (a sum would wrap)",
        lambda ws: sub_cell(
            ws / "data" / "hiring_plans.csv",
            "ITC11,2017,111,university,370,",
            "ITC11,2017,111,university,9223372036854775807,",
        ),
        1,
        ["hiring_plans.csv:2: column 'planned_hires_n'", "above 1e+09"],
    ),
    (
        "planned hires beyond Int64",
        lambda ws: sub_cell(
            ws / "data" / "hiring_plans.csv",
            "ITC11,2017,111,university,370,",
            "ITC11,2017,111,university,99999999999999999999,",
        ),
        1,
        ["hiring_plans.csv:2: column 'planned_hires_n'", "too large to be a count"],
    ),
    (
        "every hires count negative: all reported in one run",
        lambda ws: edit_lines(
            ws / "data" / "hires.csv",
            lambda ls: [ls[0], *(x.replace(",", ",-", 2).replace(",-", ",", 1) for x in ls[1:])],
        ),
        1,
        [
            "hires.csv:2: column 'hires_n': value -",
            "hires.csv:21: column 'hires_n': value -",
            "hires.csv: 72 problems in all; the first 20 are shown",
        ],
    ),
    (
        "one Eurostat cell x1000",
        lambda ws: edit_gz_lines(
            ws / "data" / UNEMPLOYMENT,
            lambda x: scale_cells(x, "A,THS_PER,F,Y15-74,ITC1\t", 1000, slice(3, 4)),
        ),
        1,
        ["ERROR unemployment:", "on ratio_to_series_median", "geo=ITC1, period=2017", UNEMPLOYMENT],
    ),
    (
        "a region's whole series x10 in every year",
        lambda ws: edit_gz_lines(
            ws / "data" / UNEMPLOYMENT,
            lambda x: scale_cells(x, "A,THS_PER,M,Y15-74,ITC1\t", 10, slice(1, None)),
        ),
        1,
        ["ERROR unemployment:", "on complete_children_to_parent", "geo=ITC1", UNEMPLOYMENT],
    ),
    (
        "a province's whole series x10 in every year",
        lambda ws: edit_gz_lines(
            ws / "data" / UNEMPLOYMENT,
            lambda x: scale_cells(x, "A,THS_PER,T,Y15-74,ITC11\t", 10, slice(1, None)),
        ),
        1,
        ["ERROR unemployment:", "on children_to_parent", "geo=ITC1,", UNEMPLOYMENT],
    ),
    (
        "a region's total of both sexes x10 in every year",
        lambda ws: _scale_sdmx_series(ws, ",THS_PER,T,Y15-74,ITC1,", 10),
        1,
        [
            "ERROR employment:",
            "on complete_children_to_parent",
            "total_of=sex",
            "sex=T, age=Y15-74, geo=ITC1",
            "lfst_r_lfe2emp.csv",
        ],
    ),
    (
        "one hires cell x1000",
        lambda ws: sub_cell(
            ws / "data" / "hires.csv", "ITC11,2018,239077,", "ITC11,2018,239077000,"
        ),
        1,
        ["ERROR hires:", "on ratio_to_series_median", "geo=ITC11, period=2018", "hires.csv"],
    ),
]


@pytest.mark.parametrize(
    ("case", "corrupt", "code", "texts"),
    CASES + VALUE_CASES,
    ids=[c[0] for c in CASES + VALUE_CASES],
)
def test_bad_input_stops_the_run_and_keeps_the_publication(
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
    # the copied spec's paths are relative to it; the copied cache makes untouched stages fast
    before = snapshot(ws / "out")
    corrupt(ws)
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == code, err
    for text in texts:
        assert text in err, f"{case}: {text!r} not in:\n{err}"
    assert snapshot(ws / "out") == before
    if code == 1:
        failures = list((ws / "out" / "failures").iterdir())
        assert len(failures) == 1 and (failures[0] / "error.txt").is_file()
        assert str(failures[0]) in err
