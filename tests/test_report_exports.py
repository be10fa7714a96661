"""The exports: CSV and XLSX read back as the Parquet tables, formula injection, the
definitions sheet in both languages, deterministic bytes, the demo through a refresh."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from skills.report import exports
from skills.report._publication import Publication, read_publication
from skills.report.exports import (
    DANGEROUS_PREFIXES,
    XLSX_MAX_CHARS,
    ExportFile,
    ExportsResult,
    export_frame,
    exports_section,
    neutralise,
    neutralise_expr,
    sheet_names,
    write_exports,
)
from skills.report.frames import data_label_text
from skills.report.i18n import Messages, catalogue, used_keys

RUN_ID = "20260101T100000Z-abc123"
LABEL = "synthetic demo data"
INJECTION = ["=1+1", "+39 011", "-x", "@SUM(A1)", "\tTab", "\rCR", "Università", None, ""]


def manifest(*, label: str | None = LABEL, inputs: bool = True) -> dict[str, Any]:
    return {
        "run_id": RUN_ID,
        "started": "2026-01-01T10:00:00.123456+00:00",
        "package": {"name": "skills", "version": "0.1.0"},
        "pipeline": {"name": "t", "title": "Test (ITC1)", "region": "ITC1", "nuts_version": 2021},
        "data_label": label,
        "inputs": (
            [
                {
                    "role": "hiring_plans",
                    "kind": "hiring_plans",
                    "location": "/data/hiring_plans.csv",
                    "dataset": None,
                    "format": "csv",
                    "sha256": "ab" * 32,
                    "rows": 10,
                    "vintage": "2026-10-15T23:00:00",
                },
                {
                    "role": "employment",
                    "location": "/data/x.csv",
                    "dataset": "lfst_r_lfe2emp",
                    "format": "sdmx-csv",
                    "sha256": "cd" * 32,
                    "rows": 3,
                    "vintage": None,
                },
            ]
            if inputs
            else []
        ),
        "crosswalks": [
            {"name": "its_isco08", "version": "its-isco08-v1", "variants": ["central"], "links": 9}
        ],
    }


def small_tables() -> dict[str, pl.DataFrame]:
    """A few rows per table: negative gaps, nulls, injection, every cell type."""
    return {
        "its_gap": pl.DataFrame(
            {
                "its_area": ["energy", "ict_data", "energy", "fashion"],
                "geo": ["ITC1", "ITC1", "ITC11", "ITC11"],
                "year": [2025, 2025, 2025, 2025],
                "demand_entries_n": [120.5, 30.0, None, 1 / 3],
                "supply_graduates_n": [100.0, 49.3, 12.0, 0.1 + 0.2],
                "gap_n": [20.5, -19.3, None, 1 / 3 - 0.3],
                "coverage_ratio": [100 / 120.5, 1.6433333333333333, None, 1e-300],
                "rank": pl.Series([1, 2, None, 3], dtype=pl.Int32),
            }
        ),
        "contacts": pl.DataFrame(
            {
                "text": INJECTION,
                "note": ["-19.3", "ok", "@", "=", "+", "a,b", 'q"x', "l\nm", " x"],
                "value": [-19.3, 0.0, -0.0, 1e22, None, -1.5, 2.5e-7, -1e-9, 42.0],
            }
        ),
        "kinds": pl.DataFrame(
            {
                "day": [date(2026, 1, 2), date(1999, 12, 31), None],
                "stamp": [datetime(2026, 1, 2, 3, 4, 5), None, datetime(2000, 2, 29, 23, 59, 59)],
                "flag": [True, None, False],
                "count": pl.Series([1, None, 4_000_000_000], dtype=pl.Int64),
                "small": pl.Series([1, -2, None], dtype=pl.Int8),
                "tier": pl.Series(["a", "b", None], dtype=pl.Categorical),
                "codes": [[1, 2], None, []],
            }
        ),
    }


def write_publication(
    folder: Path,
    tables: dict[str, pl.DataFrame],
    *,
    label: str | None = LABEL,
    inputs: bool = True,
) -> Publication:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest(label=label, inputs=inputs)))
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    return read_publication(folder)


def chart_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"geo": ["ITC1", "ITC11"], "area": ["Energia", "=HYPERLINK()"], "x": [1.5, -2.0]}
    )


@pytest.fixture
def small(tmp_path: Path) -> tuple[Publication, ExportsResult]:
    pub = write_publication(tmp_path / "pub", small_tables())
    result = write_exports(
        pub, tmp_path / "pub", t=Messages("it"), chart_frames={"its_gap_by_area": chart_frame()}
    )
    return pub, result


def read_sheets(path: Path) -> dict[str, pl.DataFrame]:
    sheets = pl.read_excel(
        path,
        sheet_id=0,
        engine="calamine",
        drop_empty_rows=False,
        drop_empty_cols=False,
        infer_schema_length=None,
    )
    assert isinstance(sheets, dict)
    return sheets


def read_definitions(path: Path, sheet: str) -> pl.DataFrame:
    frame = pl.read_excel(
        path,
        sheet_name=sheet,
        engine="calamine",
        has_header=False,
        drop_empty_rows=False,
        read_options={"dtypes": "string"},
    )
    assert isinstance(frame, pl.DataFrame)
    return frame


def expected_in_workbook(frame: pl.DataFrame) -> pl.DataFrame:
    """What a sheet holds: the exported frame, NaN/inf empty, text cut at the cell limit,
    timestamps in UTC without zone."""
    out = export_frame(frame)
    exprs = []
    for name, dtype in out.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            exprs.append(pl.when(col.is_finite()).then(col).alias(name))
        elif dtype == pl.String:  # an empty text is an empty cell
            exprs.append(col.str.slice(0, XLSX_MAX_CHARS).replace("", None))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            exprs.append(col.dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        else:
            exprs.append(col)
    return out.select(exprs)


def assert_sheet_equals(sheet: pl.DataFrame, frame: pl.DataFrame) -> None:
    want = expected_in_workbook(frame)
    assert sheet.columns == want.columns
    got = sheet.with_columns(
        [
            pl.col(c).cast(pl.String).replace("", None) if d == pl.String else pl.col(c)
            for c, d in want.schema.items()
        ]
    ).cast(dict(want.schema))  # type: ignore[arg-type]
    assert_frame_equal(got, want, rel_tol=1e-12, abs_tol=0)


def assert_csv_equals(path: Path, frame: pl.DataFrame) -> None:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert raw[3:].decode("utf-8").splitlines()[0] == ",".join(frame.columns)
    want = export_frame(frame)
    got = pl.read_csv(path, schema=want.schema)
    assert_frame_equal(got, want)  # floats exactly


# ----------------------------------------------------------------------------- neutralise
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+39 011", "'+39 011"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Torino", "Torino"),
        ("", ""),
        ("'=x", "'=x"),
        (" =x", " =x"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=20))
def test_neutralise_property(texts: list[str | None]) -> None:
    """Nothing left starts a formula; only a prefix is added; idempotent; the Polars
    expression agrees with the function."""
    for text in texts:
        if text is None:
            continue
        out = neutralise(text)
        assert out[:1] not in DANGEROUS_PREFIXES
        if text[:1] in DANGEROUS_PREFIXES:
            assert out == "'" + text
        else:
            assert out == text
        assert neutralise(out) == out
    series = pl.Series("s", texts, dtype=pl.String)
    got = pl.DataFrame([series]).select(neutralise_expr(pl.col("s")))["s"].to_list()
    assert got == [None if t is None else neutralise(t) for t in texts]


def test_sheet_names_are_valid_and_unique() -> None:
    long = "a_very_long_table_name_that_exceeds_the_limit"
    names = sheet_names(
        ["its_gap", long, long + "_2", "definitions", "a[b]:c*?/\\d", "'quoted'", "History"],
        reserved=["Definitions"],
    )
    assert all(0 < len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert "definitions" not in {n.casefold() for n in names}
    assert names[0] == "its_gap"
    assert names[1] == long[:31]
    assert names[2].endswith("~2")
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert not names[5].startswith("'") and not names[5].endswith("'")
    assert names[6].casefold() != "history"


# ----------------------------------------------------------------------------- read-back
def test_every_csv_reads_back_as_the_parquet_table(
    small: tuple[Publication, ExportsResult],
) -> None:
    pub, result = small
    tables = {f.name: f for f in result.files if f.kind == "table"}
    assert set(tables) == {"its_gap", "contacts", "kinds"}
    for name, item in tables.items():
        assert item.path == pub.folder / "exports" / f"{name}.csv"
        frame = pl.read_parquet(pub.folder / f"{name}.parquet")
        assert item.rows == frame.height
        assert_csv_equals(item.path, frame)
    chart = next(f for f in result.files if f.kind == "chart")
    assert chart.path.name == "chart_its_gap_by_area.csv"
    assert_csv_equals(chart.path, chart_frame())


def test_every_sheet_reads_back_as_the_parquet_table(
    small: tuple[Publication, ExportsResult],
) -> None:
    pub, result = small
    assert result.workbook is not None
    assert result.workbook.name == f"skills_ITC1_{RUN_ID}.xlsx"
    sheets = read_sheets(result.workbook)
    # the planners' tables first, then the rest by name
    assert list(sheets) == ["Definizioni", "its_gap", "contacts", "kinds"]
    for name in ("its_gap", "contacts", "kinds"):
        assert result.sheets[name] == name
        assert_sheet_equals(sheets[name], pl.read_parquet(pub.folder / f"{name}.parquet"))


def test_formula_injection_is_neutralised_in_both_formats(
    small: tuple[Publication, ExportsResult],
) -> None:
    pub, result = small
    want = ["'=1+1", "'+39 011", "'-x", "'@SUM(A1)", "'\tTab", "'\rCR", "Università", None, ""]
    csv = pl.read_csv(pub.folder / "exports" / "contacts.csv")  # types inferred, as a user would
    assert csv["text"].to_list() == want
    assert csv["note"].to_list()[:5] == ["'-19.3", "ok", "'@", "'=", "'+"]
    assert csv["value"].dtype == pl.Float64  # a negative number stays a number
    assert csv["value"][0] == -19.3
    assert result.workbook is not None
    sheet = read_sheets(result.workbook)["contacts"]
    assert sheet["text"].to_list()[:7] == want[:7]
    assert sheet["value"].dtype == pl.Float64
    assert sheet["value"][0] == -19.3
    gap = read_sheets(result.workbook)["its_gap"]
    assert gap["gap_n"].dtype == pl.Float64 and gap["gap_n"][1] == -19.3
    # no cell of any sheet is a formula, and the chart's text is neutralised too
    with zipfile.ZipFile(result.workbook) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode()
    chart = pl.read_csv(pub.folder / "exports" / "chart_its_gap_by_area.csv")
    assert chart["area"].to_list() == ["Energia", "'=HYPERLINK()"]
    assert chart["x"].to_list() == [1.5, -2.0]


def test_cell_types_in_the_workbook(small: tuple[Publication, ExportsResult]) -> None:
    _, result = small
    assert result.workbook is not None
    kinds = read_sheets(result.workbook)["kinds"]
    assert kinds["flag"].to_list() == [True, None, False]
    assert kinds["day"].cast(pl.Date).to_list() == [date(2026, 1, 2), date(1999, 12, 31), None]
    assert kinds["codes"].to_list() == ["[1, 2]", None, "[]"]
    with zipfile.ZipFile(result.workbook) as z:
        styles = z.read("xl/styles.xml").decode()
    assert "yyyy-mm-dd" in styles and "yyyy-mm-dd hh:mm:ss" in styles


# ----------------------------------------------------------------------------- definitions
@pytest.mark.parametrize(
    ("lang", "sheet", "head", "readme"),
    [
        (
            "it",
            "Definizioni",
            ["Foglio", "File CSV", "Righe", "Colonne", "Una riga è", "Nota"],
            "LEGGIMI.txt",
        ),
        (
            "en",
            "Definitions",
            ["Sheet", "CSV file", "Rows", "Columns", "One row is", "Note"],
            "README.txt",
        ),
    ],
)
def test_definitions_sheet(
    tmp_path: Path, lang: str, sheet: str, head: list[str], readme: str
) -> None:
    pub = write_publication(tmp_path / "pub", small_tables())
    result = write_exports(pub, tmp_path / "pub", t=Messages(lang), chart_frames={})
    assert result.workbook is not None
    sheets = read_sheets(result.workbook)
    assert next(iter(sheets)) == sheet
    rows = read_definitions(result.workbook, sheet)
    cells = [[v for v in row if v is not None] for row in rows.iter_rows()]
    flat = [v for row in cells for v in row]
    assert head in cells  # the header of the sheets' list
    listed = {row[0] for row in cells if len(row) >= 5}
    assert set(sheets) - {sheet} <= listed  # every sheet is named
    # the label in the workbook's language ("DATI DIMOSTRATIVI SINTETICI" in Italian)
    shown = (data_label_text(LABEL, Messages(lang)) or "").upper()
    assert any(shown in v for v in flat)
    assert any(RUN_ID in v for v in flat)
    assert "2026-10-15" in flat  # the vintages
    assert "hiring_plans" in flat and "lfst_r_lfe2emp" in flat  # the sources
    # a known column has its meaning and its unit
    gap_row = next(r for r in cells if r[:2] == ["its_gap", "gap_n"])
    t = Messages(lang)
    assert gap_row[2:] == [t("exports.type.number"), t("exports.unit.n"), t("exports.column.gap_n")]
    # the label and the run id are also in the read-me, and in the workbook's properties
    text = (result.folder / readme).read_text(encoding="utf-8")
    assert shown in text and RUN_ID in text
    with zipfile.ZipFile(result.workbook) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2026-01-01T10:00:00Z" in core  # created: the run's start, not now


def test_no_label_without_synthetic_data(tmp_path: Path) -> None:
    pub = write_publication(tmp_path / "pub", small_tables(), label=None)
    result = write_exports(pub, tmp_path / "pub", t=Messages("en"), chart_frames={})
    assert result.workbook is not None
    flat = [v for row in read_definitions(result.workbook, "Definitions").iter_rows() for v in row]
    assert not any(v and "SYNTHETIC" in v for v in flat)
    assert Messages("en")("exports.def.data_real") in flat


# ----------------------------------------------------------------------------- bytes
def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_publication_same_bytes(tmp_path: Path) -> None:
    pub = write_publication(tmp_path / "pub", small_tables())
    frames = {"its_gap_by_area": chart_frame()}
    first = write_exports(pub, tmp_path / "a", t=Messages("it"), chart_frames=frames)
    before = digests(first.folder)
    second = write_exports(pub, tmp_path / "b", t=Messages("it"), chart_frames=frames)
    assert digests(second.folder) == before
    # rebuilding in place replaces the folder (no file of an earlier build is left)
    (first.folder / "stale.csv").write_text("x")
    again = write_exports(pub, tmp_path / "a", t=Messages("it"), chart_frames=frames)
    assert digests(again.folder) == before
    assert not list((tmp_path / "a").glob(".exports*"))


# ----------------------------------------------------------------------------- limits
def edge_tables() -> dict[str, pl.DataFrame]:
    return {
        "its_gap": small_tables()["its_gap"],
        "nan_values": pl.DataFrame(
            {"i": [1, 2, 3, 4], "x": [float("nan"), float("inf"), -float("inf"), None]}
        ),
        "many_rows": pl.DataFrame({"n": [1, 2, 3, 4, 5]}),
        "wide": pl.DataFrame({f"c{i}": [i] for i in range(12)}),
        "empty": pl.DataFrame(),
        "shares": pl.DataFrame({"share_pct": [1.5], "change_pp": [-0.2], "employment_ths": [3.0]}),
        "long_text": pl.DataFrame({"s": ["x" * (XLSX_MAX_CHARS + 10), "short"]}),
        "indicators": pl.DataFrame(
            {"indicator": ["unemployment_rate", "not_an_indicator"], "value": [6.0, 1.0]}
        ),
        "profile": pl.DataFrame(
            {"indicator": ["unemployment_rate"], "benchmarks": [[{"geo": "DE11", "value": 2.8}]]}
        ),
        "stamps": pl.DataFrame(
            {
                "at": pl.Series(
                    [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), None],
                    dtype=pl.Datetime("us", "UTC"),
                ),
                "old": [date(1899, 1, 1), date(2000, 1, 1)],
            }
        ),
        "a_table_name_longer_than_thirty_one": pl.DataFrame({"a": [1]}),
        "a_table_name_longer_than_thirty_one_too": pl.DataFrame({"a": [2]}),
        "definitions": pl.DataFrame({"a": [3]}),
    }


@pytest.mark.parametrize("lang", ["it", "en"])
def test_what_a_worksheet_cannot_hold(
    tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_COLUMNS", 10)
    folder = tmp_path / "pub"
    pub = write_publication(folder, edge_tables(), inputs=False)
    (folder / "broken.parquet").write_bytes(b"not parquet")
    t = Messages(lang)
    result = write_exports(pub, folder, t=t, chart_frames={}, max_sheet_rows=4)
    notes = " ".join(result.notes)
    assert "broken.parquet" in notes
    assert "nan_values" in notes and "long_text" in notes
    for name in ("many_rows", "wide", "empty"):  # 5 rows > 4, 12 columns > 10, none
        assert f"{name}.csv" in notes
        assert name not in result.sheets
        if name != "empty":  # Polars reads no table from a file with no header
            assert_csv_equals(folder / "exports" / f"{name}.csv", edge_tables()[name])
    assert (folder / "exports" / "empty.csv").read_bytes() == b"\xef\xbb\xbf\n"
    assert "nan_values" in result.sheets
    assert not any("benchmarks" in n for n in result.notes)  # JSON text leaves nothing out
    assert result.workbook is not None
    sheets = read_sheets(result.workbook)
    names = list(sheets)
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert result.sheets["definitions"].casefold() != t("exports.def.sheet").casefold()
    # the CSV has the table whole; the sheets what a sheet can hold
    assert_csv_equals(folder / "exports" / "nan_values.csv", edge_tables()["nan_values"])
    for name in ("nan_values", "long_text", "stamps", "profile", "indicators", "shares"):
        frame = pl.read_parquet(folder / f"{name}.parquet")
        assert_csv_equals(folder / "exports" / f"{name}.csv", frame)
        if name != "stamps":
            assert_sheet_equals(sheets[result.sheets[name]], frame)
    stamps = sheets["stamps"]
    assert stamps["at"].to_list()[0] == datetime(2026, 1, 2, 3, 4, 5)
    # before 1900-03-01 Excel's serial numbers are wrong: such a date is ISO text
    assert stamps["old"].to_list() == ["1899-01-01", "2000-01-01 00:00:00"]
    definitions = read_definitions(result.workbook, t("exports.def.sheet"))
    flat = [v for row in definitions.iter_rows() for v in row if v]
    assert t("exports.def.not_in_workbook") in flat
    assert t("exports.def.no_sources") in flat
    assert t("exports.def.not_catalogued") in flat
    assert any(v.startswith("Unemployed persons as a share") for v in flat)  # the catalogue


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="ab_x0F9&<>\r\x01 ", max_size=12),
            st.sampled_from(["_x0041_", "&amp;", "<t>", "a_xBEEF_b", "\x1f", "plain"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_sheet_xml_skips_only_escapes_a_column_does_not_need(texts: list[str | None]) -> None:
    """Each text column is escaped only for what it holds; the XML is the same as with
    every escape applied (so the workbook's bytes do not change)."""
    from skills.report.exports import _xlsx

    frame = pl.DataFrame(
        {"mixed": texts, "plain": ["code"] * len(texts), "n": list(range(len(texts)))},
        schema={"mixed": pl.String, "plain": pl.String, "n": pl.Int64},
    )
    fast = b"".join(_xlsx._sheet_rows(frame, {"date": None, "datetime": None}))
    everything = {name: {*_xlsx._XML_TEXT_STEPS, "control"} for name in ("mixed", "plain")}
    original = _xlsx._text_steps
    try:
        _xlsx._text_steps = lambda f, c: everything  # type: ignore[assignment]
        slow = b"".join(_xlsx._sheet_rows(frame, {"date": None, "datetime": None}))
    finally:
        _xlsx._text_steps = original  # type: ignore[assignment]
    assert fast == slow
    assert _xlsx._text_steps(frame, ["plain"]) == {"plain": set()}


def test_exports_section_links_and_escapes(tmp_path: Path) -> None:
    t = Messages("en")
    odd = tmp_path / "exports" / 'a<b>&"c.csv'
    result = ExportsResult(
        folder=tmp_path / "exports",
        files=(
            ExportFile(
                tmp_path / "exports" / "skills_x.xlsx", "workbook", "skills_x.xlsx", None, 5_000_000
            ),
            ExportFile(tmp_path / "exports" / "README.txt", "readme", "README.txt", None, 900),
            ExportFile(odd, "table", "<script>alert(1)</script>", 1234, 2048, "s<1>"),
            ExportFile(tmp_path / "exports" / "chart_x.csv", "chart", "x", 3, 100),
        ),
        notes=("<b>note</b>",),
        run_id=RUN_ID,
        data_label="<i>synthetic</i>",
    )
    html = exports_section(result, t=t)
    assert html.startswith('<section id="exports">') and html.endswith("</section>")
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert 'href="exports/skills_x.xlsx"' in html
    assert 'href="exports/a%3Cb%3E%26%22c.csv"' in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;note&lt;/b&gt;" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith("exports/") for h in hrefs) and len(hrefs) == 4
    assert "1,234" in html and "4.8 MB" in html and "2 KB" in html and "900 bytes" in html
    it = exports_section(result, t=Messages("it"))
    assert "1.234" in it and "4,8 MB" in it


def test_every_export_message_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every [exports] key of the catalogue is used by this module's scenarios; the
    glossary keys are checked against the demo's tables (test_demo_exports)."""
    monkeypatch.setattr(exports, "XLSX_MAX_COLUMNS", 10)
    for lang in ("it", "en"):
        pub = write_publication(tmp_path / lang, edge_tables(), inputs=False)
        (tmp_path / lang / "broken.parquet").write_bytes(b"not parquet")
        write_exports(pub, tmp_path / lang, t=Messages(lang), chart_frames={}, max_sheet_rows=4)
        pub = write_publication(tmp_path / f"{lang}-2", small_tables(), label=None)
        result = write_exports(
            pub, tmp_path / f"{lang}-2", t=Messages(lang), chart_frames={"c": chart_frame()}
        )
        big = ExportFile(tmp_path / "x.xlsx", "workbook", "x.xlsx", None, 3_000_000)
        exports_section(
            ExportsResult(result.folder, (*result.files, big), notes=("n",), data_label="l"),
            t=Messages(lang),
        )
    glossary = ("exports.column.", "exports.rows.", "exports.unit_of.")
    keys = {k for k in catalogue("en") if k.startswith("exports.") and not k.startswith(glossary)}
    assert keys - used_keys() == set()
    assert set(catalogue("en")) == set(catalogue("it"))


# ----------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo(warm_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo published by a refresh that writes the exports only (no charts' images):
    a copy of the session's demo workspace, its report formats changed (warm cache)."""
    from conftest import copy_workspace

    from skills.refresh import refresh

    root = copy_workspace(warm_workspace, tmp_path_factory.mktemp("exports-demo") / "ws")
    spec = root / "pipeline.toml"
    text = spec.read_text()
    assert 'report_formats = ["html"]' in text
    spec.write_text(text.replace('report_formats = ["html"]', 'report_formats = ["csv", "xlsx"]'))
    result = refresh(spec, root / "out")
    assert result.exit_code == 0, result.message
    return root / "out" / "latest"


@pytest.mark.slow
def test_demo_exports(demo: Path) -> None:
    from skills.report._build import chart_frames

    exports = demo / "exports"
    tables = sorted(p.stem for p in demo.glob("*.parquet"))
    # every CSV and every sheet reads back as its Parquet table
    workbooks = list(exports.glob("skills_ITC1_*.xlsx"))
    assert len(workbooks) == 1
    sheets = read_sheets(workbooks[0])
    definitions = next(iter(sheets))
    assert set(sheets) == {definitions, *tables}
    for name in tables:
        frame = pl.read_parquet(demo / f"{name}.parquet")
        assert_csv_equals(exports / f"{name}.csv", frame)
        assert_sheet_equals(sheets[name], frame)
    # the charts' data: the frames the report drew (in its first language, the one of the
    # definitions sheet), the same when computed again
    pub = read_publication(demo)
    lang = "it" if definitions == "Definizioni" else "en"
    frames = chart_frames(pub, Messages(lang))
    assert {p.name for p in exports.glob("chart_*.csv")} == {f"chart_{c}.csv" for c in frames}
    for chart_id, frame in frames.items():
        assert_csv_equals(exports / f"chart_{chart_id}.csv", frame)
    # the synthetic label, in the definitions sheet and the read-me
    t_sheet = read_definitions(workbooks[0], definitions)
    shown = (data_label_text(LABEL, Messages(lang)) or "").upper()
    assert any(v and shown in v for row in t_sheet.iter_rows() for v in row)
    readme = list(exports.glob("*.txt"))
    assert len(readme) == 1 and shown in readme[0].read_text(encoding="utf-8")
    # every exported file is in the manifest's outputs, with its digest
    outputs = {o["path"]: o for o in json.loads((demo / "manifest.json").read_text())["outputs"]}
    for path in exports.iterdir():
        entry = outputs[f"exports/{path.name}"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # the glossary: every demo table and column has words, and every word a table/column
    columns = {c for name in tables for c in pl.read_parquet_schema(demo / f"{name}.parquet")}
    glossary = {
        k.removeprefix("exports.column.")
        for k in catalogue("en")
        if k.startswith("exports.column.")
    }
    assert columns == glossary
    rows = {
        k.removeprefix("exports.rows.") for k in catalogue("en") if k.startswith("exports.rows.")
    }
    assert set(tables) == rows
    units = {
        k.removeprefix("exports.unit_of.")
        for k in catalogue("en")
        if k.startswith("exports.unit_of.")
    }
    assert units <= columns


def test_build_report_writes_the_same_exports_again(tmp_path: Path) -> None:
    """build_report returns the files; a rebuild of the same publication has the same
    bytes (on a small publication: the demo's exports are checked in test_demo_exports)."""
    from skills.report import build_report

    write_publication(tmp_path / "pub", small_tables())
    result = build_report(tmp_path / "pub", out=tmp_path / "a", formats=("csv", "xlsx"))
    assert result.report is None and result.charts == ()
    assert "exports" in result.seconds
    written = sorted(p.name for p in (tmp_path / "a" / "exports").iterdir())
    assert sorted(p.name for p in result.exports) == written
    assert any(name.endswith(".xlsx") for name in written)
    build_report(tmp_path / "pub", out=tmp_path / "b", formats=("csv", "xlsx"))
    assert digests(tmp_path / "b" / "exports") == digests(tmp_path / "a" / "exports")
