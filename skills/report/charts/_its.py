"""The planners' charts: the ITS gap by area and on the map, supply, demand, outcomes, drivers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from skills.report.frames import frame_labels

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart

from skills.report.charts._common import (
    AREA_CHARS,
    OCCUPATION_CHARS,
    OUTCOME_CHARS,
    SHORTAGE_COLOUR,
    SURPLUS_COLOUR,
    ChartContext,
    _area_selector,
    _check_small,
    _finish,
    _province_selector,
    _showing,
    _step,
    _text,
    _title,
    _wrapped,
    _year_axis,
    _zero_rule,
)


def its_gap_by_area(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Sorted bars: the gap per ITS area in one province, with the band of every choice.

    Frame: :func:`skills.report.frames.its_gap_by_area_frame`. The bar is the central
    specification's gap; the error bar spans the lowest to the highest gap over every
    specification (crosswalk variant, allocation rule, minimum link weight, supply
    window). A drop-down selects the province (or the region).
    """
    import altair as alt

    _check_small(frame, "its_gap_by_area")
    t = ctx.t
    labels = frame_labels(t)
    year = int(frame["year"].max())  # type: ignore[arg-type]
    sel = _province_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel)
    y = alt.Y(
        "area:N",
        title=None,
        sort=alt.EncodingSortField(field="gap_n", op="max", order="descending"),
        axis=_wrapped(AREA_CHARS),
    )
    x_title = t("chart.its_gap_by_area.x")
    tooltip = [
        alt.Tooltip("geo_label:N", title=t("chart.field.province")),
        alt.Tooltip("area:N", title=t("chart.field.its_area")),
        alt.Tooltip("year:Q", title=t("chart.field.year"), format="d"),
        alt.Tooltip("gap_n:Q", title=t("chart.field.gap_central"), format=",.0f"),
        alt.Tooltip("gap_low_n:Q", title=t("chart.field.gap_low"), format=",.0f"),
        alt.Tooltip("gap_high_n:Q", title=t("chart.field.gap_high"), format=",.0f"),
        alt.Tooltip("demand_entries_n:Q", title=t("chart.field.demand_entries"), format=",.0f"),
        alt.Tooltip("supply_graduates_n:Q", title=t("chart.field.supply_graduates"), format=",.1f"),
        alt.Tooltip("coverage_ratio:Q", title=t("chart.field.coverage"), format=".2f"),
        alt.Tooltip("hard_to_fill_pct:Q", title=t("chart.field.hard_to_fill"), format=".0f"),
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
                    domain=[labels.shortage_direction, labels.surplus_direction],
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
    chart = alt.layer(bars, band, _zero_rule("x"), *_showing(base, ["geo_label"], ctx)).properties(
        width="container",
        height=_step(frame["area"].unique().to_list(), AREA_CHARS, 30),
        title=_title(t("chart.its_gap_by_area.title", year=year), ctx),
        description=t("chart.its_gap_by_area.description"),
    )
    return _finish(chart, ctx)


def its_supply_demand_trend(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Lines: ITS graduates against planned hires at ITS level, per area and province.

    Frame: :func:`skills.report.frames.its_supply_demand_trend_frame`. The shaded band
    is the range of demand over every specification. Two drop-downs select the
    province and the technology area.
    """
    import altair as alt

    _check_small(frame, "its_supply_demand_trend")
    t = ctx.t
    labels = frame_labels(t)
    sel_geo = _province_selector(frame, ctx)
    sel_area = _area_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel_geo).transform_filter(sel_area)
    domain = [labels.demand_series, labels.supply_series]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=domain, range=[SHORTAGE_COLOUR, SURPLUS_COLOUR]),
    )
    dash = alt.StrokeDash(
        "series:N", title=None, scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3]])
    )
    tooltip = [
        alt.Tooltip("geo_label:N", title=t("chart.field.province")),
        alt.Tooltip("area:N", title=t("chart.field.its_area")),
        alt.Tooltip("year:Q", title=t("chart.field.year"), format="d"),
        alt.Tooltip("demand_entries_n:Q", title=t("chart.field.demand_entries"), format=",.1f"),
        alt.Tooltip("demand_low_n:Q", title=t("chart.field.band_low"), format=",.1f"),
        alt.Tooltip("demand_high_n:Q", title=t("chart.field.band_high"), format=",.1f"),
        alt.Tooltip("supply_graduates_n:Q", title=t("chart.field.supply_graduates"), format=",.1f"),
    ]
    band = base.mark_area(opacity=0.2, color=SHORTAGE_COLOUR).encode(
        x=_year_axis(t), y="demand_low_n:Q", y2="demand_high_n:Q"
    )
    lines = (
        base.transform_fold(["demand_entries_n", "supply_graduates_n"], as_=["measure", "value"])
        .transform_calculate(
            series=(
                f"datum.measure == 'demand_entries_n' ? {_text(labels.demand_series)}"
                f" : {_text(labels.supply_series)}"
            )
        )
        .mark_line(point=True, strokeWidth=2.2)
        .encode(
            x=_year_axis(t),
            y=alt.Y("value:Q", title=t("chart.its_supply_demand_trend.y")),
            color=colour,
            strokeDash=dash,
            shape=alt.Shape(
                "series:N", title=None, scale=alt.Scale(domain=domain, range=["circle", "square"])
            ),
            tooltip=tooltip,
        )
        .add_params(sel_geo, sel_area)
    )
    showing = _showing(base, ["geo_label", "area"], ctx)
    chart = alt.layer(band, lines, *showing).properties(
        width="container",
        height=300,
        title=_title(t("chart.its_supply_demand_trend.title"), ctx, showing_lines=len(showing)),
        description=t("chart.its_supply_demand_trend.description"),
    )
    return _finish(chart, ctx)


def its_outcomes(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Dot plot: employment at 12 months and coherence per foundation and area.

    Frame: :func:`skills.report.frames.its_outcomes_frame` (ratios of sums over cohorts).
    """
    import altair as alt

    _check_small(frame, "its_outcomes")
    t = ctx.t
    labels = frame_labels(t)
    domain = [labels.employed_measure, labels.coherent_measure]
    rows = frame["label"].unique(maintain_order=True).to_list()
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=0.9)
        .encode(
            y=alt.Y("label:N", title=None, sort=rows, axis=_wrapped(OUTCOME_CHARS)),
            x=alt.X(
                "rate_pct:Q", title=t("chart.its_outcomes.x"), scale=alt.Scale(domain=[0, 100])
            ),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=domain, range=["#0072B2", "#E69F00"]),
            ),
            shape=alt.Shape(
                "measure:N", title=None, scale=alt.Scale(domain=domain, range=["circle", "diamond"])
            ),
            tooltip=[
                alt.Tooltip("foundation:N", title=t("chart.field.foundation")),
                alt.Tooltip("area:N", title=t("chart.field.its_area")),
                alt.Tooltip("measure:N", title=t("chart.field.outcome")),
                alt.Tooltip("rate_pct:Q", title=t("chart.field.per_cent"), format=".1f"),
                alt.Tooltip("numerator_n:Q", title=t("chart.field.numerator"), format=",d"),
                alt.Tooltip("denominator_n:Q", title=t("chart.field.denominator"), format=",d"),
                alt.Tooltip("cohorts_n:Q", title=t("chart.field.cohorts"), format="d"),
                alt.Tooltip("cohorts_ending:N", title=t("chart.field.cohorts_ending")),
            ],
        )
        .properties(
            width="container",
            height=_step(rows, OUTCOME_CHARS, 24),
            title=_title(t("chart.its_outcomes.title"), ctx),
            description=t("chart.its_outcomes.description"),
        )
    )
    return _finish(chart, ctx)


