"""The files users bring: ITS course records, hiring plans and wages, as CSV and XLSX.

Every bad input must stop the read with an error whose file, line (or sheet and sheet
row) and column are exactly right, and whose message tells a planner what to fix. The
docs/schemas.md page is generated from the same schema objects and checked here.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import skills.classifications as cls
from skills.errors import ConfigError, InputError
from skills.schema import schemas_document
from skills.sources.hiring import HIRING_PLANS, read_hiring_plans
from skills.sources.its import ITS_COURSES, read_its_courses
from skills.sources.wages import WAGES, read_wages

REPO = Path(__file__).resolve().parent.parent
Reader = Callable[..., pl.DataFrame]

# ------------------------------------------------------------------------ fixtures

ITS_HEADER = (
    "foundation_id",
    "foundation_name",
    "course_id",
    "course_title",
    "its_area",
    "geo_nuts3",
    "start_year",
    "end_year",
    "enrolled_n",
    "graduates_n",
    "employed_12m_n",
    "employed_coherent_12m_n",
)
ITS_ROWS: tuple[tuple[str, ...], ...] = (
    ("F-AERO", "ITS Aerospazio", "AERO-01", "Manutentore", "mechatronics", "ITC11",
     "2021", "2023", "25", "20", "18", "17"),
    ("F-AERO", "ITS Aerospazio", "AERO-02", "Tecnico, logistica",
     "sustainable_mobility_logistics", "ITC11", "2022", "2024", "22", "19", "", ""),
    ("F-ICT", "ITS ICT Piemonte", "ICT-01", "Sviluppatore cloud", "ict_data", "ITC16",
     "2023", "2025", "28", "", "", ""),
)  # fmt: skip
HIRING_HEADER = (
    "geo_nuts3",
    "period",
    "isco08",
    "education_level",
    "planned_hires_n",
    "hard_to_fill_pct",
    "nace_r2",
)
HIRING_ROWS: tuple[tuple[str, ...], ...] = (
    ("ITC11", "2024", "31", "its_academy", "120", "45.5", ""),
    ("ITC11", "2024-Q2", "25", "university", "80", "", "J"),
    ("ITC16", "2024-07", "721", "upper_secondary", "30", "60", ""),
)
WAGES_HEADER = ("isco08", "geo", "year", "mean_hourly_wage_eur", "source_note")
WAGES_ROWS: tuple[tuple[str, ...], ...] = (
    ("2", "IT", "2018", "21.4", "earn_ses18_47"),
    ("25", "IT", "2018", "24.1", ""),
    ("OC9", "EU27_2020", "2018", "10.2", "earn_ses18_47"),
)


def quote(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]], sep: str = ",") -> str:
    return "".join(sep.join(quote(v) for v in row) + "\n" for row in (header, *rows))


def with_cell(
    header: Sequence[str], rows: Sequence[Sequence[str]], row: int, column: str, value: str
) -> list[list[str]]:
    """The rows with one cell replaced (``row`` is 0-based; it is file line ``row + 2``)."""
    out = [list(r) for r in rows]
    out[row][list(header).index(column)] = value
    return out


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def as_frame(header: Sequence[str], rows: Sequence[Sequence[str]]) -> pl.DataFrame:
    """All-string frame of the rows, empty cells as nulls (for writing XLSX files)."""
    return pl.DataFrame(
        [[v or None for v in r] for r in rows],
        schema=dict.fromkeys(header, pl.String),
        orient="row",
    )


def input_error(
    reader: Reader,
    path: Path,
    *,
    line: int | None,
    column: str | None,
    match: str,
    sheet: str | None = None,
    options: dict[str, object] | None = None,
) -> InputError:
    """Read ``path`` (with ``options``), expect an InputError at exactly that place."""
    with pytest.raises(InputError) as info:
        reader(path, **(options or {}))
    err = info.value
    assert (err.file, err.line, err.column, err.sheet) == (str(path), line, column, sheet), str(err)
    assert re.search(match, err.reason), err.reason
    # the message the CLI prints names the same place, compiler style
    where = str(path) + (f"[{sheet}]" if sheet else "") + (f":{line}" if line else "")
    assert str(err).startswith(where + ":"), str(err)
    if column is not None:
        assert f"column '{column}':" in str(err)
    return err


# ------------------------------------------------------------------------ valid files


def test_its_csv_and_xlsx_read_to_identical_typed_frames(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "courses.csv", csv_text(ITS_HEADER, ITS_ROWS))
    xlsx_path = tmp_path / "courses.xlsx"
    typed = as_frame(ITS_HEADER, ITS_ROWS).with_columns(
        pl.col(c).cast(pl.Int64) for c in ITS_HEADER[6:]
    )
    typed.write_excel(xlsx_path, worksheet="courses")

    from_csv = read_its_courses(csv_path)
    from_xlsx = read_its_courses(xlsx_path)
    assert_frame_equal(from_csv, from_xlsx)
    assert from_csv.columns == [*ITS_HEADER, "_line", "its_area_source"]
    assert from_csv.schema["enrolled_n"] == pl.Int64
    assert from_csv.schema["employed_coherent_12m_n"] == pl.Int64
    assert from_csv.schema["_line"] == pl.Int64
    assert from_csv["_line"].to_list() == [2, 3, 4]
    assert from_csv.row(1, named=True) == {
        "foundation_id": "F-AERO",
        "foundation_name": "ITS Aerospazio",
        "course_id": "AERO-02",
        "course_title": "Tecnico, logistica",
        "its_area": "sustainable_mobility_logistics",
        "geo_nuts3": "ITC11",
        "start_year": 2022,
        "end_year": 2024,
        "enrolled_n": 22,
        "graduates_n": 19,
        "employed_12m_n": None,
        "employed_coherent_12m_n": None,
        "_line": 3,
        "its_area_source": "sustainable_mobility_logistics",
    }


def test_hiring_csv_and_xlsx_read_to_identical_typed_frames(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "plans.csv", csv_text(HIRING_HEADER, HIRING_ROWS))
    xlsx_path = tmp_path / "plans.xlsx"
    as_frame(HIRING_HEADER, HIRING_ROWS).with_columns(
        pl.col("planned_hires_n").cast(pl.Int64), pl.col("hard_to_fill_pct").cast(pl.Float64)
    ).write_excel(xlsx_path)

    from_csv = read_hiring_plans(csv_path)
    assert_frame_equal(from_csv, read_hiring_plans(xlsx_path))
    assert from_csv.schema["planned_hires_n"] == pl.Int64
    assert from_csv.schema["hard_to_fill_pct"] == pl.Float64
    assert from_csv["hard_to_fill_pct"].to_list() == [45.5, None, 60.0]
    assert from_csv["nace_r2"].to_list() == [None, "J", None]
    assert from_csv["_line"].to_list() == [2, 3, 4]


def test_optional_columns_absent_are_null_columns(tmp_path: Path) -> None:
    keep = [c for c in ITS_HEADER if ITS_COURSES.column(c).required]
    rows = [[r[ITS_HEADER.index(c)] for c in keep] for r in ITS_ROWS]
    frame = read_its_courses(write(tmp_path, "c.csv", csv_text(keep, rows)))
    assert frame.columns == [*ITS_HEADER, "_line", "its_area_source"]
    for name in ("foundation_name", "course_title", "employed_12m_n", "employed_coherent_12m_n"):
        assert frame[name].null_count() == 3, name
    assert frame.schema["foundation_name"] == pl.String
    assert frame.schema["employed_12m_n"] == pl.Int64

    text = csv_text(HIRING_HEADER[:5], [r[:5] for r in HIRING_ROWS])
    plans = read_hiring_plans(write(tmp_path, "p.csv", text))
    assert plans.schema["hard_to_fill_pct"] == pl.Float64
    assert plans["hard_to_fill_pct"].null_count() == plans["nace_r2"].null_count() == 3


def test_italian_headers_are_accepted(tmp_path: Path) -> None:
    italian = (
        "codice_fondazione",
        "fondazione",
        "codice_corso",
        "titolo_corso",
        "area_tecnologica",
        "provincia_nuts3",
        "anno_inizio",
        "anno_fine",
        "iscritti",
        "diplomati",
        "occupati_12_mesi",
        "occupati_coerenti",
    )
    frame = read_its_courses(write(tmp_path, "corsi.csv", csv_text(italian, ITS_ROWS)))
    english = read_its_courses(write(tmp_path, "courses.csv", csv_text(ITS_HEADER, ITS_ROWS)))
    assert_frame_equal(frame, english)
    # header matching of aliases ignores case (spreadsheets like capitalised headers)
    shouting = [h.upper() for h in italian]
    assert_frame_equal(
        read_its_courses(write(tmp_path, "upper.csv", csv_text(shouting, ITS_ROWS))), english
    )

    header = (
        "nuts3",
        "periodo",
        "isco",
        "livello_istruzione",
        "entrate_previste",
        "difficile_reperimento_pct",
        "nace_r2",
    )
    plans = read_hiring_plans(write(tmp_path, "piani.csv", csv_text(header, HIRING_ROWS)))
    assert plans.columns == [*HIRING_HEADER, "_line"]
    assert plans["planned_hires_n"].to_list() == [120, 80, 30]


def test_eurostat_occupation_prefix_is_removed(tmp_path: Path) -> None:
    rows = with_cell(HIRING_HEADER, HIRING_ROWS, 0, "isco08", "OC31")
    rows = with_cell(HIRING_HEADER, rows, 2, "isco08", "OC721")
    plans = read_hiring_plans(write(tmp_path, "p.csv", csv_text(HIRING_HEADER, rows)))
    assert plans["isco08"].to_list() == ["31", "25", "721"]

    wages = read_wages(write(tmp_path, "w.csv", csv_text(WAGES_HEADER, WAGES_ROWS)))
    assert wages["isco08"].to_list() == ["2", "25", "9"]
    assert wages.schema["mean_hourly_wage_eur"] == pl.Float64
    assert wages["source_note"].to_list() == ["earn_ses18_47", None, "earn_ses18_47"]


def test_2008_areas_are_mapped_to_2023_and_the_source_code_kept(tmp_path: Path) -> None:
    rows = with_cell(ITS_HEADER, ITS_ROWS, 0, "its_area", "mit_mechanics")
    rows = with_cell(ITS_HEADER, rows, 2, "its_area", "ict")
    frame = read_its_courses(write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows)))
    assert frame["its_area"].to_list() == [
        "mechatronics",
        "sustainable_mobility_logistics",
        "ict_data",
    ]
    assert frame["its_area_source"].to_list() == [
        "mit_mechanics",
        "sustainable_mobility_logistics",
        "ict",
    ]


def test_undivided_made_in_italy_is_rejected_naming_the_sub_areas(tmp_path: Path) -> None:
    rows = with_cell(ITS_HEADER, ITS_ROWS, 1, "its_area", "made_in_italy")
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows))
    err = input_error(read_its_courses, path, line=3, column="its_area", match="made_in_italy")
    sub_areas = cls.its_areas().filter(pl.col("parent") == "made_in_italy")["its_area"]
    assert sub_areas.len() == 5
    for code in sub_areas:
        assert code in err.reason

    # in a workbook the error names the sheet too
    xlsx = tmp_path / "c.xlsx"
    as_frame(ITS_HEADER, rows).write_excel(xlsx, worksheet="corsi")
    input_error(
        read_its_courses, xlsx, line=3, column="its_area", sheet="corsi", match="made_in_italy"
    )


def test_blank_lines_are_skipped_and_line_numbers_stay_right(tmp_path: Path) -> None:
    lines = csv_text(ITS_HEADER, ITS_ROWS).splitlines()
    text = "\n".join([lines[0], "", lines[1], ",,,,,,,,,,,", "   ", lines[2], lines[3], ""])
    frame = read_its_courses(write(tmp_path, "c.csv", text + "\n"))
    assert frame["_line"].to_list() == [3, 6, 7]
    assert frame["course_id"].to_list() == ["AERO-01", "AERO-02", "ICT-01"]

    bad = text.replace(",28,", ",-28,")
    input_error(
        read_its_courses,
        write(tmp_path, "bad.csv", bad),
        line=7,
        column="enrolled_n",
        match="value -28 is below 0",
    )


def test_quoted_line_breaks_keep_line_numbers_right(tmp_path: Path) -> None:
    rows = with_cell(ITS_HEADER, ITS_ROWS, 0, "course_title", "Manutentore\naeromobili")
    rows = with_cell(ITS_HEADER, rows, 2, "enrolled_n", "-1")
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows))
    # header on line 1, the first record on lines 2-3, then lines 4 and 5
    input_error(read_its_courses, path, line=5, column="enrolled_n", match="below 0")
    ok = with_cell(ITS_HEADER, ITS_ROWS, 0, "course_title", "Manutentore\naeromobili")
    frame = read_its_courses(write(tmp_path, "ok.csv", csv_text(ITS_HEADER, ok)))
    assert frame["_line"].to_list() == [2, 4, 5]
    assert frame["course_title"][0] == "Manutentore\naeromobili"


def test_crlf_line_endings_and_a_utf8_bom_are_read(tmp_path: Path) -> None:
    text = "\ufeff" + csv_text(ITS_HEADER, ITS_ROWS).replace("\n", "\r\n")
    frame = read_its_courses(write(tmp_path, "c.csv", text))
    english = read_its_courses(write(tmp_path, "d.csv", csv_text(ITS_HEADER, ITS_ROWS)))
    assert_frame_equal(frame, english)


def test_a_required_column_that_may_be_empty_may_be_empty_in_every_row(tmp_path: Path) -> None:
    # cohorts that have not finished: graduates_n is required (the header) but empty
    rows = [[*r[:9], "", "", ""] for r in ITS_ROWS]
    frame = read_its_courses(write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows)))
    assert frame["graduates_n"].null_count() == 3
    assert frame.schema["graduates_n"] == pl.Int64


def test_counts_written_as_decimals_are_whole_numbers(tmp_path: Path) -> None:
    rows = with_cell(ITS_HEADER, ITS_ROWS, 0, "enrolled_n", "25.0")
    rows = with_cell(ITS_HEADER, rows, 1, "graduates_n", " 19 ")
    frame = read_its_courses(write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows)))
    assert frame["enrolled_n"].to_list() == [25, 22, 28]
    assert frame["graduates_n"].to_list() == [20, 19, None]


def test_ignore_columns_drops_extra_columns(tmp_path: Path) -> None:
    header = (*ITS_HEADER, "note")
    rows = [(*r, "x") for r in ITS_ROWS]
    path = write(tmp_path, "c.csv", csv_text(header, rows))
    input_error(read_its_courses, path, line=1, column="note", match="unexpected column 'note'")
    frame = read_its_courses(path, ignore_columns=["note", "not_there"])
    assert frame.columns == [*ITS_HEADER, "_line", "its_area_source"]
    assert_frame_equal(
        frame, read_its_courses(write(tmp_path, "d.csv", csv_text(ITS_HEADER, ITS_ROWS)))
    )

    # 'occupati' is an alias of employed_12m_n, but an ignored column is never read
    aliased = [*ITS_HEADER[:10], "occupati"]
    path = write(tmp_path, "e.csv", csv_text(aliased, [[*r[:10], "99"] for r in ITS_ROWS]))
    input_error(read_its_courses, path, line=2, column="employed_12m_n", match="more employed")
    frame = read_its_courses(path, ignore_columns=["occupati"])
    assert frame["employed_12m_n"].null_count() == 3


# ------------------------------------------------------------------------ structure errors


def test_missing_file_unsupported_type_and_missing_sheet_are_config_errors(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"file not found.*ITS course records") as info:
        read_its_courses(tmp_path / "nope.csv")
    assert info.value.file == str(tmp_path / "nope.csv")
    path = write(tmp_path, "c.ods", "x")
    with pytest.raises(ConfigError, match=r"unsupported file type '\.ods'.*\.csv or \.xlsx"):
        read_its_courses(path)
    xlsx = tmp_path / "c.xlsx"
    as_frame(ITS_HEADER, ITS_ROWS).write_excel(xlsx, worksheet="corsi")
    with pytest.raises(ConfigError, match=r"no sheet 'courses'; the workbook has \['corsi'\]"):
        read_its_courses(xlsx, sheet="courses")
    csv_path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, ITS_ROWS))
    with pytest.raises(ConfigError, match="not a known text encoding"):
        read_its_courses(csv_path, encoding="utf-9")
    with pytest.raises(ConfigError, match="delimiter must be one character"):
        read_its_courses(csv_path, delimiter=";;")


def test_missing_required_column(tmp_path: Path) -> None:
    keep = [i for i, c in enumerate(ITS_HEADER) if c != "enrolled_n"]
    header = [ITS_HEADER[i] for i in keep]
    rows = [[r[i] for i in keep] for r in ITS_ROWS]
    err = input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(header, rows)),
        line=1,
        column="enrolled_n",
        match="required column 'enrolled_n' is missing; required columns are foundation_id, ",
    )
    assert "renamed" not in err.reason


def test_missing_required_column_hints_at_a_renamed_header(tmp_path: Path) -> None:
    header = [("students" if c == "enrolled_n" else c) for c in ITS_HEADER]
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(header, ITS_ROWS)),
        line=1,
        column="enrolled_n",
        match=r"'enrolled_n' is missing \(the file has unknown columns \['students'\]: renamed\?\)",
    )


def test_unexpected_column_lists_the_columns_and_ignore_columns(tmp_path: Path) -> None:
    header = (*HIRING_HEADER, "comments")
    rows = [(*r, "") for r in HIRING_ROWS]
    path = write(tmp_path, "p.csv", csv_text(header, rows))
    err = input_error(
        read_hiring_plans, path, line=1, column="comments", match="unexpected column 'comments'"
    )
    assert "ignore_columns" in err.reason
    assert ", ".join(HIRING_PLANS.column_names) in err.reason
    assert read_hiring_plans(path, ignore_columns=["comments"]).height == 3


@pytest.mark.parametrize("text", ["", "\n\n", "   \r\n", "\ufeff"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", text),
        line=None,
        column=None,
        match="the file is empty",
    )


def test_header_only_file(tmp_path: Path) -> None:
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(ITS_HEADER, []) + "\n,,,\n"),
        line=1,
        column=None,
        match="header but no data rows",
    )


def test_truncated_and_overlong_lines(tmp_path: Path) -> None:
    text = csv_text(ITS_HEADER, ITS_ROWS).splitlines()
    text[2] = text[2].rsplit(",", 3)[0]
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", "\n".join(text) + "\n"),
        line=3,
        column=None,
        match="^9 fields where the header has 12: the line is truncated$",
    )
    text = csv_text(ITS_HEADER, ITS_ROWS).splitlines()
    text[3] += ",extra"
    input_error(
        read_its_courses,
        write(tmp_path, "d.csv", "\n".join(text) + "\n"),
        line=4,
        column=None,
        match="^13 fields where the header has 12$",
    )


def test_wrong_delimiter_gives_the_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, ITS_ROWS, sep=";"))
    input_error(
        read_its_courses,
        path,
        line=1,
        column=None,
        match=r"separated by ';', not ','.*comma-separated.*delimiter = ';'",
    )
    assert read_its_courses(path, delimiter=";").height == 3


def test_latin1_file_asks_for_utf8_and_reads_with_the_encoding_option(tmp_path: Path) -> None:
    rows = with_cell(ITS_HEADER, ITS_ROWS, 1, "foundation_name", "ITS Città di Torino")
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows), encoding="latin-1")
    err = input_error(
        read_its_courses, path, line=3, column=None, match="not valid utf-8 text near"
    )
    assert "Città" in err.reason  # the planner sees where
    assert "re-save it as UTF-8" in err.reason
    assert 'encoding = "cp1252"' in err.reason
    for encoding in ("cp1252", "latin-1"):
        frame = read_its_courses(path, encoding=encoding)
        assert frame["foundation_name"][1] == "ITS Città di Torino"


def test_header_problems(tmp_path: Path) -> None:
    header = [*ITS_HEADER[:-1], "enrolled_n"]
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(header, ITS_ROWS)),
        line=1,
        column="enrolled_n",
        match="column 'enrolled_n' appears twice in the header",
    )
    header = [*ITS_HEADER[:-1], ""]
    input_error(
        read_its_courses,
        write(tmp_path, "d.csv", csv_text(header, ITS_ROWS)),
        line=1,
        column=None,
        match=r"empty column name \(column 12\)",
    )
    header = [*ITS_HEADER[:-2], "occupati", "occupati_12_mesi"]
    input_error(
        read_its_courses,
        write(tmp_path, "e.csv", csv_text(header, ITS_ROWS)),
        line=1,
        column="occupati_12_mesi",
        match="'occupati' and 'occupati_12_mesi' are both read as 'employed_12m_n'",
    )


def test_required_column_empty_in_every_row(tmp_path: Path) -> None:
    rows: Sequence[Sequence[str]] = ITS_ROWS
    for i in range(3):
        rows = with_cell(ITS_HEADER, rows, i, "geo_nuts3", "")
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows)),
        line=1,
        column="geo_nuts3",
        match="column 'geo_nuts3' is empty in every row",
    )


# ------------------------------------------------------------------------ value errors

# (row, column, value, blamed column, message): row is 0-based, the file line is row + 2
BadValue = tuple[int, str, str, str, str]
ITS_BAD_VALUES: list[BadValue] = [
    (1, "enrolled_n", "venti", "enrolled_n", r"^value 'venti' is not a whole number$"),
    (1, "enrolled_n", "20.5", "enrolled_n", r"'20\.5' is not a whole number: counts cannot"),
    (1, "enrolled_n", "1.000", "enrolled_n", r"'1\.000' is not a whole number: .*thousands"),
    (1, "enrolled_n", "-3", "enrolled_n", r"^value -3 is below 0$"),
    (2, "course_id", "", "course_id", r"^empty cell in a required column$"),
    (1, "graduates_n", "30", "graduates_n",
     r"^more graduates than enrolled \(enrolled_n=22, graduates_n=30\)$"),
    (1, "employed_12m_n", "25", "employed_12m_n",
     r"^more employed than graduates \(graduates_n=19, employed_12m_n=25\)$"),
    (0, "employed_coherent_12m_n", "19", "employed_coherent_12m_n",
     r"more employed in a coherent job than employed \(employed_12m_n=18, "
     r"employed_coherent_12m_n=19\)"),
    (1, "end_year", "2021", "end_year",
     r"^end_year is before start_year \(start_year=2022, end_year=2021\)$"),
    (1, "end_year", "2027", "end_year", r"lasts more than four years"),
    (1, "start_year", "2005", "start_year", r"^value 2005 is below 2008$"),
    (2, "geo_nuts3", "ITC99", "geo_nuts3",
     r"^unknown code 'ITC99' \(not in Italian NUTS 3 codes"),
    (0, "its_area", "robotics", "its_area",
     r"^unknown code 'robotics' \(not in ITS technology areas"),
]  # fmt: skip


@pytest.mark.parametrize("case", ITS_BAD_VALUES, ids=lambda c: f"{c[1]}={c[2]}")
def test_its_bad_values(tmp_path: Path, case: BadValue) -> None:
    row, column, value, blamed, match = case
    rows = with_cell(ITS_HEADER, ITS_ROWS, row, column, value)
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows))
    input_error(read_its_courses, path, line=row + 2, column=blamed, match=match)


HIRING_BAD_VALUES: list[BadValue] = [
    (1, "isco08", "99", "isco08", r"^unknown code '99' \(not in ISCO-08 2- and 3-digit groups"),
    (1, "isco08", "OC2", "isco08", r"^unknown code '2' "),
    (2, "education_level", "phd", "education_level",
     r"^unknown code 'phd' \(not in education levels of the hiring-plan survey\)$"),
    (0, "hard_to_fill_pct", "120", "hard_to_fill_pct", r"^value 120\.0 is above 100$"),
    (0, "hard_to_fill_pct", "45,5", "hard_to_fill_pct", r"use a dot as the decimal separator"),
    (0, "hard_to_fill_pct", "-1", "hard_to_fill_pct", r"^value -1\.0 is below 0$"),
    (2, "period", "2024-13", "period",
     r"^value '2024-13' is not of the form .*a month \(`2024-07`\)"),
    (2, "period", "24", "period", r"^value '24' is not of the form "),
    (1, "planned_hires_n", "-10", "planned_hires_n", r"^value -10 is below 0$"),
    (1, "planned_hires_n", "1,200", "planned_hires_n", r"without thousands separators"),
    (1, "nace_r2", "Z", "nace_r2", r"^value 'Z' is not of the form '\[A-U\]'; expected: Sector"),
    (0, "geo_nuts3", "ITC1", "geo_nuts3", r"^unknown code 'ITC1' "),
]  # fmt: skip


@pytest.mark.parametrize("case", HIRING_BAD_VALUES, ids=lambda c: f"{c[1]}={c[2]}")
def test_hiring_bad_values(tmp_path: Path, case: BadValue) -> None:
    row, column, value, blamed, match = case
    rows = with_cell(HIRING_HEADER, HIRING_ROWS, row, column, value)
    path = write(tmp_path, "p.csv", csv_text(HIRING_HEADER, rows))
    input_error(read_hiring_plans, path, line=row + 2, column=blamed, match=match)


WAGES_BAD_VALUES: list[BadValue] = [
    (1, "geo", "Italy", "geo", r"^value 'Italy' is not of the form .*expected: Country"),
    (0, "year", "1985", "year", r"^value 1985 is below 1990$"),
    (2, "mean_hourly_wage_eur", "n/a", "mean_hourly_wage_eur", r"^value 'n/a' is not a number$"),
    (0, "isco08", "2511", "isco08", r"^unknown code '2511' \(not in ISCO-08 groups\)$"),
]


@pytest.mark.parametrize("case", WAGES_BAD_VALUES, ids=lambda c: f"{c[1]}={c[2]}")
def test_wages_bad_values(tmp_path: Path, case: BadValue) -> None:
    row, column, value, blamed, match = case
    rows = with_cell(WAGES_HEADER, WAGES_ROWS, row, column, value)
    path = write(tmp_path, "w.csv", csv_text(WAGES_HEADER, rows))
    input_error(read_wages, path, line=row + 2, column=blamed, match=match)


def test_duplicated_key_lists_both_lines(tmp_path: Path) -> None:
    rows = [*ITS_ROWS, ITS_ROWS[0]]
    input_error(
        read_its_courses,
        write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows)),
        line=5,
        column="foundation_id",
        match=r"^duplicated key foundation_id=F-AERO, course_id=AERO-01, start_year=2021 "
        r"on lines 2, 5$",
    )
    # OC31 and 31 are the same occupation; an empty nace_r2 is part of the key
    plans = [*HIRING_ROWS, ("ITC11", "2024", "OC31", "its_academy", "10", "", "")]
    input_error(
        read_hiring_plans,
        write(tmp_path, "p.csv", csv_text(HIRING_HEADER, plans)),
        line=5,
        column="geo_nuts3",
        match=r"^duplicated key geo_nuts3=ITC11, period=2024, isco08=31, "
        r"education_level=its_academy, nace_r2=\(empty\) on lines 2, 5$",
    )


# ------------------------------------------------------------------------ XLSX errors


def test_xlsx_errors_name_the_sheet_and_the_sheet_row(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    rows = with_cell(ITS_HEADER, ITS_ROWS, 2, "graduates_n", "40")
    as_frame(ITS_HEADER, rows).write_excel(path, worksheet="courses")
    err = input_error(
        read_its_courses,
        path,
        line=4,
        column="graduates_n",
        sheet="courses",
        match="more graduates than enrolled",
    )
    assert str(err).startswith(f"{path}[courses]:4: column 'graduates_n': ")

    rows = with_cell(ITS_HEADER, ITS_ROWS, 0, "enrolled_n", "venti")
    as_frame(ITS_HEADER, rows).write_excel(path, worksheet="courses")
    input_error(
        read_its_courses, path, line=2, column="enrolled_n", sheet="courses", match="'venti'"
    )

    header = [("students" if c == "enrolled_n" else c) for c in ITS_HEADER]
    as_frame(header, ITS_ROWS).write_excel(path, worksheet="courses")
    input_error(
        read_its_courses,
        path,
        line=1,
        column="enrolled_n",
        sheet="courses",
        match=r"'enrolled_n' is missing .*\['students'\]: renamed\?",
    )


def test_xlsx_table_below_empty_rows_keeps_the_sheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    frame = as_frame(ITS_HEADER, ITS_ROWS)
    frame.write_excel(path, worksheet="courses", position="B3")  # header in row 3
    assert read_its_courses(path)["_line"].to_list() == [4, 5, 6]
    rows = with_cell(ITS_HEADER, ITS_ROWS, 1, "geo_nuts3", "ITC99")
    as_frame(ITS_HEADER, rows).write_excel(path, worksheet="courses", position="B3")
    input_error(
        read_its_courses, path, line=5, column="geo_nuts3", sheet="courses", match="'ITC99'"
    )
    keep = [c for c in ITS_HEADER if c != "its_area"]
    frame.select(keep).write_excel(path, worksheet="courses", position="A3")
    input_error(
        read_its_courses,
        path,
        line=3,
        column="its_area",
        sheet="courses",
        match="required column 'its_area' is missing",
    )


def test_xlsx_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    blank = ("",) * len(ITS_HEADER)
    rows = [ITS_ROWS[0], blank, ITS_ROWS[1], blank, blank, ITS_ROWS[2]]
    as_frame(ITS_HEADER, rows).write_excel(path)
    assert read_its_courses(path)["_line"].to_list() == [2, 4, 7]
    dup = [*rows, ITS_ROWS[0]]
    as_frame(ITS_HEADER, dup).write_excel(path, worksheet="c")
    input_error(
        read_its_courses,
        path,
        line=8,
        column="foundation_id",
        sheet="c",
        match="on lines 2, 8$",
    )


def test_xlsx_reads_the_first_or_the_named_sheet(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(path) as book:
        as_frame(("note",), [("read me first",)]).write_excel(book, worksheet="notes")
        as_frame(ITS_HEADER, ITS_ROWS).write_excel(book, worksheet="courses")
        book.add_worksheet("empty")
        as_frame(ITS_HEADER, []).write_excel(book, worksheet="header_only")
    assert read_its_courses(path, sheet="courses").height == 3
    input_error(
        read_its_courses,
        path,
        line=1,
        column="foundation_id",
        sheet="notes",
        match="required column 'foundation_id' is missing",
    )
    input_error(
        read_its_courses,
        path,
        line=None,
        column=None,
        sheet="empty",
        match="^the sheet is empty$",
        options={"sheet": "empty"},
    )
    input_error(
        read_its_courses,
        path,
        line=1,
        column=None,
        sheet="header_only",
        match="header but no data rows",
        options={"sheet": "header_only"},
    )


def test_xlsx_header_problems(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "c.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("s")
        sheet.write_row(0, 0, [*ITS_HEADER, "enrolled_n"])
        sheet.write_row(1, 0, [*ITS_ROWS[0], "1"])
    input_error(
        read_its_courses, path, line=1, column="enrolled_n", sheet="s", match="appears twice"
    )
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("s")
        sheet.write_row(0, 0, ITS_HEADER[:-1])
        sheet.write_row(1, 0, ITS_ROWS[0])
    input_error(read_its_courses, path, line=1, column=None, sheet="s", match=r"empty column name")


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = write(tmp_path, "c.xlsx", csv_text(ITS_HEADER, ITS_ROWS))
    input_error(read_its_courses, path, line=None, column=None, match="cannot open the workbook")


# ------------------------------------------------------------------------ properties

AREAS = [a for a in cls.its_areas()["its_area"].to_list() if a != "made_in_italy"]
AREA_2023 = {
    **{a: a for a in AREAS},
    **dict(cls.its_area_map().select("from_area", "to_area").iter_rows()),
}
PROVINCES = sorted(
    cls.nuts_regions().filter(pl.col("nuts_level") == 3)["nuts_code"].unique().to_list()
)[:40]
OPTIONAL = [c.name for c in ITS_COURSES.columns if not c.required]
KEY = list(ITS_COURSES.key)
# identifiers and names as planners write them: letters, digits, some punctuation, inner
# spaces; the reader strips cells, so values are generated stripped
TEXT = (
    st.text(
        alphabet=st.characters(categories=("Lu", "Ll", "Nd")) | st.sampled_from(list(" -_,'\"/.")),
        min_size=1,
        max_size=10,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def course_tables(draw: st.DrawFn) -> tuple[pl.DataFrame, list[str]]:
    """A valid course table (typed, its_area as given) and the optional columns it has."""
    keys = draw(
        st.lists(
            st.tuples(TEXT, TEXT, st.integers(2008, 2096)),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    rows = []
    for fid, cid, start in keys:
        enrolled = draw(st.integers(0, 300))
        graduates = draw(st.none() | st.integers(0, enrolled))
        employed = None if graduates is None else draw(st.none() | st.integers(0, graduates))
        coherent = None if employed is None else draw(st.none() | st.integers(0, employed))
        rows.append(
            {
                "foundation_id": fid,
                "foundation_name": draw(st.none() | TEXT),
                "course_id": cid,
                "course_title": draw(st.none() | TEXT),
                "its_area": draw(st.sampled_from(AREAS)),
                "geo_nuts3": draw(st.sampled_from(PROVINCES)),
                "start_year": start,
                "end_year": draw(st.integers(max(start, 2009), start + 4)),
                "enrolled_n": enrolled,
                "graduates_n": graduates,
                "employed_12m_n": employed,
                "employed_coherent_12m_n": coherent,
            }
        )
    frame = pl.DataFrame(rows, schema=ITS_COURSES.empty().schema)
    present = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    return frame, present


def write_table(frame: pl.DataFrame, directory: Path, kind: str) -> Path:
    path = directory / f"courses.{kind}"
    if kind == "csv":
        frame.write_csv(path)
    else:
        frame.write_excel(path, worksheet="courses")
    return path


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=course_tables(), kind=st.sampled_from(["csv", "xlsx"]))
def test_valid_course_tables_round_trip(table: tuple[pl.DataFrame, list[str]], kind: str) -> None:
    frame, present = table
    written = frame.select(c for c in frame.columns if c in present or c not in OPTIONAL)
    with tempfile.TemporaryDirectory() as tmp:
        got = read_its_courses(write_table(written, Path(tmp), kind))
    expected = frame.with_columns(
        pl.lit(None, frame.schema[c]).alias(c) for c in OPTIONAL if c not in present
    ).with_columns(
        pl.Series("_line", range(2, frame.height + 2), dtype=pl.Int64),
        pl.col("its_area").alias("its_area_source"),
        pl.col("its_area").replace_strict(AREA_2023),
    )
    assert_frame_equal(got, expected)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=course_tables(), kind=st.sampled_from(["csv", "xlsx"]), data=st.data())
def test_row_order_does_not_change_the_result(
    table: tuple[pl.DataFrame, list[str]], kind: str, data: st.DataObject
) -> None:
    frame = table[0]
    order = data.draw(st.permutations(range(frame.height)))
    with tempfile.TemporaryDirectory() as tmp:
        first = read_its_courses(write_table(frame, Path(tmp), kind))
        shuffled = read_its_courses(
            write_table(frame.select(pl.all().gather(order)), Path(tmp), kind)
        )
    assert_frame_equal(first.drop("_line").sort(KEY), shuffled.drop("_line").sort(KEY))


# ------------------------------------------------------------------------ demo and docs


@pytest.mark.slow
def test_demo_files_pass_their_readers(tmp_path: Path) -> None:
    from skills.demo import write_demo

    write_demo(tmp_path)
    courses = read_its_courses(tmp_path / "data" / "its_courses.xlsx", sheet="courses")
    assert courses.height > 50
    assert courses["_line"].min() == 2
    assert set(courses["its_area"]) <= set(cls.its_areas()["its_area"])
    plans = read_hiring_plans(tmp_path / "data" / "hiring_plans.csv")
    assert plans.height > 100
    assert plans["_line"].to_list() == list(range(2, plans.height + 2))
    wages = read_wages(tmp_path / "data" / "wages_by_occupation.csv")
    assert wages.height > 0


def test_docs_schemas_md_is_generated_from_the_schemas() -> None:
    doc = REPO / "docs" / "schemas.md"
    regenerate = (
        "docs/schemas.md is out of date; regenerate it with\n"
        'python -c "from skills.schema import schemas_document; '
        "print(schemas_document(), end='')\" > docs/schemas.md"
    )
    assert doc.is_file(), regenerate
    assert doc.read_text(encoding="utf-8") == schemas_document(), regenerate


def test_schemas_document_covers_every_column_and_option() -> None:
    from skills.sources.competing import COMPETING_GRADUATES
    from skills.sources.hires import HIRES

    text = schemas_document()
    schemas = (ITS_COURSES, HIRING_PLANS, WAGES, HIRES, COMPETING_GRADUATES)
    for schema in schemas:
        assert f"(`{schema.name}`)" in text
        for name in schema.column_names:
            assert f"| `{name}` |" in text
    for option in ("sheet", "delimiter", "encoding", "ignore_columns"):
        assert f"`{option}`" in text
    # every table row has five cells: a "|" in a pattern is escaped
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == sum(len(s.columns) for s in schemas)
    for line in rows:
        assert len(re.split(r"(?<!\\)\|", line)) == 7, line


def test_documented_error_examples_are_what_the_reader_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = re.search(r"```text\n(.*?)```", schemas_document(), re.S)
    assert block is not None
    csv_example, xlsx_example = block.group(1).splitlines()
    monkeypatch.chdir(tmp_path)
    good = [
        (f"F{i}", "", f"C{i}", "", "energy", "ITC11", "2021", "2023", "20", "18", "", "")
        for i in range(13)
    ]
    rows = with_cell(ITS_HEADER, good, 12, "graduates_n", "23")
    Path("courses.csv").write_text(csv_text(ITS_HEADER, rows), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_its_courses("courses.csv")
    assert str(info.value) == csv_example
    rows = with_cell(ITS_HEADER, rows[:6], 5, "start_year", "2O24")
    as_frame(ITS_HEADER, rows).write_excel("courses.xlsx", worksheet="courses")
    with pytest.raises(InputError) as info:
        read_its_courses("courses.xlsx")
    assert str(info.value) == xlsx_example


def test_canonical_headers_match_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "plans.csv"
    path.write_text(
        "GEO_NUTS3,Period,ISCO08,Education_Level,Planned_Hires_N\nITC11,2024,31,its_academy,40\n",
        encoding="utf-8",
    )
    frame = read_hiring_plans(path)
    assert frame.select("geo_nuts3", "isco08", "planned_hires_n").row(0) == ("ITC11", "31", 40)


# ------------------------------------------------------------------------ absurd values

ABSURD_VALUES: list[tuple[Reader, tuple[str, ...], tuple[tuple[str, ...], ...], BadValue]] = [
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (0, "mean_hourly_wage_eur", "inf", "mean_hourly_wage_eur", r"^value 'inf' is not a finite")),
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (1, "mean_hourly_wage_eur", "-inf", "mean_hourly_wage_eur", r"'-inf' is not a finite")),
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (2, "mean_hourly_wage_eur", "NaN", "mean_hourly_wage_eur", r"'NaN' is not a finite")),
    # 1e999 overflows a double: Polars reads it as infinity
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (0, "mean_hourly_wage_eur", "1e999", "mean_hourly_wage_eur", r"'1e999' is not a finite")),
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (0, "mean_hourly_wage_eur", "1e300", "mean_hourly_wage_eur",
      r"^value 1e\+300 is above 1000 \(no occupation's mean wage")),
    # a monthly wage typed into the hourly column
    (read_wages, WAGES_HEADER, WAGES_ROWS,
     (1, "mean_hourly_wage_eur", "2450.0", "mean_hourly_wage_eur", r"is above 1000")),
    (read_hiring_plans, HIRING_HEADER, HIRING_ROWS,
     (0, "hard_to_fill_pct", "nan", "hard_to_fill_pct", r"'nan' is not a finite number")),
    (read_hiring_plans, HIRING_HEADER, HIRING_ROWS,
     (1, "planned_hires_n", "9223372036854775807", "planned_hires_n",
      r"^value 9223372036854775807 is above 1e\+09 \(the largest plausible count")),
    (read_hiring_plans, HIRING_HEADER, HIRING_ROWS,
     (1, "planned_hires_n", "9223372036854775808", "planned_hires_n",
      r"is not a whole number: it is too large to be a count")),
    (read_hiring_plans, HIRING_HEADER, HIRING_ROWS,
     (2, "planned_hires_n", "1000000001", "planned_hires_n", r"is above 1e\+09")),
    (read_its_courses, ITS_HEADER, ITS_ROWS,
     (0, "enrolled_n", "25000000000", "enrolled_n", r"is above 1e\+09")),
]  # fmt: skip


@pytest.mark.parametrize("case", ABSURD_VALUES, ids=lambda c: f"{c[3][1]}={c[3][2]}")
def test_non_finite_and_implausible_values_are_errors(
    tmp_path: Path,
    case: tuple[Reader, tuple[str, ...], tuple[tuple[str, ...], ...], BadValue],
) -> None:
    reader, header, base, (row, column, value, blamed, match) = case
    path = write(tmp_path, "t.csv", csv_text(header, with_cell(header, base, row, column, value)))
    input_error(reader, path, line=row + 2, column=blamed, match=match)


def test_the_largest_plausible_count_reads_and_sums_without_overflow(tmp_path: Path) -> None:
    rows = [list(r) for r in HIRING_ROWS]
    for r in rows:
        r[HIRING_HEADER.index("planned_hires_n")] = "1000000000"
    frame = read_hiring_plans(write(tmp_path, "p.csv", csv_text(HIRING_HEADER, rows)))
    assert frame["planned_hires_n"].dtype == pl.Int64
    assert frame["planned_hires_n"].sum() == 3_000_000_000


def test_every_bad_cell_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    # 30 rows, each with a bad count (25 of them) or a bad code (5), in file order
    rows: list[list[str]] = []
    for i in range(30):
        row = ["ITC11", str(2000 + i), "31", "its_academy", "-1", "", ""]
        if i % 6 == 5:
            row[4], row[0] = "10", "ITC99"
        rows.append(row)
    rows[3][5] = "inf"  # a second bad cell on line 5
    path = write(tmp_path, "p.csv", csv_text(HIRING_HEADER, rows))
    err = input_error(
        read_hiring_plans, path, line=2, column="planned_hires_n", match="^value -1 is below 0$"
    )
    assert err.total == 31
    assert len(err.more) == 19
    lines = str(err).splitlines()
    assert len(lines) == 21
    assert lines[-1] == f"{path}: 31 problems in all; the first 20 are shown"
    # file order; on one line, in schema column order
    assert lines[3] == f"{path}:5: column 'planned_hires_n': value -1 is below 0"
    assert lines[4] == f"{path}:5: column 'hard_to_fill_pct': value 'inf' is not a finite number"
    assert lines[6] == f"{path}:7: column 'geo_nuts3': unknown code 'ITC99' " + (
        "(not in Italian NUTS 3 codes (2010-2021))"
    )
    assert [e.line for e in err.more] == sorted(e.line or 0 for e in err.more)


def test_a_bad_cell_is_reported_once_with_its_first_problem(tmp_path: Path) -> None:
    # "venti" is not a number: it is not also an empty cell of a required column
    rows = with_cell(ITS_HEADER, ITS_ROWS, 0, "enrolled_n", "venti")
    path = write(tmp_path, "c.csv", csv_text(ITS_HEADER, rows))
    err = input_error(read_its_courses, path, line=2, column="enrolled_n", match="'venti'")
    assert err.more == () and err.total == 1
    assert str(err) == f"{path}:2: column 'enrolled_n': value 'venti' is not a whole number"


def test_xlsx_bad_cells_are_all_reported_with_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    rows = with_cell(WAGES_HEADER, WAGES_ROWS, 0, "mean_hourly_wage_eur", "1e999")
    rows = with_cell(WAGES_HEADER, rows, 2, "year", "1850")
    as_frame(WAGES_HEADER, rows).write_excel(path, worksheet="wages")
    err = input_error(
        read_wages,
        path,
        line=2,
        column="mean_hourly_wage_eur",
        sheet="wages",
        match="'1e999' is not a finite number",
    )
    assert str(err).splitlines()[1:] == [
        f"{path}[wages]:4: column 'year': value 1850 is below 1990",
        f"{path}: 2 problems in all",
    ]


BAD_COUNTS = st.sampled_from(["-1", "inf", "1e999", "2000000000", "dieci", "1.000", ""])


@settings(max_examples=40, deadline=None)
@given(bad=st.dictionaries(st.integers(0, 39), BAD_COUNTS, min_size=1, max_size=40))
def test_the_error_counts_every_bad_cell_and_shows_the_first_20_in_file_order(
    bad: dict[int, str],
) -> None:
    rows = [
        ["ITC11", str(1990 + i), "31", "its_academy", bad.get(i, str(10 + i)), "", ""]
        for i in range(40)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "p.csv", csv_text(HIRING_HEADER, rows))
        with pytest.raises(InputError) as info:
            read_hiring_plans(path)
    err = info.value
    assert err.total == len(bad)
    lines = [e.line for e in (err, *err.more)]
    assert lines == [i + 2 for i in sorted(bad)][:20]
    assert {e.column for e in (err, *err.more)} == {"planned_hires_n"}
    assert all(e.reason for e in (err, *err.more))
