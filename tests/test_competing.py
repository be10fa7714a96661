"""Competing supply: the graduates reader, the ISCED-F -> ITS area indicator, suite and demo.

The indicator is checked against a hand computation on a small inline case and with
property tests (non-negative; the areas never take more graduates than the mapped fields
have); the reader's errors name file, line and column; the demo file is deterministic,
passes its suite and leaves the other demo files alone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import skills
import skills.classifications as cls
from skills.demo.competing import competing_graduates_demo
from skills.errors import InputError
from skills.indicators.competing import COMPETING_SUPPLY_COLUMNS, competing_supply
from skills.quality import validate_table
from skills.quality._suite import STRUCTURAL_TYPES
from skills.sources.competing import COMPETING_GRADUATES, read_competing_graduates
from skills.spec import ROLES

HEADER = "geo,year,iscedf13,isced11,graduates_n,source_note\n"
GOOD = (
    HEADER
    + "ITC11,2022,061,ED6,640,MUR laureati 2022\n"
    + "ITC11,2022,071,ED6,2810,\n"
    + "ITC11,2022,021,ED5,31,\n"
    + "ITC15,2023,041,ED6,290,\n"
    + "ITC1,2023,073,ED6,910,regional total\n"
)


def write(tmp_path: Path, text: str, name: str = "competing.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_error(tmp_path: Path, text: str) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_competing_graduates(path)
    assert info.value.file == str(path)
    return info.value


# ------------------------------------------------------------------------ reader


def test_good_file_reads_typed_rows_with_lines(tmp_path: Path) -> None:
    frame = read_competing_graduates(write(tmp_path, GOOD))
    assert frame.columns == [*COMPETING_GRADUATES.column_names, "_line"]
    assert frame.schema["year"] == pl.Int64 and frame.schema["graduates_n"] == pl.Int64
    assert frame["iscedf13"].to_list() == ["061", "071", "021", "041", "073"]
    assert frame["geo"].to_list() == ["ITC11", "ITC11", "ITC11", "ITC15", "ITC1"]
    assert frame["graduates_n"].sum() == 640 + 2810 + 31 + 290 + 910
    assert frame["_line"].to_list() == [2, 3, 4, 5, 6]
    assert frame["source_note"].to_list()[:2] == ["MUR laureati 2022", None]


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    csv_frame = read_competing_graduates(write(tmp_path, GOOD))
    path = tmp_path / "competing.xlsx"
    pl.read_csv(write(tmp_path, GOOD, "raw.csv"), infer_schema=False).write_excel(
        path, worksheet="laureati"
    )
    xlsx_frame = read_competing_graduates(path, sheet="laureati")
    assert_frame_equal(xlsx_frame, csv_frame)


def test_unknown_field_code_names_file_line_and_column(tmp_path: Path) -> None:
    err = read_error(tmp_path, GOOD.replace("ITC11,2022,071,", "ITC11,2022,065,"))
    assert (err.line, err.column) == (3, "iscedf13")
    assert "unknown code '065'" in err.reason and "ISCED-F 2013 narrow fields" in err.reason
    assert str(err).startswith(f"{tmp_path / 'competing.csv'}:3: column 'iscedf13':")


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "words"),
    [
        ("ITC15,2023,041,ED6", "ITC15,2023,041,ED7", 5, "isced11", "unknown code 'ED7'"),
        ("ITC15,2023,", "ITC,2023,", 5, "geo", "unknown code 'ITC'"),
        ("ITC11,2022,021,ED5,31", "ITC11,2022,021,ED5,-3", 4, "graduates_n", "below 0"),
        ("ITC11,2022,021,ED5,31", "ITC11,2022,021,ED5,1.031", 4, "graduates_n", "separators"),
        ("ITC15,2023,", "ITC15,23/24,", 5, "year", "not a whole number"),
        ("ITC15,2023,", "ITC15,1023,", 5, "year", "below 1990"),
        ("ITC15,2023,041", "ITC15,2023,41", 5, "iscedf13", "unknown code '41'"),
    ],
)
def test_bad_values_name_line_and_column(
    tmp_path: Path, old: str, new: str, line: int, column: str, words: str
) -> None:
    assert old in GOOD
    err = read_error(tmp_path, GOOD.replace(old, new))
    assert (err.line, err.column) == (line, column)
    assert words in err.reason


def test_italian_alias_headers(tmp_path: Path) -> None:
    text = GOOD.replace(HEADER, "geo,anno,campo_iscedf,livello_isced,laureati,fonte\n")
    frame = read_competing_graduates(write(tmp_path, text))
    assert_frame_equal(frame, read_competing_graduates(write(tmp_path, GOOD, "canonical.csv")))


def test_detailed_and_eurostat_codes_read_as_narrow_fields(tmp_path: Path) -> None:
    text = (
        GOOD.replace("ITC11,2022,061,", "ITC11,2022,0613,")
        .replace("ITC11,2022,071,", "ITC11,2022,F0715,")
        .replace("ITC15,2023,041,", "ITC15,2023,F041,")
    )
    frame = read_competing_graduates(write(tmp_path, text))
    assert frame["iscedf13"].to_list() == ["061", "071", "021", "041", "073"]


def test_two_detailed_fields_of_one_narrow_field_are_a_duplicated_key(tmp_path: Path) -> None:
    text = HEADER + "ITC11,2022,0612,ED6,100,\nITC11,2022,0613,ED6,200,\n"
    err = read_error(tmp_path, text)
    assert err.line == 3 and "duplicated key" in err.reason
    assert "iscedf13=061" in err.reason and "lines 2, 3" in err.reason


def test_missing_column_is_named(tmp_path: Path) -> None:
    err = read_error(tmp_path, "geo,year,iscedf13,graduates_n\nITC11,2022,061,5\n")
    assert (err.line, err.column) == (1, "isced11")
    assert "required column 'isced11' is missing" in err.reason


def test_role_and_public_api() -> None:
    role = ROLES["competing_graduates"]
    assert role.kind == "competing_graduates" and not role.required
    from skills.loading import PANEL_KINDS

    assert role.load_reader() is read_competing_graduates
    assert not role.in_panel and "competing_graduates" not in PANEL_KINDS
    assert skills.read_competing_graduates is read_competing_graduates
    assert skills.competing_supply is competing_supply
    assert {"read_competing_graduates", "competing_supply"} <= set(skills.__all__)


def test_schema_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from skills.cli import main

    with pytest.raises(SystemExit) as info:
        main(["schema", "competing_graduates"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "(`competing_graduates`)" in out and "| `iscedf13` |" in out
    assert "ITS course records" not in out


# ------------------------------------------------------------------------ indicator

MAPPING = pl.DataFrame(
    {
        "mapping_version": ["test-v1"] * 3,
        "iscedf13": ["061", "071", "071"],
        "its_area": ["ict_data", "energy", "mechatronics"],
        "share": [0.25, 0.05, 0.10],
        "rationale": ["r"] * 3,
    }
)


def test_competing_supply_matches_a_hand_computation() -> None:
    graduates = pl.DataFrame(
        {
            "geo": ["ITC11", "ITC11", "ITC11", "ITC11", "ITC11", "ITC15", "ITC11"],
            "year": [2020, 2020, 2020, 2022, 2022, 2021, 2021],
            "iscedf13": ["061", "071", "071", "061", "042", "0613", "071"],
            "isced11": ["ED6", "ED6", "ED5", "ED6", "ED6", "ED6", "ED7"],
            "graduates_n": [400, 1000, 20, 600, 900, 80, 500],
        }
    )
    out = competing_supply(graduates, MAPPING, window=2).collect()
    # By hand, share x graduates (ED5 + ED6 only; law 042 is not mapped; ED7 is not
    # counted; 0613 is field 061); span 2020-2022, 2021 in ITC11 counts as zero.
    # ITC11 energy 0.05 x 1020 = 51 in 2020; ict 0.25 x 400 = 100 (2020), 0.25 x 600 =
    # 150 (2022); mechatronics 0.10 x 1020 = 102 (2020); ITC15 ict 0.25 x 80 = 20 (2021).
    # Supply = mean of the year and the one before; 2020 has no full window.
    expected = pl.DataFrame(
        {
            "its_area": ["energy"] * 6 + ["ict_data"] * 6 + ["mechatronics"] * 6,
            "geo": (["ITC11"] * 3 + ["ITC15"] * 3) * 3,
            "year": [2020, 2021, 2022] * 6,
            "competing_graduates_n": [
                *(51.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                *(100.0, 0.0, 150.0, 0.0, 20.0, 0.0),
                *(102.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            ],
            "supply_competing_n": [
                *(None, 25.5, 0.0, None, 0.0, 0.0),
                *(None, 50.0, 75.0, None, 10.0, 10.0),
                *(None, 51.0, 0.0, None, 0.0, 0.0),
            ],
            "mapping_version": ["test-v1"] * 18,
        },
        schema_overrides={"year": pl.Int64, "supply_competing_n": pl.Float64},
    )
    assert_frame_equal(out, expected)
    # window 1: the supply is the year's competing graduates
    one = competing_supply(graduates, MAPPING, window=1).collect()
    assert one["supply_competing_n"].to_list() == one["competing_graduates_n"].to_list()
    # one level only
    ed5 = competing_supply(graduates, MAPPING, window=1, levels=("ED5",)).collect()
    assert ed5["competing_graduates_n"].sum() == pytest.approx(0.05 * 20 + 0.10 * 20)


def test_competing_supply_on_the_reader_and_shipped_map(tmp_path: Path) -> None:
    graduates = read_competing_graduates(write(tmp_path, GOOD))
    out = competing_supply(graduates, cls.iscedf13_its_area_map(), window=1).collect()
    assert out.columns == list(COMPETING_SUPPLY_COLUMNS)
    assert set(out["its_area"].to_list()) == set(cls.its_areas("2023")["its_area"].to_list())
    assert set(out["mapping_version"].to_list()) == {cls.DEFAULT_FIELD_MAP}
    ict = out.filter(pl.col("its_area") == "ict_data", pl.col("geo") == "ITC11")
    # 0.25 x 640 (ICT) + 0.03 x 2810 (engineering) in 2022; nothing in 2023
    assert ict["competing_graduates_n"].to_list() == pytest.approx([160.0 + 84.3, 0.0])


@pytest.mark.parametrize(
    ("kwargs", "mapping", "match"),
    [
        ({"window": 0}, MAPPING, "window"),
        ({"levels": ()}, MAPPING, "levels"),
        ({}, MAPPING.drop("share"), "share"),
        ({}, MAPPING.with_columns(pl.Series("mapping_version", ["a", "b", "a"])), "one"),
        ({}, MAPPING.with_columns(pl.Series("share", [0.25, 0.6, 0.5])), "sum to 1.1"),
        ({}, MAPPING.with_columns(pl.Series("share", [0.0, 0.1, 0.1])), r"\(0, 1\]"),
    ],
)
def test_competing_supply_rejects_bad_arguments(
    kwargs: dict[str, object], mapping: pl.DataFrame, match: str
) -> None:
    graduates = pl.DataFrame(
        {"geo": ["ITC11"], "year": [2020], "iscedf13": ["061"], "isced11": ["ED6"]}
    ).with_columns(pl.lit(10).alias("graduates_n"))
    with pytest.raises(ValueError, match=match):
        competing_supply(graduates, mapping, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="graduates_n"):
        competing_supply(graduates.drop("graduates_n"), MAPPING)


_MAPPED = sorted(set(cls.iscedf13_its_area_map()["iscedf13"].to_list()))
_FIELDS = [*_MAPPED[:8], "042", "011", "092"]  # some mapped fields and some that are not


@st.composite
def graduate_tables(draw: st.DrawFn) -> pl.DataFrame:
    cells = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from(["ITC11", "ITC15", "ITC1"]),
                st.integers(min_value=2015, max_value=2021),
                st.sampled_from(_FIELDS),
                st.sampled_from(["ED5", "ED6"]),
            ),
            st.integers(min_value=0, max_value=5000),
            min_size=1,
            max_size=30,
        )
    )
    keys, values = list(cells), list(cells.values())
    return pl.DataFrame(
        {
            "geo": [k[0] for k in keys],
            "year": [k[1] for k in keys],
            "iscedf13": [k[2] for k in keys],
            "isced11": [k[3] for k in keys],
            "graduates_n": values,
        },
        schema_overrides={"year": pl.Int64, "graduates_n": pl.Int64},
    )


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graduates=graduate_tables(), window=st.integers(min_value=1, max_value=4))
def test_competing_supply_properties(graduates: pl.DataFrame, window: int) -> None:
    mapping = cls.iscedf13_its_area_map()
    out = competing_supply(graduates, mapping, window=window).collect()
    # non-negative
    assert (out["competing_graduates_n"] >= 0).all()
    assert (out["supply_competing_n"].drop_nulls() >= 0).all()
    # one row per area, geo and year of the span
    span = graduates["year"].max() - graduates["year"].min() + 1  # type: ignore[operator]
    areas = mapping["its_area"].n_unique()
    assert out.height == areas * graduates["geo"].n_unique() * span
    assert out.select("its_area", "geo", "year").is_duplicated().sum() == 0
    # the areas never take more graduates than the mapped fields have
    mapped = (
        graduates.filter(pl.col("iscedf13").is_in(_MAPPED))
        .group_by("geo", "year")
        .agg(pl.col("graduates_n").sum().cast(pl.Float64).alias("mapped_n"))
    )
    totals = (
        out.group_by("geo", "year")
        .agg(pl.col("competing_graduates_n").sum(), pl.col("supply_competing_n").sum())
        .join(mapped, on=["geo", "year"], how="left")
        .with_columns(pl.col("mapped_n").fill_null(0.0))
        .sort("geo", "year")
        .with_columns(
            pl.col("mapped_n")
            .rolling_mean(window_size=window, min_samples=window)
            .over("geo")
            .alias("mapped_mean_n")
        )
    )
    assert (totals["competing_graduates_n"] <= totals["mapped_n"] * (1 + 1e-9) + 1e-9).all()
    ok = totals.filter(pl.col("mapped_mean_n").is_not_null())
    assert (ok["supply_competing_n"] <= ok["mapped_mean_n"] * (1 + 1e-9) + 1e-9).all()
    # and no area gets anything from fields the map leaves out
    unmapped = graduates.filter(~pl.col("iscedf13").is_in(_MAPPED))
    if unmapped.height:
        alone = competing_supply(unmapped, mapping, window=window).collect()
        assert alone["competing_graduates_n"].sum() == 0


# ------------------------------------------------------------------------ suite and demo


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("competing") / "competing_graduates.csv"
    competing_graduates_demo(20_240_601).write_csv(path)
    return path


@pytest.mark.slow
def test_suite_passes_on_the_demo_file(demo_file: Path) -> None:
    frame = read_competing_graduates(demo_file)
    outcomes = validate_table("competing_graduates", frame, source=str(demo_file))
    assert [o.line() for o in outcomes if o.failed] == []
    assert sum(o.engine == "polars" for o in outcomes) > 0
    assert sum(o.expectation not in STRUCTURAL_TYPES and not o.skipped for o in outcomes) > 0


def test_suite_catches_a_bad_year_and_field(demo_file: Path) -> None:
    frame = read_competing_graduates(demo_file)
    bad = frame.with_columns(
        pl.when(pl.col("_line") == 5).then(1985).otherwise(pl.col("year")).alias("year"),
        pl.when(pl.col("_line") == 7).then(pl.lit("065")).otherwise("iscedf13").alias("iscedf13"),
    )
    outcomes = validate_table("competing_graduates", bad, source="competing.csv")
    errors = {o.columns: o for o in outcomes if o.failed and o.severity == "error"}
    assert set(errors) == {("year",), ("iscedf13",)}, [o.line() for o in errors.values()]
    assert "competing.csv:5" in errors[("year",)].line()
    assert "065" in errors[("iscedf13",)].line()


def test_demo_is_deterministic_and_plausible() -> None:
    a, b = competing_graduates_demo(3), competing_graduates_demo(3)
    assert_frame_equal(a, b)
    assert not a.equals(competing_graduates_demo(4))
    assert set(a["geo"].to_list()) == {"ITC11", "ITC12", "ITC15", "ITC16", "ITC18"}
    assert set(a["year"].to_list()) == set(range(2015, 2026))
    assert set(a["iscedf13"].to_list()) <= set(_MAPPED)
    by_level = a.group_by("isced11").agg(pl.col("graduates_n").sum())
    levels = dict(zip(by_level["isced11"], by_level["graduates_n"], strict=True))
    assert levels["ED5"] < 0.02 * levels["ED6"]
    yearly = a.group_by("year").agg(pl.col("graduates_n").sum())["graduates_n"]
    assert yearly.min() >= 12_000 and yearly.max() <= 20_000  # type: ignore[operator]
    torino = a.filter(pl.col("geo") == "ITC11")["graduates_n"].sum()
    assert torino > 0.7 * float(a["graduates_n"].sum())
    supply = competing_supply(a, cls.iscedf13_its_area_map()).collect()
    region = (
        supply.filter(pl.col("year") == 2023)
        .group_by("its_area")
        .agg(pl.col("competing_graduates_n").sum())
    )
    assert region.height == 10
    assert region["competing_graduates_n"].min() >= 10  # type: ignore[operator]
    assert region["competing_graduates_n"].max() <= 1000  # type: ignore[operator]


@pytest.mark.slow
def test_demo_workspace_writes_the_file_without_touching_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.demo import DEMO_SEED, write_demo
    from skills.demo import competing as demo_competing
    from skills.spec import load_spec

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    first, second = tmp_path / "a", tmp_path / "b"
    spec = load_spec(write_demo(first))
    source = spec.sources["competing_graduates"]
    assert source.kind == "competing_graduates"
    assert source.path == (first / "data" / "competing_graduates.csv").resolve()
    written = pl.read_csv(source.path, schema_overrides={"iscedf13": pl.String})
    assert_frame_equal(written, competing_graduates_demo(DEMO_SEED))
    # another competing file leaves every other demo file byte-identical
    monkeypatch.setattr(
        demo_competing, "competing_graduates_demo", lambda seed: competing_graduates_demo(1)
    )
    write_demo(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    changed = {str(rel) for rel in files if sha(first / rel) != sha(second / rel)}
    assert changed == {str(Path("data") / "competing_graduates.csv")}
