"""Assemble the report: chart frames -> charts -> files (HTML, SVG, PNG, Vega-Lite JSON).

Called by :func:`skills.report.build_report`; altair and vl_convert are imported here
only, inside functions.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from skills.report import frames as fr
from skills.report._publication import Publication

__all__ = [
    "ChartItem",
    "prepare_charts",
    "render_processes",
    "static_spec",
    "write_chart_files",
]

log = logging.getLogger("skills.report")

#: Width used for the SVG/PNG/JSON exports of charts that fill their container on the page.
EXPORT_WIDTH = 760
#: PNG scale (1 = one pixel per Vega pixel); scale 2 costs about 40% more time and 2.3x bytes.
PNG_SCALE = 1.0

# chart id -> (section, heading, what it shows / how to read it, input roles, uses crosswalk)
CHART_TEXT: Mapping[str, tuple[str, str, str, tuple[str, ...], bool]] = {
    "its_gap_by_area": (
        "planners",
        "Supply-demand gap by technology area",
        "Planned entries at ITS level (hiring contracts firms plan, mapped to ITS technology "
        "areas through the crosswalk) minus ITS graduates per year, for the latest year, "
        "under the central specification. Bars are sorted by the gap; the error bar is the "
        "range over every modelling choice (crosswalk variant, allocation rule, minimum "
        "link weight, supply window): a wide bar means the answer depends on those choices "
        "(its_gap_sensitivity.parquet says which). Choose a province below the chart.",
        ("its_courses", "hiring_plans"),
        True,
    ),
    "its_supply_demand_trend": (
        "planners",
        "Graduates against planned entries, by area",
        "ITS graduates per year (trailing mean, dashed) against planned entries at ITS level "
        "(solid, with the range over every modelling choice shaded). Choose the province "
        "and the technology area below the chart.",
        ("its_courses", "hiring_plans"),
        True,
    ),
    "its_outcomes": (
        "planners",
        "ITS outcomes by foundation and area",
        "Graduates employed 12 months after the diploma, and of those the share in a job "
        "coherent with the course, over all course cohorts with a known outcome. Rates are "
        "ratios of sums (total employed over total graduates), not means of course rates; "
        "hover for the counts behind each rate.",
        ("its_courses",),
        False,
    ),
    "its_gap_drivers": (
        "planners",
        "Occupations that drive each gap",
        "The occupations (ISCO-08 groups) whose planned entries at ITS level make up an "
        "area's demand under the central specification, latest year; labels give the "
        "per cent of the area's demand. Crosswalk-based demand can be overstated by loosely "
        "related occupations: check the top rows. Choose the province and area below.",
        ("hiring_plans",),
        True,
    ),
    "skill_shares_trend": (
        "economists",
        "Employment shares by skill group",
        "Shares of employment in high-skill (ISCO 1-3), middle-skill (4, 7, 8) and "
        "low-skill (5, 9) occupations. Lines are not joined across a series break (dashed "
        "vertical rule, Eurostat flag b): the values on either side are not comparable.",
        ("employment_by_occupation",),
        False,
    ),
    "skill_share_change": (
        "economists",
        "Polarisation: change in shares",
        "Change in each skill group's share over the longest span without a series break "
        "and over the full range. A change across a break (pale, dashed outline) mixes "
        "real change with the break and is not a clean measure.",
        ("employment_by_occupation",),
        False,
    ),
    "polarisation_percentiles": (
        "economists",
        "Change by skill percentile",
        "Occupations ranked by base-year mean wage and spread over 100 employment-weighted "
        "percentiles: the change in each percentile's share of employment (points) and its "
        "smoothed value (line). Polarisation shows as a U: growth at both ends.",
        ("employment_by_occupation", "wages_by_occupation"),
        False,
    ),
    "polarisation_u_test": (
        "economists",
        "U-test and turning point",
        "Occupations' share change against their skill percentile (circles sized by "
        "base-year share), the published quadratic fit (dashed) and its turning point "
        "(vertical rule). The coefficients are in the model tables below.",
        ("employment_by_occupation", "wages_by_occupation"),
        False,
    ),
    "beveridge_curve": (
        "economists",
        "Beveridge curve",
        "Job vacancy rate against unemployment rate, year by year. A line never crosses a "
        "series break: each segment is drawn on its own. Movements along the curve are "
        "cyclical; shifts outward suggest worse matching.",
        ("unemployment_rate", "job_vacancies"),
        False,
    ),
    "mismatch_indices": (
        "economists",
        "Mismatch indices",
        "Jackman-Roper structural imbalance (unemployed against planned hires across "
        "provinces), the Sahin-Song-Topa-Violante mismatch index (alpha 0.5; band over "
        "alpha 0.3-0.7) and the ITS area mismatch between graduates and crosswalked demand "
        "(central crosswalk; band over variants). Each panel has its own scale.",
        ("unemployment", "hiring_plans", "its_courses"),
        True,
    ),
    "shortage_ranking": (
        "economists",
        "Shortage ranking",
        "Occupational shortage index (Skills-for-Jobs style; > 0 shortage, < 0 surplus), "
        "sorted by rank, with the range of ranks over alternative weightings of its "
        "components: a long rule means the rank depends on the weights.",
        ("employment_by_occupation", "wages_by_occupation"),
        False,
    ),
}


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


def _short_date(vintage: Any) -> str | None:
    return str(vintage)[:10] if vintage else None


def describe_sources(
    manifest: Mapping[str, Any], roles: Sequence[str], *, crosswalk: bool = False
) -> tuple[str, str]:
    """Short (subtitle) and long (caption) text naming the inputs and their vintages."""
    inputs = {str(i.get("role")): i for i in manifest.get("inputs") or () if isinstance(i, Mapping)}
    short: list[str] = []
    long: list[str] = []
    for role in roles:
        item = inputs.get(role)
        if item is None:
            continue
        location = str(item.get("location") or "")
        name = str(item.get("dataset") or Path(location).name or role)
        vintage = _short_date(item.get("vintage"))
        sha = str(item.get("sha256") or "")[:12]
        short.append(f"{name} ({'vintage ' + vintage if vintage else 'sha256 ' + sha})")
        long.append(
            f"{role}: {name} (vintage {item.get('vintage') or 'not stated by the source'}; "
            f"sha256 {sha}; {item.get('rows', '?')} rows)"
        )
    if crosswalk:
        for cw in manifest.get("crosswalks") or ():
            short.append(f"crosswalk {cw.get('version')}")
            long.append(
                f"crosswalk {cw.get('name')} {cw.get('version')} "
                f"(variants {', '.join(cw.get('variants') or ())})"
            )
    return (
        "; ".join(short) or "not recorded in the manifest",
        "; ".join(long) or "not recorded in the manifest",
    )


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


def _area_labels() -> dict[str, str]:
    from skills.classifications import its_areas

    return dict(its_areas().select("its_area", "label_en").iter_rows())


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


def frame_plans(pub: Publication) -> dict[str, Callable[[], pl.DataFrame]]:
    """How to make each chart's frame from this publication (absent inputs: no plan)."""
    names = _names(pub)
    areas = _area_labels()
    titles = _isco_titles()
    region = pub.region
    t = pub.table
    plans: dict[str, Callable[[], pl.DataFrame]] = {}
    if (gap := t("its_gap")) is not None:
        plans["its_gap_by_area"] = lambda: fr.its_gap_by_area_frame(
            gap, region=region, names=names, area_labels=areas
        )
        plans["its_supply_demand_trend"] = lambda: fr.its_supply_demand_trend_frame(
            gap, region=region, names=names, area_labels=areas
        )
    if (courses := t("its_courses")) is not None:
        plans["its_outcomes"] = lambda: fr.its_outcomes_frame(courses, area_labels=areas)
    if (drivers := t("its_gap_drivers")) is not None:
        plans["its_gap_drivers"] = lambda: fr.its_gap_drivers_frame(
            drivers, region=region, names=names, area_labels=areas, isco_titles=titles
        )
    if (ind := t("indicators")) is not None:
        shares_geos = fr.focus_geos(
            region,
            pub.benchmarks,
            ind.filter(pl.col("indicator") == "employment_share_pct")["geo"].unique().to_list(),
        )
        plans["skill_shares_trend"] = lambda: fr.skill_shares_trend_frame(
            ind, geos=shares_geos, names=names
        )
        plans["skill_share_change"] = lambda: fr.skill_share_change_frame(
            ind, geos=shares_geos, names=names
        )
        plans["mismatch_indices"] = lambda: fr.mismatch_indices_frame(ind, region=region)
    if (pct := t("polarisation_percentiles")) is not None:
        plans["polarisation_percentiles"] = lambda: fr.polarisation_percentiles_frame(
            pct, prefer=[region, region[:2]], names=names
        )
    occ, models, glance = t("polarisation_occupations"), t("models"), t("models_glance")
    if occ is not None and models is not None and glance is not None:
        plans["polarisation_u_test"] = lambda: fr.polarisation_u_test_frame(
            occ, models, glance, isco_titles=titles
        )
    if (bev := t("beveridge")) is not None:
        plans["beveridge_curve"] = lambda: fr.beveridge_frame(bev, names=names)
    if (short := t("shortage")) is not None:
        geos = fr.focus_geos(region, pub.benchmarks, short["geo"].unique().to_list())
        plans["shortage_ranking"] = lambda: fr.shortage_ranking_frame(
            short, t("shortage_sensitivity"), geos=geos, names=names, isco_titles=titles
        )
    return plans


