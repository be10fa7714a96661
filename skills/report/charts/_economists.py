"""The economists' charts: skill shares, polarisation, the Beveridge curve, mismatch, shortages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from skills.report.frames import SKILL_GROUP_ORDER, frame_labels

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart

from skills.report.charts._common import (
    NEUTRAL_COLOUR,
    OCCUPATION_CHARS,
    SHORTAGE_COLOUR,
    SURPLUS_COLOUR,
    ChartContext,
    _check_small,
    _finish,
    _geo_selector,
    _showing,
    _step,
    _text,
    _title,
    _wrapped,
    _year_axis,
    _zero_rule,
)


def skill_shares_trend(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Lines: employment shares of the high-, middle- and low-skill groups over time.

    Frame: :func:`skills.report.frames.skill_shares_trend_frame`. One line per series
    segment, so no line joins values across a series break; each break is a dashed
    vertical rule labelled "series break". A drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "skill_shares_trend")
    t = ctx.t
    groups = frame_labels(t).skill_groups
    sel = _geo_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel)
    domain = [groups[g] for g in SKILL_GROUP_ORDER]
    share = t("chart.skill_shares_trend.y")
    lines = (
        base.mark_line(point=True, strokeWidth=2.2)
        .encode(
            x=_year_axis(t),
            y=alt.Y("share_pct:Q", title=share).scale(zero=False),
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
                alt.Tooltip("geo_label:N", title=t("chart.field.area")),
                alt.Tooltip("year:Q", title=t("chart.field.year"), format="d"),
                alt.Tooltip("group:N", title=t("chart.field.skill_group")),
                alt.Tooltip("share_pct:Q", title=share, format=".1f"),
                alt.Tooltip("flag:N", title=t("chart.field.eurostat_flag")),
                alt.Tooltip("segment:Q", title=t("chart.field.series_segment")),
            ],
        )
        .add_params(sel)
    )
    breaks = base.transform_filter(alt.datum.is_break & (alt.datum.skill_group == "high"))
    rules = breaks.mark_rule(color="#222222", strokeDash=[5, 4], strokeWidth=1.5).encode(
        x="break_x:Q",
        tooltip=[alt.Tooltip("year:Q", title=t("chart.skill_shares_trend.break_in"), format="d")],
    )
    labels = breaks.mark_text(align="left", baseline="top", dx=4, dy=2, fontSize=11).encode(
        x="break_x:Q", y=alt.value(0), text=alt.value(t("chart.skill_shares_trend.break_label"))
    )
    chart = alt.layer(lines, rules, labels, *_showing(base, ["geo_label"], ctx)).properties(
        width="container",
        height=300,
        title=_title(t("chart.skill_shares_trend.title"), ctx),
        description=t("chart.skill_shares_trend.description"),
    )
    return _finish(chart, ctx)


def skill_share_change(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Bars: change in each skill group's share, over the clean span, the window common
    to the region, its country and the EU, and the full range.

    Frame: :func:`skills.report.frames.skill_share_change_frame`. A change across a
    series break is drawn pale with a dashed outline, in its own colour, and labelled
    with its span; a drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "skill_share_change")
    t = ctx.t
    labels = frame_labels(t)
    sel = _geo_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel)
    groups = [labels.skill_groups[g] for g in SKILL_GROUP_ORDER]
    kinds = [labels.clean_span, labels.common_window, labels.across_break]
    y = alt.Y("group:N", title=None, sort=groups, axis=_wrapped(24))
    offset = alt.YOffset("span_kind:N", sort=kinds)
    bars = (
        base.mark_bar(strokeWidth=1.5)
        .encode(
            y=y,
            yOffset=offset,
            x=alt.X("change_pp:Q", title=t("chart.skill_share_change.x")),
            color=alt.Color(
                "span_kind:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=["#0072B2", "#009E73", "#E69F00"]),
            ),
            opacity=alt.condition(alt.datum.crosses_break, alt.value(0.5), alt.value(1.0)),
            stroke=alt.value("#222222"),
            strokeDash=alt.condition(alt.datum.crosses_break, alt.value([4, 3]), alt.value([1, 0])),
            tooltip=[
                alt.Tooltip("geo_label:N", title=t("chart.field.area")),
                alt.Tooltip("group:N", title=t("chart.field.skill_group")),
                alt.Tooltip("span:N", title=t("chart.field.span")),
                alt.Tooltip("change_pp:Q", title=t("chart.field.change_pp"), format="+.2f"),
                alt.Tooltip("flag:N", title=t("chart.field.flags")),
                alt.Tooltip("note:N", title=t("chart.field.note")),
            ],
        )
        .add_params(sel)
    )
    text = base.mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        y=y, yOffset=offset, x="label_x:Q", text="span:N"
    )
    chart = alt.layer(bars, text, _zero_rule("x"), *_showing(base, ["geo_label"], ctx)).properties(
        width="container",
        height=240,
        title=_title(t("chart.skill_share_change.title"), ctx),
        description=t("chart.skill_share_change.description"),
    )
    return _finish(chart, ctx)


def polarisation_percentiles(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Points and a line: change in employment share by skill percentile, and its smooth.

    Frame: :func:`skills.report.frames.polarisation_percentiles_frame`.
    """
    import altair as alt

    _check_small(frame, "polarisation_percentiles")
    t = ctx.t
    geo = frame["geo_label"][0] if "geo_label" in frame.columns else frame["geo"][0]
    period = frame["period"][0]
    raw = t("chart.polarisation_percentiles.raw")
    smooth = t("chart.polarisation_percentiles.smooth")
    colour = alt.Scale(domain=[raw, smooth], range=[NEUTRAL_COLOUR, "#0072B2"])
    x = alt.X(
        "skill_pct:Q",
        title=t("chart.field.skill_percentile_axis"),
        scale=alt.Scale(domain=[0, 100]),
    )
    tooltip = [
        alt.Tooltip("skill_pct:Q", title=t("chart.field.skill_percentile"), format=".1f"),
        alt.Tooltip("share_change_pp:Q", title=t("chart.field.change_pp"), format="+.3f"),
        alt.Tooltip("smoothed_pp:Q", title=t("chart.field.smoothed_pp"), format="+.3f"),
    ]
    points = (
        alt.Chart(frame)
        .transform_calculate(series=_text(raw))
        .mark_point(filled=True, size=28, shape="circle")
        .encode(
            x=x,
            y=alt.Y("share_change_pp:Q", title=t("chart.field.share_change_axis")),
            color=alt.Color("series:N", scale=colour, title=None),
            tooltip=tooltip,
        )
    )
    line = (
        alt.Chart(frame)
        .transform_calculate(series=_text(smooth))
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
        title=_title(t("chart.polarisation_percentiles.title", geo=geo, period=period), ctx),
        description=t("chart.polarisation_percentiles.description"),
    )
    return _finish(chart, ctx)


