"""Chart frames: the small, aggregated Polars tables each chart draws.

Every function here is pure (frames in, one frame out; no I/O, no clock) and turns the
published tables of one publication into the few hundred rows a chart needs: it filters,
aggregates and labels, and never recomputes an indicator or refits a model. What one
row is is the first line of each docstring. Values are rounded for display (the
publication's parquet files keep full precision), and rows are sorted so that the same
publication always gives the same chart spec.

Every label a frame carries for the reader (series, directions, skill groups, spans,
geo names) comes from the message catalogue through a :class:`~skills.report.i18n.Messages`
(``t``; English when not given): :func:`frame_labels` gathers them for the charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from skills.report.i18n import Messages

__all__ = [
    "SYNTHETIC_LABEL",
    "FrameLabels",
    "beveridge_frame",
    "data_label_text",
    "extra_geo_names",
    "focus_geos",
    "frame_labels",
    "geo_label",
    "its_gap_by_area_frame",
    "its_gap_drivers_frame",
    "its_outcomes_frame",
    "its_supply_demand_trend_frame",
    "mismatch_indices_frame",
    "polarisation_percentiles_frame",
    "polarisation_u_test_frame",
    "shortage_ranking_frame",
    "skill_share_change_frame",
    "skill_shares_trend_frame",
]

#: The data label of the demo (``PipelineSpec.data_label``); shown in the reader's language.
SYNTHETIC_LABEL = "synthetic demo data"

SKILL_GROUP_ORDER: tuple[str, ...] = ("high", "middle", "low")
#: The mismatch indices drawn, in panel order.
MISMATCH_IDS: tuple[str, ...] = (
    "jackman_roper_index",
    "sahin_mismatch_index",
    "its_area_mismatch_index",
)


def _messages(t: Messages | None) -> Messages:
    return t if t is not None else Messages("en")


@dataclass(frozen=True)
class FrameLabels:
    """The labels frames put in their rows and charts use as legend domains."""

    demand_series: str
    supply_series: str
    shortage_direction: str
    surplus_direction: str
    clean_span: str
    across_break: str
    common_window: str
    employed_measure: str
    coherent_measure: str
    skill_groups: Mapping[str, str]
    mismatch_series: Mapping[str, str]


def frame_labels(t: Messages | None = None) -> FrameLabels:
    """Every series, direction, span, outcome, skill-group and index label, in ``t``'s language."""
    t = _messages(t)
    return FrameLabels(
        demand_series=t("frame.series.demand"),
        supply_series=t("frame.series.supply"),
        shortage_direction=t("frame.direction.shortage"),
        surplus_direction=t("frame.direction.surplus"),
        clean_span=t("frame.span.clean"),
        across_break=t("frame.span.across"),
        common_window=t("frame.span.common"),
        employed_measure=t("frame.measure.employed"),
        coherent_measure=t("frame.measure.coherent"),
        skill_groups={
            "high": t("frame.skill_group.high"),
            "middle": t("frame.skill_group.middle"),
            "low": t("frame.skill_group.low"),
        },
        mismatch_series={
            "jackman_roper_index": t("frame.mismatch.jackman_roper_index"),
            "sahin_mismatch_index": t("frame.mismatch.sahin_mismatch_index"),
            "its_area_mismatch_index": t("frame.mismatch.its_area_mismatch_index"),
        },
    )


def extra_geo_names(t: Messages | None = None) -> dict[str, str]:
    """Names for codes that are not in the Italian NUTS list (EU aggregates, countries)."""
    t = _messages(t)
    return {
        "EU27_2020": t("frame.geo.eu27_2020"),
        "EA20": t("frame.geo.ea20"),
        "AT": t("frame.geo.at"),
        "DE": t("frame.geo.de"),
        "ES": t("frame.geo.es"),
        "FR": t("frame.geo.fr"),
        "NL": t("frame.geo.nl"),
    }


def data_label_text(label: str | None, t: Messages | None = None) -> str | None:
    """The publication's data label as the reader sees it (the demo's in their language)."""
    if not label:
        return None
    t = _messages(t)
    return t("common.synthetic_demo_data") if label == SYNTHETIC_LABEL else label


