"""Page assembly: one self-contained HTML page for one publication.

The page inlines the Vega + Vega-Lite + Vega-Embed bundle once (from
``vl_convert.javascript_bundle()``), holds each chart's Vega-Lite spec in a
``<script type="application/json">`` block and draws every chart with ``vegaEmbed``.
It loads nothing from anywhere: no ``<script src>``, no stylesheet or font links, no
images; the only links are to files of the same publication (``quality.html`` and the
chart exports), followed only when clicked.

Everything here is pure string building: :func:`render_page` takes what
:mod:`skills.report._build` prepared and returns the HTML text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from skills.quality._report import ValidationReport
    from skills.report._build import ChartItem
    from skills.report._publication import Publication

__all__ = ["render_page", "script_json"]

#: The input roles each model family is fitted on (by the model id's prefix).
MODEL_SOURCES: Mapping[str, tuple[str, ...]] = {
    "skill_share_panel": ("employment_by_occupation",),
    "polarisation_u_test": ("employment_by_occupation", "wages_by_occupation"),
    "matching_function": ("hires", "unemployment", "hiring_plans"),
}
ALL_ROLES: tuple[str, ...] = (
    "employment_by_occupation",
    "wages_by_occupation",
    "hires",
    "unemployment",
    "hiring_plans",
)

SECTIONS: Mapping[str, tuple[str, str]] = {
    "planners": (
        "For ITS planners",
        "What the ITS Academies train against what employers plan to hire, by technology "
        "area and province. Demand is planned entries (hiring contracts) at the ITS level "
        "mapped from occupations to areas through a versioned crosswalk; supply is ITS "
        "graduates per year. Every gap is shown for a named central specification with the "
        "range it takes over every modelling choice (docs/its-gap.md).",
    ),
    "economists": (
        "For labour economists",
        "Job polarisation, labour-market tightness and mismatch, occupational shortages and "
        "the fitted models. Series breaks are shown, never smoothed over.",
    ),
}

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 1.25rem 3rem; }
.banner { background: #fff4d6; border: 2px solid #8a5a00; color: #4a3000; padding: .6rem 1rem;
  font-weight: 700; text-align: center; letter-spacing: .02em; }
header.top { padding: 1.2rem 0 .4rem; border-bottom: 1px solid var(--rule); }
h1 { font-size: 1.7rem; margin: .2rem 0 .3rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .4rem; padding-top: .4rem;
  border-top: 3px solid var(--ink); }
h3 { font-size: 1.1rem; margin: 0 0 .3rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
p.meta, .muted { color: var(--muted); font-size: .92rem; }
code { font-size: .9em; }
nav.toc ol { columns: 2; margin: .5rem 0; padding-left: 1.2rem; font-size: .95rem; }
.notes { border-left: 4px solid var(--warn); background: #fdf1ea; padding: .5rem .9rem;
  margin: 1rem 0; }
.notes ul { margin: .2rem 0; padding-left: 1.1rem; }
figure.chart { margin: 1.6rem 0; padding: 1rem 1rem .6rem; border: 1px solid var(--rule);
  border-radius: 4px; break-inside: avoid; page-break-inside: avoid; }
figure.chart .vis { width: 100%; min-height: 120px; overflow-x: auto; }
figure.chart .vis svg { max-width: 100%; height: auto; }
figure.chart p.lead { margin: 0 0 .6rem; font-size: .95rem; }
figcaption { color: var(--muted); font-size: .82rem; margin-top: .5rem;
  border-top: 1px dotted var(--rule); padding-top: .4rem; }
.vega-bindings { margin: .4rem 0 .2rem; font-size: .92rem; }
.vega-bind { display: inline-block; margin-right: 1.2rem; }
.vega-bind select { font-size: .92rem; max-width: 22rem; }
ul.statements li { margin: .45rem 0; }
ul.statements .src { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .4rem 0 .3rem; }
th, td { text-align: left; padding: .28rem .5rem; border-bottom: 1px solid #e4e4e4;
  vertical-align: top; overflow-wrap: break-word; }
td.detail { color: var(--muted); font-size: .82rem; padding-top: 0; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; overflow-wrap: normal; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
  overflow-wrap: normal; }
tbody tr:nth-child(even) { background: #fafafa; }
.tablewrap { overflow-x: auto; }
.caption { color: var(--muted); font-size: .82rem; margin: 0 0 1rem; }
.status-pass { color: #006b4f; font-weight: 700; }
.status-fail { color: #a32000; font-weight: 700; }
.sev-error { color: #a32000; font-weight: 700; }
.sev-warning { color: #7a4d00; font-weight: 700; }
footer { margin-top: 3rem; border-top: 1px solid var(--rule); padding-top: .6rem;
  color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  html { font-size: 10.5pt; }
  .wrap { max-width: none; padding: 0; }
  nav.toc { display: none; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-before: page; page-break-before: always; }
  h2.first { break-before: auto; page-break-before: auto; }
  figure.chart { border: none; padding: 0; }
  figure.chart .vis { overflow: visible; }
  figure.chart .vis svg { width: 100% !important; height: auto !important; }
  .vega-bind select { border: none; -webkit-appearance: none; appearance: none; font-weight: 600; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 8.5pt; }
  tr, li { break-inside: avoid; }
}
"""

