"""Assemble the report's charts: publication tables -> chart frames -> Altair charts.

Called by :func:`skills.report.build_report` once per language: every heading, lead,
note and source description comes from the message catalogue through a
:class:`~skills.report.i18n.Messages` (``t``). altair is imported only inside
:func:`prepare_charts`. Writing the charts' files (SVG, PNG, Vega-Lite JSON) is
:mod:`skills.report._chart_files`; its public names are imported here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from skills.report import frames as fr
from skills.report._chart_files import (
    render_notes,
    render_processes,
    static_spec,
    write_chart_files,
)
from skills.report._publication import Publication
from skills.report.i18n import Messages

__all__ = [
    "CHART_TEXT",
    "ChartItem",
    "chart_heading",
    "chart_lead",
    "prepare_charts",
    "render_notes",
    "render_processes",
    "static_spec",
    "write_chart_files",
]

log = logging.getLogger("skills.report")

#: chart id -> (section, input roles, uses the crosswalk). The heading and the lead (what
#: the chart shows and how to read it) are the messages ``chart.<chart_id>.heading`` and
#: ``chart.<chart_id>.lead``.
CHART_TEXT: Mapping[str, tuple[str, tuple[str, ...], bool]] = {
    "its_gap_by_area": ("planners", ("its_courses", "hiring_plans"), True),
    "its_gap_map": ("planners", ("its_courses", "hiring_plans"), True),
    "its_supply_demand_trend": ("planners", ("its_courses", "hiring_plans"), True),
    "its_outcomes": ("planners", ("its_courses",), False),
    "its_gap_drivers": ("planners", ("hiring_plans",), True),
    "skill_shares_trend": ("economists", ("employment_by_occupation",), False),
    "skill_share_change": ("economists", ("employment_by_occupation",), False),
    "polarisation_percentiles": (
        "economists",
        ("employment_by_occupation", "wages_by_occupation"),
        False,
    ),
    "polarisation_u_test": (
        "economists",
        ("employment_by_occupation", "wages_by_occupation"),
        False,
    ),
    "beveridge_curve": ("economists", ("unemployment_rate", "job_vacancies"), False),
    "mismatch_indices": ("economists", ("unemployment", "hiring_plans", "its_courses"), True),
    "shortage_ranking": ("economists", ("employment_by_occupation", "wages_by_occupation"), False),
}


def chart_heading(chart_id: str, t: Messages) -> str:
    """The heading of ``chart_id`` on the page (``chart.<chart_id>.heading``)."""
    return t(f"chart.{chart_id}.heading")


def chart_lead(chart_id: str, t: Messages) -> str:
    """What ``chart_id`` shows and how to read it (``chart.<chart_id>.lead``)."""
    return t(f"chart.{chart_id}.lead")


@dataclass
class ChartItem:
    """One chart of the page: its texts, its Altair chart and where its data came from."""

    chart_id: str
    section: str
    heading: str
    lead: str
    source_short: str
    source_long: str
    chart: Any = None
    spec: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    files: list[Path] = field(default_factory=list)
    #: Why vl-convert could not render the chart's SVG/PNG (None when it could).
    render_error: str | None = None


def _vintage(vintage: Any, t: Messages) -> str | None:
    """A source's vintage as a date in the reader's language (as recorded if not a date)."""
    if not vintage:
        return None
    try:
        return t.date(str(vintage)[:10], time=False)
    except ValueError:
        return str(vintage)


def describe_sources(
    manifest: Mapping[str, Any],
    roles: Sequence[str],
    *,
    crosswalk: bool = False,
    t: Messages | None = None,
) -> tuple[str, str]:
    """Short (subtitle) and long (caption) text naming the inputs and their vintages."""
    t = t if t is not None else Messages("en")
    inputs = {str(i.get("role")): i for i in manifest.get("inputs") or () if isinstance(i, Mapping)}
    short: list[str] = []
    long: list[str] = []
    for role in roles:
        item = inputs.get(role)
        if item is None:
            continue
        location = str(item.get("location") or "")
        name = str(item.get("dataset") or Path(location).name or role)
        vintage = _vintage(item.get("vintage"), t)
        sha = str(item.get("sha256") or "")[:12]
        short.append(
            t("page.sources.short_vintage", name=name, vintage=vintage)
            if vintage
            else t("page.sources.short_sha", name=name, sha=sha)
        )
        rows = item.get("rows")
        count = t.number(rows) if isinstance(rows, int | float) else "?"
        long.append(
            t("page.sources.long", role=role, name=name, vintage=vintage, sha=sha, rows=count)
            if vintage
            else t("page.sources.long_no_vintage", role=role, name=name, sha=sha, rows=count)
        )
    if crosswalk:
        for cw in manifest.get("crosswalks") or ():
            short.append(t("page.sources.crosswalk_short", version=cw.get("version")))
            variants = ", ".join(cw.get("variants") or ())
            long.append(
                t(
                    "page.sources.crosswalk_long",
                    name=cw.get("name"),
                    version=cw.get("version"),
                    variants=variants,
                )
                if variants
                else t(
                    "page.sources.crosswalk_long_plain",
                    name=cw.get("name"),
                    version=cw.get("version"),
                )
            )
    none = t("page.sources.none")
    return "; ".join(short) or none, "; ".join(long) or none


def _names(pub: Publication) -> dict[str, str]:
    from skills.classifications import nuts_regions

    version = pub.nuts_version
    try:
        table = nuts_regions(version) if version else nuts_regions()
    except Exception:  # an unknown NUTS version: fall back to every version's names
        table = nuts_regions()
    names: dict[str, str] = {}
    for code, name in table.sort("nuts_version").select("nuts_code", "name").iter_rows():
        names[code] = name
    return names


def _area_labels(t: Messages) -> dict[str, str]:
    """The full ITS area names in the reader's language (``label_it`` / ``label_en``)."""
    from skills.classifications import its_areas

    areas = its_areas()
    column = f"label_{t.lang}" if f"label_{t.lang}" in areas.columns else "label_en"
    return dict(areas.select("its_area", column).iter_rows())


