"""Spreadsheets read as the planner sees them, or refused with a message naming the cell.

A workbook is a zip of XML: the reader would read a formula without a saved value, an
error value and the hidden cells of a merged range as empty cells, a hidden stale first
sheet like any other, and abort the whole process on one stray character in XFD1048576.
Each hostile workbook here is built with xlsxwriter (or by editing its XML, for what no
spreadsheet program writes) and goes through the reader and, for the demo's ITS course
workbook, through ``skills refresh`` on a published workspace: exit code, message, and
``OUT/latest`` byte for byte.
"""

from __future__ import annotations

import logging
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skills import xlsx_guard
from skills.cli import main
from skills.errors import ConfigError, InputError
from skills.sources.its import read_its_courses
from skills.xlsx_guard import WorkbookError

COURSES = "its_courses.xlsx"
GRADUATES = 9  # column J of the demo's sheet: graduates_n (I is enrolled_n)


@pytest.fixture(scope="module")
def published(warm_workspace: Path) -> Path:
    """The session's published demo workspace: read only, copied before each refresh."""
    return warm_workspace


@pytest.fixture(scope="module")
def courses(published: Path) -> pl.DataFrame:
    return pl.read_excel(published / "data" / COURSES, sheet_name="courses")


def write_book(
    path: Path,
    frame: pl.DataFrame,
    edit: Callable[[Any, Any], object] | None = None,
    *,
    sheet: str = "courses",
    before: Callable[[Any], object] | None = None,
) -> Path:
    """Write ``frame`` as a plain sheet (header in row 1), then let ``edit`` spoil it."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        if before is not None:
            before(book)
        ws = book.add_worksheet(sheet)
        ws.write_row(0, 0, frame.columns)
        for i, row in enumerate(frame.iter_rows(), start=1):
            ws.write_row(i, 0, row)
        ws.activate()
        if edit is not None:
            edit(book, ws)
    return path


def rewrite(path: Path, member: str, change: Callable[[str], str]) -> None:
    """Edit one XML part of a workbook in place (for what no spreadsheet program writes)."""
    with zipfile.ZipFile(path) as book:
        parts = [(info, book.read(info)) for info in book.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for info, data in parts:
            if info.filename == member:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"{member}: nothing changed"
                book.writestr(info, new.encode("utf-8"))
            else:
                book.writestr(info, data)


def saved_by_excel(path: Path) -> None:
    """Drop xlsxwriter's "recalculate on open", as a file saved by Excel has none."""
    rewrite(path, "xl/workbook.xml", lambda x: x.replace(' fullCalcOnLoad="1"', ""))


def formula_without_value(path: Path, row: int, text: str) -> None:
    """Cell J<row> holds only a formula, no ``<v>``: what a library that cannot calculate
    writes (openpyxl, a script), and what the reader would read as an empty cell."""

    def change(xml: str) -> str:
        cell = re.compile(rf'<c r="J{row}"[^>]*>.*?</c>')
        assert cell.search(xml), row
        return cell.sub(f'<c r="J{row}"><f>{text}</f></c>', xml, count=1)

    rewrite(path, "xl/worksheets/sheet1.xml", change)


# ------------------------------------------------------------------------ the reader


