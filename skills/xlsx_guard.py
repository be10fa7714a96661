"""A cheap, bounded look inside an ``.xlsx`` workbook before the spreadsheet reader opens it.

The reader (fastexcel, on the Rust library calamine) reads a workbook as its XML says, not
as a person sees it in Excel: a formula without a saved value, an error such as
``#DIV/0!`` and the hidden cells of a merged range all become empty cells, silently; a
hidden, stale first sheet is read like any other; a damaged file raises a raw
``CalamineError``; and one stray character in cell ``XFD1048576`` makes it allocate the
whole 17-billion-cell grid, so the process aborts without a word.

:func:`check_workbook` reads the workbook as the zip of XML files it is, with the
standard library only (:mod:`zipfile` and a streaming :class:`xml.etree.ElementTree.
XMLPullParser`), never holding more than one row of cells in memory, and never reading
more than :data:`MAX_PART_BYTES` of any XML part (which bounds its time too). It:

* picks the sheet to read: the one the spec names, else the first **visible** worksheet
  (a hidden or very hidden sheet is never chosen implicitly), and says so in a note;
* refuses a file that is not an ``.xlsx`` (a CSV or an old ``.xls`` under an ``.xlsx``
  name, a password-protected workbook), a damaged or truncated one, an XML part larger
  than :data:`MAX_PART_BYTES`, and a shared-string table that declares far more strings
  than it holds (the reader reserves memory for the declared count);
* lists, in one error, every cell of the sheet that would not read as it looks (up to
  :data:`MAX_PROBLEMS`): a formula without a saved value, a formula whose saved value
  was written by a program that does not calculate (the workbook asks to recalculate on
  open), an error value (``#DIV/0!``, ``#REF!``, ``#N/A``, ...), a merged range inside the
  used range, and a used range beyond :data:`MAX_COLUMNS` columns or :data:`MAX_CELLS`
  cells (naming the farthest cell, usually a stray entry far from the table).

Every problem is an :class:`~skills.errors.InputError` (exit code 1) naming the file, the
sheet, the row, the column's header and the cell; a sheet the spec names and the workbook
lacks is a :class:`~skills.errors.ConfigError` (exit code 2), as before.

Why one module of about 650 lines: it is one streaming pass over one file format (the
package XML of a workbook, its shared strings, styles and one sheet), with the limits and
messages that pass needs; splitting the pass would spread one parser's state over files.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from xml.etree import ElementTree as ET

from skills.errors import ConfigError, InputError

__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_PART_BYTES",
    "MAX_PROBLEMS",
    "SheetChoice",
    "WorkbookError",
    "check_workbook",
]

#: Most cells (rows x columns of the used range, from row 1 and the first used column)
#: a sheet may span: the reader allocates the whole range at once.
MAX_CELLS = 1_000_000
#: Most columns the used range of a sheet may span.
MAX_COLUMNS = 200
#: Most bytes, uncompressed, of one XML part the check or the reader reads (the sheet,
#: the shared strings, the styles, the workbook): bounds memory and time.
MAX_PART_BYTES = 64 * 1024 * 1024
#: Most problems listed in one error; the others are counted.
MAX_PROBLEMS = 20
#: A shared-string table may declare more strings than it holds by this much (sloppy
#: writers) before it is refused: the reader reserves memory for the declared count.
_SST_SLACK = 100_000
_CHUNK = 1 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_SAVE = "open the file in Excel or LibreOffice and save it, so the values are stored"

log = logging.getLogger("skills.schema")


@dataclass(frozen=True)
class SheetChoice:
    """The sheet :func:`check_workbook` chose, and what the operator should know about it.

    Attributes
    ----------
    sheet
        The sheet to read.
    sheets
        Every sheet of the workbook, in workbook order.
    hidden
        The hidden and very hidden sheets.
    note
        What was chosen and why, when the spec named no sheet or named a hidden one
        (also logged on the ``skills.schema`` logger); ``None`` otherwise.
    """

    sheet: str
    sheets: tuple[str, ...]
    hidden: tuple[str, ...]
    note: str | None


class WorkbookError(InputError):
    """Cells of a sheet that would not read as they look; every one is in :attr:`problems`.

    The error's own location (``line``, ``column``) is the first problem's; its message
    lists them all, one line each.
    """

    def __init__(
        self,
        file: str,
        reason: str,
        *,
        line: int | None,
        column: str | None,
        sheet: str,
        problems: tuple[str, ...],
    ) -> None:
        super().__init__(file, reason, line=line, column=column, sheet=sheet)
        self.problems = problems


@dataclass
class _Problem:
    row: int | None
    col: int | None
    cell: str | None
    reason: str


@dataclass
class _Scan:
    """What one pass over a sheet's XML found (cells are never kept, only these)."""

    problems: list[_Problem] = field(default_factory=list)
    more: int = 0
    budget: _Problem | None = None
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0
    # the cells that reach farthest down and right: (row, col, ref, type, raw value)
    lowest: tuple[int, int, str, str, str] | None = None
    rightmost: tuple[int, int, str, str, str] | None = None
    header_row: int = 0
    header: dict[int, tuple[str, str]] = field(default_factory=dict)
    shared: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, problem: _Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1


