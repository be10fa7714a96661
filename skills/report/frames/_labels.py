"""The labels every chart frame carries: series, spans, skill groups, geo names.

Every label comes from the message catalogue through a
:class:`~skills.report.i18n.Messages` (``t``; English when not given); the private
expressions here (geo labels, occupation titles, years) are shared by the ITS and the
economists' frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from skills.report.i18n import Messages

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


def _geo_labels(frame: pl.DataFrame, names: Mapping[str, str], t: Messages | None) -> pl.DataFrame:
    """``frame`` with ``geo_label``: :func:`geo_label` of each ``geo`` code."""
    codes = frame["geo"].unique().to_list()
    mapping = {c: geo_label(c, names, t) for c in codes if c is not None}
    return frame.with_columns(
        pl.col("geo").replace_strict(mapping, default=None).alias("geo_label")
    )


def _region_labels(
    frame: pl.DataFrame, region: str, names: Mapping[str, str], t: Messages | None
) -> pl.DataFrame:
    """``geo_label`` for provinces and the region, which is the sum of its provinces."""
    t = _messages(t)
    name = names.get(region)
    label = t("frame.region_sum", name=name, code=region) if name else region
    return _geo_labels(frame, names, t).with_columns(
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