def its_gap_drivers(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Bars: the occupations whose planned hires make up an area's ITS-level demand.

    Frame: :func:`skills.report.frames.its_gap_drivers_frame`. Drop-downs select the
    province and the technology area; bars are sorted by contribution.
    """
    import altair as alt

    _check_small(frame, "its_gap_drivers")
    t = ctx.t
    year = int(frame["year"].max())  # type: ignore[arg-type]
    sel_geo = _province_selector(frame, ctx)
    sel_area = _area_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel_geo).transform_filter(sel_area)
    y = alt.Y(
        "occupation:N",
        title=None,
        sort=alt.EncodingSortField(field="rank", op="min", order="ascending"),
        axis=_wrapped(OCCUPATION_CHARS),
    )
    bars = (
        base.mark_bar(color=SHORTAGE_COLOUR, height={"band": 0.62})
        .encode(
            y=y,
            x=alt.X("allocated_entries_n:Q", title=t("chart.its_gap_drivers.x")),
            tooltip=[
                alt.Tooltip("geo_label:N", title=t("chart.field.province")),
                alt.Tooltip("area:N", title=t("chart.field.its_area")),
                alt.Tooltip("occupation:N", title=t("chart.field.occupation")),
                alt.Tooltip(
                    "allocated_entries_n:Q",
                    title=t("chart.field.allocated_entries"),
                    format=",.1f",
                ),
                alt.Tooltip("share_pct:Q", title=t("chart.field.share_of_demand"), format=".1f"),
                alt.Tooltip(
                    "demand_entries_n:Q", title=t("chart.field.occupation_entries"), format=",.0f"
                ),
                alt.Tooltip("link_weight:Q", title=t("chart.field.link_weight"), format=".2f"),
                alt.Tooltip("rank:Q", title=t("chart.field.rank")),
            ],
        )
        .add_params(sel_geo, sel_area)
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#222222").encode(
        y=y,
        x="allocated_entries_n:Q",
        text=alt.Text("share_pct:Q", format=".0f"),
    )
    showing = _showing(base, ["geo_label", "area"], ctx)
    chart = alt.layer(bars, text, *showing).properties(
        width="container",
        height=_step(frame["occupation"].unique().to_list(), OCCUPATION_CHARS, 26),
        title=_title(t("chart.its_gap_drivers.title", year=year), ctx, showing_lines=len(showing)),
        description=t("chart.its_gap_drivers.description"),
    )
    return _finish(chart, ctx)


# ----------------------------------------------------------------------------- economists


def _its_gap_map(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """The province map (:func:`skills.report.maps.its_gap_map`)."""
    from skills.report.maps import its_gap_map

    chart: AnyChart = its_gap_map(frame, ctx)
    return chart