def _isco_titles() -> dict[str, str]:
    from skills.classifications import isco08_groups

    return dict(isco08_groups().select("isco08", "title_en").iter_rows())


def _default_area(gap: pl.DataFrame | None, region: str) -> str | None:
    """The area with the largest gap in the region, latest year (the selectors' default)."""
    if gap is None or gap.height == 0 or not {"year", "geo", "gap_n"} <= set(gap.columns):
        return None
    top = gap.filter(pl.col("year") == gap["year"].max(), pl.col("geo") == region).sort(
        "gap_n", "its_area", descending=[True, False]
    )
    return str(top["its_area"][0]) if top.height else None


def frame_plans(
    pub: Publication, t: Messages | None = None
) -> dict[str, Callable[[], pl.DataFrame]]:
    """How to make each chart's frame from this publication (absent inputs: no plan), with
    the labels in ``t``'s language (English by default)."""
    from skills.report.maps import its_gap_map_frame

    t = t if t is not None else Messages("en")
    names = _names(pub)
    areas = _area_labels(t)
    titles = _isco_titles()
    region = pub.region
    table = pub.table
    plans: dict[str, Callable[[], pl.DataFrame]] = {}
    if (gap := table("its_gap")) is not None:
        plans["its_gap_by_area"] = lambda: fr.its_gap_by_area_frame(
            gap, region=region, names=names, area_labels=areas, t=t
        )
        plans["its_gap_map"] = lambda: its_gap_map_frame(
            gap, region=region, names=names, area_labels=areas
        )
        plans["its_supply_demand_trend"] = lambda: fr.its_supply_demand_trend_frame(
            gap, region=region, names=names, area_labels=areas, t=t
        )
    if (courses := table("its_courses")) is not None:
        plans["its_outcomes"] = lambda: fr.its_outcomes_frame(courses, area_labels=areas, t=t)
    if (drivers := table("its_gap_drivers")) is not None:
        plans["its_gap_drivers"] = lambda: fr.its_gap_drivers_frame(
            drivers, region=region, names=names, area_labels=areas, isco_titles=titles, t=t
        )
    if (ind := table("indicators")) is not None:
        shares_geos = fr.focus_geos(
            region,
            pub.benchmarks,
            ind.filter(pl.col("indicator") == "employment_share_pct")["geo"].unique().to_list(),
        )
        plans["skill_shares_trend"] = lambda: fr.skill_shares_trend_frame(
            ind, geos=shares_geos, names=names, t=t
        )
        plans["skill_share_change"] = lambda: fr.skill_share_change_frame(
            ind, geos=shares_geos, names=names, t=t
        )
        plans["mismatch_indices"] = lambda: fr.mismatch_indices_frame(ind, region=region, t=t)
    if (pct := table("polarisation_percentiles")) is not None:
        plans["polarisation_percentiles"] = lambda: fr.polarisation_percentiles_frame(
            pct, prefer=[region, region[:2]], names=names, t=t
        )
    occ, models, glance = (
        table("polarisation_occupations"),
        table("models"),
        table("models_glance"),
    )
    if occ is not None and models is not None and glance is not None:
        plans["polarisation_u_test"] = lambda: fr.polarisation_u_test_frame(
            occ, models, glance, isco_titles=titles, t=t
        )
    if (bev := table("beveridge")) is not None:
        bev_focus = fr.focus_geos(region, pub.benchmarks, bev["geo"].unique().to_list())
        plans["beveridge_curve"] = lambda: fr.beveridge_frame(
            bev, names=names, t=t, focus=bev_focus
        )
    if (short := table("shortage")) is not None:
        geos = fr.focus_geos(region, pub.benchmarks, short["geo"].unique().to_list())
        plans["shortage_ranking"] = lambda: fr.shortage_ranking_frame(
            short, table("shortage_sensitivity"), geos=geos, names=names, isco_titles=titles, t=t
        )
    return plans


