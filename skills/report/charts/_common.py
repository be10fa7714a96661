"""What every chart shares: the palette, the chart context, titles, selectors and axes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.frames import data_label_text
from skills.report.i18n import Messages

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart


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