def chart_frames(pub: Publication) -> dict[str, pl.DataFrame]:
    """Every chart's frame for this publication (a chart whose inputs are absent is left out)."""
    return {chart_id: plan() for chart_id, plan in frame_plans(pub).items()}


def prepare_charts(pub: Publication, *, strict: bool = False) -> tuple[list[ChartItem], list[str]]:
    """Build every chart the publication has data for; return them and notes on the rest."""
    from skills.report.charts import BUILDERS, ChartContext

    notes: list[str] = []
    items: list[ChartItem] = []
    plans = frame_plans(pub)
    defaults = {"geo": pub.region}
    area = _default_area(pub.table("its_gap"), pub.region)
    if area:
        defaults["its_area"] = area
    for chart_id, builder in BUILDERS.items():
        section, heading, lead, roles, crosswalk = CHART_TEXT[chart_id]
        short, long = describe_sources(pub.manifest, roles, crosswalk=crosswalk)
        item = ChartItem(chart_id, section, heading, lead, short, long)
        plan = plans.get(chart_id)
        if plan is None:
            notes.append(f"{heading} ({chart_id}): the publication has no table for this chart.")
            continue
        ctx = ChartContext(
            run_id=pub.run_id, source=short, data_label=pub.data_label, defaults=defaults
        )
        try:
            frame = plan()
            if frame.height == 0:
                notes.append(f"{heading} ({chart_id}): the publication has no data for this chart.")
                continue
            item.chart = builder(frame, ctx)
            item.spec = item.chart.to_dict()
        except Exception as exc:  # a report problem must not block a validated publication
            if strict:
                raise
            log.warning("report chart %s could not be built: %s", chart_id, exc)
            notes.append(f"{heading} ({chart_id}) could not be drawn: {exc}")
            continue
        item.rows = frame.height
        items.append(item)
    return items, notes