EMBED_JS = """
(function () {
  "use strict";
  var figures = document.querySelectorAll("figure[data-chart-id]");
  var pending = figures.length;
  function settle() {
    pending -= 1;
    if (pending <= 0) { document.body.setAttribute("data-charts-ready", "true"); }
  }
  if (pending === 0) { document.body.setAttribute("data-charts-ready", "true"); }
  var options = { renderer: "svg", actions: false, tooltip: { theme: "light" } };
  figures.forEach(function (figure) {
    var id = figure.getAttribute("data-chart-id");
    var target = figure.querySelector(".vis");
    var spec = JSON.parse(document.getElementById("spec-" + id).textContent);
    vegaEmbed(target, spec, options).then(function () {
      figure.setAttribute("data-rendered", "true");
      settle();
    }).catch(function (error) {
      figure.setAttribute("data-rendered", "error");
      target.textContent = "This chart could not be drawn: " + error;
      console.error("chart " + id + ": " + error);
      settle();
    });
  });
})();
"""


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe_script(code: str) -> str:
    """JavaScript that cannot close its ``<script>`` element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) < 10 ** -(digits - 1) or abs(value) >= 10**7):
            return f"{value:.{digits - 1}e}"
        return f"{value:,.{digits}f}"
    return _e(value)


def _p(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return "&lt; 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are already escaped HTML."""
    num = set(numeric)
    ths = "".join(
        f'<th{" class=num" if i in num else ""} scope="col">{h}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in num else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tablewrap"><table><thead><tr>{ths}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _caption(pub: Publication, sources: str) -> str:
    label = f" {_e(pub.data_label).upper()}." if pub.data_label else ""
    version = (pub.manifest.get("package") or {}).get("version", "?")
    return (
        f"Sources: {_e(sources)}. Run <code>{_e(pub.run_id)}</code>, skills {_e(version)}.{label}"
    )


# ----------------------------------------------------------------------------- sections
def _profile_section(pub: Publication, names: Mapping[str, str]) -> str:
    from skills.indicators.profile import profile_statements

    profile = pub.table("profile")
    region = pub.region
    title = f"{names.get(region, region)} ({region})" if region else "the region"
    out = [f'<section id="profile"><h2 class="first">Regional profile: {_e(title)}</h2>']
    if profile is None or profile.height == 0:
        out.append('<p class="muted">profile.parquet is not in this publication.</p></section>')
        return "".join(out)
    out.append(
        '<p class="muted">Headline statements generated from the published indicators, each '
        "with its source, latest period and Eurostat flags (b = series break, p = "
        "provisional, u = low reliability). Ranks are among the regions at the same NUTS "
        "level present in the data for that period.</p>"
    )
    statements = profile_statements(profile, names=names)
    out.append('<ul class="statements">')
    for text, row in zip(statements, profile.iter_rows(named=True), strict=True):
        main, _, src = text.partition(" Source: ")
        out.append(
            f'<li data-indicator="{_e(row["indicator"])}">{_e(main)} '
            f'<span class="src">Source: {_e(src)} Period {_e(row["period"])}.</span></li>'
        )
    out.append("</ul>")
    rows = []
    for r in profile.iter_rows(named=True):
        rows.append(
            [
                _e(r["label"]),
                _e(r["period"]),
                _num(r["value"], 1),
                _e(r["unit"]),
                _num(r["change"], 1) + (" (break)" if r["crosses_break"] else ""),
                _e(r["base_period"]),
                f"{r['rank']}&nbsp;of&nbsp;{r['regions_n']}" if r["regions_n"] else "",
                _e(r["flag"]),
                _e(r["source"]),
            ]
        )
    out.append(
        _table(
            ["Indicator", "Period", "Value", "Unit", "Change", "Since", "Rank", "Flags", "Source"],
            rows,
            numeric=[2, 4],
        )
    )
    from skills.report._build import describe_sources

    used = " ".join(str(s) for s in profile["source"].drop_nulls())
    roles = [
        str(i.get("role"))
        for i in pub.manifest.get("inputs") or ()
        if (i.get("dataset") or Path(str(i.get("location") or "x")).name.split(".")[0]) in used
    ]
    _, sources = describe_sources(pub.manifest, roles)
    out.append(f'<p class="caption">{_caption(pub, sources)}</p></section>')
    return "".join(out)


def _figure(item: ChartItem, pub: Publication) -> str:
    links = []
    for path in item.files:
        kind = (
            path.name.removeprefix(item.chart_id + ".").upper().replace("VL.JSON", "Vega-Lite JSON")
        )
        links.append(f'<a href="charts/{_e(path.name)}">{_e(kind)}</a>')
    files = f" Files: {', '.join(links)}." if links else ""
    return (
        f'<figure class="chart" id="chart-{item.chart_id}" data-chart-id="{item.chart_id}">'
        f"<h3>{_e(item.heading)}</h3>"
        f'<p class="lead">{_e(item.lead)}</p>'
        '<div class="vis"><noscript>This chart needs JavaScript; the same chart is in '
        f"charts/{item.chart_id}.svg.</noscript></div>"
        f"<figcaption>{_caption(pub, item.source_long)} Chart id <code>{item.chart_id}</code>; "
        f"{item.rows} rows of aggregated data.{files}</figcaption>"
        f"</figure>"
    )


def _models_section(pub: Publication) -> str:
    models = pub.table("models")
    glance = pub.table("models_glance")
    out = ['<section id="models"><h3>Model tables</h3>']
    if models is None or models.height == 0:
        out.append('<p class="muted">models.parquet is not in this publication.</p></section>')
        return "".join(out)
    out.append(
        '<p class="muted">One table per fitted model (models.parquet): estimates with '
        "standard errors, p-values and 95% confidence intervals under the stated covariance "
        "estimator. Summary statistics come from models_glance.parquet.</p>"
    )
    from skills.report._build import describe_sources

    glance_rows: dict[str, dict[str, Any]] = {}
    if glance is not None:
        glance_rows = {r["model_id"]: r for r in glance.iter_rows(named=True)}
    for model_id in models["model_id"].unique(maintain_order=True).to_list():
        rows = models.filter(pl.col("model_id") == model_id)
        family = model_id.split("[", 1)[0]
        _, sources = describe_sources(pub.manifest, MODEL_SOURCES.get(family, ALL_ROLES))
        out.append(
            f'<h4 id="model-{_e(re.sub(r"[^a-z0-9]+", "-", model_id.lower()))}">{_e(model_id)}</h4>'
        )
        g = glance_rows.get(model_id)
        if g:
            facts = [f"{_e(g.get('estimator'))}", f"nobs {_num(g.get('nobs'))}"]
            for key, label in (
                ("r2", "R²"),
                ("r2_within", "R² within"),
                ("clusters", "clusters"),
                ("turning_point", "turning point (percentile)"),
                ("x_min", "x min"),
                ("x_max", "x max"),
                ("returns_to_scale", "returns to scale"),
                ("crs_p_value", "CRS test p"),
                ("bootstrap_reps", "bootstrap replications"),
            ):
                value = g.get(key)
                if value is not None:
                    whole = isinstance(value, float) and value.is_integer()
                    facts.append(f"{label} {_num(int(value) if whole else value, 3)}")
            out.append(f'<p class="muted">{"; ".join(facts)}. Covariance: {_e(g.get("cov"))}.</p>')
        table_rows = [
            [
                f"<code>{_e(r['term'])}</code>",
                _num(r["estimate"]),
                _num(r["std_error"]),
                _p(r["p_value"]),
                f"[{_num(r['conf_low'])}, {_num(r['conf_high'])}]",
                _e(r["cov"]),
                _num(r["nobs"]),
            ]
            for r in rows.iter_rows(named=True)
        ]
        out.append(
            _table(
                ["Term", "Estimate", "Std. error", "p", "95% CI", "Covariance", "N obs."],
                table_rows,
                numeric=[1, 2, 3, 4, 6],
            )
        )
        out.append(f'<p class="caption">{_caption(pub, sources)}</p>')
    out.append("</section>")
    return "".join(out)


def _quality_section(pub: Publication) -> str:
    report = pub.quality
    out = ['<section id="quality"><h2>Data quality</h2>']
    link = (
        ' The full report is in <a href="quality.html">quality.html</a>.'
        if pub.has_quality_html
        else ""
    )
    if report is not None:
        out.append(_quality_from_report(report, link))
    else:
        out.append(
            '<p class="notes">quality.json is not in this publication: only the per-suite '
            f"outcome recorded in manifest.json is shown.{link}</p>"
        )
        rows = [
            [
                _e(v.get("table")),
                _e(v.get("suite")),
                _num(v.get("rows")),
                "passed" if v.get("passed") else "FAILED",
                _num(v.get("evaluated")),
                _num(v.get("errors")),
                _num(v.get("warnings")),
            ]
            for v in pub.manifest.get("validation") or ()
        ]
        if rows:
            out.append(
                _table(
                    ["Table", "Suite", "Rows", "Outcome", "Checks", "Errors", "Warnings"],
                    rows,
                    numeric=[2, 4, 5, 6],
                )
            )
    out.append(f'<p class="caption">{_caption(pub, "quality.json, manifest.json")}</p></section>')
    return "".join(out)


def _quality_from_report(report: ValidationReport, link: str) -> str:
    c = report.counts
    status = (
        '<span class="status-pass">passed</span>'
        if report.passed
        else '<span class="status-fail">FAILED</span>'
    )
    out = [
        f"<p>Validation {status}: {c['evaluated']:,} expectations on {len(report.by_table())} "
        f"tables; {c['succeeded']:,} met, <strong>{c['errors']}</strong> errors, "
        f"<strong>{c['warnings']}</strong> warnings, {c['skipped']} skipped.{link}</p>",
        _table(
            ["Evaluated", "Met", "Errors", "Warnings", "Skipped"],
            [
                [
                    _num(c["evaluated"]),
                    _num(c["succeeded"]),
                    _num(c["errors"]),
                    _num(c["warnings"]),
                    _num(c["skipped"]),
                ]
            ],
            numeric=[0, 1, 2, 3, 4],
        ),
    ]
    failures = report.failures()
    if failures:
        out.append("<h4>Failures and warnings</h4>")
        body = []
        for o in failures:
            expectation = f"<code>{_e(o.expectation)}</code>"
            if o.description:
                expectation += f"<br>{_e(o.description)}"
            body.append(
                "<tr>"
                f'<td><span class="sev-{o.severity}">{_e(o.severity)}</span></td>'
                f"<td>{_e(o.table)}</td><td>{expectation}</td>"
                f"<td>{_e(', '.join(o.columns))}</td><td>{_e(o.observed_text())}</td></tr>"
            )
            detail = []
            if o.example_text():
                detail.append(f"Example: {_e(o.example_text())}")
            if o.reason:
                detail.append(f"Why: {_e(o.reason)}")
            if detail:
                body.append(
                    f'<tr><td></td><td colspan="4" class="detail">{"<br>".join(detail)}</td></tr>'
                )
        out.append(
            '<div class="tablewrap"><table class="failures"><thead><tr>'
            + "".join(
                f'<th scope="col">{h}</th>'
                for h in ("Severity", "Table", "Expectation", "Column(s)", "Observed")
            )
            + f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
    else:
        out.append('<p class="muted">No expectation failed.</p>')
    out.append("<h4>By table</h4>")
    rows = [
        [
            _e(s["table"]),
            _e(s["suite"]),
            _num(s.get("rows")),
            "passed" if s["passed"] else "FAILED",
            _num(s["evaluated"]),
            _num(s["errors"]),
            _num(s["warnings"]),
        ]
        for s in report.per_suite()
    ]
    out.append(
        _table(
            ["Table", "Suite", "Rows", "Outcome", "Checks", "Errors", "Warnings"],
            rows,
            numeric=[2, 4, 5, 6],
        )
    )
    return "".join(out)


def _provenance_section(pub: Publication) -> str:
    m = pub.manifest
    pkg = m.get("package") or {}
    pipe = pub.pipeline
    facts = [
        ("Run id", f"<code>{_e(pub.run_id)}</code>"),
        ("Started", _e(m.get("started"))),
        ("Finished", _e(m.get("finished") or "(being published when this report was built)")),
        ("Package", f"{_e(pkg.get('name', 'skills'))} {_e(pkg.get('version'))}"),
        ("Code fingerprint", f"<code>{_e(str(pkg.get('code_fingerprint') or '')[:16])}</code>"),
        ("Run fingerprint", f"<code>{_e(m.get('fingerprint'))}</code>"),
        ("Pipeline", f"{_e(pipe.get('name'))}: {_e(pipe.get('title'))}"),
        (
            "Pipeline spec",
            f"{_e(Path(str(pipe.get('path') or '')).name)} "
            f"(sha256 <code>{_e(str(pipe.get('sha256') or '')[:12])}</code>)",
        ),
        ("Region", f"{_e(pipe.get('region'))} at NUTS {_e(pipe.get('nuts_version'))}"),
        ("Benchmarks", _e(", ".join(pipe.get("benchmarks") or ()))),
        ("Data label", _e(pub.data_label or "none (real data)")),
    ]
    out = ['<section id="provenance"><h2>Provenance</h2>']
    out.append(_table(["Item", "Value"], [[a, b] for a, b in facts]))
    out.append("<h4>Inputs</h4>")
    rows = []
    for i in m.get("inputs") or ():
        location = str(i.get("location") or "")
        filters = i.get("filters") or {}
        rows.append(
            [
                _e(i.get("role")),
                _e(i.get("kind")),
                f'<span title="{_e(location)}">'
                f"{_e(i.get('dataset') or Path(location).name)}</span>",
                _e(i.get("format")),
                f"<code>{_e(str(i.get('sha256') or '')[:12])}</code>",
                _num(i.get("bytes")),
                _num(i.get("rows")),
                _e(i.get("vintage") or "not stated"),
                _e(", ".join(f"{k}={','.join(map(str, v))}" for k, v in filters.items())),
            ]
        )
    out.append(
        _table(
            ["Role", "Kind", "Source", "Format", "sha256", "Bytes", "Rows", "Vintage", "Filters"],
            rows,
            numeric=[5, 6],
        )
    )
    crosswalks = m.get("crosswalks") or ()
    if crosswalks:
        out.append("<h4>Crosswalks</h4>")
        out.append(
            _table(
                ["Name", "Version", "Variants", "Links", "Shipped"],
                [
                    [
                        _e(c.get("name")),
                        f"<code>{_e(c.get('version'))}</code>",
                        _e(", ".join(c.get("variants") or ())),
                        _num(c.get("links")),
                        "yes" if c.get("shipped") else "no (user file)",
                    ]
                    for c in crosswalks
                ],
                numeric=[3],
            )
        )
    analyses = m.get("analyses") or ()
    if analyses:
        out.append("<h4>Analyses log</h4>")
        out.append(
            _table(
                ["Analysis", "Status", "Detail"],
                [
                    [_e(a.get("analysis")), _e(a.get("status")), _e(a.get("detail"))]
                    for a in analyses
                ],
            )
        )
    out.append(f'<p class="caption">{_caption(pub, "manifest.json")}</p></section>')
    return "".join(out)


# ----------------------------------------------------------------------------- the page
def render_page(
    pub: Publication,
    items: Sequence[ChartItem],
    notes: Sequence[str],
    *,
    bundle: str,
    names: Mapping[str, str],
    strict: bool = False,
) -> str:
    """The whole report page as HTML text.

    A section that cannot be written (an unexpected table layout, say, in an old
    publication) becomes a note in its place, unless ``strict``.
    """

    def guarded(anchor: str, heading: str, render: Callable[[], str]) -> str:
        try:
            return render()
        except Exception as exc:  # a report problem must not block a validated publication
            if strict:
                raise
            return (
                f'<section id="{anchor}"><h2>{_e(heading)}</h2><p class="notes">This section '
                f"could not be written: {_e(exc)}</p></section>"
            )

    title = str(pub.pipeline.get("title") or pub.pipeline.get("name") or "skills report")
    label = pub.data_label
    banner = (
        f'<div class="banner" role="note" id="data-label-banner">{_e(label.upper())}: every '
        "figure, table and statement in this report is built from synthetic data and says "
        "nothing about any real region.</div>"
        if label
        else ""
    )
    # every printed page carries the label in its top margin (CSS paged-media margin box)
    print_label = (
        "@page { @top-center { content: " + json.dumps(label.upper()) + "; font-size: 9pt;"
        " font-weight: 700; } }"
        if label
        else ""
    )
    version = (pub.manifest.get("package") or {}).get("version", "?")
    all_notes = [*pub.notes, *notes]
    notes_html = (
        '<div class="notes" role="note"><strong>Notes on this report</strong><ul>'
        + "".join(f"<li>{_e(n)}</li>" for n in all_notes)
        + "</ul></div>"
        if all_notes
        else ""
    )
    toc = [
        '<nav class="toc" aria-label="Contents"><ol>',
        '<li><a href="#profile">Regional profile</a></li>',
    ]
    body: list[str] = [guarded("profile", "Regional profile", lambda: _profile_section(pub, names))]
    for section, (heading, intro) in SECTIONS.items():
        toc.append(f'<li><a href="#{section}">{_e(heading)}</a></li>')
        body.append(
            f'<section id="{section}"><h2>{_e(heading)}</h2><p class="muted">{_e(intro)}</p>'
        )
        for item in items:
            if item.section == section:
                toc.append(f'<li><a href="#chart-{item.chart_id}">{_e(item.heading)}</a></li>')
                body.append(_figure(item, pub))
        if section == "economists":
            toc.append('<li><a href="#models">Model tables</a></li>')
            body.append(guarded("models", "Model tables", lambda: _models_section(pub)))
        body.append("</section>")
    toc.append(
        '<li><a href="#quality">Data quality</a></li>'
        '<li><a href="#provenance">Provenance</a></li></ol></nav>'
    )
    body.append(guarded("quality", "Data quality", lambda: _quality_section(pub)))
    body.append(guarded("provenance", "Provenance", lambda: _provenance_section(pub)))
    specs = "".join(
        f'<script type="application/json" id="spec-{item.chart_id}">'
        f"{script_json(item.spec)}</script>"
        for item in items
    )
    footer = (
        f"<footer>{_e(title)} · run <code>{_e(pub.run_id)}</code> · skills {_e(version)}"
        + (f" · <strong>{_e(label.upper())}</strong>" if label else "")
        + " · built by <code>skills report</code> from the publication's files; charts drawn "
        "with Vega-Lite, inlined.</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} · report · run {_e(pub.run_id)}</title>"
        f'<meta name="skills-run-id" content="{_e(pub.run_id)}">'
        f"<style>{CSS}{print_label}</style></head>"
        f'<body data-run-id="{_e(pub.run_id)}">{banner}<div class="wrap">'
        f'<header class="top"><h1>{_e(title)}</h1>'
        f'<p class="meta">Run <code>{_e(pub.run_id)}</code>'
        f" · started {_e(pub.manifest.get('started'))}"
        f" · skills {_e(version)} · region {_e(pub.region)} (NUTS {_e(pub.nuts_version)})</p>"
        f"{notes_html}{''.join(toc)}</header>"
        f"<main>{''.join(body)}</main>{footer}</div>"
        f"<script>{_safe_script(bundle)}</script>"
        f"{specs}<script>{EMBED_JS}</script>"
        "</body></html>\n"
    )