def check_workbook(path: Path, sheet: str | None) -> SheetChoice | None:
    """Check an ``.xlsx`` workbook before it is read and choose the sheet to read.

    Parameters
    ----------
    path
        The workbook (``.xlsx``, ``.xlsm``; an ``.xls`` file in the old binary format is
        not checked and ``None`` is returned).
    sheet
        The sheet the spec names, or ``None`` for the first visible worksheet.

    Returns
    -------
    SheetChoice or None
        The sheet to read and a note for the operator; ``None`` for an old ``.xls`` file.

    Raises
    ------
    skills.errors.ConfigError
        If ``sheet`` is not a sheet of the workbook.
    skills.errors.InputError
        If the file is not a readable ``.xlsx`` workbook, is beyond the budgets of this
        module, or if cells of the chosen sheet would not read as they look: all such
        cells (up to :data:`MAX_PROBLEMS`) are listed in one message, one line each, in
        the ``file[sheet]:row: column 'x': cell F12: reason`` shape.
    """
    label = str(path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        if path.suffix.lower() == ".xls":
            return None
        raise InputError(
            label,
            "cannot open the workbook: it is an old-format Excel file (.xls) or a "
            "password-protected workbook, not an .xlsx: open it in Excel or LibreOffice and "
            "save it as .xlsx (Excel Workbook) without a password",
        )
    if not head.startswith(b"PK"):
        if path.suffix.lower() == ".xls":
            return None  # let the reader say what it is
        looks = (
            " (it looks like a text or CSV file: save it as .xlsx, or point the spec at "
            "a .csv name)"
            if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head)
            else ""
        )
        raise InputError(
            label, f"cannot open the workbook: the file is not an .xlsx workbook{looks}"
        )
    try:
        with zipfile.ZipFile(path) as book:
            return _check(book, label, sheet)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputError(
            label,
            f"cannot open the workbook: the file is damaged or incomplete ({exc}); was it "
            "copied while still being written? Save it again from Excel or LibreOffice",
        ) from exc


# ------------------------------------------------------------------------ the workbook