def geo_label(code: str, names: Mapping[str, str], t: Messages | None = None) -> str:
    """``Name (CODE)`` when the code has a name, else the code."""
    extra = extra_geo_names(t) if code not in names else {}
    if code in extra:
        return extra[code] if "_" in code else f"{extra[code]} ({code})"
    name = names.get(code)
    return f"{name} ({code})" if name else code


def _labels(
    frame: pl.DataFrame, column: str, names: Mapping[str, str], out: str, t: Messages | None
) -> pl.DataFrame:
    codes = frame[column].unique().to_list()
    mapping = {c: geo_label(c, names, t) for c in codes if c is not None}
    return frame.with_columns(pl.col(column).replace_strict(mapping, default=None).alias(out))


def _region_labels(
    frame: pl.DataFrame, region: str, names: Mapping[str, str], t: Messages | None
) -> pl.DataFrame:
    """``geo_label`` for provinces and the region, which is the sum of its provinces."""
    t = _messages(t)
    name = names.get(region)
    label = t("frame.region_sum", name=name, code=region) if name else region
    return _labels(frame, "geo", names, "geo_label", t).with_columns(
        pl.when(pl.col("geo") == region)
        .then(pl.lit(label))
        .otherwise(pl.col("geo_label"))
        .alias("geo_label")
    )


def _occupation(isco_titles: Mapping[str, str], t: Messages | None) -> pl.Expr:
    """``occupation``: the ISCO-08 code and its title."""
    t = _messages(t)
    missing = t("frame.no_title")
    return (
        pl.col("isco08")
        + pl.lit(" ")
        + pl.col("isco08").replace_strict(dict(isco_titles), default=pl.lit(missing))
    ).alias("occupation")