def static_spec(spec: Mapping[str, Any], width: int = EXPORT_WIDTH) -> dict[str, Any]:
    """A copy of ``spec`` with ``width: "container"`` fixed, for SVG/PNG/JSON export."""
    out = copy.deepcopy(dict(spec))

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("width") == "container":
                node["width"] = width
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(out)
    return out


#: Charts rendered to SVG/PNG from this many on are shared with a helper process.
PARALLEL_MIN_CHARTS = 4
#: The helper process's module (``python -m HELPER_MODULE JOBS.json``).
HELPER_MODULE = "skills.report._render"


def render_processes() -> int:
    """Processes that render chart images: ``$SKILLS_REPORT_PROCESSES``, else 2 on a
    machine with at least two CPUs, else 1 (no helper)."""
    import os

    raw = os.environ.get("SKILLS_REPORT_PROCESSES", "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return min(int(raw), 2)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def write_chart_files(
    items: Sequence[ChartItem],
    folder: Path,
    formats: Sequence[str],
    vl_version: str,
    *,
    processes: int | None = None,
    strict: bool = False,
) -> tuple[dict[str, float], list[str]]:
    """Write ``charts/<id>.vl.json|.svg|.png``; return seconds per format and notes.

    A chart vl-convert cannot render gets no SVG/PNG file and a note (``strict`` raises
    instead): an export problem never blocks a validated publication.

    SVG and PNG rendering (``vl_convert``, 0.2-0.4 s a chart, serialised within a
    process) is shared with one helper process (:mod:`skills.report._render`) when
    ``processes`` (default :func:`render_processes`) is 2 and there are at least
    :data:`PARALLEL_MIN_CHARTS` charts: about 40% less time for the demo's 11 charts on
    two cores. If the helper fails, its charts are rendered here; the files are the same
    either way.
    """
    want = {f for f in formats if f in {"json", "svg", "png"}}
    timings = {"json": 0.0, "svg": 0.0, "png": 0.0}
    failed: dict[str, str] = {}
    if not want:
        return timings, []
    folder.mkdir(parents=True, exist_ok=True)
    specs = {item.chart_id: static_spec(item.spec) for item in items}
    if "json" in want:
        t0 = time.perf_counter()
        for item in items:
            path = folder / f"{item.chart_id}.vl.json"
            text = json.dumps(specs[item.chart_id], indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
        timings["json"] += time.perf_counter() - t0
    images = sorted(want & {"svg", "png"})
    if images:
        from skills.report._render import render_charts

        jobs = [
            {
                "id": item.chart_id,
                "spec": specs[item.chart_id],
                "svg": str(folder / f"{item.chart_id}.svg"),
                "png": str(folder / f"{item.chart_id}.png"),
            }
            for item in items
        ]
        n = render_processes() if processes is None else processes
        helper_jobs = jobs[1::2] if n >= 2 and len(jobs) >= PARALLEL_MIN_CHARTS else []
        own_jobs = jobs[0::2] if helper_jobs else jobs
        with _Helper(helper_jobs, images, vl_version) as helper:
            spent, failed = render_charts(own_jobs, images, vl_version, PNG_SCALE)
            helper_failed = helper.wait()
            if helper_failed is None:
                spent_more, helper_failed = render_charts(
                    helper_jobs, images, vl_version, PNG_SCALE
                )
                spent = {k: spent[k] + spent_more[k] for k in spent}
            failed.update(helper_failed)
        timings.update(spent)
    if failed and strict:
        raise RuntimeError(f"charts could not be rendered: {failed}")
    notes = [
        f"{item.heading} ({item.chart_id}): no SVG/PNG file, vl-convert failed: "
        f"{failed[item.chart_id]}"
        for item in items
        if item.chart_id in failed
    ]
    for note in notes:
        log.warning("report: %s", note)
    for item in items:
        item.files.extend(
            folder / f"{item.chart_id}.{ext}"
            for ext, fmt in (("vl.json", "json"), ("svg", "svg"), ("png", "png"))
            if fmt in want and (fmt == "json" or item.chart_id not in failed)
        )
    return timings, notes


class _Helper:
    """A helper process rendering ``jobs``; killed if the parent leaves early."""

    def __init__(self, jobs: list[dict[str, Any]], formats: list[str], vl_version: str) -> None:
        self.jobs = jobs
        self.formats = formats
        self.vl_version = vl_version
        self.process: Any = None
        self.jobs_file: Path | None = None

    def __enter__(self) -> _Helper:
        if not self.jobs:
            return self
        import os
        import subprocess
        import sys
        import tempfile

        fd, name = tempfile.mkstemp(prefix="skills-render-", suffix=".json")
        self.jobs_file = Path(name)
        payload = {
            "vl_version": self.vl_version,
            "formats": self.formats,
            "png_scale": PNG_SCALE,
            "charts": self.jobs,
        }
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", HELPER_MODULE, str(self.jobs_file)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            log.warning("could not start the chart helper process (%s); rendering here", exc)
            self.process = None
        return self

    def wait(self) -> dict[str, str] | None:
        """Wait for the helper: the charts it could not render (id -> message), or None
        when the helper itself failed (or left files missing) and its charts must be
        rendered here."""
        if not self.jobs:
            return {}
        if self.process is None:
            return None
        out, err = self.process.communicate()
        failed: dict[str, str] | None = None
        lines = out.decode(errors="replace").strip().splitlines()
        if self.process.returncode == 0 and lines:
            try:
                failed = dict(json.loads(lines[-1])["failed"])
            except (ValueError, KeyError, TypeError):
                failed = None
        missing = [
            job[fmt]
            for job in self.jobs
            for fmt in self.formats
            if job["id"] not in (failed or {}) and not Path(job[fmt]).is_file()
        ]
        if failed is None or missing:
            detail = err.decode(errors="replace").strip() or f"{len(missing)} files missing"
            log.warning("chart helper process failed (%s); rendering its charts here", detail)
            return None
        return failed

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.jobs_file is not None:
            self.jobs_file.unlink(missing_ok=True)