def _check(book: zipfile.ZipFile, label: str, wanted: str | None) -> SheetChoice:
    names = set(book.namelist())
    workbook = "xl/workbook.xml"
    rels = _relationships(book, label, "_rels/.rels")
    for target, kind in rels.values():
        if kind.endswith("/officeDocument"):
            workbook = _resolve("", target)
    if workbook not in names:
        raise InputError(
            label,
            "cannot open the workbook: the file is a zip archive but not an Excel workbook "
            f"(no {workbook}): save it as .xlsx from Excel or LibreOffice",
        )
    folder = posixpath.dirname(workbook)
    parts = _relationships(
        book, label, posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    )
    sheets: list[tuple[str, str, str]] = []  # name, state, rel id
    calc: dict[str, str] = {}
    for event, elem in _events(book, label, workbook, drop_depth=3):
        if event != "end":
            continue
        tag = _local(elem.tag)
        if tag == "sheet":
            rid = next((v for k, v in elem.attrib.items() if _local(k) == "id" and "}" in k), "")
            sheets.append((elem.get("name", ""), elem.get("state", "visible"), rid))
        elif tag == "calcPr":
            calc = dict(elem.attrib)
    if not sheets:
        raise InputError(label, "cannot open the workbook: it has no sheets")
    all_names = tuple(s[0] for s in sheets)
    hidden = tuple(n for n, state, _ in sheets if state in {"hidden", "veryHidden"})

    def is_worksheet(rid: str) -> bool:
        return rid not in parts or parts[rid][1].endswith("/worksheet")

    if wanted is not None:
        if wanted not in all_names:
            raise ConfigError(
                f"no sheet {wanted!r}; the workbook has {list(all_names)}", file=label
            )
        chosen = next(s for s in sheets if s[0] == wanted)
        note = (
            f"{label}: sheet {wanted!r} named in the spec is hidden in the workbook; it is read"
            if wanted in hidden
            else None
        )
    else:
        visible = [s for s in sheets if s[0] not in hidden and is_worksheet(s[2])]
        if not visible:
            raise InputError(
                label,
                f"the workbook has no visible worksheet (hidden: {list(hidden)}): make the "
                'sheet to read visible, or name it with sheet = "..." for this source in the '
                "pipeline spec",
            )
        chosen = visible[0]
        note = f"{label}: no sheet named in the spec: reading the first visible sheet {chosen[0]!r}"
        if hidden:
            note += f"; hidden sheets, not read: {list(hidden)}"
    if note is not None:
        log.log(logging.WARNING if hidden else logging.INFO, "%s", note)
    sheet_part = (
        _resolve(folder, parts[chosen[2]][0])
        if chosen[2] in parts
        else posixpath.join(folder, "worksheets", f"sheet{all_names.index(chosen[0]) + 1}.xml")
    )
    if sheet_part not in names:
        raise InputError(
            label,
            f"cannot open the workbook: the file is damaged (sheet {chosen[0]!r} has no "
            f"{sheet_part}): save it again from Excel or LibreOffice",
        )
    sst_part = next(
        (_resolve(folder, t) for t, kind in parts.values() if kind.endswith("/sharedStrings")),
        posixpath.join(folder, "sharedStrings.xml"),
    )
    for target, kind in parts.values():
        if kind.endswith("/styles"):
            _drain(book, label, _resolve(folder, target))
    untrusted = calc.get("fullCalcOnLoad") in {"1", "true"} or (
        calc.get("calcMode") == "manual" and calc.get("calcOnSave") in {"0", "false"}
    )
    scan = _scan_sheet(book, label, sheet_part, untrusted=untrusted)
    needed = {int(raw) for t, raw in _labels(scan) if t == "s" and raw.isdigit()}
    strings = _shared_strings(book, label, sst_part, needed) if sst_part in names else {}
    _budget(scan, strings)
    if scan.problems or scan.budget is not None:
        raise _problems_error(label, chosen[0], scan, strings)
    return SheetChoice(chosen[0], all_names, hidden, note)


def _labels(scan: _Scan) -> Iterator[tuple[str, str]]:
    yield from scan.header.values()
    for cell in (scan.lowest, scan.rightmost):
        if cell is not None:
            yield cell[3], cell[4]


def _relationships(book: zipfile.ZipFile, label: str, part: str) -> dict[str, tuple[str, str]]:
    if part not in book.namelist():
        return {}
    found: dict[str, tuple[str, str]] = {}
    for event, elem in _events(book, label, part):
        if event == "end" and _local(elem.tag) == "Relationship":
            found[elem.get("Id", "")] = (elem.get("Target", ""), elem.get("Type", ""))
    return found


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _open_part(book: zipfile.ZipFile, label: str, part: str) -> Iterator[bytes]:
    """The bytes of one part in chunks, refusing a part larger than MAX_PART_BYTES."""
    info = book.getinfo(part)
    if info.file_size > MAX_PART_BYTES:
        raise _too_large(label, part, info.file_size)
    read = 0
    with book.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            read += len(chunk)
            if read > MAX_PART_BYTES:
                raise _too_large(label, part, read)
            yield chunk


def _too_large(label: str, part: str, size: int) -> InputError:
    return InputError(
        label,
        f"the workbook's {part} is more than {MAX_PART_BYTES // 2**20} MB of XML once "
        f"unpacked (at least {size:,} bytes): this reader takes workbooks of at most "
        f"{MAX_CELLS:,} cells a sheet; is there a stray cell far from the table, or is the "
        "file not a spreadsheet? Save the table alone as .xlsx or .csv",
    )


def _drain(book: zipfile.ZipFile, label: str, part: str) -> None:
    """Read a part the reader will read, only to bound its size."""
    if part in book.namelist():
        for _ in _open_part(book, label, part):
            pass