def test_a_clean_workbook_saved_by_excel_reads_its_saved_formula_values(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    # J2 is "=I2-6" with its saved value, as Excel stores it: read, not refused
    value = courses["enrolled_n"][0] - 6
    path = write_book(
        tmp_path / "c.xlsx",
        courses,
        lambda book, ws: ws.write_formula(1, GRADUATES, "=I2-6", None, value),
    )
    saved_by_excel(path)
    frame = read_its_courses(path)
    assert frame["graduates_n"][0] == value
    assert frame.height == courses.height


def test_every_bad_cell_of_a_sheet_is_listed_in_one_error(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    def spoil(book: Any, ws: Any) -> None:
        ws.write_formula(4, GRADUATES, "=I5/0", None, "#DIV/0!")  # J5
        ws.write_formula(6, GRADUATES, "=VLOOKUP(A7,Z:Z,2,0)", None, "#N/A")  # J7
        ws.merge_range(8, 0, 9, 0, courses["foundation_id"][7])  # A9:A10

    path = write_book(tmp_path / "c.xlsx", courses, spoil)
    saved_by_excel(path)
    formula_without_value(path, 12, "I12-3")
    with pytest.raises(WorkbookError) as info:
        read_its_courses(path)
    err = info.value
    assert (err.file, err.sheet, err.line, err.column) == (str(path), "courses", 5, "graduates_n")
    lines = str(err).splitlines()
    assert lines[0] == (
        f"{path}[courses]:5: column 'graduates_n': cell J5: formula =I5/0 gives #DIV/0!, which "
        "would be read as an empty cell: correct the formula or the cells it uses (or clear "
        "the cell), save and run again"
    )
    assert lines[1].startswith(
        f"{path}[courses]:7: column 'graduates_n': cell J7: formula =VLOOKUP(A7,Z:Z,2,0) gives #N/A"
    )
    assert lines[2].startswith(
        f"{path}[courses]:9: column 'foundation_id': cell A9: cells A9:A10 are merged: only "
        "A9 keeps a value"
    )
    assert lines[3] == (
        f"{path}[courses]:12: column 'graduates_n': cell J12: formula =I12-3 has no saved "
        "value: open the file in Excel or LibreOffice and save it, so the values are stored"
    )
    assert lines[4] == "(4 problems in sheet 'courses': fix them all, save and run again)"
    assert len(err.problems) == 4


def test_a_formula_written_by_a_program_that_does_not_calculate_is_refused(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    # xlsxwriter stores 0 as the "result" and asks Excel to recalculate on open: the reader
    # would take 0 graduates, a wrong number that passes every range check
    path = write_book(
        tmp_path / "c.xlsx", courses, lambda book, ws: ws.write_formula(2, GRADUATES, "=I3-4")
    )
    with pytest.raises(InputError) as info:
        read_its_courses(path)
    assert (info.value.line, info.value.column) == (3, "graduates_n")
    assert "cell J3: formula =I3-4 has a saved value ('0') that may not be its result" in str(
        info.value
    )


def test_the_list_stops_at_the_limit_and_counts_the_rest(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    # a typed error value, no formula, in every data row of column J
    path = write_book(tmp_path / "c.xlsx", courses)
    rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda x: re.sub(r'<c r="J(\d+)"[^>]*>.*?</c>', _error_cell, x),
    )
    with pytest.raises(WorkbookError) as info:
        read_its_courses(path)
    lines = str(info.value).splitlines()
    assert len(info.value.problems) == xlsx_guard.MAX_PROBLEMS
    total = courses["graduates_n"].is_not_null().sum()  # an empty cell is not written
    assert lines[-2] == f"... and {total - xlsx_guard.MAX_PROBLEMS} more problems of the same kinds"
    assert lines[-1] == f"({total} problems in sheet 'courses': fix them all, save and run again)"
    assert (
        "cell J2: the cell holds the error #REF!, which would be read as an empty cell" in lines[0]
    )


def _error_cell(match: re.Match[str]) -> str:
    row = match.group(1)
    return match.group(0) if row == "1" else f'<c r="J{row}" t="e"><v>#REF!</v></c>'


def test_shared_formulas_without_values_name_the_formula_they_share(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    path = write_book(tmp_path / "c.xlsx", courses)

    def change(xml: str) -> str:
        xml = re.sub(
            r'<c r="J2"[^>]*>.*?</c>',
            '<c r="J2"><f t="shared" ref="J2:J3" si="0">I2-1</f></c>',
            xml,
        )
        return re.sub(r'<c r="J3"[^>]*>.*?</c>', '<c r="J3"><f t="shared" si="0"/></c>', xml)

    rewrite(path, "xl/worksheets/sheet1.xml", change)
    with pytest.raises(WorkbookError) as info:
        read_its_courses(path)
    assert info.value.problems[1] == (
        f"{path}[courses]:3: column 'graduates_n': cell J3: formula (shared with J2: =I2-1) "
        "has no saved value: open the file in Excel or LibreOffice and save it, so the values "
        "are stored"
    )


def test_merged_cells_outside_the_table_are_not_a_problem(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    # empty merged cells below the table and to its right: nothing there to misread
    last = courses.height + 5
    path = write_book(
        tmp_path / "c.xlsx",
        courses,
        lambda book, ws: (
            ws.merge_range(last, 0, last + 1, 3, None),
            ws.merge_range(0, 14, 1, 15, None),
        ),
    )
    assert read_its_courses(path).height == courses.height


def test_a_stray_cell_far_below_is_named_before_the_reader_allocates(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    path = write_book(tmp_path / "c.xlsx", courses, lambda book, ws: ws.write(1_048_575, 0, "."))
    with pytest.raises(WorkbookError) as info:
        read_its_courses(path)
    assert (info.value.line, info.value.column) == (1_048_576, "foundation_id")
    assert str(info.value).startswith(
        f"{path}[courses]:1048576: column 'foundation_id': cell A1048576: the sheet's used "
        "range is A1:L1048576 (1,048,576 rows x 12 columns); this reader takes at most "
        "1,000,000 cells: this cell holds '.', far from the table; if it is a stray entry, "
        "delete it"
    )


def test_hidden_sheets_are_never_read_unless_the_spec_names_them(
    tmp_path: Path, courses: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    stale = courses.head(5).with_columns(pl.col("graduates_n") + 100)

    def old_sheets(book: Any) -> None:
        old = book.add_worksheet("courses_2019")
        old.write_row(0, 0, stale.columns)
        for i, row in enumerate(stale.iter_rows(), start=1):
            old.write_row(i, 0, row)
        old.hide()
        book.add_worksheet("lookup").very_hidden()

    path = write_book(tmp_path / "c.xlsx", courses, before=old_sheets, sheet="corsi")
    with caplog.at_level(logging.INFO, logger="skills.schema"):
        frame = read_its_courses(path)
    assert frame.height == courses.height
    assert (
        f"{path}: no sheet named in the spec: reading the first visible sheet 'corsi'; "
        "hidden sheets, not read: ['courses_2019', 'lookup']"
    ) in caplog.messages
    # named in the spec: read, with a note; a sheet the workbook lacks: exit 2
    with (
        caplog.at_level(logging.INFO, logger="skills.schema"),
        pytest.raises(InputError, match="more graduates than enrolled") as info,
    ):
        read_its_courses(path, sheet="courses_2019")
    assert info.value.sheet == "courses_2019"
    assert (
        f"{path}: sheet 'courses_2019' named in the spec is hidden in the workbook; it is read"
        in caplog.messages
    )
    with pytest.raises(
        ConfigError,
        match=r"no sheet 'Corsi'; the workbook has \['courses_2019', 'lookup', 'corsi'\]",
    ):
        read_its_courses(path, sheet="Corsi")


def test_a_workbook_with_only_hidden_sheets_asks_for_a_sheet_name(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    path = write_book(tmp_path / "c.xlsx", courses)
    rewrite(
        path, "xl/workbook.xml", lambda x: x.replace('r:id="rId1"', 'state="hidden" r:id="rId1"')
    )
    with pytest.raises(
        InputError, match=r"no visible worksheet \(hidden: \['courses'\]\).*sheet = "
    ):
        read_its_courses(path)
    assert read_its_courses(path, sheet="courses").height == courses.height


@pytest.mark.parametrize(
    ("spoil", "text"),
    [
        (
            lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
            "damaged or incomplete",
        ),
        (
            lambda p: p.write_bytes(b"foundation_id,course_id\nF1,C1\n"),
            "not an .xlsx workbook (it looks like a text or CSV file",
        ),
        (
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
            "old-format Excel file (.xls) or a password-protected workbook",
        ),
        (
            lambda p: rewrite(
                p, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", "<row>")
            ),
            "xl/worksheets/sheet1.xml is not well-formed XML",
        ),
    ],
    ids=["truncated", "csv renamed", "xls or encrypted", "broken xml"],
)
def test_files_that_are_not_readable_workbooks(
    tmp_path: Path, courses: pl.DataFrame, spoil: Callable[[Path], object], text: str
) -> None:
    path = write_book(tmp_path / "c.xlsx", courses)
    spoil(path)
    with pytest.raises(InputError) as info:
        read_its_courses(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot open the workbook: "), message
    assert text in message


def test_a_workbook_damaged_inside_the_sheet_is_refused_not_misread(
    tmp_path: Path, courses: pl.DataFrame
) -> None:
    # the zip's directory is intact, the sheet's compressed bytes are not (a bad copy)
    path = write_book(tmp_path / "c.xlsx", courses)
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info_error:
        read_its_courses(path)
    assert str(info_error.value).startswith(
        f"{path}: cannot open the workbook: the file is damaged"
    )


def test_an_xml_part_beyond_the_byte_budget_is_refused_while_streaming(
    tmp_path: Path, courses: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_book(tmp_path / "c.xlsx", courses)
    monkeypatch.setattr(xlsx_guard, "MAX_PART_BYTES", 4096)
    with pytest.raises(InputError, match=r"xl/worksheets/sheet1\.xml is more than 0 MB of XML"):
        read_its_courses(path)


# ------------------------------------------------------------------------ the CLI


def _spoil_cells(frame: pl.DataFrame) -> Callable[[Path], None]:
    def spoil(path: Path) -> None:
        def edit(book: Any, ws: Any) -> None:
            ws.write_formula(4, GRADUATES, "=I5/0", None, "#DIV/0!")
            ws.merge_range(8, 0, 9, 0, frame["foundation_id"][7])

        write_book(path, frame, edit)
        saved_by_excel(path)
        formula_without_value(path, 12, "I12*0.8")

    return spoil


CLI_CASES: list[tuple[str, Callable[[pl.DataFrame], Callable[[Path], object]], list[str]]] = [
    (
        "formula, error and merged cells",
        _spoil_cells,
        [
            "its_courses.xlsx[courses]:5: column 'graduates_n': cell J5: formula =I5/0 gives "
            "#DIV/0!",
            "its_courses.xlsx[courses]:9: column 'foundation_id': cell A9: cells A9:A10 are merged",
            "its_courses.xlsx[courses]:12: column 'graduates_n': cell J12: formula =I12*0.8 has "
            "no saved value: open the file in Excel or LibreOffice and save it",
            "(3 problems in sheet 'courses'",
        ],
    ),
    (
        "formula with a placeholder value",
        lambda f: lambda p: write_book(p, f, lambda b, ws: ws.write_formula(6, GRADUATES, "=I7")),
        [
            "its_courses.xlsx[courses]:7: column 'graduates_n': cell J7: formula =I7 has a saved "
            "value ('0') that may not be its result"
        ],
    ),
    (
        "truncated workbook",
        lambda f: lambda p: p.write_bytes(p.read_bytes()[:-300]),
        ["its_courses.xlsx: cannot open the workbook: the file is damaged or incomplete"],
    ),
    (
        "a CSV saved under the xlsx name",
        lambda f: lambda p: p.write_text(f.write_csv(), encoding="utf-8"),
        ["its_courses.xlsx: cannot open the workbook: the file is not an .xlsx workbook"],
    ),
]


@pytest.mark.parametrize(("case", "make", "texts"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_refresh_refuses_the_workbook_and_keeps_the_publication(
    published: Path,
    courses: pl.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Callable[[Path], dict[str, str]],
    case: str,
    make: Callable[[pl.DataFrame], Callable[[Path], object]],
    texts: list[str],
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    before = snapshot(ws / "out")
    make(courses)(ws / "data" / COURSES)
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1, err
    assert "Traceback" not in err and "CalamineError" not in err, err
    for text in texts:
        assert text in err, f"{case}: {text!r} not in:\n{err}"
    assert snapshot(ws / "out") == before
    failures = list((ws / "out" / "failures").iterdir())
    assert len(failures) == 1 and str(failures[0]) in err
    assert texts[0] in (failures[0] / "error.txt").read_text(encoding="utf-8")


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    # a regression would make the reader ask for ~512 GB: fail that at once, do not swap
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))


def _stray_cell(frame: pl.DataFrame, path: Path) -> None:
    write_book(path, frame, lambda book, sheet: sheet.write(1_048_575, 16_383, "x"))


def _shared_string_count(frame: pl.DataFrame, path: Path) -> None:
    write_book(path, frame)
    rewrite(
        path,
        "xl/sharedStrings.xml",
        lambda x: re.sub(r'uniqueCount="\d+"', 'uniqueCount="4000000000"', x),
    )


@pytest.mark.parametrize(
    ("spoil", "text"),
    [
        (
            _stray_cell,
            "its_courses.xlsx[courses]:1048576: cell XFD1048576: the sheet's used range is "
            "A1:XFD1048576 (1,048,576 rows x 16,384 columns); this reader takes at most 200 "
            "columns: this cell holds 'x', far from the table",
        ),
        (
            _shared_string_count,
            "its_courses.xlsx: cannot open the workbook: the file is damaged "
            "(xl/sharedStrings.xml declares 4,000,000,000 strings and holds",
        ),
    ],
    ids=["stray cell in XFD1048576", "shared-string count"],
)
def test_what_would_make_the_reader_allocate_hundreds_of_gb_is_a_report_not_an_abort(
    published: Path,
    courses: pl.DataFrame,
    tmp_path: Path,
    snapshot: Callable[[Path], dict[str, str]],
    spoil: Callable[[pl.DataFrame, Path], None],
    text: str,
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    before = snapshot(ws / "out")
    spoil(courses, ws / "data" / COURSES)
    # a child process: without the check the reader aborts the process (exit 134)
    command = ["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out")]
    run = subprocess.run(
        [sys.executable, "-m", "skills.cli", *command],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limit_memory,  # no threads in the child before exec
    )
    assert run.returncode == 1, run.stderr
    assert text in run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(ws / "out") == before


def test_refresh_reads_the_first_visible_sheet_and_says_which(
    published: Path,
    courses: pl.DataFrame,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(published, ws, symlinks=True)
    spec = ws / "pipeline.toml"
    text = spec.read_text(encoding="utf-8")
    assert 'sheet = "courses"\n' in text
    spec.write_text(text.replace('sheet = "courses"\n', ""), encoding="utf-8")
    # a stale, hidden first sheet whose figures would fail the run if it were read
    stale = courses.with_columns(pl.col("graduates_n") + 1000)

    def old(book: Any) -> None:
        sheet = book.add_worksheet("courses_2019")
        sheet.write_row(0, 0, stale.columns)
        for i, row in enumerate(stale.iter_rows(), start=1):
            sheet.write_row(i, 0, row)
        sheet.hide()

    write_book(ws / "data" / COURSES, courses, before=old)
    with (
        caplog.at_level(logging.INFO, logger="skills.schema"),
        pytest.raises(SystemExit) as exit_info,
    ):
        main(["refresh", str(spec), "--out", str(ws / "out")])
    assert exit_info.value.code == 0
    assert any(
        "its_courses.xlsx: no sheet named in the spec: reading the first visible sheet "
        "'courses'; hidden sheets, not read: ['courses_2019']" in m
        for m in caplog.messages
    ), caplog.messages
    published_courses = pl.read_parquet(ws / "out" / "latest" / "its_courses.parquet")
    assert published_courses["graduates_n"].sum() == courses["graduates_n"].sum()


@pytest.mark.slow
def test_the_look_inside_holds_one_chunk_of_cells_at_a_time(tmp_path: Path) -> None:
    # 30,000 rows, about 2 MB of sheet XML (more than two chunks): rows already seen are
    # cut from the tree as the parse goes, so sheetData never holds them all
    path = tmp_path / "big.xlsx"
    row = '<row r="{0}"><c r="A{0}"><v>1</v></c><c r="B{0}"><v>2</v></c></row>'
    rows = "".join(row.format(i) for i in range(1, 30_001))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    assert len(sheet) > 2 * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    seen, most = 0, 0
    with zipfile.ZipFile(path) as book:
        events = xlsx_guard._events(book, str(path), "xl/worksheets/sheet1.xml", drop_depth=4)
        for event, elem in events:
            if event == "start" and elem.tag.endswith("}sheetData"):
                sheet_data = elem
            elif event == "end" and elem.tag.endswith("}row"):
                seen += 1
                most = max(most, len(sheet_data))
    assert seen == 30_000
    assert most < 30_000
