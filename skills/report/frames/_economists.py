"""The economists' frames: skill shares, polarisation, the Beveridge curve, mismatch
and shortage.

Each reads one or two published tables (``indicators``, ``polarisation_*``, ``models``,
``beveridge``, ``shortage``) for the region, its country, the EU and the benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from skills.report.frames._labels import (
    MISMATCH_IDS,
    SKILL_GROUP_ORDER,
    _geo_labels,
    _messages,
    _occupation,
    _year,
    frame_labels,
    geo_label,
)
from skills.report.i18n import Messages


def _skill_group_rows(
    indicators: pl.DataFrame, indicator: str, geos: Sequence[str]
) -> pl.DataFrame:
    """The ``indicator``'s values by skill group for ``geos`` (none missing)."""
    return indicators.filter(
        pl.col("indicator") == indicator,
        pl.col("geo").is_in(list(geos)),
        pl.col("skill_group").is_in(list(SKILL_GROUP_ORDER)),
        pl.col("value").is_not_null(),
    )


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
    rows = _skill_group_rows(indicators, "employment_share_pct", geos)
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
    rows = _geo_labels(rows, names, t)
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

    rows = _skill_group_rows(indicators, "employment_share_change_pp", geos)
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
    rows = _geo_labels(rows, names, t)
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
    out = _geo_labels(out, names, t)
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
    rows = _geo_labels(rows, names, t)
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
