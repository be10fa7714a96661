"""Chart builders: one function per chart, a small Polars frame in, an Altair chart out.

Each builder is pure (no I/O): it takes the frame made by the matching function in
:mod:`skills.report.frames` and a :class:`ChartContext` (run id, sources, defaults and
the reader's :class:`~skills.report.i18n.Messages`) and returns a top-level Altair chart
whose title and subtitle carry the source, the run id and, for demo data, the data
label. Every word on a chart (titles, axis and legend titles, legend entries, tooltips,
selector prompts, the ARIA description) comes from the message catalogue
(``messages/<lang>/charts.toml``), and the chart's ``config.locale`` holds the
language's d3 number and time formats, so axes and tooltips read ``1.234,5`` in Italian
(vega-embed and vl-convert both honour it). Long category labels (ITS areas,
occupations) wrap onto several lines and are never truncated (:data:`WRAP_LABELS`).

Axis titles carry units. Colours come from the Okabe-Ito palette (safe for the common
colour-vision deficiencies) and every colour encoding is doubled by a shape, a dash
pattern or position, so nothing relies on colour alone. Selectors are Vega-Lite point
selections bound to a drop-down (``alt.selection_point(fields=[...],
bind=alt.binding_select(...))``) that filter the chart's own data; with an input
binding, clicking the chart does not change them.

Altair is imported inside each function, so importing this module is cheap.

>>> from skills.report import charts, frames  # doctest: +SKIP
>>> chart = charts.beveridge_curve(frames.beveridge_frame(bev, names={}), ctx)  # doctest: +SKIP
>>> spec = chart.to_dict()  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.frames import SKILL_GROUP_ORDER, data_label_text, frame_labels
from skills.report.i18n import Messages

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart

__all__ = [
    "BUILDERS",
    "MAX_ROWS",
    "OKABE_ITO",
    "WRAP_LABELS",
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
#: A Vega expression that breaks an axis label into lines of at most %d characters at
#: spaces (``labelExpr``; a label is never cut, a single longer word keeps its line).
WRAP_LABELS = r"split(trim(replace(datum.label, regexp('(.{1,%d})(\\s+|$)', 'g'), '$1\n')), '\n')"
#: Height of one line of the "Showing: ..." text above a plot, in pixels.
SHOWING_LINE = 16
#: Line height of wrapped axis labels (11 px font), in pixels.
LABEL_LINE = 13
#: Characters per line of wrapped labels: ITS areas, "foundation · area", occupations.
AREA_CHARS = 40
OUTCOME_CHARS = 56
OCCUPATION_CHARS = 52


@dataclass(frozen=True)
class ChartContext:
    """What a chart says about where its data came from, its defaults and its language.

    Attributes
    ----------
    run_id
        The publication's run id, shown in every chart's subtitle.
    source
        The sources with their vintages, short, e.g. ``"lfsa_egai2d (vintage 15
        October 2026)"``.
    data_label
        ``"synthetic demo data"`` for the demo; shown in capitals in the subtitle, in
        the chart's language.
    defaults
        Default values of the selectors, by field (``{"geo": "ITC1"}``).
    t
        The messages and number formats of the chart's language (English by default).
    """

    run_id: str
    source: str
    data_label: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    t: Messages = field(default_factory=lambda: Messages("en"))


def _check_small(frame: pl.DataFrame, chart_id: str) -> None:
    if frame.height == 0:
        raise ValueError(f"{chart_id}: no rows to draw")
    if frame.height > MAX_ROWS:
        raise ValueError(
            f"{chart_id}: {frame.height} rows; aggregate in Polars first (at most {MAX_ROWS})"
        )


def _title(text: str, ctx: ChartContext, *, showing_lines: int = 1) -> Any:
    """The title, with the source and the run (and the data label) as subtitle.

    ``showing_lines``: lines of "Showing: ..." text drawn above the plot, which the
    title's offset leaves room for.
    """
    import altair as alt

    t = ctx.t
    run = t("chart.common.run", run_id=ctx.run_id)
    label = data_label_text(ctx.data_label, t)
    if label:
        run += f" · {label.upper()}"
    return alt.TitleParams(
        text=text,
        subtitle=[t("chart.common.source", source=ctx.source), run],
        anchor="start",
        fontSize=15,
        subtitleFontSize=11,
        subtitleColor="#444444",
        offset=28 + SHOWING_LINE * (max(showing_lines, 1) - 1),
    )


def _finish(chart: Any, ctx: ChartContext | None = None) -> AnyChart:
    """The shared look (palette, fonts, axes, legends) and the language's number formats.

    Labels and legend entries have no length limit: long names wrap or take the room
    they need, and are never cut with an ellipsis.
    """
    import altair as alt

    settings: dict[str, Any] = {
        "range": alt.RangeConfig(category=list(OKABE_ITO)),
        "axis": alt.AxisConfig(
            labelFontSize=11, titleFontSize=12, labelLimit=0, gridColor="#e6e6e6"
        ),
        "legend": alt.LegendConfig(
            orient="bottom",
            direction="vertical",
            labelFontSize=11,
            titleFontSize=12,
            labelLimit=0,
            titleLimit=0,
        ),
        "view": alt.ViewConfig(stroke=None),
        "header": alt.HeaderConfig(labelFontSize=12, titleFontSize=12, labelLimit=0),
    }
    if ctx is not None:
        t = ctx.t
        settings["locale"] = {"number": t.format_locale(), "time": t.time_format_locale()}
    if chart.config is not alt.Undefined:  # the builder configured something: add to it
        finished: AnyChart = chart
        if "locale" in settings:
            finished = finished.configure(locale=settings.pop("locale"))
        for key, value in settings.items():
            finished = getattr(finished, f"configure_{key}")(**value.to_dict(validate=False))
        return finished
    # one copy and one Config, not the six of chained configure_* calls (the same spec:
    # a Config's keys come out in its own order whatever order they are set in)
    configured = chart.copy(deep=False)
    configured.config = alt.Config(**settings)
    return configured  # type: ignore[no-any-return]


def _wrapped(chars: int, **axis: Any) -> Any:
    """An axis whose labels break into lines of at most ``chars`` characters, each label
    centred on its band (Vega puts the first line there: the rest is lifted by half)."""
    import altair as alt

    lines = (WRAP_LABELS % chars).replace("datum.label", "datum.value")
    return alt.Axis(
        labelExpr=WRAP_LABELS % chars,
        labelLimit=0,
        labelLineHeight=LABEL_LINE,
        labelOffset=alt.ExprRef(expr=f"-{LABEL_LINE / 2} * (length({lines}) - 1)"),
        **axis,
    )


def _wrap_lines(text: str, chars: int) -> int:
    """How many lines :data:`WRAP_LABELS` breaks ``text`` into (greedy, at spaces)."""
    lines, width = 1, 0
    for word in text.split():
        if width and width + 1 + len(word) > chars:
            lines, width = lines + 1, len(word)
        else:
            width = width + 1 + len(word) if width else len(word)
    return lines


def _step(labels: Sequence[Any], chars: int, minimum: int) -> Any:
    """A band step that leaves room for the longest label wrapped at ``chars``."""
    import altair as alt

    most = max((_wrap_lines(str(label), chars) for label in labels), default=1)
    return alt.Step(max(minimum, LABEL_LINE * most + 6))


def _text(value: str) -> str:
    """``value`` as a Vega expression string literal (quotes and apostrophes escaped)."""
    return json.dumps(value, ensure_ascii=False)


def _options(
    frame: pl.DataFrame, value: str, label: str, default: str | None
) -> list[tuple[str, str]]:
    pairs = {str(k): str(v) for k, v in frame.select(value, label).unique().sort(value).iter_rows()}
    # the spec's region first; for a national table its country, then the EU aggregate
    wanted = [default, default[:2], "EU27_2020"] if default else []
    first = next((w for w in wanted if w in pairs), next(iter(pairs)))
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


def _showing(base: Any, fields: Sequence[str], ctx: ChartContext) -> list[Any]:
    """Bold lines above the plot naming the current selection, one per field (the first
    says "Showing: "); they are in the static exports too. Pass ``showing_lines`` =
    ``len(fields)`` to :func:`_title`."""
    import altair as alt

    t = ctx.t
    summary = base.transform_aggregate(rows="count()", groupby=list(fields))
    prefix = _text(t("chart.common.showing"))
    marks = []
    for i, name in enumerate(fields):
        expr = f"{prefix} + datum['{name}']" if i == 0 else f"'' + datum['{name}']"
        marks.append(
            summary.transform_calculate(showing=expr)
            .mark_text(
                align="left",
                baseline="bottom",
                dy=-8 - SHOWING_LINE * (len(fields) - 1 - i),
                fontSize=12,
                fontWeight="bold",
            )
            .encode(x=alt.value(0), y=alt.value(0), text="showing:N")
        )
    return marks


def _year_axis(t: Messages) -> Any:
    import altair as alt

    return alt.X(
        "year:Q", title=t("chart.field.year"), axis=alt.Axis(format="d", tickMinStep=1)
    ).scale(zero=False)


def _zero_rule(axis: str = "x") -> Any:
    import altair as alt

    zero = alt.Chart(alt.InlineData(values=[{"zero": 0}])).mark_rule(color="#333333")
    return zero.encode(x="zero:Q") if axis == "x" else zero.encode(y="zero:Q")


def _province_selector(frame: pl.DataFrame, ctx: ChartContext) -> Any:
    t = ctx.t
    return _selector(
        frame,
        name="province",
        field_name="geo",
        label="geo_label",
        prompt=t("chart.prompt.province"),
        ctx=ctx,
    )


def _area_selector(frame: pl.DataFrame, ctx: ChartContext) -> Any:
    t = ctx.t
    return _selector(
        frame,
        name="area",
        field_name="its_area",
        label="area",
        prompt=t("chart.prompt.its_area"),
        ctx=ctx,
    )


def _geo_selector(frame: pl.DataFrame, ctx: ChartContext) -> Any:
    t = ctx.t
    return _selector(
        frame,
        name="geo",
        field_name="geo",
        label="geo_label",
        prompt=t("chart.prompt.area"),
        ctx=ctx,
    )


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


def _its_gap_map(frame: pl.DataFrame, ctx: ChartContext) -> AnyChart:
    """The province map (:func:`skills.report.maps.its_gap_map`)."""
    from skills.report.maps import its_gap_map

    chart: AnyChart = its_gap_map(frame, ctx)
    return chart


def _unchecked(
    builder: Callable[[pl.DataFrame, ChartContext], Any],
) -> Callable[[pl.DataFrame, ChartContext], Any]:
    """``builder`` with Altair's check of every object as it is made switched off.

    Altair validates each schema object against the Vega-Lite schema when it is created
    (its "debug mode"): a fifth of the charts' time. The finished spec is still validated
    whole where the report is built strictly (the tests); the specs are the same.
    """

    @functools.wraps(builder)
    def build(frame: pl.DataFrame, ctx: ChartContext) -> Any:
        from altair.utils.schemapi import debug_mode

        with debug_mode(False):
            return builder(frame, ctx)

    return build


#: chart id -> builder, in page order (each run without Altair's per-object checks).
BUILDERS: Mapping[str, Callable[[pl.DataFrame, ChartContext], Any]] = {
    "its_gap_by_area": its_gap_by_area,
    "its_gap_map": _its_gap_map,
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
BUILDERS = {chart_id: _unchecked(builder) for chart_id, builder in BUILDERS.items()}


def chart_ids() -> Sequence[str]:
    """Every chart id, in page order."""
    return tuple(BUILDERS)