def _year(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.slice(0, 4).cast(pl.Int64, strict=False)


def focus_geos(region: str, benchmarks: Sequence[str], available: Sequence[str]) -> list[str]:
    """The region, its country, the EU aggregate and the benchmarks, in that order.

    Only codes present in ``available`` are kept; the region comes first so that it is
    every selector's default.
    """
    wanted = [region, region[:2], "EU27_2020", *benchmarks]
    present = set(available)
    return [g for g in dict.fromkeys(wanted) if g in present]


# ----------------------------------------------------------------------------- ITS planners
def _area_label(area_labels: Mapping[str, str]) -> pl.Expr:
    """``area``: the ITS area's label (the code where there is none)."""
    return (
        pl.col("its_area")
        .replace_strict(dict(area_labels), default=pl.col("its_area"))
        .alias("area")
    )


_COVERAGE_COLS = ("coverage_ratio", "coverage_low_ratio", "coverage_high_ratio")


def _gap_rows(gap: pl.DataFrame, region: str) -> pl.DataFrame:
    """The region's rows of the gap table (its provinces and its NUTS 2 total)."""
    return gap.filter(pl.col("geo").str.starts_with(region))


def its_gap_by_area_frame(
    gap: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    year: int | None = None,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region) and ITS area: the gap in the latest year.

    From the ``its_gap`` table: ``gap_n`` under the central specification, ``gap_low_n``
    / ``gap_high_n`` the band over every specification, coverage and its band, demand,
    supply and the hard-to-fill share. The region's row is the table's own (the sum of
    its provinces under each specification, banded over those sums).
    """
    rows = _gap_rows(gap, region)
    if rows.height == 0:
        return pl.DataFrame()
    labels = frame_labels(t)
    year = year if year is not None else int(rows["year"].max())  # type: ignore[arg-type]
    measures = (
        "gap_n",
        "gap_low_n",
        "gap_high_n",
        "demand_entries_n",
        "supply_graduates_n",
        "hard_to_fill_pct",
    )
    out = rows.filter(pl.col("year") == year).with_columns(
        _area_label(area_labels),
        pl.when(pl.col("gap_n") >= 0)
        .then(pl.lit(labels.shortage_direction))
        .otherwise(pl.lit(labels.surplus_direction))
        .alias("direction"),
        *(pl.col(c).round(1) for c in measures),
        *(
            pl.col(c).round(3)
            for c in ("coverage_ratio", "coverage_low_ratio", "coverage_high_ratio")
        ),
    )
    out = _region_labels(out, region, names, t)
    return out.select(
        "geo",
        "geo_label",
        "its_area",
        "area",
        "year",
        "specification",
        *measures,
        *_COVERAGE_COLS,
        "direction",
    ).sort("geo", "its_area")


def its_supply_demand_trend_frame(
    gap: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region), ITS area and year: demand and supply.

    ``demand_entries_n`` is planned entries at ITS level under the central
    specification, with ``demand_low_n`` / ``demand_high_n`` its band over every
    specification; ``supply_graduates_n`` is ITS graduates per year under the central
    supply window.
    """
    rows = _gap_rows(gap, region)
    if rows.height == 0:
        return pl.DataFrame()
    out = rows.select(
        "its_area",
        "geo",
        "year",
        *(
            pl.col(c).round(1)
            for c in ("demand_entries_n", "demand_low_n", "demand_high_n", "supply_graduates_n")
        ),
        _area_label(area_labels),
    )
    out = _region_labels(out, region, names, t)
    return out.select(
        "geo",
        "geo_label",
        "its_area",
        "area",
        "year",
        "demand_entries_n",
        "demand_low_n",
        "demand_high_n",
        "supply_graduates_n",
    ).sort("geo", "its_area", "year")


def its_outcomes_frame(
    courses: pl.DataFrame, *, area_labels: Mapping[str, str], t: Messages | None = None
) -> pl.DataFrame:
    """One row per ITS foundation, technology area and outcome: a ratio of sums.

    * employed at 12 months = 100 · Σ employed_12m_n / Σ graduates_n over the cohorts
      whose 12-month survey is known;
    * coherent = 100 · Σ employed_coherent_12m_n / Σ employed_12m_n over the cohorts where
      both are known.

    Never a mean of course rates. ``numerator_n``, ``denominator_n``, ``cohorts_n`` and
    the cohorts' end years travel with each rate for the tooltip.
    """
    if courses.height == 0:
        return pl.DataFrame()
    keys = ["foundation_name", "its_area"]

    def ratio(numerator: str, denominator: str, measure: str) -> pl.DataFrame:
        known = pl.col(numerator).is_not_null() & pl.col(denominator).is_not_null()
        return (
            courses.filter(known)
            .group_by(keys)
            .agg(
                pl.col(numerator).sum().alias("numerator_n"),
                pl.col(denominator).sum().alias("denominator_n"),
                pl.len().alias("cohorts_n"),
                pl.col("end_year").min().alias("first_end_year"),
                pl.col("end_year").max().alias("last_end_year"),
            )
            .with_columns(pl.lit(measure).alias("measure"))
        )

    labels = frame_labels(t)
    employed = ratio("employed_12m_n", "graduates_n", labels.employed_measure)
    coherent = ratio("employed_coherent_12m_n", "employed_12m_n", labels.coherent_measure)
    out = (
        pl.concat([employed, coherent])
        .filter(pl.col("denominator_n") > 0)
        .with_columns(
            (100.0 * pl.col("numerator_n") / pl.col("denominator_n")).round(1).alias("rate_pct"),
            _area_label(area_labels),
        )
        .with_columns(
            (pl.col("foundation_name") + pl.lit(" · ") + pl.col("area")).alias("label"),
            (
                pl.col("first_end_year").cast(pl.String)
                + pl.lit("-")
                + pl.col("last_end_year").cast(pl.String)
            ).alias("cohorts_ending"),
        )
    )
    return out.select(
        pl.col("foundation_name").alias("foundation"),
        "its_area",
        "area",
        "label",
        "measure",
        "rate_pct",
        "numerator_n",
        "denominator_n",
        "cohorts_n",
        "cohorts_ending",
    ).sort("foundation", "its_area", "measure")


def its_gap_drivers_frame(
    drivers: pl.DataFrame,
    *,
    region: str,
    names: Mapping[str, str],
    area_labels: Mapping[str, str],
    isco_titles: Mapping[str, str],
    top: int = 8,
    year: int | None = None,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per province (and the region), ITS area and leading occupation, latest year.

    From the ``its_gap_drivers`` table (central specification): ``allocated_entries_n``
    is the ITS-level planned entries the occupation contributes to the area,
    ``share_pct`` its share of the area's demand, ``link_weight`` the crosswalk weight
    behind it. At most ``top`` occupations per area and geo.
    """
    rows = _gap_rows(drivers, region)
    if rows.height == 0:
        return pl.DataFrame()
    year = year if year is not None else int(rows["year"].max())  # type: ignore[arg-type]
    out = rows.filter(pl.col("year") == year, pl.col("rank") <= top).with_columns(
        _area_label(area_labels),
        _occupation(isco_titles, t),
        *(pl.col(c).round(1) for c in ("allocated_entries_n", "demand_entries_n", "share_pct")),
        pl.col("link_weight").round(3),
    )
    out = _region_labels(out, region, names, t)
    return out.select(
        "geo",
        "geo_label",
        "its_area",
        "area",
        "year",
        "isco08",
        "occupation",
        "allocated_entries_n",
        "share_pct",
        "demand_entries_n",
        "link_weight",
        pl.col("rank").cast(pl.Int64),
    ).sort("geo", "its_area", "rank")


# ----------------------------------------------------------------------------- economists
def skill_shares_trend_frame(
    indicators: pl.DataFrame,
    *,
    geos: Sequence[str],
    names: Mapping[str, str],
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per geo, year and skill group: the employment share (%), with its flag.

    ``segment`` counts the series breaks of the geo so far (a year whose values carry a
    ``b`` flag starts a new segment), so a line drawn per segment never joins values
    across a break; ``is_break`` marks the first year after a break and ``break_x``
    (= year - 0.5) is where the chart draws the break.
    """
    rows = indicators.filter(
        pl.col("indicator") == "employment_share_pct",
        pl.col("geo").is_in(list(geos)),
        pl.col("skill_group").is_in(list(SKILL_GROUP_ORDER)),
        pl.col("value").is_not_null(),
    )
    if rows.height == 0:
        return pl.DataFrame()
    rows = rows.select(
        "geo",
        _year(pl.col("period")).alias("year"),
        "skill_group",
        pl.col("value").round(2).alias("share_pct"),
        "flag",
    ).unique(["geo", "year", "skill_group"], keep="first")
    # one break per geo and year: a b flag on any skill group breaks all three series
    breaks = (
        rows.group_by("geo", "year")
        .agg(pl.col("flag").fill_null("").str.contains("b", literal=True).any().alias("is_break"))
        .sort("geo", "year")
        .with_columns(
            (pl.col("is_break").cast(pl.Int64).cum_sum().over("geo") + 1).alias("segment")
        )
    )
    rows = rows.join(breaks, on=["geo", "year"], how="left", validate="m:1").with_columns(
        (pl.col("year").cast(pl.Float64) - 0.5).alias("break_x"),
        pl.col("skill_group").replace_strict(dict(frame_labels(t).skill_groups)).alias("group"),
        (pl.col("skill_group") + pl.lit("#") + pl.col("segment").cast(pl.String)).alias("line"),
    )
    rows = _labels(rows, "geo", names, "geo_label", t)
    return rows.select(
        "geo",
        "geo_label",
        "year",
        "skill_group",
        "group",
        "share_pct",
        "flag",
        "segment",
        "line",
        "is_break",
        "break_x",
    ).sort("geo", "skill_group", "year")


def skill_share_change_frame(
    indicators: pl.DataFrame,
    *,
    geos: Sequence[str],
    names: Mapping[str, str],
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per geo, span and skill group: the change in employment share (pp).

    Each geo has its longest span without a series break and, when different, the full
    range and the window common to the region, its country and the EU (rows with
    ``variant`` = ``common_window``); a change across a break carries ``crosses_break``
    and says so in ``span``.
    """
    from skills.indicators.polarisation import COMMON_WINDOW

    rows = indicators.filter(
        pl.col("indicator") == "employment_share_change_pp",
        pl.col("geo").is_in(list(geos)),
        pl.col("skill_group").is_in(list(SKILL_GROUP_ORDER)),
        pl.col("value").is_not_null(),
    )
    if rows.height == 0:
        return pl.DataFrame()
    t = _messages(t)
    labels = frame_labels(t)
    is_common = pl.col("variant").fill_null("") == COMMON_WINDOW
    own = rows.filter(~is_common)
    # a common window that is the geo's own span already adds nothing to its bars
    common = rows.filter(is_common).join(
        own.select("geo", "period").unique(), on=["geo", "period"], how="anti"
    )
    rows = pl.concat([own, common]).with_columns(is_common.alias("_common"))
    rows = rows.with_columns(
        pl.col("flag").fill_null("").str.contains("b", literal=True).alias("crosses_break"),
        pl.col("value").round(2).alias("change_pp"),
        pl.col("note").str.extract(r"b in ([0-9, ]*[0-9])", 1).alias("_break_years"),
    )
    spans = [
        (
            t("frame.span.label_across_years", period=period, years=years)
            if crosses and years
            else t("frame.span.label_across", period=period)
            if crosses
            else t("frame.span.label_common", period=period)
            if in_common
            else t("frame.span.label_clean", period=period)
        )
        for period, crosses, years, in_common in rows.select(
            "period", "crosses_break", "_break_years", "_common"
        ).rows()
    ]
    rows = rows.with_columns(
        pl.Series("span", spans, dtype=pl.String),
        pl.when(pl.col("_common"))
        .then(pl.lit(labels.common_window))
        .when(pl.col("crosses_break"))
        .then(pl.lit(labels.across_break))
        .otherwise(pl.lit(labels.clean_span))
        .alias("span_kind"),
        pl.max_horizontal(pl.col("value").round(2), pl.lit(0.0)).alias("label_x"),
        pl.col("skill_group").replace_strict(dict(labels.skill_groups)).alias("group"),
    )
    rows = _labels(rows, "geo", names, "geo_label", t)
    return rows.select(
        "geo",
        "geo_label",
        "period",
        "span",
        "span_kind",
        "skill_group",
        "group",
        "change_pp",
        "label_x",
        "crosses_break",
        pl.col("flag"),
        pl.col("note"),
    ).sort("geo", "crosses_break", "period", "skill_group")


def polarisation_percentiles_frame(
    percentiles: pl.DataFrame,
    *,
    prefer: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per skill percentile: the share change (pp) and its smoothed value.

    One geo: the first of ``prefer`` that is present, else the first geo in the table.
    """
    if percentiles.height == 0:
        return pl.DataFrame()
    present = percentiles["geo"].unique().sort().to_list()
    geo = next((g for g in prefer if g in present), present[0])
    return (
        percentiles.filter(pl.col("geo") == geo)
        .select(
            "geo",
            pl.lit(geo_label(geo, names or {}, t)).alias("geo_label"),
            "period",
            pl.col("skill_pct").round(2),
            pl.col("share_change_pp").round(4),
            pl.col("smoothed_pp").round(4),
            pl.col("base_share_pct").round(3),
        )
        .sort("skill_pct")
    )


def polarisation_u_test_frame(
    occupations: pl.DataFrame,
    models: pl.DataFrame,
    glance: pl.DataFrame,
    *,
    isco_titles: Mapping[str, str],
    points: int = 60,
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per occupation (``kind`` = occupation), fitted point or the turning point.

    * ``occupation``: skill percentile, share change (pp) and base share of one ISCO-08
      sub-major group;
    * ``fit``: the published quadratic (intercept, skill_pct, skill_pct^2 of the
      ``polarisation_u_test`` model) evaluated on a grid over the fitted range;
    * ``turning_point``: the model's published turning point (``models_glance``), when it
      lies inside the fitted range.

    The model is not refitted: its published coefficients are only evaluated.
    """
    if occupations.height == 0:
        return pl.DataFrame()
    occ = occupations.select(
        pl.lit("occupation").alias("kind"),
        "isco08",
        _occupation(isco_titles, t),
        pl.col("skill_pct").round(2),
        pl.col("share_change_pp").round(4),
        pl.col("base_share_pct").round(3),
        pl.lit(None, pl.Float64).alias("fitted_pp"),
    )
    ids = [
        m for m in models["model_id"].unique().sort().to_list() if m.startswith("polarisation_u")
    ]
    parts = [occ]
    if ids:
        model_id = ids[0]
        terms = dict(
            models.filter(pl.col("model_id") == model_id).select("term", "estimate").iter_rows()
        )
        info = glance.filter(pl.col("model_id") == model_id)
        b0, b1, b2 = terms.get("intercept"), terms.get("skill_pct"), terms.get("skill_pct^2")
        if b0 is not None and b1 is not None and b2 is not None and info.height:
            row = info.row(0, named=True)
            lo = row.get("x_min") or float(occupations["skill_pct"].min())  # type: ignore[arg-type]
            hi = row.get("x_max") or float(occupations["skill_pct"].max())  # type: ignore[arg-type]
            grid = pl.DataFrame(
                {"skill_pct": [lo + (hi - lo) * i / (points - 1) for i in range(points)]}
            )
            fit = grid.select(
                pl.lit("fit").alias("kind"),
                pl.lit(None, pl.String).alias("isco08"),
                pl.lit(model_id).alias("occupation"),
                pl.col("skill_pct").round(2),
                pl.lit(None, pl.Float64).alias("share_change_pp"),
                pl.lit(None, pl.Float64).alias("base_share_pct"),
                (b0 + b1 * pl.col("skill_pct") + b2 * pl.col("skill_pct") ** 2)
                .round(4)
                .alias("fitted_pp"),
            )
            parts.append(fit)
            tp = row.get("turning_point")
            if tp is not None and lo <= tp <= hi:
                parts.append(
                    pl.DataFrame(
                        {
                            "kind": ["turning_point"],
                            "isco08": [None],
                            "occupation": [model_id],
                            "skill_pct": [round(tp, 2)],
                            "share_change_pp": [None],
                            "base_share_pct": [None],
                            "fitted_pp": [round(b0 + b1 * tp + b2 * tp * tp, 4)],
                        },
                        schema=occ.schema,
                    )
                )
    return pl.concat(parts, how="vertical").sort("kind", "skill_pct", "isco08")


def beveridge_frame(
    beveridge: pl.DataFrame,
    *,
    names: Mapping[str, str],
    t: Messages | None = None,
    focus: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per geo and year: unemployment rate and job vacancy rate (%).

    ``line`` = geo and segment: a series break starts a new segment, and the chart draws
    one line per segment, so no line crosses a break. ``is_focus`` marks the geos the
    chart names and colours (``focus``: the region, its country, the EU and the
    benchmarks, as :func:`focus_geos` gives them; all geos when empty or none present);
    the others are drawn faded, for context.
    """
    if beveridge.height == 0:
        return pl.DataFrame()
    out = beveridge.select(
        "geo",
        _year(pl.col("period")).alias("year"),
        pl.col("unemployment_rate").round(2).alias("unemployment_rate_pct"),
        pl.col("job_vacancy_rate_pct").round(2),
        pl.col("segment").cast(pl.Int64),
        pl.concat_str(
            [pl.col("flag_u").fill_null(""), pl.col("flag_v").fill_null("")], separator=" / "
        ).alias("flags"),
    ).with_columns((pl.col("geo") + pl.lit("#") + pl.col("segment").cast(pl.String)).alias("line"))
    out = _labels(out, "geo", names, "geo_label", t)
    present = set(out["geo"].to_list())
    chosen = [g for g in focus if g in present] or sorted(present)
    order = {g: i for i, g in enumerate(chosen)}
    out = out.with_columns(
        pl.col("geo").is_in(chosen).alias("is_focus"),
        pl.col("geo").replace_strict(order, default=len(order)).alias("_order"),
    )
    return out.sort("_order", "geo", "year").select(
        "geo",
        "geo_label",
        "year",
        "unemployment_rate_pct",
        "job_vacancy_rate_pct",
        "segment",
        "line",
        pl.col("flags").replace(" / ", None),
        "is_focus",
    )


def mismatch_indices_frame(
    indicators: pl.DataFrame, *, region: str, t: Messages | None = None
) -> pl.DataFrame:
    """One row per mismatch index and year for the region: value and sensitivity band.

    * Jackman-Roper: one value, no band;
    * Sahin et al.: alpha = 0.5, band = min-max over the published alpha grid;
    * ITS area mismatch: the central crosswalk, band = min-max over crosswalk variants.
    """
    rows = indicators.filter(
        pl.col("indicator").is_in(list(MISMATCH_IDS)),
        pl.col("geo") == region,
        pl.col("value").is_not_null(),
    )
    if rows.height == 0:
        return pl.DataFrame()
    rows = rows.with_columns(_year(pl.col("period")).alias("year"))
    band = rows.group_by("indicator", "year").agg(
        pl.col("value").min().alias("low"), pl.col("value").max().alias("high")
    )
    central = rows.filter(
        pl.col("variant").is_null()
        | (pl.col("variant") == "alpha=0.5")
        | (pl.col("variant") == "central")
    ).unique(["indicator", "year"], keep="first")
    out = central.join(band, on=["indicator", "year"], how="left", validate="1:1").with_columns(
        pl.col("indicator").replace_strict(dict(frame_labels(t).mismatch_series)).alias("series"),
        pl.when(pl.col("indicator") == "jackman_roper_index")
        .then(pl.lit(None, pl.Float64))
        .otherwise(pl.col("low"))
        .alias("low"),
        pl.when(pl.col("indicator") == "jackman_roper_index")
        .then(pl.lit(None, pl.Float64))
        .otherwise(pl.col("high"))
        .alias("high"),
    )
    return out.select(
        "indicator",
        "series",
        "geo",
        "year",
        pl.col("value").round(6),
        pl.col("low").round(6),
        pl.col("high").round(6),
        "note",
    ).sort("indicator", "year")


def shortage_ranking_frame(
    shortage: pl.DataFrame,
    sensitivity: pl.DataFrame | None,
    *,
    geos: Sequence[str],
    names: Mapping[str, str],
    isco_titles: Mapping[str, str],
    t: Messages | None = None,
) -> pl.DataFrame:
    """One row per geo and occupation: the shortage index, its rank and rank range.

    ``rank_min`` / ``rank_max`` are the best and worst ranks over the alternative weight
    sets of ``shortage_sensitivity.parquet`` (equal to ``rank`` when it is absent).
    """
    rows = shortage.filter(pl.col("geo").is_in(list(geos)), pl.col("shortage_index").is_not_null())
    if rows.height == 0:
        return pl.DataFrame()
    rows = rows.select(
        "geo",
        "period",
        "isco08",
        pl.col("shortage_index").round(4),
        pl.col("rank").cast(pl.Int64),
    )
    if sensitivity is not None and sensitivity.height:
        sens = sensitivity.group_by("geo", "period", "isco08").agg(
            pl.col("rank_min").min().cast(pl.Int64), pl.col("rank_max").max().cast(pl.Int64)
        )
        rows = rows.join(sens, on=["geo", "period", "isco08"], how="left", validate="1:1")
    else:
        rows = rows.with_columns(pl.col("rank").alias("rank_min"), pl.col("rank").alias("rank_max"))
    rows = rows.with_columns(
        pl.col("rank_min").fill_null(pl.col("rank")),
        pl.col("rank_max").fill_null(pl.col("rank")),
        _occupation(isco_titles, t),
    )
    rows = _labels(rows, "geo", names, "geo_label", t)
    return rows.select(
        "geo",
        "geo_label",
        "period",
        "isco08",
        "occupation",
        "shortage_index",
        "rank",
        "rank_min",
        "rank_max",
    ).sort("geo", "rank", "isco08")