def chart_frames(pub: Publication, t: Messages | None = None) -> dict[str, pl.DataFrame]:
    """Every chart's frame for this publication (a chart whose inputs are absent is left out)."""
    return {chart_id: plan() for chart_id, plan in frame_plans(pub, t).items()}


def prepare_charts(
    pub: Publication, *, t: Messages | None = None, strict: bool = False
) -> tuple[list[ChartItem], list[str]]:
    """Build every chart the publication has data for, in ``t``'s language (English by
    default); return them and notes on the rest."""
    from skills.report.charts import BUILDERS, ChartContext

    t = t if t is not None else Messages("en")
    notes: list[str] = []
    items: list[ChartItem] = []
    plans = frame_plans(pub, t)
    defaults = {"geo": pub.region}
    area = _default_area(pub.table("its_gap"), pub.region)
    if area:
        defaults["its_area"] = area
    for chart_id, builder in BUILDERS.items():
        section, roles, crosswalk = CHART_TEXT[chart_id]
        heading = chart_heading(chart_id, t)
        short, long = describe_sources(pub.manifest, roles, crosswalk=crosswalk, t=t)
        item = ChartItem(chart_id, section, heading, chart_lead(chart_id, t), short, long)
        plan = plans.get(chart_id)
        if plan is None:
            notes.append(t("page.note.no_table", heading=heading, chart_id=chart_id))
            continue
        ctx = ChartContext(
            run_id=pub.run_id, source=short, data_label=pub.data_label, defaults=defaults, t=t
        )
        try:
            frame = plan()
            if frame.height == 0:
                notes.append(t("page.note.no_data", heading=heading, chart_id=chart_id))
                continue
            item.chart = builder(frame, ctx)
            # our own builders make the specs: schema validation (jsonschema, about a
            # sixth of the charts' time) runs where strict=True, i.e. in the tests
            item.spec = item.chart.to_dict(validate=strict)
        except Exception as exc:  # a report problem must not block a validated publication
            if strict:
                raise
            log.warning("report chart %s could not be built: %s", chart_id, exc)
            notes.append(t("page.note.not_drawn", heading=heading, chart_id=chart_id, error=exc))
            continue
        item.rows = frame.height
        items.append(item)
    return items, notes
