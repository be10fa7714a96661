"""Chart builders: one function per chart, a small Polars frame in, an Altair chart out.

Each builder is pure (no I/O): it takes the frame made by the matching function in
:mod:`skills.report.frames` and a :class:`ChartContext` (run id, sources, defaults) and
returns a top-level Altair chart whose title and subtitle carry the source, the run id
and, for demo data, the data label. Axis titles carry units. Colours come from the
Okabe-Ito palette (safe for the common colour-vision deficiencies) and every colour
encoding is doubled by a shape, a dash pattern or position, so nothing relies on colour
alone. Selectors are Vega-Lite point selections bound to a drop-down
(``alt.selection_point(fields=[...], bind=alt.binding_select(...))``) that filter the
chart's own data; with an input binding, clicking the chart does not change them.

Altair is imported inside each function, so importing this module is cheap.

>>> from skills.report import charts, frames  # doctest: +SKIP
>>> chart = charts.beveridge_curve(frames.beveridge_frame(bev, names={}), ctx)  # doctest: +SKIP
>>> spec = chart.to_dict()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.frames import (
    ACROSS_BREAK,
    CLEAN_SPAN,
    COHERENT_MEASURE,
    DEMAND_SERIES,
    EMPLOYED_MEASURE,
    MISMATCH_SERIES,
    SHORTAGE_DIRECTION,
    SKILL_GROUP_LABELS,
    SKILL_GROUP_ORDER,
    SUPPLY_SERIES,
    SURPLUS_DIRECTION,
)

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart

__all__ = [
    "BUILDERS",
    "MAX_ROWS",
    "OKABE_ITO",
    "ChartContext",
    "beveridge_curve",
    "its_gap_by_area",
    "its_gap_drivers",
    "its_outcomes",
    "its_supply_demand_trend",
    "mismatch_indices",
    "polarisation_percentiles",
    "polarisation_u_test",
    "shortage_ranking",
    "skill_share_change",
    "skill_shares_trend",
]

#: Okabe and Ito (2008) colour-blind-safe palette (black last; yellow kept for last resort).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)
SHORTAGE_COLOUR = "#D55E00"
SURPLUS_COLOUR = "#0072B2"
NEUTRAL_COLOUR = "#6b6b6b"
#: Far below Altair's 5,000-row limit: charts draw aggregates, never microdata.
MAX_ROWS = 2_500


@dataclass(frozen=True)
class ChartContext:
    """What a chart says about where its data came from, and its default selections.

    Attributes
    ----------
    run_id
        The publication's run id, shown in every chart's subtitle.
    source
        The sources with their vintages, short, e.g. ``"lfsa_egai2d (vintage
        2026-10-15)"``.
    data_label
        ``"synthetic demo data"`` for the demo; shown in capitals in the subtitle.
    defaults
        Default values of the selectors, by field (``{"geo": "ITC1"}``).
    """

    run_id: str
    source: str
    data_label: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)


def _check_small(frame: pl.DataFrame, chart_id: str) -> None:
    if frame.height == 0:
        raise ValueError(f"{chart_id}: no rows to draw")
    if frame.height > MAX_ROWS:
        raise ValueError(
            f"{chart_id}: {frame.height} rows; aggregate in Polars first (at most {MAX_ROWS})"
        )


def _title(text: str, ctx: ChartContext) -> Any:
    import altair as alt

    run = f"Run {ctx.run_id}"
    if ctx.data_label:
        run += f" · {ctx.data_label.upper()}"
    return alt.TitleParams(
        text=text,
        subtitle=[f"Source: {ctx.source}", run],
        anchor="start",
        fontSize=15,
        subtitleFontSize=11,
        subtitleColor="#444444",
        offset=28,
    )


def _finish(chart: Any) -> AnyChart:
    """The shared look: palette, fonts, axes and legends."""
    finished: AnyChart = (
        chart.configure_range(category=list(OKABE_ITO))
        .configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=280, gridColor="#e6e6e6")
        .configure_legend(
            orient="bottom",
            direction="vertical",
            labelFontSize=11,
            titleFontSize=12,
            labelLimit=480,
            titleLimit=480,
        )
        .configure_view(stroke=None)
        .configure_header(labelFontSize=12, titleFontSize=12)
    )
    return finished


def _options(
    frame: pl.DataFrame, value: str, label: str, default: str | None
) -> list[tuple[str, str]]:
    pairs = {str(k): str(v) for k, v in frame.select(value, label).unique().sort(value).iter_rows()}
    first = default if default in pairs else next(iter(pairs))
    return [(first, pairs[first])] + [(k, v) for k, v in pairs.items() if k != first]


def _selector(
    frame: pl.DataFrame, *, name: str, field_name: str, label: str, prompt: str, ctx: ChartContext
) -> Any:
    """A point selection over ``field_name`` bound to a drop-down, set to the default."""
    import altair as alt

    options = _options(frame, field_name, label, ctx.defaults.get(field_name))
    return alt.selection_point(
        name=name,
        fields=[field_name],
        bind=alt.binding_select(
            options=[o for o, _ in options], labels=[lab for _, lab in options], name=prompt
        ),
        value=[{field_name: options[0][0]}],
        clear=False,
    )


def _showing(base: Any, fields: Sequence[str]) -> Any:
    """A bold line above the plot naming the current selection (also in static exports)."""
    import altair as alt

    joined = " + ' · ' + ".join(f"datum['{f}']" for f in fields)
    return (
        base.transform_aggregate(rows="count()", groupby=list(fields))
        .transform_calculate(showing=f"'Showing: ' + {joined}")
        .mark_text(align="left", baseline="bottom", dy=-8, fontSize=12, fontWeight="bold")
        .encode(x=alt.value(0), y=alt.value(0), text="showing:N")
    )


def _year_axis() -> Any:
    import altair as alt

    return alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1)).scale(zero=False)


def _zero_rule(axis: str = "x") -> Any:
    import altair as alt

    zero = alt.Chart(alt.InlineData(values=[{"zero": 0}])).mark_rule(color="#333333")
    return zero.encode(x="zero:Q") if axis == "x" else zero.encode(y="zero:Q")


# ----------------------------------------------------------------------------- ITS planners
def its_gap_by_area(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Sorted bars: the gap per ITS area in one province, with the band of every choice.

    Frame: :func:`skills.report.frames.its_gap_by_area_frame`. The bar is the central
    specification's gap; the error bar spans the lowest to the highest gap over every
    specification (crosswalk variant, allocation rule, minimum link weight, supply
    window). A drop-down selects the province (or the region).
    """
    import altair as alt

    _check_small(frame, "its_gap_by_area")
    year = int(frame["year"].max())  # type: ignore[arg-type]
    sel = _selector(
        frame, name="province", field_name="geo", label="geo_label", prompt="Province: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel)
    y = alt.Y(
        "area:N",
        title=None,
        sort=alt.EncodingSortField(field="gap_n", op="max", order="descending"),
    )
    x_title = "Planned entries at ITS level minus ITS graduates, per year"
    tooltip = [
        alt.Tooltip("geo_label:N", title="Province"),
        alt.Tooltip("area:N", title="ITS area"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("gap_n:Q", title="Gap, central specification", format=",.0f"),
        alt.Tooltip("gap_low_n:Q", title="Gap, low end of the band", format=",.0f"),
        alt.Tooltip("gap_high_n:Q", title="Gap, high end of the band", format=",.0f"),
        alt.Tooltip("demand_entries_n:Q", title="Planned entries at ITS level", format=",.0f"),
        alt.Tooltip("supply_graduates_n:Q", title="ITS graduates per year", format=",.1f"),
        alt.Tooltip("coverage_ratio:Q", title="Graduates per planned entry", format=".2f"),
        alt.Tooltip("hard_to_fill_pct:Q", title="Hard to fill (%)", format=".0f"),
    ]
    bars = (
        base.mark_bar(height={"band": 0.62})
        .encode(
            y=y,
            x=alt.X("gap_n:Q", title=x_title),
            color=alt.Color(
                "direction:N",
                title=None,
                scale=alt.Scale(
                    domain=[SHORTAGE_DIRECTION, SURPLUS_DIRECTION],
                    range=[SHORTAGE_COLOUR, SURPLUS_COLOUR],
                ),
            ),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    band = base.mark_errorbar(ticks=True, color="#222222").encode(
        y=y, x=alt.X("gap_low_n:Q", title=x_title), x2="gap_high_n:Q", tooltip=tooltip
    )
    chart = alt.layer(bars, band, _zero_rule("x"), _showing(base, ["geo_label"])).properties(
        width="container",
        height=alt.Step(30),
        title=_title(f"ITS supply-demand gap by technology area, {year}", ctx),
        description=(
            "Horizontal bars, one per ITS technology area, sorted by the gap between planned "
            "entries at ITS level and ITS graduates; error bars show the range over every "
            "modelling choice."
        ),
    )
    return _finish(chart)


def its_supply_demand_trend(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Lines: ITS graduates against planned hires at ITS level, per area and province.

    Frame: :func:`skills.report.frames.its_supply_demand_trend_frame`. The shaded band
    is the range of demand over every specification. Two drop-downs select the
    province and the technology area.
    """
    import altair as alt

    _check_small(frame, "its_supply_demand_trend")
    sel_geo = _selector(
        frame, name="province", field_name="geo", label="geo_label", prompt="Province: ", ctx=ctx
    )
    sel_area = _selector(
        frame, name="area", field_name="its_area", label="area", prompt="ITS area: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel_geo).transform_filter(sel_area)
    domain = [DEMAND_SERIES, SUPPLY_SERIES]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=domain, range=[SHORTAGE_COLOUR, SURPLUS_COLOUR]),
    )
    dash = alt.StrokeDash(
        "series:N", title=None, scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3]])
    )
    tooltip = [
        alt.Tooltip("geo_label:N", title="Province"),
        alt.Tooltip("area:N", title="ITS area"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("demand_entries_n:Q", title="Planned entries at ITS level", format=",.1f"),
        alt.Tooltip("demand_low_n:Q", title="Low end of the band", format=",.1f"),
        alt.Tooltip("demand_high_n:Q", title="High end of the band", format=",.1f"),
        alt.Tooltip("supply_graduates_n:Q", title="ITS graduates per year", format=",.1f"),
    ]
    band = base.mark_area(opacity=0.2, color=SHORTAGE_COLOUR).encode(
        x=_year_axis(), y="demand_low_n:Q", y2="demand_high_n:Q"
    )
    lines = (
        base.transform_fold(["demand_entries_n", "supply_graduates_n"], as_=["measure", "value"])
        .transform_calculate(
            series=f"datum.measure == 'demand_entries_n' ? '{DEMAND_SERIES}' : '{SUPPLY_SERIES}'"
        )
        .mark_line(point=True, strokeWidth=2.2)
        .encode(
            x=_year_axis(),
            y=alt.Y("value:Q", title="Per year (planned entries; graduates)"),
            color=colour,
            strokeDash=dash,
            shape=alt.Shape(
                "series:N", title=None, scale=alt.Scale(domain=domain, range=["circle", "square"])
            ),
            tooltip=tooltip,
        )
        .add_params(sel_geo, sel_area)
    )
    chart = alt.layer(band, lines, _showing(base, ["geo_label", "area"])).properties(
        width="container",
        height=300,
        title=_title("ITS graduates against planned entries at ITS level, by area", ctx),
        description=(
            "Lines over years: planned entries at ITS level (solid, with the band over every "
            "modelling choice shaded) and ITS graduates per year, trailing mean (dashed)."
        ),
    )
    return _finish(chart)


def its_outcomes(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Dot plot: employment at 12 months and coherence per foundation and area.

    Frame: :func:`skills.report.frames.its_outcomes_frame` (ratios of sums over cohorts).
    """
    import altair as alt

    _check_small(frame, "its_outcomes")
    domain = [EMPLOYED_MEASURE, COHERENT_MEASURE]
    labels = frame["label"].unique(maintain_order=True).to_list()
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=0.9)
        .encode(
            y=alt.Y("label:N", title=None, sort=labels),
            x=alt.X("rate_pct:Q", title="Per cent", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=domain, range=["#0072B2", "#E69F00"]),
            ),
            shape=alt.Shape(
                "measure:N", title=None, scale=alt.Scale(domain=domain, range=["circle", "diamond"])
            ),
            tooltip=[
                alt.Tooltip("foundation:N", title="Foundation"),
                alt.Tooltip("area:N", title="ITS area"),
                alt.Tooltip("measure:N", title="Outcome"),
                alt.Tooltip("rate_pct:Q", title="Per cent", format=".1f"),
                alt.Tooltip("numerator_n:Q", title="Numerator (persons)", format=",d"),
                alt.Tooltip("denominator_n:Q", title="Denominator (persons)", format=",d"),
                alt.Tooltip("cohorts_n:Q", title="Course cohorts", format="d"),
                alt.Tooltip("cohorts_ending:N", title="Cohorts ending"),
            ],
        )
        .properties(
            width="container",
            height=alt.Step(24),
            title=_title("ITS outcomes by foundation and technology area", ctx),
            description=(
                "Dot plot: for each ITS foundation and technology area, the share of "
                "graduates employed at 12 months and the share of those employed in a job "
                "coherent with the course (ratios of sums over cohorts)."
            ),
        )
    )
    return _finish(chart)


def its_gap_drivers(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Bars: the occupations whose planned hires make up an area's ITS-level demand.

    Frame: :func:`skills.report.frames.its_gap_drivers_frame`. Drop-downs select the
    province and the technology area; bars are sorted by contribution.
    """
    import altair as alt

    _check_small(frame, "its_gap_drivers")
    year = int(frame["year"].max())  # type: ignore[arg-type]
    sel_geo = _selector(
        frame, name="province", field_name="geo", label="geo_label", prompt="Province: ", ctx=ctx
    )
    sel_area = _selector(
        frame, name="area", field_name="its_area", label="area", prompt="ITS area: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel_geo).transform_filter(sel_area)
    y = alt.Y(
        "occupation:N",
        title=None,
        sort=alt.EncodingSortField(field="rank", op="min", order="ascending"),
    )
    bars = (
        base.mark_bar(color=SHORTAGE_COLOUR, height={"band": 0.62})
        .encode(
            y=y,
            x=alt.X(
                "allocated_entries_n:Q", title="Planned entries at ITS level allocated to the area"
            ),
            tooltip=[
                alt.Tooltip("geo_label:N", title="Province"),
                alt.Tooltip("area:N", title="ITS area"),
                alt.Tooltip("occupation:N", title="Occupation (ISCO-08)"),
                alt.Tooltip(
                    "allocated_entries_n:Q", title="Entries allocated to the area", format=",.1f"
                ),
                alt.Tooltip("share_pct:Q", title="Share of the area's demand (%)", format=".1f"),
                alt.Tooltip(
                    "demand_entries_n:Q", title="Occupation's planned entries", format=",.0f"
                ),
                alt.Tooltip("link_weight:Q", title="Crosswalk link weight", format=".2f"),
                alt.Tooltip("rank:Q", title="Rank"),
            ],
        )
        .add_params(sel_geo, sel_area)
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#222222").encode(
        y=y,
        x="allocated_entries_n:Q",
        text=alt.Text("share_pct:Q", format=".0f"),
    )
    chart = alt.layer(bars, text, _showing(base, ["geo_label", "area"])).properties(
        width="container",
        height=alt.Step(26),
        title=_title(f"Occupations that drive ITS-level demand, by area, {year}", ctx),
        description=(
            "Horizontal bars: the planned hires at ITS level each occupation contributes to "
            "the selected technology area's demand (labels: per cent of the area's demand)."
        ),
    )
    return _finish(chart)


# ----------------------------------------------------------------------------- economists
def skill_shares_trend(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Lines: employment shares of the high-, middle- and low-skill groups over time.

    Frame: :func:`skills.report.frames.skill_shares_trend_frame`. One line per series
    segment, so no line joins values across a series break; each break is a dashed
    vertical rule labelled "series break". A drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "skill_shares_trend")
    sel = _selector(
        frame, name="geo", field_name="geo", label="geo_label", prompt="Area: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel)
    domain = [SKILL_GROUP_LABELS[g] for g in SKILL_GROUP_ORDER]
    lines = (
        base.mark_line(point=True, strokeWidth=2.2)
        .encode(
            x=_year_axis(),
            y=alt.Y("share_pct:Q", title="Share of employment (%)").scale(zero=False),
            color=alt.Color("group:N", title=None, scale=alt.Scale(domain=domain)),
            strokeDash=alt.StrokeDash(
                "group:N",
                title=None,
                scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3], [2, 2]]),
            ),
            shape=alt.Shape(
                "group:N",
                title=None,
                scale=alt.Scale(domain=domain, range=["circle", "square", "triangle-up"]),
            ),
            detail="line:N",
            tooltip=[
                alt.Tooltip("geo_label:N", title="Area"),
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("group:N", title="Skill group"),
                alt.Tooltip("share_pct:Q", title="Share of employment (%)", format=".1f"),
                alt.Tooltip("flag:N", title="Eurostat flag"),
                alt.Tooltip("segment:Q", title="Series segment"),
            ],
        )
        .add_params(sel)
    )
    breaks = base.transform_filter(alt.datum.is_break & (alt.datum.skill_group == "high"))
    rules = breaks.mark_rule(color="#222222", strokeDash=[5, 4], strokeWidth=1.5).encode(
        x="break_x:Q",
        tooltip=[alt.Tooltip("year:Q", title="Series break in", format="d")],
    )
    labels = breaks.mark_text(align="left", baseline="top", dx=4, dy=2, fontSize=11).encode(
        x="break_x:Q", y=alt.value(0), text=alt.value("series break (b)")
    )
    chart = alt.layer(lines, rules, labels, _showing(base, ["geo_label"])).properties(
        width="container",
        height=300,
        title=_title("Employment shares by skill group", ctx),
        description=(
            "Lines over years for the high-, middle- and low-skill employment shares; a "
            "dashed vertical rule marks each series break, where the lines are not joined."
        ),
    )
    return _finish(chart)


def skill_share_change(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Bars: change in each skill group's share, over the clean span and the full range.

    Frame: :func:`skills.report.frames.skill_share_change_frame`. A change across a
    series break is drawn pale with a dashed outline, in its own colour, and labelled
    with its span; a drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "skill_share_change")
    sel = _selector(
        frame, name="geo", field_name="geo", label="geo_label", prompt="Area: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel)
    groups = [SKILL_GROUP_LABELS[g] for g in SKILL_GROUP_ORDER]
    kinds = [CLEAN_SPAN, ACROSS_BREAK]
    y = alt.Y("group:N", title=None, sort=groups)
    offset = alt.YOffset("span_kind:N", sort=kinds)
    bars = (
        base.mark_bar(strokeWidth=1.5)
        .encode(
            y=y,
            yOffset=offset,
            x=alt.X("change_pp:Q", title="Change in share of employment (percentage points)"),
            color=alt.Color(
                "span_kind:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=["#0072B2", "#E69F00"]),
            ),
            opacity=alt.condition(alt.datum.crosses_break, alt.value(0.5), alt.value(1.0)),
            stroke=alt.value("#222222"),
            strokeDash=alt.condition(alt.datum.crosses_break, alt.value([4, 3]), alt.value([1, 0])),
            tooltip=[
                alt.Tooltip("geo_label:N", title="Area"),
                alt.Tooltip("group:N", title="Skill group"),
                alt.Tooltip("span:N", title="Span"),
                alt.Tooltip("change_pp:Q", title="Change (pp)", format="+.2f"),
                alt.Tooltip("flag:N", title="Flags"),
                alt.Tooltip("note:N", title="Note"),
            ],
        )
        .add_params(sel)
    )
    labels = base.mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        y=y, yOffset=offset, x="label_x:Q", text="span:N"
    )
    chart = alt.layer(bars, labels, _zero_rule("x"), _showing(base, ["geo_label"])).properties(
        width="container",
        height=240,
        title=_title("Polarisation: change in employment shares by skill group", ctx),
        description=(
            "Grouped horizontal bars: change in the employment share of each skill group "
            "over the longest span without a series break and over the full range; a "
            "change across a break is pale with a dashed outline and labelled as such."
        ),
    )
    return _finish(chart)


def polarisation_percentiles(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Points and a line: change in employment share by skill percentile, and its smooth.

    Frame: :func:`skills.report.frames.polarisation_percentiles_frame`.
    """
    import altair as alt

    _check_small(frame, "polarisation_percentiles")
    geo = frame["geo_label"][0] if "geo_label" in frame.columns else frame["geo"][0]
    period = frame["period"][0]
    raw, smooth = "Change at the percentile", "Smoothed change"
    colour = alt.Scale(domain=[raw, smooth], range=[NEUTRAL_COLOUR, "#0072B2"])
    x = alt.X(
        "skill_pct:Q",
        title="Skill percentile (occupations ranked by base-year mean wage)",
        scale=alt.Scale(domain=[0, 100]),
    )
    tooltip = [
        alt.Tooltip("skill_pct:Q", title="Skill percentile", format=".1f"),
        alt.Tooltip("share_change_pp:Q", title="Change (pp)", format="+.3f"),
        alt.Tooltip("smoothed_pp:Q", title="Smoothed change (pp)", format="+.3f"),
    ]
    points = (
        alt.Chart(frame)
        .transform_calculate(series=f"'{raw}'")
        .mark_point(filled=True, size=28, shape="circle")
        .encode(
            x=x,
            y=alt.Y("share_change_pp:Q", title="Change in employment share (percentage points)"),
            color=alt.Color("series:N", scale=colour, title=None),
            tooltip=tooltip,
        )
    )
    line = (
        alt.Chart(frame)
        .transform_calculate(series=f"'{smooth}'")
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x,
            y="smoothed_pp:Q",
            color=alt.Color("series:N", scale=colour, title=None),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(_zero_rule("y"), points, line).properties(
        width="container",
        height=300,
        title=_title(f"Change in employment share by skill percentile, {geo}, {period}", ctx),
        description=(
            "Scatter of the change in employment share at each skill percentile with a "
            "smoothed line; a U shape indicates job polarisation."
        ),
    )
    return _finish(chart)


def polarisation_u_test(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Occupations, the fitted quadratic and its turning point (the U-test).

    Frame: :func:`skills.report.frames.polarisation_u_test_frame`. Circles are
    occupations sized by base-year share; the dashed curve is the published fit; the
    vertical rule marks the published turning point.
    """
    import altair as alt

    _check_small(frame, "polarisation_u_test")
    x = alt.X(
        "skill_pct:Q",
        title="Skill percentile (occupations ranked by base-year mean wage)",
        scale=alt.Scale(domain=[0, 100]),
    )
    base = alt.Chart(frame)
    occ = (
        base.transform_filter(alt.datum.kind == "occupation")
        .mark_circle(opacity=0.75, color="#0072B2", stroke="#1b1b1b", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("share_change_pp:Q", title="Change in employment share (percentage points)"),
            size=alt.Size(
                "base_share_pct:Q",
                title="Base-year share of employment (%)",
                legend=alt.Legend(direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("occupation:N", title="Occupation (ISCO-08)"),
                alt.Tooltip("skill_pct:Q", title="Skill percentile", format=".1f"),
                alt.Tooltip("share_change_pp:Q", title="Change (pp)", format="+.3f"),
                alt.Tooltip("base_share_pct:Q", title="Base-year share (%)", format=".2f"),
            ],
        )
    )
    fit = (
        base.transform_filter(alt.datum.kind == "fit")
        .mark_line(color="#D55E00", strokeWidth=2.5, strokeDash=[7, 3])
        .encode(
            x=x,
            y="fitted_pp:Q",
            tooltip=[
                alt.Tooltip("occupation:N", title="Model"),
                alt.Tooltip("skill_pct:Q", title="Skill percentile", format=".1f"),
                alt.Tooltip("fitted_pp:Q", title="Fitted change (pp)", format="+.3f"),
            ],
        )
    )
    turning = base.transform_filter(alt.datum.kind == "turning_point")
    rule = turning.mark_rule(color="#222222", strokeDash=[2, 2], strokeWidth=1.5).encode(
        x=x, tooltip=[alt.Tooltip("skill_pct:Q", title="Turning point (percentile)", format=".1f")]
    )
    label = (
        turning.transform_calculate(
            label="'turning point: percentile ' + format(datum.skill_pct, '.1f')"
        )
        .mark_text(align="left", baseline="top", dx=5, dy=2, fontSize=11)
        .encode(x=x, y=alt.value(0), text="label:N")
    )
    chart = alt.layer(_zero_rule("y"), occ, fit, rule, label).properties(
        width="container",
        height=320,
        title=_title(
            "U-test: share change against skill percentile, with the fitted quadratic", ctx
        ),
        description=(
            "Scatter of occupations (change in employment share against skill percentile, "
            "sized by base-year share), the fitted quadratic (dashed) and its turning point "
            "(vertical rule)."
        ),
    )
    return _finish(chart)


def beveridge_curve(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Beveridge curves: job vacancy rate against unemployment rate, one line per segment.

    Frame: :func:`skills.report.frames.beveridge_frame`. Lines connect consecutive years
    within a geo's series segment only, so no line crosses a series break.
    """
    import altair as alt

    _check_small(frame, "beveridge_curve")
    geos = frame["geo_label"].unique(maintain_order=True).to_list()
    colour = alt.Color("geo_label:N", title=None, scale=alt.Scale(domain=geos))
    shape = alt.Shape("geo_label:N", title=None, scale=alt.Scale(domain=geos))
    x = alt.X("unemployment_rate_pct:Q", title="Unemployment rate (%)").scale(zero=False)
    y = alt.Y("job_vacancy_rate_pct:Q", title="Job vacancy rate (%)").scale(zero=False)
    tooltip = [
        alt.Tooltip("geo_label:N", title="Area"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("unemployment_rate_pct:Q", title="Unemployment rate (%)", format=".1f"),
        alt.Tooltip("job_vacancy_rate_pct:Q", title="Job vacancy rate (%)", format=".1f"),
        alt.Tooltip("segment:Q", title="Series segment"),
        alt.Tooltip("flags:N", title="Flags (u / v)"),
    ]
    base = alt.Chart(frame)
    lines = base.mark_line(strokeWidth=1.8).encode(
        x=x, y=y, color=colour, detail="line:N", order="year:Q"
    )
    points = base.mark_point(filled=True, size=60).encode(
        x=x, y=y, color=colour, shape=shape, tooltip=tooltip
    )
    years = base.mark_text(align="left", dx=5, dy=-5, fontSize=9, color="#333333").encode(
        x=x, y=y, text=alt.Text("year:Q", format="d")
    )
    chart = alt.layer(lines, points, years).properties(
        width="container",
        height=340,
        title=_title("Beveridge curves: vacancies against unemployment", ctx),
        description=(
            "Connected scatter of the job vacancy rate against the unemployment rate over "
            "years, one line per area and series segment; points are labelled by year."
        ),
    )
    return _finish(chart)


def mismatch_indices(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Small multiples: the mismatch indices over time, each with its sensitivity band.

    Frame: :func:`skills.report.frames.mismatch_indices_frame`. Each index has its own
    y scale (they differ by orders of magnitude); bands show the Sahin index over the
    alpha grid and the ITS area index over crosswalk variants.
    """
    import altair as alt

    _check_small(frame, "mismatch_indices")
    order = [s for s in MISMATCH_SERIES.values() if s in set(frame["series"])]
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1)).scale(zero=False)
    band = alt.Chart().mark_area(opacity=0.22, color="#0072B2").encode(x=x, y="low:Q", y2="high:Q")
    line = (
        alt.Chart()
        .mark_line(point=True, color="#0072B2", strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title="Index (0-1)").scale(zero=False),
            tooltip=[
                alt.Tooltip("series:N", title="Index"),
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("value:Q", title="Value", format=".4f"),
                alt.Tooltip("low:Q", title="Band low", format=".4f"),
                alt.Tooltip("high:Q", title="Band high", format=".4f"),
                alt.Tooltip("note:N", title="Units"),
            ],
        )
    )
    chart = (
        alt.layer(band, line, data=frame)
        .properties(width=620, height=120)
        .facet(
            row=alt.Row(
                "series:N",
                title=None,
                sort=order,
                header=alt.Header(
                    labelAngle=0, labelOrient="top", labelAnchor="start", labelFontWeight="bold"
                ),
            )
        )
        .resolve_scale(y="independent")
        .properties(
            title=_title(f"Mismatch indices over time, {frame['geo'][0]}", ctx),
            description=(
                "Three small line charts over years: the Jackman-Roper index, the Sahin et "
                "al. mismatch index (alpha 0.5, band over alpha 0.3-0.7) and the ITS area "
                "mismatch index (band over crosswalk variants)."
            ),
        )
    )
    return _finish(chart)


def shortage_ranking(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Shortage index by occupation (left) and its rank range over weight sets (right).

    Frame: :func:`skills.report.frames.shortage_ranking_frame`. Occupations are sorted by
    rank; the right panel's rule spans the best to worst rank under the alternative
    weight sets. A drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "shortage_ranking")
    period = frame["period"][0]
    sel = _selector(
        frame, name="geo", field_name="geo", label="geo_label", prompt="Area: ", ctx=ctx
    )
    base = alt.Chart(frame).transform_filter(sel)
    y = alt.Y(
        "occupation:N",
        title=None,
        sort=alt.EncodingSortField(field="rank", op="min", order="ascending"),
    )
    tooltip = [
        alt.Tooltip("geo_label:N", title="Area"),
        alt.Tooltip("occupation:N", title="Occupation (ISCO-08)"),
        alt.Tooltip("shortage_index:Q", title="Shortage index (-1 to 1)", format="+.3f"),
        alt.Tooltip("rank:Q", title="Rank (default weights)"),
        alt.Tooltip("rank_min:Q", title="Best rank over weight sets"),
        alt.Tooltip("rank_max:Q", title="Worst rank over weight sets"),
    ]
    bars = (
        base.mark_bar(height={"band": 0.7})
        .encode(
            y=y,
            x=alt.X(
                "shortage_index:Q",
                title="Shortage index (> 0 shortage, < 0 surplus)",
                scale=alt.Scale(domain=[-1, 1]),
                axis=alt.Axis(values=[-1, -0.5, 0, 0.5, 1]),
            ),
            color=alt.condition(
                alt.datum.shortage_index > 0, alt.value(SHORTAGE_COLOUR), alt.value(SURPLUS_COLOUR)
            ),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    left = alt.layer(bars, _showing(base, ["geo_label"])).properties(width=300, height=alt.Step(15))
    rng = base.mark_rule(strokeWidth=2, color="#444444").encode(
        y=alt.Y("occupation:N", sort=alt.EncodingSortField(field="rank", op="min"), axis=None),
        x=alt.X("rank_min:Q", title="Rank (1 = strongest shortage); range over weight sets"),
        x2="rank_max:Q",
        tooltip=tooltip,
    )
    dot = base.mark_point(filled=True, shape="diamond", size=50, color="#000000").encode(
        y=alt.Y("occupation:N", sort=alt.EncodingSortField(field="rank", op="min"), axis=None),
        x="rank:Q",
        tooltip=tooltip,
    )
    right = alt.layer(rng, dot).properties(width=220, height=alt.Step(15))
    chart = alt.hconcat(left, right, spacing=12).properties(
        title=_title(f"Occupational shortage ranking, {period}", ctx),
        description=(
            "Left: horizontal bars of the shortage index per occupation, sorted by rank. "
            "Right: the rank under default weights (diamond) and its range over "
            "alternative weight sets (rule)."
        ),
    )
    return _finish(chart)


#: chart id -> builder, in page order.
BUILDERS: Mapping[str, Callable[[pl.DataFrame, ChartContext], Any]] = {
    "its_gap_by_area": its_gap_by_area,
    "its_supply_demand_trend": its_supply_demand_trend,
    "its_outcomes": its_outcomes,
    "its_gap_drivers": its_gap_drivers,
    "skill_shares_trend": skill_shares_trend,
    "skill_share_change": skill_share_change,
    "polarisation_percentiles": polarisation_percentiles,
    "polarisation_u_test": polarisation_u_test,
    "beveridge_curve": beveridge_curve,
    "mismatch_indices": mismatch_indices,
    "shortage_ranking": shortage_ranking,
}


def chart_ids() -> Sequence[str]:
    """Every chart id, in page order."""
    return tuple(BUILDERS)