def _events(
    book: zipfile.ZipFile, label: str, part: str, *, drop_depth: int = 2
) -> Iterator[tuple[str, ET.Element]]:
    """Start and end events of one part, streamed; memory stays bounded.

    Once the caller has seen an element's end, the element is cut from its parent if it
    is no deeper than ``drop_depth`` (the root is depth 1): the records of a part (a cell
    at depth 4 of a sheet, a string at depth 2 of the shared strings) are dropped once read,
    with their children, so a part of any length holds one record at a time.
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    open_path: list[ET.Element] = []

    def walk() -> Iterator[tuple[str, ET.Element]]:
        for pair in parser.read_events():
            event, elem = cast(tuple[str, ET.Element], pair)  # start and end events only
            if event == "start":
                open_path.append(elem)
            yield event, elem
            if event == "end":
                open_path.pop()
        # every event read so far has been seen: cut the finished records from their
        # containers at once (one by one would shift the list each time: quadratic)
        for depth, parent in enumerate(open_path[: drop_depth - 1], start=1):
            still_open = 1 if depth < len(open_path) else 0
            del parent[: len(parent) - still_open]

    try:
        for chunk in _open_part(book, label, part):
            parser.feed(chunk)
            yield from walk()
        parser.close()
        yield from walk()
    except ET.ParseError as exc:
        raise InputError(
            label,
            f"cannot open the workbook: the file is damaged ({part} is not well-formed XML: "
            f"{exc}): save it again from Excel or LibreOffice",
        ) from exc


# ------------------------------------------------------------------------ the sheet


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _scan_sheet(book: zipfile.ZipFile, label: str, part: str, *, untrusted: bool) -> _Scan:
    scan = _Scan()
    row = 0
    col = 0
    for event, elem in _events(book, label, part, drop_depth=4):  # a cell at a time
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                number = elem.get("r")
                row = int(number) if number and number.isdigit() else row + 1
                col = 0
            continue
        if tag == "c":
            ref = elem.get("r", "")
            match = _REF.match(ref)
            if match:
                col = _column_number(match.group(1))
                row = int(match.group(2))
            else:
                col += 1
                ref = f"{_column_letters(col)}{row}"
            _cell(scan, elem, row, col, ref, untrusted=untrusted)
        elif tag == "mergeCell":
            _merge(scan, elem.get("ref", ""))
    return scan


def _cell(scan: _Scan, elem: ET.Element, row: int, col: int, ref: str, *, untrusted: bool) -> None:
    kind = elem.get("t", "n")
    formula: ET.Element | None = None
    value: ET.Element | None = None
    inline: str | None = None
    for child in elem:
        tag = _local(child.tag)
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child
        elif tag == "is":
            inline = "".join(t.text or "" for t in child.iter() if _local(t.tag) == "t")
    raw = (value.text or "") if value is not None else ""
    has_value = bool(raw) or bool(inline) or formula is not None or kind == "e"
    if not has_value:
        return  # a formatted empty cell: the reader skips it
    if scan.max_row == 0 or row < scan.header_row:
        scan.header_row, scan.header = row, {}
    text = inline if kind == "inlineStr" and inline is not None else raw
    if row == scan.header_row:
        scan.header[col] = (kind, text)
    shown = (row, col, ref, kind, text)
    if scan.lowest is None or row > scan.lowest[0]:
        scan.lowest = shown
    if scan.rightmost is None or col > scan.rightmost[1]:
        scan.rightmost = shown
    scan.max_row = max(scan.max_row, row)
    scan.min_col = min(scan.min_col, col) if scan.min_col else col
    scan.max_col = max(scan.max_col, col)
    if formula is not None:
        written = _formula_text(scan, formula, ref)
        if kind == "e":
            scan.add(
                _Problem(
                    row,
                    col,
                    ref,
                    f"formula {written} gives {raw or 'an error'}, which would be read as an empty "
                    "cell: correct the formula or the cells it uses (or clear the cell), save "
                    "and run again",
                )
            )
        elif value is None or (not raw and kind != "str"):
            scan.add(_Problem(row, col, ref, f"formula {written} has no saved value: {_SAVE}"))
        elif untrusted:
            scan.add(
                _Problem(
                    row,
                    col,
                    ref,
                    f"formula {written} has a saved value ({raw!r}) that may not be its result: "
                    "the file was written by a program that does not calculate formulas (it "
                    f"asks to recalculate when opened); {_SAVE}",
                )
            )
    elif kind == "e":
        scan.add(
            _Problem(
                row,
                col,
                ref,
                f"the cell holds the error {raw or '(unknown)'}, which would be read as an empty "
                "cell: enter the value, or clear the cell",
            )
        )


def _formula_text(scan: _Scan, formula: ET.Element, ref: str) -> str:
    text = (formula.text or "").strip()
    index = formula.get("si")
    if formula.get("t") == "shared" and index is not None:
        if text:
            scan.shared[index] = (ref, text)
        elif index in scan.shared:
            master, master_text = scan.shared[index]
            return f"(shared with {master}: ={_short(master_text)})"
    return f"={_short(text)}" if text else "(shared formula)"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _merge(scan: _Scan, ref: str) -> None:
    first, _, last = ref.partition(":")
    a, b = _REF.match(first), _REF.match(last or first)
    if not a or not b or scan.max_row == 0:
        return
    top, left = int(a.group(2)), _column_number(a.group(1))
    bottom, right = int(b.group(2)), _column_number(b.group(1))
    if (top, left) == (bottom, right):
        return
    # the used range: row 1 to the last row with a value, first to last used column
    if top > scan.max_row or left > scan.max_col or right < scan.min_col:
        return
    scan.add(
        _Problem(
            top,
            left,
            first.upper(),
            f"cells {ref.upper()} are merged: only {first.upper()} keeps a value, the other "
            "cells would be read as empty: unmerge them and fill in every cell, save and run "
            "again",
        )
    )


def _budget(scan: _Scan, strings: dict[int, str]) -> None:
    """Refuse a used range the reader would allocate beyond the budgets."""
    if scan.max_row == 0:
        return
    width = scan.max_col - scan.min_col + 1
    cells = scan.max_row * width
    area = (
        f"{_column_letters(scan.min_col)}1:{_column_letters(scan.max_col)}{scan.max_row}"
        f" ({scan.max_row:,} rows x {width:,} columns)"
    )
    if width > MAX_COLUMNS and scan.rightmost is not None:
        far, what = scan.rightmost, f"at most {MAX_COLUMNS} columns"
    elif cells > MAX_CELLS and scan.lowest is not None:
        far, what = scan.lowest, f"at most {MAX_CELLS:,} cells"
    else:
        return
    row, col, ref, kind, raw = far
    scan.budget = _Problem(
        row,
        col,
        ref,
        f"the sheet's used range is {area}; this reader takes {what}: this cell holds "
        f"{_shown(kind, raw, strings)!r}, far from the table; if it is a stray entry, "
        "delete it (or the rows and columns beyond the table), save and run again; "
        "otherwise split the table into smaller files",
    )


def _shown(kind: str, raw: str, strings: dict[int, str]) -> str:
    if kind == "s" and raw.isdigit():
        return _short(strings.get(int(raw), ""), 40)
    return _short(raw, 40)


def _shared_strings(
    book: zipfile.ZipFile, label: str, part: str, needed: set[int]
) -> dict[int, str]:
    """The shared strings at ``needed`` indexes; checks the declared count is plausible."""
    found: dict[int, str] = {}
    declared = 0
    count = 0
    for event, elem in _events(book, label, part, drop_depth=2):  # a string at a time
        tag = _local(elem.tag)
        if event == "start":
            if tag == "sst":
                unique = elem.get("uniqueCount", "")
                declared = int(unique) if unique.isdigit() else 0
            continue
        if tag == "si":
            if count in needed:
                found[count] = "".join(_string_runs(elem))
            count += 1
    if declared > count + _SST_SLACK:
        raise InputError(
            label,
            f"cannot open the workbook: the file is damaged ({part} declares {declared:,} "
            f"strings and holds {count:,}): save it again from Excel or LibreOffice",
        )
    return found


def _string_runs(si: ET.Element) -> Iterator[str]:
    for child in si:
        tag = _local(child.tag)
        if tag == "t":
            yield child.text or ""
        elif tag == "r":
            yield from (t.text or "" for t in child if _local(t.tag) == "t")


def _problems_error(label: str, sheet: str, scan: _Scan, strings: dict[int, str]) -> InputError:
    """One error listing every problem, each on a line of its own."""
    names = {c: _shown(kind, raw, strings).strip() for c, (kind, raw) in scan.header.items()}

    def column(p: _Problem) -> str | None:
        if p.col is None or p.row == scan.header_row:
            return None
        return names.get(p.col) or None

    def line(p: _Problem) -> str:
        return str(
            InputError(
                label, f"cell {p.cell}: {p.reason}", line=p.row, column=column(p), sheet=sheet
            )
        )

    # the used range first (the reader cannot read the sheet at all), then sheet order
    problems = sorted(scan.problems, key=lambda p: (p.row or 0, p.col or 0))
    if scan.budget is not None:
        problems.insert(0, scan.budget)
    first, rest = problems[0], problems[1:]
    total = len(problems) + scan.more
    reason = f"cell {first.cell}: {first.reason}"
    tail: list[str] = [line(p) for p in rest]
    if scan.more:
        tail.append(f"... and {scan.more} more problems of the same kinds")
    if total > 1:
        tail.append(f"({total} problems in sheet {sheet!r}: fix them all, save and run again)")
    return WorkbookError(
        label,
        "\n".join([reason, *tail]),
        line=first.row,
        column=column(first),
        sheet=sheet,
        problems=tuple(line(p) for p in problems),
    )