def polarisation_u_test(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Occupations, the fitted quadratic and its turning point (the U-test).

    Frame: :func:`skills.report.frames.polarisation_u_test_frame`. Circles are
    occupations sized by base-year share; the dashed curve is the published fit; the
    vertical rule marks the published turning point.
    """
    import altair as alt

    _check_small(frame, "polarisation_u_test")
    t = ctx.t
    x = alt.X(
        "skill_pct:Q",
        title=t("chart.field.skill_percentile_axis"),
        scale=alt.Scale(domain=[0, 100]),
    )
    base = alt.Chart(frame)
    occ = (
        base.transform_filter(alt.datum.kind == "occupation")
        .mark_circle(opacity=0.75, color="#0072B2", stroke="#1b1b1b", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("share_change_pp:Q", title=t("chart.field.share_change_axis")),
            size=alt.Size(
                "base_share_pct:Q",
                title=t("chart.polarisation_u_test.size"),
                legend=alt.Legend(direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("occupation:N", title=t("chart.field.occupation")),
                alt.Tooltip("skill_pct:Q", title=t("chart.field.skill_percentile"), format=".1f"),
                alt.Tooltip("share_change_pp:Q", title=t("chart.field.change_pp"), format="+.3f"),
                alt.Tooltip("base_share_pct:Q", title=t("chart.field.base_share"), format=".2f"),
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
                alt.Tooltip("occupation:N", title=t("chart.field.model")),
                alt.Tooltip("skill_pct:Q", title=t("chart.field.skill_percentile"), format=".1f"),
                alt.Tooltip("fitted_pp:Q", title=t("chart.field.fitted_pp"), format="+.3f"),
            ],
        )
    )
    turning = base.transform_filter(alt.datum.kind == "turning_point")
    rule = turning.mark_rule(color="#222222", strokeDash=[2, 2], strokeWidth=1.5).encode(
        x=x,
        tooltip=[
            alt.Tooltip(
                "skill_pct:Q", title=t("chart.polarisation_u_test.turning_point"), format=".1f"
            )
        ],
    )
    label = (
        turning.transform_calculate(
            label=f"{_text(t('chart.polarisation_u_test.turning_label'))}"
            " + format(datum.skill_pct, '.1f')"
        )
        .mark_text(align="left", baseline="top", dx=5, dy=2, fontSize=11)
        .encode(x=x, y=alt.value(0), text="label:N")
    )
    chart = alt.layer(_zero_rule("y"), occ, fit, rule, label).properties(
        width="container",
        height=320,
        title=_title(t("chart.polarisation_u_test.title"), ctx),
        description=t("chart.polarisation_u_test.description"),
    )
    return _finish(chart, ctx)


def beveridge_curve(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Beveridge curves: job vacancy rate against unemployment rate, one line per segment.

    Frame: :func:`skills.report.frames.beveridge_frame`. Lines connect consecutive years
    within a geo's series segment only, so no line crosses a series break.
    """
    import altair as alt

    _check_small(frame, "beveridge_curve")
    t = ctx.t
    if "is_focus" not in frame.columns:
        frame = frame.with_columns(pl.lit(True).alias("is_focus"))
    # the region, its country, the EU and the benchmarks in colour; any other geo faded
    geos = frame.filter(pl.col("is_focus"))["geo_label"].unique(maintain_order=True).to_list()
    colour = alt.Color("geo_label:N", title=None, scale=alt.Scale(domain=geos))
    shape = alt.Shape("geo_label:N", title=None, scale=alt.Scale(domain=geos))
    unemployment = t("chart.beveridge_curve.x")
    vacancies = t("chart.beveridge_curve.y")
    x = alt.X("unemployment_rate_pct:Q", title=unemployment).scale(zero=False)
    y = alt.Y("job_vacancy_rate_pct:Q", title=vacancies).scale(zero=False)
    tooltip = [
        alt.Tooltip("geo_label:N", title=t("chart.field.area")),
        alt.Tooltip("year:Q", title=t("chart.field.year"), format="d"),
        alt.Tooltip("unemployment_rate_pct:Q", title=unemployment, format=".1f"),
        alt.Tooltip("job_vacancy_rate_pct:Q", title=vacancies, format=".1f"),
        alt.Tooltip("segment:Q", title=t("chart.field.series_segment")),
        alt.Tooltip("flags:N", title=t("chart.beveridge_curve.flags")),
    ]
    context = alt.Chart(frame).transform_filter("!datum.is_focus")
    base = alt.Chart(frame).transform_filter("datum.is_focus")
    faded = context.mark_line(strokeWidth=1, color="#bdbdbd", opacity=0.6).encode(
        x=x, y=y, detail="line:N", order="year:Q", tooltip=tooltip
    )
    lines = base.mark_line(strokeWidth=1.8).encode(
        x=x, y=y, color=colour, detail="line:N", order="year:Q"
    )
    points = base.mark_point(filled=True, size=60).encode(
        x=x, y=y, color=colour, shape=shape, tooltip=tooltip
    )
    years = base.mark_text(align="left", dx=5, dy=-5, fontSize=9, color="#333333").encode(
        x=x, y=y, text=alt.Text("year:Q", format="d")
    )
    chart = alt.layer(faded, lines, points, years).properties(
        width="container",
        height=340,
        title=_title(t("chart.beveridge_curve.title"), ctx),
        description=t("chart.beveridge_curve.description"),
    )
    return _finish(chart, ctx)


def mismatch_indices(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Small multiples: the mismatch indices over time, each with its sensitivity band.

    Frame: :func:`skills.report.frames.mismatch_indices_frame`. Each index has its own
    y scale (they differ by orders of magnitude); bands show the Sahin index over the
    alpha grid and the ITS area index over crosswalk variants.
    """
    import altair as alt

    _check_small(frame, "mismatch_indices")
    t = ctx.t
    present = set(frame["series"])
    order = [s for s in frame_labels(t).mismatch_series.values() if s in present]
    x = _year_axis(t)
    band = alt.Chart().mark_area(opacity=0.22, color="#0072B2").encode(x=x, y="low:Q", y2="high:Q")
    line = (
        alt.Chart()
        .mark_line(point=True, color="#0072B2", strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=t("chart.mismatch_indices.y")).scale(zero=False),
            tooltip=[
                alt.Tooltip("series:N", title=t("chart.mismatch_indices.index")),
                alt.Tooltip("year:Q", title=t("chart.field.year"), format="d"),
                alt.Tooltip("value:Q", title=t("chart.field.value"), format=".4f"),
                alt.Tooltip("low:Q", title=t("chart.field.band_low"), format=".4f"),
                alt.Tooltip("high:Q", title=t("chart.field.band_high"), format=".4f"),
                alt.Tooltip("note:N", title=t("chart.mismatch_indices.units")),
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
            title=_title(t("chart.mismatch_indices.title", geo=frame["geo"][0]), ctx),
            description=t("chart.mismatch_indices.description"),
        )
    )
    return _finish(chart, ctx)


def shortage_ranking(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """Shortage index by occupation (left) and its rank range over weight sets (right).

    Frame: :func:`skills.report.frames.shortage_ranking_frame`. Occupations are sorted by
    rank; the right panel's rule spans the best to worst rank under the alternative
    weight sets. A drop-down selects the geo.
    """
    import altair as alt

    _check_small(frame, "shortage_ranking")
    t = ctx.t
    period = frame["period"][0]
    sel = _geo_selector(frame, ctx)
    base = alt.Chart(frame).transform_filter(sel)
    y = alt.Y(
        "occupation:N",
        title=None,
        sort=alt.EncodingSortField(field="rank", op="min", order="ascending"),
        axis=_wrapped(OCCUPATION_CHARS),
    )
    tooltip = [
        alt.Tooltip("geo_label:N", title=t("chart.field.area")),
        alt.Tooltip("occupation:N", title=t("chart.field.occupation")),
        alt.Tooltip("shortage_index:Q", title=t("chart.shortage_ranking.index"), format="+.3f"),
        alt.Tooltip("rank:Q", title=t("chart.shortage_ranking.rank")),
        alt.Tooltip("rank_min:Q", title=t("chart.shortage_ranking.rank_min")),
        alt.Tooltip("rank_max:Q", title=t("chart.shortage_ranking.rank_max")),
    ]
    bars = (
        base.mark_bar(height={"band": 0.7})
        .encode(
            y=y,
            x=alt.X(
                "shortage_index:Q",
                title=t("chart.shortage_ranking.x"),
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
    step = _step(frame["occupation"].unique().to_list(), OCCUPATION_CHARS, 15)
    left = alt.layer(bars, *_showing(base, ["geo_label"], ctx)).properties(width=300, height=step)
    rng = base.mark_rule(strokeWidth=2, color="#444444").encode(
        y=alt.Y("occupation:N", sort=alt.EncodingSortField(field="rank", op="min"), axis=None),
        x=alt.X("rank_min:Q", title=t("chart.shortage_ranking.x_rank")),
        x2="rank_max:Q",
        tooltip=tooltip,
    )
    dot = base.mark_point(filled=True, shape="diamond", size=50, color="#000000").encode(
        y=alt.Y("occupation:N", sort=alt.EncodingSortField(field="rank", op="min"), axis=None),
        x="rank:Q",
        tooltip=tooltip,
    )
    right = alt.layer(rng, dot).properties(width=220, height=step)
    chart = alt.hconcat(left, right, spacing=12).properties(
        title=_title(t("chart.shortage_ranking.title", period=period), ctx),
        description=t("chart.shortage_ranking.description"),
    )
    return _finish(chart, ctx)
